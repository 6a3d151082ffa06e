//! Equipes: administrators manage every team; supervisors manage the members of the teams they
//! supervise.

use crate::db::audit::NewAuditEntry;
use crate::db::{teams, users};
use crate::error::on_constraint;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::services::users::Actor;
use crate::state::AppState;
use shared::dto::{AuditAction, TeamSummary};
use shared::{Permission, Refusal, Role, TeamId, TeamName, UserId};

pub async fn list(state: &AppState, who: &Authorised) -> Result<Vec<TeamSummary>, Error> {
    let all = teams::list(&state.pool).await?;
    let members = teams::members(&state.pool).await?;
    let supervised = teams::supervised_by(&state.pool, who.user.id).await?;
    let manages_all = who.user.can(Permission::ManageAllTeams);
    let mut settings = teams::settings(&state.pool).await?;
    let mut out: Vec<TeamSummary> = all
        .into_iter()
        .map(|t| {
            let own = settings
                .iter()
                .position(|s| s.id == t.id)
                .map(|i| settings.swap_remove(i));
            TeamSummary {
                can_manage: manages_all || supervised.contains(&t.id),
                closing_message: own
                    .as_ref()
                    .map(|s| s.closing_message.clone())
                    .unwrap_or_default(),
                business_hours: own.and_then(|s| s.business_hours),
                id: t.id,
                name: t.name,
                members: Vec::new(),
            }
        })
        .collect();
    for m in members {
        if let Some(team) = out.iter_mut().find(|t| t.id == m.team_id) {
            team.members.push(m.into());
        }
    }
    Ok(out)
}

fn parse_name(raw: &str) -> Result<TeamName, Error> {
    Ok(TeamName::parse(raw).map_err(|e| AppError::invalid("name", e))?)
}

fn map_unique(e: sqlx::Error) -> Error {
    if on_constraint(&e, "teams_name_key") {
        AppError::TeamNameTaken.into()
    } else {
        e.into()
    }
}

async fn audit_team(
    db: impl sqlx::PgExecutor<'_>,
    actor: &Actor<'_>,
    detail: &str,
    subject: Option<(UserId, &str)>,
) -> Result<(), Error> {
    let mut entry = NewAuditEntry::new(AuditAction::TeamChanged)
        .by(actor.id, actor.label)
        .from_ip(actor.ip)
        .detail(detail);
    if let Some((id, label)) = subject {
        entry = entry.on(id, label);
    }
    entry.record(db).await?;
    Ok(())
}

pub async fn create(state: &AppState, who: &Authorised, name: &str) -> Result<TeamId, Error> {
    create_as(state, &Actor::person(who, &who.label()), name).await
}

/// Creates a team on behalf of `actor` (whose right was checked).
pub async fn create_as(state: &AppState, actor: &Actor<'_>, name: &str) -> Result<TeamId, Error> {
    let name = parse_name(name)?;
    let id = TeamId(uuid::Uuid::new_v4());
    let mut tx = state.pool.begin().await?;
    teams::insert(&mut *tx, id, name.as_str())
        .await
        .map_err(map_unique)?;
    audit_team(&mut *tx, actor, &format!("equipe criada: {name}"), None).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rename(
    state: &AppState,
    who: &Authorised,
    id: TeamId,
    name: &str,
) -> Result<(), Error> {
    rename_as(state, &Actor::person(who, &who.label()), id, name).await
}

/// Renames a team on behalf of `actor` (whose right was checked).
pub async fn rename_as(
    state: &AppState,
    actor: &Actor<'_>,
    id: TeamId,
    name: &str,
) -> Result<(), Error> {
    let name = parse_name(name)?;
    let mut tx = state.pool.begin().await?;
    if !teams::rename(&mut *tx, id, name.as_str())
        .await
        .map_err(map_unique)?
    {
        return Err(AppError::NotFound.into());
    }
    audit_team(&mut *tx, actor, &format!("equipe renomeada: {name}"), None).await?;
    tx.commit().await?;
    Ok(())
}

/// The longest closing message a team may have.
pub const CLOSING_MESSAGE_MAX: usize = 1000;

/// What the team's customers are told when an agent resolves their conversation; empty for
/// nothing. Whoever manages the team's members may change it.
pub async fn set_closing_message(
    state: &AppState,
    who: &Authorised,
    id: TeamId,
    message: &str,
) -> Result<(), Error> {
    ensure_manages(state, who, id).await?;
    let message = message.trim();
    if message.chars().count() > CLOSING_MESSAGE_MAX {
        return Err(AppError::Refused(Refusal::ClosingMessageTooLong {
            max: CLOSING_MESSAGE_MAX,
        })
        .into());
    }
    let mut tx = state.pool.begin().await?;
    if !teams::set_closing_message(&mut *tx, id, message).await? {
        return Err(AppError::NotFound.into());
    }
    audit_team(
        &mut *tx,
        &Actor::person(who, &who.label()),
        "mensagem de encerramento alterada",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// When the team's agents answer (`days` as [`shared::hours::parse_week`] reads them; none:
/// at any time). The bot tells customers handed to the
/// team outside them when it opens. Whoever manages the team's members may change them.
pub async fn set_business_hours(
    state: &AppState,
    who: &Authorised,
    id: TeamId,
    time_zone: &str,
    days: &str,
) -> Result<(), Error> {
    ensure_manages(state, who, id).await?;
    let hours = shared::hours::parse_week(time_zone, days).map_err(|e| {
        AppError::Refused(Refusal::BusinessHoursInvalid {
            detail: e.to_string(),
        })
    })?;
    let detail = match &hours {
        Some(h) => {
            if h.time_zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(AppError::Refused(Refusal::TimeZoneUnknown {
                    zone: h.time_zone.clone(),
                })
                .into());
            }
            format!("horário de atendimento: {} ({})", h.summary(), h.time_zone)
        }
        None => "horário de atendimento: sempre aberto".to_owned(),
    };
    let mut tx = state.pool.begin().await?;
    if !teams::set_business_hours(&mut *tx, id, hours.as_ref()).await? {
        return Err(AppError::NotFound.into());
    }
    audit_team(&mut *tx, &Actor::person(who, &who.label()), &detail, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that `who` may change `team`'s members: any team for administrators, supervised ones
/// for supervisors.
async fn ensure_manages(state: &AppState, who: &Authorised, team: TeamId) -> Result<(), Error> {
    if who.user.can(Permission::ManageAllTeams) {
        return Ok(());
    }
    if who.user.can(Permission::ManageSupervisedTeams)
        && teams::supervised_by(&state.pool, who.user.id)
            .await?
            .contains(&team)
    {
        return Ok(());
    }
    Err(AppError::Forbidden.into())
}

pub async fn add_member(
    state: &AppState,
    who: &Authorised,
    team: TeamId,
    user: UserId,
    as_supervisor: bool,
) -> Result<(), Error> {
    ensure_manages(state, who, team).await?;
    // Only administrators appoint (or unappoint) supervisors; a supervisor adding a member
    // leaves an existing membership as it is.
    let is_admin = who.user.can(Permission::ManageAllTeams);
    if as_supervisor && !is_admin {
        return Err(AppError::Forbidden.into());
    }
    let label = who.label();
    add_member_as(
        state,
        &Actor::person(who, &label),
        team,
        user,
        is_admin.then_some(as_supervisor),
    )
    .await
}

/// Adds `user` (active) to `team` on behalf of `actor` (whose right was checked); `supervisor`
/// sets whether they supervise it (agents never do), `None` keeps an existing membership's.
pub async fn add_member_as(
    state: &AppState,
    actor: &Actor<'_>,
    team: TeamId,
    user: UserId,
    supervisor: Option<bool>,
) -> Result<(), Error> {
    let team_name = teams::find_name(&state.pool, team)
        .await?
        .ok_or(AppError::NotFound)?;
    let member = users::find(&state.pool, user)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::NotFound)?;
    // Agents supervise no team.
    let supervisor = supervisor.map(|s| s && member.role != Role::Agent);
    let mut tx = state.pool.begin().await?;
    teams::add_member(&mut *tx, team, user, supervisor).await?;
    let label = format!("{} <{}>", member.name, member.email);
    audit_team(
        &mut *tx,
        actor,
        &format!(
            "adicionado à equipe {team_name}{}",
            if supervisor == Some(true) {
                " como supervisor"
            } else {
                ""
            }
        ),
        Some((user, &label)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(
    state: &AppState,
    who: &Authorised,
    team: TeamId,
    user: UserId,
) -> Result<(), Error> {
    ensure_manages(state, who, team).await?;
    if !who.user.can(Permission::ManageAllTeams)
        && teams::is_supervisor_of(&state.pool, team, user).await?
    {
        // A supervisor cannot remove a fellow supervisor; administrators decide that.
        return Err(AppError::Forbidden.into());
    }
    remove_member_as(state, &Actor::person(who, &who.label()), team, user).await
}

/// Removes `user` from `team` on behalf of `actor` (whose right was checked).
pub async fn remove_member_as(
    state: &AppState,
    actor: &Actor<'_>,
    team: TeamId,
    user: UserId,
) -> Result<(), Error> {
    let team_name = teams::find_name(&state.pool, team)
        .await?
        .ok_or(AppError::NotFound)?;
    let label = users::find(&state.pool, user)
        .await?
        .map(|u| format!("{} <{}>", u.name, u.email))
        .unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    if !teams::remove_member(&mut *tx, team, user).await? {
        return Err(AppError::NotFound.into());
    }
    audit_team(
        &mut *tx,
        actor,
        &format!("removido da equipe {team_name}"),
        Some((user, &label)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
