//! The demo's collection campaign: the simulator's visitor receives the collection template
//! (João Santos's figures from the mock ERP, sent by the real campaign sender), taps
//! "Negociar" and is in the negotiation flow; another visitor taps "Parar de receber" and is
//! opted out, told once.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The visitor's messages so far, polled until `done` holds (up to 20 s).
async fn poll_until(
    browser: &Browser,
    session: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..200 {
        let r = browser
            .call_json(
                "demo/poll",
                &json!({"channel": "whatsapp", "session": session, "after": 0}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let snap: Value = r.json().await.unwrap();
        last = snap["messages"].as_array().cloned().unwrap_or_default();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never {what}: {last:#?}");
}

fn texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

async fn tap(browser: &Browser, session: &str, title: &str, option: &str) {
    let r = browser
        .call_json(
            "demo/send",
            &json!({"channel": "whatsapp", "session": session, "text": title, "option": option}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_receives_the_collection_and_negociar_opens_the_negotiation() {
    // With workers: the campaign sender and the bot run here.
    let mut config = test_config();
    config.roles = server::config::Roles::Both;
    let app = spawn_app_with(config).await;
    let visitor = app.browser().await;
    let session = "cobranca-0000-0000-0001";
    let r = visitor
        .call_json("demo/campaign", &json!({"session": session}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let campaign: String = r.json().await.unwrap();

    // The template, as the customer reads it: João's figures, the two quick replies and what
    // each does.
    let messages = poll_until(&visitor, session, "received the template", |ms| {
        ms.iter().any(|m| m["kind"] == "template")
    })
    .await;
    let template = messages.iter().find(|m| m["kind"] == "template").unwrap();
    let rendered = &template["content"]["rendered"];
    let body = rendered["body"].as_str().unwrap();
    assert!(
        body.starts_with("Olá, João! Aqui é a Águas do Vale."),
        "{body}"
    );
    assert!(body.contains("3 fatura(s) vencida(s)"), "{body}");
    assert!(body.contains("R$ "), "{body}");
    assert!(!body.contains("{{"), "{body}");
    assert_eq!(template["text"].as_str(), Some(body));
    assert_eq!(rendered["header"], "Aviso de débito");
    assert_eq!(
        rendered["buttons"],
        json!([{"title": "Negociar", "reply": "fluxo:negociacao"},
               {"title": "Parar de receber", "reply": "sair:marketing"}])
    );
    // The send carried the payloads Meta echoes back.
    let components = template["content"]["components"].as_array().unwrap();
    assert!(components.iter().any(|c| c["type"] == "button"
        && c["index"] == "0"
        && c["parameters"][0]["payload"] == "fluxo:negociacao"));

    // "Negociar": the negotiation flow identifies João, then shows his debt.
    tap(&visitor, session, "Negociar", "fluxo:negociacao").await;
    let messages = poll_until(&visitor, session, "asked for the CPF", |ms| {
        texts(ms).iter().any(|t| t.contains("qual é o seu *CPF*"))
    })
    .await;
    // The answer is in the template's conversation, reopened for the bot: the simulator shows
    // the campaign's message above the bot's question.
    assert!(messages.iter().any(|m| m["kind"] == "template"));
    assert!(
        texts(&messages)
            .iter()
            .all(|t| !t.contains("assistente virtual")),
        "the main menu was skipped: {:#?}",
        texts(&messages)
    );
    let r = visitor
        .call_json(
            "demo/send",
            &json!({"channel": "whatsapp", "session": session, "text": "222.222.222-22", "option": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    poll_until(&visitor, session, "shown the debt", |ms| {
        texts(ms)
            .iter()
            .any(|t| t.starts_with("João, você tem *3 faturas"))
    })
    .await;

    // The campaign's report: one sent, one reply, in the panel.
    let admin = app.signed_in(DEMO_EMAIL).await;
    let mut view = Value::Null;
    for _ in 0..250 {
        view =
            ok(admin.call("campaigns/get", &[("id", &campaign)]).await).await["campaign"].clone();
        if view["status"] == "concluída" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(view["status"], "concluída", "{view}");
    assert_eq!(view["counts"]["sent"], 1, "{view}");
    assert_eq!(view["counts"]["replied"], 1, "{view}");

    // Another visitor taps "Parar de receber": opted out at once and told once, and the bot
    // leaves that message alone.
    let other = "cobranca-0000-0000-0002";
    ok(visitor
        .call_json("demo/campaign", &json!({"session": other}))
        .await)
    .await;
    poll_until(&visitor, other, "received the template", |ms| {
        ms.iter().any(|m| m["kind"] == "template")
    })
    .await;
    tap(&visitor, other, "Parar de receber", "sair:marketing").await;
    let messages = poll_until(&visitor, other, "confirmed the opt-out", |ms| {
        texts(ms)
            .iter()
            .any(|t| t == shared::campaign::optout::CONFIRMATION)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let after = poll_until(&visitor, other, "settled", |_| true).await;
    assert_eq!(
        after.len(),
        messages.len(),
        "nothing more after the confirmation (the bot stayed quiet): {:#?}",
        texts(&after)
    );
    assert_eq!(
        app.count(
            "select count(*) from consent_records r
             join contact_identities i on i.contact_id = r.contact_id
             where i.external_id = 'sim-cobranca-0000-0000-0002'
                 and r.source = 'button' and not r.granted and r.purpose = 'marketing'"
        )
        .await,
        1
    );
    app.stop().await;
}

/// The template's quick replies get their actions from an administrator, checked against its
/// buttons and the flow library; the REST API says the same.
#[tokio::test]
async fn quick_reply_actions_are_checked_against_the_buttons_and_the_flows() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let id: uuid::Uuid =
        sqlx::query_scalar("select id from message_templates where name = 'aviso_debito_vencido'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let r = admin
        .call_json(
            "templates/button-actions",
            &json!({"id": id, "button_actions": [
                {"index": 0, "action": "flow", "flow": "nao-existe"},
                {"index": 5, "action": "opt_out"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(body.contains("Não há um fluxo com a chave"), "{body}");
    assert!(
        body.contains("O botão 6 não é uma resposta rápida"),
        "{body}"
    );
    let saved = ok(admin
        .call_json(
            "templates/button-actions",
            &json!({"id": id, "button_actions": [{"index": 1, "action": "opt_out"}]}),
        )
        .await)
    .await;
    assert_eq!(
        saved["button_actions"],
        json!([{"index": 1, "action": "opt_out"}])
    );
    let flows = ok(admin.call("templates/flows", &[]).await).await;
    assert!(flows
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f[0] == "negociacao"));
    app.stop().await;
}
