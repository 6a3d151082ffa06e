//! Time-based one-time passwords as specified by RFC 6238 (HMAC-SHA1, 30-second steps,
//! 6 digits): the parameters every common authenticator app uses by default.
//! <https://www.rfc-editor.org/rfc/rfc6238>

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per time step (RFC 6238 §4, X).
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;

/// A shared TOTP secret. Its bytes never leave the server except once, encoded, during enrolment.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in unpadded base32, as authenticator apps expect it typed.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` URI that a QR code carries (Key Uri Format used by authenticator apps).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", percent_encode(issuer), percent_encode(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            self.to_base32(),
            percent_encode(issuer)
        )
    }

    /// HOTP (RFC 4226 §5.3) for a counter, with `digits` digits.
    pub fn hotp(&self, counter: u64, digits: u32) -> u32 {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(&counter.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        let offset = (hash[hash.len() - 1] & 0x0f) as usize;
        let binary = u32::from_be_bytes([
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ]);
        binary % 10u32.pow(digits)
    }

    /// The time step for a Unix time.
    pub fn step_at(unix_seconds: u64) -> u64 {
        unix_seconds / STEP_SECONDS
    }

    /// The 6-digit code for a Unix time, zero-padded.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        format!(
            "{:0width$}",
            self.hotp(Self::step_at(unix_seconds), DIGITS),
            width = DIGITS as usize
        )
    }

    /// Checks a typed code against the current step and one step either side (RFC 6238 §5.2
    /// recommends allowing for clock drift). Returns the matching step so the caller can refuse
    /// reuse of a code (§5.2: "the verifier MUST NOT accept the second attempt").
    pub fn verify(&self, typed: &str, unix_seconds: u64) -> Option<u64> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let current = Self::step_at(unix_seconds);
        [current.saturating_sub(1), current, current + 1]
            .into_iter()
            .find(|step| {
                let expected = format!(
                    "{:0width$}",
                    self.hotp(*step, DIGITS),
                    width = DIGITS as usize
                );
                constant_time_eq(expected.as_bytes(), typed.as_bytes())
            })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rfc_secret() -> TotpSecret {
        // RFC 6238 Appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn matches_the_rfc_6238_sha1_test_vectors() {
        // Appendix B, 8-digit TOTP values for SHA1.
        let vectors = [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        let secret = rfc_secret();
        for (time, expected) in vectors {
            assert_eq!(
                secret.hotp(TotpSecret::step_at(time), 8),
                expected,
                "T={time}"
            );
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_digits_zero_padded() {
        assert_eq!(rfc_secret().code_at(59), "287082");
        assert_eq!(rfc_secret().code_at(1111111109), "081804");
    }

    #[test]
    fn accepts_the_previous_and_next_step_but_not_further() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let previous = secret.code_at(now - 30);
        let next = secret.code_at(now + 30);
        let stale = secret.code_at(now - 90);
        assert_eq!(
            secret.verify(&previous, now),
            Some(TotpSecret::step_at(now) - 1)
        );
        assert_eq!(
            secret.verify(&next, now),
            Some(TotpSecret::step_at(now) + 1)
        );
        assert_eq!(secret.verify(&stale, now), None);
    }

    #[test]
    fn rejects_malformed_codes() {
        let secret = rfc_secret();
        for typed in ["", "12345", "1234567", "abcdef", "12 34 5x"] {
            assert_eq!(secret.verify(typed, 59), None, "{typed:?}");
        }
        assert!(secret.verify("287 082", 59).is_some());
    }

    #[test]
    fn otpauth_uri_carries_the_base32_secret_and_issuer() {
        let uri = rfc_secret().otpauth_uri("Plataforma Omnichannel", "ana@empresa.com");
        assert_eq!(
            uri,
            "otpauth://totp/Plataforma%20Omnichannel:ana@empresa.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Plataforma%20Omnichannel&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(<redacted>)");
    }

    proptest! {
        #[test]
        fn a_code_always_verifies_at_its_own_time(secret in proptest::collection::vec(any::<u8>(), 10..40), time in 30u64..4_000_000_000) {
            let secret = TotpSecret::from_bytes(secret);
            let code = secret.code_at(time);
            prop_assert_eq!(code.len(), 6);
            prop_assert!(secret.verify(&code, time).is_some());
        }
    }
}
