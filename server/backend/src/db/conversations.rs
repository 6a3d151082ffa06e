//! The conversations repository: their events (the ground truth of every report) and their
//! lifecycle. Every statement that changes where a conversation stands (opened, queued,
//! assigned, transferred, resolved, reopened) is written here and nowhere else, so each keeps
//! the same invariants: waiting ⇔ in a queue with `queued_at` set and no assignee; open ⇔ an
//! assignee (or the bot) holds it with `queued_at` null; resolved ⇔ out of every queue with
//! nothing unread. The use case that calls a transition records its event in the same
//! transaction ([`record_event`]).
//!
//! Over 500 lines on purpose: the lifecycle is kept in one file so that every status change can
//! be read, and held to the invariants above, side by side.

use super::sql::{query, query_as, query_scalar};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use shared::messaging::{Author, ChannelKind, ConversationEventKind, ConversationStatus};
use shared::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use sqlx::{PgConnection, PgExecutor};
use std::time::Duration;

/// Appends to a conversation's timeline; returns the event's id (the live feed's cursor).
pub async fn record_event(
    db: &mut PgConnection,
    conversation: ConversationId,
    kind: ConversationEventKind,
    actor: Author,
    actor_user: Option<UserId>,
    details: serde_json::Value,
) -> Result<i64, Error> {
    Ok(query_scalar(RECORD_EVENT)
        .bind(conversation)
        .bind(kind)
        .bind(actor)
        .bind(actor_user)
        .bind(details)
        .fetch_one(db)
        .await?)
}

/// Resolves a conversation (only when its status is `only_from`, when given) and records who
/// did it, inside `tx`: the one statement that resolves, so every path (an agent, the bot, the
/// simulator's restart, a merge of contacts) leaves the same state (out of the queue, nothing
/// unread). The event's id, or `None` when it was already resolved (or had moved on).
pub async fn resolve(
    tx: &mut PgConnection,
    conversation: ConversationId,
    only_from: Option<ConversationStatus>,
    actor: Author,
    actor_user: Option<UserId>,
    details: serde_json::Value,
) -> Result<Option<i64>> {
    let done = query(RESOLVE)
        .bind(conversation)
        .bind(only_from)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(
        record_event(
            tx,
            conversation,
            ConversationEventKind::Resolved,
            actor,
            actor_user,
            details,
        )
        .await?,
    ))
}

/// Where a conversation stands before a change, locked until the transaction ends.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Standing {
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub status: ConversationStatus,
}

pub async fn lock_standing(
    tx: &mut PgConnection,
    conversation: ConversationId,
) -> Result<Option<Standing>> {
    Ok(query_as(LOCK_STANDING)
        .bind(conversation)
        .fetch_optional(tx)
        .await?)
}

/// Gives the conversation to `agent` (open) or, with none, to `team`'s queue (waiting). The
/// caller has checked it is not resolved.
pub async fn place(
    tx: &mut PgConnection,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
) -> Result<()> {
    query(PLACE)
        .bind(conversation)
        .bind(agent)
        .bind(team)
        .execute(&mut *tx)
        .await?;
    if let Some(agent) = agent {
        super::users::touch_last_assigned(tx, agent).await?;
    }
    Ok(())
}

/// A customer wrote and has no conversation going on the channel: reopens their last one
/// resolved within `within` (back to its agent if still active, else to the queue), unless the
/// bot closed it on its own and the channel has a bot (`bot_starts_afresh`): that one starts
/// afresh. The reopened conversation, if any; the caller records its event.
pub async fn reopen_for_customer(
    tx: &mut PgConnection,
    contact: ContactId,
    channel: ChannelId,
    within: Duration,
    bot_starts_afresh: bool,
) -> Result<Option<ConversationId>> {
    Ok(query_scalar(REOPEN_FOR_CUSTOMER)
        .bind(contact)
        .bind(channel)
        .bind(Duration::from_secs(within.as_secs()))
        .bind(bot_starts_afresh)
        .fetch_optional(tx)
        .await?)
}

/// Opens the customer's conversation on the channel (`status` waiting, queued now, or with the
/// bot) and records `created` by the customer, in one statement. `None` when a concurrent
/// delivery opened one first (the unique index on a contact's unresolved conversation per
/// channel); the event's id otherwise.
pub async fn open_for_customer(
    tx: &mut PgConnection,
    id: ConversationId,
    contact: ContactId,
    channel: ChannelId,
    team: Option<TeamId>,
    status: ConversationStatus,
) -> Result<Option<i64>> {
    Ok(query_scalar(OPEN_FOR_CUSTOMER)
        .bind(id)
        .bind(contact)
        .bind(channel)
        .bind(team)
        .bind(status)
        .bind(ConversationEventKind::Created)
        .fetch_optional(tx)
        .await?)
}

/// Opens a conversation an agent starts (continuing on another channel): assigned to them, in
/// `team`. The caller records its event.
/// A conversation that holds a message the company sent unprompted (a campaign's), already
/// resolved: it reaches no queue, and the customer's answer opens or reopens one as usual.
pub async fn open_resolved(
    db: impl PgExecutor<'_>,
    id: ConversationId,
    contact: ContactId,
    channel: ChannelId,
    team: Option<TeamId>,
) -> Result<()> {
    query(OPEN_RESOLVED)
        .bind(id)
        .bind(contact)
        .bind(channel)
        .bind(team)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn open_for_agent(
    tx: &mut PgConnection,
    id: ConversationId,
    contact: ContactId,
    channel: ChannelId,
    team: Option<TeamId>,
    agent: UserId,
) -> Result<()> {
    query(OPEN_FOR_AGENT)
        .bind(id)
        .bind(contact)
        .bind(channel)
        .bind(team)
        .bind(agent)
        .execute(tx)
        .await?;
    Ok(())
}

/// The bot hands the conversation over: into `team`'s queue (else the conversation's team,
/// else the channel's default), waiting from now. False when the bot no longer holds it.
pub async fn queue_from_bot(
    tx: &mut PgConnection,
    conversation: ConversationId,
    team: Option<TeamId>,
) -> Result<bool> {
    let done = query(QUEUE_FROM_BOT)
        .bind(conversation)
        .bind(team)
        .execute(tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Serialises automatic assignments cluster-wide until the transaction ends.
pub async fn lock_distribution(tx: &mut PgConnection) -> Result<()> {
    /// `pg_advisory_xact_lock` key of automatic assignment ("omni-dist").
    const LOCK_KEY: i64 = 0x6f6d_6e69_6469_7374;
    query(LOCK_DISTRIBUTION).bind(LOCK_KEY).execute(tx).await?;
    Ok(())
}

/// The oldest waiting conversation of a team that has a member free to take it now, locked
/// (skipping those another transaction holds): (conversation, team).
pub async fn claim_next_waiting(tx: &mut PgConnection) -> Result<Option<(ConversationId, TeamId)>> {
    Ok(query_as(CLAIM_NEXT_WAITING).fetch_optional(tx).await?)
}

/// Assigns a waiting, unassigned conversation to `agent`; false when it has moved on meanwhile.
pub async fn assign_waiting(
    tx: &mut PgConnection,
    conversation: ConversationId,
    agent: UserId,
) -> Result<bool> {
    let done = query(ASSIGN_WAITING)
        .bind(conversation)
        .bind(agent)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    super::users::touch_last_assigned(tx, agent).await?;
    Ok(true)
}

/// Returns to their queue the unanswered conversations of agents offline (or deactivated) for
/// longer than `grace`, recording an `unassigned` event for each: (conversation, previous
/// assignee, event id).
pub async fn requeue_from_offline(
    db: impl PgExecutor<'_>,
    grace: Duration,
) -> Result<Vec<(ConversationId, UserId, i64)>> {
    Ok(query_as(REQUEUE_FROM_OFFLINE)
        .bind(Duration::from_secs(grace.as_secs()))
        .fetch_all(db)
        .await?)
}

/// Reopens a resolved conversation assigned to `agent`, unless the contact has another
/// conversation still going on the same channel (false then).
pub async fn reopen(
    tx: &mut PgConnection,
    conversation: ConversationId,
    agent: UserId,
) -> Result<bool> {
    let done = query(REOPEN)
        .bind(conversation)
        .bind(agent)
        .execute(tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Nothing left unread: the agent replied or opened it.
pub async fn mark_read(db: impl PgExecutor<'_>, conversation: ConversationId) -> Result<()> {
    query(MARK_READ).bind(conversation).execute(db).await?;
    Ok(())
}

/// What every action on a conversation checks first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Access {
    pub status: ConversationStatus,
    pub team_id: Option<TeamId>,
    pub assignee_id: Option<UserId>,
    pub contact_id: ContactId,
    pub channel_id: ChannelId,
}

pub async fn access(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<Access>> {
    Ok(query_as(ACCESS)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// An event as the timeline shows it, with the names it mentions.
#[derive(sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub kind: ConversationEventKind,
    pub actor: Author,
    pub actor_name: Option<String>,
    pub details: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub team_name: Option<String>,
    pub assignee_name: Option<String>,
}

/// The newest `limit` events of all the contact's conversations (first responses left out:
/// they are for reports), newest first.
/// The events of the contact's conversations that `viewer` may see.
pub async fn events_of_contact(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    limit: i64,
    viewer: &super::inbox::Viewer<'_>,
) -> Result<Vec<EventRecord>> {
    Ok(query_as(EVENTS_OF_CONTACT)
        .bind(contact)
        .bind(limit)
        .bind(viewer.sees_all)
        .bind(viewer.user)
        .bind(viewer.teams)
        .fetch_all(db)
        .await?)
}

/// A contact's conversation as their history lists it: id, channel, status, opened, resolved.
pub type Past = (
    ConversationId,
    ChannelKind,
    ConversationStatus,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The contact's newest `limit` conversations on any channel.
/// The contact's conversations that `viewer` may see.
pub async fn of_contact(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    limit: i64,
    viewer: &super::inbox::Viewer<'_>,
) -> Result<Vec<Past>> {
    Ok(query_as(OF_CONTACT)
        .bind(contact)
        .bind(limit)
        .bind(viewer.sees_all)
        .bind(viewer.user)
        .bind(viewer.teams)
        .fetch_all(db)
        .await?)
}

/// Every conversation of the contact this one belongs to (itself included).
pub async fn of_same_contact(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Vec<ConversationId>> {
    Ok(query_scalar(OF_SAME_CONTACT)
        .bind(conversation)
        .fetch_all(db)
        .await?)
}

/// The team and assignee a conversation has now.
pub async fn placement(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(Option<TeamId>, Option<UserId>)>, Error> {
    Ok(query_as(PLACEMENT)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// Its team, assignee and whether it waits in a queue, for the live feed.
pub async fn standing(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(Option<TeamId>, Option<UserId>, bool)>, Error> {
    Ok(query_as(STANDING)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// The team a conversation in the bot's hands goes to when it is handed over without one
/// named: its own, else its channel's default (as [`queue_from_bot`] places it).
pub async fn destination_team(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<TeamId>, Error> {
    Ok(query_scalar(DESTINATION_TEAM)
        .bind(conversation)
        .fetch_optional(db)
        .await?
        .flatten())
}

/// The conversation's latest event.
pub async fn latest_event(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
) -> Result<Option<(i64, ConversationEventKind)>, Error> {
    Ok(query_as(LATEST_EVENT)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// `shared::inbox::visible` as SQL over a conversation `c`, for a viewer whose "sees all", user
/// id and teams are the given parameters (`visible_sql!("$3", "$4", "$5")`). The live feed's
/// catch-up filters with it; `visible_among` runs it alone so a test can hold it to the rule.
#[macro_export]
macro_rules! visible_sql {
    ($sees_all:literal, $user:literal, $teams:literal) => {
        concat!(
            "(",
            $sees_all,
            " or c.assignee_id = ",
            $user,
            " or c.team_id = any(",
            $teams,
            ") or (c.team_id is null and c.assignee_id is null))"
        )
    };
}

/// Which of `ids` the viewer may see, by the SQL form of the rule ([`visible_sql!`]).
pub async fn visible_among(
    db: impl PgExecutor<'_>,
    ids: &[ConversationId],
    sees_all: bool,
    user: UserId,
    teams: &[TeamId],
) -> Result<Vec<ConversationId>> {
    Ok(query_scalar(VISIBLE_AMONG)
        .bind(ids)
        .bind(sees_all)
        .bind(user)
        .bind(teams)
        .fetch_all(db)
        .await?)
}

super::sql::statements! {
    RECORD_EVENT = "insert into conversation_events (conversation_id, kind, actor, actor_user_id, details)
         values ($1, $2, $3, $4, $5) returning id";
    RESOLVE = "update conversations set status = 'resolved', resolved_at = now(), queued_at = null,
             unread_count = 0, updated_at = now()
         where id = $1 and status <> 'resolved'
           and ($2::conversation_status is null or status = $2)";
    ACCESS = "select status, team_id, assignee_id, contact_id, channel_id from conversations
         where id = $1";
    EVENTS_OF_CONTACT = concat!(
        "select e.id, e.conversation_id, e.kind, e.actor, au.name as actor_name,
             e.details, e.occurred_at, t.name::text as team_name, u.name as assignee_name
         from conversation_events e
         join conversations c on c.id = e.conversation_id
         left join users au on au.id = e.actor_user_id
         left join teams t on t.id = (e.details->>'team_id')::uuid
         left join users u on u.id = (e.details->>'assignee_id')::uuid
         where c.contact_id = $1 and e.kind <> 'first_response' and ",
        crate::visible_sql!("$3", "$4", "$5"),
        " order by e.id desc limit $2"
    );
    OF_CONTACT = concat!(
        "select c.id, ch.kind, c.status, c.created_at, c.resolved_at from conversations c
         join channels ch on ch.id = c.channel_id
         where c.contact_id = $1 and ",
        crate::visible_sql!("$3", "$4", "$5"),
        " order by c.created_at desc limit $2"
    );
    OF_SAME_CONTACT = "select id from conversations where contact_id =
             (select contact_id from conversations where id = $1)";
    PLACEMENT = "select team_id, assignee_id from conversations where id = $1";
    STANDING = "select team_id, assignee_id, status = 'waiting' from conversations where id = $1";
    LATEST_EVENT = "select id, kind from conversation_events where conversation_id = $1
         order by id desc limit 1";
    LOCK_STANDING = "select assignee_id, team_id, status from conversations where id = $1
         for update";
    PLACE = "update conversations set assignee_id = $2, team_id = $3,
             status = case when $2::uuid is null then 'waiting'::conversation_status
                           else 'open'::conversation_status end,
             queued_at = case when $2::uuid is null then now() end,
             assigned_at = case when $2::uuid is null then null else now() end,
             updated_at = now()
         where id = $1";
    REOPEN_FOR_CUSTOMER = "update conversations c set
             status = case when u.id is not null then 'open'::conversation_status
                           when $4 then 'bot'::conversation_status
                           else 'waiting'::conversation_status end,
             assignee_id = u.id,
             queued_at = case when u.id is null and not $4 then now() end,
             resolved_at = null, updated_at = now()
         from conversations prev
         left join users u on u.id = prev.assignee_id and u.active
         where c.id = (select id from conversations r
                       where contact_id = $1 and channel_id = $2 and status = 'resolved'
                         and resolved_at > now() - $3::interval
                         -- One the bot closed on its own starts afresh with the bot; one a
                         -- template of ours (a campaign) ends in is answered there, by the
                         -- bot (the template's quick replies are for it).
                         and (not $4 or assignee_id is not null
                              or (select m.kind from messages m where m.conversation_id = r.id
                                  order by m.seq desc limit 1) = 'template')
                       order by resolved_at desc limit 1)
           and prev.id = c.id
           and not exists (select 1 from conversations o where o.contact_id = $1
                           and o.channel_id = $2 and o.status <> 'resolved')
         returning c.id";
    OPEN_FOR_CUSTOMER = "with c as (
             insert into conversations (id, contact_id, channel_id, team_id, status, queued_at)
             values ($1, $2, $3, $4, $5::conversation_status,
                     case when $5 = 'waiting' then now() end)
             on conflict (contact_id, channel_id) where status <> 'resolved' do nothing
             returning id)
         insert into conversation_events (conversation_id, kind, actor, details)
         select c.id, $6::conversation_event_kind, 'customer',
                jsonb_build_object('channel_id', $3::uuid) from c
         returning id";
    OPEN_RESOLVED = "insert into conversations (id, contact_id, channel_id, team_id, status,
             resolved_at, last_message_at)
         values ($1, $2, $3, $4, 'resolved', now(), now())";
    OPEN_FOR_AGENT = "insert into conversations (id, contact_id, channel_id, team_id, assignee_id,
             status, assigned_at, last_message_at)
         values ($1, $2, $3, $4, $5, 'open', now(), now())";
    DESTINATION_TEAM = "select coalesce(c.team_id, ch.default_team_id) from conversations c
         join channels ch on ch.id = c.channel_id where c.id = $1";
    QUEUE_FROM_BOT = "update conversations c set status = 'waiting', queued_at = now(),
             updated_at = now(), team_id = coalesce($2, c.team_id, ch.default_team_id)
         from channels ch
         where c.id = $1 and ch.id = c.channel_id and c.status = 'bot'";
    LOCK_DISTRIBUTION = "select pg_advisory_xact_lock($1)";
    CLAIM_NEXT_WAITING = "with free_teams as (
             select distinct m.team_id from team_members m
             join teams t on t.id = m.team_id and t.auto_assign
             join users u on u.id = m.user_id
             where u.active and u.availability = 'online'
               and (select count(*) from conversations l
                    where l.assignee_id = u.id and l.status = 'open') < u.capacity)
         select c.id, c.team_id from conversations c
         where c.status = 'waiting' and c.assignee_id is null
           and c.team_id in (select team_id from free_teams)
         order by c.queued_at nulls last, c.id
         limit 1 for update of c skip locked";
    ASSIGN_WAITING = "update conversations set assignee_id = $2, status = 'open',
             assigned_at = now(), queued_at = null, updated_at = now()
         where id = $1 and assignee_id is null and status = 'waiting'";
    REQUEUE_FROM_OFFLINE = "with moved as (
             update conversations c set assignee_id = null, status = 'waiting', queued_at = now(),
                 assigned_at = null, updated_at = now()
             from users u
             where u.id = c.assignee_id and c.status = 'open'
               and (u.availability = 'offline' or not u.active)
               and u.availability_changed_at < now() - $1::interval
               and c.last_customer_message_at is not null
               and c.last_customer_message_at > coalesce(c.last_agent_message_at, '-infinity')
             returning c.id, u.id as previous)
         , ev as (
             insert into conversation_events (conversation_id, kind, actor, details)
             select id, 'unassigned', 'system',
                    jsonb_build_object('previous_assignee_id', previous, 'reason', 'offline')
             from moved returning id, conversation_id)
         select moved.id, moved.previous, ev.id from moved join ev on ev.conversation_id = moved.id";
    REOPEN = "update conversations c set status = 'open', assignee_id = $2, resolved_at = null,
             assigned_at = now(), updated_at = now()
         where c.id = $1 and c.status = 'resolved'
           and not exists (select 1 from conversations o where o.contact_id = c.contact_id
                           and o.channel_id = c.channel_id and o.status <> 'resolved')";
    MARK_READ = "update conversations set unread_count = 0 where id = $1 and unread_count > 0";
    VISIBLE_AMONG = concat!(
        "select c.id from conversations c where c.id = any($1) and ",
        visible_sql!("$2", "$3", "$4"),
        " order by c.id"
    );
}
