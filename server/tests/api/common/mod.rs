//! Starts the real application on a random port, against a fresh PostgreSQL database and a
//! private Redis namespace, and talks to it over HTTP like a browser would.
#![allow(dead_code)]

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
    pub state: app::backend::AppState,
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
    config.roles = Roles::Web;
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
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(app.run(shutdown.clone()));
    TestApp {
        address,
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
