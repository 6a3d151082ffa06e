use serde::{de::DeserializeOwned, Serialize};

/// Key of the per-role security settings ([`shared::dto::SecuritySettings`]).
pub const SECURITY: &str = "security";
use shared::UserId;
use sqlx::PgExecutor;

/// Reads a JSON setting; `None` when never set.
pub async fn get<T: DeserializeOwned>(
    db: impl PgExecutor<'_>,
    key: &str,
) -> anyhow::Result<Option<T>> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("select value from settings where key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(value.map(serde_json::from_value).transpose()?)
}

pub async fn put<T: Serialize>(
    db: impl PgExecutor<'_>,
    key: &str,
    value: &T,
    by: UserId,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into settings (key, value, updated_by) values ($1, $2, $3) \
         on conflict (key) do update set value = excluded.value, updated_by = excluded.updated_by, \
         updated_at = now()",
    )
    .bind(key)
    .bind(serde_json::to_value(value)?)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}
