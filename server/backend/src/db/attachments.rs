//! The attachments repository: uploaded files, kept in PostgreSQL with what was checked about
//! them when they arrived (their bytes are chunks, `db::blobs`).

use super::sql::{query, query_as};
use crate::error::Error;
use shared::messaging::MessageKind;
use shared::{ConversationId, UserId};
use sqlx::PgExecutor;
use uuid::Uuid;

/// What was stored about a file.
#[derive(sqlx::FromRow)]
pub struct Facts {
    pub kind: MessageKind,
    pub filename: String,
    pub mime: String,
    pub size: i64,
}

pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub uploaded_by: UserId,
    pub conversation: ConversationId,
    pub kind: MessageKind,
    pub filename: &'a str,
    pub mime: &'a str,
    pub size: i64,
}

pub async fn insert(db: impl PgExecutor<'_>, new: NewAttachment<'_>) -> Result<(), Error> {
    query(INSERT)
        .bind(new.id)
        .bind(new.uploaded_by)
        .bind(new.conversation)
        .bind(new.kind)
        .bind(new.filename)
        .bind(new.mime)
        .bind(new.size)
        .execute(db)
        .await?;
    Ok(())
}

/// What was stored about a file uploaded for this conversation (none for another's).
pub async fn facts_in(
    db: impl PgExecutor<'_>,
    id: Uuid,
    conversation: ConversationId,
) -> Result<Option<Facts>, Error> {
    Ok(query_as(FACTS_IN)
        .bind(id)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// The stored file: (mime, filename, kind, size); its bytes are the chunks of its id.
pub async fn load(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<(String, String, MessageKind, i64)>, Error> {
    Ok(query_as(LOAD).bind(id).fetch_optional(db).await?)
}

super::sql::statements! {
    INSERT = "insert into attachments (id, uploaded_by, conversation_id, kind, filename, mime, size)
         values ($1, $2, $3, $4, $5, $6, $7)";
    FACTS_IN = "select kind, filename, mime, size from attachments
         where id = $1 and conversation_id = $2";
    LOAD = "select mime, filename, kind, size from attachments where id = $1";
}
