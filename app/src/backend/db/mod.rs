//! Repositories, one per aggregate. Each function takes an executor (pool or transaction), so
//! use cases decide where transactions begin and commit.
//!
//! Queries use sqlx's runtime-checked API with `FromRow` rather than the compile-checked
//! `query!` macros: those need a live database or a regenerated `.sqlx/` cache at every build,
//! which on this project's two-core machines doubled the edit-build cycle. Every query here is
//! exercised by the integration tests against real PostgreSQL instead.

pub mod audit;
pub mod sessions;
pub mod settings;
pub mod teams;
pub mod users;

/// Whether an error is a unique-constraint violation of the named constraint.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() && db.constraint().is_some_and(|c| c == constraint)
        }
        _ => false,
    }
}
