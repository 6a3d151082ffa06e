//! The chunks files are kept in (`blob_chunks`): an attachment's under its id, a cached media's
//! under its message's id, each chunk at most [`CHUNK_BYTES`]. And the cache of media fetched
//! from Meta (`media_cache`).

use super::sql::{query, query_as, query_scalar};
use crate::error::Error;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The size of a chunk: what one upload or download holds in memory at a time.
pub const CHUNK_BYTES: usize = 1024 * 1024;

pub async fn put_chunk(
    db: &mut PgConnection,
    blob: Uuid,
    n: i32,
    data: &[u8],
) -> Result<(), Error> {
    query(PUT_CHUNK)
        .bind(blob)
        .bind(n)
        .bind(data)
        .execute(db)
        .await?;
    Ok(())
}

/// Chunk `n` of the blob; none past its end.
pub async fn chunk(db: impl PgExecutor<'_>, blob: Uuid, n: i32) -> Result<Option<Vec<u8>>, Error> {
    Ok(query_scalar(CHUNK)
        .bind(blob)
        .bind(n)
        .fetch_optional(db)
        .await?)
}

/// A cached media: its type and size, once completely fetched.
#[derive(sqlx::FromRow)]
pub struct CachedMedia {
    pub mime: String,
    pub size: i64,
}

pub async fn cached_media(
    db: impl PgExecutor<'_>,
    message: Uuid,
) -> Result<Option<CachedMedia>, Error> {
    Ok(query_as(CACHED_MEDIA)
        .bind(message)
        .fetch_optional(db)
        .await?)
}

/// Starts caching a message's media in the caller's transaction; false when another request
/// cached it first (the insert waits for that one's transaction, then finds its row).
pub async fn start_media(db: &mut PgConnection, message: Uuid, mime: &str) -> Result<bool, Error> {
    Ok(query(START_MEDIA)
        .bind(message)
        .bind(mime)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn finish_media(db: &mut PgConnection, message: Uuid, size: i64) -> Result<(), Error> {
    query(FINISH_MEDIA)
        .bind(message)
        .bind(size)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    PUT_CHUNK = "insert into blob_chunks (blob_id, n, data) values ($1, $2, $3)";
    CHUNK = "select data from blob_chunks where blob_id = $1 and n = $2";
    CACHED_MEDIA = "select mime, size from media_cache where message_id = $1 and complete";
    START_MEDIA = "insert into media_cache (message_id, mime) values ($1, $2)
         on conflict (message_id) do nothing";
    FINISH_MEDIA = "update media_cache set size = $2, complete = true where message_id = $1";
}
