use crate::api::teams::team_names;
use crate::api::users::{
    list_users, CreateUser, ResetUserPassword, SetUserActive, UpdateUser, UserForm,
};
use crate::components::forms::{action_error, confirm, ErrorAlert, FormError, Notice, TextField};
use crate::components::session::{use_session, RequirePermission};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::{TeamRef, UserSummary};
use shared::{Permission, Role, TeamId, UserId};

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Usuários" />
        <RequirePermission permission=Permission::ManageUsers>
            <UsersAdmin />
        </RequirePermission>
    }
}

/// What the editor panel is doing.
#[derive(Clone, PartialEq)]
enum Editing {
    Nothing,
    New,
    User(Box<UserSummary>),
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let session = use_session();
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_users(),
    );
    let teams = Resource::new(|| (), |_| team_names());
    let editing = RwSignal::new(Editing::Nothing);
    let notice = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            editing.set(Editing::Nothing);
            notice.set(Some("Usuário criado.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(Editing::Nothing);
            notice.set(Some("Alterações salvas.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = set_active.value().get() {
            notice.set(Some("Situação do usuário atualizada.".into()));
        }
    });
    let me = move || session.user().map(|u| u.id);
    let list_error = Signal::derive(move || {
        action_error(set_active)
            .get()
            .or_else(|| action_error(reset).get())
    });

    view! {
        <div class="mb-6 flex flex-wrap items-center justify-between gap-4">
            <div>
                <h1 class="titulo-pagina">"Usuários"</h1>
                <p class="text-tinta-suave">"Administradores, supervisores e atendentes da operação."</p>
            </div>
            <button
                type="button"
                class="botao-primario"
                on:click=move |_| {
                    notice.set(None);
                    editing.set(Editing::New);
                }
            >
                "Novo usuário"
            </button>
        </div>
        <Notice message=notice />
        <FormError error=list_error />
        {move || {
            reset
                .value()
                .get()
                .and_then(|r| r.ok())
                .map(|password| {
                    view! {
                        <div class="alerta-ok" role="status">
                            "Senha temporária (mostrada só agora): "
                            <code class="rounded bg-white px-2 py-0.5 font-mono text-base">
                                {password}
                            </code>
                            " — as sessões do usuário foram encerradas."
                        </div>
                    }
                })
        }}
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                let team_list = teams.await.unwrap_or_default();
                match editing.get() {
                    Editing::Nothing => None,
                    Editing::New => {
                        Some(
                            view! {
                                <UserEditor
                                    user=None
                                    teams=team_list
                                    create
                                    update
                                    on_cancel=move || editing.set(Editing::Nothing)
                                />
                            }
                                .into_any(),
                        )
                    }
                    Editing::User(u) => {
                        Some(
                            view! {
                                <UserEditor
                                    user=Some(*u)
                                    teams=team_list
                                    create
                                    update
                                    on_cancel=move || editing.set(Editing::Nothing)
                                />
                            }
                                .into_any(),
                        )
                    }
                }
            })}
            {move || Suspend::new(async move {
                match users.await {
                        Err(e) => {
                            view! { <ErrorAlert error=e /> }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <div class="cartao overflow-x-auto p-0">
                                    <table class="tabela">
                                        <thead>
                                            <tr>
                                                <th scope="col">"Nome"</th>
                                                <th scope="col">"Papel"</th>
                                                <th scope="col">"Equipes"</th>
                                                <th scope="col">"Capacidade"</th>
                                                <th scope="col">"2FA"</th>
                                                <th scope="col">"Situação"</th>
                                                <th scope="col">
                                                    <span class="sr-only">"Ações"</span>
                                                </th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|u| {
                                                    let id = u.id;
                                                    let active = u.active;
                                                    let is_me = me() == Some(id);
                                                    let row_user = u.clone();
                                                    let who = u.name.clone();
                                                    view! {
                                                        <tr class:opacity-60=!active data-email=u.email.clone()>
                                                            <td>
                                                                <div class="font-medium">{u.name.clone()}</div>
                                                                <div class="text-xs text-tinta-suave">{u.email.clone()}</div>
                                                            </td>
                                                            <td>{u.role.label()}</td>
                                                            <td class="text-sm">
                                                                {if u.teams.is_empty() {
                                                                    "—".to_owned()
                                                                } else {
                                                                    u.teams
                                                                        .iter()
                                                                        .map(|t| t.name.as_str())
                                                                        .collect::<Vec<_>>()
                                                                        .join(", ")
                                                                }}
                                                            </td>
                                                            <td class="tabular-nums">{u.capacity}</td>
                                                            <td>
                                                                {if u.totp_enabled {
                                                                    "Ativa"
                                                                } else if u.is_demo {
                                                                    "Isento (demo)"
                                                                } else {
                                                                    "—"
                                                                }}
                                                            </td>
                                                            <td>
                                                                <span class=if active {
                                                                    "etiqueta-ok"
                                                                } else {
                                                                    "etiqueta-neutra"
                                                                }>{if active { "Ativo" } else { "Desativado" }}</span>
                                                            </td>
                                                            <td class="whitespace-nowrap text-right">
                                                                <button
                                                                    type="button"
                                                                    class="botao-link"
                                                                    on:click=move |_| {
                                                                        notice.set(None);
                                                                        editing.set(Editing::User(Box::new(row_user.clone())));
                                                                    }
                                                                >
                                                                    "Editar"
                                                                </button>
                                                                <button
                                                                    type="button"
                                                                    class="botao-link"
                                                                    on:click={
                                                                        let who = who.clone();
                                                                        move |_| {
                                                                            if confirm(
                                                                                &format!(
                                                                                    "Gerar uma senha temporária para {who}? As sessões abertas dessa pessoa serão encerradas.",
                                                                                ),
                                                                            ) {
                                                                                reset.dispatch(ResetUserPassword { id });
                                                                            }
                                                                        }
                                                                    }
                                                                >
                                                                    "Redefinir senha"
                                                                </button>
                                                                <Show when=move || !is_me>
                                                                    <button
                                                                        type="button"
                                                                        class="botao-link"
                                                                        class:text-red-700=active
                                                                        on:click={
                                                                            let who = who.clone();
                                                                            move |_| {
                                                                                let question = if active {
                                                                                    format!(
                                                                                        "Desativar {who}? A pessoa perde o acesso imediatamente.",
                                                                                    )
                                                                                } else {
                                                                                    format!("Reativar {who}?")
                                                                                };
                                                                                if confirm(&question) {
                                                                                    set_active
                                                                                        .dispatch(SetUserActive {
                                                                                            id,
                                                                                            active: !active,
                                                                                        });
                                                                                }
                                                                            }
                                                                        }
                                                                    >
                                                                        {if active { "Desativar" } else { "Reativar" }}
                                                                    </button>
                                                                </Show>
                                                            </td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        }
                }
            })}
        </Transition>
    }
}

#[component]
fn UserEditor(
    user: Option<UserSummary>,
    teams: Vec<TeamRef>,
    create: ServerAction<CreateUser>,
    update: ServerAction<UpdateUser>,
    on_cancel: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let editing_id: Option<UserId> = user.as_ref().map(|u| u.id);
    let name = RwSignal::new(user.as_ref().map(|u| u.name.clone()).unwrap_or_default());
    let email = RwSignal::new(user.as_ref().map(|u| u.email.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(user.as_ref().map(|u| u.role).unwrap_or(Role::Agent));
    let capacity = RwSignal::new(user.as_ref().map(|u| u.capacity).unwrap_or(5).to_string());
    let chosen: RwSignal<Vec<TeamId>> = RwSignal::new(
        user.as_ref()
            .map(|u| u.teams.iter().map(|t| t.id).collect())
            .unwrap_or_default(),
    );
    let capacity_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || {
        capacity_error.get().or_else(|| {
            if editing_id.is_some() {
                action_error(update).get()
            } else {
                action_error(create).get()
            }
        })
    });
    let pending = move || create.pending().get() || update.pending().get();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(capacity) = capacity.get_untracked().trim().parse::<i32>() else {
            capacity_error.set(Some(AppError::invalid(
                "capacity",
                shared::ValueError::InvalidCapacity,
            )));
            return;
        };
        capacity_error.set(None);
        let form = UserForm {
            name: name.get_untracked(),
            role: role.get_untracked(),
            capacity,
            teams: chosen.get_untracked(),
        };
        match editing_id {
            Some(id) => {
                update.dispatch(UpdateUser { id, form });
            }
            None => {
                create.dispatch(CreateUser {
                    form,
                    email: email.get_untracked(),
                    password: password.get_untracked(),
                });
            }
        }
    };
    let is_new = editing_id.is_none();
    let heading = if is_new {
        "Novo usuário".to_owned()
    } else {
        format!(
            "Editar {}",
            user.as_ref().map(|u| u.name.as_str()).unwrap_or("")
        )
    };

    view! {
        <section class="cartao mb-6" aria-label=heading.clone()>
            <h2 class="mb-4 text-lg font-semibold">{heading.clone()}</h2>
            <form class="grid gap-4 md:grid-cols-2" novalidate on:submit=submit>
                <TextField label="Nome" name="name" value=name error=error required=true />
                {if is_new {
                    view! {
                        <TextField
                            label="E-mail"
                            name="email"
                            kind="email"
                            value=email
                            error=error
                            required=true
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="campo">
                            <span class="rotulo">"E-mail"</span>
                            <p class="py-2 text-tinta-suave">{email.get_untracked()}</p>
                        </div>
                    }
                        .into_any()
                }}
                <div class="campo">
                    <label for="campo-role" class="rotulo">
                        "Papel"
                    </label>
                    <select
                        id="campo-role"
                        name="role"
                        class="entrada"
                        on:change=move |ev| {
                            if let Some(r) = Role::from_code(&event_target_value(&ev)) {
                                role.set(r);
                            }
                        }
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <option value=r.code() selected=move || role.get() == r>
                                        {r.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <TextField
                    label="Capacidade (conversas simultâneas)"
                    name="capacity"
                    kind="number"
                    value=capacity
                    error=error
                    hint="De 1 a 50. Usada na distribuição automática."
                />
                {is_new
                    .then(|| {
                        view! {
                            <TextField
                                label="Senha inicial"
                                name="password"
                                kind="password"
                                autocomplete="new-password"
                                value=password
                                error=error
                                hint="Mínimo de 8 caracteres. Informe-a ao usuário por um canal seguro."
                                required=true
                            />
                        }
                    })}
                <fieldset class="campo md:col-span-2">
                    <legend class="rotulo">"Equipes"</legend>
                    <div class="flex flex-wrap gap-4">
                        {if teams.is_empty() {
                            view! { <p class="text-sm text-tinta-suave">"Nenhuma equipe cadastrada."</p> }
                                .into_any()
                        } else {
                            teams
                                .into_iter()
                                .map(|t| {
                                    let id = t.id;
                                    view! {
                                        <label class="flex items-center gap-2 text-sm">
                                            <input
                                                type="checkbox"
                                                class="caixa"
                                                prop:checked=move || chosen.get().contains(&id)
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    chosen
                                                        .update(|c| {
                                                            c.retain(|x| *x != id);
                                                            if on {
                                                                c.push(id);
                                                            }
                                                        });
                                                }
                                            />
                                            {t.name}
                                        </label>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }}
                    </div>
                </fieldset>
                <div class="md:col-span-2">
                    <FormError error=error />
                    <div class="flex gap-3">
                        <button type="submit" class="botao-primario" disabled=pending>
                            {if is_new { "Criar usuário" } else { "Salvar alterações" }}
                        </button>
                        <button
                            type="button"
                            class="botao-secundario"
                            on:click=move |_| on_cancel()
                        >
                            "Cancelar"
                        </button>
                    </div>
                </div>
            </form>
        </section>
    }
}
