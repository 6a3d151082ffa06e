//! The bot's state per conversation: its `bot_sessions` row (the engine's state, the last
//! inbound message fed, the activity counter inactivity checks carry) and the `bot_trace` of
//! what each step did.

use super::bot_steps::{record_visits, VisitRecord};
use super::messages::{conversation_for_send, ConversationForSend};
use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde_json::Value;
use shared::{ContactId, ConversationId};
use sqlx::PgExecutor;

/// A conversation's session (or where a new one starts) with what a run needs of the
/// conversation, its channel and contact.
#[derive(sqlx::FromRow)]
pub struct Session {
    /// `null` before the bot's first word in this conversation.
    pub state: Value,
    pub last_seq: i64,
    pub activity: i64,
    /// The flows' versions the session started on (none: started before versions existed).
    pub flow_versions: Option<sqlx::types::Json<std::collections::BTreeMap<String, i32>>>,
    pub bot_flow: Option<String>,
    pub contact_id: ContactId,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// What the bot's replies need; its `status` says whether the bot still has the chat.
    #[sqlx(flatten)]
    pub conversation: ConversationForSend,
}

/// The session with the first inbound message not yet fed, if any.
#[derive(sqlx::FromRow)]
pub struct Pending {
    #[sqlx(flatten)]
    pub session: Session,
    /// The first inbound message not yet fed, if any.
    pub seq: Option<i64>,
    pub body: Option<String>,
    pub content: Option<Value>,
}

/// The session (none: the conversation does not exist).
pub async fn find(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<Session>> {
    Ok(query_as(FIND).bind(conversation).fetch_optional(db).await?)
}

/// The session with the first inbound message not yet fed (none: the conversation does not
/// exist).
pub async fn pending(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<Pending>> {
    Ok(query_as(PENDING)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// What a step did, for the presenter panel: kinds and details, in order.
pub struct Trace {
    pub kinds: Vec<String>,
    pub details: Vec<Value>,
}

/// A step that fed the inbound message `seq`, to store if `last_seq` is still `read_last_seq`.
pub struct Step {
    pub conversation: ConversationId,
    pub state: Value,
    pub seq: i64,
    pub read_last_seq: i64,
    pub trace: Trace,
    /// The flows' versions the session runs on.
    pub flow_versions: Value,
    /// The blocks the step passed (`db::bot_steps`).
    pub visits: VisitRecord,
}

/// Stores a step's new state only if nobody fed the message first, with the step's trace in
/// the same statement; returns the new `activity` (none: another run got there first) and
/// whether a later inbound message waits to be fed.
pub async fn store_step(db: impl PgExecutor<'_>, step: Step) -> Result<Option<(i64, bool)>> {
    Ok(query_as(STORE_STEP)
        .bind(step.conversation)
        .bind(step.state)
        .bind(step.seq)
        .bind(step.read_last_seq)
        .bind(step.trace.kinds)
        .bind(step.trace.details)
        .bind(step.flow_versions)
        .bind(step.visits.json())
        .fetch_optional(db)
        .await?)
}

/// Stores the state an inactivity check left, with its trace and visits, only if the session's
/// `activity` is still the one it was scheduled with.
pub async fn store_after_inactivity(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
    activity: i64,
    state: Value,
    trace: Trace,
    visits: VisitRecord,
) -> Result<()> {
    query(STORE_AFTER_INACTIVITY)
        .bind(conversation)
        .bind(state)
        .bind(activity)
        .bind(trace.kinds)
        .bind(trace.details)
        .bind(visits.json())
        .execute(db)
        .await?;
    Ok(())
}

/// Recent conversations with the bot holding an inbound message it has not fed, settled for
/// a few seconds (at most 200).
pub async fn stranded(db: impl PgExecutor<'_>) -> Result<Vec<ConversationId>> {
    Ok(query_scalar(STRANDED).fetch_all(db).await?)
}

/// The last 40 trace entries of a conversation as (id, at, kind, detail), oldest first.
pub async fn recent_trace(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Vec<(i64, chrono::DateTime<chrono::Utc>, String, Value)>> {
    Ok(query_as(RECENT_TRACE)
        .bind(conversation)
        .fetch_all(db)
        .await?)
}

/// The session (or where a new one starts) with the conversation, its channel and contact.
macro_rules! session {
    () => {
        concat!(
            "select coalesce(s.state, 'null') as state,
                coalesce(s.last_seq, 0) as last_seq, coalesce(s.activity, 0) as activity,
                s.flow_versions,
                ch.bot_flow, ct.id as contact_id, ct.name as contact_name, ct.phone as contact_phone, ",
            conversation_for_send!(),
            " from conversations c
            join channels ch on ch.id = c.channel_id
            join contacts ct on ct.id = c.contact_id
            left join bot_sessions s on s.conversation_id = c.id
            where c.id = $1"
        )
    };
}

super::sql::statements! {
    FIND = session!();
    PENDING = concat!(
        "select p.*, m.seq, m.body, m.content from (",
        session!(),
        ") p
     left join lateral (
         select seq, body, content from messages
         where conversation_id = $1 and direction = 'inbound' and seq > p.last_seq
         order by seq limit 1) m on true"
    );
    STORE_STEP = concat!("with stored as (
        insert into bot_sessions (conversation_id, state, last_seq, activity, flow_versions)
        values ($1, $2, $3, 1, $7)
        on conflict (conversation_id) do update
            set state = excluded.state, last_seq = excluded.last_seq,
                activity = bot_sessions.activity + 1, updated_at = now(),
                flow_versions = excluded.flow_versions
            where bot_sessions.last_seq = $4
        returning activity),
    traced as (
        insert into bot_trace (conversation_id, kind, detail)
        select $1, t.kind, t.detail from unnest($5::text[], $6::jsonb[]) as t(kind, detail)
        where exists (select 1 from stored)),
    ", record_visits!("$8"), "
    select activity, exists (select 1 from messages
                             where conversation_id = $1 and direction = 'inbound' and seq > $3)
    from stored");
    STORE_AFTER_INACTIVITY = concat!("with stored as (
             update bot_sessions set state = $2, updated_at = now()
             where conversation_id = $1 and activity = $3 returning 1),
         ", record_visits!("$6"), "
         insert into bot_trace (conversation_id, kind, detail)
         select $1, t.kind, t.detail from unnest($4::text[], $5::jsonb[]) as t(kind, detail)
         where exists (select 1 from stored)");
    STRANDED = "select c.id from conversations c
             join channels ch on ch.id = c.channel_id and ch.bot_flow is not null
             left join bot_sessions s on s.conversation_id = c.id
             where c.status = 'bot' and c.last_message_at > now() - interval '1 day'
               and c.last_customer_message_at < now() - interval '5 seconds'
               and exists (select 1 from messages m where m.conversation_id = c.id
                           and m.direction = 'inbound' and m.seq > coalesce(s.last_seq, 0))
             limit 200";
    RECENT_TRACE = "select id, at, kind, detail from (
             select id, at, kind, detail from bot_trace where conversation_id = $1
             order by id desc limit 40) t order by id";
}
