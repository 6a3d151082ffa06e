//! WhatsApp templates managed in the product against the fake Graph API: synced, created
//! (checked against Meta's limits first), moved by Meta's template webhooks (approved,
//! rejected with its reason, quality), deleted; and the same through the REST API in Meta's
//! own shape.

use crate::common::fake_graph::VERSION;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const WABA: &str = "102290129340398";

async fn whatsapp_channel(app: &TestApp) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(
        "select id from channels where kind = 'whatsapp' and external_id = '106540352242922'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    id.to_string()
}

async fn templates(admin: &Browser) -> Vec<Value> {
    let r = admin.call("templates/list", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["templates"].as_array().unwrap().clone()
}

fn named<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name} in {all:?}"))
}

/// Meta's `message_template_status_update` (the id an integer, the language with a hyphen).
fn status_webhook(id: &str, name: &str, event: &str, reason: Option<&str>) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "time": 1764600000,
        "changes": [{"field": "message_template_status_update", "value": {
            "event": event, "message_template_id": id.parse::<u64>().unwrap(),
            "message_template_name": name, "message_template_language": "pt-BR",
            "reason": reason, "message_template_category": "UTILITY"}}]}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_is_checked_sent_for_review_approved_or_rejected_by_webhook_and_deleted() {
    let (app, graph) = spawn_channel_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let channel = whatsapp_channel(&app).await;

    let r = admin.call("templates/sync", &[("channel", &channel)]).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(text, "3");
    let synced = templates(&admin).await;
    assert_eq!(named(&synced, "promocao")["status"], "PENDING");
    assert_eq!(named(&synced, "retomar_atendimento")["meta_id"], "1");

    // Broken: refused in pt-BR, and Meta is never called.
    let posts = || {
        graph
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/message_templates"))
            .count()
    };
    let draft = json!({"name": "Cobrança Vencida", "language": "pt_BR", "category": "UTILITY",
        "body": "{{1}}, sua fatura venceu", "body_examples": []});
    let r = admin
        .call_json(
            "templates/create",
            &json!({"channel": channel, "template": draft}),
        )
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let text = body.to_string();
    assert!(text.contains("letras minúsculas"), "{text}");
    assert!(text.contains("começar nem terminar"), "{text}");
    assert!(text.contains("exemplo para cada"), "{text}");
    assert_eq!(posts(), 0);

    let draft = json!({"name": "cobranca_vencida", "language": "pt_BR", "category": "UTILITY",
        "body": "Olá, {{1}}! Sua fatura de {{2}} venceu. Quer negociar?",
        "body_examples": ["Maria", "R$ 150,20"],
        "footer": "Águas do Vale",
        "buttons": [{"type": "QUICK_REPLY", "text": "Negociar"}]});
    let r = admin
        .call_json(
            "templates/create",
            &json!({"channel": channel, "template": draft}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["status"], "PENDING");
    let meta_id = created["meta_id"].as_str().unwrap().to_owned();
    let sent = graph
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == format!("/{VERSION}/{WABA}/message_templates"))
        .expect("the template went to Meta");
    assert_eq!(sent.body["parameter_format"], "POSITIONAL");
    assert_eq!(
        sent.body["components"][0]["example"]["body_text"],
        json!([["Maria", "R$ 150,20"]])
    );
    assert_eq!(
        sent.body["components"][2]["buttons"][0]["type"],
        "QUICK_REPLY"
    );

    // Approved by Meta's webhook.
    let r = app
        .signed_webhook(
            "whatsapp",
            &status_webhook(&meta_id, "cobranca_vencida", "APPROVED", Some("NONE")),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let all = templates(&admin).await;
    let t = named(&all, "cobranca_vencida");
    assert_eq!(t["status"], "APPROVED");
    assert_eq!(t["reason"], Value::Null);
    assert_eq!(t["draft"]["body_examples"], json!(["Maria", "R$ 150,20"]));

    // Paused for quality, its quality red: both recorded, with the reason.
    let quality = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "time": 1,
        "changes": [{"field": "message_template_quality_update", "value": {
            "previous_quality_score": "GREEN", "new_quality_score": "RED",
            "message_template_id": meta_id.parse::<u64>().unwrap(),
            "message_template_name": "cobranca_vencida", "message_template_language": "pt_BR"}}]}]})
    .to_string();
    assert_eq!(
        app.signed_webhook("whatsapp", &quality).await.status(),
        StatusCode::OK
    );
    let paused = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "time": 2,
        "changes": [{"field": "message_template_status_update", "value": {
            "event": "PAUSED", "message_template_id": meta_id.parse::<u64>().unwrap(),
            "message_template_name": "cobranca_vencida", "message_template_language": "pt-BR",
            "reason": null, "other_info": {"title": "FIRST_PAUSE",
                "description": "Qualidade baixa por bloqueios de clientes"}}}]}]})
    .to_string();
    assert_eq!(
        app.signed_webhook("whatsapp", &paused).await.status(),
        StatusCode::OK
    );
    app.settle().await;
    let all = templates(&admin).await;
    let t = named(&all, "cobranca_vencida");
    assert_eq!(t["quality"], "RED");
    assert_eq!(t["status"], "PAUSED");
    assert_eq!(
        t["reason"],
        "FIRST_PAUSE: Qualidade baixa por bloqueios de clientes"
    );

    // A webhook signed with another secret is refused and changes nothing.
    let forged = status_webhook(&meta_id, "cobranca_vencida", "APPROVED", None);
    let r = app.webhook("whatsapp", &forged, Some("sha256=00")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Rejected (the synced "promocao", id 3) with Meta's reason.
    let r = app
        .signed_webhook(
            "whatsapp",
            &status_webhook("3", "promocao", "REJECTED", Some("PROMOTIONAL")),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let all = templates(&admin).await;
    assert_eq!(named(&all, "promocao")["status"], "REJECTED");
    assert_eq!(named(&all, "promocao")["reason"], "PROMOTIONAL");

    // Deleted at Meta by id and name, and here.
    let id = named(&all, "cobranca_vencida")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = admin.call("templates/delete", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let deleted = graph
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("a delete at Meta");
    assert_eq!(deleted.body["hsm_id"], meta_id.as_str());
    assert_eq!(deleted.body["name"], "cobranca_vencida");
    assert!(templates(&admin)
        .await
        .iter()
        .all(|t| t["name"] != "cobranca_vencida"));

    // A supervisor sees the list but changes nothing.
    let supervisor = app.signed_in(SUPERVISOR_EMAIL).await;
    assert_eq!(
        supervisor.call("templates/list", &[]).await.status(),
        StatusCode::OK
    );
    let r = supervisor
        .call("templates/sync", &[("channel", &channel)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_api_takes_templates_in_metas_shape() {
    let (app, graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let body = json!({"name": "fatura_disponivel_v2", "category": "UTILITY", "language": "pt_BR",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Fatura disponível"},
            {"type": "BODY", "text": "Olá, {{nome}}! Sua fatura de {{valor}} já está disponível.",
             "example": {"body_text_named_params": [
                {"param_name": "nome", "example": "Maria"},
                {"param_name": "valor", "example": "R$ 98,10"}]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Ver fatura", "url": "https://aguasdovale.com.br/f/{{1}}",
                 "example": ["123"]}]}]});
    let r = api.post("/api/v1/templates", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["status"], "PENDING");
    assert!(created["id"].is_string());
    let sent = graph
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/message_templates"))
        .unwrap();
    assert_eq!(sent.body["parameter_format"], "NAMED");

    let listed: Value = api.get("/api/v1/templates").await.json().await.unwrap();
    let mine = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "fatura_disponivel_v2")
        .unwrap()
        .clone();
    assert_eq!(mine["status"], "PENDING");
    assert_eq!(mine["components"][1]["type"], "BODY");

    // Broken: 422 with each problem, nothing sent.
    let before = graph.requests().len();
    let r = api
        .post(
            "/api/v1/templates",
            &json!({"name": "x", "category": "UTILITY", "language": "pt_BR",
                "components": [{"type": "BODY", "text": "Oi {{1}}"}, {"type": "FOOTER", "text": "Rodapé {{1}}"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "template_invalid");
    assert!(e["problems"].as_array().unwrap().len() >= 2, "{e}");
    assert_eq!(graph.requests().len(), before);
    let r = api
        .post(
            "/api/v1/templates",
            &json!({"name": "y", "category": "OUTRA", "language": "pt_BR", "components": []}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = api.post("/api/v1/templates/sync", &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let synced: Value = r.json().await.unwrap();
    assert_eq!(synced["synced"], 4);

    let id = mine["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .delete(format!("{}/api/v1/templates/{id}", app.address))
        .bearer_auth(app.api_token().await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let listed: Value = api.get("/api/v1/templates").await.json().await.unwrap();
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["name"] != "fatura_disponivel_v2"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_forgets_the_templates_meta_no_longer_lists() {
    let (app, _graph) = spawn_channel_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let channel = whatsapp_channel(&app).await;
    // Deleted in WhatsApp Manager, so absent from Meta's list.
    sqlx::query(
        "insert into message_templates (id, channel_id, name, language, category, status, body,
             parameter_count, components, meta_id)
         values ($1, $2::uuid, 'apagado_na_meta', 'pt_BR', 'UTILITY', 'APPROVED', 'Olá', 0,
             '[]', '777')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(&channel)
    .execute(&app.state.pool)
    .await
    .unwrap();
    assert!(templates(&admin)
        .await
        .iter()
        .any(|t| t["name"] == "apagado_na_meta"));
    let r = admin.call("templates/sync", &[("channel", &channel)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let after = templates(&admin).await;
    assert!(
        after.iter().all(|t| t["name"] != "apagado_na_meta"),
        "{after:?}"
    );
    assert!(after.iter().any(|t| t["name"] == "retomar_atendimento"));
    let status: String =
        sqlx::query_scalar("select status from message_templates where name = 'apagado_na_meta'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(status, "DELETED");
    app.stop().await;
}
