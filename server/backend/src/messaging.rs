//! The conversation store: inbound messages, delivery receipts, outbound sends and the outbox
//! that delivers them to providers with retries.
//!
//! Exactly-once storage rests on unique constraints, not on checks: a message is identified by
//! `(channel_id, provider_message_id)` and a receipt by `(channel_id, provider_message_id,
//! status)`, so a redelivered webhook (Meta retries until it gets a 200) inserts nothing.

use super::channels::{self, graph::GraphError, meta, whatsapp, Channel, InboundMessage, Receipt};
use super::live::LiveEvent;
use super::state::AppState;
use crate::db::conversations::record_event;
use crate::error::{AppError, Error};
use chrono::{DateTime, Utc};
use shared::dto::MessageView;
use shared::inbox::InboxSettings;
use shared::messaging::{
    window_check, Author, ChannelKind, ConversationEventKind, ConversationStatus, DeliveryStatus,
    Direction, MessageKind, Outbound, SendPolicy,
};
use shared::{ChannelId, ContactId, ConversationId, MessageId, Phone, TeamId, UserId};
use sqlx::PgConnection;
use std::sync::LazyLock;
use std::time::Duration;
use uuid::Uuid;

// ---- Reading ------------------------------------------------------------------------------

pub(crate) const MESSAGE_COLUMNS: &str =
    "m.id, m.seq, m.conversation_id, ch.kind as channel_kind, \
     m.direction, m.author, m.author_user_id, m.kind, m.body as text, m.content, \
     m.provider_message_id, m.status, m.error_code, m.error_title, m.created_at, \
     (select u.name from users u where u.id = m.author_user_id) as author_name";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: MessageId,
    seq: i64,
    conversation_id: ConversationId,
    channel_kind: ChannelKind,
    direction: Direction,
    author: Author,
    author_user_id: Option<UserId>,
    kind: MessageKind,
    text: Option<String>,
    content: serde_json::Value,
    provider_message_id: Option<String>,
    status: Option<DeliveryStatus>,
    error_code: Option<i32>,
    error_title: Option<String>,
    created_at: DateTime<Utc>,
    author_name: Option<String>,
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

pub async fn message(
    db: impl sqlx::PgExecutor<'_>,
    id: MessageId,
) -> Result<Option<MessageView>, Error> {
    let row: Option<MessageRow> = sqlx::query_as(&format!(
        "select {MESSAGE_COLUMNS} from messages m join channels ch on ch.id = m.channel_id
         where m.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// A conversation's messages after the `after` cursor, oldest first.
pub async fn list_messages(
    db: impl sqlx::PgExecutor<'_>,
    conversation: ConversationId,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageView>, Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "select {MESSAGE_COLUMNS} from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3"
    ))
    .bind(conversation)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Which side of a cursor to read a contact's history from.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// Newest first, with `seq` below the cursor (scrolling back).
    Before(i64),
    /// Oldest first, with `seq` above the cursor (catching up).
    After(i64),
}

/// A contact's messages on every channel, `limit` of them from the cursor. Each conversation
/// is read through its own `(conversation_id, seq)` index range, so a long history costs only
/// the page, not every message the contact ever sent.
pub async fn contact_messages(
    db: impl sqlx::PgExecutor<'_>,
    contact: ContactId,
    page: Page,
    limit: i64,
) -> Result<Vec<MessageView>, Error> {
    let (condition, order, cursor) = match page {
        Page::Before(seq) => ("<", "desc", seq),
        Page::After(seq) => (">", "asc", seq),
    };
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "select {MESSAGE_COLUMNS} from conversations c
         cross join lateral (
             select * from messages x where x.conversation_id = c.id and x.seq {condition} $2
             order by x.seq {order} limit $3) m
         join channels ch on ch.id = m.channel_id
         where c.contact_id = $1
         order by m.seq {order} limit $3"
    ))
    .bind(contact)
    .bind(cursor)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

// ---- Inbound ------------------------------------------------------------------------------

/// Who wrote, as [`resolve_contact`] found them.
enum Sender {
    /// A known identity, with the contact's unresolved conversation on the channel (locked),
    /// if any.
    Known {
        contact: ContactId,
        active: Option<ConversationId>,
    },
    /// An identity seen for the first time; `fresh`: its contact was created just now too, so
    /// it has no conversations at all.
    New { contact: ContactId, fresh: bool },
}

/// Finds the contact behind a channel identity, creating both when new. A new WhatsApp identity
/// joins an existing contact with the same phone number, so the history follows the person.
async fn resolve_contact(
    tx: &mut PgConnection,
    channel: &Channel,
    external_id: &str,
    profile_name: Option<&str>,
) -> Result<Sender, Error> {
    // The known identity (named from the profile by the statement that looked for an open
    // conversation first) and its conversation on this channel, should another delivery have
    // opened one since.
    let known: Option<(ContactId, Option<ConversationId>)> = sqlx::query_as(
        "select contact_id, (select id from conversations
                             where contact_id = i.contact_id and channel_id = $1
                               and status <> 'resolved' for update) as active
         from contact_identities i where channel_id = $1 and external_id = $2",
    )
    .bind(channel.id)
    .bind(external_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((contact, active)) = known {
        return Ok(Sender::Known { contact, active });
    }
    let phone = match channel.kind {
        ChannelKind::Whatsapp => Phone::from_wa_id(external_id).ok(),
        _ => None,
    };
    let existing: Option<ContactId> = match &phone {
        Some(p) => {
            sqlx::query_scalar(
                "select id from contacts where phone = $1 and merged_into is null
                 order by created_at limit 1",
            )
            .bind(p.as_str())
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let contact = match existing {
        Some(c) => c,
        None => {
            let id = ContactId(Uuid::new_v4());
            sqlx::query("insert into contacts (id, name, phone) values ($1, $2, $3)")
                .bind(id)
                .bind(profile_name)
                .bind(phone.as_ref().map(Phone::as_str))
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    let inserted = sqlx::query(
        "insert into contact_identities (id, contact_id, channel_id, external_id)
         values ($1, $2, $3, $4) on conflict (channel_id, external_id) do nothing",
    )
    .bind(Uuid::new_v4())
    .bind(contact)
    .bind(channel.id)
    .bind(external_id)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Sender::New {
            contact,
            fresh: existing.is_none(),
        });
    }
    // Another delivery created the identity first: use its contact, drop ours if we made one.
    if existing.is_none() {
        sqlx::query("delete from contacts where id = $1")
            .bind(contact)
            .execute(&mut *tx)
            .await?;
    }
    let contact = sqlx::query_scalar(
        "select contact_id from contact_identities where channel_id = $1 and external_id = $2",
    )
    .bind(channel.id)
    .bind(external_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Sender::New {
        contact,
        fresh: false,
    })
}

/// Resolves a conversation (only when its status is `only_from`, when given) and records who
/// did it, inside `tx`. The event's id, or `None` when it was already resolved (or had moved on).
pub(crate) async fn resolve_in(
    tx: &mut PgConnection,
    conversation: ConversationId,
    only_from: Option<ConversationStatus>,
    actor: Author,
    actor_user: Option<UserId>,
    details: serde_json::Value,
) -> Result<Option<i64>, Error> {
    let done = sqlx::query(
        "update conversations set status = 'resolved', resolved_at = now(), queued_at = null,
             unread_count = 0, updated_at = now()
         where id = $1 and status <> 'resolved'
           and ($2::conversation_status is null or status = $2)",
    )
    .bind(conversation)
    .bind(only_from)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(
        record_event(
            tx,
            conversation,
            ConversationEventKind::Resolved,
            actor,
            actor_user,
            details,
        )
        .await?,
    ))
}

/// What finding the customer's conversation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Active,
    /// Created or reopened: the timeline event that says so.
    Opened {
        event: i64,
        kind: ConversationEventKind,
    },
}

/// The contact's unresolved conversation on this channel, locked.
async fn locked_active(
    tx: &mut PgConnection,
    contact: ContactId,
    channel: &Channel,
) -> Result<Option<ConversationId>, Error> {
    Ok(sqlx::query_scalar(
        "select id from conversations
         where contact_id = $1 and channel_id = $2 and status <> 'resolved' for update",
    )
    .bind(contact)
    .bind(channel.id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// For a contact with no unresolved conversation on this channel: the last resolved one
/// reopened when it was resolved within the reopen window; else a new one.
async fn reopen_or_open(
    tx: &mut PgConnection,
    contact: ContactId,
    channel: &Channel,
) -> Result<(ConversationId, Found), Error> {
    // Reopen: back to whoever had it when they are still active, else to the queue. The
    // setting is read only here, not for every message of an ongoing conversation.
    let reopen_within = crate::db::settings::get::<InboxSettings>(&mut *tx)
        .await?
        .reopen_window();
    let reopened: Option<ConversationId> = sqlx::query_scalar(
        "update conversations c set
             status = case when u.id is not null then 'open'::conversation_status
                           else 'waiting'::conversation_status end,
             assignee_id = u.id,
             queued_at = case when u.id is null then now() end,
             resolved_at = null, updated_at = now()
         from conversations prev
         left join users u on u.id = prev.assignee_id and u.active
         where c.id = (select id from conversations
                       where contact_id = $1 and channel_id = $2 and status = 'resolved'
                         and resolved_at > now() - $3
                         -- One the bot closed on its own starts afresh with the bot.
                         and (not $4 or assignee_id is not null)
                       order by resolved_at desc limit 1)
           and prev.id = c.id
           and not exists (select 1 from conversations o where o.contact_id = $1
                           and o.channel_id = $2 and o.status <> 'resolved')
         returning c.id",
    )
    .bind(contact)
    .bind(channel.id)
    .bind(Duration::from_secs(reopen_within.as_secs()))
    .bind(channel.bot_flow.is_some())
    .fetch_optional(&mut *tx)
    // A concurrent delivery that opened a new conversation first makes this a unique violation:
    // the error rolls back and the webhook is processed again, finding that conversation.
    .await?;
    if let Some(id) = reopened {
        let kind = ConversationEventKind::Reopened;
        let event = record_event(
            tx,
            id,
            kind,
            Author::Customer,
            None,
            serde_json::json!({"reason": "customer_message"}),
        )
        .await?;
        return Ok((id, Found::Opened { event, kind }));
    }
    open_conversation(tx, contact, channel).await
}

/// A new conversation in the channel's queue (or with its bot), with its timeline's first
/// event, in one statement; the one a concurrent delivery opened first, if any.
async fn open_conversation(
    tx: &mut PgConnection,
    contact: ContactId,
    channel: &Channel,
) -> Result<(ConversationId, Found), Error> {
    let id = ConversationId(Uuid::new_v4());
    let kind = ConversationEventKind::Created;
    let event: Option<i64> = sqlx::query_scalar(
        "with c as (
             insert into conversations (id, contact_id, channel_id, team_id, status, queued_at)
             values ($1, $2, $3, $4, $5, case when $5 = 'waiting' then now() end)
             on conflict (contact_id, channel_id) where status <> 'resolved' do nothing
             returning id)
         insert into conversation_events (conversation_id, kind, actor, details)
         select c.id, $6, 'customer', jsonb_build_object('channel_id', $3::uuid) from c
         returning id",
    )
    .bind(id)
    .bind(contact)
    .bind(channel.id)
    .bind(channel.default_team_id)
    .bind(if channel.bot_flow.is_some() {
        ConversationStatus::Bot
    } else {
        ConversationStatus::Waiting
    })
    .bind(kind)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(event) = event {
        return Ok((id, Found::Opened { event, kind }));
    }
    let active = locked_active(tx, contact, channel)
        .await?
        .ok_or(AppError::Internal)?;
    Ok((active, Found::Active))
}

/// What storing an inbound message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New {
        message: MessageId,
        conversation: ConversationId,
        seq: i64,
    },
    /// Already stored by an earlier delivery: nothing changed.
    Duplicate,
}

/// Stores a customer's message once, in the contact's active conversation on the channel.
/// Grows `conversations.search_tsv` (as `column` reads in the statement) with the text bound as
/// parameter `p` (see the migration
/// `attachments_search`); a conversation stops growing at 20 000 distinct words, far below the
/// 1 MB a tsvector may hold.
fn search_append(column: &str, p: u8) -> String {
    format!(
        "case when ${p}::text is null or length({column}) > 20000 then {column}
              else {column} || strip(to_tsvector('pt_unaccent'::regconfig, ${p}::text)) end"
    )
}

/// What storing an inbound message answers: the conversation, then (none when the message was
/// stored before) its `seq`, and the conversation's team, assignee and status.
type InboundRow = (
    ConversationId,
    Option<i64>,
    Option<TeamId>,
    Option<UserId>,
    Option<ConversationStatus>,
);

/// The conversation an inbound message goes to, for [`store_inbound_sql`]: the sender's open
/// one on the channel, through the identity ($9), naming the contact from the profile ($10)
/// when it had no name.
const FIND_ACTIVE: &str = "known as (
        select contact_id from contact_identities where channel_id = $2 and external_id = $9),
    named as (
        update contacts set name = $10, updated_at = now()
        from known where contacts.id = known.contact_id and contacts.name is null
          and $10::text is not null),
    target as (
        select c.id from conversations c join known on known.contact_id = c.contact_id
        where c.channel_id = $2 and c.status <> 'resolved' for update of c)";

/// The conversation an inbound message goes to, given ($9).
const GIVEN: &str = "target as (select $9::uuid as id)";

/// Stores an inbound message ($1 id, $2 channel, $3 kind, $4 text, $5 content, $6 provider id,
/// $7 time, $8 preview) in the conversation `target` yields, growing the conversation's
/// summary, in one statement. No row when `target` finds no conversation.
static STORE_INBOUND_ACTIVE: LazyLock<String> = LazyLock::new(|| store_inbound_sql(FIND_ACTIVE));
static STORE_INBOUND_GIVEN: LazyLock<String> = LazyLock::new(|| store_inbound_sql(GIVEN));

fn store_inbound_sql(target: &str) -> String {
    format!(
        "with {target},
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
                 search_tsv = {}
             from m where c.id = m.conversation_id
             returning m.seq, c.team_id, c.assignee_id, c.status)
         select t.id, u.seq, u.team_id, u.assignee_id, u.status from target t left join u on true",
        search_append("c.search_tsv", 4)
    )
}

fn bind_inbound<'q>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, InboundRow, sqlx::postgres::PgArguments>,
    id: MessageId,
    msg: &'q InboundMessage,
    channel: &Channel,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, InboundRow, sqlx::postgres::PgArguments> {
    query
        .bind(id)
        .bind(channel.id)
        .bind(msg.kind)
        .bind(&msg.text)
        .bind(&msg.content)
        .bind(&msg.provider_message_id)
        .bind(msg.timestamp.min(Utc::now()))
        .bind(msg.text.as_deref().unwrap_or(msg.kind.label()))
}

/// The sender's conversation on the channel when they have no open one: a contact (and
/// identity) made for a new sender, a recent conversation reopened, or a new one, in `tx`.
async fn find_or_open(
    tx: &mut PgConnection,
    channel: &Channel,
    msg: &InboundMessage,
) -> Result<(ConversationId, Found), Error> {
    let sender = resolve_contact(
        tx,
        channel,
        &msg.contact_external_id,
        msg.profile_name.as_deref(),
    )
    .await?;
    match sender {
        Sender::Known {
            active: Some(id), ..
        } => Ok((id, Found::Active)),
        Sender::Known {
            contact,
            active: None,
        } => reopen_or_open(tx, contact, channel).await,
        // A contact created just now has nothing to reopen.
        Sender::New {
            contact,
            fresh: true,
        } => open_conversation(tx, contact, channel).await,
        Sender::New {
            contact,
            fresh: false,
        } => match locked_active(tx, contact, channel).await? {
            Some(id) => Ok((id, Found::Active)),
            None => reopen_or_open(tx, contact, channel).await,
        },
    }
}

pub async fn record_inbound(
    state: &AppState,
    channel: &Channel,
    msg: &InboundMessage,
) -> Result<Stored, Error> {
    // A message in an ongoing chat: one statement finds the conversation through the
    // identity, locks it, stores the message and grows the conversation's summary.
    let id = MessageId(Uuid::new_v4());
    let quick: Option<InboundRow> =
        bind_inbound(sqlx::query_as(&STORE_INBOUND_ACTIVE), id, msg, channel)
            .bind(&msg.contact_external_id)
            .bind(msg.profile_name.as_deref())
            .fetch_optional(&state.pool)
            .await?;
    let mut tx = None;
    let (stored, found) = match quick {
        Some(row) => (row, Found::Active),
        None => {
            // A new contact, or no open conversation: found or made in a transaction. No "seen
            // before?" read first: a redelivery finds the message's unique key taken, and
            // everything it touched on the way rolls back with the transaction.
            let tx = tx.insert(state.pool.begin().await?);
            let (conversation, found) = find_or_open(tx, channel, msg).await?;
            let row: InboundRow =
                bind_inbound(sqlx::query_as(&STORE_INBOUND_GIVEN), id, msg, channel)
                    .bind(conversation)
                    .fetch_one(&mut **tx)
                    .await?;
            (row, found)
        }
    };
    let (conversation, Some(seq), team_id, assignee_id, Some(status)) = stored else {
        // Delivered before (or by a concurrent delivery): roll back what we touched.
        return Ok(Stored::Duplicate);
    };
    if let Some(tx) = tx {
        tx.commit().await?;
    }
    state
        .live
        .publish(
            &state.redis,
            &LiveEvent::MessageCreated {
                conversation_id: conversation,
                channel_id: channel.id,
                message_id: id,
                seq,
                team_id,
                assignee_id,
                inbound: true,
            },
        )
        .await;
    if let Found::Opened { event, kind } = found {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::ConversationChanged {
                    conversation_id: conversation,
                    event_id: event,
                    kind,
                    team_id,
                    assignee_id,
                    previous_assignee_id: None,
                },
            )
            .await;
        if status == ConversationStatus::Waiting {
            state.wakers.distribute_soon();
        }
    }
    if status == ConversationStatus::Bot {
        state.wakers.wake_bot(conversation);
    }
    Ok(Stored::New {
        message: id,
        conversation,
        seq,
    })
}

/// Records a delivery receipt and moves the message's status forward if it is newer.
pub async fn apply_receipt(
    state: &AppState,
    channel: &Channel,
    receipt: &Receipt,
) -> Result<(), Error> {
    sqlx::query(
        "insert into message_receipts (channel_id, provider_message_id, status, occurred_at,
             error_code, error_title, error_detail)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(channel.id)
    .bind(&receipt.provider_message_id)
    .bind(receipt.status)
    .bind(receipt.timestamp)
    .bind(receipt.error_code)
    .bind(&receipt.error_title)
    .bind(&receipt.error_detail)
    .execute(&state.pool)
    .await?;
    advance_status(
        state,
        channel.id,
        &receipt.provider_message_id,
        receipt.status,
        receipt.timestamp,
        (
            receipt.error_code,
            receipt.error_title.as_deref(),
            receipt.error_detail.as_deref(),
        ),
    )
    .await
}

/// Moves an outbound message's status forward (the enum's order is the status order), never
/// back, and tells the live views.
async fn advance_status(
    state: &AppState,
    channel: ChannelId,
    provider_message_id: &str,
    status: DeliveryStatus,
    at: DateTime<Utc>,
    error: (Option<i32>, Option<&str>, Option<&str>),
) -> Result<(), Error> {
    let updated: Option<(MessageId, ConversationId)> = sqlx::query_as(
        "update messages set status = $3, status_at = $4,
             error_code = coalesce($5, error_code), error_title = coalesce($6, error_title),
             error_detail = coalesce($7, error_detail)
         where channel_id = $1 and provider_message_id = $2 and direction = 'outbound'
           and status < $3
         returning id, conversation_id",
    )
    .bind(channel)
    .bind(provider_message_id)
    .bind(status)
    .bind(at)
    .bind(error.0)
    .bind(error.1)
    .bind(error.2)
    .fetch_optional(&state.pool)
    .await?;
    if let Some((message_id, conversation_id)) = updated {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::MessageStatus {
                    conversation_id,
                    message_id,
                    status,
                },
            )
            .await;
    }
    Ok(())
}

/// Messenger's `read` watermark: every message to this person sent until then was read.
pub async fn apply_read_watermark(
    state: &AppState,
    channel: &Channel,
    contact_external_id: &str,
    watermark: DateTime<Utc>,
) -> Result<(), Error> {
    let rows: Vec<(MessageId, ConversationId)> = sqlx::query_as(
        "update messages m set status = 'read', status_at = $3
         from conversations c, contact_identities ci
         where m.conversation_id = c.id and ci.contact_id = c.contact_id
           and ci.channel_id = $1 and ci.external_id = $2 and m.channel_id = $1
           and m.direction = 'outbound' and m.status in ('sent', 'delivered')
           and m.provider_timestamp <= $3
         returning m.id, m.conversation_id",
    )
    .bind(channel.id)
    .bind(contact_external_id)
    .bind(watermark)
    .fetch_all(&state.pool)
    .await?;
    for (message_id, conversation_id) in rows {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::MessageStatus {
                    conversation_id,
                    message_id,
                    status: DeliveryStatus::Read,
                },
            )
            .await;
    }
    Ok(())
}

pub async fn record_channel_error(
    state: &AppState,
    channel: &Channel,
    error: &channels::ProviderError,
) -> Result<(), Error> {
    tracing::warn!(channel = %channel.id, code = ?error.code, title = ?error.title, "provider reported an error");
    sqlx::query(
        "insert into channel_errors (channel_id, code, title, message, details)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(channel.id)
    .bind(error.code)
    .bind(&error.title)
    .bind(&error.message)
    .bind(&error.details)
    .execute(&state.pool)
    .await?;
    Ok(())
}

// ---- Outbound -----------------------------------------------------------------------------

/// A message the company sends.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub conversation: ConversationId,
    pub outbound: Outbound,
    pub author: Author,
    pub author_user: Option<UserId>,
    /// Makes a retried request idempotent (the same id returns the first message).
    pub client_id: Option<String>,
}

/// What sending needs to know of a conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationForSend {
    pub status: ConversationStatus,
    team_id: Option<TeamId>,
    assignee_id: Option<UserId>,
    channel_id: ChannelId,
    pub kind: ChannelKind,
    last_customer_message_at: Option<DateTime<Utc>>,
    /// The contact's identity on the channel.
    recipient: Option<String>,
}

/// The columns of [`ConversationForSend`], for a query over `conversations c` joined with
/// `channels ch`.
pub const CONVERSATION_FOR_SEND: &str = "c.status, c.team_id, c.assignee_id, c.channel_id, \
    ch.kind, c.last_customer_message_at, \
    (select ci.external_id from contact_identities ci \
     where ci.contact_id = c.contact_id and ci.channel_id = c.channel_id \
     order by ci.created_at limit 1) as recipient";

/// Checks the provider's limits and the customer-service window, then queues the message for
/// delivery (webchat and private notes need no provider and are final at once).
pub async fn send(state: &AppState, request: SendRequest) -> Result<MessageView, Error> {
    let conv: ConversationForSend = sqlx::query_as(&format!(
        "select {CONVERSATION_FOR_SEND}
         from conversations c join channels ch on ch.id = c.channel_id where c.id = $1"
    ))
    .bind(request.conversation)
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if let Some(client_id) = &request.client_id {
        if client_id.is_empty() || client_id.len() > 100 {
            return Err(AppError::BadRequest.into());
        }
    }
    // Every sender (the inbox, the REST API) names an upload of this conversation; the file's
    // facts are what was stored, never what the caller claims.
    let mut request = request;
    request.outbound =
        crate::attachments::resolve(state, request.conversation, request.outbound).await?;
    let checked = check_outbound(&conv, &request.outbound, request.author);
    let policy = match checked {
        Ok(policy) => policy,
        Err(refused) => {
            // A retry of a send that went through answers with that message, whatever changed.
            if let Some(client_id) = &request.client_id {
                if let Some(existing) =
                    existing_by_client_id(state, request.conversation, client_id).await?
                {
                    return Ok(existing);
                }
            }
            return Err(refused);
        }
    };
    let outgoing = Outgoing {
        id: MessageId(Uuid::new_v4()),
        human_agent_tag: policy == SendPolicy::HumanAgentTag,
        outbound: request.outbound,
        client_id: request.client_id,
    };
    let stored = store_outbound(
        state,
        &conv,
        request.conversation,
        (request.author, request.author_user),
        std::slice::from_ref(&outgoing),
        false,
    )
    .await?;
    let Some(row) = stored.into_iter().next() else {
        let client_id = outgoing.client_id.as_deref().unwrap_or_default();
        return existing_by_client_id(state, request.conversation, client_id)
            .await?
            .ok_or(AppError::Internal.into());
    };
    let view: MessageView = row.into();
    if view.status == Some(DeliveryStatus::Queued) {
        state.wakers.outbox.notify_one();
    }
    Ok(view)
}

/// Whether `outbound` may go out on the conversation now, and how (the provider's limits, the
/// customer-service window).
fn check_outbound(
    conv: &ConversationForSend,
    outbound: &Outbound,
    author: Author,
) -> Result<SendPolicy, Error> {
    let is_note = matches!(outbound, Outbound::Note { .. });
    if conv.status == ConversationStatus::Resolved && !is_note {
        return Err(AppError::ConversationResolved.into());
    }
    outbound.check(conv.kind).map_err(AppError::Outbound)?;
    window_check(
        conv.kind,
        outbound,
        author,
        conv.last_customer_message_at,
        Utc::now(),
    )
    .map_err(|e| AppError::Window(e).into())
}

/// One message about to be stored.
struct Outgoing {
    id: MessageId,
    outbound: Outbound,
    client_id: Option<String>,
    human_agent_tag: bool,
}

/// [`store_outbound`]'s statement: the messages ($1–$6 per message, in order), their
/// conversation ($7) and channel ($8), author ($9, $10), status ($11), queued ($12), claimed
/// ($13), agent ($14), preview ($15), searchable text ($16), note ($17).
static STORE_OUTBOUND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "with m as (
             insert into messages (id, conversation_id, channel_id, direction, author,
                 author_user_id, kind, body, content, client_id, status, status_at,
                 next_attempt_at, human_agent_tag, provider_timestamp, attempts)
             select i.id, $7, $8, 'outbound', $9, $10, i.kind::message_kind, i.body, i.content,
                 i.client_id, $11, case when $11 is null then null else now() end,
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
                 search_tsv = {}
             from conversations old
             where c.id = $7 and old.id = c.id and not $17 and exists (select 1 from m)
             returning ($14 and old.first_response_at is null) as first),
         e as (
             insert into conversation_events (conversation_id, kind, actor, actor_user_id, details)
             select $7, 'first_response'::conversation_event_kind, 'agent'::message_author, $10,
                 jsonb_build_object('message_id', (select id from m order by seq limit 1))
             from c where c.first)
         select {MESSAGE_COLUMNS} from m join channels ch on ch.id = m.channel_id order by m.seq",
        search_append("c.search_tsv", 16)
    )
});

/// Stores messages the company sends to one conversation, in order, in one statement (atomic
/// without a transaction): the messages, the conversation's summary and, for an agent's first
/// reply, the timeline event. `claimed`: stored as the outbox's claim would leave them, for
/// the caller to deliver. Returns the rows stored (a client id already used stores nothing),
/// as they are before delivery, and announces each to the live feed.
async fn store_outbound(
    state: &AppState,
    conv: &ConversationForSend,
    conversation: ConversationId,
    (author, author_user): (Author, Option<UserId>),
    items: &[Outgoing],
    claimed: bool,
) -> Result<Vec<MessageRow>, Error> {
    let Some(last) = items.last() else {
        return Ok(Vec::new());
    };
    // Notes travel alone (the composer sends one at a time).
    let is_note = matches!(last.outbound, Outbound::Note { .. });
    let (status, queued) = match (is_note, conv.kind) {
        (true, _) => (None, false),
        (false, ChannelKind::Webchat) => (Some(DeliveryStatus::Sent), false),
        (false, _) => (Some(DeliveryStatus::Queued), true),
    };
    let claimed = claimed && queued;
    let bodies: Vec<Option<String>> = items.iter().map(|i| i.outbound.body()).collect();
    // Search finds what customers and agents wrote: the bot's menus, the same in every
    // conversation, would make every word of them match everything.
    let texts: Vec<&str> = match author {
        Author::Bot => Vec::new(),
        _ => bodies.iter().flatten().map(String::as_str).collect(),
    };
    let contents = items
        .iter()
        .map(|i| serde_json::to_value(&i.outbound))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let rows: Vec<MessageRow> = sqlx::query_as(&STORE_OUTBOUND)
        .bind(items.iter().map(|i| i.id.0).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|i| i.outbound.kind().code())
                .collect::<Vec<_>>(),
        )
        .bind(&bodies)
        .bind(contents)
        .bind(
            items
                .iter()
                .map(|i| i.client_id.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(items.iter().map(|i| i.human_agent_tag).collect::<Vec<_>>())
        .bind(conversation)
        .bind(conv.channel_id)
        .bind(author)
        .bind(author_user)
        .bind(status)
        .bind(queued)
        .bind(claimed)
        .bind(author == Author::Agent)
        .bind(last.outbound.preview())
        .bind((!texts.is_empty()).then(|| texts.join("\n")))
        .bind(is_note)
        .fetch_all(&state.pool)
        .await?;
    // Announced before they are delivered, so browsers learn of a message before its ticks.
    for row in &rows {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::MessageCreated {
                    conversation_id: conversation,
                    channel_id: conv.channel_id,
                    message_id: row.id,
                    seq: row.seq,
                    team_id: conv.team_id,
                    assignee_id: conv.assignee_id,
                    inbound: false,
                },
            )
            .await;
    }
    Ok(rows)
}

/// The bot's replies to one customer message, in order: checked, stored in one statement and
/// delivered from here (not through the outbox, which only retries what fails), their
/// outcomes recorded together. `client_id`s make a repeated run say nothing twice. Returns
/// why each refused reply could not go out (a provider limit, the window).
pub async fn send_bot_replies(
    state: &AppState,
    conv: &ConversationForSend,
    conversation: ConversationId,
    replies: Vec<(String, Outbound)>,
) -> Result<Vec<Error>, Error> {
    let mut refused = Vec::new();
    let mut items = Vec::with_capacity(replies.len());
    for (client_id, outbound) in replies {
        match check_outbound(conv, &outbound, Author::Bot) {
            Ok(policy) => items.push(Outgoing {
                id: MessageId(Uuid::new_v4()),
                outbound,
                client_id: Some(client_id),
                human_agent_tag: policy == SendPolicy::HumanAgentTag,
            }),
            Err(e) => refused.push(e),
        }
    }
    let rows = store_outbound(state, conv, conversation, (Author::Bot, None), &items, true).await?;
    let mut sent = Vec::new();
    for row in rows {
        if row.status != Some(DeliveryStatus::Queued) {
            continue;
        }
        let due = Due {
            id: row.id,
            conversation_id: conversation,
            channel_id: conv.channel_id,
            content: row.content,
            attempts: 1,
            human_agent_tag: items.iter().any(|i| i.id == row.id && i.human_agent_tag),
            recipient: conv.recipient.clone(),
        };
        // In order: the customer reads the text before the menu that follows it.
        match attempt(state, &due).await {
            Ok(provider_id) => sent.push((due, provider_id)),
            Err(e) => record_failure(state, &due, e).await?,
        }
    }
    record_sent(state, &sent).await?;
    Ok(refused)
}

async fn existing_by_client_id(
    state: &AppState,
    conversation: ConversationId,
    client_id: &str,
) -> Result<Option<MessageView>, Error> {
    let row: Option<MessageRow> = sqlx::query_as(&format!(
        "select {MESSAGE_COLUMNS} from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.client_id = $2"
    ))
    .bind(conversation)
    .bind(client_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(Into::into))
}

#[derive(sqlx::FromRow)]
struct Due {
    id: MessageId,
    conversation_id: ConversationId,
    channel_id: ChannelId,
    content: serde_json::Value,
    attempts: i32,
    human_agent_tag: bool,
    recipient: Option<String>,
}

/// Claims up to `limit` messages due for delivery. The claim pushes `next_attempt_at` ahead, so
/// another instance (or this one after a crash) retries a message whose attempt never finished.
async fn claim_due(state: &AppState, limit: i64) -> Result<Vec<Due>, Error> {
    Ok(sqlx::query_as(
        "with due as (
             select id from messages
             where direction = 'outbound' and status = 'queued' and next_attempt_at <= now()
             order by next_attempt_at limit $1 for update skip locked)
         update messages m set attempts = m.attempts + 1,
             next_attempt_at = now() + interval '2 minutes'
         from due where m.id = due.id
         returning m.id, m.conversation_id, m.channel_id, m.content, m.attempts, m.human_agent_tag,
             (select ci.external_id from conversations c
                join contact_identities ci on ci.contact_id = c.contact_id
                                          and ci.channel_id = c.channel_id
              where c.id = m.conversation_id order by ci.created_at limit 1) as recipient",
    )
    .bind(limit)
    .fetch_all(&state.pool)
    .await?)
}

/// Sends one message to its provider; returns the provider's message id.
async fn deliver_once(
    state: &AppState,
    channel: &Channel,
    due: &Due,
) -> Result<String, GraphError> {
    let permanent = |title: &str| GraphError {
        retryable: false,
        code: None,
        title: title.to_owned(),
        detail: None,
        http_status: None,
        retry_after: None,
    };
    if channel.settings.simulated {
        return Ok(format!("sim.{}", Uuid::new_v4().simple()));
    }
    let outbound: Outbound = serde_json::from_value(due.content.clone())
        .map_err(|_| permanent("Conteúdo da mensagem ilegível"))?;
    let outbound = crate::attachments::with_link(state, outbound);
    let recipient = due
        .recipient
        .as_deref()
        .ok_or_else(|| permanent("O contato não tem identificação neste canal"))?;
    let token = channel
        .access_token()
        .ok_or_else(|| permanent("Canal sem token de acesso configurado"))?;
    let external = channel
        .external_id
        .as_deref()
        .ok_or_else(|| permanent("Canal sem identificador da Meta"))?;
    if !channel.active {
        return Err(permanent("Canal desativado"));
    }

    // Messenger and Instagram (an Instagram account linked to a Page) both send through the
    // Page's `me/messages` with the Page token.
    let path = match channel.kind {
        ChannelKind::Whatsapp => format!("{external}/messages"),
        _ => "me/messages".to_owned(),
    };
    match channel.kind {
        ChannelKind::Whatsapp => {
            let response = state
                .graph
                .post(&path, token, &whatsapp::send_body(recipient, &outbound))
                .await?;
            whatsapp::sent_id(&response).ok_or_else(|| permanent("Resposta da Meta sem id"))
        }
        ChannelKind::Messenger | ChannelKind::Instagram => {
            let policy = if due.human_agent_tag {
                SendPolicy::HumanAgentTag
            } else {
                SendPolicy::Standard
            };
            let response = state
                .graph
                .post(&path, token, &meta::send_body(recipient, &outbound, policy))
                .await?;
            meta::sent_id(&response).ok_or_else(|| permanent("Resposta da Meta sem id"))
        }
        ChannelKind::Webchat => Err(permanent("Webchat não usa a fila de envio")),
    }
}

/// One attempt at the provider; the provider's message id.
async fn attempt(state: &AppState, due: &Due) -> Result<String, GraphError> {
    let channels = state
        .channels
        .all(&state.pool, &state.secrets)
        .await
        .map_err(|e| {
            tracing::warn!(error = ?e, "channel directory unavailable");
            GraphError {
                retryable: true,
                code: None,
                title: "Canais indisponíveis no momento".into(),
                detail: None,
                http_status: None,
                retry_after: None,
            }
        })?;
    match channels.iter().find(|c| c.id == due.channel_id) {
        Some(channel) => deliver_once(state, channel, due).await,
        None => Err(GraphError {
            retryable: false,
            code: None,
            title: "Canal removido".into(),
            detail: None,
            http_status: None,
            retry_after: None,
        }),
    }
}

async fn deliver(state: &AppState, due: Due) -> Result<(), Error> {
    match attempt(state, &due).await {
        Ok(provider_id) => record_sent(state, &[(due, provider_id)]).await,
        Err(e) => record_failure(state, &due, e).await,
    }
}

/// Marks messages sent with the provider's ids, in one statement. Receipts can beat the send's
/// own answer: whether any wait for an id comes back with the update, so the common case costs
/// nothing more.
async fn record_sent(state: &AppState, sent: &[(Due, String)]) -> Result<(), Error> {
    if sent.is_empty() {
        return Ok(());
    }
    let updated: Vec<(MessageId, bool)> = sqlx::query_as(
        "update messages m set status = 'sent', status_at = now(), provider_message_id = s.pid,
             provider_timestamp = now(), next_attempt_at = null
         from unnest($1::uuid[], $2::text[]) as s(id, pid)
         where m.id = s.id and m.status = 'queued'
         returning m.id, exists (select 1 from message_receipts r
                                 where r.channel_id = m.channel_id
                                   and r.provider_message_id = s.pid)",
    )
    .bind(sent.iter().map(|(d, _)| d.id.0).collect::<Vec<_>>())
    .bind(sent.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>())
    .fetch_all(&state.pool)
    .await?;
    for (due, provider_id) in sent {
        let done = updated.iter().find(|(id, _)| *id == due.id).map(|u| u.1);
        if done.is_some() {
            publish_status(state, due, DeliveryStatus::Sent).await;
        }
        if done != Some(false) {
            apply_pending_receipts(state, due.channel_id, provider_id).await?;
        }
    }
    Ok(())
}

/// A failed attempt: retried later with backoff while the error allows and attempts remain,
/// else the message is failed for good.
async fn record_failure(state: &AppState, due: &Due, e: GraphError) -> Result<(), Error> {
    let policy = &state.graph.settings.retry;
    if e.retryable && due.attempts < policy.max_attempts {
        // PostgreSQL intervals hold microseconds at most.
        let delay = Duration::from_millis(policy.delay(due.attempts - 1, &e).as_millis() as u64);
        tracing::info!(message = %due.id, attempt = due.attempts, code = ?e.code, ?delay, "send failed; retrying");
        sqlx::query(
            "update messages set next_attempt_at = now() + $2, error_code = $3, error_title = $4
             where id = $1 and status = 'queued'",
        )
        .bind(due.id)
        .bind(delay)
        .bind(e.code.map(|c| c as i32))
        .bind(&e.title)
        .execute(&state.pool)
        .await?;
        return Ok(());
    }
    tracing::warn!(message = %due.id, code = ?e.code, title = %e.title, "send failed for good");
    sqlx::query(
        "update messages set status = 'failed', status_at = now(), next_attempt_at = null,
             error_code = $2, error_title = $3, error_detail = $4
         where id = $1 and status = 'queued'",
    )
    .bind(due.id)
    .bind(e.code.map(|c| c as i32))
    .bind(&e.title)
    .bind(&e.detail)
    .execute(&state.pool)
    .await?;
    publish_status(state, due, DeliveryStatus::Failed).await;
    Ok(())
}

async fn publish_status(state: &AppState, due: &Due, status: DeliveryStatus) {
    state
        .live
        .publish(
            &state.redis,
            &LiveEvent::MessageStatus {
                conversation_id: due.conversation_id,
                message_id: due.id,
                status,
            },
        )
        .await;
}

/// Receipts that arrived before the send's own answer recorded the provider's id.
async fn apply_pending_receipts(
    state: &AppState,
    channel: ChannelId,
    provider_id: &str,
) -> Result<(), Error> {
    type Row = (
        DeliveryStatus,
        DateTime<Utc>,
        Option<i32>,
        Option<String>,
        Option<String>,
    );
    let best: Option<Row> = sqlx::query_as(
        "select status, occurred_at, error_code, error_title, error_detail from message_receipts
         where channel_id = $1 and provider_message_id = $2 order by status desc limit 1",
    )
    .bind(channel)
    .bind(provider_id)
    .fetch_optional(&state.pool)
    .await?;
    if let Some((status, at, code, title, detail)) = best {
        advance_status(
            state,
            channel,
            provider_id,
            status,
            at,
            (code, title.as_deref(), detail.as_deref()),
        )
        .await?;
    }
    Ok(())
}

/// Conversations whose messages are being delivered at the same time.
const OUTBOX_CONCURRENCY: usize = 16;

/// Delivers queued messages until `shutdown`: woken at once by sends on this instance, and every
/// second for retries and sends queued by other instances.
pub async fn run_outbox(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    use futures::StreamExt;
    while !shutdown.is_cancelled() {
        let batch = match claim_due(&state, 64).await {
            Ok(batch) => batch,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = state.wakers.outbox.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        // One conversation's messages go out in order (a bot's text, then its menu);
        // different conversations side by side.
        let mut groups: Vec<Vec<Due>> = Vec::new();
        for due in batch {
            match groups
                .iter_mut()
                .find(|g| g[0].conversation_id == due.conversation_id)
            {
                Some(group) => group.push(due),
                None => groups.push(vec![due]),
            }
        }
        futures::stream::iter(groups)
            .for_each_concurrent(OUTBOX_CONCURRENCY, |group| {
                let state = state.clone();
                async move {
                    for due in group {
                        let id = due.id;
                        if let Err(e) = deliver(&state, due).await {
                            tracing::error!(message = %id, error = ?e, "outbox bookkeeping failed");
                        }
                    }
                }
            })
            .await;
    }
}

// ---- Provider calls outside the queue -----------------------------------------------------

/// Tells the provider the customer's latest message was read (WhatsApp blue ticks, Messenger
/// `mark_seen`). Best effort.
pub async fn mark_read(state: &AppState, conversation: ConversationId) -> Result<(), Error> {
    let row: Option<(ChannelId, Option<String>, Option<String>)> = sqlx::query_as(
        "select m.channel_id, m.provider_message_id,
             (select ci.external_id from contact_identities ci
              where ci.contact_id = c.contact_id and ci.channel_id = c.channel_id
              order by ci.created_at limit 1)
         from messages m join conversations c on c.id = m.conversation_id
         where m.conversation_id = $1 and m.direction = 'inbound'
         order by m.seq desc limit 1",
    )
    .bind(conversation)
    .fetch_optional(&state.pool)
    .await?;
    let Some((channel_id, Some(provider_id), Some(recipient))) = row else {
        return Ok(());
    };
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let Some(channel) = channels.iter().find(|c| c.id == channel_id) else {
        return Ok(());
    };
    let (Some(token), Some(external)) = (channel.access_token(), channel.external_id.as_deref())
    else {
        return Ok(());
    };
    let (path, body) = match channel.kind {
        ChannelKind::Whatsapp => (
            format!("{external}/messages"),
            whatsapp::read_body(&provider_id),
        ),
        ChannelKind::Messenger | ChannelKind::Instagram => (
            "me/messages".to_owned(),
            serde_json::json!({"recipient": {"id": recipient}, "sender_action": "mark_seen"}),
        ),
        ChannelKind::Webchat => return Ok(()),
    };
    if let Err(e) = state.graph.post(&path, token, &body).await {
        tracing::info!(error = ?e, "read receipt not sent");
    }
    Ok(())
}

/// The largest media file relayed to a browser.
pub const MAX_MEDIA_BYTES: usize = 100 * 1024 * 1024;

/// Fetches an inbound message's media from the provider (WhatsApp: the media endpoint gives a
/// short-lived URL that needs the token; Messenger/Instagram: the attachment URL).
pub async fn fetch_media(state: &AppState, id: MessageId) -> Result<(String, bytes::Bytes), Error> {
    let row: Option<(ChannelId, serde_json::Value, MessageKind)> =
        sqlx::query_as("select channel_id, content, kind from messages where id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let (channel_id, content, kind) = row.ok_or(AppError::NotFound)?;
    if !kind.is_media() {
        return Err(AppError::NotFound.into());
    }
    // A file an agent attached: ours, not the provider's.
    if content.get("type").and_then(|t| t.as_str()) == Some("media") {
        let id = content
            .pointer("/media/id")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<Uuid>().ok())
            .ok_or(AppError::NotFound)?;
        let (mime, _, _, data) = crate::attachments::load(state, id).await?;
        return Ok((mime, bytes::Bytes::from(data)));
    }
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let channel = channels
        .iter()
        .find(|c| c.id == channel_id)
        .ok_or(AppError::NotFound)?;
    let token = channel.access_token();
    let fail = |e: GraphError| {
        tracing::warn!(error = ?e, "media fetch failed");
        Error::from(AppError::Internal)
    };
    let url = match channel.kind {
        ChannelKind::Whatsapp => {
            let media_id = content
                .pointer("/media/id")
                .and_then(|v| v.as_str())
                .ok_or(AppError::NotFound)?;
            let info = state
                .graph
                .get(media_id, token.ok_or(AppError::NotFound)?)
                .await
                .map_err(fail)?;
            info.get("url")
                .and_then(|v| v.as_str())
                .ok_or(AppError::NotFound)?
                .to_owned()
        }
        _ => content
            .pointer("/attachments/0/payload/url")
            .and_then(|v| v.as_str())
            .ok_or(AppError::NotFound)?
            .to_owned(),
    };
    let bearer = match channel.kind {
        ChannelKind::Whatsapp => token,
        _ => None,
    };
    state
        .graph
        .download(&url, bearer, MAX_MEDIA_BYTES)
        .await
        .map_err(fail)
}
