//! The backend's error: an expected refusal ([`AppError`], what a person or integrator reads) or
//! an unexpected failure that keeps its source. The edge (a server function, a REST handler)
//! turns it into the [`AppError`] it answers with, and logs the failure there, once.

pub use shared::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Expected: bad input, a missing record, a rule that says no.
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database failure: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis failure: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The expected refusal this is, if it is one.
    pub fn app(&self) -> Option<&AppError> {
        match self {
            Error::App(e) => Some(e),
            _ => None,
        }
    }

    /// The pt-BR sentence a person reads for this error.
    pub fn message(&self) -> String {
        self.app().unwrap_or(&AppError::Internal).message()
    }

    /// Whether this is the unique violation of `constraint` (a race another request won).
    pub fn is_unique_violation(&self, constraint: &str) -> bool {
        matches!(self, Error::Database(e) if on_constraint(e, constraint))
    }
}

/// Whether a database error is the unique violation of the named constraint (or of any unique
/// constraint, when `constraint` is empty). The one place that reads SQLSTATE 23505.
pub fn on_constraint(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(e) if e.code().as_deref() == Some("23505") => {
            constraint.is_empty() || e.constraint() == Some(constraint)
        }
        _ => false,
    }
}

impl From<Error> for AppError {
    /// At the edge: refusals pass through; failures are logged here, with their source, and
    /// answered as the opaque [`AppError::Internal`].
    fn from(e: Error) -> Self {
        match e {
            Error::App(e) => e,
            failure => {
                tracing::error!(error = ?failure, source = ?std::error::Error::source(&failure), "unexpected failure");
                AppError::Internal
            }
        }
    }
}
