//! Agents and teams as the inbox offers them, and the queue's automatic distribution.

use crate::db::{self, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::inbox::{AgentOption, TeamOption};
use shared::{Availability, Permission, TeamId, UserId};

pub async fn agents(state: &AppState) -> Result<Vec<AgentOption>, Error> {
    let rows: Vec<(UserId, String, Availability, i64, i32, Vec<TeamId>)> = sqlx::query_as(
        "select u.id, u.name, u.availability,
             (select count(*) from conversations c where c.assignee_id = u.id and c.status = 'open'),
             u.capacity,
             coalesce(array_agg(m.team_id) filter (where m.team_id is not null), '{}')
         from users u left join team_members m on m.user_id = u.id
         where u.active group by u.id order by u.name",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, availability, load, capacity, teams)| AgentOption {
                id,
                name,
                availability,
                load,
                capacity,
                teams,
            },
        )
        .collect())
}

pub async fn teams(state: &AppState) -> Result<Vec<TeamOption>, Error> {
    let rows: Vec<(TeamId, String, bool, i64)> = sqlx::query_as(
        "select t.id, t.name::text, t.auto_assign,
             (select count(*) from conversations c where c.team_id = t.id
                and c.status = 'waiting' and c.assignee_id is null)
         from teams t order by t.name",
    )
    .fetch_all(&state.pool)
    .await?;
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
    sqlx::query("update teams set auto_assign = $2, updated_at = now() where id = $1")
        .bind(team)
        .bind(on)
        .execute(&mut *tx)
        .await?;
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
