//! Loads the agent inbox the way browsers do, against a database seeded by
//! `bench/inbox/seed.sql` (100,000 conversations, 1,000,000 messages):
//!
//! 1. N agents, each its own signed-in session, loop for a fixed time (closed loop: the next
//!    request leaves when the previous answer arrived) over the first page of the list, a
//!    search and opening a conversation of 5,000 messages; latency per kind at p50/p95/p99.
//! 2. M websockets on the live feed; a private note is posted and the time until each socket
//!    receives its `message` event is measured, a few times over.
//!
//! See bench/README.md for how to run it and the figures measured.

use anyhow::{bail, Context};
use clap::Parser;
use futures::StreamExt;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, COOKIE, ORIGIN};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug)]
struct Args {
    /// Base URL of the platform (its PUBLIC_URL: the websocket's Origin is taken from it).
    #[arg(long, default_value = "http://127.0.0.1:3300")]
    url: String,
    /// Account every session signs in with (one that sees every conversation, without 2FA).
    #[arg(long, default_value = "demo@plataforma.com")]
    email: String,
    #[arg(long, default_value = "demo123")]
    password: String,
    /// Concurrent agents, each with its own session and connection.
    #[arg(long, default_value_t = 20)]
    agents: usize,
    /// Duration of the measured HTTP load in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of load before measuring (caches, connection pools), not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Words searched for in the list.
    #[arg(long, default_value = "fatura")]
    search: String,
    /// The conversation to open; by default the one of the contact "Cliente Longo".
    #[arg(long)]
    long_conversation: Option<uuid::Uuid>,
    /// Where to find the long conversation when it is not given.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/plataforma_bench_inbox"
    )]
    database_url: String,
    /// Websocket clients on the live feed (0 skips the fan-out).
    #[arg(long, default_value_t = 200)]
    sockets: usize,
    /// Events sent to the websocket clients.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

/// One browser: its cookie jar and connection, signed in.
struct Session {
    client: reqwest::Client,
    jar: Arc<Jar>,
    /// Base URL without the trailing slash.
    base: String,
    url: Url,
    /// The session's anti-CSRF token (the `omni_csrf` cookie), echoed in a header.
    csrf: String,
}

impl Session {
    /// Views the login page (which hands out the anti-CSRF cookie), then signs in.
    async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let url: Url = base.parse().context("--url inválida")?;
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        let mut session = Session {
            client,
            jar,
            base: base.to_owned(),
            url,
            csrf: String::new(),
        };
        let page = session
            .client
            .get(format!("{base}/entrar"))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .with_context(|| format!("{base} não respondeu"))?;
        let status = page.status();
        page.bytes().await?;
        if !status.is_success() {
            bail!("GET /entrar respondeu {status}");
        }
        let csrf = session
            .cookie("omni_csrf")
            .context("a página de login não entregou o cookie omni_csrf")?;
        let answer = session
            .client
            .post(format!("{base}/api/session/login"))
            .header("x-csrf-token", csrf)
            .form(&[("email", email), ("password", password)])
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if !status.is_success() {
            bail!("login de {email} recusado ({status}): {body}");
        }
        if serde_json::from_str::<Value>(&body).ok() != Some(json!("SignedIn")) {
            bail!("o login de {email} pede um segundo fator ({body}): use uma conta sem 2FA");
        }
        // The login rotated the anti-CSRF token: the session's own is in the jar now.
        session.csrf = session
            .cookie("omni_csrf")
            .context("o login não entregou o cookie omni_csrf")?;
        if session.cookie("omni_session").is_none() {
            bail!("o login não entregou o cookie omni_session");
        }
        Ok(session)
    }

    /// The `Cookie` header this browser sends.
    fn cookie_header(&self) -> Option<String> {
        let header = self.jar.cookies(&self.url)?;
        header.to_str().ok().map(str::to_owned)
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookie_header()?.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_owned())
        })
    }

    /// Calls a server function with a JSON body; returns the status and the whole body.
    async fn call(&self, endpoint: &str, body: &Value) -> anyhow::Result<(u16, Vec<u8>)> {
        let answer = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await?;
        Ok((status, body.to_vec()))
    }

    /// Calls and parses a successful JSON answer.
    async fn call_ok(&self, endpoint: &str, body: &Value) -> anyhow::Result<Value> {
        let (status, bytes) = self.call(endpoint, body).await?;
        if status != 200 {
            bail!(
                "{endpoint} respondeu {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        serde_json::from_slice(&bytes).with_context(|| format!("{endpoint}: resposta não é JSON"))
    }
}

/// What each agent asks for, in turn.
#[derive(Debug, Clone, Copy)]
enum Kind {
    FirstPage,
    Search,
    LongConversation,
}

const KINDS: [Kind; 3] = [Kind::FirstPage, Kind::Search, Kind::LongConversation];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::FirstPage => "primeira página",
            Kind::Search => "busca",
            Kind::LongConversation => "conversa longa",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Kind::FirstPage | Kind::Search => "inbox/list",
            Kind::LongConversation => "inbox/conversation",
        }
    }

    fn body(self, search: &str, long: uuid::Uuid) -> Value {
        match self {
            Kind::FirstPage => json!({"query": {"tab": "all", "limit": 40}}),
            Kind::Search => json!({"query": {"tab": "all", "search": search, "limit": 40}}),
            Kind::LongConversation => json!({"id": long}),
        }
    }
}

struct Sample {
    kind: usize,
    millis: f64,
    ok: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn find_long_conversation(database_url: &str) -> anyhow::Result<uuid::Uuid> {
    let pool = sqlx::PgPool::connect(database_url)
        .await
        .with_context(|| format!("sem acesso a {database_url} (passe --long-conversation)"))?;
    let id = sqlx::query_scalar::<_, uuid::Uuid>(
        "select c.id from conversations c join contacts ct on ct.id = c.contact_id
         where ct.name = 'Cliente Longo' order by c.created_at limit 1",
    )
    .fetch_optional(&pool)
    .await?;
    pool.close().await;
    id.context(
        "nenhuma conversa do contato 'Cliente Longo': rode bench/inbox/seed.sql antes \
         (ou passe --long-conversation)",
    )
}

/// One request of each kind, to check the seed is there and the account sees it.
async fn check(session: &Session, search: &str, long: uuid::Uuid) -> anyhow::Result<()> {
    let page = session
        .call_ok("inbox/list", &Kind::FirstPage.body(search, long))
        .await?;
    let found = session
        .call_ok("inbox/list", &Kind::Search.body(search, long))
        .await?;
    let detail = session
        .call_ok(
            "inbox/conversation",
            &Kind::LongConversation.body(search, long),
        )
        .await?;
    let rows = |v: &Value| v["rows"].as_array().map_or(0, Vec::len);
    println!(
        "primeira página: {} conversas; busca \"{search}\": {} conversas{}; conversa longa: {} mensagens carregadas{}",
        rows(&page),
        rows(&found),
        if found["next"].is_null() { "" } else { " (há mais páginas)" },
        detail["messages"].as_array().map_or(0, Vec::len),
        if detail["has_earlier"] == true { " (há anteriores)" } else { "" },
    );
    if rows(&page) == 0 {
        bail!("a lista está vazia: rode bench/inbox/seed.sql antes");
    }
    Ok(())
}

async fn http_load(
    sessions: Vec<Session>,
    args: &Args,
    long: uuid::Uuid,
) -> anyhow::Result<Vec<Sample>> {
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let until = measure_from + Duration::from_secs(args.seconds);
    let bodies: Arc<Vec<Value>> =
        Arc::new(KINDS.iter().map(|k| k.body(&args.search, long)).collect());
    let first_error: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let mut tasks = Vec::with_capacity(sessions.len());
    for (agent, session) in sessions.into_iter().enumerate() {
        let bodies = bodies.clone();
        let first_error = first_error.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            // Agents start on different kinds, so the mix is even from the first second.
            let mut turn = agent;
            while Instant::now() < until {
                let kind = turn % KINDS.len();
                turn += 1;
                let t0 = Instant::now();
                let result = session.call(KINDS[kind].endpoint(), &bodies[kind]).await;
                let millis = t0.elapsed().as_secs_f64() * 1000.0;
                let ok = matches!(result, Ok((200, _)));
                if !ok {
                    let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                    if first.is_none() {
                        *first = Some(match result {
                            Ok((status, body)) => format!(
                                "{}: {status} {}",
                                KINDS[kind].label(),
                                String::from_utf8_lossy(&body)
                            ),
                            Err(e) => format!("{}: {e:#}", KINDS[kind].label()),
                        });
                    }
                }
                if t0 >= measure_from {
                    samples.push(Sample { kind, millis, ok });
                }
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await?);
    }
    let error = first_error.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(e) = error {
        println!("primeiro erro: {e}");
    }
    Ok(samples)
}

fn report_http(samples: &[Sample], args: &Args) -> Option<f64> {
    println!(
        "\n== HTTP: {} atendentes, {} s medidos (após {} s de aquecimento)",
        args.agents, args.seconds, args.warmup
    );
    println!(
        "{:<16} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>6}",
        "pedido", "total", "/s", "p50 ms", "p95 ms", "p99 ms", "máx ms", "erros"
    );
    let mut first_page_p95 = None;
    for (i, kind) in KINDS.iter().enumerate() {
        let of_kind: Vec<&Sample> = samples.iter().filter(|s| s.kind == i).collect();
        let errors = of_kind.iter().filter(|s| !s.ok).count();
        let mut ms: Vec<f64> = of_kind.iter().map(|s| s.millis).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let p95 = percentile(&ms, 0.95);
        if matches!(kind, Kind::FirstPage) {
            first_page_p95 = Some(p95);
        }
        println!(
            "{:<16} {:>8} {:>7.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>6}",
            kind.label(),
            ms.len(),
            ms.len() as f64 / args.seconds.max(1) as f64,
            percentile(&ms, 0.5),
            p95,
            percentile(&ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN),
            errors
        );
    }
    first_page_p95
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

enum Event {
    Ready {
        connect: Duration,
    },
    Failed {
        error: String,
    },
    Message {
        socket: usize,
        id: String,
        at: Instant,
    },
}

/// Opens the live feed with the session's cookies and waits for its `hello`.
async fn open_feed(url: &str, cookie: &str, origin: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert(COOKIE, HeaderValue::from_str(cookie)?);
    request
        .headers_mut()
        .insert(ORIGIN, HeaderValue::from_str(origin)?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let event: Value = serde_json::from_str(text.as_str())?;
                if event["type"] == "hello" {
                    return Ok(socket);
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(None) => bail!("o servidor fechou o socket antes do hello"),
            Err(_) => bail!("nenhum hello em 10 s"),
        }
    }
}

/// One websocket client: reports when it is ready, then every `message` event it receives.
async fn feed_client(
    socket: usize,
    url: String,
    cookie: String,
    origin: String,
    events: mpsc::UnboundedSender<Event>,
) {
    let t0 = Instant::now();
    let mut ws = match open_feed(&url, &cookie, &origin).await {
        Ok(ws) => ws,
        Err(e) => {
            let _ = events.send(Event::Failed {
                error: format!("{e:#}"),
            });
            return;
        }
    };
    let _ = events.send(Event::Ready {
        connect: t0.elapsed(),
    });
    while let Some(frame) = ws.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(_) => continue,
            Err(_) => return,
        };
        let at = Instant::now();
        let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        if event["type"] == "message" {
            if let Some(id) = event["message_id"].as_str() {
                let _ = events.send(Event::Message {
                    socket,
                    id: id.to_owned(),
                    at,
                });
            }
        }
    }
}

fn summary(ms: &mut [f64]) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.1} / p95 {:.1} / máx {:.1} ms",
        percentile(ms, 0.5),
        percentile(ms, 0.95),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}

async fn fan_out(args: &Args, long: uuid::Uuid) -> anyhow::Result<()> {
    let base = args.url.trim_end_matches('/');
    let session = Session::sign_in(base, &args.email, &args.password).await?;
    let cookie = session
        .cookie_header()
        .context("sessão sem cookies para o websocket")?;
    let origin = session.url.origin().ascii_serialization();
    let ws_url = match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}/ws/inbox"),
        Some((_, rest)) => format!("ws://{rest}/ws/inbox"),
        None => bail!("--url sem esquema: {base}"),
    };
    println!(
        "\n== Websocket: {} clientes em {ws_url}, {} eventos",
        args.sockets, args.rounds
    );
    let (tx, mut rx) = mpsc::unbounded_channel();
    let opening = Instant::now();
    let clients: Vec<_> = (0..args.sockets)
        .map(|i| {
            tokio::spawn(feed_client(
                i,
                ws_url.clone(),
                cookie.clone(),
                origin.clone(),
                tx.clone(),
            ))
        })
        .collect();
    drop(tx);

    let mut connect_ms = Vec::new();
    let mut failures = 0usize;
    let mut first_failure = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while connect_ms.len() + failures < args.sockets {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Event::Ready { connect })) => connect_ms.push(connect.as_secs_f64() * 1000.0),
            Ok(Some(Event::Failed { error })) => {
                failures += 1;
                first_failure.get_or_insert(error);
            }
            Ok(Some(Event::Message { .. })) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let connected = connect_ms.len();
    println!(
        "conectados: {connected} de {} em {:.2} s (conexão até o hello: {}){}",
        args.sockets,
        opening.elapsed().as_secs_f64(),
        summary(&mut connect_ms),
        first_failure
            .map(|e| format!("; primeira falha: {e}"))
            .unwrap_or_default()
    );
    if connected == 0 {
        bail!("nenhum websocket conectou");
    }

    let mut all = Vec::new();
    let mut received_total = 0usize;
    for round in 1..=args.rounds {
        let body = json!({
            "conversation": long,
            "text": format!("bench {round}"),
            "note": true,
            "client_id": uuid::Uuid::new_v4().to_string(),
        });
        let t0 = Instant::now();
        let sent = session.call_ok("inbox/send", &body).await?;
        let post_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let id = sent["id"]
            .as_str()
            .context("inbox/send não devolveu o id da mensagem")?
            .to_owned();
        let mut arrivals: HashMap<usize, f64> = HashMap::new();
        let deadline = tokio::time::Instant::from_std(t0 + Duration::from_secs(10));
        while arrivals.len() < connected {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Event::Message {
                    socket,
                    id: got,
                    at,
                })) if got == id => {
                    arrivals
                        .entry(socket)
                        .or_insert_with(|| at.saturating_duration_since(t0).as_secs_f64() * 1000.0);
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let mut ms: Vec<f64> = arrivals.into_values().collect();
        received_total += ms.len();
        all.extend_from_slice(&ms);
        println!(
            "evento {round}: recebido por {} de {connected}; POST {post_ms:.1} ms; {}",
            ms.len(),
            summary(&mut ms)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "todos os eventos: {received_total} de {} entregas; {}",
        connected * args.rounds,
        summary(&mut all)
    );
    for client in clients {
        client.abort();
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.agents == 0 {
        bail!("--agents deve ser ao menos 1");
    }
    let base = args.url.trim_end_matches('/').to_owned();
    let long = match args.long_conversation {
        Some(id) => id,
        None => find_long_conversation(&args.database_url).await?,
    };
    println!(
        "Entrando com {} sessões de {} em {base}",
        args.agents, args.email
    );
    // One after the other: parallel attempts would all count against the login throttle first.
    let mut sessions = Vec::with_capacity(args.agents);
    for _ in 0..args.agents {
        sessions.push(Session::sign_in(&base, &args.email, &args.password).await?);
    }
    check(&sessions[0], &args.search, long).await?;
    let samples = http_load(sessions, &args, long).await?;
    if let Some(p95) = report_http(&samples, &args) {
        println!(
            "meta da primeira página (p95 < 50 ms): {}",
            if p95 < 50.0 {
                "atingida"
            } else {
                "NÃO atingida"
            }
        );
    }
    if args.sockets > 0 && args.rounds > 0 {
        fan_out(&args, long).await?;
    }
    Ok(())
}
