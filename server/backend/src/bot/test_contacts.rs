//! Test contacts: the phone numbers whose conversations on the real channels run the flows'
//! drafts instead of the published versions (their visits are not counted in the analytics).

use crate::db;
use crate::error::{AppError, Error};
use crate::guard::{ensure_not_demo_locked, Authorised, DemoLocked};
use crate::state::AppState;
use shared::dto::AuditAction;
use shared::flow::builder::TestContacts;
use shared::Refusal;

impl db::settings::Setting for TestContacts {
    const KEY: &'static str = "flow_test_contacts";
}

pub async fn get(state: &AppState) -> Result<TestContacts, Error> {
    Ok(db::settings::get(&state.pool).await?)
}

/// Replaces the list with the numbers typed (one per line), audited.
pub async fn set(state: &AppState, who: &Authorised, typed: &str) -> Result<TestContacts, Error> {
    ensure_not_demo_locked(state, who, DemoLocked::Flows)?;
    let contacts = TestContacts::parse(typed)
        .map_err(|phone| AppError::Refused(Refusal::TestContactInvalid { phone }))?;
    if contacts.phones.len() > TestContacts::MAX {
        return Err(AppError::Refused(Refusal::TestContactsTooMany {
            max: TestContacts::MAX,
        })
        .into());
    }
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, &contacts, who.user.id).await?;
    db::audit::NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "contatos de teste dos fluxos: {} número(s)",
            contacts.phones.len()
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.bot.invalidate().await;
    Ok(contacts)
}
