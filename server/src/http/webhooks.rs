//! `/webhooks/{whatsapp,messenger,instagram}`: Meta's verification handshake (GET) and event
//! notifications (POST), as described in
//! <https://developers.facebook.com/docs/graph-api/webhooks/getting-started>.

use super::json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use backend::webhooks::{self, WebhookRejection};
use backend::AppState;
use shared::messaging::ChannelKind;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/whatsapp", routes(ChannelKind::Whatsapp))
        .route("/webhooks/messenger", routes(ChannelKind::Messenger))
        .route("/webhooks/instagram", routes(ChannelKind::Instagram))
}

fn routes(kind: ChannelKind) -> MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>, Query(query): Query<HashMap<String, String>>| {
            verify(state, kind, query)
        },
    )
    .post(
        move |State(state): State<AppState>, headers: HeaderMap, body: Bytes| {
            receive(state, kind, headers, body)
        },
    )
}

/// `hub.mode=subscribe` with the channel's verify token answers `hub.challenge` as plain text;
/// anything else is 403.
async fn verify(state: AppState, kind: ChannelKind, query: HashMap<String, String>) -> Response {
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query.get("hub.verify_token").map(String::as_str);
    let challenge = query.get("hub.challenge");
    match (
        webhooks::verify_subscription(&state, kind, mode, token).await,
        challenge,
    ) {
        (Ok(true), Some(challenge)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge.clone(),
        )
            .into_response(),
        (Err(e), _) => json::failure(e),
        _ => {
            tracing::warn!(?kind, "webhook verification refused");
            json::error(
                403,
                "verification_failed",
                "Verificação recusada: hub.mode ou hub.verify_token incorretos.",
            )
        }
    }
}

async fn receive(state: AppState, kind: ChannelKind, headers: HeaderMap, body: Bytes) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    let result = if is_json {
        let signature = headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok());
        webhooks::accept(&state, kind, signature, &body).await
    } else {
        Err(WebhookRejection::WrongContentType)
    };
    match result {
        Ok(()) => {
            metrics::counter!("webhooks_accepted_total", "provider" => kind.code()).increment(1);
            StatusCode::OK.into_response()
        }
        Err(rejection) => {
            metrics::counter!("webhooks_rejected_total", "provider" => kind.code(), "reason" => rejection.code())
                .increment(1);
            tracing::info!(?kind, reason = rejection.code(), "webhook refused");
            json::error(rejection.status(), rejection.code(), rejection.message())
        }
    }
}
