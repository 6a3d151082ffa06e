//! Sending: the one path every sender (the inbox, the REST API, the bot) goes through. It
//! checks the channel's limits and the customer-service window, resolves attachments to what was
//! stored, stores the message as queued (idempotent by client id), and wakes the outbox.

use crate::db::messages::{self, MessageRow, OutboundBatch, OutboundItem};
use crate::error::{AppError, Error};
use crate::live::LiveEvent;
use crate::outbox::{attempt, record_failure, record_sent, Due};
use crate::state::AppState;
use chrono::Utc;
use shared::dto::MessageView;
use shared::messaging::{
    window_check, Author, ChannelKind, ConversationStatus, DeliveryStatus, Outbound, SendPolicy,
};
use shared::{ConversationId, MessageId, UserId};
use uuid::Uuid;

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

/// The columns of [`ConversationForSend`], for a query over `conversations c` joined with
/// `channels ch`.
pub use crate::db::messages::ConversationForSend;

/// Checks the provider's limits and the customer-service window, then queues the message for
/// delivery (webchat and private notes need no provider and are final at once).
pub async fn send(state: &AppState, request: SendRequest) -> Result<MessageView, Error> {
    let conv = messages::for_send(&state.pool, request.conversation)
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
        Delivery::Outbox,
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
pub(crate) fn check_outbound(
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
pub(crate) struct Outgoing {
    pub(crate) id: MessageId,
    pub(crate) outbound: Outbound,
    pub(crate) client_id: Option<String>,
    pub(crate) human_agent_tag: bool,
}

/// Who delivers a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The outbox, as soon as it can.
    Outbox,
    /// The caller, at once: stored as the outbox's claim would leave it (the outbox retries it
    /// only if the caller never records an outcome).
    Claimed,
    /// Already sent by the caller (a campaign's sender): stored queued for the provider's id,
    /// never taken by the outbox.
    External,
}

/// Stores messages the company sends to one conversation, in order, in one statement (atomic
/// without a transaction): the messages, the conversation's summary and, for an agent's first
/// reply, the timeline event. `delivery`: who sends them (see [`Delivery`]). Returns the rows stored (a client id already used stores nothing),
/// as they are before delivery, and announces each to the live feed.
pub(crate) async fn store_outbound(
    state: &AppState,
    conv: &ConversationForSend,
    conversation: ConversationId,
    (author, author_user): (Author, Option<UserId>),
    items: &[Outgoing],
    delivery: Delivery,
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
    let claimed = delivery == Delivery::Claimed && queued;
    let queued = queued && delivery != Delivery::External;
    let bodies: Vec<Option<String>> = items.iter().map(|i| i.outbound.body()).collect();
    // Search finds what customers and agents wrote: the bot's menus, the same in every
    // conversation, would make every word of them match everything.
    let texts: Vec<&str> = match author {
        Author::Bot => Vec::new(),
        _ => bodies.iter().flatten().map(String::as_str).collect(),
    };
    let search_text = (!texts.is_empty()).then(|| texts.join("\n"));
    let contents = items
        .iter()
        .map(|i| serde_json::to_value(&i.outbound))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let stored: Vec<OutboundItem> = items
        .iter()
        .zip(bodies)
        .zip(contents)
        .map(|((i, body), content)| OutboundItem {
            id: i.id,
            kind: i.outbound.kind().code(),
            body,
            content,
            client_id: i.client_id.as_deref(),
            human_agent_tag: i.human_agent_tag,
        })
        .collect();
    let rows: Vec<MessageRow> = messages::insert_outbound(
        &state.pool,
        stored,
        OutboundBatch {
            conversation,
            channel: conv.channel_id,
            author,
            author_user,
            status,
            queued,
            claimed,
            by_agent: author == Author::Agent,
            preview: last.outbound.preview(),
            search_text,
            note: is_note,
        },
    )
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
    let rows = store_outbound(
        state,
        conv,
        conversation,
        (Author::Bot, None),
        &items,
        Delivery::Claimed,
    )
    .await?;
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

pub(crate) async fn existing_by_client_id(
    state: &AppState,
    conversation: ConversationId,
    client_id: &str,
) -> Result<Option<MessageView>, Error> {
    let row = messages::find_by_client_id(&state.pool, conversation, client_id).await?;
    Ok(row.map(Into::into))
}
