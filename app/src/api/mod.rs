//! Server functions, grouped by the page that calls them. Each one is thin: it authorises
//! through `backend::guard`, calls one use case, and lets `guard::run` turn an error into
//! its HTTP status. Every endpoint is named explicitly, so `/api/...` paths are stable for the
//! RBAC tests and for anyone reading the logs.

pub mod admin;
pub mod auth;
pub mod campaigns;
pub mod channels;
pub mod demo;
pub mod flows;
pub mod inbox;
pub mod integrations;
pub mod profile;
pub mod setup;
pub mod teams;
pub mod templates;
pub mod users;
