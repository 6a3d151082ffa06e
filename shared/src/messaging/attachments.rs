//! Which files each channel takes, and how a file's type is read.

use super::*;

/// A MIME type without parameters, in lower case: `Application/PDF; name=x` → `application/pdf`.
pub fn mime_essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a file of this kind carries a caption on this channel: WhatsApp captions images,
/// videos and documents; Messenger and Instagram attachments carry no text at all.
pub fn takes_caption(channel: ChannelKind, kind: MessageKind) -> bool {
    channel == ChannelKind::Webchat
        || (channel == ChannelKind::Whatsapp && kind != MessageKind::Audio)
}

/// What a channel accepts as an attachment, from the providers' documentation (WhatsApp Cloud
/// API "Supported media types", Messenger/Instagram Send API attachment limits).
pub fn attachment_kind(
    channel: ChannelKind,
    mime: &str,
    size: u64,
) -> Result<MessageKind, OutboundError> {
    const MB: u64 = 1024 * 1024;
    let mime = mime_essence(mime);
    let office = [
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ];
    let (kind, max) = match channel {
        ChannelKind::Whatsapp => match mime.as_str() {
            "image/jpeg" | "image/png" => (MessageKind::Image, 5 * MB),
            "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" => {
                (MessageKind::Audio, 16 * MB)
            }
            "video/mp4" | "video/3gpp" => (MessageKind::Video, 16 * MB),
            m if office.contains(&m) => (MessageKind::Document, 100 * MB),
            _ => return Err(OutboundError::AttachmentType { channel }),
        },
        ChannelKind::Messenger | ChannelKind::Instagram => match mime.as_str() {
            "image/jpeg" | "image/png" | "image/gif" => (MessageKind::Image, 8 * MB),
            "audio/aac" | "audio/mpeg" | "audio/mp4" | "audio/wav" | "audio/ogg" => {
                (MessageKind::Audio, 25 * MB)
            }
            "video/mp4" | "video/quicktime" | "video/webm" => (MessageKind::Video, 25 * MB),
            m if channel == ChannelKind::Messenger && office.contains(&m) => {
                (MessageKind::Document, 25 * MB)
            }
            _ => return Err(OutboundError::AttachmentType { channel }),
        },
        ChannelKind::Webchat => match mime.as_str() {
            "image/jpeg" | "image/png" | "image/gif" | "image/webp" => {
                (MessageKind::Image, 10 * MB)
            }
            "audio/mpeg" | "audio/mp4" | "audio/ogg" | "audio/wav" => (MessageKind::Audio, 25 * MB),
            "video/mp4" | "video/webm" => (MessageKind::Video, 25 * MB),
            m if office.contains(&m) => (MessageKind::Document, 25 * MB),
            _ => return Err(OutboundError::AttachmentType { channel }),
        },
    };
    if size == 0 {
        return Err(OutboundError::AttachmentEmpty);
    }
    if size > max {
        return Err(OutboundError::AttachmentTooLarge { max_mb: max / MB });
    }
    Ok(kind)
}
