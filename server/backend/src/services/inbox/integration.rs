//! Conversation actions an integration takes through the REST API (a CRM assigning its account
//! manager, an ERP closing a case): the same rules as the inbox's buttons, recorded as the
//! system. The token's scope (`conversations`) is checked by the API layer.

use super::continue_on::continue_as;
use super::lifecycle::{assign_as, close, reopen_as, transfer_as, By};
use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::inbox::TransferInput;
use shared::messaging::ConversationStatus;
use shared::{ChannelId, ConversationId, Refusal, TeamId, UserId};

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
    assign_as(state, By::Integration, conversation, agent).await
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
    let input = TransferInput {
        conversation,
        team,
        agent,
        note: note.map(str::to_owned),
    };
    transfer_as(state, By::Integration, &input).await
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

/// An agent takes a conversation still with the bot or in a queue (a softphone or CRM where the
/// agent clicked "atender"). One another agent has is refused (`assign` or `transfer` move
/// it); one resolved must be reopened first.
pub async fn take_by_integration(
    state: &AppState,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), Error> {
    let a = existing(state, conversation).await?;
    if a.status == ConversationStatus::Resolved {
        return Err(AppError::ConversationResolved.into());
    }
    match a.assignee_id {
        Some(current) if current == agent => return Ok(()),
        Some(_) => return Err(AppError::Refused(Refusal::ConversationTaken).into()),
        None => {}
    }
    assign_as(state, By::Integration, conversation, agent).await
}

/// Reopens a resolved conversation, assigned to `agent`; one still open stays as it is.
pub async fn reopen_by_integration(
    state: &AppState,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), Error> {
    let a = existing(state, conversation).await?;
    reopen_as(state, By::Integration, conversation, &a, agent).await
}

/// Continues the conversation on another of the contact's channels, assigned to `agent` or,
/// without one, to whoever has it now; the conversation there (found or opened) is returned.
pub async fn continue_by_integration(
    state: &AppState,
    conversation: ConversationId,
    channel: ChannelId,
    agent: Option<UserId>,
) -> Result<ConversationId, Error> {
    let a = existing(state, conversation).await?;
    let agent = agent
        .or(a.assignee_id)
        .ok_or(AppError::Refused(Refusal::ContinueAgentMissing))?;
    continue_as(state, By::Integration, conversation, &a, channel, agent).await
}
