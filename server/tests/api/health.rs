use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_postgres_and_redis() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/readyz", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"postgres": true, "redis": true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_when_postgres_is_gone() {
    let app = spawn_app().await;
    app.state.pool.close().await;
    let r = reqwest::get(format!("{}/readyz", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["postgres"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_exposed_for_prometheus() {
    let app = spawn_app().await;
    reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    let text = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_basic_security_headers() {
    let app = spawn_app().await;
    let r = app.browser().await.get("/entrar").await;
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
}

/// A page runs only our scripts: its policy names a fresh nonce, and every inline script of the
/// page carries exactly that nonce; other answers allow no inline script. HSTS only over https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_allow_only_our_scripts_and_https_adds_hsts() {
    let app = spawn_app().await;
    let browser = app.browser().await;
    let r = browser.get("/entrar").await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "http: no HSTS"
    );
    let html = r.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("a nonce in {csp}"));
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-"),
        "{csp}"
    );
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the hydration script is inline");
    for s in &scripts {
        let tag = &s[..s.find('>').unwrap()];
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains(" src="),
            "every inline script carries the nonce: <script{tag}>"
        );
    }
    let again = browser.get("/entrar").await;
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce),
        "a new nonce for every page"
    );
    let api = reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    let csp = api.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{csp}"
    );
    app.stop().await;

    let mut config = test_config();
    config.public_url = "https://atendimento.exemplo.com.br".into();
    let app = spawn_app_with(config).await;
    let r = reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_graceful_and_the_port_closes() {
    let app = spawn_app().await;
    let address = app.address.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{address}/healthz")).await.is_err());
}

/// With METRICS_TOKEN, `/metrics` answers only the scraper that presents it; an invented HTTP
/// method is counted under `other`, so clients cannot make new series.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_require_a_token_and_keep_their_labels_bounded() {
    let mut config = test_config();
    config.metrics_token = Some("token-do-prometheus".into());
    let app = spawn_app_with(config).await;
    let client = reqwest::Client::new();
    let url = format!("{}/metrics", app.address);
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let invented = reqwest::Method::from_bytes(b"INVENTADO").unwrap();
    client
        .request(invented, format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let text = client
        .get(&url)
        .bearer_auth("token-do-prometheus")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"));
    assert!(!text.contains("INVENTADO"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    app.stop().await;
}

/// With METRICS_ADDR, `/metrics` is served on that address only: the public one answers 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_live_on_their_own_address() {
    let mut config = test_config();
    config.metrics_addr = Some("127.0.0.1:0".into());
    let app = spawn_app_with(config).await;
    let public = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    let private = app.metrics_address.clone().expect("a metrics listener");
    reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    let text = reqwest::get(format!("{private}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    app.stop().await;
}
