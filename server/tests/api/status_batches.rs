//! Status webhooks at campaign rates: each delivery committed before its 200 (deliveries
//! arriving together share a commit), and receipt-only deliveries applied in batches, each
//! message moved to the furthest status reported whatever the order.

use crate::common::fake_graph::{self, PHONE_NUMBER_ID};
use crate::common::{
    channel_app_config, customer_writes_on, fixture, signature, spawn_app_with, spawn_channel_app,
    wait_until, Api, TestApp,
};
use reqwest::StatusCode;
use serde_json::json;

fn status(phone_number_id: &str, wamid: &str, status: &str, error: Option<i32>) -> String {
    let mut s = json!({"id": wamid, "status": status, "timestamp": chrono::Utc::now().timestamp().to_string(),
        "recipient_id": "5511987654321"});
    if let Some(code) = error {
        s["errors"] = json!([{"code": code, "title": "Re-engagement message"}]);
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
            "statuses": [s]}}]}]})
    .to_string()
}

/// Whether the delivery with this status of this message is in `webhook_events`.
async fn stored(app: &TestApp, wamid: &str, status: &str) -> bool {
    sqlx::query_scalar::<_, i64>(
        "select count(*) from webhook_events
         where payload #>> '{entry,0,changes,0,value,statuses,0,id}' = $1
           and payload #>> '{entry,0,changes,0,value,statuses,0,status}' = $2",
    )
    .bind(wamid)
    .bind(status)
    .fetch_one(&app.state.pool)
    .await
    .unwrap()
        >= 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_posted_together_are_each_stored_before_the_200_and_move_to_the_furthest() {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = customer_writes_on(&app, "whatsapp").await;
    let api = Api::new(&app).await;
    for n in 0..10 {
        let r = api
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                &json!({"text": format!("Resposta {n}")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let sent_query =
        "select count(*) from messages where direction = 'outbound' and status = 'sent'";
    wait_until(|| async { app.count(sent_query).await == 10 }).await;
    let wamids: Vec<String> = sqlx::query_scalar(
        "select provider_message_id from messages where direction = 'outbound' order by provider_message_id",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();

    // Each message: read before delivered before sent (a late status changes nothing), the
    // last also failed; a repeated read; a status for a message this platform never sent.
    let mut deliveries: Vec<(String, &str, Option<i32>)> = Vec::new();
    for wamid in &wamids {
        for s in ["read", "delivered", "sent"] {
            deliveries.push((wamid.clone(), s, None));
        }
    }
    deliveries.push((wamids[9].clone(), "failed", Some(131047)));
    deliveries.push((wamids[0].clone(), "read", None));
    deliveries.push(("wamid.NUNCA_ENVIADA".into(), "delivered", None));
    let posts = deliveries.iter().map(|(wamid, s, error)| {
        let app = &app;
        async move {
            let r = app
                .signed_webhook("whatsapp", &status(PHONE_NUMBER_ID, wamid, s, *error))
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            // Durable before the answer: the 200 came after the commit.
            assert!(
                stored(app, wamid, s).await,
                "{wamid} {s} stored before its 200"
            );
        }
    });
    futures::future::join_all(posts).await;

    app.settle().await;
    let statuses: Vec<(String, Option<i32>)> = sqlx::query_as(
        "select status::text, error_code from messages where direction = 'outbound'
         order by provider_message_id",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    for (n, (s, code)) in statuses.iter().enumerate() {
        match n {
            9 => assert_eq!((s.as_str(), *code), ("failed", Some(131047))),
            _ => assert_eq!((s.as_str(), *code), ("read", None), "message {n}"),
        }
    }
    // Every status once (the repeated read is one receipt), the stranger's too.
    assert_eq!(app.count("select count(*) from message_receipts").await, 32);
    assert_eq!(
        app.count("select count(*) from webhook_events where outcome = 'ok'")
            .await,
        deliveries.len() as i64 + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_statuses_is_applied_in_one_transaction_and_the_rest_one_by_one() {
    // A web-only instance stores and answers; the processing below is this test's own call.
    let graph = fake_graph::FakeGraph::start().await;
    let mut config = channel_app_config(&graph);
    config.roles = server::config::Roles::Web;
    let app = spawn_app_with(config).await;
    for n in 0..40 {
        let body = status(
            PHONE_NUMBER_ID,
            &format!("wamid.CEDO{n}"),
            "delivered",
            None,
        );
        assert_eq!(
            app.signed_webhook("whatsapp", &body).await.status(),
            StatusCode::OK
        );
    }
    // Beside them, a customer's message and a status for a number this platform lacks.
    let message = fixture("whatsapp/text.json");
    let stranger = status("999999999999999", "wamid.ALHEIA", "read", None);
    for body in [&message, &stranger] {
        let r = app.webhook("whatsapp", body, Some(&signature(body))).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(
        app.count("select count(*) from webhook_events where processed_at is null")
            .await,
        42
    );

    let claimed = backend::webhooks::process_pending(&app.state, 200)
        .await
        .unwrap();
    assert_eq!(claimed, 42);
    // The 40 statuses: one transaction (one `now()`), each receipt recorded.
    assert_eq!(
        app.count(
            "select count(distinct processed_at) from webhook_events
             where outcome = 'ok' and payload::text like '%wamid.CEDO%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from message_receipts where provider_message_id like 'wamid.CEDO%'"
        )
        .await,
        40
    );
    assert_eq!(
        app.count("select count(*) from webhook_events where outcome = 'unroutable'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from messages where direction = 'inbound'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from webhook_events where processed_at is null")
            .await,
        0
    );
}
