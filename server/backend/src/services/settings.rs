//! Configurações: platform-wide settings.

use crate::db::{self, audit::NewAuditEntry};
use crate::error::Error;
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::{AuditAction, SecuritySettings};
use shared::Role;

/// The per-role security settings (defaults when never saved).
pub async fn security(state: &AppState) -> anyhow::Result<SecuritySettings> {
    db::settings::get(&state.pool).await
}

pub async fn save_security(
    state: &AppState,
    who: &Authorised,
    settings: SecuritySettings,
) -> Result<(), Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Security)?;
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, &settings, who.user.id).await?;
    let detail = format!(
        "2FA obrigatória — {}",
        Role::ALL
            .map(|r| format!(
                "{}: {}",
                r.label(),
                if settings.requires_totp(r) {
                    "sim"
                } else {
                    "não"
                }
            ))
            .join(", ")
    );
    NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
