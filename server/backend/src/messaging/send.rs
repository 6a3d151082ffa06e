//! Sending: the one path every sender (the inbox, the REST API, the bot) goes through. It
//! checks the channel's limits and the customer-service window, resolves attachments to what was
//! stored, stores the message as queued (idempotent by client id), and wakes the outbox.

use crate::error::{AppError, Error};
use crate::live::LiveEvent;
use crate::messaging::inbound::search_append;
use crate::messaging::read::MessageRow;
use crate::outbox::{attempt, record_failure, record_sent, Due};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::dto::MessageView;
use shared::messaging::{
    window_check, Author, ChannelKind, ConversationStatus, DeliveryStatus, Outbound, SendPolicy,
};
use shared::{ChannelId, ConversationId, MessageId, TeamId, UserId};
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
macro_rules! conversation_for_send {
    () => {
        "c.status, c.team_id, c.assignee_id, c.channel_id, \
    ch.kind, c.last_customer_message_at, \
    (select ci.external_id from contact_identities ci \
     where ci.contact_id = c.contact_id and ci.channel_id = c.channel_id \
     order by ci.created_at limit 1) as recipient"
    };
}
pub(crate) use conversation_for_send;

/// Checks the provider's limits and the customer-service window, then queues the message for
/// delivery (webchat and private notes need no provider and are final at once).
pub async fn send(state: &AppState, request: SendRequest) -> Result<MessageView, Error> {
    let conv: ConversationForSend = sqlx::query_as(concat!(
        "select ",
        conversation_for_send!(),
        "
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
    id: MessageId,
    outbound: Outbound,
    client_id: Option<String>,
    human_agent_tag: bool,
}

/// [`store_outbound`]'s statement: the messages ($1–$6 per message, in order), their
/// conversation ($7) and channel ($8), author ($9, $10), status ($11), queued ($12), claimed
/// ($13), agent ($14), preview ($15), searchable text ($16), note ($17).
pub(crate) const STORE_OUTBOUND: &str = concat!(
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
                 search_tsv = ", search_append!("c.search_tsv", 16), "
             from conversations old
             where c.id = $7 and old.id = c.id and not $17 and exists (select 1 from m)
             returning ($14 and old.first_response_at is null) as first),
         e as (
             insert into conversation_events (conversation_id, kind, actor, actor_user_id, details)
             select $7, 'first_response'::conversation_event_kind, 'agent'::message_author, $10,
                 jsonb_build_object('message_id', (select id from m order by seq limit 1))
             from c where c.first)
         select ", crate::messaging::read::message_columns!(), " from m join channels ch on ch.id = m.channel_id order by m.seq"
);

/// Stores messages the company sends to one conversation, in order, in one statement (atomic
/// without a transaction): the messages, the conversation's summary and, for an agent's first
/// reply, the timeline event. `claimed`: stored as the outbox's claim would leave them, for
/// the caller to deliver. Returns the rows stored (a client id already used stores nothing),
/// as they are before delivery, and announces each to the live feed.
pub(crate) async fn store_outbound(
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
    let rows: Vec<MessageRow> = sqlx::query_as(STORE_OUTBOUND)
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

pub(crate) async fn existing_by_client_id(
    state: &AppState,
    conversation: ConversationId,
    client_id: &str,
) -> Result<Option<MessageView>, Error> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "select ",
        crate::messaging::read::message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.client_id = $2"
    ))
    .bind(conversation)
    .bind(client_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(Into::into))
}
