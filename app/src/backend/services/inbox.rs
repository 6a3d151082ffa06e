//! The agent inbox: who sees which conversation, the list, the conversation view and every
//! action on a conversation. Each action is checked against the role's permissions and the
//! conversation's visibility here, records a conversation event, and is published live.

use crate::backend::db::{self, audit::NewAuditEntry};
use crate::backend::distribution;
use crate::backend::guard::Authorised;
use crate::backend::messaging::{self, record_event, SendRequest};
use crate::backend::state::AppState;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use shared::dto::{AuditAction, ContactInput, MessageView};
use shared::inbox::{
    format_cpf, mask_cpf, AgentOption, CannedResponse, ChannelOption, ComposerState, ContactPanel,
    ConversationDetail, ConversationEventView, InboxCursor, InboxPage, InboxQuery, InboxRow,
    InboxSettings, InboxTab, PastConversation, TabCounts, TeamOption, TemplateView, TransferInput,
    MAX_PAGE,
};
use shared::messaging::{
    window_check, Author, ChannelKind, ConversationEventKind, ConversationStatus, Outbound,
};
use shared::{Availability, ChannelId, ContactId, ConversationId, Permission, TeamId, UserId};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

const SETTINGS_KEY: &str = "inbox";

pub async fn settings(db: impl sqlx::PgExecutor<'_>) -> Result<InboxSettings, AppError> {
    Ok(db::settings::get(db, SETTINGS_KEY)
        .await?
        .unwrap_or_default())
}

pub async fn save_settings(
    state: &AppState,
    who: &Authorised,
    settings: InboxSettings,
) -> Result<(), AppError> {
    if settings.reopen_window_minutes > 60 * 24 * 30 || settings.offline_grace_minutes > 24 * 60 {
        return Err(AppError::Refused(
            "Use até 30 dias para reabrir e até 24 horas de tolerância offline.".into(),
        ));
    }
    let mut tx = state.pool.begin().await?;
    db::settings::put(&mut *tx, SETTINGS_KEY, &settings, who.user.id).await?;
    NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Caixa de entrada — reabrir em até {} min; tolerância offline {} min",
            settings.reopen_window_minutes, settings.offline_grace_minutes
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---- Visibility ---------------------------------------------------------------------------

/// The viewer's teams, for the list's tabs and visibility.
async fn my_teams(db: impl sqlx::PgExecutor<'_>, user: UserId) -> Result<Vec<TeamId>, AppError> {
    Ok(
        sqlx::query_scalar("select team_id from team_members where user_id = $1")
            .bind(user)
            .fetch_all(db)
            .await?,
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Access {
    pub(crate) status: ConversationStatus,
    pub(crate) team_id: Option<TeamId>,
    pub(crate) assignee_id: Option<UserId>,
    pub(crate) contact_id: ContactId,
    pub(crate) channel_id: ChannelId,
}

/// Whether a user with these facts may see a conversation: their own, their teams' (and the
/// queue without a team), or any with "see all".
pub fn visible(
    can_see_all: bool,
    user: UserId,
    teams: &[TeamId],
    team: Option<TeamId>,
    assignee: Option<UserId>,
) -> bool {
    can_see_all
        || assignee == Some(user)
        || match team {
            Some(t) => teams.contains(&t),
            None => assignee.is_none(),
        }
}

/// The conversation, if `who` may see it; `NotFound` otherwise (its existence is not revealed).
pub(crate) async fn access(
    state: &AppState,
    who: &Authorised,
    id: ConversationId,
) -> Result<Access, AppError> {
    let row: Option<Access> = sqlx::query_as(
        "select status, team_id, assignee_id, contact_id, channel_id from conversations
         where id = $1",
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
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
        Err(AppError::NotFound)
    }
}

/// Whether `user` may see the conversation (for the live feed's catch-up and presence).
pub async fn user_can_see(
    state: &AppState,
    user: &shared::dto::CurrentUser,
    id: ConversationId,
) -> Result<bool, AppError> {
    let row: Option<(Option<TeamId>, Option<UserId>)> =
        sqlx::query_as("select team_id, assignee_id from conversations where id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let Some((team, assignee)) = row else {
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

pub async fn teams_of(state: &AppState, user: UserId) -> Result<Vec<TeamId>, AppError> {
    my_teams(&state.pool, user).await
}

// ---- The list -----------------------------------------------------------------------------

const ROW_COLUMNS: &str = "c.id, c.contact_id, ct.name as contact_name, c.channel_id,
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
     left join users u on u.id = c.assignee_id";

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

/// Appends the condition "the viewer may see `c`" for a tab.
fn push_tab(
    q: &mut QueryBuilder<'_, Postgres>,
    tab: InboxTab,
    who: &Authorised,
    teams: &[TeamId],
) -> Result<(), AppError> {
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
                return Err(AppError::Forbidden);
            }
        }
    }
    Ok(())
}

/// Optional text typed by a person: trimmed, empty as none, refused past `max` characters.
fn optional_text<'a>(
    text: Option<&'a str>,
    max: usize,
    too_long: &str,
) -> Result<Option<&'a str>, AppError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > max) {
        return Err(AppError::Refused(too_long.to_owned()));
    }
    Ok(text)
}

/// Digits of a search that looks like a phone or CPF.
fn search_digits(search: &str) -> Option<String> {
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let mostly_digits = digits.len() * 2 > search.chars().filter(|c| !c.is_whitespace()).count();
    (digits.len() >= 4 && mostly_digits).then_some(digits)
}

pub async fn list(
    state: &AppState,
    who: &Authorised,
    query: &InboxQuery,
) -> Result<InboxPage, AppError> {
    let teams = my_teams(&state.pool, who.user.id).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE) as i64;
    let search = optional_text(
        query.search.as_deref(),
        200,
        "A busca aceita até 200 caracteres.",
    )?;
    let mut q = QueryBuilder::<Postgres>::new(format!("select {ROW_COLUMNS} where true"));
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

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

async fn counts(
    state: &AppState,
    who: &Authorised,
    teams: &[TeamId],
) -> Result<TabCounts, AppError> {
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

pub async fn row(state: &AppState, id: ConversationId) -> Result<InboxRow, AppError> {
    let r: Option<RowRecord> = sqlx::query_as(&format!("select {ROW_COLUMNS} where c.id = $1"))
        .bind(id)
        .fetch_optional(&state.pool)
        .await?;
    Ok(r.ok_or(AppError::NotFound)?.into())
}

// ---- The conversation view ----------------------------------------------------------------

/// How many messages the view loads at a time.
const HISTORY_PAGE: i64 = 60;

/// The contact's messages across all their conversations, newest `limit` before `before`,
/// returned oldest first.
pub async fn history(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    before: Option<i64>,
) -> Result<(Vec<MessageView>, bool), AppError> {
    let access = access(state, who, conversation).await?;
    history_of(state, access.contact_id, before).await
}

async fn history_of(
    state: &AppState,
    contact: ContactId,
    before: Option<i64>,
) -> Result<(Vec<MessageView>, bool), AppError> {
    let rows = messaging::contact_messages(
        &state.pool,
        contact,
        messaging::Page::Before(before.unwrap_or(i64::MAX)),
        HISTORY_PAGE + 1,
    )
    .await?;
    let has_earlier = rows.len() as i64 > HISTORY_PAGE;
    let mut rows: Vec<MessageView> = rows.into_iter().take(HISTORY_PAGE as usize).collect();
    rows.reverse();
    Ok((rows, has_earlier))
}

/// Messages of the conversation's contact after `seq` (the live view catching up).
pub async fn messages_after(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    after: i64,
) -> Result<Vec<MessageView>, AppError> {
    let access = access(state, who, conversation).await?;
    messaging::contact_messages(
        &state.pool,
        access.contact_id,
        messaging::Page::After(after),
        500,
    )
    .await
}

#[derive(sqlx::FromRow)]
struct EventRecord {
    id: i64,
    conversation_id: ConversationId,
    kind: ConversationEventKind,
    actor: Author,
    actor_name: Option<String>,
    details: serde_json::Value,
    occurred_at: DateTime<Utc>,
    team_name: Option<String>,
    assignee_name: Option<String>,
}

fn describe(e: &EventRecord) -> String {
    let by = e
        .actor_name
        .clone()
        .unwrap_or_else(|| e.actor.label().to_lowercase());
    let to = match (&e.assignee_name, &e.team_name) {
        (Some(a), Some(t)) => format!("{a} ({t})"),
        (Some(a), None) => a.clone(),
        (None, Some(t)) => format!("a fila da equipe {t}"),
        (None, None) => "a fila".into(),
    };
    let auto = e.details.get("auto").and_then(|v| v.as_bool()) == Some(true);
    match e.kind {
        ConversationEventKind::Created => "Conversa iniciada pelo cliente".into(),
        ConversationEventKind::Assigned if auto => {
            format!("Distribuída automaticamente para {to}")
        }
        ConversationEventKind::Assigned => format!("Atribuída por {by} para {to}"),
        ConversationEventKind::Transferred => format!("Transferida por {by} para {to}"),
        ConversationEventKind::FirstResponse => format!("Primeira resposta de {by}"),
        ConversationEventKind::Resolved => format!("Resolvida por {by}"),
        ConversationEventKind::Reopened if e.actor == Author::Customer => {
            "Reaberta por nova mensagem do cliente".into()
        }
        ConversationEventKind::Reopened => format!("Reaberta por {by}"),
        ConversationEventKind::Unassigned => {
            if e.details.get("reason").and_then(|v| v.as_str()) == Some("offline") {
                "Devolvida à fila: o atendente ficou offline".into()
            } else {
                format!("Devolvida à fila por {by}")
            }
        }
        ConversationEventKind::StatusChanged => format!("Situação alterada por {by}"),
        ConversationEventKind::Moved => {
            let channel = e
                .details
                .get("channel_label")
                .and_then(|v| v.as_str())
                .unwrap_or("outro canal");
            format!("{by} continuou o atendimento em {channel}")
        }
    }
}

async fn contact_events(
    state: &AppState,
    contact: ContactId,
) -> Result<Vec<ConversationEventView>, AppError> {
    let rows: Vec<EventRecord> = sqlx::query_as(
        "select e.id, e.conversation_id, e.kind, e.actor, au.name as actor_name, e.details,
             e.occurred_at, t.name::text as team_name, u.name as assignee_name
         from conversation_events e
         join conversations c on c.id = e.conversation_id
         left join users au on au.id = e.actor_user_id
         left join teams t on t.id = (e.details->>'team_id')::uuid
         left join users u on u.id = (e.details->>'assignee_id')::uuid
         where c.contact_id = $1 and e.kind <> 'first_response'
         order by e.id desc limit 200",
    )
    .bind(contact)
    .fetch_all(&state.pool)
    .await?;
    let mut out: Vec<ConversationEventView> = rows
        .iter()
        .map(|e| ConversationEventView {
            id: e.id,
            conversation_id: e.conversation_id,
            kind: e.kind,
            actor: e.actor,
            actor_name: e.actor_name.clone(),
            text: describe(e),
            note: e
                .details
                .get("note")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            occurred_at: e.occurred_at,
        })
        .collect();
    out.reverse();
    Ok(out)
}

async fn composer(state: &AppState, row: &InboxRow) -> Result<ComposerState, AppError> {
    let probe = Outbound::Text { text: "-".into() };
    let now = Utc::now();
    let check = window_check(
        row.channel_kind,
        &probe,
        Author::Agent,
        row.last_customer_message_at,
        now,
    );
    let window_closes_at = match row.channel_kind {
        ChannelKind::Webchat => None,
        ChannelKind::Whatsapp => row
            .last_customer_message_at
            .map(|t| t + chrono::Duration::hours(24)),
        _ => row
            .last_customer_message_at
            .map(|t| t + chrono::Duration::days(7)),
    };
    let templates = if row.channel_kind == ChannelKind::Whatsapp && check.is_err() {
        approved_templates(state, row.channel_id).await?
    } else {
        Vec::new()
    };
    let notice = check.as_ref().err().map(|e| match e {
        shared::messaging::WindowError::WhatsappClosed => {
            "A janela de 24 horas do WhatsApp está fechada: o cliente não escreve há mais de 24 horas. \
             Só é possível enviar um modelo aprovado (HSM)."
                .to_owned()
        }
        other => other.message().to_owned(),
    });
    Ok(ComposerState {
        window_open: check.is_ok(),
        window_closes_at,
        notice,
        templates,
    })
}

pub async fn approved_templates(
    state: &AppState,
    channel: ChannelId,
) -> Result<Vec<TemplateView>, AppError> {
    let rows: Vec<(String, String, String, String, i32)> = sqlx::query_as(
        "select name, language, category, body, parameter_count from message_templates
         where channel_id = $1 and status = 'APPROVED' order by name, language",
    )
    .bind(channel)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, language, category, body, n)| TemplateView {
            name,
            language,
            category,
            body,
            parameter_count: n.max(0) as u32,
        })
        .collect())
}

/// A previous conversation: id, channel, status, opened, resolved.
type PastRow = (
    ConversationId,
    ChannelKind,
    ConversationStatus,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

async fn contact_panel(
    state: &AppState,
    who: &Authorised,
    contact: ContactId,
) -> Result<ContactPanel, AppError> {
    let c = super::contacts::get(state, contact).await?;
    let full = who.user.can(Permission::ViewFullCpf);
    let conversations: Vec<PastRow> = sqlx::query_as(
        "select c.id, ch.kind, c.status, c.created_at, c.resolved_at from conversations c
             join channels ch on ch.id = c.channel_id
             where c.contact_id = $1 order by c.created_at desc limit 30",
    )
    .bind(contact)
    .fetch_all(&state.pool)
    .await?;
    Ok(ContactPanel {
        id: c.id,
        name: c.name,
        phone: c.phone,
        email: c.email,
        cpf_masked: c.cpf.is_some() && !full,
        cpf: c
            .cpf
            .as_deref()
            .map(|d| if full { format_cpf(d) } else { mask_cpf(d) }),
        attributes: c.attributes,
        identities: c.identities,
        conversations: conversations
            .into_iter()
            .map(
                |(id, channel_kind, status, created_at, resolved_at)| PastConversation {
                    id,
                    channel_kind,
                    status,
                    created_at,
                    resolved_at,
                },
            )
            .collect(),
    })
}

/// Channels the contact can be continued on: those they have an identity on, and WhatsApp
/// when their phone is known.
async fn other_channels(
    state: &AppState,
    contact: &ContactPanel,
    current: ChannelId,
) -> Result<Vec<ChannelOption>, AppError> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    Ok(channels
        .iter()
        .filter(|ch| ch.active && ch.id != current)
        .filter(|ch| {
            contact.identities.iter().any(|i| i.channel_id == ch.id)
                || (ch.kind == ChannelKind::Whatsapp && contact.phone.is_some())
        })
        .map(|ch| ChannelOption {
            channel_id: ch.id,
            kind: ch.kind,
            name: ch.name.clone(),
        })
        .collect())
}

pub async fn detail(
    state: &AppState,
    who: &Authorised,
    id: ConversationId,
) -> Result<ConversationDetail, AppError> {
    let access = access(state, who, id).await?;
    // Opening a conversation you handle reads it.
    if access.assignee_id == Some(who.user.id) || access.assignee_id.is_none() {
        sqlx::query("update conversations set unread_count = 0 where id = $1 and unread_count > 0")
            .bind(id)
            .execute(&state.pool)
            .await?;
    }
    let row = row(state, id).await?;
    let (messages, has_earlier) = history_of(state, access.contact_id, None).await?;
    let events = contact_events(state, access.contact_id).await?;
    let composer = composer(state, &row).await?;
    let contact = contact_panel(state, who, access.contact_id).await?;
    let other_channels = other_channels(state, &contact, row.channel_id).await?;
    Ok(ConversationDetail {
        row,
        messages,
        has_earlier,
        events,
        composer,
        contact,
        other_channels,
        can_reply: who.user.can(Permission::ReplyToConversations),
        can_assign_others: who.user.can(Permission::AssignConversations),
    })
}

// ---- Actions ------------------------------------------------------------------------------

async fn changed(
    state: &AppState,
    conversation: ConversationId,
    event: i64,
    kind: ConversationEventKind,
    previous: Option<UserId>,
) {
    distribution::publish(state, conversation, event, kind, previous).await;
}

/// Sends a reply or a private note. Replying to an unassigned conversation takes it.
pub async fn send(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    outbound: Outbound,
    client_id: Option<String>,
) -> Result<MessageView, AppError> {
    let access = access(state, who, conversation).await?;
    let outbound = super::attachments::resolve(state, conversation, outbound).await?;
    let is_note = matches!(outbound, Outbound::Note { .. });
    if !is_note && access.assignee_id.is_none() && access.status != ConversationStatus::Resolved {
        take(state, who, conversation, false).await?;
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
        sqlx::query("update conversations set unread_count = 0 where id = $1")
            .bind(conversation)
            .execute(&state.pool)
            .await?;
    }
    Ok(sent)
}

/// Assigns to `agent` inside `tx`, recording `kind`. Returns the event id and who had it.
#[allow(clippy::too_many_arguments)]
async fn set_assignee(
    tx: &mut PgConnection,
    who: &Authorised,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
    kind: ConversationEventKind,
    note: Option<&str>,
) -> Result<(i64, Option<UserId>), AppError> {
    let previous: Option<(Option<UserId>, Option<TeamId>, ConversationStatus)> = sqlx::query_as(
        "select assignee_id, team_id, status from conversations where id = $1 for update",
    )
    .bind(conversation)
    .fetch_optional(&mut *tx)
    .await?;
    let (previous, previous_team, status) = previous.ok_or(AppError::NotFound)?;
    if status == ConversationStatus::Resolved {
        return Err(AppError::ConversationResolved);
    }
    let team = team.or(previous_team);
    sqlx::query(
        "update conversations set assignee_id = $2, team_id = $3,
             status = case when $2::uuid is null then 'waiting'::conversation_status
                           else 'open'::conversation_status end,
             queued_at = case when $2::uuid is null then now() end,
             assigned_at = case when $2::uuid is null then null else now() end,
             updated_at = now()
         where id = $1",
    )
    .bind(conversation)
    .bind(agent)
    .bind(team)
    .execute(&mut *tx)
    .await?;
    if let Some(agent) = agent {
        sqlx::query("update users set last_assigned_at = now() where id = $1")
            .bind(agent)
            .execute(&mut *tx)
            .await?;
    }
    let event = record_event(
        tx,
        conversation,
        kind,
        Author::Agent,
        Some(who.user.id),
        serde_json::json!({
            "assignee_id": agent,
            "team_id": team,
            "previous_assignee_id": previous,
            "note": note,
        }),
    )
    .await?;
    Ok((event, previous))
}

/// Sets the assignee and team in one transaction, then tells the browsers concerned.
async fn reassign(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    team: Option<TeamId>,
    agent: Option<UserId>,
    kind: ConversationEventKind,
    note: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let (event, previous) =
        set_assignee(&mut tx, who, conversation, team, agent, kind, note).await?;
    tx.commit().await?;
    changed(state, conversation, event, kind, previous).await;
    Ok(())
}

/// "Assumir": the viewer takes the conversation.
pub async fn take(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    check_access: bool,
) -> Result<(), AppError> {
    if check_access {
        access(state, who, conversation).await?;
    }
    reassign(
        state,
        who,
        conversation,
        None,
        Some(who.user.id),
        ConversationEventKind::Assigned,
        None,
    )
    .await
}

async fn active_user(state: &AppState, id: UserId) -> Result<(), AppError> {
    let ok: bool =
        sqlx::query_scalar("select exists (select 1 from users where id = $1 and active)")
            .bind(id)
            .fetch_one(&state.pool)
            .await?;
    if ok {
        Ok(())
    } else {
        Err(AppError::Refused("Este atendente não está ativo.".into()))
    }
}

/// Assigns to another agent (supervisors and administrators).
pub async fn assign(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    agent: UserId,
) -> Result<(), AppError> {
    access(state, who, conversation).await?;
    active_user(state, agent).await?;
    reassign(
        state,
        who,
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
) -> Result<(), AppError> {
    access(state, who, input.conversation).await?;
    let note = optional_text(
        input.note.as_deref(),
        1000,
        "A nota de transferência aceita até 1000 caracteres.",
    )?;
    if input.team.is_none() && input.agent.is_none() {
        return Err(AppError::Refused(
            "Escolha uma equipe ou um atendente.".into(),
        ));
    }
    if let Some(team) = input.team {
        db::teams::find_name(&state.pool, team)
            .await?
            .ok_or_else(|| AppError::Refused("Equipe não encontrada.".into()))?;
    }
    if let Some(agent) = input.agent {
        active_user(state, agent).await?;
    }
    reassign(
        state,
        who,
        input.conversation,
        input.team,
        input.agent,
        ConversationEventKind::Transferred,
        note,
    )
    .await?;
    if input.agent.is_none() {
        distribution::distribute_soon(state);
    }
    Ok(())
}

pub async fn resolve(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<(), AppError> {
    let a = access(state, who, conversation).await?;
    if a.status == ConversationStatus::Resolved {
        return Ok(());
    }
    let mut tx = state.pool.begin().await?;
    let Some(event) = messaging::resolve_in(
        &mut tx,
        conversation,
        None,
        Author::Agent,
        Some(who.user.id),
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
    distribution::distribute_soon(state);
    Ok(())
}

pub async fn reopen(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<(), AppError> {
    let a = access(state, who, conversation).await?;
    if a.status != ConversationStatus::Resolved {
        return Ok(());
    }
    let mut tx = state.pool.begin().await?;
    let reopened = sqlx::query(
        "update conversations set status = 'open', assignee_id = $2, resolved_at = null,
             assigned_at = now(), updated_at = now()
         where id = $1 and status = 'resolved'
           and not exists (select 1 from conversations o where o.contact_id = $3
                           and o.channel_id = $4 and o.status <> 'resolved')",
    )
    .bind(conversation)
    .bind(who.user.id)
    .bind(a.contact_id)
    .bind(a.channel_id)
    .execute(&mut *tx)
    .await?;
    if reopened.rows_affected() == 0 {
        return Err(AppError::Refused(
            "O cliente já tem outra conversa aberta neste canal: continue por ela.".into(),
        ));
    }
    let event = record_event(
        &mut tx,
        conversation,
        ConversationEventKind::Reopened,
        Author::Agent,
        Some(who.user.id),
        serde_json::json!({"assignee_id": who.user.id}),
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

/// Continues the conversation on another of the contact's channels: finds or opens the
/// contact's conversation there, assigned to the viewer in the same team. On WhatsApp, a contact
/// with a phone number but no identity yet gets one from the number.
pub async fn continue_on(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    channel: ChannelId,
) -> Result<ConversationId, AppError> {
    let a = access(state, who, conversation).await?;
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let target = channels
        .iter()
        .find(|c| c.id == channel && c.active)
        .ok_or_else(|| AppError::Refused("Canal indisponível.".into()))?;
    let mut tx = state.pool.begin().await?;
    let identity: Option<String> = sqlx::query_scalar(
        "select external_id from contact_identities where contact_id = $1 and channel_id = $2
         limit 1",
    )
    .bind(a.contact_id)
    .bind(channel)
    .fetch_optional(&mut *tx)
    .await?;
    if identity.is_none() {
        let phone: Option<String> = sqlx::query_scalar("select phone from contacts where id = $1")
            .bind(a.contact_id)
            .fetch_one(&mut *tx)
            .await?;
        match (target.kind, phone) {
            (ChannelKind::Whatsapp, Some(phone)) => {
                let wa_id = phone.trim_start_matches('+').to_owned();
                sqlx::query(
                    "insert into contact_identities (id, contact_id, channel_id, external_id)
                     values ($1, $2, $3, $4) on conflict (channel_id, external_id) do nothing",
                )
                .bind(Uuid::new_v4())
                .bind(a.contact_id)
                .bind(channel)
                .bind(&wa_id)
                .execute(&mut *tx)
                .await?;
                let owner: ContactId = sqlx::query_scalar(
                    "select contact_id from contact_identities
                     where channel_id = $1 and external_id = $2",
                )
                .bind(channel)
                .bind(&wa_id)
                .fetch_one(&mut *tx)
                .await?;
                if owner != a.contact_id {
                    return Err(AppError::Refused(
                        "Este número de WhatsApp pertence a outro contato: mescle os contatos antes."
                            .into(),
                    ));
                }
            }
            _ => {
                return Err(AppError::Refused(
                    "O contato não tem identificação neste canal.".into(),
                ))
            }
        }
    }
    let existing: Option<ConversationId> = sqlx::query_scalar(
        "select id from conversations where contact_id = $1 and channel_id = $2
         and status <> 'resolved' for update",
    )
    .bind(a.contact_id)
    .bind(channel)
    .fetch_optional(&mut *tx)
    .await?;
    let target_conversation = match existing {
        Some(id) => id,
        None => {
            let id = ConversationId(Uuid::new_v4());
            sqlx::query(
                "insert into conversations (id, contact_id, channel_id, team_id, assignee_id,
                     status, assigned_at, last_message_at)
                 values ($1, $2, $3, $4, $5, 'open', now(), now())",
            )
            .bind(id)
            .bind(a.contact_id)
            .bind(channel)
            .bind(a.team_id)
            .bind(who.user.id)
            .execute(&mut *tx)
            .await?;
            record_event(
                &mut tx,
                id,
                ConversationEventKind::Created,
                Author::Agent,
                Some(who.user.id),
                serde_json::json!({"channel_id": channel, "from_conversation": conversation}),
            )
            .await?;
            id
        }
    };
    let label = format!("{} ({})", target.kind.label(), target.name);
    let event = record_event(
        &mut tx,
        conversation,
        ConversationEventKind::Moved,
        Author::Agent,
        Some(who.user.id),
        serde_json::json!({"to_conversation": target_conversation, "channel_id": channel,
                           "channel_label": label}),
    )
    .await?;
    tx.commit().await?;
    changed(
        state,
        conversation,
        event,
        ConversationEventKind::Moved,
        None,
    )
    .await;
    distribution::conversation_changed(state, target_conversation, None).await;
    Ok(target_conversation)
}

/// Shows a contact's CPF in full to who sees it masked, and logs that they did.
pub async fn reveal_cpf(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
) -> Result<String, AppError> {
    let a = access(state, who, conversation).await?;
    let (name, cpf): (Option<String>, Option<String>) =
        sqlx::query_as("select name, cpf from contacts where id = $1")
            .bind(a.contact_id)
            .fetch_one(&state.pool)
            .await?;
    let cpf = cpf.ok_or(AppError::NotFound)?;
    NewAuditEntry::new(AuditAction::CpfRevealed)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Contato {} ({}), conversa {}",
            name.unwrap_or_else(|| "sem nome".into()),
            a.contact_id,
            conversation
        ))
        .record(&state.pool)
        .await?;
    Ok(format_cpf(&cpf))
}

/// Edits the contact from the side panel.
pub async fn update_contact(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    mut input: ContactInput,
) -> Result<ContactPanel, AppError> {
    let a = access(state, who, conversation).await?;
    // A masked CPF comes back as it was shown: keep the stored one.
    if input.cpf.as_deref().is_some_and(|c| c.contains('*'))
        || (!who.user.can(Permission::ViewFullCpf) && input.cpf.is_some())
    {
        input.cpf = None;
    }
    super::contacts::update(state, a.contact_id, &input).await?;
    contact_panel(state, who, a.contact_id).await
}

// ---- Agents, teams and availability --------------------------------------------------------

pub async fn agents(state: &AppState) -> Result<Vec<AgentOption>, AppError> {
    let rows: Vec<(UserId, String, Availability, i64, i32, Vec<TeamId>)> = sqlx::query_as(
        "select u.id, u.name, u.availability,
             (select count(*) from conversations c where c.assignee_id = u.id and c.status = 'open'),
             u.capacity,
             coalesce(array_agg(m.team_id) filter (where m.team_id is not null), '{}')
         from users u left join team_members m on m.user_id = u.id
         where u.active group by u.id order by u.name",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, availability, load, capacity, teams)| AgentOption {
                id,
                name,
                availability,
                load,
                capacity,
                teams,
            },
        )
        .collect())
}

pub async fn teams(state: &AppState) -> Result<Vec<TeamOption>, AppError> {
    let rows: Vec<(TeamId, String, bool, i64)> = sqlx::query_as(
        "select t.id, t.name::text, t.auto_assign,
             (select count(*) from conversations c where c.team_id = t.id
                and c.status = 'waiting' and c.assignee_id is null)
         from teams t order by t.name",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, auto_assign, waiting)| TeamOption {
            id,
            name,
            auto_assign,
            waiting,
        })
        .collect())
}

/// Turns a team's automatic distribution on or off; a supervisor only for teams they supervise.
pub async fn set_auto_assign(
    state: &AppState,
    who: &Authorised,
    team: TeamId,
    on: bool,
) -> Result<(), AppError> {
    if !who.user.can(Permission::ManageAllTeams)
        && !db::teams::is_supervisor_of(&state.pool, team, who.user.id).await?
    {
        return Err(AppError::Forbidden);
    }
    let name = db::teams::find_name(&state.pool, team)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    sqlx::query("update teams set auto_assign = $2, updated_at = now() where id = $1")
        .bind(team)
        .bind(on)
        .execute(&mut *tx)
        .await?;
    NewAuditEntry::new(AuditAction::TeamChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Distribuição automática da equipe {name}: {}",
            if on { "ligada" } else { "desligada" }
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    if on {
        distribution::distribute_soon(state);
    }
    Ok(())
}

/// An availability change may free capacity (online) or start the offline grace period.
pub fn availability_changed(state: &AppState) {
    distribution::distribute_soon(state);
}

// ---- Canned responses ---------------------------------------------------------------------

pub async fn canned(state: &AppState) -> Result<Vec<CannedResponse>, AppError> {
    let rows: Vec<(Uuid, String, String, String)> =
        sqlx::query_as("select id, shortcut, title, body from canned_responses order by shortcut")
            .fetch_all(&state.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, shortcut, title, body)| CannedResponse {
            id,
            shortcut,
            title,
            body,
        })
        .collect())
}

pub async fn save_canned(
    state: &AppState,
    who: &Authorised,
    input: &CannedResponse,
) -> Result<(), AppError> {
    let shortcut = input.shortcut.trim().trim_start_matches('/').to_lowercase();
    let valid = !shortcut.is_empty()
        && shortcut.len() <= 32
        && shortcut
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        return Err(AppError::Refused(
            "O atalho deve ter de 1 a 32 letras sem acento, números, - ou _.".into(),
        ));
    }
    let title = input.title.trim();
    let body = input.body.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(AppError::Refused(
            "Informe um título de até 80 caracteres.".into(),
        ));
    }
    if body.is_empty() || body.chars().count() > 4096 {
        return Err(AppError::Refused(
            "Informe um texto de até 4096 caracteres.".into(),
        ));
    }
    let id = if input.id.is_nil() {
        Uuid::new_v4()
    } else {
        input.id
    };
    let mut tx = state.pool.begin().await?;
    let result = sqlx::query(
        "insert into canned_responses (id, shortcut, title, body, created_by)
         values ($1, $2, $3, $4, $5)
         on conflict (id) do update set shortcut = excluded.shortcut, title = excluded.title,
             body = excluded.body, updated_at = now()",
    )
    .bind(id)
    .bind(&shortcut)
    .bind(title)
    .bind(body)
    .bind(who.user.id)
    .execute(&mut *tx)
    .await;
    match result {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Err(AppError::Refused(format!(
                "Já existe uma resposta com o atalho /{shortcut}."
            )))
        }
        other => {
            other?;
        }
    }
    NewAuditEntry::new(AuditAction::CannedResponseChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!("/{shortcut} salva"))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_canned(state: &AppState, who: &Authorised, id: Uuid) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let shortcut: Option<String> =
        sqlx::query_scalar("delete from canned_responses where id = $1 returning shortcut")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let shortcut = shortcut.ok_or(AppError::NotFound)?;
    NewAuditEntry::new(AuditAction::CannedResponseChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!("/{shortcut} removida"))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---- WhatsApp templates -------------------------------------------------------------------

/// Reads the channel's templates from Meta (`GET /{waba-id}/message_templates`) and stores them.
pub async fn sync_templates(state: &AppState, channel: ChannelId) -> Result<usize, AppError> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let ch = channels
        .iter()
        .find(|c| c.id == channel && c.kind == ChannelKind::Whatsapp)
        .ok_or(AppError::NotFound)?;
    let waba = ch
        .settings
        .business_account_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::Refused("Informe o ID da conta do WhatsApp Business no canal.".into())
        })?;
    let token = ch
        .access_token()
        .ok_or_else(|| AppError::Refused("Canal sem token de acesso configurado.".into()))?;
    let response = state
        .graph
        .get(
            &format!("{waba}/message_templates?fields=name,language,status,category,components&limit=200"),
            token,
        )
        .await
        .map_err(|e| AppError::Refused(format!("A Meta recusou a consulta: {}", e.describe())))?;
    let items = response
        .get("data")
        .and_then(|d| d.as_array())
        .cloned()
        .unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let mut stored = 0;
    for t in &items {
        let (Some(name), Some(language)) = (
            t.get("name").and_then(|v| v.as_str()),
            t.get("language").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let components = t.get("components").cloned().unwrap_or_default();
        let body = components
            .as_array()
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("type").and_then(|v| v.as_str()) == Some("BODY"))
            })
            .and_then(|c| c.get("text"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let parameter_count = placeholder_count(&body);
        sqlx::query(
            "insert into message_templates (id, channel_id, name, language, category, status, body,
                 parameter_count, components)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (channel_id, name, language) do update set category = excluded.category,
                 status = excluded.status, body = excluded.body,
                 parameter_count = excluded.parameter_count, components = excluded.components,
                 synced_at = now()",
        )
        .bind(Uuid::new_v4())
        .bind(channel)
        .bind(name)
        .bind(language)
        .bind(
            t.get("category")
                .and_then(|v| v.as_str())
                .unwrap_or("UTILITY"),
        )
        .bind(
            t.get("status")
                .and_then(|v| v.as_str())
                .unwrap_or("PENDING"),
        )
        .bind(&body)
        .bind(parameter_count as i32)
        .bind(&components)
        .execute(&mut *tx)
        .await?;
        stored += 1;
    }
    tx.commit().await?;
    Ok(stored)
}

/// The highest `{{n}}` in a template body.
pub fn placeholder_count(body: &str) -> u32 {
    let mut max = 0;
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find("}}") {
            if let Ok(n) = rest[..end].trim().parse::<u32>() {
                max = max.max(n);
            }
            rest = &rest[end + 2..];
        } else {
            break;
        }
    }
    max
}

/// Builds the template send with the composer's parameter values.
pub fn template_outbound(template: &TemplateView, values: &[String]) -> Result<Outbound, AppError> {
    if values.len() != template.parameter_count as usize
        || values.iter().any(|v| v.trim().is_empty())
    {
        return Err(AppError::Refused(format!(
            "Preencha os {} parâmetros do modelo.",
            template.parameter_count
        )));
    }
    let components = if values.is_empty() {
        Vec::new()
    } else {
        vec![shared::messaging::TemplateComponent {
            kind: "body".into(),
            sub_type: None,
            index: None,
            parameters: values
                .iter()
                .map(|v| shared::messaging::TemplateParameter::Text {
                    text: v.trim().to_owned(),
                })
                .collect(),
        }]
    };
    Ok(Outbound::Template {
        name: template.name.clone(),
        language: template.language.clone(),
        components,
    })
}

/// Sends an approved template with its parameters.
pub async fn send_template(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    name: &str,
    language: &str,
    values: &[String],
) -> Result<MessageView, AppError> {
    let a = access(state, who, conversation).await?;
    let template = approved_templates(state, a.channel_id)
        .await?
        .into_iter()
        .find(|t| t.name == name && t.language == language)
        .ok_or_else(|| AppError::Refused("Modelo não encontrado ou não aprovado.".into()))?;
    let outbound = template_outbound(&template, values)?;
    send(state, who, conversation, outbound, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_follows_assignment_and_teams() {
        let me = UserId(Uuid::new_v4());
        let other = UserId(Uuid::new_v4());
        let mine = TeamId(Uuid::new_v4());
        let theirs = TeamId(Uuid::new_v4());
        assert!(visible(false, me, &[mine], Some(theirs), Some(me)));
        assert!(visible(false, me, &[mine], Some(mine), Some(other)));
        assert!(!visible(false, me, &[mine], Some(theirs), Some(other)));
        assert!(!visible(false, me, &[mine], Some(theirs), None));
        assert!(visible(false, me, &[], None, None));
        assert!(!visible(false, me, &[], None, Some(other)));
        assert!(visible(true, me, &[], Some(theirs), Some(other)));
    }

    #[test]
    fn search_digits_only_for_numbers() {
        assert_eq!(search_digits("111.111.111-11"), Some("11111111111".into()));
        assert_eq!(search_digits("+55 11 98765"), Some("551198765".into()));
        assert_eq!(search_digits("fatura 2024"), None);
        assert_eq!(search_digits("123"), None);
    }

    #[test]
    fn placeholders_are_counted() {
        assert_eq!(placeholder_count("Olá {{1}}, fatura {{2}} vence {{3}}"), 3);
        assert_eq!(placeholder_count("Sem parâmetros"), 0);
        assert_eq!(placeholder_count("{{2}} antes de {{1}}"), 2);
    }
}
