//! Configurações: platform-wide settings.

use crate::db::{self, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::services::users::Actor;
use crate::state::AppState;
use shared::campaign::model::CampaignSettings;
use shared::dto::{AuditAction, SecuritySettings};
use shared::{Refusal, Role};

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

/// Configurações → Campanhas: the messaging limit, the price table, the sending window, the
/// per-contact cap and the opt-out words (defaults when never saved).
pub async fn campaigns(state: &AppState) -> Result<CampaignSettings, Error> {
    Ok(db::settings::get(&state.pool).await?)
}

/// Checks and saves the campaign settings (audited); what was stored.
pub async fn save_campaigns(
    state: &AppState,
    who: Actor<'_>,
    settings: CampaignSettings,
) -> Result<CampaignSettings, Error> {
    let settings = settings
        .checked()
        .map_err(|problems| AppError::Refused(Refusal::CampaignSettingsInvalid { problems }))?;
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, &settings, who.id).await?;
    let detail = format!(
        "Campanhas — limite da Meta {}; preços R$ {:.4} (marketing) e R$ {:.4} (utilidade); até {} modelo(s) por contato em 24 h; janela {}{}; {} palavra(s) de saída",
        shared::campaign::rules::tier_label(settings.messaging_limit),
        settings.price_marketing_brl,
        settings.price_utility_brl,
        settings.frequency_cap_24h,
        settings.window.hours.summary(),
        if settings.window.skip_national_holidays { ", sem feriados nacionais" } else { "" },
        settings.opt_out.always.len() + settings.opt_out.after_marketing.len(),
    );
    NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(who.id, who.label)
        .from_ip(who.ip)
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(settings)
}
