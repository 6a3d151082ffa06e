//! Wasm-safe domain shared by the server and the browser.
//!
//! Nothing here performs I/O: these are value types that parse instead of validate, the
//! role-permission table, the DTOs the UI and the server exchange, and pure algorithms (TOTP).

pub mod api_scope;
pub mod auth;
pub mod campaign;
pub mod dto;
pub mod egress;
pub mod erp;
pub mod error;
pub mod flow;
pub mod hours;
pub mod ids;
pub mod inbox;
pub mod messaging;
pub mod payment;
pub mod ratelimit;
pub mod redact;
pub mod refusal;
pub mod rich_text;
pub mod sent_template;
pub mod shortcuts;
pub mod template;
pub mod timeline;
pub mod totp;
pub mod values;

pub use auth::{Availability, Permission, Role};
pub use error::AppError;
pub use ids::{ApiTokenId, ChannelId, ContactId, ConversationId, MessageId, TeamId, UserId};
pub use refusal::Refusal;
pub use values::{Cpf, Email, PersonName, Phone, TeamName, ValueError};
