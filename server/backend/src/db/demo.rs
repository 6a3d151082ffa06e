//! What the demo data and the demo simulator need that no other repository offers: rows seeded
//! only when absent (never over what exists), and the visitor's conversation as the simulator
//! shows it.

use super::messages::{message_columns, MessageRow};
use super::sql::{query, query_as};
use crate::error::Result;
use serde_json::Value;
use shared::messaging::ConversationStatus;
use shared::{ChannelId, ConversationId, Role, TeamId, UserId};
use sqlx::PgExecutor;

/// A demo user (flagged as demo, so 2FA is never required of it).
pub struct DemoUser<'a> {
    pub id: UserId,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// Inserts a demo user, unless one with its id or email exists.
pub async fn insert_user_if_absent(db: impl PgExecutor<'_>, user: DemoUser<'_>) -> Result<()> {
    query(INSERT_USER_IF_ABSENT)
        .bind(user.id)
        .bind(user.name)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.role)
        .execute(db)
        .await?;
    Ok(())
}

/// Inserts a team, unless one with its id or name exists.
pub async fn insert_team_if_absent(db: impl PgExecutor<'_>, id: TeamId, name: &str) -> Result<()> {
    query(INSERT_TEAM_IF_ABSENT)
        .bind(id)
        .bind(name)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds a member to a team; an existing membership is left exactly as it is.
pub async fn add_member_if_absent(
    db: impl PgExecutor<'_>,
    team: TeamId,
    user: UserId,
    is_supervisor: bool,
) -> Result<()> {
    query(ADD_MEMBER_IF_ABSENT)
        .bind(team)
        .bind(user)
        .bind(is_supervisor)
        .execute(db)
        .await?;
    Ok(())
}

/// A simulator visitor's latest conversation, where it stands.
#[derive(sqlx::FromRow)]
pub struct VisitorConversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    /// Its team's name.
    pub team: Option<String>,
    /// Its assignee's name.
    pub agent: Option<String>,
    /// The bot's state in it, if the bot spoke.
    pub state: Option<Value>,
}

/// The latest conversation of the contact known on `channel` as `external_id`.
pub async fn visitor_conversation(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    external_id: &str,
) -> Result<Option<VisitorConversation>> {
    Ok(query_as(VISITOR_CONVERSATION)
        .bind(channel)
        .bind(external_id)
        .fetch_optional(db)
        .await?)
}

/// A conversation's messages after `after`, private notes left out (at most 200).
pub async fn visitor_messages(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
    after: i64,
) -> Result<Vec<MessageRow>> {
    Ok(query_as(VISITOR_MESSAGES)
        .bind(conversation)
        .bind(after)
        .fetch_all(db)
        .await?)
}

/// Takes the demo's data back to what the seed creates, in the caller's transaction (the seed
/// then fills it again): every conversation, contact and message goes; the demo's accounts, and
/// everything made while demo mode was on, go; the seeded teams keep their ids but lose their
/// changes; settings, saved replies and flows go back to their defaults.
pub async fn reset(db: &mut sqlx::PgConnection, seeded_teams: &[uuid::Uuid]) -> Result<()> {
    for statement in [
        RESET_OPERATIONAL,
        RESET_USERS,
        RESET_TOKENS,
        RESET_CHANNELS,
        RESET_SETTINGS,
        RESET_SAVED_REPLIES,
        RESET_FLOWS,
    ] {
        query(statement).execute(&mut *db).await?;
    }
    query(RESET_CUSTOM_TEAMS)
        .bind(seeded_teams)
        .execute(&mut *db)
        .await?;
    query(RESET_SEEDED_TEAMS)
        .bind(seeded_teams)
        .execute(&mut *db)
        .await?;
    Ok(())
}

super::sql::statements! {
    RESET_OPERATIONAL = "truncate campaign_recipients, campaigns, consent_records, suppressions,
         message_receipts, messages, conversation_events, attachments, blob_chunks, media_cache,
         bot_trace, bot_sessions, bot_steps, bot_step_days, conversations, webchat_visitors, contact_identities, contacts,
         webhook_events, channel_errors";
    RESET_USERS = "delete from users where is_demo or created_in_demo";
    RESET_TOKENS = "delete from api_tokens where created_in_demo";
    RESET_CHANNELS = "delete from channels where created_in_demo or (settings->>'simulated')::boolean";
    RESET_SETTINGS = "delete from settings";
    RESET_SAVED_REPLIES = "delete from canned_responses";
    RESET_FLOWS = "delete from bot_flows";
    RESET_CUSTOM_TEAMS = "delete from teams where not (id = any($1))";
    RESET_SEEDED_TEAMS = "update teams set closing_message = default, business_hours = null,
         auto_assign = default, updated_at = now() where id = any($1)";
    INSERT_USER_IF_ABSENT = "insert into users (id, name, email, password_hash, role, is_demo) \
             values ($1, $2, $3, $4, $5, true) on conflict do nothing";
    INSERT_TEAM_IF_ABSENT = "insert into teams (id, name) values ($1, $2) on conflict do nothing";
    ADD_MEMBER_IF_ABSENT = "insert into team_members (team_id, user_id, is_supervisor) values ($1, $2, $3) \
             on conflict do nothing";
    VISITOR_CONVERSATION = "select c.id, c.status, t.name as team, u.name as agent, s.state
         from contact_identities ci
         join conversations c on c.contact_id = ci.contact_id and c.channel_id = ci.channel_id
         left join teams t on t.id = c.team_id
         left join users u on u.id = c.assignee_id
         left join bot_sessions s on s.conversation_id = c.id
         where ci.channel_id = $1 and ci.external_id = $2
         order by c.created_at desc limit 1";
    VISITOR_MESSAGES = concat!(
        "select ",
        message_columns!(),
        " from messages m join channels ch on ch.id = m.channel_id
         where m.conversation_id = $1 and m.seq > $2 and m.kind <> 'note'
         order by m.seq limit 200"
    );
}
