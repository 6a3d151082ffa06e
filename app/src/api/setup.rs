//! The first-run page: the first administrator of a new install, through the one-time link the
//! server prints at start.

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;

/// What the first-run page shows for its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FirstRun {
    /// The link is good: show the form.
    Open,
    /// An administrator exists: the page is gone.
    Done,
    /// Unknown or expired link.
    Invalid,
}

#[server(client = CsrfClient, endpoint = "setup/status")]
pub async fn first_run_status(token: String) -> Result<FirstRun, AppError> {
    use crate::guard;
    use backend::services::setup;
    guard::run(|call| async move {
        Ok(if !setup::needs_first_admin(&call.state).await? {
            FirstRun::Done
        } else if setup::link_valid(&call.state, &token).await? {
            FirstRun::Open
        } else {
            FirstRun::Invalid
        })
    })
    .await
}

#[server(client = CsrfClient, endpoint = "setup/first-admin")]
pub async fn create_first_admin(
    token: String,
    name: String,
    email: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::setup;
    guard::run(|call| async move {
        if password != confirm {
            return Err(AppError::Refused(shared::Refusal::PasswordsDiffer).into());
        }
        setup::create_first_admin(
            &call.state,
            &token,
            &name,
            &email,
            &password,
            call.ctx.ip.as_deref(),
        )
        .await?;
        Ok(())
    })
    .await
}
