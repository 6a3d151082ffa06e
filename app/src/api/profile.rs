use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use shared::dto::TotpEnrolment;
use shared::Availability;

#[server(client = CsrfClient, endpoint = "profile/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::profile;
    guard::run(|call| async move {
        let who = call.signed_in()?;
        profile::change_password(&call.state, &who, &current_password, &new_password).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "profile/totp/start")]
pub async fn start_totp_enrolment() -> Result<TotpEnrolment, AppError> {
    use crate::guard;
    use backend::services::profile;
    guard::run(|call| async move {
        let who = call.signed_in()?;
        profile::start_totp_enrolment(&call.state, &who).await
    })
    .await
}

/// Returns the ten recovery codes, which are shown only this once.
#[server(client = CsrfClient, endpoint = "profile/totp/confirm")]
pub async fn confirm_totp_enrolment(code: String) -> Result<Vec<String>, AppError> {
    use crate::guard;
    use backend::services::profile;
    guard::run(|call| async move {
        let who = call.signed_in()?;
        profile::confirm_totp_enrolment(&call.state, &who, &code).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "profile/totp/disable")]
pub async fn disable_totp(password: String, code: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::profile;
    guard::run(|call| async move {
        let who = call.signed_in()?;
        profile::disable_totp(&call.state, &who, &password, &code).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "profile/availability")]
pub async fn set_availability(availability: Availability) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::profile;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::SetOwnAvailability)?;
        profile::set_availability(&call.state, &who, availability).await
    })
    .await
}
