//! Configurações → Integrações (administrators).

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::dto::IntegrationSettings;

#[server(client = CsrfClient, endpoint = "integrations/get")]
pub async fn get_integrations() -> Result<IntegrationSettings, AppError> {
    use crate::guard;
    use backend::services::integrations;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageSettings)?;
        integrations::get(&call.state).await
    })
    .await
}

#[server(client = CsrfClient, endpoint = "integrations/save", input = Json)]
pub async fn save_integrations(input: IntegrationSettings) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::integrations;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        integrations::save(&call.state, &who, input).await
    })
    .await
}

/// "Testar": looks one CPF up in the ERP with the settings as the page has them.
#[server(client = CsrfClient, endpoint = "integrations/test", input = Json)]
pub async fn test_erp(input: IntegrationSettings, cpf: String) -> Result<String, AppError> {
    use crate::guard;
    use backend::services::integrations;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageSettings)?;
        integrations::test(&call.state, &who, &input, &cpf).await
    })
    .await
}
