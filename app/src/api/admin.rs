use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use shared::dto::{AuditEntry, SecuritySettings};

/// Audit entries, newest first, 50 at a time; `before` is the last id already shown.
#[server(client = CsrfClient, endpoint = "audit/list")]
pub async fn audit_log(before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewAuditLog)?;
        Ok(db::audit::page(&call.state.pool, before, 50).await?)
    })
    .await
}

#[server(client = CsrfClient, endpoint = "settings/security")]
pub async fn fetch_security_settings() -> Result<SecuritySettings, AppError> {
    use crate::guard;
    use backend::services::settings;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        Ok(settings::security(&call.state).await?)
    })
    .await
}

#[server(client = CsrfClient, endpoint = "settings/security/save")]
pub async fn save_security_settings(
    require_totp_admin: bool,
    require_totp_supervisor: bool,
    require_totp_agent: bool,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::settings;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        let wanted = SecuritySettings {
            require_totp_admin,
            require_totp_supervisor,
            require_totp_agent,
        };
        settings::save_security(&call.state, &who, wanted).await
    })
    .await
}

/// "Reiniciar demonstração": the demo's data back to its seeded state (demo mode only).
#[server(client = CsrfClient, endpoint = "demo/reset")]
pub async fn reset_demo() -> Result<(), AppError> {
    use crate::guard;
    use backend::services::demo_reset;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        demo_reset::reset(&call.state, Some(&who)).await
    })
    .await
}
