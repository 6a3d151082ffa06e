//! The WhatsApp message templates (HSM) of each channel, as Meta last reported them.

use super::sql::{query, query_as};
use crate::error::Result;
use serde_json::Value;
use shared::ChannelId;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A template as Meta reports it.
pub struct Synced<'a> {
    pub channel: ChannelId,
    pub name: &'a str,
    pub language: &'a str,
    pub category: &'a str,
    pub status: &'a str,
    /// The body text with its `{{1}}`… placeholders, and the number of them.
    pub body: &'a str,
    pub parameter_count: i32,
    pub components: &'a Value,
}

/// Stores a synced template: new, or refreshing the one of the channel with its name and
/// language.
pub async fn upsert(db: impl PgExecutor<'_>, template: Synced<'_>) -> Result<()> {
    query(UPSERT)
        .bind(Uuid::new_v4())
        .bind(template.channel)
        .bind(template.name)
        .bind(template.language)
        .bind(template.category)
        .bind(template.status)
        .bind(template.body)
        .bind(template.parameter_count)
        .bind(template.components)
        .execute(db)
        .await?;
    Ok(())
}

/// The channel's approved templates as (name, language, category, body, parameter count),
/// by name and language.
pub async fn approved(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
) -> Result<Vec<(String, String, String, String, i32)>> {
    Ok(query_as(APPROVED).bind(channel).fetch_all(db).await?)
}

super::sql::statements! {
    APPROVED = "select name, language, category, body, parameter_count from message_templates
         where channel_id = $1 and status = 'APPROVED' order by name, language";
    UPSERT = "insert into message_templates (id, channel_id, name, language, category, status, body,
                 parameter_count, components)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (channel_id, name, language) do update set category = excluded.category,
                 status = excluded.status, body = excluded.body,
                 parameter_count = excluded.parameter_count, components = excluded.components,
                 synced_at = now()";
}
