//! Login, lockout, session rotation and logout, through the real HTTP surface.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_administrator_logs_in_and_gets_a_safe_session_cookie() {
    let app = spawn_app().await;
    let browser = app.browser().await;

    let response = browser.login(DEMO_EMAIL, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let set_cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookies
        .iter()
        .find(|c| c.starts_with("omni_session="))
        .expect("a session cookie is set");
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"), "plain http in tests");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!("SignedIn")
    );
    let me = browser.current_user().await;
    assert_eq!(me["email"], DEMO_EMAIL);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["is_demo"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let browser = app.browser().await;

    let wrong_password = error_of(browser.login(DEMO_EMAIL, "errada123").await).await;
    let unknown_email = error_of(browser.login("ninguem@plataforma.com", "errada123").await).await;

    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password.1, json!("InvalidCredentials"));
    assert!(browser.current_user().await.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app().await;
    let attacker = app.browser().await;
    for _ in 0..5 {
        let (status, _) = error_of(attacker.login(AGENT_EMAIL, "chute-errado").await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let (status, body) = error_of(attacker.login(AGENT_EMAIL, DEMO_PASSWORD).await).await;

    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["TooManyAttempts"]["minutes"], 15);
    // Another account is not affected.
    let other = app.browser().await;
    assert_eq!(
        other.login(OTHER_AGENT_EMAIL, DEMO_PASSWORD).await.status(),
        StatusCode::OK
    );
    // The lockout is audited.
    let locked: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'login_locked'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(locked, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_for_an_unknown_email_looks_the_same_as_for_a_real_one() {
    let app = spawn_app().await;
    let b = app.browser().await;
    for email in ["fantasma@plataforma.com", AGENT_EMAIL] {
        for _ in 0..5 {
            b.login(email, "x-errada").await;
        }
    }
    let ghost = error_of(b.login("fantasma@plataforma.com", "x-errada").await).await;
    let real = error_of(b.login(AGENT_EMAIL, "x-errada").await).await;
    assert_eq!(ghost, real);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_rotates_the_session_id_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    let browser = app.signed_in(DEMO_EMAIL).await;
    let first = browser.cookie("omni_session").unwrap();

    let again = browser.login(DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
    let second = browser.cookie("omni_session").unwrap();

    assert_ne!(first, second);
    let replay = app.browser().await;
    replay.set_cookie("omni_session", &first);
    assert!(
        replay.current_user().await.is_null(),
        "the pre-rotation id is dead"
    );
    assert_eq!(browser.current_user().await["email"], DEMO_EMAIL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_id_planted_before_login_is_not_adopted() {
    let app = spawn_app().await;
    let victim = app.browser().await;
    victim.set_cookie("omni_session", "planted-by-attacker");

    victim.login(DEMO_EMAIL, DEMO_PASSWORD).await;

    assert_ne!(
        victim.cookie("omni_session").unwrap(),
        "planted-by-attacker"
    );
    assert_eq!(victim.current_user().await["email"], DEMO_EMAIL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;
    let token = browser.cookie("omni_session").unwrap();

    let r = browser.call("session/logout", &[]).await;

    assert_eq!(r.status(), StatusCode::OK);
    assert!(browser.current_user().await.is_null());
    let replay = app.browser().await;
    replay.set_cookie("omni_session", &token);
    assert!(
        replay.current_user().await.is_null(),
        "a copied cookie is dead too"
    );
    let logouts: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'logout'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(logouts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_after_the_idle_timeout() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;
    sqlx::query("update sessions set last_seen_at = now() - interval '3 hours'")
        .execute(&app.state.pool)
        .await
        .unwrap();

    assert!(browser.current_user().await.is_null());
    let (status, body) = error_of(browser.call("dashboard/counts", &[]).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!("Unauthenticated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_after_the_absolute_timeout_even_when_used() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;
    sqlx::query("update sessions set absolute_expires_at = now() - interval '1 second'")
        .execute(&app.state.pool)
        .await
        .unwrap();

    assert!(browser.current_user().await.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successful_and_failed_logins_are_audited_with_the_client_address() {
    let app = spawn_app().await;
    let b = app.browser().await;
    b.login(DEMO_EMAIL, "errada").await;
    b.login(DEMO_EMAIL, DEMO_PASSWORD).await;

    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("select action, ip from audit_log order by id")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            ("login_failed".to_owned(), Some("127.0.0.1".to_owned())),
            ("login_succeeded".to_owned(), Some("127.0.0.1".to_owned())),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_shows_demo_credentials_only_in_demo_mode() {
    let demo = spawn_app().await;
    let mut config = test_config();
    config.demo = false;
    config.dev_keys = true;
    let production = spawn_app_with(config).await;

    let with_demo = demo
        .browser()
        .await
        .get("/entrar")
        .await
        .text()
        .await
        .unwrap();
    let without = production
        .browser()
        .await
        .get("/entrar")
        .await
        .text()
        .await
        .unwrap();

    assert!(with_demo.contains("demo@plataforma.com / demo123"));
    assert!(!without.contains("demo123"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit() {
    let app = spawn_app().await;
    let browser = app.browser().await;

    let attempts = (0..20).map(|i| {
        let b = &browser;
        async move { b.login(AGENT_EMAIL, &format!("chute-{i}")).await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(refused, 15, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_accounts_do_not_work_outside_demo_mode() {
    let mut config = test_config();
    config.demo = false;
    config.dev_keys = true;
    let app = spawn_app_with(config).await;
    // The database still holds the demo users from an earlier demo run.
    backend::seed::seed_demo(&app.state).await.unwrap();

    let (status, body) = error_of(app.browser().await.login(DEMO_EMAIL, DEMO_PASSWORD).await).await;

    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!("InvalidCredentials"))
    );
}

/// Seconds since the agent's session was last seen active.
async fn idle_seconds(app: &TestApp) -> f64 {
    sqlx::query_scalar(
        "select extract(epoch from now() - last_seen_at)::float8 from sessions
         where user_id = (select id from users where email = $1)",
    )
    .bind(AGENT_EMAIL)
    .fetch_one(&app.state.pool)
    .await
    .unwrap()
}

async fn set_idle(app: &TestApp, interval: &str) {
    sqlx::query(
        "update sessions set last_seen_at = now() - $1::interval
         where user_id = (select id from users where email = $2)",
    )
    .bind(interval)
    .bind(AGENT_EMAIL)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_refreshes_the_idle_timer_so_a_used_session_outlives_it() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;

    // Idle for 119 of the 120 minutes allowed; then the agent does something.
    set_idle(&app, "119 minutes").await;
    assert_eq!(browser.current_user().await["email"], AGENT_EMAIL);
    let idle = idle_seconds(&app).await;
    assert!(idle < 5.0, "last_seen_at moved to now ({idle} s ago)");

    // Two minutes on, the session would have ended counting from before; it counts from the
    // activity, so it is still there.
    sqlx::query("update sessions set last_seen_at = last_seen_at - interval '2 minutes'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(browser.current_user().await["email"], AGENT_EMAIL);
    assert!(idle_seconds(&app).await < 5.0);

    // Activity within a minute of the last write is not written again.
    set_idle(&app, "30 seconds").await;
    assert_eq!(browser.current_user().await["email"], AGENT_EMAIL);
    let idle = idle_seconds(&app).await;
    assert!(
        (29.0..40.0).contains(&idle),
        "left as it was ({idle} s ago)"
    );
}
