//! WhatsApp templates: synced from Meta, offered when the window is closed, and sent.

use super::detail::approved_templates;
use super::lifecycle::send;
use super::visibility::access;
use crate::db::{self, message_templates::Synced};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::MessageView;
use shared::inbox::TemplateView;
use shared::messaging::{ChannelKind, Outbound};
use shared::Refusal;
use shared::{ChannelId, ConversationId};

/// Reads the channel's templates from Meta (`GET /{waba-id}/message_templates`) and stores them.
pub async fn sync_templates(state: &AppState, channel: ChannelId) -> Result<usize, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let ch = channels
        .iter()
        .find(|c| c.id == channel && c.kind == ChannelKind::Whatsapp)
        .ok_or(AppError::NotFound)?;
    let waba = ch
        .settings
        .business_account_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or(AppError::Refused(Refusal::WabaIdMissing))?;
    let token = ch
        .access_token()
        .ok_or(AppError::Refused(Refusal::ChannelTokenMissing))?;
    let response = state
        .graph
        .get(
            &format!("{waba}/message_templates?fields=name,language,status,category,components&limit=200"),
            token,
        )
        .await
        .map_err(|e| AppError::Refused(Refusal::MetaRefused {
            status: e.describe(),
        }))?;
    let items = response
        .get("data")
        .and_then(|d| d.as_array())
        .cloned()
        .unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let mut stored = 0;
    for t in &items {
        let (Some(name), Some(language)) = (
            t.get("name").and_then(|v| v.as_str()),
            t.get("language").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let components = t.get("components").cloned().unwrap_or_default();
        let body = components
            .as_array()
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("type").and_then(|v| v.as_str()) == Some("BODY"))
            })
            .and_then(|c| c.get("text"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let parameter_count = placeholder_count(&body);
        db::message_templates::upsert(
            &mut *tx,
            Synced {
                channel,
                name,
                language,
                category: t
                    .get("category")
                    .and_then(|v| v.as_str())
                    .unwrap_or("UTILITY"),
                status: t
                    .get("status")
                    .and_then(|v| v.as_str())
                    .unwrap_or("PENDING"),
                body: &body,
                parameter_count: parameter_count as i32,
                components: &components,
            },
        )
        .await?;
        stored += 1;
    }
    tx.commit().await?;
    Ok(stored)
}

/// The highest `{{n}}` in a template body.
pub fn placeholder_count(body: &str) -> u32 {
    let mut max = 0;
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find("}}") {
            if let Ok(n) = rest[..end].trim().parse::<u32>() {
                max = max.max(n);
            }
            rest = &rest[end + 2..];
        } else {
            break;
        }
    }
    max
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
                })
                .collect(),
        }]
    };
    Ok(Outbound::Template {
        name: template.name.clone(),
        language: template.language.clone(),
        components,
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
    send(state, who, conversation, outbound, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_counted() {
        assert_eq!(placeholder_count("Olá {{1}}, fatura {{2}} vence {{3}}"), 3);
        assert_eq!(placeholder_count("Sem parâmetros"), 0);
        assert_eq!(placeholder_count("{{2}} antes de {{1}}"), 2);
    }
}
