//! Reading messages: one, a conversation's page, and a contact's history across channels.

use crate::db::messages;
use crate::error::Error;
use shared::dto::MessageView;
use shared::{ContactId, ConversationId, MessageId};

pub use crate::db::messages::MessageRow;

pub async fn message(
    db: impl sqlx::PgExecutor<'_>,
    id: MessageId,
) -> Result<Option<MessageView>, Error> {
    let row = messages::find(db, id).await?;
    Ok(row.map(Into::into))
}

/// A conversation's messages after the `after` cursor, oldest first.
pub async fn list_messages(
    db: impl sqlx::PgExecutor<'_>,
    conversation: ConversationId,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageView>, Error> {
    let rows = messages::list_after(db, conversation, after, limit).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Which side of a cursor to read a contact's history from.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// Newest first, with `seq` below the cursor (scrolling back).
    Before(i64),
    /// Oldest first, with `seq` above the cursor (catching up).
    After(i64),
}

/// A contact's messages on every channel, `limit` of them from the cursor. Each conversation
/// is read through its own `(conversation_id, seq)` index range, so a long history costs only
/// the page, not every message the contact ever sent.
pub async fn contact_messages(
    db: impl sqlx::PgExecutor<'_>,
    contact: ContactId,
    page: Page,
    limit: i64,
    viewer: &crate::db::inbox::Viewer<'_>,
) -> Result<Vec<MessageView>, Error> {
    let (before, cursor) = match page {
        Page::Before(seq) => (true, seq),
        Page::After(seq) => (false, seq),
    };
    let rows = messages::of_contact(db, contact, before, cursor, limit, viewer).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
