//! The demo simulator (`/demonstracao`): a visitor talks to the real bot through simulated
//! WhatsApp, Messenger, Instagram and webchat channels. Their messages enter by the same
//! `record_inbound` as a webhook's, so conversations appear in the inbox, the bot and agents
//! answer through the same `send`, and the simulator reads them back. Only in demo mode.

use crate::bot::seed::MAIN_FLOW;
use crate::channels::{self, Channel, ChannelSecrets, ChannelSettings, InboundMessage};
use crate::db::{self, demo::VisitorConversation};
use crate::error::{AppError, Error};
use crate::messaging;
use crate::state::AppState;
use serde_json::{json, Value};
use shared::dto::{DemoSnapshot, DemoTrace};
use shared::messaging::{Author, ChannelKind, ConversationStatus, MessageKind};
use shared::Refusal;
use shared::{ChannelId, TeamId};
use uuid::Uuid;

/// The simulated channels: kind, fixed id, name, external id.
const CHANNELS: [(ChannelKind, u128, &str, &str); 4] = [
    (
        ChannelKind::Whatsapp,
        0x0000_0000_0000_4000_8000_0000_0002_0001,
        "Demonstração · WhatsApp",
        "demo-whatsapp",
    ),
    (
        ChannelKind::Messenger,
        0x0000_0000_0000_4000_8000_0000_0002_0002,
        "Demonstração · Messenger",
        "demo-messenger",
    ),
    (
        ChannelKind::Instagram,
        0x0000_0000_0000_4000_8000_0000_0002_0003,
        "Demonstração · Instagram",
        "demo-instagram",
    ),
    (
        ChannelKind::Webchat,
        0x0000_0000_0000_4000_8000_0000_0002_0004,
        "Demonstração · Webchat",
        "demo-webchat",
    ),
];

const VISITOR_NAME: &str = "Visitante da demonstração";

/// Creates the simulated channels (answered by the main flow), once.
pub async fn seed_channels(state: &AppState, team: TeamId) -> anyhow::Result<()> {
    for (kind, id, name, external) in CHANNELS {
        let id = ChannelId(Uuid::from_u128(id));
        if channels::find(&state.pool, &state.secrets, id)
            .await?
            .is_some()
        {
            continue;
        }
        let channel = Channel {
            id,
            kind,
            name: name.into(),
            external_id: Some(external.into()),
            settings: ChannelSettings {
                business_account_id: None,
                webchat: (kind == ChannelKind::Webchat).then(Default::default),
                simulated: true,
            },
            secrets: ChannelSecrets::default(),
            default_team_id: Some(team),
            active: true,
            created_at: chrono::Utc::now(),
            bot_flow: None,
        };
        channels::save(&state.pool, &state.secrets, &channel)
            .await
            .map_err(|e| anyhow::anyhow!("Failed to seed the demo channel {name}: {e:?}"))?;
        channels::set_bot_flow(&state.pool, id, Some(MAIN_FLOW)).await?;
    }
    state.channels.invalidate().await;
    Ok(())
}

fn check_session(session: &str) -> Result<(), Error> {
    let ok = (16..=64).contains(&session.len())
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::DemoSessionInvalid).into())
    }
}

async fn channel(state: &AppState, kind: ChannelKind) -> Result<Channel, Error> {
    if !state.demo {
        return Err(AppError::NotFound.into());
    }
    let all = state.channels.all(&state.pool, &state.secrets).await?;
    all.iter()
        .find(|c| c.settings.simulated && c.kind == kind && c.active)
        .cloned()
        .ok_or(AppError::NotFound.into())
}

fn visitor(session: &str) -> String {
    format!("sim-{session}")
}

/// The simulated WhatsApp channel and the session's visitor on it, as (contact, address): the
/// contact is made now when the visitor has not written yet.
pub(crate) async fn visitor_on_whatsapp(
    state: &AppState,
    session: &str,
) -> Result<(Channel, (shared::ContactId, String)), Error> {
    check_session(session)?;
    let channel = channel(state, ChannelKind::Whatsapp).await?;
    let address = visitor(session);
    let mut tx = state.pool.begin().await?;
    let sender =
        messaging::inbound::resolve_contact(&mut tx, &channel, &address, Some(VISITOR_NAME))
            .await?;
    tx.commit().await?;
    let contact = match sender {
        messaging::inbound::Sender::Known { contact, .. }
        | messaging::inbound::Sender::New { contact, .. } => contact,
    };
    Ok((channel, (contact, address)))
}

/// A visitor's message: typed text, or the option of a button or list they tapped.
pub async fn send(
    state: &AppState,
    kind: ChannelKind,
    session: &str,
    text: &str,
    option: Option<String>,
    client: Option<std::net::IpAddr>,
) -> Result<(), Error> {
    check_session(session)?;
    let channel = channel(state, kind).await?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Refused(Refusal::DemoMessageEmpty).into());
    }
    if text.chars().count() > 1000 {
        return Err(AppError::Refused(Refusal::DemoMessageTooLong { max: 1000 }).into());
    }
    let (kind, content) = match option {
        Some(id) => (
            MessageKind::InteractiveReply,
            json!({"reply": {"type": "button_reply", "id": id, "title": text}}),
        ),
        None => (MessageKind::Text, json!({"text": text})),
    };
    let message = InboundMessage {
        channel_external_id: channel.external_id.clone().unwrap_or_default(),
        contact_external_id: visitor(session),
        profile_name: Some(VISITOR_NAME.into()),
        provider_message_id: format!("sim:{session}:{}", Uuid::new_v4().simple()),
        timestamp: chrono::Utc::now(),
        kind,
        text: Some(text.to_owned()),
        content,
    };
    crate::cpf_guard::remember_client(state, channel.id, &message.contact_external_id, client)
        .await;
    messaging::record_inbound(state, &channel, &message).await?;
    Ok(())
}

async fn current(
    state: &AppState,
    channel: ChannelId,
    session: &str,
) -> Result<Option<VisitorConversation>, Error> {
    db::demo::visitor_conversation(&state.pool, channel, &visitor(session)).await
}

/// The visitor's conversation: messages after `after`, and the presenter's view.
pub async fn snapshot(
    state: &AppState,
    kind: ChannelKind,
    session: &str,
    after: i64,
) -> Result<DemoSnapshot, Error> {
    check_session(session)?;
    let channel = channel(state, kind).await?;
    let Some(conv) = current(state, channel.id, session).await? else {
        return Ok(DemoSnapshot::default());
    };
    let rows = db::demo::visitor_messages(&state.pool, conv.id, after).await?;
    let trace = db::bot_sessions::recent_trace(&state.pool, conv.id).await?;
    let bot_state: Option<shared::flow::engine::BotState> =
        conv.state.and_then(|v| serde_json::from_value(v).ok());
    let node = trace
        .iter()
        .rev()
        .find(|t| t.2 == "node")
        .map(|t| node_text(&t.3));
    Ok(DemoSnapshot {
        conversation_id: Some(conv.id),
        status: Some(conv.status),
        team: conv.team,
        agent: conv.agent,
        messages: rows.into_iter().map(Into::into).collect(),
        node,
        bot_status: bot_state.map(|s| bot_text(conv.status, s.status).to_owned()),
        trace: trace
            .into_iter()
            .map(|(id, at, kind, detail)| DemoTrace {
                id,
                at,
                text: trace_text(&kind, &detail),
                ms: detail.get("ms").and_then(Value::as_i64),
                ok: detail.get("ok").and_then(Value::as_bool),
                kind,
            })
            .collect(),
    })
}

/// What the bot is doing, told from where the conversation stands: once it handed over, the
/// queue, the agent or the resolution is the truth, not the flow's last state.
fn bot_text(conversation: ConversationStatus, s: shared::flow::engine::Status) -> &'static str {
    match (conversation, s) {
        (ConversationStatus::Waiting, _) => "Transferiu para a fila de atendimento",
        (ConversationStatus::Open, _) => "Transferiu para um atendente",
        (ConversationStatus::Resolved, _) => "Conversa encerrada",
        (ConversationStatus::Bot, s) => status_text(s),
    }
}

fn status_text(s: shared::flow::engine::Status) -> &'static str {
    use shared::flow::engine::Status;
    match s {
        Status::AwaitingInput => "Aguardando resposta do cliente",
        Status::AwaitingResult => "Consultando sistema",
        Status::Recovering => "Ofereceu atendente ou menu após uma falha",
        Status::Ended => "Fluxo encerrado",
        Status::HandedOff => "Com um atendente humano",
    }
}

fn node_text(detail: &Value) -> String {
    let s = |k: &str| detail.get(k).and_then(Value::as_str).unwrap_or_default();
    format!("{} · {}", s("flow"), s("label"))
}

fn trace_text(kind: &str, detail: &Value) -> String {
    let s = |k: &str| detail.get(k).and_then(Value::as_str).unwrap_or_default();
    let what = match kind {
        "node" => format!("Bloco \"{}\" (fluxo {})", s("label"), s("flow")),
        "call" if s("type") == "http" => format!("Requisição HTTP {} {}", s("method"), s("url")),
        "call" => format!("ERP · {}", s("label")),
        "handoff" => match s("team") {
            "" => "Transferida para atendimento humano".into(),
            team => format!("Transferida para a equipe {team}"),
        },
        "end" => "Conversa encerrada pelo robô".into(),
        "reminder" => "Lembrete de inatividade enviado".into(),
        "close" => "Encerrada por inatividade".into(),
        _ => s("message").to_owned(),
    };
    match (kind, s("error")) {
        ("call", e) if !e.is_empty() => format!("{what} — falhou: {e}"),
        _ => what,
    }
}

/// "Reiniciar conversa": closes the visitor's open conversation (the page then starts a new
/// session, hence a new conversation with the bot).
pub async fn restart(state: &AppState, kind: ChannelKind, session: &str) -> Result<(), Error> {
    check_session(session)?;
    let channel = channel(state, kind).await?;
    let Some(conv) = current(state, channel.id, session).await? else {
        return Ok(());
    };
    if conv.status == ConversationStatus::Resolved {
        return Ok(());
    }
    let mut tx = state.pool.begin().await?;
    crate::db::conversations::resolve(
        &mut tx,
        conv.id,
        None,
        Author::System,
        None,
        json!({"reason": "demo_restart"}),
    )
    .await?;
    tx.commit().await?;
    crate::publish::conversation_changed(state, conv.id, None).await;
    state.wakers.distribute_soon();
    Ok(())
}
