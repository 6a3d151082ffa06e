//! Usuários: administrators manage accounts.

use crate::db::audit::NewAuditEntry;
use crate::db::{sessions, teams, users};
use crate::error::on_constraint;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::password;
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::values::{check_new_password, Capacity};
use shared::{Email, PersonName, Role, TeamId, UserId};

/// The form of Usuários → Novo usuário / Editar.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub name: String,
    pub role: Role,
    pub capacity: i32,
    pub teams: Vec<TeamId>,
}

struct ValidUserInput {
    name: PersonName,
    capacity: Capacity,
}

fn validate(input: &UserInput) -> Result<ValidUserInput, Error> {
    Ok(ValidUserInput {
        name: PersonName::parse(&input.name).map_err(|e| AppError::invalid("name", e))?,
        capacity: Capacity::parse(input.capacity).map_err(|e| AppError::invalid("capacity", e))?,
    })
}

async fn check_teams(state: &AppState, ids: &[TeamId]) -> Result<(), Error> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if teams::count_existing(&state.pool, &unique).await? != unique.len() as i64 {
        return Err(AppError::NotFound.into());
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(actor = %who.user.id))]
pub async fn create(
    state: &AppState,
    who: &Authorised,
    input: UserInput,
    email: &str,
    initial_password: &str,
) -> Result<UserId, Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Users)?;
    let label = who.label();
    create_as(
        state,
        Actor::person(who, &label),
        input,
        email,
        initial_password,
    )
    .await
}

/// Who creates a user, for the audit log: a signed-in administrator, the command line, or the
/// first-run page.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<UserId>,
    pub label: &'a str,
    pub ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// A signed-in person, with `label` their [`Authorised::label`].
    pub fn person(who: &'a Authorised, label: &'a str) -> Self {
        Self {
            id: Some(who.user.id),
            label,
            ip: who.ip(),
        }
    }
}

/// Creates the user on behalf of `actor`, with its audit entry, in one transaction.
pub async fn create_as(
    state: &AppState,
    actor: Actor<'_>,
    input: UserInput,
    email: &str,
    initial_password: &str,
) -> Result<UserId, Error> {
    let valid = validate(&input)?;
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    check_new_password(initial_password).map_err(|e| AppError::invalid("password", e))?;
    check_teams(state, &input.teams).await?;
    let hash = password::hash(initial_password.to_owned()).await?;
    let id = UserId(uuid::Uuid::new_v4());

    let mut tx = state.pool.begin().await?;
    let inserted = users::insert(
        &mut *tx,
        &users::NewUser {
            id,
            name: valid.name.as_str(),
            email: email.as_str(),
            password_hash: &hash,
            role: input.role,
            capacity: valid.capacity.get(),
            is_demo: false,
            created_in_demo: state.demo,
        },
    )
    .await;
    match inserted {
        Err(e) if on_constraint(&e, "users_email_key") => return Err(AppError::EmailTaken.into()),
        other => other?,
    }
    teams::set_user_teams(&mut tx, id, &input.teams).await?;
    let label = format!("{} <{}>", valid.name, email);
    NewAuditEntry::new(AuditAction::UserCreated)
        .by(actor.id, actor.label)
        .on(id, &label)
        .from_ip(actor.ip)
        .detail(input.role.label())
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Refuses when `user` is the only active administrator left. `admins` are the active
/// administrators, locked at the start of the transaction.
fn ensure_not_last_admin(admins: &[UserId], user: &users::UserRecord) -> Result<(), Error> {
    if user.role == Role::Admin && user.active && admins.iter().all(|id| *id == user.id) {
        return Err(AppError::LastAdministrator.into());
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(actor = %who.user.id, user = %id))]
pub async fn update(
    state: &AppState,
    who: &Authorised,
    id: UserId,
    input: UserInput,
) -> Result<(), Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Users)?;
    let label = who.label();
    update_as(state, Actor::person(who, &label), id, input).await
}

/// Changes the user's name, role, capacity and teams on behalf of `actor`; the last active
/// administrator keeps the role.
pub async fn update_as(
    state: &AppState,
    actor: Actor<'_>,
    id: UserId,
    input: UserInput,
) -> Result<(), Error> {
    let valid = validate(&input)?;
    check_teams(state, &input.teams).await?;
    let mut tx = state.pool.begin().await?;
    // Locks are always taken in the same order (administrators, then the user), so two
    // concurrent changes cannot deadlock.
    let admins = users::lock_active_admins(&mut tx).await?;
    let user = users::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.role != input.role {
        ensure_not_last_admin(&admins, &user)?;
    }
    users::update_profile(
        &mut *tx,
        id,
        valid.name.as_str(),
        input.role,
        valid.capacity.get(),
    )
    .await?;
    teams::set_user_teams(&mut tx, id, &input.teams).await?;
    if input.role == Role::Agent {
        teams::clear_supervision(&mut *tx, id).await?;
    }
    let label = format!("{} <{}>", valid.name, user.email);
    let (action, detail) = if user.role != input.role {
        (
            AuditAction::RoleChanged,
            format!("{} → {}", user.role.label(), input.role.label()),
        )
    } else {
        (AuditAction::UserUpdated, String::new())
    };
    let mut entry = NewAuditEntry::new(action)
        .by(actor.id, actor.label)
        .on(id, &label)
        .from_ip(actor.ip);
    if !detail.is_empty() {
        entry = entry.detail(&detail);
    }
    entry.record(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates (ending every session at once) or reactivates a user.
#[tracing::instrument(skip_all, fields(actor = %who.user.id, user = %id, active))]
pub async fn set_active(
    state: &AppState,
    who: &Authorised,
    id: UserId,
    active: bool,
) -> Result<(), Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Users)?;
    let label = who.label();
    set_active_as(state, Actor::person(who, &label), id, active).await
}

/// Deactivates or reactivates the user on behalf of `actor`; never the last active
/// administrator.
pub async fn set_active_as(
    state: &AppState,
    actor: Actor<'_>,
    id: UserId,
    active: bool,
) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let admins = users::lock_active_admins(&mut tx).await?;
    let user = users::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !active {
        ensure_not_last_admin(&admins, &user)?;
    }
    users::set_active(&mut *tx, id, active).await?;
    if !active {
        sessions::delete_for_user(&mut *tx, id).await?;
    }
    let label = format!("{} <{}>", user.name, user.email);
    NewAuditEntry::new(if active {
        AuditAction::UserReactivated
    } else {
        AuditAction::UserDeactivated
    })
    .by(actor.id, actor.label)
    .on(id, &label)
    .from_ip(actor.ip)
    .record(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A random password of 12 letters and digits, none that reads like another (no 0/O, 1/l/I).
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    (0..12)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Sets a random temporary password, ends the user's sessions and returns the password once.
#[tracing::instrument(skip_all, fields(actor = %who.user.id, user = %id))]
pub async fn reset_password(
    state: &AppState,
    who: &Authorised,
    id: UserId,
) -> Result<String, Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Users)?;
    let temporary = temporary_password();
    let hash = password::hash(temporary.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let user = users::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    users::set_password_hash(&mut *tx, id, &hash).await?;
    sessions::delete_for_user(&mut *tx, id).await?;
    let label = format!("{} <{}>", user.name, user.email);
    NewAuditEntry::new(AuditAction::PasswordReset)
        .by(Some(who.user.id), &who.label())
        .on(id, &label)
        .from_ip(who.ip())
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(temporary)
}
