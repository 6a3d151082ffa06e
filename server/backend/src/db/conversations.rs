//! The conversations repository: their events (the ground truth of every report) and where a
//! conversation stands. Statements that change a conversation's status live with the use case
//! that owns the transition for now; see docs/ARCHITECTURE.md for what is still to move here.

use crate::error::Error;
use shared::messaging::{Author, ConversationEventKind};
use shared::{ConversationId, TeamId, UserId};
use sqlx::{PgConnection, PgExecutor};

/// Appends to a conversation's timeline; returns the event's id (the live feed's cursor).
pub async fn record_event(
    db: &mut PgConnection,
    conversation: ConversationId,
    kind: ConversationEventKind,
    actor: Author,
    actor_user: Option<UserId>,
    details: serde_json::Value,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "insert into conversation_events (conversation_id, kind, actor, actor_user_id, details)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(conversation)
    .bind(kind)
    .bind(actor)
    .bind(actor_user)
    .bind(details)
    .fetch_one(db)
    .await?)
}

/// The team and assignee a conversation has now.
pub async fn placement(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(Option<TeamId>, Option<UserId>)>, Error> {
    Ok(
        sqlx::query_as("select team_id, assignee_id from conversations where id = $1")
            .bind(conversation)
            .fetch_optional(db)
            .await?,
    )
}

/// The conversation's latest event.
pub async fn latest_event(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(i64, ConversationEventKind)>, Error> {
    Ok(sqlx::query_as(
        "select id, kind from conversation_events where conversation_id = $1
         order by id desc limit 1",
    )
    .bind(conversation)
    .fetch_optional(db)
    .await?)
}
