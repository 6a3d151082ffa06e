//! Reading messages: one, a conversation's page, and a contact's history across channels.

use crate::error::Error;
use chrono::{DateTime, Utc};
use shared::dto::MessageView;
use shared::messaging::{Author, ChannelKind, DeliveryStatus, Direction, MessageKind};
use shared::{ContactId, ConversationId, MessageId, UserId};

macro_rules! message_columns {
    () => {
        "m.id, m.seq, m.conversation_id, ch.kind as channel_kind, \
     m.direction, m.author, m.author_user_id, m.kind, m.body as text, m.content, \
     m.provider_message_id, m.status, m.error_code, m.error_title, m.created_at, \
     (select u.name from users u where u.id = m.author_user_id) as author_name"
    };
}
pub(crate) use message_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) id: MessageId,
    pub(crate) seq: i64,
    pub(crate) conversation_id: ConversationId,
    pub(crate) channel_kind: ChannelKind,
    pub(crate) direction: Direction,
    pub(crate) author: Author,
    pub(crate) author_user_id: Option<UserId>,
    pub(crate) kind: MessageKind,
    pub(crate) text: Option<String>,
    pub(crate) content: serde_json::Value,
    pub(crate) provider_message_id: Option<String>,
    pub(crate) status: Option<DeliveryStatus>,
    pub(crate) error_code: Option<i32>,
    pub(crate) error_title: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) author_name: Option<String>,
}

impl From<MessageRow> for MessageView {
    fn from(r: MessageRow) -> Self {
        MessageView {
            id: r.id,
            seq: r.seq,
            conversation_id: r.conversation_id,
            channel_kind: r.channel_kind,
            direction: r.direction,
            author: r.author,
            author_user_id: r.author_user_id,
            kind: r.kind,
            text: r.text,
            content: r.content,
            provider_message_id: r.provider_message_id,
            status: r.status,
            error_code: r.error_code,
            error_title: r.error_title,
            author_name: r.author_name,
            created_at: r.created_at,
        }
    }
}

pub async fn message(
    db: impl sqlx::PgExecutor<'_>,
    id: MessageId,
) -> Result<Option<MessageView>, Error> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// A conversation's messages after the `after` cursor, oldest first.
pub async fn list_messages(
    db: impl sqlx::PgExecutor<'_>,
    conversation: ConversationId,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageView>, Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3"
    ))
    .bind(conversation)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
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
) -> Result<Vec<MessageView>, Error> {
    // Two statements, one per direction (the comparison and the order are not parameters).
    macro_rules! page_of_contact {
        ($condition:literal, $order:literal) => {
            concat!(
                "select ",
                message_columns!(),
                " from conversations c
                 cross join lateral (
                     select * from messages x where x.conversation_id = c.id and x.seq ",
                $condition,
                " $2 order by x.seq ",
                $order,
                " limit $3) m
                 join channels ch on ch.id = m.channel_id
                 where c.contact_id = $1
                 order by m.seq ",
                $order,
                " limit $3"
            )
        };
    }
    let (sql, cursor) = match page {
        Page::Before(seq) => (page_of_contact!("<", "desc"), seq),
        Page::After(seq) => (page_of_contact!(">", "asc"), seq),
    };
    let rows: Vec<MessageRow> = sqlx::query_as(sql)
        .bind(contact)
        .bind(cursor)
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
