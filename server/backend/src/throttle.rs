//! Brute-force protection for logins, shared by every instance through Redis.
//!
//! Attempts are counted per account (the e-mail as typed, whether or not it exists, so the
//! lockout itself reveals nothing) and per client address, in a fixed window that starts at the
//! first attempt; successful ones are given back. Past the limit, attempts are refused before
//! any password or code is checked, until the window ends.

use super::state::AppState;
use crate::error::{AppError, Error};
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

/// Counts an attempt against the account and the address *before* the credentials are checked,
/// so a burst of parallel guesses cannot all slip past the limit; refuses with
/// [`AppError::TooManyAttempts`] past it. A successful attempt is then given back with
/// [`forgive`].
pub async fn attempt(state: &AppState, email: &str, ip: Option<&str>) -> Result<(), Error> {
    let mut conn = state.redis.clone();
    let window = state.auth.lockout_window.as_secs() as i64;
    let limits = [
        state.auth.max_failures_per_account,
        state.auth.max_failures_per_ip,
    ];
    let keys = keys(state, email, ip);
    let mut pipe = redis::pipe();
    pipe.atomic();
    for (key, _) in &keys {
        pipe.incr(key, 1u32);
        pipe.cmd("EXPIRE").arg(key).arg(window).arg("NX").ignore();
    }
    let counts: Vec<u32> = pipe.query_async(&mut conn).await?;
    for ((key, which), count) in keys.iter().zip(counts) {
        if count > limits[*which] {
            let ttl: i64 = conn.ttl(key).await?;
            let minutes = ((ttl.max(1) + 59) / 60) as u32;
            return Err(AppError::TooManyAttempts { minutes }.into());
        }
    }
    Ok(())
}

/// After a successful login: the account starts afresh and the address gets its attempt back,
/// so a whole shift logging in from one office address is never locked out.
pub async fn forgive(state: &AppState, email: &str, ip: Option<&str>) -> Result<(), Error> {
    let mut conn = state.redis.clone();
    let mut pipe = redis::pipe();
    pipe.del(account_key(state, email)).ignore();
    if let Some(ip) = ip {
        pipe.cmd("DECR").arg(ip_key(state, ip)).ignore();
    }
    pipe.query_async::<()>(&mut conn).await?;
    Ok(())
}
