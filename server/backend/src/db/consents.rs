//! Consent per contact, channel and purpose (every grant and withdrawal kept, the latest one
//! counts), and the suppression list: numbers that receive no campaign of a scope.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use shared::{ChannelId, ContactId, UserId};
use sqlx::PgExecutor;

/// A consent record as the contact panel shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub channel_id: Option<ChannelId>,
    pub channel_name: Option<String>,
    pub purpose: String,
    pub granted: bool,
    pub source: String,
    pub detail: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A grant or a withdrawal.
pub struct Record<'a> {
    pub contact: ContactId,
    pub channel: Option<ChannelId>,
    pub purpose: &'a str,
    pub granted: bool,
    pub source: &'a str,
    pub detail: Option<&'a str>,
    pub by: Option<UserId>,
}

pub async fn record(db: impl PgExecutor<'_>, r: Record<'_>) -> Result<()> {
    query(RECORD)
        .bind(r.contact)
        .bind(r.channel)
        .bind(r.purpose)
        .bind(r.granted)
        .bind(r.source)
        .bind(r.detail)
        .bind(r.by)
        .execute(db)
        .await?;
    Ok(())
}

/// The contact's standing consent per channel and purpose (the latest record of each).
pub async fn current(db: impl PgExecutor<'_>, contact: ContactId) -> Result<Vec<ConsentRow>> {
    Ok(query_as(CURRENT).bind(contact).fetch_all(db).await?)
}

/// One suppressed number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SuppressionRow {
    pub phone: String,
    pub scope: String,
    pub reason: String,
    pub detail: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Suppresses a number (widening a `marketing` one to `all` when asked); `true` when the
/// number was not suppressed before (the customer is told once).
pub async fn suppress(
    db: impl PgExecutor<'_>,
    phone: &str,
    scope: &str,
    reason: &str,
    detail: Option<&str>,
    contact: Option<ContactId>,
) -> Result<bool> {
    Ok(query_scalar(SUPPRESS)
        .bind(phone)
        .bind(scope)
        .bind(reason)
        .bind(detail)
        .bind(contact)
        .fetch_one(db)
        .await?)
}

/// Suppresses many numbers at once (an imported list); how many were new.
pub async fn import(
    db: impl PgExecutor<'_>,
    phones: &[String],
    scope: &str,
    detail: &str,
) -> Result<u64> {
    Ok(query(IMPORT)
        .bind(phones)
        .bind(scope)
        .bind(detail)
        .execute(db)
        .await?
        .rows_affected())
}

/// The suppression of a number, if any.
pub async fn suppression(db: impl PgExecutor<'_>, phone: &str) -> Result<Option<SuppressionRow>> {
    Ok(query_as(SUPPRESSION).bind(phone).fetch_optional(db).await?)
}

/// Which of `phones` may not receive a campaign for `purpose`.
pub async fn suppressed_among(
    db: impl PgExecutor<'_>,
    phones: &[String],
    purpose: &str,
) -> Result<Vec<String>> {
    Ok(query_scalar(SUPPRESSED_AMONG)
        .bind(phones)
        .bind(purpose)
        .fetch_all(db)
        .await?)
}

pub async fn unsuppress(db: impl PgExecutor<'_>, phone: &str) -> Result<bool> {
    Ok(query(UNSUPPRESS)
        .bind(phone)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// The whole list, newest first (the export).
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<SuppressionRow>> {
    Ok(query_as(ALL).fetch_all(db).await?)
}

super::sql::statements! {
    RECORD = "insert into consent_records (contact_id, channel_id, purpose, granted, source, detail,
                 recorded_by)
             values ($1, $2, $3, $4, $5, $6, $7)";
    CURRENT = "select distinct on (r.channel_id, r.purpose) r.channel_id, ch.name as channel_name,
                 r.purpose, r.granted, r.source, r.detail, r.at
             from consent_records r left join channels ch on ch.id = r.channel_id
             where r.contact_id = $1
             order by r.channel_id nulls first, r.purpose, r.at desc, r.id desc";
    SUPPRESS = "insert into suppressions (phone, scope, reason, detail, contact_id)
             values ($1, $2, $3, $4, $5)
             on conflict (phone) do update set
                 scope = case when excluded.scope = 'all' then 'all' else suppressions.scope end,
                 contact_id = coalesce(suppressions.contact_id, excluded.contact_id)
             returning xmax = 0";
    IMPORT = "insert into suppressions (phone, scope, reason, detail)
             select p, $2, 'import', $3 from unnest($1::text[]) as p
             on conflict (phone) do update set scope = 'all'
                 where $2 = 'all' and suppressions.scope <> 'all'";
    SUPPRESSION = "select phone, scope, reason, detail, created_at from suppressions where phone = $1";
    SUPPRESSED_AMONG = "select phone from suppressions
             where phone = any($1) and (scope = 'all' or $2 = 'marketing')";
    UNSUPPRESS = "delete from suppressions where phone = $1";
    ALL = "select phone, scope, reason, detail, created_at from suppressions
         order by created_at desc, phone";
}
