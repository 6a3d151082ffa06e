//! The conversations repository: their events (the ground truth of every report) and where a
//! conversation stands. Statements that change a conversation's status live with the use case
//! that owns the transition for now; see docs/ARCHITECTURE.md for what is still to move here.

use crate::error::{Error, Result};
use shared::messaging::{Author, ConversationEventKind, ConversationStatus};
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

/// Resolves a conversation (only when its status is `only_from`, when given) and records who
/// did it, inside `tx`: the one statement that resolves, so every path (an agent, the bot, the
/// simulator's restart, a merge of contacts) leaves the same state (out of the queue, nothing
/// unread). The event's id, or `None` when it was already resolved (or had moved on).
pub async fn resolve(
    tx: &mut PgConnection,
    conversation: ConversationId,
    only_from: Option<ConversationStatus>,
    actor: Author,
    actor_user: Option<UserId>,
    details: serde_json::Value,
) -> Result<Option<i64>> {
    let done = sqlx::query(
        "update conversations set status = 'resolved', resolved_at = now(), queued_at = null,
             unread_count = 0, updated_at = now()
         where id = $1 and status <> 'resolved'
           and ($2::conversation_status is null or status = $2)",
    )
    .bind(conversation)
    .bind(only_from)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(
        record_event(
            tx,
            conversation,
            ConversationEventKind::Resolved,
            actor,
            actor_user,
            details,
        )
        .await?,
    ))
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

/// `shared::inbox::visible` as SQL over a conversation `c`, for a viewer whose "sees all", user
/// id and teams are the given parameters (`visible_sql!("$3", "$4", "$5")`). The live feed's
/// catch-up filters with it; `visible_among` runs it alone so a test can hold it to the rule.
#[macro_export]
macro_rules! visible_sql {
    ($sees_all:literal, $user:literal, $teams:literal) => {
        concat!(
            "(",
            $sees_all,
            " or c.assignee_id = ",
            $user,
            " or c.team_id = any(",
            $teams,
            ") or (c.team_id is null and c.assignee_id is null))"
        )
    };
}

/// Which of `ids` the viewer may see, by the SQL form of the rule ([`visible_sql!`]).
pub async fn visible_among(
    db: impl PgExecutor<'_>,
    ids: &[ConversationId],
    sees_all: bool,
    user: UserId,
    teams: &[TeamId],
) -> Result<Vec<ConversationId>> {
    Ok(sqlx::query_scalar(concat!(
        "select c.id from conversations c where c.id = any($1) and ",
        visible_sql!("$2", "$3", "$4"),
        " order by c.id"
    ))
    .bind(ids)
    .bind(sees_all)
    .bind(user)
    .bind(teams)
    .fetch_all(db)
    .await?)
}
