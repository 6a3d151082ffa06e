//! The session clean-up job runs for real: through Redis, on the apalis monitor.

use crate::common::*;
use server::config::Roles;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_removes_expired_sessions() {
    let mut config = test_config();
    config.roles = Roles::Both;
    let app = spawn_app_with(config).await;
    let _agent = app.signed_in(AGENT_EMAIL).await;
    sqlx::query("update sessions set absolute_expires_at = now() - interval '1 minute'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    // The worker enqueued a clean-up at start; enqueue one more as the schedule would.
    {
        use apalis::prelude::TaskSink;
        let conn = apalis_redis::connect("redis://127.0.0.1:6379")
            .await
            .unwrap();
        let mut storage =
            server::jobs::expire_sessions_queue(conn, &app.state.auth.redis_namespace);
        storage
            .push(server::jobs::ExpireSessions { idle_seconds: 7200 })
            .await
            .unwrap();
    }

    let mut remaining = 1;
    for _ in 0..150 {
        remaining = sqlx::query_scalar::<_, i64>("select count(*) from sessions")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(remaining, 0, "the expired session was removed by the job");
    app.stop().await;
}
