//! Bad input gets a clear pt-BR error, stores nothing partial, and the server keeps running.

use crate::common::*;
use app::error::AppError;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn message(body: &Value) -> String {
    serde_json::from_value::<AppError>(body.clone())
        .expect("the body is one of our errors")
        .message()
}

/// Creates a team with a hand-made request, to control the anti-CSRF header and the origin.
async fn create_team_raw(
    b: &Browser,
    name: &str,
    csrf_header: Option<&str>,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = b
        .client
        .post(format!("{}/api/teams/create", b.base))
        .form(&[("name", name)]);
    if let Some(token) = csrf_header {
        request = request.header("x-csrf-token", token);
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_email_is_refused_with_a_portuguese_message() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let before = user_count(&app).await;

    let (status, body) = error_of(
        admin
            .call_json(
                "users/create",
                &json!({"form": {"name": "Fulano", "role": "agent", "capacity": 5, "teams": []},
                        "email": "fulano@@empresa", "password": "senha-forte-1"}),
            )
            .await,
    )
    .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "email");
    assert_eq!(
        message(&body),
        "Informe um e-mail válido, como nome@empresa.com.br."
    );
    assert_eq!(user_count(&app).await, before, "nothing stored");
    let login = error_of(admin.login("não-é-email", "x").await).await;
    assert_eq!(login.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.is_alive().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_password_is_refused() {
    let app = spawn_app().await;
    let b = app.browser().await;

    let (status, body) = error_of(b.login(DEMO_EMAIL, "").await).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "password");
    assert_eq!(message(&body), "Informe a senha.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_megabyte_password_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let b = app.browser().await;
    let huge = "a".repeat(10 * 1024 * 1024);

    let (status, body) = error_of(b.login(DEMO_EMAIL, &huge).await).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(message(&body), "Os dados enviados são grandes demais.");
    assert!(app.is_alive().await);
    assert_eq!(
        b.login(DEMO_EMAIL, DEMO_PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_password_under_the_body_limit_is_still_refused_politely() {
    let app = spawn_app().await;
    let b = app.browser().await;

    let (status, body) = error_of(b.login(DEMO_EMAIL, &"a".repeat(5000)).await).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(message(&body), "A senha pode ter no máximo 256 caracteres.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_and_html_in_names_are_stored_as_text_and_rendered_escaped() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let name = "<script>alert('x')</script>'); drop table users;--";

    let (status, _) = error_of(
        admin
            .call_json(
                "users/create",
                &json!({"form": {"name": name, "role": "agent", "capacity": 5, "teams": []},
                        "email": "xss@empresa.com", "password": "senha-forte-1"}),
            )
            .await,
    )
    .await;
    let team = admin.call("teams/create", &[("name", name)]).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(team.status(), StatusCode::OK);
    let stored: String =
        sqlx::query_scalar("select name from users where email = 'xss@empresa.com'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(stored, name);
    let page = admin.get("/equipes").await.text().await.unwrap();
    assert!(
        !page.contains("<script>alert"),
        "raw markup must not reach the page"
    );
    assert!(page.contains("&lt;script&gt;alert"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_are_empty_or_too_long_are_refused() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    for (name, expected) in [
        ("   ", "Informe o nome."),
        (
            &"x".repeat(121) as &str,
            "O nome pode ter no máximo 120 caracteres.",
        ),
    ] {
        let (status, body) = error_of(admin.call("teams/create", &[("name", name)]).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(message(&body), expected);
    }
    let teams: i64 = sqlx::query_scalar(
        "select count(*) from teams where name not in ('Atendimento Geral', 'Negociação')",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(teams, 0, "only the demo's two teams exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_totp_code_without_a_pending_login_is_refused() {
    let app = spawn_app().await;
    let b = app.browser().await;

    let (status, body) = error_of(b.call("session/verify-code", &[("code", "123456")]).await).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        message(&body),
        "A etapa de verificação expirou. Entre novamente com e-mail e senha."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_gets_a_clear_message() {
    let app = spawn_app().await;
    let b = app.signed_in(DEMO_EMAIL).await;
    sqlx::query("delete from sessions")
        .execute(&app.state.pool)
        .await
        .unwrap();

    let (status, body) = error_of(b.call("users/list", &[]).await).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(message(&body), "Sua sessão expirou. Entre novamente.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let b = app.signed_in(DEMO_EMAIL).await;

    let r = create_team_raw(&b, "Sem token", None, None).await;

    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!("CsrfRejected"));
    assert!(message(&body).starts_with("Não foi possível validar a origem da requisição"));
    let teams: i64 = sqlx::query_scalar("select count(*) from teams where name = 'Sem token'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(teams, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_csrf_token_is_refused() {
    let app = spawn_app().await;
    let b = app.signed_in(DEMO_EMAIL).await;

    let r = create_team_raw(&b, "Forjada", Some("forjado"), None).await;

    assert_eq!(
        error_of(r).await,
        (StatusCode::FORBIDDEN, json!("CsrfRejected"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_matches_a_forged_cookie_but_not_the_session_is_refused() {
    let app = spawn_app().await;
    let b = app.signed_in(DEMO_EMAIL).await;
    b.set_cookie("omni_csrf", "escolhido-pelo-atacante");

    let r = create_team_raw(&b, "Forjada", Some("escolhido-pelo-atacante"), None).await;

    assert_eq!(
        error_of(r).await,
        (StatusCode::FORBIDDEN, json!("CsrfRejected"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_origin_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    let b = app.signed_in(DEMO_EMAIL).await;

    let token = b.cookie("omni_csrf").unwrap();
    let r = create_team_raw(&b, "Cross", Some(&token), Some("https://atacante.example")).await;

    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_arguments_get_an_error_not_a_crash() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;

    let r = admin
        .call(
            "users/set-active",
            &[("id", "não-é-uuid"), ("active", "talvez")],
        )
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body, json!("BadRequest"));
    let j = admin
        .call_json("users/create", &json!({"lixo": true}))
        .await;
    let (status, body) = error_of(j).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body, json!("BadRequest"));
    assert!(app.is_alive().await);
}
