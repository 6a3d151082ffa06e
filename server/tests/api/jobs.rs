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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_vacuumed_from_redis_after_the_cut_off_and_not_before() {
    let mut config = test_config();
    config.roles = Roles::Both;
    let app = spawn_app_with(config).await;
    let namespace = app.state.auth.redis_namespace.clone();
    let queue = format!("{namespace}:jobs:expire-sessions");
    let mut redis = app.state.redis.clone();
    // The clean-up enqueued at start runs and is filed as done, payload kept.
    let mut done: Vec<String> = Vec::new();
    for _ in 0..150 {
        done = redis::cmd("SMEMBERS")
            .arg(format!("{queue}:done"))
            .query_async(&mut redis)
            .await
            .unwrap();
        if !done.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!done.is_empty(), "the first clean-up finished");
    let kept = |redis: redis::aio::ConnectionManager, id: String| {
        let data = format!("{queue}:data");
        async move {
            let mut redis = redis;
            redis::cmd("HEXISTS")
                .arg(data)
                .arg(id)
                .query_async::<bool>(&mut redis)
                .await
                .unwrap()
        }
    };
    assert!(kept(redis.clone(), done[0].clone()).await);

    let conn = apalis_redis::connect("redis://127.0.0.1:6379")
        .await
        .unwrap();
    let mut storage = server::jobs::expire_sessions_queue(conn, &namespace);
    // Finished seconds ago: a day's cut-off keeps it.
    let young = server::jobs::vacuum::vacuum_queue(&mut storage, Duration::from_secs(24 * 3600))
        .await
        .unwrap();
    assert_eq!(young, server::jobs::vacuum::Vacuumed::default());
    assert!(kept(redis.clone(), done[0].clone()).await);
    // With no cut-off its payload, metadata and id go.
    let all = server::jobs::vacuum::vacuum_queue(&mut storage, Duration::ZERO)
        .await
        .unwrap();
    assert!(all.tasks >= 1 && all.ids >= 1, "{all:?}");
    assert!(!kept(redis.clone(), done[0].clone()).await);
    let meta: bool = redis::cmd("EXISTS")
        .arg(format!("{queue}:meta:{}", done[0]))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!meta);
    let still_done: bool = redis::cmd("SISMEMBER")
        .arg(format!("{queue}:done"))
        .arg(&done[0])
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!still_done);
    app.stop().await;
}
