//! How the inbox writes channels, statuses and times.

use chrono::{DateTime, Local, Utc};
use shared::messaging::{ChannelKind, ConversationStatus};

/// The channel's badge class and label.
pub fn channel_badge(kind: ChannelKind) -> (&'static str, &'static str) {
    let class = match kind {
        ChannelKind::Whatsapp => "selo-whatsapp",
        ChannelKind::Messenger => "selo-messenger",
        ChannelKind::Instagram => "selo-instagram",
        ChannelKind::Webchat => "selo-webchat",
    };
    (class, kind.label())
}

pub use shared::inbox::elapsed;

pub fn status_class(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Bot => "etiqueta-neutra",
        ConversationStatus::Waiting => "etiqueta-aviso",
        ConversationStatus::Open => "etiqueta-ok",
        ConversationStatus::Resolved => "etiqueta-neutra",
    }
}

/// "25/11 14:03", in the browser's time zone.
pub fn hhmm(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}
