//! The live feed's catch-up: where the feed stands (its cursors) and what happened after a
//! browser's cursors that its viewer may see ([`visible_sql!`](crate::visible_sql)).

use super::inbox::Viewer;
use super::sql::query_as;
use crate::error::Result;
use shared::inbox::InboxEvent;
use shared::messaging::ConversationEventKind;
use shared::{ConversationId, MessageId, UserId};
use sqlx::PgExecutor;

/// The newest message sequence number and conversation event id: everything up to them is in
/// PostgreSQL.
pub async fn cursors(db: impl PgExecutor<'_>) -> Result<(i64, i64)> {
    Ok(query_as(CURSORS).fetch_one(db).await?)
}

#[derive(sqlx::FromRow)]
struct MissedMessage {
    conversation_id: ConversationId,
    id: MessageId,
    seq: i64,
    inbound: bool,
    assignee_id: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct MissedEvent {
    id: i64,
    conversation_id: ConversationId,
    kind: ConversationEventKind,
    assignee_id: Option<UserId>,
    waiting: bool,
}

/// The viewer's messages after `seq` and conversation events after `event` (those that took a
/// conversation away from them included), events first, at most `limit` of each; `None` when
/// there are more (the browser reloads instead).
pub async fn missed(
    db: &sqlx::PgPool,
    viewer: &Viewer<'_>,
    seq: i64,
    event: i64,
    limit: i64,
) -> Result<Option<Vec<InboxEvent>>> {
    let messages: Vec<MissedMessage> = query_as(MISSED_MESSAGES)
        .bind(seq)
        .bind(limit + 1)
        .bind(viewer.sees_all)
        .bind(viewer.user)
        .bind(viewer.teams)
        .fetch_all(db)
        .await?;
    let events: Vec<MissedEvent> = query_as(MISSED_EVENTS)
        .bind(event)
        .bind(limit + 1)
        .bind(viewer.sees_all)
        .bind(viewer.user)
        .bind(viewer.teams)
        .fetch_all(db)
        .await?;
    if messages.len() as i64 > limit || events.len() as i64 > limit {
        return Ok(None);
    }
    let mut out: Vec<InboxEvent> = events
        .into_iter()
        .map(|e| InboxEvent::Conversation {
            conversation_id: e.conversation_id,
            event_id: e.id,
            kind: e.kind,
            assignee_id: e.assignee_id,
            waiting: e.waiting,
        })
        .collect();
    out.extend(messages.into_iter().map(|m| InboxEvent::Message {
        conversation_id: m.conversation_id,
        message_id: m.id,
        seq: m.seq,
        inbound: m.inbound,
        assignee_id: m.assignee_id,
    }));
    Ok(Some(out))
}

super::sql::statements! {
    CURSORS = "select coalesce((select max(seq) from messages), 0),
                coalesce((select max(id) from conversation_events), 0)";
    // The viewer is bound as $3 (sees all), $4 (user) and $5 (teams).
    MISSED_MESSAGES = concat!(
        "select m.conversation_id, m.id, m.seq, m.direction = 'inbound' as inbound,
             c.assignee_id
         from messages m join conversations c on c.id = m.conversation_id
         where m.seq > $1 and ",
        crate::visible_sql!("$3", "$4", "$5"),
        " order by m.seq limit $2"
    );
    MISSED_EVENTS = concat!(
        "select e.id, e.conversation_id, e.kind, c.assignee_id, c.status = 'waiting' as waiting
         from conversation_events e join conversations c on c.id = e.conversation_id
         where e.id > $1 and (",
        crate::visible_sql!("$3", "$4", "$5"),
        " or e.details->>'previous_assignee_id' = $4::text)
         order by e.id limit $2"
    );
}
