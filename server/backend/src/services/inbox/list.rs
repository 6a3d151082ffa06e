//! The conversation list: tabs, filters, search, counts and one row.

use super::visibility::my_teams;
use crate::db::inbox::{self as rows, Filter, Search, Viewer};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::inbox::{InboxCursor, InboxPage, InboxQuery, InboxRow, InboxTab, TabCounts, MAX_PAGE};
use shared::Refusal;
use shared::{ConversationId, Permission, TeamId};

/// Optional text typed by a person: trimmed, empty as none, refused past `max` characters.
pub(crate) fn optional_text(
    text: Option<&str>,
    max: usize,
    too_long: Refusal,
) -> Result<Option<&str>, Error> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > max) {
        return Err(AppError::Refused(too_long).into());
    }
    Ok(text)
}

/// Digits of a search that looks like a phone or CPF.
pub(crate) fn search_digits(search: &str) -> Option<String> {
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let mostly_digits = digits.len() * 2 > search.chars().filter(|c| !c.is_whitespace()).count();
    (digits.len() >= 4 && mostly_digits).then_some(digits)
}

pub async fn list(
    state: &AppState,
    who: &Authorised,
    query: &InboxQuery,
) -> Result<InboxPage, Error> {
    let teams = my_teams(&state.pool, who.user.id).await?;
    let sees_all = who.user.can(Permission::ViewAllConversations);
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE) as i64;
    let search = optional_text(
        query.search.as_deref(),
        200,
        Refusal::SearchTooLong { max: 200 },
    )?;
    if query.tab == InboxTab::All && !sees_all {
        return Err(AppError::Forbidden.into());
    }
    super::privacy::check_search(who, search)?;
    let viewer = Viewer {
        user: who.user.id,
        sees_all,
        teams: &teams,
    };
    let filter = Filter {
        tab: query.tab,
        status: query.status,
        channel: query.channel,
        team: query.team,
        search: search.map(|text| Search {
            text,
            digits: search_digits(text),
        }),
        after: query.after,
    };
    let mut rows = rows::list(&state.pool, &viewer, &filter, limit + 1).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| InboxCursor {
            last_message_at: r.last_message_at,
            id: r.id,
        })
    } else {
        None
    };
    let counts = counts(state, who, &teams).await?;
    let rows = super::privacy::rows(who, rows);
    Ok(InboxPage { rows, next, counts })
}

pub(crate) async fn counts(
    state: &AppState,
    who: &Authorised,
    teams: &[TeamId],
) -> Result<TabCounts, Error> {
    let sees_all = who.user.can(Permission::ViewAllConversations);
    let (mine, unread_mine) = rows::mine(&state.pool, who.user.id).await?;
    let queue = rows::queued(&state.pool, sees_all, teams).await?;
    Ok(TabCounts {
        mine,
        queue,
        unread_mine,
    })
}

pub async fn row(state: &AppState, id: ConversationId) -> Result<InboxRow, Error> {
    Ok(rows::row(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_digits_only_for_numbers() {
        assert_eq!(search_digits("111.111.111-11"), Some("11111111111".into()));
        assert_eq!(search_digits("+55 11 98765"), Some("551198765".into()));
        assert_eq!(search_digits("fatura 2024"), None);
        assert_eq!(search_digits("123"), None);
    }
}
