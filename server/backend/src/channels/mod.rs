//! Channels: their storage (secrets sealed at rest), a short-lived in-process directory used on
//! every webhook, and the provider protocols.

pub mod graph;
pub mod meta;
pub mod whatsapp;

use super::crypto::{constant_time_eq, Secrets};
use crate::db::{self, channels::ChannelRow};
use serde::{Deserialize, Serialize};
use shared::dto::{ChannelView, WebchatSettings};
use shared::messaging::ChannelKind;
use shared::{ChannelId, TeamId};
use sqlx::PgExecutor;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// What a channel keeps secret. Sealed with AES-256-GCM in `channels.secrets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSecrets {
    /// WhatsApp system-user token, or the page / Instagram access token.
    pub access_token: Option<String>,
    /// The Meta app secret that signs webhooks (`X-Hub-Signature-256`).
    pub app_secret: Option<String>,
    /// The token Meta echoes in the webhook verification handshake.
    pub verify_token: Option<String>,
}

pub use crate::db::channels::ChannelSettings;

/// A channel with its secrets opened: server-side only, never serialized to a browser.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub external_id: Option<String>,
    pub settings: ChannelSettings,
    pub secrets: ChannelSecrets,
    pub default_team_id: Option<TeamId>,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The flow that answers new conversations here (`bot_flows.key`); none: the queue.
    /// Set with its own statement ([`set_bot_flow`]), never by [`save`].
    pub bot_flow: Option<String>,
}

impl Channel {
    pub fn view(&self) -> ChannelView {
        ChannelView {
            id: self.id,
            kind: self.kind,
            name: self.name.clone(),
            external_id: self.external_id.clone(),
            active: self.active,
            created_at: self.created_at,
        }
    }

    pub fn access_token(&self) -> Option<&str> {
        self.secrets
            .access_token
            .as_deref()
            .filter(|t| !t.is_empty())
    }

    pub fn webchat(&self) -> WebchatSettings {
        self.settings.webchat.clone().unwrap_or_default()
    }
}

fn open(row: ChannelRow, secrets: &Secrets) -> anyhow::Result<Channel> {
    let opened = match &row.secrets {
        Some(sealed) => serde_json::from_slice(&secrets.open(sealed)?)?,
        None => ChannelSecrets::default(),
    };
    Ok(Channel {
        id: row.id,
        kind: row.kind,
        name: row.name,
        external_id: row.external_id,
        settings: row.settings.0,
        secrets: opened,
        default_team_id: row.default_team_id,
        active: row.active,
        created_at: row.created_at,
        bot_flow: row.bot_flow,
    })
}

pub async fn list(db: impl PgExecutor<'_>, secrets: &Secrets) -> anyhow::Result<Vec<Channel>> {
    let rows = db::channels::list(db).await?;
    rows.into_iter().map(|r| open(r, secrets)).collect()
}

/// The channels that route messages: outside demo mode, none made while it was on.
async fn list_usable(
    db: impl PgExecutor<'_>,
    secrets: &Secrets,
    demo: bool,
) -> anyhow::Result<Vec<Channel>> {
    let rows = db::channels::list(db).await?;
    rows.into_iter()
        .filter(|r| demo || !r.created_in_demo)
        .map(|r| open(r, secrets))
        .collect()
}

pub async fn find(
    db: impl PgExecutor<'_>,
    secrets: &Secrets,
    id: ChannelId,
) -> anyhow::Result<Option<Channel>> {
    let row = db::channels::find(db, id).await?;
    row.map(|r| open(r, secrets)).transpose()
}

/// Inserts or replaces a channel (all columns).
pub async fn save(
    db: impl PgExecutor<'_>,
    secrets: &Secrets,
    channel: &Channel,
) -> Result<(), SaveError> {
    let sealed = secrets
        .seal(&serde_json::to_vec(&channel.secrets).map_err(anyhow::Error::from)?)
        .map_err(SaveError::Other)?;
    let result = db::channels::save(
        db,
        db::channels::Stored {
            id: channel.id,
            kind: channel.kind,
            name: &channel.name,
            external_id: channel.external_id.as_deref(),
            settings: &channel.settings,
            sealed_secrets: &sealed,
            default_team_id: channel.default_team_id,
            active: channel.active,
        },
    )
    .await;
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.is_unique_violation(db::channels::KIND_EXTERNAL_ID_UNIQUE) => {
            Err(SaveError::Taken)
        }
        Err(e) => Err(SaveError::Other(e.into())),
    }
}

/// Turns the bot on (with the flow `flow`) or off for new conversations on a channel.
pub async fn set_bot_flow(
    db: impl PgExecutor<'_>,
    channel: ChannelId,
    flow: Option<&str>,
) -> anyhow::Result<()> {
    db::channels::set_bot_flow(db, channel, flow).await?;
    Ok(())
}

#[derive(Debug)]
pub enum SaveError {
    /// Another channel of the kind has this external id.
    Taken,
    Other(anyhow::Error),
}

impl From<anyhow::Error> for SaveError {
    fn from(e: anyhow::Error) -> Self {
        SaveError::Other(e)
    }
}

/// Every channel, cached for a few seconds: webhooks arrive thousands of times a second and
/// each needs the app secrets and the routing table. Edits invalidate this process's copy at
/// once; other instances see them within [`DIRECTORY_TTL`].
#[derive(Debug, Default)]
pub struct ChannelDirectory {
    cache: RwLock<Option<(Instant, Arc<Vec<Channel>>)>>,
    /// Demo mode: channels made while it was on route too.
    demo: bool,
}

pub const DIRECTORY_TTL: Duration = Duration::from_secs(5);

impl ChannelDirectory {
    pub fn new(demo: bool) -> Self {
        Self {
            cache: RwLock::new(None),
            demo,
        }
    }

    pub async fn all(
        &self,
        pool: &sqlx::PgPool,
        secrets: &Secrets,
    ) -> anyhow::Result<Arc<Vec<Channel>>> {
        if let Some((at, channels)) = &*self.cache.read().await {
            if at.elapsed() < DIRECTORY_TTL {
                return Ok(channels.clone());
            }
        }
        let mut guard = self.cache.write().await;
        if let Some((at, channels)) = &*guard {
            if at.elapsed() < DIRECTORY_TTL {
                return Ok(channels.clone());
            }
        }
        let channels = Arc::new(list_usable(pool, secrets, self.demo).await?);
        *guard = Some((Instant::now(), channels.clone()));
        Ok(channels)
    }

    pub async fn invalidate(&self) {
        *self.cache.write().await = None;
    }
}

/// Active channels of `kind` whose external id is `external_id`.
pub fn route<'a>(
    channels: &'a [Channel],
    kind: ChannelKind,
    external_id: &str,
) -> Option<&'a Channel> {
    channels
        .iter()
        .find(|c| c.active && c.kind == kind && c.external_id.as_deref() == Some(external_id))
}

/// Whether `token` is the verify token of an active channel of `kind`.
pub fn verify_token_matches(channels: &[Channel], kind: ChannelKind, token: &str) -> bool {
    channels
        .iter()
        .filter(|c| c.active && c.kind == kind)
        .filter_map(|c| c.secrets.verify_token.as_deref())
        .filter(|t| !t.is_empty())
        .fold(false, |found, t| {
            constant_time_eq(t.as_bytes(), token.as_bytes()) | found
        })
}

/// The distinct app secrets of the active channels of `kind`.
pub fn app_secrets(channels: &[Channel], kind: ChannelKind) -> Vec<&str> {
    let mut out: Vec<&str> = channels
        .iter()
        .filter(|c| c.active && c.kind == kind)
        .filter_map(|c| c.secrets.app_secret.as_deref())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a delivery's signature is good for where it goes: every event routed to a configured
/// channel must be signed with that channel's own app secret (another channel's secret of the
/// same kind signs nothing for it). Events for no configured channel, which are only kept, need
/// the secret of some channel of the kind.
pub fn delivery_signed(
    header: &str,
    body: &[u8],
    channels: &[Channel],
    kind: ChannelKind,
    events: &[ProviderEvent],
) -> bool {
    let mut routed = events
        .iter()
        .filter_map(|e| match e {
            // A template webhook is for a business account: signed with its channels' secret.
            ProviderEvent::Template(t) => channels.iter().find(|c| {
                c.kind == kind
                    && c.settings.business_account_id.as_deref()
                        == Some(t.business_account_id.as_str())
            }),
            _ => route(channels, kind, e.channel_external_id()),
        })
        .peekable();
    if routed.peek().is_none() {
        return signature_valid(header, body, &app_secrets(channels, kind));
    }
    routed.all(
        |c| match c.secrets.app_secret.as_deref().filter(|s| !s.is_empty()) {
            Some(secret) => signature_valid(header, body, &[secret]),
            None => false,
        },
    )
}

/// Checks Meta's `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body under the app
/// secret, compared in constant time.
/// <https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads>
pub fn signature_valid(header: &str, body: &[u8], app_secrets: &[&str]) -> bool {
    use hmac::{Hmac, Mac};
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = decode_hex(hex_sig) else {
        return false;
    };
    app_secrets.iter().fold(false, |found, secret| {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
            .expect("HMAC accepts any key");
        mac.update(body);
        // verify_slice compares in constant time.
        mac.verify_slice(&given).is_ok() | found
    })
}

fn decode_hex(s: &str) -> Result<Vec<u8>, ()> {
    if !s.len().is_multiple_of(2) {
        return Err(());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| ()))
        .collect()
}

/// `sha256=<hex>` for `body` under `secret`: what Meta sends (used by tests and the benchmark).
pub fn sign(body: &[u8], secret: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// One thing a provider's webhook told us, in our own terms.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderEvent {
    Message(InboundMessage),
    Receipt(Receipt),
    /// Everything up to `watermark` was read (Messenger and Instagram `read` events).
    ReadUpTo {
        channel_external_id: String,
        contact_external_id: String,
        watermark: chrono::DateTime<chrono::Utc>,
    },
    Error(ProviderError),
    /// A template's status, quality or category changed (WhatsApp; for a business account,
    /// not a number).
    Template(TemplateEvent),
    /// The business portfolio's messaging limit (unique recipients per rolling 24 h outside
    /// the service window), as Meta's `business_capability_update` and
    /// `phone_number_quality_update` tell it; 0 for unlimited.
    MessagingLimit {
        business_account_id: String,
        limit: i64,
    },
}

/// What one of Meta's template webhooks says.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateEvent {
    /// The business account (`entry[].id`).
    pub business_account_id: String,
    pub meta_id: String,
    pub name: String,
    /// In REST's form (`pt_BR`; webhooks write `pt-BR`).
    pub language: String,
    pub change: TemplateChange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplateChange {
    /// A new status, with Meta's reason (`INVALID_FORMAT: …`, `FIRST_PAUSE`).
    Status {
        status: String,
        reason: Option<String>,
    },
    /// Flagged, locked, reinstated, unarchived: events, not statuses; the status is read again.
    Refetch,
    Quality(String),
    Category(String),
}

impl ProviderEvent {
    /// The provider's id of the channel (phone number, page, account) the event is for.
    pub fn channel_external_id(&self) -> &str {
        match self {
            ProviderEvent::Message(m) => &m.channel_external_id,
            ProviderEvent::Receipt(r) => &r.channel_external_id,
            ProviderEvent::ReadUpTo {
                channel_external_id,
                ..
            } => channel_external_id,
            ProviderEvent::Error(e) => &e.channel_external_id,
            ProviderEvent::Template(t) => &t.business_account_id,
            ProviderEvent::MessagingLimit {
                business_account_id,
                ..
            } => business_account_id,
        }
    }
}

/// A message from a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// phone_number_id, page id or Instagram account id: which channel it came to.
    pub channel_external_id: String,
    /// wa_id, PSID or IGSID.
    pub contact_external_id: String,
    pub profile_name: Option<String>,
    pub provider_message_id: String,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub kind: shared::messaging::MessageKind,
    /// What a person reads: the text, a caption, the chosen option's title.
    pub text: Option<String>,
    pub content: serde_json::Value,
}

/// A delivery receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub channel_external_id: String,
    pub provider_message_id: String,
    pub status: shared::messaging::DeliveryStatus,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub error_code: Option<i32>,
    pub error_title: Option<String>,
    pub error_detail: Option<String>,
    /// Who the message went to (WhatsApp's `recipient_id`).
    pub recipient: Option<String>,
    /// What the send put in `biz_opaque_callback_data` (a campaign's recipient).
    pub callback: Option<String>,
}

/// An error the provider reported about the channel (WhatsApp `value.errors[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderError {
    pub channel_external_id: String,
    pub code: Option<i32>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
}

/// Why a webhook body was refused before it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedPayload(pub String);

pub(crate) fn unix_seconds(v: Option<&serde_json::Value>) -> Option<chrono::DateTime<chrono::Utc>> {
    let secs = match v? {
        serde_json::Value::String(s) => s.parse::<i64>().ok()?,
        serde_json::Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    chrono::DateTime::from_timestamp(secs, 0)
}

/// Messenger timestamps are Unix milliseconds.
pub(crate) fn unix_millis_or_now(v: Option<&serde_json::Value>) -> chrono::DateTime<chrono::Utc> {
    v.and_then(serde_json::Value::as_i64)
        .and_then(chrono::DateTime::from_timestamp_millis)
        .unwrap_or_else(chrono::Utc::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_against_every_app_secret() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign(body, "segredo-b");
        assert!(signature_valid(&header, body, &["segredo-a", "segredo-b"]));
        assert!(!signature_valid(&header, body, &["segredo-a"]));
        assert!(!signature_valid(&header, b"{}", &["segredo-b"]));
        assert!(!signature_valid("sha1=abc", body, &["segredo-b"]));
        assert!(!signature_valid("sha256=zz", body, &["segredo-b"]));
        assert!(!signature_valid(&header, body, &[]));
    }
}
