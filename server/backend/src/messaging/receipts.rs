//! Delivery receipts and provider errors. A receipt is identified by `(channel_id,
//! provider_message_id, status)`; statuses only move forward.

use crate::channels::{self, Channel, Receipt};
use crate::db::channel_errors::{self, ChannelError};
use crate::db::deliveries::{self, StatusReport};
use crate::error::Error;
use crate::live::LiveEvent;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::messaging::DeliveryStatus;
use shared::ChannelId;

/// Records a delivery receipt and moves the message's status forward if it is newer.
pub async fn apply_receipt(
    state: &AppState,
    channel: &Channel,
    receipt: &Receipt,
) -> Result<(), Error> {
    deliveries::insert_receipt(
        &state.pool,
        &StatusReport {
            channel: channel.id,
            provider_message_id: &receipt.provider_message_id,
            status: receipt.status,
            at: receipt.timestamp,
            error_code: receipt.error_code,
            error_title: receipt.error_title.as_deref(),
            error_detail: receipt.error_detail.as_deref(),
        },
    )
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
    let updated = deliveries::advance_status(
        &state.pool,
        &StatusReport {
            channel,
            provider_message_id,
            status,
            at,
            error_code: error.0,
            error_title: error.1,
            error_detail: error.2,
        },
    )
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
    let rows = deliveries::mark_read_until(&state.pool, channel.id, contact_external_id, watermark)
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
    channel_errors::insert(
        &state.pool,
        ChannelError {
            channel: channel.id,
            code: error.code,
            title: error.title.as_deref(),
            message: error.message.as_deref(),
            details: error.details.as_deref(),
        },
    )
    .await?;
    Ok(())
}
