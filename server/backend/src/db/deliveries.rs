//! Delivering what the company sends: the outbox's claims and attempts of queued messages,
//! and the receipts providers report for them (sent, delivered, read, failed), which may
//! arrive before the message's own id is known.

use super::contacts::recipient;
use super::sql::{query, query_as};
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::messaging::DeliveryStatus;
use shared::{ChannelId, ConversationId, MessageId};
use sqlx::PgExecutor;
use std::time::Duration;

// ---- Claims and attempts ----------------------------------------------------------------------------

/// A message claimed for delivery.
#[derive(sqlx::FromRow)]
pub struct Due {
    pub(crate) id: MessageId,
    pub(crate) conversation_id: ConversationId,
    pub(crate) channel_id: ChannelId,
    pub(crate) content: serde_json::Value,
    pub(crate) attempts: i32,
    pub(crate) human_agent_tag: bool,
    pub(crate) recipient: Option<String>,
}

/// Claims up to `limit` messages due for delivery (skipping those another instance holds),
/// counting the attempt. The claim pushes `next_attempt_at` ahead, so another instance (or this
/// one after a crash) retries a message whose attempt never finished.
pub async fn claim_due(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<Due>> {
    Ok(query_as(CLAIM_DUE).bind(limit).fetch_all(db).await?)
}

/// Marks queued messages sent with the provider's ids: (message, whether a receipt for its
/// provider id arrived before) for each one updated.
pub async fn mark_sent(
    db: impl PgExecutor<'_>,
    sent: &[(MessageId, &str)],
) -> Result<Vec<(MessageId, bool)>> {
    Ok(query_as(MARK_SENT)
        .bind(sent.iter().map(|(id, _)| id.0).collect::<Vec<_>>())
        .bind(sent.iter().map(|(_, pid)| *pid).collect::<Vec<_>>())
        .fetch_all(db)
        .await?)
}

/// A provider's refusal of a delivery attempt.
pub struct AttemptError<'a> {
    pub code: Option<i32>,
    pub title: &'a str,
    pub detail: Option<&'a str>,
}

/// A queued message's next attempt, `delay` from now, noting why this one failed.
pub async fn reschedule(
    db: impl PgExecutor<'_>,
    id: MessageId,
    delay: Duration,
    error: &AttemptError<'_>,
) -> Result<()> {
    query(RESCHEDULE)
        .bind(id)
        .bind(delay)
        .bind(error.code)
        .bind(error.title)
        .execute(db)
        .await?;
    Ok(())
}

/// A queued message failed for good.
pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    id: MessageId,
    error: &AttemptError<'_>,
) -> Result<()> {
    query(MARK_FAILED)
        .bind(id)
        .bind(error.code)
        .bind(error.title)
        .bind(error.detail)
        .execute(db)
        .await?;
    Ok(())
}

// ---- Receipts and statuses -----------------------------------------------------------------

/// A status a provider reported for one of its message ids.
pub struct StatusReport<'a> {
    pub channel: ChannelId,
    pub provider_message_id: &'a str,
    pub status: DeliveryStatus,
    pub at: DateTime<Utc>,
    pub error_code: Option<i32>,
    pub error_title: Option<&'a str>,
    pub error_detail: Option<&'a str>,
}

/// Binds reports as the seven column arrays `$1`–`$7` that `unnest` reads, on any query type.
macro_rules! bind_reports {
    ($query:expr, $reports:expr) => {{
        let columns = ReportColumns::of($reports);
        $query
            .bind(columns.channels)
            .bind(columns.ids)
            .bind(columns.statuses)
            .bind(columns.at)
            .bind(columns.codes)
            .bind(columns.titles)
            .bind(columns.details)
    }};
}

/// Records the reports as they came (each status of a message once); the send path reads them
/// when a receipt arrived before the message's own id was known.
pub async fn insert_receipts(db: impl PgExecutor<'_>, reports: &[StatusReport<'_>]) -> Result<()> {
    bind_reports!(query(INSERT_RECEIPTS), reports)
        .execute(db)
        .await?;
    Ok(())
}

/// Moves each reported outbound message's status forward to the one reported, never back, in
/// one statement; `reports` holds at most one report per message (the furthest). The messages
/// moved, with their conversation and new status.
pub async fn advance_statuses(
    db: impl PgExecutor<'_>,
    reports: &[StatusReport<'_>],
) -> Result<Vec<(MessageId, ConversationId, DeliveryStatus)>> {
    Ok(bind_reports!(query_as(ADVANCE_STATUSES), reports)
        .fetch_all(db)
        .await?)
}

/// Reports as the column arrays `unnest` reads.
struct ReportColumns<'a> {
    channels: Vec<uuid::Uuid>,
    ids: Vec<&'a str>,
    statuses: Vec<&'static str>,
    at: Vec<DateTime<Utc>>,
    codes: Vec<Option<i32>>,
    titles: Vec<Option<&'a str>>,
    details: Vec<Option<&'a str>>,
}

impl<'a> ReportColumns<'a> {
    fn of(reports: &[StatusReport<'a>]) -> Self {
        Self {
            channels: reports.iter().map(|r| r.channel.0).collect(),
            ids: reports.iter().map(|r| r.provider_message_id).collect(),
            statuses: reports.iter().map(|r| r.status.code()).collect(),
            at: reports.iter().map(|r| r.at).collect(),
            codes: reports.iter().map(|r| r.error_code).collect(),
            titles: reports.iter().map(|r| r.error_title).collect(),
            details: reports.iter().map(|r| r.error_detail).collect(),
        }
    }
}

/// Moves an outbound message's status forward to the one reported (the enum's order is the
/// status order), never back: the message moved, if one did.
pub async fn advance_status(
    db: impl PgExecutor<'_>,
    r: &StatusReport<'_>,
) -> Result<Option<(MessageId, ConversationId)>> {
    Ok(query_as(ADVANCE_STATUS)
        .bind(r.channel)
        .bind(r.provider_message_id)
        .bind(r.status)
        .bind(r.at)
        .bind(r.error_code)
        .bind(r.error_title)
        .bind(r.error_detail)
        .fetch_optional(db)
        .await?)
}

/// Marks read every message sent (or delivered) to the identity on the channel until
/// `watermark`: the messages marked.
pub async fn mark_read_until(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    external_id: &str,
    watermark: DateTime<Utc>,
) -> Result<Vec<(MessageId, ConversationId)>> {
    Ok(query_as(MARK_READ_UNTIL)
        .bind(channel)
        .bind(external_id)
        .bind(watermark)
        .fetch_all(db)
        .await?)
}

/// A receipt as stored: (status, when, error code, title, detail).
pub type ReceiptRow = (
    DeliveryStatus,
    DateTime<Utc>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

/// The furthest status received for a provider's message id, if any.
pub async fn best_receipt(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    provider_message_id: &str,
) -> Result<Option<ReceiptRow>> {
    Ok(query_as(BEST_RECEIPT)
        .bind(channel)
        .bind(provider_message_id)
        .fetch_optional(db)
        .await?)
}

super::sql::statements! {
    CLAIM_DUE = concat!(
        "with due as (
             select id from messages
             where direction = 'outbound' and status = 'queued' and next_attempt_at <= now()
             order by next_attempt_at limit $1 for update skip locked)
         update messages m set attempts = m.attempts + 1,
             next_attempt_at = now() + interval '2 minutes'
         from due where m.id = due.id
         returning m.id, m.conversation_id, m.channel_id, m.content, m.attempts, m.human_agent_tag,
             (select ",
        recipient!(),
        " from conversations c where c.id = m.conversation_id) as recipient"
    );
    MARK_SENT = "update messages m set status = 'sent', status_at = now(), provider_message_id = s.pid,
             provider_timestamp = now(), next_attempt_at = null
         from unnest($1::uuid[], $2::text[]) as s(id, pid)
         where m.id = s.id and m.status = 'queued'
         returning m.id, exists (select 1 from message_receipts r
                                 where r.channel_id = m.channel_id
                                   and r.provider_message_id = s.pid)";
    RESCHEDULE = "update messages set next_attempt_at = now() + $2, error_code = $3, error_title = $4
             where id = $1 and status = 'queued'";
    MARK_FAILED = "update messages set status = 'failed', status_at = now(), next_attempt_at = null,
             error_code = $2, error_title = $3, error_detail = $4
         where id = $1 and status = 'queued'";
    INSERT_RECEIPTS = "insert into message_receipts (channel_id, provider_message_id, status, occurred_at,
             error_code, error_title, error_detail)
         select r.channel_id, r.provider_message_id, r.status::delivery_status, r.occurred_at,
             r.error_code, r.error_title, r.error_detail
         from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[],
             $7::text[]) as r(channel_id, provider_message_id, status, occurred_at, error_code,
             error_title, error_detail)
         on conflict do nothing";
    ADVANCE_STATUS = "update messages set status = $3, status_at = $4,
             error_code = coalesce($5, error_code), error_title = coalesce($6, error_title),
             error_detail = coalesce($7, error_detail)
         where channel_id = $1 and provider_message_id = $2 and direction = 'outbound'
           and status < $3
         returning id, conversation_id";
    ADVANCE_STATUSES = "update messages m set status = r.status::delivery_status, status_at = r.occurred_at,
             error_code = coalesce(r.error_code, m.error_code),
             error_title = coalesce(r.error_title, m.error_title),
             error_detail = coalesce(r.error_detail, m.error_detail)
         from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[],
             $7::text[]) as r(channel_id, provider_message_id, status, occurred_at, error_code,
             error_title, error_detail)
         where m.channel_id = r.channel_id and m.provider_message_id = r.provider_message_id
           and m.direction = 'outbound' and m.status < r.status::delivery_status
         returning m.id, m.conversation_id, m.status";
    MARK_READ_UNTIL = "update messages m set status = 'read', status_at = $3
         from conversations c, contact_identities ci
         where m.conversation_id = c.id and ci.contact_id = c.contact_id
           and ci.channel_id = $1 and ci.external_id = $2 and m.channel_id = $1
           and m.direction = 'outbound' and m.status in ('sent', 'delivered')
           and m.provider_timestamp <= $3
         returning m.id, m.conversation_id";
    BEST_RECEIPT = "select status, occurred_at, error_code, error_title, error_detail from message_receipts
         where channel_id = $1 and provider_message_id = $2 order by status desc limit 1";
}
