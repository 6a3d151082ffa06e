//! What a REST API token may do: the scopes chosen when it is created, and which scope each
//! operation needs. A call outside the token's scopes is refused with 403.

use serde::{Deserialize, Serialize};

/// One permission of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiScope {
    /// Read anything the API lists (contacts, conversations, messages, channels, users, teams).
    Read,
    /// Send messages and act on conversations.
    Conversations,
    /// Create, change and merge contacts.
    Contacts,
    Flows,
    Campaigns,
    Reports,
    /// Users, teams and settings.
    Admin,
}

impl ApiScope {
    pub const ALL: [ApiScope; 7] = [
        ApiScope::Read,
        ApiScope::Conversations,
        ApiScope::Contacts,
        ApiScope::Flows,
        ApiScope::Campaigns,
        ApiScope::Reports,
        ApiScope::Admin,
    ];

    /// The name in the API, the command line and the database.
    pub fn code(self) -> &'static str {
        match self {
            ApiScope::Read => "read",
            ApiScope::Conversations => "conversations",
            ApiScope::Contacts => "contacts",
            ApiScope::Flows => "flows",
            ApiScope::Campaigns => "campaigns",
            ApiScope::Reports => "reports",
            ApiScope::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// What the scope allows, as Configurações → Tokens de API says it.
    pub fn label(self) -> &'static str {
        match self {
            ApiScope::Read => "Ler contatos, conversas, mensagens, canais, usuários e equipes",
            ApiScope::Conversations => "Enviar mensagens e agir nas conversas",
            ApiScope::Contacts => "Criar, alterar e unir contatos",
            ApiScope::Flows => "Fluxos do robô",
            ApiScope::Campaigns => "Campanhas e modelos de mensagem",
            ApiScope::Reports => "Relatórios",
            ApiScope::Admin => "Usuários, equipes e configurações",
        }
    }

    /// The scope an operation needs, by its method and route (`/api/v1/contacts/{id}`).
    /// Reading needs `read`; each kind of change its own scope; anything not listed, `admin`.
    pub fn needed(method: &str, route: &str) -> ApiScope {
        let reading = matches!(method, "GET" | "HEAD");
        let under = |prefix: &str| route == prefix || route.starts_with(&format!("{prefix}/"));
        if reading {
            ApiScope::Read
        } else if under("/api/v1/contacts") {
            ApiScope::Contacts
        } else if under("/api/v1/conversations") {
            ApiScope::Conversations
        } else if under("/api/v1/flows") {
            ApiScope::Flows
        } else if under("/api/v1/campaigns")
            || under("/api/v1/templates")
            || under("/api/v1/suppressions")
        {
            ApiScope::Campaigns
        } else {
            ApiScope::Admin
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_needs_its_scope() {
        assert_eq!(ApiScope::needed("GET", "/api/v1/contacts"), ApiScope::Read);
        assert_eq!(
            ApiScope::needed("POST", "/api/v1/contacts"),
            ApiScope::Contacts
        );
        assert_eq!(
            ApiScope::needed("PATCH", "/api/v1/contacts/{id}"),
            ApiScope::Contacts
        );
        assert_eq!(
            ApiScope::needed("POST", "/api/v1/conversations/{id}/messages"),
            ApiScope::Conversations
        );
        assert_eq!(ApiScope::needed("POST", "/api/v1/teams"), ApiScope::Admin);
        assert_eq!(
            ApiScope::needed("DELETE", "/api/v1/contactsx"),
            ApiScope::Admin,
            "a look-alike prefix is not the contacts"
        );
        assert_eq!(ApiScope::needed("GET", "/api/v1/users"), ApiScope::Read);
    }

    #[test]
    fn codes_round_trip() {
        for s in ApiScope::ALL {
            assert_eq!(ApiScope::parse(s.code()), Some(s));
        }
        assert_eq!(ApiScope::parse("tudo"), None);
    }
}
