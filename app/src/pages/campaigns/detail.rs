//! A campaign's page (`/campanhas/{id}`): the pre-flight before it starts (template approved,
//! who is left out and why, overlap with other campaigns, days under Meta's limit, the cost),
//! the actions its status allows, the live progress bar and ETA while it sends (refreshed every
//! two seconds), the report (sent, delivered, read, replied, opted out, failures by Meta's code
//! with their meaning, the cost) and every recipient's state, a page at a time.

use super::{status_class, status_title, ProgressBar};
use crate::api::campaigns::{
    act_on_campaign, campaign_recipients, get_campaign, retry_campaign_failures, CampaignDetail,
};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use shared::campaign::model::{CampaignAction, CampaignStatus, RecipientState};
use shared::campaign::report::{
    duration_label, thousands, Breakdown, CampaignView, Preflight, RecipientView,
};
use shared::flow::text::brl;
use shared::Permission;
use uuid::Uuid;

#[component]
pub fn CampaignDetailPage() -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let id = path.rsplit('/').next().and_then(|s| s.parse::<Uuid>().ok());
    view! {
        <Title text="Campanha" />
        <RequirePermission permission=Permission::ViewCampaigns>
            {match id {
                Some(id) => view! { <Campaign id=id /> }.into_any(),
                None => view! { <p class="alerta-erro">"Campanha não encontrada."</p> }.into_any(),
            }}
        </RequirePermission>
    }
}

/// The figures, each with what it counts.
fn figures(c: &CampaignView) -> Vec<(&'static str, i64, &'static str)> {
    let n = &c.counts;
    vec![
        (
            "Na fila",
            n.queued + n.sending,
            "Aguardam a vez (ou o horário comercial do cliente).",
        ),
        ("Enviadas", n.sent + n.unknown, "Aceitas pela Meta."),
        ("Entregues", n.delivered, "Chegaram ao celular do cliente."),
        (
            "Lidas",
            n.read,
            "O cliente abriu (quando a confirmação de leitura está ligada).",
        ),
        (
            "Respostas",
            n.replied,
            "Clientes que responderam depois de receber.",
        ),
        (
            "Saíram",
            n.opted_out,
            "Pediram para não receber mais marketing.",
        ),
        (
            "Falharam",
            n.failed,
            "A Meta recusou; veja os motivos abaixo.",
        ),
        (
            "Fora do envio",
            n.skipped,
            "Sem consentimento, na lista de supressão, vencidas ou com variável vazia.",
        ),
    ]
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64).replace('.', ",")
}

#[component]
fn Campaign(id: Uuid) -> impl IntoView {
    let data = RwSignal::new(None::<CampaignDetail>);
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let created = use_query_map().with_untracked(|q| q.get("criada"));
    let reload = move || {
        spawn_local(async move {
            match get_campaign(id).await {
                Ok(d) => data.set(Some(d)),
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    Effect::new(move |_| reload());
    let live = move || {
        data.with_untracked(|d| {
            d.as_ref().is_some_and(|d| {
                matches!(
                    d.campaign.status,
                    CampaignStatus::Sending | CampaignStatus::Scheduled
                ) || d.campaign.counts.sending > 0
            })
        })
    };
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if live() {
                reload();
            }
        },
        std::time::Duration::from_secs(2),
    ) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    let act = move |action: CampaignAction| {
        if action == CampaignAction::Cancel
            && !crate::components::forms::confirm(
                "Cancelar a campanha? Quem ainda não recebeu não receberá mais; não dá para desfazer.",
            )
        {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = act_on_campaign(id, action).await;
            busy.set(false);
            match result {
                Ok(c) => {
                    let said = match c.status {
                        CampaignStatus::Sending => "Campanha em envio.".to_owned(),
                        CampaignStatus::Scheduled => {
                            "Campanha agendada: começa sozinha no horário marcado.".to_owned()
                        }
                        CampaignStatus::Paused => {
                            "Campanha pausada: nada mais sai até retomar.".to_owned()
                        }
                        CampaignStatus::Cancelled => "Campanha cancelada.".to_owned(),
                        other => format!("Campanha {}.", other.label()),
                    };
                    message.set(Some((true, said)));
                    reload();
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    let retry = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = retry_campaign_failures(id).await;
            busy.set(false);
            match result {
                Ok(0) => message.set(Some((
                    true,
                    "Nenhuma falha temporária para reenviar.".into(),
                ))),
                Ok(n) => {
                    message.set(Some((
                        true,
                        format!("{n} destinatário(s) voltaram para a fila."),
                    )));
                    reload();
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <a href="/campanhas" class="botao-link">"← Campanhas"</a>
            {move || data.get().map(|d| {
                let c = d.campaign;
                view! {
                    <h1 class="text-2xl font-semibold" data-testid="campanha-titulo">{c.name.clone()}</h1>
                    <span class=status_class(c.status) data-testid="estado-campanha">{status_title(c.status)}</span>
                }
            })}
        </div>
        {move || message.get().map(|(ok, m)| view! {
            <p class=if ok { "alerta-ok mb-4" } else { "alerta-erro mb-4" } role="status">{m}</p>
        })}
        // Just made by the wizard, and still a draft (not once started, nor on a later visit).
        {move || {
            let draft = data.with(|d| d.as_ref().is_some_and(|d| d.campaign.status == CampaignStatus::Draft));
            (draft && message.with(|m| m.is_none())).then(|| created.clone()).flatten().map(|n| view! {
                <p class="alerta-ok mb-4" role="status">{format!("Rascunho criado com {n} destinatário(s). Confira a verificação abaixo e inicie quando quiser.")}</p>
            })
        }}
        {move || data.get().map(|d| {
            let c = d.campaign.clone();
            let editable = d.editable;
            let status = c.status;
            let preflight_ok = d.preflight.as_ref().is_none_or(|p| p.ok);
            let has_temporary = c.counts.failed > 0;
            let actions = editable.then(|| view! {
                <div class="flex flex-wrap gap-2" data-testid="acoes-campanha">
                    {(status == CampaignStatus::Draft).then(|| view! {
                        <button type="button" class="botao-primario" data-testid="iniciar-campanha" disabled=move || busy.get() || !preflight_ok
                            on:click=move |_| act(CampaignAction::Start)>
                            {if c.schedule_at.is_some_and(|at| at > chrono::Utc::now()) { "Agendar envio" } else { "Iniciar envio" }}
                        </button>
                    })}
                    {matches!(status, CampaignStatus::Sending | CampaignStatus::Scheduled).then(|| view! {
                        <button type="button" class="botao-secundario" data-testid="pausar-campanha" disabled=move || busy.get() on:click=move |_| act(CampaignAction::Pause)>"Pausar"</button>
                    })}
                    {(status == CampaignStatus::Paused).then(|| view! {
                        <button type="button" class="botao-primario" data-testid="retomar-campanha" disabled=move || busy.get() on:click=move |_| act(CampaignAction::Resume)>"Retomar"</button>
                    })}
                    {(!status.is_final()).then(|| view! {
                        <button type="button" class="botao-perigo" data-testid="cancelar-campanha" disabled=move || busy.get() on:click=move |_| act(CampaignAction::Cancel)>"Cancelar"</button>
                    })}
                    {(has_temporary && status != CampaignStatus::Draft).then(|| view! {
                        <button type="button" class="botao-secundario" data-testid="reenviar-falhas" disabled=move || busy.get() on:click=retry>"Reenviar só as falhas temporárias"</button>
                    })}
                </div>
            });
            view! {
                <div class="grid gap-4 xl:grid-cols-[1fr_22rem]">
                    <div class="flex flex-col gap-4 min-w-0">
                        {c.pause_reason.clone().filter(|_| status == CampaignStatus::Paused).map(|r| view! {
                            <p class="alerta-aviso" data-testid="motivo-pausa">{format!("Pausada: {r}")}</p>
                        })}
                        {d.preflight.clone().map(|p| view! { <PreflightCard p=p category=c.category.clone() /> })}
                        <ProgressCard c=c.clone() />
                        <Figures c=c.clone() />
                        <Breakdowns c=c.clone() />
                        <Recipients id=id />
                    </div>
                    <aside class="flex flex-col gap-4">
                        <div class="cartao flex flex-col gap-3">
                            {actions}
                            <About c=c />
                        </div>
                    </aside>
                </div>
            }
        })}
    }
}

#[component]
fn About(c: CampaignView) -> impl IntoView {
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(crate::pages::flows::when)
            .unwrap_or_else(|| "—".into())
    };
    let category = match c.category.as_str() {
        "MARKETING" => "Marketing",
        "UTILITY" => "Utilidade",
        _ => "Autenticação",
    };
    view! {
        <dl class="grid grid-cols-[8rem_1fr] gap-x-2 gap-y-1 text-sm">
            <dt class="text-tinta-suave">"Modelo"</dt><dd class="font-mono break-all">{format!("{} ({})", c.template_name, c.template_language)}</dd>
            <dt class="text-tinta-suave">"Categoria"</dt><dd>{category}</dd>
            <dt class="text-tinta-suave">"Modelo na Meta"</dt><dd>{shared::template::status_label(&c.template_status)}</dd>
            <dt class="text-tinta-suave">"Velocidade"</dt><dd>{format!("{} msg/s", c.rate_per_second)}</dd>
            <dt class="text-tinta-suave">"Horário comercial"</dt><dd>{if c.respect_quiet_hours { "Respeitado (seg. a sáb., 8h–20h)" } else { "Ignorado" }}</dd>
            <dt class="text-tinta-suave">"Agendada para"</dt><dd>{when(c.schedule_at)}{c.local_time.then_some(" (no horário local de cada destinatário)")}</dd>
            {c.daily_budget_brl.map(|b| view! { <dt class="text-tinta-suave">"Orçamento diário"</dt><dd data-testid="orcamento-diario">{shared::flow::text::brl(b)}</dd> })}
            <dt class="text-tinta-suave">"Validade"</dt><dd>{when(c.expires_at)}</dd>
            <dt class="text-tinta-suave">"Criada"</dt><dd>{crate::pages::flows::when(c.created_at)}</dd>
            <dt class="text-tinta-suave">"Início"</dt><dd>{when(c.started_at)}</dd>
            <dt class="text-tinta-suave">"Fim"</dt><dd>{when(c.finished_at)}</dd>
        </dl>
    }
}

#[component]
fn PreflightCard(p: Preflight, category: String) -> impl IntoView {
    let check = |ok: bool, text: String| {
        view! {
            <li class="flex gap-2">
                <span class=if ok { "text-emerald-700" } else { "text-red-700" } aria-hidden="true">{if ok { "✓" } else { "✗" }}</span>
                <span>{text}</span>
            </li>
        }
    };
    let marketing = category == "MARKETING";
    let template_ok = p.template_status == "APPROVED";
    view! {
        <section class="cartao flex flex-col gap-3" data-testid="verificacao">
            <h2 class="text-lg font-semibold">"Verificação antes do envio"</h2>
            <ul class="flex flex-col gap-1 text-sm">
                {check(template_ok, format!("Modelo {}", shared::template::status_label(&p.template_status).to_lowercase()))}
                {check(p.eligible > 0, format!("{} de {} destinatário(s) podem receber", p.eligible, p.audience))}
                {marketing.then(|| check(true, "Marketing: só quem consentiu recebe (LGPD)".to_owned()))}
                {check(p.days_needed <= 1, if p.days_needed <= 1 {
                    format!("Dentro do limite da Meta de {} clientes por 24 horas", thousands(p.messaging_limit))
                } else {
                    format!("Passa do limite de {} por 24 horas: o envio se divide em {} dias", thousands(p.messaging_limit), p.days_needed)
                })}
                {check(p.overlap == 0, if p.overlap == 0 { "Ninguém está em outra campanha em andamento".to_owned() } else { format!("{} contato(s) também estão em outra campanha em andamento", p.overlap) })}
            </ul>
            {(!p.left_out.is_empty()).then(|| view! {
                <div class="text-sm">
                    <p class="font-medium">"Ficam de fora"</p>
                    <ul class="list-disc pl-5" data-testid="fora-do-envio">
                        {p.left_out.iter().map(|b| view! { <li>{format!("{}: {}", b.meaning, b.count)}</li> }).collect::<Vec<_>>()}
                    </ul>
                </div>
            })}
            <p class="text-sm">"Custo estimado: "<strong data-testid="custo-estimado">{brl(p.cost_brl)}</strong>
                <span class="text-tinta-suave">" (tabela de preços da Meta por mensagem entregue, em Configurações)"</span></p>
            {(!p.problems.is_empty()).then(|| view! {
                <div class="alerta-erro text-sm" role="alert">
                    <p class="font-medium">"Não pode começar:"</p>
                    <ul class="list-disc pl-5">{p.problems.iter().map(|m| view! { <li>{m.clone()}</li> }).collect::<Vec<_>>()}</ul>
                </div>
            })}
            {(!p.notes.is_empty()).then(|| view! {
                <ul class="text-sm text-tinta-suave list-disc pl-5">{p.notes.iter().map(|m| view! { <li>{m.clone()}</li> }).collect::<Vec<_>>()}</ul>
            })}
        </section>
    }
}

#[component]
fn ProgressCard(c: CampaignView) -> impl IntoView {
    let per_mille = c.progress_per_mille;
    let left = c.counts.queued + c.counts.sending;
    let eta =
        (c.status == CampaignStatus::Sending && left > 0).then(|| duration_label(c.eta_seconds));
    let settled = c.counts.total - left;
    view! {
        <section class="cartao flex flex-col gap-2">
            <div class="flex items-baseline justify-between gap-3">
                <h2 class="text-lg font-semibold">"Andamento"</h2>
                <span class="text-2xl font-semibold tabular-nums" data-testid="percentual">{format!("{:.0}%", per_mille as f64 / 10.0)}</span>
            </div>
            <ProgressBar per_mille=Signal::derive(move || per_mille) large=true />
            <p class="text-sm text-tinta-suave">
                {format!("{settled} de {} destinatário(s) com a vez concluída", c.counts.total)}
                {eta.map(|e| format!(" · termina em cerca de {e}"))}
                {(c.counts.unknown > 0).then(|| format!(" · {} aguardando a confirmação da Meta", c.counts.unknown))}
            </p>
        </section>
    }
}

#[component]
fn Figures(c: CampaignView) -> impl IntoView {
    let sent = c.counts.sent + c.counts.unknown;
    let cost = brl(c.cost_brl);
    view! {
        <section class="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="numeros-campanha">
            {figures(&c).into_iter().map(|(label, n, help)| {
                let rate = match label {
                    "Entregues" | "Lidas" | "Respostas" | "Saíram" => Some(percent(n, sent)),
                    _ => None,
                };
                view! {
                    <div class="cartao !p-4" title=help>
                        <p class="text-xs font-semibold uppercase tracking-wide text-tinta-suave">{label}</p>
                        <p class="text-2xl font-semibold tabular-nums" data-testid=format!("numero-{}", label.to_lowercase().replace(' ', "-"))>{n}</p>
                        {rate.map(|r| view! { <p class="text-xs text-tinta-suave">{format!("{r} das enviadas")}</p> })}
                    </div>
                }
            }).collect::<Vec<_>>()}
            <div class="cartao !p-4 col-span-2 md:col-span-4 flex items-baseline justify-between">
                <span class="text-sm text-tinta-suave">"Custo até agora (mensagens entregues × preço da categoria)"</span>
                <span class="text-xl font-semibold" data-testid="custo">{cost}</span>
            </div>
        </section>
    }
}

#[component]
fn Breakdowns(c: CampaignView) -> impl IntoView {
    let table = |title: &'static str, rows: Vec<Breakdown>, test: &'static str| {
        (!rows.is_empty()).then(|| view! {
            <section class="cartao" data-testid=test>
                <h2 class="text-lg font-semibold mb-2">{title}</h2>
                <table class="tabela">
                    <thead><tr><th>"Código"</th><th>"O que quer dizer"</th><th class="text-right">"Destinatários"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|b| view! {
                            <tr><td class="font-mono">{b.code.unwrap_or_else(|| "—".into())}</td><td>{b.meaning}</td><td class="text-right tabular-nums">{b.count}</td></tr>
                        }).collect::<Vec<_>>()}
                    </tbody>
                </table>
            </section>
        })
    };
    view! {
        {table("Falhas por motivo", c.failures, "falhas")}
        {table("Fora do envio", c.skipped, "pulados")}
    }
}

#[component]
fn Recipients(id: Uuid) -> impl IntoView {
    let filter = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<RecipientView>::new());
    let more = RwSignal::new(false);
    let load = move |append: bool| {
        let after = if append {
            rows.with_untracked(|r| r.last().map(|r| r.id))
        } else {
            None
        };
        let state = filter.get_untracked();
        spawn_local(async move {
            if let Ok(page) = campaign_recipients(id, state, after).await {
                more.set(page.len() == 100);
                if append {
                    rows.update(|r| r.extend(page));
                } else {
                    rows.set(page);
                }
            }
        });
    };
    Effect::new(move |_| {
        filter.track();
        load(false);
    });
    let tabs: [(Option<&'static str>, &'static str); 7] = [
        (None, "Todos"),
        (Some("queued"), "Na fila"),
        (Some("sent"), "Enviadas"),
        (Some("unknown"), "Aguardando confirmação"),
        (Some("failed"), "Falharam"),
        (Some("skipped"), "Fora do envio"),
        (Some("cancelled"), "Canceladas"),
    ];
    view! {
        <section class="cartao" data-testid="destinatarios">
            <div class="flex flex-wrap items-center justify-between gap-2 mb-2">
                <h2 class="text-lg font-semibold">"Destinatários"</h2>
                <button type="button" class="botao-link text-sm" on:click=move |_| load(false)>"Atualizar"</button>
            </div>
            <div class="flex flex-wrap gap-1 mb-3" role="tablist">
                {tabs.into_iter().map(|(code, label)| {
                    let code = code.map(str::to_owned);
                    let code2 = code.clone();
                    let code3 = code.clone();
                    view! {
                        <button type="button" role="tab" class="aba" aria-selected=move || (filter.get() == code).to_string()
                            aria-current=move || (filter.get() == code3).then_some("page")
                            on:click=move |_| filter.set(code2.clone())>{label}</button>
                    }
                }).collect::<Vec<_>>()}
            </div>
            <div class="overflow-x-auto">
                <table class="tabela">
                    <thead><tr><th>"Linha"</th><th>"Cliente"</th><th>"Estado"</th><th>"Entrega"</th><th>"Erro"</th><th>"Enviada"</th><th></th></tr></thead>
                    <tbody>
                        {move || {
                            let list = rows.get();
                            if list.is_empty() {
                                return view! { <tr><td colspan="7" class="text-tinta-suave">"Ninguém neste estado."</td></tr> }.into_any();
                            }
                            list.into_iter().map(|r| {
                                let state = RecipientState::from_code(&r.state).map(|s| s.label()).unwrap_or("—");
                                let delivery = match r.delivery.as_deref() {
                                    Some("read") => "✓✓ lida",
                                    Some("delivered") => "✓✓ entregue",
                                    Some("sent") => "✓ enviada",
                                    Some("failed") => "falhou",
                                    _ => "",
                                };
                                let error = match (r.error_code, r.error_title.clone(), r.skip_reason.as_deref()) {
                                    (Some(code), title, _) => format!("{code}: {}", title.unwrap_or_else(|| shared::campaign::errors::classify(code as u32).meaning.to_owned())),
                                    (None, _, Some(reason)) => shared::campaign::model::SkipReason::from_code(reason).map(|s| s.label().to_owned()).unwrap_or_default(),
                                    _ => String::new(),
                                };
                                view! {
                                    <tr data-testid="linha-destinatario">
                                        <td class="tabular-nums text-tinta-suave">{r.line}</td>
                                        <td><div>{r.name.clone().unwrap_or_else(|| "—".into())}</div><div class="font-mono text-xs text-tinta-suave">{r.phone.clone()}</div></td>
                                        <td>{state}</td>
                                        <td class="text-sm">{delivery}</td>
                                        <td class="text-sm text-red-800 max-w-xs">{error}</td>
                                        <td class="text-sm">{r.sent_at.map(crate::pages::flows::when)}</td>
                                        <td>{r.conversation_id.map(|c| view! { <a class="botao-link text-sm" href=format!("/conversas?c={c}")>"Conversa"</a> })}</td>
                                    </tr>
                                }
                            }).collect::<Vec<_>>().into_any()
                        }}
                    </tbody>
                </table>
            </div>
            <Show when=move || more.get()>
                <button type="button" class="botao-secundario mt-3" on:click=move |_| load(true)>"Carregar mais"</button>
            </Show>
        </section>
    }
}
