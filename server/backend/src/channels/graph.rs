//! The HTTP client for Meta's Graph API (WhatsApp Cloud API, Messenger and Instagram Send API),
//! its error classification and the retry policy.
//!
//! Error handling follows Meta's references:
//! - Graph API errors: <https://developers.facebook.com/docs/graph-api/guides/error-handling>
//! - WhatsApp Cloud API error codes:
//!   <https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes>
//!
//! 429, 5xx, network failures and the throttling codes are retried with exponential backoff and
//! full jitter. `130429` (throughput reached) and `131056` (too many messages to the same user,
//! the "pair rate limit") impose a floor on the delay. Every other 4xx is permanent.

use serde_json::Value;
use std::time::Duration;

/// Where the Graph API is and how hard to retry it.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// `https://graph.facebook.com` in production; a local fake in tests.
    pub base_url: String,
    /// `v24.0` and the like.
    pub version: String,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for GraphSettings {
    fn default() -> Self {
        Self {
            base_url: "https://graph.facebook.com".into(),
            version: "v24.0".into(),
            timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// The first retry waits up to this long; each later one doubles it.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Attempts in all, the first included, before the message is marked failed.
    pub max_attempts: i32,
    /// Minimum wait after `130429` (business account throughput).
    pub throughput_floor: Duration,
    /// Minimum wait after `131056` (pair rate limit: same business and customer).
    pub pair_rate_floor: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            max_attempts: 10,
            throughput_floor: Duration::from_secs(1),
            pair_rate_floor: Duration::from_secs(6),
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`: exponential with full jitter, never under the
    /// pacing floor the error demands nor under a `Retry-After`.
    pub fn delay(&self, attempts: i32, error: &GraphError) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempts.clamp(0, 16) as u32)
            .min(self.max_delay);
        let jittered = exp.mul_f64(rand::random::<f64>());
        let floor = match error.code {
            Some(130429) => self.throughput_floor,
            Some(131056) => self.pair_rate_floor,
            _ => Duration::ZERO,
        };
        jittered
            .max(floor)
            .max(error.retry_after.unwrap_or_default())
            .max(Duration::from_millis(10))
    }
}

/// A failed Graph call.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    /// Retrying later may succeed.
    pub retryable: bool,
    /// Meta's `error.code`, when the answer carried one.
    pub code: Option<i64>,
    /// Meta's `error.message` (WhatsApp calls it the title), or what went wrong locally.
    pub title: String,
    /// `error.error_data.details`, when present.
    pub detail: Option<String>,
    pub http_status: Option<u16>,
    pub retry_after: Option<Duration>,
}

/// Codes Meta documents as rate limits or temporary failures.
const RETRYABLE_CODES: &[i64] = &[
    1,      // API unknown: "possibly a temporary issue"
    2,      // API service: temporary downtime
    4,      // API too many calls
    17,     // user request limit reached
    32,     // page request limit reached
    613,    // calls exceeded the rate limit
    80007,  // WhatsApp Business Account rate limit
    130429, // throughput rate limit
    131000, // something went wrong (Meta: retry)
    131016, // service unavailable
    131056, // pair rate limit
    133004, // server temporarily unavailable
];

/// The title of a call that never reached Meta (the connection was refused or failed).
const NOT_CONNECTED: &str = "Não foi possível conectar à Meta";

impl GraphError {
    /// Whether the request may have reached Meta without an answer (a timeout, a connection
    /// cut after sending, a 5xx without Meta's error): the message may have gone out, and
    /// only a status webhook can say.
    pub fn outcome_unknown(&self) -> bool {
        self.code.is_none()
            && self.title != NOT_CONNECTED
            && self.http_status.is_none_or(|s| s >= 500)
    }

    fn network(e: &reqwest::Error) -> Self {
        GraphError {
            retryable: true,
            code: None,
            title: if e.is_timeout() {
                "Tempo esgotado ao falar com a Meta".into()
            } else if e.is_connect() {
                NOT_CONNECTED.into()
            } else {
                "Falha de rede ao falar com a Meta".into()
            },
            detail: Some(e.to_string()),
            http_status: None,
            retry_after: None,
        }
    }

    /// Classifies an error answer from its status and Meta's error body.
    pub fn from_response(status: u16, body: &Value, retry_after: Option<Duration>) -> Self {
        let error = body.get("error");
        let code = error.and_then(|e| e.get("code")).and_then(Value::as_i64);
        let title = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("A Meta respondeu HTTP {status}"));
        let detail = error
            .and_then(|e| e.get("error_data"))
            .and_then(|d| d.get("details"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let retryable =
            status == 429 || status >= 500 || code.is_some_and(|c| RETRYABLE_CODES.contains(&c));
        GraphError {
            retryable,
            code,
            title,
            detail,
            http_status: Some(status),
            retry_after,
        }
    }

    /// The pt-BR sentence for people (the connection test, the inbox).
    pub fn describe(&self) -> String {
        let mut s = match (self.http_status, self.code) {
            (_, Some(190)) => "Token de acesso inválido ou expirado".to_owned(),
            (Some(401 | 403), _) | (_, Some(10 | 200)) => "Permissão negada pela Meta".to_owned(),
            (_, Some(100)) => "Parâmetro inválido ou identificador inexistente".to_owned(),
            (Some(429), _) | (_, Some(4 | 80007 | 130429)) => {
                "Limite de envio da Meta atingido".to_owned()
            }
            (None, _) => self.title.clone(),
            _ => "A Meta recusou a chamada".to_owned(),
        };
        if let Some(code) = self.code {
            s.push_str(&format!(" (código {code}: {})", self.title));
        }
        s
    }
}

/// A Graph API client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    pub settings: std::sync::Arc<GraphSettings>,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent("PlataformaOmnichannel/1.0")
            .build()?;
        Ok(Self {
            http,
            settings: std::sync::Arc::new(settings),
        })
    }

    /// `{base}/{version}/{path}`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.settings.base_url.trim_end_matches('/'),
            self.settings.version,
            path.trim_start_matches('/')
        )
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Result<Value, GraphError> {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| GraphError::network(&e))?;
        Self::read(response).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Result<Value, GraphError> {
        let response = self
            .http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| GraphError::network(&e))?;
        Self::read(response).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<Value, GraphError> {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| GraphError::network(&e))?;
        Self::read(response).await
    }

    /// Starts downloading a media file from the URL the media endpoint returned (it needs the
    /// token too): its type and the response, whose body the caller streams (and bounds).
    pub async fn download(
        &self,
        url: &str,
        token: Option<&str>,
        max_bytes: usize,
    ) -> Result<(String, reqwest::Response), GraphError> {
        let mut request = self.http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| GraphError::network(&e))?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            return Err(GraphError::from_response(status, &Value::Null, None));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        if response
            .content_length()
            .is_some_and(|l| l as usize > max_bytes)
        {
            return Err(GraphError {
                retryable: false,
                code: None,
                title: "Arquivo grande demais".into(),
                detail: None,
                http_status: Some(status),
                retry_after: None,
            });
        }
        Ok((content_type, response))
    }

    async fn read(response: reqwest::Response) -> Result<Value, GraphError> {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(|e| GraphError::network(&e))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(GraphError::from_response(status, &body, retry_after))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn throttling_and_server_errors_are_retryable() {
        let body = json!({"error": {"message": "(#130429) Rate limit hit", "code": 130429}});
        assert!(GraphError::from_response(400, &body, None).retryable);
        assert!(GraphError::from_response(500, &Value::Null, None).retryable);
        assert!(GraphError::from_response(429, &Value::Null, None).retryable);
    }

    #[test]
    fn other_client_errors_are_permanent_and_keep_code_and_title() {
        let body = json!({"error": {
            "message": "(#131026) Message undeliverable", "type": "OAuthException",
            "code": 131026, "error_data": {"messaging_product": "whatsapp", "details": "Receiver incapable"},
            "fbtrace_id": "Az"}});
        let e = GraphError::from_response(400, &body, None);
        assert!(!e.retryable);
        assert_eq!(e.code, Some(131026));
        assert_eq!(e.title, "(#131026) Message undeliverable");
        assert_eq!(e.detail.as_deref(), Some("Receiver incapable"));
    }

    #[test]
    fn pacing_codes_set_a_floor_on_the_delay() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let pair = GraphError::from_response(400, &json!({"error": {"code": 131056}}), None);
        assert!(policy.delay(0, &pair) >= Duration::from_secs(6));
        let after = GraphError::from_response(429, &Value::Null, Some(Duration::from_secs(30)));
        assert!(policy.delay(0, &after) >= Duration::from_secs(30));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        let e = GraphError::from_response(500, &Value::Null, None);
        for attempt in 0..40 {
            assert!(policy.delay(attempt, &e) <= policy.max_delay);
        }
    }
}
