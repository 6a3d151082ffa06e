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
use shared::{ChannelId, ConversationId, MessageId};
use sqlx::PgConnection;

/// A message whose status moved, to tell the live views once the move is committed.
#[derive(Debug, Clone, Copy)]
pub struct StatusMove {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub status: DeliveryStatus,
}

/// Records receipts (each channel's, in any order, repeats included) and moves every message
/// they are about to the furthest status reported, in two statements on `tx` whatever their
/// number. The moves, for [`publish_moves`] after the commit.
pub async fn record_receipts(
    tx: &mut PgConnection,
    receipts: &[(ChannelId, &Receipt)],
) -> Result<Vec<StatusMove>, Error> {
    if receipts.is_empty() {
        return Ok(Vec::new());
    }
    let reports: Vec<StatusReport<'_>> = receipts.iter().map(|(c, r)| report(*c, r)).collect();
    deliveries::insert_receipts(&mut *tx, &reports).await?;
    let moved = deliveries::advance_statuses(&mut *tx, &furthest(reports)).await?;
    Ok(moved
        .into_iter()
        .map(|(message_id, conversation_id, status)| StatusMove {
            message_id,
            conversation_id,
            status,
        })
        .collect())
}

/// Tells the live views of committed moves, in one round trip to Redis.
pub async fn publish_moves(state: &AppState, moves: &[StatusMove]) {
    let events: Vec<LiveEvent> = moves
        .iter()
        .map(|m| LiveEvent::MessageStatus {
            conversation_id: m.conversation_id,
            message_id: m.message_id,
            status: m.status,
        })
        .collect();
    state.live.publish_all(&state.redis, &events).await;
}

fn report(channel: ChannelId, receipt: &Receipt) -> StatusReport<'_> {
    StatusReport {
        channel,
        provider_message_id: &receipt.provider_message_id,
        status: receipt.status,
        at: receipt.timestamp,
        error_code: receipt.error_code,
        error_title: receipt.error_title.as_deref(),
        error_detail: receipt.error_detail.as_deref(),
    }
}

/// One report per message: the furthest status (an update joined to two rows of one message
/// would apply either).
fn furthest(reports: Vec<StatusReport<'_>>) -> Vec<StatusReport<'_>> {
    let mut best: std::collections::HashMap<(ChannelId, &str), StatusReport<'_>> =
        std::collections::HashMap::with_capacity(reports.len());
    for r in reports {
        match best.entry((r.channel, r.provider_message_id)) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                if r.status.rank() > seen.get().status.rank() {
                    seen.insert(r);
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(r);
            }
        }
    }
    best.into_values().collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(channel: ChannelId, id: &str, status: DeliveryStatus) -> StatusReport<'_> {
        StatusReport {
            channel,
            provider_message_id: id,
            status,
            at: Utc::now(),
            error_code: None,
            error_title: None,
            error_detail: None,
        }
    }

    #[test]
    fn each_message_keeps_only_its_furthest_status_in_any_order() {
        let (a, b) = (
            ChannelId(uuid::Uuid::new_v4()),
            ChannelId(uuid::Uuid::new_v4()),
        );
        let reports = vec![
            at(a, "m1", DeliveryStatus::Read),
            at(a, "m1", DeliveryStatus::Sent),
            at(a, "m1", DeliveryStatus::Delivered),
            at(a, "m2", DeliveryStatus::Delivered),
            at(a, "m2", DeliveryStatus::Failed),
            at(a, "m2", DeliveryStatus::Read),
            // The same provider id on another channel is another message.
            at(b, "m1", DeliveryStatus::Sent),
        ];
        let mut kept: Vec<(ChannelId, &str, DeliveryStatus)> = furthest(reports)
            .into_iter()
            .map(|r| (r.channel, r.provider_message_id, r.status))
            .collect();
        kept.sort_by_key(|(c, id, _)| (*c != a, *id));
        assert_eq!(
            kept,
            vec![
                (a, "m1", DeliveryStatus::Read),
                (a, "m2", DeliveryStatus::Failed),
                (b, "m1", DeliveryStatus::Sent),
            ]
        );
    }
}
