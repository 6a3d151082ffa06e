use crate::api::admin::audit_log;
use crate::components::forms::ErrorAlert;
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::AuditEntry;
use shared::{AppError, Permission};

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Auditoria" />
        <RequirePermission permission=Permission::ViewAuditLog>
            <AuditLog />
        </RequirePermission>
    }
}

fn format_time(e: &AuditEntry) -> String {
    // Brasília time (UTC−3, no daylight saving since 2019).
    let local = e.at + chrono::Duration::hours(-3);
    local.format("%d/%m/%Y %H:%M:%S").to_string()
}

fn entry_row(e: AuditEntry) -> impl IntoView {
    view! {
        <tr>
            <td class="whitespace-nowrap tabular-nums">{format_time(&e)}</td>
            <td>{e.action.label()}</td>
            <td class="text-sm">{e.actor.unwrap_or_else(|| "—".into())}</td>
            <td class="text-sm">{e.subject.unwrap_or_else(|| "—".into())}</td>
            <td class="text-sm tabular-nums">{e.ip.unwrap_or_else(|| "—".into())}</td>
            <td class="text-sm">{e.detail.unwrap_or_default()}</td>
        </tr>
    }
}

/// The first page comes with the page (rendered on the server, hydrated as is); older pages are
/// appended in the browser. Nothing the server rendered depends on a signal that a resource
/// sets while resolving: that made the hydrating browser see another tree than the server's.
#[component]
fn AuditLog() -> impl IntoView {
    const PAGE: usize = 50;
    let first = Resource::new(|| (), |_| audit_log(None));
    let older = RwSignal::new(Vec::<AuditEntry>::new());
    let older_done = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let load_more = move |last: Option<i64>| {
        if loading.get_untracked() {
            return;
        }
        let before = older.with_untracked(|o| o.last().map(|e| e.id)).or(last);
        loading.set(true);
        leptos::task::spawn_local(async move {
            match audit_log(before).await {
                Ok(entries) => {
                    older_done.set(entries.len() < PAGE);
                    older.update(|all| all.extend(entries));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    view! {
        <h1 class="titulo-pagina">"Auditoria"</h1>
        <p class="mb-6 text-tinta-suave">
            "Eventos de segurança: logins, verificação em duas etapas, papéis e desativações. Horário de Brasília."
        </p>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(entries) => {
                        let full = entries.len() == PAGE;
                        let last = entries.last().map(|e| e.id);
                        view! {
                            <div class="cartao overflow-x-auto p-0">
                                <table class="tabela">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Quando"</th>
                                            <th scope="col">"Evento"</th>
                                            <th scope="col">"Quem"</th>
                                            <th scope="col">"Sobre quem"</th>
                                            <th scope="col">"IP"</th>
                                            <th scope="col">"Detalhe"</th>
                                        </tr>
                                    </thead>
                                    <tbody data-testid="auditoria-linhas">
                                        {entries.into_iter().map(entry_row).collect_view()}
                                        {move || older.get().into_iter().map(entry_row).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {move || error.get().map(|e| view! { <ErrorAlert error=e /> })}
                            <Show when=move || full && !older_done.get()>
                                <button
                                    type="button"
                                    class="botao-secundario mt-4"
                                    data-testid="carregar-mais"
                                    disabled=move || loading.get()
                                    on:click=move |_| load_more(last)
                                >
                                    {move || if loading.get() { "Carregando…" } else { "Carregar mais" }}
                                </button>
                            </Show>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
