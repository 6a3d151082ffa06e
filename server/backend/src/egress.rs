//! The one HTTP client for every URL an administrator configures (the ERP connector, its
//! "Testar", the flow's HTTP block). Names are resolved here and every address checked at
//! connect time (`shared::egress`), so a name that resolves to an internal address, now or after
//! a DNS change, is refused; addresses written in the URL are checked before sending. Redirects
//! are never followed, and the answer is read up to a size cap within the call's timeout.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use shared::egress::{permitted, Allowlist};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// What the operator configured: the allowlist, the answer's size cap, and (in demo mode) the
/// platform's own address, where the mock ERP answers.
#[derive(Debug, Clone)]
pub struct EgressPolicy {
    pub allow: Allowlist,
    pub max_body_bytes: usize,
    pub demo: bool,
}

impl Default for EgressPolicy {
    fn default() -> Self {
        Self {
            allow: Allowlist::default(),
            max_body_bytes: 1024 * 1024,
            demo: false,
        }
    }
}

/// Why a call was not made or not read, in words an administrator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error(
        "endereço não permitido ({reason}); libere-o em EGRESS_ALLOW se for a rede da empresa"
    )]
    Forbidden { reason: &'static str },
    #[error("URL inválida: use http:// ou https:// com um nome de servidor")]
    BadUrl,
    #[error("a resposta passou de {max} bytes")]
    TooLarge { max: usize },
    #[error("redirecionamento não seguido (HTTP {status})")]
    Redirect { status: u16 },
}

/// The client and its policy. Cheap to clone.
#[derive(Clone)]
pub struct Egress {
    pub client: reqwest::Client,
    policy: Arc<EgressPolicy>,
    /// `127.0.0.1:<port>` of this server, set once it listens (demo mode's mock ERP).
    own: Arc<OnceLock<SocketAddr>>,
}

struct Guarded {
    policy: Arc<EgressPolicy>,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let by_name = policy.allow.allows_host(&host);
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| {
                    by_name
                        || match permitted(a.ip(), &policy.allow) {
                            Ok(()) => true,
                            Err(reason) => {
                                refused = Some(reason);
                                false
                            }
                        }
                })
                .collect();
            if allowed.is_empty() {
                let reason = refused.unwrap_or("nome sem endereço");
                return Err(Box::new(EgressError::Forbidden { reason })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

impl Egress {
    pub fn new(policy: EgressPolicy) -> Self {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(64)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Guarded {
                policy: policy.clone(),
            }))
            .build()
            .unwrap_or_default();
        Self {
            client,
            policy,
            own: Arc::new(OnceLock::new()),
        }
    }

    /// Called once the listener is bound.
    pub fn set_own_address(&self, addr: SocketAddr) {
        let _ = self.own.set(addr);
    }

    pub fn max_body_bytes(&self) -> usize {
        self.policy.max_body_bytes
    }

    /// Checks what the resolver never sees: the scheme, and an address written in the URL.
    pub fn check_url(&self, url: &str) -> Result<(), EgressError> {
        let url = reqwest::Url::parse(url).map_err(|_| EgressError::BadUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(EgressError::BadUrl);
        }
        let host = url.host_str().ok_or(EgressError::BadUrl)?;
        let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        else {
            // A name: the resolver checks what it resolves to.
            return Ok(());
        };
        let own = self.own.get().filter(|_| self.policy.demo);
        let is_own = own
            .is_some_and(|own| ip.is_loopback() && url.port_or_known_default() == Some(own.port()));
        if is_own {
            return Ok(());
        }
        permitted(ip, &self.policy.allow).map_err(|reason| EgressError::Forbidden { reason })
    }
}

/// How a bounded call ended short of an answer.
#[derive(Debug)]
pub enum CallFailure {
    Timeout { ms: u64 },
    Refused(EgressError),
    Unreachable(String),
}

/// Sends and reads the answer (up to the cap) within `timeout`, connecting, waiting and reading
/// together: a slow or endless answer never holds a conversation longer.
pub async fn send_bounded(
    egress: &Egress,
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<(reqwest::StatusCode, String), CallFailure> {
    let started = Instant::now();
    let timed_out = || CallFailure::Timeout {
        ms: started.elapsed().as_millis() as u64,
    };
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            return timed_out();
        }
        // The resolver's refusal travels inside the connect error.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(refused) = s.downcast_ref::<EgressError>() {
                return CallFailure::Refused(refused.clone());
            }
            source = s.source();
        }
        CallFailure::Unreachable(short(&e.without_url().to_string()))
    };
    let request = request.timeout(timeout).build().map_err(failed)?;
    egress
        .check_url(request.url().as_str())
        .map_err(CallFailure::Refused)?;
    let mut response = tokio::time::timeout(timeout, egress.client.execute(request))
        .await
        .map_err(|_| timed_out())?
        .map_err(failed)?;
    let status = response.status();
    if status.is_redirection() {
        return Err(CallFailure::Refused(EgressError::Redirect {
            status: status.as_u16(),
        }));
    }
    let max = egress.max_body_bytes();
    let mut body = Vec::new();
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .map_err(|_| timed_out())?
            .map_err(failed)?;
        let Some(chunk) = chunk else { break };
        if body.len() + chunk.len() > max {
            return Err(CallFailure::Refused(EgressError::TooLarge { max }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// At most a short line of an error's text.
pub fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= 120 {
        line.to_owned()
    } else {
        format!("{}…", line.chars().take(120).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_the_url_are_checked_before_sending() {
        let egress = Egress::new(EgressPolicy::default());
        assert_eq!(
            egress.check_url("http://169.254.169.254/latest/meta-data"),
            Err(EgressError::Forbidden {
                reason: "link-local"
            })
        );
        assert_eq!(
            egress.check_url("http://[::1]:8080/"),
            Err(EgressError::Forbidden { reason: "loopback" })
        );
        assert_eq!(
            egress.check_url("file:///etc/passwd"),
            Err(EgressError::BadUrl)
        );
        assert_eq!(egress.check_url("https://erp.exemplo.com.br/api"), Ok(()));
        assert_eq!(egress.check_url("https://200.160.2.3/api"), Ok(()));
    }

    #[test]
    fn the_demo_reaches_its_own_mock_erp_and_nothing_else_local() {
        let egress = Egress::new(EgressPolicy {
            demo: true,
            ..EgressPolicy::default()
        });
        egress.set_own_address("127.0.0.1:3000".parse().unwrap());
        assert_eq!(egress.check_url("http://127.0.0.1:3000/mock-erp"), Ok(()));
        assert!(egress.check_url("http://127.0.0.1:5432/").is_err());
        let production = Egress::new(EgressPolicy::default());
        production.set_own_address("127.0.0.1:3000".parse().unwrap());
        assert!(production
            .check_url("http://127.0.0.1:3000/mock-erp")
            .is_err());
    }

    #[test]
    fn errors_are_one_short_line() {
        let long = format!("{}\nsecond line", "x".repeat(300));
        let s = short(&long);
        assert_eq!(s.chars().count(), 121);
        assert!(!s.contains("second"));
    }
}
