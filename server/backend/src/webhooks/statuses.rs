//! Status deliveries (sent, delivered, read, failed) applied in batches. A campaign at 1,000
//! messages/s brings about three status webhooks per message; one transaction per delivery
//! would fall behind. Deliveries that hold only receipts are gathered (those stored by this
//! instance as they arrive, and the processor's claims) and applied together: every receipt
//! recorded, every message moved to its furthest status and the deliveries marked processed,
//! in one transaction of a few statements (campaign sends are settled just before, apart:
//! `campaigns::sender::settle_receipts`).

use crate::channels::{self, ProviderEvent, Receipt};
use crate::state::AppState;
use crate::{campaigns, db::webhook_events, error::Error, messaging};
use shared::ChannelId;

pub use super::queue::Stored;

/// Whether a delivery can be applied in a batch: receipts only, none of them an opt-out
/// (Meta's 131050 writes consent and may answer the customer: the ordinary path does that).
pub fn receipts_only(events: &[ProviderEvent]) -> bool {
    !events.is_empty()
        && events.iter().all(|e| {
            matches!(e, ProviderEvent::Receipt(r)
                if r.error_code != Some(campaigns::sender::MARKETING_STOPPED))
        })
}

/// Applies receipt-only deliveries in one transaction and marks them processed. Returns the
/// deliveries it left alone (a receipt for a channel this platform does not have), for the
/// ordinary path to record. On error nothing is applied, and the caller processes each.
pub async fn apply(
    state: &AppState,
    batch: Vec<Stored>,
) -> Result<Vec<Stored>, (Error, Vec<Stored>)> {
    let directory = match state.channels.all(&state.pool, &state.secrets).await {
        Ok(directory) => directory,
        Err(e) => return Err((e.into(), batch)),
    };
    // Each delivery's receipts with their channel, or none when one of its events has no
    // channel here (that delivery goes back to the ordinary path).
    let mut routed = Vec::new();
    let mut unrouted = Vec::new();
    for delivery in batch {
        let channels: Option<Vec<ChannelId>> = delivery
            .events
            .iter()
            .map(|e| {
                channels::route(&directory, delivery.kind, e.channel_external_id()).map(|c| c.id)
            })
            .collect();
        match channels {
            Some(channels) => routed.push((delivery, channels)),
            None => unrouted.push(delivery),
        }
    }
    if routed.is_empty() {
        return Ok(unrouted);
    }
    let receipts: Vec<(ChannelId, &Receipt)> = routed
        .iter()
        .flat_map(|(d, channels)| d.events.iter().zip(channels))
        .filter_map(|(event, channel)| match event {
            ProviderEvent::Receipt(r) => Some((*channel, r)),
            _ => None,
        })
        .collect();
    let ids: Vec<i64> = routed.iter().map(|(d, _)| d.id).collect();
    let applied = apply_receipts(state, &receipts, &ids).await;
    drop(receipts);
    match applied {
        Ok(()) => Ok(unrouted),
        Err(e) => {
            let mut all: Vec<Stored> = routed.into_iter().map(|(d, _)| d).collect();
            all.extend(unrouted);
            Err((e, all))
        }
    }
}

/// Settles campaign sends (outside the transaction, see `settle_receipts`; settled once, so
/// doing it again after a failure changes nothing), then records the receipts, moves their
/// messages and marks the deliveries `done` processed in one transaction, then tells the live
/// views.
pub async fn apply_receipts(
    state: &AppState,
    receipts: &[(ChannelId, &Receipt)],
    done: &[i64],
) -> Result<(), Error> {
    let all: Vec<&Receipt> = receipts.iter().map(|(_, r)| *r).collect();
    campaigns::sender::settle_receipts(state, &all).await?;
    let mut tx = state.pool.begin().await?;
    let moves = messaging::record_receipts(&mut tx, receipts).await?;
    if !done.is_empty() {
        webhook_events::mark_done(&mut *tx, done, "ok").await?;
    }
    tx.commit().await?;
    messaging::publish_moves(state, &moves).await;
    Ok(())
}
