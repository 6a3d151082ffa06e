//! Who may see a conversation: the viewer's teams, the access check every action starts
//! with, and the rule itself.

use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
pub use shared::inbox::visible;
use shared::{ConversationId, Permission, TeamId, UserId};

/// The viewer's teams, for the list's tabs and visibility.
/// What `who` may see, for the statements that filter by it (`visible_sql!`).
pub(crate) struct Sight {
    user: UserId,
    sees_all: bool,
    teams: Vec<TeamId>,
}

impl Sight {
    pub(crate) fn viewer(&self) -> crate::db::inbox::Viewer<'_> {
        crate::db::inbox::Viewer {
            user: self.user,
            sees_all: self.sees_all,
            teams: &self.teams,
        }
    }
}

pub(crate) async fn sight(state: &AppState, who: &Authorised) -> Result<Sight, Error> {
    Ok(Sight {
        user: who.user.id,
        sees_all: who.user.can(Permission::ViewAllConversations),
        teams: my_teams(&state.pool, who.user.id).await?,
    })
}

pub(crate) async fn my_teams(
    db: impl sqlx::PgExecutor<'_>,
    user: UserId,
) -> Result<Vec<TeamId>, Error> {
    Ok(crate::db::teams::of_user(db, user).await?)
}

pub(crate) use crate::db::conversations::Access;

/// The conversation, if `who` may see it; `NotFound` otherwise (its existence is not revealed).
pub(crate) async fn access(
    state: &AppState,
    who: &Authorised,
    id: ConversationId,
) -> Result<Access, Error> {
    let row = crate::db::conversations::access(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let teams = my_teams(&state.pool, who.user.id).await?;
    if visible(
        who.user.can(Permission::ViewAllConversations),
        who.user.id,
        &teams,
        row.team_id,
        row.assignee_id,
    ) {
        Ok(row)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// Whether `user` may see the conversation (for the live feed's catch-up and presence).
pub async fn user_can_see(
    state: &AppState,
    user: &shared::dto::CurrentUser,
    id: ConversationId,
) -> Result<bool, Error> {
    let Some((team, assignee)) = crate::db::conversations::placement(&state.pool, id).await? else {
        return Ok(false);
    };
    let teams = my_teams(&state.pool, user.id).await?;
    Ok(visible(
        user.can(Permission::ViewAllConversations),
        user.id,
        &teams,
        team,
        assignee,
    ))
}

pub async fn teams_of(state: &AppState, user: UserId) -> Result<Vec<TeamId>, Error> {
    my_teams(&state.pool, user).await
}
