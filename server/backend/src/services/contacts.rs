//! Contacts and conversations as integrations (the REST API) and, later, the inbox read them.

use crate::db::audit::NewAuditEntry;
use crate::db::contacts::{self, Change, ContactRow, Fields};
use crate::db::conversation_views;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::dto::{AuditAction, ContactIdentityView, ContactInput, ContactView, ConversationView};
use shared::messaging::Author;
use shared::{ContactId, ConversationId, Cpf, Email, PersonName, Phone, Refusal, UserId};
use sqlx::PgExecutor;
use uuid::Uuid;

async fn with_identities(
    db: impl PgExecutor<'_>,
    rows: Vec<ContactRow>,
) -> Result<Vec<ContactView>, Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let identities = contacts::identities_of(db, &ids).await?;
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
            tags: r.tags,
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
    let rows = contacts::search(
        &state.pool,
        query,
        digits.as_deref(),
        limit.clamp(1, 200),
        offset.max(0),
    )
    .await?;
    with_identities(&state.pool, rows).await
}

pub async fn get(state: &AppState, id: ContactId) -> Result<ContactView, Error> {
    let row = contacts::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    with_identities(&state.pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound.into())
}

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

fn validate(input: &ContactInput) -> Result<Fields, Error> {
    if let Some(attrs) = &input.attributes {
        let bad = attrs.len() > 50
            || attrs.iter().any(|(k, v)| {
                k.trim().is_empty() || k.chars().count() > 64 || v.chars().count() > 1000
            });
        if bad {
            return Err(AppError::BadRequest.into());
        }
    }
    Ok(Fields {
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
        tags: input
            .tags
            .as_deref()
            .map(shared::campaign::segment::normalize_tags)
            .transpose()
            .map_err(|problems| AppError::Refused(Refusal::ContactTagsInvalid { problems }))?,
    })
}

pub async fn create(state: &AppState, input: &ContactInput) -> Result<ContactView, Error> {
    let v = validate(input)?;
    let id = ContactId(Uuid::new_v4());
    contacts::insert(&state.pool, id, v).await?;
    get(state, id).await
}

pub async fn update(
    state: &AppState,
    id: ContactId,
    input: &ContactInput,
) -> Result<ContactView, Error> {
    let v = validate(input)?;
    if !contacts::update(&state.pool, id, v).await? {
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
    let locked = contacts::lock_pair(&mut *tx, source, target).await?;
    if locked.len() != 2 {
        return Err(AppError::NotFound.into());
    }
    let clashing = contacts::clashing_conversations(&mut *tx, source, target).await?;
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
    contacts::merge_into(&mut tx, source, target).await?;
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

pub use crate::db::conversation_views::ConversationFilter;

/// Conversations by latest activity.
pub async fn conversations(
    state: &AppState,
    filter: &ConversationFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationView>, Error> {
    conversation_views::list(&state.pool, filter, limit.clamp(1, 200), offset.max(0)).await
}

pub async fn conversation(state: &AppState, id: ConversationId) -> Result<ConversationView, Error> {
    conversation_views::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound.into())
}
