//! Messenger and Instagram: handshake, signed events, and the Send API with the 24-hour and
//! HUMAN_AGENT (7-day) rules.

use crate::common::fake_graph::{PAGE_TOKEN, VERSION};
use crate::common::{conversation_on, fixture, spawn_channel_app, wait_until, Api, VERIFY_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_webhooks_answer_the_handshake_and_check_signatures() {
    let (app, _graph) = spawn_channel_app().await;
    for kind in ["messenger", "instagram"] {
        let r = reqwest::get(format!(
            "{}/webhooks/{kind}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42",
            app.address
        ))
        .await
        .unwrap();
        assert_eq!(r.text().await.unwrap(), "42");
        let body = fixture(&format!("{kind}/text.json"));
        let forged = backend::channels::sign(body.as_bytes(), "outro");
        assert_eq!(
            app.webhook(kind, &body, Some(&forged)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.webhook(kind, &body, None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // A Messenger body on the Instagram endpoint is not an Instagram notification.
    let r = app
        .signed_webhook("instagram", &fixture("messenger/text.json"))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("select count(*) from webhook_events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_quick_replies_postbacks_and_attachments_are_stored_once() {
    let (app, _graph) = spawn_channel_app().await;
    for kind in ["messenger", "instagram"] {
        for file in ["text", "quick_reply", "postback", "attachment_image"] {
            let body = fixture(&format!("{kind}/{file}.json"));
            for _ in 0..2 {
                assert_eq!(
                    app.signed_webhook(kind, &body).await.status(),
                    StatusCode::OK,
                    "{kind}/{file}"
                );
            }
        }
    }
    app.settle().await;
    let kinds: Vec<(String, String)> = sqlx::query_as(
        "select ch.kind::text, m.kind::text from messages m join channels ch on ch.id = m.channel_id
         order by ch.kind, m.seq",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    let expected = ["text", "interactive_reply", "interactive_reply", "image"];
    for channel in ["messenger", "instagram"] {
        let got: Vec<&str> = kinds
            .iter()
            .filter(|(c, _)| c == channel)
            .map(|(_, k)| k.as_str())
            .collect();
        assert_eq!(got, expected, "{channel}");
    }
    // One contact per channel identity (PSID and IGSID are different people to Meta).
    assert_eq!(
        app.count("select count(*) from contact_identities").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_use_the_send_api_with_response_then_human_agent_then_are_refused() {
    let (app, graph) = spawn_channel_app().await;
    app.signed_webhook("messenger", &fixture("messenger/text.json"))
        .await;
    app.settle().await;
    let conversation = conversation_on(&app, "messenger").await;
    let api = Api::new(&app).await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let set_age = |hours: i64| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query("update conversations set last_customer_message_at = now() - make_interval(hours => $1::int)")
                .bind(hours as i32)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    set_age(1).await;
    assert_eq!(
        api.post(&path, &json!({"text": "Olá!"})).await.status(),
        StatusCode::CREATED
    );
    wait_until(|| async { graph.sends().len() == 1 }).await;
    let first = &graph.sends()[0];
    assert_eq!(first.path, format!("/{VERSION}/me/messages"));
    assert_eq!(first.bearer.as_deref(), Some(PAGE_TOKEN));
    assert_eq!(
        first.body,
        json!({"recipient": {"id": "6543210987654321"}, "messaging_type": "RESPONSE", "message": {"text": "Olá!"}})
    );

    set_age(48).await;
    // The bot may not write after 24 hours; an agent may, with the tag.
    let bot = api
        .post(&path, &json!({"text": "Lembrete", "author": "bot"}))
        .await;
    assert_eq!(bot.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bot.json::<Value>().await.unwrap()["code"],
        "messaging_window_closed"
    );
    assert_eq!(
        api.post(&path, &json!({"text": "Ainda posso ajudar?"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    wait_until(|| async { graph.sends().len() == 2 }).await;
    assert_eq!(
        graph.sends()[1].body,
        json!({"recipient": {"id": "6543210987654321"}, "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT", "message": {"text": "Ainda posso ajudar?"}})
    );

    set_age(8 * 24).await;
    let late = api.post(&path, &json!({"text": "Oi?"})).await;
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = late.json().await.unwrap();
    assert_eq!(error["code"], "human_agent_window_closed");
    assert!(error["message"].as_str().unwrap().contains("7 dias"));
    // Templates do not exist here.
    let template = json!({"message": {"type": "template", "name": "x", "language": "pt_BR"}});
    set_age(1).await;
    assert_eq!(
        api.post(&path, &template).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(graph.sends().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instagram_replies_go_through_the_same_send_api() {
    let (app, graph) = spawn_channel_app().await;
    app.signed_webhook("instagram", &fixture("instagram/text.json"))
        .await;
    app.settle().await;
    let conversation = conversation_on(&app, "instagram").await;
    let api = Api::new(&app).await;
    let buttons = json!({"message": {"type": "buttons", "text": "Como podemos ajudar?",
        "buttons": [{"id": "FATURA", "title": "Segunda via"}]}});
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &buttons,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    wait_until(|| async { graph.sends().len() == 1 }).await;
    assert_eq!(
        graph.sends()[0].body,
        json!({"recipient": {"id": "987654321098765"}, "messaging_type": "RESPONSE",
            "message": {"text": "Como podemos ajudar?", "quick_replies": [
                {"content_type": "text", "title": "Segunda via", "payload": "FATURA"}]}})
    );
}

/// A Messenger `read` event names no message, only a watermark: every message sent to the
/// person until then was read, and those sent after it were not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_watermark_marks_read_the_replies_sent_until_it_and_no_later_ones() {
    use crate::common::fake_graph::PAGE_ID;
    let (app, graph) = spawn_channel_app().await;
    app.signed_webhook("messenger", &fixture("messenger/text.json"))
        .await;
    app.settle().await;
    let conversation = conversation_on(&app, "messenger").await;
    let api = Api::new(&app).await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let mut sent = Vec::new();
    for (i, text) in ["Olá! Vou verificar.", "Encontrei o seu pedido."]
        .into_iter()
        .enumerate()
    {
        let r = api.post(&path, &json!({"text": text})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        wait_until(|| async { graph.sends().len() == i + 1 }).await;
        wait_until(|| async {
            app.count(&format!(
                "select count(*) from messages where id = '{id}' and status = 'sent'"
            ))
            .await
                == 1
        })
        .await;
        sent.push(id);
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    let sent_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select provider_timestamp from messages where id = $1::uuid")
            .bind(&sent[0])
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let statuses = || async {
        let view: Value = api.get(&path).await.json().await.unwrap();
        sent.iter()
            .map(|id| {
                let m = view["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["id"] == id.as_str())
                    .unwrap();
                m["status"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses().await, ["sent", "sent"]);
    let read_until = |watermark: i64| {
        json!({"object": "page", "entry": [{"id": PAGE_ID, "time": watermark, "messaging": [{
            "sender": {"id": "6543210987654321"}, "recipient": {"id": PAGE_ID},
            "timestamp": watermark, "read": {"watermark": watermark}}]}]})
        .to_string()
    };

    // Read up to the first reply (Meta's milliseconds, rounded up to cover it).
    let first = (sent_at.timestamp_micros() + 999) / 1000;
    let r = app.signed_webhook("messenger", &read_until(first)).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    assert_eq!(statuses().await, ["read", "sent"]);

    // Later, up to now: the second one too.
    let now = chrono::Utc::now().timestamp_millis();
    app.signed_webhook("messenger", &read_until(now)).await;
    app.settle().await;
    assert_eq!(statuses().await, ["read", "read"]);
    // The customer's own message has no delivery status to change.
    assert_eq!(
        app.count(
            "select count(*) from messages where direction = 'inbound' and status is not null"
        )
        .await,
        0
    );
}
