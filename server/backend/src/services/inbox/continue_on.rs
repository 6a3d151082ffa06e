//! Continuing a conversation on another of the contact's channels.

use super::lifecycle::changed;
use super::visibility::access;
use crate::db::conversations::record_event;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::messaging::{Author, ChannelKind, ConversationEventKind};
use shared::Refusal;
use shared::{ChannelId, ContactId, ConversationId};
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
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let target = channels
        .iter()
        .find(|c| c.id == channel && c.active)
        .ok_or(AppError::Refused(Refusal::ChannelUnavailable))?;
    let mut tx = state.pool.begin().await?;
    let identity: Option<String> = sqlx::query_scalar(
        "select external_id from contact_identities where contact_id = $1 and channel_id = $2
         limit 1",
    )
    .bind(a.contact_id)
    .bind(channel)
    .fetch_optional(&mut *tx)
    .await?;
    if identity.is_none() {
        let phone: Option<String> = sqlx::query_scalar("select phone from contacts where id = $1")
            .bind(a.contact_id)
            .fetch_one(&mut *tx)
            .await?;
        match (target.kind, phone) {
            (ChannelKind::Whatsapp, Some(phone)) => {
                let wa_id = phone.trim_start_matches('+').to_owned();
                sqlx::query(
                    "insert into contact_identities (id, contact_id, channel_id, external_id)
                     values ($1, $2, $3, $4) on conflict (channel_id, external_id) do nothing",
                )
                .bind(Uuid::new_v4())
                .bind(a.contact_id)
                .bind(channel)
                .bind(&wa_id)
                .execute(&mut *tx)
                .await?;
                let owner: ContactId = sqlx::query_scalar(
                    "select contact_id from contact_identities
                     where channel_id = $1 and external_id = $2",
                )
                .bind(channel)
                .bind(&wa_id)
                .fetch_one(&mut *tx)
                .await?;
                if owner != a.contact_id {
                    return Err(AppError::Refused(Refusal::IdentityBelongsToOtherContact).into());
                }
            }
            _ => return Err(AppError::Refused(Refusal::ContactHasNoIdentityOnChannel).into()),
        }
    }
    let existing: Option<ConversationId> = sqlx::query_scalar(
        "select id from conversations where contact_id = $1 and channel_id = $2
         and status <> 'resolved' for update",
    )
    .bind(a.contact_id)
    .bind(channel)
    .fetch_optional(&mut *tx)
    .await?;
    let target_conversation = match existing {
        Some(id) => id,
        None => {
            let id = ConversationId(Uuid::new_v4());
            sqlx::query(
                "insert into conversations (id, contact_id, channel_id, team_id, assignee_id,
                     status, assigned_at, last_message_at)
                 values ($1, $2, $3, $4, $5, 'open', now(), now())",
            )
            .bind(id)
            .bind(a.contact_id)
            .bind(channel)
            .bind(a.team_id)
            .bind(who.user.id)
            .execute(&mut *tx)
            .await?;
            record_event(
                &mut tx,
                id,
                ConversationEventKind::Created,
                Author::Agent,
                Some(who.user.id),
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
        Author::Agent,
        Some(who.user.id),
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
