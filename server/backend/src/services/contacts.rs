//! Contacts and conversations as integrations (the REST API) and, later, the inbox read them.

use crate::db::audit::NewAuditEntry;
use crate::error::{AppError, Error};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use shared::dto::{AuditAction, ContactIdentityView, ContactInput, ContactView, ConversationView};
use shared::messaging::{Author, ChannelKind, ConversationStatus};
use shared::{ChannelId, ContactId, ConversationId, Cpf, Email, PersonName, Phone, TeamId, UserId};
use sqlx::PgExecutor;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: ContactId,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    cpf: Option<String>,
    attributes: sqlx::types::Json<BTreeMap<String, String>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

macro_rules! contact_columns {
    () => {
        "id, name, phone, email::text as email, cpf, attributes, created_at, updated_at"
    };
}

async fn with_identities(
    db: impl PgExecutor<'_>,
    rows: Vec<ContactRow>,
) -> Result<Vec<ContactView>, Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let identities: Vec<(ContactId, ChannelId, ChannelKind, String)> = sqlx::query_as(
        "select i.contact_id, i.channel_id, ch.kind, i.external_id
         from contact_identities i join channels ch on ch.id = i.channel_id
         where i.contact_id = any($1) order by i.created_at",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ContactView {
            identities: identities
                .iter()
                .filter(|i| i.0 == r.id)
                .map(|i| ContactIdentityView {
                    channel_id: i.1,
                    channel_kind: i.2,
                    external_id: i.3.clone(),
                })
                .collect(),
            id: r.id,
            name: r.name,
            phone: r.phone,
            email: r.email,
            cpf: r.cpf,
            attributes: r.attributes.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Contacts, newest first; `query` matches name, phone, e-mail or CPF.
pub async fn list(
    state: &AppState,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ContactView>, Error> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let digits: Option<String> = query
        .map(|q| q.chars().filter(char::is_ascii_digit).collect())
        .filter(|d: &String| d.len() >= 4);
    let rows: Vec<ContactRow> = sqlx::query_as(concat!("select ", contact_columns!(), " from contacts
         where merged_into is null
           and ($1::text is null or name ilike '%' || $1 || '%' or email::text ilike '%' || $1 || '%'
                or ($2::text is not null and (phone like '%' || $2 || '%' or cpf like $2 || '%')))
         order by created_at desc, id limit $3 offset $4"))
    .bind(query)
    .bind(digits)
    .bind(limit.clamp(1, 200))
    .bind(offset.max(0))
    .fetch_all(&state.pool)
    .await?;
    with_identities(&state.pool, rows).await
}

pub async fn get(state: &AppState, id: ContactId) -> Result<ContactView, Error> {
    let row: Option<ContactRow> = sqlx::query_as(concat!(
        "select ",
        contact_columns!(),
        " from contacts where id = $1 and merged_into is null"
    ))
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    with_identities(&state.pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound.into())
}

/// A field after validation: `None` keeps, `Some(None)` clears, `Some(Some(v))` sets.
type Change = Option<Option<String>>;

fn parsed<T>(
    raw: &Option<String>,
    field: &str,
    parse: impl Fn(&str) -> Result<T, shared::ValueError>,
    show: impl Fn(T) -> String,
) -> Result<Change, Error> {
    match raw.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => parse(v)
            .map(|x| Some(Some(show(x))))
            .map_err(|e| AppError::invalid(field, e).into()),
    }
}

struct Validated {
    name: Change,
    phone: Change,
    email: Change,
    cpf: Change,
    attributes: Option<BTreeMap<String, String>>,
}

fn validate(input: &ContactInput) -> Result<Validated, Error> {
    if let Some(attrs) = &input.attributes {
        let bad = attrs.len() > 50
            || attrs.iter().any(|(k, v)| {
                k.trim().is_empty() || k.chars().count() > 64 || v.chars().count() > 1000
            });
        if bad {
            return Err(AppError::BadRequest.into());
        }
    }
    Ok(Validated {
        name: parsed(&input.name, "name", PersonName::parse, |n| {
            n.as_str().to_owned()
        })?,
        phone: parsed(&input.phone, "phone", Phone::parse, |p| {
            p.as_str().to_owned()
        })?,
        email: parsed(&input.email, "email", Email::parse, |e| {
            e.as_str().to_owned()
        })?,
        cpf: parsed(&input.cpf, "cpf", Cpf::parse, |c| c.as_str().to_owned())?,
        attributes: input.attributes.clone(),
    })
}

pub async fn create(state: &AppState, input: &ContactInput) -> Result<ContactView, Error> {
    let v = validate(input)?;
    let id = ContactId(Uuid::new_v4());
    sqlx::query(
        "insert into contacts (id, name, phone, email, cpf, attributes)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(v.name.flatten())
    .bind(v.phone.flatten())
    .bind(v.email.flatten())
    .bind(v.cpf.flatten())
    .bind(sqlx::types::Json(v.attributes.unwrap_or_default()))
    .execute(&state.pool)
    .await?;
    get(state, id).await
}

pub async fn update(
    state: &AppState,
    id: ContactId,
    input: &ContactInput,
) -> Result<ContactView, Error> {
    let v = validate(input)?;
    let done = sqlx::query(
        "update contacts set
             name = case when $2 then $3 else name end,
             phone = case when $4 then $5 else phone end,
             email = case when $6 then $7 else email end,
             cpf = case when $8 then $9 else cpf end,
             attributes = coalesce($10, attributes),
             updated_at = now()
         where id = $1 and merged_into is null",
    )
    .bind(id)
    .bind(v.name.is_some())
    .bind(v.name.flatten())
    .bind(v.phone.is_some())
    .bind(v.phone.flatten())
    .bind(v.email.is_some())
    .bind(v.email.flatten())
    .bind(v.cpf.is_some())
    .bind(v.cpf.flatten())
    .bind(v.attributes.map(sqlx::types::Json))
    .execute(&state.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound.into());
    }
    get(state, id).await
}

/// Moves everything of `source` (identities, conversations, webchat visitors) to `target`,
/// fills the target's empty fields from the source and keeps the source as a pointer. Where
/// both have an open conversation on the same channel, the source's is resolved first (only one
/// may be open per contact and channel).
pub async fn merge(
    state: &AppState,
    source: ContactId,
    target: ContactId,
    actor: Option<(UserId, &str)>,
) -> Result<ContactView, Error> {
    if source == target {
        return Err(AppError::BadRequest.into());
    }
    let mut tx = state.pool.begin().await?;
    // Lock both in a fixed order so two opposite merges cannot deadlock.
    let locked: Vec<ContactId> = sqlx::query_scalar(
        "select id from contacts where id in ($1, $2) and merged_into is null
         order by id for update",
    )
    .bind(source)
    .bind(target)
    .fetch_all(&mut *tx)
    .await?;
    if locked.len() != 2 {
        return Err(AppError::NotFound.into());
    }
    let clashing: Vec<ConversationId> = sqlx::query_scalar(
        "select s.id from conversations s
         where s.contact_id = $1 and s.status <> 'resolved'
           and exists (select 1 from conversations t where t.contact_id = $2
                       and t.channel_id = s.channel_id and t.status <> 'resolved')
         order by s.id for update",
    )
    .bind(source)
    .bind(target)
    .fetch_all(&mut *tx)
    .await?;
    for id in clashing {
        crate::db::conversations::resolve(
            &mut tx,
            id,
            None,
            Author::System,
            actor.map(|a| a.0),
            serde_json::json!({"reason": "contacts_merged"}),
        )
        .await?;
    }
    for sql in [
        "update contact_identities set contact_id = $2 where contact_id = $1",
        "update conversations set contact_id = $2 where contact_id = $1",
        "update webchat_visitors set contact_id = $2 where contact_id = $1",
        "update contacts t set name = coalesce(t.name, s.name), phone = coalesce(t.phone, s.phone),
             email = coalesce(t.email, s.email), cpf = coalesce(t.cpf, s.cpf),
             attributes = s.attributes || t.attributes, updated_at = now()
         from contacts s where s.id = $1 and t.id = $2",
        "update contacts set merged_into = $2, updated_at = now() where id = $1",
    ] {
        sqlx::query(sql)
            .bind(source)
            .bind(target)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("contato {source} mesclado em {target}");
    let mut entry = NewAuditEntry::new(AuditAction::ContactsMerged).detail(&detail);
    if let Some((id, label)) = actor {
        entry = entry.by(Some(id), label);
    }
    entry.record(&mut *tx).await?;
    tx.commit().await?;
    get(state, target).await
}

// ---- Conversations ------------------------------------------------------------------------

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

#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    pub channel: Option<ChannelId>,
    pub contact: Option<ContactId>,
    pub team: Option<TeamId>,
    pub assignee: Option<UserId>,
}

/// Conversations by latest activity.
pub async fn conversations(
    state: &AppState,
    filter: &ConversationFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationView>, Error> {
    let rows: Vec<ConversationRow> = sqlx::query_as(concat!(
        conversation_select!(),
        "
         where ($1::conversation_status is null or c.status = $1)
           and ($2::uuid is null or c.channel_id = $2)
           and ($3::uuid is null or c.contact_id = $3)
           and ($4::uuid is null or c.team_id = $4)
           and ($5::uuid is null or c.assignee_id = $5)
         order by c.last_message_at desc, c.id limit $6 offset $7"
    ))
    .bind(filter.status)
    .bind(filter.channel)
    .bind(filter.contact)
    .bind(filter.team)
    .bind(filter.assignee)
    .bind(limit.clamp(1, 200))
    .bind(offset.max(0))
    .fetch_all(&state.pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn conversation(state: &AppState, id: ConversationId) -> Result<ConversationView, Error> {
    let row: Option<ConversationRow> =
        sqlx::query_as(concat!(conversation_select!(), " where c.id = $1"))
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    row.map(Into::into).ok_or(AppError::NotFound.into())
}
