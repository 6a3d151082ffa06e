//! Configurações → Tokens de API: tokens for the REST API, created (the secret shown once),
//! listed and revoked.

use super::channels::SettingsTabs;
use crate::api::channels::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::forms::{action_error, confirm, ErrorAlert, FormError, TextField};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::api_scope::ApiScope;
use shared::Permission;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    view! {
        <Title text="Tokens de API" />
        <RequirePermission permission=Permission::ManageSettings>
            <ApiTokens />
        </RequirePermission>
    }
}

#[component]
fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let name = RwSignal::new(String::new());
    // Every scope chosen by default; an integration that only reads should untick the rest.
    let chosen: Vec<(ApiScope, RwSignal<bool>)> = ApiScope::ALL
        .into_iter()
        .map(|s| (s, RwSignal::new(true)))
        .collect();
    let chosen_codes = {
        let chosen = chosen.clone();
        move || {
            chosen
                .iter()
                .filter(|(_, on)| on.get_untracked())
                .map(|(s, _)| s.code())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let error = action_error(create);
    let revoke_error = action_error(revoke);
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });
    let fmt = |d: chrono::DateTime<chrono::Utc>| {
        d.with_timezone(&chrono::FixedOffset::west_opt(3 * 3600).expect("valid offset"))
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    view! {
        <h1 class="titulo-pagina">"Configurações"</h1>
        <SettingsTabs />
        <p class="mb-4 text-tinta-suave">
            "Tokens dão acesso à API REST em /api/v1 (documentação em /api/v1/openapi.json). Use um por integração e revogue os que não forem mais usados."
        </p>
        <form
            class="cartao mb-6 flex flex-wrap items-end gap-3"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(CreateApiToken {
                    name: name.get_untracked(),
                    scopes: Some(chosen_codes()),
                });
            }
        >
            <div class="min-w-64 flex-1">
                <TextField label="Nome do token" name="name" value=name error />
            </div>
            <button type="submit" class="botao-primario mb-5" disabled=move || create.pending().get()>
                "Criar token"
            </button>
            <fieldset class="w-full">
                <legend class="rotulo">"Escopos: o que o token pode fazer"</legend>
                <div class="mt-1 grid gap-1 sm:grid-cols-2">
                    {chosen
                        .iter()
                        .map(|(scope, on)| {
                            let on = *on;
                            view! {
                                <label class="flex items-start gap-2 text-sm">
                                    <input type="checkbox" class="caixa mt-0.5" bind:checked=on />
                                    <span>
                                        <code class="codigo-inline">{scope.code()}</code>
                                        " "
                                        {scope.label()}
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <FormError error=error />
        </form>
        {move || {
            create
                .value()
                .get()
                .and_then(|r| r.ok())
                .map(|created| {
                    view! {
                        <div class="alerta-aviso" role="status">
                            <p class="font-semibold">
                                {format!("Token \"{}\" criado. Copie agora: ele não será mostrado de novo.", created.token.name)}
                            </p>
                            <code data-testid="api-token-value" class="codigo select-all">{created.secret}</code>
                        </div>
                    }
                })
        }}
        <FormError error=revoke_error />
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! { <p class="cartao text-tinta-suave">"Nenhum token criado."</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <div class="cartao overflow-x-auto p-0">
                                <table class="tabela">
                                    <thead>
                                        <tr>
                                            <th>"Nome"</th>
                                            <th>"Início"</th>
                                            <th>"Escopos"</th>
                                            <th>"Criado em"</th>
                                            <th>"Último uso"</th>
                                            <th>"Situação"</th>
                                            <th><span class="sr-only">"Ações"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|t| {
                                                let id = t.id;
                                                let label = t.name.clone();
                                                let revoked = t.revoked_at.is_some();
                                                view! {
                                                    <tr>
                                                        <td>{t.name}</td>
                                                        <td><code>{format!("{}…", t.prefix)}</code></td>
                                                        <td class="text-xs">
                                                            {t.scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(", ")}
                                                        </td>
                                                        <td>{fmt(t.created_at)}</td>
                                                        <td>{t.last_used_at.map(fmt).unwrap_or_else(|| "nunca".into())}</td>
                                                        <td>
                                                            {if revoked {
                                                                view! { <span class="etiqueta-neutra">"Revogado"</span> }.into_any()
                                                            } else {
                                                                view! { <span class="etiqueta-ok">"Ativo"</span> }.into_any()
                                                            }}
                                                        </td>
                                                        <td class="text-right">
                                                            {(!revoked)
                                                                .then(|| {
                                                                    view! {
                                                                        <button
                                                                            type="button"
                                                                            class="botao-link text-red-700"
                                                                            on:click=move |_| {
                                                                                if confirm(&format!("Revogar o token \"{label}\"? Integrações que o usam deixarão de funcionar.")) {
                                                                                    revoke.dispatch(RevokeApiToken { id });
                                                                                }
                                                                            }
                                                                        >
                                                                            "Revogar"
                                                                        </button>
                                                                    }
                                                                })}
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
