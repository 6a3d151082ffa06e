//! Channels, conversations and messages: the vocabulary every channel, the inbox, the bot and the
//! REST API share, the limits each provider documents, and the customer-service window rules.
//!
//! Everything here is pure, so the server and the browser apply the same rules (the composer
//! can say why a message cannot be sent before the server refuses it). This module holds the
//! vocabulary (channels, directions, authors, kinds, statuses, events); [`content`] what a
//! message carries, [`attachments`] which files a channel takes, [`limits`] each provider's
//! documented limits and the check of an outbound message, [`window`] the customer-service
//! window.

mod attachments;
mod content;
pub mod limits;
mod window;

pub use attachments::*;
pub use content::*;
pub use limits::OutboundError;
pub use window::*;

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $pg:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
        #[cfg_attr(feature = "ssr", sqlx(type_name = $pg, rename_all = "snake_case"))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code used in the database, the API and forms.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The pt-BR name shown in the UI.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

code_enum!(
    /// Where a conversation happens.
    ChannelKind, "channel_kind" {
        Whatsapp => "whatsapp", "WhatsApp";
        Messenger => "messenger", "Messenger";
        Instagram => "instagram", "Instagram";
        Webchat => "webchat", "Webchat";
    }
);

code_enum!(
    /// Where a conversation stands.
    ConversationStatus, "conversation_status" {
        Bot => "bot", "Com o robô";
        Waiting => "waiting", "Na fila";
        Open => "open", "Em atendimento";
        Resolved => "resolved", "Resolvida";
    }
);

code_enum!(
    /// Inbound: from the customer. Outbound: from the company (agent, bot or system).
    Direction, "message_direction" {
        Inbound => "inbound", "Recebida";
        Outbound => "outbound", "Enviada";
    }
);

code_enum!(
    /// Who wrote a message.
    Author, "message_author" {
        Customer => "customer", "Cliente";
        Agent => "agent", "Atendente";
        Bot => "bot", "Robô";
        System => "system", "Sistema";
    }
);

code_enum!(
    /// What a message carries.
    MessageKind, "message_kind" {
        Text => "text", "Texto";
        Interactive => "interactive", "Botões ou lista";
        InteractiveReply => "interactive_reply", "Resposta a botão ou lista";
        Image => "image", "Imagem";
        Audio => "audio", "Áudio";
        Video => "video", "Vídeo";
        Document => "document", "Documento";
        Sticker => "sticker", "Figurinha";
        Location => "location", "Localização";
        Contacts => "contacts", "Contatos";
        Reaction => "reaction", "Reação";
        Template => "template", "Modelo (HSM)";
        Note => "note", "Nota interna";
        Unsupported => "unsupported", "Não suportada";
    }
);

impl MessageKind {
    /// Kinds whose content is a media object fetched from the provider when opened.
    pub fn is_media(self) -> bool {
        matches!(
            self,
            MessageKind::Image
                | MessageKind::Audio
                | MessageKind::Video
                | MessageKind::Document
                | MessageKind::Sticker
        )
    }
}

code_enum!(
    /// Delivery of an outbound message, as the provider reports it.
    DeliveryStatus, "delivery_status" {
        Queued => "queued", "Na fila de envio";
        Sent => "sent", "Enviada";
        Delivered => "delivered", "Entregue";
        Read => "read", "Lida";
        Failed => "failed", "Falhou";
    }
);

impl DeliveryStatus {
    /// Statuses only move forward: receipts arrive in any order (`read` may come before or
    /// without `delivered`), and a late `sent` must not undo a `read`. `failed` is final.
    pub fn rank(self) -> i16 {
        match self {
            DeliveryStatus::Queued => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Failed => 4,
        }
    }

    pub fn advances_to(self, next: DeliveryStatus) -> bool {
        next.rank() > self.rank()
    }
}

code_enum!(
    /// What happened to a conversation; reports are computed from these.
    ConversationEventKind, "conversation_event_kind" {
        Created => "created", "Criada";
        Assigned => "assigned", "Atribuída";
        Transferred => "transferred", "Transferida";
        FirstResponse => "first_response", "Primeira resposta";
        Resolved => "resolved", "Resolvida";
        Reopened => "reopened", "Reaberta";
        Unassigned => "unassigned", "Devolvida à fila";
        StatusChanged => "status_changed", "Situação alterada";
        Moved => "moved", "Continuada em outro canal";
        Identified => "identified", "Cliente identificado";
    }
);

#[cfg(test)]
mod tests;
