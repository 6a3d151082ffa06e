//! Continuing a conversation on another of the contact's channels.

use super::lifecycle::{changed, By};
use super::visibility::access;
use crate::db::contacts;
use crate::db::conversations::{self, record_event};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::messaging::{ChannelKind, ConversationEventKind};
use shared::Refusal;
use shared::{ChannelId, ConversationId, UserId};
use uuid::Uuid;

/// Continues the conversation on another of the contact's channels: finds or opens the
/// contact's conversation there, assigned to the viewer in the same team. On WhatsApp, a contact
/// with a phone number but no identity yet gets one from the number.
pub async fn continue_on(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    channel: ChannelId,
) -> Result<ConversationId, Error> {
    let a = access(state, who, conversation).await?;
    continue_as(
        state,
        By::Person(who),
        conversation,
        &a,
        channel,
        who.user.id,
    )
    .await
}

/// Continues on `channel`, the new conversation assigned to `agent`, on behalf of `by` (whose
/// access was checked).
pub(crate) async fn continue_as(
    state: &AppState,
    by: By<'_>,
    conversation: ConversationId,
    a: &conversations::Access,
    channel: ChannelId,
    agent: UserId,
) -> Result<ConversationId, Error> {
    super::lifecycle::active_user(state, agent).await?;
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let target = channels
        .iter()
        .find(|c| c.id == channel && c.active)
        .ok_or(AppError::Refused(Refusal::ChannelUnavailable))?;
    let mut tx = state.pool.begin().await?;
    if contacts::identity_on(&mut *tx, a.contact_id, channel)
        .await?
        .is_none()
    {
        let phone = contacts::phone(&mut *tx, a.contact_id).await?;
        match (target.kind, phone) {
            (ChannelKind::Whatsapp, Some(phone)) => {
                let wa_id = phone.trim_start_matches('+').to_owned();
                contacts::add_identity(&mut *tx, a.contact_id, channel, &wa_id).await?;
                if contacts::identity_owner(&mut *tx, channel, &wa_id).await? != a.contact_id {
                    return Err(AppError::Refused(Refusal::IdentityBelongsToOtherContact).into());
                }
            }
            _ => return Err(AppError::Refused(Refusal::ContactHasNoIdentityOnChannel).into()),
        }
    }
    let existing = contacts::locked_active_conversation(&mut *tx, a.contact_id, channel).await?;
    let target_conversation = match existing {
        Some(id) => id,
        None => {
            let id = ConversationId(Uuid::new_v4());
            conversations::open_for_agent(&mut tx, id, a.contact_id, channel, a.team_id, agent)
                .await?;
            record_event(
                &mut tx,
                id,
                ConversationEventKind::Created,
                by.author(),
                by.user(),
                serde_json::json!({"channel_id": channel, "from_conversation": conversation}),
            )
            .await?;
            id
        }
    };
    let label = format!("{} ({})", target.kind.label(), target.name);
    let event = record_event(
        &mut tx,
        conversation,
        ConversationEventKind::Moved,
        by.author(),
        by.user(),
        serde_json::json!({"to_conversation": target_conversation, "channel_id": channel,
                           "channel_label": label}),
    )
    .await?;
    tx.commit().await?;
    changed(
        state,
        conversation,
        event,
        ConversationEventKind::Moved,
        None,
    )
    .await;
    crate::publish::conversation_changed(state, target_conversation, None).await;
    Ok(target_conversation)
}
