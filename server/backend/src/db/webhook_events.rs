//! The stored webhook deliveries (`webhook_events`): each authenticated body as it arrived,
//! its processing attempts and what processing concluded.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde_json::Value;
use shared::messaging::ChannelKind;
use sqlx::PgExecutor;
use std::time::Duration;

/// A delivery to store: its provider, raw JSON text, and whether it is stored already claimed
/// (as a processor's claim would leave it: one attempt, the next a minute away), for the
/// instance that processes it at once; otherwise it is due now.
pub struct NewDelivery<'a> {
    pub provider: ChannelKind,
    pub payload: &'a str,
    pub claimed: bool,
}

/// Stores deliveries in one statement; their ids, in the order given.
pub async fn insert(db: impl PgExecutor<'_>, deliveries: &[NewDelivery<'_>]) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = query_scalar(INSERT)
        .bind(
            deliveries
                .iter()
                .map(|d| d.provider.code())
                .collect::<Vec<_>>(),
        )
        .bind(deliveries.iter().map(|d| d.payload).collect::<Vec<_>>())
        .bind(
            deliveries
                .iter()
                .map(|d| i32::from(d.claimed))
                .collect::<Vec<_>>(),
        )
        .fetch_all(db)
        .await?;
    // The rows are inserted in the order given, so their serial ids ascend in that order.
    ids.sort_unstable();
    Ok(ids)
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

/// Marks deliveries processed with one outcome.
pub async fn mark_done(db: impl PgExecutor<'_>, ids: &[i64], outcome: &str) -> Result<()> {
    query(MARK_DONE).bind(ids).bind(outcome).execute(db).await?;
    Ok(())
}

super::sql::statements! {
    INSERT = "insert into webhook_events (provider, payload, attempts, next_attempt_at)
         select d.provider::channel_kind, d.payload::jsonb, d.attempts,
             now() + d.attempts * interval '1 minute'
         from unnest($1::text[], $2::text[], $3::int[]) with ordinality
             as d(provider, payload, attempts, n)
         order by d.n
         returning id";
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
    MARK_DONE = "update webhook_events set outcome = $2, processed_at = now(), next_attempt_at = now()
         where id = any($1)";
}
