//! The first administrator of a production install: the one-time first-run link the server
//! issues while no active administrator exists, and `server user create` on a terminal.

use crate::common::*;
use reqwest::StatusCode;

/// A production-like install: no demo data, so no user at all.
fn production_config() -> server::config::Config {
    let mut config = test_config();
    config.demo = false;
    config.dev_keys = true;
    config
}

#[tokio::test]
async fn the_first_run_link_creates_the_first_administrator_once() {
    let app = spawn_app_with(production_config()).await;
    assert_eq!(app.count("select count(*) from users").await, 0);
    let link = backend::services::setup::issue_link(&app.state)
        .await
        .unwrap()
        .expect("a link while no administrator exists");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let browser = app.browser().await;

    // The page: a wrong link says so; the right one shows the form.
    let page = browser
        .get("/primeiro-acesso?token=errado")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Link inválido"), "{page}");
    let page = browser
        .get(&format!("/primeiro-acesso?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Criar administrador"), "{page}");

    let submit = |password: &'static str, confirm: &'static str, email: &'static str| {
        let (browser, token) = (&browser, token.clone());
        async move {
            browser
                .call(
                    "setup/first-admin",
                    &[
                        ("token", &token),
                        ("name", "Ana Gestora"),
                        ("email", email),
                        ("password", password),
                        ("confirm", confirm),
                    ],
                )
                .await
        }
    };
    // Mistakes are refused in words and leave the link usable.
    let r = submit("senha-forte-1", "senha-forte-2", "ana@empresa.com.br").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("As duas senhas não conferem."));
    let r = submit("curta", "curta", "ana@empresa.com.br").await;
    assert!(r.status().is_client_error());
    let r = submit("senha-forte-1", "senha-forte-1", "não é e-mail").await;
    assert!(r.status().is_client_error());
    assert_eq!(
        app.count("select count(*) from users").await,
        0,
        "nothing stored"
    );

    ok(submit("senha-forte-1", "senha-forte-1", "ana@empresa.com.br").await).await;
    let (role, actor): (String, String) = sqlx::query_as(
        "select u.role::text, a.actor_label from users u
         join audit_log a on a.subject_id = u.id and a.action = 'user_created'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), actor.as_str()),
        ("admin", "primeiro acesso")
    );
    let r = app
        .browser()
        .await
        .login("ana@empresa.com.br", "senha-forte-1")
        .await;
    assert_eq!(r.status(), StatusCode::OK, "the new administrator signs in");

    // Then the link and the page are gone.
    let r = submit("outra-senha-1", "outra-senha-1", "intruso@empresa.com.br").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = browser
        .get(&format!("/primeiro-acesso?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Configuração concluída"), "{page}");
    assert!(backend::services::setup::issue_link(&app.state)
        .await
        .unwrap()
        .is_none());
    assert_eq!(app.count("select count(*) from users").await, 1);
    app.stop().await;
}

/// `server user create` reads the password twice (two lines when standard input is not a
/// terminal), refuses two that differ, and can generate one and print it once.
#[tokio::test]
async fn the_command_line_creates_users_with_a_typed_or_generated_password() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let config = production_config();
    let app = spawn_app_with(config.clone()).await;
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATABASE_URL", &config.database_url)
            .env("REDIS_URL", &config.redis_url)
            .env("REDIS_NAMESPACE", &config.redis_namespace)
            .env("DEV_KEYS", "true")
            .env_remove("DEMO_MODE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let create = [
        "user",
        "create",
        "--email",
        "bia@empresa.com.br",
        "--name",
        "Bia Admin",
    ];
    let (ok_, _, err) = run(&create, "senha-forte-1\nsenha-diferente\n");
    assert!(!ok_ && err.contains("as duas senhas não conferem"), "{err}");
    let (ok_, out, err) = run(&create, "senha-forte-1\nsenha-forte-1\n");
    assert!(ok_, "{err}");
    assert!(
        out.contains("Usuário bia@empresa.com.br criado (Administrador)"),
        "{out}"
    );
    let r = app
        .browser()
        .await
        .login("bia@empresa.com.br", "senha-forte-1")
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let (ok_, out, err) = run(
        &[
            "user",
            "create",
            "--email",
            "caio@empresa.com.br",
            "--name",
            "Caio Atendente",
            "--role",
            "atendente",
            "--generate-password",
        ],
        "",
    );
    assert!(ok_, "{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Senha (mostrada só agora): "))
        .unwrap_or_else(|| panic!("{out}"))
        .trim()
        .to_owned();
    assert!(password.len() >= 16);
    let r = app
        .browser()
        .await
        .login("caio@empresa.com.br", &password)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let role: String =
        sqlx::query_scalar("select role::text from users where email = 'caio@empresa.com.br'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(role, "agent");
    let (ok_, _, err) = run(
        &[
            "user",
            "create",
            "--email",
            "x@y.com",
            "--name",
            "X",
            "--role",
            "gerente",
            "--generate-password",
        ],
        "",
    );
    assert!(!ok_ && err.contains("papel desconhecido"), "{err}");
    app.stop().await;
}
