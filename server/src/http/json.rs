//! The error format of the machine-facing surfaces (webhooks, webchat, REST API):
//! `{"code": "stable_snake_case", "message": "frase em pt-BR"}`, and the body-size guard that
//! answers in it.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, for programs.
    pub code: String,
    /// pt-BR, for people.
    pub message: String,
}

pub fn error(status: u16, code: &str, message: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        axum::Json(ErrorBody {
            code: code.to_owned(),
            message: message.into(),
        }),
    )
        .into_response()
}

pub fn app_error(e: &app::error::AppError) -> Response {
    error(e.status(), e.code(), e.message())
}

/// The answer to a use case's error: refusals as they are, failures (logged here, once, with
/// their source) as the opaque internal error.
pub fn failure(e: impl Into<app::error::AppError>) -> Response {
    app_error(&e.into())
}

pub fn too_large() -> Response {
    error(
        413,
        "payload_too_large",
        "O corpo da requisição é grande demais.",
    )
}

/// Refuses bodies over `max` (declared or, for chunked ones, while reading) with a JSON 413.
pub async fn limit_body(State(max): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > max) {
        if len <= super::limits::DRAIN_AT_MOST {
            super::limits::drain(request).await;
        }
        return too_large();
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    response
}
