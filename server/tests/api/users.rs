//! Usuários and Equipes: creating, editing, deactivating, resetting, and the audit trail.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn create_agent(admin: &Browser, name: &str, email: &str) -> (StatusCode, Value) {
    error_of(
        admin
            .call_json(
                "users/create",
                &json!({
                    "form": {"name": name, "role": "agent", "capacity": 4, "teams": []},
                    "email": email,
                    "password": "senha-forte-1"
                }),
            )
            .await,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_an_agent_who_can_then_log_in() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;

    let (status, _) = create_agent(&admin, "Bruno Lima", "Bruno.Lima@Empresa.com.br").await;

    assert_eq!(status, StatusCode::OK);
    let list: Value = admin.call("users/list", &[]).await.json().await.unwrap();
    let bruno = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bruno.lima@empresa.com.br")
        .expect("stored lower-cased");
    assert_eq!(bruno["role"], "agent");
    assert_eq!(bruno["capacity"], 4);
    assert_eq!(bruno["availability"], "offline");
    let agent = app.browser().await;
    assert_eq!(
        agent
            .login("BRUNO.LIMA@empresa.com.br", "senha-forte-1")
            .await
            .status(),
        StatusCode::OK,
        "login ignores e-mail case"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_addresses_are_unique_without_regard_to_case() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    create_agent(&admin, "Bruno Lima", "bruno@empresa.com").await;

    let (status, body) = create_agent(&admin, "Outro Bruno", "BRUNO@empresa.com").await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, json!("EmailTaken"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let agent = app.signed_in(AGENT_EMAIL).await;
    assert_eq!(
        agent.call("dashboard/counts", &[]).await.status(),
        StatusCode::OK
    );
    let id = user_id(&app, AGENT_EMAIL).await;

    let r = admin
        .call("users/set-active", &[("id", &id), ("active", "false")])
        .await;

    assert_eq!(r.status(), StatusCode::OK);
    let (status, body) = error_of(agent.call("dashboard/counts", &[]).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!("Unauthenticated"))
    );
    let (status, body) =
        error_of(app.browser().await.login(AGENT_EMAIL, DEMO_PASSWORD).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!("InvalidCredentials"))
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'user_deactivated' and subject_id::text = $1",
    )
    .bind(&id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_active_administrator_cannot_be_deactivated_or_demoted() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let id = user_id(&app, DEMO_EMAIL).await;

    let deactivate = error_of(
        admin
            .call("users/set-active", &[("id", &id), ("active", "false")])
            .await,
    )
    .await;
    let demote = error_of(
        admin
            .call_json(
                "users/update",
                &json!({"id": id, "form": {"name": "Demonstração", "role": "agent", "capacity": 5, "teams": []}}),
            )
            .await,
    )
    .await;

    assert_eq!(
        deactivate,
        (StatusCode::CONFLICT, json!("LastAdministrator"))
    );
    assert_eq!(demote, (StatusCode::CONFLICT, json!("LastAdministrator")));
    assert_eq!(admin.current_user().await["role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_changes_are_audited_and_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let agent = app.signed_in(AGENT_EMAIL).await;
    assert_eq!(
        agent.call("teams/list", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let id = user_id(&app, AGENT_EMAIL).await;

    let r = admin
        .call_json(
            "users/update",
            &json!({"id": id, "form": {"name": "Rafael Oliveira", "role": "supervisor", "capacity": 8, "teams": []}}),
        )
        .await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(agent.call("teams/list", &[]).await.status(), StatusCode::OK);
    let detail: String = sqlx::query_scalar(
        "select detail from audit_log where action = 'role_changed' order by id desc limit 1",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(detail, "Atendente → Supervisor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_returns_a_temporary_password_and_ends_sessions() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let agent = app.signed_in(AGENT_EMAIL).await;
    let id = user_id(&app, AGENT_EMAIL).await;

    let temporary: String = admin
        .call("users/reset-password", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(temporary.len(), 12);
    assert!(agent.current_user().await.is_null());
    let fresh = app.browser().await;
    assert_eq!(
        fresh.login(AGENT_EMAIL, &temporary).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let laptop = app.signed_in(AGENT_EMAIL).await;
    let phone = app.signed_in(AGENT_EMAIL).await;

    let r = laptop
        .call(
            "profile/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "minha-nova-senha"),
            ],
        )
        .await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(laptop.current_user().await["email"], AGENT_EMAIL);
    assert!(phone.current_user().await.is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_is_saved_and_counted_on_the_dashboard() {
    let app = spawn_app().await;
    let agent = app.signed_in(AGENT_EMAIL).await;
    let before: Value = agent
        .call("dashboard/counts", &[])
        .await
        .json()
        .await
        .unwrap();

    agent
        .call("profile/availability", &[("availability", "online")])
        .await;

    let after: Value = agent
        .call("dashboard/counts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["agents_online"], 0);
    assert_eq!(after["agents_online"], 1);
    assert_eq!(after["agents_total"], 2);
    assert_eq!(after["teams"], 2, "Atendimento Geral and Negociação");
    assert_eq!(after["active_users"], 4);
    assert_eq!(agent.current_user().await["availability"], "online");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seed_is_idempotent() {
    let app = spawn_app().await;
    backend::seed::seed_demo(&app.state).await.unwrap();
    backend::seed::seed_demo(&app.state).await.unwrap();
    let (users, teams, members): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from users), (select count(*) from teams), (select count(*) from team_members)",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    // Two teams (Atendimento Geral, Negociação), the three non-admin users in each.
    assert_eq!((users, teams, members), (4, 2, 6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_read_the_audit_log_newest_first() {
    let app = spawn_app().await;
    app.browser().await.login(DEMO_EMAIL, "errada").await;
    let admin = app.signed_in(DEMO_EMAIL).await;

    let entries: Value = admin.call("audit/list", &[]).await.json().await.unwrap();

    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["login_succeeded", "login_failed"]);
    assert_eq!(entries[1]["ip"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_members_can_be_added_and_removed() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let team: String = admin
        .call("teams/create", &[("name", "Cobrança")])
        .await
        .json()
        .await
        .unwrap();
    let agent = user_id(&app, AGENT_EMAIL).await;

    let add = admin
        .call(
            "teams/add-member",
            &[
                ("team", &team),
                ("user", &agent),
                ("as_supervisor", "false"),
            ],
        )
        .await;
    assert_eq!(add.status(), StatusCode::OK);
    let duplicate = error_of(admin.call("teams/create", &[("name", "cobrança")]).await).await;
    assert_eq!(duplicate, (StatusCode::CONFLICT, json!("TeamNameTaken")));

    let teams: Value = admin.call("teams/list", &[]).await.json().await.unwrap();
    let cobranca = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Cobrança")
        .unwrap();
    assert_eq!(cobranca["members"][0]["name"], "Rafael Oliveira");

    let remove = admin
        .call("teams/remove-member", &[("team", &team), ("user", &agent)])
        .await;
    assert_eq!(remove.status(), StatusCode::OK);
}
