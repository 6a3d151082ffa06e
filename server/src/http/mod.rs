//! The HTTP edge: probes, metrics, and the middleware every UI and server-function request
//! passes through (client address, session, CSRF, body size).

pub mod api;
pub mod api_actions;
pub mod api_admin;
pub mod api_auth;
pub mod api_campaigns;
pub mod api_consent;
pub mod api_directory;
pub mod api_doc;
pub mod api_extract;
pub mod api_flows;
pub mod api_templates;
pub mod assets;
pub mod attachments;
pub mod health;
pub mod json;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod mock_erp;
pub mod policy;
pub mod session;
pub mod untrusted;
pub mod webchat;
pub mod webhooks;
