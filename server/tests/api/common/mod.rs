//! Starts the real application on a random port, against a fresh PostgreSQL database and a
//! private Redis namespace, and talks to it over HTTP like a browser would.
#![allow(dead_code)]

pub mod fake_graph;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use server::config::{Config, Roles};
use server::startup::Application;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "demo@plataforma.com";
pub const SUPERVISOR_EMAIL: &str = "carla.mendes@plataforma.com";
pub const AGENT_EMAIL: &str = "rafael.oliveira@plataforma.com";
pub const OTHER_AGENT_EMAIL: &str = "juliana.costa@plataforma.com";
pub const DEMO_PASSWORD: &str = "demo123";

pub struct TestApp {
    pub address: String,
    /// `/metrics` apart, with `METRICS_ADDR`.
    pub metrics_address: Option<String>,
    pub state: backend::AppState,
    pub database_url: String,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn base_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A test configuration: own database, own Redis namespace, demo data, random port.
pub fn test_config() -> Config {
    let mut config = Config::defaults();
    let id = Uuid::new_v4().simple().to_string();
    config.database_url = format!("{}/test_{id}", base_database_url());
    config.redis_url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    config.redis_namespace = format!("test-{id}");
    config.bind_addr = "127.0.0.1:0".parse().unwrap();
    config.demo = true;
    // The suites manage users, tokens and channels as the demo administrator; the lock that
    // stops a public demo's visitors doing so has its own tests (demo_mode.rs).
    config.demo_locked = false;
    config.roles = Roles::Web;
    // Only on 29 February: a sync in the middle of a test would forget the templates the test
    // stored (the fake Graph API lists its own); the sync has its own tests.
    config.template_sync_schedule = "0 0 4 29 2 *".into();
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    server::telemetry::init(server::config::LogFormat::Text);
    let database_url = config.database_url.clone();
    let app = Application::build(config)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(app.run(shutdown.clone()));
    TestApp {
        address,
        metrics_address,
        state,
        database_url,
        shutdown,
        task: Some(task),
    }
}

impl TestApp {
    /// A new browser: its own cookie jar, with the anti-CSRF cookie a first page view gives.
    pub async fn browser(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap();
        let browser = Browser {
            client,
            jar,
            base: self.address.clone(),
        };
        let page = browser.get("/entrar").await;
        assert_eq!(page.status(), StatusCode::OK);
        browser
    }

    /// A browser signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let b = self.browser().await;
        let r = b.login(email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "login of {email} succeeds");
        b
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub async fn is_alive(&self) -> bool {
        reqwest::get(format!("{}/healthz", self.address))
            .await
            .map(|r| r.status() == StatusCode::OK)
            .unwrap_or(false)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// Replaces a cookie, as an attacker replaying a stolen or stale one would.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }

    /// A page view, with the `Accept` header a browser sends.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap()
    }

    fn csrf(&self) -> String {
        self.cookie("omni_csrf").unwrap_or_default()
    }

    /// Calls a server function with form-encoded arguments, as the browser's client does.
    pub async fn call(&self, endpoint: &str, args: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("x-csrf-token", self.csrf())
            .form(args)
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function whose input is JSON.
    pub async fn call_json(&self, endpoint: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("x-csrf-token", self.csrf())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads a file as the composer does: the body is the file, its type the header.
    pub async fn upload(&self, path_and_query: &str, mime: &str, body: Vec<u8>) -> Response {
        self.client
            .post(format!("{}{path_and_query}", self.base))
            .header("x-csrf-token", self.csrf())
            .header("content-type", mime)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("session/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn current_user(&self) -> Value {
        let r = self.call("session/current", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }
}

/// The body of an error answer: the `AppError` variant as JSON.
pub async fn error_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// The id of a demo user.
pub async fn user_id(app: &TestApp, email: &str) -> String {
    let id: Uuid = sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    id.to_string()
}

/// The id of the demo team, "Atendimento Geral".
pub async fn demo_team_id(app: &TestApp) -> String {
    let id: Uuid = sqlx::query_scalar("select id from teams where name = 'Atendimento Geral'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    id.to_string()
}

pub const APP_SECRET: &str = "segredo-do-app-meta";
pub const VERIFY_TOKEN: &str = "token-de-verificacao";

/// An application with workers, its Graph API pointed at a fresh fake, and the three Meta
/// channels declared through the environment variables automated deployments use.
pub async fn spawn_channel_app() -> (TestApp, fake_graph::FakeGraph) {
    let graph = fake_graph::FakeGraph::start().await;
    let config = channel_app_config(&graph);
    (spawn_app_with(config).await, graph)
}

/// The configuration of [`spawn_channel_app`].
pub fn channel_app_config(graph: &fake_graph::FakeGraph) -> Config {
    let mut config = channel_config(graph);
    // No bot and no team unless a test sets them (demo mode would give the demo's).
    for v in [
        &mut config.whatsapp_bot_flow,
        &mut config.whatsapp_team,
        &mut config.messenger_bot_flow,
        &mut config.messenger_team,
        &mut config.instagram_bot_flow,
        &mut config.instagram_team,
    ] {
        *v = Some(String::new());
    }
    config
}

/// The configuration of [`spawn_channel_app`], the channels' flow and team left unset.
pub fn channel_config(graph: &fake_graph::FakeGraph) -> Config {
    use fake_graph::*;
    let mut config = test_config();
    config.roles = Roles::Both;
    config.graph_api_base_url = graph.base_url.clone();
    config.graph_api_version = VERSION.into();
    config.graph_retry_base_ms = 20;
    config.graph_pair_rate_delay_ms = 50;
    config.graph_max_attempts = 4;
    config.whatsapp_phone_number_id = Some(PHONE_NUMBER_ID.into());
    config.whatsapp_access_token = Some(WHATSAPP_TOKEN.into());
    config.whatsapp_business_account_id = Some("102290129340398".into());
    config.meta_app_secret = Some(APP_SECRET.into());
    config.meta_verify_token = Some(VERIFY_TOKEN.into());
    config.messenger_page_id = Some(PAGE_ID.into());
    config.messenger_page_token = Some(PAGE_TOKEN.into());
    config.instagram_account_id = Some(INSTAGRAM_ID.into());
    config.instagram_access_token = Some(INSTAGRAM_TOKEN.into());
    config
}

/// A webhook body from `server/tests/fixtures/`, its timestamps (late 2025 in the files) moved
/// to now, as a live notification would carry them: the 24-hour window counts from them.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let now = chrono::Utc::now();
    let seconds = regex_lite_replace(&body, 10, &now.timestamp().to_string());
    regex_lite_replace(&seconds, 13, &now.timestamp_millis().to_string())
}

/// Replaces every run of exactly `len` digits starting with "1764" by `with`.
fn regex_lite_replace(body: &str, len: usize, with: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let starts_run = i == 0 || !bytes[i - 1].is_ascii_digit();
        if starts_run && run == len && body[i..].starts_with("1764") {
            out.push_str(with);
            i += run;
        } else if run > 0 {
            out.push_str(&body[i..i + run]);
            i += run;
        } else {
            let c = body[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `sha256=<hex>` of `body` under the test app secret, as Meta signs.
pub fn signature(body: &str) -> String {
    backend::channels::sign(body.as_bytes(), APP_SECRET)
}

impl TestApp {
    /// Posts a webhook as Meta does: JSON, signed (or with the given signature).
    pub async fn webhook(&self, kind: &str, body: &str, signature: Option<&str>) -> Response {
        let mut request = reqwest::Client::new()
            .post(format!("{}/webhooks/{kind}", self.address))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(s) = signature {
            request = request.header("x-hub-signature-256", s);
        }
        request.send().await.unwrap()
    }

    pub async fn signed_webhook(&self, kind: &str, body: &str) -> Response {
        self.webhook(kind, body, Some(&signature(body))).await
    }

    /// A REST API token, created as the command line does.
    pub async fn api_token(&self) -> String {
        backend::services::api_tokens::create(&self.state, "testes", None, None)
            .await
            .unwrap()
            .secret
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
    }

    /// Waits until every stored webhook has been processed.
    pub async fn settle(&self) {
        wait_until(|| async {
            self.count("select count(*) from webhook_events where processed_at is null")
                .await
                == 0
        })
        .await;
    }

    /// Waits until every webhook is processed and the bot has finished every run they asked
    /// for: after this, whatever the bot was going to say has been said.
    pub async fn settle_bot(&self) {
        self.settle().await;
        tokio::time::timeout(
            std::time::Duration::from_secs(15),
            self.state.wakers.bot_idle(),
        )
        .await
        .expect("the bot finished its runs within 15 s");
    }
}

/// Polls `check` until it holds, failing after 15 s: background work (the webhook processor,
/// the outbox) finishes on its own schedule.
pub async fn wait_until<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("condition not reached in 15 s");
}

/// A client for the REST API with a bearer token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Api {
    /// A client with a token of only these scopes.
    pub async fn with_scopes(app: &TestApp, scopes: &[shared::api_scope::ApiScope]) -> Self {
        Self {
            base: app.address.clone(),
            token: backend::services::api_tokens::create(&app.state, "escopos", None, Some(scopes))
                .await
                .unwrap()
                .secret,
            client: reqwest::Client::new(),
        }
    }

    pub async fn new(app: &TestApp) -> Self {
        Self {
            base: app.address.clone(),
            token: app.api_token().await,
            client: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

/// The id of the (only) conversation on the channel of this kind.
pub async fn conversation_on(app: &TestApp, kind: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(
        "select c.id from conversations c join channels ch on ch.id = c.channel_id
         where ch.kind = $1::channel_kind",
    )
    .bind(kind)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    id.to_string()
}

/// A customer writes on `kind` (the fixture `<kind>/text.json`) to channels whose default team
/// is Atendimento Geral; answers the conversation's id once the webhook is processed.
pub async fn customer_writes_on(app: &TestApp, kind: &str) -> String {
    sqlx::query(
        "update channels set default_team_id = (select id from teams where name = 'Atendimento Geral')",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    app.state.channels.invalidate().await;
    let r = app
        .signed_webhook(kind, &fixture(&format!("{kind}/text.json")))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    conversation_on(app, kind).await
}

/// The JSON body of a successful answer; any other status fails the test with the body.
pub async fn ok(r: reqwest::Response) -> serde_json::Value {
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The demo seeds a ready collection campaign to the mock ERP's in-debt customers, whose
/// contacts exist from the start: `contacts where {NOT_DEMO_FIXTURE}` are the others.
pub const NOT_DEMO_FIXTURE: &str = "id not in (select r.contact_id from campaign_recipients r
     join campaigns c on c.id = r.campaign_id
     where c.name = 'Cobrança · faturas vencidas (demonstração)' and r.contact_id is not null)";
