//! WhatsApp Cloud API: the webhook handshake, signed notifications stored exactly once,
//! statuses in any order, and sends that reach the (fake) Graph API as Meta documents them.

use crate::common::fake_graph::{self, meta_error, PHONE_NUMBER_ID, VERSION, WHATSAPP_TOKEN};
use crate::common::{
    fixture, signature, spawn_channel_app, wait_until, Api, TestApp, AGENT_EMAIL, NOT_DEMO_FIXTURE,
    VERIFY_TOKEN,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn conversation_id(app: &TestApp) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("select id from conversations limit 1")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    id.to_string()
}

/// A customer message arrives, so the 24-hour window is open.
async fn customer_writes(app: &TestApp) -> String {
    assert_eq!(
        app.signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
            .await
            .status(),
        StatusCode::OK
    );
    app.settle().await;
    conversation_id(app).await
}

async fn message_status(app: &TestApp, id: &str) -> (Option<String>, Option<i32>, Option<String>) {
    sqlx::query_as(
        "select status::text, error_code, provider_message_id from messages where id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_handshake_echoes_the_challenge_only_with_the_verify_token() {
    let (app, _graph) = spawn_channel_app().await;
    let client = reqwest::Client::new();
    let url = |mode: &str, token: &str| {
        format!(
            "{}/webhooks/whatsapp?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444",
            app.address
        )
    };
    let ok = client
        .get(url("subscribe", VERIFY_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    for (mode, token) in [
        ("subscribe", "errado"),
        ("unsubscribe", VERIFY_TOKEN),
        ("", ""),
    ] {
        let r = client.get(url(mode, token)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{mode} {token}");
    }
    let bare = client
        .get(format!("{}/webhooks/whatsapp", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_message_is_stored_once_even_when_delivered_three_times() {
    let (app, _graph) = spawn_channel_app().await;
    let body = fixture("whatsapp/text.json");
    for _ in 0..3 {
        assert_eq!(
            app.signed_webhook("whatsapp", &body).await.status(),
            StatusCode::OK
        );
    }
    app.settle().await;
    assert_eq!(app.count("select count(*) from messages").await, 1);
    assert_eq!(app.count("select count(*) from conversations").await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from contacts where {NOT_DEMO_FIXTURE}"
        ))
        .await,
        1
    );
    let (name, phone, text): (String, String, String) = sqlx::query_as(
        "select c.name, c.phone, m.body from contacts c join conversations v on v.contact_id = c.id
         join messages m on m.conversation_id = v.id",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(name, "Ana Cliente");
    assert_eq!(phone, "+5511987654321");
    assert_eq!(text, "Olá, preciso de ajuda com o meu pedido 4521");
    let window_open: bool = sqlx::query_scalar(
        "select last_customer_message_at is not null and status = 'waiting' from conversations",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert!(window_open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_type_is_stored_with_its_kind_and_readable_text() {
    let (app, _graph) = spawn_channel_app().await;
    let cases = [
        (
            "text",
            "text",
            Some("Olá, preciso de ajuda com o meu pedido 4521"),
        ),
        ("button_reply", "interactive_reply", None),
        ("list_reply", "interactive_reply", None),
        ("template_quick_reply", "interactive_reply", None),
        ("image", "image", Some("Foto do produto com defeito")),
        ("location", "location", None),
        ("audio", "audio", None),
        ("document", "document", None),
        ("sticker", "sticker", None),
        ("reaction", "reaction", None),
        ("contacts", "contacts", None),
        ("unsupported", "unsupported", None),
    ];
    for (file, _, _) in cases {
        let r = app
            .signed_webhook("whatsapp", &fixture(&format!("whatsapp/{file}.json")))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{file}");
    }
    app.settle().await;
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("select kind::text, body from messages order by seq")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), cases.len());
    for ((file, kind, text), (stored_kind, body)) in cases.iter().zip(&rows) {
        assert_eq!(stored_kind, kind, "{file}");
        if let Some(text) = text {
            assert_eq!(body.as_deref(), Some(*text), "{file}");
        }
    }
    // Replies carry the chosen option's id; all in one conversation of one contact.
    let reply_ids: Vec<Option<String>> = sqlx::query_scalar(
        "select content->'reply'->>'id' from messages where kind = 'interactive_reply' order by seq",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    assert!(reply_ids.iter().all(Option::is_some), "{reply_ids:?}");
    assert_eq!(app.count("select count(*) from conversations").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_entries_and_changes_in_one_post_are_all_processed() {
    let (app, _graph) = spawn_channel_app().await;
    let r = app
        .signed_webhook("whatsapp", &fixture("whatsapp/multi.json"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    assert_eq!(app.count("select count(*) from messages").await, 3);
    assert_eq!(app.count("select count(*) from message_receipts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_missing_signatures_are_refused_and_nothing_is_stored() {
    let (app, _graph) = spawn_channel_app().await;
    let body = fixture("whatsapp/text.json");
    let wrong = backend::channels::sign(body.as_bytes(), "outro-segredo");
    let tampered = signature(&body.replace("4521", "9999"));
    for sig in [
        Some(wrong.as_str()),
        Some(tampered.as_str()),
        Some("sha256=zz"),
        None,
    ] {
        let r = app.webhook("whatsapp", &body, sig).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{sig:?}");
        let error: Value = r.json().await.unwrap();
        assert!(error["code"].as_str().unwrap().starts_with("signature_"));
        assert!(error["message"].as_str().unwrap().contains("Assinatura"));
    }
    assert_eq!(app.count("select count(*) from webhook_events").await, 0);
    assert_eq!(app.count("select count(*) from messages").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_unknown_oversized_and_mistyped_bodies_get_clear_answers() {
    let (app, _graph) = spawn_channel_app().await;
    // Signed garbage and a body that is not a WhatsApp notification.
    for body in [
        "{não é json",
        r#"{"object":"page","entry":[]}"#,
        r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"x"}]}}]}]}"#,
    ] {
        let r = app.signed_webhook("whatsapp", body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["code"], "payload_malformed");
    }
    // A number this platform does not serve: acknowledged (Meta would retry forever), kept
    // for an operator, routed nowhere.
    let r = app
        .signed_webhook("whatsapp", &fixture("whatsapp/unknown_phone.json"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    assert_eq!(app.count("select count(*) from messages").await, 0);
    assert_eq!(
        app.count("select count(*) from webhook_events where outcome = 'unroutable'")
            .await,
        1
    );
    // 5 MB.
    let big = format!(
        r#"{{"object":"whatsapp_business_account","entry":[],"x":"{}"}}"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let r = app.signed_webhook("whatsapp", &big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );
    // Not JSON by its content type.
    let body = fixture("whatsapp/text.json");
    let r = reqwest::Client::new()
        .post(format!("{}/webhooks/whatsapp", app.address))
        .header("content-type", "text/plain")
        .header("x-hub-signature-256", signature(&body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        app.count("select count(*) from webhook_events where outcome <> 'unroutable'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_errors_are_recorded_for_the_channel() {
    let (app, _graph) = spawn_channel_app().await;
    let r = app
        .signed_webhook("whatsapp", &fixture("whatsapp/errors.json"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    assert_eq!(
        app.count("select count(*) from channel_errors where code = 131000")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_through_the_rest_api_reaches_the_graph_api_with_the_documented_payload() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    let api = Api::new(&app).await;
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({"text": "Olá, Ana! Vou verificar seu pedido."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let sent: Value = r.json().await.unwrap();
    assert_eq!(sent["status"], "queued");
    let id = sent["id"].as_str().unwrap().to_owned();
    wait_until(|| async { message_status(&app, &id).await.0.as_deref() == Some("sent") }).await;
    let sends = graph.sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(
        sends[0].path,
        format!("/{VERSION}/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(sends[0].bearer.as_deref(), Some(WHATSAPP_TOKEN));
    assert_eq!(
        sends[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "5511987654321",
            "type": "text",
            "text": {"preview_url": false, "body": "Olá, Ana! Vou verificar seu pedido."}
        })
    );
    assert_eq!(
        message_status(&app, &id).await.2.as_deref(),
        Some("wamid.FAKE1")
    );
    // The customer's phone shows it delivered, then read; a late "sent" changes nothing.
    for file in ["status_read", "status_sent", "status_delivered"] {
        let body =
            fixture(&format!("whatsapp/{file}.json")).replace("wamid.OUTBOUND1", "wamid.FAKE1");
        assert_eq!(
            app.signed_webhook("whatsapp", &body).await.status(),
            StatusCode::OK
        );
    }
    app.settle().await;
    assert_eq!(message_status(&app, &id).await.0.as_deref(), Some("read"));
    // A redelivered receipt is a no-op; `failed` is final and keeps Meta's code.
    let failed = fixture("whatsapp/status_failed.json").replace("wamid.OUTBOUND1", "wamid.FAKE1");
    for _ in 0..2 {
        app.signed_webhook("whatsapp", &failed).await;
    }
    app.settle().await;
    assert_eq!(message_status(&app, &id).await.1, Some(131047));
    assert_eq!(app.count("select count(*) from message_receipts").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_beats_the_send_response_is_applied_when_the_id_is_known() {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    // "read" for the id the fake will assign, before anything was sent.
    let early = fixture("whatsapp/status_read.json").replace("wamid.OUTBOUND1", "wamid.FAKE1");
    app.signed_webhook("whatsapp", &early).await;
    app.settle().await;
    let api = Api::new(&app).await;
    let sent: Value = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({"text": "Oi"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = sent["id"].as_str().unwrap().to_owned();
    wait_until(|| async { message_status(&app, &id).await.0.as_deref() == Some("read") }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_and_then_succeeds() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    graph.fail_next([
        (
            429,
            meta_error(
                130429,
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
            ),
        ),
        (500, meta_error(131000, "Something went wrong", "")),
    ]);
    let api = Api::new(&app).await;
    let sent: Value = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({"text": "Oi"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = sent["id"].as_str().unwrap().to_owned();
    wait_until(|| async { message_status(&app, &id).await.0.as_deref() == Some("sent") }).await;
    assert_eq!(graph.sends().len(), 3);
    let attempts: i32 = sqlx::query_scalar("select attempts from messages where id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_marks_the_message_failed_with_metas_code_and_title() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    graph.fail_next([(
        400,
        meta_error(
            131026,
            "(#131026) Message undeliverable",
            "Receiver is incapable of receiving this message",
        ),
    )]);
    let api = Api::new(&app).await;
    let sent: Value = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({"text": "Oi"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = sent["id"].as_str().unwrap().to_owned();
    wait_until(|| async { message_status(&app, &id).await.0.as_deref() == Some("failed") }).await;
    assert_eq!(graph.sends().len(), 1, "permanent errors are not retried");
    let view: Value = api
        .get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await
        .json()
        .await
        .unwrap();
    let failed = view["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap();
    assert_eq!(failed["error_code"], 131026);
    assert_eq!(failed["error_title"], "(#131026) Message undeliverable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_free_form_is_refused_and_a_template_goes_through() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    sqlx::query("update conversations set last_customer_message_at = now() - interval '25 hours'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let api = Api::new(&app).await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let refused = api.post(&path, &json!({"text": "Oi de novo"})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "whatsapp_window_closed");
    assert!(error["message"].as_str().unwrap().contains("24 horas"));
    let template = json!({"message": {"type": "template", "name": "fatura_disponivel", "language": "pt_BR",
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}});
    let r = api.post(&path, &template).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    wait_until(|| async { graph.sends().len() == 1 }).await;
    assert_eq!(
        graph.sends()[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511987654321",
            "type": "template", "template": {"name": "fatura_disponivel", "language": {"code": "pt_BR"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}})
    );
    assert_eq!(
        app.count("select count(*) from messages where direction = 'outbound'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_and_lists_are_checked_against_metas_limits_before_sending() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = customer_writes(&app).await;
    let api = Api::new(&app).await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let four = json!({"message": {"type": "buttons", "text": "Escolha", "buttons": [
        {"id": "1", "title": "Um"}, {"id": "2", "title": "Dois"}, {"id": "3", "title": "Três"}, {"id": "4", "title": "Quatro"}]}});
    let r = api.post(&path, &four).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("3 botões"));
    let long_row = json!({"message": {"type": "list", "text": "Escolha", "button": "Ver", "sections": [
        {"rows": [{"id": "a", "title": "Um título com mais de vinte e quatro"}]}]}});
    assert_eq!(
        api.post(&path, &long_row).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let ok = json!({"message": {"type": "buttons", "text": "Escolha", "buttons": [
        {"id": "segunda_via", "title": "Segunda via"}, {"id": "atendente", "title": "Falar com atendente"}]}});
    assert_eq!(api.post(&path, &ok).await.status(), StatusCode::CREATED);
    wait_until(|| async { graph.sends().len() == 1 }).await;
    assert_eq!(
        graph.sends()[0].body["interactive"]["action"]["buttons"][1]["reply"]["title"],
        "Falar com atendente"
    );
    assert_eq!(
        app.count("select count(*) from messages where direction = 'outbound'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_is_fetched_through_the_graph_media_endpoint_when_opened() {
    let (app, graph) = spawn_channel_app().await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/image.json"))
        .await;
    app.settle().await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from messages where kind = 'image'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let api = Api::new(&app).await;
    let r = api.get(&format!("/api/v1/messages/{id}/media")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0xFF, 0xD8, 0xFF, 0xD9]);
    // Opened again (the inbox, another agent, the API): served from the cache, Meta asked once.
    let agent = app.signed_in(AGENT_EMAIL).await;
    for _ in 0..2 {
        let r = agent.get(&format!("/midia/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-length"], "4");
        assert_eq!(r.bytes().await.unwrap().as_ref(), &[0xFF, 0xD8, 0xFF, 0xD9]);
    }
    let downloads = graph
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/media-download/"))
        .count();
    assert_eq!(downloads, 1, "fetched from Meta once, then from the cache");
}

/// A customer's HTML document, opened by the agent (or read through the API), never runs as a
/// page of ours: it downloads, as bytes of no type, sandboxed and not sniffed. A photo still
/// shows inline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_html_document_is_served_as_a_sandboxed_download() {
    let (app, _graph) = spawn_channel_app().await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/document.json"))
        .await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/image.json"))
        .await;
    app.settle().await;
    let id_of = |kind: &'static str| {
        let pool = app.state.pool.clone();
        async move {
            let id: uuid::Uuid =
                sqlx::query_scalar("select id from messages where kind::text = $1")
                    .bind(kind)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            id
        }
    };
    let document = id_of("document").await;
    let agent = app.signed_in(AGENT_EMAIL).await;
    let api = Api::new(&app).await;
    for r in [
        agent.get(&format!("/midia/{document}")).await,
        api.get(&format!("/api/v1/messages/{document}/media")).await,
    ] {
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "application/octet-stream");
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{h:?}"
        );
        assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(
            r.text().await.unwrap(),
            fake_graph::HTML_MEDIA,
            "the bytes, untouched"
        );
    }
    let image = id_of("image").await;
    let r = agent.get(&format!("/midia/{image}")).await;
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["content-disposition"], "inline");
    assert_eq!(
        r.headers()["content-security-policy"],
        "sandbox; default-src 'none'"
    );
    app.stop().await;
}

/// Two deliveries from a new sender race: the other one (here a transaction the test holds
/// open, as a concurrent delivery's would be) creates the sender's identity after this one
/// looked for it and before it could add its own. The contact made for the sender is dropped
/// and the message lands, on the first attempt, with the contact that owns the identity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_whose_identity_another_delivery_created_first_joins_that_contact() {
    let (app, _graph) = spawn_channel_app().await;
    // The channel the webhook is routed to (the demo data has another WhatsApp channel).
    let channel: uuid::Uuid =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp' and external_id = $1")
            .bind(PHONE_NUMBER_ID)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let owner = uuid::Uuid::new_v4();
    let mut other = app.state.pool.begin().await.unwrap();
    sqlx::query(
        "insert into contacts (id, name, phone) values ($1, 'Ana (CRM)', '+5511987654321')",
    )
    .bind(owner)
    .execute(&mut *other)
    .await
    .unwrap();
    sqlx::query(
        "insert into contact_identities (id, contact_id, channel_id, external_id)
         values ($1, $2, $3, '5511987654321')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(owner)
    .bind(channel)
    .execute(&mut *other)
    .await
    .unwrap();

    let r = app
        .signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The delivery found no identity, made a contact, and now waits on the identity's unique
    // key, which the other transaction holds.
    wait_until(|| async {
        app.count(
            "select count(*) from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'
               and query like 'insert into contact_identities%'",
        )
        .await
            == 1
    })
    .await;
    other.commit().await.unwrap();
    app.settle().await;

    // Processed once, without an error and a retry (a retry would find the identity anyway).
    let (outcome, attempts): (Option<String>, i32) =
        sqlx::query_as("select outcome, attempts from webhook_events")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((outcome.as_deref(), attempts), (Some("ok"), 1));
    // One contact: the one the identity belongs to; the one made for the sender is gone.
    let contacts: Vec<(uuid::Uuid, Option<String>)> = sqlx::query_as(&format!(
        "select id, name from contacts where {NOT_DEMO_FIXTURE}"
    ))
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(contacts, [(owner, Some("Ana (CRM)".to_owned()))]);
    assert_eq!(
        app.count("select count(*) from contact_identities").await,
        1
    );
    // The message is in a conversation of the identity's owner, and the API shows it there.
    let (contact, body): (uuid::Uuid, String) = sqlx::query_as(
        "select c.contact_id, m.body from messages m join conversations c on c.id = m.conversation_id",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(contact, owner);
    assert_eq!(body, "Olá, preciso de ajuda com o meu pedido 4521");
    let api = Api::new(&app).await;
    let conversations: Value = api
        .get(&format!("/api/v1/conversations?contact_id={owner}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversations["data"].as_array().unwrap().len(), 1);
}

/// A webhook is checked against the app secret of the channel it is for: a second WhatsApp
/// channel's secret (another company's Meta app on the same platform) signs nothing for the
/// first one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_signed_with_another_channels_secret_is_refused() {
    use backend::channels::{Channel, ChannelSecrets, ChannelSettings};
    let (app, _graph) = spawn_channel_app().await;
    let other = Channel {
        id: shared::ChannelId(uuid::Uuid::new_v4()),
        kind: shared::messaging::ChannelKind::Whatsapp,
        name: "Outra empresa".into(),
        external_id: Some("999000111222333".into()),
        settings: ChannelSettings::default(),
        secrets: ChannelSecrets {
            access_token: Some("token-da-outra".into()),
            app_secret: Some("segredo-da-outra".into()),
            verify_token: None,
        },
        default_team_id: None,
        active: true,
        created_at: chrono::Utc::now(),
        bot_flow: None,
    };
    backend::channels::save(&app.state.pool, &app.state.secrets, &other)
        .await
        .unwrap();
    app.state.channels.invalidate().await;
    // For our number, signed with the other company's secret: refused, nothing stored.
    let body = fixture("whatsapp/text.json");
    let forged = backend::channels::sign(body.as_bytes(), "segredo-da-outra");
    let r = app.webhook("whatsapp", &body, Some(&forged)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("select count(*) from webhook_events").await, 0);
    // Signed with its own channel's secret: accepted.
    let r = app.signed_webhook("whatsapp", &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The other company's own deliveries, with its secret, still work.
    let theirs = body.replace(PHONE_NUMBER_ID, "999000111222333");
    let signed = backend::channels::sign(theirs.as_bytes(), "segredo-da-outra");
    let r = app.webhook("whatsapp", &theirs, Some(&signed)).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

/// Meta unreachable when a customer's photo is opened: 502 with a sentence to try again, not an
/// opaque 500 (schemathesis found it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_from_an_unreachable_meta_is_a_bad_gateway_not_a_server_error() {
    let graph = fake_graph::FakeGraph::start().await;
    let mut config = crate::common::channel_config(&graph);
    config.graph_api_base_url = "http://127.0.0.1:9".into();
    config.graph_max_attempts = 1;
    let app = crate::common::spawn_app_with(config).await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/image.json"))
        .await;
    app.settle().await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from messages where kind = 'image'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let api = Api::new(&app).await;
    let r = api.get(&format!("/api/v1/messages/{id}/media")).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "provider_unavailable");
    assert!(body["message"].as_str().unwrap().contains("Tente de novo"));
    app.stop().await;
}
