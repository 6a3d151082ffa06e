//! Campaigns end to end against the fake Graph API, real PostgreSQL and Redis: a CSV audience
//! with its validation report, the pre-flight, the sender holding its state in PostgreSQL
//! (each recipient sent once, with their own values), Meta's errors (130429 slows the number
//! and retries, 131050 suppresses), an opt-out reply confirmed once, pause, resume, cancel.

use crate::common::fake_graph::{meta_error, PHONE_NUMBER_ID};
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The sending window open around the clock, every day, holidays too: these tests run at any
/// hour (the window's rules have their own unit tests in `shared::campaign::quiet`).
async fn open_window_all_day(app: &TestApp) {
    let mut settings = shared::campaign::model::CampaignSettings::default();
    settings.window.hours.days = [Some(shared::hours::Span {
        opens: 0,
        closes: 24 * 60,
    }); 7];
    settings.window.skip_national_holidays = false;
    sqlx::query(
        "insert into settings (key, value) values ('campaigns', $1)
         on conflict (key) do update set value = excluded.value",
    )
    .bind(serde_json::to_value(&settings).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
}

/// An approved collection template on the WhatsApp channel, as a sync would store it (and the
/// sending window open at whatever hour the test runs).
pub(crate) async fn approved_template(app: &TestApp, status: &str) {
    open_window_all_day(app).await;
    let channel: uuid::Uuid =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp' and external_id = $1")
            .bind(PHONE_NUMBER_ID)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let components = json!([
        {"type": "BODY", "text": "Olá, {{1}}! Sua fatura de {{2}} venceu. Quer negociar?",
         "example": {"body_text": [["Maria", "R$ 150,20"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Negociar"}]}
    ]);
    sqlx::query(
        "insert into message_templates (id, channel_id, name, language, category, status, body,
             parameter_count, components, meta_id)
         values ($1, $2, 'cobranca_vencida', 'pt_BR', 'UTILITY', $3,
             'Olá, {{1}}! Sua fatura de {{2}} venceu. Quer negociar?', 2, $4, '900')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(channel)
    .bind(status)
    .bind(components)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

pub(crate) async fn campaign(api: &Api, id: &str) -> Value {
    let r = api.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Waits (up to 40 s: the sender's first runner starts at once, the tick every 15 s) for the
/// campaign to reach `status`.
pub(crate) async fn until_status(api: &Api, id: &str, status: &str) -> Value {
    for _ in 0..400 {
        let c = campaign(api, id).await;
        if c["status"] == status {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("campaign never {status}: {}", campaign(api, id).await);
}

pub(crate) fn template_sends(graph: &crate::common::fake_graph::FakeGraph) -> Vec<Value> {
    graph
        .sends()
        .into_iter()
        .filter(|r| r.body["type"] == "template")
        .map(|r| r.body)
        .collect()
}

fn status_webhook(wamid: &str, to: &str, status: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": wamid, "status": status,
                "timestamp": chrono::Utc::now().timestamp().to_string(), "recipient_id": to}]}}]}]})
    .to_string()
}

pub(crate) fn text_webhook(from: &str, id: &str, text: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": from}],
            "messages": [{"from": from, "id": id,
                "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": "text", "text": {"body": text}}]}}]}]})
    .to_string()
}

const CSV: &str = "nome;telefone;valor\n\
Maria Silva;(11) 98765-4301;R$ 150,20\n\
;11 98765-4302;R$ 80,00\n\
João Santos;(21) 8765-4303;R$ 1.234,56\n\
Ana;abc;R$ 1,00\n\
Maria de novo;+55 11 98765-4301;R$ 9,99\n\
Bia Souza;11987654304;\n\
Caio Lima;11987654305;R$ 42,00\n\
Suprimido;11987654306;R$ 5,00\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_campaign_reaches_each_customer_once_with_their_own_values() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    // On Procon-SP's "Não Me Ligue" list, which covers collections too.
    sqlx::query("insert into suppressions (phone, scope, reason) values ('+5511987654306', 'all', 'import')")
        .execute(&app.state.pool)
        .await
        .unwrap();

    let body = json!({"name": "Cobrança de dezembro",
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"csv": CSV},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
        "rate_per_second": 20});
    let r = api.post("/api/v1/campaigns", &body).await;
    let status = r.status();
    let created: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "rascunho");
    // Line 5 has no number, line 6 repeats line 2, line 7's amount is empty with no fallback.
    assert_eq!(created["recipients"], 5, "{created}");
    let lines: Vec<i64> = created["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![5, 7], "{created}");
    assert!(created["problems"][1]["message"]
        .as_str()
        .unwrap()
        .contains("vazio"));
    assert_eq!(created["duplicates"], json!([{"line": 6, "first_line": 2}]));
    assert_eq!(created["ninth_digit_added"], 1);
    let id = created["id"].as_str().unwrap().to_owned();

    let pre: Value = api
        .get(&format!("/api/v1/campaigns/{id}/preflight"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pre["ok"], true, "{pre}");
    assert_eq!(pre["eligible"], 4);
    assert_eq!(pre["left_out"][0]["code"], "suppressed");

    // Meta says "too fast" once: the number is held back and that recipient tried again.
    graph.fail_next([(
        400,
        meta_error(
            130429,
            "Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
    )]);
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done = until_status(&api, &id, "concluída").await;
    assert_eq!(done["counts"]["sent"], 4, "{done}");
    assert_eq!(done["counts"]["skipped"], 1);
    assert_eq!(done["progress_per_mille"], 1000);

    // Each number once (the 130429 answer was not a send), with its own values and the
    // recipient's id for reconciliation.
    let sends = template_sends(&graph);
    let mut by_number: HashMap<String, Vec<Value>> = HashMap::new();
    for s in &sends {
        by_number
            .entry(s["to"].as_str().unwrap().to_owned())
            .or_default()
            .push(s.clone());
    }
    assert_eq!(sends.len(), 5, "one 130429 answer and four sends");
    assert_eq!(by_number.len(), 4);
    assert!(!by_number.contains_key("5511987654306"), "suppressed");
    let param = |to: &str, i: usize| {
        by_number[to].last().unwrap()["template"]["components"][0]["parameters"][i]["text"].clone()
    };
    assert_eq!(param("5511987654301", 0), "Maria");
    assert_eq!(param("5511987654301", 1), "R$ 150,20");
    assert_eq!(param("5511987654302", 0), "cliente", "the fallback");
    assert_eq!(param("5521987654303", 0), "João");
    assert!(by_number["5511987654305"][0]["biz_opaque_callback_data"]
        .as_str()
        .unwrap()
        .starts_with("campanha:"));

    // The sends are in the contacts' history, and their statuses count.
    let recipients: Value = api
        .get(&format!("/api/v1/campaigns/{id}/recipients?state=sent"))
        .await
        .json()
        .await
        .unwrap();
    let maria = recipients["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["phone"] == "+5511987654301")
        .unwrap()
        .clone();
    assert!(maria["conversation_id"].is_string(), "{maria}");
    let wamid: String =
        sqlx::query_scalar("select wamid from campaign_recipients where phone = '+5511987654301'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    for s in ["delivered", "read"] {
        let r = app
            .signed_webhook("whatsapp", &status_webhook(&wamid, "5511987654301", s))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    app.settle().await;
    let after = campaign(&api, &id).await;
    assert_eq!(after["counts"]["delivered"], 1, "{after}");
    assert_eq!(after["counts"]["read"], 1);

    // "PARAR": suppressed at once, told once, counted as an opt-out.
    for n in 1..=2 {
        let r = app
            .signed_webhook(
                "whatsapp",
                &text_webhook("5511987654305", &format!("wamid.PARAR{n}"), "PARAR!"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.settle().await;
    }
    let suppressed: i64 = app
        .count(
            "select count(*) from suppressions where phone = '+5511987654305' and reason = 'reply'",
        )
        .await;
    assert_eq!(suppressed, 1);
    wait_until(|| async {
        graph
            .sends()
            .iter()
            .filter(|s| s.body["to"] == "5511987654305" && s.body["type"] == "text")
            .count()
            == 1
    })
    .await;
    let confirmation = graph
        .sends()
        .into_iter()
        .find(|s| s.body["to"] == "5511987654305" && s.body["type"] == "text")
        .unwrap();
    assert!(confirmation.body["text"]["body"]
        .as_str()
        .unwrap()
        .contains("não vai mais receber"));
    let consent: bool = sqlx::query_scalar(
        "select granted from consent_records r join contacts c on c.id = r.contact_id
         where c.phone = '+5511987654305' order by r.at desc limit 1",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert!(!consent);
    let after = campaign(&api, &id).await;
    assert_eq!(after["counts"]["opted_out"], 1, "{after}");
    assert_eq!(after["counts"]["replied"], 1);
    // Finished campaigns cannot be paused.
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/pause"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["message"],
        "Não é possível pausar uma campanha concluída."
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preflight_refuses_pause_resume_and_cancel_hold_and_131050_suppresses() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "PENDING").await;
    let api = Api::new(&app).await;
    let csv: String = std::iter::once("telefone,nome,valor".to_owned())
        .chain((10..40).map(|i| format!("119876543{i},Cliente {i},R$ {i},00")))
        .collect::<Vec<_>>()
        .join("\n");
    let body = |name: &str| {
        json!({"name": name, "template": {"name": "cobranca_vencida", "language": "pt_BR"},
            "audience": {"csv": csv}, "variables": {"1": "{{nome}}", "2": "{{valor}}"},
            "rate_per_second": 5})
    };
    // Bad requests: every problem at once, in pt-BR.
    let r = api
        .post(
            "/api/v1/campaigns",
            &json!({"name": "", "template": {"name": "cobranca_vencida", "language": "pt_BR"},
                "audience": {"csv": csv}, "variables": {"1": "{{cidade}}", "3": "x"},
                "rate_per_second": 5000}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "campaign_invalid");
    let problems = e["problems"].to_string();
    for expected in [
        "nome de 1 a 120",
        "1.000 mensagens",
        "cidade",
        "{{2}}",
        "não tem o parâmetro {{3}}",
    ] {
        assert!(problems.contains(expected), "{expected} in {problems}");
    }

    let r = api.post("/api/v1/campaigns", &body("Pausável")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The template is still in Meta's review: refused, with the reason.
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "preflight_failed");
    assert!(
        e["problems"][0].as_str().unwrap().contains("análise"),
        "{e}"
    );
    assert!(template_sends(&graph).is_empty());
    sqlx::query("update message_templates set status = 'APPROVED'")
        .execute(&app.state.pool)
        .await
        .unwrap();

    // The first recipient stopped marketing from us (131050): failed and suppressed.
    graph.fail_next([(
        400,
        meta_error(
            131050,
            "Unable to deliver the message",
            "User stopped marketing.",
        ),
    )]);
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    wait_until(|| async { template_sends(&graph).len() >= 3 }).await;
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/pause"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let paused: Value = r.json().await.unwrap();
    assert_eq!(paused["status"], "pausada");
    // What was in flight lands; then nothing more goes out while paused.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let during = template_sends(&graph).len();
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(
        template_sends(&graph).len(),
        during,
        "nothing sent while paused"
    );
    assert!(during < 31, "paused before the end");
    let suppressed: i64 = app
        .count("select count(*) from suppressions where reason = 'meta_131050'")
        .await;
    assert_eq!(suppressed, 1);

    let r = api
        .post(&format!("/api/v1/campaigns/{id}/resume"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done = until_status(&api, &id, "concluída").await;
    assert_eq!(done["counts"]["sent"], 29, "{done}");
    assert_eq!(done["counts"]["failed"], 1);
    assert_eq!(done["failures"][0]["code"], "131050");
    // Every number exactly once across the pause (the 131050 answer included).
    let mut seen = std::collections::HashSet::new();
    for s in template_sends(&graph) {
        assert!(
            seen.insert(s["to"].as_str().unwrap().to_owned()),
            "sent twice: {s}"
        );
    }
    assert_eq!(seen.len(), 30);

    // A second campaign to the same audience (131050 stops marketing only; this is a
    // notice), cancelled at once: what had not gone out never does.
    let r = api.post("/api/v1/campaigns", &body("Cancelável")).await;
    let id2 = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = template_sends(&graph).len();
    let r = api
        .post(&format!("/api/v1/campaigns/{id2}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = api
        .post(&format!("/api/v1/campaigns/{id2}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelada");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let c = campaign(&api, &id2).await;
    let went = template_sends(&graph).len() - before;
    assert!(c["counts"]["cancelled"].as_i64().unwrap() >= 20, "{c}");
    assert_eq!(
        c["counts"]["sent"].as_i64().unwrap() + c["counts"]["unknown"].as_i64().unwrap(),
        went as i64,
        "every call is accounted for: {c}"
    );
    let r = api
        .post(&format!("/api/v1/campaigns/{id2}/resume"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let listed: Value = api.get("/api/v1/campaigns").await.json().await.unwrap();
    let ours: Vec<&Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] != "Cobrança · faturas vencidas (demonstração)")
        .collect();
    assert_eq!(ours.len(), 2, "{listed}");
    let r = api
        .get(&format!("/api/v1/campaigns/{id}/recipients?state=voando"))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_settled_by_its_webhook_and_temporary_failures_go_again_on_demand() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    let csv = "telefone,nome,valor\n11987650001,Ana,R$ 1\n11987650002,Bruno,R$ 2\n11987650003,Caio,R$ 3\n";
    let r = api
        .post(
            "/api/v1/campaigns",
            &json!({"name": "Respostas perdidas", "template": {"name": "cobranca_vencida", "language": "pt_BR"},
                "audience": {"csv": csv}, "variables": {"1": "{{nome}}", "2": "{{valor}}"},
                "rate_per_second": 10}),
        )
        .await;
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first call gets a 500 without Meta's error (it may have gone out), the second Meta's
    // per-user marketing cap (131049, temporary).
    graph.fail_next([
        (500, json!({})),
        (
            400,
            meta_error(
                131049,
                "Message not delivered",
                "Healthy ecosystem engagement.",
            ),
        ),
    ]);
    api.post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    let done = until_status(&api, &id, "concluída").await;
    assert_eq!(done["counts"]["unknown"], 1, "{done}");
    assert_eq!(done["counts"]["failed"], 1);
    assert_eq!(done["counts"]["sent"], 1);
    assert_eq!(
        template_sends(&graph).len(),
        3,
        "the unknown one is not resent"
    );

    // Meta's status webhook echoes the recipient: the unknown send is sent after all.
    let unknown: Value = api
        .get(&format!("/api/v1/campaigns/{id}/recipients?state=unknown"))
        .await
        .json()
        .await
        .unwrap();
    let rid = unknown["data"][0]["id"].as_str().unwrap().to_owned();
    let to = unknown["data"][0]["phone"]
        .as_str()
        .unwrap()
        .trim_start_matches('+')
        .to_owned();
    let mut hook: Value =
        serde_json::from_str(&status_webhook("wamid.PERDIDA", &to, "sent")).unwrap();
    hook["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] =
        json!(format!("campanha:{rid}"));
    let r = app.signed_webhook("whatsapp", &hook.to_string()).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let c = campaign(&api, &id).await;
    assert_eq!(c["counts"]["unknown"], 0, "{c}");
    assert_eq!(c["counts"]["sent"], 2);

    // "Reenviar só as falhas temporárias": the 131049 one goes again, and only it.
    let r = api
        .post(
            &format!("/api/v1/campaigns/{id}/retry-failures"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["requeued"], 1);
    let c = until_sent(&api, &id, 3).await;
    assert_eq!(c["counts"]["failed"], 0, "{c}");
    assert_eq!(template_sends(&graph).len(), 4);
    until_status(&api, &id, "concluída").await;

    // A worker that died holding rows: its claims go back to the queue, its sends in flight
    // become unknown; an expired campaign drops who was not sent to.
    sqlx::query(
        "update campaign_recipients set state = 'claimed', lease_until = now() - interval '1 minute'
         where phone = '+5511987650001'",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "update campaign_recipients set state = 'sending', lease_until = now() - interval '1 minute'
         where phone = '+5511987650002'",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "update campaigns set status = 'paused', expires_at = now() - interval '1 second' where id = $1",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
    backend::campaigns::sender::tick(&app.state).await.unwrap();
    let state = |phone: &'static str| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<String>)>(
                "select state, skip_reason from campaign_recipients where phone = $1",
            )
            .bind(phone)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        state("+5511987650001").await,
        ("skipped".into(), Some("expired".into()))
    );
    assert_eq!(state("+5511987650002").await.0, "unknown");
    app.stop().await;
}

async fn until_sent(api: &Api, id: &str, sent: i64) -> Value {
    for _ in 0..200 {
        let c = campaign(api, id).await;
        if c["counts"]["sent"] == sent {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never {sent} sent: {}", campaign(api, id).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_and_the_suppression_list_over_the_rest_api() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    // Procon-SP's "Não Me Ligue", as its CSV comes: one number left out by line.
    let r = api
        .post(
            "/api/v1/suppressions/import",
            &json!({"csv": "TELEFONE\n(11) 98888-0001\n11 8888-0002\nxyz\n(11) 98888-0001\n",
                "scope": "all", "detail": "Não Me Ligue, dezembro"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let imported: Value = r.json().await.unwrap();
    assert_eq!(imported["added"], 2, "{imported}");
    assert_eq!(imported["numbers"], 2);
    assert_eq!(imported["problems"][0]["line"], 4);
    let r = api.get("/api/v1/suppressions/11988880002").await;
    assert_eq!(r.status(), StatusCode::OK);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["phone"], "+5511988880002", "the ninth digit added");
    assert_eq!(s["scope"], "all");
    assert_eq!(s["reason"], "import");
    let r = api.get("/api/v1/suppressions").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("telefone;alcance;motivo;desde\n"), "{csv}");
    assert!(csv.contains("+5511988880001;all;import;"));
    let r = api
        .client
        .delete(format!("{}/api/v1/suppressions/5511988880001", app.address))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        api.get("/api/v1/suppressions/5511988880001").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/api/v1/suppressions/abc").await.status(),
        StatusCode::BAD_REQUEST
    );
    let r = api
        .post(
            "/api/v1/suppressions/import",
            &json!({"csv": "telefone\n1\n", "scope": "tudo"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // A contact's consent: granted, then withdrawn (the number suppressed for marketing).
    let r = api
        .post(
            "/api/v1/contacts",
            &json!({"name": "Rita", "phone": "+5511977770001"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let contact = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/contacts/{contact}/consents");
    let r = api
        .post(
            &path,
            &json!({"purpose": "marketing", "granted": true, "detail": "Formulário do site"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Value = api.get(&path).await.json().await.unwrap();
    assert_eq!(list["data"][0]["granted"], true);
    assert_eq!(list["data"][0]["source"], "api");
    let r = api
        .post(&path, &json!({"purpose": "marketing", "granted": false}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Value = api.get(&path).await.json().await.unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "the latest counts"
    );
    assert_eq!(list["data"][0]["granted"], false);
    let s: Value = api
        .get("/api/v1/suppressions/+5511977770001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["scope"], "marketing");
    let r = api
        .post(&path, &json!({"purpose": "vendas", "granted": true}))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = api
        .get(&format!(
            "/api/v1/contacts/{}/consents",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

fn template_status_webhook(event: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "time": 1,
        "changes": [{"field": "message_template_status_update", "value": {
            "event": event, "message_template_id": 900,
            "message_template_name": "cobranca_vencida", "message_template_language": "pt-BR",
            "reason": null}}]}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metas_template_webhooks_pause_and_resume_a_running_campaign() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    let csv: String = std::iter::once("telefone,nome,valor".to_owned())
        .chain((10..30).map(|i| format!("119876544{i},Cliente {i},R$ {i}")))
        .collect::<Vec<_>>()
        .join("\n");
    let r = api
        .post(
            "/api/v1/campaigns",
            &json!({"name": "Com modelo pausado", "template": {"name": "cobranca_vencida", "language": "pt_BR"},
                "audience": {"csv": csv}, "variables": {"1": "{{nome}}", "2": "{{valor}}"},
                "rate_per_second": 4}),
        )
        .await;
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    wait_until(|| async { !template_sends(&graph).is_empty() }).await;
    let r = app
        .signed_webhook("whatsapp", &template_status_webhook("PAUSED"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let c = campaign(&api, &id).await;
    assert_eq!(c["status"], "pausada", "{c}");
    assert_eq!(c["pause_reason"], "A Meta mudou o modelo para \"pausado\".");
    assert_eq!(c["template_status"], "PAUSED");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let during = template_sends(&graph).len();
    assert!(during < 20, "paused before the end");

    // Approved again: the campaign the template paused resumes by itself and ends.
    let r = app
        .signed_webhook("whatsapp", &template_status_webhook("APPROVED"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.settle().await;
    let done = until_status(&api, &id, "concluída").await;
    assert_eq!(done["counts"]["sent"], 20, "{done}");
    assert_eq!(template_sends(&graph).len(), 20, "nobody twice");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collection_audience_comes_from_the_erps_overdue_customers() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    let body = json!({"name": "Cobrança pelo ERP",
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"erp": "faturas_vencidas"},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
        "respect_quiet_hours": false});
    let r = api.post("/api/v1/campaigns", &body).await;
    let status = r.status();
    let created: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // The mock ERP's customers in debt: João (three invoices) and Carlos (one).
    assert_eq!(created["recipients"], 2, "{created}");
    for column in [
        "nome",
        "telefone",
        "cpf",
        "cliente",
        "faturas",
        "valor",
        "vencimento",
    ] {
        assert!(
            created["columns"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == column),
            "{column}: {created}"
        );
    }
    let id = created["id"].as_str().unwrap().to_owned();
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    until_status(&api, &id, "concluída").await;
    let sends = template_sends(&graph);
    let joao = sends
        .iter()
        .find(|s| s["to"] == "5511987650002")
        .expect("João receives it");
    let params = &joao["template"]["components"][0]["parameters"];
    assert_eq!(params[0]["text"], "João");
    let owed = params[1]["text"].as_str().unwrap();
    assert!(owed.starts_with("R$ ") && owed.contains(','), "{owed}");
    assert!(sends.iter().any(|s| s["to"] == "5511987650004"), "Carlos");
    assert!(
        !sends.iter().any(|s| s["to"] == "5511987650001"),
        "Maria is up to date"
    );

    // Neither a file nor the ERP: refused with the reason.
    let r = api
        .post(
            "/api/v1/campaigns",
            &json!({"name": "Sem público", "template": {"name": "cobranca_vencida", "language": "pt_BR"},
                "audience": {"erp": "outra_coisa"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frequency_cap_leaves_out_who_already_had_todays_templates() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    // One template per contact per 24 h, campaigns and agents together.
    sqlx::query(
        "insert into settings (key, value) values ('campaigns', '{\"frequency_cap_24h\": 1}')
         on conflict (key) do update set value = excluded.value",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let run = |name: &'static str, csv: &'static str| {
        let api = &api;
        async move {
            let body = json!({"name": name,
                "template": {"name": "cobranca_vencida", "language": "pt_BR"},
                "audience": {"csv": csv},
                "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
                "respect_quiet_hours": false});
            let r = api.post("/api/v1/campaigns", &body).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            let created: Value = r.json().await.unwrap();
            let id = created["id"].as_str().unwrap().to_owned();
            let r = api
                .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            until_status(api, &id, "concluída").await
        }
    };
    let first = run(
        "Primeira",
        "nome;telefone;valor\nAna;11987651001;R$ 10,00\nBia;11987651002;R$ 20,00\n",
    )
    .await;
    assert_eq!(first["counts"]["sent"], 2, "{first}");
    let second = run(
        "Segunda no mesmo dia",
        "nome;telefone;valor\nAna;11987651001;R$ 10,00\nCaio;11987651003;R$ 30,00\n",
    )
    .await;
    assert_eq!(second["counts"]["sent"], 1, "{second}");
    assert_eq!(second["counts"]["skipped"], 1, "{second}");
    assert_eq!(second["skipped"][0]["code"], "frequency_cap", "{second}");
    assert_eq!(
        second["skipped"][0]["meaning"],
        "Limite de mensagens por contato atingido"
    );
    let to_ana = template_sends(&graph)
        .into_iter()
        .filter(|s| s["to"] == "5511987651001")
        .count();
    assert_eq!(to_ana, 1, "Ana received one template today");

    // The recipients come in the file's order, a page at a time.
    let id = second["id"].as_str().unwrap();
    let page: Value = api
        .get(&format!("/api/v1/campaigns/{id}/recipients?limit=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"][0]["line"], 2, "{page}");
    assert_eq!(page["data"][0]["skip_reason"], "frequency_cap");
    let after = page["next_after"].as_str().unwrap();
    let next: Value = api
        .get(&format!(
            "/api/v1/campaigns/{id}/recipients?limit=1&after={after}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["data"][0]["line"], 3, "{next}");
    assert_eq!(next["data"][0]["state"], "sent");

    // The template can be deleted while the campaigns that used it keep their report.
    let template: uuid::Uuid =
        sqlx::query_scalar("select id from message_templates where name = 'cobranca_vencida'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let r = api.delete(&format!("/api/v1/templates/{template}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let kept = campaign(&api, id).await;
    assert_eq!(kept["template_status"], "DELETED", "{kept}");
    assert_eq!(kept["counts"]["sent"], 1);
}
