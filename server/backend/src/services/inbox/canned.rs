//! Saved replies (the composer's `/` list).

use crate::db::audit::NewAuditEntry;
use crate::db::canned_responses::{self, Text, SHORTCUT_UNIQUE};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::inbox::CannedResponse;
use shared::Refusal;
use uuid::Uuid;

pub async fn canned(state: &AppState) -> Result<Vec<CannedResponse>, Error> {
    canned_responses::list(&state.pool).await
}

/// Creates a saved reply (`id` nil) or changes the one with `id` (404 when it is gone).
pub async fn save_canned(
    state: &AppState,
    who: &Authorised,
    input: &CannedResponse,
) -> Result<(), Error> {
    let shortcut = input.shortcut.trim().trim_start_matches('/').to_lowercase();
    let valid = !shortcut.is_empty()
        && shortcut.len() <= 32
        && shortcut
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        return Err(AppError::Refused(Refusal::CannedShortcutInvalid).into());
    }
    let title = input.title.trim();
    let body = input.body.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(AppError::Refused(Refusal::CannedTitleInvalid).into());
    }
    if body.is_empty() || body.chars().count() > 4096 {
        return Err(AppError::Refused(Refusal::CannedTextInvalid).into());
    }
    let text = Text {
        shortcut: &shortcut,
        title,
        body,
    };
    let mut tx = state.pool.begin().await?;
    let saved = if input.id.is_nil() {
        canned_responses::insert(&mut *tx, text, who.user.id)
            .await
            .map(|_| true)
    } else {
        canned_responses::update(&mut *tx, input.id, text).await
    };
    match saved {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound.into()),
        Err(e) if e.is_unique_violation(SHORTCUT_UNIQUE) => {
            return Err(AppError::Refused(Refusal::CannedShortcutTaken { shortcut }).into())
        }
        Err(e) => return Err(e),
    }
    NewAuditEntry::new(AuditAction::CannedResponseChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!("/{shortcut} salva"))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_canned(state: &AppState, who: &Authorised, id: Uuid) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let shortcut = canned_responses::delete(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    NewAuditEntry::new(AuditAction::CannedResponseChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!("/{shortcut} removida"))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
