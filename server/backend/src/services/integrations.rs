//! Configurações → Integrações: the ERP connector, the bot's inactivity timers and the demo's
//! mock ERP injection. The ERP's secret header value is write-only.

use crate::bot::BotConfig;
use crate::db::{self, audit::NewAuditEntry};
use crate::erp::{self, mock, ErpConnector, ErpSettings, HttpErp};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::state::AppState;
use shared::dto::{AuditAction, IntegrationSettings};
use shared::flow::ErpOperation;
use shared::Refusal;
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

async fn erp_settings(state: &AppState) -> Result<ErpSettings, Error> {
    let demo_base = state.demo.then(|| state.bot.own_base()).flatten();
    Ok(erp::settings(&state.pool, &state.secrets, demo_base).await?)
}

pub async fn get(state: &AppState) -> Result<IntegrationSettings, Error> {
    let erp = erp_settings(state).await?;
    let bot: BotConfig = db::settings::get(&state.pool).await?;
    let injection: mock::Injection = db::settings::get(&state.pool).await?;
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
fn connector_from(input: &IntegrationSettings, current: ErpSettings) -> Result<ErpSettings, Error> {
    let refuse = |why: Refusal| Err(AppError::Refused(why).into());
    let base_url = input.base_url.trim().trim_end_matches('/').to_owned();
    if !base_url.is_empty() && !base_url.starts_with("http://") && !base_url.starts_with("https://")
    {
        return refuse(Refusal::ErpUrlInvalid);
    }
    if !(100..=60_000).contains(&input.timeout_ms) {
        return refuse(Refusal::ErpTimeoutOutOfRange);
    }
    let header = input.auth_header.trim().to_owned();
    if !header.is_empty()
        && !header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return refuse(Refusal::ErpAuthHeaderInvalid);
    }
    let mut paths = BTreeMap::new();
    for (c, path) in &input.paths {
        let op = op_of(c).ok_or(AppError::BadRequest)?;
        let path = path.trim();
        if !path.is_empty() {
            if !path.starts_with('/') {
                return Err(AppError::Refused(Refusal::ErpPathInvalid {
                    operation: op.label().to_owned(),
                })
                .into());
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
            AppError::Refused(Refusal::ErpMappingInvalid {
                operation: op.label().to_owned(),
            })
        })?;
        mapping.insert(op, map);
    }
    // The saved secret is only ever sent to the address it was saved for: a new address
    // needs it typed again.
    let typed = input.auth_value.trim();
    if typed.is_empty()
        && !current.auth_value.is_empty()
        && !base_url.is_empty()
        && base_url != current.base_url
    {
        return refuse(Refusal::ErpSecretRetypeRequired);
    }
    Ok(ErpSettings {
        base_url,
        auth_header: header,
        auth_value: if typed.is_empty() {
            current.auth_value
        } else {
            typed.to_owned()
        },
        timeout_ms: input.timeout_ms,
        paths,
        mapping,
        overdue_path: current.overdue_path,
    })
}

/// Checks and stores everything on the page, in one transaction with its audit entry.
pub async fn save(
    state: &AppState,
    who: &Authorised,
    input: IntegrationSettings,
) -> Result<(), Error> {
    let refuse = |why: Refusal| Err(AppError::Refused(why).into());
    if !(1..=24 * 60).contains(&input.reminder_minutes)
        || !(1..=24 * 60).contains(&input.close_minutes)
    {
        return refuse(Refusal::BotInactivityOutOfRange);
    }
    if input.mock_failure_percent > 100 || input.mock_latency_ms > 60_000 {
        return refuse(Refusal::MockErpInjectionOutOfRange);
    }
    let current = erp_settings(state).await?;
    let erp = connector_from(&input, current.clone())?;
    if erp != current {
        crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Erp)?;
    }
    let mut bot: BotConfig = db::settings::get(&state.pool).await?;
    bot.reminder_seconds = u64::from(input.reminder_minutes) * 60;
    bot.close_seconds = u64::from(input.close_minutes) * 60;
    let mut tx = state.pool.begin().await?;
    let stored = erp::sealed(erp.clone(), &state.secrets)?;
    db::settings::put(&mut *tx, &stored, who.user.id).await?;
    db::settings::put(&mut *tx, &bot, who.user.id).await?;
    if state.demo {
        let injection = mock::Injection {
            latency_ms: input.mock_latency_ms,
            failure_percent: input.mock_failure_percent,
        };
        db::settings::put(&mut *tx, &injection, who.user.id).await?;
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
    who: &Authorised,
    input: &IntegrationSettings,
    cpf: &str,
) -> Result<String, Error> {
    let digits: String = cpf.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 11 {
        return Err(AppError::Refused(Refusal::ErpTestCpfMissing).into());
    }
    let current = erp_settings(state).await?;
    let settings = connector_from(input, current.clone())?;
    if settings.base_url != current.base_url {
        // A demo account cannot make the server call an address of its choosing.
        crate::guard::ensure_not_demo_locked(state, who, crate::guard::DemoLocked::Erp)?;
    }
    let connector = HttpErp {
        egress: &state.bot.egress,
        settings,
    };
    let started = Instant::now();
    let result = connector.find_customer(&digits).await;
    let ms = started.elapsed().as_millis();
    // Every test is on the record: where it went, and how it ended.
    NewAuditEntry::new(AuditAction::ErpTested)
        .by(Some(who.user.id), &who.label())
        .from_ip(who.ip())
        .detail(&format!(
            "Testar ERP em {}: {}",
            connector.settings.base_url,
            match &result {
                Ok(_) => "conexão OK".to_owned(),
                Err(e) => e.message(),
            }
        ))
        .record(&state.pool)
        .await?;
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
