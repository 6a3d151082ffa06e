//! The messages repository: what customers send (stored once, growing the conversation's
//! summary and search text), what the company sends, and reads of a conversation's (or a
//! contact's) messages. Their delivery (the outbox's attempts, providers' receipts) is
//! `db::deliveries`.
//!
//! Over 500 lines: storing a message is one statement per direction (the message, the
//! conversation's summary, its search text and, for an agent's first reply, the event), and the
//! column macros those statements share with the reads belong next to them.

use super::contacts::recipient;
use super::sql::{query_as, query_scalar};
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::dto::MessageView;
use shared::messaging::{
    Author, ChannelKind, ConversationStatus, DeliveryStatus, Direction, MessageKind,
};
use shared::{ChannelId, ContactId, ConversationId, MessageId, TeamId, UserId};
use sqlx::PgExecutor;

/// The columns of [`MessageRow`], for a query over `messages m` joined with `channels ch`.
macro_rules! message_columns {
    () => {
        "m.id, m.seq, m.conversation_id, ch.kind as channel_kind, \
     m.direction, m.author, m.author_user_id, m.kind, m.body as text, m.content, \
     m.provider_message_id, m.status, m.error_code, m.error_title, m.created_at, \
     (select u.name from users u where u.id = m.author_user_id) as author_name"
    };
}
pub(crate) use message_columns;

/// A message as the inbox and the API show it ([`message_columns!`]).
#[derive(sqlx::FromRow)]
pub struct MessageRow {
    pub(crate) id: MessageId,
    pub(crate) seq: i64,
    pub(crate) conversation_id: ConversationId,
    pub(crate) channel_kind: ChannelKind,
    pub(crate) direction: Direction,
    pub(crate) author: Author,
    pub(crate) author_user_id: Option<UserId>,
    pub(crate) kind: MessageKind,
    pub(crate) text: Option<String>,
    pub(crate) content: serde_json::Value,
    pub(crate) provider_message_id: Option<String>,
    pub(crate) status: Option<DeliveryStatus>,
    pub(crate) error_code: Option<i32>,
    pub(crate) error_title: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) author_name: Option<String>,
}

impl From<MessageRow> for MessageView {
    fn from(r: MessageRow) -> Self {
        MessageView {
            id: r.id,
            seq: r.seq,
            conversation_id: r.conversation_id,
            channel_kind: r.channel_kind,
            direction: r.direction,
            author: r.author,
            author_user_id: r.author_user_id,
            kind: r.kind,
            text: r.text,
            content: r.content,
            provider_message_id: r.provider_message_id,
            status: r.status,
            error_code: r.error_code,
            error_title: r.error_title,
            author_name: r.author_name,
            created_at: r.created_at,
        }
    }
}

/// Grows `conversations.search_tsv` (as `column` reads in the statement) with the text bound as
/// parameter `$p` (see the migration `attachments_search`); a conversation stops growing at
/// 20 000 distinct words, far below the 1 MB a tsvector may hold.
macro_rules! search_append {
    ($column:literal, $p:literal) => {
        concat!(
            "case when $",
            $p,
            "::text is null or length(",
            $column,
            ") > 20000 then ",
            $column,
            " else ",
            $column,
            " || strip(to_tsvector('pt_unaccent'::regconfig, $",
            $p,
            "::text)) end"
        )
    };
}

// ---- Inbound -------------------------------------------------------------------------------

/// A customer's message about to be stored.
pub struct Inbound<'a> {
    pub id: MessageId,
    pub channel: ChannelId,
    pub kind: MessageKind,
    pub text: Option<&'a str>,
    pub content: &'a serde_json::Value,
    pub provider_message_id: &'a str,
    /// When the provider says it was sent.
    pub at: DateTime<Utc>,
    /// What the conversation list shows of it.
    pub preview: &'a str,
}

/// What storing an inbound message answers: the conversation, then (none when the message was
/// stored before) its `seq`, and the conversation's team, assignee and status.
pub type InboundRow = (
    ConversationId,
    Option<i64>,
    Option<TeamId>,
    Option<UserId>,
    Option<ConversationStatus>,
);

/// The conversation an inbound message goes to, for `store_inbound!`: the sender's open
/// one on the channel, through the identity ($9), naming the contact from the profile ($10)
/// when it had no name.
macro_rules! find_active {
    () => {
        "known as (
        select contact_id from contact_identities where channel_id = $2 and external_id = $9),
    named as (
        update contacts set name = $10, updated_at = now()
        from known where contacts.id = known.contact_id and contacts.name is null
          and $10::text is not null),
    target as (
        select c.id from conversations c join known on known.contact_id = c.contact_id
        where c.channel_id = $2 and c.status <> 'resolved' for update of c)"
    };
}

/// The conversation an inbound message goes to, given ($9).
macro_rules! given {
    () => {
        "target as (select $9::uuid as id)"
    };
}

/// Stores an inbound message ($1 id, $2 channel, $3 kind, $4 text, $5 content, $6 provider id,
/// $7 time, $8 preview) in the conversation `target` yields, growing the conversation's
/// summary, in one statement. No row when `target` finds no conversation.
macro_rules! store_inbound {
    ($target:expr) => {
        concat!(
            "with ", $target, ",
         m as (
             insert into messages (id, conversation_id, channel_id, direction, author, kind,
                 body, content, provider_message_id, provider_timestamp)
             select $1, t.id, $2, 'inbound', 'customer', $3, $4, $5, $6, $7 from target t
             on conflict (channel_id, provider_message_id) do nothing
             returning seq, conversation_id),
         u as (
             update conversations c set
                 last_customer_message_at = greatest(coalesce(c.last_customer_message_at, $7), $7),
                 last_message_at = greatest(c.last_message_at, now()), updated_at = now(),
                 unread_count = c.unread_count + 1,
                 last_message_preview = left($8, 200), last_message_author = 'customer',
                 search_tsv = ", search_append!("c.search_tsv", 4), "
             from m where c.id = m.conversation_id
             returning m.seq, c.team_id, c.assignee_id, c.status)
         select t.id, u.seq, u.team_id, u.assignee_id, u.status from target t left join u on true"
        )
    };
}

/// Binds an [`Inbound`]'s $1–$8 of `store_inbound!`.
macro_rules! bind_inbound {
    ($query:expr, $m:expr) => {
        $query
            .bind($m.id)
            .bind($m.channel)
            .bind($m.kind)
            .bind($m.text)
            .bind($m.content)
            .bind($m.provider_message_id)
            .bind($m.at)
            .bind($m.preview)
    };
}

/// Stores a customer's message once in their unresolved conversation on the channel, found
/// through their identity (`external_id`), locked, and grows its summary, in one statement;
/// names the contact from `profile_name` when it had no name. None when there is no such
/// conversation (nor, then, anything stored).
pub async fn insert_inbound_active(
    db: impl PgExecutor<'_>,
    m: &Inbound<'_>,
    external_id: &str,
    profile_name: Option<&str>,
) -> Result<Option<InboundRow>> {
    Ok(bind_inbound!(query_as(INSERT_INBOUND_ACTIVE), m)
        .bind(external_id)
        .bind(profile_name)
        .fetch_optional(db)
        .await?)
}

/// Stores a customer's message once in `conversation`, growing its summary.
pub async fn insert_inbound_into(
    db: impl PgExecutor<'_>,
    m: &Inbound<'_>,
    conversation: ConversationId,
) -> Result<InboundRow> {
    Ok(bind_inbound!(query_as(INSERT_INBOUND_GIVEN), m)
        .bind(conversation)
        .fetch_one(db)
        .await?)
}

// ---- Outbound ------------------------------------------------------------------------------

/// What sending needs to know of a conversation ([`conversation_for_send!`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationForSend {
    pub status: ConversationStatus,
    pub(crate) team_id: Option<TeamId>,
    pub(crate) assignee_id: Option<UserId>,
    pub(crate) channel_id: ChannelId,
    pub kind: ChannelKind,
    pub(crate) last_customer_message_at: Option<DateTime<Utc>>,
    /// The contact's identity on the channel.
    pub(crate) recipient: Option<String>,
}

/// The columns of [`ConversationForSend`], for a query over `conversations c` joined with
/// `channels ch`.
macro_rules! conversation_for_send {
    () => {
        concat!(
            "c.status, c.team_id, c.assignee_id, c.channel_id, \
    ch.kind, c.last_customer_message_at, ",
            $crate::db::contacts::recipient!(),
            " as recipient"
        )
    };
}
pub(crate) use conversation_for_send;

/// What sending needs to know of the conversation.
pub async fn for_send(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<ConversationForSend>> {
    Ok(query_as(CONVERSATION_FOR_SEND)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// One message the company sends, about to be stored.
pub struct OutboundItem<'a> {
    pub id: MessageId,
    /// [`MessageKind`]'s code.
    pub kind: &'a str,
    pub body: Option<String>,
    pub content: serde_json::Value,
    pub client_id: Option<&'a str>,
    pub human_agent_tag: bool,
}

/// What the messages of one [`insert_outbound`] share.
pub struct OutboundBatch {
    pub conversation: ConversationId,
    pub channel: ChannelId,
    pub author: Author,
    pub author_user: Option<UserId>,
    /// None for a private note.
    pub status: Option<DeliveryStatus>,
    /// For the outbox to deliver.
    pub queued: bool,
    /// Stored as the outbox's claim would leave them, for the caller to deliver.
    pub claimed: bool,
    /// An agent wrote (the first response, the agent's last message).
    pub by_agent: bool,
    /// The conversation list's preview.
    pub preview: String,
    /// What search finds of them, if anything.
    pub search_text: Option<String>,
    /// A private note: the conversation's summary stays as it was.
    pub note: bool,
}

/// Stores messages the company sends to one conversation, in order, in one statement (atomic
/// without a transaction): the messages, the conversation's summary and, for an agent's first
/// reply, the timeline event. Returns the rows stored (a client id already used stores nothing).
pub async fn insert_outbound(
    db: impl PgExecutor<'_>,
    items: Vec<OutboundItem<'_>>,
    batch: OutboundBatch,
) -> Result<Vec<MessageRow>> {
    let mut ids = Vec::with_capacity(items.len());
    let mut kinds = Vec::with_capacity(items.len());
    let mut bodies = Vec::with_capacity(items.len());
    let mut contents = Vec::with_capacity(items.len());
    let mut client_ids = Vec::with_capacity(items.len());
    let mut tags = Vec::with_capacity(items.len());
    for i in items {
        ids.push(i.id.0);
        kinds.push(i.kind);
        bodies.push(i.body);
        contents.push(i.content);
        client_ids.push(i.client_id);
        tags.push(i.human_agent_tag);
    }
    Ok(query_as(INSERT_OUTBOUND)
        .bind(ids)
        .bind(kinds)
        .bind(bodies)
        .bind(contents)
        .bind(client_ids)
        .bind(tags)
        .bind(batch.conversation)
        .bind(batch.channel)
        .bind(batch.author)
        .bind(batch.author_user)
        .bind(batch.status)
        .bind(batch.queued)
        .bind(batch.claimed)
        .bind(batch.by_agent)
        .bind(batch.preview)
        .bind(batch.search_text)
        .bind(batch.note)
        .fetch_all(db)
        .await?)
}

// ---- Reads ---------------------------------------------------------------------------------

pub async fn find(db: impl PgExecutor<'_>, id: MessageId) -> Result<Option<MessageRow>> {
    Ok(query_as(FIND).bind(id).fetch_optional(db).await?)
}

/// The conversation's message sent with this client id.
pub async fn find_by_client_id(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
    client_id: &str,
) -> Result<Option<MessageRow>> {
    Ok(query_as(FIND_BY_CLIENT_ID)
        .bind(conversation)
        .bind(client_id)
        .fetch_optional(db)
        .await?)
}

/// The channel's message with this provider id.
pub async fn find_by_provider_id(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    provider_message_id: &str,
) -> Result<Option<MessageRow>> {
    Ok(query_as(FIND_BY_PROVIDER_ID)
        .bind(channel)
        .bind(provider_message_id)
        .fetch_optional(db)
        .await?)
}

/// A conversation's messages after `seq` `after`, oldest first.
pub async fn list_after(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    Ok(query_as(LIST_AFTER)
        .bind(conversation)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// A webchat visitor's messages on the channel after `after`, oldest first, without private
/// notes (500 at most).
pub async fn visitor_history(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    channel: ChannelId,
    after: i64,
) -> Result<Vec<MessageRow>> {
    Ok(query_as(VISITOR_HISTORY)
        .bind(contact)
        .bind(channel)
        .bind(after)
        .fetch_all(db)
        .await?)
}

/// A contact's messages on every channel, `limit` of them from the cursor `seq`: newest first
/// below it (`before`) or oldest first above it. Each conversation is read through its own
/// `(conversation_id, seq)` index range, so a long history costs only the page.
/// A page of the contact's messages, of the conversations `viewer` may see only.
pub async fn of_contact(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    before: bool,
    cursor: i64,
    limit: i64,
    viewer: &super::inbox::Viewer<'_>,
) -> Result<Vec<MessageRow>> {
    // Two statements, one per direction (the comparison and the order are not parameters).
    let sql = if before {
        OF_CONTACT_BEFORE
    } else {
        OF_CONTACT_AFTER
    };
    Ok(query_as(sql)
        .bind(contact)
        .bind(cursor)
        .bind(limit)
        .bind(viewer.sees_all)
        .bind(viewer.user)
        .bind(viewer.teams)
        .fetch_all(db)
        .await?)
}

/// A page of a contact's messages: `condition` compares `seq` with the cursor, `order` sorts.
macro_rules! page_of_contact {
    ($condition:literal, $order:literal) => {
        concat!(
            "select ",
            message_columns!(),
            " from conversations c
                 cross join lateral (
                     select * from messages x where x.conversation_id = c.id and x.seq ",
            $condition,
            " $2 order by x.seq ",
            $order,
            " limit $3) m
                 join channels ch on ch.id = m.channel_id
                 where c.contact_id = $1 and ",
            crate::visible_sql!("$4", "$5", "$6"),
            "
                 order by m.seq ",
            $order,
            " limit $3"
        )
    };
}

/// The conversation's latest customer message: (channel, provider id, the contact's identity
/// on the channel).
pub async fn latest_inbound(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(ChannelId, Option<String>, Option<String>)>> {
    Ok(query_as(LATEST_INBOUND)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// What fetching a message's media needs: (channel, content, kind).
pub async fn media_of(
    db: impl PgExecutor<'_>,
    id: MessageId,
) -> Result<Option<(ChannelId, serde_json::Value, MessageKind)>> {
    Ok(query_as(MEDIA_OF).bind(id).fetch_optional(db).await?)
}

/// The conversation a message belongs to.
pub async fn conversation_of(
    db: impl PgExecutor<'_>,
    id: MessageId,
) -> Result<Option<ConversationId>> {
    Ok(query_scalar(CONVERSATION_OF)
        .bind(id)
        .fetch_optional(db)
        .await?)
}

super::sql::statements! {
    CONVERSATION_OF = "select conversation_id from messages where id = $1";
    INSERT_INBOUND_ACTIVE = store_inbound!(find_active!());
    INSERT_INBOUND_GIVEN = store_inbound!(given!());
    CONVERSATION_FOR_SEND = concat!(
        "select ",
        conversation_for_send!(),
        "
         from conversations c join channels ch on ch.id = c.channel_id where c.id = $1"
    );
    /// The messages ($1–$6 per message, in order), their conversation ($7) and channel ($8),
    /// author ($9, $10), status ($11), queued ($12), claimed ($13), agent ($14), preview ($15),
    /// searchable text ($16), note ($17).
    INSERT_OUTBOUND = concat!(
        "with m as (
             insert into messages (id, conversation_id, channel_id, direction, author,
                 author_user_id, kind, body, content, client_id, status, status_at,
                 next_attempt_at, human_agent_tag, provider_timestamp, attempts)
             select i.id, $7, $8, 'outbound', $9, $10, i.kind::message_kind, i.body, i.content,
                 i.client_id, $11::delivery_status, case when $11 is null then null else now() end,
                 case when $13 then now() + interval '2 minutes' when $12 then now() end,
                 i.hat, case when $12 then null else now() end, case when $13 then 1 else 0 end
             from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[],
                         $6::bool[]) with ordinality as i(id, kind, body, content, client_id, hat, n)
             order by i.n
             on conflict (conversation_id, client_id) do nothing
             returning *),
         c as (
             update conversations c set last_message_at = now(), updated_at = now(),
                 first_response_at = case when $14 and c.first_response_at is null then now()
                                          else c.first_response_at end,
                 last_agent_message_at = case when $14 then now()
                                              else c.last_agent_message_at end,
                 last_message_preview = left($15, 200), last_message_author = $9,
                 search_tsv = ", search_append!("c.search_tsv", 16), "
             from conversations old
             where c.id = $7 and old.id = c.id and not $17 and exists (select 1 from m)
             returning ($14 and old.first_response_at is null) as first),
         e as (
             insert into conversation_events (conversation_id, kind, actor, actor_user_id, details)
             select $7, 'first_response'::conversation_event_kind, 'agent'::message_author, $10,
                 jsonb_build_object('message_id', (select id from m order by seq limit 1))
             from c where c.first)
         select ", message_columns!(), " from m join channels ch on ch.id = m.channel_id order by m.seq"
    );
    FIND = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.id = $1"
    );
    FIND_BY_CLIENT_ID = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.client_id = $2"
    );
    FIND_BY_PROVIDER_ID = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
                 where m.channel_id = $1 and m.provider_message_id = $2"
    );
    LIST_AFTER = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3"
    );
    VISITOR_HISTORY = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         join conversations c on c.id = m.conversation_id
         where c.contact_id = $1 and m.channel_id = $2 and m.seq > $3 and m.kind <> 'note'
         order by m.seq limit 500"
    );
    OF_CONTACT_BEFORE = page_of_contact!("<", "desc");
    OF_CONTACT_AFTER = page_of_contact!(">", "asc");
    LATEST_INBOUND = concat!(
        "select m.channel_id, m.provider_message_id, ",
        recipient!(),
        "
         from messages m join conversations c on c.id = m.conversation_id
         where m.conversation_id = $1 and m.direction = 'inbound'
         order by m.seq desc limit 1"
    );
    MEDIA_OF = "select channel_id, content, kind from messages where id = $1";
}
