//! Storing what customers send: the contact and its channel identity are resolved, the
//! conversation found, reopened or opened, and the message stored with its search text, in as
//! few statements as the common case allows.
//!
//! Exactly-once storage rests on unique constraints, not on checks: a message is identified by
//! `(channel_id, provider_message_id)`, so a redelivered webhook (Meta retries until it gets a
//! 200) inserts nothing.
//!
//! Why ~520 lines: the fast path (one statement for a message in an ongoing chat) and the slow
//! path (resolve the contact, open or reopen the conversation) must agree on every column they
//! write, so they are kept side by side.

use crate::channels::{Channel, InboundMessage};
use crate::db::conversations::record_event;
use crate::error::{AppError, Error};
use crate::live::LiveEvent;
use crate::state::AppState;
use chrono::Utc;
use shared::inbox::InboxSettings;
use shared::messaging::{Author, ChannelKind, ConversationEventKind, ConversationStatus};
use shared::{ContactId, ConversationId, MessageId, Phone, TeamId, UserId};
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// Who wrote, as [`resolve_contact`] found them.
pub(crate) enum Sender {
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
pub(crate) async fn resolve_contact(
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

/// What finding the customer's conversation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Active,
    /// Created or reopened: the timeline event that says so.
    Opened {
        event: i64,
        kind: ConversationEventKind,
    },
}

/// The contact's unresolved conversation on this channel, locked.
pub(crate) async fn locked_active(
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
pub(crate) async fn reopen_or_open(
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
pub(crate) async fn open_conversation(
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
/// parameter `$p` (see the migration
/// `attachments_search`); a conversation stops growing at 20 000 distinct words, far below the
/// 1 MB a tsvector may hold.
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
pub(crate) use search_append;

/// What storing an inbound message answers: the conversation, then (none when the message was
/// stored before) its `seq`, and the conversation's team, assignee and status.
type InboundRow = (
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
pub(crate) const STORE_INBOUND_ACTIVE: &str = store_inbound!(find_active!());
pub(crate) const STORE_INBOUND_GIVEN: &str = store_inbound!(given!());

pub(crate) fn bind_inbound<'q>(
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
pub(crate) async fn find_or_open(
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
        bind_inbound(sqlx::query_as(STORE_INBOUND_ACTIVE), id, msg, channel)
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
                bind_inbound(sqlx::query_as(STORE_INBOUND_GIVEN), id, msg, channel)
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
