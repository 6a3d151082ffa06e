//! The conversation store's messages: what customers send ([`inbound`]), what the platform
//! sends ([`send`]; delivered by [`crate::outbox`]), receipts and provider errors
//! ([`receipts`]), reads ([`read`]) and provider calls outside the queue ([`provider`]).

pub mod inbound;
pub mod provider;
pub mod read;
pub mod receipts;
pub mod send;

pub use inbound::*;
pub use provider::*;
pub use read::*;
pub use receipts::*;
pub use send::*;
