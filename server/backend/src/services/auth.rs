use crate::db::audit::NewAuditEntry;
use crate::db::sessions::SessionStage;
use crate::db::users;
use crate::error::{AppError, Error};
use crate::session::{self, RequestContext};
use crate::state::AppState;
use crate::{password, throttle};
use shared::dto::{AuditAction, LoginOutcome};
use shared::totp::TotpSecret;
use shared::values::check_login_password;
use shared::Email;

/// The outcome of a login step and the cookies the response must set.
pub struct Step<T> {
    pub value: T,
    pub set_cookies: Vec<String>,
}

/// First step: e-mail and password.
#[tracing::instrument(skip_all, fields(ip = ctx.ip.as_deref()))]
pub async fn login(
    state: &AppState,
    ctx: &RequestContext,
    email: &str,
    password_typed: &str,
) -> Result<Step<LoginOutcome>, Error> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    check_login_password(password_typed).map_err(|e| AppError::invalid("password", e))?;
    let ip = ctx.ip.as_deref();

    if let Err(locked) = throttle::attempt(state, email.as_str(), ip).await {
        NewAuditEntry::new(AuditAction::LoginLocked)
            .by(None, email.as_str())
            .from_ip(ip)
            .record(&state.pool)
            .await?;
        return Err(locked);
    }

    let user = users::find_by_email(&state.pool, email.as_str()).await?;
    // Demo accounts (exempt from 2FA, with a published password), and accounts created while
    // demo mode was on, only work in demo mode.
    let usable =
        |u: &users::UserRecord| u.active && (state.demo || !(u.is_demo || u.created_in_demo));
    let stored = user
        .as_ref()
        .filter(|u| usable(u))
        .map(|u| u.password_hash.clone());
    let password_ok = password::verify(password_typed.to_owned(), stored).await?;
    let user = match user {
        Some(u) if password_ok => u,
        other => {
            let reason = match &other {
                None => "e-mail não cadastrado",
                Some(u) if !u.active => "usuário desativado",
                Some(u) if !usable(u) => "conta de demonstração fora do modo demonstração",
                Some(_) => "senha incorreta",
            };
            NewAuditEntry::new(AuditAction::LoginFailed)
                .by(other.as_ref().map(|u| u.id), email.as_str())
                .from_ip(ip)
                .detail(reason)
                .record(&state.pool)
                .await?;
            return Err(AppError::InvalidCredentials.into());
        }
    };

    if user.totp_secret_enc.is_some() {
        let issued = session::issue(state, ctx, user.id, SessionStage::TotpPending).await?;
        return Ok(Step {
            value: LoginOutcome::TotpRequired,
            set_cookies: issued.set_cookies,
        });
    }

    throttle::forgive(state, email.as_str(), ip).await?;
    let issued = session::issue(state, ctx, user.id, SessionStage::Active).await?;
    NewAuditEntry::new(AuditAction::LoginSucceeded)
        .by(Some(user.id), email.as_str())
        .from_ip(ip)
        .record(&state.pool)
        .await?;
    Ok(Step {
        value: LoginOutcome::SignedIn,
        set_cookies: issued.set_cookies,
    })
}

/// Recovery codes look like `abcde-fghij`; TOTP codes are six digits.
fn looks_like_recovery_code(typed: &str) -> bool {
    typed.trim().chars().any(|c| c.is_ascii_alphabetic())
}

/// Normalises a typed recovery code before hashing: lower case, no spaces or dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Checks a code from the authenticator app (each time step used once) or a recovery code
/// (used up): (accepted, whether it was a recovery code).
pub(crate) async fn second_factor(
    state: &AppState,
    user: shared::UserId,
    sealed_secret: &[u8],
    code: &str,
) -> Result<(bool, bool), Error> {
    let code = code.trim();
    Ok(if code.len() > 64 {
        (false, false)
    } else if looks_like_recovery_code(code) {
        let hash = state.secrets.token_hash(&normalise_recovery_code(code));
        (
            users::consume_recovery_code(&state.pool, user, &hash).await?,
            true,
        )
    } else {
        let secret = TotpSecret::from_bytes(state.secrets.open(sealed_secret)?);
        let now = chrono::Utc::now().timestamp() as u64;
        match secret.verify(code, now) {
            Some(step) => (
                users::advance_totp_step(&state.pool, user, step as i64).await?,
                false,
            ),
            None => (false, false),
        }
    })
}

/// Second step: a TOTP code or a recovery code, within [`session::TOTP_STEP_TIMEOUT`] of the
/// password step.
#[tracing::instrument(skip_all, fields(ip = ctx.ip.as_deref()))]
pub async fn verify_second_factor(
    state: &AppState,
    ctx: &RequestContext,
    code: &str,
) -> Result<Step<()>, Error> {
    let pending = ctx
        .session
        .as_ref()
        .filter(|s| s.row.stage == SessionStage::TotpPending)
        .ok_or(AppError::TotpStepExpired)?;
    let ip = ctx.ip.as_deref();
    let email = pending.row.email.clone();
    throttle::attempt(state, &email, ip).await?;
    let user = users::find(&state.pool, pending.user_id())
        .await?
        .ok_or(AppError::TotpStepExpired)?;
    let sealed = user
        .totp_secret_enc
        .clone()
        .ok_or(AppError::TotpStepExpired)?;

    let (accepted, used_recovery) = second_factor(state, user.id, &sealed, code).await?;

    if !accepted {
        NewAuditEntry::new(AuditAction::LoginFailed)
            .by(Some(user.id), &email)
            .from_ip(ip)
            .detail(if used_recovery {
                "código de recuperação inválido"
            } else {
                "código de verificação inválido"
            })
            .record(&state.pool)
            .await?;
        return Err(AppError::InvalidTotpCode.into());
    }

    throttle::forgive(state, &email, ip).await?;
    let issued = session::issue(state, ctx, user.id, SessionStage::Active).await?;
    let mut tx = state.pool.begin().await?;
    if used_recovery {
        let left = users::remaining_recovery_codes(&mut *tx, user.id).await?;
        NewAuditEntry::new(AuditAction::RecoveryCodeUsed)
            .by(Some(user.id), &email)
            .from_ip(ip)
            .detail(&format!("restam {left} códigos"))
            .record(&mut *tx)
            .await?;
    }
    NewAuditEntry::new(AuditAction::LoginSucceeded)
        .by(Some(user.id), &email)
        .from_ip(ip)
        .detail("com verificação em duas etapas")
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Step {
        value: (),
        set_cookies: issued.set_cookies,
    })
}

pub async fn logout(state: &AppState, ctx: &RequestContext) -> Result<Vec<String>, Error> {
    if let Some(s) = ctx.session.as_ref().filter(|s| s.is_active()) {
        NewAuditEntry::new(AuditAction::Logout)
            .by(Some(s.user_id()), &s.row.email)
            .from_ip(ctx.ip.as_deref())
            .record(&state.pool)
            .await?;
    }
    Ok(session::end(state, ctx).await?)
}

/// Ten single-use recovery codes, `xxxxx-xxxxx` from an unambiguous alphabet (50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let raw: String = (0..10)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}
