//! Modelos: WhatsApp message templates managed with Meta (administrators create and delete,
//! supervisors look).

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::sent_template::ButtonAction;
use shared::template::{TemplateDraft, TemplateSummary};
use shared::ChannelId;

/// `/modelos`: the WhatsApp channels and their templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplatesOverview {
    /// (id, name) of each WhatsApp channel.
    pub channels: Vec<(ChannelId, String)>,
    pub templates: Vec<TemplateSummary>,
    pub editable: bool,
}

#[server(client = CsrfClient, endpoint = "templates/list")]
pub async fn list_templates() -> Result<TemplatesOverview, AppError> {
    use crate::guard;
    use backend::services::templates;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ViewTemplates)?;
        Ok(TemplatesOverview {
            channels: templates::whatsapp_channels(&call.state).await?,
            templates: templates::list(&call.state, None).await?,
            editable: who.user.can(Permission::ManageTemplates),
        })
    })
    .await
}

/// Sends a new template to Meta for review (checked against Meta's limits first).
#[server(client = CsrfClient, endpoint = "templates/create", input = Json)]
pub async fn create_template(
    channel: ChannelId,
    template: TemplateDraft,
    /// What the quick replies do when tapped.
    #[server(default)]
    button_actions: Vec<ButtonAction>,
) -> Result<TemplateSummary, AppError> {
    use crate::guard;
    use backend::services::templates;
    use shared::Permission;
    guard::run(|call| async move {
        let who = call.require(Permission::ManageTemplates)?;
        templates::create(
            &call.state,
            channel,
            &template,
            &button_actions,
            Some(who.user.id),
        )
        .await
    })
    .await
}

/// Sets what a template's quick replies do when tapped (start a flow, opt out).
#[server(client = CsrfClient, endpoint = "templates/button-actions", input = Json)]
pub async fn set_button_actions(
    id: uuid::Uuid,
    button_actions: Vec<ButtonAction>,
) -> Result<TemplateSummary, AppError> {
    use crate::guard;
    use backend::services::templates;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageTemplates)?;
        templates::set_button_actions(&call.state, id, &button_actions).await
    })
    .await
}

/// The flows a quick reply can start, as (key, name).
#[server(client = CsrfClient, endpoint = "templates/flows")]
pub async fn startable_flows() -> Result<Vec<(String, String)>, AppError> {
    use crate::guard;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ViewTemplates)?;
        backend::services::templates::startable_flows(&call.state).await
    })
    .await
}

/// Deletes a template at Meta and here.
#[server(client = CsrfClient, endpoint = "templates/delete")]
pub async fn delete_template(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::templates;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageTemplates)?;
        templates::delete(&call.state, id).await
    })
    .await
}

/// Reads every template of the channel from Meta again: how many.
#[server(client = CsrfClient, endpoint = "templates/sync")]
pub async fn sync_channel_templates(channel: ChannelId) -> Result<usize, AppError> {
    use crate::guard;
    use backend::services::templates;
    use shared::Permission;
    guard::run(|call| async move {
        call.require(Permission::ManageTemplates)?;
        templates::sync(&call.state, channel).await
    })
    .await
}
