//! Conversation actions an integration takes through the REST API (a CRM assigning its account
//! manager, an ERP closing a case): the same rules as the inbox's buttons, recorded as the
//! system. The token's scope (`conversations`) is checked by the API layer.

use super::lifecycle::{active_user, close, reassign, By};
use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::messaging::ConversationEventKind;
use shared::{ConversationId, Refusal, TeamId, UserId};

async fn existing(
    state: &AppState,
    id: ConversationId,
) -> Result<db::conversations::Access, Error> {
    Ok(db::conversations::access(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?)
}

/// Assigns the conversation to an active agent.
pub async fn assign_by_integration(
    state: &AppState,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), Error> {
    existing(state, conversation).await?;
    active_user(state, agent).await?;
    reassign(
        state,
        By::Integration,
        conversation,
        None,
        Some(agent),
        ConversationEventKind::Assigned,
        None,
    )
    .await
}

/// Transfers to a team's queue or an agent, with an optional note for whoever receives it.
pub async fn transfer_by_integration(
    state: &AppState,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
    note: Option<&str>,
) -> Result<(), Error> {
    existing(state, conversation).await?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::Refused(Refusal::TransferNoteTooLong { max: 1000 }).into());
    }
    if team.is_none() && agent.is_none() {
        return Err(AppError::Refused(Refusal::TransferTargetMissing).into());
    }
    if let Some(team) = team {
        db::teams::find_name(&state.pool, team)
            .await?
            .ok_or(AppError::Refused(Refusal::TeamNotFound))?;
    }
    if let Some(agent) = agent {
        active_user(state, agent).await?;
    }
    reassign(
        state,
        By::Integration,
        conversation,
        team,
        agent,
        ConversationEventKind::Transferred,
        note,
    )
    .await?;
    if agent.is_none() {
        state.wakers.distribute_soon();
    }
    Ok(())
}

/// Resolves the conversation (the team's closing message goes to the customer first); one
/// already resolved stays as it is.
pub async fn resolve_by_integration(
    state: &AppState,
    conversation: ConversationId,
) -> Result<(), Error> {
    let a = existing(state, conversation).await?;
    close(state, By::Integration, conversation, &a).await
}
