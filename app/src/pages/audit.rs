use crate::api::admin::audit_log;
use crate::components::forms::ErrorAlert;
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::AuditEntry;
use shared::Permission;

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

#[component]
fn AuditLog() -> impl IntoView {
    const PAGE: usize = 50;
    let before = RwSignal::new(None::<i64>);
    let shown = RwSignal::new(Vec::<AuditEntry>::new());
    let exhausted = RwSignal::new(false);
    let page = Resource::new(move || before.get(), audit_log);
    view! {
        <h1 class="titulo-pagina">"Auditoria"</h1>
        <p class="mb-6 text-tinta-suave">
            "Eventos de segurança: logins, verificação em duas etapas, papéis e desativações. Horário de Brasília."
        </p>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                let loaded = page.await;
                if let Ok(entries) = &loaded {
                    exhausted.set(entries.len() < PAGE);
                    shown.update(|all| {
                        for e in entries {
                            if !all.iter().any(|x| x.id == e.id) {
                                all.push(e.clone());
                            }
                        }
                    });
                }
                view! {
                    {loaded
                        .err()
                        .map(|e| {
                            view! { <ErrorAlert error=e /> }
                        })}
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
                            <tbody>
                                {shown
                                    .get_untracked()
                                    .into_iter()
                                    .map(|e| {
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
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
        </Transition>
        <Show when=move || !exhausted.get()>
            <button
                type="button"
                class="botao-secundario mt-4"
                on:click=move |_| before.set(shown.get_untracked().last().map(|e| e.id))
            >
                "Carregar mais"
            </button>
        </Show>
    }
}
