//! The hand-over of receipt-only deliveries from the request path (which stored them) to the
//! batcher that applies them ([`super::statuses`]), on one instance.

use crate::channels::ProviderEvent;
use shared::messaging::ChannelKind;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Deliveries applied by one transaction, at most.
pub const MAX_BATCH: usize = 500;

/// A stored delivery waiting for processing.
pub struct Stored {
    pub id: i64,
    pub kind: ChannelKind,
    pub events: Vec<ProviderEvent>,
    pub attempts: i32,
}

/// This instance's receipt-only deliveries, from the request path to the batcher.
pub struct StatusQueue {
    sender: mpsc::UnboundedSender<Stored>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Stored>>>,
}

impl Default for StatusQueue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

impl StatusQueue {
    /// Hands a stored delivery over. Should nobody take it (the instance is stopping), its
    /// claim expires and any processor applies the stored copy.
    pub fn push(&self, stored: Stored) {
        let _ = self.sender.send(stored);
    }

    /// The receiving end, once (for the batcher).
    pub fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Stored>> {
        self.receiver.lock().ok()?.take()
    }
}

/// Waits for deliveries and hands them over in batches: what arrived while the previous batch
/// was applied makes the next one.
pub async fn next_batch(receiver: &mut mpsc::UnboundedReceiver<Stored>) -> Option<Vec<Stored>> {
    let first = receiver.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}
