use super::sql::{query, query_as, query_scalar};
use shared::dto::{TeamMember, TeamRef};
use shared::hours::BusinessHours;
use shared::{Availability, Role, TeamId, UserId};
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, Transaction};

pub async fn insert(db: impl PgExecutor<'_>, id: TeamId, name: &str) -> sqlx::Result<()> {
    query(INSERT).bind(id).bind(name).execute(db).await?;
    Ok(())
}

pub async fn rename(db: impl PgExecutor<'_>, id: TeamId, name: &str) -> sqlx::Result<bool> {
    let r = query(RENAME).bind(id).bind(name).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

pub async fn find_name(db: impl PgExecutor<'_>, id: TeamId) -> sqlx::Result<Option<String>> {
    query_scalar(FIND_NAME).bind(id).fetch_optional(db).await
}

/// What the team's customers are told when an agent resolves (empty: nothing).
pub async fn closing_message(db: impl PgExecutor<'_>, id: TeamId) -> sqlx::Result<Option<String>> {
    query_scalar(CLOSING_MESSAGE)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Every team's closing message and business hours.
pub async fn settings(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<TeamSettings>> {
    let rows: Vec<(TeamId, String, Option<Json<BusinessHours>>)> =
        query_as(SETTINGS).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, closing_message, hours)| TeamSettings {
            id,
            closing_message,
            business_hours: hours.map(|h| h.0),
        })
        .collect())
}

/// A team's settings beside its name and members.
pub struct TeamSettings {
    pub id: TeamId,
    pub closing_message: String,
    pub business_hours: Option<BusinessHours>,
}

/// When the team answers; `None` for a team that answers at any time (or no such team).
pub async fn business_hours(
    db: impl PgExecutor<'_>,
    id: TeamId,
) -> sqlx::Result<Option<BusinessHours>> {
    let hours: Option<Option<Json<BusinessHours>>> = query_scalar(BUSINESS_HOURS)
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(hours.flatten().map(|h| h.0))
}

/// Whether the team exists (and its hours changed); `None` answers at any time.
pub async fn set_business_hours(
    db: impl PgExecutor<'_>,
    id: TeamId,
    hours: Option<&BusinessHours>,
) -> sqlx::Result<bool> {
    Ok(query(SET_BUSINESS_HOURS)
        .bind(id)
        .bind(hours.map(Json))
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// Whether the team exists (and its message changed).
pub async fn set_closing_message(
    db: impl PgExecutor<'_>,
    id: TeamId,
    message: &str,
) -> sqlx::Result<bool> {
    Ok(query(SET_CLOSING_MESSAGE)
        .bind(id)
        .bind(message)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

pub async fn list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<TeamRef>> {
    let rows: Vec<(TeamId, String)> = query_as(LIST).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| TeamRef { id, name })
        .collect())
}

pub async fn count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    query_scalar(COUNT).fetch_one(db).await
}

#[derive(sqlx::FromRow)]
pub struct MemberRow {
    pub team_id: TeamId,
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub is_supervisor: bool,
    pub availability: Availability,
}

/// Active members of every team, ordered for display.
pub async fn members(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<MemberRow>> {
    query_as(MEMBERS).fetch_all(db).await
}

impl From<MemberRow> for TeamMember {
    fn from(r: MemberRow) -> Self {
        TeamMember {
            user_id: r.user_id,
            name: r.name,
            role: r.role,
            is_supervisor: r.is_supervisor,
            availability: r.availability,
        }
    }
}

/// Teams the user supervises.
pub async fn supervised_by(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<TeamId>> {
    query_scalar(SUPERVISED_BY).bind(user).fetch_all(db).await
}

/// Adds a member. With `Some(flag)` the supervisor flag is set (also for an existing member);
/// with `None` an existing membership is left exactly as it is.
pub async fn add_member(
    db: impl PgExecutor<'_>,
    team: TeamId,
    user: UserId,
    is_supervisor: Option<bool>,
) -> sqlx::Result<()> {
    query(ADD_MEMBER)
        .bind(team)
        .bind(user)
        .bind(is_supervisor)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether `user` supervises `team`.
pub async fn is_supervisor_of(
    db: impl PgExecutor<'_>,
    team: TeamId,
    user: UserId,
) -> sqlx::Result<bool> {
    Ok(query_scalar(IS_SUPERVISOR_OF)
        .bind(team)
        .bind(user)
        .fetch_optional(db)
        .await?
        .unwrap_or(false))
}

/// Agents supervise no team: clears the flag when someone is demoted.
pub async fn clear_supervision(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<()> {
    query(CLEAR_SUPERVISION).bind(user).execute(db).await?;
    Ok(())
}

pub async fn remove_member(
    db: impl PgExecutor<'_>,
    team: TeamId,
    user: UserId,
) -> sqlx::Result<bool> {
    let r = query(REMOVE_MEMBER)
        .bind(team)
        .bind(user)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Makes the user's memberships exactly `teams`, keeping supervisor flags where membership stays.
pub async fn set_user_teams(
    tx: &mut Transaction<'_, Postgres>,
    user: UserId,
    teams: &[TeamId],
) -> sqlx::Result<()> {
    query(SET_USER_TEAMS)
        .bind(user)
        .bind(teams)
        .execute(&mut **tx)
        .await?;
    query(SET_USER_TEAMS_2)
        .bind(user)
        .bind(teams)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many of `teams` exist (to refuse unknown ids before writing).
pub async fn count_existing(db: impl PgExecutor<'_>, teams: &[TeamId]) -> sqlx::Result<i64> {
    query_scalar(COUNT_EXISTING).bind(teams).fetch_one(db).await
}

/// The teams a user belongs to.
pub async fn of_user(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<TeamId>> {
    query_scalar(OF_USER).bind(user).fetch_all(db).await
}

pub async fn set_auto_assign(db: impl PgExecutor<'_>, team: TeamId, on: bool) -> sqlx::Result<()> {
    query(SET_AUTO_ASSIGN)
        .bind(team)
        .bind(on)
        .execute(db)
        .await?;
    Ok(())
}

/// Every team with whether it distributes and how many conversations wait in its queue.
pub async fn queues(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(TeamId, String, bool, i64)>> {
    query_as(QUEUES).fetch_all(db).await
}

/// The team with this name (names are case-insensitive: `citext`).
pub async fn find_by_name(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<Option<TeamId>> {
    query_scalar(FIND_BY_NAME)
        .bind(name)
        .fetch_optional(db)
        .await
}

super::sql::statements! {
    FIND_BY_NAME = "select id from teams where name = $1::citext";
    OF_USER = "select team_id from team_members where user_id = $1";
    SET_AUTO_ASSIGN = "update teams set auto_assign = $2, updated_at = now() where id = $1";
    QUEUES = "select t.id, t.name::text, t.auto_assign,
             (select count(*) from conversations c where c.team_id = t.id
                and c.status = 'waiting' and c.assignee_id is null)
         from teams t order by t.name";
    INSERT = "insert into teams (id, name) values ($1, $2)";
    RENAME = "update teams set name = $2, updated_at = now() where id = $1";
    FIND_NAME = "select name::text from teams where id = $1";
    CLOSING_MESSAGE = "select closing_message from teams where id = $1";
    SETTINGS = "select id, closing_message, business_hours from teams";
    BUSINESS_HOURS = "select business_hours from teams where id = $1";
    SET_BUSINESS_HOURS = "update teams set business_hours = $2, updated_at = now() where id = $1";
    SET_CLOSING_MESSAGE = "update teams set closing_message = $2, updated_at = now() where id = $1";
    LIST = "select id, name::text from teams order by lower(name), id";
    COUNT = "select count(*) from teams";
    MEMBERS = "select m.team_id, u.id as user_id, u.name, u.role, m.is_supervisor, u.availability \
         from team_members m join users u on u.id = m.user_id \
         where u.active \
         order by m.is_supervisor desc, lower(u.name), u.id";
    SUPERVISED_BY = "select team_id from team_members where user_id = $1 and is_supervisor";
    ADD_MEMBER = "insert into team_members (team_id, user_id, is_supervisor) values ($1, $2, coalesce($3, false)) \
         on conflict (team_id, user_id) do update \
         set is_supervisor = coalesce($3, team_members.is_supervisor)";
    IS_SUPERVISOR_OF = "select is_supervisor from team_members where team_id = $1 and user_id = $2";
    CLEAR_SUPERVISION = "update team_members set is_supervisor = false where user_id = $1";
    REMOVE_MEMBER = "delete from team_members where team_id = $1 and user_id = $2";
    SET_USER_TEAMS = "delete from team_members where user_id = $1 and not (team_id = any($2))";
    SET_USER_TEAMS_2 = "insert into team_members (team_id, user_id) select unnest($2::uuid[]), $1 \
         on conflict (team_id, user_id) do nothing";
    COUNT_EXISTING = "select count(*) from teams where id = any($1)";
}
