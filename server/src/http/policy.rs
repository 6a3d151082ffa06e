//! Headers every answer carries unless its handler set its own: the Content-Security-Policy
//! (rendered pages send theirs, with their nonce; the rest allows no inline script) and, when the
//! public URL is https, HSTS.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone)]
pub struct Policy {
    csp: HeaderValue,
    hsts: Option<HeaderValue>,
}

impl Policy {
    pub fn new(https: bool) -> Self {
        Self {
            csp: HeaderValue::from_str(&app::csp::policy(None, None))
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            hsts: https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        }
    }
}

pub async fn apply(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
    }
    if let Some(hsts) = policy.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
    response
}
