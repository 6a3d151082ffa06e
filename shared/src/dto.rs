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
    /// Said to the customer when an agent resolves a conversation of this team (empty: nothing).
    #[serde(default)]
    pub closing_message: String,
    /// When the team answers; `None`: at any time.
    #[serde(default)]
    pub business_hours: Option<crate::hours::BusinessHours>,
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
    ChannelChanged,
    ErpTested,
    FlowPublished,
    DemoReset,
    ApiTokenCreated,
    ApiTokenRevoked,
    ContactsMerged,
    CpfRevealed,
    CannedResponseChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 25] = [
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
        AuditAction::ChannelChanged,
        AuditAction::ErpTested,
        AuditAction::FlowPublished,
        AuditAction::DemoReset,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::ContactsMerged,
        AuditAction::CpfRevealed,
        AuditAction::CannedResponseChanged,
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
            AuditAction::ChannelChanged => "channel_changed",
            AuditAction::ErpTested => "erp_tested",
            AuditAction::FlowPublished => "flow_published",
            AuditAction::DemoReset => "demo_reset",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::ApiTokenRevoked => "api_token_revoked",
            AuditAction::ContactsMerged => "contacts_merged",
            AuditAction::CpfRevealed => "cpf_revealed",
            AuditAction::CannedResponseChanged => "canned_response_changed",
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
            AuditAction::ChannelChanged => "Canal alterado",
            AuditAction::ErpTested => "ERP testado",
            AuditAction::FlowPublished => "Fluxo publicado",
            AuditAction::DemoReset => "Demonstração reiniciada",
            AuditAction::ApiTokenCreated => "Token de API criado",
            AuditAction::ApiTokenRevoked => "Token de API revogado",
            AuditAction::ContactsMerged => "Contatos mesclados",
            AuditAction::CpfRevealed => "CPF de contato revelado",
            AuditAction::CannedResponseChanged => "Resposta pronta alterada",
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

/// A length of time as a person sets it: minutes, hours or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub const ALL: [TimeUnit; 3] = [TimeUnit::Minutes, TimeUnit::Hours, TimeUnit::Days];

    pub fn code(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "minutos",
            TimeUnit::Hours => "horas",
            TimeUnit::Days => "dias",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "minutos",
            TimeUnit::Hours => "horas",
            TimeUnit::Days => "dias",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.code() == code)
    }

    /// `n` of this unit in minutes (saturating).
    pub fn minutes(self, n: u32) -> u32 {
        n.saturating_mul(match self {
            TimeUnit::Minutes => 1,
            TimeUnit::Hours => 60,
            TimeUnit::Days => 1440,
        })
    }

    /// Minutes in the largest unit that writes them whole: 1440 → (1, days), 90 → (90, minutes).
    pub fn split_minutes(minutes: u32) -> (u32, TimeUnit) {
        match minutes {
            m if m > 0 && m % 1440 == 0 => (m / 1440, TimeUnit::Days),
            m if m > 0 && m % 60 == 0 => (m / 60, TimeUnit::Hours),
            m => (m, TimeUnit::Minutes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_shown_in_the_largest_whole_unit() {
        assert_eq!(TimeUnit::split_minutes(1440), (1, TimeUnit::Days));
        assert_eq!(TimeUnit::split_minutes(2880), (2, TimeUnit::Days));
        assert_eq!(TimeUnit::split_minutes(120), (2, TimeUnit::Hours));
        assert_eq!(TimeUnit::split_minutes(90), (90, TimeUnit::Minutes));
        assert_eq!(TimeUnit::split_minutes(0), (0, TimeUnit::Minutes));
        for m in [0, 5, 60, 90, 1440, 4320, 10_000] {
            let (n, unit) = TimeUnit::split_minutes(m);
            assert_eq!(unit.minutes(n), m, "{m} round-trips");
        }
    }

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

// ---- Channels, contacts, conversations and messages -------------------------------------

use crate::messaging::{
    Author, ChannelKind, ConversationStatus, DeliveryStatus, Direction, MessageKind,
};
use crate::{ApiTokenId, ChannelId, ContactId, ConversationId, MessageId};
use std::collections::BTreeMap;

/// The look and rules of a website chat channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebchatSettings {
    /// CSS colour, `#rrggbb`.
    pub color: String,
    pub title: String,
    pub greeting: String,
    /// Origins (`https://loja.com.br`) whose pages may embed the chat.
    pub allowed_origins: Vec<String>,
}

impl Default for WebchatSettings {
    fn default() -> Self {
        Self {
            color: "#0f766e".into(),
            title: "Fale com a gente".into(),
            greeting: "Olá! Como podemos ajudar?".into(),
            allowed_origins: Vec::new(),
        }
    }
}

/// A channel as anyone may see it: never its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChannelView {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    /// WhatsApp phone number id, Facebook page id or Instagram account id.
    pub external_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A channel as an administrator edits it. Access tokens and app secrets are write-only: the
/// browser learns only whether one is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelDetail {
    pub channel: ChannelView,
    pub business_account_id: Option<String>,
    pub default_team_id: Option<TeamId>,
    pub webchat: Option<WebchatSettings>,
    pub has_access_token: bool,
    pub has_app_secret: bool,
    /// Meta's webhook URL for this kind of channel (empty for webchat).
    pub webhook_url: String,
    /// The verify token to paste into Meta's dashboard with the webhook URL.
    pub verify_token: Option<String>,
    /// The `<script>` tag for a webchat channel.
    pub embed_snippet: Option<String>,
    /// The bot flow that answers new conversations; none: straight to the team's queue.
    #[serde(default)]
    pub bot_flow: Option<String>,
    /// A channel of the demo simulator (`/demonstracao`): nothing goes to Meta.
    #[serde(default)]
    pub simulated: bool,
}

/// Creating or editing a channel. Empty secret fields keep the stored value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelInput {
    pub kind: ChannelKind,
    pub name: String,
    pub external_id: Option<String>,
    pub business_account_id: Option<String>,
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub default_team_id: Option<TeamId>,
    pub webchat: Option<WebchatSettings>,
    pub active: bool,
    /// The bot flow that answers new conversations (a flow key); none: no bot.
    #[serde(default)]
    pub bot_flow: Option<String>,
}

/// Where a contact can be reached: a wa_id, a PSID, an IGSID or a webchat visitor id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactIdentityView {
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub external_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub id: ContactId,
    pub name: Option<String>,
    /// E.164, e.g. `+5511987654321`.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// 11 digits, without punctuation.
    pub cpf: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// In lower case, without spaces (`cliente-vip`), sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    pub identities: Vec<ContactIdentityView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConversationView {
    pub id: ConversationId,
    pub contact_id: ContactId,
    pub contact_name: Option<String>,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub team_id: Option<TeamId>,
    pub assignee_id: Option<UserId>,
    pub status: ConversationStatus,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// Starts the 24-hour customer-service window.
    pub last_customer_message_at: Option<DateTime<Utc>>,
    pub last_message_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub id: MessageId,
    /// Increases with every stored message: a cursor for catching up.
    pub seq: i64,
    pub conversation_id: ConversationId,
    pub channel_kind: ChannelKind,
    pub direction: Direction,
    pub author: Author,
    pub author_user_id: Option<UserId>,
    pub kind: MessageKind,
    /// The text a person reads (body, caption, chosen option); always shown as text.
    pub text: Option<String>,
    /// The structured content (buttons, list, media id, location, template…).
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub content: serde_json::Value,
    pub provider_message_id: Option<String>,
    /// Outbound messages only.
    pub status: Option<DeliveryStatus>,
    pub error_code: Option<i32>,
    pub error_title: Option<String>,
    /// The agent's name, for messages an agent wrote.
    #[serde(default)]
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An API token as listed; the secret is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: ApiTokenId,
    pub name: String,
    /// The first characters, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// What it may do.
    #[serde(default)]
    pub scopes: Vec<crate::api_scope::ApiScope>,
}

/// A token just created: `secret` is shown this once and never stored in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiTokenView,
    pub secret: String,
}

/// Creating or changing a contact. On update, absent fields are kept and an empty string
/// clears the field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactInput {
    #[serde(default)]
    pub name: Option<String>,
    /// Any common format; stored in E.164.
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// With or without punctuation; the check digits are verified.
    #[serde(default)]
    pub cpf: Option<String>,
    /// Replaces the custom attributes when present.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, String>>,
    /// Replaces the tags when present: at most 20, each up to 32 letters, digits, `-` or `_`
    /// (stored in lower case, spaces as `-`).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// What the demo simulator shows: the conversation as the customer sees it and, for the
/// presenter, what the platform is doing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoSnapshot {
    pub conversation_id: Option<ConversationId>,
    pub status: Option<ConversationStatus>,
    pub team: Option<String>,
    pub agent: Option<String>,
    /// Messages after the requested `seq`, oldest first.
    pub messages: Vec<MessageView>,
    /// The block the bot is at: "Menu principal · Pedir CPF".
    pub node: Option<String>,
    /// What the bot waits for, in pt-BR.
    pub bot_status: Option<String>,
    /// Newest last.
    pub trace: Vec<DemoTrace>,
}

/// One thing the platform did, for the presenter panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoTrace {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// node, call, handoff, end, reminder, close, error
    pub kind: String,
    pub text: String,
    /// Calls only.
    pub ms: Option<i64>,
    pub ok: Option<bool>,
}

/// Configurações → Integrações: the ERP's HTTP connector, the bot's inactivity timers and, in
/// demo mode, the mock ERP's injected latency and failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationSettings {
    pub base_url: String,
    pub auth_header: String,
    /// Write-only: empty keeps the stored value; never sent back.
    pub auth_value: String,
    /// Whether a value is stored (shown as "••••").
    #[serde(default)]
    pub auth_value_set: bool,
    pub timeout_ms: u64,
    /// Per operation code (`find_customer`…): its path, empty for the default.
    pub paths: BTreeMap<String, String>,
    /// Per operation code: the field mapping as JSON (`{"nome": "dados.nome"}`), empty for none.
    pub mappings: BTreeMap<String, String>,
    pub reminder_minutes: u32,
    pub close_minutes: u32,
    /// Demo mode only.
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub mock_latency_ms: u64,
    #[serde(default)]
    pub mock_failure_percent: u8,
}
