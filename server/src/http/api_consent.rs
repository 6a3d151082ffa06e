//! LGPD over the REST API: a contact's consent per channel and purpose, and the suppression
//! list (import a do-not-contact file such as Procon-SP's "Não Me Ligue", export it, look a
//! number up, take it off).

use super::api_auth::Caller;
use super::api_campaigns::LineProblem;
use super::api_extract::ApiJson;
use super::json::{self, ErrorBody};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::campaigns::consent;
use backend::db::consents::Record;
use backend::error::AppError;
use backend::AppState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::campaign::model::Purpose;
use shared::campaign::phone::BrPhone;
use shared::{ChannelId, ContactId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/suppressions", get(export))
        .route("/api/v1/suppressions/import", post(import))
        .route("/api/v1/suppressions/{phone}", get(lookup).delete(remove))
        .route(
            "/api/v1/contacts/{id}/consents",
            get(consents).post(record_consent),
        )
}

/// The suppression list as CSV (`telefone;alcance;motivo;desde`).
#[utoipa::path(get, path = "/api/v1/suppressions",
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export(State(state): State<AppState>, _caller: Caller) -> Response {
    match consent::export_suppressions(&state).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"supressao.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImportBody {
    /// CSV with a phone column (telefone, celular…).
    pub csv: String,
    /// `all` (every campaign, collections included: "Não Me Ligue") or `marketing`.
    pub scope: String,
    /// Where the list came from (shown on each number).
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportedList {
    /// Numbers new on the list (or widened to every campaign).
    pub added: u64,
    /// Valid numbers in the file.
    pub numbers: usize,
    /// Lines left out, and why.
    pub problems: Vec<LineProblem>,
}

/// Imports a do-not-contact list: 200 with how many numbers were added and the lines left out.
#[utoipa::path(post, path = "/api/v1/suppressions/import", request_body = ImportBody,
    responses((status = 200, body = ImportedList), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<ImportBody>,
) -> Response {
    let detail = body
        .detail
        .unwrap_or_else(|| "Lista importada pela API".into());
    match consent::import_suppressions(&state, &body.csv, &body.scope, &detail).await {
        Ok(i) => Json(ImportedList {
            added: i.added,
            numbers: i.numbers,
            problems: i
                .report
                .problems
                .into_iter()
                .map(|p| LineProblem {
                    line: p.line,
                    message: p.message,
                })
                .collect(),
        })
        .into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Suppression {
    pub phone: String,
    /// `all` or `marketing`.
    pub scope: String,
    /// reply, button, meta_131050, import or manual.
    pub reason: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn phone_of(raw: &str) -> Result<String, Box<Response>> {
    BrPhone::parse(raw).map(|p| p.e164).map_err(|e| {
        Box::new(json::error(
            400,
            "bad_request",
            format!("Telefone inválido: {e}."),
        ))
    })
}

/// Whether a number is on the suppression list, and why.
#[utoipa::path(get, path = "/api/v1/suppressions/{phone}", params(("phone" = String, Path)),
    responses((status = 200, body = Suppression), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    _caller: Caller,
    Path(phone): Path<String>,
) -> Response {
    let phone = match phone_of(&phone) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match consent::suppression(&state, &phone).await {
        Ok(Some(s)) => Json(Suppression {
            phone: s.phone,
            scope: s.scope,
            reason: s.reason,
            detail: s.detail,
            created_at: s.created_at,
        })
        .into_response(),
        Ok(None) => json::failure(AppError::NotFound),
        Err(e) => json::failure(e),
    }
}

/// Takes a number off the list (the customer asked to receive campaigns again).
#[utoipa::path(delete, path = "/api/v1/suppressions/{phone}", params(("phone" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    _caller: Caller,
    Path(phone): Path<String>,
) -> Response {
    let phone = match phone_of(&phone) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match consent::unsuppress(&state, &phone).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => json::failure(AppError::NotFound),
        Err(e) => json::failure(e),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Consent {
    /// Null: every channel.
    pub channel_id: Option<ChannelId>,
    pub channel_name: Option<String>,
    /// marketing or utility.
    pub purpose: String,
    pub granted: bool,
    /// reply, button, meta_131050, csv, api…
    pub source: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsentList {
    pub data: Vec<Consent>,
}

fn contact_of(raw: &str) -> Result<ContactId, Box<Response>> {
    raw.parse::<uuid::Uuid>()
        .map(ContactId)
        .map_err(|_| Box::new(json::failure(AppError::NotFound)))
}

/// The contact's standing consent per channel and purpose (the latest record of each).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/consents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ConsentList), (status = 404, body = ErrorBody)))]
pub async fn consents(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let contact = match contact_of(&id) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    match consent::of_contact(&state, contact).await {
        Ok(rows) => Json(ConsentList {
            data: rows
                .into_iter()
                .map(|r| Consent {
                    channel_id: r.channel_id,
                    channel_name: r.channel_name,
                    purpose: r.purpose,
                    granted: r.granted,
                    source: r.source,
                    detail: r.detail,
                    at: r.at,
                })
                .collect(),
        })
        .into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConsentBody {
    /// marketing or utility.
    pub purpose: String,
    pub granted: bool,
    /// Only this channel (every channel when absent).
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// How it was given (a form, a call…).
    #[serde(default)]
    pub detail: Option<String>,
}

/// Records a grant or a withdrawal (a withdrawal of marketing suppresses the number too).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/consents", params(("id" = uuid::Uuid, Path)),
    request_body = ConsentBody,
    responses((status = 201), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_consent(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConsentBody>,
) -> Response {
    let contact = match contact_of(&id) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Some(purpose) = Purpose::from_code(&body.purpose) else {
        return json::error(
            400,
            "bad_request",
            "Finalidade inválida: use marketing ou utility.",
        );
    };
    if body
        .detail
        .as_deref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        return json::error(
            400,
            "bad_request",
            "Detalhe longo demais (até 500 caracteres).",
        );
    }
    let record = Record {
        contact,
        channel: body.channel_id,
        purpose: purpose.code(),
        granted: body.granted,
        source: "api",
        detail: body.detail.as_deref(),
        by: None,
    };
    match consent::record(&state, record).await {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => json::failure(e),
    }
}
