//! Posts signed WhatsApp Cloud API webhooks at a fixed rate (open loop: a slow server does not
//! slow the sender down) and reports what the server accepted, the latency of each POST, and
//! how long each message took to appear in PostgreSQL's `messages` table.
//!
//! See bench/README.md for how to run it and the figures measured.

use clap::Parser;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

#[derive(Parser, Debug)]
struct Args {
    /// Base URL of the platform.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Webhook POSTs per second.
    #[arg(long, default_value_t = 3000)]
    rate: u64,
    /// Duration of the run in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Distinct customers (wa_id) the messages come from.
    #[arg(long, default_value_t = 2000)]
    customers: u64,
    #[arg(long, env = "META_APP_SECRET", default_value = "segredo-bench")]
    app_secret: String,
    #[arg(
        long,
        env = "WHATSAPP_PHONE_NUMBER_ID",
        default_value = "106540352242922"
    )]
    phone_number_id: String,
    /// Where to count the stored messages.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/plataforma_bench"
    )]
    database_url: String,
    /// Give up waiting for the messages after this many seconds.
    #[arg(long, default_value_t = 300)]
    drain_timeout: u64,
}

fn body(phone_number_id: &str, wa_id: u64, id: &str, text: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"{phone_number_id}"}},"contacts":[{{"profile":{{"name":"Cliente {wa_id}"}},"wa_id":"55119{wa_id:08}"}}],"messages":[{{"from":"55119{wa_id:08}","id":"{id}","timestamp":"{now}","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#
    )
}

fn sign(body: &str, secret: &str) -> String {
    backend::channels::sign(body.as_bytes(), secret)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Sample {
    id: String,
    sent_at: SystemTime,
    latency: Duration,
    status: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{}/webhooks/whatsapp", args.url.trim_end_matches('/'));
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let total = args.rate * args.seconds;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    println!(
        "Enviando {total} webhooks assinados a {} /s por {} s para {url} (execução {run})",
        args.rate, args.seconds
    );
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        // Open loop: each request leaves at its scheduled time.
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let id = format!("wamid.BENCH{run}{n:09}");
        let payload = body(
            &args.phone_number_id,
            n % args.customers,
            &id,
            "mensagem de carga",
        );
        let signature = sign(&payload, &args.app_secret);
        let (client, url, samples) = (client.clone(), url.clone(), samples.clone());
        tasks.push(tokio::spawn(async move {
            let sent_at = SystemTime::now();
            let t0 = Instant::now();
            let status = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", signature)
                .body(payload)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            samples.lock().unwrap().push(Sample {
                id,
                sent_at,
                latency: t0.elapsed(),
                status,
            });
        }));
    }
    let sending = started.elapsed();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    let accepted: Vec<&Sample> = samples.iter().filter(|s| s.status == 200).collect();
    let mut latencies: Vec<f64> = samples
        .iter()
        .map(|s| s.latency.as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!("\n== HTTP");
    println!("enviados:            {}", samples.len());
    println!("aceitos (200):       {}", accepted.len());
    println!("recusados/erros:     {}", samples.len() - accepted.len());
    println!(
        "taxa oferecida:      {:.0} /s (envio levou {:.2} s)",
        samples.len() as f64 / sending.as_secs_f64(),
        sending.as_secs_f64()
    );
    println!(
        "aceitos por segundo: {:.0} /s",
        accepted.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latência p50 / p99 / máx: {:.1} / {:.1} / {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );

    let pool = sqlx::PgPool::connect(&args.database_url).await?;
    let pattern = format!("wamid.BENCH{run}%");
    let wait_started = Instant::now();
    let expected = accepted.len() as i64;
    loop {
        let stored: i64 =
            sqlx::query_scalar("select count(*) from messages where provider_message_id like $1")
                .bind(&pattern)
                .fetch_one(&pool)
                .await?;
        if stored >= expected || wait_started.elapsed() > Duration::from_secs(args.drain_timeout) {
            println!("\n== PostgreSQL");
            println!("mensagens gravadas:  {stored} de {expected} aceitas");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rows: Vec<(String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select provider_message_id, created_at from messages where provider_message_id like $1",
    )
    .bind(&pattern)
    .fetch_all(&pool)
    .await?;
    let sent: std::collections::HashMap<&str, SystemTime> =
        samples.iter().map(|s| (s.id.as_str(), s.sent_at)).collect();
    let mut to_db: Vec<f64> = rows
        .iter()
        .filter_map(|(id, at)| {
            let sent = chrono::DateTime::<chrono::Utc>::from(*sent.get(id.as_str())?);
            Some((*at - sent).num_microseconds()? as f64 / 1000.0)
        })
        .collect();
    to_db.sort_by(|a, b| a.total_cmp(b));
    println!(
        "até estar em messages p50 / p99 / máx: {:.0} / {:.0} / {:.0} ms",
        percentile(&to_db, 0.5),
        percentile(&to_db, 0.99),
        to_db.last().copied().unwrap_or(f64::NAN)
    );
    let lost = expected - rows.len() as i64;
    println!("perdidas: {lost}");
    Ok(())
}
