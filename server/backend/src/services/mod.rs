//! Use cases. Each takes the state and an authorised actor (or the request context for login),
//! validates input by parsing it into domain types, does its work in one transaction where it
//! writes more than once, and records the audit entry in that same transaction.

pub mod api_tokens;
pub mod attachments;
pub mod auth;
pub mod channels;
pub mod contacts;
pub mod demo;
pub mod demo_campaign;
pub mod demo_reset;
pub mod inbox;
pub mod integrations;
pub mod keys;
pub mod profile;
pub mod settings;
pub mod setup;
pub mod teams;
pub mod templates;
pub mod users;
pub mod webchat;
