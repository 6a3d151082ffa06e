//! Configurações → Canais: administrators create and edit channels, see the webhook URL and
//! verify token to paste into Meta, and test the stored token against the Graph API. Channels can
//! also be declared by environment variables at boot.

use crate::channels::{self, Channel, ChannelSecrets, ChannelSettings, SaveError};
use crate::crypto::random_token;
use crate::db::{self, audit::NewAuditEntry};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::{AuditAction, ChannelDetail, ChannelInput, ChannelView, WebchatSettings};
use shared::messaging::ChannelKind;
use shared::Refusal;
use shared::{ChannelId, PersonName, ValueError};
use uuid::Uuid;

pub fn detail(state: &AppState, channel: &Channel) -> ChannelDetail {
    let origin = state.auth.public_origin.trim_end_matches('/');
    let webchat = channel.kind == ChannelKind::Webchat;
    ChannelDetail {
        channel: channel.view(),
        business_account_id: channel.settings.business_account_id.clone(),
        default_team_id: channel.default_team_id,
        bot_flow: channel.bot_flow.clone(),
        simulated: channel.settings.simulated,
        webchat: webchat.then(|| channel.webchat()),
        has_access_token: channel.access_token().is_some(),
        has_app_secret: channel
            .secrets
            .app_secret
            .as_deref()
            .is_some_and(|s| !s.is_empty()),
        webhook_url: if webchat {
            String::new()
        } else {
            format!("{origin}/webhooks/{}", channel.kind.code())
        },
        verify_token: if webchat {
            None
        } else {
            channel.secrets.verify_token.clone()
        },
        embed_snippet: webchat.then(|| {
            format!(
                r#"<script src="{origin}/webchat.js" data-channel="{}" async></script>"#,
                channel.id
            )
        }),
    }
}

pub async fn list(state: &AppState) -> Result<Vec<ChannelDetail>, Error> {
    let all = channels::list(&state.pool, &state.secrets).await?;
    Ok(all.iter().map(|c| detail(state, c)).collect())
}

pub async fn list_views(state: &AppState) -> Result<Vec<ChannelView>, Error> {
    let all = state.channels.all(&state.pool, &state.secrets).await?;
    Ok(all.iter().map(Channel::view).collect())
}

pub async fn get(state: &AppState, id: ChannelId) -> Result<ChannelDetail, Error> {
    let channel = channels::find(&state.pool, &state.secrets, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(detail(state, &channel))
}

fn invalid(field: &str) -> Error {
    let error = match field {
        "color" => ValueError::InvalidColor,
        "allowed_origins" => ValueError::InvalidOrigin,
        "external_id" => ValueError::InvalidExternalId,
        _ => ValueError::InvalidChannelSetting,
    };
    AppError::invalid(field, error).into()
}

/// `https://loja.com.br` from what an administrator typed: scheme and host (and port), no path.
pub fn normalise_origin(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/').to_lowercase();
    let (scheme, rest) = raw.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return None;
    }
    let ok = rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("{scheme}://{rest}"))
}

fn check_webchat(input: Option<&WebchatSettings>) -> Result<WebchatSettings, Error> {
    let w = input.cloned().unwrap_or_default();
    let color_ok = w.color.len() == 7
        && w.color.starts_with('#')
        && w.color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !color_ok {
        return Err(invalid("color"));
    }
    if w.title.trim().is_empty() || w.title.chars().count() > 60 {
        return Err(invalid("title"));
    }
    if w.greeting.chars().count() > 500 {
        return Err(invalid("greeting"));
    }
    let mut origins = Vec::new();
    for o in w.allowed_origins.iter().filter(|o| !o.trim().is_empty()) {
        origins.push(normalise_origin(o).ok_or_else(|| invalid("allowed_origins"))?);
    }
    origins.dedup();
    Ok(WebchatSettings {
        color: w.color.to_lowercase(),
        title: w.title.trim().to_owned(),
        greeting: w.greeting.trim().to_owned(),
        allowed_origins: origins,
    })
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Creates (`id` None) or updates a channel. Secret fields left empty keep their stored value;
/// a new Meta channel without a verify token gets a random one.
pub async fn save(
    state: &AppState,
    who: &Authorised,
    id: Option<ChannelId>,
    input: &ChannelInput,
) -> Result<ChannelDetail, Error> {
    crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Channels)?;
    let name = PersonName::parse(&input.name).map_err(|e| AppError::invalid("name", e))?;
    let existing = match id {
        Some(id) => Some(
            channels::find(&state.pool, &state.secrets, id)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    if existing.as_ref().is_some_and(|c| c.kind != input.kind) {
        return Err(invalid("kind"));
    }
    let meta = input.kind != ChannelKind::Webchat;
    let external_id = if meta {
        let v = non_empty(&input.external_id).ok_or_else(|| invalid("external_id"))?;
        if !v.chars().all(|c| c.is_ascii_digit()) || v.len() > 40 {
            return Err(invalid("external_id"));
        }
        Some(v)
    } else {
        None
    };
    let old = existing
        .as_ref()
        .map(|c| c.secrets.clone())
        .unwrap_or_default();
    let secrets = ChannelSecrets {
        access_token: non_empty(&input.access_token).or(old.access_token),
        app_secret: non_empty(&input.app_secret).or(old.app_secret),
        verify_token: non_empty(&input.verify_token)
            .or(old.verify_token)
            .or_else(|| meta.then(random_token)),
    };
    let settings = ChannelSettings {
        business_account_id: if input.kind == ChannelKind::Whatsapp {
            non_empty(&input.business_account_id)
        } else {
            None
        },
        webchat: if meta {
            None
        } else {
            Some(check_webchat(input.webchat.as_ref())?)
        },
        simulated: existing.as_ref().is_some_and(|c| c.settings.simulated),
    };
    let channel = Channel {
        id: id.unwrap_or(ChannelId(Uuid::new_v4())),
        kind: input.kind,
        name: name.as_str().to_owned(),
        external_id,
        settings,
        secrets,
        default_team_id: input.default_team_id,
        active: input.active,
        created_at: existing
            .as_ref()
            .map(|c| c.created_at)
            .unwrap_or_else(chrono::Utc::now),
        bot_flow: input
            .bot_flow
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned),
    };
    if let Some(key) = &channel.bot_flow {
        let known = db::bot_flows::exists(&state.pool, key).await?;
        if !known {
            return Err(AppError::Refused(Refusal::FlowMissing { key: key.clone() }).into());
        }
    }
    let mut tx = state.pool.begin().await?;
    channels::save(&mut *tx, &state.secrets, &channel)
        .await
        .map_err(|e| match e {
            SaveError::Taken => Error::from(AppError::ChannelTaken),
            SaveError::Other(e) => e.into(),
        })?;
    channels::set_bot_flow(&mut *tx, channel.id, channel.bot_flow.as_deref()).await?;
    if state.demo && existing.is_none() {
        db::channels::mark_created_in_demo(&mut *tx, channel.id).await?;
    }
    let label = who.label();
    let detail_text = format!(
        "canal {} {}: {}",
        channel.kind.label(),
        if existing.is_some() {
            "alterado"
        } else {
            "criado"
        },
        channel.name
    );
    NewAuditEntry::new(AuditAction::ChannelChanged)
        .by(Some(who.user.id), &label)
        .from_ip(who.ip())
        .detail(&detail_text)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.channels.invalidate().await;
    Ok(detail(state, &channel))
}

/// Calls the Graph API with the stored token and describes the result in pt-BR.
pub async fn test_connection(state: &AppState, id: ChannelId) -> Result<String, Error> {
    let channel = channels::find(&state.pool, &state.secrets, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(token) = channel.access_token() else {
        return Ok("Falha: nenhum token de acesso cadastrado para este canal.".into());
    };
    let external = channel.external_id.clone().unwrap_or_default();
    let (path, describe): (String, fn(&serde_json::Value) -> String) = match channel.kind {
        ChannelKind::Whatsapp => (
            format!("{external}?fields=display_phone_number,verified_name"),
            |v| {
                format!(
                    "Conexão OK: número {} ({}).",
                    v["display_phone_number"].as_str().unwrap_or("?"),
                    v["verified_name"].as_str().unwrap_or("nome não verificado")
                )
            },
        ),
        ChannelKind::Messenger => ("me?fields=id,name".into(), |v| {
            format!("Conexão OK: página {}.", v["name"].as_str().unwrap_or("?"))
        }),
        ChannelKind::Instagram => (format!("{external}?fields=username"), |v| {
            format!(
                "Conexão OK: conta @{}.",
                v["username"].as_str().unwrap_or("?")
            )
        }),
        ChannelKind::Webchat => {
            return Ok("O webchat não depende da Meta: nada a testar.".into());
        }
    };
    Ok(match state.graph.get(&path, token).await {
        Ok(v) => describe(&v),
        Err(e) => format!("Falha: {}.", e.describe()),
    })
}

/// A channel declared by environment variables (automated deployments).
#[derive(Debug, Clone)]
pub struct EnvChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub external_id: String,
    pub access_token: String,
    pub business_account_id: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    /// The flow the bot runs on it (`WHATSAPP_BOT_FLOW`…), by key.
    pub bot_flow: Option<String>,
    /// The team its conversations go to (`WHATSAPP_TEAM`…), by name.
    pub team: Option<String>,
    /// The variables' prefix, for the errors: `WHATSAPP`.
    pub prefix: &'static str,
}

/// Creates or refreshes each channel from the environment; the environment wins on every boot
/// for what it names (credentials, and the flow and team when given).
pub async fn bootstrap(state: &AppState, declared: &[EnvChannel]) -> anyhow::Result<()> {
    for d in declared {
        let team_id = match &d.team {
            Some(name) => Some(
                db::teams::find_by_name(&state.pool, name)
                    .await?
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "A equipe \"{name}\" de {}_TEAM não existe. Crie-a em Equipes ou corrija a variável.",
                            d.prefix
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(key) = &d.bot_flow {
            if !db::bot_flows::exists(&state.pool, key).await? {
                anyhow::bail!(
                    "O fluxo \"{key}\" de {}_BOT_FLOW não existe. Importe-o (server flow import) ou corrija a variável.",
                    d.prefix
                );
            }
        }
        let existing =
            db::channels::find_by_external_id(&state.pool, d.kind, &d.external_id).await?;
        let channel = Channel {
            id: existing.unwrap_or(ChannelId(Uuid::new_v4())),
            kind: d.kind,
            name: d.name.clone(),
            external_id: Some(d.external_id.clone()),
            settings: ChannelSettings {
                business_account_id: d.business_account_id.clone(),
                webchat: None,
                simulated: false,
            },
            secrets: ChannelSecrets {
                access_token: Some(d.access_token.clone()),
                app_secret: d.app_secret.clone(),
                verify_token: d.verify_token.clone(),
            },
            default_team_id: team_id,
            active: true,
            created_at: chrono::Utc::now(),
            bot_flow: d.bot_flow.clone(),
        };
        if let Some(id) = existing {
            // Keep what an administrator set in the UI (name; team and flow unless the
            // environment names them); refresh the credentials.
            if let Some(current) = channels::find(&state.pool, &state.secrets, id).await? {
                let merged = Channel {
                    name: current.name,
                    default_team_id: team_id.or(current.default_team_id),
                    created_at: current.created_at,
                    bot_flow: d.bot_flow.clone().or(current.bot_flow),
                    ..channel
                };
                save_declared(state, &merged).await?;
                continue;
            }
        }
        save_declared(state, &channel).await?;
        tracing::info!(kind = ?d.kind, external_id = %d.external_id, "channel created from the environment");
    }
    state.channels.invalidate().await;
    Ok(())
}

/// The channel and its flow, together.
async fn save_declared(state: &AppState, channel: &Channel) -> anyhow::Result<()> {
    let mut tx = state.pool.begin().await?;
    channels::save(&mut *tx, &state.secrets, channel)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    channels::set_bot_flow(&mut *tx, channel.id, channel.bot_flow.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert_eq!(
            normalise_origin(" HTTPS://Loja.com.br/ ").as_deref(),
            Some("https://loja.com.br")
        );
        assert_eq!(
            normalise_origin("http://127.0.0.1:3200").as_deref(),
            Some("http://127.0.0.1:3200")
        );
        assert_eq!(normalise_origin("https://loja.com.br/contato"), None);
        assert_eq!(normalise_origin("javascript:alert(1)"), None);
        assert_eq!(normalise_origin("loja.com.br"), None);
    }
}
