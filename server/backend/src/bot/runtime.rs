//! The bot's shared parts, held by the application state: the HTTP client of ERP and HTTP
//! blocks, the per-conversation run lanes, and the flows and settings cached for a few seconds.
//! It reads storage through [`Storage`], not the application state, so the state can hold it.

use crate::crypto::Secrets;
use crate::erp;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use shared::flow::engine::{Bot, BotSettings};
use shared::flow::Flow;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// What loading the flows and settings reads.
#[derive(Clone, Copy)]
pub struct Storage<'a> {
    pub pool: &'a sqlx::PgPool,
    pub secrets: &'a Secrets,
    pub demo: bool,
}

/// What an administrator tunes: the bot's own words and the inactivity timers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotConfig {
    #[serde(flatten)]
    pub texts: BotSettings,
    /// Silence before the reminder.
    #[serde(default = "default_reminder")]
    pub reminder_seconds: u64,
    /// Silence after the reminder before the conversation is closed.
    #[serde(default = "default_close")]
    pub close_seconds: u64,
}

fn default_reminder() -> u64 {
    5 * 60
}

fn default_close() -> u64 {
    10 * 60
}

impl crate::db::settings::Setting for BotConfig {
    const KEY: &'static str = "bot";
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            texts: BotSettings::default(),
            reminder_seconds: default_reminder(),
            close_seconds: default_close(),
        }
    }
}

pub(super) struct Loaded {
    /// One engine per flow that can be a channel's main flow (all of them), built once.
    pub(super) bots: std::collections::HashMap<String, Arc<Bot>>,
    pub(super) flows: Vec<Flow>,
    /// Each flow's published version (what `flows` holds).
    pub(super) versions: std::collections::BTreeMap<String, i32>,
    pub(super) config: BotConfig,
    pub(super) erp: erp::ErpSettings,
    /// The demo's mock ERP latency and failures (demo mode only).
    pub(super) injection: erp::mock::Injection,
    /// Whose conversations run the drafts.
    pub(super) test_contacts: shared::flow::builder::TestContacts,
}

impl Loaded {
    /// The engine for a session that started on `pinned` versions: the cached one when they
    /// are the published ones; else one built from those versions (a conversation in progress
    /// when a new version was published finishes on the one it started on).
    pub(super) async fn bot_on(
        &self,
        pool: &sqlx::PgPool,
        main_flow: &str,
        pinned: &std::collections::BTreeMap<String, i32>,
    ) -> Result<Arc<Bot>, Error> {
        if pinned
            .iter()
            .all(|(key, v)| self.versions.get(key).is_none_or(|current| current == v))
        {
            return Ok(self.bot(main_flow));
        }
        let mut flows = Vec::with_capacity(self.flows.len());
        for flow in &self.flows {
            let old = match pinned.get(&flow.key) {
                Some(v) if self.versions.get(&flow.key) != Some(v) => {
                    crate::db::bot_flows::version(pool, &flow.key, *v).await?
                }
                _ => None,
            };
            flows.push(old.unwrap_or_else(|| flow.clone()));
        }
        Ok(Arc::new(Bot::new(
            flows,
            main_flow,
            self.config.texts.clone(),
        )))
    }

    /// The engine on the flows' drafts, for a test contact (read afresh: a draft saved a
    /// moment ago is what the administrator wants to try).
    pub(super) async fn draft_bot(
        &self,
        pool: &sqlx::PgPool,
        main_flow: &str,
    ) -> Result<Arc<Bot>, Error> {
        let flows = crate::db::bot_flows::drafts(pool)
            .await?
            .into_iter()
            .map(|d| d.draft.0)
            .collect();
        Ok(Arc::new(Bot::new(
            flows,
            main_flow,
            self.config.texts.clone(),
        )))
    }

    pub(super) fn bot(&self, main_flow: &str) -> Arc<Bot> {
        self.bots.get(main_flow).cloned().unwrap_or_else(|| {
            // A channel pointing at a flow that is gone: the engine says so politely.
            Arc::new(Bot::new(
                self.flows.clone(),
                main_flow,
                self.config.texts.clone(),
            ))
        })
    }
}

/// The bot's shared parts: the egress client for ERP and HTTP blocks, and the flows and
/// settings cached for a few seconds (every inbound message needs them).
pub struct BotRuntime {
    pub egress: crate::egress::Egress,
    /// Serialises the runs of one conversation on this instance, and bounds concurrent runs
    /// so they leave database connections for the rest.
    pub(super) runs: crate::lanes::Lanes,
    cache: RwLock<Option<(Instant, Arc<Loaded>)>>,
    /// This server's own address, where the demo's mock ERP answers.
    own_base: OnceLock<String>,
}

const CACHE_TTL: Duration = Duration::from_secs(5);
/// Runs hold no database connection while they wait on the ERP or the provider, so this
/// bounds their statements' share of the pool, not their waiting.
const RUN_CONCURRENCY: usize = 32;

impl Default for BotRuntime {
    fn default() -> Self {
        Self::new(crate::egress::EgressPolicy::default())
    }
}

impl BotRuntime {
    pub fn new(policy: crate::egress::EgressPolicy) -> Self {
        Self {
            egress: crate::egress::Egress::new(policy),
            cache: RwLock::new(None),
            own_base: OnceLock::new(),
            runs: crate::lanes::Lanes::new(RUN_CONCURRENCY),
        }
    }

    /// Called once the listener is bound, with its port: the mock ERP answers at
    /// `http://127.0.0.1:<port>`.
    pub fn set_own_port(&self, port: u16) {
        let _ = self.own_base.set(format!("http://127.0.0.1:{port}"));
        self.egress
            .set_own_address(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }

    pub fn own_base(&self) -> Option<&str> {
        self.own_base.get().map(String::as_str)
    }

    /// The mock ERP's injected latency and failures, cached with the flows: every call of the
    /// demo's ERP needs them.
    pub async fn mock_injection(&self, db: Storage<'_>) -> erp::mock::Injection {
        match self.loaded(db).await {
            Ok(l) => l.injection.clone(),
            Err(_) => Default::default(),
        }
    }

    /// Drops the cached flows and settings (after an edit on this instance).
    pub async fn invalidate(&self) {
        *self.cache.write().await = None;
    }

    pub(super) async fn loaded(&self, state: Storage<'_>) -> Result<Arc<Loaded>, Error> {
        if let Some((at, l)) = &*self.cache.read().await {
            if at.elapsed() < CACHE_TTL {
                return Ok(l.clone());
            }
        }
        let flows = crate::db::bot_flows::all(state.pool).await?;
        let versions = crate::db::bot_flows::published_versions(state.pool).await?;
        let mut config: BotConfig = crate::db::settings::get(state.pool).await?;
        if state.demo {
            for cpf in erp::mock::FIXTURE_CPFS {
                if !config.texts.fixture_cpfs.iter().any(|c| c == cpf) {
                    config.texts.fixture_cpfs.push(cpf.to_owned());
                }
            }
        }
        let demo_base = state.demo.then(|| self.own_base()).flatten();
        let erp = erp::settings(state.pool, state.secrets, demo_base).await?;
        let injection = match state.demo {
            true => crate::db::settings::get(state.pool).await?,
            false => Default::default(),
        };
        let test_contacts = crate::db::settings::get(state.pool).await?;
        let bots = flows
            .iter()
            .map(|f| {
                let bot = Bot::new(flows.clone(), f.key.clone(), config.texts.clone());
                (f.key.clone(), Arc::new(bot))
            })
            .collect();
        let loaded = Arc::new(Loaded {
            bots,
            flows,
            versions,
            config,
            erp,
            injection,
            test_contacts,
        });
        *self.cache.write().await = Some((Instant::now(), loaded.clone()));
        Ok(loaded)
    }
}
