//! The conversation list: tabs, filters, search, counts and one row.

use super::visibility::my_teams;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::inbox::{InboxCursor, InboxPage, InboxQuery, InboxRow, InboxTab, TabCounts, MAX_PAGE};
use shared::messaging::{Author, ChannelKind, ConversationStatus};
use shared::Refusal;
use shared::{ChannelId, ContactId, ConversationId, Permission, TeamId, UserId};
use sqlx::{Postgres, QueryBuilder};

macro_rules! row_columns {
    () => {
        "c.id, c.contact_id, ct.name as contact_name, c.channel_id,
     ch.kind as channel_kind, ch.name as channel_name, c.team_id, t.name::text as team_name,
     c.assignee_id, u.name as assignee_name, c.status, c.unread_count as unread,
     c.last_message_preview as preview, c.last_message_author as preview_author,
     c.last_message_at,
     case when c.status <> 'resolved'
               and c.last_customer_message_at > coalesce(c.last_agent_message_at, '-infinity')
          then c.last_customer_message_at end as waiting_since,
     c.last_customer_message_at
     from conversations c
     join contacts ct on ct.id = c.contact_id
     join channels ch on ch.id = c.channel_id
     left join teams t on t.id = c.team_id
     left join users u on u.id = c.assignee_id"
    };
}

#[derive(sqlx::FromRow)]
pub(crate) struct RowRecord {
    id: ConversationId,
    contact_id: ContactId,
    contact_name: Option<String>,
    channel_id: ChannelId,
    channel_kind: ChannelKind,
    channel_name: String,
    team_id: Option<TeamId>,
    team_name: Option<String>,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    status: ConversationStatus,
    unread: i32,
    preview: Option<String>,
    preview_author: Option<Author>,
    last_message_at: DateTime<Utc>,
    waiting_since: Option<DateTime<Utc>>,
    last_customer_message_at: Option<DateTime<Utc>>,
}

impl From<RowRecord> for InboxRow {
    fn from(r: RowRecord) -> Self {
        InboxRow {
            id: r.id,
            contact_id: r.contact_id,
            contact_name: r.contact_name,
            channel_id: r.channel_id,
            channel_kind: r.channel_kind,
            channel_name: r.channel_name,
            team_id: r.team_id,
            team_name: r.team_name,
            assignee_id: r.assignee_id,
            assignee_name: r.assignee_name,
            status: r.status,
            unread: r.unread,
            preview: r.preview,
            preview_author: r.preview_author,
            last_message_at: r.last_message_at,
            waiting_since: r.waiting_since,
            last_customer_message_at: r.last_customer_message_at,
        }
    }
}

/// Appends the condition "the viewer may see `c`" for a tab.
pub(crate) fn push_tab(
    q: &mut QueryBuilder<'_, Postgres>,
    tab: InboxTab,
    who: &Authorised,
    teams: &[TeamId],
) -> Result<(), Error> {
    let see_all = who.user.can(Permission::ViewAllConversations);
    match tab {
        InboxTab::Mine => {
            q.push(" and c.assignee_id = ").push_bind(who.user.id);
        }
        InboxTab::Queue => {
            q.push(" and c.status = 'waiting' and c.assignee_id is null");
            if !see_all {
                q.push(" and (c.team_id is null or c.team_id = any(")
                    .push_bind(teams.to_vec())
                    .push("))");
            }
        }
        InboxTab::Team => {
            q.push(" and c.team_id = any(")
                .push_bind(teams.to_vec())
                .push(")");
        }
        InboxTab::All => {
            if !see_all {
                return Err(AppError::Forbidden.into());
            }
        }
    }
    Ok(())
}

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
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE) as i64;
    let search = optional_text(
        query.search.as_deref(),
        200,
        Refusal::SearchTooLong { max: 200 },
    )?;
    let mut q = QueryBuilder::<Postgres>::new(concat!("select ", row_columns!(), " where true"));
    push_tab(&mut q, query.tab, who, &teams)?;
    match query.status {
        Some(status) => {
            q.push(" and c.status = ").push_bind(status);
        }
        None if search.is_none() => {
            q.push(" and c.status <> 'resolved'");
        }
        None => {}
    }
    if let Some(kind) = query.channel {
        q.push(" and ch.kind = ").push_bind(kind);
    }
    if let Some(team) = query.team {
        q.push(" and c.team_id = ").push_bind(team);
    }
    if let Some(s) = search {
        // `= any(array(…))` rather than `in (…)`: both arms can then be index conditions on
        // conversations (a BitmapOr), or filters on the walk by last activity when the word
        // is everywhere; the planner picks from the statistics of search_tsv.
        q.push(" and (c.search_tsv @@ websearch_to_tsquery('pt_unaccent', ")
            .push_bind(s.to_owned())
            .push(")");
        q.push(
            " or c.contact_id = any(array(select id from contacts where merged_into is null and (",
        );
        q.push("name ilike ")
            .push_bind(format!("%{}%", escape_like(s)));
        q.push(" or email::text ilike ")
            .push_bind(format!("%{}%", escape_like(s)));
        if let Some(d) = search_digits(s) {
            q.push(" or phone like ").push_bind(format!("%{d}%"));
            q.push(" or cpf = ").push_bind(d);
        }
        q.push("))))");
    }
    if let Some(after) = query.after {
        q.push(" and (c.last_message_at, c.id) < (")
            .push_bind(after.last_message_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    q.push(" order by c.last_message_at desc, c.id desc limit ")
        .push_bind(limit + 1);
    let mut rows: Vec<RowRecord> = q.build_query_as().fetch_all(&state.pool).await?;
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
    Ok(InboxPage {
        rows: rows.into_iter().map(Into::into).collect(),
        next,
        counts,
    })
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) async fn counts(
    state: &AppState,
    who: &Authorised,
    teams: &[TeamId],
) -> Result<TabCounts, Error> {
    let see_all = who.user.can(Permission::ViewAllConversations);
    let (mine, unread_mine): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(unread_count), 0)::bigint from conversations
         where assignee_id = $1 and status <> 'resolved'",
    )
    .bind(who.user.id)
    .fetch_one(&state.pool)
    .await?;
    let queue: i64 = sqlx::query_scalar(
        "select count(*) from conversations
         where status = 'waiting' and assignee_id is null
           and ($1 or team_id is null or team_id = any($2))",
    )
    .bind(see_all)
    .bind(teams)
    .fetch_one(&state.pool)
    .await?;
    Ok(TabCounts {
        mine,
        queue,
        unread_mine,
    })
}

pub async fn row(state: &AppState, id: ConversationId) -> Result<InboxRow, Error> {
    let r: Option<RowRecord> =
        sqlx::query_as(concat!("select ", row_columns!(), " where c.id = $1"))
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    Ok(r.ok_or(AppError::NotFound)?.into())
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
