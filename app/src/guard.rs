//! The Leptos side of authorisation: a server function's [`Call`] captures the request before its
//! first `.await`, and [`run`] answers errors with their HTTP status. The checks themselves are
//! [`backend::guard`].

use crate::error::AppError;
pub use backend::guard::{require, signed_in, Authorised};
use backend::session::RequestContext;
use backend::state::AppState;
use leptos::prelude::*;
use shared::Permission;

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
/// rather than a blanket 500. The body works in the backend's error type, so unexpected failures
/// keep their source until here, where they are logged once and become [`AppError::Internal`].
pub async fn run<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Call) -> Fut,
    Fut: std::future::Future<Output = Result<T, backend::error::Error>>,
{
    let call = Call::begin()?;
    let response = call.response.clone();
    let result = body(call).await.map_err(AppError::from);
    if let (Err(e), Some(response)) = (&result, response) {
        response.set_status(
            axum::http::StatusCode::from_u16(e.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let AppError::RateLimited { seconds } = e {
            if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response.insert_header(axum::http::header::RETRY_AFTER, v);
            }
        }
    }
    result
}
