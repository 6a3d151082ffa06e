//! Campanhas: proactive WhatsApp campaigns. The list (`/campanhas`) shows each campaign's
//! status and progress, refreshed while any is sending; the wizard (`nova`) makes a draft from
//! a template and a CSV audience; a campaign's page (`detail`) runs the pre-flight, starts,
//! pauses, resumes and cancels it, and reports on every recipient.

pub mod detail;
pub mod segment;
pub mod wizard;

use crate::api::campaigns::{list_campaigns, CampaignsOverview};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use shared::campaign::model::CampaignStatus;
use shared::Permission;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    view! {
        <Title text="Campanhas" />
        <RequirePermission permission=Permission::ViewCampaigns>
            <Campaigns />
        </RequirePermission>
    }
}

pub(crate) fn status_class(status: CampaignStatus) -> &'static str {
    match status {
        CampaignStatus::Draft => "chip",
        CampaignStatus::Scheduled => "chip bg-sky-100 text-sky-800",
        CampaignStatus::Sending => "chip bg-emerald-100 text-emerald-800",
        CampaignStatus::Paused => "chip bg-amber-100 text-amber-900",
        CampaignStatus::Done => "chip bg-marca-100 text-marca-800",
        CampaignStatus::Cancelled => "chip bg-red-100 text-red-800",
    }
}

/// "Enviando", "Concluída": the status as a label starts.
pub(crate) fn status_title(status: CampaignStatus) -> String {
    let label = status.label();
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The campaign's progress: a bar with its percentage, readable by screen readers.
#[component]
pub(crate) fn ProgressBar(per_mille: Signal<i64>, #[prop(optional)] large: bool) -> impl IntoView {
    let percent = move || per_mille.get().clamp(0, 1000) as f64 / 10.0;
    let height = if large { "h-4" } else { "h-2" };
    view! {
        <div class=format!("w-full rounded-full bg-slate-100 overflow-hidden {height}")
            role="progressbar" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow=move || format!("{:.0}", percent())
            data-testid="progresso">
            <div class="h-full rounded-full bg-marca-600 transition-all duration-500"
                style=move || format!("width: {:.1}%", percent())></div>
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn running(campaigns: &[shared::campaign::report::CampaignView]) -> bool {
    campaigns.iter().any(|c| {
        matches!(
            c.status,
            CampaignStatus::Sending | CampaignStatus::Scheduled
        )
    })
}

#[component]
fn Campaigns() -> impl IntoView {
    let data = RwSignal::new(None::<CampaignsOverview>);
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match list_campaigns().await {
                Ok(d) => data.set(Some(d)),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    Effect::new(move |_| reload());
    // While a campaign sends, its progress moves here without a reload.
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if data.with_untracked(|d| d.as_ref().is_some_and(|d| running(&d.campaigns))) {
                reload();
            }
        },
        std::time::Duration::from_secs(3),
    ) {
        on_cleanup(move || handle.clear());
    }
    let editable = move || data.with(|d| d.as_ref().is_some_and(|d| d.editable));
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3 mb-2">
            <h1 class="text-2xl font-semibold">"Campanhas"</h1>
            <Show when=editable>
                <div class="flex flex-wrap gap-2">
                    <A href="/configuracoes/campanhas" attr:class="botao-secundario" attr:data-testid="config-campanhas">"Regras de envio"</A>
                    <A href="/campanhas/nova" attr:class="botao-primario" attr:data-testid="nova-campanha">"Nova campanha"</A>
                </div>
            </Show>
        </div>
        <p class="text-sm text-tinta-suave mb-4 max-w-3xl">
            "Mensagens ativas pelo WhatsApp com um modelo aprovado pela Meta: cobranças, avisos, ofertas. Cada cliente recebe no máximo uma vez, só quem consentiu recebe marketing, e quem pede para sair não recebe mais."
        </p>
        {move || error.get().map(|m| view! { <p class="alerta-erro mb-4" role="alert">{m}</p> })}
        <table class="tabela cartao w-full" data-testid="tabela-campanhas">
            <thead><tr>
                <th>"Campanha"</th><th>"Estado"</th><th class="w-64">"Andamento"</th>
                <th class="text-right">"Enviadas"</th><th class="text-right">"Entregues"</th>
                <th class="text-right">"Lidas"</th><th class="text-right">"Respostas"</th><th>"Criada"</th>
            </tr></thead>
            <tbody>
                {move || {
                    let Some(d) = data.get() else {
                        return view! { <tr><td colspan="8" class="text-tinta-suave">"Carregando…"</td></tr> }.into_any();
                    };
                    if d.campaigns.is_empty() {
                        return view! { <tr><td colspan="8" class="text-tinta-suave">"Nenhuma campanha ainda. Crie a primeira com um modelo aprovado e uma planilha de clientes."</td></tr> }.into_any();
                    }
                    d.campaigns.into_iter().map(|c| {
                        let per_mille = c.progress_per_mille;
                        let sent = c.counts.sent + c.counts.unknown;
                        view! {
                            <tr data-testid="linha-campanha">
                                <td>
                                    <A href=format!("/campanhas/{}", c.id) attr:class="font-medium hover:underline">{c.name.clone()}</A>
                                    <div class="text-xs text-tinta-suave font-mono">{format!("{} · {}", c.template_name, c.template_language)}</div>
                                </td>
                                <td><span class=status_class(c.status) data-testid="estado-campanha">{status_title(c.status)}</span></td>
                                <td>
                                    <ProgressBar per_mille=Signal::derive(move || per_mille) />
                                    <div class="text-xs text-tinta-suave mt-1">{format!("{:.0}% de {}", per_mille as f64 / 10.0, c.counts.total)}</div>
                                </td>
                                <td class="text-right tabular-nums">{sent}</td>
                                <td class="text-right tabular-nums">{c.counts.delivered}</td>
                                <td class="text-right tabular-nums">{c.counts.read}</td>
                                <td class="text-right tabular-nums">{c.counts.replied}</td>
                                <td class="text-sm">{crate::pages::flows::when(c.created_at)}</td>
                            </tr>
                        }
                    }).collect::<Vec<_>>().into_any()
                }}
            </tbody>
        </table>
    }
}
