//! The channel errors repository: the errors a provider reported about a channel (WhatsApp's
//! `value.errors[]`), kept for whoever looks into the channel.

use super::sql::query;
use crate::error::Result;
use shared::ChannelId;
use sqlx::PgExecutor;

/// An error a provider reported about a channel.
pub struct ChannelError<'a> {
    pub channel: ChannelId,
    pub code: Option<i32>,
    pub title: Option<&'a str>,
    pub message: Option<&'a str>,
    pub details: Option<&'a str>,
}

pub async fn insert(db: impl PgExecutor<'_>, error: ChannelError<'_>) -> Result<()> {
    query(INSERT)
        .bind(error.channel)
        .bind(error.code)
        .bind(error.title)
        .bind(error.message)
        .bind(error.details)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    INSERT = "insert into channel_errors (channel_id, code, title, message, details)
         values ($1, $2, $3, $4, $5)";
}
