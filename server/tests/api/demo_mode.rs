//! Demo mode that can be shown on the internet: the published demo administrator looks at
//! everything but changes nothing that would hurt the next visitor or escape the demo; what is
//! made while demo mode is on stops working once it is off.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn locked_config() -> server::config::Config {
    let mut config = test_config();
    config.demo_locked = true;
    config
}

async fn refused_as_locked(r: reqwest::Response, what: &str) {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "{what}: {body}");
    assert!(
        body.contains("Na demonstração, contas de demonstração não podem"),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn the_demo_administrator_looks_at_everything_and_changes_nothing_that_escapes_the_demo() {
    let app = spawn_app_with(locked_config()).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    // Looking works.
    for endpoint in [
        "users/list",
        "api-tokens/list",
        "channels/list",
        "integrations/get",
        "audit/list",
    ] {
        let r = admin.call(endpoint, &[]).await;
        assert_eq!(r.status(), StatusCode::OK, "{endpoint}");
    }
    // Changing what would hurt the next visitor does not.
    let users_before = app.count("select count(*) from users").await;
    refused_as_locked(
        admin
            .call_json(
                "users/create",
                &json!({"form": {"name": "Intrusa", "role": "admin", "capacity": 3, "teams": []},
                        "email": "intrusa@empresa.com", "password": "senha-forte-1"}),
            )
            .await,
        "users/create",
    )
    .await;
    let agent = user_id(&app, AGENT_EMAIL).await;
    refused_as_locked(
        admin
            .call("users/set-active", &[("id", &agent), ("active", "false")])
            .await,
        "users/set-active",
    )
    .await;
    refused_as_locked(
        admin.call("users/reset-password", &[("id", &agent)]).await,
        "users/reset-password",
    )
    .await;
    refused_as_locked(
        admin.call("api-tokens/create", &[("name", "minha")]).await,
        "api-tokens/create",
    )
    .await;
    refused_as_locked(
        admin
            .call_json(
                "channels/save",
                &json!({"id": null, "input": {"kind": "webchat", "name": "Site", "external_id": null,
                    "business_account_id": null, "access_token": null, "app_secret": null,
                    "verify_token": null, "default_team_id": null, "active": true,
                    "webchat": {"color": "#0f766e", "title": "Chat", "greeting": "Olá",
                        "allowed_origins": ["https://loja.com.br"]}}}),
            )
            .await,
        "channels/save",
    )
    .await;
    refused_as_locked(
        admin
            .call(
                "settings/security/save",
                &[
                    ("require_totp_admin", "true"),
                    ("require_totp_supervisor", "true"),
                    ("require_totp_agent", "true"),
                ],
            )
            .await,
        "settings/security/save",
    )
    .await;
    refused_as_locked(
        admin
            .call(
                "profile/password",
                &[
                    ("current_password", DEMO_PASSWORD),
                    ("new_password", "outra-senha-123"),
                ],
            )
            .await,
        "profile/password",
    )
    .await;
    refused_as_locked(
        admin.call("profile/totp/start", &[]).await,
        "profile/totp/start",
    )
    .await;
    let mut input: Value = admin
        .call("integrations/get", &[])
        .await
        .json()
        .await
        .unwrap();
    let mut elsewhere = input.clone();
    elsewhere["base_url"] = json!("https://erp.exemplo.com.br");
    elsewhere["auth_value"] = json!("chave");
    refused_as_locked(
        admin
            .call_json("integrations/save", &json!({"input": elsewhere.clone()}))
            .await,
        "integrations/save",
    )
    .await;
    refused_as_locked(
        admin
            .call_json(
                "integrations/test",
                &json!({"input": elsewhere, "cpf": "111.111.111-11"}),
            )
            .await,
        "integrations/test",
    )
    .await;
    // What a presenter tunes (the bot's timers, the mock ERP's latency) still saves.
    input["reminder_minutes"] = json!(7);
    input["mock_latency_ms"] = json!(800);
    ok(admin
        .call_json("integrations/save", &json!({"input": input}))
        .await)
    .await;
    assert_eq!(app.count("select count(*) from users").await, users_before);
    assert_eq!(app.count("select count(*) from api_tokens").await, 0);
    // And the demo login still works for the next visitor.
    let r = app.browser().await.login(DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn what_was_made_in_demo_mode_stops_working_when_it_is_turned_off() {
    // A private demo (unlocked): a user, a token and a channel are made.
    let config = test_config();
    let app = spawn_app_with(config.clone()).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    ok(admin
        .call_json(
            "users/create",
            &json!({"form": {"name": "Dora Demo", "role": "admin", "capacity": 3, "teams": []},
                    "email": "dora@empresa.com", "password": "senha-forte-1"}),
        )
        .await)
    .await;
    let token: String = admin
        .call("api-tokens/create", &[("name", "crm")])
        .await
        .json::<Value>()
        .await
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = admin
        .call_json(
            "channels/save",
            &json!({"id": null, "input": {"kind": "webchat", "name": "Site da demonstração",
                "external_id": null, "business_account_id": null, "access_token": null,
                "app_secret": null, "verify_token": null, "default_team_id": null, "active": true,
                "webchat": {"color": "#0f766e", "title": "Chat", "greeting": "Olá",
                    "allowed_origins": ["https://loja.com.br"]}}}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let api = |app: &TestApp| {
        let url = format!("{}/api/v1/contacts", app.address);
        let token = token.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(&app).await, StatusCode::OK);
    let routed = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            state
                .channels
                .all(&state.pool, &state.secrets)
                .await
                .unwrap()
                .iter()
                .any(|c| c.name == "Site da demonstração")
        }
    };
    assert!(routed(&app).await);
    app.stop().await;

    // Demo mode off: none of them works, nor the demo's own accounts.
    let mut config = config;
    config.demo = false;
    config.dev_keys = true;
    config.redis_namespace = format!("{}-prod", config.redis_namespace);
    let app = spawn_app_with(config).await;
    for (email, password) in [
        ("dora@empresa.com", "senha-forte-1"),
        (DEMO_EMAIL, DEMO_PASSWORD),
    ] {
        let r = app.browser().await.login(email, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email}");
    }
    assert_eq!(api(&app).await, StatusCode::UNAUTHORIZED);
    assert!(
        !routed(&app).await,
        "the channel made in the demo routes nothing"
    );
    app.stop().await;
}

/// "Reiniciar demonstração": what visitors did is gone and the seed's state is back; the
/// nightly job does it once per day whatever the number of instances; a production server has
/// nothing to reset.
#[tokio::test]
async fn resetting_the_demo_brings_back_its_seeded_state() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let seeded_replies = app.count("select count(*) from canned_responses").await;
    let seeded_users = app.count("select count(*) from users").await;
    // A visitor's conversation, an agent's note, a new team, a changed closing message and
    // reply, a user made in the demo.
    let r = admin
        .call_json(
            "demo/send",
            &json!({"channel": "webchat", "session": "reset-0000-0000-0000-0001", "text": "oi", "option": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    ok(admin
        .call("teams/create", &[("name", "Equipe Temporária")])
        .await)
    .await;
    let team = demo_team_id(&app).await;
    ok(admin
        .call(
            "teams/closing-message",
            &[("id", &team), ("message", "Tchau!")],
        )
        .await)
    .await;
    ok(admin
        .call_json(
            "users/create",
            &json!({"form": {"name": "Visitante Criado", "role": "agent", "capacity": 3, "teams": []},
                    "email": "visitante@empresa.com", "password": "senha-forte-1"}),
        )
        .await)
    .await;
    sqlx::query("delete from canned_responses")
        .execute(&app.state.pool)
        .await
        .unwrap();
    wait_until(|| async { app.count("select count(*) from conversations").await > 0 }).await;

    ok(admin.call("demo/reset", &[]).await).await;
    for (sql, want) in [
        ("select count(*) from conversations", 0),
        // The only contacts are the ready collection campaign's: the in-debt fixtures.
        (
            "select count(*) from contacts
             where id not in (select contact_id from campaign_recipients)",
            0,
        ),
        (
            "select count(*) from campaign_recipients r join campaigns c on c.id = r.campaign_id
             where c.name = 'Cobrança · faturas vencidas (demonstração)' and c.status = 'draft'",
            2,
        ),
        // Tagged, so a campaign's contact filter finds them.
        (
            "select count(*) from contacts where 'inadimplente' = any(tags)",
            2,
        ),
        (
            "select count(*) from message_templates
             where name = 'aviso_debito_vencido' and status = 'APPROVED'
                 and jsonb_array_length(button_actions) = 2",
            1,
        ),
        ("select count(*) from messages", 0),
        ("select count(*) from teams", 2),
        (
            "select count(*) from users where email = 'visitante@empresa.com'",
            0,
        ),
        ("select count(*) from users", seeded_users),
        ("select count(*) from canned_responses", seeded_replies),
        ("select count(*) from bot_flows where key = 'principal'", 1),
        (
            "select count(*) from teams where closing_message = 'Tchau!'",
            0,
        ),
        (
            "select count(*) from audit_log where action = 'demo_reset'",
            1,
        ),
    ] {
        assert_eq!(app.count(sql).await, want, "{sql}");
    }
    // The demo's accounts were made again: old sessions ended, the published login works.
    let r = admin.call("users/list", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let again = app.signed_in(DEMO_EMAIL).await;
    assert_eq!(again.call("users/list", &[]).await.status(), StatusCode::OK);

    // Nightly: once per day, however many instances tick.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert!(
        backend::services::demo_reset::nightly_reset(&app.state, day)
            .await
            .unwrap()
    );
    assert!(
        !backend::services::demo_reset::nightly_reset(&app.state, day)
            .await
            .unwrap()
    );
    app.stop().await;

    let mut config = test_config();
    config.demo = false;
    config.dev_keys = true;
    let production = spawn_app_with(config).await;
    assert!(
        backend::services::demo_reset::reset(&production.state, None)
            .await
            .is_err()
    );
    production.stop().await;
}
