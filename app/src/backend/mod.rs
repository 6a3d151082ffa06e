//! Server-side use cases and storage, compiled only with the `ssr` feature.
//!
//! They live in this crate (not in `server/`) because the server functions beside the pages must
//! call them, and `server` already depends on `app`: Cargo forbids the cycle. `server/` keeps the
//! HTTP edge, configuration, startup and the workers, and calls these modules too.

pub mod bot;
pub mod channels;
pub mod crypto;
pub mod db;
pub mod distribution;
pub mod erp;
pub mod guard;
pub mod lanes;
pub mod live;
pub mod messaging;
pub mod password;
pub mod seed;
pub mod services;
pub mod session;
pub mod state;
pub mod throttle;
pub mod webhooks;

pub use state::{AppState, AuthSettings};
