//! The platform without its web UI: repositories, use cases, channel adapters, the bot runtime,
//! distribution, the outbox and live-event publishing.
//!
//! `app` (its server functions, with the `ssr` feature) and `server` (the HTTP edge, startup and
//! workers) both call it; it depends on neither and not on Leptos, so its tests and clippy run
//! without building the UI. The map of its layers is in `docs/ARCHITECTURE.md`.

pub mod attachments;
pub mod blobs;
pub mod bot;
pub mod campaigns;
pub mod channels;
pub mod cpf_guard;
pub mod crypto;
pub mod db;
pub mod distribution;
pub mod egress;
pub mod erp;
pub mod error;
pub mod guard;
pub mod hours;
pub mod lanes;
pub mod live;
pub mod messaging;
pub mod outbox;
pub mod password;
pub mod publish;
pub mod ratelimit;
pub mod seed;
pub mod services;
pub mod session;
pub mod state;
pub mod throttle;
pub mod wakers;
pub mod webhooks;

pub use state::{AppState, AuthSettings};
