//! Authorisation for server functions. Every server function starts with one of these; the
//! returned handle is the only way to learn who is acting, so code that skipped the check has no
//! user to act as.

use super::session::{LoadedSession, RequestContext};
use super::state::AppState;
use crate::error::AppError;
use leptos::prelude::*;
use shared::dto::CurrentUser;
use shared::Permission;

/// A signed-in user whose role has been checked.
#[derive(Debug, Clone)]
pub struct Authorised {
    pub user: CurrentUser,
    pub session: LoadedSession,
    pub ctx: RequestContext,
}

impl Authorised {
    pub fn ip(&self) -> Option<&str> {
        self.ctx.ip.as_deref()
    }

    /// "Name <email>", the label kept in audit entries.
    pub fn label(&self) -> String {
        format!("{} <{}>", self.user.name, self.user.email)
    }
}

/// One server-function call: what it needs from the request, captured before its first
/// `.await`. Leptos's context lives in a thread-local that a future loses when the multi-threaded
/// runtime moves it to another thread at an await point, so nothing reads it later.
pub struct Call {
    pub state: AppState,
    pub ctx: RequestContext,
    response: Option<leptos_axum::ResponseOptions>,
}

impl Call {
    fn begin() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })?;
        let ctx = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestContext>().cloned())
            .ok_or_else(|| {
                tracing::error!("request context missing: is the session layer installed?");
                AppError::Internal
            })?;
        Ok(Self {
            state,
            ctx,
            response: use_context::<leptos_axum::ResponseOptions>(),
        })
    }

    /// Any signed-in user, even one who still has to enrol in 2FA (for the profile page).
    pub fn signed_in(&self) -> Result<Authorised, AppError> {
        signed_in(&self.ctx)
    }

    /// A signed-in user whose role has `permission`.
    pub fn require(&self, permission: Permission) -> Result<Authorised, AppError> {
        require(&self.ctx, permission)
    }

    /// Adds `Set-Cookie` headers to the response.
    pub fn set_cookies(&self, cookies: Vec<String>) {
        let Some(response) = &self.response else {
            return;
        };
        for c in cookies {
            if let Ok(v) = axum::http::HeaderValue::from_str(&c) {
                response.append_header(axum::http::header::SET_COOKIE, v);
            }
        }
    }
}

/// Runs a server function's body with its [`Call`], and answers errors with their HTTP status
/// rather than a blanket 500.
pub async fn run<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Call) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let call = Call::begin()?;
    let response = call.response.clone();
    let result = body(call).await;
    if let (Err(e), Some(response)) = (&result, response) {
        response.set_status(
            axum::http::StatusCode::from_u16(e.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    result
}

/// Any signed-in user of this request, even one who still has to enrol in 2FA.
pub fn signed_in(ctx: &RequestContext) -> Result<Authorised, AppError> {
    let session = ctx
        .session
        .clone()
        .filter(LoadedSession::is_active)
        .ok_or(AppError::Unauthenticated)?;
    let user = ctx.user.clone().ok_or(AppError::Unauthenticated)?;
    Ok(Authorised {
        user,
        session,
        ctx: ctx.clone(),
    })
}

/// A signed-in user of this request whose role has `permission` (plain axum handlers use it
/// as server functions use [`Call::require`]).
pub fn require(ctx: &RequestContext, permission: Permission) -> Result<Authorised, AppError> {
    let who = signed_in(ctx)?;
    if who.user.must_enrol_totp {
        return Err(AppError::TotpEnrolmentRequired);
    }
    if !who.user.can(permission) {
        tracing::info!(user = %who.user.id, ?permission, "permission denied");
        return Err(AppError::Forbidden);
    }
    Ok(who)
}
