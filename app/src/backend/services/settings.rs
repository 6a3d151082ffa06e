//! Configurações: platform-wide settings.

use crate::backend::db::{self, audit::NewAuditEntry};
use crate::backend::guard::Authorised;
use crate::backend::state::AppState;
use crate::error::AppError;
use shared::dto::{AuditAction, SecuritySettings};
use shared::Role;

/// The per-role security settings (defaults when never saved).
pub async fn security(state: &AppState) -> anyhow::Result<SecuritySettings> {
    Ok(db::settings::get(&state.pool, db::settings::SECURITY)
        .await?
        .unwrap_or_default())
}

pub async fn save_security(
    state: &AppState,
    who: &Authorised,
    settings: SecuritySettings,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, db::settings::SECURITY, &settings, who.user.id).await?;
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
