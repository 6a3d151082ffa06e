//! The contacts repository: contacts, their identities on channels (the id each channel knows
//! them by), the contact's conversation on a channel, and merging one contact into another.

use super::sql::{query, query_as, query_scalar, TypedQuery};
use crate::error::Result;
use chrono::{DateTime, Utc};
use shared::campaign::segment::ContactFilter;
use shared::messaging::ChannelKind;
use shared::{ChannelId, ContactId, ConversationId};
use sqlx::{PgConnection, PgExecutor};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The contact's identity on a conversation's channel (the oldest one), for a conversation `c`:
/// where a message to the customer goes.
macro_rules! recipient {
    () => {
        "(select ci.external_id from contact_identities ci \
     where ci.contact_id = c.contact_id and ci.channel_id = c.channel_id \
     order by ci.created_at limit 1)"
    };
}
pub(crate) use recipient;

/// A contact as integrations read it, without its identities ([`identities_of`]).
#[derive(sqlx::FromRow)]
pub struct ContactRow {
    pub id: ContactId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub cpf: Option<String>,
    pub attributes: sqlx::types::Json<BTreeMap<String, String>>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! contact_columns {
    () => {
        "id, name, phone, email::text as email, cpf, attributes, tags, created_at, updated_at"
    };
}

/// A field after validation: `None` keeps, `Some(None)` clears, `Some(Some(v))` sets.
pub type Change = Option<Option<String>>;

/// A contact's fields as an integration or an agent gives them (checked).
pub struct Fields {
    pub name: Change,
    pub phone: Change,
    pub email: Change,
    pub cpf: Change,
    pub attributes: Option<BTreeMap<String, String>>,
    /// Normalised (`shared::campaign::segment::normalize_tags`); `None` keeps them.
    pub tags: Option<Vec<String>>,
}

/// An identity as a contact's card lists it: (contact, channel, channel kind, external id).
pub type IdentityRow = (ContactId, ChannelId, ChannelKind, String);

/// The contact behind a channel identity, with its unresolved conversation on that channel
/// (locked), if any.
pub async fn identity_with_active(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    external_id: &str,
) -> Result<Option<(ContactId, Option<ConversationId>)>> {
    Ok(query_as(IDENTITY_WITH_ACTIVE)
        .bind(channel)
        .bind(external_id)
        .fetch_optional(db)
        .await?)
}

/// The contact that owns a channel identity (which must exist).
pub async fn identity_owner(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    external_id: &str,
) -> Result<ContactId> {
    Ok(query_scalar(IDENTITY_OWNER)
        .bind(channel)
        .bind(external_id)
        .fetch_one(db)
        .await?)
}

/// The oldest contact (not merged away) with this phone number.
pub async fn find_by_phone(db: impl PgExecutor<'_>, phone: &str) -> Result<Option<ContactId>> {
    Ok(query_scalar(FIND_BY_PHONE)
        .bind(phone)
        .fetch_optional(db)
        .await?)
}

/// A contact first met on a channel: what the channel tells of them, if anything.
pub async fn insert_for_sender(
    db: impl PgExecutor<'_>,
    id: ContactId,
    name: Option<&str>,
    phone: Option<&str>,
) -> Result<()> {
    query(INSERT_FOR_SENDER)
        .bind(id)
        .bind(name)
        .bind(phone)
        .execute(db)
        .await?;
    Ok(())
}

/// The contact's identity on the channel (their oldest there), if they have one.
pub async fn identity_on(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    channel: ChannelId,
) -> Result<Option<String>> {
    Ok(query_scalar(IDENTITY_ON)
        .bind(contact)
        .bind(channel)
        .fetch_optional(db)
        .await?)
}

/// The contact's phone number, if known.
pub async fn phone(db: impl PgExecutor<'_>, contact: ContactId) -> Result<Option<String>> {
    Ok(query_scalar(PHONE).bind(contact).fetch_one(db).await?)
}

/// The contact of a conversation and its phone number.
pub async fn of_conversation(
    db: impl PgExecutor<'_>,
    conversation: shared::ConversationId,
) -> Result<Option<(ContactId, Option<String>)>> {
    Ok(query_as(OF_CONVERSATION)
        .bind(conversation)
        .fetch_optional(db)
        .await?)
}

/// Gives the contact an identity on a channel, unless that identity is taken (false then).
pub async fn add_identity(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    channel: ChannelId,
    external_id: &str,
) -> Result<bool> {
    let done = query(ADD_IDENTITY)
        .bind(Uuid::new_v4())
        .bind(contact)
        .bind(channel)
        .bind(external_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the contact a new identity on a channel; a taken one is a unique violation.
pub async fn insert_identity(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    channel: ChannelId,
    external_id: &str,
) -> Result<()> {
    query(INSERT_IDENTITY)
        .bind(Uuid::new_v4())
        .bind(contact)
        .bind(channel)
        .bind(external_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id: ContactId) -> Result<()> {
    query(DELETE).bind(id).execute(db).await?;
    Ok(())
}

/// The contact's unresolved conversation on the channel, locked.
pub async fn locked_active_conversation(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    channel: ChannelId,
) -> Result<Option<ConversationId>> {
    Ok(query_scalar(LOCKED_ACTIVE_CONVERSATION)
        .bind(contact)
        .bind(channel)
        .fetch_optional(db)
        .await?)
}

/// Whether the conversation is the contact's.
pub async fn owns_conversation(
    db: impl PgExecutor<'_>,
    contact: ContactId,
    conversation: ConversationId,
) -> Result<bool> {
    Ok(query_scalar(OWNS_CONVERSATION)
        .bind(conversation)
        .bind(contact)
        .fetch_one(db)
        .await?)
}

/// Sets the name and the e-mail given, keeping the others.
pub async fn set_profile(
    db: impl PgExecutor<'_>,
    id: ContactId,
    name: Option<&str>,
    email: Option<&str>,
) -> Result<()> {
    query(SET_PROFILE)
        .bind(id)
        .bind(name)
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}

/// The customer the ERP found for this conversation's contact: its name, CPF (11 digits) and
/// ERP customer id become the contact's, the ERP's facts kept as custom attributes named for
/// their source (`erp.cliente_id`, `erp.nome`, `erp.cpf`, `erp.identificado_em`). The contact's id, or `None` when nothing changed (already identified so).
pub async fn identify_from_erp(
    db: impl PgExecutor<'_>,
    conversation: ConversationId,
    name: &str,
    cpf: Option<&str>,
    erp_id: &str,
) -> Result<Option<ContactId>> {
    Ok(query_scalar(IDENTIFY_FROM_ERP)
        .bind(conversation)
        .bind(name)
        .bind(cpf)
        .bind(erp_id)
        .fetch_optional(db)
        .await?)
}

/// The contact's (name, CPF); the contact must exist.
pub async fn name_and_cpf(
    db: impl PgExecutor<'_>,
    id: ContactId,
) -> Result<(Option<String>, Option<String>)> {
    Ok(query_as(NAME_AND_CPF).bind(id).fetch_one(db).await?)
}

/// The identities of these contacts, oldest first.
pub async fn identities_of(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<Vec<IdentityRow>> {
    Ok(query_as(IDENTITIES_OF).bind(ids).fetch_all(db).await?)
}

/// Contacts (not merged away), newest first; `text` matches name or e-mail, `digits` phone or
/// the start of the CPF.
pub async fn search(
    db: impl PgExecutor<'_>,
    text: Option<&str>,
    digits: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ContactRow>> {
    Ok(query_as(SEARCH)
        .bind(text)
        .bind(digits)
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await?)
}

/// A contact not merged away.
pub async fn find(db: impl PgExecutor<'_>, id: ContactId) -> Result<Option<ContactRow>> {
    Ok(query_as(FIND).bind(id).fetch_optional(db).await?)
}

/// A new contact with the fields given (the others empty).
pub async fn insert(db: impl PgExecutor<'_>, id: ContactId, fields: Fields) -> Result<()> {
    query(INSERT)
        .bind(id)
        .bind(fields.name.flatten())
        .bind(fields.phone.flatten())
        .bind(fields.email.flatten())
        .bind(fields.cpf.flatten())
        .bind(sqlx::types::Json(fields.attributes.unwrap_or_default()))
        .bind(fields.tags.unwrap_or_default())
        .execute(db)
        .await?;
    Ok(())
}

/// Changes a contact (not merged away) as `fields` say; false when there is none.
pub async fn update(db: impl PgExecutor<'_>, id: ContactId, fields: Fields) -> Result<bool> {
    let done = query(UPDATE)
        .bind(id)
        .bind(fields.name.is_some())
        .bind(fields.name.flatten())
        .bind(fields.phone.is_some())
        .bind(fields.phone.flatten())
        .bind(fields.email.is_some())
        .bind(fields.email.flatten())
        .bind(fields.cpf.is_some())
        .bind(fields.cpf.flatten())
        .bind(fields.attributes.map(sqlx::types::Json))
        .bind(fields.tags)
        .execute(db)
        .await?;
    Ok(done.rows_affected() != 0)
}

/// A segment's contact: name, phone, e-mail, CPF and custom attributes.
pub type SegmentRow = (
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    sqlx::types::Json<BTreeMap<String, String>>,
);

/// The contacts with a phone number a campaign's contact filter picks (checked), oldest
/// first, at most `limit`.
pub async fn segment(
    db: impl PgExecutor<'_>,
    filter: &ContactFilter,
    limit: i64,
) -> Result<Vec<SegmentRow>> {
    Ok(bind_filter(query_as(SEGMENT), filter)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Adds `tag` (normalised) to the contacts with these numbers (E.164).
pub async fn add_tag_by_phone(db: impl PgExecutor<'_>, phones: &[String], tag: &str) -> Result<()> {
    query(ADD_TAG_BY_PHONE)
        .bind(phones)
        .bind(tag)
        .execute(db)
        .await?;
    Ok(())
}

/// How many contacts the filter picks: (with a phone number, without one).
pub async fn segment_counts(db: impl PgExecutor<'_>, filter: &ContactFilter) -> Result<(i64, i64)> {
    Ok(bind_filter(query_as(SEGMENT_COUNTS), filter)
        .fetch_one(db)
        .await?)
}

/// Binds a contact filter's conditions, $1 to $5 of `segment_conditions!`.
fn bind_filter<'q, O>(query: TypedQuery<'q, O>, filter: &'q ContactFilter) -> TypedQuery<'q, O> {
    query
        .bind(filter.channel_id)
        .bind(&filter.tags)
        .bind(sqlx::types::Json(&filter.attributes))
        .bind(filter.active_within_days.map(|d| d as i32))
        .bind(filter.inactive_for_days.map(|d| d as i32))
}

/// Locks both contacts (those not merged away) in a fixed order, so two opposite merges cannot
/// deadlock; the ids locked.
pub async fn lock_pair(
    db: impl PgExecutor<'_>,
    a: ContactId,
    b: ContactId,
) -> Result<Vec<ContactId>> {
    Ok(query_scalar(LOCK_PAIR)
        .bind(a)
        .bind(b)
        .fetch_all(db)
        .await?)
}

/// The source's unresolved conversations on channels where the target has one too, locked.
pub async fn clashing_conversations(
    db: impl PgExecutor<'_>,
    source: ContactId,
    target: ContactId,
) -> Result<Vec<ConversationId>> {
    Ok(query_scalar(CLASHING_CONVERSATIONS)
        .bind(source)
        .bind(target)
        .fetch_all(db)
        .await?)
}

/// Moves the source's identities, conversations and webchat visitors to the target, fills the
/// target's empty fields from the source and leaves the source pointing at the target.
pub async fn merge_into(tx: &mut PgConnection, source: ContactId, target: ContactId) -> Result<()> {
    for sql in [
        MOVE_IDENTITIES,
        MOVE_CONVERSATIONS,
        MOVE_WEBCHAT_VISITORS,
        FILL_FROM_SOURCE,
        MARK_MERGED,
    ] {
        query(sql)
            .bind(source)
            .bind(target)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// A contact filter's conditions on `contacts c`: $1 channel, $2 tags, $3 attributes, $4
/// active within days, $5 inactive for days (`shared::campaign::segment::ContactFilter`).
macro_rules! segment_conditions {
    () => {
        "c.merged_into is null
           and ($1::uuid is null or exists (select 1 from contact_identities i
                where i.contact_id = c.id and i.channel_id = $1))
           and c.tags @> $2::text[]
           and c.attributes @> $3::jsonb
           and ($4::int is null or exists (select 1 from conversations v where v.contact_id = c.id
                and v.last_customer_message_at >= now() - make_interval(days => $4)))
           and ($5::int is null or not exists (select 1 from conversations v
                where v.contact_id = c.id
                  and v.last_customer_message_at > now() - make_interval(days => $5)))"
    };
}

super::sql::statements! {
    SEGMENT = concat!(
        "select c.name, c.phone, c.email::text, c.cpf, c.attributes from contacts c where ",
        segment_conditions!(),
        " and c.phone is not null order by c.created_at, c.id limit $6"
    );
    ADD_TAG_BY_PHONE = "update contacts set tags = tags || $2::text, updated_at = now()
         where phone = any($1) and merged_into is null and not ($2 = any(tags))";
    SEGMENT_COUNTS = concat!(
        "select count(*) filter (where c.phone is not null),
                count(*) filter (where c.phone is null) from contacts c where ",
        segment_conditions!()
    );
    IDENTITY_ON = "select external_id from contact_identities
         where contact_id = $1 and channel_id = $2 order by created_at limit 1";
    PHONE = "select phone from contacts where id = $1";
    OF_CONVERSATION = "select c.id, c.phone from conversations v join contacts c on c.id = v.contact_id
             where v.id = $1";
    IDENTITY_WITH_ACTIVE = "select contact_id, (select id from conversations
                             where contact_id = i.contact_id and channel_id = $1
                               and status <> 'resolved' for update) as active
         from contact_identities i where channel_id = $1 and external_id = $2";
    IDENTITY_OWNER =
        "select contact_id from contact_identities where channel_id = $1 and external_id = $2";
    FIND_BY_PHONE = "select id from contacts where phone = $1 and merged_into is null
                 order by created_at limit 1";
    INSERT_FOR_SENDER = "insert into contacts (id, name, phone) values ($1, $2, $3)";
    ADD_IDENTITY = "insert into contact_identities (id, contact_id, channel_id, external_id)
         values ($1, $2, $3, $4) on conflict (channel_id, external_id) do nothing";
    INSERT_IDENTITY = "insert into contact_identities (id, contact_id, channel_id, external_id)
         values ($1, $2, $3, $4)";
    DELETE = "delete from contacts where id = $1";
    LOCKED_ACTIVE_CONVERSATION = "select id from conversations
         where contact_id = $1 and channel_id = $2 and status <> 'resolved' for update";
    OWNS_CONVERSATION =
        "select exists (select 1 from conversations where id = $1 and contact_id = $2)";
    SET_PROFILE = "update contacts set name = coalesce($2, name), email = coalesce($3, email),
             updated_at = now() where id = $1";
    NAME_AND_CPF = "select name, cpf from contacts where id = $1";
    IDENTIFY_FROM_ERP = "update contacts ct set name = $2, cpf = coalesce($3::text, ct.cpf),
             attributes = ct.attributes || jsonb_strip_nulls(jsonb_build_object(
                 'erp.cliente_id', $4::text, 'erp.nome', $2::text, 'erp.cpf', $3::text,
                 'erp.identificado_em', to_char(now() at time zone 'America/Sao_Paulo',
                                                'DD/MM/YYYY HH24:MI'))),
             updated_at = now()
         from conversations c
         where c.id = $1 and ct.id = c.contact_id
           and (ct.name is distinct from $2 or ct.cpf is distinct from coalesce($3::text, ct.cpf)
                or ct.attributes->>'erp.cliente_id' is distinct from $4::text)
         returning ct.id";
    IDENTITIES_OF = "select i.contact_id, i.channel_id, ch.kind, i.external_id
         from contact_identities i join channels ch on ch.id = i.channel_id
         where i.contact_id = any($1) order by i.created_at";
    SEARCH = concat!("select ", contact_columns!(), " from contacts
         where merged_into is null
           and ($1::text is null or name ilike '%' || $1 || '%' or email::text ilike '%' || $1 || '%'
                or ($2::text is not null and (phone like '%' || $2 || '%' or cpf like $2 || '%')))
         order by created_at desc, id limit $3 offset $4");
    FIND = concat!(
        "select ",
        contact_columns!(),
        " from contacts where id = $1 and merged_into is null"
    );
    INSERT = "insert into contacts (id, name, phone, email, cpf, attributes, tags)
         values ($1, $2, $3, $4, $5, $6, $7)";
    UPDATE = "update contacts set
             name = case when $2 then $3 else name end,
             phone = case when $4 then $5 else phone end,
             email = case when $6 then $7 else email end,
             cpf = case when $8 then $9 else cpf end,
             attributes = coalesce($10, attributes),
             tags = coalesce($11, tags),
             updated_at = now()
         where id = $1 and merged_into is null";
    LOCK_PAIR = "select id from contacts where id in ($1, $2) and merged_into is null
         order by id for update";
    CLASHING_CONVERSATIONS = "select s.id from conversations s
         where s.contact_id = $1 and s.status <> 'resolved'
           and exists (select 1 from conversations t where t.contact_id = $2
                       and t.channel_id = s.channel_id and t.status <> 'resolved')
         order by s.id for update";
    MOVE_IDENTITIES = "update contact_identities set contact_id = $2 where contact_id = $1";
    MOVE_CONVERSATIONS = "update conversations set contact_id = $2 where contact_id = $1";
    MOVE_WEBCHAT_VISITORS = "update webchat_visitors set contact_id = $2 where contact_id = $1";
    FILL_FROM_SOURCE = "update contacts t set name = coalesce(t.name, s.name), phone = coalesce(t.phone, s.phone),
             email = coalesce(t.email, s.email), cpf = coalesce(t.cpf, s.cpf),
             attributes = s.attributes || t.attributes,
             tags = (array(select distinct unnest(t.tags || s.tags) order by 1))[1:20],
             updated_at = now()
         from contacts s where s.id = $1 and t.id = $2";
    MARK_MERGED = "update contacts set merged_into = $2, updated_at = now() where id = $1";
}
