//! Keys: a production start refuses the public development keys, and an encryption key can be
//! rotated — the previous key keeps opening what it sealed until `server keys reencrypt` seals
//! everything again under the new one.

use crate::common::fake_graph::{FakeGraph, WHATSAPP_TOKEN};
use crate::common::*;
use backend::crypto::Secrets;
use serde_json::json;

const KEY_A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const KEY_B: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
const SESSION: &str = "uma-chave-de-sessao-de-teste-com-mais-de-32-caracteres";

fn secrets(key: &str) -> Secrets {
    Secrets::new(&hex_bytes(key), SESSION.as_bytes()).unwrap()
}

fn hex_bytes(key: &str) -> Vec<u8> {
    (0..key.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn without_demo_mode_the_server_refuses_to_start_without_its_keys() {
    let mut config = test_config();
    config.demo = false;
    config.session_secret = None;
    config.encryption_key = None;
    let err = match server::startup::Application::build(config.clone()).await {
        Ok(_) => panic!("the start must be refused"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("SESSION_SECRET e ENCRYPTION_KEY são obrigatórias fora do modo demonstração")
            && err.contains("openssl rand -hex 32"),
        "{err}"
    );
    // The explicit development flag allows the public keys; so does demo mode.
    config.dev_keys = true;
    let app = spawn_app_with(config).await;
    assert!(app.is_alive().await);
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_key_keeps_opening_until_everything_is_sealed_again() {
    let graph = FakeGraph::start().await;
    let mut config = channel_config(&graph);
    config.encryption_key = Some(KEY_A.into());
    config.session_secret = Some(SESSION.into());
    let app = spawn_app_with(config.clone()).await;
    // Sealed under A: the channels' tokens (from the environment), the ERP's key (saved on the
    // page) and an agent's 2FA seed.
    let admin = app.signed_in(DEMO_EMAIL).await;
    let mut input: serde_json::Value = admin
        .call("integrations/get", &[])
        .await
        .json()
        .await
        .unwrap();
    input["auth_value"] = json!("chave-do-erp");
    ok(admin
        .call_json("integrations/save", &json!({"input": input}))
        .await)
    .await;
    sqlx::query("update users set totp_secret_enc = $1 where email = $2")
        .bind(secrets(KEY_A).seal(b"semente-totp").unwrap())
        .bind(AGENT_EMAIL)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let channels = app
        .count("select count(*) from channels where secrets is not null")
        .await;
    assert!(channels >= 3);
    app.stop().await;

    // B is the key now; A is still listed as previous: everything opens.
    config.encryption_key = Some(KEY_B.into());
    config.encryption_key_previous = Some(KEY_A.into());
    config.redis_namespace = format!("{}-b", config.redis_namespace);
    let app = spawn_app_with(config.clone()).await;
    let all = app
        .state
        .channels
        .all(&app.state.pool, &app.state.secrets)
        .await
        .expect("the channels open with the previous key");
    let whatsapp = all
        .iter()
        .find(|c| c.external_id.as_deref() == Some(crate::common::fake_graph::PHONE_NUMBER_ID))
        .unwrap();
    assert_eq!(
        whatsapp.secrets.access_token.as_deref(),
        Some(WHATSAPP_TOKEN)
    );
    let done = backend::services::keys::reencrypt(&app.state.pool, &app.state.secrets)
        .await
        .unwrap();
    // The three channels the environment declares were sealed again at the start (the
    // environment wins on every boot); the others, the seed and the setting now.
    assert_eq!(
        (done.users, done.channels as i64, done.settings),
        (1, channels - 3, 1)
    );
    let again = backend::services::keys::reencrypt(&app.state.pool, &app.state.secrets)
        .await
        .unwrap();
    assert_eq!(again, Default::default(), "nothing left under the old key");
    let pool = app.state.pool.clone();
    app.stop().await;

    // Only B: every secret opens, and none with A.
    let only_b = secrets(KEY_B);
    let only_a = secrets(KEY_A);
    let sealed: Vec<Vec<u8>> = sqlx::query_scalar(
        "select secrets from channels where secrets is not null
         union all select totp_secret_enc from users where totp_secret_enc is not null",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for s in &sealed {
        assert!(only_b.open(s).is_ok());
        assert!(only_a.open(s).is_err());
    }
    let erp = backend::erp::settings(&pool, &only_b, None).await.unwrap();
    assert_eq!(erp.auth_value, "chave-do-erp");
}
