//! Configurações → Canais and Tokens de API (administrators).

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::dto::{ApiTokenView, ChannelDetail, ChannelInput, CreatedApiToken, TeamRef};
use shared::{ApiTokenId, ChannelId};

#[server(client = CsrfClient, endpoint = "channels/list")]
pub async fn list_channels() -> Result<Vec<ChannelDetail>, AppError> {
    use crate::guard;
    use backend::services::channels;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        channels::list(&call.state).await
    })
    .await
}

/// Teams a channel can hand its new conversations to.
#[server(client = CsrfClient, endpoint = "channels/teams")]
pub async fn channel_teams() -> Result<Vec<TeamRef>, AppError> {
    use crate::guard;
    use backend::db;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        Ok(db::teams::list(&call.state.pool).await?)
    })
    .await
}

/// The bot flows a channel can answer with: key and name.
#[server(client = CsrfClient, endpoint = "channels/flows")]
pub async fn channel_flows() -> Result<Vec<(String, String)>, AppError> {
    use crate::guard;
    use backend::bot::library;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        Ok(library::list(&call.state)
            .await?
            .into_iter()
            .map(|(key, name, _, _)| (key, name))
            .collect())
    })
    .await
}

/// Creates (`id` empty) or updates a channel.
#[server(client = CsrfClient, endpoint = "channels/save", input = Json)]
pub async fn save_channel(
    id: Option<ChannelId>,
    input: ChannelInput,
) -> Result<ChannelDetail, AppError> {
    use crate::guard;
    use backend::services::channels;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        channels::save(&call.state, &who, id, &input).await
    })
    .await
}

/// "Testar conexão": the Graph API's answer in pt-BR.
#[server(client = CsrfClient, endpoint = "channels/test")]
pub async fn test_channel(id: ChannelId) -> Result<String, AppError> {
    use crate::guard;
    use backend::services::channels;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        channels::test_connection(&call.state, id).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "api-tokens/list")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    use crate::guard;
    use backend::services::api_tokens;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        api_tokens::list(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "api-tokens/create")]
/// `scopes`: comma-separated codes (`read,contacts`); absent, every scope.
pub async fn create_api_token(
    name: String,
    scopes: Option<String>,
) -> Result<CreatedApiToken, AppError> {
    use crate::guard;
    use backend::services::api_tokens;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        backend::guard::ensure_not_demo_locked(
            &call.state,
            &who,
            backend::guard::DemoLocked::ApiTokens,
        )?;
        let label = who.label();
        let scopes = match scopes.as_deref() {
            Some(text) => Some(api_tokens::parse_scopes(text.split(','))?),
            None => None,
        };
        api_tokens::create(
            &call.state,
            &name,
            Some((who.user.id, &label)),
            scopes.as_deref(),
        )
        .await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "api-tokens/revoke")]
pub async fn revoke_api_token(id: ApiTokenId) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::api_tokens;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        backend::guard::ensure_not_demo_locked(
            &call.state,
            &who,
            backend::guard::DemoLocked::ApiTokens,
        )?;
        let label = who.label();
        api_tokens::revoke(&call.state, id, (who.user.id, &label)).await
    })
    .await
}
