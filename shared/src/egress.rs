//! Which addresses the server may call on an administrator's behalf (the ERP connector, its
//! "Testar", the flow's HTTP block): the public internet, plus what the operator allows
//! (`EGRESS_ALLOW=10.20.0.0/16,erp.interno`). Loopback, link-local, private, unique-local,
//! carrier-grade NAT, multicast and the other special ranges are refused, so an administrator
//! cannot make the server read its own internal services.

use std::net::{IpAddr, Ipv4Addr};

/// Why an address is not on the public internet; `None` when it is.
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return special_v4(v4);
            }
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("não especificado")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("rede privada (ULA)")
            } else if s[0] & 0xff00 == 0xff00 {
                Some("multicast")
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("documentação")
            } else if s[0] == 0x0064 && s[1] == 0xff9b {
                // NAT64: the IPv4 address inside decides.
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                special_v4(v4)
            } else {
                None
            }
        }
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if o[0] == 0 {
        Some("não especificado")
    } else if ip.is_private() {
        Some("rede privada")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("CGNAT")
    } else if ip.is_multicast() || o[0] >= 240 {
        Some("multicast ou reservado")
    } else if (o[0] == 192 && o[1] == 0 && o[2] == 0) || (o[0] == 198 && (o[1] & 0xfe) == 18) {
        Some("reservado")
    } else if ip.is_documentation() {
        Some("documentação")
    } else {
        None
    }
}

/// One entry of the operator's allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// An address range: the network's bits and the prefix length.
    Range { network: IpAddr, prefix: u8 },
    /// A host name, lowercase, allowed whatever it resolves to.
    Host(String),
}

/// What the operator allows besides the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

impl Allowlist {
    /// `10.20.0.0/16,erp.interno,192.168.0.7`: ranges, single addresses and host names, comma
    /// separated; the error names the entry it cannot read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for raw in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, prefix) = match raw.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (raw, None),
            };
            if let Ok(ip) = addr.parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    Some(p) => p
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= max)
                        .ok_or_else(|| format!("prefixo inválido em \"{raw}\""))?,
                    None => max,
                };
                entries.push(Entry::Range {
                    network: ip,
                    prefix,
                });
            } else if prefix.is_none()
                && !raw.is_empty()
                && raw
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                entries.push(Entry::Host(raw.trim_end_matches('.').to_ascii_lowercase()));
            } else {
                return Err(format!("entrada inválida \"{raw}\""));
            }
        }
        Ok(Self { entries })
    }

    /// Whether the address is inside one of the allowed ranges.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.entries.iter().any(|e| match e {
            Entry::Range { network, prefix } => in_range(ip, *network, *prefix),
            Entry::Host(_) => false,
        })
    }

    /// Whether the host name is allowed by name.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries
            .iter()
            .any(|e| matches!(e, Entry::Host(h) if *h == host))
    }
}

fn in_range(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether the address may be called: public, or allowed by the operator.
pub fn permitted(ip: IpAddr, allow: &Allowlist) -> Result<(), &'static str> {
    match special_range(ip) {
        Some(reason) if !allow.allows_ip(ip) => Err(reason),
        _ => Ok(()),
    }
}

/// Whether an address is the same one whatever the notation (`::ffff:127.0.0.1` is
/// `127.0.0.1`).
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_and_special_addresses_are_refused() {
        for s in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(special_range(ip(s)).is_some(), "{s} is refused");
        }
        for s in [
            "8.8.8.8",
            "200.160.2.3",
            "172.32.0.1",
            "100.128.0.1",
            "2804:14c::1",
        ] {
            assert_eq!(special_range(ip(s)), None, "{s} is public");
        }
    }

    #[test]
    fn the_operator_allows_ranges_addresses_and_names() {
        let allow = Allowlist::parse(" 10.20.0.0/16, erp.interno ,192.168.0.7,fd00::/8").unwrap();
        assert!(permitted(ip("10.20.3.4"), &allow).is_ok());
        assert_eq!(permitted(ip("10.21.0.1"), &allow), Err("rede privada"));
        assert!(permitted(ip("192.168.0.7"), &allow).is_ok());
        assert!(permitted(ip("192.168.0.8"), &allow).is_err());
        assert!(permitted(ip("::ffff:10.20.0.9"), &allow).is_ok());
        assert!(permitted(ip("fd00::5"), &allow).is_ok());
        assert!(allow.allows_host("ERP.interno."));
        assert!(!allow.allows_host("erp.interno.evil.com"));
        assert_eq!(
            Allowlist::parse("10.0.0.0/33"),
            Err("prefixo inválido em \"10.0.0.0/33\"".into())
        );
        assert!(Allowlist::parse("http://x").is_err());
        assert_eq!(Allowlist::parse(""), Ok(Allowlist::default()));
        let all = Allowlist::parse("0.0.0.0/0").unwrap();
        assert!(permitted(ip("127.0.0.1"), &all).is_ok());
    }
}
