//! Files agents attach in the composer: `POST /anexos?conversa=&nome=` (signed in, CSRF-checked
//! like every form; the body is the file, its type in `Content-Type`) and `GET /anexos/{id}`
//! with a signed, expiring link, for Meta's servers and the webchat visitor.

use super::json;
use app::error::AppError;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use backend::error::Error;
use backend::guard;
use backend::session::RequestContext;
use backend::AppState;
use backend::{attachments, services::attachments as uploads};
use serde::Deserialize;
use shared::messaging::{MessageKind, OutboundError};
use shared::{ConversationId, Permission};

/// The largest file any channel takes (WhatsApp documents).
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

pub fn upload_router() -> Router<AppState> {
    Router::new().route("/anexos", post(upload))
}

pub fn download_router() -> Router<AppState> {
    Router::new().route("/anexos/{id}", get(download))
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    conversa: String,
    nome: String,
}

async fn upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let who = match guard::require(&ctx, Permission::ReplyToConversations) {
        Ok(who) => who,
        Err(e) => return json::app_error(&e),
    };
    let Ok(conversation) = query.conversa.parse::<uuid::Uuid>().map(ConversationId) else {
        return json::app_error(&AppError::NotFound);
    };
    let too_large = || {
        json::error(
            413,
            "attachment_too_large",
            format!(
                "O arquivo passa do limite de {} MB.",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_UPLOAD_BYTES as u64) {
        return too_large();
    }
    let Some(_slot) = backend::blobs::transfer_slot().await else {
        return busy();
    };
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    // Written to the database as it arrives, a chunk at a time.
    let stream = body.into_data_stream();
    let stored = uploads::store(
        &state,
        &who,
        conversation,
        (&query.nome, mime),
        stream,
        MAX_UPLOAD_BYTES as u64,
    )
    .await;
    match stored {
        Ok(stored) => (StatusCode::CREATED, Json(stored)).into_response(),
        Err(Error::App(AppError::Outbound(e @ OutboundError::AttachmentTooLarge { .. }))) => {
            json::error(413, "attachment_too_large", e.message())
        }
        Err(Error::App(e @ AppError::Outbound(OutboundError::AttachmentType { .. }))) => {
            json::error(415, "attachment_type", e.message())
        }
        Err(e) => json::failure(e),
    }
}

/// Every transfer slot stayed taken for a while.
pub fn busy() -> Response {
    let mut r = json::error(
        503,
        "busy",
        "Muitos arquivos sendo enviados ou baixados agora. Tente de novo em instantes.",
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("5"),
    );
    r
}

/// A stored file as a streamed body, a chunk at a time, holding its transfer slot.
pub async fn stream_file(
    state: &AppState,
    file: &backend::blobs::StoredFile,
) -> Result<Body, Response> {
    let slot = backend::blobs::transfer_slot().await.ok_or_else(busy)?;
    Ok(Body::from_stream(backend::blobs::read(
        state.pool.clone(),
        file.blob,
        Some(slot),
    )))
}

/// A customer's media, streamed with the headers that keep it from running on our origin.
pub async fn media_response(
    state: &AppState,
    file: &backend::blobs::StoredFile,
    download: bool,
) -> Response {
    match stream_file(state, file).await {
        Ok(body) => (
            super::untrusted::headers(&file.mime, None, download),
            [(header::CONTENT_LENGTH, file.size.to_string())],
            body,
        )
            .into_response(),
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
struct Signed {
    exp: i64,
    sig: String,
}

async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return json::app_error(&AppError::NotFound);
    };
    if !attachments::link_valid(&state, id, signed.exp, &signed.sig) {
        return json::error(
            403,
            "link_invalid",
            "Este link de anexo é inválido ou expirou.",
        );
    }
    match attachments::load(&state, id).await {
        Ok((mime, filename, kind, size)) => {
            let file = backend::blobs::StoredFile {
                mime,
                size,
                blob: id,
            };
            let body = match stream_file(&state, &file).await {
                Ok(body) => body,
                Err(r) => return r,
            };
            // A document downloads; a photo, audio or video shows where the type allows.
            let download = kind == MessageKind::Document;
            (
                super::untrusted::upload_headers(&file.mime, &filename, download),
                [(header::CONTENT_LENGTH, size.to_string())],
                body,
            )
                .into_response()
        }
        Err(e) => json::failure(e),
    }
}
