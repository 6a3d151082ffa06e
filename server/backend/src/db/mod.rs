//! Repositories, one per aggregate. Each function takes an executor (pool or transaction), so
//! use cases decide where transactions begin and commit.
//!
//! This layer is the only place SQL is written. Each statement is a `&'static str` declared in
//! its repository's `statements!` block and run through [`sql`]'s wrappers, which makes it part
//! of the registry that one integration test prepares against the migrated schema, and of the
//! coverage check `scripts/test.sh` runs after the integration suite (every registered
//! statement executed with real rows). sqlx's compile-time `query!` macros were not chosen:
//! they need a live database or a regenerated `.sqlx/` cache at every build, which on this
//! project's two-core machines doubled the edit-build cycle.

pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod blobs;
pub mod bot_flows;
pub mod bot_sessions;
pub mod bot_steps;
pub mod campaigns;
pub mod canned_responses;
pub mod channel_errors;
pub mod channels;
pub mod consents;
pub mod contacts;
pub mod conversation_views;
pub mod conversations;
pub mod deliveries;
pub mod demo;
pub mod feed;
pub mod inbox;
pub mod message_templates;
pub mod messages;
pub mod sealed;
pub mod sessions;
pub mod settings;
pub mod sql;
pub mod teams;
pub mod users;
pub mod webchat_visitors;
pub mod webhook_events;

/// Whether PostgreSQL answers (the readiness check).
pub async fn ping(db: impl sqlx::PgExecutor<'_>) -> bool {
    sql::query_scalar::<i32>(PING).fetch_one(db).await.is_ok()
}

sql::statements! {
    PING = "select 1";
}
