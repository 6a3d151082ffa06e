//! The settings repository: one JSON row per setting. A setting is a type that names its key
//! ([`Setting::KEY`]), so a key can never be paired with the wrong type.

use super::sql::{query, query_scalar};
use serde::{de::DeserializeOwned, Serialize};
use shared::UserId;
use sqlx::PgExecutor;

/// A type stored as one row of `settings`.
pub trait Setting: Serialize + DeserializeOwned {
    const KEY: &'static str;
}

impl Setting for shared::dto::SecuritySettings {
    const KEY: &'static str = "security";
}

impl Setting for shared::campaign::model::CampaignSettings {
    const KEY: &'static str = "campaigns";
}

impl Setting for shared::inbox::InboxSettings {
    const KEY: &'static str = "inbox";
}

/// Reads a setting; `None` when never set.
pub async fn find<T: Setting>(db: impl PgExecutor<'_>) -> anyhow::Result<Option<T>> {
    let value: Option<serde_json::Value> =
        query_scalar(FIND).bind(T::KEY).fetch_optional(db).await?;
    Ok(value.map(serde_json::from_value).transpose()?)
}

/// Reads a setting, or its default when never set.
pub async fn get<T: Setting + Default>(db: impl PgExecutor<'_>) -> anyhow::Result<T> {
    Ok(find(db).await?.unwrap_or_default())
}

/// Stores a setting; `by`: who changed it (none for a REST API token).
pub async fn put<T: Setting>(
    db: impl PgExecutor<'_>,
    value: &T,
    by: impl Into<Option<UserId>>,
) -> anyhow::Result<()> {
    query(PUT)
        .bind(T::KEY)
        .bind(serde_json::to_value(value)?)
        .bind(by.into())
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    FIND = "select value from settings where key = $1";
    PUT = "insert into settings (key, value, updated_by) values ($1, $2, $3) \
         on conflict (key) do update set value = excluded.value, updated_by = excluded.updated_by, \
         updated_at = now()";
}
