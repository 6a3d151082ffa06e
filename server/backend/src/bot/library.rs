//! The stored flows as files: export one as the JSON a visual editor reads, import one after
//! validating it against the others (so "go to flow" targets exist).

use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::flow::{validate_library, Flow};
use shared::Refusal;
use shared::UserId;

/// key, name, version, whether it is still the seeded version.
pub async fn list(state: &AppState) -> Result<Vec<(String, String, i32, bool)>, Error> {
    Ok(
        sqlx::query_as("select key, name, version, seeded from bot_flows order by key")
            .fetch_all(&state.pool)
            .await?,
    )
}

/// The flow as pretty JSON.
pub async fn export(state: &AppState, key: &str) -> Result<String, Error> {
    let definition: Option<sqlx::types::Json<Flow>> =
        sqlx::query_scalar("select definition from bot_flows where key = $1")
            .bind(key)
            .fetch_optional(&state.pool)
            .await?;
    let flow = definition.ok_or(AppError::NotFound)?.0;
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
    let mut library: Vec<Flow> = sqlx::query_scalar::<_, sqlx::types::Json<Flow>>(
        "select definition from bot_flows where key <> $1",
    )
    .bind(&flow.key)
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|j| j.0)
    .collect();
    library.push(flow.clone());
    let errors: Vec<String> = validate_library(&library)
        .into_iter()
        .filter(|(key, _)| key == &flow.key)
        .map(|(_, e)| e.message())
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Refused(Refusal::FlowHasProblems { problems: errors }).into());
    }
    sqlx::query(
        "insert into bot_flows (key, name, definition, seeded, updated_by) values ($1, $2, $3, false, $4)
         on conflict (key) do update set name = excluded.name, definition = excluded.definition,
             seeded = false, version = bot_flows.version + 1, updated_at = now(),
             updated_by = excluded.updated_by",
    )
    .bind(&flow.key)
    .bind(&flow.name)
    .bind(serde_json::to_value(&flow).map_err(anyhow::Error::from)?)
    .bind(by)
    .execute(&state.pool)
    .await?;
    state.bot.invalidate().await;
    Ok(flow)
}
