//! The sending number's pace in Redis, shared by every worker of every instance:
//! `shared::campaign::pacer`'s rule run as one script on Redis's own clock (so the instances'
//! clocks never matter).

use crate::state::AppState;
use shared::campaign::pacer::{interval_us, Reservation};
use std::time::Duration;

/// `shared::campaign::pacer::reserve`, atomically. KEYS[1] the bucket; ARGV interval (µs), n,
/// max ahead (µs). Returns {delay, interval} or {-1, retry}.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local interval = tonumber(ARGV[1])
local first = math.max(tat, now)
local delay = first - now
if delay > tonumber(ARGV[3]) then
  return {-1, delay - tonumber(ARGV[3])}
end
local new = first + tonumber(ARGV[2]) * interval
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.floor((new - now) / 1000) + 60000)
return {delay, interval}
";

/// `shared::campaign::pacer::penalize`. KEYS[1] the bucket; ARGV penalty (µs).
const PENALIZE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = math.max(tat, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.floor((new - now) / 1000) + 60000)
return 1
";

fn key(state: &AppState, number: &str) -> String {
    format!("{}:pace:{number}", state.auth.redis_namespace)
}

/// Reserves `n` sends on `number` at `rate` per second, waiting at most `max_ahead`.
pub async fn reserve(
    state: &AppState,
    number: &str,
    rate: u32,
    n: u64,
    max_ahead: Duration,
) -> Result<Reservation, redis::RedisError> {
    let mut conn = state.redis.clone();
    let (a, b): (i64, i64) = redis::Script::new(RESERVE)
        .key(key(state, number))
        .arg(interval_us(rate))
        .arg(n)
        .arg(max_ahead.as_micros() as u64)
        .invoke_async(&mut conn)
        .await?;
    Ok(if a < 0 {
        Reservation::Busy {
            retry_us: b.max(0) as u64,
        }
    } else {
        Reservation::Granted {
            delay_us: a as u64,
            interval_us: b.max(0) as u64,
        }
    })
}

/// Holds the number back after Meta's 130429 (its `Retry-After`, else a second).
pub async fn penalize(
    state: &AppState,
    number: &str,
    penalty: Duration,
) -> Result<(), redis::RedisError> {
    let mut conn = state.redis.clone();
    let _: i64 = redis::Script::new(PENALIZE)
        .key(key(state, number))
        .arg(penalty.as_micros() as u64)
        .invoke_async(&mut conn)
        .await?;
    Ok(())
}
