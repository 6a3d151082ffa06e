//! The website chat's HTTP surface: the embeddable script and a small CORS-enabled API that only
//! the origins a channel lists may use. Live replies come as Server-Sent Events, which browsers
//! reconnect by themselves, sending `Last-Event-ID` so the stream resumes where it stopped.

// Helpers return the finished error response on their error path, as handlers do; boxing it
// would only add an allocation to the failure path.
#![allow(clippy::result_large_err)]
use super::json;
use super::session::{rate_limited, ClientAddr};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use backend::live::LiveEvent;
use backend::services::webchat::{self, Visitor, WebchatError};
use backend::AppState;
use futures::StreamExt as _;
use serde::Deserialize;
use shared::dto::MessageView;
use shared::ratelimit::{self, Limit};
use shared::ChannelId;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The widget as `build.rs` joined it from `assets/webchat/`, with the limits the server
/// enforces filled in (so the widget never repeats them).
static SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!(concat!(env!("OUT_DIR"), "/webchat.js")).replace(
        "__WEBCHAT_MAX_TEXT__",
        &shared::messaging::limits::WEBCHAT_TEXT_CHARS.to_string(),
    )
});

pub fn router(shutdown: CancellationToken) -> Router<AppState> {
    Router::new()
        .route("/webchat.js", get(script))
        .route(
            "/webchat/v1/{channel}/config",
            get(config).options(preflight),
        )
        .route(
            "/webchat/v1/{channel}/visitors",
            post(create_visitor).options(preflight),
        )
        .route(
            "/webchat/v1/{channel}/messages",
            get(history).post(post_message).options(preflight),
        )
        .route(
            "/webchat/v1/{channel}/profile",
            post(profile).options(preflight),
        )
        .route(
            "/webchat/v1/{channel}/events",
            get(events).options(preflight),
        )
        .route(
            "/webchat/v1/{channel}/stream-ticket",
            post(stream_ticket).options(preflight),
        )
        .layer(Extension(shutdown))
}

async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT.as_str(),
    )
        .into_response()
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Adds the CORS headers for an allowed origin.
fn with_cors(mut response: Response, origin: Option<&str>) -> Response {
    let h = response.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    response
}

fn refuse(e: WebchatError) -> Response {
    json::error(e.status(), e.code(), e.message())
}

fn parse_channel(raw: &str) -> Result<ChannelId, Response> {
    raw.parse()
        .map_err(|_| refuse(WebchatError::UnknownChannel))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Resolves the channel for this origin and, with a token, the visitor; answers the error
/// otherwise.
async fn gate(
    state: &AppState,
    channel: &str,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<(backend::channels::Channel, Option<Visitor>), Response> {
    let id = parse_channel(channel)?;
    // The refusal itself is readable by the page (CORS on the error only), so the widget can
    // say why it stays hidden; it grants nothing.
    let channel = webchat::channel_for(state, id, origin(headers))
        .await
        .map_err(|e| with_cors(refuse(e), origin(headers)))?;
    let visitor = match token {
        Some(t) => Some(
            webchat::visitor(state, &channel, t)
                .await
                .map_err(|e| with_cors(refuse(e), origin(headers)))?,
        ),
        None => None,
    };
    Ok((channel, visitor))
}

/// The channel and the visitor behind the request's bearer (or `token`) for this origin.
async fn visitor_gate(
    state: &AppState,
    channel: &str,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<(backend::channels::Channel, Visitor), Response> {
    let token = token.or_else(|| bearer(headers)).unwrap_or_default();
    match gate(state, channel, headers, Some(token)).await? {
        (c, Some(v)) => Ok((c, v)),
        (_, None) => Err(refuse(WebchatError::InvalidVisitor)),
    }
}

async fn preflight(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
) -> Response {
    match gate(&state, &channel, &headers, None).await {
        Ok(_) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, last-event-id"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            with_cors(response, origin(&headers))
        }
        Err(response) => response,
    }
}

async fn config(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
) -> Response {
    match gate(&state, &channel, &headers, None).await {
        Ok((channel, _)) => {
            let w = channel.webchat();
            let body = serde_json::json!({
                "channel_id": channel.id,
                "title": w.title,
                "color": w.color,
                "greeting": w.greeting,
            });
            with_cors(Json(body).into_response(), origin(&headers))
        }
        Err(r) => r,
    }
}

/// Counts the request against `limit` for this client; the 429 (readable by the page) past it.
async fn within(
    state: &AppState,
    limit: Limit,
    client: ClientAddr,
    headers: &HeaderMap,
) -> Result<(), Response> {
    backend::ratelimit::hit(state, limit, client.0)
        .await
        .map_err(|l| with_cors(rate_limited(l), origin(headers)))
}

/// A one-time ticket to open the live stream with (`events?ticket=`), for the bearer's visitor.
async fn stream_ticket(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = visitor_gate(&state, &channel, &headers, None).await {
        return r;
    }
    let token = bearer(&headers).unwrap_or_default();
    let response = match webchat::issue_stream_ticket(&state, token).await {
        Ok(ticket) => Json(serde_json::json!({"ticket": ticket})).into_response(),
        Err(e) => json::failure(e),
    };
    with_cors(response, origin(&headers))
}

async fn create_visitor(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let (channel, _) = match gate(&state, &channel, &headers, None).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    if let Err(r) = within(&state, ratelimit::WEBCHAT_VISITORS, client, &headers).await {
        return r;
    }
    let response = match webchat::create_visitor(&state, &channel).await {
        Ok((visitor, token)) => (
            StatusCode::CREATED,
            Json(serde_json::json!({"visitor_id": visitor, "token": token})),
        )
            .into_response(),
        Err(e) => refuse(e),
    };
    with_cors(response, origin(&headers))
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
    /// A one-time ticket from `stream-ticket` (an EventSource sends no headers); the visitor's
    /// token itself never goes in a URL.
    #[serde(default)]
    ticket: Option<String>,
}

fn page(messages: Vec<MessageView>) -> Response {
    Json(serde_json::json!({"messages": messages})).into_response()
}

async fn history(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(q): Query<After>,
    headers: HeaderMap,
) -> Response {
    let (channel, visitor) = match visitor_gate(&state, &channel, &headers, None).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let response = match webchat::history(&state, &channel, visitor, q.after).await {
        Ok(messages) => page(messages),
        Err(e) => refuse(e),
    };
    with_cors(response, origin(&headers))
}

#[derive(Deserialize)]
struct NewMessage {
    text: String,
    client_id: String,
    #[serde(default)]
    reply_id: Option<String>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

fn bad_json() -> Response {
    refuse(WebchatError::Invalid(
        "Os dados enviados estão incompletos ou em formato inválido.",
    ))
}

async fn post_message(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (channel, visitor) = match visitor_gate(&state, &channel, &headers, None).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    if let Err(r) = within(&state, ratelimit::WEBCHAT_MESSAGES, client, &headers).await {
        return r;
    }
    let response = match serde_json::from_slice::<NewMessage>(&body) {
        Err(_) => bad_json(),
        Ok(m) => match webchat::post(
            &state,
            &channel,
            visitor,
            &m.text,
            &m.client_id,
            m.reply_id.as_deref(),
            client.0,
        )
        .await
        {
            Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
            Err(e) => refuse(e),
        },
    };
    with_cors(response, origin(&headers))
}

async fn profile(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let visitor = match visitor_gate(&state, &channel, &headers, None).await {
        Ok((_, v)) => v,
        Err(r) => return r,
    };
    let response = match serde_json::from_slice::<Profile>(&body) {
        Err(_) => bad_json(),
        Ok(p) => {
            match webchat::update_profile(&state, visitor, p.name.as_deref(), p.email.as_deref())
                .await
            {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => refuse(e),
            }
        }
    };
    with_cors(response, origin(&headers))
}

/// What the event stream is waiting on.
struct Stream {
    state: AppState,
    channel: backend::channels::Channel,
    visitor: Visitor,
    last_seq: i64,
    pending: VecDeque<MessageView>,
    events: broadcast::Receiver<LiveEvent>,
    shutdown: CancellationToken,
    /// Whether each conversation seen on the channel is this visitor's: other visitors' messages
    /// then cost no query (a conversation never changes hands, merges aside).
    ownership: std::collections::HashMap<shared::ConversationId, bool>,
}

impl Stream {
    async fn concerns_visitor(&mut self, conversation: shared::ConversationId) -> bool {
        if let Some(known) = self.ownership.get(&conversation) {
            return *known;
        }
        let owned = webchat::owns_conversation(&self.state, self.visitor, conversation)
            .await
            .unwrap_or(true);
        self.ownership.insert(conversation, owned);
        owned
    }

    async fn fetch(&mut self) {
        if let Ok(messages) =
            webchat::history(&self.state, &self.channel, self.visitor, self.last_seq).await
        {
            if let Some(last) = messages.last() {
                self.last_seq = last.seq;
            }
            self.pending.extend(messages);
        }
    }

    /// The next message for the visitor, or None when the server stops.
    async fn next(mut self) -> Option<(Event, Self)> {
        loop {
            if let Some(m) = self.pending.pop_front() {
                let event = Event::default()
                    .event("message")
                    .id(m.seq.to_string())
                    .json_data(&m)
                    .ok()?;
                return Some((event, self));
            }
            tokio::select! {
                _ = self.shutdown.cancelled() => return None,
                received = self.events.recv() => match received {
                    Ok(LiveEvent::MessageCreated { channel_id, seq, conversation_id, .. })
                        if channel_id == self.channel.id && seq > self.last_seq =>
                    {
                        if self.concerns_visitor(conversation_id).await {
                            self.fetch().await;
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => self.fetch().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                // A safety net should the pub/sub connection be down.
                _ = tokio::time::sleep(Duration::from_secs(15)) => self.fetch().await,
            }
        }
    }
}

async fn events(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(q): Query<After>,
    Extension(shutdown): Extension<CancellationToken>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let token = match q.ticket.as_deref() {
        Some(ticket) => match webchat::redeem_stream_ticket(&state, ticket).await {
            Ok(Some(token)) => Some(token),
            Ok(None) => return with_cors(refuse(WebchatError::InvalidVisitor), origin(&headers)),
            Err(e) => return with_cors(json::failure(e), origin(&headers)),
        },
        None => None,
    };
    let (channel, visitor) = match visitor_gate(&state, &channel, &headers, token.as_deref()).await
    {
        Ok(found) => found,
        Err(r) => return r,
    };
    if let Err(r) = within(&state, ratelimit::WEBCHAT_STREAMS, client, &headers).await {
        return r;
    }
    // A reconnecting EventSource says where it stopped.
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(q.after);
    let mut stream = Stream {
        events: state.live.subscribe(),
        state,
        channel,
        visitor,
        last_seq: resume,
        pending: VecDeque::new(),
        shutdown,
        ownership: Default::default(),
    };
    stream.fetch().await;
    let body = futures::stream::unfold(stream, |s| s.next()).map(Ok::<_, std::convert::Infallible>);
    let mut response = Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    with_cors(response, origin(&headers))
}
