//! Flows through the REST API, as a company's CI manages them: drafts saved on their revision,
//! broken flows refused with the validator's messages, numbered versions published (the bot
//! runs the published one, never the draft), restored and republished.

use crate::common::{spawn_app, wait_until, Api, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::messaging::ChannelKind;

/// The bot's first words to a new simulator visitor.
async fn greeting(app: &TestApp, session: &str) -> String {
    let kind = ChannelKind::Whatsapp;
    backend::services::demo::send(&app.state, kind, session, "oi", None, None)
        .await
        .unwrap();
    let first = || async {
        backend::services::demo::snapshot(&app.state, kind, session, 0)
            .await
            .unwrap()
            .messages
            .into_iter()
            .filter(|m| m.author == shared::messaging::Author::Bot)
            .find_map(|m| m.text)
    };
    wait_until(|| async { first().await.is_some() }).await;
    first().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_drafted_on_its_revision_published_as_versions_and_rolled_back() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;
    let list: Value = api.get("/api/v1/flows").await.json().await.unwrap();
    let principal = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "principal")
        .unwrap_or_else(|| panic!("{list}"))
        .clone();
    assert_eq!(principal["unpublished_changes"], false);
    let first_version = principal["published_version"].as_i64().unwrap();

    let current: Value = api
        .get("/api/v1/flows/principal")
        .await
        .json()
        .await
        .unwrap();
    let revision = current["revision"].as_i64().unwrap();
    assert_eq!(current["published_version"], first_version);
    let edited: Value = serde_json::from_str(
        &current["draft"]
            .to_string()
            .replace("Eu sou a Val", "Eu sou a Luma"),
    )
    .unwrap();

    let r = api
        .put(
            "/api/v1/flows/principal/draft",
            &json!({"flow": edited, "base_revision": revision}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["revision"], revision + 1);

    // A save made on the old revision (another tab, another administrator) overwrites nothing.
    let mut other = current["draft"].clone();
    other["name"] = json!("Nome de outra aba");
    let r = api
        .put(
            "/api/v1/flows/principal/draft",
            &json!({"flow": other, "base_revision": revision}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let stale: Value = r.json().await.unwrap();
    assert_eq!(stale["code"], "stale_revision");
    assert_eq!(stale["revision"], revision + 1);
    assert!(
        stale["message"].as_str().unwrap().contains("recarregue"),
        "{stale}"
    );

    // A broken flow is refused with the validator's own sentences.
    let mut broken = edited.clone();
    broken["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({"from": "menu", "port": {"kind": "next"}, "to": "bloco_que_nao_existe"}));
    let r = api
        .put(
            "/api/v1/flows/principal/draft",
            &json!({"flow": broken, "base_revision": revision + 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problems: Value = r.json().await.unwrap();
    assert_eq!(problems["code"], "flow_has_problems");
    assert!(
        problems["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("bloco_que_nao_existe")),
        "{problems}"
    );
    let wrong_key = json!({"flow": {"key": "outro"}, "base_revision": revision + 1});
    let r = api.put("/api/v1/flows/principal/draft", &wrong_key).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The bot runs the published version, not the draft.
    assert!(greeting(&app, "rascunho-0123456789").await.contains("Val"));
    let r = api
        .post(
            "/api/v1/flows/principal/publish",
            &json!({"note": "A assistente agora se chama Luma"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let published: Value = r.json().await.unwrap();
    assert_eq!(published["version"], first_version + 1);
    assert!(greeting(&app, "publicado-0123456789")
        .await
        .contains("Luma"));
    let audited = app
        .count("select count(*) from audit_log where action = 'flow_published' and actor_label like 'API: %'")
        .await;
    assert_eq!(audited, 1);

    let history: Value = api
        .get("/api/v1/flows/principal/versions")
        .await
        .json()
        .await
        .unwrap();
    let items = history["data"].as_array().unwrap();
    assert_eq!(items[0]["version"], first_version + 1);
    assert_eq!(items[0]["note"], "A assistente agora se chama Luma");
    assert_eq!(items[1]["version"], first_version);

    // Rolling back: the old version becomes the draft, then is published as the next one.
    let r = api
        .post(
            &format!("/api/v1/flows/principal/versions/{first_version}/restore"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let draft: Value = api
        .get("/api/v1/flows/principal")
        .await
        .json()
        .await
        .unwrap();
    assert!(draft["draft"].to_string().contains("Eu sou a Val"));
    let list: Value = api.get("/api/v1/flows").await.json().await.unwrap();
    let principal = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "principal")
        .unwrap()
        .clone();
    assert_eq!(principal["unpublished_changes"], true);
    let r = api
        .post("/api/v1/flows/principal/publish", &json!({}))
        .await;
    let republished: Value = r.json().await.unwrap();
    assert_eq!(republished["version"], first_version + 2);
    assert!(greeting(&app, "revertido-0123456789").await.contains("Val"));

    let missing = api
        .post("/api/v1/flows/principal/versions/999/restore", &json!({}))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.get("/api/v1/flows/nao-existe").await.status(),
        StatusCode::NOT_FOUND
    );

    // Export and import round-trip: the exported draft imports as the next version.
    let exported: Value = api
        .get("/api/v1/flows/negociacao/export")
        .await
        .json()
        .await
        .unwrap();
    let r = api
        .post("/api/v1/flows/import", &json!({"flow": exported}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let imported: Value = r.json().await.unwrap();
    assert_eq!(imported["key"], "negociacao");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_flows_scope_reads_flows_but_changes_none() {
    use shared::api_scope::ApiScope;
    let app = spawn_app().await;
    let reader = Api::with_scopes(&app, &[ApiScope::Read]).await;
    assert_eq!(reader.get("/api/v1/flows").await.status(), StatusCode::OK);
    let r = reader
        .post("/api/v1/flows/principal/publish", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

/// The bot's texts to a simulator visitor so far.
pub(crate) async fn bot_texts(app: &TestApp, session: &str) -> Vec<String> {
    backend::services::demo::snapshot(&app.state, ChannelKind::Whatsapp, session, 0)
        .await
        .unwrap()
        .messages
        .into_iter()
        .filter(|m| m.author == shared::messaging::Author::Bot)
        .filter_map(|m| m.text)
        .collect()
}

pub(crate) async fn say(app: &TestApp, session: &str, text: &str) {
    let before = bot_texts(app, session).await.len();
    backend::services::demo::send(&app.state, ChannelKind::Whatsapp, session, text, None, None)
        .await
        .unwrap();
    wait_until(|| async { bot_texts(app, session).await.len() > before }).await;
}

/// Saves the principal flow's draft with `from` replaced by `to` in its JSON, on its current
/// revision (not published).
pub(crate) async fn edit_principal_draft(api: &Api, from: &str, to: &str) {
    let current: Value = api
        .get("/api/v1/flows/principal")
        .await
        .json()
        .await
        .unwrap();
    let edited: Value =
        serde_json::from_str(&current["draft"].to_string().replace(from, to)).unwrap();
    let r = api
        .put(
            "/api/v1/flows/principal/draft",
            &json!({"flow": edited, "base_revision": current["revision"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// A conversation already with the bot when a new version is published finishes on the version
/// it started on; a new conversation takes the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_in_progress_keeps_its_version_across_a_publish() {
    let app = spawn_app().await;
    let api = Api::new(&app).await;
    let before = "Para isso, preciso identificar você.";
    let after = "Agora, me diga o seu CPF.";
    say(&app, "em-andamento-0123456789", "oi").await;
    edit_principal_draft(&api, before, after).await;
    let r = api
        .post(
            "/api/v1/flows/principal/publish",
            &json!({"note": "Pergunta do CPF mais curta"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    say(&app, "em-andamento-0123456789", "segunda via").await;
    let old = bot_texts(&app, "em-andamento-0123456789").await;
    assert!(old.last().unwrap().contains(before), "{old:?}");

    say(&app, "nova-conversa-0123456789", "oi").await;
    say(&app, "nova-conversa-0123456789", "segunda via").await;
    let new = bot_texts(&app, "nova-conversa-0123456789").await;
    assert!(new.last().unwrap().contains(after), "{new:?}");
    app.stop().await;
}
