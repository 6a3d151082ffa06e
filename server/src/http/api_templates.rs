//! The REST API's WhatsApp templates (`campaigns` scope to change them, `read` to read), in
//! Meta's own shape: `POST /api/v1/templates` takes what `POST /{waba}/message_templates`
//! takes (plus `channel_id` when there is more than one WhatsApp channel), checks it against
//! Meta's limits (422 with every problem in pt-BR) and sends it for review.

use super::api_auth::Caller;
use super::api_extract::{ApiJson, ApiQuery};
use super::json::{self, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use backend::error::{AppError, Error};
use backend::services::templates;
use backend::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::sent_template::ButtonAction;
use shared::{ChannelId, Refusal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/templates",
            get(list_templates).post(create_template),
        )
        .route("/api/v1/templates/sync", post(sync_templates))
        .route("/api/v1/templates/{id}", delete(delete_template))
        .route(
            "/api/v1/templates/{id}/button-actions",
            put(set_button_actions),
        )
}

fn failure(e: Error) -> Response {
    match e {
        Error::App(AppError::Refused(r @ Refusal::TemplateInvalid { .. })) => {
            let problems = match &r {
                Refusal::TemplateInvalid { problems } => problems.clone(),
                _ => Vec::new(),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "code": "template_invalid",
                    "message": r.message(),
                    "problems": problems,
                })),
            )
                .into_response()
        }
        other => json::failure(other),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiTemplate {
    pub id: uuid::Uuid,
    pub channel_id: ChannelId,
    /// Meta's id (a string).
    pub meta_id: Option<String>,
    pub name: String,
    pub language: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    /// As Meta names it: APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
    pub status: String,
    /// GREEN, YELLOW, RED or UNKNOWN.
    pub quality: String,
    /// Why it was rejected or paused (Meta's code, then its words).
    pub reason: Option<String>,
    /// Meta's components (HEADER, BODY, FOOTER, BUTTONS…), as Meta returns them.
    #[schema(value_type = Vec<Object>)]
    pub components: Value,
    /// What each quick reply does when tapped: `{"index": 1, "action": "flow", "flow":
    /// "negociacao"}` or `{"index": 2, "action": "opt_out"}` (`index` counts every button).
    pub button_actions: Vec<ButtonAction>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<shared::template::TemplateSummary> for ApiTemplate {
    fn from(t: shared::template::TemplateSummary) -> Self {
        ApiTemplate {
            id: t.id,
            channel_id: t.channel_id,
            meta_id: t.meta_id,
            name: t.name,
            language: t.language,
            category: t.category,
            status: t.status,
            quality: t.quality,
            reason: t.reason,
            components: t.components,
            button_actions: t.button_actions,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TemplateList {
    pub data: Vec<ApiTemplate>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Only this WhatsApp channel's templates.
    channel_id: Option<ChannelId>,
}

/// The templates of every WhatsApp channel (or one), as last synced or reported by Meta.
#[utoipa::path(get, path = "/api/v1/templates", params(TemplateQuery),
    responses((status = 200, body = TemplateList), (status = 400, body = ErrorBody)))]
pub async fn list_templates(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> Response {
    match templates::list(&state, q.channel_id).await {
        Ok(all) => Json(TemplateList {
            data: all.into_iter().map(ApiTemplate::from).collect(),
        })
        .into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateBody {
    /// Needed when there is more than one WhatsApp channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// `[a-z0-9_]`, up to 512 characters.
    pub name: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    /// `pt_BR`, `en_US`…
    pub language: String,
    /// Meta's components: HEADER, BODY (required), FOOTER, BUTTONS.
    #[schema(value_type = Vec<Object>)]
    pub components: Value,
    /// Ours, not Meta's: what the quick replies do when tapped (see `ApiTemplate`).
    #[serde(default)]
    pub button_actions: Vec<ButtonAction>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedTemplate {
    pub id: uuid::Uuid,
    pub meta_id: Option<String>,
    /// As Meta answered: PENDING while it reviews.
    pub status: String,
}

/// Sends a new template to Meta for review: 201 with its id and status; 422 with every problem
/// when it breaks Meta's limits (nothing is sent to Meta then).
#[utoipa::path(post, path = "/api/v1/templates", request_body = TemplateBody,
    responses((status = 201, body = CreatedTemplate), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<TemplateBody>,
) -> Response {
    let meta = serde_json::json!({
        "name": body.name,
        "category": body.category,
        "language": body.language,
        "components": body.components,
    });
    let draft = match shared::template::from_meta(&meta) {
        Ok(d) => d,
        Err(problem) => {
            return failure(
                AppError::Refused(Refusal::TemplateInvalid {
                    problems: vec![problem],
                })
                .into(),
            )
        }
    };
    let channel = match body.channel_id {
        Some(c) => c,
        None => match templates::only_whatsapp_channel(&state).await {
            Ok(c) => c,
            Err(e) => return failure(e),
        },
    };
    match templates::create(&state, channel, &draft, &body.button_actions, None).await {
        Ok(t) => (
            StatusCode::CREATED,
            Json(CreatedTemplate {
                id: t.id,
                meta_id: t.meta_id,
                status: t.status,
            }),
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

/// Deletes the template at Meta (this language) and here.
#[utoipa::path(delete, path = "/api/v1/templates/{id}", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_template(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return json::failure(AppError::NotFound);
    };
    match templates::delete(&state, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ButtonActionsBody {
    pub button_actions: Vec<ButtonAction>,
}

/// Sets what the template's quick replies do when tapped (replacing what they did): 200 with
/// the template; 422 when a button is not a quick reply or a flow does not exist.
#[utoipa::path(put, path = "/api/v1/templates/{id}/button-actions",
    params(("id" = uuid::Uuid, Path)), request_body = ButtonActionsBody,
    responses((status = 200, body = ApiTemplate), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_button_actions(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ButtonActionsBody>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return json::failure(AppError::NotFound);
    };
    match templates::set_button_actions(&state, id, &body.button_actions).await {
        Ok(t) => Json(ApiTemplate::from(t)).into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SyncBody {
    /// Needed when there is more than one WhatsApp channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Synced {
    /// Templates read from Meta.
    pub synced: usize,
}

/// Reads the channel's templates from Meta again.
#[utoipa::path(post, path = "/api/v1/templates/sync", request_body = SyncBody,
    responses((status = 200, body = Synced), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn sync_templates(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(body): ApiJson<SyncBody>,
) -> Response {
    let channel = match body.channel_id {
        Some(c) => c,
        None => match templates::only_whatsapp_channel(&state).await {
            Ok(c) => c,
            Err(e) => return failure(e),
        },
    };
    match templates::sync(&state, channel).await {
        Ok(synced) => Json(Synced { synced }).into_response(),
        Err(e) => failure(e),
    }
}
