use crate::api::auth::fetch_dashboard_counts;
use crate::components::forms::ErrorAlert;
use crate::components::session::use_session;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn Stat(
    label: &'static str,
    value: i64,
    #[prop(optional)] detail: Option<String>,
) -> impl IntoView {
    view! {
        <div class="cartao">
            <p class="text-sm text-tinta-suave">{label}</p>
            <p class="mt-1 text-3xl font-semibold tabular-nums">{value}</p>
            {detail.map(|d| view! { <p class="mt-1 text-xs text-tinta-suave">{d}</p> })}
        </div>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let counts = Resource::new(|| (), |_| fetch_dashboard_counts());
    let first_name = move || {
        session
            .user()
            .and_then(|u| u.name.split_whitespace().next().map(str::to_owned))
            .unwrap_or_default()
    };
    view! {
        <Title text="Painel" />
        <h1 class="titulo-pagina">"Painel"</h1>
        <p class="mb-6 text-tinta-suave">{move || format!("Olá, {}.", first_name())}</p>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match counts.await {
                        Ok(c) => {
                            view! {
                                <div class="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
                                    <Stat label="Usuários ativos" value=c.active_users />
                                    <Stat label="Equipes" value=c.teams />
                                    <Stat
                                        label="Atendentes disponíveis"
                                        value=c.agents_online
                                        detail=format!("de {} atendentes ativos", c.agents_total)
                                    />
                                </div>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! { <ErrorAlert error=e /> }
                                .into_any()
                        }
                }
            })}
        </Transition>
    }
}
