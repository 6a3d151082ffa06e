//! The saved replies repository.

use super::sql::{query, query_as, query_scalar};
use crate::error::{Error, Result};
use shared::inbox::CannedResponse;
use shared::UserId;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The unique index on a saved reply's shortcut.
pub const SHORTCUT_UNIQUE: &str = "canned_responses_shortcut_key";

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<CannedResponse>> {
    let rows: Vec<(Uuid, String, String, String)> = query_as(LIST).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, shortcut, title, body)| CannedResponse {
            id,
            shortcut,
            title,
            body,
        })
        .collect())
}

/// What a saved reply says, checked.
pub struct Text<'a> {
    pub shortcut: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// A new saved reply; a taken shortcut is [`Error::is_unique_violation`] of [`SHORTCUT_UNIQUE`].
pub async fn insert(db: impl PgExecutor<'_>, text: Text<'_>, by: UserId) -> Result<Uuid> {
    let id = Uuid::new_v4();
    query(INSERT)
        .bind(id)
        .bind(text.shortcut)
        .bind(text.title)
        .bind(text.body)
        .bind(by)
        .execute(db)
        .await?;
    Ok(id)
}

/// Changes a saved reply; false when there is none with this id (deleted meanwhile).
pub async fn update(db: impl PgExecutor<'_>, id: Uuid, text: Text<'_>) -> Result<bool> {
    let done = query(UPDATE)
        .bind(id)
        .bind(text.shortcut)
        .bind(text.title)
        .bind(text.body)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a saved reply, answering its shortcut (none when it did not exist).
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>, Error> {
    Ok(query_scalar(DELETE).bind(id).fetch_optional(db).await?)
}

super::sql::statements! {
    LIST = "select id, shortcut, title, body from canned_responses order by shortcut";
    INSERT = "insert into canned_responses (id, shortcut, title, body, created_by)
     values ($1, $2, $3, $4, $5)";
    UPDATE = "update canned_responses
     set shortcut = $2, title = $3, body = $4, updated_at = now()
     where id = $1";
    DELETE = "delete from canned_responses where id = $1 returning shortcut";
}
