//! Campaigns: made from a template and an audience (a CSV file), checked before launch (the
//! pre-flight), started now or at a time, paused, resumed and cancelled at any moment, and
//! sent by [`sender`] at the number's pace. PostgreSQL holds every recipient's state; the
//! queues carry only campaign ids.

pub mod audiences;
pub mod consent;
pub mod pacer;
pub mod sender;

pub use audiences::{audience_channels, contacts_audience, erp_audience, erp_overdue};

use crate::channels::Channel;
use crate::db::{self, campaigns as repo};
use crate::error::{AppError, Error};
use crate::state::AppState;
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use shared::campaign::audience::{self, AudienceReport};
use shared::campaign::model::{
    CampaignAction, CampaignCounts, CampaignSettings, CampaignStatus, SkipReason,
};
use shared::campaign::phone;
pub use shared::campaign::report::{
    Breakdown, CampaignView, NewCampaign, Preflight, RecipientView,
};
use shared::campaign::vars::{self, Binding};
use shared::messaging::ChannelKind;
use shared::{ChannelId, Refusal, UserId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Contact fields every recipient has, whatever the audience.
const CONTACT_FIELDS: [&str; 3] = ["nome", "primeiro_nome", "telefone"];

/// What the audience's file gave, for the validation report.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub id: Uuid,
    pub recipients: u64,
    pub report: AudienceReport,
}

fn invalid(problems: Vec<String>) -> Error {
    AppError::Refused(Refusal::CampaignInvalid { problems }).into()
}

/// The campaign's WhatsApp channel: the one named, else the only one.
async fn channel_for(state: &AppState, named: Option<ChannelId>) -> Result<Channel, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let whatsapp: Vec<&Channel> = channels
        .iter()
        .filter(|c| c.kind == ChannelKind::Whatsapp)
        .collect();
    let chosen = match named {
        Some(id) => channels.iter().find(|c| c.id == id),
        // The simulated channel of a demo counts only when it is the only one.
        None => match whatsapp.iter().filter(|c| !c.settings.simulated).count() {
            1 => whatsapp.iter().find(|c| !c.settings.simulated).copied(),
            0 if whatsapp.len() == 1 => whatsapp.first().copied(),
            0 => None,
            _ => return Err(AppError::Refused(Refusal::TemplateChannelAmbiguous).into()),
        },
    };
    let channel = chosen.ok_or(AppError::NotFound)?;
    match channel.kind {
        ChannelKind::Whatsapp => Ok(channel.clone()),
        ChannelKind::Instagram => Err(invalid(vec![
            "O Instagram não permite campanhas: só responde a quem escreveu nas últimas 24 horas."
                .into(),
        ])),
        ChannelKind::Messenger => Err(invalid(vec![
            "O Messenger só permite mensagens fora das 24 horas com etiquetas não promocionais: campanhas só no WhatsApp.".into(),
        ])),
        ChannelKind::Webchat => Err(invalid(vec![
            "O webchat não envia mensagens a quem não está na página: campanhas só no WhatsApp."
                .into(),
        ])),
    }
}

/// Makes a draft campaign from a CSV audience; every line left out is in the report.
pub async fn create(
    state: &AppState,
    request: NewCampaign,
    by: Option<UserId>,
) -> Result<Created, Error> {
    let mut problems = Vec::new();
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        problems.push("Dê à campanha um nome de 1 a 120 caracteres.".to_owned());
    }
    let rate = request.rate_per_second.unwrap_or(80);
    if !(1..=1000).contains(&rate) {
        problems.push("A velocidade vai de 1 a 1.000 mensagens por segundo.".to_owned());
    }
    if let Some(at) = request.schedule_at {
        if at < Utc::now() - chrono::Duration::minutes(1) {
            problems.push("O horário de envio já passou.".to_owned());
        }
        if request.expires_at.is_some_and(|e| e <= at) {
            problems.push("A validade termina antes do início do envio.".to_owned());
        }
    }
    if request
        .daily_budget_brl
        .is_some_and(|b| !b.is_finite() || b <= 0.0 || b > 10_000_000.0)
    {
        problems.push("O orçamento diário deve ser um valor positivo em reais.".to_owned());
    }
    if request.local_time && request.schedule_at.is_none() {
        problems.push(
            "Para enviar no horário de cada destinatário, escolha a data e a hora.".to_owned(),
        );
    }
    let channel = channel_for(state, request.channel).await?;
    let template = db::message_templates::list(&state.pool, Some(channel.id))
        .await?
        .into_iter()
        .find(|t| t.name == request.template_name && t.language == request.template_language);
    let Some(template) = template else {
        problems.push(format!(
            "O modelo \"{}\" ({}) não existe neste canal.",
            request.template_name, request.template_language
        ));
        return Err(invalid(problems));
    };
    let body = crate::services::templates::body_of(&template.components);
    let (params, _) = vars::body_params(&body);
    let report = match audience::from_csv(&request.csv, request.phone_column.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            problems.push(e.to_string());
            return Err(invalid(problems));
        }
    };
    let mut bindings: BTreeMap<String, Binding> = BTreeMap::new();
    for p in &params {
        match request.variables.get(p) {
            None => problems.push(format!(
                "Diga de onde vem o parâmetro {{{{{p}}}}} do modelo."
            )),
            Some(spec) => {
                let b = Binding::parse(spec);
                let known = b.source.is_empty()
                    || report.columns.contains(&b.source)
                    || CONTACT_FIELDS.contains(&b.source.as_str());
                if !known {
                    problems.push(format!(
                        "O parâmetro {{{{{p}}}}} usa \"{}\", que não é coluna do arquivo ({}).",
                        b.source,
                        report.columns.join(", ")
                    ));
                }
                bindings.insert(p.clone(), b);
            }
        }
    }
    for p in request.variables.keys() {
        if !params.contains(p) {
            problems.push(format!("O modelo não tem o parâmetro {{{{{p}}}}}."));
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // Lines whose variables would be empty are left out now, with their line in the report.
    let mut report = report;
    let rows = std::mem::take(&mut report.rows);
    let mut kept = Vec::with_capacity(rows.len());
    for mut row in rows {
        row.fields
            .entry("telefone".into())
            .or_insert_with(|| row.phone.e164.clone());
        match vars::fill(&bindings, &row.fields) {
            Ok(_) => kept.push(row),
            Err(e) => report.problems.push(audience::LineProblem {
                line: row.line,
                message: e.to_string(),
            }),
        }
    }
    report.problems.sort_by_key(|p| p.line);
    if kept.is_empty() {
        return Err(invalid(vec![
            "Nenhuma linha do arquivo pode receber a campanha (veja o relatório).".into(),
        ]));
    }
    let id = Uuid::new_v4();
    let bindings_json = serde_json::to_value(&bindings).map_err(anyhow::Error::from)?;
    let mut tx = state.pool.begin().await?;
    repo::insert(
        &mut *tx,
        repo::NewCampaign {
            id,
            name,
            channel: channel.id,
            template: template.id,
            category: &template.category,
            bindings: &bindings_json,
            schedule_at: request.schedule_at,
            local_time: request.local_time,
            respect_quiet_hours: request.respect_quiet_hours,
            expires_at: request.expires_at,
            rate_per_second: rate,
            daily_budget_brl: request.daily_budget_brl,
            created_by: by,
        },
    )
    .await?;
    let mut added = 0;
    for chunk in kept.chunks(5_000) {
        let phones: Vec<String> = chunk.iter().map(|r| r.phone.e164.clone()).collect();
        let lines: Vec<Option<i32>> = chunk.iter().map(|r| i32::try_from(r.line).ok()).collect();
        let fields: Vec<Value> = chunk
            .iter()
            .map(|r| serde_json::to_value(&r.fields).unwrap_or_default())
            .collect();
        let names: Vec<Option<String>> = chunk
            .iter()
            .map(|r| r.fields.get("nome").cloned())
            .collect();
        // At each recipient's local time: the same wall-clock time in their zone.
        let not_before: Vec<_> = chunk
            .iter()
            .map(|r| {
                request
                    .schedule_at
                    .filter(|_| request.local_time)
                    .map(|at| {
                        at + chrono::Duration::hours(phone::hours_after_brasilia(r.phone.ddd))
                    })
            })
            .collect();
        added += repo::add_recipients(&mut *tx, id, &phones, &lines, &fields, &names, &not_before)
            .await?;
    }
    repo::record_file_consent(&mut *tx, id, &format!("Arquivo da campanha \"{name}\"")).await?;
    tx.commit().await?;
    report.rows = kept;
    Ok(Created {
        id,
        recipients: added,
        report,
    })
}

fn status_of(row: &repo::CampaignRow) -> CampaignStatus {
    CampaignStatus::from_code(&row.status).unwrap_or(CampaignStatus::Draft)
}

pub async fn get(state: &AppState, id: Uuid) -> Result<CampaignView, Error> {
    let row = repo::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = db::settings::get::<CampaignSettings>(&state.pool).await?;
    view(state, row, &settings).await
}

/// A campaign already read, with its figures.
async fn view(
    state: &AppState,
    row: repo::CampaignRow,
    settings: &CampaignSettings,
) -> Result<CampaignView, Error> {
    let id = row.id;
    let c = repo::counts(&state.pool, id).await?;
    let counts = CampaignCounts {
        total: c.total,
        queued: c.queued,
        sending: c.sending,
        sent: c.sent,
        unknown: c.unknown,
        failed: c.failed,
        skipped: c.skipped,
        cancelled: c.cancelled,
        delivered: c.delivered,
        read: c.read,
        replied: c.replied,
        opted_out: c.opted_out,
    };
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for (kind, code, count) in repo::breakdown(&state.pool, id).await? {
        if kind == "failed" {
            let meaning = match code.as_deref().and_then(|c| c.parse::<u32>().ok()) {
                Some(n) => shared::campaign::errors::classify(n).meaning.to_owned(),
                None => "Falha sem código da Meta".to_owned(),
            };
            failures.push(Breakdown {
                code,
                meaning,
                count,
            });
        } else {
            let meaning = code
                .as_deref()
                .and_then(SkipReason::from_code)
                .map(|r| r.label().to_owned())
                .unwrap_or_else(|| "Fora do envio".to_owned());
            skipped.push(Breakdown {
                code,
                meaning,
                count,
            });
        }
    }
    Ok(CampaignView {
        progress_per_mille: counts.progress_per_mille(),
        eta_seconds: counts.seconds_left(row.rate_per_second as i64),
        cost_brl: settings.cost_brl(&row.category, counts.delivered),
        status: status_of(&row),
        id: row.id,
        name: row.name,
        channel_id: row.channel_id,
        template_name: row.template_name,
        template_language: row.template_language,
        template_status: row.template_status,
        category: row.category,
        schedule_at: row.schedule_at,
        local_time: row.local_time,
        respect_quiet_hours: row.respect_quiet_hours,
        expires_at: row.expires_at,
        rate_per_second: row.rate_per_second,
        daily_budget_brl: row.daily_budget_brl,
        pause_reason: row.pause_reason,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        counts,
        failures,
        skipped,
    })
}

/// Meta told the portfolio's messaging limit (a webhook): the pre-flight and the split over
/// days follow it from now on, and the audit log says who changed it.
pub async fn on_messaging_limit(state: &AppState, limit: i64) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let mut settings = db::settings::get::<CampaignSettings>(&mut *tx).await?;
    if settings.messaging_limit == limit {
        return Ok(());
    }
    settings.messaging_limit = limit;
    db::settings::put(&mut *tx, &settings, None).await?;
    db::audit::NewAuditEntry::new(shared::dto::AuditAction::SettingsChanged)
        .by(None, "Meta")
        .detail(&format!(
            "Campanhas — a Meta informou o limite de mensagens: {}",
            shared::campaign::rules::tier_label(limit)
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(limit, "Meta's messaging limit recorded");
    Ok(())
}

pub async fn list(state: &AppState) -> Result<Vec<CampaignView>, Error> {
    // The rows and the settings once; each campaign's figures are its own.
    let settings = db::settings::get::<CampaignSettings>(&state.pool).await?;
    let mut out = Vec::new();
    for row in repo::list(&state.pool, 100).await? {
        out.push(view(state, row, &settings).await?);
    }
    Ok(out)
}

pub async fn preflight(state: &AppState, id: Uuid) -> Result<Preflight, Error> {
    let row = repo::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = db::settings::get::<CampaignSettings>(&state.pool).await?;
    let counts = repo::counts(&state.pool, id).await?;
    let left: Vec<(String, i64)> = repo::ineligible(&state.pool, id).await?;
    let left_total: i64 = left.iter().map(|(_, n)| n).sum();
    let eligible = counts.queued - left_total;
    let overlap = repo::overlap(&state.pool, id).await?;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    match row.template_status.as_str() {
        "APPROVED" => {}
        "PENDING" => problems.push("O modelo ainda está em análise pela Meta.".to_owned()),
        other => problems.push(format!(
            "O modelo não está aprovado pela Meta (situação: {}).",
            shared::template::status_label(other)
        )),
    }
    if eligible <= 0 {
        problems.push("Ninguém do público pode receber esta campanha.".to_owned());
    }
    if left_total > 0 {
        notes.push(format!(
            "{left_total} contato(s) ficam de fora (sem consentimento ou na lista de supressão)."
        ));
    }
    if overlap > 0 {
        notes.push(format!(
            "{overlap} contato(s) também estão em outra campanha em andamento."
        ));
    }
    if settings.frequency_cap_24h > 0 {
        notes.push(format!(
            "Cada contato recebe no máximo {} modelo(s) a cada 24 horas, somando campanhas e atendentes: quem já recebeu fica de fora.",
            settings.frequency_cap_24h
        ));
    }
    let mut days_needed = settings.days_needed(eligible.max(0));
    if days_needed > 1 {
        notes.push(format!(
            "O público passa do limite de {} clientes por 24 horas da Meta: o envio se divide em {days_needed} dias.",
            settings.messaging_limit
        ));
    }
    if let Some(budget) = row.daily_budget_brl {
        use shared::flow::text::brl;
        match settings.messages_within(budget, &row.category) {
            Some(0) => problems.push(format!(
                "O orçamento diário de {} não paga nem uma mensagem ({} cada).",
                brl(budget),
                brl(settings.cost_brl(&row.category, 1))
            )),
            Some(per_day) => {
                let days = (eligible.max(0) + per_day - 1) / per_day;
                days_needed = days_needed.max(days);
                notes.push(format!(
                    "Orçamento de {} por dia: até {per_day} mensagem(ns) por dia; o envio leva {} dia(s).",
                    brl(budget),
                    days.max(1)
                ));
            }
            None => {}
        }
    }
    Ok(Preflight {
        ok: problems.is_empty(),
        problems,
        notes,
        template_status: row.template_status.clone(),
        audience: counts.total,
        eligible: eligible.max(0),
        left_out: left
            .into_iter()
            .map(|(code, count)| Breakdown {
                meaning: SkipReason::from_code(&code)
                    .map(|r| r.label().to_owned())
                    .unwrap_or_default(),
                code: Some(code),
                count,
            })
            .collect(),
        overlap,
        messaging_limit: settings.messaging_limit,
        days_needed,
        cost_brl: settings.cost_brl(&row.category, eligible.max(0)),
    })
}

/// Starts, pauses, resumes or cancels; the campaign as it is afterwards.
pub async fn act(
    state: &AppState,
    id: Uuid,
    action: CampaignAction,
    reason: Option<&str>,
) -> Result<CampaignView, Error> {
    if action == CampaignAction::Start {
        let check = preflight(state, id).await?;
        if !check.ok {
            return Err(AppError::Refused(Refusal::CampaignPreflightFailed {
                problems: check.problems,
            })
            .into());
        }
    }
    let row = repo::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    let current = repo::lock(&mut *tx, id)
        .await?
        .and_then(|s| CampaignStatus::from_code(&s))
        .ok_or(AppError::NotFound)?;
    let later = row.schedule_at.is_some_and(|at| at > Utc::now());
    let next = current
        .after(action, later)
        .map_err(|message| AppError::Refused(Refusal::CampaignStatusConflict { message }))?;
    if action == CampaignAction::Start {
        repo::skip_ineligible(&mut *tx, id).await?;
    }
    if next == CampaignStatus::Cancelled {
        repo::cancel_unsent(&mut *tx, id).await?;
    }
    let pause_reason =
        (next == CampaignStatus::Paused).then(|| reason.unwrap_or("Pausada por um usuário"));
    repo::set_status(&mut *tx, id, next.code(), pause_reason).await?;
    tx.commit().await?;
    if next == CampaignStatus::Sending {
        sender::wake(state, id).await;
    }
    get(state, id).await
}

/// Pauses a campaign for a reason the sender or a webhook found (a template paused or
/// rejected, a campaign-level error); nothing when it is not running.
pub async fn pause_for(state: &AppState, id: Uuid, reason: &str) -> Result<(), Error> {
    match act(state, id, CampaignAction::Pause, Some(reason)).await {
        Ok(_) => Ok(()),
        Err(Error::App(AppError::Refused(Refusal::CampaignStatusConflict { .. }))) => Ok(()),
        Err(e) => Err(e),
    }
}

/// How a pause for the template begins (a later approval resumes only those).
const TEMPLATE_PAUSE: &str = "A Meta mudou o modelo para";

/// A template's status changed at Meta: campaigns running with it pause when it can no longer
/// be sent (paused, rejected, disabled), and those it paused resume when it is approved again.
pub async fn on_template_status(
    state: &AppState,
    templates: &[Uuid],
    status: &str,
) -> Result<(), Error> {
    if templates.is_empty() {
        return Ok(());
    }
    for (id, campaign_status, reason) in repo::of_templates(&state.pool, templates).await? {
        let current = CampaignStatus::from_code(&campaign_status);
        if status == "APPROVED" {
            let ours = reason
                .as_deref()
                .is_some_and(|r| r.starts_with(TEMPLATE_PAUSE));
            if current == Some(CampaignStatus::Paused) && ours {
                act(state, id, CampaignAction::Resume, None).await?;
            }
        } else if matches!(
            current,
            Some(CampaignStatus::Scheduled | CampaignStatus::Sending)
        ) {
            let label = shared::template::status_label(status).to_lowercase();
            pause_for(state, id, &format!("{TEMPLATE_PAUSE} \"{label}\".")).await?;
        }
    }
    Ok(())
}

/// "Reenviar só as falhas temporárias": failed recipients whose error may pass go back to the
/// queue; how many.
pub async fn retry_temporary(state: &AppState, id: Uuid) -> Result<u64, Error> {
    let codes: Vec<i32> = shared::campaign::errors::temporary_codes()
        .iter()
        .map(|c| *c as i32)
        .collect();
    let mut tx = state.pool.begin().await?;
    let status = repo::lock(&mut *tx, id)
        .await?
        .and_then(|s| CampaignStatus::from_code(&s))
        .ok_or(AppError::NotFound)?;
    let n = repo::requeue_failed(&mut *tx, id, &codes).await?;
    // A finished campaign sends its retries; a paused or cancelled one keeps them queued.
    let reopen = n > 0 && status == CampaignStatus::Done;
    if reopen {
        repo::set_status(&mut *tx, id, CampaignStatus::Sending.code(), None).await?;
    }
    tx.commit().await?;
    if reopen || status == CampaignStatus::Sending {
        sender::wake(state, id).await;
    }
    Ok(n)
}

/// The campaign's recipients, a page at a time.
pub async fn recipients(
    state: &AppState,
    id: Uuid,
    recipient_state: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RecipientView>, Error> {
    repo::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows =
        repo::recipients(&state.pool, id, recipient_state, after, limit.clamp(1, 500)).await?;
    Ok(rows
        .into_iter()
        .map(|r| RecipientView {
            id: r.id,
            phone: r.phone,
            name: r.name,
            line: r.line,
            state: r.state,
            attempts: r.attempts,
            delivery: r.delivery,
            error_code: r.error_code,
            error_title: r.error_title,
            skip_reason: r.skip_reason,
            sent_at: r.sent_at,
            conversation_id: r.conversation_id,
        })
        .collect())
}
