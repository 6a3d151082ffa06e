//! What agents and supervisors do to a conversation: reply, take, assign, transfer,
//! resolve and reopen. Each records a conversation event and is published live.

use super::list::optional_text;
use super::visibility::access;
use crate::db;
use crate::db::conversations::record_event;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::messaging::{self, SendRequest};
use crate::state::AppState;
use shared::dto::MessageView;
use shared::inbox::TransferInput;
use shared::messaging::{Author, ConversationEventKind, ConversationStatus, Outbound};
use shared::Refusal;
use shared::{ConversationId, TeamId, UserId};
use sqlx::PgConnection;

pub(crate) async fn changed(
    state: &AppState,
    conversation: ConversationId,
    event: i64,
    kind: ConversationEventKind,
    previous: Option<UserId>,
) {
    crate::publish::publish(state, conversation, event, kind, previous).await;
}

/// Taking or answering a conversation is working: an agent marked offline becomes
/// "Disponível" (and everyone sees it), or the offline grace would give the conversation back
/// to the queue as soon as the customer answered.
async fn at_work(state: &AppState, who: &Authorised) -> Result<(), Error> {
    if db::users::online_if_offline(&state.pool, who.user.id).await? {
        super::availability_changed(state);
    }
    Ok(())
}

/// Sends a reply or a private note. Replying to an unassigned conversation takes it.
pub async fn send(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    outbound: Outbound,
    client_id: Option<String>,
) -> Result<MessageView, Error> {
    let access = access(state, who, conversation).await?;
    // Resolved here too, so a wrong upload is refused before the conversation is taken.
    let outbound = crate::attachments::resolve(state, conversation, outbound).await?;
    let is_note = matches!(outbound, Outbound::Note { .. });
    if !is_note && access.assignee_id.is_none() && access.status != ConversationStatus::Resolved {
        take(state, who, conversation, false).await?;
    }
    if !is_note {
        at_work(state, who).await?;
    }
    let sent = messaging::send(
        state,
        SendRequest {
            conversation,
            outbound,
            author: Author::Agent,
            author_user: Some(who.user.id),
            client_id,
        },
    )
    .await?;
    if !is_note {
        db::conversations::mark_read(&state.pool, conversation).await?;
    }
    Ok(sent)
}

/// Assigns to `agent` inside `tx`, recording `kind`. Returns the event id and who had it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn set_assignee(
    tx: &mut PgConnection,
    by: By<'_>,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
    kind: ConversationEventKind,
    note: Option<&str>,
) -> Result<Option<(i64, Option<UserId>)>, Error> {
    let standing = db::conversations::lock_standing(tx, conversation)
        .await?
        .ok_or(AppError::NotFound)?;
    if standing.status == ConversationStatus::Resolved {
        return Err(AppError::ConversationResolved.into());
    }
    let previous = standing.assignee_id;
    let team = team.or(standing.team_id);
    // Already theirs, in the same team: "Assumir" right after the distribution gave it to the
    // same agent (taking wakes the distribution) changes nothing and records nothing.
    if kind == ConversationEventKind::Assigned
        && agent.is_some()
        && agent == previous
        && team == standing.team_id
    {
        return Ok(None);
    }
    db::conversations::place(tx, conversation, team, agent).await?;
    let event = record_event(
        tx,
        conversation,
        kind,
        by.author(),
        by.user(),
        serde_json::json!({
            "assignee_id": agent,
            "team_id": team,
            "previous_assignee_id": previous,
            "note": note,
        }),
    )
    .await?;
    Ok(Some((event, previous)))
}

/// Who acts on a conversation: a signed-in person, or an integration through the REST API
/// (recorded as the system, with the token's name in the event).
#[derive(Clone, Copy)]
pub(crate) enum By<'a> {
    Person(&'a Authorised),
    Integration,
}

impl By<'_> {
    pub(crate) fn author(self) -> Author {
        match self {
            By::Person(_) => Author::Agent,
            By::Integration => Author::System,
        }
    }

    pub(crate) fn user(self) -> Option<UserId> {
        match self {
            By::Person(who) => Some(who.user.id),
            By::Integration => None,
        }
    }
}

/// Sets the assignee and team in one transaction, then tells the browsers concerned.
pub(crate) async fn reassign(
    state: &AppState,
    by: By<'_>,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
    kind: ConversationEventKind,
    note: Option<&str>,
) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let done = set_assignee(&mut tx, by, conversation, team, agent, kind, note).await?;
    tx.commit().await?;
    if let Some((event, previous)) = done {
        changed(state, conversation, event, kind, previous).await;
    }
    Ok(())
}

/// "Assumir": the viewer takes the conversation.
pub async fn take(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    check_access: bool,
) -> Result<(), Error> {
    if check_access {
        access(state, who, conversation).await?;
    }
    at_work(state, who).await?;
    reassign(
        state,
        By::Person(who),
        conversation,
        None,
        Some(who.user.id),
        ConversationEventKind::Assigned,
        None,
    )
    .await
}

pub(crate) async fn active_user(state: &AppState, id: UserId) -> Result<(), Error> {
    if db::users::is_active(&state.pool, id).await? {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::AgentInactive).into())
    }
}

/// Assigns to another agent (supervisors and administrators).
pub async fn assign(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), Error> {
    access(state, who, conversation).await?;
    assign_as(state, By::Person(who), conversation, agent).await
}

/// Assigns to an active agent, on behalf of `by` (whose access was checked).
pub(crate) async fn assign_as(
    state: &AppState,
    by: By<'_>,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), Error> {
    active_user(state, agent).await?;
    reassign(
        state,
        by,
        conversation,
        None,
        Some(agent),
        ConversationEventKind::Assigned,
        None,
    )
    .await
}

/// Transfers to a team's queue (auto-assigned if the team distributes) or to an agent, with an
/// optional note for whoever receives it.
pub async fn transfer(
    state: &AppState,
    who: &Authorised,
    input: &TransferInput,
) -> Result<(), Error> {
    access(state, who, input.conversation).await?;
    transfer_as(state, By::Person(who), input).await
}

/// The transfer's rules (a target, a known team, an active agent, a note of 1,000 characters
/// at most), on behalf of `by` (whose access was checked).
pub(crate) async fn transfer_as(
    state: &AppState,
    by: By<'_>,
    input: &TransferInput,
) -> Result<(), Error> {
    let note = optional_text(
        input.note.as_deref(),
        1000,
        Refusal::TransferNoteTooLong { max: 1000 },
    )?;
    if input.team.is_none() && input.agent.is_none() {
        return Err(AppError::Refused(Refusal::TransferTargetMissing).into());
    }
    if let Some(team) = input.team {
        db::teams::find_name(&state.pool, team)
            .await?
            .ok_or(AppError::Refused(Refusal::TeamNotFound))?;
    }
    if let Some(agent) = input.agent {
        active_user(state, agent).await?;
    }
    reassign(
        state,
        by,
        input.conversation,
        input.team,
        input.agent,
        ConversationEventKind::Transferred,
        note,
    )
    .await?;
    if input.agent.is_none() {
        state.wakers.distribute_soon();
    }
    Ok(())
}

pub async fn resolve(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<(), Error> {
    let a = access(state, who, conversation).await?;
    close(state, By::Person(who), conversation, &a).await
}

/// Resolves a conversation `a` describes (one already resolved stays as it is): the team's
/// closing message first, then the resolution, published, and a seat freed for distribution.
pub(crate) async fn close(
    state: &AppState,
    by: By<'_>,
    conversation: ConversationId,
    a: &db::conversations::Access,
) -> Result<(), Error> {
    if a.status == ConversationStatus::Resolved {
        return Ok(());
    }
    say_goodbye(state, by.user(), conversation, a.team_id).await;
    let mut tx = state.pool.begin().await?;
    let Some(event) = crate::db::conversations::resolve(
        &mut tx,
        conversation,
        None,
        by.author(),
        by.user(),
        serde_json::json!({"assignee_id": a.assignee_id}),
    )
    .await?
    else {
        return Ok(());
    };
    tx.commit().await?;
    changed(
        state,
        conversation,
        event,
        ConversationEventKind::Resolved,
        None,
    )
    .await;
    // A seat freed up.
    state.wakers.distribute_soon();
    Ok(())
}

/// The team's closing message, sent to the customer before the conversation closes. A send
/// the channel refuses (the WhatsApp window closed, say) does not stop the resolution.
async fn say_goodbye(
    state: &AppState,
    author_user: Option<UserId>,
    conversation: ConversationId,
    team: Option<TeamId>,
) {
    let Some(team) = team else { return };
    let text = match db::teams::closing_message(&state.pool, team).await {
        Ok(Some(text)) if !text.trim().is_empty() => text,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(error = ?e, %conversation, "closing message not read");
            return;
        }
    };
    let sent = messaging::send(
        state,
        SendRequest {
            conversation,
            outbound: Outbound::Text { text },
            author: if author_user.is_some() {
                Author::Agent
            } else {
                Author::System
            },
            author_user,
            client_id: Some(format!("encerramento-{}", uuid::Uuid::new_v4())),
        },
    )
    .await;
    if let Err(e) = sent {
        tracing::info!(error = ?e, %conversation, "closing message not sent");
    }
}

pub async fn reopen(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<(), Error> {
    let a = access(state, who, conversation).await?;
    reopen_as(state, By::Person(who), conversation, &a, who.user.id).await
}

/// Reopens a resolved conversation assigned to `agent` (an active user), on behalf of `by`
/// (whose access was checked); one still open stays as it is.
pub(crate) async fn reopen_as(
    state: &AppState,
    by: By<'_>,
    conversation: ConversationId,
    a: &db::conversations::Access,
    agent: UserId,
) -> Result<(), Error> {
    if a.status != ConversationStatus::Resolved {
        return Ok(());
    }
    active_user(state, agent).await?;
    let mut tx = state.pool.begin().await?;
    if !db::conversations::reopen(&mut tx, conversation, agent).await? {
        return Err(AppError::Refused(Refusal::OtherConversationOpenOnChannel).into());
    }
    let event = record_event(
        &mut tx,
        conversation,
        ConversationEventKind::Reopened,
        by.author(),
        by.user(),
        serde_json::json!({"assignee_id": agent}),
    )
    .await?;
    tx.commit().await?;
    changed(
        state,
        conversation,
        event,
        ConversationEventKind::Reopened,
        a.assignee_id,
    )
    .await;
    Ok(())
}
