//! The stored flows as files: export one as the JSON a visual editor reads, import one after
//! validating it against the others (so "go to flow" targets exist). And their drafts and
//! versions: a draft is saved on the revision it was made on (a stale save is refused), and
//! publishing makes it the next immutable version, the one the bot runs.

use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::flow::{validate_library, Flow};
use shared::Refusal;
use shared::UserId;

/// key, name, version, whether it is still the seeded version.
pub async fn list(state: &AppState) -> Result<Vec<(String, String, i32, bool)>, Error> {
    db::bot_flows::list(&state.pool).await
}

/// The flow as pretty JSON.
pub async fn export(state: &AppState, key: &str) -> Result<String, Error> {
    let flow = db::bot_flows::definition(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(serde_json::to_string_pretty(&flow).map_err(anyhow::Error::from)?)
}

/// Parses a flow and checks it against the rest of the library (its "go to flow" targets, its
/// nodes and ports): every problem found, in pt-BR. Warnings (a block nothing leads to yet)
/// do no harm when the flow runs and do not stop it.
fn checked(others: Vec<Flow>, flow: &Flow) -> Result<(), Error> {
    let mut library = others;
    library.push(flow.clone());
    let errors: Vec<String> = validate_library(&library)
        .into_iter()
        .filter(|(key, e)| key == &flow.key && !e.is_warning())
        .map(|(_, e)| e.message())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::FlowHasProblems { problems: errors }).into())
    }
}

/// Every flow with its draft.
pub async fn drafts(state: &AppState) -> Result<Vec<db::bot_flows::Draft>, Error> {
    db::bot_flows::drafts(&state.pool).await
}

pub async fn draft(state: &AppState, key: &str) -> Result<db::bot_flows::Draft, Error> {
    db::bot_flows::draft(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound.into())
}

/// Replaces the draft of `key` with `flow` if nobody saved since `base_revision`: the new
/// revision. A flow with problems is refused with each of them.
pub async fn save_draft(
    state: &AppState,
    key: &str,
    flow: serde_json::Value,
    base_revision: i32,
    by: Option<UserId>,
) -> Result<i32, Error> {
    let current = draft(state, key).await?;
    let parsed: Flow = serde_json::from_value(flow).map_err(|e| {
        AppError::Refused(Refusal::FlowFileInvalid {
            detail: e.to_string(),
        })
    })?;
    if parsed.key != key {
        return Err(AppError::Refused(Refusal::FlowKeyMismatch).into());
    }
    if base_revision != current.revision {
        return Err(AppError::Refused(Refusal::FlowDraftStale {
            revision: current.revision,
        })
        .into());
    }
    checked(db::bot_flows::all_except(&state.pool, key).await?, &parsed)?;
    store_draft(state, key, &parsed, base_revision, by).await
}

/// Stores `flow` as the draft of `key` if nobody saved since `base_revision`, whatever its
/// problems: the new revision.
pub async fn store_draft(
    state: &AppState,
    key: &str,
    flow: &Flow,
    base_revision: i32,
    by: Option<UserId>,
) -> Result<i32, Error> {
    let value = serde_json::to_value(flow).map_err(anyhow::Error::from)?;
    let saved =
        db::bot_flows::save_draft(&state.pool, key, &value, &flow.name, base_revision, by).await?;
    match saved {
        Some(revision) => Ok(revision),
        // Another save came first (or there is no such flow: not found).
        None => Err(AppError::Refused(Refusal::FlowDraftStale {
            revision: draft(state, key).await?.revision,
        })
        .into()),
    }
}

/// The longest note a publication may carry.
pub const PUBLISH_NOTE_MAX: usize = 500;

/// Publishes the draft as the next version (refused while it has problems), audited; the bot
/// runs it from the next step on. The version.
pub async fn publish(
    state: &AppState,
    key: &str,
    note: &str,
    actor: &crate::services::users::Actor<'_>,
) -> Result<i32, Error> {
    let note = note.trim();
    if note.chars().count() > PUBLISH_NOTE_MAX {
        return Err(AppError::Refused(Refusal::FlowNoteTooLong {
            max: PUBLISH_NOTE_MAX,
        })
        .into());
    }
    let current = draft(state, key).await?;
    checked(
        db::bot_flows::all_except(&state.pool, key).await?,
        &current.draft.0,
    )?;
    let mut tx = state.pool.begin().await?;
    let version = db::bot_flows::publish(&mut *tx, key, note, actor.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = if note.is_empty() {
        format!("{key} versão {version}")
    } else {
        format!("{key} versão {version}: {note}")
    };
    db::audit::NewAuditEntry::new(shared::dto::AuditAction::FlowPublished)
        .by(actor.id, actor.label)
        .from_ip(actor.ip)
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.bot.invalidate().await;
    Ok(version)
}

async fn existing(state: &AppState, key: &str) -> Result<(), Error> {
    if db::bot_flows::exists(&state.pool, key).await? {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

/// The flow's published versions, newest first.
pub async fn versions(state: &AppState, key: &str) -> Result<Vec<db::bot_flows::Version>, Error> {
    existing(state, key).await?;
    db::bot_flows::versions(&state.pool, key).await
}

/// A published version becomes the draft (publish it to roll back): the draft's new revision.
pub async fn restore(
    state: &AppState,
    key: &str,
    version: i32,
    by: Option<UserId>,
) -> Result<i32, Error> {
    existing(state, key).await?;
    db::bot_flows::restore(&state.pool, key, version, by)
        .await?
        .ok_or(AppError::Refused(Refusal::FlowVersionMissing { version }).into())
}

/// Validates and stores a flow (new, or replacing the one with its key). The errors list
/// every problem found, in pt-BR.
pub async fn import(state: &AppState, json: &str, by: Option<UserId>) -> Result<Flow, Error> {
    let flow: Flow = serde_json::from_str(json).map_err(|e| {
        AppError::Refused(Refusal::FlowFileInvalid {
            detail: e.to_string(),
        })
    })?;
    if flow.key.is_empty()
        || flow.key.len() > 64
        || !flow
            .key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(AppError::Refused(Refusal::FlowKeyInvalid).into());
    }
    checked(
        db::bot_flows::all_except(&state.pool, &flow.key).await?,
        &flow,
    )?;
    let definition = serde_json::to_value(&flow).map_err(anyhow::Error::from)?;
    db::bot_flows::save_imported(&state.pool, &flow.key, &flow.name, &definition, by).await?;
    state.bot.invalidate().await;
    Ok(flow)
}
