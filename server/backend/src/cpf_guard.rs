//! Keeps a CPF list from being walked through the bot: each contact, and each client address
//! (webchat and simulator), may have only a few different CPFs looked up in the ERP
//! (`shared::ratelimit::CPF_PER_CONTACT`, `CPF_PER_CLIENT`); past that the bot hands the
//! conversation to a person instead of answering. Counted in Redis, shared by every instance;
//! the CPFs are kept as keyed hashes, never in clear.

use crate::state::AppState;
use shared::ratelimit::{client_key, Limit, CPF_PER_CLIENT, CPF_PER_CONTACT};
use shared::{ChannelId, ContactId};
use std::net::IpAddr;

/// How long the address a contact last wrote from is remembered.
const CLIENT_MEMORY_SECONDS: u64 = 86_400;

fn client_of_key(state: &AppState, channel: ChannelId, external_id: &str) -> String {
    format!(
        "{}:client-of:{channel}:{external_id}",
        state.auth.redis_namespace
    )
}

/// Remembers the address a contact (by its identity on the channel) writes from, before its
/// message is stored, so the bot's run that reads it knows who is asking.
pub async fn remember_client(
    state: &AppState,
    channel: ChannelId,
    external_id: &str,
    client: Option<IpAddr>,
) {
    let Some(ip) = client else { return };
    let mut conn = state.redis.clone();
    let stored: Result<(), redis::RedisError> = redis::cmd("SET")
        .arg(client_of_key(state, channel, external_id))
        .arg(client_key(ip))
        .arg("EX")
        .arg(CLIENT_MEMORY_SECONDS)
        .query_async(&mut conn)
        .await;
    if let Err(e) = stored {
        tracing::warn!(error = ?e, "client address not remembered");
    }
}

/// Who asks for a CPF: the contact, and the channel identity whose address may be known.
pub struct Asker<'a> {
    pub contact: ContactId,
    pub channel: ChannelId,
    pub external_id: Option<&'a str>,
}

/// Counts `cpf` (digits) for the asker; false when it is one CPF too many for the contact or
/// for its address. The same CPF asked again counts once. Redis down: admitted (a brake, not
/// a gate, as the other anonymous limits).
pub async fn admit(state: &AppState, asker: &Asker<'_>, cpf: &str) -> bool {
    let tag: String = state.secrets.token_hash(&format!("cpf:{cpf}"))[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ns = &state.auth.redis_namespace;
    let mut conn = state.redis.clone();
    let mut sets = vec![(
        format!("{ns}:rl:{}:{}", CPF_PER_CONTACT.name, asker.contact),
        CPF_PER_CONTACT,
    )];
    if let Some(external_id) = asker.external_id {
        let client: Option<String> = redis::cmd("GET")
            .arg(client_of_key(state, asker.channel, external_id))
            .query_async(&mut conn)
            .await
            .unwrap_or(None);
        if let Some(client) = client {
            let limit = CPF_PER_CLIENT.scaled(state.auth.anon_rate_limit_scale);
            sets.push((format!("{ns}:rl:{}:{client}", limit.name), limit));
        }
    }
    for (key, limit) in sets {
        if !within(&mut conn, &key, limit, &tag).await {
            tracing::warn!(limit = limit.name, contact = %asker.contact, "CPF lookups refused");
            return false;
        }
    }
    true
}

async fn within(
    conn: &mut redis::aio::ConnectionManager,
    key: &str,
    limit: Limit,
    tag: &str,
) -> bool {
    let counted: Result<(u32,), redis::RedisError> = redis::pipe()
        .atomic()
        .sadd(key, tag)
        .ignore()
        .cmd("EXPIRE")
        .arg(key)
        .arg(limit.window_seconds)
        .arg("NX")
        .ignore()
        .scard(key)
        .query_async(conn)
        .await;
    match counted {
        Ok((n,)) => n <= limit.max,
        Err(e) => {
            tracing::warn!(error = ?e, limit = limit.name, "CPF lookups not counted");
            true
        }
    }
}
