#![recursion_limit = "256"]
//! The platform's one binary, as a library so the integration tests can start it in-process.

pub mod config;
pub mod http;
pub mod jobs;
pub mod startup;
pub mod telemetry;
pub mod terminal;
