//! The HTTP edge: probes, metrics, and the middleware every UI and server-function request
//! passes through (client address, session, CSRF, body size).

pub mod health;
pub mod limits;
pub mod metrics;
pub mod session;
