//! WhatsApp Cloud API.
//!
//! - Webhooks: <https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components>
//!   and the payload examples at
//!   <https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples>.
//! - Sending: <https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages>
//!   (`POST /{version}/{phone_number_id}/messages`), interactive messages at
//!   <https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-reply-buttons-messages>
//!   and <https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-list-messages>,
//!   templates at <https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates>,
//!   read receipts at <https://developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read>.
//! - Media: <https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#retrieve-media-url>.
//!
//! docs/meta-protocol.md records the payload shapes this module relies on.

use super::{
    unix_seconds, InboundMessage, MalformedPayload, ProviderError, ProviderEvent, Receipt,
};
use serde_json::{json, Value};
use shared::messaging::{DeliveryStatus, MessageKind, Outbound};

fn malformed(what: &str) -> MalformedPayload {
    MalformedPayload(what.to_owned())
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn required<'a>(v: &'a Value, key: &str, context: &str) -> Result<&'a str, MalformedPayload> {
    str_field(v, key).ok_or_else(|| malformed(&format!("{context}.{key} ausente")))
}

fn array<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], MalformedPayload> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(malformed(&format!("{key} deveria ser uma lista"))),
    }
}

fn error_fields(e: &Value) -> (Option<i32>, Option<String>, Option<String>, Option<String>) {
    let code = e.get("code").and_then(Value::as_i64).map(|c| c as i32);
    let title = str_field(e, "title").map(str::to_owned);
    let message = str_field(e, "message").map(str::to_owned);
    let details = e
        .get("error_data")
        .and_then(|d| str_field(d, "details"))
        .map(str::to_owned);
    (code, title, message, details)
}

/// Reads a webhook body into events. Fails on anything that is not a WhatsApp Business Account
/// notification or lacks a field every notification carries.
pub fn parse(payload: &Value) -> Result<Vec<ProviderEvent>, MalformedPayload> {
    if str_field(payload, "object") != Some("whatsapp_business_account") {
        return Err(malformed("object deveria ser whatsapp_business_account"));
    }
    if !payload.get("entry").is_some_and(Value::is_array) {
        return Err(malformed("entry ausente"));
    }
    let mut events = Vec::new();
    for entry in array(payload, "entry")? {
        for change in array(entry, "changes")? {
            let value = change
                .get("value")
                .filter(|v| v.is_object())
                .ok_or_else(|| malformed("changes[].value ausente"))?;
            match str_field(change, "field") {
                None | Some("messages") => parse_value(value, &mut events)?,
                Some(field) => {
                    let waba = str_field(entry, "id").unwrap_or_default();
                    if let Some(t) = parse_template(field, waba, value) {
                        events.push(ProviderEvent::Template(t));
                    }
                    if let Some(limit) = parse_messaging_limit(field, value) {
                        events.push(ProviderEvent::MessagingLimit {
                            business_account_id: waba.to_owned(),
                            limit,
                        });
                    }
                    // Other fields (account updates…) are not conversations.
                }
            }
        }
    }
    Ok(events)
}

/// The portfolio's messaging limit from `business_capability_update` (a number) or
/// `phone_number_quality_update` (a string): `max_daily_conversations_per_business`, −1 for
/// unlimited (0 in the settings). `messaging_limit_tier` and `current_limit` are deprecated.
fn parse_messaging_limit(field: &str, value: &Value) -> Option<i64> {
    if !matches!(
        field,
        "business_capability_update" | "phone_number_quality_update"
    ) {
        return None;
    }
    let limit = match value.get("max_daily_conversations_per_business")? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    match limit {
        -1 => Some(0),
        n if n > 0 => Some(n),
        _ => None,
    }
}

/// A template webhook (`message_template_status_update`, `message_template_quality_update`,
/// `template_category_update`). Meta writes the id as a number and the language with a hyphen
/// here, a string and an underscore in REST: both are read in REST's form.
fn parse_template(field: &str, waba: &str, value: &Value) -> Option<super::TemplateEvent> {
    use super::TemplateChange;
    let meta_id = match value.get("message_template_id")? {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    let name = str_field(value, "message_template_name")?.to_owned();
    let language = str_field(value, "message_template_language")
        .unwrap_or_default()
        .replace('-', "_");
    let change = match field {
        "message_template_status_update" => {
            let event = str_field(value, "event")?;
            match event {
                "FLAGGED" | "LOCKED" | "UNLOCKED" | "REINSTATED" | "UNARCHIVED" => {
                    TemplateChange::Refetch
                }
                status => {
                    let code = str_field(value, "reason")
                        .filter(|r| *r != "NONE")
                        .or_else(|| value.pointer("/other_info/title").and_then(Value::as_str));
                    let detail = value
                        .pointer("/rejection_info/reason")
                        .or_else(|| value.pointer("/other_info/description"))
                        .and_then(Value::as_str);
                    let reason = match (code, detail) {
                        (Some(c), Some(d)) => Some(format!("{c}: {d}")),
                        (Some(c), None) => Some(c.to_owned()),
                        (None, Some(d)) => Some(format!("NONE: {d}")),
                        (None, None) => None,
                    };
                    TemplateChange::Status {
                        status: status.to_owned(),
                        reason,
                    }
                }
            }
        }
        "message_template_quality_update" => {
            TemplateChange::Quality(str_field(value, "new_quality_score")?.to_owned())
        }
        // An impending change names `correct_category`; only a completed one (with the
        // previous category) changes what the template is.
        "template_category_update" if value.get("previous_category").is_some() => {
            TemplateChange::Category(str_field(value, "new_category")?.to_owned())
        }
        _ => return None,
    };
    Some(super::TemplateEvent {
        business_account_id: waba.to_owned(),
        meta_id,
        name,
        language,
        change,
    })
}

fn parse_value(value: &Value, events: &mut Vec<ProviderEvent>) -> Result<(), MalformedPayload> {
    let messages = array(value, "messages")?;
    let statuses = array(value, "statuses")?;
    let errors = array(value, "errors")?;
    if messages.is_empty() && statuses.is_empty() && errors.is_empty() {
        return Ok(());
    }
    let phone_number_id = value
        .get("metadata")
        .and_then(|m| str_field(m, "phone_number_id"))
        .ok_or_else(|| malformed("metadata.phone_number_id ausente"))?;
    let profiles = array(value, "contacts")?;
    for m in messages {
        events.push(ProviderEvent::Message(parse_message(
            phone_number_id,
            profiles,
            m,
        )?));
    }
    for s in statuses {
        let status = match required(s, "status", "statuses[]")? {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" | "played" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            // "deleted" and future values: nothing to record.
            _ => continue,
        };
        let first_error = array(s, "errors")?.first().map(error_fields);
        let (code, title, message, details) = first_error.unwrap_or_default();
        events.push(ProviderEvent::Receipt(Receipt {
            channel_external_id: phone_number_id.to_owned(),
            provider_message_id: required(s, "id", "statuses[]")?.to_owned(),
            status,
            timestamp: unix_seconds(s.get("timestamp")).unwrap_or_else(chrono::Utc::now),
            error_code: code,
            error_title: title.or(message),
            error_detail: details,
            recipient: s
                .get("recipient_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            callback: s
                .get("biz_opaque_callback_data")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }));
    }
    for e in errors {
        let (code, title, message, details) = error_fields(e);
        events.push(ProviderEvent::Error(ProviderError {
            channel_external_id: phone_number_id.to_owned(),
            code,
            title,
            message,
            details,
        }));
    }
    Ok(())
}

fn parse_message(
    phone_number_id: &str,
    profiles: &[Value],
    m: &Value,
) -> Result<InboundMessage, MalformedPayload> {
    let from = required(m, "from", "messages[]")?;
    let id = required(m, "id", "messages[]")?;
    let kind_code = required(m, "type", "messages[]")?;
    let profile_name = profiles
        .iter()
        .find(|c| str_field(c, "wa_id") == Some(from))
        .or(profiles.first())
        .and_then(|c| c.get("profile"))
        .and_then(|p| str_field(p, "name"))
        .map(str::to_owned);
    let body = m.get(kind_code).cloned().unwrap_or(Value::Null);
    let (kind, text, mut content) = match kind_code {
        "text" => (
            MessageKind::Text,
            str_field(&body, "body").map(str::to_owned),
            json!({}),
        ),
        "interactive" => {
            let reply_type = str_field(&body, "type").unwrap_or_default();
            let reply = body.get(reply_type).cloned().unwrap_or(Value::Null);
            let title = str_field(&reply, "title").map(str::to_owned);
            (
                MessageKind::InteractiveReply,
                title,
                json!({"reply": {
                    "type": reply_type,
                    "id": reply.get("id"),
                    "title": reply.get("title"),
                    "description": reply.get("description"),
                }}),
            )
        }
        // A template's quick-reply button.
        "button" => (
            MessageKind::InteractiveReply,
            str_field(&body, "text").map(str::to_owned),
            json!({"reply": {"type": "button", "id": body.get("payload"), "title": body.get("text")}}),
        ),
        "image" | "audio" | "video" | "document" | "sticker" => {
            if str_field(&body, "id").is_none() {
                return Err(malformed("mídia sem id"));
            }
            let kind = match kind_code {
                "image" => MessageKind::Image,
                "audio" => MessageKind::Audio,
                "video" => MessageKind::Video,
                "document" => MessageKind::Document,
                _ => MessageKind::Sticker,
            };
            (
                kind,
                str_field(&body, "caption").map(str::to_owned),
                json!({"media": body}),
            )
        }
        "location" => {
            let label = [str_field(&body, "name"), str_field(&body, "address")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" — ");
            (
                MessageKind::Location,
                Some(if label.is_empty() {
                    "Localização compartilhada".to_owned()
                } else {
                    label
                }),
                json!({"location": body}),
            )
        }
        "contacts" => {
            let names: Vec<&str> = body
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.get("name").and_then(|n| str_field(n, "formatted_name")))
                        .collect()
                })
                .unwrap_or_default();
            (
                MessageKind::Contacts,
                Some(format!("Contato compartilhado: {}", names.join(", "))),
                json!({"contacts": body}),
            )
        }
        "reaction" => (
            MessageKind::Reaction,
            str_field(&body, "emoji").map(str::to_owned),
            json!({"reaction": body}),
        ),
        other => (
            MessageKind::Unsupported,
            None,
            json!({"type": other, "errors": m.get("errors")}),
        ),
    };
    if let Some(context) = m.get("context").filter(|c| c.is_object()) {
        content["context"] = context.clone();
    }
    Ok(InboundMessage {
        channel_external_id: phone_number_id.to_owned(),
        contact_external_id: from.to_owned(),
        profile_name,
        provider_message_id: id.to_owned(),
        timestamp: unix_seconds(m.get("timestamp")).unwrap_or_else(chrono::Utc::now),
        kind,
        text,
        content,
    })
}

fn text_object(text: &Option<String>) -> Option<Value> {
    text.as_ref().map(|t| json!({"text": t}))
}

/// The body of `POST /{version}/{phone_number_id}/messages` for one outbound message.
pub fn send_body(to: &str, outbound: &Outbound) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    });
    match outbound {
        Outbound::Text { text } | Outbound::Note { text } => {
            body["type"] = json!("text");
            body["text"] = json!({"preview_url": false, "body": text});
        }
        Outbound::Buttons {
            text,
            buttons,
            header,
            footer,
        } => {
            let mut interactive = json!({
                "type": "button",
                "body": {"text": text},
                "action": {"buttons": buttons.iter().map(|b| json!({
                    "type": "reply",
                    "reply": {"id": b.id, "title": b.title},
                })).collect::<Vec<_>>()},
            });
            if let Some(h) = header {
                interactive["header"] = json!({"type": "text", "text": h});
            }
            if let Some(f) = text_object(footer) {
                interactive["footer"] = f;
            }
            body["type"] = json!("interactive");
            body["interactive"] = interactive;
        }
        Outbound::List {
            text,
            button,
            sections,
            header,
            footer,
        } => {
            let mut interactive = json!({
                "type": "list",
                "body": {"text": text},
                "action": {"button": button, "sections": sections},
            });
            if let Some(h) = header {
                interactive["header"] = json!({"type": "text", "text": h});
            }
            if let Some(f) = text_object(footer) {
                interactive["footer"] = f;
            }
            body["type"] = json!("interactive");
            body["interactive"] = interactive;
        }
        Outbound::Template {
            name,
            language,
            components,
            ..
        } => {
            let mut template = json!({"name": name, "language": {"code": language}});
            if !components.is_empty() {
                template["components"] = json!(components);
            }
            body["type"] = json!("template");
            body["template"] = template;
        }
        Outbound::Media { media, caption } => {
            let kind = match media.kind {
                MessageKind::Image => "image",
                MessageKind::Audio => "audio",
                MessageKind::Video => "video",
                _ => "document",
            };
            let mut object = json!({"link": media.link});
            if let Some(c) = caption {
                object["caption"] = json!(c);
            }
            if kind == "document" {
                object["filename"] = json!(media.filename);
            }
            body["type"] = json!(kind);
            body[kind] = object;
        }
    }
    body
}

/// The body that marks a received message as read (blue ticks).
pub fn read_body(message_id: &str) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})
}

/// The WhatsApp message id (`wamid…`) of a successful send.
pub fn sent_id(response: &Value) -> Option<String> {
    response
        .get("messages")?
        .get(0)?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::messaging::{ListRow, ListSection, ReplyButton};

    #[test]
    fn metas_messaging_limit_is_read_from_its_two_webhooks() {
        let change = |field: &str, value: Value| {
            json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
                "changes": [{"field": field, "value": value}]}]})
        };
        let limit = |payload: Value| match parse(&payload).unwrap().as_slice() {
            [ProviderEvent::MessagingLimit {
                business_account_id,
                limit,
            }] => {
                assert_eq!(business_account_id, "102290129340398");
                Some(*limit)
            }
            [] => None,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            limit(change(
                "business_capability_update",
                json!({"max_daily_conversation_per_phone": 2000,
                    "max_daily_conversations_per_business": 10000})
            )),
            Some(10000)
        );
        assert_eq!(
            limit(change(
                "phone_number_quality_update",
                json!({"event": "UPGRADE", "current_limit": "TIER_UNLIMITED",
                    "max_daily_conversations_per_business": "-1"})
            )),
            Some(0)
        );
        // A throughput change without the portfolio's limit, or nonsense, is not a limit.
        assert_eq!(
            limit(change(
                "phone_number_quality_update",
                json!({"event": "THROUGHPUT_UPGRADE", "current_limit": "TIER_1K"})
            )),
            None
        );
        assert_eq!(
            limit(change(
                "business_capability_update",
                json!({"max_daily_conversations_per_business": "muitos"})
            )),
            None
        );
    }

    fn envelope(value: Value) -> Value {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
            "changes": [{"field": "messages", "value": value}]}]})
    }

    #[test]
    fn a_text_message_is_read_with_the_profile_name() {
        let payload = envelope(json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Ana Cliente"}, "wa_id": "5511987654321"}],
            "messages": [{"from": "5511987654321", "id": "wamid.A", "timestamp": "1764000000",
                "type": "text", "text": {"body": "<b>Oi</b>"}}]
        }));
        let events = parse(&payload).unwrap();
        let ProviderEvent::Message(m) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(m.channel_external_id, "106540352242922");
        assert_eq!(m.contact_external_id, "5511987654321");
        assert_eq!(m.profile_name.as_deref(), Some("Ana Cliente"));
        assert_eq!(m.text.as_deref(), Some("<b>Oi</b>"));
        assert_eq!(m.timestamp.timestamp(), 1764000000);
    }

    #[test]
    fn replies_to_buttons_lists_and_templates_are_interactive_replies() {
        let payload = envelope(json!({
            "metadata": {"phone_number_id": "1"},
            "messages": [
                {"from": "55", "id": "a", "timestamp": "1", "type": "interactive",
                 "interactive": {"type": "button_reply", "button_reply": {"id": "segunda_via", "title": "Segunda via"}}},
                {"from": "55", "id": "b", "timestamp": "1", "type": "interactive",
                 "interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Fatura", "description": "Março"}}},
                {"from": "55", "id": "c", "timestamp": "1", "type": "button",
                 "button": {"payload": "SIM", "text": "Sim"}}
            ]
        }));
        let titles: Vec<_> = parse(&payload)
            .unwrap()
            .into_iter()
            .map(|e| match e {
                ProviderEvent::Message(m) => {
                    assert_eq!(m.kind, MessageKind::InteractiveReply);
                    (
                        m.text.unwrap(),
                        m.content["reply"]["id"].as_str().unwrap().to_owned(),
                    )
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            titles,
            [
                ("Segunda via".to_owned(), "segunda_via".to_owned()),
                ("Fatura".into(), "r1".into()),
                ("Sim".into(), "SIM".into())
            ]
        );
    }

    #[test]
    fn statuses_keep_the_failure_code_and_title() {
        let payload = envelope(json!({
            "metadata": {"phone_number_id": "1"},
            "statuses": [{"id": "wamid.X", "status": "failed", "timestamp": "5", "recipient_id": "55",
                "errors": [{"code": 131047, "title": "Re-engagement message",
                    "error_data": {"details": "More than 24 hours"}}]}]
        }));
        let events = parse(&payload).unwrap();
        assert_eq!(
            events,
            [ProviderEvent::Receipt(Receipt {
                channel_external_id: "1".into(),
                provider_message_id: "wamid.X".into(),
                status: DeliveryStatus::Failed,
                timestamp: chrono::DateTime::from_timestamp(5, 0).unwrap(),
                error_code: Some(131047),
                error_title: Some("Re-engagement message".into()),
                error_detail: Some("More than 24 hours".into()),
                recipient: Some("55".into()),
                callback: None,
            })]
        );
    }

    #[test]
    fn bodies_that_are_not_whatsapp_notifications_are_malformed() {
        assert!(parse(&json!({"object": "page", "entry": []})).is_err());
        assert!(parse(&json!({"object": "whatsapp_business_account"})).is_err());
        assert!(parse(&json!([1, 2])).is_err());
        let no_id = envelope(json!({"metadata": {"phone_number_id": "1"},
            "messages": [{"from": "55", "type": "text", "text": {"body": "x"}}]}));
        assert!(parse(&no_id).is_err());
        let no_metadata =
            envelope(json!({"messages": [{"from": "55", "id": "a", "type": "text"}]}));
        assert!(parse(&no_metadata).is_err());
    }

    #[test]
    fn send_bodies_follow_the_cloud_api_reference() {
        assert_eq!(
            send_body(
                "5511987654321",
                &Outbound::Text {
                    text: "Olá".into()
                }
            ),
            json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": "5511987654321", "type": "text", "text": {"preview_url": false, "body": "Olá"}})
        );
        let buttons = Outbound::Buttons {
            text: "Escolha".into(),
            buttons: vec![ReplyButton {
                id: "a".into(),
                title: "A".into(),
            }],
            header: None,
            footer: Some("Rodapé".into()),
        };
        assert_eq!(
            send_body("55", &buttons)["interactive"],
            json!({"type": "button", "body": {"text": "Escolha"}, "footer": {"text": "Rodapé"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]}})
        );
        let list = Outbound::List {
            text: "Escolha".into(),
            button: "Ver".into(),
            sections: vec![ListSection {
                title: Some("Faturas".into()),
                rows: vec![ListRow {
                    id: "r".into(),
                    title: "Março".into(),
                    description: None,
                }],
            }],
            header: None,
            footer: None,
        };
        assert_eq!(
            send_body("55", &list)["interactive"],
            json!({"type": "list", "body": {"text": "Escolha"}, "action": {"button": "Ver",
                "sections": [{"title": "Faturas", "rows": [{"id": "r", "title": "Março"}]}]}})
        );
        // What the history shows is never sent: Meta renders the template itself.
        let template = Outbound::Template {
            name: "fatura".into(),
            language: "pt_BR".into(),
            components: vec![],
            rendered: Some(shared::sent_template::RenderedTemplate {
                header: None,
                body: "Sua fatura chegou".into(),
                footer: None,
                buttons: vec![],
            }),
        };
        assert_eq!(
            send_body("55", &template)["template"],
            json!({"name": "fatura", "language": {"code": "pt_BR"}})
        );
    }
}
