//! "Onde os clientes vão": the visits the bot records per flow version, counted per block and
//! port on a scripted set of conversations, the same before and after the daily roll-up.

use crate::common::*;
use crate::flows::say;
use reqwest::StatusCode;
use serde_json::Value;

async fn analytics(browser: &Browser, args: &[(&str, &str)]) -> Value {
    let mut all = vec![("key", "principal")];
    all.extend_from_slice(args);
    let r = browser.call("flows/analytics", &all).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// What the scripted conversations must show, whether read from the visits or the roll-up.
fn assert_counts(a: &Value) {
    let menu = &a["blocks"]["menu"];
    assert_eq!(n(&menu["passed"]), 4, "{menu}");
    assert_eq!(n(&a["started"]), 4);
    assert_eq!(n(&menu["ports"]["choice:segunda_via"]), 2, "{menu}");
    assert_eq!(n(&menu["ports"]["choice:atendente"]), 1, "{menu}");
    // The fourth customer never answered the menu: they left there.
    assert_eq!(n(&menu["stopped"]["open"]), 1, "{menu}");
    let cpf = &a["blocks"]["cpf"];
    assert_eq!(n(&cpf["passed"]), 2, "{cpf}");
    assert_eq!(n(&cpf["stopped"]["quit"]), 1, "{cpf}");
    assert_eq!(n(&cpf["stopped"]["inactive"]), 1, "{cpf}");
    assert!(cpf["ports"].as_object().unwrap().is_empty(), "{cpf}");
    let human = &a["blocks"]["humano"];
    assert_eq!(n(&human["passed"]), 1);
    assert_eq!(n(&human["stopped"]["handoff"]), 1);
    // The condition passed twice without waiting, through "senão" (not identified yet).
    assert_eq!(n(&a["blocks"]["identificado"]["ports"]["else"]), 2);
    // Time at the menu is the customers' reading time: recorded, and short here.
    let median = menu["median_seconds"]
        .as_f64()
        .expect("a median at the menu");
    assert!((0.0..30.0).contains(&median), "{median}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_block_counts_who_passed_left_went_silent_or_asked_for_a_person() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let empty = analytics(&admin, &[]).await;
    assert!(empty["blocks"].as_object().unwrap().is_empty(), "{empty}");
    assert_eq!(empty["versions"], serde_json::json!([1]));

    // Leaves at the CPF question.
    say(&app, "analise-sai-0000000001", "oi").await;
    say(&app, "analise-sai-0000000001", "segunda via").await;
    say(&app, "analise-sai-0000000001", "sair").await;
    // Picks the menu's "atendente" option: handed off by the flow's block.
    say(&app, "analise-humano-000000002", "oi").await;
    say(&app, "analise-humano-000000002", "atendente").await;
    // Goes silent at the CPF question, and the bot closes the conversation.
    say(&app, "analise-silencio-0000003", "oi").await;
    say(&app, "analise-silencio-0000003", "segunda via").await;
    // Never answers the menu.
    say(&app, "analise-parado-000000004", "oi").await;
    app.settle_bot().await;

    let (conversation, activity): (uuid::Uuid, i64) = sqlx::query_as(
        "select s.conversation_id, s.activity from bot_sessions s
         join bot_steps v on v.conversation_id = s.conversation_id
         where v.node = 'cpf' and v.left_at is null",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    backend::bot::on_inactivity(
        &app.state,
        backend::bot::InactivityCheck {
            conversation: shared::ConversationId(conversation),
            activity,
            close: true,
        },
    )
    .await
    .unwrap();

    let today = analytics(&admin, &[]).await;
    assert_counts(&today);
    // The REST API reads the same figures.
    let api = Api::new(&app).await;
    let r = api.get("/api/v1/flows/principal/analytics").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rest: Value = r.json().await.unwrap();
    assert_counts(&rest);
    let r = api
        .get("/api/v1/flows/principal/analytics?from=ontem")
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = api.get("/api/v1/flows/principal/analytics?version=9").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        analytics(&admin, &[("version", "1")]).await["blocks"],
        today["blocks"]
    );

    // Two days later the roll-up has those days; the figures read from it are the same.
    sqlx::query(
        "update bot_steps set entered_at = entered_at - interval '2 days',
                              left_at = left_at - interval '2 days'",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let rows = backend::bot::analytics::roll_up(&app.state).await.unwrap();
    assert!(rows >= 1, "{rows}");
    assert!(app.count("select count(*) from bot_step_days").await > 0);
    let from = (chrono::Utc::now() - chrono::Duration::days(5))
        .date_naive()
        .to_string();
    let rolled = analytics(&admin, &[("from", &from)]).await;
    assert_counts(&rolled);
    // A period that ends before those days has none of them.
    let before = (chrono::Utc::now() - chrono::Duration::days(4))
        .date_naive()
        .to_string();
    let none = analytics(&admin, &[("from", &from), ("to", &before)]).await;
    assert!(none["blocks"].as_object().unwrap().is_empty(), "{none}");

    // A period the wrong way round, or too long, or a version that does not exist: refused.
    let r = admin
        .call(
            "flows/analytics",
            &[("key", "principal"), ("from", &before), ("to", &from)],
        )
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("período"), "{body}");
    let r = admin
        .call("flows/analytics", &[("key", "principal"), ("version", "9")])
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    app.stop().await;
}
