//! The bot's flow library: each flow's definition (`shared::flow::Flow` as JSON), its version,
//! and whether it is still the version the demo seeded.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde_json::Value;
use shared::flow::Flow;
use shared::UserId;
use sqlx::types::Json;
use sqlx::PgExecutor;

/// Every flow as (key, name, version, whether it is still the seeded version), by key.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<(String, String, i32, bool)>> {
    Ok(query_as(LIST).fetch_all(db).await?)
}

/// Whether a flow with this key exists.
pub async fn exists(db: impl PgExecutor<'_>, key: &str) -> Result<bool> {
    Ok(query_scalar(EXISTS).bind(key).fetch_one(db).await?)
}

/// The flow with this key.
pub async fn definition(db: impl PgExecutor<'_>, key: &str) -> Result<Option<Flow>> {
    let found: Option<Json<Flow>> = query_scalar(DEFINITION)
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(found.map(|j| j.0))
}

/// Every flow, by key.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<Flow>> {
    let found: Vec<Json<Flow>> = query_scalar(ALL).fetch_all(db).await?;
    Ok(found.into_iter().map(|j| j.0).collect())
}

/// Every flow but the one with this key.
pub async fn all_except(db: impl PgExecutor<'_>, key: &str) -> Result<Vec<Flow>> {
    let found: Vec<Json<Flow>> = query_scalar(ALL_EXCEPT).bind(key).fetch_all(db).await?;
    Ok(found.into_iter().map(|j| j.0).collect())
}

/// Stores a flow an administrator imported (new, or a new version of the one with its key, no
/// longer the seeded one).
pub async fn save_imported(
    db: impl PgExecutor<'_>,
    key: &str,
    name: &str,
    definition: &Value,
    by: Option<UserId>,
) -> Result<()> {
    query(SAVE_IMPORTED)
        .bind(key)
        .bind(name)
        .bind(definition)
        .bind(by)
        .execute(db)
        .await?;
    Ok(())
}

/// Stores a seeded flow: new, or a new version of the stored one while that is still the
/// seeded version and differs (never over an administrator's edit).
pub async fn seed(
    db: impl PgExecutor<'_>,
    key: &str,
    name: &str,
    definition: &Value,
) -> Result<()> {
    query(SEED)
        .bind(key)
        .bind(name)
        .bind(definition)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    LIST = "select key, name, version, seeded from bot_flows order by key";
    EXISTS = "select exists (select 1 from bot_flows where key = $1)";
    DEFINITION = "select definition from bot_flows where key = $1";
    ALL = "select definition from bot_flows order by key";
    ALL_EXCEPT = "select definition from bot_flows where key <> $1";
    SAVE_IMPORTED = "insert into bot_flows (key, name, definition, seeded, updated_by) values ($1, $2, $3, false, $4)
         on conflict (key) do update set name = excluded.name, definition = excluded.definition,
             seeded = false, version = bot_flows.version + 1, updated_at = now(),
             updated_by = excluded.updated_by";
    SEED = "insert into bot_flows (key, name, definition, seeded) values ($1, $2, $3, true)
             on conflict (key) do update set name = excluded.name,
                 definition = excluded.definition, updated_at = now(),
                 version = bot_flows.version + 1
             where bot_flows.seeded and bot_flows.definition <> excluded.definition";
}
