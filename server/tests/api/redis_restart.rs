//! Redis killed and started again (empty: no persistence) in the middle of a campaign: the
//! server is not restarted, its workers come back by themselves, the campaign ends with every
//! recipient sent to exactly once (PostgreSQL is the record, Redis only carries ids), a
//! campaign started afterwards is sent too, and `/metrics` says each queue's worker is alive.

use crate::campaigns::{approved_template, template_sends, until_status};
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Redis of this test's own, on a free port, that can be killed and started again.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self { port, child: None };
        redis.spawn();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (the platform's setup installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the private Redis did not start on {}", self.port);
    }

    /// `kill -9`: no goodbye to the clients, every key gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn create(api: &Api, name: &str, recipients: std::ops::Range<u32>, rate: i32) -> String {
    let mut csv = String::from("nome;telefone;valor\n");
    for i in recipients {
        csv.push_str(&format!("Cliente {i};1199130{i:04};R$ {i},00\n"));
    }
    let body = json!({"name": name,
        "template": {"name": "cobranca_vencida", "language": "pt_BR"},
        "audience": {"csv": csv},
        "variables": {"1": "{{primeiro_nome | cliente}}", "2": "{{valor}}"},
        "rate_per_second": rate, "respect_quiet_hours": false});
    let r = api.post("/api/v1/campaigns", &body).await;
    let status = r.status();
    let created: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let r = api
        .post(&format!("/api/v1/campaigns/{id}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_campaign_the_workers_come_back_and_nobody_is_sent_twice() {
    let mut redis = PrivateRedis::start();
    let graph = crate::common::fake_graph::FakeGraph::start().await;
    let mut config = channel_app_config(&graph);
    config.redis_url = redis.url();
    let app = spawn_app_with(config).await;
    approved_template(&app, "APPROVED").await;
    let api = Api::new(&app).await;

    // Thirty recipients at five a second: six seconds of sending.
    let first = create(&api, "Antes da queda", 0..30, 5).await;
    for _ in 0..200 {
        if template_sends(&graph).len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        template_sends(&graph).len() >= 5,
        "the campaign was sending"
    );

    redis.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.spawn();

    // The schedule's tick (every 15 s) gives the campaign a runner again in the empty Redis.
    let done = until_status(&api, &first, "concluída").await;
    let sends = template_sends(&graph);
    assert_eq!(
        done["counts"]["sent"],
        30,
        "{done} after {} sends",
        sends.len()
    );
    let to: HashSet<_> = sends
        .iter()
        .map(|s| s["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sends.len(), 30, "nobody twice");
    assert_eq!(to.len(), 30, "nobody left out");

    // A campaign started now is queued, taken and sent by the same workers.
    let second = create(&api, "Depois da queda", 100..103, 10).await;
    let done = until_status(&api, &second, "concluída").await;
    assert_eq!(done["counts"]["sent"], 3, "{done}");
    assert_eq!(template_sends(&graph).len(), 33);

    let metrics = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for queue in ["campaign-dispatch", "bot-inactivity", "expire-sessions"] {
        assert!(
            metrics.contains(&format!("worker_alive{{queue=\"{queue}\"}} 1")),
            "{queue}: {metrics}"
        );
    }
    app.stop().await;
}
