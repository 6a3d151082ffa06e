//! A campaign at each recipient's local time: 09:00 is 09:00 where the customer lives (their
//! zone by DDD), so Manaus receives an hour after São Paulo and Rio Branco two.

use crate::campaigns::{approved_template, campaign, template_sends};
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_each_recipients_local_time_the_west_waits_its_own_hours() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    let csv = "nome;telefone;valor\nPaula;11991120001;R$ 1,00\nManu;92991120002;R$ 2,00\n\
               Rita;68991120003;R$ 3,00\n";
    let mut body = json!({"name": "Hora local",
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"csv": csv},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
        "respect_quiet_hours": false, "local_time": true});

    // Without a time there is nothing to read locally.
    let r = api.post("/api/v1/campaigns", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("escolha a data e a hora"));

    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    body["schedule_at"] = json!(at);
    let r = api.post("/api/v1/campaigns", &body).await;
    let status = r.status();
    let created: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let shifts: Vec<(String, f64)> = sqlx::query_as(
        "select phone, extract(epoch from not_before - $2)::float8 from campaign_recipients
         where campaign_id = $1 order by phone",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .bind(at)
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    let hours: Vec<(&str, i64)> = shifts
        .iter()
        .map(|(p, s)| (p.as_str(), (s / 3600.0).round() as i64))
        .collect();
    assert_eq!(
        hours,
        [
            ("+5511991120001", 0),
            ("+5568991120003", 2),
            ("+5592991120002", 1)
        ]
    );
    let view = campaign(&api, &id).await;
    assert_eq!(view["local_time"], true, "{view}");

    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    let started: Value = r.json().await.unwrap();
    assert_eq!(started["status"], "agendada", "{started}");

    // The schedule's tick starts it; São Paulo's turn has come, the others' has not.
    let mut sends = Vec::new();
    for _ in 0..400 {
        sends = template_sends(&graph);
        if !sends.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["to"], "5511991120001");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        template_sends(&graph).len(),
        1,
        "Manaus and Rio Branco wait"
    );
    let view = campaign(&api, &id).await;
    assert_eq!(view["status"], "enviando", "{view}");
    assert_eq!(view["counts"]["queued"], 2, "{view}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_budget_sends_what_it_pays_for_today_and_keeps_the_rest_for_tomorrow() {
    let (app, graph) = spawn_channel_app().await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;
    let csv = "nome;telefone;valor\nAna;11991130001;R$ 1,00\nBia;11991130002;R$ 2,00\n\
               Caio;11991130003;R$ 3,00\nDora;11991130004;R$ 4,00\nEli;11991130005;R$ 5,00\n";
    let mut body = json!({"name": "Orçamento",
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"csv": csv},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
        "respect_quiet_hours": false, "daily_budget_brl": 0});
    let r = api.post("/api/v1/campaigns", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("orçamento diário"));

    // A utility template at the default R$ 0,04: R$ 0,10 a day pays for two.
    body["daily_budget_brl"] = json!(0.10);
    let r = api.post("/api/v1/campaigns", &body).await;
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let preflight: Value = api
        .get(&format!("/api/v1/campaigns/{id}/preflight"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preflight["days_needed"], 3, "{preflight}");
    assert!(
        preflight["notes"].to_string().contains(
            "Orçamento de R$ 0,10 por dia: até 2 mensagem(ns) por dia; o envio leva 3 dia(s)."
        ),
        "{preflight}"
    );
    let view = campaign(&api, &id).await;
    assert_eq!(view["daily_budget_brl"], 0.10);

    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    wait_until(|| async { template_sends(&graph).len() == 2 }).await;
    // Today's budget is spent: the other three wait for tomorrow.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(template_sends(&graph).len(), 2);
    let view = campaign(&api, &id).await;
    assert_eq!(view["status"], "enviando", "{view}");
    assert_eq!(view["counts"]["sent"], 2, "{view}");
    assert_eq!(view["counts"]["queued"], 3, "{view}");

    // A new day (yesterday's sends moved back a day): two more, then one.
    sqlx::query(
        "update campaign_recipients set sent_at = sent_at - interval '1 day',
             updated_at = updated_at - interval '1 day'
         where campaign_id = $1 and state = 'sent'",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
    // The runner checks the budget again within its two-second horizon.
    for _ in 0..300 {
        if template_sends(&graph).len() == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(template_sends(&graph).len(), 4);
    app.stop().await;
}
