//! "Análise": where customers go in the published versions. While the panel is open, every
//! block on the canvas shows how many conversations reached it, how many stopped there and the
//! median time spent, and every port how many left through it; the panel filters by version
//! and period and lists the blocks where most customers stop.

use super::panels::go_to;
use super::state::use_builder;
use crate::api::flows::flow_analytics;
use chrono::{Duration, NaiveDate};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::flow::analytics::{format_duration, BlockStats, FlowAnalytics};
use shared::flow::engine::Stop;
use shared::flow::{blocks, NodeId};

/// What one block's figures say, in a sentence (its tooltip and accessible description).
pub fn describe(s: &BlockStats) -> String {
    let mut parts = vec![format!("{} conversa(s) chegaram", s.passed)];
    for (n, what) in [
        (s.left(), "saíram"),
        (s.stopped_by(Stop::Inactive), "ficaram inativas"),
        (s.stopped_by(Stop::Agent), "pediram atendente"),
        (s.stopped_by(Stop::Handoff), "foram transferidas"),
        (s.stopped_by(Stop::Ended), "encerraram aqui"),
        (s.stopped_by(Stop::Menu), "voltaram ao menu"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if let Some(m) = s.median_seconds {
        parts.push(format!("mediana de {} aqui", format_duration(m)));
    }
    parts.join(", ")
}

const PERIODS: [(i64, &str); 4] = [
    (7, "Últimos 7 dias"),
    (30, "Últimos 30 dias"),
    (90, "Últimos 90 dias"),
    (365, "Últimos 12 meses"),
];

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::west_opt(3 * 3600).expect("a valid offset"))
        .date_naive()
}

#[component]
pub fn AnalyticsPanel() -> impl IntoView {
    let b = use_builder();
    let version = RwSignal::new(None::<i32>);
    let days = RwSignal::new(30i64);
    let to = RwSignal::new(today());
    let from = RwSignal::new(today() - Duration::days(29));
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let data = RwSignal::new(None::<FlowAnalytics>);

    let load = move || {
        let key = b.key.get_value();
        let (v, f, t) = (
            version.get_untracked(),
            from.get_untracked(),
            to.get_untracked(),
        );
        loading.set(true);
        spawn_local(async move {
            let result = flow_analytics(key, v, Some(f), Some(t)).await;
            loading.set(false);
            match result {
                Ok(a) => {
                    error.set(None);
                    b.analytics.set(Some(a.clone()));
                    data.set(Some(a));
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    load();
    on_cleanup(move || b.analytics.set(None));

    let set_days = move |n: i64| {
        days.set(n);
        to.set(today());
        from.set(today() - Duration::days(n - 1));
        load();
    };

    // The blocks where most conversations stop, worst first.
    let worst = move || {
        let Some(a) = data.get() else {
            return Vec::new();
        };
        let mut rows: Vec<(NodeId, String, BlockStats)> = b.flow.with(|f| {
            a.blocks
                .iter()
                .filter(|(_, s)| s.dropped() > 0)
                .filter_map(|(id, s)| {
                    let id = NodeId::new(id.clone());
                    f.node(&id).map(|n| (id, blocks::title(n), s.clone()))
                })
                .collect()
        });
        rows.sort_by_key(|r| std::cmp::Reverse(r.2.dropped()));
        rows.truncate(6);
        rows
    };

    view! {
        <section class="painel-analise" aria-labelledby="titulo-analise" data-testid="painel-analise">
            <h2 id="titulo-analise" class="text-base font-semibold">"Onde os clientes vão"</h2>
            <p class="dica">"Conversas reais nas versões publicadas. Cada bloco mostra quantas chegaram, quantas pararam ali e o tempo mediano; cada saída, quantas seguiram por ela."</p>
            <div class="flex flex-wrap gap-2 items-end">
                <label class="rotulo">"Versão"
                    <select class="entrada" data-testid="analise-versao"
                        on:change=move |ev| {
                            version.set(event_target_value(&ev).parse().ok());
                            load();
                        }>
                        <option value="" selected=move || version.get().is_none()>"Todas"</option>
                        {move || data.get().map(|a| a.versions.into_iter().map(|v| view! {
                            <option value=v.to_string() selected=move || version.get() == Some(v)>{format!("v{v}")}</option>
                        }).collect::<Vec<_>>())}
                    </select>
                </label>
                <label class="rotulo">"Período"
                    <select class="entrada" data-testid="analise-periodo"
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<i64>() { set_days(n) }
                        }>
                        {PERIODS.into_iter().map(|(n, name)| view! {
                            <option value=n.to_string() selected=move || days.get() == n>{name}</option>
                        }).collect::<Vec<_>>()}
                        <option value="0" selected=move || days.get() == 0>"Personalizado"</option>
                    </select>
                </label>
            </div>
            <div class="flex flex-wrap gap-2 items-end mt-2">
                <label class="rotulo">"De"
                    <input type="date" class="entrada" prop:value=move || from.get().to_string()
                        on:change=move |ev| if let Ok(d) = event_target_value(&ev).parse() {
                            from.set(d);
                            days.set(0);
                            load();
                        } />
                </label>
                <label class="rotulo">"Até"
                    <input type="date" class="entrada" prop:value=move || to.get().to_string()
                        on:change=move |ev| if let Ok(d) = event_target_value(&ev).parse() {
                            to.set(d);
                            days.set(0);
                            load();
                        } />
                </label>
                <button type="button" class="botao-secundario" on:click=move |_| load()>"Atualizar"</button>
            </div>
            {move || error.get().map(|e| view! { <p class="alerta-erro mt-2" role="alert">{e}</p> })}
            <div role="status" class="mt-3" data-testid="analise-resumo">
                {move || match (loading.get(), data.get()) {
                    (true, _) => "Calculando…".to_owned(),
                    (false, Some(a)) if a.blocks.is_empty() => "Nenhuma conversa passou por este fluxo no período.".to_owned(),
                    (false, Some(a)) => format!("{} conversa(s) começaram o fluxo no período.", a.started),
                    (false, None) => String::new(),
                }}
            </div>
            <Show when=move || !worst().is_empty()>
                <h3 class="text-sm font-semibold mt-3">"Onde mais param"</h3>
                <ul class="lista-analise" data-testid="analise-paradas">
                    {move || worst().into_iter().map(|(id, title, s)| {
                        let target = id.clone();
                        let dropped = s.dropped();
                        let reach = s.passed.max(1);
                        view! {
                            <li>
                                <button type="button" class="item-analise" on:click=move |_| go_to(&target)>
                                    <span class="font-medium">{title}</span>
                                    <span class="text-xs text-tinta-suave">
                                        {format!("{dropped} de {} pararam ({:.0}%)", s.passed, dropped as f64 * 100.0 / reach as f64)}
                                    </span>
                                    <span class="text-xs text-tinta-suave">{describe(&s)}</span>
                                </button>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
            </Show>
            <dl class="legenda-analise mt-3">
                <dt>"▶"</dt><dd>"conversas que chegaram ao bloco"</dd>
                <dt>"⏏"</dt><dd>"pararam ali: saíram, ficaram inativas ou pediram atendente"</dd>
                <dt>"⏱"</dt><dd>"tempo mediano no bloco (a resposta do cliente, ou a do ERP)"</dd>
            </dl>
        </section>
    }
    .into_any()
}
