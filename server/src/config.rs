//! Configuration, from flags or environment variables, with defaults that work on a developer's
//! machine. Every variable is listed in the README's configuration table.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use std::net::SocketAddr;

/// Development-only keys, used when none are configured; the server logs a warning.
const DEV_SESSION_SECRET: &str = "dev-only-session-secret-change-me-in-production-0123456789";
const DEV_ENCRYPTION_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Roles {
    /// HTTP only: UI, API, webhooks.
    Web,
    /// Background workers only (health and metrics are still served).
    Worker,
    /// Both (the default).
    Both,
}

impl Roles {
    pub fn serves_web(self) -> bool {
        matches!(self, Roles::Web | Roles::Both)
    }

    pub fn runs_workers(self) -> bool {
        matches!(self, Roles::Worker | Roles::Both)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Parser)]
#[command(name = "server", about = "Plataforma Omnichannel")]
pub struct Config {
    /// PostgreSQL connection URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/plataforma"
    )]
    pub database_url: String,

    /// Redis connection URL.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,

    /// Prefix for every Redis key and queue, so several deployments can share one Redis.
    #[arg(long, env = "REDIS_NAMESPACE", default_value = "omni")]
    pub redis_namespace: String,

    /// Address the HTTP server listens on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:3000")]
    pub bind_addr: SocketAddr,

    /// The URL people use to reach the platform. With https, cookies are marked Secure.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://localhost:3000")]
    pub public_url: String,

    /// Key for session tokens and recovery codes (at least 32 characters).
    #[arg(long, env = "SESSION_SECRET", hide_env_values = true)]
    pub session_secret: Option<String>,

    /// AES-256 key for secrets at rest, as 64 hexadecimal characters.
    #[arg(long, env = "ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<String>,

    /// Keys that sealed secrets before a rotation, comma separated: they keep opening what they
    /// sealed until `server keys reencrypt` seals everything under ENCRYPTION_KEY.
    #[arg(long, env = "ENCRYPTION_KEY_PREVIOUS", hide_env_values = true)]
    pub encryption_key_previous: Option<String>,

    /// In demo mode, demo accounts (the published login among them) change nothing that would
    /// hurt the next visitor or escape the demo. `false` only for a private demo.
    #[arg(long, env = "DEMO_LOCKED", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo_locked: bool,

    /// When set (`127.0.0.1:9464`), `/metrics` is served only on this address, apart from the
    /// public one (a private interface Prometheus reaches, never the internet).
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<String>,

    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Days a webchat visitor may stay unseen before their token stops working (the next visit
    /// starts a new conversation identity).
    #[arg(long, env = "WEBCHAT_VISITOR_IDLE_DAYS", default_value_t = 30)]
    pub webchat_visitor_idle_days: u64,

    /// Multiplies the per-address limits of the anonymous surfaces (webchat visitors, messages
    /// and streams, the demo simulator): 2 doubles them.
    #[arg(long, env = "ANON_RATE_LIMIT_SCALE", default_value_t = 1)]
    pub anon_rate_limit_scale: u32,

    /// Use the public development keys when SESSION_SECRET or ENCRYPTION_KEY is missing, outside
    /// demo mode. Only for development: anyone can read them in this repository.
    #[arg(long, env = "DEV_KEYS", default_value_t = false)]
    pub dev_keys: bool,

    /// What this instance does: web, worker or both.
    #[arg(long, env = "ROLES", value_enum, default_value = "both")]
    pub roles: Roles,

    /// Log format: text (readable) or json.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Create the demo users and team at start (idempotent).
    #[arg(long, env = "DEMO_MODE", default_value_t = false)]
    pub demo: bool,

    /// Minutes without activity after which a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,

    /// Hours after login after which a session ends regardless of activity.
    #[arg(long, env = "SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: u64,

    /// Failed logins per account before a temporary lockout.
    #[arg(long, env = "LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,

    /// Failed logins per client address before a temporary lockout.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_IP", default_value_t = 30)]
    pub login_max_failures_per_ip: u32,

    /// Lockout window in minutes.
    #[arg(long, env = "LOGIN_LOCKOUT_MINUTES", default_value_t = 15)]
    pub login_lockout_minutes: u64,

    /// Trust X-Forwarded-For for the client address (only behind your own proxy).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Private addresses and names the server may call for an administrator (the ERP, the
    /// flow's HTTP block), besides the public internet: `10.20.0.0/16,erp.interno`.
    #[arg(long, env = "EGRESS_ALLOW", default_value = "")]
    pub egress_allow: String,

    /// The largest answer, in bytes, read from the ERP or a flow's HTTP block.
    #[arg(long, env = "EGRESS_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub egress_max_body_bytes: usize,

    /// Maximum request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Minutes between runs of the session clean-up job.
    #[arg(long, env = "SESSION_CLEANUP_MINUTES", default_value_t = 5)]
    pub session_cleanup_minutes: u32,

    /// When every WhatsApp channel's templates are read from Meta again (cron with seconds;
    /// the webhooks keep them current in between).
    #[arg(long, env = "TEMPLATE_SYNC_SCHEDULE", default_value = "0 7,37 * * * *")]
    pub template_sync_schedule: String,

    /// Meta's Graph API (a local fake in tests).
    #[arg(
        long,
        env = "GRAPH_API_BASE_URL",
        default_value = "https://graph.facebook.com"
    )]
    pub graph_api_base_url: String,

    /// Graph API version used in every call.
    #[arg(long, env = "GRAPH_API_VERSION", default_value = "v24.0")]
    pub graph_api_version: String,

    /// First retry delay of a failed send, in milliseconds; doubles at each attempt.
    #[arg(long, env = "GRAPH_RETRY_BASE_MS", default_value_t = 2000)]
    pub graph_retry_base_ms: u64,

    /// Attempts before a send is marked failed.
    #[arg(long, env = "GRAPH_MAX_ATTEMPTS", default_value_t = 10)]
    pub graph_max_attempts: i32,

    /// Minimum wait, in milliseconds, after Meta's pair rate limit (131056).
    #[arg(long, env = "GRAPH_PAIR_RATE_DELAY_MS", default_value_t = 6000)]
    pub graph_pair_rate_delay_ms: u64,

    /// WhatsApp channel created at boot: the phone number id.
    #[arg(long, env = "WHATSAPP_PHONE_NUMBER_ID")]
    pub whatsapp_phone_number_id: Option<String>,

    #[arg(long, env = "WHATSAPP_BUSINESS_ACCOUNT_ID")]
    pub whatsapp_business_account_id: Option<String>,

    #[arg(long, env = "WHATSAPP_ACCESS_TOKEN", hide_env_values = true)]
    pub whatsapp_access_token: Option<String>,

    /// The flow (by key) the bot runs on the WhatsApp channel created at boot; in demo mode the
    /// demo's main flow. "nenhum": no bot.
    #[arg(long, env = "WHATSAPP_BOT_FLOW")]
    pub whatsapp_bot_flow: Option<String>,

    /// The team (by name) its conversations go to; in demo mode the demo's team. "nenhum": none.
    #[arg(long, env = "WHATSAPP_TEAM")]
    pub whatsapp_team: Option<String>,

    /// The Meta app secret that signs webhooks of the channels created at boot.
    #[arg(long, env = "META_APP_SECRET", hide_env_values = true)]
    pub meta_app_secret: Option<String>,

    /// The verify token of the webhook handshake for the channels created at boot.
    #[arg(long, env = "META_VERIFY_TOKEN", hide_env_values = true)]
    pub meta_verify_token: Option<String>,

    /// Messenger channel created at boot: the Facebook page id.
    #[arg(long, env = "MESSENGER_PAGE_ID")]
    pub messenger_page_id: Option<String>,

    #[arg(long, env = "MESSENGER_PAGE_TOKEN", hide_env_values = true)]
    pub messenger_page_token: Option<String>,

    #[arg(long, env = "MESSENGER_BOT_FLOW")]
    pub messenger_bot_flow: Option<String>,

    #[arg(long, env = "MESSENGER_TEAM")]
    pub messenger_team: Option<String>,

    /// Instagram channel created at boot: the Instagram account id.
    #[arg(long, env = "INSTAGRAM_ACCOUNT_ID")]
    pub instagram_account_id: Option<String>,

    #[arg(long, env = "INSTAGRAM_ACCESS_TOKEN", hide_env_values = true)]
    pub instagram_access_token: Option<String>,

    #[arg(long, env = "INSTAGRAM_BOT_FLOW")]
    pub instagram_bot_flow: Option<String>,

    #[arg(long, env = "INSTAGRAM_TEAM")]
    pub instagram_team: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One-off administrative commands; without one, the server runs.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// REST API tokens.
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
    /// Bot flows, as JSON files.
    #[command(subcommand)]
    Flow(FlowCommand),
    /// Encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Users (the first administrator of an install, above all).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum UserCommand {
    /// Creates a user. The password is typed twice on the terminal (or read as two lines from
    /// standard input when it is not a terminal), or generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// administrador, supervisor or atendente.
        #[arg(long, default_value = "administrador")]
        role: String,
        /// Generates a strong password and prints it once.
        #[arg(long, default_value_t = false)]
        generate_password: bool,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum KeysCommand {
    /// Seals again under ENCRYPTION_KEY every secret a key of ENCRYPTION_KEY_PREVIOUS sealed.
    Reencrypt,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum FlowCommand {
    /// Lists the stored flows.
    List,
    /// Prints a flow as JSON.
    Export { key: String },
    /// Validates and stores a flow from a JSON file (replacing the one with its key).
    Import { file: std::path::PathBuf },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ApiTokenCommand {
    /// Creates a token and prints it once.
    Create {
        #[arg(long)]
        name: String,
        /// What the token may do: read, conversations, contacts, flows, campaigns, reports,
        /// admin (repeat it for several). Without it, every scope.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Lists tokens (never their secrets).
    List,
    /// Revokes a token by id.
    Revoke { id: String },
}

impl Config {
    /// Defaults for tests and tools, as if no flag or variable were given.
    pub fn defaults() -> Self {
        Self::parse_from(["server"])
    }

    pub fn session_secret(&self) -> Vec<u8> {
        match &self.session_secret {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                tracing::warn!("SESSION_SECRET not set: using the development secret");
                DEV_SESSION_SECRET.as_bytes().to_vec()
            }
        }
    }

    pub fn encryption_key(&self) -> anyhow::Result<Vec<u8>> {
        let hex_key = match &self.encryption_key {
            Some(k) => k.as_str(),
            None => {
                tracing::warn!("ENCRYPTION_KEY not set: using the development key");
                DEV_ENCRYPTION_KEY
            }
        };
        hex::decode(hex_key.trim()).context("ENCRYPTION_KEY must be 64 hexadecimal characters")
    }

    /// The keys that sealed secrets before the current one.
    pub fn previous_encryption_keys(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        self.encryption_key_previous
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                hex::decode(k).context(
                    "ENCRYPTION_KEY_PREVIOUS: cada chave deve ter 64 caracteres hexadecimais",
                )
            })
            .collect()
    }

    /// Refuses to start outside demo mode without SESSION_SECRET and ENCRYPTION_KEY: the
    /// development keys are public in this repository. `DEV_KEYS=true` allows them for
    /// development, never with `LEPTOS_ENV=PROD`.
    pub fn check_production_keys(&self) -> anyhow::Result<()> {
        let production = matches!(
            std::env::var("LEPTOS_ENV").as_deref(),
            Ok("PROD" | "prod" | "production")
        );
        let missing = self.session_secret.is_none() || self.encryption_key.is_none();
        if missing && !self.demo && (production || !self.dev_keys) {
            anyhow::bail!(
                "SESSION_SECRET e ENCRYPTION_KEY são obrigatórias fora do modo demonstração. \
                 Gere cada uma com `openssl rand -hex 32` e ponha-as no ambiente \
                 (o scripts/install-vps.sh grava as duas no arquivo de ambiente). \
                 Só em desenvolvimento, DEV_KEYS=true usa as chaves públicas de desenvolvimento."
            );
        }
        Ok(())
    }

    /// Channels declared by environment variables: each needs its id and token.
    pub fn env_channels(&self) -> Vec<backend::services::channels::EnvChannel> {
        use backend::services::channels::EnvChannel;
        use shared::messaging::ChannelKind;
        let declared = [
            (
                ChannelKind::Whatsapp,
                "WhatsApp",
                "WHATSAPP",
                [&self.whatsapp_phone_number_id, &self.whatsapp_access_token],
                [&self.whatsapp_bot_flow, &self.whatsapp_team],
            ),
            (
                ChannelKind::Messenger,
                "Messenger",
                "MESSENGER",
                [&self.messenger_page_id, &self.messenger_page_token],
                [&self.messenger_bot_flow, &self.messenger_team],
            ),
            (
                ChannelKind::Instagram,
                "Instagram",
                "INSTAGRAM",
                [&self.instagram_account_id, &self.instagram_access_token],
                [&self.instagram_bot_flow, &self.instagram_team],
            ),
        ];
        // In demo mode a real number answers with the demo's bot and team, as the simulator;
        // a variable set to "nenhum" (or empty) says "none".
        let or_demo = |given: &Option<String>, demo: &str| match given {
            Some(v) if v.trim().is_empty() || v.trim().eq_ignore_ascii_case("nenhum") => None,
            Some(v) => Some(v.trim().to_owned()),
            None => self.demo.then(|| demo.to_owned()),
        };
        declared
            .into_iter()
            .filter_map(|(kind, name, prefix, [id, token], [flow, team])| {
                let (id, token) = (id.clone()?, token.clone()?);
                Some(EnvChannel {
                    prefix,
                    bot_flow: or_demo(flow, backend::bot::seed::MAIN_FLOW),
                    team: or_demo(team, backend::seed::DEMO_TEAM_NAME),
                    kind,
                    name: name.to_owned(),
                    external_id: id,
                    access_token: token,
                    business_account_id: if kind == ChannelKind::Whatsapp {
                        self.whatsapp_business_account_id.clone()
                    } else {
                        None
                    },
                    app_secret: self.meta_app_secret.clone(),
                    verify_token: self.meta_verify_token.clone(),
                })
            })
            .collect()
    }

    /// What the server may call on an administrator's behalf.
    pub fn egress_policy(&self) -> anyhow::Result<backend::egress::EgressPolicy> {
        let allow = shared::egress::Allowlist::parse(&self.egress_allow)
            .map_err(|e| anyhow::anyhow!("EGRESS_ALLOW: {e}. Use faixas (10.20.0.0/16), endereços ou nomes, separados por vírgula."))?;
        Ok(backend::egress::EgressPolicy {
            allow,
            max_body_bytes: self.egress_max_body_bytes.max(1024),
            demo: self.demo,
        })
    }

    pub fn graph_settings(&self) -> backend::channels::graph::GraphSettings {
        use backend::channels::graph::{GraphSettings, RetryPolicy};
        use std::time::Duration;
        GraphSettings {
            base_url: self.graph_api_base_url.clone(),
            version: self.graph_api_version.clone(),
            timeout: Duration::from_secs(15),
            retry: RetryPolicy {
                base_delay: Duration::from_millis(self.graph_retry_base_ms),
                max_attempts: self.graph_max_attempts.max(1),
                pair_rate_floor: Duration::from_millis(self.graph_pair_rate_delay_ms),
                throughput_floor: Duration::from_millis(self.graph_retry_base_ms.min(1000)),
                ..RetryPolicy::default()
            },
        }
    }

    /// scheme://host[:port] of the public URL.
    pub fn public_origin(&self) -> String {
        let url = self.public_url.trim_end_matches('/');
        match url.find("://") {
            Some(i) => match url[i + 3..].find('/') {
                Some(j) => url[..i + 3 + j].to_owned(),
                None => url.to_owned(),
            },
            None => url.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_work_without_any_variable() {
        let c = Config::defaults();
        assert_eq!(c.roles, Roles::Both);
        assert_eq!(c.bind_addr.port(), 3000);
        assert_eq!(c.encryption_key().unwrap().len(), 32);
        assert!(c.session_secret().len() >= 32);
    }

    #[test]
    fn public_origin_drops_the_path() {
        let mut c = Config::defaults();
        c.public_url = "https://atendimento.empresa.com.br/app/".into();
        assert_eq!(c.public_origin(), "https://atendimento.empresa.com.br");
    }
}
