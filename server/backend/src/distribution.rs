//! Automatic distribution: a conversation waiting in a team's queue goes to an online member of
//! that team with free capacity, least loaded first, then the one idle longest. The queue is
//! served in arrival order.
//!
//! Correctness across instances rests on PostgreSQL, not on this process: every automatic
//! assignment runs in a transaction holding one advisory lock, so assignments are serialised
//! cluster-wide and each sees the loads the previous one committed (no agent goes over capacity);
//! the conversation is claimed with `for update skip locked` and updated only while it is still
//! unassigned (no conversation goes to two agents). Assignments are a few milliseconds each, far
//! above any contact centre's arrival rate.

use super::state::AppState;
use crate::db::conversations::record_event;
use crate::error::Error;
use shared::inbox::InboxSettings;
use shared::messaging::{Author, ConversationEventKind};
use shared::{ConversationId, TeamId, UserId};
use std::time::Duration;

/// `pg_advisory_xact_lock` key of automatic assignment ("omni-dist").
const LOCK_KEY: i64 = 0x6f6d_6e69_6469_7374;

/// The most assignments one pass makes before yielding.
const MAX_PER_PASS: usize = 500;

#[derive(sqlx::FromRow)]
struct Claimed {
    conversation: ConversationId,
    team: TeamId,
}

/// One automatic assignment, if any conversation and agent match. Returns what it assigned.
async fn assign_next(state: &AppState) -> Result<Option<(ConversationId, UserId)>, Error> {
    let mut tx = state.pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    // Teams with at least one member who can take a conversation now.
    let claimed: Option<Claimed> = sqlx::query_as(
        "with free_teams as (
             select distinct m.team_id from team_members m
             join teams t on t.id = m.team_id and t.auto_assign
             join users u on u.id = m.user_id
             where u.active and u.availability = 'online'
               and (select count(*) from conversations l
                    where l.assignee_id = u.id and l.status = 'open') < u.capacity)
         select c.id as conversation, c.team_id as team from conversations c
         where c.status = 'waiting' and c.assignee_id is null
           and c.team_id in (select team_id from free_teams)
         order by c.queued_at nulls last, c.id
         limit 1 for update of c skip locked",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(claimed) = claimed else {
        return Ok(None);
    };
    let agent: Option<UserId> = sqlx::query_scalar(
        "select u.id from team_members m join users u on u.id = m.user_id
         cross join lateral (select count(*) as load from conversations l
                             where l.assignee_id = u.id and l.status = 'open') l
         where m.team_id = $1 and u.active and u.availability = 'online' and l.load < u.capacity
         order by l.load, u.last_assigned_at nulls first, u.availability_changed_at, u.id
         limit 1",
    )
    .bind(claimed.team)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(agent) = agent else {
        return Ok(None);
    };
    let updated = sqlx::query(
        "update conversations set assignee_id = $2, status = 'open', assigned_at = now(),
             queued_at = null, updated_at = now()
         where id = $1 and assignee_id is null and status = 'waiting'",
    )
    .bind(claimed.conversation)
    .bind(agent)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query("update users set last_assigned_at = now() where id = $1")
        .bind(agent)
        .execute(&mut *tx)
        .await?;
    let event = record_event(
        &mut tx,
        claimed.conversation,
        ConversationEventKind::Assigned,
        Author::System,
        None,
        serde_json::json!({"assignee_id": agent, "auto": true}),
    )
    .await?;
    tx.commit().await?;
    crate::publish::publish(
        state,
        claimed.conversation,
        event,
        ConversationEventKind::Assigned,
        None,
    )
    .await;
    Ok(Some((claimed.conversation, agent)))
}

/// Assigns waiting conversations until no agent or no conversation is left. Safe to call from
/// any number of tasks and instances at once.
pub async fn distribute(state: &AppState) -> Result<usize, Error> {
    let mut assigned = 0;
    while assigned < MAX_PER_PASS {
        match assign_next(state).await? {
            Some((conversation, agent)) => {
                tracing::info!(%conversation, %agent, "conversation assigned");
                assigned += 1;
            }
            None => break,
        }
    }
    Ok(assigned)
}

/// Returns to the queue the unanswered conversations of agents offline for longer than the
/// grace period. Returns how many went back.
pub async fn requeue_from_offline(state: &AppState, grace: Duration) -> Result<usize, Error> {
    let rows: Vec<(ConversationId, UserId, i64)> = sqlx::query_as(
        "with moved as (
             update conversations c set assignee_id = null, status = 'waiting', queued_at = now(),
                 assigned_at = null, updated_at = now()
             from users u
             where u.id = c.assignee_id and c.status = 'open'
               and (u.availability = 'offline' or not u.active)
               and u.availability_changed_at < now() - $1
               and c.last_customer_message_at is not null
               and c.last_customer_message_at > coalesce(c.last_agent_message_at, '-infinity')
             returning c.id, u.id as previous)
         , ev as (
             insert into conversation_events (conversation_id, kind, actor, details)
             select id, 'unassigned', 'system',
                    jsonb_build_object('previous_assignee_id', previous, 'reason', 'offline')
             from moved returning id, conversation_id)
         select moved.id, moved.previous, ev.id from moved join ev on ev.conversation_id = moved.id",
    )
    .bind(Duration::from_secs(grace.as_secs()))
    .fetch_all(&state.pool)
    .await?;
    for (conversation, previous, event) in &rows {
        crate::publish::publish(
            state,
            *conversation,
            *event,
            ConversationEventKind::Unassigned,
            Some(*previous),
        )
        .await;
    }
    Ok(rows.len())
}

/// Distributes whenever woken, and every few seconds for what other instances and the clock
/// changed (agents going offline past the grace period).
pub async fn run(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    loop {
        let grace = match crate::db::settings::get::<InboxSettings>(&state.pool).await {
            Ok(s) => s.offline_grace(),
            Err(e) => {
                tracing::warn!(error = %e, "inbox settings unreadable");
                Duration::from_secs(300)
            }
        };
        if let Err(e) = requeue_from_offline(&state, grace).await {
            tracing::warn!(error = %e, "requeue from offline agents failed");
        }
        if let Err(e) = distribute(&state).await {
            tracing::warn!(error = %e, "distribution failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = state.wakers.distribution.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}
