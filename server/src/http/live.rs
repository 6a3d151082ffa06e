//! The inbox's live feed: one websocket per open browser tab, authenticated by the session
//! cookie. Events come from the Redis-backed [`LiveBus`](backend::live::LiveBus), so a
//! change made through any instance reaches browsers connected to every instance. Each
//! connection forwards only what its user may see.
//!
//! A browser that reconnects passes the cursors of the last `hello` it got (`?seq=&ev=`): the
//! feed first replays, from PostgreSQL, the messages and conversation events it missed.

use super::json;
use app::error::AppError;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::live::LiveEvent;
use backend::services::inbox;
use backend::session::RequestContext;
use backend::AppState;
use serde::Deserialize;
use shared::dto::CurrentUser;
use shared::inbox::{InboxClientMessage, InboxEvent};
use shared::{ConversationId, MessageId, Permission, TeamId, UserId};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The most missed items replayed; beyond it the browser reloads instead.
const REPLAY_LIMIT: i64 = 500;

pub fn router(shutdown: CancellationToken) -> Router<AppState> {
    Router::new()
        .route(
            "/ws/inbox",
            get(
                move |state: State<AppState>,
                      ctx: Extension<RequestContext>,
                      headers: HeaderMap,
                      resume: Query<Resume>,
                      ws: WebSocketUpgrade| {
                    socket(state, ctx, headers, resume, ws, shutdown.clone())
                },
            ),
        )
        .route("/midia/{message}", get(media))
}

#[derive(Debug, Deserialize, Default)]
pub struct Resume {
    seq: Option<i64>,
    ev: Option<i64>,
}

fn signed_in(ctx: &RequestContext) -> Option<CurrentUser> {
    let session = ctx.session.as_ref().filter(|s| s.is_active())?;
    let user = ctx.user.clone()?;
    (session.user_id() == user.id && !user.must_enrol_totp).then_some(user)
}

async fn socket(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(resume): Query<Resume>,
    ws: WebSocketUpgrade,
    shutdown: CancellationToken,
) -> Response {
    let Some(user) = signed_in(&ctx) else {
        return json::app_error(&AppError::Unauthenticated);
    };
    if !user.can(Permission::ViewOwnConversations) {
        return json::app_error(&AppError::Forbidden);
    }
    // A page on another site must not open a socket with our cookie.
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if origin != state.auth.public_origin {
        return json::error(403, "origin_refused", "Origem não permitida.");
    }
    let session_hash = ctx
        .session
        .as_ref()
        .map(|s| s.id_hash.clone())
        .unwrap_or_default();
    ws.on_upgrade(move |socket| async move {
        let mut feed = Feed::new(state, user, session_hash).await;
        if let Err(e) = feed.serve(socket, resume, shutdown).await {
            tracing::debug!(error = ?e, "inbox socket ended");
        }
    })
}

struct Feed {
    state: AppState,
    user: CurrentUser,
    session_hash: Vec<u8>,
    see_all: bool,
    teams: Vec<TeamId>,
    /// Conversations of the contact open in this tab: their ticks and presence are sent.
    watching: HashSet<ConversationId>,
}

impl Feed {
    async fn new(state: AppState, user: CurrentUser, session_hash: Vec<u8>) -> Self {
        let teams = inbox::teams_of(&state, user.id).await.unwrap_or_default();
        Self {
            see_all: user.can(Permission::ViewAllConversations),
            state,
            user,
            session_hash,
            teams,
            watching: HashSet::new(),
        }
    }

    fn sees(&self, team: Option<TeamId>, assignee: Option<UserId>) -> bool {
        shared::inbox::visible(self.see_all, self.user.id, &self.teams, team, assignee)
    }

    /// What this user may see of a bus event.
    fn translate(&self, event: LiveEvent) -> Option<InboxEvent> {
        match event {
            LiveEvent::MessageCreated {
                conversation_id,
                message_id,
                seq,
                team_id,
                assignee_id,
                inbound,
                ..
            } => (self.sees(team_id, assignee_id) || self.watching.contains(&conversation_id))
                .then_some(InboxEvent::Message {
                    conversation_id,
                    message_id,
                    seq,
                    inbound,
                    assignee_id,
                }),
            LiveEvent::MessageStatus {
                conversation_id,
                message_id,
                status,
            } => self
                .watching
                .contains(&conversation_id)
                .then_some(InboxEvent::Status {
                    conversation_id,
                    message_id,
                    status,
                }),
            LiveEvent::ConversationChanged {
                conversation_id,
                event_id,
                kind,
                team_id,
                assignee_id,
                previous_assignee_id,
                waiting,
            } => (self.sees(team_id, assignee_id)
                || previous_assignee_id == Some(self.user.id)
                || self.watching.contains(&conversation_id))
            .then_some(InboxEvent::Conversation {
                conversation_id,
                event_id,
                kind,
                assignee_id,
                waiting,
            }),
            LiveEvent::Presence {
                conversation_id,
                user_id,
                name,
                typing,
            } => (user_id != self.user.id && self.watching.contains(&conversation_id)).then_some(
                InboxEvent::Presence {
                    conversation_id,
                    user_id,
                    name,
                    typing,
                },
            ),
        }
    }

    /// The cursors to hand the browser: everything up to them is in PostgreSQL.
    async fn cursors(&self) -> Result<(i64, i64), backend::error::Error> {
        backend::db::feed::cursors(&self.state.pool).await
    }

    /// What happened after the browser's cursors, that it may see; `None` if too much.
    async fn missed(
        &self,
        seq: i64,
        ev: i64,
    ) -> Result<Option<Vec<InboxEvent>>, backend::error::Error> {
        let viewer = backend::db::inbox::Viewer {
            user: self.user.id,
            sees_all: self.see_all,
            teams: &self.teams,
        };
        backend::db::feed::missed(&self.state.pool, &viewer, seq, ev, REPLAY_LIMIT).await
    }

    async fn serve(
        &mut self,
        mut socket: WebSocket,
        resume: Resume,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        // Subscribe before reading the cursors: nothing falls between the replay and the feed.
        let mut bus = self.state.live.subscribe();
        let (seq, event_id) = self.cursors().await?;
        send(&mut socket, &InboxEvent::Hello { seq, event_id }).await?;
        if let (Some(s), Some(e)) = (resume.seq, resume.ev) {
            match self.missed(s, e).await? {
                Some(events) => {
                    for event in &events {
                        send(&mut socket, event).await?;
                    }
                }
                None => send(&mut socket, &InboxEvent::Resync).await?,
            }
        }
        let mut ping = tokio::time::interval(Duration::from_secs(25));
        let mut recheck = tokio::time::interval(Duration::from_secs(60));
        recheck.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
                _ = ping.tick() => socket.send(Message::Ping(Default::default())).await?,
                _ = recheck.tick() => {
                    if !self.still_signed_in().await {
                        let _ = socket.send(Message::Close(None)).await;
                        return Ok(());
                    }
                    self.teams = inbox::teams_of(&self.state, self.user.id).await.unwrap_or_default();
                }
                received = bus.recv() => match received {
                    Ok(event) => {
                        if let Some(out) = self.translate(event) {
                            send(&mut socket, &out).await?;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        send(&mut socket, &InboxEvent::Resync).await?;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(Message::Text(text))) => self.on_client(&text).await,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    async fn still_signed_in(&self) -> bool {
        let idle = self.state.auth.session_idle.as_secs() as i64;
        matches!(
            backend::db::sessions::find_live(&self.state.pool, &self.session_hash, idle).await,
            Ok(Some(_))
        )
    }

    /// The browser says which conversation it shows, and whether its user is typing.
    async fn on_client(&mut self, text: &str) {
        let Ok(InboxClientMessage::Presence {
            conversation_id,
            typing,
        }) = serde_json::from_str::<InboxClientMessage>(text)
        else {
            return;
        };
        if !self.watching.contains(&conversation_id) {
            if !matches!(
                inbox::user_can_see(&self.state, &self.user, conversation_id).await,
                Ok(true)
            ) {
                return;
            }
            // The view shows the contact's whole history: watch all their conversations.
            let ids =
                backend::db::conversations::of_same_contact(&self.state.pool, conversation_id)
                    .await
                    .unwrap_or_default();
            self.watching = ids.into_iter().collect();
        }
        self.state
            .live
            .publish(
                &self.state.redis,
                &LiveEvent::Presence {
                    conversation_id,
                    user_id: self.user.id,
                    name: self.user.name.clone(),
                    typing,
                },
            )
            .await;
    }
}

async fn send(socket: &mut WebSocket, event: &InboxEvent) -> anyhow::Result<()> {
    let text = serde_json::to_string(event)?;
    socket.send(Message::Text(Utf8Bytes::from(text))).await?;
    Ok(())
}

/// A message's media for the inbox (the browser has no provider token), for who may see it.
async fn media(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Path(message): Path<String>,
) -> Response {
    let Some(user) = signed_in(&ctx) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = message.parse::<uuid::Uuid>().map(MessageId) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let conversation = backend::db::messages::conversation_of(&state.pool, id)
        .await
        .ok()
        .flatten();
    let Some(conversation) = conversation else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !matches!(
        inbox::user_can_see(&state, &user, conversation).await,
        Ok(true)
    ) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match backend::messaging::fetch_media(&state, id).await {
        // What the customer sent never runs as a page of ours.
        Ok(file) => super::attachments::media_response(&state, &file, false).await,
        Err(e) => json::failure(e),
    }
}
