//! Posts signed WhatsApp Cloud API webhooks at a fixed rate (open loop: a slow server does not
//! slow the sender down) and reports what the server accepted, the latency of each POST, and
//! how long each delivery took to be applied: a customer's message until it is in PostgreSQL's
//! `messages` table, a status (sent, delivered, read of a message the company sent, as a
//! campaign brings) until it is recorded with the message moved.
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
    /// Share of the deliveries that are statuses (0 to 1): each message the company "sent"
    /// gets sent, delivered and read, in that order.
    #[arg(long, default_value_t = 0.0)]
    status_share: f64,
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

fn status_body(phone_number_id: &str, wa_id: u64, id: &str, status: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"{phone_number_id}"}},"statuses":[{{"id":"{id}","status":"{status}","timestamp":"{now}","recipient_id":"55119{wa_id:08}"}}]}}}}]}}]}}"#
    )
}

/// What the n-th delivery of the run is.
enum Delivery {
    Message,
    /// A status of outbound message `k`.
    Status(u64, &'static str),
}

/// Spreads statuses evenly among messages: delivery n is a status when the share of statuses
/// so far is below the target. Every message the company sent gets "sent" first, then
/// "delivered", then "read", a third of the run apart (as they come back from a campaign).
fn plan(total: u64, share: f64) -> Vec<Delivery> {
    const ORDER: [&str; 3] = ["sent", "delivered", "read"];
    let mut is_status = Vec::with_capacity(total as usize);
    let mut statuses = 0u64;
    for n in 0..total {
        let status = (statuses as f64) < share * (n + 1) as f64;
        statuses += u64::from(status);
        is_status.push(status);
    }
    let messages = statuses.div_ceil(3).max(1);
    let mut i = 0u64;
    is_status
        .into_iter()
        .map(|status| {
            if !status {
                return Delivery::Message;
            }
            let d = Delivery::Status(i % messages, ORDER[((i / messages) as usize).min(2)]);
            i += 1;
            d
        })
        .collect()
}

/// Outbound messages for the statuses to move: `count` of them in a conversation of the run's
/// first customer, created by a real inbound webhook.
async fn seed_outbound(
    args: &Args,
    client: &reqwest::Client,
    url: &str,
    run: &str,
    count: u64,
) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(&args.database_url).await?;
    let id = format!("wamid.BENCHSEED{run}");
    let payload = body(&args.phone_number_id, 0, &id, "início");
    client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(&payload, &args.app_secret))
        .body(payload)
        .send()
        .await?
        .error_for_status()?;
    let started = Instant::now();
    let (conversation, channel): (uuid::Uuid, uuid::Uuid) = loop {
        let found = sqlx::query_as(
            "select conversation_id, channel_id from messages where provider_message_id = $1",
        )
        .bind(&id)
        .fetch_optional(&pool)
        .await?;
        if let Some(found) = found {
            break found;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the seed message was not stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    sqlx::query(
        "insert into messages (id, conversation_id, channel_id, direction, author, kind, body,
             provider_message_id, status, provider_timestamp)
         select gen_random_uuid(), $1, $2, 'outbound', 'system', 'text', 'carga',
             'wamid.BENCHOUT' || $3 || lpad(g::text, 9, '0'), 'queued', now()
         from generate_series(0, $4 - 1) g",
    )
    .bind(conversation)
    .bind(channel)
    .bind(run)
    .bind(count as i64)
    .execute(&pool)
    .await?;
    Ok(())
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
    /// The message id; for a status, with the status appended after a colon.
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
    let plan = plan(total, args.status_share.clamp(0.0, 1.0));
    let outbound = plan
        .iter()
        .filter_map(|d| match d {
            Delivery::Status(k, _) => Some(k + 1),
            Delivery::Message => None,
        })
        .max()
        .unwrap_or(0);
    if outbound > 0 {
        println!("Semeando {outbound} mensagens enviadas para receberem status");
        seed_outbound(&args, &client, &url, &run, outbound).await?;
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for (n, delivery) in plan.iter().enumerate() {
        let n = n as u64;
        // Open loop: each request leaves at its scheduled time.
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let (id, payload) = match delivery {
            Delivery::Message => {
                let id = format!("wamid.BENCH{run}{n:09}");
                let payload = body(
                    &args.phone_number_id,
                    n % args.customers,
                    &id,
                    "mensagem de carga",
                );
                (id, payload)
            }
            Delivery::Status(k, status) => {
                let message = format!("wamid.BENCHOUT{run}{k:09}");
                let payload = status_body(&args.phone_number_id, 0, &message, status);
                (format!("{message}:{status}"), payload)
            }
        };
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
    let (messages, statuses): (Vec<&Sample>, Vec<&Sample>) =
        accepted.iter().partition(|s| !s.id.contains(':'));
    let sent: std::collections::HashMap<&str, SystemTime> =
        samples.iter().map(|s| (s.id.as_str(), s.sent_at)).collect();
    let mut lost = 0;
    if !messages.is_empty() {
        let rows = applied(
            &pool,
            &args,
            "select provider_message_id, created_at from messages where provider_message_id like $1",
            &format!("wamid.BENCH{run}%"),
            messages.len(),
        )
        .await?;
        lost += report(
            "mensagens gravadas em messages",
            &rows,
            &sent,
            messages.len(),
        );
    }
    if !statuses.is_empty() {
        let rows = applied(
            &pool,
            &args,
            "select r.provider_message_id || ':' || r.status, r.received_at
             from message_receipts r join messages m
               on m.channel_id = r.channel_id and m.provider_message_id = r.provider_message_id
             where r.provider_message_id like $1 and m.status >= r.status",
            &format!("wamid.BENCHOUT{run}%"),
            statuses.len(),
        )
        .await?;
        lost += report("status aplicados", &rows, &sent, statuses.len());
    }
    println!("perdidas: {lost}");
    Ok(())
}

/// Waits until `expected` rows match (or the drain timeout), then returns (id, applied at).
async fn applied(
    pool: &sqlx::PgPool,
    args: &Args,
    sql: &str,
    pattern: &str,
    expected: usize,
) -> anyhow::Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let wait_started = Instant::now();
    loop {
        let rows: Vec<(String, chrono::DateTime<chrono::Utc>)> =
            sqlx::query_as(sql).bind(pattern).fetch_all(pool).await?;
        if rows.len() >= expected
            || wait_started.elapsed() > Duration::from_secs(args.drain_timeout)
        {
            return Ok(rows);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Prints how long the rows took from their POST; returns how many are missing.
fn report(
    what: &str,
    rows: &[(String, chrono::DateTime<chrono::Utc>)],
    sent: &std::collections::HashMap<&str, SystemTime>,
    expected: usize,
) -> i64 {
    let mut delays: Vec<f64> = rows
        .iter()
        .filter_map(|(id, at)| {
            let sent = chrono::DateTime::<chrono::Utc>::from(*sent.get(id.as_str())?);
            Some((*at - sent).num_microseconds()? as f64 / 1000.0)
        })
        .collect();
    delays.sort_by(|a, b| a.total_cmp(b));
    println!("\n== PostgreSQL: {what}");
    println!("aplicadas:           {} de {expected} aceitas", rows.len());
    println!(
        "desde o POST p50 / p99 / máx: {:.0} / {:.0} / {:.0} ms",
        percentile(&delays, 0.5),
        percentile(&delays, 0.99),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    expected as i64 - rows.len() as i64
}
