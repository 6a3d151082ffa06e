//! The REST API's writes on users and teams (`admin` scope): an HR system creating the new
//! agent and putting them in their team, deactivating who left. The same rules as Usuários and
//! Equipes (the last active administrator stays one), audited as the token.

use super::api_auth::{Audited, Caller};
use super::api_extract::{ApiJson, Id, Ids};
use super::json::{self, ErrorBody};
use super::session::ClientAddr;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, patch, post};
use axum::{Json, Router};
use backend::error::{AppError, Error};
use backend::services::users::{self, UserInput};
use backend::services::{inbox, teams};
use backend::AppState;
use serde::{Deserialize, Serialize};
use shared::values::Capacity;
use shared::{Role, TeamId, UserId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", post(create_user))
        .route("/api/v1/users/{id}", patch(update_user))
        .route("/api/v1/teams", post(create_team))
        .route("/api/v1/teams/{id}", patch(rename_team))
        .route("/api/v1/teams/{id}/members", post(add_member))
        .route(
            "/api/v1/teams/{id}/members/{user_id}",
            delete(remove_member),
        )
}

fn done(result: Result<(), Error>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    pub name: String,
    pub email: String,
    /// `admin`, `supervisor` or `agent`.
    #[schema(value_type = String)]
    pub role: Role,
    /// Conversations at once (1 to 50; 5 when absent).
    pub capacity: Option<i32>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub team_ids: Vec<TeamId>,
    /// At least 8 characters; absent: one is generated and answered once.
    pub password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    /// Only when it was generated: shown this once, never stored in clear.
    pub password: Option<String>,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserBody,
    responses((status = 201, body = CreatedUser), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Response {
    let generated = body.password.is_none().then(users::temporary_password);
    let password = body
        .password
        .clone()
        .or(generated.clone())
        .unwrap_or_default();
    let input = UserInput {
        name: body.name,
        role: body.role,
        capacity: body.capacity.unwrap_or(Capacity::DEFAULT.get()),
        teams: body.team_ids,
    };
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let created = async { users::create_as(&state, actor, input, &body.email, &password).await };
    match created.await {
        Ok(id) => (
            StatusCode::CREATED,
            Json(CreatedUser {
                id,
                password: generated,
            }),
        )
            .into_response(),
        Err(e) => json::failure(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserChanges {
    pub name: Option<String>,
    /// `admin`, `supervisor` or `agent`.
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    pub capacity: Option<i32>,
    /// Replaces the user's teams.
    #[schema(value_type = Option<Vec<String>>)]
    pub team_ids: Option<Vec<TeamId>>,
    /// false deactivates (ending every session at once); true reactivates.
    pub active: Option<bool>,
}

/// Changes a user; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = String, Path)),
    request_body = UserChanges,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Id(id): Id<UserId>,
    ApiJson(body): ApiJson<UserChanges>,
) -> Response {
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let result = async {
        let current = backend::db::users::find(&state.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let profile = body.name.is_some()
            || body.role.is_some()
            || body.capacity.is_some()
            || body.team_ids.is_some();
        if profile {
            let teams = match body.team_ids {
                Some(teams) => teams,
                None => inbox::teams_of(&state, id).await?,
            };
            let input = UserInput {
                name: body.name.unwrap_or(current.name),
                role: body.role.unwrap_or(current.role),
                capacity: body.capacity.unwrap_or(current.capacity),
                teams,
            };
            users::update_as(&state, actor, id, input).await?;
        }
        match body.active {
            Some(active) if active != current.active => {
                users::set_active_as(&state, actor, id, active).await
            }
            _ => Ok(()),
        }
    };
    done(result.await)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TeamBody {
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedTeam {
    #[schema(value_type = String, format = Uuid)]
    pub id: TeamId,
}

/// Creates a team.
#[utoipa::path(post, path = "/api/v1/teams", request_body = TeamBody,
    responses((status = 201, body = CreatedTeam), (status = 409, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    ApiJson(body): ApiJson<TeamBody>,
) -> Response {
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let created = async { teams::create_as(&state, &actor, &body.name).await };
    match created.await {
        Ok(id) => (StatusCode::CREATED, Json(CreatedTeam { id })).into_response(),
        Err(e) => json::failure(e),
    }
}

/// Renames a team.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", params(("id" = String, Path)),
    request_body = TeamBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rename_team(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Id(id): Id<TeamId>,
    ApiJson(body): ApiJson<TeamBody>,
) -> Response {
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let result = async { teams::rename_as(&state, &actor, id, &body.name).await };
    done(result.await)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberBody {
    /// An active user.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Whether they supervise the team (never an agent); absent keeps an existing membership's.
    pub supervisor: Option<bool>,
}

/// Adds a user to a team (or changes whether they supervise it).
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", params(("id" = String, Path)),
    request_body = MemberBody,
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Id(id): Id<TeamId>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Response {
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let result =
        async { teams::add_member_as(&state, &actor, id, body.user_id, body.supervisor).await };
    done(result.await)
}

/// Removes a user from a team.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Ids(team, user): Ids<TeamId, UserId>,
) -> Response {
    let who = Audited::new(&caller, client);
    let actor = who.actor();
    let result = async { teams::remove_member_as(&state, &actor, team, user).await };
    done(result.await)
}
