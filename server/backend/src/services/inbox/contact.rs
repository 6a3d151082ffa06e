//! The contact seen from a conversation: revealing the CPF and editing the contact.

use super::detail::contact_panel;
use super::visibility::access;
use crate::db::audit::NewAuditEntry;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::{AuditAction, ContactInput};
use shared::inbox::{format_cpf, ContactPanel};
use shared::{ConversationId, Permission};

/// Shows a contact's CPF in full to who sees it masked, and logs that they did.
pub async fn reveal_cpf(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<String, Error> {
    let a = access(state, who, conversation).await?;
    let (name, cpf) = crate::db::contacts::name_and_cpf(&state.pool, a.contact_id).await?;
    let cpf = cpf.ok_or(AppError::NotFound)?;
    NewAuditEntry::new(AuditAction::CpfRevealed)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Contato {} ({}), conversa {}",
            name.unwrap_or_else(|| "sem nome".into()),
            a.contact_id,
            conversation
        ))
        .record(&state.pool)
        .await?;
    Ok(format_cpf(&cpf))
}

/// Edits the contact from the side panel.
pub async fn update_contact(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    mut input: ContactInput,
) -> Result<ContactPanel, Error> {
    let a = access(state, who, conversation).await?;
    // A masked CPF comes back as it was shown: keep the stored one.
    if input.cpf.as_deref().is_some_and(|c| c.contains('*'))
        || (!who.user.can(Permission::ViewFullCpf) && input.cpf.is_some())
    {
        input.cpf = None;
    }
    crate::services::contacts::update(state, a.contact_id, &input).await?;
    contact_panel(state, who, a.contact_id).await
}
