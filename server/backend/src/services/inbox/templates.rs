//! WhatsApp templates: synced from Meta, offered when the window is closed, and sent.

use super::detail::approved_templates;
use super::lifecycle::send;
use super::visibility::access;
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::MessageView;
use shared::inbox::TemplateView;
use shared::messaging::Outbound;
use shared::Refusal;
use shared::{ChannelId, ConversationId};

/// Reads the channel's templates from Meta and stores them (`services::templates::sync`).
pub async fn sync_templates(state: &AppState, channel: ChannelId) -> Result<usize, Error> {
    crate::services::templates::sync(state, channel).await
}

/// Builds the template send with the composer's parameter values.
pub fn template_outbound(template: &TemplateView, values: &[String]) -> Result<Outbound, Error> {
    if values.len() != template.parameter_count as usize
        || values.iter().any(|v| v.trim().is_empty())
    {
        return Err(AppError::Refused(Refusal::TemplateParametersMissing {
            count: template.parameter_count as usize,
        })
        .into());
    }
    let components = if values.is_empty() {
        Vec::new()
    } else {
        vec![shared::messaging::TemplateComponent {
            kind: "body".into(),
            sub_type: None,
            index: None,
            parameters: values
                .iter()
                .map(|v| shared::messaging::TemplateParameter::Text {
                    text: v.trim().to_owned(),
                    parameter_name: None,
                })
                .collect(),
        }]
    };
    Ok(Outbound::Template {
        name: template.name.clone(),
        language: template.language.clone(),
        components,
        rendered: None,
    })
}

/// Sends an approved template with its parameters.
pub async fn send_template(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    name: &str,
    language: &str,
    values: &[String],
) -> Result<MessageView, Error> {
    let a = access(state, who, conversation).await?;
    let template = approved_templates(state, a.channel_id)
        .await?
        .into_iter()
        .find(|t| t.name == name && t.language == language)
        .ok_or(AppError::Refused(Refusal::TemplateNotApproved))?;
    let outbound = template_outbound(&template, values)?;
    // The quick replies' payloads, and what the customer reads, from the stored template.
    let outbound =
        match crate::db::message_templates::send_shape(&state.pool, a.channel_id, name, language)
            .await?
        {
            Some((components, actions)) => shared::sent_template::complete(
                outbound,
                &components,
                &serde_json::from_value::<Vec<shared::sent_template::ButtonAction>>(actions)
                    .unwrap_or_default(),
            ),
            None => outbound,
        };
    send(state, who, conversation, outbound, None).await
}
