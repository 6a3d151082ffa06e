//! The stored flows as files: export one as the JSON a visual editor reads, import one after
//! validating it against the others (so "go to flow" targets exist).

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
    let mut library = db::bot_flows::all_except(&state.pool, &flow.key).await?;
    library.push(flow.clone());
    let errors: Vec<String> = validate_library(&library)
        .into_iter()
        .filter(|(key, _)| key == &flow.key)
        .map(|(_, e)| e.message())
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Refused(Refusal::FlowHasProblems { problems: errors }).into());
    }
    let definition = serde_json::to_value(&flow).map_err(anyhow::Error::from)?;
    db::bot_flows::save_imported(&state.pool, &flow.key, &flow.name, &definition, by).await?;
    state.bot.invalidate().await;
    Ok(flow)
}
