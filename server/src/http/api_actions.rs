//! The REST API's conversation actions (`conversations` scope): assign, take, transfer, resolve,
//! reopen and continue on another channel. Each
//! follows the inbox's rules and is recorded as done by the system; a private note is a
//! `message` of kind `note` on `POST /api/v1/conversations/{id}/messages`.

use super::api_auth::Caller;
use super::api_extract::{ApiJson, Id};
use super::json::{self, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use axum::Router;
use backend::services::inbox;
use backend::AppState;
use serde::Deserialize;
use serde::Serialize;
use shared::{ChannelId, ConversationId, TeamId, UserId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations/{id}/assign", post(assign))
        .route("/api/v1/conversations/{id}/transfer", post(transfer))
        .route("/api/v1/conversations/{id}/resolve", post(resolve))
        .route("/api/v1/conversations/{id}/take", post(take))
        .route("/api/v1/conversations/{id}/reopen", post(reopen))
        .route("/api/v1/conversations/{id}/continue", post(continue_on))
}

fn done(result: Result<(), backend::error::Error>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssignBody {
    /// The agent (an active user) who takes the conversation.
    #[schema(value_type = String, format = Uuid)]
    pub agent_id: UserId,
}

/// Assigns the conversation to an agent.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", params(("id" = String, Path)),
    request_body = AssignBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Response {
    done(inbox::assign_by_integration(&state, id, body.agent_id).await)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransferBody {
    /// To this team's queue (distributed when the team distributes)…
    #[schema(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<TeamId>,
    /// …or to this agent (at least one of the two).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agent_id: Option<UserId>,
    /// For whoever receives it (up to 1,000 characters).
    pub note: Option<String>,
}

/// Transfers the conversation to a team or an agent.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/transfer", params(("id" = String, Path)),
    request_body = TransferBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(body): ApiJson<TransferBody>,
) -> Response {
    done(
        inbox::transfer_by_integration(
            &state,
            id,
            body.team_id,
            body.agent_id,
            body.note.as_deref(),
        )
        .await,
    )
}

/// Resolves the conversation; the team's closing message goes to the customer first.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
) -> Response {
    done(inbox::resolve_by_integration(&state, id).await)
}

/// An agent takes a conversation with the bot or in a queue; one another agent has is refused
/// with 409 (`assign` or `transfer` move it).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/take", params(("id" = String, Path)),
    request_body = AssignBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn take(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Response {
    done(inbox::take_by_integration(&state, id, body.agent_id).await)
}

/// Reopens a resolved conversation, assigned to the agent; one still open stays as it is.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", params(("id" = String, Path)),
    request_body = AssignBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Response {
    done(inbox::reopen_by_integration(&state, id, body.agent_id).await)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContinueBody {
    /// Another of the contact's channels (on WhatsApp, a contact with a phone number gets an
    /// identity from it).
    #[schema(value_type = String, format = Uuid)]
    pub channel_id: ChannelId,
    /// Who continues there; without one, whoever has the conversation now.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agent_id: Option<UserId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Continued {
    /// The conversation on the other channel (found open, or opened now).
    #[schema(value_type = String, format = Uuid)]
    pub conversation_id: ConversationId,
}

/// Continues the conversation on another of the contact's channels.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/continue", params(("id" = String, Path)),
    request_body = ContinueBody,
    responses((status = 200, body = Continued), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn continue_on(
    State(state): State<AppState>,
    _caller: Caller,
    Id(id): Id<ConversationId>,
    ApiJson(body): ApiJson<ContinueBody>,
) -> Response {
    match inbox::continue_by_integration(&state, id, body.channel_id, body.agent_id).await {
        Ok(conversation_id) => {
            (StatusCode::OK, Json(Continued { conversation_id })).into_response()
        }
        Err(e) => json::failure(e),
    }
}
