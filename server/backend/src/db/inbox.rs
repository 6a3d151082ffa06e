//! The inbox's reads of conversations: the list (one static statement for every tab, filter and
//! search), the tab counts and one row. What a viewer may see is `shared::inbox::visible`; the
//! tabs here narrow it (and the tests hold the two together).

use super::sql::{query_as, query_scalar};
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::inbox::{InboxCursor, InboxRow, InboxTab};
use shared::messaging::{Author, ChannelKind, ConversationStatus};
use shared::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use sqlx::PgExecutor;

macro_rules! row_columns {
    () => {
        "c.id, c.contact_id, ct.name as contact_name, c.channel_id,
         ch.kind as channel_kind, ch.name as channel_name, c.team_id, t.name::text as team_name,
         c.assignee_id, u.name as assignee_name, c.status, c.unread_count as unread,
         c.last_message_preview as preview, c.last_message_author as preview_author,
         c.last_message_at,
         case when c.status in ('waiting', 'open')
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
struct RowRecord {
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

/// Who is looking, as the tabs need it.
pub struct Viewer<'a> {
    pub user: UserId,
    pub sees_all: bool,
    pub teams: &'a [TeamId],
}

/// A search as typed (trimmed, not empty), with the digits it holds when it looks like a
/// phone or a CPF.
pub struct Search<'a> {
    pub text: &'a str,
    pub digits: Option<String>,
}

/// What the list shows: a tab, its filters, a search, and where the previous page ended.
pub struct Filter<'a> {
    pub tab: InboxTab,
    pub status: Option<ConversationStatus>,
    pub channel: Option<ChannelKind>,
    pub team: Option<TeamId>,
    pub search: Option<Search<'a>>,
    pub after: Option<InboxCursor>,
}

/// Up to `limit` rows of the tab, newest activity first. Without a status filter or a search,
/// resolved conversations are left out.
pub async fn list(
    db: impl PgExecutor<'_>,
    viewer: &Viewer<'_>,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<Vec<InboxRow>> {
    let unfiltered_tab = filter.status.is_none()
        && filter.channel.is_none()
        && filter.team.is_none()
        && filter.search.is_none();
    if unfiltered_tab {
        unfiltered(db, viewer, filter.tab, filter.after.as_ref(), limit).await
    } else {
        filtered(db, viewer, filter, limit).await
    }
}

/// The general statement, for any tab, filters and search (the unfiltered tabs included: the
/// tests hold both statements to the same answers).
pub async fn filtered(
    db: impl PgExecutor<'_>,
    viewer: &Viewer<'_>,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<Vec<InboxRow>> {
    let tab = match filter.tab {
        InboxTab::Mine => "mine",
        InboxTab::Queue => "queue",
        InboxTab::Team => "team",
        InboxTab::All => "all",
    };
    let search = filter.search.as_ref();
    let like = search.map(|s| format!("%{}%", escape_like(s.text)));
    let digits = search.and_then(|s| s.digits.clone());
    let phone_like = digits.as_ref().map(|d| format!("%{d}%"));
    let rows: Vec<RowRecord> = query_as(LIST)
        .bind(tab)
        .bind(viewer.user)
        .bind(viewer.sees_all)
        .bind(viewer.teams)
        .bind(filter.status)
        .bind(search.map(|s| s.text))
        .bind(filter.channel)
        .bind(filter.team)
        .bind(like)
        .bind(phone_like)
        .bind(digits)
        .bind(filter.after.as_ref().map(|a| a.last_message_at))
        .bind(filter.after.as_ref().map(|a| a.id))
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Later than any message (the year 9999), and well inside PostgreSQL's range.
const END_OF_TIME: DateTime<Utc> = match DateTime::from_timestamp(253_402_300_799, 0) {
    Some(t) => t,
    None => panic!("the year 9999 is a valid date"),
};

/// A tab with no filter and no search, what every agent's screen asks for on each live event:
/// one statement per tab, with no optional parameter, so that PostgreSQL can keep one generic
/// plan per connection instead of planning the general statement on every call (planning took
/// longer than running it). Where no page came before, the cursor is "after the end of time".
pub async fn unfiltered(
    db: impl PgExecutor<'_>,
    viewer: &Viewer<'_>,
    tab: InboxTab,
    after: Option<&InboxCursor>,
    limit: i64,
) -> Result<Vec<InboxRow>> {
    let (before, before_id) = after.map_or((END_OF_TIME, uuid::Uuid::max()), |a| {
        (a.last_message_at, a.id.0)
    });
    let statement = match tab {
        InboxTab::Mine => query_as(LIST_MINE).bind(viewer.user),
        InboxTab::Queue => query_as(LIST_QUEUE)
            .bind(viewer.sees_all)
            .bind(viewer.teams),
        InboxTab::Team => query_as(LIST_TEAM).bind(viewer.teams),
        InboxTab::All => query_as(LIST_ALL),
    };
    let rows: Vec<RowRecord> = statement
        .bind(before)
        .bind(before_id)
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A `like` pattern's special characters taken literally.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The viewer's open conversations and their unread messages.
pub async fn mine(db: impl PgExecutor<'_>, user: UserId) -> Result<(i64, i64)> {
    Ok(query_as(MINE).bind(user).fetch_one(db).await?)
}

/// How many conversations wait unassigned in the queues the viewer may take from.
pub async fn queued(db: impl PgExecutor<'_>, sees_all: bool, teams: &[TeamId]) -> Result<i64> {
    Ok(query_scalar(QUEUED)
        .bind(sees_all)
        .bind(teams)
        .fetch_one(db)
        .await?)
}

pub async fn row(db: impl PgExecutor<'_>, id: ConversationId) -> Result<Option<InboxRow>> {
    let row: Option<RowRecord> = query_as(ROW).bind(id).fetch_optional(db).await?;
    Ok(row.map(Into::into))
}

super::sql::statements! {
    // $1 tab, $2 viewer, $3 viewer sees all, $4 viewer's teams, $5 status, $6 search text,
    // $7 channel kind, $8 team, $9 name/e-mail pattern, $10 phone pattern, $11 CPF digits,
    // $12/$13 the cursor (last activity, id), $14 limit. Each optional filter is
    // `$n is null or …`: PostgreSQL plans the statement for the values bound (custom plans), so
    // the filters not in use fold away and the rest stay index conditions.
    //
    // The search's contact arm is `= any(array(…))` rather than `in (…)`: both arms can then be
    // index conditions on conversations (a BitmapOr), or filters on the walk by last activity
    // when the word is everywhere; the planner picks from the statistics of search_tsv.
    LIST = concat!("select ", row_columns!(), "
         where (($1::text = 'mine' and c.assignee_id = $2)
             or ($1 = 'queue' and c.status = 'waiting' and c.assignee_id is null
                 and ($3 or c.team_id is null or c.team_id = any($4)))
             or ($1 = 'team' and c.team_id = any($4))
             or $1 = 'all')
           and (($5::conversation_status is not null and c.status = $5)
             or ($5 is null and $6::text is not null)
             or ($5 is null and $6 is null and c.status <> 'resolved'))
           and ($7::channel_kind is null or ch.kind = $7)
           and ($8::uuid is null or c.team_id = $8)
           and ($6 is null
             or c.search_tsv @@ websearch_to_tsquery('pt_unaccent', $6)
             or c.contact_id = any(array(select id from contacts where merged_into is null
                  and (name ilike $9 or email::text ilike $9 or phone like $10 or cpf = $11))))
           and ($12::timestamptz is null or (c.last_message_at, c.id) < ($12, $13::uuid))
         order by c.last_message_at desc, c.id desc limit $14");
    // The unfiltered tabs: the tab's own parameters, then the cursor and the limit.
    LIST_MINE = concat!("select ", row_columns!(), "
         where c.assignee_id = $1 and c.status <> 'resolved'
           and (c.last_message_at, c.id) < ($2::timestamptz, $3::uuid)
         order by c.last_message_at desc, c.id desc limit $4");
    LIST_QUEUE = concat!("select ", row_columns!(), "
         where c.status = 'waiting' and c.assignee_id is null
           and ($1 or c.team_id is null or c.team_id = any($2::uuid[]))
           and (c.last_message_at, c.id) < ($3::timestamptz, $4::uuid)
         order by c.last_message_at desc, c.id desc limit $5");
    LIST_TEAM = concat!("select ", row_columns!(), "
         where c.team_id = any($1::uuid[]) and c.status <> 'resolved'
           and (c.last_message_at, c.id) < ($2::timestamptz, $3::uuid)
         order by c.last_message_at desc, c.id desc limit $4");
    LIST_ALL = concat!("select ", row_columns!(), "
         where c.status <> 'resolved'
           and (c.last_message_at, c.id) < ($1::timestamptz, $2::uuid)
         order by c.last_message_at desc, c.id desc limit $3");
    MINE = "select count(*), coalesce(sum(unread_count), 0)::bigint from conversations
         where assignee_id = $1 and status <> 'resolved'";
    QUEUED = "select count(*) from conversations
         where status = 'waiting' and assignee_id is null
           and ($1 or team_id is null or team_id = any($2))";
    ROW = concat!("select ", row_columns!(), " where c.id = $1");
}
