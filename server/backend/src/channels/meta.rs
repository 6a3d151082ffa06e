//! Messenger and Instagram (Messenger Platform).
//!
//! - Webhook events: <https://developers.facebook.com/docs/messenger-platform/webhooks> and
//!   <https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages>,
//!   `messaging_postbacks`, `message_deliveries`, `message_reads`; Instagram:
//!   <https://developers.facebook.com/docs/instagram-platform/webhooks>.
//! - Send API: <https://developers.facebook.com/docs/messenger-platform/reference/send-api/>
//!   (`POST /{version}/{page_id}/messages`), quick replies at
//!   <https://developers.facebook.com/docs/messenger-platform/send-messages/quick-replies>, the
//!   `HUMAN_AGENT` tag at
//!   <https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags>.

use super::{unix_millis_or_now, InboundMessage, MalformedPayload, ProviderEvent, Receipt};
use serde_json::{json, Value};
use shared::messaging::{ChannelKind, DeliveryStatus, MessageKind, Outbound, SendPolicy};

/// The `object` each kind's webhooks carry.
pub fn object_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Instagram => "instagram",
        _ => "page",
    }
}

fn malformed(what: &str) -> MalformedPayload {
    MalformedPayload(what.to_owned())
}

fn id_of(v: &Value, key: &str) -> Option<String> {
    let id = v.get(key)?.get("id")?;
    id.as_str()
        .map(str::to_owned)
        .or_else(|| id.as_i64().map(|n| n.to_string()))
}

/// Reads a Messenger (`object: page`) or Instagram (`object: instagram`) webhook body.
pub fn parse(kind: ChannelKind, payload: &Value) -> Result<Vec<ProviderEvent>, MalformedPayload> {
    if payload.get("object").and_then(Value::as_str) != Some(object_name(kind)) {
        return Err(malformed(&format!(
            "object deveria ser {}",
            object_name(kind)
        )));
    }
    let entries = payload
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("entry ausente"))?;
    let mut events = Vec::new();
    for entry in entries {
        let account = entry
            .get("id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .ok_or_else(|| malformed("entry[].id ausente"))?;
        let messaging = match entry.get("messaging") {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => return Err(malformed("messaging deveria ser uma lista")),
        };
        for event in messaging {
            parse_event(&account, event, &mut events)?;
        }
    }
    Ok(events)
}

fn parse_event(
    account: &str,
    event: &Value,
    events: &mut Vec<ProviderEvent>,
) -> Result<(), MalformedPayload> {
    let sender = id_of(event, "sender").ok_or_else(|| malformed("sender.id ausente"))?;
    let timestamp = unix_millis_or_now(event.get("timestamp"));
    if let Some(message) = event.get("message").filter(|m| m.is_object()) {
        // Our own sends (and the page's, from Meta's inbox) come back as echoes.
        if message.get("is_echo").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        let mid = message
            .get("mid")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("message.mid ausente"))?;
        let text = message
            .get("text")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let attachments = message
            .get("attachments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let (kind, content) = if let Some(qr) = message.get("quick_reply") {
            (
                MessageKind::InteractiveReply,
                json!({"reply": {"type": "quick_reply", "id": qr.get("payload"), "title": text}}),
            )
        } else if let Some(first) = attachments.first() {
            let kind = match first.get("type").and_then(Value::as_str) {
                Some("image") => MessageKind::Image,
                Some("audio") => MessageKind::Audio,
                Some("video") => MessageKind::Video,
                Some("file") => MessageKind::Document,
                Some("location") => MessageKind::Location,
                Some("sticker") => MessageKind::Sticker,
                _ => MessageKind::Unsupported,
            };
            (kind, json!({"attachments": attachments}))
        } else if text.is_some() {
            (MessageKind::Text, json!({}))
        } else {
            (MessageKind::Unsupported, json!({"message": message}))
        };
        let mut content = content;
        if let Some(reply_to) = message.get("reply_to") {
            content["context"] = reply_to.clone();
        }
        events.push(ProviderEvent::Message(InboundMessage {
            channel_external_id: account.to_owned(),
            contact_external_id: sender,
            profile_name: None,
            provider_message_id: mid.to_owned(),
            timestamp,
            kind,
            text,
            content,
        }));
    } else if let Some(postback) = event.get("postback").filter(|p| p.is_object()) {
        let title = postback.get("title").and_then(Value::as_str);
        // Postbacks carry a mid on current API versions; older ones don't, so derive one that
        // is the same on every redelivery.
        let mid = postback
            .get("mid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("postback:{sender}:{}", timestamp.timestamp_millis()));
        events.push(ProviderEvent::Message(InboundMessage {
            channel_external_id: account.to_owned(),
            contact_external_id: sender,
            profile_name: None,
            provider_message_id: mid,
            timestamp,
            kind: MessageKind::InteractiveReply,
            text: title.map(str::to_owned),
            content: json!({"reply": {"type": "postback", "id": postback.get("payload"), "title": title}}),
        }));
    } else if let Some(delivery) = event.get("delivery") {
        for mid in delivery
            .get("mids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            events.push(ProviderEvent::Receipt(Receipt {
                channel_external_id: account.to_owned(),
                provider_message_id: mid.to_owned(),
                status: DeliveryStatus::Delivered,
                timestamp,
                error_code: None,
                error_title: None,
                error_detail: None,
                recipient: None,
                callback: None,
            }));
        }
    } else if let Some(read) = event.get("read") {
        if let Some(mid) = read.get("mid").and_then(Value::as_str) {
            // Instagram names the message read.
            events.push(ProviderEvent::Receipt(Receipt {
                channel_external_id: account.to_owned(),
                provider_message_id: mid.to_owned(),
                status: DeliveryStatus::Read,
                timestamp,
                error_code: None,
                error_title: None,
                error_detail: None,
                recipient: None,
                callback: None,
            }));
        } else {
            events.push(ProviderEvent::ReadUpTo {
                channel_external_id: account.to_owned(),
                contact_external_id: sender,
                watermark: unix_millis_or_now(read.get("watermark")),
            });
        }
    }
    // Other events (reactions, referrals, optins) are not stored yet.
    Ok(())
}

fn quick_replies<'a>(options: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    json!(options
        .map(|(id, title)| json!({"content_type": "text", "title": title, "payload": id}))
        .collect::<Vec<_>>())
}

/// The body of a Send API call. Buttons and lists become quick replies; templates do not exist
/// on these channels (refused before this point).
pub fn send_body(recipient: &str, outbound: &Outbound, policy: SendPolicy) -> Value {
    let message = match outbound {
        Outbound::Text { text } | Outbound::Note { text } => json!({"text": text}),
        Outbound::Buttons { text, buttons, .. } => json!({
            "text": text,
            "quick_replies": quick_replies(buttons.iter().map(|b| (b.id.as_str(), b.title.as_str()))),
        }),
        Outbound::List { text, sections, .. } => json!({
            "text": text,
            "quick_replies": quick_replies(
                sections.iter().flat_map(|s| &s.rows).map(|r| (r.id.as_str(), r.title.as_str()))
            ),
        }),
        Outbound::Template { name, .. } => json!({"text": name}),
        Outbound::Media { media, .. } => json!({"attachment": {
            "type": match media.kind {
                MessageKind::Image => "image",
                MessageKind::Audio => "audio",
                MessageKind::Video => "video",
                _ => "file",
            },
            "payload": {"url": media.link, "is_reusable": false},
        }}),
    };
    match policy {
        SendPolicy::Standard => json!({
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",
            "message": message,
        }),
        SendPolicy::HumanAgentTag => json!({
            "recipient": {"id": recipient},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": message,
        }),
    }
}

/// The message id of a successful send.
pub fn sent_id(response: &Value) -> Option<String> {
    response
        .get("message_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::messaging::ReplyButton;

    #[test]
    fn text_quick_reply_postback_and_attachment_are_read() {
        let payload = json!({"object": "page", "entry": [{"id": "1234567890123", "time": 1, "messaging": [
            {"sender": {"id": "654"}, "recipient": {"id": "1234567890123"}, "timestamp": 1764000000000i64,
             "message": {"mid": "m_1", "text": "Oi"}},
            {"sender": {"id": "654"}, "recipient": {"id": "1234567890123"}, "timestamp": 1764000000001i64,
             "message": {"mid": "m_2", "text": "Segunda via", "quick_reply": {"payload": "SEGUNDA_VIA"}}},
            {"sender": {"id": "654"}, "recipient": {"id": "1234567890123"}, "timestamp": 1764000000002i64,
             "postback": {"mid": "m_3", "title": "Começar", "payload": "START"}},
            {"sender": {"id": "654"}, "recipient": {"id": "1234567890123"}, "timestamp": 1764000000003i64,
             "message": {"mid": "m_4", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]}},
            {"sender": {"id": "1234567890123"}, "recipient": {"id": "654"}, "timestamp": 1764000000004i64,
             "message": {"mid": "m_5", "text": "eco", "is_echo": true}}
        ]}]});
        let events = parse(ChannelKind::Messenger, &payload).unwrap();
        let kinds: Vec<_> = events
            .iter()
            .map(|e| match e {
                ProviderEvent::Message(m) => (m.provider_message_id.as_str(), m.kind),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("m_1", MessageKind::Text),
                ("m_2", MessageKind::InteractiveReply),
                ("m_3", MessageKind::InteractiveReply),
                ("m_4", MessageKind::Image)
            ]
        );
        assert!(parse(ChannelKind::Instagram, &payload).is_err());
    }

    #[test]
    fn sends_use_recipient_id_and_the_messaging_type() {
        let text = Outbound::Text {
            text: "Olá".into()
        };
        assert_eq!(
            send_body("654", &text, SendPolicy::Standard),
            json!({"recipient": {"id": "654"}, "messaging_type": "RESPONSE", "message": {"text": "Olá"}})
        );
        assert_eq!(
            send_body("654", &text, SendPolicy::HumanAgentTag),
            json!({"recipient": {"id": "654"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                "message": {"text": "Olá"}})
        );
        let buttons = Outbound::Buttons {
            text: "Escolha".into(),
            buttons: vec![ReplyButton {
                id: "A".into(),
                title: "Opção A".into(),
            }],
            header: None,
            footer: None,
        };
        assert_eq!(
            send_body("654", &buttons, SendPolicy::Standard)["message"],
            json!({"text": "Escolha", "quick_replies": [{"content_type": "text", "title": "Opção A", "payload": "A"}]})
        );
    }
}
