//! Bot reply latency: from a signed WhatsApp webhook leaving this tool to the bot's reply
//! arriving at a fake Graph API served by this tool.
//!
//! Each simulated customer starts at its scheduled time (open loop: `--rate` new conversations
//! per second) and walks the demo flow: "oi" (→ the menu), a tap on "2ª via da fatura" (→ the
//! CPF question), then Maria's CPF (→ the first reply after the mock ERP's customer lookup).
//! Each step waits for the reply before the next message, as a person would. The server's bot
//! must answer its WhatsApp channel (`bench/bot/run.sh` sets this up).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Parser, Debug)]
struct Args {
    /// Base URL of the platform.
    #[arg(long, default_value = "http://127.0.0.1:3300")]
    url: String,
    /// New conversations per second.
    #[arg(long, default_value_t = 300)]
    rate: u64,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of the same load before the measured ones, not counted: a server just started
    /// opens its database connections and prepares its statements then.
    #[arg(long, default_value_t = 8)]
    warmup: u64,
    /// Port of the fake Graph API the server sends to (its GRAPH_API_BASE_URL).
    #[arg(long, default_value_t = 3398)]
    graph_port: u16,
    #[arg(long, env = "META_APP_SECRET", default_value = "segredo-bench")]
    app_secret: String,
    #[arg(
        long,
        env = "WHATSAPP_PHONE_NUMBER_ID",
        default_value = "106540352242922"
    )]
    phone_number_id: String,
    /// Steps each conversation walks: 1 = "oi" only, 3 = up to the ERP lookup.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    steps: u8,
    /// Give up on a reply after this many seconds.
    #[arg(long, default_value_t = 60)]
    reply_timeout: u64,
}

type Waiters = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Instant>>>>;

async fn graph_send(State(waiters): State<Waiters>, Json(body): Json<Value>) -> Json<Value> {
    let at = Instant::now();
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    if let Some(tx) = waiters.lock().expect("lock").get(&to) {
        let _ = tx.send(at);
    }
    Json(
        json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": format!("wamid.BENCH{}", uuid::Uuid::new_v4().simple())}]}),
    )
}

fn sign(body: &str, secret: &str) -> String {
    backend::channels::sign(body.as_bytes(), secret)
}

fn envelope(phone_number_id: &str, wa_id: &str, message: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Cliente Bench"}, "wa_id": wa_id}],
            "messages": [message]}}]}]})
    .to_string()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[derive(Default)]
struct Results {
    /// Per step (0 menu, 1 CPF question, 2 after the ERP lookup): latencies in ms.
    steps: [Vec<f64>; 3],
    /// (second of the run the message was sent in, latency in ms), for the per-second view.
    timeline: Vec<(u64, f64)>,
    timeouts: usize,
    refused: usize,
}

struct Customer {
    wa_id: String,
    client: reqwest::Client,
    args: Arc<Args>,
    replies: mpsc::UnboundedReceiver<Instant>,
    n: u32,
}

impl Customer {
    /// Sends one message and returns the latency until the first reply, in ms.
    async fn step(&mut self, message: Value) -> Result<f64, &'static str> {
        // Replies still arriving from the previous step are not this step's.
        while self.replies.try_recv().is_ok() {}
        self.n += 1;
        let mut message = message;
        message["from"] = json!(self.wa_id);
        message["id"] = json!(format!("wamid.BENCH{}x{}", self.wa_id, self.n));
        message["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
        let body = envelope(&self.args.phone_number_id, &self.wa_id, message);
        let signature = sign(&body, &self.args.app_secret);
        let started = Instant::now();
        let response = self
            .client
            .post(format!("{}/webhooks/whatsapp", self.args.url))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await;
        if !matches!(response, Ok(ref r) if r.status().is_success()) {
            return Err("refused");
        }
        match tokio::time::timeout(
            Duration::from_secs(self.args.reply_timeout),
            self.replies.recv(),
        )
        .await
        {
            Ok(Some(at)) => Ok(at.duration_since(started).as_secs_f64() * 1000.0),
            _ => Err("timeout"),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let waiters: Waiters = Arc::default();
    let app = Router::new()
        .route("/{version}/{node}/messages", post(graph_send))
        .with_state(waiters.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.graph_port)).await?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let results = Arc::new(Mutex::new(Results::default()));
    let warm = args.rate * args.warmup;
    let total = warm + args.rate * args.seconds;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let start = Instant::now();
    let run = format!("{:04}", std::process::id() % 10_000);
    let mut tasks = Vec::with_capacity(total as usize);
    println!(
        "{} conversations measured after {warm} of warm-up, {} per second for {} s, {} step(s) each: oi → menu, tap → CPF question, CPF → reply after the ERP lookup",
        total - warm, args.rate, args.seconds, args.steps
    );
    for i in 0..total {
        tokio::time::sleep_until((start + interval * i as u32).into()).await;
        let wa_id = format!("55{run}{i:07}");
        let (tx, rx) = mpsc::unbounded_channel();
        waiters.lock().expect("lock").insert(wa_id.clone(), tx);
        let mut customer = Customer {
            wa_id,
            client: client.clone(),
            args: args.clone(),
            replies: rx,
            n: 0,
        };
        let results = results.clone();
        let measured = i >= warm;
        let warmup = args.warmup;
        tasks.push(tokio::spawn(async move {
            let steps = [
                json!({"type": "text", "text": {"body": "oi"}}),
                json!({"type": "interactive", "interactive": {"type": "list_reply",
                    "list_reply": {"id": "segunda_via", "title": "2ª via da fatura"}}}),
                json!({"type": "text", "text": {"body": "111.111.111-11"}}),
            ];
            for (n, message) in steps
                .into_iter()
                .enumerate()
                .take(customer.args.steps as usize)
            {
                let second = start.elapsed().as_secs().saturating_sub(warmup);
                let outcome = customer.step(message).await;
                if !measured {
                    if outcome.is_err() {
                        return;
                    }
                    continue;
                }
                let mut r = results.lock().expect("lock");
                match outcome {
                    Ok(ms) => {
                        r.steps[n].push(ms);
                        r.timeline.push((second, ms));
                    }
                    Err("refused") => {
                        r.refused += 1;
                        return;
                    }
                    Err(_) => {
                        r.timeouts += 1;
                        return;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64() - args.warmup as f64;
    let mut r = results.lock().expect("lock");
    println!(
        "finished in {elapsed:.1} s; refused {}, no reply within {} s: {}",
        r.refused, args.reply_timeout, r.timeouts
    );
    let names = [
        "\"oi\" → menu",
        "tap → CPF question",
        "CPF → reply after the ERP lookup",
    ];
    let mut all = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let v = &mut r.steps[i];
        v.sort_by(|a, b| a.total_cmp(b));
        all.extend_from_slice(v);
        println!(
            "{name:36} n={:6}  p50 {:7.1} ms  p95 {:7.1} ms  p99 {:7.1} ms  max {:7.1} ms",
            v.len(),
            percentile(v, 0.50),
            percentile(v, 0.95),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    all.sort_by(|a, b| a.total_cmp(b));
    // Where the slow replies were: a stall shows as one bad second, saturation as a climb.
    let mut per_second: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    for (second, ms) in &r.timeline {
        per_second.entry(*second).or_default().push(*ms);
    }
    let line: Vec<String> = per_second
        .into_iter()
        .map(|(second, mut v)| {
            v.sort_by(|a, b| a.total_cmp(b));
            format!("{second}s:{:.0}", percentile(&v, 0.95))
        })
        .collect();
    println!("p95 by second sent (ms): {}", line.join(" "));
    println!(
        "{:36} n={:6}  p50 {:7.1} ms  p95 {:7.1} ms  p99 {:7.1} ms",
        "all replies",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99)
    );
    Ok(())
}
