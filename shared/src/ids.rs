//! Identifier newtypes. They are `Copy` and cannot be mixed up with each other.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema), sqlx(transparent))]
        #[cfg_attr(feature = "ssr", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A platform user (administrator, supervisor or agent).
    UserId
);
id_type!(
    /// A team of agents, with its own queue.
    TeamId
);
id_type!(
    /// A customer (a person or company the contact centre talks to).
    ContactId
);
id_type!(
    /// A configured channel: a WhatsApp number, a Facebook page, an Instagram account or a
    /// website chat.
    ChannelId
);
id_type!(
    /// One conversation between a contact and the company on one channel.
    ConversationId
);
id_type!(
    /// One message of a conversation.
    MessageId
);
id_type!(
    /// A REST API token.
    ApiTokenId
);
