//! Secrets at rest and random tokens.
//!
//! - Data secrets (TOTP seeds, later channel tokens) are sealed with AES-256-GCM under the
//!   configured encryption key; the stored form is `nonce (12 bytes) || ciphertext`.
//! - Session tokens and recovery codes are stored only as HMAC-SHA256 under the session secret.
//! - Signed links (attachments fetched by Meta) use their own key, derived from the session
//!   secret with HKDF-SHA256, so a link's signature never doubles as a token hash.
//! - After a rotation, the previous encryption keys keep opening what they sealed until
//!   everything is sealed again under the current key (`server keys reencrypt`).

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
    previous: Vec<Aes256Gcm>,
    session_key: Vec<u8>,
    link_key: [u8; 32],
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
            previous: Vec::new(),
            session_key: session_secret.to_vec(),
            link_key: hkdf_sha256(
                session_secret,
                b"plataforma-omnichannel",
                b"signed-links/v1",
            ),
        })
    }

    /// Adds the keys that sealed secrets before the current one (each 32 bytes).
    pub fn with_previous(mut self, keys: &[Vec<u8>]) -> anyhow::Result<Self> {
        for key in keys {
            anyhow::ensure!(
                key.len() == 32,
                "a previous encryption key must be 32 bytes (64 hex characters), got {}",
                key.len()
            );
            self.previous
                .push(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)));
        }
        Ok(self)
    }

    /// Whether `sealed` opens with the current key (and so needs no re-encryption).
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        sealed.len() > 12 && {
            let (nonce, ciphertext) = sealed.split_at(12);
            self.cipher
                .decrypt(Nonce::from_slice(nonce), ciphertext)
                .is_ok()
        }
    }

    /// Keyed MAC of a signed link.
    pub fn link_mac(&self, message: &str) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.link_key).expect("HMAC accepts any key");
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
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
        std::iter::once(&self.cipher)
            .chain(&self.previous)
            .find_map(|cipher| cipher.decrypt(Nonce::from_slice(nonce), ciphertext).ok())
            .ok_or_else(|| anyhow!("Failed to decrypt a secret: wrong key or corrupted data"))
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

/// HKDF-SHA256 (RFC 5869) with one block of output: a key for one purpose from a master secret.
pub fn hkdf_sha256(master: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
    let mut extract = <Hmac<Sha256> as Mac>::new_from_slice(salt).expect("HMAC accepts any key");
    extract.update(master);
    let prk = extract.finalize().into_bytes();
    let mut expand = <Hmac<Sha256> as Mac>::new_from_slice(&prk).expect("HMAC accepts any key");
    expand.update(info);
    expand.update(&[1]);
    expand.finalize().into_bytes().into()
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
    fn hkdf_matches_rfc_5869_test_case_1() {
        // RFC 5869 A.1: IKM 22 × 0x0b, salt 0x00..0x0c, info 0xf0..0xf9; the first 32 bytes of OKM.
        let okm = hkdf_sha256(
            &[0x0b; 22],
            &(0u8..=0x0c).collect::<Vec<_>>(),
            &(0xf0u8..=0xf9).collect::<Vec<_>>(),
        );
        assert_eq!(
            okm.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }

    #[test]
    fn link_signatures_use_their_own_key() {
        let s = secrets();
        assert_ne!(s.link_mac("anexo:1:2"), s.token_hash("anexo:1:2"));
    }

    #[test]
    fn a_previous_key_keeps_opening_until_resealed() {
        let old = Secrets::new(&[1u8; 32], &[9u8; 32]).unwrap();
        let sealed = old.seal(b"token").unwrap();
        let rotated = Secrets::new(&[2u8; 32], &[9u8; 32])
            .unwrap()
            .with_previous(&[vec![1u8; 32]])
            .unwrap();
        assert_eq!(rotated.open(&sealed).unwrap(), b"token");
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated.seal(&rotated.open(&sealed).unwrap()).unwrap();
        assert!(rotated.is_current(&resealed));
        let only_new = Secrets::new(&[2u8; 32], &[9u8; 32]).unwrap();
        assert!(only_new.open(&sealed).is_err());
        assert_eq!(only_new.open(&resealed).unwrap(), b"token");
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused() {
        assert!(Secrets::new(&[0u8; 16], &[0u8; 32]).is_err());
        assert!(Secrets::new(&[0u8; 32], &[0u8; 8]).is_err());
    }
}
