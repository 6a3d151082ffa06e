//! Group commit of webhook deliveries. Each POST waits for its delivery to be committed before
//! Meta gets its 200, but deliveries arriving together share one statement and one commit: a
//! dispatcher gathers what is waiting while earlier statements commit (a few at once), so the
//! commits per second stay bounded while the deliveries per commit grow with the load.

use crate::db::webhook_events::{self, NewDelivery};
use crate::error::Error;
use shared::messaging::ChannelKind;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Deliveries stored by one statement, at most.
const MAX_BATCH: usize = 256;

/// Statements committing at once; while they do, the next deliveries gather.
const IN_FLIGHT: usize = 4;

struct Pending {
    provider: ChannelKind,
    payload: String,
    claimed: bool,
    stored: oneshot::Sender<Result<i64, Error>>,
}

/// The way into `webhook_events` for the request path.
#[derive(Clone)]
pub struct Ingest {
    queue: mpsc::UnboundedSender<Pending>,
}

impl Ingest {
    /// Starts the dispatcher on the current runtime.
    pub fn start(pool: PgPool) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(pool, waiting));
        Self { queue }
    }

    /// Stores one delivery (see [`NewDelivery`]); returns its id once committed.
    pub async fn store(
        &self,
        provider: ChannelKind,
        payload: &str,
        claimed: bool,
    ) -> Result<i64, Error> {
        let (stored, committed) = oneshot::channel();
        self.queue
            .send(Pending {
                provider,
                payload: payload.to_owned(),
                claimed,
                stored,
            })
            .map_err(|_| anyhow::anyhow!("webhook ingest stopped"))?;
        committed
            .await
            .map_err(|_| anyhow::anyhow!("webhook ingest dropped a delivery"))?
    }
}

async fn dispatch(pool: PgPool, mut waiting: mpsc::UnboundedReceiver<Pending>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = waiting.recv().await {
        // Wait for a slot first: what arrives meanwhile joins this batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            flush(&pool, batch).await;
            drop(slot);
        });
    }
}

async fn flush(pool: &PgPool, batch: Vec<Pending>) {
    match insert(pool, &batch).await {
        Ok(ids) => {
            for (pending, id) in batch.into_iter().zip(ids) {
                let _ = pending.stored.send(Ok(id));
            }
        }
        Err(e) if batch.len() == 1 => {
            let _ = batch.into_iter().next().map(|p| p.stored.send(Err(e)));
        }
        // One delivery PostgreSQL refuses (jsonb rejects some texts serde accepts, such as
        // "\u0000") must not fail the others: each on its own.
        Err(e) => {
            tracing::warn!(error = ?e, deliveries = batch.len(), "batch not stored; storing one by one");
            for pending in batch {
                let one = insert(pool, std::slice::from_ref(&pending)).await;
                let _ = pending
                    .stored
                    .send(one.and_then(|ids| ids.first().copied().ok_or_else(missing_id)));
            }
        }
    }
}

async fn insert(pool: &PgPool, batch: &[Pending]) -> Result<Vec<i64>, Error> {
    let rows: Vec<NewDelivery<'_>> = batch
        .iter()
        .map(|p| NewDelivery {
            provider: p.provider,
            payload: &p.payload,
            claimed: p.claimed,
        })
        .collect();
    let ids = webhook_events::insert(pool, &rows).await?;
    if ids.len() != rows.len() {
        return Err(missing_id());
    }
    Ok(ids)
}

fn missing_id() -> Error {
    anyhow::anyhow!("webhook_events returned fewer ids than deliveries").into()
}
