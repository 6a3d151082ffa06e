//! Oversized requests are refused before they are read, with the pt-BR error the UI shows.

use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::time::Duration;

/// The error as a server function would have answered it, so the browser's client decodes it.
pub fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&error).unwrap_or_else(|_| "\"Internal\"".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Leptos answers every server-function error with 500; errors that say which status they mean
/// (arguments that did not parse) get it here.
pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return error_response(AppError::Internal);
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Bodies up to this size are read and discarded before the 413 answer, so the client, still
/// sending, receives the answer instead of a reset connection (hyper has no lingering close).
pub(crate) const DRAIN_AT_MOST: usize = 32 * 1024 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn drain(request: Request) {
    let mut stream = request.into_body().into_data_stream();
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
}

/// Refuses bodies declared larger than the limit; `RequestBodyLimitLayer` (installed inside
/// this) stops undeclared (chunked) ones while they are read.
pub async fn refuse_oversized(State(max): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > max) {
        if len <= DRAIN_AT_MOST {
            drain(request).await;
        }
        return error_response(AppError::TooLarge);
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return error_response(AppError::TooLarge);
    }
    response
}
