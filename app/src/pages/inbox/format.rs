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

/// "agora", "5 min", "2 h", "3 d".
pub fn elapsed(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        0..=59 => "agora".into(),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

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
