//! Campanhas: proactive WhatsApp campaigns (administrators make and steer them, supervisors
//! follow them), and the numbers nobody may message.

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::campaign::model::CampaignAction;
use shared::campaign::report::{
    CampaignView, CreatedCampaign, NewCampaign, Preflight, RecipientView,
};
use uuid::Uuid;

/// `/campanhas`: every campaign with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignsOverview {
    pub campaigns: Vec<CampaignView>,
    pub editable: bool,
}

/// `/campanhas/{id}`: the campaign, and its pre-flight while it has not started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDetail {
    pub campaign: CampaignView,
    pub preflight: Option<Preflight>,
    pub editable: bool,
}

#[server(client = CsrfClient, endpoint = "campaigns/list")]
pub async fn list_campaigns() -> Result<CampaignsOverview, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewCampaigns)?;
        Ok(CampaignsOverview {
            campaigns: campaigns::list(&call.state).await?,
            editable: who.user.can(Permission::ManageCampaigns),
        })
    })
    .await
}

#[server(client = CsrfClient, endpoint = "campaigns/get")]
pub async fn get_campaign(id: Uuid) -> Result<CampaignDetail, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::campaign::model::CampaignStatus;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewCampaigns)?;
        let campaign = campaigns::get(&call.state, id).await?;
        let preflight = match campaign.status {
            CampaignStatus::Draft | CampaignStatus::Scheduled => {
                Some(campaigns::preflight(&call.state, id).await?)
            }
            _ => None,
        };
        Ok(CampaignDetail {
            campaign,
            preflight,
            editable: who.user.can(Permission::ManageCampaigns),
        })
    })
    .await
}

/// A page of the campaign's recipients, in the state asked for (every state when none).
#[server(client = CsrfClient, endpoint = "campaigns/recipients")]
pub async fn campaign_recipients(
    id: Uuid,
    state: Option<String>,
    after: Option<Uuid>,
) -> Result<Vec<RecipientView>, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::campaign::model::RecipientState;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewCampaigns)?;
        let state = state.filter(|s| RecipientState::from_code(s).is_some());
        campaigns::recipients(&call.state, id, state.as_deref(), after, 100).await
    })
    .await
}

/// Makes a draft from the wizard: the recipients and the report of the lines left out.
#[server(client = CsrfClient, endpoint = "campaigns/create", input = Json)]
pub async fn create_campaign(campaign: NewCampaign) -> Result<CreatedCampaign, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageCampaigns)?;
        let c = campaigns::create(&call.state, campaign, Some(who.user.id)).await?;
        Ok(CreatedCampaign {
            id: c.id,
            recipients: c.recipients,
            problems: c.report.problems,
            duplicates: c.report.duplicates,
            ninth_digit_added: c.report.ninth_digit_added,
        })
    })
    .await
}

/// Starts, pauses, resumes or cancels.
#[server(client = CsrfClient, endpoint = "campaigns/act", input = Json)]
pub async fn act_on_campaign(id: Uuid, action: CampaignAction) -> Result<CampaignView, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        campaigns::act(&call.state, id, action, None).await
    })
    .await
}

/// "Reenviar só as falhas temporárias": how many went back to the queue.
#[server(client = CsrfClient, endpoint = "campaigns/retry-failures")]
pub async fn retry_campaign_failures(id: Uuid) -> Result<u64, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        campaigns::get(&call.state, id).await?;
        campaigns::retry_temporary(&call.state, id).await
    })
    .await
}

/// The collection audience read from the ERP (customers with overdue invoices), as the file
/// the wizard shows and checks like an uploaded one.
#[server(client = CsrfClient, endpoint = "campaigns/erp-audience")]
pub async fn erp_audience() -> Result<String, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        campaigns::erp_audience(&call.state).await
    })
    .await
}

/// The audience from the platform's contacts: the ones the filter picks, as the file the
/// wizard shows and checks like an uploaded one, with how many were picked.
#[server(client = CsrfClient, endpoint = "campaigns/contacts-audience", input = Json)]
pub async fn contacts_audience(
    filter: shared::campaign::segment::ContactFilter,
) -> Result<shared::campaign::segment::SegmentPreview, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        campaigns::contacts_audience(&call.state, &filter).await
    })
    .await
}

/// Every channel a contact filter can name (any kind): id and name.
#[server(client = CsrfClient, endpoint = "campaigns/audience-channels")]
pub async fn audience_channels() -> Result<Vec<(shared::ChannelId, String)>, AppError> {
    use crate::guard;
    use backend::campaigns;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        campaigns::audience_channels(&call.state).await
    })
    .await
}

/// Configurações → Campanhas, as stored (defaults when never saved).
#[server(client = CsrfClient, endpoint = "campaigns/settings")]
pub async fn campaign_settings() -> Result<shared::campaign::model::CampaignSettings, AppError> {
    use crate::guard;
    use backend::services::settings;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageCampaigns)?;
        settings::campaigns(&call.state).await
    })
    .await
}

/// Checks and saves Configurações → Campanhas; what was stored (opt-out words tidied).
#[server(client = CsrfClient, endpoint = "campaigns/settings-save", input = Json)]
pub async fn save_campaign_settings(
    settings: shared::campaign::model::CampaignSettings,
) -> Result<shared::campaign::model::CampaignSettings, AppError> {
    use crate::guard;
    use backend::services::settings as service;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageCampaigns)?;
        let label = who.label();
        service::save_campaigns(
            &call.state,
            backend::services::users::Actor::person(&who, &label),
            settings,
        )
        .await
    })
    .await
}
