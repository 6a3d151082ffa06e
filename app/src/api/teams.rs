use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use shared::dto::{TeamRef, TeamSummary};
use shared::{TeamId, UserId};

#[server(client = CsrfClient, endpoint = "teams/list")]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewTeams)?;
        teams::list(&call.state, &who).await
    })
    .await
}

/// Team names for the user form's checkboxes.
#[server(client = CsrfClient, endpoint = "teams/names")]
pub async fn team_names() -> Result<Vec<TeamRef>, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewTeams)?;
        Ok(db::teams::list(&call.state.pool).await?)
    })
    .await
}

/// Active users who can be added to a team, as (id, name, role label).
#[server(client = CsrfClient, endpoint = "teams/candidates")]
pub async fn team_candidates() -> Result<Vec<(UserId, String, String)>, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSupervisedTeams)?;
        let users = db::users::list_summaries(&call.state.pool).await?;
        Ok(users
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.id, u.name, u.role.label().to_owned()))
            .collect())
    })
    .await
}

#[server(client = CsrfClient, endpoint = "teams/create")]
pub async fn create_team(name: String) -> Result<TeamId, AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageAllTeams)?;
        teams::create(&call.state, &who, &name).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "teams/rename")]
pub async fn rename_team(id: TeamId, name: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageAllTeams)?;
        teams::rename(&call.state, &who, id, &name).await
    })
    .await
}

/// When the team answers: `days` is seven comma-separated days, Monday first, each
/// "08:00-18:00" or empty for closed; all empty for "always open".
#[server(client = CsrfClient, endpoint = "teams/business-hours")]
pub async fn set_business_hours(
    id: TeamId,
    time_zone: String,
    days: String,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewTeams)?;
        teams::set_business_hours(&call.state, &who, id, &time_zone, &days).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "teams/closing-message")]
pub async fn set_closing_message(id: TeamId, message: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewTeams)?;
        teams::set_closing_message(&call.state, &who, id, &message).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "teams/add-member")]
pub async fn add_team_member(
    team: TeamId,
    user: UserId,
    as_supervisor: bool,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSupervisedTeams)?;
        teams::add_member(&call.state, &who, team, user, as_supervisor).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "teams/remove-member")]
pub async fn remove_team_member(team: TeamId, user: UserId) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::teams;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSupervisedTeams)?;
        teams::remove_member(&call.state, &who, team, user).await
    })
    .await
}
