//! The error of every server function lives in `shared`, so the browser, the server functions and
//! the REST API answer with one type.

pub use shared::error::AppError;
