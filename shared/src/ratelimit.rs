//! Limits on the surfaces anyone may call without signing in (the webchat, its live stream, the
//! demo simulator): how many requests one client may make in a window, and who "one client" is.
//! Counted in Redis by the server, so every instance shares them.

use std::net::IpAddr;

/// One limit: at most `max` requests per client in `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The counter's name in Redis keys and metrics.
    pub name: &'static str,
    pub max: u32,
    pub window_seconds: u64,
}

/// New webchat visitors from one address.
pub const WEBCHAT_VISITORS: Limit = Limit {
    name: "webchat-visitors",
    max: 30,
    window_seconds: 600,
};
/// Webchat messages from one address.
pub const WEBCHAT_MESSAGES: Limit = Limit {
    name: "webchat-messages",
    max: 60,
    window_seconds: 60,
};
/// Live streams (SSE) opened from one address.
pub const WEBCHAT_STREAMS: Limit = Limit {
    name: "webchat-streams",
    max: 60,
    window_seconds: 60,
};
/// Messages typed into the demo simulator from one address.
pub const DEMO_MESSAGES: Limit = Limit {
    name: "demo-messages",
    max: 60,
    window_seconds: 60,
};

/// Different CPFs one contact may be looked up by in the ERP in a day: a customer who mistypes
/// gets a second and third try; a fourth CPF is somebody walking a list, and a person answers.
pub const CPF_PER_CONTACT: Limit = Limit {
    name: "cpf-contact",
    max: 3,
    window_seconds: 86_400,
};
/// Different CPFs looked up from one address in an hour, across every conversation it opens
/// (the webchat and the simulator know the address; Meta's channels do not).
pub const CPF_PER_CLIENT: Limit = Limit {
    name: "cpf-client",
    max: 5,
    window_seconds: 3_600,
};

impl Limit {
    /// The limit with its maximum multiplied (an operator's `ANON_RATE_LIMIT_SCALE`).
    pub fn scaled(self, scale: u32) -> Self {
        Self {
            max: self.max.saturating_mul(scale.max(1)),
            ..self
        }
    }
}

/// Who counts as one client: an IPv4 address, or an IPv6 address's /64 (one home or office
/// network gets a whole /64, so counting single IPv6 addresses would count nothing).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What a refused client reads: "Muitas mensagens em pouco tempo. Tente de novo em 40 s."
pub fn refusal_text(retry_after_seconds: u64) -> String {
    let wait = if retry_after_seconds >= 120 {
        format!("{} min", retry_after_seconds.div_ceil(60))
    } else {
        format!("{} s", retry_after_seconds.max(1))
    };
    format!("Muitas requisições deste endereço em pouco tempo. Tente de novo em {wait}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let a: IpAddr = "2804:14c:5b:8e00:1111:2222:3333:4444".parse().unwrap();
        let b: IpAddr = "2804:14c:5b:8e00:aaaa::1".parse().unwrap();
        let other: IpAddr = "2804:14c:5b:8e01::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key(a), "2804:14c:5b:8e00::/64");
        assert_eq!(client_key("200.160.2.3".parse().unwrap()), "200.160.2.3");
        assert_eq!(
            client_key("::ffff:200.160.2.3".parse().unwrap()),
            "200.160.2.3"
        );
    }

    #[test]
    fn the_refusal_says_how_long_to_wait() {
        assert_eq!(
            refusal_text(40),
            "Muitas requisições deste endereço em pouco tempo. Tente de novo em 40 s."
        );
        assert!(refusal_text(600).ends_with("em 10 min."));
        assert!(refusal_text(0).ends_with("em 1 s."));
    }

    #[test]
    fn scaling_multiplies_the_maximum_only() {
        let s = WEBCHAT_MESSAGES.scaled(10);
        assert_eq!((s.max, s.window_seconds), (600, 60));
        assert_eq!(WEBCHAT_MESSAGES.scaled(0).max, 60);
    }
}
