//! Secrets at rest and random tokens.
//!
//! - Data secrets (TOTP seeds, later channel tokens) are sealed with AES-256-GCM under the
//!   configured encryption key; the stored form is `nonce (12 bytes) || ciphertext`.
//! - Session tokens and recovery codes are stored only as HMAC-SHA256 under the session secret.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::{anyhow, Context};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The process's keys. Never serialized, and redacted in `Debug`.
pub struct Secrets {
    cipher: Aes256Gcm,
    session_key: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

impl Secrets {
    /// `encryption_key` must be 32 bytes; `session_secret` at least 32.
    pub fn new(encryption_key: &[u8], session_secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            encryption_key.len() == 32,
            "the encryption key must be 32 bytes (64 hex characters), got {}",
            encryption_key.len()
        );
        anyhow::ensure!(
            session_secret.len() >= 32,
            "the session secret must have at least 32 bytes"
        );
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(encryption_key)),
            session_key: session_secret.to_vec(),
        })
    }

    pub fn seal(&self, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let nonce_bytes: [u8; 12] = rand::random();
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plaintext)
            .map_err(|_| anyhow!("Failed to encrypt a secret"))?;
        let mut out = nonce_bytes.to_vec();
        out.extend(ciphertext);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > 12, "sealed secret too short");
        let (nonce, ciphertext) = sealed.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow!("Failed to decrypt a secret: wrong key or corrupted data"))
            .context("opening a sealed secret")
    }

    /// Keyed hash used to store tokens that only need to be recognised, never read back.
    pub fn token_hash(&self, token: &str) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.session_key).expect("HMAC accepts any key");
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// A random URL-safe token with 256 bits of entropy.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Constant-time comparison of two byte strings.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::new(&[7u8; 32], &[9u8; 32]).unwrap()
    }

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let sealed = secrets().seal(b"totp seed").unwrap();
        assert_ne!(&sealed[12..], b"totp seed");
        assert_eq!(secrets().open(&sealed).unwrap(), b"totp seed");
        let other = Secrets::new(&[8u8; 32], &[9u8; 32]).unwrap();
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let s = secrets();
        assert_ne!(s.seal(b"x").unwrap(), s.seal(b"x").unwrap());
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused() {
        assert!(Secrets::new(&[0u8; 16], &[0u8; 32]).is_err());
        assert!(Secrets::new(&[0u8; 32], &[0u8; 8]).is_err());
    }
}
