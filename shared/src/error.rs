//! The error every server function and REST call answers with: what a person or an integrator
//! reads. Variants are codes; [`AppError::message`] gives their pt-BR sentence, in one place.
//! Unexpected failures are logged on the server (where their source is kept) and reach the
//! browser only as the opaque [`AppError::Internal`].

use crate::messaging::{OutboundError, WindowError};
use crate::refusal::Refusal;
use crate::ValueError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// No valid session (never signed in, signed out, expired or ended by an administrator).
    #[error("not authenticated")]
    Unauthenticated,
    /// Signed in, but the role lacks the permission.
    #[error("forbidden")]
    Forbidden,
    /// The role requires 2FA and this user has not enrolled yet.
    #[error("2FA enrolment required")]
    TotpEnrolmentRequired,
    /// Wrong e-mail or password; deliberately does not say which.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed attempts for this account or address.
    #[error("too many attempts")]
    TooManyAttempts { minutes: u32 },
    /// An anonymous surface's limit for this client address (`crate::ratelimit`).
    #[error("rate limited")]
    RateLimited { seconds: u64 },
    /// The provider (Meta) did not answer what we asked of it now (media download).
    #[error("provider unavailable")]
    ProviderUnavailable,
    #[error("invalid TOTP code")]
    InvalidTotpCode,
    /// The login's second step was not started or took too long.
    #[error("2FA step expired")]
    TotpStepExpired,
    /// Enrolling again while 2FA is on; it must be disabled (with the password) first.
    #[error("2FA already enabled")]
    TotpAlreadyEnabled,
    /// The current password typed to confirm a sensitive change is wrong.
    #[error("wrong current password")]
    WrongPassword,
    #[error("invalid value for {field}: {error}")]
    Invalid { field: String, error: ValueError },
    #[error("e-mail already in use")]
    EmailTaken,
    #[error("team name already in use")]
    TeamNameTaken,
    #[error("last active administrator")]
    LastAdministrator,
    #[error("not found")]
    NotFound,
    /// The message breaks the channel's documented limits.
    #[error("outbound: {0}")]
    Outbound(OutboundError),
    /// The customer-service window forbids this message now.
    #[error("window: {0}")]
    Window(WindowError),
    /// Another channel of this kind already uses the same provider id.
    #[error("channel already configured")]
    ChannelTaken,
    /// The conversation is resolved; it must be reopened before replying.
    #[error("conversation resolved")]
    ConversationResolved,

    /// An action that does not apply now, with its typed reason.
    #[error("refused: {0:?}")]
    Refused(#[serde(with = "crate::refusal::wire")] Refusal),
    /// A state-changing request without a valid anti-CSRF token.
    #[error("CSRF check failed")]
    CsrfRejected,
    #[error("request too large")]
    TooLarge,
    /// The arguments could not be read (malformed or missing fields).
    #[error("bad request")]
    BadRequest,
    /// Anything unexpected; details are in the server log only.
    #[error("internal error")]
    Internal,
    /// The request never got a proper answer (network down, server restarting).
    #[error("transport: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, error: ValueError) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            error,
        }
    }

    /// The pt-BR sentence shown to the user.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Sua sessão expirou. Entre novamente.".into(),
            AppError::Forbidden => "Você não tem permissão para esta ação.".into(),
            AppError::TotpEnrolmentRequired => {
                "Ative a verificação em duas etapas em Meu perfil para continuar.".into()
            }
            AppError::InvalidCredentials => "E-mail ou senha inválidos.".into(),
            AppError::TooManyAttempts { minutes } => format!(
                "Muitas tentativas sem sucesso. Aguarde {minutes} minuto{} e tente novamente.",
                if *minutes == 1 { "" } else { "s" }
            ),
            AppError::RateLimited { seconds } => crate::ratelimit::refusal_text(*seconds),
            AppError::ProviderUnavailable => {
                "A Meta não entregou o arquivo agora. Tente de novo em instantes.".into()
            }
            AppError::InvalidTotpCode => "Código de verificação inválido.".into(),
            AppError::TotpStepExpired => {
                "A etapa de verificação expirou. Entre novamente com e-mail e senha.".into()
            }
            AppError::TotpAlreadyEnabled => {
                "A verificação em duas etapas já está ativa. Desative-a com sua senha para trocar de aparelho."
                    .into()
            }
            AppError::WrongPassword => "Senha atual incorreta.".into(),
            AppError::Invalid { error, .. } => error.message().into(),
            AppError::EmailTaken => "Já existe um usuário com este e-mail.".into(),
            AppError::TeamNameTaken => "Já existe uma equipe com este nome.".into(),
            AppError::LastAdministrator => {
                "Não é possível: este é o último administrador ativo.".into()
            }
            AppError::NotFound => "Registro não encontrado.".into(),
            AppError::Outbound(e) => e.message(),
            AppError::Window(e) => e.message().into(),
            AppError::ChannelTaken => {
                "Já existe um canal deste tipo com este identificador da Meta.".into()
            }
            AppError::ConversationResolved => {
                "Esta conversa está resolvida. Reabra-a para responder.".into()
            }
            AppError::Refused(why) => why.message(),
            AppError::CsrfRejected => {
                "Não foi possível validar a origem da requisição. Recarregue a página e tente novamente."
                    .into()
            }
            AppError::TooLarge => "Os dados enviados são grandes demais.".into(),
            AppError::BadRequest => {
                "Os dados enviados estão incompletos ou em formato inválido.".into()
            }
            AppError::Internal => {
                "Ocorreu um erro inesperado. Tente novamente em instantes.".into()
            }
            AppError::Transport(_) => {
                "Não foi possível falar com o servidor. Verifique sua conexão e tente novamente."
                    .into()
            }
        }
    }

    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::TotpStepExpired => 401,
            AppError::Forbidden | AppError::TotpEnrolmentRequired | AppError::CsrfRejected => 403,
            AppError::InvalidCredentials | AppError::InvalidTotpCode | AppError::WrongPassword => {
                401
            }
            AppError::TooManyAttempts { .. } | AppError::RateLimited { .. } => 429,
            AppError::ProviderUnavailable => 502,
            AppError::Invalid { .. } | AppError::Outbound(_) | AppError::Window(_) => 422,
            // A value that breaks the rules, like `Invalid`, with every problem in the sentence.
            AppError::Refused(
                Refusal::ContactTagsInvalid { .. } | Refusal::CampaignSettingsInvalid { .. },
            ) => 422,
            AppError::ChannelTaken | AppError::ConversationResolved | AppError::Refused(_) => 409,
            AppError::EmailTaken
            | AppError::TeamNameTaken
            | AppError::LastAdministrator
            | AppError::TotpAlreadyEnabled => 409,
            AppError::NotFound => 404,
            AppError::TooLarge => 413,
            AppError::BadRequest => 400,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// A stable snake_case code for the REST API and webhooks.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::TotpEnrolmentRequired => "totp_enrolment_required",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::ProviderUnavailable => "provider_unavailable",
            AppError::InvalidTotpCode => "invalid_totp_code",
            AppError::TotpStepExpired => "totp_step_expired",
            AppError::TotpAlreadyEnabled => "totp_already_enabled",
            AppError::WrongPassword => "wrong_password",
            AppError::Invalid { .. } => "invalid_value",
            AppError::EmailTaken => "email_taken",
            AppError::TeamNameTaken => "team_name_taken",
            AppError::LastAdministrator => "last_administrator",
            AppError::NotFound => "not_found",
            AppError::Outbound(_) => "message_invalid",
            AppError::Window(WindowError::WhatsappClosed) => "whatsapp_window_closed",
            AppError::Window(WindowError::MetaStandardClosed) => "messaging_window_closed",
            AppError::Window(WindowError::MetaHumanAgentClosed) => "human_agent_window_closed",
            AppError::ChannelTaken => "channel_taken",
            AppError::ConversationResolved => "conversation_resolved",
            AppError::Refused(_) => "action_refused",
            AppError::CsrfRejected => "csrf_rejected",
            AppError::TooLarge => "payload_too_large",
            AppError::BadRequest => "bad_request",
            AppError::Internal => "internal_error",
            AppError::Transport(_) => "transport_error",
        }
    }

    /// The field a validation error belongs to, for inline display.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::EmailTaken => Some("email"),
            AppError::TeamNameTaken => Some("name"),
            _ => None,
        }
    }
}

#[cfg(feature = "server-fn")]
mod server_fn_error {
    use super::AppError;
    use server_fn::codec::JsonEncoding;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};

    impl FromServerFnError for AppError {
        type Encoder = JsonEncoding;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            match value {
                // On the server: the arguments did not parse.
                ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::BadRequest,
                // The server answered with something that is not one of our errors: a proxy page,
                // a 413 from the body limit, or a dropped connection.
                ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => {
                    AppError::Transport(e)
                }
                ServerFnErrorErr::Deserialization(e) if e.contains("413") => AppError::TooLarge,
                // On the server, what fails to deserialize is the request's arguments (a JSON
                // body missing a field): the caller's mistake, not a transport failure.
                #[cfg(not(target_arch = "wasm32"))]
                ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
                other => AppError::Transport(other.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_failure_never_reveals_whether_the_account_exists() {
        // One variant, one message, for unknown e-mail and wrong password alike.
        assert_eq!(
            AppError::InvalidCredentials.message(),
            "E-mail ou senha inválidos."
        );
    }

    #[test]
    fn lockout_message_is_grammatical() {
        assert!(AppError::TooManyAttempts { minutes: 1 }
            .message()
            .contains("1 minuto e"));
        assert!(AppError::TooManyAttempts { minutes: 15 }
            .message()
            .contains("15 minutos"));
    }
}
