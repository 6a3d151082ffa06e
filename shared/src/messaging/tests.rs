use super::*;
use chrono::{Duration, Utc};

fn media(kind: MessageKind, mime: &str, size: u64, caption: Option<&str>) -> Outbound {
    Outbound::Media {
        media: Attachment {
            id: uuid::Uuid::nil(),
            kind,
            filename: "arquivo".into(),
            mime: mime.into(),
            size,
            link: None,
        },
        caption: caption.map(str::to_owned),
    }
}

#[test]
fn attachments_follow_each_channels_types_sizes_and_captions() {
    const MB: u64 = 1024 * 1024;
    use ChannelKind::*;
    assert_eq!(
        attachment_kind(Whatsapp, "image/jpeg", MB),
        Ok(MessageKind::Image)
    );
    assert_eq!(
        attachment_kind(Whatsapp, "image/png", 5 * MB + 1),
        Err(OutboundError::AttachmentTooLarge { max_mb: 5 })
    );
    assert_eq!(
        attachment_kind(Whatsapp, "application/pdf; name=x", 90 * MB),
        Ok(MessageKind::Document)
    );
    assert_eq!(
        attachment_kind(Whatsapp, "image/gif", 1),
        Err(OutboundError::AttachmentType { channel: Whatsapp })
    );
    assert_eq!(
        attachment_kind(Messenger, "image/gif", 1),
        Ok(MessageKind::Image)
    );
    assert!(attachment_kind(Instagram, "application/pdf", 1).is_err());
    assert_eq!(
        attachment_kind(Messenger, "application/pdf", 1),
        Ok(MessageKind::Document)
    );
    assert_eq!(
        attachment_kind(Webchat, "text/html", 1),
        Err(OutboundError::AttachmentType { channel: Webchat })
    );
    assert_eq!(
        attachment_kind(Webchat, "image/png", 0),
        Err(OutboundError::AttachmentEmpty)
    );

    let doc = media(
        MessageKind::Document,
        "application/pdf",
        10,
        Some("Sua fatura"),
    );
    assert_eq!(doc.check(Whatsapp), Ok(()));
    assert_eq!(
        doc.check(Messenger),
        Err(OutboundError::CaptionNotSupported)
    );
    let audio = media(MessageKind::Audio, "audio/ogg", 10, Some("ouça"));
    assert_eq!(
        audio.check(Whatsapp),
        Err(OutboundError::CaptionNotSupported)
    );
    // A kind that does not match the file's type is refused.
    let lying = media(MessageKind::Image, "application/pdf", 10, None);
    assert!(lying.check(Whatsapp).is_err());
    assert_eq!(doc.body().as_deref(), Some("Sua fatura"));
    assert_eq!(
        media(MessageKind::Document, "application/pdf", 1, None).preview(),
        "📎 arquivo"
    );
    assert!(OutboundError::AttachmentType { channel: Instagram }
        .message()
        .starts_with("Instagram não aceita"));
}

fn text(t: &str) -> Outbound {
    Outbound::Text { text: t.into() }
}

fn buttons(titles: &[&str]) -> Outbound {
    Outbound::Buttons {
        text: "Escolha".into(),
        buttons: titles
            .iter()
            .enumerate()
            .map(|(i, t)| ReplyButton {
                id: format!("b{i}"),
                title: (*t).into(),
            })
            .collect(),
        header: None,
        footer: None,
    }
}

fn list(rows: usize, title: &str) -> Outbound {
    Outbound::List {
        text: "Escolha".into(),
        button: "Ver opções".into(),
        sections: vec![ListSection {
            title: None,
            rows: (0..rows)
                .map(|i| ListRow {
                    id: format!("r{i}"),
                    title: title.into(),
                    description: None,
                })
                .collect(),
        }],
        header: None,
        footer: None,
    }
}

#[test]
fn whatsapp_accepts_three_buttons_of_twenty_characters() {
    let ok = buttons(&["Segunda via", "Negociar débito", &"x".repeat(20)]);
    assert_eq!(ok.check(ChannelKind::Whatsapp), Ok(()));
}

#[test]
fn whatsapp_refuses_a_fourth_button_and_long_titles() {
    assert_eq!(
        buttons(&["a", "b", "c", "d"]).check(ChannelKind::Whatsapp),
        Err(OutboundError::TooManyButtons { max: 3 })
    );
    let long = "x".repeat(21);
    assert!(matches!(
        buttons(&[&long]).check(ChannelKind::Whatsapp),
        Err(OutboundError::ButtonTitle { max: 20, .. })
    ));
    // Messenger shows them as quick replies, which allow 13.
    assert_eq!(
        buttons(&["a", "b", "c", "d"]).check(ChannelKind::Messenger),
        Ok(())
    );
}

#[test]
fn whatsapp_lists_allow_ten_rows_of_twenty_four_characters() {
    assert_eq!(
        list(10, &"y".repeat(24)).check(ChannelKind::Whatsapp),
        Ok(())
    );
    assert_eq!(
        list(11, "ok").check(ChannelKind::Whatsapp),
        Err(OutboundError::TooManyRows { max: 10 })
    );
    assert!(matches!(
        list(1, &"y".repeat(25)).check(ChannelKind::Whatsapp),
        Err(OutboundError::RowTitle { max: 24, .. })
    ));
}

#[test]
fn option_ids_must_be_unique() {
    let mut out = buttons(&["a", "b"]);
    if let Outbound::Buttons { buttons, .. } = &mut out {
        buttons[1].id = "b0".into();
    }
    assert!(matches!(
        out.check(ChannelKind::Whatsapp),
        Err(OutboundError::DuplicateOptionId { .. })
    ));
}

#[test]
fn empty_and_oversized_texts_are_refused() {
    assert_eq!(
        text("  ").check(ChannelKind::Whatsapp),
        Err(OutboundError::EmptyText)
    );
    assert_eq!(
        text(&"a".repeat(2001)).check(ChannelKind::Messenger),
        Err(OutboundError::TextTooLong { max: 2000 })
    );
    assert_eq!(text(&"a".repeat(4096)).check(ChannelKind::Whatsapp), Ok(()));
}

#[test]
fn templates_exist_only_on_whatsapp() {
    let t = Outbound::Template {
        name: "fatura_disponivel".into(),
        language: "pt_BR".into(),
        components: vec![],
        rendered: None,
    };
    assert_eq!(t.check(ChannelKind::Whatsapp), Ok(()));
    assert_eq!(
        t.check(ChannelKind::Instagram),
        Err(OutboundError::TemplatesOnlyOnWhatsapp)
    );
}

#[test]
fn template_parameters_serialize_as_meta_documents_them() {
    let c = TemplateComponent {
        kind: "body".into(),
        sub_type: None,
        index: None,
        parameters: vec![
            TemplateParameter::Text {
                text: "Maria".into(),
                parameter_name: None,
            },
            TemplateParameter::Currency {
                currency: TemplateCurrency {
                    fallback_value: "R$ 10,00".into(),
                    code: "BRL".into(),
                    amount_1000: 10_000,
                },
            },
        ],
    };
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!({"type": "body", "parameters": [
            {"type": "text", "text": "Maria"},
            {"type": "currency", "currency": {"fallback_value": "R$ 10,00", "code": "BRL", "amount_1000": 10000}}
        ]})
    );
}

#[test]
fn whatsapp_window_is_24_hours_for_free_form_and_open_for_templates() {
    let now = Utc::now();
    let t = text("oi");
    let template = Outbound::Template {
        name: "x".into(),
        language: "pt_BR".into(),
        components: vec![],
        rendered: None,
    };
    let wa = ChannelKind::Whatsapp;
    let recent = Some(now - Duration::hours(23));
    let old = Some(now - Duration::hours(25));
    assert_eq!(
        window_check(wa, &t, Author::Agent, recent, now),
        Ok(SendPolicy::Standard)
    );
    assert_eq!(
        window_check(wa, &t, Author::Agent, old, now),
        Err(WindowError::WhatsappClosed)
    );
    assert_eq!(
        window_check(wa, &t, Author::Agent, None, now),
        Err(WindowError::WhatsappClosed)
    );
    assert_eq!(
        window_check(wa, &template, Author::Agent, old, now),
        Ok(SendPolicy::Standard)
    );
    let note = Outbound::Note { text: "x".into() };
    assert_eq!(
        window_check(wa, &note, Author::Agent, old, now),
        Ok(SendPolicy::Standard)
    );
}

#[test]
fn messenger_uses_the_human_agent_tag_between_one_and_seven_days() {
    let now = Utc::now();
    let t = text("oi");
    let m = ChannelKind::Messenger;
    let two_days = Some(now - Duration::days(2));
    assert_eq!(
        window_check(m, &t, Author::Agent, Some(now - Duration::hours(1)), now),
        Ok(SendPolicy::Standard)
    );
    assert_eq!(
        window_check(m, &t, Author::Agent, two_days, now),
        Ok(SendPolicy::HumanAgentTag)
    );
    assert_eq!(
        window_check(m, &t, Author::Bot, two_days, now),
        Err(WindowError::MetaStandardClosed)
    );
    assert_eq!(
        window_check(
            ChannelKind::Instagram,
            &t,
            Author::Agent,
            Some(now - Duration::days(8)),
            now
        ),
        Err(WindowError::MetaHumanAgentClosed)
    );
}

#[test]
fn statuses_only_move_forward() {
    use DeliveryStatus::*;
    assert!(Sent.advances_to(Read));
    assert!(!Read.advances_to(Delivered));
    assert!(!Read.advances_to(Read));
    assert!(Delivered.advances_to(Failed));
    assert!(!Failed.advances_to(Read));
}

#[test]
fn codes_round_trip() {
    for k in ChannelKind::ALL {
        assert_eq!(ChannelKind::from_code(k.code()), Some(*k));
    }
    for k in MessageKind::ALL {
        assert_eq!(MessageKind::from_code(k.code()), Some(*k));
    }
}
