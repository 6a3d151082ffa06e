//! Storing what customers send: the contact and its channel identity are resolved, the
//! conversation found, reopened or opened, and the message stored with its search text, in as
//! few statements as the common case allows.
//!
//! Exactly-once storage rests on unique constraints, not on checks: a message is identified by
//! `(channel_id, provider_message_id)`, so a redelivered webhook (Meta retries until it gets a
//! 200) inserts nothing.
//!
//! The fast path (one statement for a message in an ongoing chat) and the slow path (resolve
//! the contact, open or reopen the conversation, then store) must agree on every column they
//! write: both statements are built from one macro in [`crate::db::messages`].

use crate::channels::{Channel, InboundMessage};
use crate::db::contacts;
use crate::db::conversations::{self, record_event};
use crate::db::messages::{self, Inbound, InboundRow};
use crate::error::{AppError, Error};
use crate::live::LiveEvent;
use crate::state::AppState;
use chrono::Utc;
use shared::inbox::InboxSettings;
use shared::messaging::{Author, ChannelKind, ConversationEventKind, ConversationStatus};
use shared::sent_template::QuickReplyAction;
use shared::{ContactId, ConversationId, MessageId, Phone};
use sqlx::PgConnection;
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
    let known = contacts::identity_with_active(&mut *tx, channel.id, external_id).await?;
    if let Some((contact, active)) = known {
        return Ok(Sender::Known { contact, active });
    }
    let phone = match channel.kind {
        ChannelKind::Whatsapp => Phone::from_wa_id(external_id).ok(),
        _ => None,
    };
    let existing: Option<ContactId> = match &phone {
        Some(p) => contacts::find_by_phone(&mut *tx, p.as_str()).await?,
        None => None,
    };
    let contact = match existing {
        Some(c) => c,
        None => {
            let id = ContactId(Uuid::new_v4());
            contacts::insert_for_sender(
                &mut *tx,
                id,
                profile_name,
                phone.as_ref().map(Phone::as_str),
            )
            .await?;
            id
        }
    };
    if contacts::add_identity(&mut *tx, contact, channel.id, external_id).await? {
        return Ok(Sender::New {
            contact,
            fresh: existing.is_none(),
        });
    }
    // Another delivery created the identity first: use its contact, drop ours if we made one.
    if existing.is_none() {
        contacts::delete(&mut *tx, contact).await?;
    }
    let contact = contacts::identity_owner(&mut *tx, channel.id, external_id).await?;
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
    contacts::locked_active_conversation(&mut *tx, contact, channel.id).await
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
    let reopened = conversations::reopen_for_customer(
        tx,
        contact,
        channel.id,
        reopen_within,
        channel.bot_flow.is_some(),
    )
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
    let status = if channel.bot_flow.is_some() {
        ConversationStatus::Bot
    } else {
        ConversationStatus::Waiting
    };
    let event = conversations::open_for_customer(
        tx,
        id,
        contact,
        channel.id,
        channel.default_team_id,
        status,
    )
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

/// A customer's message as the messages repository stores it: its time never later than now,
/// its preview the text or, without one, what kind of message it is.
fn inbound<'a>(id: MessageId, msg: &'a InboundMessage, channel: &Channel) -> Inbound<'a> {
    Inbound {
        id,
        channel: channel.id,
        kind: msg.kind,
        text: msg.text.as_deref(),
        content: &msg.content,
        provider_message_id: &msg.provider_message_id,
        at: msg.timestamp.min(Utc::now()),
        preview: msg.text.as_deref().unwrap_or(msg.kind.label()),
    }
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

/// Stores a customer's message once, in the contact's active conversation on the channel.
pub async fn record_inbound(
    state: &AppState,
    channel: &Channel,
    msg: &InboundMessage,
) -> Result<Stored, Error> {
    // A message in an ongoing chat: one statement finds the conversation through the
    // identity, locks it, stores the message and grows the conversation's summary.
    let id = MessageId(Uuid::new_v4());
    let quick: Option<InboundRow> = messages::insert_inbound_active(
        &state.pool,
        &inbound(id, msg, channel),
        &msg.contact_external_id,
        msg.profile_name.as_deref(),
    )
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
            let row =
                messages::insert_inbound_into(&mut **tx, &inbound(id, msg, channel), conversation)
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
                    waiting: status == ConversationStatus::Waiting,
                },
            )
            .await;
        if status == ConversationStatus::Waiting {
            state.wakers.distribute_soon();
        }
    }
    // A template's opt-out button, "PARAR" and its kin opt out at once, and the bot leaves
    // that message alone.
    let tapped = msg
        .content
        .pointer("/reply/id")
        .and_then(serde_json::Value::as_str)
        .and_then(QuickReplyAction::from_payload);
    let opted_out = match (tapped, msg.text.as_deref()) {
        (Some(QuickReplyAction::OptOut), title) => {
            let title = title.unwrap_or_default();
            crate::campaigns::consent::on_button(state, channel.id, conversation, title).await?
        }
        (_, Some(text)) if text.chars().count() <= 40 => {
            crate::campaigns::consent::on_reply(state, channel.id, conversation, text).await?
        }
        _ => false,
    };
    if status == ConversationStatus::Bot && !opted_out {
        state.wakers.wake_bot(conversation);
    }
    Ok(Stored::New {
        message: id,
        conversation,
        seq,
    })
}
