//! The first administrator of a production install. While no active administrator exists, each
//! start issues a one-time link (its token's hash kept in Redis for a day, shared by every
//! instance); the first-run page that holds it creates the first administrator, and from then on
//! the link and the page are gone. `server user create` does the same from a terminal.

use crate::crypto::random_token;
use crate::db;
use crate::error::{AppError, Error};
use crate::services::users::{self, Actor, UserInput};
use crate::state::AppState;
use redis::AsyncCommands;
use shared::{Refusal, Role, UserId};

/// How long a first-run link stays valid.
const LINK_TTL_SECONDS: u64 = 24 * 3600;

/// The page the link opens.
pub const FIRST_RUN_PATH: &str = "/primeiro-acesso";

fn key(state: &AppState) -> String {
    format!("{}:first-run-token", state.auth.redis_namespace)
}

/// Whether the install still has no active administrator.
pub async fn needs_first_admin(state: &AppState) -> Result<bool, Error> {
    Ok(db::users::active_admin_count(&state.pool).await? == 0)
}

/// A fresh one-time link when no active administrator exists (replacing any earlier one).
pub async fn issue_link(state: &AppState) -> Result<Option<String>, Error> {
    if !needs_first_admin(state).await? {
        return Ok(None);
    }
    let token = random_token();
    let hash = hex_of(&state.secrets.token_hash(&token));
    let mut conn = state.redis.clone();
    let _: () = conn.set_ex(key(state), hash, LINK_TTL_SECONDS).await?;
    Ok(Some(format!(
        "{}{FIRST_RUN_PATH}?token={token}",
        state.auth.public_origin
    )))
}

/// Whether `token` is the current link's (without using it up).
pub async fn link_valid(state: &AppState, token: &str) -> Result<bool, Error> {
    let mut conn = state.redis.clone();
    let stored: Option<String> = conn.get(key(state)).await?;
    let hash = hex_of(&state.secrets.token_hash(token));
    Ok(stored.is_some_and(|s| crate::crypto::constant_time_eq(s.as_bytes(), hash.as_bytes())))
}

/// The first-run page's form: the link is used up (atomically, so two submissions cannot both
/// succeed) and the administrator created; a refusal gives the link back.
pub async fn create_first_admin(
    state: &AppState,
    token: &str,
    name: &str,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> Result<UserId, Error> {
    if !needs_first_admin(state).await? {
        return Err(AppError::Refused(Refusal::FirstRunDone).into());
    }
    let mut conn = state.redis.clone();
    let stored: Option<String> = redis::cmd("GETDEL")
        .arg(key(state))
        .query_async(&mut conn)
        .await?;
    let hash = hex_of(&state.secrets.token_hash(token));
    let Some(stored) =
        stored.filter(|s| crate::crypto::constant_time_eq(s.as_bytes(), hash.as_bytes()))
    else {
        return Err(AppError::Refused(Refusal::FirstRunLinkInvalid).into());
    };
    let created = users::create_as(
        state,
        Actor {
            id: None,
            label: "primeiro acesso",
            ip,
        },
        admin_input(name),
        email,
        password,
    )
    .await;
    if created.is_err() {
        let _: Result<(), _> = conn.set_ex(key(state), stored, LINK_TTL_SECONDS).await;
    }
    created
}

/// `server user create`: any role, from a terminal of the server.
pub async fn create_by_command(
    state: &AppState,
    name: &str,
    email: &str,
    role: Role,
    password: &str,
) -> Result<UserId, Error> {
    let mut input = admin_input(name);
    input.role = role;
    let id = users::create_as(
        state,
        Actor {
            id: None,
            label: "linha de comando",
            ip: None,
        },
        input,
        email,
        password,
    )
    .await?;
    // The link printed at start, if any, is no longer needed once an administrator exists.
    if role == Role::Admin {
        let mut conn = state.redis.clone();
        let _: Result<(), _> = conn.del(key(state)).await;
    }
    Ok(id)
}

fn admin_input(name: &str) -> UserInput {
    UserInput {
        name: name.to_owned(),
        role: Role::Admin,
        capacity: 5,
        teams: Vec::new(),
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The role named on the command line, as the product names them.
pub fn role_named(name: &str) -> Option<Role> {
    match name.trim().to_lowercase().as_str() {
        "administrador" | "admin" => Some(Role::Admin),
        "supervisor" | "supervisora" => Some(Role::Supervisor),
        "atendente" | "agent" => Some(Role::Agent),
        _ => None,
    }
}
