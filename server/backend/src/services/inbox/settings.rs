//! The inbox settings: the reopen window and the offline grace.

use crate::db::{self, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::inbox::InboxSettings;
use shared::Refusal;

pub async fn settings(db: impl sqlx::PgExecutor<'_>) -> Result<InboxSettings, Error> {
    Ok(db::settings::get(db).await?)
}

pub async fn save_settings(
    state: &AppState,
    who: &Authorised,
    settings: InboxSettings,
) -> Result<(), Error> {
    if settings.reopen_window_minutes > 60 * 24 * 30 || settings.offline_grace_minutes > 24 * 60 {
        return Err(AppError::Refused(Refusal::InboxWindowsOutOfRange).into());
    }
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, &settings, who.user.id).await?;
    NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Caixa de entrada — reabrir em até {} min; tolerância offline {} min",
            settings.reopen_window_minutes, settings.offline_grace_minutes
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
