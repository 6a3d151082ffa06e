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
    let (routed, unrouted): (Vec<Stored>, Vec<Stored>) = batch.into_iter().partition(|d| {
        d.events
            .iter()
            .all(|e| channels::route(&directory, d.kind, e.channel_external_id()).is_some())
    });
    if routed.is_empty() {
        return Ok(unrouted);
    }
    let mut receipts: Vec<(ChannelId, &Receipt)> = Vec::new();
    for delivery in &routed {
        for event in &delivery.events {
            if let (ProviderEvent::Receipt(r), Some(channel)) = (
                event,
                channels::route(&directory, delivery.kind, event.channel_external_id()),
            ) {
                receipts.push((channel.id, r));
            }
        }
    }
    let ids: Vec<i64> = routed.iter().map(|d| d.id).collect();
    let moves = async {
        // Campaign sends first, outside the transaction (see `settle_receipts`); they are
        // settled once, so doing it again after a failure below changes nothing.
        let all: Vec<&Receipt> = receipts.iter().map(|(_, r)| *r).collect();
        campaigns::sender::settle_receipts(state, &all).await?;
        let mut tx = state.pool.begin().await?;
        let moves = messaging::record_receipts(&mut tx, &receipts).await?;
        webhook_events::mark_done(&mut *tx, &ids, "ok").await?;
        tx.commit().await?;
        Ok::<_, Error>(moves)
    }
    .await;
    drop(receipts);
    match moves {
        Ok(moves) => {
            messaging::publish_moves(state, &moves).await;
            Ok(unrouted)
        }
        Err(e) => {
            let mut all = routed;
            all.extend(unrouted);
            Err((e, all))
        }
    }
}
