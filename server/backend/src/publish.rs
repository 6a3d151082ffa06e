//! Publishes conversation changes live, after their transaction committed: every browser that
//! may see the conversation (the agent's inbox, the supervisor's view, the simulator) updates.

use crate::db::conversations;
use crate::live::LiveEvent;
use crate::state::AppState;
use shared::messaging::ConversationEventKind;
use shared::{ConversationId, UserId};

/// Tells every browser that may see it that the conversation changed.
pub async fn publish(
    state: &AppState,
    conversation: ConversationId,
    event_id: i64,
    kind: ConversationEventKind,
    previous_assignee: Option<UserId>,
) {
    let Ok(Some((team_id, assignee_id, waiting))) =
        conversations::standing(&state.pool, conversation).await
    else {
        return;
    };
    state
        .live
        .publish(
            &state.redis,
            &LiveEvent::ConversationChanged {
                conversation_id: conversation,
                event_id,
                kind,
                team_id,
                assignee_id,
                previous_assignee_id: previous_assignee,
                waiting,
            },
        )
        .await;
}

/// Publishes the conversation's latest event (after an inbound message opened or reopened it).
pub async fn conversation_changed(
    state: &AppState,
    conversation: ConversationId,
    previous_assignee: Option<UserId>,
) {
    if let Ok(Some((event, kind))) = conversations::latest_event(&state.pool, conversation).await {
        publish(state, conversation, event, kind, previous_assignee).await;
    }
}
