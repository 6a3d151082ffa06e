//! Campaigns and their recipients: PostgreSQL is the sender's record. Workers claim recipients
//! with `for update skip locked` (never by offset), a claim and a send in progress carry a lease
//! a crashed worker's rows are recovered by, and every change of state is conditional on the
//! state it leaves, so no recipient is sent twice.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde_json::Value;
use shared::{ChannelId, ContactId, UserId};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A campaign as the panel and the REST API show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub channel_id: ChannelId,
    pub template_id: Uuid,
    pub template_name: String,
    pub template_language: String,
    pub template_status: String,
    pub category: String,
    pub bindings: Value,
    pub status: String,
    pub schedule_at: Option<chrono::DateTime<chrono::Utc>>,
    pub local_time: bool,
    pub respect_quiet_hours: bool,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub rate_per_second: i32,
    pub daily_budget_brl: Option<f64>,
    pub pause_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub struct NewCampaign<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub channel: ChannelId,
    pub template: Uuid,
    pub category: &'a str,
    pub bindings: &'a Value,
    pub schedule_at: Option<chrono::DateTime<chrono::Utc>>,
    pub local_time: bool,
    pub respect_quiet_hours: bool,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub rate_per_second: i32,
    pub daily_budget_brl: Option<f64>,
    pub created_by: Option<UserId>,
}

pub async fn insert(db: impl PgExecutor<'_>, c: NewCampaign<'_>) -> Result<()> {
    query(INSERT)
        .bind(c.id)
        .bind(c.name)
        .bind(c.channel)
        .bind(c.template)
        .bind(c.category)
        .bind(c.bindings)
        .bind(c.schedule_at)
        .bind(c.respect_quiet_hours)
        .bind(c.expires_at)
        .bind(c.rate_per_second)
        .bind(c.created_by)
        .bind(c.local_time)
        .bind(c.daily_budget_brl)
        .execute(db)
        .await?;
    Ok(())
}

/// The audience's recipients, each joined to the contact with its number (made when there is
/// none, named from the audience); a number already in the campaign is kept once. How many
/// were added.
pub async fn add_recipients(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    phones: &[String],
    lines: &[Option<i32>],
    fields: &[Value],
    names: &[Option<String>],
    not_before: &[Option<chrono::DateTime<chrono::Utc>>],
) -> Result<u64> {
    Ok(query(ADD_RECIPIENTS)
        .bind(campaign)
        .bind(phones)
        .bind(lines)
        .bind(fields)
        .bind(names)
        .bind(not_before)
        .execute(db)
        .await?
        .rows_affected())
}

/// The demo's one-recipient campaign to a simulator visitor: its recipient becomes the
/// visitor (their address on the simulated channel, and their contact).
pub async fn retarget_to_visitor(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    address: &str,
    contact: ContactId,
) -> Result<u64> {
    Ok(query(RETARGET_TO_VISITOR)
        .bind(campaign)
        .bind(address)
        .bind(contact)
        .execute(db)
        .await?
        .rows_affected())
}

/// Consent given in the audience's file (a `consentimento` column saying yes), recorded for
/// the campaign's recipients on its channel.
pub async fn record_file_consent(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    detail: &str,
) -> Result<u64> {
    Ok(query(RECORD_FILE_CONSENT)
        .bind(campaign)
        .bind(detail)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<CampaignRow>> {
    Ok(query_as(FIND).bind(id).fetch_optional(db).await?)
}

/// The campaign locked, for a change of status.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>> {
    Ok(query_scalar(LOCK).bind(id).fetch_optional(db).await?)
}

/// Newest first.
pub async fn list(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<CampaignRow>> {
    Ok(query_as(LIST).bind(limit).fetch_all(db).await?)
}

/// Moves the campaign to `status` (codes); the start and end times follow.
pub async fn set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: &str,
    pause_reason: Option<&str>,
) -> Result<()> {
    query(SET_STATUS)
        .bind(id)
        .bind(status)
        .bind(pause_reason)
        .execute(db)
        .await?;
    Ok(())
}

/// Leaves out, before the first send, who may not receive it: suppressed numbers, and for a
/// marketing campaign those whose latest marketing consent (on its channel or every channel)
/// is not a grant. (reason code, count) for each reason.
pub async fn skip_ineligible(db: impl PgExecutor<'_>, id: Uuid) -> Result<Vec<(String, i64)>> {
    Ok(query_as(SKIP_INELIGIBLE).bind(id).fetch_all(db).await?)
}

/// What a launch would leave out, without changing anything: (reason code, count).
pub async fn ineligible(db: impl PgExecutor<'_>, id: Uuid) -> Result<Vec<(String, i64)>> {
    Ok(query_as(INELIGIBLE).bind(id).fetch_all(db).await?)
}

/// Numbers of this campaign also queued in another campaign that is running or scheduled.
pub async fn overlap(db: impl PgExecutor<'_>, id: Uuid) -> Result<i64> {
    Ok(query_scalar(OVERLAP).bind(id).fetch_one(db).await?)
}

/// Scheduled campaigns whose time has come, moved to sending: their ids.
pub async fn start_due(db: impl PgExecutor<'_>) -> Result<Vec<Uuid>> {
    Ok(query_scalar(START_DUE).fetch_all(db).await?)
}

/// Campaigns sending with someone still to send to.
pub async fn sending(db: impl PgExecutor<'_>) -> Result<Vec<Uuid>> {
    Ok(query_scalar(SENDING).fetch_all(db).await?)
}

/// Ends the sending campaigns nobody is left to send to: their ids.
pub async fn finish_done(db: impl PgExecutor<'_>) -> Result<Vec<Uuid>> {
    Ok(query_scalar(FINISH_DONE).fetch_all(db).await?)
}

/// Drops recipients not yet sent to from campaigns past their expiry.
pub async fn expire(db: impl PgExecutor<'_>) -> Result<u64> {
    Ok(query(EXPIRE).execute(db).await?.rows_affected())
}

/// A recipient as the sender takes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub contact_id: Option<ContactId>,
    pub phone: String,
    pub fields: Value,
    pub attempts: i32,
}

/// Claims up to `limit` recipients due now, with a lease of `lease_seconds`.
pub async fn claim(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    limit: i64,
    lease_seconds: f64,
) -> Result<Vec<Claimed>> {
    Ok(query_as(CLAIM)
        .bind(campaign)
        .bind(limit)
        .bind(lease_seconds)
        .fetch_all(db)
        .await?)
}

/// Which of `phones` already received `cap` templates or more in the last 24 hours, from any
/// campaign or agent (the frequency cap).
pub async fn capped_among(
    db: impl PgExecutor<'_>,
    phones: &[String],
    cap: i64,
) -> Result<Vec<String>> {
    Ok(query_scalar(CAPPED_AMONG)
        .bind(phones)
        .bind(cap)
        .fetch_all(db)
        .await?)
}

/// Claimed recipients whose Graph call starts now: from here on, no answer means unknown.
pub async fn mark_sending(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
    lease_seconds: f64,
) -> Result<Vec<Uuid>> {
    Ok(query_scalar(MARK_SENDING)
        .bind(ids)
        .bind(lease_seconds)
        .fetch_all(db)
        .await?)
}

/// Recipients Meta accepted, with its message ids.
pub async fn mark_sent(db: impl PgExecutor<'_>, ids: &[Uuid], wamids: &[String]) -> Result<u64> {
    Ok(query(MARK_SENT)
        .bind(ids)
        .bind(wamids)
        .execute(db)
        .await?
        .rows_affected())
}

/// Where a recipient's message is in the contact's history.
pub async fn link_message(db: impl PgExecutor<'_>, id: Uuid, message: Uuid) -> Result<()> {
    query(LINK_MESSAGE)
        .bind(id)
        .bind(message)
        .execute(db)
        .await?;
    Ok(())
}

/// A recipient that ended without a message: `state` failed, skipped or unknown.
pub async fn settle(
    db: impl PgExecutor<'_>,
    id: Uuid,
    state: &str,
    error: (Option<i32>, Option<&str>),
    skip_reason: Option<&str>,
) -> Result<()> {
    query(SETTLE)
        .bind(id)
        .bind(state)
        .bind(error.0)
        .bind(error.1)
        .bind(skip_reason)
        .execute(db)
        .await?;
    Ok(())
}

/// A recipient to try again after `seconds`, with the error that made it wait.
pub async fn retry_later(
    db: impl PgExecutor<'_>,
    id: Uuid,
    seconds: f64,
    error: (Option<i32>, Option<&str>),
) -> Result<()> {
    query(RETRY_LATER)
        .bind(id)
        .bind(seconds)
        .bind(error.0)
        .bind(error.1)
        .execute(db)
        .await?;
    Ok(())
}

/// Claims given back unsent (a pause, a shutdown, a rate limit): they go back to the queue.
pub async fn release(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<u64> {
    Ok(query(RELEASE).bind(ids).execute(db).await?.rows_affected())
}

/// A crashed worker's rows, past their lease: claims go back to the queue, sends in progress
/// become unknown (the status webhooks settle them). How many of each.
pub async fn recover_leases(db: impl PgExecutor<'_>) -> Result<(i64, i64)> {
    Ok(query_as(RECOVER_LEASES).fetch_one(db).await?)
}

/// A status webhook for a message sent with a recipient's id in `biz_opaque_callback_data`:
/// an unknown send is now known sent (or failed, with its code and title). One entry per
/// recipient; the recipients that changed.
pub async fn reconcile(db: impl PgExecutor<'_>, settled: &[Settled<'_>]) -> Result<Vec<Uuid>> {
    Ok(query_scalar(RECONCILE)
        .bind(settled.iter().map(|s| s.recipient).collect::<Vec<_>>())
        .bind(settled.iter().map(|s| s.wamid).collect::<Vec<_>>())
        .bind(
            settled
                .iter()
                .map(|s| s.failed.map(|f| f.0))
                .collect::<Vec<_>>(),
        )
        .bind(
            settled
                .iter()
                .map(|s| s.failed.map(|f| f.1))
                .collect::<Vec<_>>(),
        )
        .fetch_all(db)
        .await?)
}

/// Which of these recipients are still being sent or unknown (a read, no locks).
pub async fn unsettled_among(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(query_scalar(UNSETTLED_AMONG)
        .bind(ids)
        .fetch_all(db)
        .await?)
}

/// What a status webhook says of a campaign recipient's send.
#[derive(Debug, Clone, Copy)]
pub struct Settled<'a> {
    pub recipient: Uuid,
    pub wamid: &'a str,
    /// The error code and title when the message failed.
    pub failed: Option<(i32, &'a str)>,
}

/// The campaign's sends since `since` (sent, in flight or awaiting their status webhook): what
/// its daily budget has paid for today.
pub async fn sent_since(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    Ok(query_scalar(SENT_SINCE)
        .bind(campaign)
        .bind(since)
        .fetch_one(db)
        .await?)
}

/// Cancels what is not yet sent.
pub async fn cancel_unsent(db: impl PgExecutor<'_>, campaign: Uuid) -> Result<u64> {
    Ok(query(CANCEL_UNSENT)
        .bind(campaign)
        .execute(db)
        .await?
        .rows_affected())
}

/// Failed recipients whose error was temporary go back to the queue ("reenviar só as falhas
/// temporárias"); how many.
pub async fn requeue_failed(db: impl PgExecutor<'_>, campaign: Uuid, codes: &[i32]) -> Result<u64> {
    Ok(query(REQUEUE_FAILED)
        .bind(campaign)
        .bind(codes)
        .execute(db)
        .await?
        .rows_affected())
}

/// The counts of [`shared::campaign::model::CampaignCounts`], in its field order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountsRow {
    pub total: i64,
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub unknown: i64,
    pub failed: i64,
    pub skipped: i64,
    pub cancelled: i64,
    pub delivered: i64,
    pub read: i64,
    pub replied: i64,
    pub opted_out: i64,
}

pub async fn counts(db: impl PgExecutor<'_>, campaign: Uuid) -> Result<CountsRow> {
    Ok(query_as(COUNTS).bind(campaign).fetch_one(db).await?)
}

/// Failures by Meta's code (null: not Meta's), and skips by reason: (kind, code, count).
pub async fn breakdown(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
) -> Result<Vec<(String, Option<String>, i64)>> {
    Ok(query_as(BREAKDOWN).bind(campaign).fetch_all(db).await?)
}

/// One recipient as the report lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecipientRow {
    pub id: Uuid,
    pub phone: String,
    pub name: Option<String>,
    pub line: Option<i32>,
    pub state: String,
    pub attempts: i32,
    pub delivery: Option<String>,
    pub error_code: Option<i32>,
    pub error_title: Option<String>,
    pub skip_reason: Option<String>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub conversation_id: Option<Uuid>,
}

/// The campaign's recipients in `state` (every state when none), in the order of the file's
/// lines, after the recipient `after`.
pub async fn recipients(
    db: impl PgExecutor<'_>,
    campaign: Uuid,
    state: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RecipientRow>> {
    Ok(query_as(RECIPIENTS)
        .bind(campaign)
        .bind(state)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// The campaigns sent with these templates that have not ended: (id, status, pause reason).
pub async fn of_templates(
    db: impl PgExecutor<'_>,
    templates: &[Uuid],
) -> Result<Vec<(Uuid, String, Option<String>)>> {
    Ok(query_as(OF_TEMPLATES).bind(templates).fetch_all(db).await?)
}

/// Whether the contact's last message from the company came from a marketing campaign (an
/// opt-out word said right after it counts).
pub async fn last_was_marketing(
    db: impl PgExecutor<'_>,
    conversation: shared::ConversationId,
) -> Result<bool> {
    Ok(query_scalar(LAST_WAS_MARKETING)
        .bind(conversation)
        .fetch_one(db)
        .await?)
}

/// Why a recipient `r` of campaign `c` may not receive it (null: it may): one expression for
/// the pre-flight's count and the launch's skips, so they never disagree.
macro_rules! ineligibility {
    () => {
        "case
             when exists (select 1 from suppressions s where s.phone = r.phone
                 and (s.scope = 'all' or c.category = 'MARKETING')) then 'suppressed'
             when c.category = 'MARKETING' and not coalesce((
                 select cr.granted from consent_records cr
                 where cr.contact_id = r.contact_id and cr.purpose = 'marketing'
                     and (cr.channel_id is null or cr.channel_id = c.channel_id)
                 order by cr.at desc, cr.id desc limit 1), false) then 'no_consent'
         end"
    };
}

super::sql::statements! {
    INSERT = "insert into campaigns (id, name, channel_id, template_id, category, bindings,
                 schedule_at, respect_quiet_hours, expires_at, rate_per_second, created_by,
                 local_time, daily_budget_brl)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    ADD_RECIPIENTS = "with input as (
                 select * from unnest($2::text[], $3::int[], $4::jsonb[], $5::text[],
                         $6::timestamptz[])
                     as u(phone, line, fields, name, not_before)
             ), existing as (
                 select distinct on (c.phone) c.phone, c.id from contacts c
                 where c.phone in (select phone from input) and c.merged_into is null
                 order by c.phone, c.created_at
             ), created as (
                 insert into contacts (id, name, phone)
                 select gen_random_uuid(), nullif(trim(i.name), ''), i.phone
                 from (select distinct on (phone) phone, name from input order by phone, line) i
                 where not exists (select 1 from existing e where e.phone = i.phone)
                 returning id, phone
             )
             insert into campaign_recipients (id, campaign_id, contact_id, phone, line, fields,
                 not_before)
             select gen_random_uuid(), $1, coalesce(e.id, c.id), i.phone, i.line, i.fields,
                 coalesce(i.not_before, now())
             from input i left join existing e on e.phone = i.phone
                 left join created c on c.phone = i.phone
             on conflict (campaign_id, phone) do nothing";
    RECORD_FILE_CONSENT = "insert into consent_records (contact_id, channel_id, purpose, granted,
                 source, detail)
             select r.contact_id, c.channel_id, 'marketing', true, 'csv',
                 $2 || coalesce(' (linha ' || r.line || ')', '')
             from campaign_recipients r join campaigns c on c.id = r.campaign_id
             where r.campaign_id = $1 and r.contact_id is not null
                 and lower(trim(r.fields ->> 'consentimento')) in ('sim', 's', '1', 'true', 'yes', 'x')";
    FIND = "select c.id, c.name, c.channel_id, c.template_id, t.name as template_name,
                 t.language as template_language, t.status as template_status, c.category,
                 c.bindings, c.status, c.schedule_at, c.local_time, c.respect_quiet_hours, c.expires_at,
                 c.rate_per_second, c.daily_budget_brl, c.pause_reason, c.created_at, c.started_at,
                 c.finished_at
             from campaigns c join message_templates t on t.id = c.template_id where c.id = $1";
    LOCK = "select status from campaigns where id = $1 for update";
    LIST = "select c.id, c.name, c.channel_id, c.template_id, t.name as template_name,
                 t.language as template_language, t.status as template_status, c.category,
                 c.bindings, c.status, c.schedule_at, c.local_time, c.respect_quiet_hours, c.expires_at,
                 c.rate_per_second, c.daily_budget_brl, c.pause_reason, c.created_at, c.started_at,
                 c.finished_at
             from campaigns c join message_templates t on t.id = c.template_id
             order by c.created_at desc, c.id limit $1";
    SET_STATUS = "update campaigns set status = $2, pause_reason = $3, updated_at = now(),
                 started_at = case when $2 = 'sending' then coalesce(started_at, now())
                     else started_at end,
                 finished_at = case when $2 in ('done', 'cancelled') then now() else null end
             where id = $1";
    SKIP_INELIGIBLE = concat!(
        "with verdict as (select r.id, ",
        ineligibility!(),
        " as reason
             from campaign_recipients r join campaigns c on c.id = r.campaign_id
             where r.campaign_id = $1 and r.state = 'queued'
         ), skipped as (
             update campaign_recipients r set state = 'skipped', skip_reason = v.reason,
                 updated_at = now()
             from verdict v where r.id = v.id and v.reason is not null
             returning v.reason
         )
         select reason, count(*) from skipped group by reason order by reason"
    );
    INELIGIBLE = concat!(
        "select reason, count(*) from (select ",
        ineligibility!(),
        " as reason
             from campaign_recipients r join campaigns c on c.id = r.campaign_id
             where r.campaign_id = $1 and r.state = 'queued'
         ) v where reason is not null group by reason order by reason"
    );
    OVERLAP = "select count(*) from campaign_recipients r
             where r.campaign_id = $1 and exists (
                 select 1 from campaign_recipients o join campaigns oc on oc.id = o.campaign_id
                 where o.phone = r.phone and o.campaign_id <> $1
                     and oc.status in ('scheduled', 'sending', 'paused')
                     and o.state in ('queued', 'claimed', 'sending'))";
    START_DUE = "update campaigns set status = 'sending', started_at = coalesce(started_at, now()),
                 updated_at = now()
             where status = 'scheduled' and schedule_at <= now() returning id";
    SENDING = "select c.id from campaigns c where c.status = 'sending' and exists (
                 select 1 from campaign_recipients r where r.campaign_id = c.id
                     and r.state = 'queued')";
    FINISH_DONE = "update campaigns c set status = 'done', finished_at = now(), updated_at = now()
             where c.status = 'sending' and not exists (
                 select 1 from campaign_recipients r where r.campaign_id = c.id
                     and r.state in ('queued', 'claimed', 'sending'))
             returning c.id";
    EXPIRE = "update campaign_recipients r set state = 'skipped', skip_reason = 'expired',
                 lease_until = null, updated_at = now()
             from campaigns c
             where c.id = r.campaign_id and c.expires_at <= now()
                 and c.status in ('scheduled', 'sending', 'paused') and r.state = 'queued'";
    CLAIM = "update campaign_recipients r set state = 'claimed', attempts = r.attempts + 1,
                 lease_until = now() + make_interval(secs => $3), updated_at = now()
             where r.id in (
                 select id from campaign_recipients
                 where campaign_id = $1 and state = 'queued' and not_before <= now()
                 order by not_before limit $2 for update skip locked)
             returning r.id, r.contact_id, r.phone, r.fields, r.attempts";
    RETARGET_TO_VISITOR = "update campaign_recipients set phone = $2, contact_id = $3,
             updated_at = now()
         where campaign_id = $1 and $2 like 'sim-%'";
    CAPPED_AMONG = "select c.phone from messages m
                 join conversations v on v.id = m.conversation_id
                 join contacts c on c.id = v.contact_id
             where c.phone = any($1) and m.direction = 'outbound' and m.kind = 'template'
                 and m.created_at > now() - interval '24 hours'
             group by c.phone having count(*) >= $2";
    MARK_SENDING = "update campaign_recipients set state = 'sending',
                 lease_until = now() + make_interval(secs => $2), updated_at = now()
             where id = any($1) and state = 'claimed' returning id";
    MARK_SENT = "update campaign_recipients r set state = 'sent', wamid = u.wamid,
                 sent_at = now(), lease_until = null, error_code = null, error_title = null,
                 updated_at = now()
             from unnest($1::uuid[], $2::text[]) as u(id, wamid)
             where r.id = u.id and r.state in ('sending', 'unknown')";
    LINK_MESSAGE = "update campaign_recipients set message_id = $2 where id = $1";
    SETTLE = "update campaign_recipients set state = $2, error_code = $3, error_title = $4,
                 skip_reason = $5, lease_until = null, updated_at = now()
             where id = $1 and state in ('claimed', 'sending')";
    RETRY_LATER = "update campaign_recipients set state = 'queued',
                 not_before = now() + make_interval(secs => $2), error_code = $3,
                 error_title = $4, lease_until = null, updated_at = now()
             where id = $1 and state in ('claimed', 'sending')";
    RELEASE = "update campaign_recipients set state = 'queued', attempts = greatest(attempts - 1, 0),
                 lease_until = null, updated_at = now()
             where id = any($1) and state = 'claimed'";
    RECOVER_LEASES = "with recovered as (
                 update campaign_recipients set
                     state = case state when 'claimed' then 'queued' else 'unknown' end,
                     error_title = case state when 'sending'
                         then 'Sem resposta da Meta: aguardando a confirmação pelo webhook de status'
                         else error_title end,
                     lease_until = null, updated_at = now()
                 where state in ('claimed', 'sending') and lease_until < now()
                 returning state
             )
             select count(*) filter (where state = 'queued'),
                 count(*) filter (where state = 'unknown') from recovered";
    RECONCILE = "update campaign_recipients c set
                 state = case when s.error_code is null then 'sent' else 'failed' end,
                 wamid = s.wamid, sent_at = coalesce(c.sent_at, now()), error_code = s.error_code,
                 error_title = coalesce(s.error_title, c.error_title), lease_until = null,
                 updated_at = now()
             from unnest($1::uuid[], $2::text[], $3::int[], $4::text[])
                 as s(id, wamid, error_code, error_title)
             where c.id = s.id and c.state in ('sending', 'unknown') returning c.id";
    UNSETTLED_AMONG = "select id from campaign_recipients
             where id = any($1) and state in ('sending', 'unknown') order by id";
    SENT_SINCE = "select count(*) from campaign_recipients
             where campaign_id = $1 and state in ('sending', 'sent', 'unknown')
                 and coalesce(sent_at, updated_at) >= $2";
    CANCEL_UNSENT = "update campaign_recipients set state = 'cancelled', lease_until = null,
                 updated_at = now()
             where campaign_id = $1 and state in ('queued', 'claimed')";
    REQUEUE_FAILED = "update campaign_recipients set state = 'queued', not_before = now(),
                 error_code = null, error_title = null, updated_at = now()
             where campaign_id = $1 and state = 'failed' and error_code = any($2)";
    COUNTS = "select count(*) as total,
                 count(*) filter (where r.state = 'queued') as queued,
                 count(*) filter (where r.state in ('claimed', 'sending')) as sending,
                 count(*) filter (where r.state = 'sent') as sent,
                 count(*) filter (where r.state = 'unknown') as unknown,
                 count(*) filter (where r.state = 'failed') as failed,
                 count(*) filter (where r.state = 'skipped') as skipped,
                 count(*) filter (where r.state = 'cancelled') as cancelled,
                 count(*) filter (where m.status in ('delivered', 'read')) as delivered,
                 count(*) filter (where m.status = 'read') as read,
                 count(*) filter (where r.state = 'sent' and exists (
                     select 1 from messages i where i.conversation_id = m.conversation_id
                         and i.direction = 'inbound' and i.created_at > r.sent_at)) as replied,
                 count(*) filter (where r.state = 'sent' and exists (
                     select 1 from suppressions s where s.phone = r.phone
                         and s.created_at >= r.sent_at)) as opted_out
             from campaign_recipients r left join messages m on m.id = r.message_id
             where r.campaign_id = $1";
    BREAKDOWN = "select 'failed', error_code::text, count(*) from campaign_recipients
                 where campaign_id = $1 and state = 'failed' group by error_code
             union all
             select 'skipped', skip_reason, count(*) from campaign_recipients
                 where campaign_id = $1 and state = 'skipped' group by skip_reason
             order by 1, 3 desc";
    RECIPIENTS = "select r.id, r.phone, ct.name, r.line, r.state, r.attempts,
                 m.status::text as delivery, r.error_code, r.error_title, r.skip_reason,
                 r.sent_at, m.conversation_id
             from campaign_recipients r left join contacts ct on ct.id = r.contact_id
                 left join messages m on m.id = r.message_id
             where r.campaign_id = $1 and ($2::text is null or r.state = $2)
                 and ($3::uuid is null or (coalesce(r.line, 0), r.id) > (
                     select coalesce(a.line, 0), a.id from campaign_recipients a
                     where a.id = $3 and a.campaign_id = $1))
             order by coalesce(r.line, 0), r.id limit $4";
    OF_TEMPLATES = "select id, status, pause_reason from campaigns
             where template_id = any($1) and status in ('scheduled', 'sending', 'paused')
             order by created_at";
    LAST_WAS_MARKETING = "select coalesce((
                 select exists (select 1 from campaign_recipients r join campaigns c
                         on c.id = r.campaign_id
                     where r.message_id = m.id and c.category = 'MARKETING')
                 from messages m where m.conversation_id = $1 and m.direction = 'outbound'
                 order by m.seq desc limit 1), false)";
}
