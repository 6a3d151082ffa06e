//! The REST API tokens repository: each token's name, recognisable prefix and HMAC (never the
//! secret itself), when it was last used and whether it was revoked.

use super::sql::{query_as, query_scalar};
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::dto::ApiTokenView;
use shared::{ApiTokenId, UserId};
use sqlx::PgExecutor;

#[derive(sqlx::FromRow)]
struct Row {
    id: ApiTokenId,
    name: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    scopes: Vec<String>,
}

impl From<Row> for ApiTokenView {
    fn from(r: Row) -> Self {
        ApiTokenView {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            scopes: r
                .scopes
                .iter()
                .filter_map(|s| shared::api_scope::ApiScope::parse(s))
                .collect(),
        }
    }
}

macro_rules! columns {
    () => {
        "id, name, prefix, created_at, last_used_at, revoked_at, scopes"
    };
}

/// Every token, live ones first, newest first.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<ApiTokenView>> {
    let rows: Vec<Row> = query_as(LIST).fetch_all(db).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A token to store.
pub struct NewToken<'a> {
    pub id: ApiTokenId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a [u8],
    pub created_by: Option<UserId>,
    pub created_in_demo: bool,
    pub scopes: &'a [String],
}

pub async fn insert(db: impl PgExecutor<'_>, token: NewToken<'_>) -> Result<ApiTokenView> {
    let row: Row = query_as(INSERT)
        .bind(token.id)
        .bind(token.name)
        .bind(token.prefix)
        .bind(token.token_hash)
        .bind(token.created_by)
        .bind(token.created_in_demo)
        .bind(token.scopes)
        .fetch_one(db)
        .await?;
    Ok(row.into())
}

/// Revokes a token (a revoked one keeps its first revocation time); its name, none when there
/// is no such token.
pub async fn revoke(db: impl PgExecutor<'_>, id: ApiTokenId) -> Result<Option<String>> {
    Ok(query_scalar(REVOKE).bind(id).fetch_optional(db).await?)
}

/// The live token with this HMAC, recording that it was used (at most once a minute); outside
/// demo mode, never one created while it was on.
pub async fn use_live(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    demo: bool,
) -> Result<Option<ApiTokenView>> {
    let row: Option<Row> = query_as(USE_LIVE)
        .bind(token_hash)
        .bind(demo)
        .fetch_optional(db)
        .await?;
    Ok(row.map(Into::into))
}

super::sql::statements! {
    LIST = concat!(
        "select ",
        columns!(),
        " from api_tokens order by revoked_at is not null, created_at desc"
    );
    INSERT = concat!(
        "insert into api_tokens (id, name, prefix, token_hash, created_by, created_in_demo, scopes)
         values ($1, $2, $3, $4, $5, $6, $7) returning ",
        columns!()
    );
    REVOKE = "update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1
         returning name";
    USE_LIVE = concat!(
        "update api_tokens set last_used_at = case
             when last_used_at is null or last_used_at < now() - interval '1 minute' then now()
             else last_used_at end
         where token_hash = $1 and revoked_at is null and ($2 or not created_in_demo) returning ",
        columns!()
    );
}
