//! Who calls the REST API: the bearer token, checked live, and the scope the operation needs
//! (`shared::api_scope`), refused with 401 and 403 in the API's JSON.

use super::json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use backend::services::api_tokens;
use backend::AppState;
use shared::dto::ApiTokenView;

/// The token a request authenticated with.
pub struct Caller(pub ApiTokenView);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let refuse = || {
            let mut r = json::error(
                401,
                "unauthenticated",
                "Token de API ausente, inválido ou revogado.",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        };
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(refuse)?;
        let token = match api_tokens::authenticate(state, secret).await {
            Ok(Some(token)) => token,
            Ok(None) => return Err(refuse()),
            Err(e) => return Err(json::failure(e)),
        };
        // The operation's scope, by its method and route, must be one the token was given.
        let route = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| parts.uri.path().to_owned());
        let needed = shared::api_scope::ApiScope::needed(parts.method.as_str(), &route);
        if !token.scopes.contains(&needed) {
            return Err(json::error(
                403,
                "insufficient_scope",
                format!(
                    "Este token não tem o escopo \"{}\", necessário para esta operação.",
                    needed.code()
                ),
            ));
        }
        Ok(Caller(token))
    }
}

/// The token as the audit log names it ("API: integração RH"), from the caller's address.
pub struct Audited {
    label: String,
    ip: Option<String>,
}

impl Audited {
    pub fn new(caller: &Caller, client: super::session::ClientAddr) -> Self {
        Self {
            label: format!("API: {}", caller.0.name),
            ip: client.0.map(|ip| ip.to_string()),
        }
    }

    pub fn actor(&self) -> backend::services::users::Actor<'_> {
        backend::services::users::Actor {
            id: None,
            label: &self.label,
            ip: self.ip.as_deref(),
        }
    }
}
