//! The website chat API: origins, visitors, messages both ways, live events, no private notes.

use crate::common::{spawn_channel_app, Api, TestApp};
use backend::channels::{Channel, ChannelSecrets, ChannelSettings};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::dto::WebchatSettings;
use shared::messaging::ChannelKind;
use shared::ChannelId;

const SITE: &str = "https://loja.exemplo.com.br";

async fn webchat_channel(app: &TestApp) -> ChannelId {
    let id = ChannelId(uuid::Uuid::new_v4());
    let channel = Channel {
        id,
        kind: ChannelKind::Webchat,
        name: "Site".into(),
        external_id: None,
        settings: ChannelSettings {
            business_account_id: None,
            webchat: Some(WebchatSettings {
                allowed_origins: vec![SITE.into()],
                ..WebchatSettings::default()
            }),
            simulated: false,
        },
        secrets: ChannelSecrets::default(),
        default_team_id: None,
        active: true,
        created_at: chrono::Utc::now(),
        bot_flow: None,
    };
    backend::channels::save(&app.state.pool, &app.state.secrets, &channel)
        .await
        .unwrap();
    app.state.channels.invalidate().await;
    id
}

struct Visitor {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Visitor {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("origin", SITE)
            .bearer_auth(&self.token)
    }
}

async fn new_visitor(app: &TestApp, channel: ChannelId) -> Visitor {
    let client = reqwest::Client::new();
    let base = format!("{}/webchat/v1/{channel}", app.address);
    let r = client
        .post(format!("{base}/visitors"))
        .header("origin", SITE)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["access-control-allow-origin"], SITE);
    let body: Value = r.json().await.unwrap();
    Visitor {
        base,
        token: body["token"].as_str().unwrap().to_owned(),
        client,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_listed_origins_may_use_the_chat() {
    let (app, _graph) = spawn_channel_app().await;
    let channel = webchat_channel(&app).await;
    let client = reqwest::Client::new();
    let config = format!("{}/webchat/v1/{channel}/config", app.address);
    let ok = client
        .get(&config)
        .header("origin", SITE)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], SITE);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["greeting"], "Olá! Como podemos ajudar?");
    for origin in [Some("https://intruso.example"), None] {
        let mut r = client.get(&config);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{origin:?}");
        let error: Value = r.json().await.unwrap();
        assert_eq!(
            error["message"],
            "Este site não está autorizado a usar este chat."
        );
    }
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/webchat/v1/{channel}/messages", app.address),
        )
        .header("origin", SITE)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));
    let unknown = client
        .get(format!(
            "{}/webchat/v1/{}/config",
            app.address,
            uuid::Uuid::new_v4()
        ))
        .header("origin", SITE)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_messages_are_stored_once_and_replies_come_back_live() {
    let (app, _graph) = spawn_channel_app().await;
    let channel = webchat_channel(&app).await;
    let visitor = new_visitor(&app, channel).await;
    let events = visitor
        .request(reqwest::Method::GET, "/events")
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert!(events.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut stream = events.bytes_stream();

    let message = json!({"text": "<script>alert(1)</script> Oi", "client_id": "c-1"});
    for _ in 0..2 {
        let r = visitor
            .request(reqwest::Method::POST, "/messages")
            .json(&message)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    assert_eq!(
        app.count("select count(*) from messages").await,
        1,
        "same client_id, one message"
    );
    let stored: String = sqlx::query_scalar("select body from messages")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(
        stored, "<script>alert(1)</script> Oi",
        "kept as typed; shown as text"
    );

    let conversation: uuid::Uuid = sqlx::query_scalar("select id from conversations")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let api = Api::new(&app).await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let note = json!({"message": {"type": "note", "text": "Cliente VIP — não mostrar"}});
    assert_eq!(api.post(&path, &note).await.status(), StatusCode::CREATED);
    let reply = api
        .post(&path, &json!({"text": "Olá! Sou a Juliana."}))
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(reply.json::<Value>().await.unwrap()["status"], "sent");

    // The live stream carries the visitor's message and the reply, never the note.
    let mut seen = String::new();
    let read = async {
        while !seen.contains("Sou a Juliana") {
            let chunk = stream.next().await.unwrap().unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(15), read)
        .await
        .expect("the reply arrives on the event stream");
    assert!(seen.contains("event: message"));
    assert!(!seen.contains("VIP"));

    let history: Value = visitor
        .request(reqwest::Method::GET, "/messages?after=0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["<script>alert(1)</script> Oi", "Olá! Sou a Juliana."]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_leave_a_name_and_email_and_bad_input_is_explained() {
    let (app, _graph) = spawn_channel_app().await;
    let channel = webchat_channel(&app).await;
    let visitor = new_visitor(&app, channel).await;
    let bad = visitor
        .request(reqwest::Method::POST, "/profile")
        .json(&json!({"name": "Ana", "email": "não-é-email"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("e-mail válido"));
    let ok = visitor
        .request(reqwest::Method::POST, "/profile")
        .json(&json!({"name": "Ana Souza", "email": "ana@exemplo.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(
            "select count(*) from contacts where name = 'Ana Souza' and email = 'ana@exemplo.com'"
        )
        .await,
        1
    );

    for body in [
        json!({"text": "", "client_id": "a"}),
        json!({"client_id": "b"}),
        json!({"text": "x".repeat(5000), "client_id": "c"}),
    ] {
        let r = visitor
            .request(reqwest::Method::POST, "/messages")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let stranger = reqwest::Client::new()
        .get(format!("{}/messages", visitor.base))
        .header("origin", SITE)
        .bearer_auth("token-inventado")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("select count(*) from messages").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embeddable_script_is_served() {
    let (app, _graph) = spawn_channel_app().await;
    let r = reqwest::get(format!("{}/webchat.js", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let script = r.text().await.unwrap();
    assert!(script.contains("data-channel"));
    // Joined from its parts with the stylesheet inside, and the server's own limit filled in.
    assert!(script.contains(":host { all: initial; }"));
    assert!(!script.contains("/*@STYLE@*/"));
    assert!(script.contains(&format!(
        "const MAX_TEXT = {};",
        shared::messaging::limits::WEBCHAT_TEXT_CHARS
    )));
    assert!(!script.contains("__WEBCHAT_MAX_TEXT__"));
}

/// One address (an IPv6 network counts by its /64) gets a bounded number of new visitors and
/// messages: past it, 429 with `Retry-After` and a sentence the widget can show; another
/// network is not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_visitors_are_limited_per_address() {
    let mut config =
        crate::common::channel_config(&crate::common::fake_graph::FakeGraph::start().await);
    config.trust_forwarded_for = true;
    let app = crate::common::spawn_app_with(config).await;
    let channel = webchat_channel(&app).await;
    let create = |from: &'static str| {
        let url = format!("{}/webchat/v1/{channel}/visitors", app.address);
        async move {
            reqwest::Client::new()
                .post(url)
                .header("origin", SITE)
                .header("x-forwarded-for", from)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
        }
    };
    let limit = shared::ratelimit::WEBCHAT_VISITORS.max as usize;
    for i in 0..limit {
        // Two addresses of one /64: the same client.
        let from = if i % 2 == 0 {
            "2804:14c:5b:8e00::1"
        } else {
            "2804:14c:5b:8e00::2"
        };
        assert_eq!(
            create(from).await.status(),
            StatusCode::CREATED,
            "visitor {i}"
        );
    }
    let r = create("2804:14c:5b:8e00::3").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        SITE,
        "the widget reads it"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("Muitas requisições deste endereço em pouco tempo."));
    assert_eq!(
        create("2804:14c:5b:8e01::1").await.status(),
        StatusCode::CREATED,
        "another network is its own client"
    );

    // Messages, per address too.
    let visitor = new_visitor(&app, channel).await;
    let mut last = StatusCode::OK;
    for i in 0..=shared::ratelimit::WEBCHAT_MESSAGES.max {
        last = visitor
            .request(reqwest::Method::POST, "/messages")
            .header("x-forwarded-for", "200.160.2.3")
            .json(&json!({"text": format!("mensagem {i}"), "client_id": format!("c{i}")}))
            .send()
            .await
            .unwrap()
            .status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                i,
                shared::ratelimit::WEBCHAT_MESSAGES.max,
                "refused only past the limit"
            );
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// The live stream opens with a one-time ticket (an EventSource cannot send headers): the
/// visitor's token never goes in a URL, a ticket works once, and a token in the URL is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_opens_with_a_one_time_ticket_never_the_token_in_the_url() {
    let (app, _graph) = spawn_channel_app().await;
    let channel = webchat_channel(&app).await;
    let visitor = new_visitor(&app, channel).await;
    let r = visitor
        .request(reqwest::Method::POST, "/stream-ticket")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], SITE);
    let ticket = r.json::<Value>().await.unwrap()["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = |query: String| {
        let url = format!("{}/events?{query}", visitor.base);
        async move {
            reqwest::Client::new()
                .get(url)
                .header("origin", SITE)
                .send()
                .await
                .unwrap()
        }
    };
    let first = open(format!("ticket={ticket}&after=0")).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    drop(first);
    assert_eq!(
        open(format!("ticket={ticket}&after=0")).await.status(),
        StatusCode::UNAUTHORIZED,
        "a ticket works once"
    );
    assert_eq!(
        open(format!("token={}&after=0", visitor.token))
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the token in a URL is not accepted"
    );
    app.stop().await;
}

/// A visitor unseen for longer than the idle time is gone: their token no longer works (the
/// widget then starts anew), and a visitor seen recently keeps theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_idle_too_long_loses_their_token() {
    let (app, _graph) = spawn_channel_app().await;
    let channel = webchat_channel(&app).await;
    let old = new_visitor(&app, channel).await;
    let recent = new_visitor(&app, channel).await;
    sqlx::query(
        "update webchat_visitors set last_seen_at = now() - interval '31 days'
         where id = (select id from webchat_visitors order by created_at limit 1)",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    let history = |v: &Visitor| v.request(reqwest::Method::GET, "/messages").send();
    assert_eq!(
        history(&old).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(history(&recent).await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}
