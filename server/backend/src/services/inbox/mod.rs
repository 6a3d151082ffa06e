//! The agent inbox: who sees which conversation, the list, the conversation view and every
//! action on a conversation. Each action is checked against the role's permissions and the
//! conversation's visibility, records a conversation event, and is published live.

mod agents;
mod canned;
mod contact;
mod continue_on;
mod detail;
mod integration;
mod lifecycle;
mod list;
mod privacy;
mod settings;
mod templates;
mod visibility;

pub use agents::*;
pub use canned::*;
pub use contact::*;
pub use continue_on::*;
pub use detail::*;
pub use integration::*;
pub use lifecycle::*;
pub use list::*;
pub use settings::*;
pub use templates::*;
pub use visibility::*;
