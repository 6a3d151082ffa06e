//! The webchat visitors repository: a visitor's browser session on a webchat channel (its token,
//! stored as an HMAC) and the contact it writes as.

use super::sql::{query, query_as};
use crate::error::Result;
use shared::{ChannelId, ContactId};
use sqlx::PgExecutor;
use uuid::Uuid;

pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    channel: ChannelId,
    contact: ContactId,
    token_hash: &[u8],
) -> Result<()> {
    query(INSERT)
        .bind(id)
        .bind(channel)
        .bind(contact)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// The channel's visitor with this token, seen now: (visitor, contact). A visitor unseen for
/// `idle_seconds` is gone: its token no longer works.
pub async fn seen_by_token(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    channel: ChannelId,
    idle_seconds: f64,
) -> Result<Option<(Uuid, ContactId)>> {
    Ok(query_as(SEEN_BY_TOKEN)
        .bind(token_hash)
        .bind(channel)
        .bind(idle_seconds)
        .fetch_optional(db)
        .await?)
}

super::sql::statements! {
    INSERT = "insert into webchat_visitors (id, channel_id, contact_id, token_hash)
         values ($1, $2, $3, $4)";
    SEEN_BY_TOKEN = "update webchat_visitors set last_seen_at = now()
         where token_hash = $1 and channel_id = $2
           and last_seen_at > now() - make_interval(secs => $3)
         returning id, contact_id";
}
