//! Configurações → Integrações: the ERP connector, the bot's inactivity timers and the demo's
//! mock ERP injection. The ERP's secret header value is write-only.

use crate::backend::bot::{BotConfig, SETTINGS_KEY as BOT_KEY};
use crate::backend::db::{self, audit::NewAuditEntry};
use crate::backend::erp::{self, mock, ErpConnector, ErpSettings, HttpErp};
use crate::backend::guard::Authorised;
use crate::backend::state::AppState;
use crate::error::AppError;
use shared::dto::{AuditAction, IntegrationSettings};
use shared::flow::ErpOperation;
use std::collections::BTreeMap;
use std::time::Instant;

fn code(op: ErpOperation) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn op_of(code: &str) -> Option<ErpOperation> {
    ErpOperation::ALL
        .into_iter()
        .find(|op| self::code(*op) == code)
}

async fn erp_settings(state: &AppState) -> Result<ErpSettings, AppError> {
    let demo_base = state.demo.then(|| state.bot.own_base()).flatten();
    Ok(erp::settings(&state.pool, &state.secrets, demo_base).await?)
}

pub async fn get(state: &AppState) -> Result<IntegrationSettings, AppError> {
    let erp = erp_settings(state).await?;
    let bot: BotConfig = db::settings::get(&state.pool, BOT_KEY)
        .await?
        .unwrap_or_default();
    let injection: mock::Injection = db::settings::get(&state.pool, mock::INJECTION_KEY)
        .await?
        .unwrap_or_default();
    Ok(IntegrationSettings {
        base_url: erp.base_url,
        auth_header: erp.auth_header,
        auth_value: String::new(),
        auth_value_set: !erp.auth_value.is_empty(),
        timeout_ms: erp.timeout_ms,
        paths: ErpOperation::ALL
            .into_iter()
            .map(|op| (code(op), erp.paths.get(&op).cloned().unwrap_or_default()))
            .collect(),
        mappings: ErpOperation::ALL
            .into_iter()
            .map(|op| {
                let m = erp.mapping.get(&op).filter(|m| !m.is_empty());
                (
                    code(op),
                    m.and_then(|m| serde_json::to_string(m).ok())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        reminder_minutes: (bot.reminder_seconds / 60).max(1) as u32,
        close_minutes: (bot.close_seconds / 60).max(1) as u32,
        demo: state.demo,
        mock_latency_ms: injection.latency_ms,
        mock_failure_percent: injection.failure_percent,
    })
}

/// The connector as the page describes it, checked; the secret stays `current`'s when the
/// page leaves it blank.
fn connector_from(
    input: &IntegrationSettings,
    current: ErpSettings,
) -> Result<ErpSettings, AppError> {
    let refuse = |m: &str| Err(AppError::Refused(m.to_owned()));
    let base_url = input.base_url.trim().trim_end_matches('/').to_owned();
    if !base_url.is_empty() && !base_url.starts_with("http://") && !base_url.starts_with("https://")
    {
        return refuse("A URL do ERP deve começar com http:// ou https://.");
    }
    if !(100..=60_000).contains(&input.timeout_ms) {
        return refuse("O tempo limite deve ficar entre 100 e 60000 ms.");
    }
    let header = input.auth_header.trim().to_owned();
    if !header.is_empty()
        && !header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return refuse("O nome do cabeçalho de autenticação só pode ter letras, números e hífens.");
    }
    let mut paths = BTreeMap::new();
    for (c, path) in &input.paths {
        let op = op_of(c).ok_or(AppError::BadRequest)?;
        let path = path.trim();
        if !path.is_empty() {
            if !path.starts_with('/') {
                return Err(AppError::Refused(format!(
                    "O caminho de \"{}\" deve começar com /.",
                    op.label()
                )));
            }
            paths.insert(op, path.to_owned());
        }
    }
    let mut mapping = BTreeMap::new();
    for (c, json) in &input.mappings {
        let op = op_of(c).ok_or(AppError::BadRequest)?;
        if json.trim().is_empty() {
            continue;
        }
        let map: BTreeMap<String, String> = serde_json::from_str(json).map_err(|_| {
            AppError::Refused(format!(
                "O mapeamento de \"{}\" deve ser um objeto JSON de textos, como {{\"nome\": \"dados.nome\"}}.",
                op.label()
            ))
        })?;
        mapping.insert(op, map);
    }
    Ok(ErpSettings {
        base_url,
        auth_header: header,
        auth_value: if input.auth_value.trim().is_empty() {
            current.auth_value
        } else {
            input.auth_value.trim().to_owned()
        },
        timeout_ms: input.timeout_ms,
        paths,
        mapping,
    })
}

/// Checks and stores everything on the page, in one transaction with its audit entry.
pub async fn save(
    state: &AppState,
    who: &Authorised,
    input: IntegrationSettings,
) -> Result<(), AppError> {
    let refuse = |m: &str| Err(AppError::Refused(m.to_owned()));
    if !(1..=24 * 60).contains(&input.reminder_minutes)
        || !(1..=24 * 60).contains(&input.close_minutes)
    {
        return refuse("Os tempos de inatividade devem ficar entre 1 e 1440 minutos.");
    }
    if input.mock_failure_percent > 100 || input.mock_latency_ms > 60_000 {
        return refuse("Falhas de 0 a 100% e latência de até 60000 ms.");
    }
    let erp = connector_from(&input, erp_settings(state).await?)?;
    let mut bot: BotConfig = db::settings::get(&state.pool, BOT_KEY)
        .await?
        .unwrap_or_default();
    bot.reminder_seconds = u64::from(input.reminder_minutes) * 60;
    bot.close_seconds = u64::from(input.close_minutes) * 60;
    let mut tx = state.pool.begin().await?;
    let stored = erp::sealed(erp.clone(), &state.secrets)?;
    db::settings::put(&mut *tx, erp::SETTINGS_KEY, &stored, who.user.id).await?;
    db::settings::put(&mut *tx, BOT_KEY, &bot, who.user.id).await?;
    if state.demo {
        let injection = mock::Injection {
            latency_ms: input.mock_latency_ms,
            failure_percent: input.mock_failure_percent,
        };
        db::settings::put(&mut *tx, mock::INJECTION_KEY, &injection, who.user.id).await?;
    }
    NewAuditEntry::new(AuditAction::SettingsChanged)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Integrações — ERP: {}; lembrete após {} min, encerramento após mais {} min",
            if erp.base_url.is_empty() {
                "não configurado"
            } else {
                erp.base_url.as_str()
            },
            input.reminder_minutes,
            input.close_minutes
        ))
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.bot.invalidate().await;
    Ok(())
}

/// "Testar": one customer lookup with the connector as the page has it now (saved or not),
/// described in pt-BR.
pub async fn test(
    state: &AppState,
    input: &IntegrationSettings,
    cpf: &str,
) -> Result<String, AppError> {
    let digits: String = cpf.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 11 {
        return Err(AppError::Refused(
            "Informe um CPF com 11 dígitos para o teste.".into(),
        ));
    }
    let connector = HttpErp {
        client: &state.bot.http,
        settings: connector_from(input, erp_settings(state).await?)?,
    };
    let started = Instant::now();
    let result = connector.find_customer(&digits).await;
    let ms = started.elapsed().as_millis();
    Ok(match result {
        Ok(Some(c)) => format!(
            "Conexão OK em {ms} ms: {} encontrado(a), {}.",
            c.nome,
            match c.situacao.as_str() {
                "em_dia" => "em dia",
                "em_debito" => "com débitos",
                other => other,
            }
        ),
        Ok(None) => format!("Conexão OK em {ms} ms: nenhum cliente com este CPF."),
        Err(e) => format!("Falha após {ms} ms: {}", e.message()),
    })
}
