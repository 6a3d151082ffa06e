//! A bot message as each channel can show it: WhatsApp reply buttons (3) and lists (10 rows);
//! Messenger and Instagram quick replies (13, with any descriptions written into the text,
//! since chips have none); webchat buttons. What a channel cannot show becomes numbered text
//! options, which the engine matches by number.

use super::Content;
use crate::messaging::{ChannelKind, ListRow, ListSection, Outbound, ReplyButton};

const LIST_BUTTON: &str = "Ver opções";

/// The message to send for `content` on `channel`.
pub fn adapt(content: &Content, channel: ChannelKind) -> Outbound {
    match content {
        Content::Text { text } => Outbound::Text { text: text.clone() },
        Content::Buttons { text, options } | Content::List { text, options, .. } => {
            let button = match content {
                Content::List { button, .. } if !button.trim().is_empty() => button.clone(),
                _ => LIST_BUTTON.to_owned(),
            };
            let described = options.iter().any(|o| o.description.is_some());
            let list = || Outbound::List {
                text: text.clone(),
                button: button.clone(),
                sections: vec![ListSection {
                    title: None,
                    rows: options
                        .iter()
                        .map(|o| ListRow {
                            id: o.id.clone(),
                            title: o.title.clone(),
                            description: o.description.clone(),
                        })
                        .collect(),
                }],
                header: None,
                footer: None,
            };
            let buttons = |text: String| Outbound::Buttons {
                text,
                buttons: options
                    .iter()
                    .map(|o| ReplyButton {
                        id: o.id.clone(),
                        title: o.title.clone(),
                    })
                    .collect(),
                header: None,
                footer: None,
            };
            let mut tries = Vec::new();
            match channel {
                ChannelKind::Whatsapp => {
                    if matches!(content, Content::Buttons { .. }) && !described {
                        tries.push(buttons(text.clone()));
                    }
                    tries.push(list());
                }
                // Chips carry a title only: descriptions go into the text.
                _ => tries.push(buttons(if described {
                    numbered(text, options, false)
                } else {
                    text.clone()
                })),
            }
            tries
                .into_iter()
                .find(|o| o.check(channel).is_ok())
                .unwrap_or_else(|| Outbound::Text {
                    text: numbered(text, options, true),
                })
        }
        Content::Media { url, caption, .. } => Outbound::Text {
            text: match caption {
                Some(c) if !c.trim().is_empty() => format!("{c}\n{url}"),
                _ => url.clone(),
            },
        },
    }
}

/// "text\n\n1. Title — description\n…" (and how to answer, when there are no chips).
fn numbered(text: &str, options: &[super::Choice], how: bool) -> String {
    let lines: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(i, o)| match &o.description {
            Some(d) if !d.is_empty() => format!("{}. {} — {}", i + 1, o.title, d),
            _ => format!("{}. {}", i + 1, o.title),
        })
        .collect();
    let mut out = format!("{text}\n\n{}", lines.join("\n"));
    if how {
        out.push_str("\n\nResponda com o número da opção.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Choice;

    fn choices(n: usize, described: bool) -> Vec<Choice> {
        (1..=n)
            .map(|i| Choice {
                id: format!("o{i}"),
                title: format!("Opção {i}"),
                description: described.then(|| format!("Detalhe {i}")),
                keywords: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn whatsapp_gets_buttons_then_a_list_then_numbered_text() {
        let three = Content::Buttons {
            text: "Escolha".into(),
            options: choices(3, false),
        };
        assert!(matches!(
            adapt(&three, ChannelKind::Whatsapp),
            Outbound::Buttons { .. }
        ));
        let five = Content::Buttons {
            text: "Escolha".into(),
            options: choices(5, false),
        };
        assert!(matches!(
            adapt(&five, ChannelKind::Whatsapp),
            Outbound::List { .. }
        ));
        let twelve = Content::List {
            text: "Escolha".into(),
            button: "Opções".into(),
            options: choices(12, false),
        };
        match adapt(&twelve, ChannelKind::Whatsapp) {
            Outbound::Text { text } => {
                assert!(text.contains("12. Opção 12"));
                assert!(text.ends_with("Responda com o número da opção."));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messenger_and_instagram_get_chips_with_descriptions_in_the_text() {
        let list = Content::List {
            text: "Condições:".into(),
            button: "Ver".into(),
            options: choices(4, true),
        };
        for channel in [ChannelKind::Messenger, ChannelKind::Instagram] {
            match adapt(&list, channel) {
                Outbound::Buttons { text, buttons, .. } => {
                    assert!(text.contains("2. Opção 2 — Detalhe 2"));
                    assert_eq!(buttons.len(), 4);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            adapt(&list, ChannelKind::Whatsapp),
            Outbound::List { .. }
        ));
        assert!(matches!(
            adapt(&list, ChannelKind::Webchat),
            Outbound::Buttons { .. }
        ));
    }
}
