//! Files in and out of PostgreSQL a chunk at a time (`db::blobs`): an upload is written as its
//! body arrives, a download read as the client takes it, so memory holds one chunk per transfer
//! whatever the file's size. Transfers run under one limit per instance ([`transfer_slot`]).

use crate::db::blobs::{put_chunk, CHUNK_BYTES};
use crate::error::Error;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use uuid::Uuid;

/// Uploads and downloads of files at once, per instance.
pub const MAX_TRANSFERS: usize = 16;
static TRANSFERS: Semaphore = Semaphore::const_new(MAX_TRANSFERS);

/// A place among the transfers under way, waiting a few seconds for one; none when the
/// instance stays busy (the caller answers 503 and the client tries again).
pub async fn transfer_slot() -> Option<SemaphorePermit<'static>> {
    tokio::time::timeout(Duration::from_secs(10), TRANSFERS.acquire())
        .await
        .ok()?
        .ok()
}

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// Past the most bytes allowed.
    TooLarge,
    /// The body could not be read (the client went away, the provider cut it).
    Source(String),
    Storage(Error),
}

/// Writes `source` as the chunks of `blob` in the caller's transaction, refusing it past `max`
/// bytes (the caller rolls back: nothing is kept of a file refused half-way). The size written.
pub async fn write<S, E>(
    tx: &mut PgConnection,
    blob: Uuid,
    source: S,
    max: u64,
) -> Result<u64, WriteError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut source = std::pin::pin!(source);
    let mut chunk = BytesMut::with_capacity(CHUNK_BYTES);
    let (mut n, mut total) = (0i32, 0u64);
    while let Some(next) = source.next().await {
        let mut data = next.map_err(|e| WriteError::Source(e.to_string()))?;
        total += data.len() as u64;
        if total > max {
            return Err(WriteError::TooLarge);
        }
        while !data.is_empty() {
            let take = (CHUNK_BYTES - chunk.len()).min(data.len());
            chunk.extend_from_slice(&data.split_to(take));
            if chunk.len() == CHUNK_BYTES {
                put_chunk(tx, blob, n, &chunk)
                    .await
                    .map_err(WriteError::Storage)?;
                n += 1;
                chunk.clear();
            }
        }
    }
    if !chunk.is_empty() {
        put_chunk(tx, blob, n, &chunk)
            .await
            .map_err(WriteError::Storage)?;
    }
    Ok(total)
}

/// The blob's bytes, one chunk read at a time as the client takes them; `slot` (the transfer's
/// place) is held until the last chunk went out or the client left.
pub fn read(
    pool: PgPool,
    blob: Uuid,
    slot: Option<SemaphorePermit<'static>>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::try_unfold((0i32, slot), move |(n, slot)| {
        let pool = pool.clone();
        async move {
            match crate::db::blobs::chunk(&pool, blob, n).await {
                Ok(Some(data)) => Ok(Some((Bytes::from(data), (n + 1, slot)))),
                Ok(None) => Ok(None),
                Err(e) => Err(std::io::Error::other(format!("{e:?}"))),
            }
        }
    })
}

/// A stored file to serve: its type, size and the blob its bytes are in.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub mime: String,
    pub size: i64,
    pub blob: Uuid,
}
