//! Repositories, one per aggregate. Each function takes an executor (pool or transaction), so
//! use cases decide where transactions begin and commit.
//!
//! Queries use sqlx's runtime-checked API with `FromRow` rather than the compile-checked
//! `query!` macros: those need a live database or a regenerated `.sqlx/` cache at every build,
//! which on this project's two-core machines doubled the edit-build cycle. Every query here is
//! exercised by the integration tests against real PostgreSQL instead.

pub mod attachments;
pub mod audit;
pub mod canned_responses;
pub mod conversations;
pub mod sessions;
pub mod settings;
pub mod teams;
pub mod users;
