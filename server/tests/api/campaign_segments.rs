//! A campaign's audience from the platform's own contacts: tags set over the REST API, then a
//! filter on the channel they talked on, tags, custom attributes and their last message picks
//! exactly the contacts it says, and the campaign reaches them with their attributes as
//! variables.

use crate::campaigns::{approved_template, template_sends, text_webhook, until_status};
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn contact(api: &Api, body: Value) -> Value {
    let r = api.post("/api/v1/contacts", &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// Makes a draft campaign to the contacts `filter` picks; the status and the answer.
async fn from_filter(api: &Api, filter: Value) -> (StatusCode, Value) {
    let body = json!({"name": "Segmento",
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"filter": filter},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{bairro | sua região}}"},
        "respect_quiet_hours": false});
    let r = api.post("/api/v1/campaigns", &body).await;
    let status = r.status();
    (status, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_filter_picks_by_tag_attribute_channel_and_last_message() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;

    // Tags are stored as the rules say: lower case, spaces as dashes, duplicates gone.
    let ana = contact(
        &api,
        json!({"name": "Ana Lima", "phone": "11991110001",
            "tags": ["Cliente VIP", "cliente-vip", "Centro"], "attributes": {"bairro": "Centro"}}),
    )
    .await;
    assert_eq!(ana["tags"], json!(["centro", "cliente-vip"]), "{ana}");
    contact(
        &api,
        json!({"name": "Bruno Reis", "phone": "11991110002", "tags": ["cliente-vip"],
            "attributes": {"bairro": "Norte"}}),
    )
    .await;
    // No phone: never in an audience, but counted as left out.
    contact(
        &api,
        json!({"name": "Sem Telefone", "tags": ["cliente-vip"], "attributes": {"bairro": "Centro"}}),
    )
    .await;
    contact(
        &api,
        json!({"name": "Sem Etiqueta", "phone": "11991110004"}),
    )
    .await;
    // A bad tag is refused with the reason, and nothing is stored.
    let r = api
        .post(
            "/api/v1/contacts",
            &json!({"name": "Errado", "phone": "11991110009", "tags": ["a;b"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Etiquetas inválidas"), "{body}");
    let found: Value = api
        .get("/api/v1/contacts?q=991110009")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"].as_array().map(Vec::len), Some(0), "{found}");

    // A customer who writes on WhatsApp now, then tagged by an integration.
    let r = app
        .signed_webhook(
            "whatsapp",
            &text_webhook("5511991110005", "wamid.SEG1", "Oi, quero saber do desconto"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let found: Value = api
        .get("/api/v1/contacts?q=991110005")
        .await
        .json()
        .await
        .unwrap();
    let writer = found["data"][0]["id"]
        .as_str()
        .expect("the writer's contact")
        .to_owned();
    let r = api
        .patch(
            &format!("/api/v1/contacts/{writer}"),
            &json!({"tags": ["cliente-vip"], "attributes": {"bairro": "Centro"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let vip_centro = json!({"tags": ["Cliente VIP"], "attributes": {"bairro": "Centro"}});
    let (status, created) = from_filter(&api, vip_centro.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["recipients"], 2, "Ana and the writer: {created}");
    assert!(
        created["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "bairro"),
        "{created}"
    );

    // The last message: who wrote this week, and who has not written for a week.
    let mut active = vip_centro.clone();
    active["active_within_days"] = json!(7);
    let (status, created) = from_filter(&api, active).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["recipients"], 1, "{created}");
    let mut quiet = vip_centro.clone();
    quiet["inactive_for_days"] = json!(7);
    let (_, quiet_campaign) = from_filter(&api, quiet).await;
    assert_eq!(quiet_campaign["recipients"], 1, "{quiet_campaign}");

    // The channel: only the writer has talked on WhatsApp.
    let channel: uuid::Uuid =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp' and external_id = $1")
            .bind(crate::common::fake_graph::PHONE_NUMBER_ID)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let (_, on_channel) = from_filter(
        &api,
        json!({"channel_id": channel, "tags": ["cliente-vip"]}),
    )
    .await;
    assert_eq!(on_channel["recipients"], 1, "{on_channel}");

    // Nobody: refused with the reason, counting who had no phone.
    let (status, refused) = from_filter(&api, json!({"tags": ["ninguem"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("Nenhum contato com telefone atende a esse filtro"),
        "{refused}"
    );
    let (status, refused) = from_filter(&api, json!({"active_within_days": 0})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // The inactive segment goes out: Ana only, her attribute in the message.
    let id = quiet_campaign["id"].as_str().unwrap().to_owned();
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    until_status(&api, &id, "concluída").await;
    let sends = template_sends(&graph);
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["to"], "5511991110001");
    let params = &sends[0]["template"]["components"][0]["parameters"];
    assert_eq!(params[0]["text"], "Ana");
    assert_eq!(params[1]["text"], "Centro");
    app.stop().await;
}
