//! Server-side sessions.
//!
//! The browser holds a random 256-bit token in an HttpOnly cookie; PostgreSQL holds only its
//! HMAC, so any instance can serve any request and a database leak yields no usable session.
//! A fresh token is issued at every login step (rotation), so a token planted before login is
//! worthless after it.

use super::crypto::random_token;
use super::db::sessions::{self as repo, NewSession, SessionRow, SessionStage};
use super::state::{AppState, AuthSettings};
use chrono::Utc;
use shared::auth::CSRF_COOKIE;
use shared::dto::CurrentUser;
use shared::UserId;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "omni_session";
/// How long the second login step may take.
pub const TOTP_STEP_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// `last_seen_at` is written at most this often, to spare the database a write per request.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// What the HTTP edge learned about a request before handing it on; server functions read it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub session: Option<LoadedSession>,
    /// Who is signed in, when the session is active (not halfway through a 2FA login).
    pub user: Option<CurrentUser>,
    /// The anti-CSRF cookie the browser sent, if any.
    pub csrf_cookie: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LoadedSession {
    pub id_hash: Vec<u8>,
    pub row: SessionRow,
}

impl LoadedSession {
    pub fn is_active(&self) -> bool {
        self.row.stage == SessionStage::Active
    }

    pub fn user_id(&self) -> UserId {
        self.row.user_id
    }

    pub fn current_user(&self, must_enrol_totp: bool) -> CurrentUser {
        let r = &self.row;
        CurrentUser {
            id: r.user_id,
            name: r.name.clone(),
            email: r.email.clone(),
            role: r.role,
            is_demo: r.is_demo,
            availability: r.availability,
            totp_enabled: r.totp_enabled,
            must_enrol_totp,
        }
    }
}

/// Finds the live session behind a cookie token, refreshing its idle timer.
pub async fn load(state: &AppState, token: &str) -> sqlx::Result<Option<LoadedSession>> {
    let id_hash = state.secrets.token_hash(token);
    let idle = state.auth.session_idle.as_secs() as i64;
    let Some(row) = repo::find_live(&state.pool, &id_hash, idle).await? else {
        return Ok(None);
    };
    if (Utc::now() - row.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        repo::touch(&state.pool, &id_hash).await?;
    }
    Ok(Some(LoadedSession { id_hash, row }))
}

/// The session behind a cookie token and, when it is active, who it belongs to, with the
/// role's 2FA requirement applied (the settings come with the session, in one query).
pub async fn resolve(
    state: &AppState,
    token: &str,
) -> sqlx::Result<(Option<LoadedSession>, Option<CurrentUser>)> {
    let Some(session) = load(state, token).await? else {
        return Ok((None, None));
    };
    if !session.is_active() || (session.row.demo_only && !state.demo) {
        return Ok((Some(session), None));
    }
    let row = &session.row;
    let required = row
        .security
        .as_ref()
        .is_some_and(|s| s.0.requires_totp(row.role));
    let user = session.current_user(required && !row.totp_enabled && !row.is_demo);
    Ok((Some(session), Some(user)))
}

/// A session just created: the cookies to send and its hash.
pub struct IssuedSession {
    pub id_hash: Vec<u8>,
    pub set_cookies: Vec<String>,
}

/// Creates a session for `user` at `stage`, replacing (rotating away) the one the request came
/// with, if any.
pub async fn issue(
    state: &AppState,
    ctx: &RequestContext,
    user: UserId,
    stage: SessionStage,
) -> sqlx::Result<IssuedSession> {
    let token = random_token();
    let csrf = random_token();
    let id_hash = state.secrets.token_hash(&token);
    let lifetime = match stage {
        SessionStage::TotpPending => TOTP_STEP_TIMEOUT,
        SessionStage::Active => state.auth.session_absolute,
    };
    let expires = Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    if let Some(old) = &ctx.session {
        repo::delete(&mut *tx, &old.id_hash).await?;
    }
    repo::insert(
        &mut *tx,
        &NewSession {
            id_hash: &id_hash,
            user_id: user,
            stage,
            csrf_token: &csrf,
            absolute_expires_at: expires,
            ip: ctx.ip.as_deref(),
            user_agent: ctx.user_agent.as_deref(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedSession {
        id_hash,
        set_cookies: vec![
            session_cookie(&state.auth, &token, lifetime),
            csrf_cookie(&state.auth, &csrf),
        ],
    })
}

/// Ends the request's session, returning the cookies that clear it in the browser.
pub async fn end(state: &AppState, ctx: &RequestContext) -> sqlx::Result<Vec<String>> {
    if let Some(s) = &ctx.session {
        repo::delete(&state.pool, &s.id_hash).await?;
    }
    Ok(vec![expired_cookie(&state.auth, SESSION_COOKIE, true)])
}

fn attributes(auth: &AuthSettings, http_only: bool) -> String {
    let mut a = String::from("; Path=/; SameSite=Lax");
    if http_only {
        a.push_str("; HttpOnly");
    }
    if auth.secure_cookies {
        a.push_str("; Secure");
    }
    a
}

pub fn session_cookie(auth: &AuthSettings, token: &str, lifetime: Duration) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Max-Age={}{}",
        lifetime.as_secs(),
        attributes(auth, true)
    )
}

/// The double-submit anti-CSRF cookie. Readable by script on purpose: the browser copies it
/// into a header that a cross-site page cannot set.
pub fn csrf_cookie(auth: &AuthSettings, token: &str) -> String {
    format!("{CSRF_COOKIE}={token}{}", attributes(auth, false))
}

pub fn expired_cookie(auth: &AuthSettings, name: &str, http_only: bool) -> String {
    format!("{name}=; Max-Age=0{}", attributes(auth, http_only))
}

/// Reads one cookie from a `Cookie` header value.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

/// The CSRF rule for state-changing requests: the header must equal the cookie, and once a
/// session exists, the token bound to that session.
pub fn csrf_ok(ctx: &RequestContext, header: Option<&str>) -> bool {
    use super::crypto::constant_time_eq;
    let (Some(header), Some(cookie)) = (header, ctx.csrf_cookie.as_deref()) else {
        return false;
    };
    if !constant_time_eq(header.as_bytes(), cookie.as_bytes()) {
        return false;
    }
    match &ctx.session {
        Some(s) => constant_time_eq(header.as_bytes(), s.row.csrf_token.as_bytes()),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_values_are_found_among_others() {
        let h = "a=1; omni_session=tok; omni_csrf=xyz";
        assert_eq!(cookie_value(h, "omni_session"), Some("tok"));
        assert_eq!(cookie_value(h, "omni_csrf"), Some("xyz"));
        assert_eq!(cookie_value(h, "missing"), None);
        assert_eq!(cookie_value("omni_session=", "omni_session"), None);
    }

    #[test]
    fn session_cookie_is_http_only_lax_and_secure_only_over_https() {
        let mut auth = AuthSettings::default();
        let c = session_cookie(&auth, "t", Duration::from_secs(60));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        auth.secure_cookies = true;
        assert!(session_cookie(&auth, "t", Duration::from_secs(60)).contains("; Secure"));
        assert!(!csrf_cookie(&auth, "t").contains("HttpOnly"));
    }

    #[test]
    fn csrf_requires_matching_header_and_cookie() {
        let ctx = RequestContext {
            csrf_cookie: Some("abc".into()),
            ..Default::default()
        };
        assert!(csrf_ok(&ctx, Some("abc")));
        assert!(!csrf_ok(&ctx, Some("abd")));
        assert!(!csrf_ok(&ctx, None));
        assert!(!csrf_ok(&RequestContext::default(), Some("abc")));
    }
}
