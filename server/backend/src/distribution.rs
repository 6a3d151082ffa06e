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
use crate::db::conversations::{self, record_event};
use crate::error::Error;
use shared::inbox::InboxSettings;
use shared::messaging::{Author, ConversationEventKind};
use shared::{ConversationId, UserId};
use std::time::Duration;

/// The most assignments one pass makes before yielding.
const MAX_PER_PASS: usize = 500;

/// One automatic assignment, if any conversation and agent match. Returns what it assigned.
async fn assign_next(state: &AppState) -> Result<Option<(ConversationId, UserId)>, Error> {
    let mut tx = state.pool.begin().await?;
    conversations::lock_distribution(&mut tx).await?;
    let Some((conversation, team)) = conversations::claim_next_waiting(&mut tx).await? else {
        return Ok(None);
    };
    let Some(agent) = crate::db::users::next_agent_for(&mut *tx, team).await? else {
        return Ok(None);
    };
    if !conversations::assign_waiting(&mut tx, conversation, agent).await? {
        return Ok(None);
    }
    let event = record_event(
        &mut tx,
        conversation,
        ConversationEventKind::Assigned,
        Author::System,
        None,
        serde_json::json!({"assignee_id": agent, "auto": true}),
    )
    .await?;
    tx.commit().await?;
    crate::publish::publish(
        state,
        conversation,
        event,
        ConversationEventKind::Assigned,
        None,
    )
    .await;
    Ok(Some((conversation, agent)))
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
    let rows = conversations::requeue_from_offline(&state.pool, grace).await?;
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
