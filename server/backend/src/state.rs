//! What every request handler and server function can reach.

use super::crypto::Secrets;
use axum::extract::FromRef;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// Session and login rules, from the server's configuration.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Cookies carry `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// The origin (scheme://host[:port]) browsers use; `Origin` headers must match it or the Host.
    pub public_origin: String,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, used or not.
    pub session_absolute: Duration,
    /// Failed logins for one account within `lockout_window` before it is refused.
    pub max_failures_per_account: u32,
    /// Failed logins from one address within `lockout_window` before it is refused.
    pub max_failures_per_ip: u32,
    pub lockout_window: Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Prefix of this deployment's Redis keys.
    pub redis_namespace: String,
    /// In demo mode, demo accounts may look at everything but not change users, tokens,
    /// channels, the ERP's address and key, security settings, or their own password and 2FA.
    pub demo_locked: bool,
    /// Multiplies every anonymous surface's limit (`shared::ratelimit`).
    pub anon_rate_limit_scale: u32,
    /// A webchat visitor unseen this long is gone (its token stops working).
    pub webchat_idle: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_origin: "http://localhost:3000".into(),
            session_idle: Duration::from_secs(2 * 60 * 60),
            session_absolute: Duration::from_secs(12 * 60 * 60),
            max_failures_per_account: 5,
            max_failures_per_ip: 30,
            lockout_window: Duration::from_secs(15 * 60),
            trust_forwarded_for: false,
            redis_namespace: "omni".into(),
            demo_locked: true,
            anon_rate_limit_scale: 1,
            webchat_idle: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub pool: PgPool,
    pub redis: redis::aio::ConnectionManager,
    pub secrets: Arc<Secrets>,
    pub auth: Arc<AuthSettings>,
    /// Started with the demo data (`DEMO_MODE`).
    pub demo: bool,
    /// Every channel, cached briefly for webhook routing and signature checks.
    pub channels: Arc<super::channels::ChannelDirectory>,
    /// Meta's Graph API (or a fake of it, in tests).
    pub graph: super::channels::graph::GraphClient,
    /// Live events across instances.
    pub live: super::live::LiveBus,
    pub wakers: Arc<super::wakers::Wakers>,
    /// On an instance that runs the background work: webhooks are processed where they
    /// arrive, one contact at a time. None on a web-only instance (the workers poll).
    pub webhook_lanes: Option<Arc<super::lanes::Lanes>>,
    /// Stores webhook deliveries, those arriving together in one commit.
    pub webhook_ingest: super::webhooks::ingest::Ingest,
    /// Receipt-only deliveries stored here, waiting to be applied in a batch.
    pub webhook_statuses: Arc<super::webhooks::queue::StatusQueue>,
    /// The chatbot's flows, settings and HTTP client.
    pub bot: Arc<super::bot::runtime::BotRuntime>,
}
