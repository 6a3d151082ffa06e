//! Authorisation: every server function and REST handler starts with one of these; the returned
//! handle is the only way to learn who is acting, so code that skipped the check has no user to
//! act as. The Leptos side (reading the request from its context) is `app::guard`.

use super::session::{LoadedSession, RequestContext};
use crate::error::AppError;
use shared::dto::CurrentUser;
use shared::Permission;

/// A signed-in user whose role has been checked.
#[derive(Debug, Clone)]
pub struct Authorised {
    pub user: CurrentUser,
    pub session: LoadedSession,
    pub ctx: RequestContext,
}

impl Authorised {
    pub fn ip(&self) -> Option<&str> {
        self.ctx.ip.as_deref()
    }

    /// "Name <email>", the label kept in audit entries.
    pub fn label(&self) -> String {
        format!("{} <{}>", self.user.name, self.user.email)
    }
}

/// What demo accounts may not change in demo mode, as the refusal names it.
#[derive(Debug, Clone, Copy)]
pub enum DemoLocked {
    Users,
    ApiTokens,
    Channels,
    Erp,
    Security,
    OwnCredentials,
    Flows,
}

impl DemoLocked {
    fn what(self) -> &'static str {
        match self {
            DemoLocked::Users => "criar, alterar ou desativar usuários",
            DemoLocked::ApiTokens => "criar ou revogar tokens de API",
            DemoLocked::Channels => "alterar canais e suas credenciais",
            DemoLocked::Erp => "mudar o endereço e a chave do ERP",
            DemoLocked::Security => "alterar as configurações de segurança",
            DemoLocked::Flows => "publicar, arquivar ou trocar o fluxo de um canal",
            DemoLocked::OwnCredentials => {
                "mudar a senha nem a verificação em duas etapas desta conta"
            }
        }
    }
}

/// In demo mode a demo account (the login published on the login page among them) looks at
/// everything but changes nothing that would hurt the next visitor or escape the demo.
pub fn ensure_not_demo_locked(
    state: &crate::state::AppState,
    who: &Authorised,
    what: DemoLocked,
) -> Result<(), AppError> {
    if state.demo && state.auth.demo_locked && who.user.is_demo {
        return Err(AppError::Refused(shared::Refusal::DemoLocked {
            what: what.what().to_owned(),
        }));
    }
    Ok(())
}

/// Any signed-in user of this request, even one who still has to enrol in 2FA.
pub fn signed_in(ctx: &RequestContext) -> Result<Authorised, AppError> {
    let session = ctx
        .session
        .clone()
        .filter(LoadedSession::is_active)
        .ok_or(AppError::Unauthenticated)?;
    let user = ctx.user.clone().ok_or(AppError::Unauthenticated)?;
    Ok(Authorised {
        user,
        session,
        ctx: ctx.clone(),
    })
}

/// A signed-in user of this request whose role has `permission` (plain axum handlers use it
/// as server functions use [`Call::require`]).
pub fn require(ctx: &RequestContext, permission: Permission) -> Result<Authorised, AppError> {
    let who = signed_in(ctx)?;
    if who.user.must_enrol_totp {
        return Err(AppError::TotpEnrolmentRequired);
    }
    if !who.user.can(permission) {
        tracing::info!(user = %who.user.id, ?permission, "permission denied");
        return Err(AppError::Forbidden);
    }
    Ok(who)
}
