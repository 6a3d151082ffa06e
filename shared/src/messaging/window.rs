//! The customer-service window: when a channel lets a message go out, and how.

use super::*;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Duration, Utc};

/// How a message may go out, given the customer-service window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendPolicy {
    /// Inside the window (or a channel without one): a normal reply.
    Standard,
    /// Messenger/Instagram between 24 hours and 7 days: an agent's reply with the `HUMAN_AGENT`
    /// tag.
    HumanAgentTag,
}

/// Why the window forbids a message. `message()` is pt-BR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum WindowError {
    /// WhatsApp, more than 24 hours since the customer's last message (or never).
    #[error("WhatsApp window closed")]
    WhatsappClosed,
    /// Messenger/Instagram, 24 hours to 7 days, and not an agent writing.
    #[error("standard messaging window closed")]
    MetaStandardClosed,
    /// Messenger/Instagram, more than 7 days.
    #[error("human agent window closed")]
    MetaHumanAgentClosed,
}

impl WindowError {
    pub fn message(&self) -> &'static str {
        match self {
            WindowError::WhatsappClosed => {
                "A janela de 24 horas do WhatsApp está fechada: o cliente não escreve há mais \
                 de 24 horas. Envie um modelo (HSM) aprovado para retomar a conversa."
            }
            WindowError::MetaStandardClosed => {
                "Passaram-se mais de 24 horas desde a última mensagem do cliente: só um \
                 atendente pode responder (até 7 dias), e mensagens automáticas não são \
                 permitidas."
            }
            WindowError::MetaHumanAgentClosed => {
                "Passaram-se mais de 7 dias desde a última mensagem do cliente: a Meta não \
                 permite mais respostas nesta conversa até o cliente escrever de novo."
            }
        }
    }
}

pub const WHATSAPP_WINDOW: Duration = Duration::hours(24);
pub const META_STANDARD_WINDOW: Duration = Duration::hours(24);
pub const META_HUMAN_AGENT_WINDOW: Duration = Duration::days(7);

/// The window rules: WhatsApp allows free-form messages for 24 hours after the customer's last
/// message and templates at any time; Messenger and Instagram allow standard replies for 24
/// hours and an agent's reply tagged `HUMAN_AGENT` up to 7 days; webchat has no window.
/// Private notes are never sent, so no window applies.
pub fn window_check(
    channel: ChannelKind,
    outbound: &Outbound,
    author: Author,
    last_customer_message_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<SendPolicy, WindowError> {
    if matches!(outbound, Outbound::Note { .. }) {
        return Ok(SendPolicy::Standard);
    }
    let since = last_customer_message_at.map(|at| now - at);
    match channel {
        ChannelKind::Webchat => Ok(SendPolicy::Standard),
        ChannelKind::Whatsapp => match (outbound, since) {
            (Outbound::Template { .. }, _) => Ok(SendPolicy::Standard),
            (_, Some(age)) if age <= WHATSAPP_WINDOW => Ok(SendPolicy::Standard),
            _ => Err(WindowError::WhatsappClosed),
        },
        ChannelKind::Messenger | ChannelKind::Instagram => match since {
            Some(age) if age <= META_STANDARD_WINDOW => Ok(SendPolicy::Standard),
            Some(age) if age <= META_HUMAN_AGENT_WINDOW => {
                if author == Author::Agent {
                    Ok(SendPolicy::HumanAgentTag)
                } else {
                    Err(WindowError::MetaStandardClosed)
                }
            }
            _ => Err(WindowError::MetaHumanAgentClosed),
        },
    }
}
