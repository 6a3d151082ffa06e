use super::sql::{query, query_as, query_scalar};
use chrono::{DateTime, Utc};
use shared::dto::{TeamRef, UserSummary};
use shared::{Availability, Role, TeamId, UserId};
use sqlx::{PgExecutor, Postgres, Transaction};

/// A user row as authentication needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub is_demo: bool,
    pub capacity: i32,
    pub availability: Availability,
    pub totp_secret_enc: Option<Vec<u8>>,
    pub totp_pending_secret_enc: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Created while demo mode was on: usable only in demo mode.
    pub created_in_demo: bool,
}

macro_rules! user_columns {
    () => {
        "id, name, email::text as email, password_hash, role, active, is_demo, \
     capacity, availability, totp_secret_enc, totp_pending_secret_enc, totp_last_step, created_at, \
     created_in_demo"
    };
}

pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<UserRecord>> {
    query_as(FIND_BY_EMAIL).bind(email).fetch_optional(db).await
}

pub async fn find(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<Option<UserRecord>> {
    query_as(FIND).bind(id).fetch_optional(db).await
}

/// Locks the row for a read-then-write.
pub async fn find_for_update(
    tx: &mut Transaction<'_, Postgres>,
    id: UserId,
) -> sqlx::Result<Option<UserRecord>> {
    query_as(FIND_FOR_UPDATE)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub struct NewUser<'a> {
    pub id: UserId,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub capacity: i32,
    pub is_demo: bool,
    pub created_in_demo: bool,
}

pub async fn insert(db: impl PgExecutor<'_>, user: &NewUser<'_>) -> sqlx::Result<()> {
    query(INSERT)
        .bind(user.id)
        .bind(user.name)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.role)
        .bind(user.capacity)
        .bind(user.is_demo)
        .bind(user.created_in_demo)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: UserId,
    name: &str,
    role: Role,
    capacity: i32,
) -> sqlx::Result<()> {
    query(UPDATE_PROFILE)
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(capacity)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_active(db: impl PgExecutor<'_>, id: UserId, active: bool) -> sqlx::Result<()> {
    query(SET_ACTIVE).bind(id).bind(active).execute(db).await?;
    Ok(())
}

pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    id: UserId,
    hash: &str,
) -> sqlx::Result<()> {
    query(SET_PASSWORD_HASH)
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// An agent who takes or answers a conversation while offline is at work: "Disponível", so
/// the offline grace does not hand their conversation back to the queue. Whether it changed.
pub async fn online_if_offline(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<bool> {
    Ok(query(ONLINE_IF_OFFLINE)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

pub async fn set_availability(
    db: impl PgExecutor<'_>,
    id: UserId,
    availability: Availability,
) -> sqlx::Result<()> {
    query(SET_AVAILABILITY)
        .bind(id)
        .bind(availability)
        .execute(db)
        .await?;
    Ok(())
}

/// Active administrators, locked, so two concurrent demotions cannot both pass the
/// "not the last administrator" check.
/// How many active administrators exist.
pub async fn active_admin_count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    query_scalar(ACTIVE_ADMIN_COUNT).fetch_one(db).await
}

pub async fn lock_active_admins(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<Vec<UserId>> {
    query_scalar(LOCK_ACTIVE_ADMINS).fetch_all(&mut **tx).await
}

pub async fn set_pending_totp_secret(
    db: impl PgExecutor<'_>,
    id: UserId,
    sealed: Option<&[u8]>,
) -> sqlx::Result<()> {
    query(SET_PENDING_TOTP_SECRET)
        .bind(id)
        .bind(sealed)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns 2FA on with a confirmed secret (`Some`) or off (`None`).
pub async fn set_totp_secret(
    db: impl PgExecutor<'_>,
    id: UserId,
    sealed: Option<&[u8]>,
    last_step: Option<i64>,
) -> sqlx::Result<()> {
    query(SET_TOTP_SECRET)
        .bind(id)
        .bind(sealed)
        .bind(last_step)
        .execute(db)
        .await?;
    Ok(())
}

/// Records the time step of an accepted code, unless a later or equal one was already used.
/// Returns false when the code was already used (replay).
pub async fn advance_totp_step(
    db: impl PgExecutor<'_>,
    id: UserId,
    step: i64,
) -> sqlx::Result<bool> {
    let updated = query(ADVANCE_TOTP_STEP)
        .bind(id)
        .bind(step)
        .execute(db)
        .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn replace_recovery_codes(
    tx: &mut Transaction<'_, Postgres>,
    id: UserId,
    hashes: &[Vec<u8>],
) -> sqlx::Result<()> {
    query(REPLACE_RECOVERY_CODES)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    query(REPLACE_RECOVERY_CODES_2)
        .bind(id)
        .bind(hashes)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks an unused recovery code as used. Returns false when there is no such unused code.
pub async fn consume_recovery_code(
    db: impl PgExecutor<'_>,
    id: UserId,
    hash: &[u8],
) -> sqlx::Result<bool> {
    let updated = query(CONSUME_RECOVERY_CODE)
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn remaining_recovery_codes(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<i64> {
    query_scalar(REMAINING_RECOVERY_CODES)
        .bind(id)
        .fetch_one(db)
        .await
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: UserId,
    name: String,
    email: String,
    role: Role,
    active: bool,
    is_demo: bool,
    capacity: i32,
    availability: Availability,
    totp_enabled: bool,
    team_ids: Vec<TeamId>,
    team_names: Vec<String>,
    created_at: DateTime<Utc>,
}

/// Every user with their teams, for the Usuários page: active first, then by name.
pub async fn list_summaries(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<UserSummary>> {
    let rows: Vec<SummaryRow> = query_as(LIST_SUMMARIES).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            id: r.id,
            name: r.name,
            email: r.email,
            role: r.role,
            active: r.active,
            is_demo: r.is_demo,
            capacity: r.capacity,
            availability: r.availability,
            totp_enabled: r.totp_enabled,
            teams: r
                .team_ids
                .into_iter()
                .zip(r.team_names)
                .map(|(id, name)| TeamRef { id, name })
                .collect(),
            created_at: r.created_at,
        })
        .collect())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Counts {
    pub active_users: i64,
    pub agents_total: i64,
    pub agents_online: i64,
}

pub async fn counts(db: impl PgExecutor<'_>) -> sqlx::Result<Counts> {
    query_as(COUNTS).fetch_one(db).await
}

/// Remembers when an agent last received a conversation (distribution's tie-break).
pub async fn touch_last_assigned(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<()> {
    query(TOUCH_LAST_ASSIGNED).bind(id).execute(db).await?;
    Ok(())
}

pub async fn is_active(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<bool> {
    query_scalar(IS_ACTIVE).bind(id).fetch_one(db).await
}

/// The member of `team` who should take its next conversation: online, active, under capacity,
/// least loaded, then the one who waited longest since their last assignment.
pub async fn next_agent_for(db: impl PgExecutor<'_>, team: TeamId) -> sqlx::Result<Option<UserId>> {
    query_scalar(NEXT_AGENT_FOR)
        .bind(team)
        .fetch_optional(db)
        .await
}

/// Whether anyone who answers conversations is online (for a conversation with no team, which
/// any of them may take).
pub async fn anyone_online(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    query_scalar(ANYONE_ONLINE).fetch_one(db).await
}

/// An agent option for assignment and transfer: who is online and how loaded.
#[derive(sqlx::FromRow)]
pub struct Load {
    pub id: UserId,
    pub name: String,
    pub availability: Availability,
    pub load: i64,
    pub capacity: i32,
    pub teams: Vec<TeamId>,
}

/// Every active user with their open conversations and teams, by name.
pub async fn loads(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Load>> {
    query_as(LOADS).fetch_all(db).await
}

super::sql::statements! {
    TOUCH_LAST_ASSIGNED = "update users set last_assigned_at = now() where id = $1";
    IS_ACTIVE = "select exists (select 1 from users where id = $1 and active)";
    ANYONE_ONLINE = "select exists (select 1 from users where active and availability = 'online')";
    NEXT_AGENT_FOR = "select u.id from team_members m join users u on u.id = m.user_id
         cross join lateral (select count(*) as load from conversations l
                             where l.assignee_id = u.id and l.status = 'open') l
         where m.team_id = $1 and u.active and u.availability = 'online' and l.load < u.capacity
         order by l.load, u.last_assigned_at nulls first, u.availability_changed_at, u.id
         limit 1";
    LOADS = "select u.id, u.name, u.availability,
             (select count(*) from conversations c where c.assignee_id = u.id
                and c.status = 'open') as load,
             u.capacity,
             coalesce(array_agg(m.team_id) filter (where m.team_id is not null), '{}') as teams
         from users u left join team_members m on m.user_id = u.id
         where u.active group by u.id order by u.name";
    FIND_BY_EMAIL = concat!(
        "select ",
        user_columns!(),
        " from users where email = $1"
    );
    FIND = concat!(
        "select ",
        user_columns!(),
        " from users where id = $1"
    );
    FIND_FOR_UPDATE = concat!(
        "select ",
        user_columns!(),
        " from users where id = $1 for update"
    );
    INSERT = "insert into users (id, name, email, password_hash, role, capacity, is_demo, created_in_demo) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)";
    UPDATE_PROFILE = "update users set name = $2, role = $3, capacity = $4, updated_at = now() where id = $1";
    SET_ACTIVE = "update users set active = $2, \
         availability = case when $2 then availability else 'offline'::availability end, \
         updated_at = now() where id = $1";
    SET_PASSWORD_HASH = "update users set password_hash = $2, updated_at = now() where id = $1";
    SET_AVAILABILITY = "update users set availability_changed_at = case when availability <> $2 then now() \
             else availability_changed_at end, availability = $2, updated_at = now() \
         where id = $1";
    ONLINE_IF_OFFLINE = "update users set availability = 'online', availability_changed_at = now(),
             updated_at = now()
         where id = $1 and availability = 'offline' and active";
    LOCK_ACTIVE_ADMINS = "select id from users where role = 'admin' and active order by id for update";
    ACTIVE_ADMIN_COUNT = "select count(*) from users where role = 'admin' and active";
    SET_PENDING_TOTP_SECRET = "update users set totp_pending_secret_enc = $2, updated_at = now() where id = $1";
    SET_TOTP_SECRET = "update users set totp_secret_enc = $2::bytea, totp_pending_secret_enc = null, \
         totp_last_step = $3, totp_enabled_at = case when $2 is null then null else now() end, \
         updated_at = now() where id = $1";
    ADVANCE_TOTP_STEP = "update users set totp_last_step = $2 \
         where id = $1 and (totp_last_step is null or totp_last_step < $2)";
    REPLACE_RECOVERY_CODES = "delete from totp_recovery_codes where user_id = $1";
    REPLACE_RECOVERY_CODES_2 = "insert into totp_recovery_codes (user_id, code_hash) select $1, unnest($2::bytea[])";
    CONSUME_RECOVERY_CODE = "update totp_recovery_codes set used_at = now() \
         where user_id = $1 and code_hash = $2 and used_at is null";
    REMAINING_RECOVERY_CODES = "select count(*) from totp_recovery_codes where user_id = $1 and used_at is null";
    LIST_SUMMARIES = "select u.id, u.name, u.email::text as email, u.role, u.active, u.is_demo, u.capacity, \
                u.availability, u.totp_secret_enc is not null as totp_enabled, \
                coalesce(array_agg(t.id order by t.name) filter (where t.id is not null), '{}') as team_ids, \
                coalesce(array_agg(t.name::text order by t.name) filter (where t.id is not null), '{}') as team_names, \
                u.created_at \
         from users u \
         left join team_members m on m.user_id = u.id \
         left join teams t on t.id = m.team_id \
         group by u.id \
         order by u.active desc, lower(u.name), u.id";
    COUNTS = "select count(*) filter (where active) as active_users, \
                count(*) filter (where active and role = 'agent') as agents_total, \
                count(*) filter (where active and role = 'agent' and availability = 'online') as agents_online \
         from users";
}
