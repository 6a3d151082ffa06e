//! REST API tokens: created by administrators (UI or `server api-token create`), shown once,
//! stored as an HMAC, revocable.

use crate::crypto::random_token;
use crate::db::{self, api_tokens::NewToken, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::api_scope::ApiScope;
use shared::dto::{ApiTokenView, AuditAction, CreatedApiToken};
use shared::{ApiTokenId, PersonName, UserId};
use uuid::Uuid;

/// Every token starts with this, so leaked ones are easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "omni_";

pub async fn list(state: &AppState) -> Result<Vec<ApiTokenView>, Error> {
    db::api_tokens::list(&state.pool).await
}

/// Scope codes as typed (`read`, `contacts`…; blanks skipped), each one known.
pub fn parse_scopes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Vec<ApiScope>, Error> {
    codes
        .into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            ApiScope::parse(c).ok_or_else(|| {
                AppError::Refused(shared::Refusal::ApiScopeUnknown {
                    scope: c.to_owned(),
                })
                .into()
            })
        })
        .collect()
}

/// Creates a token with `scopes` (none given: every scope); `actor` is None on the command line.
pub async fn create(
    state: &AppState,
    name: &str,
    actor: Option<(UserId, &str)>,
    scopes: Option<&[ApiScope]>,
) -> Result<CreatedApiToken, Error> {
    let name = PersonName::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let mut scopes: Vec<ApiScope> = scopes
        .map(<[ApiScope]>::to_vec)
        .unwrap_or(ApiScope::ALL.to_vec());
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::Refused(shared::Refusal::ApiTokenScopesMissing).into());
    }
    let codes: Vec<String> = scopes.iter().map(|s| s.code().to_owned()).collect();
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let id = ApiTokenId(Uuid::new_v4());
    let mut tx = state.pool.begin().await?;
    let token = db::api_tokens::insert(
        &mut *tx,
        NewToken {
            id,
            name: name.as_str(),
            prefix: &prefix,
            token_hash: &state.secrets.token_hash(&secret),
            created_by: actor.map(|a| a.0),
            created_in_demo: state.demo,
            scopes: &codes,
        },
    )
    .await?;
    let detail = format!(
        "token \"{}\" ({prefix}…), escopos: {}",
        name.as_str(),
        codes.join(", ")
    );
    NewAuditEntry::new(AuditAction::ApiTokenCreated)
        .by(
            actor.map(|a| a.0),
            actor.map(|a| a.1).unwrap_or("linha de comando"),
        )
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(CreatedApiToken { token, secret })
}

pub async fn revoke(state: &AppState, id: ApiTokenId, actor: (UserId, &str)) -> Result<(), Error> {
    revoke_as(state, id, Some(actor.0), actor.1).await
}

/// Revokes from the command line.
pub async fn revoke_by_command(state: &AppState, id: ApiTokenId) -> Result<(), Error> {
    revoke_as(state, id, None, "linha de comando").await
}

async fn revoke_as(
    state: &AppState,
    id: ApiTokenId,
    actor_id: Option<UserId>,
    actor_label: &str,
) -> Result<(), Error> {
    let mut tx = state.pool.begin().await?;
    let name = db::api_tokens::revoke(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let detail = format!("token \"{name}\"");
    NewAuditEntry::new(AuditAction::ApiTokenRevoked)
        .by(actor_id, actor_label)
        .detail(&detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The live token behind a bearer secret. Records when it was last used (at most once a minute).
pub async fn authenticate(state: &AppState, secret: &str) -> Result<Option<ApiTokenView>, Error> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    db::api_tokens::use_live(&state.pool, &state.secrets.token_hash(secret), state.demo).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_read_as_typed_and_unknown_ones_named() {
        assert_eq!(
            parse_scopes(["read", " contacts ", ""]).unwrap(),
            [ApiScope::Read, ApiScope::Contacts]
        );
        let err = parse_scopes(["read", "tudo"]).unwrap_err();
        assert!(format!("{err:?}").contains("tudo"));
    }
}
