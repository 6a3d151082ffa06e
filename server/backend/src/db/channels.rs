//! The channels repository: each channel with its settings (JSON), its secrets (sealed by the
//! caller, stored as bytes) and the flow that answers it.

use super::sql::{query, query_as, query_scalar};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use shared::dto::WebchatSettings;
use shared::messaging::ChannelKind;
use shared::{ChannelId, TeamId};
use sqlx::PgExecutor;

/// Non-secret settings, stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webchat: Option<WebchatSettings>,
    /// The demo simulator's channels (`/demonstracao`): the same pipeline, but replies are
    /// shown in the simulator instead of going to Meta.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub simulated: bool,
}

/// The unique index on a channel's kind and external id.
pub const KIND_EXTERNAL_ID_UNIQUE: &str = "channels_kind_external_id_key";

/// A channel as stored: its secrets still sealed.
#[derive(sqlx::FromRow)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub external_id: Option<String>,
    pub settings: sqlx::types::Json<ChannelSettings>,
    pub secrets: Option<Vec<u8>>,
    pub default_team_id: Option<TeamId>,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub bot_flow: Option<String>,
    /// Created while demo mode was on: it routes nothing once demo mode is off.
    pub created_in_demo: bool,
}

macro_rules! columns {
    () => {
        "id, kind, name, external_id, settings, secrets, default_team_id, active, created_at, bot_flow, \
         created_in_demo"
    };
}

/// Every channel, by kind and name.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<ChannelRow>> {
    Ok(query_as(LIST).fetch_all(db).await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: ChannelId) -> Result<Option<ChannelRow>> {
    Ok(query_as(FIND).bind(id).fetch_optional(db).await?)
}

/// The channel of `kind` whose external id is `external_id`.
pub async fn find_by_external_id(
    db: impl PgExecutor<'_>,
    kind: ChannelKind,
    external_id: &str,
) -> Result<Option<ChannelId>> {
    Ok(query_scalar(FIND_BY_EXTERNAL_ID)
        .bind(kind)
        .bind(external_id)
        .fetch_optional(db)
        .await?)
}

/// A channel's kind (the channel must exist).
pub async fn kind_of(db: impl PgExecutor<'_>, id: ChannelId) -> Result<ChannelKind> {
    Ok(query_scalar(KIND_OF).bind(id).fetch_one(db).await?)
}

/// A channel to store, its secrets sealed.
pub struct Stored<'a> {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: &'a str,
    pub external_id: Option<&'a str>,
    pub settings: &'a ChannelSettings,
    pub sealed_secrets: &'a [u8],
    pub default_team_id: Option<TeamId>,
    pub active: bool,
}

/// Inserts a channel, or replaces a stored one's columns (its kind, creation time and flow
/// stay); a taken external id is [`crate::error::Error::is_unique_violation`] of
/// [`KIND_EXTERNAL_ID_UNIQUE`].
pub async fn save(db: impl PgExecutor<'_>, channel: Stored<'_>) -> Result<()> {
    query(SAVE)
        .bind(channel.id)
        .bind(channel.kind)
        .bind(channel.name)
        .bind(channel.external_id)
        .bind(sqlx::types::Json(channel.settings))
        .bind(channel.sealed_secrets)
        .bind(channel.default_team_id)
        .bind(channel.active)
        .execute(db)
        .await?;
    Ok(())
}

/// Flags a channel made while demo mode is on.
pub async fn mark_created_in_demo(db: impl PgExecutor<'_>, id: ChannelId) -> Result<()> {
    query(MARK_CREATED_IN_DEMO).bind(id).execute(db).await?;
    Ok(())
}

/// Turns the bot on (with the flow `flow`) or off for new conversations on a channel.
pub async fn set_bot_flow(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    flow: Option<&str>,
) -> Result<()> {
    query(SET_BOT_FLOW)
        .bind(channel)
        .bind(flow)
        .execute(db)
        .await?;
    Ok(())
}

super::sql::statements! {
    LIST = concat!("select ", columns!(), " from channels order by kind, lower(name), id");
    FIND = concat!("select ", columns!(), " from channels where id = $1");
    FIND_BY_EXTERNAL_ID = "select id from channels where kind = $1 and external_id = $2";
    KIND_OF = "select kind from channels where id = $1";
    SAVE = "insert into channels (id, kind, name, external_id, settings, secrets, default_team_id, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (id) do update set name = excluded.name, external_id = excluded.external_id,
             settings = excluded.settings, secrets = excluded.secrets,
             default_team_id = excluded.default_team_id, active = excluded.active,
             updated_at = now()";
    SET_BOT_FLOW = "update channels set bot_flow = $2, updated_at = now() where id = $1";
    MARK_CREATED_IN_DEMO = "update channels set created_in_demo = true where id = $1";
}
