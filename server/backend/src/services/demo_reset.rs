//! "Reiniciar demonstração": the demo's data back to its seeded state, on an administrator's
//! request or every night.

use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::Refusal;

/// "Reiniciar demonstração" (and the nightly job): the demo's data goes back to its seeded
/// state — conversations, contacts and what visitors made are gone, the demo's accounts,
/// teams, saved replies, flows and settings are as the seed makes them. Every session of a demo
/// account ends. Only in demo mode; `by` is who asked (none: the nightly job).
pub async fn reset(state: &AppState, by: Option<&crate::guard::Authorised>) -> Result<(), Error> {
    if !state.demo {
        return Err(AppError::Refused(Refusal::DemoOnly).into());
    }
    let label = by.map(|w| w.label());
    let mut tx = state.pool.begin().await?;
    db::demo::reset(&mut tx, &crate::seed::seeded_team_ids()).await?;
    db::audit::NewAuditEntry::new(shared::dto::AuditAction::DemoReset)
        .by(None, label.as_deref().unwrap_or("tarefa noturna"))
        .from_ip(by.and_then(|w| w.ip()))
        .detail("Demonstração reiniciada: dados de volta ao estado inicial")
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::seed::seed_demo(state).await.map_err(Error::from)?;
    state.channels.invalidate().await;
    state.bot.invalidate().await;
    Ok(())
}

/// The nightly reset, once per day across every instance (each runs the schedule).
pub async fn nightly_reset(state: &AppState, day: chrono::NaiveDate) -> Result<bool, Error> {
    let key = format!("{}:demo-reset:{day}", state.auth.redis_namespace);
    let mut conn = state.redis.clone();
    let first: bool = redis::cmd("SET")
        .arg(&key)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(2 * 24 * 3600)
        .query_async::<Option<String>>(&mut conn)
        .await?
        .is_some();
    if first {
        reset(state, None).await?;
    }
    Ok(first)
}
