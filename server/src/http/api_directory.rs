//! The REST API's users and teams (`read` scope): who works on the platform and in which teams,
//! for an integration that assigns or reports by person.

use super::api_auth::Caller;
use super::json::ErrorBody;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::AppState;
use serde::Serialize;
use shared::{TeamId, UserId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users))
        .route("/api/v1/teams", get(list_teams))
}

/// A person of the platform.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// `admin`, `supervisor` or `agent`.
    pub role: String,
    pub active: bool,
    /// `online`, `away` or `offline`.
    pub availability: String,
    #[schema(value_type = Vec<String>)]
    pub teams: Vec<TeamId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub data: Vec<ApiUser>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiTeam {
    #[schema(value_type = String, format = Uuid)]
    pub id: TeamId,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamList {
    pub data: Vec<ApiTeam>,
}

fn code_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Every user, active or not (never their password or 2FA state).
#[utoipa::path(get, path = "/api/v1/users",
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, _caller: Caller) -> Response {
    match backend::db::users::list_summaries(&state.pool).await {
        Ok(users) => (
            StatusCode::OK,
            Json(UserList {
                data: users
                    .into_iter()
                    .map(|u| ApiUser {
                        id: u.id,
                        role: code_of(&u.role),
                        availability: code_of(&u.availability),
                        name: u.name,
                        email: u.email,
                        active: u.active,
                        teams: u.teams.into_iter().map(|t| t.id).collect(),
                    })
                    .collect(),
            }),
        )
            .into_response(),
        Err(e) => super::json::failure(backend::error::Error::from(e)),
    }
}

/// Every team.
#[utoipa::path(get, path = "/api/v1/teams",
    responses((status = 200, body = TeamList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list_teams(State(state): State<AppState>, _caller: Caller) -> Response {
    match backend::db::teams::list(&state.pool).await {
        Ok(teams) => (
            StatusCode::OK,
            Json(TeamList {
                data: teams
                    .into_iter()
                    .map(|t| ApiTeam {
                        id: t.id,
                        name: t.name,
                    })
                    .collect(),
            }),
        )
            .into_response(),
        Err(e) => super::json::failure(backend::error::Error::from(e)),
    }
}
