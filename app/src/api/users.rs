use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::dto::UserSummary;
use shared::{Role, TeamId, UserId};

/// The Usuários form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserForm {
    pub name: String,
    pub role: Role,
    pub capacity: i32,
    pub teams: Vec<TeamId>,
}

#[cfg(feature = "ssr")]
impl From<UserForm> for backend::services::users::UserInput {
    fn from(f: UserForm) -> Self {
        Self {
            name: f.name,
            role: f.role,
            capacity: f.capacity,
            teams: f.teams,
        }
    }
}

#[server(client = CsrfClient, endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageUsers)?;
        Ok(db::users::list_summaries(&call.state.pool).await?)
    })
    .await
}

#[server(client = CsrfClient, endpoint = "users/create", input = Json)]
pub async fn create_user(
    form: UserForm,
    email: String,
    password: String,
) -> Result<UserId, AppError> {
    use crate::guard;
    use backend::services::users;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageUsers)?;
        users::create(&call.state, &who, form.into(), &email, &password).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "users/update", input = Json)]
pub async fn update_user(id: UserId, form: UserForm) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::users;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageUsers)?;
        users::update(&call.state, &who, id, form.into()).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "users/set-active")]
pub async fn set_user_active(id: UserId, active: bool) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::users;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageUsers)?;
        users::set_active(&call.state, &who, id, active).await
    })
    .await
}

/// Returns the temporary password, shown once to the administrator.
#[server(client = CsrfClient, endpoint = "users/reset-password")]
pub async fn reset_user_password(id: UserId) -> Result<String, AppError> {
    use crate::guard;
    use backend::services::users;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageUsers)?;
        users::reset_password(&call.state, &who, id).await
    })
    .await
}
