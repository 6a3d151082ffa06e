//! The bot's flow library: each flow's published definition (`shared::flow::Flow` as JSON, what
//! the bot runs) and version, its draft with the draft's revision, whether it is still the
//! version the demo seeded, and the immutable history of published versions.

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

/// Each flow's published version, by key.
pub async fn published_versions(
    db: impl PgExecutor<'_>,
) -> Result<std::collections::BTreeMap<String, i32>> {
    let rows: Vec<(String, i32)> = query_as(PUBLISHED_VERSIONS).fetch_all(db).await?;
    Ok(rows.into_iter().collect())
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

/// What the API and the builder read of a flow.
#[derive(sqlx::FromRow)]
pub struct Draft {
    pub key: String,
    pub name: String,
    pub draft: Json<Flow>,
    pub revision: i32,
    pub published_version: i32,
    pub unpublished_changes: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: Option<String>,
    pub archived: bool,
}

/// Every flow with its draft, by key.
pub async fn drafts(db: impl PgExecutor<'_>) -> Result<Vec<Draft>> {
    Ok(query_as(DRAFTS).fetch_all(db).await?)
}

pub async fn draft(db: impl PgExecutor<'_>, key: &str) -> Result<Option<Draft>> {
    Ok(query_as(DRAFT).bind(key).fetch_optional(db).await?)
}

/// Replaces the draft if it is still at `base_revision`: the new revision, or none when the
/// draft changed since (or the flow does not exist).
pub async fn save_draft(
    db: impl PgExecutor<'_>,
    key: &str,
    flow: &Value,
    name: &str,
    base_revision: i32,
    by: Option<UserId>,
) -> Result<Option<i32>> {
    Ok(query_scalar(SAVE_DRAFT)
        .bind(key)
        .bind(flow)
        .bind(name)
        .bind(base_revision)
        .bind(by)
        .fetch_optional(db)
        .await?)
}

/// Publishes the draft as the next version, with its note: the version, none for no flow.
pub async fn publish(
    db: impl PgExecutor<'_>,
    key: &str,
    note: &str,
    by: Option<UserId>,
) -> Result<Option<i32>> {
    Ok(query_scalar(PUBLISH)
        .bind(key)
        .bind(by)
        .bind(note)
        .fetch_optional(db)
        .await?)
}

/// A published version as the history lists it.
#[derive(sqlx::FromRow)]
pub struct Version {
    pub version: i32,
    pub note: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub author: Option<String>,
}

/// The flow's published versions, newest first.
pub async fn versions(db: impl PgExecutor<'_>, key: &str) -> Result<Vec<Version>> {
    Ok(query_as(VERSIONS).bind(key).fetch_all(db).await?)
}

/// One published version's definition.
pub async fn version(db: impl PgExecutor<'_>, key: &str, version: i32) -> Result<Option<Flow>> {
    let found: Option<Json<Flow>> = query_scalar(VERSION)
        .bind(key)
        .bind(version)
        .fetch_optional(db)
        .await?;
    Ok(found.map(|j| j.0))
}

/// The version becomes the draft (a new revision): the revision, none when no such version.
pub async fn restore(
    db: impl PgExecutor<'_>,
    key: &str,
    version: i32,
    by: Option<UserId>,
) -> Result<Option<i32>> {
    Ok(query_scalar(RESTORE)
        .bind(key)
        .bind(version)
        .bind(by)
        .fetch_optional(db)
        .await?)
}

/// Creates a flow published as version 1 (its draft may differ: a duplicate keeps the draft it
/// was copied from). None: the key is taken.
pub async fn create(
    db: impl PgExecutor<'_>,
    key: &str,
    name: &str,
    definition: &Value,
    draft: &Value,
    note: &str,
    by: Option<UserId>,
) -> Result<bool> {
    let created: Option<String> = query_scalar(CREATE)
        .bind(key)
        .bind(name)
        .bind(definition)
        .bind(draft)
        .bind(by)
        .bind(note)
        .fetch_optional(db)
        .await?;
    Ok(created.is_some())
}

/// Archives the flow or brings it back; false when there is no such flow.
pub async fn set_archived(db: impl PgExecutor<'_>, key: &str, archived: bool) -> Result<bool> {
    let done = query(SET_ARCHIVED)
        .bind(key)
        .bind(archived)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The columns of [`Draft`] over `bot_flows f`.
macro_rules! draft_columns {
    () => {
        "f.key, f.name, f.draft, f.revision, f.version as published_version,
         f.draft <> f.definition as unpublished_changes, f.draft_updated_at as updated_at,
         (select u.name from users u where u.id = f.draft_updated_by) as updated_by,
         f.archived_at is not null as archived
         from bot_flows f"
    };
}

super::sql::statements! {
    DRAFTS = concat!("select ", draft_columns!(), " order by f.key");
    DRAFT = concat!("select ", draft_columns!(), " where f.key = $1");
    SAVE_DRAFT = "update bot_flows set draft = $2, name = $3, revision = revision + 1,
         draft_updated_at = now(), draft_updated_by = $5
         where key = $1 and revision = $4 returning revision";
    PUBLISH = "with published as (
             update bot_flows set definition = draft, version = version + 1, seeded = false,
                 updated_at = now(), updated_by = $2
             where key = $1 returning key, version, definition)
         insert into bot_flow_versions (flow_key, version, definition, note, published_by)
         select key, version, definition, $3, $2 from published returning version";
    VERSIONS = "select v.version, v.note, v.published_at, u.name as author
         from bot_flow_versions v left join users u on u.id = v.published_by
         where v.flow_key = $1 order by v.version desc";
    VERSION = "select definition from bot_flow_versions where flow_key = $1 and version = $2";
    RESTORE = "update bot_flows f set draft = v.definition, revision = f.revision + 1,
             draft_updated_at = now(), draft_updated_by = $3
         from bot_flow_versions v
         where f.key = $1 and v.flow_key = f.key and v.version = $2 returning f.revision";
    LIST = "select key, name, version, seeded from bot_flows order by key";
    CREATE = "with created as (
             insert into bot_flows (key, name, definition, draft, seeded, updated_by, draft_updated_by)
             values ($1, $2, $3, $4, false, $5, $5)
             on conflict (key) do nothing
             returning key, version, definition, updated_by)
         insert into bot_flow_versions (flow_key, version, definition, note, published_by)
         select key, version, definition, $6, updated_by from created returning flow_key";
    SET_ARCHIVED = "update bot_flows set archived_at = case when $2 then coalesce(archived_at, now()) end
         where key = $1";
    EXISTS = "select exists (select 1 from bot_flows where key = $1)";
    DEFINITION = "select definition from bot_flows where key = $1";
    ALL = "select definition from bot_flows order by key";
    ALL_EXCEPT = "select definition from bot_flows where key <> $1";
    PUBLISHED_VERSIONS = "select key, version from bot_flows";
    SAVE_IMPORTED = "with saved as (
             insert into bot_flows (key, name, definition, draft, seeded, updated_by, draft_updated_by)
             values ($1, $2, $3, $3, false, $4, $4)
             on conflict (key) do update set name = excluded.name, definition = excluded.definition,
                 draft = excluded.definition, revision = bot_flows.revision + 1,
                 seeded = false, version = bot_flows.version + 1, updated_at = now(),
                 updated_by = excluded.updated_by, draft_updated_at = now(),
                 draft_updated_by = excluded.updated_by
             returning key, version, definition, updated_by)
         insert into bot_flow_versions (flow_key, version, definition, note, published_by)
         select key, version, definition, 'Importado', updated_by from saved";
    SEED = "with seeded as (
             insert into bot_flows (key, name, definition, draft, seeded) values ($1, $2, $3, $3, true)
             on conflict (key) do update set name = excluded.name,
                 definition = excluded.definition, draft = excluded.definition,
                 revision = bot_flows.revision + 1, updated_at = now(),
                 version = bot_flows.version + 1
             where bot_flows.seeded and bot_flows.definition <> excluded.definition
                 and bot_flows.draft = bot_flows.definition
             returning key, version, definition)
         insert into bot_flow_versions (flow_key, version, definition, note)
         select key, version, definition, 'Versão da demonstração' from seeded";
}
