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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_graceful_and_the_port_closes() {
    let app = spawn_app().await;
    let address = app.address.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{address}/healthz")).await.is_err());
}
