//! Roles, permissions and agent availability.
//!
//! The role-permission table below is the single source of truth: the server checks it in every
//! server function and route, the UI reads it only to decide what to show, and
//! `docs/permissions.md` is generated from it (a test keeps the two in step).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a user is in the contact centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "user_role", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Agent];

    /// The role's name in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrador",
            Role::Supervisor => "Supervisor",
            Role::Agent => "Atendente",
        }
    }

    /// Where someone of this role lands after signing in: agents at their conversations,
    /// supervisors and administrators at the dashboard.
    pub fn landing(self) -> &'static str {
        match self {
            Role::Agent => "/conversas",
            Role::Admin | Role::Supervisor => "/",
        }
    }

    /// The stable code used in forms and the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The permission table. Exhaustive on both enums, so adding a role or a permission does not
    /// compile until its row is written.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ViewDashboard
            | EditOwnProfile
            | SetOwnAvailability
            | ViewOwnConversations
            | ViewTeamQueues
            | ReplyToConversations
            | TransferConversations
            | RevealCpf => true,
            ViewAllConversations
            | ViewTeams
            | ManageSupervisedTeams
            | AssignConversations
            | ManageQueues
            | ManageCannedResponses
            | ViewFullCpf
            | ViewFlows
            | ViewTemplates
            | ViewCampaigns => {
                matches!(self, Role::Admin | Role::Supervisor)
            }
            ManageUsers | ManageAllTeams | ManageSettings | ViewAuditLog | ManageFlows
            | ManageTemplates | ManageCampaigns => self == Role::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewDashboard,
    EditOwnProfile,
    SetOwnAvailability,
    ViewOwnConversations,
    ViewTeamQueues,
    ViewAllConversations,
    ViewTeams,
    ManageSupervisedTeams,
    ManageAllTeams,
    ManageUsers,
    ManageSettings,
    ViewAuditLog,
    ReplyToConversations,
    TransferConversations,
    AssignConversations,
    ManageQueues,
    ManageCannedResponses,
    RevealCpf,
    ViewFullCpf,
    ViewFlows,
    ManageFlows,
    ViewTemplates,
    ManageTemplates,
    ViewCampaigns,
    ManageCampaigns,
}

impl Permission {
    pub const ALL: [Permission; 25] = [
        Permission::ViewDashboard,
        Permission::EditOwnProfile,
        Permission::SetOwnAvailability,
        Permission::ViewOwnConversations,
        Permission::ViewTeamQueues,
        Permission::ViewAllConversations,
        Permission::ViewTeams,
        Permission::ManageSupervisedTeams,
        Permission::ManageAllTeams,
        Permission::ManageUsers,
        Permission::ManageSettings,
        Permission::ViewAuditLog,
        Permission::ReplyToConversations,
        Permission::TransferConversations,
        Permission::AssignConversations,
        Permission::ManageQueues,
        Permission::ManageCannedResponses,
        Permission::RevealCpf,
        Permission::ViewFullCpf,
        Permission::ViewFlows,
        Permission::ManageFlows,
        Permission::ViewTemplates,
        Permission::ManageTemplates,
        Permission::ViewCampaigns,
        Permission::ManageCampaigns,
    ];

    /// What the permission allows, in pt-BR, for the matrix document and the UI.
    pub fn description(self) -> &'static str {
        match self {
            Permission::ViewDashboard => "Ver o painel inicial",
            Permission::EditOwnProfile => "Alterar a própria senha e a verificação em duas etapas",
            Permission::SetOwnAvailability => "Definir a própria disponibilidade",
            Permission::ViewOwnConversations => "Ver as próprias conversas",
            Permission::ViewTeamQueues => "Ver as filas das próprias equipes",
            Permission::ViewAllConversations => "Ver todas as conversas",
            Permission::ViewTeams => "Ver equipes",
            Permission::ManageSupervisedTeams => "Gerenciar membros das equipes que supervisiona",
            Permission::ManageAllTeams => "Criar, renomear e gerenciar qualquer equipe",
            Permission::ManageUsers => {
                "Gerenciar usuários (criar, editar papel, equipe e capacidade, desativar, redefinir senha)"
            }
            Permission::ManageSettings => {
                "Alterar configurações (incluindo exigir verificação em duas etapas por papel)"
            }
            Permission::ViewAuditLog => "Ler o registro de auditoria",
            Permission::ReplyToConversations => {
                "Responder, assumir, resolver e reabrir conversas que pode ver"
            }
            Permission::TransferConversations => {
                "Transferir conversas para outra equipe ou atendente"
            }
            Permission::AssignConversations => {
                "Atribuir conversas a qualquer atendente e distribuir a fila manualmente"
            }
            Permission::ManageQueues => "Ligar e desligar a distribuição automática das equipes",
            Permission::ManageCannedResponses => "Gerenciar respostas prontas",
            Permission::RevealCpf => "Revelar o CPF mascarado de um contato (fica registrado)",
            Permission::ViewFullCpf => "Ver o CPF dos contatos sem máscara",
            Permission::ViewFlows => "Ver os fluxos do robô e o histórico de versões",
            Permission::ManageFlows => {
                "Criar, editar, publicar, arquivar fluxos do robô e escolher o fluxo de cada canal"
            }
            Permission::ViewTemplates => "Ver os modelos de mensagem do WhatsApp e o estado de cada um",
            Permission::ManageTemplates => {
                "Criar, excluir e sincronizar modelos de mensagem do WhatsApp com a Meta"
            }
            Permission::ViewCampaigns => {
                "Ver as campanhas, o andamento e o relatório de cada destinatário"
            }
            Permission::ManageCampaigns => {
                "Criar, iniciar, pausar, retomar e cancelar campanhas; importar a lista de supressão"
            }
        }
    }
}

/// Renders the permission matrix as the Markdown table kept in `docs/permissions.md`.
pub fn permission_matrix_markdown() -> String {
    let mut out = String::from(
        "# Matriz de permissões\n\n\
         Gerada a partir de `shared/src/auth.rs` (`Role::can`); o teste \
         `permission_matrix_document_matches_the_code` mantém este arquivo igual ao código.\n\
         O servidor verifica cada permissão em toda função de servidor e rota; esconder um botão \
         não é controle de acesso.\n\n| Permissão |",
    );
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.label()));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str(":---:|");
    }
    out.push('\n');
    for permission in Permission::ALL {
        out.push_str(&format!("| {} |", permission.description()));
        for role in Role::ALL {
            out.push_str(if role.can(permission) {
                " sim |"
            } else {
                " não |"
            });
        }
        out.push('\n');
    }
    out.push_str(VISIBILITY_RULES);
    out
}

/// Who sees which conversation (`crate::inbox::visible`, and its SQL form on the server).
const VISIBILITY_RULES: &str = "
## Quem vê cada conversa

- Com \"Ver todas as conversas\" (Administrador e Supervisor): todas.
- Sem ela (Atendente): as atribuídas a si; as das equipes de que é membro, com ou sem \
atendente; e as que não têm equipe nem atendente (a fila geral, de quem ainda ninguém cuida). \
Uma conversa sem equipe atribuída a outra pessoa não aparece.
- O histórico do cliente, os eventos, o painel do contato e as atualizações ao vivo mostram só \
as conversas que a pessoa pode ver: a conversa de outra equipe com o mesmo cliente, suas \
mensagens e suas notas internas ficam de fora.
- Notas internas nunca aparecem fora das conversas que a pessoa pode ver, nem para o cliente.
- Quem não pode ver uma conversa recebe \"não encontrada\" (404), como se ela não existisse.

## Modo demonstração

Com `DEMO_LOCKED` (o padrão), as contas de demonstração — o login publicado na página de entrada \
— veem tudo o que o papel permite, mas não alteram usuários, tokens de API, canais, o endereço e \
a chave do ERP, as configurações de segurança, nem a própria senha e 2FA; editam rascunhos de \
fluxos, mas não publicam, não arquivam nem trocam o fluxo de um canal.
";

/// Whether an agent takes new conversations now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "availability", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    Offline,
}

impl Availability {
    pub const ALL: [Availability; 3] = [
        Availability::Online,
        Availability::Away,
        Availability::Offline,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Availability::Online => "Disponível",
            Availability::Away => "Ausente",
            Availability::Offline => "Offline",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Availability::Online => "online",
            Availability::Away => "away",
            Availability::Offline => "offline",
        }
    }

    pub fn from_code(code: &str) -> Option<Availability> {
        Availability::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Name of the cookie that carries the anti-CSRF token (readable by script on purpose: the
/// browser echoes it in [`CSRF_HEADER`]; the session cookie itself is HttpOnly).
pub const CSRF_COOKIE: &str = "omni_csrf";
/// Name of the header the browser echoes the anti-CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_can_do_everything() {
        for p in Permission::ALL {
            assert!(Role::Admin.can(p), "{p:?}");
        }
    }

    #[test]
    fn supervisors_see_all_conversations_and_manage_their_teams_but_not_users_or_settings() {
        assert!(Role::Supervisor.can(Permission::ViewAllConversations));
        assert!(Role::Supervisor.can(Permission::ManageSupervisedTeams));
        assert!(!Role::Supervisor.can(Permission::ManageAllTeams));
        assert!(!Role::Supervisor.can(Permission::ManageUsers));
        assert!(!Role::Supervisor.can(Permission::ManageSettings));
        assert!(!Role::Supervisor.can(Permission::ViewAuditLog));
    }

    #[test]
    fn agents_see_their_own_conversations_and_team_queues_only() {
        assert!(Role::Agent.can(Permission::ViewOwnConversations));
        assert!(Role::Agent.can(Permission::ViewTeamQueues));
        assert!(Role::Agent.can(Permission::SetOwnAvailability));
        for p in [
            Permission::ViewAllConversations,
            Permission::ViewTeams,
            Permission::ManageSupervisedTeams,
            Permission::ManageAllTeams,
            Permission::ManageUsers,
            Permission::ManageSettings,
            Permission::ViewAuditLog,
        ] {
            assert!(!Role::Agent.can(p), "{p:?}");
        }
    }

    #[test]
    fn permission_list_is_complete() {
        // `ALL` is built by hand; a missing entry would hide a permission from the matrix.
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p));
        }
        assert_eq!(seen.len(), Permission::ALL.len());
    }

    #[test]
    fn role_and_availability_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        for a in Availability::ALL {
            assert_eq!(Availability::from_code(a.code()), Some(a));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn permission_matrix_document_matches_the_code() {
        let document = include_str!("../../docs/permissions.md");
        assert_eq!(
            document,
            permission_matrix_markdown(),
            "docs/permissions.md is stale: regenerate it with \
             `cargo run -p shared --example permission_matrix > docs/permissions.md`"
        );
    }
}
