use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use shared::dto::{CurrentUser, DashboardCounts, LoginOutcome};

/// The signed-in user, or `None`. Never fails for an anonymous visitor.
#[server(client = CsrfClient, endpoint = "session/current")]
pub async fn fetch_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::guard;
    guard::run(|call| async move { Ok(call.ctx.user.clone()) }).await
}

#[server(client = CsrfClient, endpoint = "session/login")]
pub async fn login(email: String, password: String) -> Result<LoginOutcome, AppError> {
    use crate::guard;
    use backend::services::auth;
    guard::run(|call| async move {
        let step = auth::login(&call.state, &call.ctx, &email, &password).await?;
        call.set_cookies(step.set_cookies);
        Ok(step.value)
    })
    .await
}

/// The login's second step: a code from the authenticator app or a recovery code.
#[server(client = CsrfClient, endpoint = "session/verify-code")]
pub async fn verify_login_code(code: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::auth;
    guard::run(|call| async move {
        let step = auth::verify_second_factor(&call.state, &call.ctx, &code).await?;
        call.set_cookies(step.set_cookies);
        Ok(())
    })
    .await
}

#[server(client = CsrfClient, endpoint = "session/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::guard;
    use backend::services::auth;
    guard::run(|call| async move {
        let cookies = auth::logout(&call.state, &call.ctx).await?;
        call.set_cookies(cookies);
        Ok(())
    })
    .await
}

#[server(client = CsrfClient, endpoint = "dashboard/counts")]
pub async fn fetch_dashboard_counts() -> Result<DashboardCounts, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewDashboard)?;
        let pool = &call.state.pool;
        let users = db::users::counts(pool).await?;
        Ok(DashboardCounts {
            active_users: users.active_users,
            teams: db::teams::count(pool).await?,
            agents_online: users.agents_online,
            agents_total: users.agents_total,
        })
    })
    .await
}
