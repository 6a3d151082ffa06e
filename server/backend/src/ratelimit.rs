//! The anonymous surfaces' limits (`shared::ratelimit`), counted in Redis in a fixed window that
//! starts at a client's first request, shared by every instance.

use crate::error::Error;
use crate::state::AppState;
use redis::AsyncCommands;
use shared::ratelimit::{client_key, Limit};
use std::net::IpAddr;

/// Counts one request of `client` against `limit`; `Err(seconds)` to wait when past it. A
/// client whose address is unknown is counted together with every other unknown one.
pub async fn hit(state: &AppState, limit: Limit, client: Option<IpAddr>) -> Result<(), Limited> {
    let limit = limit.scaled(state.auth.anon_rate_limit_scale);
    let who = client
        .map(client_key)
        .unwrap_or_else(|| "desconhecido".into());
    let key = format!("{}:rl:{}:{who}", state.auth.redis_namespace, limit.name);
    let mut conn = state.redis.clone();
    let counted: Result<(u32,), redis::RedisError> = redis::pipe()
        .atomic()
        .incr(&key, 1u32)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(limit.window_seconds)
        .arg("NX")
        .ignore()
        .query_async(&mut conn)
        .await;
    let count = match counted {
        Ok((n,)) => n,
        // Redis down: the surfaces keep working (the limit is a brake, not a gate).
        Err(e) => {
            tracing::warn!(error = ?e, limit = limit.name, "rate limit not counted");
            return Ok(());
        }
    };
    if count <= limit.max {
        return Ok(());
    }
    let ttl: i64 = conn.ttl(&key).await.unwrap_or(limit.window_seconds as i64);
    Err(Limited {
        retry_after: ttl.max(1) as u64,
    })
}

/// A request refused by a limit: how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: u64,
}

impl From<Limited> for Error {
    fn from(l: Limited) -> Self {
        crate::error::AppError::RateLimited {
            seconds: l.retry_after,
        }
        .into()
    }
}
