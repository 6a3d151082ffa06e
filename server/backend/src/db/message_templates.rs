//! The WhatsApp message templates (HSM) of each channel, as Meta last reported them (a sync,
//! a status webhook) or as created here and waiting for Meta's review.

use super::sql::{query, query_as};
use crate::error::Result;
use serde_json::Value;
use shared::{ChannelId, UserId};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A template as Meta reports it (or as created here).
pub struct Synced<'a> {
    pub channel: ChannelId,
    pub meta_id: Option<&'a str>,
    pub name: &'a str,
    pub language: &'a str,
    pub category: &'a str,
    pub status: &'a str,
    pub quality: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The body text with its `{{1}}`… placeholders, and the number of them.
    pub body: &'a str,
    pub parameter_count: i32,
    pub components: &'a Value,
    pub created_by: Option<UserId>,
}

/// Stores a template: new, or refreshing the one of the channel with its name and language.
/// Its id.
pub async fn upsert(db: impl PgExecutor<'_>, template: Synced<'_>) -> Result<Uuid> {
    Ok(super::sql::query_scalar(UPSERT)
        .bind(Uuid::new_v4())
        .bind(template.channel)
        .bind(template.name)
        .bind(template.language)
        .bind(template.category)
        .bind(template.status)
        .bind(template.body)
        .bind(template.parameter_count)
        .bind(template.components)
        .bind(template.meta_id)
        .bind(template.quality)
        .bind(template.reason)
        .bind(template.created_by)
        .fetch_one(db)
        .await?)
}

/// The channel's approved templates as (name, language, category, body, parameter count),
/// by name and language.
pub async fn approved(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
) -> Result<Vec<(String, String, String, String, i32)>> {
    Ok(query_as(APPROVED).bind(channel).fetch_all(db).await?)
}

/// One template as the Modelos page and the REST API show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub channel_id: ChannelId,
    pub meta_id: Option<String>,
    pub name: String,
    pub language: String,
    pub category: String,
    pub status: String,
    pub quality: String,
    pub reason: Option<String>,
    pub components: Value,
    /// What its quick replies do ([`shared::sent_template::ButtonAction`]s).
    pub button_actions: Value,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The channel's templates (every channel's, when none), by name and language.
pub async fn list(db: impl PgExecutor<'_>, channel: Option<ChannelId>) -> Result<Vec<TemplateRow>> {
    Ok(query_as(LIST).bind(channel).fetch_all(db).await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<TemplateRow>> {
    Ok(query_as(FIND).bind(id).fetch_optional(db).await?)
}

/// Sets what the template's quick replies do: `false` when there is no such template.
pub async fn set_button_actions(
    db: impl PgExecutor<'_>,
    id: Uuid,
    actions: &Value,
) -> Result<bool> {
    Ok(query(SET_BUTTON_ACTIONS)
        .bind(id)
        .bind(actions)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// The approved template of the channel with this name and language, as a send needs it:
/// Meta's components and the buttons' actions.
pub async fn send_shape(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    name: &str,
    language: &str,
) -> Result<Option<(Value, Value)>> {
    Ok(query_as(SEND_SHAPE)
        .bind(channel)
        .bind(name)
        .bind(language)
        .fetch_optional(db)
        .await?)
}

/// Marks the template deleted: it leaves every list and picker, and the campaigns that used it
/// keep their history (the row stays, as their reference).
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    Ok(query(DELETE).bind(id).execute(db).await?.rows_affected() > 0)
}

/// Marks deleted the channel's templates Meta no longer lists (deleted in WhatsApp Manager):
/// how many.
pub async fn forget_missing(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    listed: &[(String, String)],
) -> Result<u64> {
    let (names, languages): (Vec<&str>, Vec<&str>) =
        listed.iter().map(|(n, l)| (n.as_str(), l.as_str())).unzip();
    Ok(query(FORGET_MISSING)
        .bind(channel)
        .bind(&names)
        .bind(&languages)
        .execute(db)
        .await?
        .rows_affected())
}

/// What a template webhook changes; `None` leaves a column as it is.
pub struct Update<'a> {
    pub meta_id: &'a str,
    pub name: &'a str,
    /// In REST's form (`pt_BR`).
    pub language: &'a str,
    pub status: Option<&'a str>,
    pub quality: Option<&'a str>,
    pub category: Option<&'a str>,
    /// Set with a status change (cleared when the new status has none).
    pub reason: Option<&'a str>,
}

/// Applies a webhook to the template of these channels (the business account's) with Meta's
/// id, or its name and language: the ids of the templates changed.
pub async fn apply(
    db: impl PgExecutor<'_>,
    channels: &[ChannelId],
    update: Update<'_>,
) -> Result<Vec<Uuid>> {
    Ok(super::sql::query_scalar(APPLY)
        .bind(channels.iter().map(|c| c.0).collect::<Vec<_>>())
        .bind(update.meta_id)
        .bind(update.name)
        .bind(update.language)
        .bind(update.status)
        .bind(update.quality)
        .bind(update.category)
        .bind(update.reason)
        .fetch_all(db)
        .await?)
}

super::sql::statements! {
    APPROVED = "select name, language, category, body, parameter_count from message_templates
         where channel_id = $1 and status = 'APPROVED' order by name, language";
    UPSERT = "insert into message_templates (id, channel_id, name, language, category, status, body,
                 parameter_count, components, meta_id, quality, reason, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, 'UNKNOWN'), $12, $13)
             on conflict (channel_id, name, language) do update set category = excluded.category,
                 status = excluded.status, body = excluded.body,
                 parameter_count = excluded.parameter_count, components = excluded.components,
                 meta_id = coalesce(excluded.meta_id, message_templates.meta_id),
                 quality = coalesce($11, message_templates.quality),
                 reason = excluded.reason,
                 created_by = coalesce(message_templates.created_by, excluded.created_by),
                 synced_at = now(), updated_at = now()
             returning id";
    LIST = "select id, channel_id, meta_id, name, language, category, status, quality, reason,
                components, button_actions, updated_at
         from message_templates where ($1::uuid is null or channel_id = $1) and status <> 'DELETED'
         order by name, language";
    FIND = "select id, channel_id, meta_id, name, language, category, status, quality, reason,
                components, button_actions, updated_at
         from message_templates where id = $1";
    DELETE = "update message_templates set status = 'DELETED', button_actions = '[]',
             updated_at = now()
         where id = $1 and status <> 'DELETED'";
    SET_BUTTON_ACTIONS = "update message_templates set button_actions = $2, updated_at = now()
         where id = $1 and status <> 'DELETED'";
    SEND_SHAPE = "select components, button_actions from message_templates
         where channel_id = $1 and name = $2 and language = $3 and status = 'APPROVED'";
    FORGET_MISSING = "update message_templates t set status = 'DELETED', updated_at = now()
         where t.channel_id = $1 and t.status <> 'DELETED' and not exists (
             select 1 from unnest($2::text[], $3::text[]) as u(name, language)
             where u.name = t.name and u.language = t.language)";
    APPLY = "update message_templates set
             meta_id = $2,
             status = coalesce($5, status),
             quality = coalesce($6, quality),
             category = coalesce($7, category),
             reason = case when $5::text is null then reason else $8 end,
             updated_at = now()
         where channel_id = any($1) and (meta_id = $2 or (name = $3 and language = $4))
         returning id";
}
