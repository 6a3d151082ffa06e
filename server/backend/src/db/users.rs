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
}

macro_rules! user_columns {
    () => {
        "id, name, email::text as email, password_hash, role, active, is_demo, \
     capacity, availability, totp_secret_enc, totp_pending_secret_enc, totp_last_step, created_at"
    };
}

pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await
}

pub async fn find(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Locks the row for a read-then-write.
pub async fn find_for_update(
    tx: &mut Transaction<'_, Postgres>,
    id: UserId,
) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where id = $1 for update"
    ))
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
}

pub async fn insert(db: impl PgExecutor<'_>, user: &NewUser<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into users (id, name, email, password_hash, role, capacity, is_demo) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id)
    .bind(user.name)
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.capacity)
    .bind(user.is_demo)
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
    sqlx::query(
        "update users set name = $2, role = $3, capacity = $4, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(role)
    .bind(capacity)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_active(db: impl PgExecutor<'_>, id: UserId, active: bool) -> sqlx::Result<()> {
    sqlx::query(
        "update users set active = $2, \
         availability = case when $2 then availability else 'offline'::availability end, \
         updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(active)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    id: UserId,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("update users set password_hash = $2, updated_at = now() where id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_availability(
    db: impl PgExecutor<'_>,
    id: UserId,
    availability: Availability,
) -> sqlx::Result<()> {
    sqlx::query(
        "update users set availability_changed_at = case when availability <> $2 then now() \
             else availability_changed_at end, availability = $2, updated_at = now() \
         where id = $1",
    )
    .bind(id)
    .bind(availability)
    .execute(db)
    .await?;
    Ok(())
}

/// Active administrators, locked, so two concurrent demotions cannot both pass the
/// "not the last administrator" check.
pub async fn lock_active_admins(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<Vec<UserId>> {
    sqlx::query_scalar(
        "select id from users where role = 'admin' and active order by id for update",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn set_pending_totp_secret(
    db: impl PgExecutor<'_>,
    id: UserId,
    sealed: Option<&[u8]>,
) -> sqlx::Result<()> {
    sqlx::query("update users set totp_pending_secret_enc = $2, updated_at = now() where id = $1")
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
    sqlx::query(
        "update users set totp_secret_enc = $2, totp_pending_secret_enc = null, \
         totp_last_step = $3, totp_enabled_at = case when $2 is null then null else now() end, \
         updated_at = now() where id = $1",
    )
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
    let updated = sqlx::query(
        "update users set totp_last_step = $2 \
         where id = $1 and (totp_last_step is null or totp_last_step < $2)",
    )
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
    sqlx::query("delete from totp_recovery_codes where user_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into totp_recovery_codes (user_id, code_hash) select $1, unnest($2::bytea[])",
    )
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
    let updated = sqlx::query(
        "update totp_recovery_codes set used_at = now() \
         where user_id = $1 and code_hash = $2 and used_at is null",
    )
    .bind(id)
    .bind(hash)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn remaining_recovery_codes(db: impl PgExecutor<'_>, id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from totp_recovery_codes where user_id = $1 and used_at is null",
    )
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
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select u.id, u.name, u.email::text as email, u.role, u.active, u.is_demo, u.capacity, \
                u.availability, u.totp_secret_enc is not null as totp_enabled, \
                coalesce(array_agg(t.id order by t.name) filter (where t.id is not null), '{}') as team_ids, \
                coalesce(array_agg(t.name::text order by t.name) filter (where t.id is not null), '{}') as team_names, \
                u.created_at \
         from users u \
         left join team_members m on m.user_id = u.id \
         left join teams t on t.id = m.team_id \
         group by u.id \
         order by u.active desc, lower(u.name), u.id",
    )
    .fetch_all(db)
    .await?;
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
    sqlx::query_as(
        "select count(*) filter (where active) as active_users, \
                count(*) filter (where active and role = 'agent') as agents_total, \
                count(*) filter (where active and role = 'agent' and availability = 'online') as agents_online \
         from users",
    )
    .fetch_one(db)
    .await
}
