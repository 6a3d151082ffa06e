//! The website chat: visitors on an allowed origin open a session (a token kept in their
//! browser), write messages that enter the same conversation store as every channel, and read
//! the company's replies. Private notes never reach them.

use crate::channels::{Channel, InboundMessage};
use crate::crypto::random_token;
use crate::db::{contacts, messages, webchat_visitors};
use crate::error::{AppError, Error};
use crate::messaging::{self, Stored};
use crate::state::AppState;
use shared::dto::MessageView;
use shared::messaging::{ChannelKind, MessageKind};
use shared::{ChannelId, ContactId, Email, PersonName};
use uuid::Uuid;

/// Why the chat refused a request. `message()` is shown to the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebchatError {
    /// No active webchat channel with this id.
    UnknownChannel,
    /// The page's origin is not on the channel's list.
    OriginNotAllowed,
    /// The visitor's token is unknown (cleared, or from another channel).
    InvalidVisitor,
    Invalid(&'static str),
    Internal,
}

impl WebchatError {
    pub fn status(&self) -> u16 {
        match self {
            WebchatError::UnknownChannel => 404,
            WebchatError::OriginNotAllowed => 403,
            WebchatError::InvalidVisitor => 401,
            WebchatError::Invalid(_) => 400,
            WebchatError::Internal => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebchatError::UnknownChannel => "channel_not_found",
            WebchatError::OriginNotAllowed => "origin_not_allowed",
            WebchatError::InvalidVisitor => "visitor_invalid",
            WebchatError::Invalid(_) => "invalid_value",
            WebchatError::Internal => "internal_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WebchatError::UnknownChannel => "Este chat não está disponível.".into(),
            WebchatError::OriginNotAllowed => {
                "Este site não está autorizado a usar este chat.".into()
            }
            WebchatError::InvalidVisitor => {
                "Sua sessão de chat expirou. Recarregue a página para começar outra.".into()
            }
            WebchatError::Invalid(m) => (*m).into(),
            WebchatError::Internal => {
                "Não foi possível concluir agora. Tente novamente em instantes.".into()
            }
        }
    }
}

impl From<AppError> for WebchatError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => WebchatError::UnknownChannel,
            _ => WebchatError::Internal,
        }
    }
}

impl From<Error> for WebchatError {
    /// Expected refusals keep their meaning; failures are logged here, at the webchat's edge.
    fn from(e: Error) -> Self {
        AppError::from(e).into()
    }
}

impl From<sqlx::Error> for WebchatError {
    fn from(e: sqlx::Error) -> Self {
        Error::from(e).into()
    }
}

/// The channel, if `origin` may use it.
pub async fn channel_for(
    state: &AppState,
    id: ChannelId,
    origin: Option<&str>,
) -> Result<Channel, WebchatError> {
    let channels = state
        .channels
        .all(&state.pool, &state.secrets)
        .await
        .map_err(|_| WebchatError::Internal)?;
    let channel = channels
        .iter()
        .find(|c| c.id == id && c.kind == ChannelKind::Webchat && c.active)
        .ok_or(WebchatError::UnknownChannel)?;
    let origin = origin
        .and_then(super::channels::normalise_origin)
        .ok_or(WebchatError::OriginNotAllowed)?;
    let own = super::channels::normalise_origin(&state.auth.public_origin);
    let allowed = channel.webchat().allowed_origins.contains(&origin) || own == Some(origin);
    if allowed {
        Ok(channel.clone())
    } else {
        Err(WebchatError::OriginNotAllowed)
    }
}

/// A new visitor: a contact, its webchat identity and the browser's token.
pub async fn create_visitor(
    state: &AppState,
    channel: &Channel,
) -> Result<(Uuid, String), WebchatError> {
    let visitor = Uuid::new_v4();
    let contact = ContactId(Uuid::new_v4());
    let token = random_token();
    let mut tx = state.pool.begin().await?;
    contacts::insert_for_sender(&mut *tx, contact, None, None).await?;
    contacts::insert_identity(&mut *tx, contact, channel.id, &visitor.to_string()).await?;
    webchat_visitors::insert(
        &mut *tx,
        visitor,
        channel.id,
        contact,
        &state.secrets.token_hash(&token),
    )
    .await?;
    tx.commit().await?;
    Ok((visitor, token))
}

/// A visitor of `channel`, by token.
#[derive(Debug, Clone, Copy)]
pub struct Visitor {
    pub id: Uuid,
    pub contact: ContactId,
}

pub async fn visitor(
    state: &AppState,
    channel: &Channel,
    token: &str,
) -> Result<Visitor, WebchatError> {
    if token.is_empty() || token.len() > 100 {
        return Err(WebchatError::InvalidVisitor);
    }
    let row = webchat_visitors::seen_by_token(
        &state.pool,
        &state.secrets.token_hash(token),
        channel.id,
        state.auth.webchat_idle.as_secs_f64(),
    )
    .await?;
    row.map(|(id, contact)| Visitor { id, contact })
        .ok_or(WebchatError::InvalidVisitor)
}

/// Stores a visitor's message. The same `client_id` (a retry after a network failure) returns
/// the message stored the first time.
pub async fn post(
    state: &AppState,
    channel: &Channel,
    visitor: Visitor,
    text: &str,
    client_id: &str,
    reply_id: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<MessageView, WebchatError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(WebchatError::Invalid("Escreva uma mensagem."));
    }
    if text.chars().count() > shared::messaging::limits::WEBCHAT_TEXT_CHARS {
        return Err(WebchatError::Invalid(
            "A mensagem pode ter no máximo 4096 caracteres.",
        ));
    }
    if client_id.is_empty()
        || client_id.len() > 64
        || !client_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(WebchatError::Invalid("Identificador da mensagem inválido."));
    }
    let provider_id = format!("webchat:{}:{client_id}", visitor.id);
    let (kind, content) = match reply_id {
        Some(id) if !id.is_empty() && id.len() <= 256 => (
            MessageKind::InteractiveReply,
            serde_json::json!({"reply": {"type": "button", "id": id, "title": text}}),
        ),
        _ => (MessageKind::Text, serde_json::json!({})),
    };
    let inbound = InboundMessage {
        channel_external_id: channel.id.to_string(),
        contact_external_id: visitor.id.to_string(),
        profile_name: None,
        provider_message_id: provider_id.clone(),
        timestamp: chrono::Utc::now(),
        kind,
        text: Some(text.to_owned()),
        content,
    };
    crate::cpf_guard::remember_client(state, channel.id, &inbound.contact_external_id, client)
        .await;
    let id = match messaging::record_inbound(state, channel, &inbound).await? {
        Stored::New { message, .. } => Some(message),
        Stored::Duplicate => None,
    };
    let view: Option<MessageView> = match id {
        Some(id) => messaging::message(&state.pool, id).await?,
        None => {
            let row = messages::find_by_provider_id(&state.pool, channel.id, &provider_id).await?;
            row.map(Into::into)
        }
    };
    view.ok_or(WebchatError::Internal)
}

/// The visitor's history on this channel after `after`, without private notes.
pub async fn history(
    state: &AppState,
    channel: &Channel,
    visitor: Visitor,
    after: i64,
) -> Result<Vec<MessageView>, WebchatError> {
    let rows = messages::visitor_history(&state.pool, visitor.contact, channel.id, after).await?;
    Ok(rows
        .into_iter()
        .map(|row| for_visitor(state, row.into()))
        .collect())
}

/// The widget reads a file's `url` and `filename` from the content: an agent's attachment gets
/// a signed link there (the visitor has no session).
fn for_visitor(state: &AppState, mut m: MessageView) -> MessageView {
    let id = m
        .content
        .pointer("/media/id")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse::<Uuid>().ok());
    if let (Some("media"), Some(id)) = (m.content.get("type").and_then(|t| t.as_str()), id) {
        let filename = m.content["media"]["filename"].clone();
        m.content["url"] = serde_json::json!(crate::attachments::signed_link(state, id));
        m.content["filename"] = filename;
    }
    m
}

/// Whether a conversation belongs to this visitor (to filter live events).
pub async fn owns_conversation(
    state: &AppState,
    visitor: Visitor,
    conversation: shared::ConversationId,
) -> Result<bool, WebchatError> {
    Ok(contacts::owns_conversation(&state.pool, visitor.contact, conversation).await?)
}

/// The visitor leaves a name and e-mail.
pub async fn update_profile(
    state: &AppState,
    visitor: Visitor,
    name: Option<&str>,
    email: Option<&str>,
) -> Result<(), WebchatError> {
    let name = match name.map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => Some(
            PersonName::parse(n).map_err(|_| WebchatError::Invalid("Informe um nome válido."))?,
        ),
        None => None,
    };
    let email = match email.map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => Some(Email::parse(e).map_err(|_| {
            WebchatError::Invalid("Informe um e-mail válido, como nome@empresa.com.br.")
        })?),
        None => None,
    };
    contacts::set_profile(
        &state.pool,
        visitor.contact,
        name.as_ref().map(PersonName::as_str),
        email.as_ref().map(Email::as_str),
    )
    .await?;
    Ok(())
}

/// How long a stream ticket stays good: enough to open the EventSource right after.
const TICKET_SECONDS: u64 = 60;

fn ticket_key(state: &AppState, ticket: &str) -> String {
    let hash: String = state
        .secrets
        .token_hash(ticket)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}:webchat-ticket:{hash}", state.auth.redis_namespace)
}

/// A one-time ticket for opening the live stream: an EventSource cannot send headers, and the
/// visitor's token must not travel in a URL (logs, proxies, the Referer). Good for one use,
/// within a minute.
pub async fn issue_stream_ticket(state: &AppState, token: &str) -> Result<String, Error> {
    use redis::AsyncCommands;
    let ticket = crate::crypto::random_token();
    let mut conn = state.redis.clone();
    let _: () = conn
        .set_ex(ticket_key(state, &ticket), token, TICKET_SECONDS)
        .await?;
    Ok(ticket)
}

/// The visitor token behind a ticket, using it up; `None` when unknown, used or expired.
pub async fn redeem_stream_ticket(state: &AppState, ticket: &str) -> Result<Option<String>, Error> {
    let mut conn = state.redis.clone();
    Ok(redis::cmd("GETDEL")
        .arg(ticket_key(state, ticket))
        .query_async(&mut conn)
        .await?)
}
