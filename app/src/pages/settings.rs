use crate::api::admin::{fetch_security_settings, ResetDemo, SaveSecuritySettings};
use crate::api::inbox::{get_inbox_settings, SaveInboxSettings};
use crate::components::forms::{action_error, ErrorAlert, FormError, Notice};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::SecuritySettings;
use shared::inbox::InboxSettings;
use shared::{Permission, Role};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Configurações" />
        <RequirePermission permission=Permission::ManageSettings>
            <Security />
            <InboxRules />
            <DemoReset />
        </RequirePermission>
    }
}

#[component]
fn Security() -> impl IntoView {
    let save = ServerAction::<SaveSecuritySettings>::new();
    let current = Resource::new(move || save.version().get(), |_| fetch_security_settings());
    let error = action_error(save);
    let notice = Signal::derive(move || {
        matches!(save.value().get(), Some(Ok(()))).then(|| "Configurações salvas.".to_owned())
    });
    view! {
        <h1 class="titulo-pagina">"Configurações"</h1>
        <crate::pages::channels::SettingsTabs />
        <p class="mb-6 text-tinta-suave">"Segurança da conta dos usuários."</p>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                        Err(e) => {
                            view! { <ErrorAlert error=e /> }
                                .into_any()
                        }
                        Ok(s) => view! { <SecurityForm settings=s save /> }.into_any(),
                }
            })}
        </Transition>
        <Notice message=notice />
        <FormError error=error />
    }
}

#[component]
fn SecurityForm(
    settings: SecuritySettings,
    save: ServerAction<SaveSecuritySettings>,
) -> impl IntoView {
    let flags = Role::ALL.map(|r| (r, RwSignal::new(settings.requires_totp(r))));
    view! {
        <form
            class="cartao max-w-xl"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveSecuritySettings {
                    require_totp_admin: flags[0].1.get_untracked(),
                    require_totp_supervisor: flags[1].1.get_untracked(),
                    require_totp_agent: flags[2].1.get_untracked(),
                });
            }
        >
            <fieldset>
                <legend class="mb-1 font-semibold">"Exigir verificação em duas etapas"</legend>
                <p class="mb-3 text-sm text-tinta-suave">
                    "Usuários desses papéis precisarão ativá-la em Meu perfil antes de usar a plataforma. Usuários de demonstração ficam isentos."
                </p>
                {flags
                    .into_iter()
                    .map(|(role, flag)| {
                        view! {
                            <label class="flex items-center gap-2 py-1">
                                <input type="checkbox" class="caixa" bind:checked=flag />
                                {role.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit" class="botao-primario mt-4" disabled=move || save.pending().get()>
                "Salvar"
            </button>
        </form>
    }
}

/// Reopening a resolved conversation and returning an offline agent's conversations.
#[component]
fn InboxRules() -> impl IntoView {
    let save = ServerAction::<SaveInboxSettings>::new();
    let current = Resource::new(move || save.version().get(), |_| get_inbox_settings());
    let error = action_error(save);
    let notice = Signal::derive(move || {
        matches!(save.value().get(), Some(Ok(())))
            .then(|| "Regras da caixa de entrada salvas.".to_owned())
    });
    view! {
        <h2 class="mt-8 mb-2 text-lg font-semibold">"Caixa de entrada"</h2>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(s) => view! { <InboxRulesForm settings=s save /> }.into_any(),
                }
            })}
        </Transition>
        <Notice message=notice />
        <FormError error=error />
    }
}

#[component]
fn InboxRulesForm(settings: InboxSettings, save: ServerAction<SaveInboxSettings>) -> impl IntoView {
    let (amount, unit) = shared::dto::TimeUnit::split_minutes(settings.reopen_window_minutes);
    let reopen = RwSignal::new(amount.to_string());
    let reopen_unit = RwSignal::new(unit.code().to_owned());
    let grace = RwSignal::new(settings.offline_grace_minutes.to_string());
    view! {
        <form
            class="cartao grid max-w-xl gap-3"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveInboxSettings {
                    settings: InboxSettings {
                        reopen_window_minutes: reopen
                            .get_untracked()
                            .trim()
                            .parse::<u32>()
                            .ok()
                            .and_then(|n| {
                                shared::dto::TimeUnit::from_code(&reopen_unit.get_untracked())
                                    .map(|u| u.minutes(n))
                            })
                            .unwrap_or(settings.reopen_window_minutes),
                        offline_grace_minutes: grace.get_untracked().trim().parse().unwrap_or(settings.offline_grace_minutes),
                    },
                });
            }
        >
            <div class="campo">
                <label class="rotulo" for="reabrir">"Reabrir a conversa se o cliente escrever em até"</label>
                <div class="flex gap-2">
                    <input id="reabrir" class="entrada w-28" type="number" min="0" bind:value=reopen />
                    <select class="entrada w-36" aria-label="Unidade" bind:value=reopen_unit>
                        {shared::dto::TimeUnit::ALL
                            .iter()
                            .map(|u| view! { <option value=u.code()>{u.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <span class="dica">"Depois disso, uma nova mensagem inicia uma nova conversa."</span>
            </div>
            <label class="campo">
                <span class="rotulo">"Tolerância para atendente offline (minutos)"</span>
                <input class="entrada" type="number" min="0" bind:value=grace />
                <span class="dica">"Passado esse tempo, as conversas sem resposta voltam para a fila."</span>
            </label>
            <button type="submit" class="botao-primario w-fit" disabled=move || save.pending().get()>
                "Salvar"
            </button>
        </form>
    }
}

/// In demo mode: the button that takes the demo back to its seeded state, before the next
/// presentation (a nightly job does it too).
#[component]
fn DemoReset() -> impl IntoView {
    let session = crate::components::session::use_session();
    let reset = ServerAction::<ResetDemo>::new();
    let error = action_error(reset);
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            // The demo's accounts were made again: every session of theirs ended.
            crate::components::session::hard_navigate("/entrar");
        }
    });
    let confirm_and_reset = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let ok = window()
                .confirm_with_message(
                    "Reiniciar a demonstração? Conversas, contatos e tudo o que foi criado desde o início somem, e as contas de demonstração voltam ao estado inicial.",
                )
                .unwrap_or(false);
            if !ok {
                return;
            }
        }
        reset.dispatch(ResetDemo {});
    };
    view! {
        <Show when=move || session.is_demo_deployment()>
            <section class="cartao mt-6 max-w-xl" aria-labelledby="titulo-demonstracao">
                <h2 id="titulo-demonstracao" class="text-lg font-semibold">"Demonstração"</h2>
                <p class="mb-3 mt-1 text-sm text-tinta-suave">
                    "Volta tudo ao estado inicial: conversas, contatos, usuários e canais criados, respostas prontas, fluxos e configurações. Acontece sozinho toda noite às 3h (horário de Brasília). Quem estiver com uma conta de demonstração precisa entrar de novo."
                </p>
                <button
                    type="button"
                    class="botao-secundario text-red-700"
                    disabled=move || reset.pending().get()
                    on:click=confirm_and_reset
                >
                    {move || if reset.pending().get() { "Reiniciando…" } else { "Reiniciar demonstração" }}
                </button>
                <FormError error=error />
            </section>
        </Show>
    }
}
