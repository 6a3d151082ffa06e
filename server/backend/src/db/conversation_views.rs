//! Conversations as integrations read them (the REST API): a filtered list by latest activity
//! and one conversation, with the contact's name and the channel's kind.

use super::sql::query_as;
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::dto::ConversationView;
use shared::messaging::{ChannelKind, ConversationStatus};
use shared::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use sqlx::PgExecutor;

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: ConversationId,
    contact_id: ContactId,
    contact_name: Option<String>,
    channel_id: ChannelId,
    channel_kind: ChannelKind,
    team_id: Option<TeamId>,
    assignee_id: Option<UserId>,
    status: ConversationStatus,
    created_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    last_customer_message_at: Option<DateTime<Utc>>,
    last_message_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

impl From<ConversationRow> for ConversationView {
    fn from(r: ConversationRow) -> Self {
        ConversationView {
            id: r.id,
            contact_id: r.contact_id,
            contact_name: r.contact_name,
            channel_id: r.channel_id,
            channel_kind: r.channel_kind,
            team_id: r.team_id,
            assignee_id: r.assignee_id,
            status: r.status,
            created_at: r.created_at,
            first_response_at: r.first_response_at,
            last_customer_message_at: r.last_customer_message_at,
            last_message_at: r.last_message_at,
            resolved_at: r.resolved_at,
        }
    }
}

macro_rules! conversation_select {
    () => {
        "select c.id, c.contact_id, ct.name as contact_name, c.channel_id,
         ch.kind as channel_kind, c.team_id, c.assignee_id, c.status, c.created_at,
         c.first_response_at, c.last_customer_message_at, c.last_message_at, c.resolved_at
     from conversations c join contacts ct on ct.id = c.contact_id
     join channels ch on ch.id = c.channel_id"
    };
}

/// Which conversations to list; each filter given must match.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    pub channel: Option<ChannelId>,
    pub contact: Option<ContactId>,
    pub team: Option<TeamId>,
    pub assignee: Option<UserId>,
}

/// Conversations by latest activity.
pub async fn list(
    db: impl PgExecutor<'_>,
    filter: &ConversationFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationView>> {
    let rows: Vec<ConversationRow> = query_as(LIST)
        .bind(filter.status)
        .bind(filter.channel)
        .bind(filter.contact)
        .bind(filter.team)
        .bind(filter.assignee)
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn find(db: impl PgExecutor<'_>, id: ConversationId) -> Result<Option<ConversationView>> {
    let row: Option<ConversationRow> = query_as(FIND).bind(id).fetch_optional(db).await?;
    Ok(row.map(Into::into))
}

super::sql::statements! {
    LIST = concat!(
        conversation_select!(),
        "
         where ($1::conversation_status is null or c.status = $1)
           and ($2::uuid is null or c.channel_id = $2)
           and ($3::uuid is null or c.contact_id = $3)
           and ($4::uuid is null or c.team_id = $4)
           and ($5::uuid is null or c.assignee_id = $5)
         order by c.last_message_at desc, c.id limit $6 offset $7"
    );
    FIND = concat!(conversation_select!(), " where c.id = $1");
}
