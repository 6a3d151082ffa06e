//! The limits of Meta's documentation (WhatsApp Cloud API "Interactive messages" and the
//! Messenger Platform "Quick replies"; see docs/meta-protocol.md), and the check of an outbound
//! message against them.

use super::*;
use serde::{Deserialize, Serialize};

pub const WHATSAPP_TEXT_CHARS: usize = 4096;
pub const WHATSAPP_INTERACTIVE_BODY_CHARS: usize = 1024;
pub const WHATSAPP_HEADER_CHARS: usize = 60;
pub const WHATSAPP_FOOTER_CHARS: usize = 60;
pub const WHATSAPP_MAX_BUTTONS: usize = 3;
pub const WHATSAPP_BUTTON_TITLE_CHARS: usize = 20;
pub const WHATSAPP_BUTTON_ID_CHARS: usize = 256;
pub const WHATSAPP_LIST_BUTTON_CHARS: usize = 20;
pub const WHATSAPP_MAX_SECTIONS: usize = 10;
pub const WHATSAPP_MAX_ROWS: usize = 10;
pub const WHATSAPP_ROW_TITLE_CHARS: usize = 24;
pub const WHATSAPP_ROW_DESCRIPTION_CHARS: usize = 72;
pub const WHATSAPP_SECTION_TITLE_CHARS: usize = 24;
pub const WHATSAPP_ROW_ID_CHARS: usize = 200;
pub const MESSENGER_TEXT_CHARS: usize = 2000;
pub const MESSENGER_MAX_QUICK_REPLIES: usize = 13;
pub const MESSENGER_QUICK_REPLY_TITLE_CHARS: usize = 20;
pub const WEBCHAT_TEXT_CHARS: usize = 4096;
pub const WEBCHAT_MAX_OPTIONS: usize = 20;
pub const TEMPLATE_NAME_CHARS: usize = 512;

/// Why an outbound message was refused before sending. `message()` is pt-BR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum OutboundError {
    #[error("empty text")]
    EmptyText,
    #[error("text too long")]
    TextTooLong { max: usize },
    #[error("too many buttons")]
    TooManyButtons { max: usize },
    #[error("no buttons")]
    NoButtons,
    #[error("button title")]
    ButtonTitle { title: String, max: usize },
    #[error("duplicate option id")]
    DuplicateOptionId { id: String },
    #[error("option id")]
    OptionId { max: usize },
    #[error("too many rows")]
    TooManyRows { max: usize },
    #[error("too many sections")]
    TooManySections { max: usize },
    #[error("no rows")]
    NoRows,
    #[error("row title")]
    RowTitle { title: String, max: usize },
    #[error("row description")]
    RowDescription { max: usize },
    #[error("section title")]
    SectionTitle { max: usize },
    #[error("section title required")]
    SectionTitleRequired,
    #[error("list button")]
    ListButton { max: usize },
    #[error("header or footer")]
    HeaderOrFooter { max: usize },
    #[error("template name")]
    TemplateName,
    #[error("template language")]
    TemplateLanguage,
    #[error("templates are WhatsApp only")]
    TemplatesOnlyOnWhatsapp,
    #[error("attachment type")]
    AttachmentType { channel: ChannelKind },
    #[error("attachment too large")]
    AttachmentTooLarge { max_mb: u64 },
    #[error("empty attachment")]
    AttachmentEmpty,
    #[error("caption not supported")]
    CaptionNotSupported,
}

impl OutboundError {
    pub fn message(&self) -> String {
        match self {
            OutboundError::EmptyText => "A mensagem está vazia.".into(),
            OutboundError::TextTooLong { max } => {
                format!("A mensagem pode ter no máximo {max} caracteres neste canal.")
            }
            OutboundError::TooManyButtons { max } => {
                format!("Este canal aceita no máximo {max} botões por mensagem.")
            }
            OutboundError::NoButtons => "Informe pelo menos um botão.".into(),
            OutboundError::ButtonTitle { title, max } => {
                format!("O botão \"{title}\" precisa ter entre 1 e {max} caracteres.")
            }
            OutboundError::DuplicateOptionId { id } => {
                format!("O identificador \"{id}\" aparece em mais de uma opção.")
            }
            OutboundError::OptionId { max } => {
                format!("Cada opção precisa de um identificador de 1 a {max} caracteres.")
            }
            OutboundError::TooManyRows { max } => {
                format!("A lista pode ter no máximo {max} opções no total.")
            }
            OutboundError::TooManySections { max } => {
                format!("A lista pode ter no máximo {max} seções.")
            }
            OutboundError::NoRows => "A lista precisa de pelo menos uma opção.".into(),
            OutboundError::RowTitle { title, max } => {
                format!("A opção \"{title}\" precisa ter entre 1 e {max} caracteres.")
            }
            OutboundError::RowDescription { max } => {
                format!("A descrição de uma opção pode ter no máximo {max} caracteres.")
            }
            OutboundError::SectionTitle { max } => {
                format!("O título de uma seção pode ter no máximo {max} caracteres.")
            }
            OutboundError::SectionTitleRequired => {
                "Com mais de uma seção, cada seção precisa de um título.".into()
            }
            OutboundError::ListButton { max } => {
                format!("O texto do botão da lista precisa ter entre 1 e {max} caracteres.")
            }
            OutboundError::HeaderOrFooter { max } => {
                format!("Cabeçalho e rodapé podem ter no máximo {max} caracteres.")
            }
            OutboundError::TemplateName => "Informe o nome do modelo aprovado.".into(),
            OutboundError::TemplateLanguage => "Informe o idioma do modelo, como pt_BR.".into(),
            OutboundError::TemplatesOnlyOnWhatsapp => {
                "Modelos (HSM) só existem no WhatsApp.".into()
            }
            OutboundError::AttachmentType { channel } => format!(
                "{} não aceita este tipo de arquivo. Envie imagem, áudio, vídeo ou documento (PDF, Word, Excel, PowerPoint, texto).",
                channel.label()
            ),
            OutboundError::AttachmentTooLarge { max_mb } => {
                format!("Este arquivo passa do limite de {max_mb} MB do canal.")
            }
            OutboundError::AttachmentEmpty => "O arquivo está vazio.".into(),
            OutboundError::CaptionNotSupported => {
                "Neste canal, este tipo de anexo não leva legenda: envie o texto em outra mensagem.".into()
            }
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn check_text(text: &str, max: usize) -> Result<(), OutboundError> {
    if text.trim().is_empty() {
        Err(OutboundError::EmptyText)
    } else if chars(text) > max {
        Err(OutboundError::TextTooLong { max })
    } else {
        Ok(())
    }
}

fn check_ids<'a>(ids: impl Iterator<Item = &'a str>, max: usize) -> Result<(), OutboundError> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if id.is_empty() || chars(id) > max {
            return Err(OutboundError::OptionId { max });
        }
        if !seen.insert(id) {
            return Err(OutboundError::DuplicateOptionId { id: id.to_owned() });
        }
    }
    Ok(())
}

fn check_optional(text: &Option<String>, max: usize) -> Result<(), OutboundError> {
    match text {
        Some(t) if chars(t) > max => Err(OutboundError::HeaderOrFooter { max }),
        _ => Ok(()),
    }
}

impl Outbound {
    pub fn kind(&self) -> MessageKind {
        match self {
            Outbound::Text { .. } => MessageKind::Text,
            Outbound::Buttons { .. } | Outbound::List { .. } => MessageKind::Interactive,
            Outbound::Template { .. } => MessageKind::Template,
            Outbound::Note { .. } => MessageKind::Note,
            Outbound::Media { media, .. } => media.kind,
        }
    }

    /// The text stored as the message body: what the bubble shows under the content.
    pub fn body(&self) -> Option<String> {
        match self {
            Outbound::Media { caption, .. } => caption.clone(),
            other => Some(other.preview()),
        }
    }

    /// The text a person reads in the history (templates show their name).
    pub fn preview(&self) -> String {
        match self {
            Outbound::Text { text }
            | Outbound::Note { text }
            | Outbound::Buttons { text, .. }
            | Outbound::List { text, .. } => text.clone(),
            Outbound::Template {
                rendered: Some(r), ..
            } => r.body.clone(),
            Outbound::Template { name, .. } => format!("Modelo: {name}"),
            Outbound::Media { media, caption } => match caption {
                Some(c) => format!("📎 {c}"),
                None => format!("📎 {}", media.filename),
            },
        }
    }

    /// Checks the provider's documented limits for this channel.
    pub fn check(&self, channel: ChannelKind) -> Result<(), OutboundError> {
        use limits::*;
        match (self, channel) {
            (Outbound::Note { text }, _) => check_text(text, WEBCHAT_TEXT_CHARS),
            (Outbound::Template { name, language, .. }, ChannelKind::Whatsapp) => {
                if name.trim().is_empty()
                    || chars(name) > TEMPLATE_NAME_CHARS
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(OutboundError::TemplateName);
                }
                let lang_ok = (2..=6).contains(&language.len())
                    && language
                        .chars()
                        .all(|c| c.is_ascii_alphabetic() || c == '_');
                if !lang_ok {
                    return Err(OutboundError::TemplateLanguage);
                }
                Ok(())
            }
            (Outbound::Template { .. }, _) => Err(OutboundError::TemplatesOnlyOnWhatsapp),
            (Outbound::Media { media, caption }, _) => {
                let kind = attachment_kind(channel, &media.mime, media.size)?;
                if kind != media.kind || media.filename.trim().is_empty() {
                    return Err(OutboundError::AttachmentType { channel });
                }
                if let Some(c) = caption {
                    if !takes_caption(channel, kind) {
                        return Err(OutboundError::CaptionNotSupported);
                    }
                    check_text(c, 1024)?;
                }
                Ok(())
            }
            (Outbound::Text { text }, ChannelKind::Whatsapp) => {
                check_text(text, WHATSAPP_TEXT_CHARS)
            }
            (Outbound::Text { text }, ChannelKind::Messenger | ChannelKind::Instagram) => {
                check_text(text, MESSENGER_TEXT_CHARS)
            }
            (Outbound::Text { text }, ChannelKind::Webchat) => check_text(text, WEBCHAT_TEXT_CHARS),
            (
                Outbound::Buttons {
                    text,
                    buttons,
                    header,
                    footer,
                },
                _,
            ) => {
                let (body_max, max_buttons, title_max) = match channel {
                    ChannelKind::Whatsapp => (
                        WHATSAPP_INTERACTIVE_BODY_CHARS,
                        WHATSAPP_MAX_BUTTONS,
                        WHATSAPP_BUTTON_TITLE_CHARS,
                    ),
                    ChannelKind::Messenger | ChannelKind::Instagram => (
                        MESSENGER_TEXT_CHARS,
                        MESSENGER_MAX_QUICK_REPLIES,
                        MESSENGER_QUICK_REPLY_TITLE_CHARS,
                    ),
                    ChannelKind::Webchat => (WEBCHAT_TEXT_CHARS, WEBCHAT_MAX_OPTIONS, 60),
                };
                check_text(text, body_max)?;
                check_optional(header, WHATSAPP_HEADER_CHARS)?;
                check_optional(footer, WHATSAPP_FOOTER_CHARS)?;
                if buttons.is_empty() {
                    return Err(OutboundError::NoButtons);
                }
                if buttons.len() > max_buttons {
                    return Err(OutboundError::TooManyButtons { max: max_buttons });
                }
                for b in buttons {
                    if b.title.trim().is_empty() || chars(&b.title) > title_max {
                        return Err(OutboundError::ButtonTitle {
                            title: b.title.clone(),
                            max: title_max,
                        });
                    }
                }
                check_ids(
                    buttons.iter().map(|b| b.id.as_str()),
                    WHATSAPP_BUTTON_ID_CHARS,
                )
            }
            (
                Outbound::List {
                    text,
                    button,
                    sections,
                    header,
                    footer,
                },
                _,
            ) => {
                let rows: Vec<&ListRow> = sections.iter().flat_map(|s| &s.rows).collect();
                let (max_rows, title_max) = match channel {
                    ChannelKind::Whatsapp => (WHATSAPP_MAX_ROWS, WHATSAPP_ROW_TITLE_CHARS),
                    // Shown as quick replies there.
                    ChannelKind::Messenger | ChannelKind::Instagram => (
                        MESSENGER_MAX_QUICK_REPLIES,
                        MESSENGER_QUICK_REPLY_TITLE_CHARS,
                    ),
                    ChannelKind::Webchat => (WEBCHAT_MAX_OPTIONS, 60),
                };
                check_text(text, WHATSAPP_INTERACTIVE_BODY_CHARS)?;
                check_optional(header, WHATSAPP_HEADER_CHARS)?;
                check_optional(footer, WHATSAPP_FOOTER_CHARS)?;
                if button.trim().is_empty() || chars(button) > WHATSAPP_LIST_BUTTON_CHARS {
                    return Err(OutboundError::ListButton {
                        max: WHATSAPP_LIST_BUTTON_CHARS,
                    });
                }
                if sections.len() > WHATSAPP_MAX_SECTIONS {
                    return Err(OutboundError::TooManySections {
                        max: WHATSAPP_MAX_SECTIONS,
                    });
                }
                if rows.is_empty() {
                    return Err(OutboundError::NoRows);
                }
                if rows.len() > max_rows {
                    return Err(OutboundError::TooManyRows { max: max_rows });
                }
                for s in sections {
                    match &s.title {
                        Some(t) if chars(t) > WHATSAPP_SECTION_TITLE_CHARS => {
                            return Err(OutboundError::SectionTitle {
                                max: WHATSAPP_SECTION_TITLE_CHARS,
                            })
                        }
                        None if sections.len() > 1 => {
                            return Err(OutboundError::SectionTitleRequired)
                        }
                        _ => {}
                    }
                }
                for r in &rows {
                    if r.title.trim().is_empty() || chars(&r.title) > title_max {
                        return Err(OutboundError::RowTitle {
                            title: r.title.clone(),
                            max: title_max,
                        });
                    }
                    if r.description
                        .as_deref()
                        .is_some_and(|d| chars(d) > WHATSAPP_ROW_DESCRIPTION_CHARS)
                    {
                        return Err(OutboundError::RowDescription {
                            max: WHATSAPP_ROW_DESCRIPTION_CHARS,
                        });
                    }
                }
                check_ids(rows.iter().map(|r| r.id.as_str()), WHATSAPP_ROW_ID_CHARS)
            }
        }
    }
}
