//! Brute-force protection for logins, shared by every instance through Redis.
//!
//! Failures are counted per account (the e-mail as typed, whether or not it exists, so the
//! lockout itself reveals nothing) and per client address, in a fixed window that starts at the
//! first failure. Past the limit, attempts are refused before any password is checked, until the
//! window ends.

use super::state::AppState;
use crate::error::AppError;
use redis::AsyncCommands;

fn account_key(state: &AppState, email: &str) -> String {
    format!(
        "{}:login-failures:account:{email}",
        state.auth.redis_namespace
    )
}

fn ip_key(state: &AppState, ip: &str) -> String {
    format!("{}:login-failures:ip:{ip}", state.auth.redis_namespace)
}

/// The counters an attempt touches, with the index of the limit that applies to each.
fn keys(state: &AppState, email: &str, ip: Option<&str>) -> Vec<(String, usize)> {
    let mut keys = vec![(account_key(state, email), 0)];
    if let Some(ip) = ip {
        keys.push((ip_key(state, ip), 1));
    }
    keys
}

/// Refuses with [`AppError::TooManyAttempts`] while the account or the address is locked.
pub async fn check(state: &AppState, email: &str, ip: Option<&str>) -> Result<(), AppError> {
    let mut conn = state.redis.clone();
    let limits = [
        state.auth.max_failures_per_account,
        state.auth.max_failures_per_ip,
    ];
    for (key, which) in keys(state, email, ip) {
        let failures: Option<u32> = conn.get(&key).await?;
        if failures.unwrap_or(0) >= limits[which] {
            let ttl: i64 = conn.ttl(&key).await?;
            let minutes = ((ttl.max(1) + 59) / 60) as u32;
            return Err(AppError::TooManyAttempts { minutes });
        }
    }
    Ok(())
}

/// Counts one failure against the account and the address.
pub async fn record_failure(
    state: &AppState,
    email: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let mut conn = state.redis.clone();
    let window = state.auth.lockout_window.as_secs() as i64;
    let mut pipe = redis::pipe();
    for (key, _) in keys(state, email, ip) {
        pipe.incr(&key, 1u32).ignore();
        pipe.cmd("EXPIRE").arg(&key).arg(window).arg("NX").ignore();
    }
    pipe.query_async::<()>(&mut conn).await?;
    Ok(())
}

/// Forgets the account's failures after a successful login (the address keeps its count).
pub async fn clear_account(state: &AppState, email: &str) -> Result<(), AppError> {
    let mut conn = state.redis.clone();
    conn.del::<_, ()>(account_key(state, email)).await?;
    Ok(())
}
