//! Configurações → Campanhas through the REST API: read with its defaults, every problem of a
//! bad change told at once and nothing stored, a good change stored tidied, audited, and in
//! force (a new opt-out word opts a customer out).

use crate::campaigns::text_webhook;
use crate::common::{spawn_channel_app, wait_until, Api};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_rules_are_read_checked_saved_audited_and_in_force() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let r = api.get("/api/v1/campaigns/settings").await;
    assert_eq!(r.status(), StatusCode::OK);
    let defaults: Value = r.json().await.unwrap();
    assert_eq!(defaults["messaging_limit"], 2000);
    assert_eq!(defaults["frequency_cap_24h"], 2);
    assert_eq!(
        defaults["window"]["hours"]["days"][0],
        json!({"opens": 480, "closes": 1200})
    );
    assert_eq!(defaults["window"]["hours"]["days"][6], Value::Null);
    assert!(defaults["opt_out"]["always"]
        .as_array()
        .unwrap()
        .contains(&json!("parar")));

    // Every problem at once; nothing stored.
    let mut bad = defaults.clone();
    bad["messaging_limit"] = json!(-5);
    bad["price_marketing_brl"] = json!(250.0);
    bad["window"]["hours"]["days"][0] = json!({"opens": 1200, "closes": 480});
    bad["opt_out"]["always"] = json!(["   "]);
    let r = api.put("/api/v1/campaigns/settings", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "campaign_settings_invalid");
    let problems: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("limite de mensagens")));
    assert!(problems.iter().any(|p| p.contains("R$ 100,00")));
    assert!(problems
        .iter()
        .any(|p| p.contains("segunda-feira: o fechamento deve ser depois da abertura")));
    assert!(problems
        .iter()
        .any(|p| p.contains("ao menos uma palavra de saída")));
    let unchanged: Value = api
        .get("/api/v1/campaigns/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged, defaults);

    // A good change: stored tidied and answered so.
    let mut good = defaults.clone();
    good["messaging_limit"] = json!(10000);
    good["frequency_cap_24h"] = json!(1);
    good["window"]["hours"]["days"][5] = Value::Null;
    good["opt_out"]["always"] = json!(["parar", "  Chega de mensagem ", "chega de mensagem"]);
    let r = api.put("/api/v1/campaigns/settings", &good).await;
    assert_eq!(r.status(), StatusCode::OK);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(
        stored["opt_out"]["always"],
        json!(["parar", "chega de mensagem"])
    );
    let read: Value = api
        .get("/api/v1/campaigns/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, stored);
    assert_eq!(read["window"]["hours"]["days"][5], Value::Null);
    let audited = app
        .count(
            "select count(*) from audit_log where action = 'settings_changed'
             and actor_label like 'API: %' and detail like 'Campanhas — limite da Meta 10.000 por 24 h%'",
        )
        .await;
    assert_eq!(audited, 1);

    // In force: the new words opt a customer out, typed any way.
    let r = app
        .signed_webhook(
            "whatsapp",
            &text_webhook("5511987650001", "wamid.CHEGA1", "CHEGA de mensagem!"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    wait_until(|| async {
        app.count(
            "select count(*) from suppressions where phone = '+5511987650001' and reason = 'reply'",
        )
        .await
            == 1
    })
    .await;
}

async fn limit(api: &Api) -> Value {
    let s: Value = api
        .get("/api/v1/campaigns/settings")
        .await
        .json()
        .await
        .unwrap();
    s["messaging_limit"].clone()
}

fn capability_webhook(field: &str, value: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "time": chrono::Utc::now().timestamp(), "changes": [{"field": field, "value": value}]}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metas_messaging_limit_webhooks_set_the_limit_the_preflight_uses() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    assert_eq!(limit(&api).await, 2000);
    let body = capability_webhook(
        "business_capability_update",
        json!({"max_daily_conversation_per_phone": 10000,
            "max_daily_conversations_per_business": 10000, "max_phone_numbers_per_business": 2}),
    );
    assert_eq!(
        app.signed_webhook("whatsapp", &body).await.status(),
        StatusCode::OK
    );
    app.settle().await;
    assert_eq!(limit(&api).await, 10000);
    assert_eq!(
        app.count(
            "select count(*) from audit_log where actor_label = 'Meta'
             and detail = 'Campanhas — a Meta informou o limite de mensagens: 10.000 por 24 h'"
        )
        .await,
        1
    );
    // The quality webhook writes it as a string; -1 is unlimited.
    let body = capability_webhook(
        "phone_number_quality_update",
        json!({"display_phone_number": "15550783881", "event": "UPGRADE",
            "current_limit": "TIER_UNLIMITED", "max_daily_conversations_per_business": "-1"}),
    );
    assert_eq!(
        app.signed_webhook("whatsapp", &body).await.status(),
        StatusCode::OK
    );
    app.settle().await;
    assert_eq!(limit(&api).await, 0);
}
