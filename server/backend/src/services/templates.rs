//! WhatsApp templates managed in the product: created here and sent to Meta for review
//! (`POST /{waba}/message_templates`), deleted there by id and name, kept in sync by Meta's
//! template webhooks (status, quality, category) and by a periodic sync of every WhatsApp
//! channel. Every template is checked against Meta's limits (`shared::template`) before Meta
//! is called, so a refusal comes in pt-BR and at once.

use crate::channels::{Channel, TemplateChange, TemplateEvent};
use crate::db::{self, message_templates::Synced};
use crate::error::{AppError, Error};
use crate::state::AppState;
use serde_json::Value;
use shared::messaging::ChannelKind;
use shared::sent_template::{self, ButtonAction, QuickReplyAction};
use shared::template::{self, TemplateDraft, TemplateSummary};
use shared::{ChannelId, Refusal, UserId};
use uuid::Uuid;

/// The WhatsApp channel, its business account and token.
async fn whatsapp(
    state: &AppState,
    channel: ChannelId,
) -> Result<(Channel, String, String), Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let ch = channels
        .iter()
        .find(|c| c.id == channel && c.kind == ChannelKind::Whatsapp)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let waba = ch
        .settings
        .business_account_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or(AppError::Refused(Refusal::WabaIdMissing))?;
    let token = ch
        .access_token()
        .ok_or(AppError::Refused(Refusal::ChannelTokenMissing))?
        .to_owned();
    Ok((ch, waba, token))
}

/// The WhatsApp channels, as (id, name): those on Meta first, then the demo's simulated one
/// (its collection template is there; Meta never sees it, so it cannot be synced).
pub async fn whatsapp_channels(state: &AppState) -> Result<Vec<(ChannelId, String)>, Error> {
    let mut channels: Vec<(bool, ChannelId, String)> = state
        .channels
        .all(&state.pool, &state.secrets)
        .await?
        .iter()
        .filter(|c| c.kind == ChannelKind::Whatsapp && c.active)
        .map(|c| (c.settings.simulated, c.id, c.name.clone()))
        .collect();
    channels.sort_by_key(|c| c.0);
    Ok(channels
        .into_iter()
        .map(|(_, id, name)| (id, name))
        .collect())
}

/// The only WhatsApp channel on Meta (the demo's simulated ones have no templates), for a
/// REST call that names none.
pub async fn only_whatsapp_channel(state: &AppState) -> Result<ChannelId, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let mut whatsapp = channels
        .iter()
        .filter(|c| c.kind == ChannelKind::Whatsapp && !c.settings.simulated);
    match (whatsapp.next(), whatsapp.next()) {
        (Some(c), None) => Ok(c.id),
        (None, _) => Err(AppError::NotFound.into()),
        (Some(_), Some(_)) => Err(AppError::Refused(Refusal::TemplateChannelAmbiguous).into()),
    }
}

fn refused_by_meta(e: crate::channels::graph::GraphError) -> Error {
    AppError::Refused(Refusal::MetaRefused {
        status: e.describe(),
    })
    .into()
}

fn summary(row: db::message_templates::TemplateRow) -> TemplateSummary {
    let draft = template::from_meta(&serde_json::json!({
        "name": row.name,
        "language": row.language,
        "category": row.category,
        "components": &row.components,
    }))
    .ok();
    TemplateSummary {
        id: row.id,
        channel_id: row.channel_id,
        meta_id: row.meta_id,
        name: row.name,
        language: row.language,
        category: row.category,
        status: row.status,
        quality: row.quality,
        reason: row.reason,
        components: row.components,
        draft,
        button_actions: serde_json::from_value(row.button_actions).unwrap_or_default(),
        updated_at: row.updated_at,
    }
}

/// The templates of a channel (of every channel, when none).
pub async fn list(
    state: &AppState,
    channel: Option<ChannelId>,
) -> Result<Vec<TemplateSummary>, Error> {
    Ok(db::message_templates::list(&state.pool, channel)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

pub async fn get(state: &AppState, id: Uuid) -> Result<TemplateSummary, Error> {
    db::message_templates::find(&state.pool, id)
        .await?
        .map(summary)
        .ok_or_else(|| AppError::NotFound.into())
}

/// What is wrong with these quick-reply actions for a template with these components: the
/// buttons they name and the flows they start (which must exist), in pt-BR.
async fn action_problems(
    state: &AppState,
    actions: &[ButtonAction],
    components: &Value,
) -> Result<Vec<String>, Error> {
    let mut problems = sent_template::check_actions(actions, components);
    for a in actions {
        if let QuickReplyAction::Flow { flow } = &a.action {
            if shared::flow::valid_key(flow) && !db::bot_flows::exists(&state.pool, flow).await? {
                problems.push(format!("Não há um fluxo com a chave \"{flow}\"."));
            }
        }
    }
    Ok(problems)
}

/// The flows a quick reply can start, as (key, name), by name.
pub async fn startable_flows(state: &AppState) -> Result<Vec<(String, String)>, Error> {
    let mut flows: Vec<(String, String)> = db::bot_flows::list(&state.pool)
        .await?
        .into_iter()
        .map(|(key, name, _, _)| (key, name))
        .collect();
    flows.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(flows)
}

/// Sets what the template's quick replies do when tapped (start a flow, opt out): checked
/// against its buttons and the flow library, every problem at once in pt-BR.
pub async fn set_button_actions(
    state: &AppState,
    id: Uuid,
    actions: &[ButtonAction],
) -> Result<TemplateSummary, Error> {
    let row = db::message_templates::find(&state.pool, id)
        .await?
        .filter(|r| r.status != "DELETED")
        .ok_or(AppError::NotFound)?;
    let problems = action_problems(state, actions, &row.components).await?;
    if !problems.is_empty() {
        return Err(AppError::Refused(Refusal::TemplateInvalid { problems }).into());
    }
    let json = serde_json::to_value(actions).map_err(anyhow::Error::from)?;
    db::message_templates::set_button_actions(&state.pool, id, &json).await?;
    get(state, id).await
}

pub(crate) fn body_of(components: &Value) -> String {
    components
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("BODY"))
        })
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Checks the template, asks Meta to review it and stores it as Meta answered (`PENDING`,
/// usually; a library template may come back `APPROVED`).
pub async fn create(
    state: &AppState,
    channel: ChannelId,
    draft: &TemplateDraft,
    actions: &[ButtonAction],
    by: Option<UserId>,
) -> Result<TemplateSummary, Error> {
    let request = template::to_meta(draft);
    let mut problems: Vec<String> = template::validate(draft)
        .into_iter()
        .map(|p| p.message)
        .collect();
    problems.extend(action_problems(state, actions, &request["components"]).await?);
    if !problems.is_empty() {
        return Err(AppError::Refused(Refusal::TemplateInvalid { problems }).into());
    }
    let (_, waba, token) = whatsapp(state, channel).await?;
    let answer = state
        .graph
        .post(&format!("{waba}/message_templates"), &token, &request)
        .await
        .map_err(refused_by_meta)?;
    let meta_id = answer.get("id").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let status = answer
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("PENDING");
    let category = answer
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or(request["category"].as_str().unwrap_or("UTILITY"));
    let components = request["components"].clone();
    let body = body_of(&components);
    let id = db::message_templates::upsert(
        &state.pool,
        Synced {
            channel,
            meta_id: meta_id.as_deref(),
            name: &draft.name,
            language: &draft.language,
            category,
            status,
            quality: None,
            reason: None,
            body: &body,
            parameter_count: template::params(&body).map(|p| p.count()).unwrap_or(0) as i32,
            components: &components,
            created_by: by,
        },
    )
    .await?;
    let json = serde_json::to_value(actions).map_err(anyhow::Error::from)?;
    db::message_templates::set_button_actions(&state.pool, id, &json).await?;
    get(state, id).await
}

/// Deletes the template at Meta (this language only: by its id and name) and here.
pub async fn delete(state: &AppState, id: Uuid) -> Result<(), Error> {
    let row = db::message_templates::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, waba, token) = whatsapp(state, row.channel_id).await?;
    let name = urlencode(&row.name);
    let path = match &row.meta_id {
        Some(meta_id) => format!(
            "{waba}/message_templates?hsm_id={}&name={name}",
            urlencode(meta_id)
        ),
        None => format!("{waba}/message_templates?name={name}"),
    };
    match state.graph.delete(&path, &token).await {
        Ok(_) => {}
        // Already gone at Meta: forget it here too (campaigns that used it keep their row).
        Err(e) if e.http_status == Some(404) => {}
        Err(e) => return Err(refused_by_meta(e)),
    }
    db::message_templates::delete(&state.pool, id).await?;
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn meta_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the channel's templates from Meta (`GET /{waba}/message_templates`, every page) and
/// stores them: how many.
pub async fn sync(state: &AppState, channel: ChannelId) -> Result<usize, Error> {
    let (_, waba, token) = whatsapp(state, channel).await?;
    let mut path = format!(
        "{waba}/message_templates?fields=id,name,language,status,category,components,rejected_reason,quality_score&limit=200"
    );
    let mut items = Vec::new();
    // Whether every page was read: only then is a template missing from the list gone at Meta.
    let mut complete = false;
    // Meta pages with cursors; a generous bound keeps a misbehaving answer from looping.
    for _ in 0..50 {
        let response = state
            .graph
            .get(&path, &token)
            .await
            .map_err(refused_by_meta)?;
        items.extend(
            response
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        match response
            .pointer("/paging/cursors/after")
            .and_then(Value::as_str)
        {
            Some(after) if response.pointer("/paging/next").is_some() => {
                path = format!(
                    "{waba}/message_templates?fields=id,name,language,status,category,components,rejected_reason,quality_score&limit=200&after={}",
                    urlencode(after)
                );
            }
            _ => {
                complete = true;
                break;
            }
        }
    }
    let mut tx = state.pool.begin().await?;
    let mut stored = 0;
    let mut listed = Vec::with_capacity(items.len());
    for t in &items {
        let (Some(name), Some(language)) = (
            t.get("name").and_then(Value::as_str),
            t.get("language").and_then(Value::as_str),
        ) else {
            continue;
        };
        listed.push((name.to_owned(), language.to_owned()));
        let components = t.get("components").cloned().unwrap_or_default();
        let body = body_of(&components);
        let reason = t
            .get("rejected_reason")
            .and_then(Value::as_str)
            .filter(|r| *r != "NONE");
        db::message_templates::upsert(
            &mut *tx,
            Synced {
                channel,
                meta_id: meta_string(t.get("id")).as_deref(),
                name,
                language,
                category: t
                    .get("category")
                    .and_then(Value::as_str)
                    .unwrap_or("UTILITY"),
                status: t.get("status").and_then(Value::as_str).unwrap_or("PENDING"),
                quality: t.pointer("/quality_score/score").and_then(Value::as_str),
                reason,
                body: &body,
                parameter_count: template::params(&body).map(|p| p.count()).unwrap_or(0) as i32,
                components: &components,
                created_by: None,
            },
        )
        .await?;
        stored += 1;
    }
    if complete {
        db::message_templates::forget_missing(&mut *tx, channel, &listed).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// Syncs every WhatsApp channel with a business account and a token (the periodic job): the
/// templates stored. A channel Meta refuses is logged and skipped.
pub async fn sync_all(state: &AppState) -> Result<usize, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let mut total = 0;
    for c in channels.iter().filter(|c| {
        c.kind == ChannelKind::Whatsapp
            && c.active
            && c.access_token().is_some()
            && c.settings
                .business_account_id
                .as_deref()
                .is_some_and(|w| !w.is_empty())
    }) {
        match sync(state, c.id).await {
            Ok(n) => total += n,
            Err(e) => tracing::warn!(channel = %c.id, error = ?e, "template sync failed"),
        }
    }
    Ok(total)
}

/// Applies a template webhook to the templates of the business account's channels.
/// Applies one of Meta's template webhooks; the ids of the templates it changed.
pub async fn apply_event(state: &AppState, event: &TemplateEvent) -> Result<Vec<Uuid>, Error> {
    let channels: Vec<ChannelId> = state
        .channels
        .all(&state.pool, &state.secrets)
        .await?
        .iter()
        .filter(|c| {
            c.kind == ChannelKind::Whatsapp
                && c.settings.business_account_id.as_deref()
                    == Some(event.business_account_id.as_str())
        })
        .map(|c| c.id)
        .collect();
    if channels.is_empty() {
        tracing::warn!(waba = %event.business_account_id, "template webhook for an unknown business account");
        return Ok(Vec::new());
    }
    let (status, quality, category, reason) = match &event.change {
        TemplateChange::Status { status, reason } => {
            (Some(status.as_str()), None, None, reason.as_deref())
        }
        TemplateChange::Quality(q) => (None, Some(q.as_str()), None, None),
        TemplateChange::Category(c) => (None, None, Some(c.as_str()), None),
        TemplateChange::Refetch => {
            for c in &channels {
                sync(state, *c).await?;
            }
            return Ok(Vec::new());
        }
    };
    let changed = db::message_templates::apply(
        &state.pool,
        &channels,
        db::message_templates::Update {
            meta_id: &event.meta_id,
            name: &event.name,
            language: &event.language,
            status,
            quality,
            category,
            reason,
        },
    )
    .await?;
    if changed.is_empty() {
        // A template created outside the product (WhatsApp Manager): read it in.
        for c in &channels {
            sync(state, *c).await?;
        }
    }
    Ok(changed)
}
