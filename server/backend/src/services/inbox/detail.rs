//! The open conversation: its history across the contact's channels, events, the composer's
//! state (window, templates) and the contact panel.

use super::list::row;
use super::visibility::access;
use crate::db::{self, conversations::EventRecord};
use crate::error::Error;
use crate::guard::Authorised;
use crate::messaging::{self};
use crate::state::AppState;
use chrono::Utc;
use shared::dto::MessageView;
use shared::inbox::{
    format_cpf, mask_cpf, ChannelOption, ComposerState, ContactPanel, ConversationDetail,
    ConversationEventView, InboxRow, PastConversation, TemplateView,
};
use shared::messaging::{window_check, Author, ChannelKind, ConversationEventKind, Outbound};
use shared::{ChannelId, ContactId, ConversationId, Permission};

/// How many messages the view loads at a time.
pub(crate) const HISTORY_PAGE: i64 = 60;

/// The contact's messages across all their conversations, newest `limit` before `before`,
/// returned oldest first.
pub async fn history(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    before: Option<i64>,
) -> Result<(Vec<MessageView>, bool), Error> {
    let access = access(state, who, conversation).await?;
    history_of(state, who, access.contact_id, before).await
}

/// The contact's messages, of the conversations `who` may see only (another team's
/// conversation with the same customer, and its private notes, stay out).
pub(crate) async fn history_of(
    state: &AppState,
    who: &Authorised,
    contact: ContactId,
    before: Option<i64>,
) -> Result<(Vec<MessageView>, bool), Error> {
    let sight = super::visibility::sight(state, who).await?;
    let rows = messaging::contact_messages(
        &state.pool,
        contact,
        messaging::Page::Before(before.unwrap_or(i64::MAX)),
        HISTORY_PAGE + 1,
        &sight.viewer(),
    )
    .await?;
    let has_earlier = rows.len() as i64 > HISTORY_PAGE;
    let mut rows: Vec<MessageView> = rows.into_iter().take(HISTORY_PAGE as usize).collect();
    rows.reverse();
    Ok((super::privacy::messages(who, rows), has_earlier))
}

/// Messages of the conversation's contact after `seq` (the live view catching up).
pub async fn messages_after(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    after: i64,
) -> Result<Vec<MessageView>, Error> {
    let access = access(state, who, conversation).await?;
    let sight = super::visibility::sight(state, who).await?;
    let rows = messaging::contact_messages(
        &state.pool,
        access.contact_id,
        messaging::Page::After(after),
        500,
        &sight.viewer(),
    )
    .await?;
    Ok(super::privacy::messages(who, rows))
}

pub(crate) fn describe(e: &EventRecord) -> String {
    let by = e
        .actor_name
        .clone()
        .unwrap_or_else(|| e.actor.label().to_lowercase());
    let to = match (&e.assignee_name, &e.team_name) {
        (Some(a), Some(t)) => format!("{a} ({t})"),
        (Some(a), None) => a.clone(),
        (None, Some(t)) => format!("a fila da equipe {t}"),
        (None, None) => "a fila".into(),
    };
    let auto = e.details.get("auto").and_then(|v| v.as_bool()) == Some(true);
    match e.kind {
        ConversationEventKind::Created => "Conversa iniciada pelo cliente".into(),
        ConversationEventKind::Assigned if auto => {
            format!("Distribuída automaticamente para {to}")
        }
        ConversationEventKind::Assigned
            if e.actor_name.is_some() && e.actor_name == e.assignee_name =>
        {
            format!("{by} assumiu a conversa")
        }
        ConversationEventKind::Assigned => format!("{by} atribuiu a conversa a {to}"),
        ConversationEventKind::Transferred => format!("Transferida por {by} para {to}"),
        ConversationEventKind::FirstResponse => format!("Primeira resposta de {by}"),
        ConversationEventKind::Resolved => format!("Resolvida por {by}"),
        ConversationEventKind::Reopened if e.actor == Author::Customer => {
            "Reaberta por nova mensagem do cliente".into()
        }
        ConversationEventKind::Reopened => format!("Reaberta por {by}"),
        ConversationEventKind::Unassigned => {
            if e.details.get("reason").and_then(|v| v.as_str()) == Some("offline") {
                "Devolvida à fila: o atendente ficou offline".into()
            } else {
                format!("Devolvida à fila por {by}")
            }
        }
        ConversationEventKind::StatusChanged => format!("Situação alterada por {by}"),
        ConversationEventKind::Moved => {
            let channel = e
                .details
                .get("channel_label")
                .and_then(|v| v.as_str())
                .unwrap_or("outro canal");
            format!("{by} continuou o atendimento em {channel}")
        }
        ConversationEventKind::Identified => {
            let name = e
                .details
                .get("nome")
                .and_then(|v| v.as_str())
                .unwrap_or("cliente");
            format!("Cliente identificado pelo ERP: {name}")
        }
    }
}

pub(crate) async fn contact_events(
    state: &AppState,
    who: &Authorised,
    contact: ContactId,
) -> Result<Vec<ConversationEventView>, Error> {
    let sight = super::visibility::sight(state, who).await?;
    let rows =
        db::conversations::events_of_contact(&state.pool, contact, 200, &sight.viewer()).await?;
    let mut out: Vec<ConversationEventView> = rows
        .iter()
        .map(|e| ConversationEventView {
            id: e.id,
            conversation_id: e.conversation_id,
            kind: e.kind,
            actor: e.actor,
            actor_name: e.actor_name.clone(),
            text: describe(e),
            note: e
                .details
                .get("note")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            occurred_at: e.occurred_at,
        })
        .collect();
    out.reverse();
    Ok(out)
}

pub(crate) async fn composer(state: &AppState, row: &InboxRow) -> Result<ComposerState, Error> {
    let probe = Outbound::Text { text: "-".into() };
    let now = Utc::now();
    let check = window_check(
        row.channel_kind,
        &probe,
        Author::Agent,
        row.last_customer_message_at,
        now,
    );
    let window_closes_at = match row.channel_kind {
        ChannelKind::Webchat => None,
        ChannelKind::Whatsapp => row
            .last_customer_message_at
            .map(|t| t + chrono::Duration::hours(24)),
        _ => row
            .last_customer_message_at
            .map(|t| t + chrono::Duration::days(7)),
    };
    let templates = if row.channel_kind == ChannelKind::Whatsapp && check.is_err() {
        approved_templates(state, row.channel_id).await?
    } else {
        Vec::new()
    };
    let notice = check.as_ref().err().map(|e| match e {
        shared::messaging::WindowError::WhatsappClosed => {
            "A janela de 24 horas do WhatsApp está fechada: o cliente não escreve há mais de 24 horas. \
             Só é possível enviar um modelo aprovado (HSM)."
                .to_owned()
        }
        other => other.message().to_owned(),
    });
    Ok(ComposerState {
        window_open: check.is_ok(),
        window_closes_at,
        notice,
        templates,
    })
}

pub async fn approved_templates(
    state: &AppState,
    channel: ChannelId,
) -> Result<Vec<TemplateView>, Error> {
    let rows = crate::db::message_templates::approved(&state.pool, channel).await?;
    Ok(rows
        .into_iter()
        .map(|(name, language, category, body, n)| TemplateView {
            name,
            language,
            category,
            body,
            parameter_count: n.max(0) as u32,
        })
        .collect())
}

pub(crate) async fn contact_panel(
    state: &AppState,
    who: &Authorised,
    contact: ContactId,
) -> Result<ContactPanel, Error> {
    let c = crate::services::contacts::get(state, contact).await?;
    let full = who.user.can(Permission::ViewFullCpf);
    let sight = super::visibility::sight(state, who).await?;
    let conversations =
        db::conversations::of_contact(&state.pool, contact, 30, &sight.viewer()).await?;
    let consents = db::consents::current(&state.pool, contact).await?;
    let suppressed = match c.phone.as_deref() {
        Some(phone) => db::consents::suppression(&state.pool, phone)
            .await?
            .map(|s| suppression_label(&s.scope, &s.reason)),
        None => None,
    };
    Ok(ContactPanel {
        consents: consents
            .into_iter()
            .map(|r| shared::campaign::report::ConsentView {
                channel_name: r.channel_name,
                purpose: r.purpose,
                granted: r.granted,
                source: r.source,
                detail: r.detail,
                at: r.at,
            })
            .collect(),
        suppressed,
        id: c.id,
        name: c.name,
        phone: c.phone,
        email: c.email,
        cpf_masked: c.cpf.is_some() && !full,
        cpf: c
            .cpf
            .as_deref()
            .map(|d| if full { format_cpf(d) } else { mask_cpf(d) }),
        attributes: c.attributes,
        tags: c.tags,
        identities: c.identities,
        conversations: conversations
            .into_iter()
            .map(
                |(id, channel_kind, status, created_at, resolved_at)| PastConversation {
                    id,
                    channel_kind,
                    status,
                    created_at,
                    resolved_at,
                },
            )
            .collect(),
    })
}

/// "Não recebe marketing (pediu para sair)": the suppression as the contact panel says it.
fn suppression_label(scope: &str, reason: &str) -> String {
    let what = if scope == "all" {
        "Não recebe nenhuma campanha"
    } else {
        "Não recebe marketing"
    };
    let why = match reason {
        "reply" => "pediu para sair por mensagem",
        "button" => "tocou no botão de sair",
        "meta_131050" => "bloqueou marketing no WhatsApp",
        "import" => "está numa lista importada (ex.: Não Me Ligue)",
        _ => "registrado por um atendente",
    };
    format!("{what} ({why}).")
}

/// Channels the contact can be continued on: those they have an identity on, and WhatsApp
/// when their phone is known.
pub(crate) async fn other_channels(
    state: &AppState,
    contact: &ContactPanel,
    current: ChannelId,
) -> Result<Vec<ChannelOption>, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    Ok(channels
        .iter()
        .filter(|ch| ch.active && ch.id != current)
        .filter(|ch| {
            contact.identities.iter().any(|i| i.channel_id == ch.id)
                || (ch.kind == ChannelKind::Whatsapp && contact.phone.is_some())
        })
        .map(|ch| ChannelOption {
            channel_id: ch.id,
            kind: ch.kind,
            name: ch.name.clone(),
        })
        .collect())
}

pub async fn detail(
    state: &AppState,
    who: &Authorised,
    id: ConversationId,
) -> Result<ConversationDetail, Error> {
    let access = access(state, who, id).await?;
    // Opening a conversation you handle reads it.
    if access.assignee_id == Some(who.user.id) || access.assignee_id.is_none() {
        db::conversations::mark_read(&state.pool, id).await?;
    }
    let row = super::privacy::rows(who, vec![row(state, id).await?])
        .pop()
        .ok_or(crate::error::AppError::NotFound)?;
    let (messages, has_earlier) = history_of(state, who, access.contact_id, None).await?;
    let events = contact_events(state, who, access.contact_id).await?;
    let composer = composer(state, &row).await?;
    let contact = contact_panel(state, who, access.contact_id).await?;
    let other_channels = other_channels(state, &contact, row.channel_id).await?;
    Ok(ConversationDetail {
        row,
        messages,
        has_earlier,
        events,
        composer,
        contact,
        other_channels,
        can_reply: who.user.can(Permission::ReplyToConversations),
        can_assign_others: who.user.can(Permission::AssignConversations),
    })
}
