//! The flow builder's server functions, as its pages call them: new flows from templates, the
//! canvas's autosave keeping a half-built draft (publishing refuses it), a stale tab refused,
//! duplicates, archiving and which channel runs which flow.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn overview(browser: &Browser) -> Value {
    let r = browser.call("flows/list", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn refusal(r: reqwest::Response) -> Value {
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    body["Refused"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_made_from_a_template_keeps_a_half_built_draft_until_it_can_be_published() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;

    let start = overview(&admin).await;
    let templates: Vec<&str> = start["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[0].as_str().unwrap())
        .collect();
    for code in [
        "em-branco",
        "consentimento-lgpd",
        "pesquisa-csat",
        "inatividade",
        "fora-do-horario",
        "saneamento-menu",
        "saneamento-negociacao",
    ] {
        assert!(templates.contains(&code), "{code} in {templates:?}");
    }

    let r = admin
        .call(
            "flows/create",
            &[
                ("name", "Pesquisa de satisfação"),
                ("template", "pesquisa-csat"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let key: String = r.json().await.unwrap();
    assert_eq!(key, "pesquisa-de-satisfacao");
    // The same name again gets the next free key; an unknown template or an empty name is refused.
    let again: String = admin
        .call(
            "flows/create",
            &[
                ("name", "Pesquisa de satisfação"),
                ("template", "em-branco"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, "pesquisa-de-satisfacao-2");
    let r = admin
        .call("flows/create", &[("name", "X"), ("template", "nao-existe")])
        .await;
    assert_eq!(refusal(r).await["reason"], "flow_template_unknown");
    let r = admin
        .call(
            "flows/create",
            &[("name", "   "), ("template", "em-branco")],
        )
        .await;
    assert_eq!(refusal(r).await["reason"], "flow_name_invalid");

    // Created flows are published as version 1, audited, and listed.
    let doc: Value = admin
        .call("flows/get", &[("key", &key)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["published_version"], 1);
    assert_eq!(doc["editable"], true);
    assert_eq!(doc["draft"]["name"], "Pesquisa de satisfação");
    assert_eq!(doc["draft"]["nodes"].as_array().unwrap().len(), 3);
    assert!(
        app.count(&format!(
            "select count(*) from audit_log where action = 'flow_published' and detail like '{key} versão 1%'"
        ))
        .await
            == 1
    );

    // The canvas saves a block dropped and not yet connected: the draft keeps it.
    let revision = doc["revision"].as_i64().unwrap();
    let mut draft = doc["draft"].clone();
    draft["nodes"].as_array_mut().unwrap().push(json!({
        "id": "mensagem_1", "position": {"x": 700.0, "y": 300.0},
        "type": "message", "content": {"type": "text", "text": "Nova mensagem"}
    }));
    let r = admin
        .call_json(
            "flows/save",
            &json!({"key": key, "flow": draft, "base_revision": revision}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: i64 = r.json().await.unwrap();
    assert_eq!(saved, revision + 1);
    let reread: Value = admin
        .call("flows/get", &[("key", &key)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reread["draft"]["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(reread["unpublished_changes"], true);

    // A tab still on the old revision overwrites nothing.
    let r = admin
        .call_json(
            "flows/save",
            &json!({"key": key, "flow": doc["draft"], "base_revision": revision}),
        )
        .await;
    let stale = refusal(r).await;
    assert_eq!(stale["reason"], "flow_draft_stale");
    assert_eq!(stale["revision"], saved);
    // Nor does a flow sent under another flow's key.
    let r = admin
        .call_json(
            "flows/save",
            &json!({"key": "principal", "flow": draft, "base_revision": 1}),
        )
        .await;
    assert_eq!(refusal(r).await["reason"], "flow_key_mismatch");

    // Publishing waits until the new block is connected or gone.
    let r = admin
        .call("flows/publish", &[("key", &key), ("note", "nova mensagem")])
        .await;
    let problems = refusal(r).await;
    assert_eq!(problems["reason"], "flow_has_problems");
    assert!(
        problems["message"].as_str().unwrap().contains("mensagem_1"),
        "{problems}"
    );
    let mut fixed = draft.clone();
    fixed["nodes"].as_array_mut().unwrap().pop();
    let r = admin
        .call_json(
            "flows/save",
            &json!({"key": key, "flow": fixed, "base_revision": saved}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin
        .call(
            "flows/publish",
            &[("key", &key), ("note", "sem a mensagem")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<i64>().await.unwrap(), 2);
    let versions: Value = admin
        .call("flows/versions", &[("key", &key)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["note"], "sem a mensagem");
    let v1: Value = admin
        .call("flows/version", &[("key", &key), ("version", "1")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1["key"], key.as_str());

    // A supervisor reads the flow but may not change it.
    let supervisor = app.signed_in(SUPERVISOR_EMAIL).await;
    let seen: Value = supervisor
        .call("flows/get", &[("key", &key)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["editable"], false);
    let r = supervisor
        .call_json(
            "flows/save",
            &json!({"key": key, "flow": fixed, "base_revision": saved + 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_a_channel_runs_is_not_archived_and_an_archived_flow_runs_on_no_channel() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let copy: String = admin
        .call("flows/duplicate", &[("key", "principal")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(copy, "menu-principal-aguas-do-vale-copia");
    let doc: Value = admin
        .call("flows/get", &[("key", &copy)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["draft"]["key"], copy.as_str());
    assert_eq!(
        doc["draft"]["name"],
        "Menu principal — Águas do Vale (cópia)"
    );
    assert_eq!(doc["published_version"], 1);

    let start = overview(&admin).await;
    let channel = start["channels"][0].clone();
    let id = channel["id"].as_str().unwrap().to_owned();
    let before = channel["flow"].as_str().map(str::to_owned);
    let r = admin
        .call("flows/channel", &[("channel", &id), ("flow", &copy)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let after = overview(&admin).await;
    assert_eq!(after["channels"][0]["flow"], copy.as_str());
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'channel_changed' and detail like '%fluxo menu-principal-aguas-do-vale-copia'")
            .await,
        1
    );

    let r = admin
        .call("flows/archive", &[("key", &copy), ("archived", "true")])
        .await;
    let refused = refusal(r).await;
    assert_eq!(refused["reason"], "flow_runs_on_channel");

    let back = before.unwrap_or_default();
    let r = admin
        .call("flows/channel", &[("channel", &id), ("flow", &back)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin
        .call("flows/archive", &[("key", &copy), ("archived", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let listed = overview(&admin).await;
    let row = listed["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == copy.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["archived"], true);
    let r = admin
        .call("flows/channel", &[("channel", &id), ("flow", &copy)])
        .await;
    assert_eq!(refusal(r).await["reason"], "flow_archived");
    let r = admin
        .call("flows/channel", &[("channel", &id), ("flow", "nao-existe")])
        .await;
    assert_eq!(refusal(r).await["reason"], "flow_missing");

    let r = admin
        .call("flows/archive", &[("key", &copy), ("archived", "false")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin
        .call(
            "flows/archive",
            &[("key", "nao-existe"), ("archived", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn test_turn(admin: &Browser, request: Value) -> Value {
    let r = admin
        .call_json("flows/test", &json!({"request": request}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn said(turn: &Value) -> String {
    turn["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testar_runs_the_unsaved_draft_on_the_server_engine_with_the_connector_or_canned_answers() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let doc: Value = admin
        .call("flows/get", &[("key", "principal")])
        .await
        .json()
        .await
        .unwrap();
    // The draft on the canvas, not yet saved: a new greeting.
    let draft: Value = serde_json::from_str(
        &doc["draft"]
            .to_string()
            .replace("Eu sou a Val", "Eu sou a Luma"),
    )
    .unwrap();
    let base = json!({"key": "principal", "draft": draft, "state": null, "choice": null,
        "start_at": null, "canned": {}});

    let mut first = base.clone();
    first["text"] = json!("oi");
    let turn = test_turn(&admin, first).await;
    assert!(said(&turn).contains("Eu sou a Luma"), "{turn}");
    assert_eq!(turn["replies"][0]["type"], "list");
    assert_eq!(turn["state"]["node"], "menu");
    assert_eq!(turn["state"]["status"], "awaiting_input");

    // A CPF typed at the menu goes to the real (mock) ERP connector, with its latency.
    let mut second = base.clone();
    second["state"] = turn["state"].clone();
    second["text"] = json!("111.111.111-11");
    let turn = test_turn(&admin, second).await;
    let call = &turn["calls"][0];
    assert_eq!(call["what"], "Buscar cliente por CPF");
    assert_eq!(call["ok"], true);
    assert_eq!(call["canned"], false);
    assert_eq!(call["request"]["args"]["cpf"], "11111111111");
    assert!(
        call["answer"]["nome"].as_str().unwrap().contains("Maria"),
        "{call}"
    );
    assert!(call["ms"].as_u64().is_some());
    assert!(said(&turn).contains("Maria"), "{turn}");

    // A canned answer is used instead of the connector.
    let mut start = base.clone();
    start["text"] = json!("oi");
    let menu = test_turn(&admin, start).await;
    let mut with_canned = base.clone();
    with_canned["state"] = menu["state"].clone();
    with_canned["text"] = json!("529.982.247-25");
    with_canned["canned"] = json!({"find_customer": {"encontrado": true, "id": "C-9", "nome": "Cliente Simulado",
        "primeiro_nome": "Simulado", "cpf": "52998224725", "situacao_texto": "tudo em dia."}});
    let turn = test_turn(&admin, with_canned).await;
    assert_eq!(turn["calls"][0]["canned"], true);
    assert!(said(&turn).contains("Prontinho, Simulado"), "{turn}");

    // Starting at a chosen block skips what comes before it.
    let mut from_block = base.clone();
    from_block["text"] = json!("oi");
    from_block["start_at"] = json!("humano");
    let turn = test_turn(&admin, from_block).await;
    assert!(
        turn["finished"]
            .as_str()
            .unwrap()
            .starts_with("Transferida"),
        "{turn}"
    );

    // Nothing of it touched a conversation or the stored draft.
    assert_eq!(app.count("select count(*) from bot_sessions").await, 0);
    let after: Value = admin
        .call("flows/get", &[("key", "principal")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["revision"], doc["revision"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_with_a_flow_open_sees_who_else_has_it_open() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let supervisor = app.signed_in(SUPERVISOR_EMAIL).await;
    let names = |r: reqwest::Response| async move { r.json::<Vec<String>>().await.unwrap() };
    assert!(
        names(admin.call("flows/presence", &[("key", "principal")]).await)
            .await
            .is_empty()
    );
    let seen = names(
        supervisor
            .call("flows/presence", &[("key", "principal")])
            .await,
    )
    .await;
    assert_eq!(seen, vec!["Demonstração".to_owned()]);
    let seen = names(admin.call("flows/presence", &[("key", "principal")]).await).await;
    assert_eq!(seen, vec!["Carla Mendes".to_owned()]);
    // Another flow has nobody else.
    assert!(
        names(admin.call("flows/presence", &[("key", "negociacao")]).await)
            .await
            .is_empty()
    );
}
