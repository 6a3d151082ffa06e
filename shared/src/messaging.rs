//! Channels, conversations and messages: the vocabulary every channel, the inbox, the bot and the
//! REST API share, the limits each provider documents, and the customer-service window rules.
//!
//! Everything here is pure, so the server and the browser apply the same rules (the composer
//! can say why a message cannot be sent before the server refuses it).

use chrono::{DateTime, Duration, Utc};
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
    }
);

/// A reply button (WhatsApp interactive button, Messenger quick reply, webchat chip).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

/// A template component, serialized exactly as the WhatsApp Cloud API expects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateComponent {
    /// `header`, `body` or `button`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For buttons: `quick_reply` or `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// For buttons: the button's position, from "0".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(default)]
    pub parameters: Vec<TemplateParameter>,
}

/// A template parameter, tagged by `type` as in Meta's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TemplateParameter {
    Text { text: String },
    Payload { payload: String },
    Currency { currency: TemplateCurrency },
    DateTime { date_time: TemplateDateTime },
    Image { image: TemplateMediaLink },
    Document { document: TemplateMediaLink },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateCurrency {
    pub fallback_value: String,
    pub code: String,
    pub amount_1000: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateDateTime {
    pub fallback_value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateMediaLink {
    pub link: String,
}

/// What the company sends. Channels translate it into their provider's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    Text {
        text: String,
    },
    /// Reply buttons under a text.
    Buttons {
        text: String,
        buttons: Vec<ReplyButton>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// A list of options behind a button.
    List {
        text: String,
        button: String,
        sections: Vec<ListSection>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// An approved WhatsApp template (HSM).
    Template {
        name: String,
        language: String,
        #[serde(default)]
        components: Vec<TemplateComponent>,
    },
    /// A private note for colleagues: stored, never sent.
    Note {
        text: String,
    },
    /// A file the agent attached (uploaded first, see [`Attachment`]).
    Media {
        media: Attachment,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
}

/// An uploaded file. The server fills `kind`, `filename`, `mime` and `size` from what it
/// stored, never from the browser; `link` is set only when the message goes to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: uuid::Uuid,
    pub kind: MessageKind,
    pub filename: String,
    pub mime: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

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

/// The limits of Meta's documentation (WhatsApp Cloud API "Interactive messages" and the
/// Messenger Platform "Quick replies"); see docs/meta-protocol.md.
pub mod limits {
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
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
