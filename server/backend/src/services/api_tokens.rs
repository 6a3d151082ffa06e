//! REST API tokens: created by administrators (UI or `server api-token create`), shown once,
//! stored as an HMAC, revocable.

use crate::crypto::random_token;
use crate::db::audit::NewAuditEntry;
use crate::error::{AppError, Error};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::dto::{ApiTokenView, AuditAction, CreatedApiToken};
use shared::{ApiTokenId, PersonName, UserId};
use uuid::Uuid;

/// Every token starts with this, so leaked ones are easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "omni_";

#[derive(sqlx::FromRow)]
struct Row {
    id: ApiTokenId,
    name: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
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
        }
    }
}

macro_rules! columns {
    () => {
        "id, name, prefix, created_at, last_used_at, revoked_at"
    };
}

pub async fn list(state: &AppState) -> Result<Vec<ApiTokenView>, Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "select ",
        columns!(),
        " from api_tokens order by revoked_at is not null, created_at desc"
    ))
    .fetch_all(&state.pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Creates a token; `actor` is None on the command line.
pub async fn create(
    state: &AppState,
    name: &str,
    actor: Option<(UserId, &str)>,
) -> Result<CreatedApiToken, Error> {
    let name = PersonName::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let id = ApiTokenId(Uuid::new_v4());
    let mut tx = state.pool.begin().await?;
    let row: Row = sqlx::query_as(concat!(
        "insert into api_tokens (id, name, prefix, token_hash, created_by)
         values ($1, $2, $3, $4, $5) returning ",
        columns!()
    ))
    .bind(id)
    .bind(name.as_str())
    .bind(&prefix)
    .bind(state.secrets.token_hash(&secret))
    .bind(actor.map(|a| a.0))
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("token \"{}\" ({prefix}…)", name.as_str());
    NewAuditEntry::new(AuditAction::ApiTokenCreated)
        .by(
            actor.map(|a| a.0),
            actor.map(|a| a.1).unwrap_or("linha de comando"),
        )
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(CreatedApiToken {
        token: row.into(),
        secret,
    })
}

pub async fn revoke(state: &AppState, id: ApiTokenId, actor: (UserId, &str)) -> Result<(), Error> {
    revoke_as(state, id, Some(actor.0), actor.1).await
}

/// Revokes from the command line.
pub async fn revoke_by_command(state: &AppState, id: ApiTokenId) -> Result<(), Error> {
    revoke_as(state, id, None, "linha de comando").await
}

async fn revoke_as(
    state: &AppState,
    id: ApiTokenId,
    actor_id: Option<UserId>,
    actor_label: &str,
) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let name: Option<String> = sqlx::query_scalar(
        "update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1
         returning name",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let name = name.ok_or(AppError::NotFound)?;
    let detail = format!("token \"{name}\"");
    NewAuditEntry::new(AuditAction::ApiTokenRevoked)
        .by(actor_id, actor_label)
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The live token behind a bearer secret. Records when it was last used (at most once a minute).
pub async fn authenticate(state: &AppState, secret: &str) -> Result<Option<ApiTokenView>, Error> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    let row: Option<Row> = sqlx::query_as(concat!(
        "update api_tokens set last_used_at = case
             when last_used_at is null or last_used_at < now() - interval '1 minute' then now()
             else last_used_at end
         where token_hash = $1 and revoked_at is null returning ",
        columns!()
    ))
    .bind(state.secrets.token_hash(secret))
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(Into::into))
}
