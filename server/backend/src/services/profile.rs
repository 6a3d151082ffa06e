//! Meu perfil: password, 2FA enrolment and availability.

use super::auth::{new_recovery_codes, normalise_recovery_code};
use crate::db::audit::NewAuditEntry;
use crate::db::{sessions, users};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::password;
use crate::state::AppState;
use shared::dto::{AuditAction, TotpEnrolment};
use shared::totp::TotpSecret;
use shared::values::{check_login_password, check_new_password};
use shared::Availability;

const ISSUER: &str = "Plataforma Omnichannel";

/// An audit entry for something users did to their own account.
fn own_account_event(who: &Authorised, action: AuditAction) -> NewAuditEntry<'_> {
    NewAuditEntry::new(action)
        .by(Some(who.user.id), &who.user.email)
        .on(who.user.id, &who.user.email)
        .from_ip(who.ip())
}

async fn confirm_password(
    state: &AppState,
    who: &Authorised,
    typed: &str,
) -> Result<users::UserRecord, Error> {
    check_login_password(typed).map_err(|e| AppError::invalid("current_password", e))?;
    // Counted like logins: a stolen session cannot guess the password here instead.
    crate::throttle::attempt(state, &who.user.email, who.ip()).await?;
    let user = users::find(&state.pool, who.user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !password::verify(typed.to_owned(), Some(user.password_hash.clone())).await? {
        return Err(AppError::WrongPassword.into());
    }
    crate::throttle::forgive(state, &who.user.email, who.ip()).await?;
    Ok(user)
}

/// Changes the password and ends every other session of the user.
pub async fn change_password(
    state: &AppState,
    who: &Authorised,
    current: &str,
    new: &str,
) -> Result<(), Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::OwnCredentials)?;
    check_new_password(new).map_err(|e| AppError::invalid("new_password", e))?;
    confirm_password(state, who, current).await?;
    let hash = password::hash(new.to_owned()).await?;
    let mut tx = state.pool.begin().await?;
    users::set_password_hash(&mut *tx, who.user.id, &hash).await?;
    sessions::delete_others(&mut *tx, who.user.id, &who.session.id_hash).await?;
    own_account_event(who, AuditAction::PasswordChanged)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a new secret (kept sealed as pending until confirmed) and its QR code.
pub async fn start_totp_enrolment(
    state: &AppState,
    who: &Authorised,
) -> Result<TotpEnrolment, Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::OwnCredentials)?;
    // Replacing an active secret needs the password (disable first), so a borrowed session
    // cannot take over the second factor.
    if who.user.totp_enabled {
        return Err(AppError::TotpAlreadyEnabled.into());
    }
    let secret = TotpSecret::from_bytes(rand::random::<[u8; 20]>().to_vec());
    let sealed = state.secrets.seal(secret.as_bytes())?;
    users::set_pending_totp_secret(&state.pool, who.user.id, Some(&sealed)).await?;
    let uri = secret.otpauth_uri(ISSUER, &who.user.email);
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| anyhow::anyhow!("Failed to build the enrolment QR code: {e}"))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(TotpEnrolment {
        secret_base32: secret.to_base32(),
        otpauth_uri: uri,
        qr_svg,
    })
}

/// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
pub async fn confirm_totp_enrolment(
    state: &AppState,
    who: &Authorised,
    code: &str,
) -> Result<Vec<String>, Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::OwnCredentials)?;
    let mut tx = state.pool.begin().await?;
    let user = users::find_for_update(&mut tx, who.user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if user.totp_secret_enc.is_some() {
        return Err(AppError::TotpAlreadyEnabled.into());
    }
    let sealed = user
        .totp_pending_secret_enc
        .ok_or(AppError::TotpStepExpired)?;
    let secret = TotpSecret::from_bytes(state.secrets.open(&sealed)?);
    let step = secret
        .verify(code, chrono::Utc::now().timestamp() as u64)
        .ok_or(AppError::InvalidTotpCode)?;
    users::set_totp_secret(&mut *tx, user.id, Some(&sealed), Some(step as i64)).await?;
    let codes = new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| state.secrets.token_hash(&normalise_recovery_code(c)))
        .collect();
    users::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    own_account_event(who, AuditAction::TotpEnabled)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns 2FA off after the password is confirmed.
/// Turns 2FA off, with the password and a current code (from the app, or a recovery code):
/// the password alone, from a session left open, does not remove the second factor.
pub async fn disable_totp(
    state: &AppState,
    who: &Authorised,
    password_typed: &str,
    code: &str,
) -> Result<(), Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::OwnCredentials)?;
    let user = confirm_password(state, who, password_typed).await?;
    let Some(sealed) = user.totp_secret_enc.clone() else {
        return Ok(());
    };
    crate::throttle::attempt(state, &who.user.email, who.ip()).await?;
    let (accepted, _) = super::auth::second_factor(state, user.id, &sealed, code).await?;
    if !accepted {
        return Err(AppError::InvalidTotpCode.into());
    }
    crate::throttle::forgive(state, &who.user.email, who.ip()).await?;
    let mut tx = state.pool.begin().await?;
    users::set_totp_secret(&mut *tx, who.user.id, None, None).await?;
    users::replace_recovery_codes(&mut tx, who.user.id, &[]).await?;
    own_account_event(who, AuditAction::TotpDisabled)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_availability(
    state: &AppState,
    who: &Authorised,
    availability: Availability,
) -> Result<(), Error> {
    users::set_availability(&state.pool, who.user.id, availability).await?;
    super::inbox::availability_changed(state);
    Ok(())
}
