//! Data exchanged between the server and the browser.

use crate::{Availability, Role, TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed-in user, as the shell needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub is_demo: bool,
    pub availability: Availability,
    pub totp_enabled: bool,
    /// 2FA is required for this user's role and not yet enrolled: only the profile page works.
    pub must_enrol_totp: bool,
}

impl CurrentUser {
    pub fn can(&self, permission: crate::Permission) -> bool {
        self.role.can(permission)
    }
}

/// What happened after the password step of a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginOutcome {
    /// Signed in; the session cookie is set.
    SignedIn,
    /// The password was right and a TOTP or recovery code is needed next.
    TotpRequired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRef {
    pub id: TeamId,
    pub name: String,
}

/// A row of the Usuários page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub is_demo: bool,
    pub capacity: i32,
    pub availability: Availability,
    pub totp_enabled: bool,
    pub teams: Vec<TeamRef>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub is_supervisor: bool,
    pub availability: Availability,
}

/// A card of the Equipes page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<TeamMember>,
    /// Whether the viewer may change this team's members.
    pub can_manage: bool,
}

/// The counts on the Dashboard: real numbers of what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCounts {
    pub active_users: i64,
    pub teams: i64,
    pub agents_online: i64,
    pub agents_total: i64,
}

/// Security events kept in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    LoginSucceeded,
    LoginFailed,
    LoginLocked,
    Logout,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodeUsed,
    UserCreated,
    RoleChanged,
    UserUpdated,
    UserDeactivated,
    UserReactivated,
    PasswordReset,
    PasswordChanged,
    TeamChanged,
    SettingsChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 16] = [
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::LoginLocked,
        AuditAction::Logout,
        AuditAction::TotpEnabled,
        AuditAction::TotpDisabled,
        AuditAction::RecoveryCodeUsed,
        AuditAction::UserCreated,
        AuditAction::RoleChanged,
        AuditAction::UserUpdated,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::TeamChanged,
        AuditAction::SettingsChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::LoginSucceeded => "login_succeeded",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLocked => "login_locked",
            AuditAction::Logout => "logout",
            AuditAction::TotpEnabled => "totp_enabled",
            AuditAction::TotpDisabled => "totp_disabled",
            AuditAction::RecoveryCodeUsed => "recovery_code_used",
            AuditAction::UserCreated => "user_created",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::UserUpdated => "user_updated",
            AuditAction::UserDeactivated => "user_deactivated",
            AuditAction::UserReactivated => "user_reactivated",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::TeamChanged => "team_changed",
            AuditAction::SettingsChanged => "settings_changed",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::LoginSucceeded => "Login realizado",
            AuditAction::LoginFailed => "Falha de login",
            AuditAction::LoginLocked => "Login bloqueado por excesso de tentativas",
            AuditAction::Logout => "Saída",
            AuditAction::TotpEnabled => "Verificação em duas etapas ativada",
            AuditAction::TotpDisabled => "Verificação em duas etapas desativada",
            AuditAction::RecoveryCodeUsed => "Código de recuperação usado",
            AuditAction::UserCreated => "Usuário criado",
            AuditAction::RoleChanged => "Papel alterado",
            AuditAction::UserUpdated => "Usuário alterado",
            AuditAction::UserDeactivated => "Usuário desativado",
            AuditAction::UserReactivated => "Usuário reativado",
            AuditAction::PasswordReset => "Senha redefinida por administrador",
            AuditAction::PasswordChanged => "Senha alterada",
            AuditAction::TeamChanged => "Equipe alterada",
            AuditAction::SettingsChanged => "Configurações alteradas",
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// Who did it; `None` for a failed login of an unknown account.
    pub actor: Option<String>,
    /// Whom or what it was done to.
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// What the Meu perfil page shows to start enrolment in 2FA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    /// The QR code as an SVG document, rendered on the server.
    pub qr_svg: String,
}

/// Per-role security settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SecuritySettings {
    pub require_totp_admin: bool,
    pub require_totp_supervisor: bool,
    pub require_totp_agent: bool,
}

impl SecuritySettings {
    pub fn requires_totp(&self, role: Role) -> bool {
        match role {
            Role::Admin => self.require_totp_admin,
            Role::Supervisor => self.require_totp_supervisor,
            Role::Agent => self.require_totp_agent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_codes_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(a.code()), Some(a));
        }
    }

    #[test]
    fn totp_requirement_follows_the_role() {
        let s = SecuritySettings {
            require_totp_supervisor: true,
            ..Default::default()
        };
        assert!(s.requires_totp(Role::Supervisor));
        assert!(!s.requires_totp(Role::Admin));
        assert!(!s.requires_totp(Role::Agent));
    }
}
