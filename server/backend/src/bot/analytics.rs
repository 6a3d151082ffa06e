//! "Onde os clientes vão": the builder's overlay of a flow's published versions, read from the
//! visits `db::bot_steps` records with each step.

use super::library;
use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use chrono::NaiveDate;
use shared::flow::analytics::{summarize, FlowAnalytics};
use shared::Refusal;

/// The longest period read at once: a year and a day (a leap year's whole year).
pub const MAX_DAYS: i64 = 367;

/// The overlay's figures for `version` (none: every version) over the São Paulo days
/// `from..=to` (by default the last 30 days).
pub async fn overview(
    state: &AppState,
    key: &str,
    version: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<FlowAnalytics, Error> {
    let versions: Vec<i32> = library::versions(state, key)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    if let Some(v) = version.filter(|v| !versions.contains(v)) {
        return Err(AppError::Refused(Refusal::FlowVersionMissing { version: v }).into());
    }
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .date_naive();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Duration::days(29));
    let days = (to - from).num_days();
    if !(0..MAX_DAYS).contains(&days) {
        return Err(
            AppError::Refused(Refusal::AnalyticsPeriodInvalid { max_days: MAX_DAYS }).into(),
        );
    }
    let counts = db::bot_steps::counts(&state.pool, key, version, from, to).await?;
    let blocks = summarize(&counts);
    let start = match version {
        Some(v) => db::bot_flows::version(&state.pool, key, v).await?,
        None => db::bot_flows::definition(&state.pool, key).await?,
    }
    .map(|f| f.start);
    let started = start
        .and_then(|s| blocks.get(&s.0))
        .map(|b| b.passed)
        .unwrap_or(0);
    Ok(FlowAnalytics {
        blocks,
        started,
        versions,
        version,
        from: Some(from),
        to: Some(to),
    })
}

/// Rolls up the days not rolled up yet (a cron job on the workers).
pub async fn roll_up(state: &AppState) -> Result<u64, Error> {
    db::bot_steps::roll_up(&state.pool).await
}
