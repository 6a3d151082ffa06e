//! Password hashing with argon2id (the `argon2` crate's defaults: m=19 MiB, t=2, p=1, as OWASP
//! recommends). Hashing runs on the blocking pool so it never stalls the async workers.

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// At most this many hashes or verifications at once across the process: each takes 19 MiB and
/// a core for tens of milliseconds, so a burst of logins queues here instead of exhausting
/// memory and the blocking pool.
const CONCURRENT_HASHES: usize = 4;

fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(CONCURRENT_HASHES))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = permits()
        .acquire()
        .await
        .context("hashing limiter closed")?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("Failed to hash a password: {e}"))
    })
    .await
    .context("password hashing task panicked")?
}

/// Verifies a password against a stored hash. With `None` (unknown account) it still spends the
/// time of one verification, so response time does not reveal whether an e-mail exists.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    let _permit = permits()
        .acquire()
        .await
        .context("hashing limiter closed")?;
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| anyhow::anyhow!("Stored password hash is malformed: {e}"))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && stored != DUMMY_HASH)
    })
    .await
    .context("password verification task panicked")?
}

/// A valid argon2id hash of a random string, used for timing equalisation only.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$X8Jq2mJ6Q3VnZ4Xq1o1m9oQ2b1yVt2r3eQwz0J8fJkA";
