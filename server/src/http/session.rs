//! Resolves who is calling before any page or server function runs, and enforces CSRF on every
//! state-changing request.

use super::limits::error_response;
use app::client::{CSRF_COOKIE, CSRF_HEADER};
use app::error::AppError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use backend::session::{self, cookie_value, RequestContext, SESSION_COOKIE};
use backend::AppState;
use std::net::SocketAddr;

fn client_ip(state: &AppState, request: &Request) -> Option<String> {
    client_addr(state, request.headers(), request.extensions()).map(|ip| ip.to_string())
}

/// The client's address: the connection's, or (behind our own proxy) the one it appended.
pub fn client_addr(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<std::net::IpAddr> {
    if state.auth.trust_forwarded_for {
        // The right-most entry is the one our own proxy appended; anything left of it was sent
        // by the client and can be forged.
        if let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
        {
            return Some(forwarded);
        }
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path.starts_with("/favicon.")
}

/// Whether the `Origin` header, when present, is ours. Browsers send it on cross-site POSTs.
fn origin_allowed(state: &AppState, request: &Request) -> bool {
    let Some(origin) = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    if origin == state.auth.public_origin {
        return true;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
}

pub async fn resolve_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_static_asset(request.uri().path()) {
        return next.run(request).await;
    }
    let cookies = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut ctx = RequestContext {
        ip: client_ip(&state, &request),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
        session: None,
        user: None,
        csrf_cookie: cookie_value(&cookies, CSRF_COOKIE).map(str::to_owned),
    };
    if let Some(token) = cookie_value(&cookies, SESSION_COOKIE) {
        match session::resolve(&state, token).await {
            Ok((found, user)) => {
                ctx.session = found;
                ctx.user = user;
            }
            Err(e) => {
                tracing::error!(error = ?e, "failed to load a session");
                return error_response(AppError::Internal);
            }
        }
    }

    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state {
        let header_token = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        if !origin_allowed(&state, &request) || !session::csrf_ok(&ctx, header_token) {
            tracing::warn!(path = %request.uri().path(), ip = ?ctx.ip, "CSRF check failed");
            return error_response(AppError::CsrfRejected);
        }
    }

    // Every page gives the browser an anti-CSRF cookie to echo: the session's own when signed
    // in, a fresh one for anonymous visitors who have none.
    let csrf_to_set = match &ctx.session {
        Some(s) if ctx.csrf_cookie.as_deref() != Some(s.row.csrf_token.as_str()) => {
            Some(s.row.csrf_token.clone())
        }
        None if ctx.csrf_cookie.is_none() => Some(backend::crypto::random_token()),
        _ => None,
    };
    request.extensions_mut().insert(ctx);
    let mut response = next.run(request).await;
    if let Some(token) = csrf_to_set {
        // A login or logout in this very request already set its own cookies.
        let already = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(CSRF_COOKIE)));
        if !already {
            if let Ok(v) = HeaderValue::from_str(&session::csrf_cookie(&state.auth, &token)) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    response
}

/// The client's address as a handler argument, for the surfaces without a session layer.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl axum::extract::FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(
            state,
            &parts.headers,
            &parts.extensions,
        )))
    }
}

/// The answer to a client past an anonymous surface's limit: 429, `Retry-After`, and the
/// pt-BR sentence.
pub fn rate_limited(limited: backend::ratelimit::Limited) -> Response {
    use axum::response::IntoResponse;
    let mut response = super::json::error(
        429,
        "rate_limited",
        shared::ratelimit::refusal_text(limited.retry_after),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&limited.retry_after.to_string()) {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response.into_response()
}
