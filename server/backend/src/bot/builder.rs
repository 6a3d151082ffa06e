//! What the flow builder's pages do beyond the REST API's drafts and versions: the `/fluxos`
//! overview, new flows from a template, duplicates, archiving, the canvas's autosave (which
//! keeps a half-built draft and leaves its problems to the canvas and to publishing), and which
//! channel runs which flow.

use super::library;
use crate::db;
use crate::error::{AppError, Error};
use crate::guard::{ensure_not_demo_locked, Authorised, DemoLocked};
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::flow::builder::{
    key_from_name, ChannelFlow, FlowDocument, FlowSummary, FlowsOverview, VersionView,
};
use shared::flow::{templates, Flow};
use shared::{ChannelId, Refusal};

/// The demo's utility flows, offered as templates a production install can start from.
const DEMO_TEMPLATES: [(&str, &str, &str, &str); 2] = [
    (
        "saneamento-menu",
        "Atendimento de saneamento",
        "Menu com 2ª via, leituras, negociação, falta de água e atendente (o da demonstração).",
        include_str!("flows/principal.json"),
    ),
    (
        "saneamento-negociacao",
        "Negociação de débitos",
        "Consulta os débitos no ERP, simula as opções e fecha o acordo (o da demonstração).",
        include_str!("flows/negociacao.json"),
    ),
];

const NAME_MAX: usize = 120;

fn summary(d: db::bot_flows::Draft) -> FlowSummary {
    FlowSummary {
        blocks: d.draft.0.nodes.len(),
        key: d.key,
        name: d.name,
        published_version: d.published_version,
        unpublished_changes: d.unpublished_changes,
        updated_at: d.updated_at,
        updated_by: d.updated_by,
        archived: d.archived,
    }
}

/// Every flow, the channels and the flow each runs, and the templates.
pub async fn overview(state: &AppState) -> Result<FlowsOverview, Error> {
    let flows = library::drafts(state)
        .await?
        .into_iter()
        .map(summary)
        .collect();
    let channels = crate::services::channels::list(state)
        .await?
        .into_iter()
        .map(|c| ChannelFlow {
            id: c.channel.id,
            kind: c.channel.kind,
            name: c.channel.name,
            flow: c.bot_flow,
        })
        .collect();
    let templates = templates::TEMPLATES
        .iter()
        .map(|t| (t.code, t.name, t.description))
        .chain(DEMO_TEMPLATES.iter().map(|(c, n, d, _)| (*c, *n, *d)))
        .map(|(c, n, d)| (c.to_owned(), n.to_owned(), d.to_owned()))
        .collect();
    Ok(FlowsOverview {
        flows,
        channels,
        templates,
    })
}

/// The flow as the canvas opens it.
pub async fn document(state: &AppState, key: &str, editable: bool) -> Result<FlowDocument, Error> {
    let d = library::draft(state, key).await?;
    let other_flows = db::bot_flows::list(&state.pool)
        .await?
        .into_iter()
        .filter(|(k, ..)| k != key)
        .map(|(k, name, ..)| (k, name))
        .collect();
    let teams = db::teams::list(&state.pool)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(FlowDocument {
        key: d.key,
        draft: d.draft.0,
        revision: d.revision,
        published_version: d.published_version,
        unpublished_changes: d.unpublished_changes,
        updated_at: d.updated_at,
        updated_by: d.updated_by,
        other_flows,
        teams,
        editable,
    })
}

/// The published versions, newest first.
pub async fn versions(state: &AppState, key: &str) -> Result<Vec<VersionView>, Error> {
    Ok(library::versions(state, key)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            note: v.note,
            published_at: v.published_at,
            author: v.author,
        })
        .collect())
}

/// One published version, for the comparison on the canvas.
pub async fn version(state: &AppState, key: &str, version: i32) -> Result<Flow, Error> {
    db::bot_flows::version(&state.pool, key, version)
        .await?
        .ok_or_else(|| AppError::Refused(Refusal::FlowVersionMissing { version }).into())
}

fn checked_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(AppError::Refused(Refusal::FlowNameInvalid).into());
    }
    Ok(name.to_owned())
}

/// A key made from `name` that no flow has: `nome`, `nome-2`, `nome-3`…
async fn free_key(state: &AppState, name: &str) -> Result<String, Error> {
    let base = key_from_name(name);
    let mut key = base.clone();
    let mut n = 2;
    while db::bot_flows::exists(&state.pool, &key).await? {
        key = format!("{base}-{n}");
        n += 1;
    }
    Ok(key)
}

/// Stores a new flow, published as version 1 with `note`; its key.
async fn store_new(
    state: &AppState,
    who: &Authorised,
    mut published: Flow,
    mut draft: Flow,
    note: &str,
) -> Result<String, Error> {
    // Another administrator may take the key between the check and the insert: try the next.
    for _ in 0..5 {
        let key = free_key(state, &draft.name).await?;
        published.key = key.clone();
        draft.key = key.clone();
        let definition = serde_json::to_value(&published).map_err(anyhow::Error::from)?;
        let draft_json = serde_json::to_value(&draft).map_err(anyhow::Error::from)?;
        let mut tx = state.pool.begin().await?;
        let created = db::bot_flows::create(
            &mut *tx,
            &key,
            &draft.name,
            &definition,
            &draft_json,
            note,
            Some(who.user.id),
        )
        .await?;
        if !created {
            continue;
        }
        db::audit::NewAuditEntry::new(AuditAction::FlowPublished)
            .by(Some(who.user.id), &who.label())
            .from_ip(who.ip())
            .detail(&format!("{key} versão 1: {note}"))
            .record(&mut *tx)
            .await?;
        tx.commit().await?;
        state.bot.invalidate().await;
        return Ok(key);
    }
    Err(anyhow::anyhow!("no free flow key after five tries").into())
}

/// A new flow called `name` from the template `template`: its key.
pub async fn create(
    state: &AppState,
    who: &Authorised,
    name: &str,
    template: &str,
) -> Result<String, Error> {
    let name = checked_name(name)?;
    let flow = match templates::build(template, "novo", &name) {
        Some(flow) => flow,
        None => {
            let (.., json) = DEMO_TEMPLATES
                .iter()
                .find(|(code, ..)| *code == template)
                .ok_or(AppError::Refused(Refusal::FlowTemplateUnknown))?;
            let mut flow: Flow = serde_json::from_str(json).map_err(anyhow::Error::from)?;
            flow.name = name.clone();
            flow
        }
    };
    let note = format!(
        "Criado a partir do modelo \"{}\"",
        template_name(template).unwrap_or(template)
    );
    store_new(state, who, flow.clone(), flow, &note).await
}

fn template_name(code: &str) -> Option<&'static str> {
    templates::TEMPLATES
        .iter()
        .find(|t| t.code == code)
        .map(|t| t.name)
        .or_else(|| {
            DEMO_TEMPLATES
                .iter()
                .find(|(c, ..)| *c == code)
                .map(|(_, n, ..)| *n)
        })
}

/// A copy of the flow (its published version and its draft) under a new key: the new key.
pub async fn duplicate(state: &AppState, who: &Authorised, key: &str) -> Result<String, Error> {
    let source = library::draft(state, key).await?;
    let mut published = db::bot_flows::definition(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut draft = source.draft.0;
    let name: String = format!("{} (cópia)", source.name)
        .chars()
        .take(NAME_MAX)
        .collect();
    published.name = name.clone();
    draft.name = name;
    store_new(state, who, published, draft, &format!("Cópia de \"{key}\"")).await
}

/// Archives the flow (refused while a channel runs it) or brings it back.
pub async fn set_archived(
    state: &AppState,
    who: &Authorised,
    key: &str,
    archived: bool,
) -> Result<(), Error> {
    ensure_not_demo_locked(state, who, DemoLocked::Flows)?;
    if archived {
        if let Some(channel) = crate::services::channels::list(state)
            .await?
            .into_iter()
            .find(|c| c.bot_flow.as_deref() == Some(key))
        {
            return Err(AppError::Refused(Refusal::FlowRunsOnChannel {
                channel: channel.channel.name,
            })
            .into());
        }
    }
    if !db::bot_flows::set_archived(&state.pool, key, archived).await? {
        return Err(AppError::NotFound.into());
    }
    Ok(())
}

/// The canvas's save: the draft as drawn, problems and all (publishing refuses those), on the
/// revision it was made on. The new revision.
pub async fn autosave(
    state: &AppState,
    who: &Authorised,
    key: &str,
    flow: Flow,
    base_revision: i32,
) -> Result<i32, Error> {
    if flow.key != key {
        return Err(AppError::Refused(Refusal::FlowKeyMismatch).into());
    }
    checked_name(&flow.name)?;
    library::store_draft(state, key, &flow, base_revision, Some(who.user.id)).await
}

/// Sets the flow that answers new conversations on a channel (none: no bot), audited.
pub async fn set_channel_flow(
    state: &AppState,
    who: &Authorised,
    channel: ChannelId,
    flow: Option<String>,
) -> Result<(), Error> {
    ensure_not_demo_locked(state, who, DemoLocked::Flows)?;
    let flow = flow.map(|f| f.trim().to_owned()).filter(|f| !f.is_empty());
    let found = crate::services::channels::get(state, channel).await?;
    if let Some(key) = &flow {
        let draft = db::bot_flows::draft(&state.pool, key)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::FlowMissing { key: key.clone() }))?;
        if draft.archived {
            return Err(AppError::Refused(Refusal::FlowArchived { key: key.clone() }).into());
        }
    }
    let mut tx = state.pool.begin().await?;
    crate::channels::set_bot_flow(&mut *tx, channel, flow.as_deref()).await?;
    db::audit::NewAuditEntry::new(AuditAction::ChannelChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "canal {} {}: fluxo {}",
            found.channel.kind.label(),
            found.channel.name,
            flow.as_deref().unwrap_or("nenhum (sem robô)")
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.channels.invalidate().await;
    Ok(())
}

/// How long an open builder counts as present without a new heartbeat.
const PRESENCE_SECONDS: i64 = 45;

/// The builder open on `key` says it is there; the names of the other people who have it open
/// (each counted while their tab sends a heartbeat, every 15 s).
pub async fn presence(state: &AppState, who: &Authorised, key: &str) -> Result<Vec<String>, Error> {
    let ns = &state.auth.redis_namespace;
    let set = format!("{ns}:flow-presence:{key}");
    let now = chrono::Utc::now().timestamp();
    let me = format!("{}|{}", who.user.id.0, who.user.name);
    let mut conn = state.redis.clone();
    let (_, _, _, members): ((), (), (), Vec<String>) = redis::pipe()
        .atomic()
        .cmd("ZADD")
        .arg(&set)
        .arg(now)
        .arg(&me)
        .cmd("ZREMRANGEBYSCORE")
        .arg(&set)
        .arg("-inf")
        .arg(now - PRESENCE_SECONDS)
        .cmd("EXPIRE")
        .arg(&set)
        .arg(PRESENCE_SECONDS * 2)
        .cmd("ZRANGE")
        .arg(&set)
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .map_err(anyhow::Error::from)?;
    let mine = format!("{}|", who.user.id.0);
    let mut others: Vec<String> = members
        .into_iter()
        .filter(|m| !m.starts_with(&mine))
        .filter_map(|m| m.split_once('|').map(|(_, name)| name.to_owned()))
        .collect();
    others.sort();
    others.dedup();
    Ok(others)
}
