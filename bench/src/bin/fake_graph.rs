//! A fake of Meta's Graph API for the campaign benchmark: `POST /{version}/{phone}/messages`
//! answers like the Cloud API after `--latency-ms`, holds each number to `--limit` messages per
//! second (a token bucket holding 100 ms of the rate: beyond it, Meta's 130429 "Rate limit
//! hit"), and, like Meta, sends signed status webhooks back (`sent`, then `delivered`) with the
//! send's `biz_opaque_callback_data`, retrying every second while the platform does not answer
//! 200. `GET /stats` tells what it saw: sends per second, 130429 answers, every recipient's
//! count (duplicates) and the webhooks still owed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Parser, Debug, Clone)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:3390")]
    bind: String,
    /// Messages per second per sending number (Meta: 80 by default, up to 1,000).
    #[arg(long, default_value_t = 80)]
    limit: u64,
    /// Time before each answer, as the real Graph API takes.
    #[arg(long, default_value_t = 60)]
    latency_ms: u64,
    /// Where to post the status webhooks (none: no webhooks).
    #[arg(long)]
    webhook_url: Option<String>,
    #[arg(long, env = "META_APP_SECRET", default_value = "segredo-bench")]
    app_secret: String,
}

/// One number's token bucket: `limit` tokens a second, holding at most 100 ms of them.
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
struct Seen {
    /// Accepted sends per second since the first one.
    per_second: Vec<u64>,
    first: Option<Instant>,
    /// Sends accepted per recipient (`to`).
    recipients: HashMap<String, u32>,
    rate_limited: u64,
}

struct Fake {
    args: Args,
    buckets: Mutex<HashMap<String, Bucket>>,
    seen: Mutex<Seen>,
    wamids: AtomicU64,
    webhooks: Option<mpsc::UnboundedSender<String>>,
    owed: Arc<AtomicU64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let owed = Arc::new(AtomicU64::new(0));
    let webhooks = args.webhook_url.clone().map(|url| {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(deliver(
            url,
            args.app_secret.clone(),
            receiver,
            owed.clone(),
        ));
        sender
    });
    let fake = Arc::new(Fake {
        args: args.clone(),
        buckets: Mutex::new(HashMap::new()),
        seen: Mutex::new(Seen::default()),
        wamids: AtomicU64::new(0),
        webhooks,
        owed,
    });
    let app = Router::new()
        .route("/{version}/{phone}/messages", post(send))
        .route("/stats", get(stats))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    eprintln!(
        "Graph API falsa em {} ({} msg/s por número, {} ms por resposta)",
        args.bind, args.limit, args.latency_ms
    );
    axum::serve(listener, app).await?;
    Ok(())
}

fn take_token(fake: &Fake, phone: &str) -> bool {
    let limit = fake.args.limit as f64;
    let capacity = (limit / 10.0).max(1.0);
    let mut buckets = fake.buckets.lock().unwrap();
    let bucket = buckets.entry(phone.to_owned()).or_insert(Bucket {
        tokens: capacity,
        at: Instant::now(),
    });
    let now = Instant::now();
    bucket.tokens =
        (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * limit).min(capacity);
    bucket.at = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        true
    } else {
        false
    }
}

async fn send(
    State(fake): State<Arc<Fake>>,
    Path((_version, phone)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    // The rate is judged when the request arrives, as Meta does.
    let allowed = take_token(&fake, &phone);
    tokio::time::sleep(Duration::from_millis(fake.args.latency_ms)).await;
    if !allowed {
        fake.seen.lock().unwrap().rate_limited += 1;
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException",
                "code": 130429, "error_data": {"messaging_product": "whatsapp",
                "details": "Cloud API message throughput has been reached."}}}),
            ),
        );
    }
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let wamid = format!(
        "wamid.FAKEBENCH{}",
        fake.wamids.fetch_add(1, Ordering::Relaxed)
    );
    {
        let mut seen = fake.seen.lock().unwrap();
        let now = Instant::now();
        let first = *seen.first.get_or_insert(now);
        let second = now.duration_since(first).as_secs() as usize;
        if seen.per_second.len() <= second {
            seen.per_second.resize(second + 1, 0);
        }
        seen.per_second[second] += 1;
        *seen.recipients.entry(to.clone()).or_default() += 1;
    }
    if let Some(webhooks) = &fake.webhooks {
        let callback = body["biz_opaque_callback_data"].as_str();
        for status in ["sent", "delivered"] {
            fake.owed.fetch_add(1, Ordering::Relaxed);
            let _ = webhooks.send(status_webhook(&phone, &wamid, &to, status, callback));
        }
    }
    (
        StatusCode::OK,
        Json(
            json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid, "message_status": "accepted"}]}),
        ),
    )
}

fn status_webhook(
    phone: &str,
    wamid: &str,
    to: &str,
    status: &str,
    callback: Option<&str>,
) -> String {
    let mut s = json!({"id": wamid, "status": status, "recipient_id": to,
        "timestamp": chrono::Utc::now().timestamp().to_string()});
    if let Some(callback) = callback {
        s["biz_opaque_callback_data"] = json!(callback);
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone},
        "statuses": [s]}}]}]})
    .to_string()
}

/// Posts the status webhooks, many at once, each until the platform answers 200.
async fn deliver(
    url: String,
    secret: String,
    mut queue: mpsc::UnboundedReceiver<String>,
    owed: Arc<AtomicU64>,
) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client");
    let slots = Arc::new(tokio::sync::Semaphore::new(256));
    while let Some(body) = queue.recv().await {
        let slot = slots.clone().acquire_owned().await.expect("semaphore");
        let (client, url, owed) = (client.clone(), url.clone(), owed.clone());
        let signature = backend::channels::sign(body.as_bytes(), &secret);
        tokio::spawn(async move {
            loop {
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", &signature)
                    .body(body.clone())
                    .send()
                    .await;
                if matches!(&answer, Ok(r) if r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            owed.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
}

async fn stats(State(fake): State<Arc<Fake>>) -> Json<Value> {
    let seen = fake.seen.lock().unwrap();
    let duplicates: u64 = seen
        .recipients
        .values()
        .map(|n| u64::from(n.saturating_sub(1)))
        .sum();
    let accepted: u64 = seen.per_second.iter().sum();
    Json(json!({
        "accepted": accepted,
        "unique_recipients": seen.recipients.len(),
        "duplicates": duplicates,
        "rate_limited": seen.rate_limited,
        "per_second": seen.per_second,
        "webhooks_owed": fake.owed.load(Ordering::Relaxed),
        "recipients": seen.recipients.keys().collect::<Vec<_>>(),
    }))
}
