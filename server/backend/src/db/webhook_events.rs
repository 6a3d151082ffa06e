//! The stored webhook deliveries (`webhook_events`): each authenticated body as it arrived,
//! its processing attempts and what processing concluded.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde_json::Value;
use shared::messaging::ChannelKind;
use sqlx::PgExecutor;
use std::time::Duration;

/// Stores a delivery's raw JSON text; returns its id. `claimed`: stored as a processor's claim
/// would leave it (one attempt, the next a minute away), for the instance that processes it at
/// once; otherwise due now.
pub async fn insert(
    db: impl PgExecutor<'_>,
    provider: ChannelKind,
    payload: &str,
    claimed: bool,
) -> Result<i64> {
    Ok(query_scalar(INSERT)
        .bind(provider)
        .bind(payload)
        .bind(i32::from(claimed))
        .fetch_one(db)
        .await?)
}

/// Claims up to `limit` due deliveries (skipping those another processor holds): one more
/// attempt each, the next a minute away. Returns (id, provider, payload, attempts).
pub async fn claim_due(
    db: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<(i64, ChannelKind, Value, i32)>> {
    Ok(query_as(CLAIM_DUE).bind(limit).fetch_all(db).await?)
}

/// Records what processing a delivery concluded: `done` marks it processed; otherwise it is
/// due again after `retry_in` (at once when none).
pub async fn record_outcome(
    db: impl PgExecutor<'_>,
    id: i64,
    outcome: &str,
    done: bool,
    retry_in: Option<Duration>,
) -> Result<()> {
    query(RECORD_OUTCOME)
        .bind(id)
        .bind(outcome)
        .bind(done)
        .bind(retry_in)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    INSERT = "insert into webhook_events (provider, payload, attempts, next_attempt_at)
         values ($1, $2::jsonb, $3::integer, now() + $3::integer * interval '1 minute') returning id";
    CLAIM_DUE = "with due as (
             select id from webhook_events
             where processed_at is null and next_attempt_at <= now()
             order by id limit $1 for update skip locked)
         update webhook_events w set attempts = w.attempts + 1,
             next_attempt_at = now() + interval '1 minute'
         from due where w.id = due.id
         returning w.id, w.provider, w.payload, w.attempts";
    RECORD_OUTCOME = "update webhook_events set outcome = $2,
             processed_at = case when $3 then now() else null end,
             next_attempt_at = now() + coalesce($4, interval '0')
         where id = $1";
}
