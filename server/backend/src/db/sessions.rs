use super::sql::{query, query_as};
use chrono::{DateTime, Utc};
use shared::dto::SecuritySettings;
use shared::{Availability, Role, UserId};
use sqlx::PgExecutor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "session_stage", rename_all = "snake_case")]
pub enum SessionStage {
    /// Password accepted; waiting for a TOTP or recovery code.
    TotpPending,
    Active,
}

pub struct NewSession<'a> {
    pub id_hash: &'a [u8],
    pub user_id: UserId,
    pub stage: SessionStage,
    pub csrf_token: &'a str,
    pub absolute_expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, s: &NewSession<'_>) -> sqlx::Result<()> {
    query(INSERT)
        .bind(s.id_hash)
        .bind(s.user_id)
        .bind(s.stage)
        .bind(s.csrf_token)
        .bind(s.absolute_expires_at)
        .bind(s.ip)
        .bind(s.user_agent)
        .execute(db)
        .await?;
    Ok(())
}

/// A live session joined with its (active) user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub stage: SessionStage,
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub is_demo: bool,
    /// A demo account, or one created while demo mode was on.
    pub demo_only: bool,
    pub availability: Availability,
    pub totp_enabled: bool,
    /// The per-role security settings, read in the same query (absent until first saved).
    pub security: Option<sqlx::types::Json<SecuritySettings>>,
}

/// Finds a session that is neither idle-expired nor past its absolute expiry, whose user is
/// still active. Deactivated users therefore lose every session at once.
pub async fn find_live(
    db: impl PgExecutor<'_>,
    id_hash: &[u8],
    idle_seconds: i64,
) -> sqlx::Result<Option<SessionRow>> {
    query_as(FIND_LIVE)
        .bind(id_hash)
        .bind(idle_seconds as f64)
        .bind(<shared::dto::SecuritySettings as super::settings::Setting>::KEY)
        .fetch_optional(db)
        .await
}

pub async fn touch(db: impl PgExecutor<'_>, id_hash: &[u8]) -> sqlx::Result<()> {
    query(TOUCH).bind(id_hash).execute(db).await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id_hash: &[u8]) -> sqlx::Result<()> {
    query(DELETE).bind(id_hash).execute(db).await?;
    Ok(())
}

pub async fn delete_for_user(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<u64> {
    Ok(query(DELETE_FOR_USER)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected())
}

/// Ends the user's other sessions (after a password change), keeping the current one.
pub async fn delete_others(
    db: impl PgExecutor<'_>,
    user: UserId,
    keep: &[u8],
) -> sqlx::Result<u64> {
    Ok(query(DELETE_OTHERS)
        .bind(user)
        .bind(keep)
        .execute(db)
        .await?
        .rows_affected())
}

/// Deletes sessions past either timeout. Run periodically by a background job.
pub async fn delete_expired(db: impl PgExecutor<'_>, idle_seconds: i64) -> sqlx::Result<u64> {
    Ok(query(DELETE_EXPIRED)
        .bind(idle_seconds as f64)
        .execute(db)
        .await?
        .rows_affected())
}

super::sql::statements! {
    INSERT = "insert into sessions (id_hash, user_id, stage, csrf_token, absolute_expires_at, ip, user_agent) \
         values ($1, $2, $3, $4, $5, $6, $7)";
    FIND_LIVE = "select s.stage, s.csrf_token, s.last_seen_at, u.id as user_id, u.name, \
                u.email::text as email, u.role, u.is_demo, \
                (u.is_demo or u.created_in_demo) as demo_only, u.availability, \
                u.totp_secret_enc is not null as totp_enabled, \
                (select value from settings where key = $3) as security \
         from sessions s join users u on u.id = s.user_id \
         where s.id_hash = $1 and u.active \
           and s.absolute_expires_at > now() \
           and s.last_seen_at > now() - make_interval(secs => $2)";
    TOUCH = "update sessions set last_seen_at = now() where id_hash = $1";
    DELETE = "delete from sessions where id_hash = $1";
    DELETE_FOR_USER = "delete from sessions where user_id = $1";
    DELETE_OTHERS = "delete from sessions where user_id = $1 and id_hash <> $2";
    DELETE_EXPIRED = "delete from sessions \
         where absolute_expires_at <= now() or last_seen_at <= now() - make_interval(secs => $1)";
}
