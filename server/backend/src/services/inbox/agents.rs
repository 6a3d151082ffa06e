//! Agents and teams as the inbox offers them, and the queue's automatic distribution.

use crate::db::{self, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::inbox::{AgentOption, TeamOption};
use shared::{Permission, TeamId};

pub async fn agents(state: &AppState) -> Result<Vec<AgentOption>, Error> {
    Ok(crate::db::users::loads(&state.pool)
        .await?
        .into_iter()
        .map(|l| AgentOption {
            id: l.id,
            name: l.name,
            availability: l.availability,
            load: l.load,
            capacity: l.capacity,
            teams: l.teams,
        })
        .collect())
}

pub async fn teams(state: &AppState) -> Result<Vec<TeamOption>, Error> {
    let rows = crate::db::teams::queues(&state.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, auto_assign, waiting)| TeamOption {
            id,
            name,
            auto_assign,
            waiting,
        })
        .collect())
}

/// Turns a team's automatic distribution on or off; a supervisor only for teams they supervise.
pub async fn set_auto_assign(
    state: &AppState,
    who: &Authorised,
    team: TeamId,
    on: bool,
) -> Result<(), Error> {
    if !who.user.can(Permission::ManageAllTeams)
        && !db::teams::is_supervisor_of(&state.pool, team, who.user.id).await?
    {
        return Err(AppError::Forbidden.into());
    }
    let name = db::teams::find_name(&state.pool, team)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    crate::db::teams::set_auto_assign(&mut *tx, team, on).await?;
    NewAuditEntry::new(AuditAction::TeamChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Distribuição automática da equipe {name}: {}",
            if on { "ligada" } else { "desligada" }
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    if on {
        state.wakers.distribute_soon();
    }
    Ok(())
}

/// An availability change may free capacity (online) or start the offline grace period.
pub fn availability_changed(state: &AppState) {
    state.wakers.distribute_soon();
}
