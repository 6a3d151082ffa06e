//! The bulk sender under load: seeds `--recipients` contacts, creates a campaign through the
//! REST API at `--rate` messages per second against the fake Graph API (`fake_graph`, which
//! answers 130429 beyond its limit and sends the status webhooks back), starts it, optionally
//! kills a server with `kill -9` midway and starts it again, and reports what the fake saw: the
//! rate per second, the 130429 answers, duplicates, who was left out, and the servers' CPU per
//! 1,000 messages.
//!
//! See bench/README.md for how to run it (bench/campaign/run.sh) and the figures measured.

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3300")]
    url: String,
    #[arg(long, default_value = "http://127.0.0.1:3390")]
    graph: String,
    #[arg(long, env = "BENCH_API_TOKEN")]
    token: String,
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/plataforma_bench_campaign"
    )]
    database_url: String,
    #[arg(long, default_value_t = 100_000)]
    recipients: i64,
    /// The campaign's rate (and the fake's limit, given to it apart).
    #[arg(long, default_value_t = 80)]
    rate: i64,
    #[arg(
        long,
        env = "WHATSAPP_PHONE_NUMBER_ID",
        default_value = "106540352242922"
    )]
    phone_number_id: String,
    /// The servers' process ids, for their CPU time.
    #[arg(long, value_delimiter = ',')]
    server_pids: Vec<u32>,
    /// Kill this process with SIGKILL once `--kill-at` of the audience is sent...
    #[arg(long)]
    kill_pid: Option<u32>,
    #[arg(long, default_value_t = 0.5)]
    kill_at: f64,
    /// ...then run this to start it again.
    #[arg(long)]
    restart: Option<String>,
}

/// Whole-process CPU seconds (user + system) of `pid`, from /proc.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Seeds the template, the settings and the contacts; returns the contacts' tag.
async fn seed(pool: &sqlx::PgPool, args: &Args) -> anyhow::Result<String> {
    let channel: uuid::Uuid =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp' and external_id = $1")
            .bind(&args.phone_number_id)
            .fetch_one(pool)
            .await
            .context("the WhatsApp channel of the environment")?;
    sqlx::query(
        "insert into message_templates (id, channel_id, name, language, category, status, body,
             parameter_count, components, meta_id)
         values (gen_random_uuid(), $1, 'aviso_fatura', 'pt_BR', 'UTILITY', 'APPROVED',
             'Olá, {{1}}! Sua fatura está disponível.', 1,
             '[{\"type\": \"BODY\", \"text\": \"Olá, {{1}}! Sua fatura está disponível.\",
                \"example\": {\"body_text\": [[\"Maria\"]]}}]', '990001')
         on conflict do nothing",
    )
    .bind(channel)
    .execute(pool)
    .await?;
    // Unlimited portfolio tier and no per-contact cap: the benchmark measures the rate.
    let mut settings = shared::campaign::model::CampaignSettings::default();
    settings.messaging_limit = 0;
    settings.frequency_cap_24h = 0;
    sqlx::query(
        "insert into settings (key, value) values ('campaigns', $1)
         on conflict (key) do update set value = excluded.value",
    )
    .bind(serde_json::to_value(&settings)?)
    .execute(pool)
    .await?;
    // São Paulo numbers (DDD 11, the ninth digit), one tag per run.
    let run = uuid::Uuid::new_v4().as_u128() as u32 % 90 + 10;
    sqlx::query(
        "insert into contacts (id, name, phone, tags)
         select gen_random_uuid(), 'Cliente ' || g, '+55119' || lpad(g::text, 8, '0'),
             array['carga-' || $2::int]
         from generate_series(1, $1) g",
    )
    .bind(args.recipients)
    .bind(run as i32)
    .execute(pool)
    .await?;
    Ok(format!("carga-{run}"))
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {body}");
        }
        Ok(body)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = sqlx::PgPool::connect(&args.database_url).await?;
    println!("Semeando {} contatos", args.recipients);
    let tag = seed(&pool, &args).await?;
    let api = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?,
        base: format!("{}/api/v1", args.url.trim_end_matches('/')),
        token: args.token.clone(),
    };
    let created = api
        .call(
            reqwest::Method::POST,
            "/campaigns",
            Some(json!({
                "name": format!("Carga {} a {}/s", args.recipients, args.rate),
                "template": {"name": "aviso_fatura", "language": "pt_BR"},
                "audience": {"filter": {"tags": [tag]}},
                "variables": {"1": "{{nome | cliente}}"},
                "rate_per_second": args.rate,
                "respect_quiet_hours": false
            })),
        )
        .await?;
    let id = created["id"].as_str().context("campaign id")?.to_owned();
    let cpu_before: f64 = args
        .server_pids
        .iter()
        .filter_map(|p| cpu_seconds(*p))
        .sum();
    api.call(
        reqwest::Method::POST,
        &format!("/campaigns/{id}/start"),
        None,
    )
    .await?;
    let started = Instant::now();
    println!("Campanha {id} iniciada a {}/s", args.rate);
    let mut killed = args.kill_pid.is_none();
    let final_state = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let c = api
            .call(reqwest::Method::GET, &format!("/campaigns/{id}"), None)
            .await;
        let Ok(c) = c else {
            continue; // a server being restarted
        };
        let counts = &c["counts"];
        let done = counts["sent"].as_i64().unwrap_or(0) + counts["unknown"].as_i64().unwrap_or(0);
        println!(
            "{:>5.0} s  {}  enviados {}  desconhecidos {}  na fila {}",
            started.elapsed().as_secs_f64(),
            c["status"].as_str().unwrap_or("?"),
            counts["sent"],
            counts["unknown"],
            counts["queued"]
        );
        if !killed && done as f64 >= args.kill_at * args.recipients as f64 {
            let pid = args.kill_pid.unwrap_or_default();
            println!("kill -9 {pid} com {done} enviados");
            std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()?;
            if let Some(restart) = &args.restart {
                std::process::Command::new("bash").arg(restart).status()?;
            }
            killed = true;
        }
        if c["status"] == "concluída" || c["status"] == "cancelada" || c["status"] == "pausada" {
            break c;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after: f64 = args
        .server_pids
        .iter()
        .filter_map(|p| cpu_seconds(*p))
        .sum();
    // The status webhooks the fake still owes settle the unknown sends.
    let mut stats: Value;
    let wait = Instant::now();
    loop {
        stats = reqwest::get(format!("{}/stats", args.graph))
            .await?
            .json()
            .await?;
        if stats["webhooks_owed"].as_u64() == Some(0) || wait.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let states: Vec<(String, i64)> = sqlx::query_as(
        "select state, count(*) from campaign_recipients where campaign_id = $1::uuid group by state order by 1",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await?;
    let phones: Vec<String> = sqlx::query_scalar(
        "select ltrim(phone, '+') from campaign_recipients where campaign_id = $1::uuid",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await?;
    let received: std::collections::HashSet<&str> = stats["recipients"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let left_out = phones
        .iter()
        .filter(|p| !received.contains(p.as_str()))
        .count();
    let per_second: Vec<u64> = stats["per_second"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    // Whole seconds after the first and before the last (a partial second at each end).
    let steady: Vec<u64> = per_second
        .iter()
        .copied()
        .skip(1)
        .take(per_second.len().saturating_sub(2))
        .collect();
    let limit = args.rate as f64;
    let within = steady
        .iter()
        .filter(|n| (**n as f64 - limit).abs() <= 0.02 * limit)
        .count();
    let accepted = stats["accepted"].as_u64().unwrap_or(0);
    let limited = stats["rate_limited"].as_u64().unwrap_or(0);
    println!(
        "\n== Resultado ({:.0} s, estado final {})",
        elapsed, final_state["status"]
    );
    println!("destinatários:           {}", phones.len());
    println!("estados no PostgreSQL:   {states:?}");
    println!("aceitos pela Graph API:  {accepted}");
    println!("duplicados:              {}", stats["duplicates"]);
    println!("deixados de fora:        {left_out}");
    println!(
        "130429:                  {limited} ({:.3} % das chamadas)",
        100.0 * limited as f64 / (accepted + limited).max(1) as f64
    );
    if !steady.is_empty() {
        println!(
            "por segundo (sem o 1º e o último): mín {} / máx {} / média {:.1}; {} de {} segundos dentro de ±2 % de {}",
            steady.iter().min().unwrap_or(&0),
            steady.iter().max().unwrap_or(&0),
            steady.iter().sum::<u64>() as f64 / steady.len() as f64,
            within,
            steady.len(),
            args.rate
        );
    }
    if !args.server_pids.is_empty() && args.kill_pid.is_none() {
        println!(
            "CPU dos servidores: {:.1} s, {:.2} s por 1 000 mensagens",
            cpu_after - cpu_before,
            (cpu_after - cpu_before) * 1000.0 / accepted.max(1) as f64
        );
    }
    Ok(())
}
