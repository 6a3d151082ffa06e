//! Delivery receipts and provider errors. A receipt is identified by `(channel_id,
//! provider_message_id, status)`; statuses only move forward.

use crate::channels::{self, Channel, Receipt};
use crate::error::Error;
use crate::live::LiveEvent;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::messaging::DeliveryStatus;
use shared::{ChannelId, ConversationId, MessageId};

/// Records a delivery receipt and moves the message's status forward if it is newer.
pub async fn apply_receipt(
    state: &AppState,
    channel: &Channel,
    receipt: &Receipt,
) -> Result<(), Error> {
    sqlx::query(
        "insert into message_receipts (channel_id, provider_message_id, status, occurred_at,
             error_code, error_title, error_detail)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(channel.id)
    .bind(&receipt.provider_message_id)
    .bind(receipt.status)
    .bind(receipt.timestamp)
    .bind(receipt.error_code)
    .bind(&receipt.error_title)
    .bind(&receipt.error_detail)
    .execute(&state.pool)
    .await?;
    advance_status(
        state,
        channel.id,
        &receipt.provider_message_id,
        receipt.status,
        receipt.timestamp,
        (
            receipt.error_code,
            receipt.error_title.as_deref(),
            receipt.error_detail.as_deref(),
        ),
    )
    .await
}

/// Moves an outbound message's status forward (the enum's order is the status order), never
/// back, and tells the live views.
pub(crate) async fn advance_status(
    state: &AppState,
    channel: ChannelId,
    provider_message_id: &str,
    status: DeliveryStatus,
    at: DateTime<Utc>,
    error: (Option<i32>, Option<&str>, Option<&str>),
) -> Result<(), Error> {
    let updated: Option<(MessageId, ConversationId)> = sqlx::query_as(
        "update messages set status = $3, status_at = $4,
             error_code = coalesce($5, error_code), error_title = coalesce($6, error_title),
             error_detail = coalesce($7, error_detail)
         where channel_id = $1 and provider_message_id = $2 and direction = 'outbound'
           and status < $3
         returning id, conversation_id",
    )
    .bind(channel)
    .bind(provider_message_id)
    .bind(status)
    .bind(at)
    .bind(error.0)
    .bind(error.1)
    .bind(error.2)
    .fetch_optional(&state.pool)
    .await?;
    if let Some((message_id, conversation_id)) = updated {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::MessageStatus {
                    conversation_id,
                    message_id,
                    status,
                },
            )
            .await;
    }
    Ok(())
}

/// Messenger's `read` watermark: every message to this person sent until then was read.
pub async fn apply_read_watermark(
    state: &AppState,
    channel: &Channel,
    contact_external_id: &str,
    watermark: DateTime<Utc>,
) -> Result<(), Error> {
    let rows: Vec<(MessageId, ConversationId)> = sqlx::query_as(
        "update messages m set status = 'read', status_at = $3
         from conversations c, contact_identities ci
         where m.conversation_id = c.id and ci.contact_id = c.contact_id
           and ci.channel_id = $1 and ci.external_id = $2 and m.channel_id = $1
           and m.direction = 'outbound' and m.status in ('sent', 'delivered')
           and m.provider_timestamp <= $3
         returning m.id, m.conversation_id",
    )
    .bind(channel.id)
    .bind(contact_external_id)
    .bind(watermark)
    .fetch_all(&state.pool)
    .await?;
    for (message_id, conversation_id) in rows {
        state
            .live
            .publish(
                &state.redis,
                &LiveEvent::MessageStatus {
                    conversation_id,
                    message_id,
                    status: DeliveryStatus::Read,
                },
            )
            .await;
    }
    Ok(())
}

pub async fn record_channel_error(
    state: &AppState,
    channel: &Channel,
    error: &channels::ProviderError,
) -> Result<(), Error> {
    tracing::warn!(channel = %channel.id, code = ?error.code, title = ?error.title, "provider reported an error");
    sqlx::query(
        "insert into channel_errors (channel_id, code, title, message, details)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(channel.id)
    .bind(error.code)
    .bind(&error.title)
    .bind(&error.message)
    .bind(&error.details)
    .execute(&state.pool)
    .await?;
    Ok(())
}
