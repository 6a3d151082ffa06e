use super::team_settings::{BusinessHoursForm, ClosingMessage};
use crate::api::teams::{
    list_teams, team_candidates, AddTeamMember, CreateTeam, RemoveTeamMember, RenameTeam,
};
use crate::components::forms::{action_error, ErrorAlert, FormError, TextField};
use crate::components::session::{use_session, RequirePermission};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::TeamSummary;
use shared::{Permission, UserId};

#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <Title text="Equipes" />
        <RequirePermission permission=Permission::ViewTeams>
            <Teams />
        </RequirePermission>
    }
}

#[derive(Clone, Copy)]
struct TeamActions {
    add: ServerAction<AddTeamMember>,
    remove: ServerAction<RemoveTeamMember>,
    rename: ServerAction<RenameTeam>,
}

#[component]
fn Teams() -> impl IntoView {
    let session = use_session();
    let create = ServerAction::<CreateTeam>::new();
    let actions = TeamActions {
        add: ServerAction::new(),
        remove: ServerAction::new(),
        rename: ServerAction::new(),
    };
    let teams = Resource::new(
        move || {
            (
                create.version().get(),
                actions.add.version().get(),
                actions.remove.version().get(),
                actions.rename.version().get(),
            )
        },
        |_| list_teams(),
    );
    let candidates = Resource::new(|| (), |_| team_candidates());
    let new_name = RwSignal::new(String::new());
    let create_error = action_error(create);
    let change_error = Signal::derive(move || {
        action_error(actions.add)
            .get()
            .or_else(|| action_error(actions.remove).get())
            .or_else(|| action_error(actions.rename).get())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            new_name.set(String::new());
        }
    });

    view! {
        <h1 class="titulo-pagina">"Equipes"</h1>
        <p class="mb-6 text-tinta-suave">
            "Cada equipe tem sua fila. Supervisores gerenciam os membros das equipes que supervisionam."
        </p>
        <Show when=move || session.can(Permission::ManageAllTeams)>
            <form
                class="cartao mb-6 flex flex-wrap items-end gap-3"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    create.dispatch(CreateTeam { name: new_name.get_untracked() });
                }
            >
                <div class="min-w-64 flex-1">
                    <TextField label="Nova equipe" name="name" value=new_name error=create_error />
                </div>
                <button type="submit" class="botao-primario mb-5">
                    "Criar equipe"
                </button>
                <div class="w-full">
                    <FormError error=create_error />
                </div>
            </form>
        </Show>
        <FormError error=change_error />
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                let people = candidates.await.unwrap_or_default();
                match teams.await {
                        Err(e) => {
                            view! { <ErrorAlert error=e /> }
                                .into_any()
                        }
                        Ok(list) if list.is_empty() => {
                            view! { <p class="text-tinta-suave">"Nenhuma equipe cadastrada ainda."</p> }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <div class="grid gap-4 lg:grid-cols-2">
                                    {list
                                        .into_iter()
                                        .map(|t| {
                                            view! { <TeamCard team=t people=people.clone() actions /> }
                                        })
                                        .collect_view()}
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
fn TeamCard(
    team: TeamSummary,
    people: Vec<(UserId, String, String)>,
    actions: TeamActions,
) -> impl IntoView {
    let session = use_session();
    let team_id = team.id;
    let closing = team.closing_message.clone();
    let hours = team.business_hours.clone();
    let can_manage = team.can_manage;
    let renaming = RwSignal::new(false);
    let name = RwSignal::new(team.name.clone());
    let picked = RwSignal::new(String::new());
    let as_supervisor = RwSignal::new(false);
    let member_ids: Vec<UserId> = team.members.iter().map(|m| m.user_id).collect();
    let outsiders: Vec<(UserId, String, String)> = people
        .into_iter()
        .filter(|(id, _, _)| !member_ids.contains(id))
        .collect();
    let heading_id = format!("equipe-{team_id}");

    view! {
        <section class="cartao" aria-labelledby=heading_id.clone()>
            <div class="mb-3 flex items-center justify-between gap-2">
                <Show
                    when=move || renaming.get()
                    fallback={
                        let heading_id = heading_id.clone();
                        let team_name = team.name.clone();
                        move || {
                            view! {
                                <h2 id=heading_id.clone() class="text-lg font-semibold">
                                    {team_name.clone()}
                                </h2>
                            }
                        }
                    }
                >
                    <form
                        class="flex flex-1 gap-2"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            actions
                                .rename
                                .dispatch(RenameTeam {
                                    id: team_id,
                                    name: name.get_untracked(),
                                });
                            renaming.set(false);
                        }
                    >
                        <label class="sr-only" for=format!("renomear-{team_id}")>
                            "Novo nome da equipe"
                        </label>
                        <input id=format!("renomear-{team_id}") class="entrada flex-1" bind:value=name />
                        <button type="submit" class="botao-primario">
                            "Salvar"
                        </button>
                    </form>
                </Show>
                <Show when=move || session.can(Permission::ManageAllTeams) && !renaming.get()>
                    <button type="button" class="botao-link" on:click=move |_| renaming.set(true)>
                        "Renomear"
                    </button>
                </Show>
            </div>
            <ul class="divide-y divide-borda">
                {if team.members.is_empty() {
                    view! { <li class="py-2 text-sm text-tinta-suave">"Sem membros."</li> }.into_any()
                } else {
                    team.members
                        .into_iter()
                        .map(|m| {
                            let user = m.user_id;
                            view! {
                                <li class="flex items-center justify-between py-2">
                                    <div>
                                        <span class="font-medium">{m.name}</span>
                                        <span class="ml-2 text-xs text-tinta-suave">
                                            {m.role.label()}
                                            {m.is_supervisor.then_some(" · supervisor da equipe")}
                                            " · "
                                            {m.availability.label()}
                                        </span>
                                    </div>
                                    {can_manage
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="botao-link text-red-700"
                                                    on:click=move |_| {
                                                        actions
                                                            .remove
                                                            .dispatch(RemoveTeamMember {
                                                                team: team_id,
                                                                user,
                                                            });
                                                    }
                                                >
                                                    "Remover"
                                                </button>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
            {(can_manage && !outsiders.is_empty())
                .then(|| {
                    let select_id = format!("adicionar-{team_id}");
                    view! {
                        <form
                            class="mt-4 flex flex-wrap items-center gap-2"
                            on:submit=move |ev| {
                                ev.prevent_default();
                                if let Ok(user) = picked.get_untracked().parse::<UserId>() {
                                    actions
                                        .add
                                        .dispatch(AddTeamMember {
                                            team: team_id,
                                            user,
                                            as_supervisor: as_supervisor.get_untracked(),
                                        });
                                }
                            }
                        >
                            <label class="sr-only" for=select_id.clone()>
                                "Pessoa a adicionar"
                            </label>
                            <select
                                id=select_id
                                class="entrada flex-1"
                                on:change=move |ev| picked.set(event_target_value(&ev))
                            >
                                <option value="">"Adicionar pessoa…"</option>
                                {outsiders
                                    .into_iter()
                                    .map(|(id, name, role)| {
                                        view! { <option value=id.to_string()>{format!("{name} ({role})")}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            <Show when=move || session.can(Permission::ManageAllTeams)>
                                <label class="flex items-center gap-1 text-sm">
                                    <input type="checkbox" class="caixa" bind:checked=as_supervisor />
                                    "como supervisor"
                                </label>
                            </Show>
                            <button type="submit" class="botao-secundario">
                                "Adicionar"
                            </button>
                        </form>
                    }
                })}
            <BusinessHoursForm team=team_id hours can_manage />
            <ClosingMessage team=team_id message=closing can_manage />
        </section>
    }
}
