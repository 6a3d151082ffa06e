use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backend::AppState;
use serde_json::{json, Value};
use std::time::Duration;

/// The process is up and serving HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// PostgreSQL and Redis both answer within two seconds.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let timeout = Duration::from_secs(2);
    let postgres = tokio::time::timeout(timeout, backend::db::ping(&state.pool))
        .await
        .unwrap_or(false);
    let mut conn = state.redis.clone();
    let redis = tokio::time::timeout(timeout, redis::cmd("PING").query_async::<String>(&mut conn))
        .await
        .map(|r| r.is_ok())
        .unwrap_or(false);
    let status = if postgres && redis {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "postgres": postgres, "redis": redis })),
    )
}
