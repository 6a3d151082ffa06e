//! A local stand-in for Meta's Graph API. It checks each request against the shapes Meta
//! documents (docs/meta-protocol.md), records it, and answers either like Meta does on success
//! or with the scripted failure a test asked for (429, 500, 400 with Meta's error bodies).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub const VERSION: &str = "v24.0";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const WHATSAPP_TOKEN: &str = "token-whatsapp-de-teste";
pub const PAGE_ID: &str = "1234567890123";
pub const PAGE_TOKEN: &str = "token-pagina-de-teste";
pub const INSTAGRAM_ID: &str = "17841400000000001";
pub const INSTAGRAM_TOKEN: &str = "token-instagram-de-teste";
pub const MEDIA_ID: &str = "1003383421387256";
/// The document of `whatsapp/document.json`: a customer's HTML page with a script.
pub const HTML_MEDIA_ID: &str = "622684793477189";
pub const HTML_MEDIA: &str = "<html><script>fetch('/api/users/list')</script></html>";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub bearer: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    /// Answers for the next sends, in order; empty means success.
    script: VecDeque<(u16, Value)>,
    sent: u64,
    /// Templates created through `POST /{waba}/message_templates`, listed after the fixed ones.
    templates: Vec<Value>,
}

#[derive(Clone)]
pub struct FakeGraph {
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

/// Meta's error body.
pub fn meta_error(code: i64, message: &str, details: &str) -> Value {
    json!({"error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "AazzFakeTrace"
    }})
}

impl FakeGraph {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeGraph {
            base_url: base_url.clone(),
            inner: inner.clone(),
        };
        let app = Router::new()
            .route("/{version}/{node}/messages", post(send))
            .route("/{version}/{node}", get(node))
            .route(
                "/{version}/{node}/message_templates",
                get(templates).post(create_template).delete(delete_template),
            )
            .route("/media-download/{id}", get(download))
            .with_state(fake.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        fake
    }

    /// The next sends answer these, in order.
    pub fn fail_next(&self, answers: impl IntoIterator<Item = (u16, Value)>) {
        self.inner.lock().unwrap().script.extend(answers);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Recorded POSTs to a `/messages` endpoint.
    pub fn sends(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .collect()
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

fn invalid(details: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(meta_error(100, "(#100) Invalid parameter", details)),
    )
        .into_response()
}

fn token_for(node: &str) -> Option<&'static str> {
    match node {
        PHONE_NUMBER_ID => Some(WHATSAPP_TOKEN),
        "me" => None, // checked against either page token below
        _ => None,
    }
}

fn chars(v: &Value) -> usize {
    v.as_str().map(|s| s.chars().count()).unwrap_or(usize::MAX)
}

/// The WhatsApp Cloud API's documented request shapes.
fn check_whatsapp(body: &Value) -> Result<(), String> {
    if body["messaging_product"] != "whatsapp" {
        return Err("messaging_product must be whatsapp".into());
    }
    if body.get("status").is_some() {
        return match (body["status"].as_str(), body["message_id"].as_str()) {
            (Some("read"), Some(_)) => Ok(()),
            _ => Err("read receipts need status=read and message_id".into()),
        };
    }
    if !body["to"].is_string() {
        return Err("to is required".into());
    }
    match body["type"].as_str() {
        Some("text") => {
            if chars(&body["text"]["body"]) > 4096 {
                return Err("text.body is required (at most 4096 characters)".into());
            }
        }
        Some("interactive") => {
            let i = &body["interactive"];
            if !i["body"]["text"].is_string() {
                return Err("interactive.body.text is required".into());
            }
            match i["type"].as_str() {
                Some("button") => {
                    let buttons = i["action"]["buttons"]
                        .as_array()
                        .ok_or("buttons required")?;
                    if buttons.is_empty() || buttons.len() > 3 {
                        return Err("1 to 3 buttons".into());
                    }
                    for b in buttons {
                        if b["type"] != "reply"
                            || chars(&b["reply"]["title"]) > 20
                            || !b["reply"]["id"].is_string()
                        {
                            return Err("each button: type reply, id, title up to 20".into());
                        }
                    }
                }
                Some("list") => {
                    if chars(&i["action"]["button"]) > 20 {
                        return Err("action.button up to 20".into());
                    }
                    let sections = i["action"]["sections"]
                        .as_array()
                        .ok_or("sections required")?;
                    let rows: Vec<&Value> = sections
                        .iter()
                        .flat_map(|s| s["rows"].as_array().into_iter().flatten())
                        .collect();
                    if rows.is_empty() || rows.len() > 10 {
                        return Err("1 to 10 rows".into());
                    }
                    if rows
                        .iter()
                        .any(|r| chars(&r["title"]) > 24 || !r["id"].is_string())
                    {
                        return Err("each row: id and title up to 24".into());
                    }
                }
                _ => return Err("interactive.type must be button or list".into()),
            }
        }
        Some("template") => {
            let t = &body["template"];
            if !t["name"].is_string() || !t["language"]["code"].is_string() {
                return Err("template.name and template.language.code are required".into());
            }
        }
        other => return Err(format!("unsupported type {other:?}")),
    }
    Ok(())
}

/// The Messenger/Instagram Send API's documented request shapes.
fn check_messenger(body: &Value) -> Result<(), String> {
    if !body["recipient"]["id"].is_string() {
        return Err("recipient.id is required".into());
    }
    if body.get("sender_action").is_some() {
        return Ok(());
    }
    match body["messaging_type"].as_str() {
        Some("RESPONSE") | Some("UPDATE") => {}
        Some("MESSAGE_TAG") if body["tag"] == "HUMAN_AGENT" => {}
        _ => return Err("messaging_type RESPONSE, UPDATE or MESSAGE_TAG with a tag".into()),
    }
    let m = &body["message"];
    if !m["text"].is_string() && !m["attachment"].is_object() {
        return Err("message.text or message.attachment is required".into());
    }
    if let Some(q) = m.get("quick_replies") {
        let q = q.as_array().ok_or("quick_replies must be a list")?;
        if q.len() > 13 || q.iter().any(|r| chars(&r["title"]) > 20) {
            return Err("at most 13 quick replies, titles up to 20".into());
        }
    }
    Ok(())
}

async fn send(
    State(fake): State<FakeGraph>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = bearer(&headers);
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut inner = fake.inner.lock().unwrap();
    inner.requests.push(Recorded {
        method: "POST".into(),
        path: format!("/{version}/{node}/messages"),
        bearer: token.clone(),
        body: parsed.clone(),
    });
    if version != VERSION {
        return invalid("unknown version");
    }
    let expected = token_for(&node);
    let token_ok = match expected {
        Some(t) => token.as_deref() == Some(t),
        None => matches!(token.as_deref(), Some(PAGE_TOKEN) | Some(INSTAGRAM_TOKEN)),
    };
    if !token_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(meta_error(190, "Invalid OAuth access token.", "")),
        )
            .into_response();
    }
    let shape = if node == PHONE_NUMBER_ID {
        check_whatsapp(&parsed)
    } else if node == "me" {
        check_messenger(&parsed)
    } else {
        Err(format!("unknown node {node}"))
    };
    if let Err(details) = shape {
        return invalid(&details);
    }
    if let Some((status, body)) = inner.script.pop_front() {
        return (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    }
    inner.sent += 1;
    let n = inner.sent;
    if node == PHONE_NUMBER_ID {
        if parsed.get("status").is_some() {
            return Json(json!({"success": true})).into_response();
        }
        let to = parsed["to"].clone();
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": format!("wamid.FAKE{n}")}]
        }))
        .into_response()
    } else {
        if parsed.get("sender_action").is_some() {
            return Json(json!({"recipient_id": parsed["recipient"]["id"]})).into_response();
        }
        Json(json!({"recipient_id": parsed["recipient"]["id"], "message_id": format!("m_FAKE{n}")}))
            .into_response()
    }
}

async fn node(
    State(fake): State<FakeGraph>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    fake.inner.lock().unwrap().requests.push(Recorded {
        method: "GET".into(),
        path: format!("/{version}/{node}"),
        bearer: token.clone(),
        body: Value::Null,
    });
    let unauthorized = || {
        (
            StatusCode::UNAUTHORIZED,
            Json(meta_error(190, "Invalid OAuth access token.", "")),
        )
            .into_response()
    };
    match node.as_str() {
        PHONE_NUMBER_ID if token.as_deref() == Some(WHATSAPP_TOKEN) => Json(json!({
            "display_phone_number": "+1 555-078-3881",
            "verified_name": "Companhia de Saneamento Demo",
            "id": PHONE_NUMBER_ID
        }))
        .into_response(),
        MEDIA_ID if token.as_deref() == Some(WHATSAPP_TOKEN) => Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/media-download/{MEDIA_ID}", fake.base_url),
            "mime_type": "image/jpeg",
            "sha256": "abc",
            "file_size": 4,
            "id": MEDIA_ID
        }))
        .into_response(),
        HTML_MEDIA_ID if token.as_deref() == Some(WHATSAPP_TOKEN) => Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/media-download/{HTML_MEDIA_ID}", fake.base_url),
            "mime_type": "text/html",
            "sha256": "abc",
            "file_size": HTML_MEDIA.len(),
            "id": HTML_MEDIA_ID
        }))
        .into_response(),
        "me" if token.as_deref() == Some(PAGE_TOKEN) => {
            Json(json!({"id": PAGE_ID, "name": "Página Demo"})).into_response()
        }
        _ => unauthorized(),
    }
}

async fn download(
    State(fake): State<FakeGraph>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    fake.inner.lock().unwrap().requests.push(Recorded {
        method: "GET".into(),
        path: format!("/media-download/{id}"),
        bearer: bearer(&headers),
        body: Value::Null,
    });
    if bearer(&headers).as_deref() != Some(WHATSAPP_TOKEN) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if id == HTML_MEDIA_ID {
        return ([("content-type", "text/html")], HTML_MEDIA).into_response();
    }
    if id != MEDIA_ID {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    (
        [("content-type", "image/jpeg")],
        vec![0xFFu8, 0xD8, 0xFF, 0xD9],
    )
        .into_response()
}

/// `GET /{waba-id}/message_templates`: two approved templates and one pending.
async fn templates(
    State(fake): State<FakeGraph>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    fake.inner.lock().unwrap().requests.push(Recorded {
        method: "GET".into(),
        path: format!("/{version}/{node}/message_templates"),
        bearer: token.clone(),
        body: Value::Null,
    });
    if token.as_deref() != Some(WHATSAPP_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(meta_error(190, "Invalid OAuth access token.", "")),
        )
            .into_response();
    }
    let created = fake.inner.lock().unwrap().templates.clone();
    let mut data = vec![
        json!({"name": "retomar_atendimento", "language": "pt_BR", "status": "APPROVED",
         "category": "UTILITY", "id": "1",
         "components": [{"type": "BODY",
            "text": "Olá {{1}}! Sobre o seu atendimento {{2}}: podemos continuar por aqui?"}]}),
        json!({"name": "fatura_disponivel", "language": "pt_BR", "status": "APPROVED",
         "category": "UTILITY", "id": "2",
         "components": [{"type": "BODY", "text": "Sua fatura já está disponível."}]}),
        json!({"name": "promocao", "language": "pt_BR", "status": "PENDING",
         "category": "MARKETING", "id": "3",
         "components": [{"type": "BODY", "text": "Oferta {{1}}"}]}),
    ];
    data.extend(created);
    Json(json!({"data": data, "paging": {"cursors": {}}})).into_response()
}

/// `POST /{waba}/message_templates` as Meta checks it: a name in `[a-z0-9_]`, a category, a
/// language, a BODY, and an example for each positional body parameter.
async fn create_template(
    State(fake): State<FakeGraph>,
    Path((version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let token = bearer(&headers);
    let mut inner = fake.inner.lock().unwrap();
    inner.requests.push(Recorded {
        method: "POST".into(),
        path: format!("/{version}/{node}/message_templates"),
        bearer: token.clone(),
        body: body.clone(),
    });
    if token.as_deref() != Some(WHATSAPP_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(meta_error(190, "Invalid OAuth access token.", "")),
        )
            .into_response();
    }
    if let Some((status, answer)) = inner.script.pop_front() {
        return (StatusCode::from_u16(status).unwrap(), Json(answer)).into_response();
    }
    let name = body["name"].as_str().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return invalid("name must be lowercase alphanumerics and underscores");
    }
    if !matches!(
        body["category"].as_str(),
        Some("MARKETING" | "UTILITY" | "AUTHENTICATION")
    ) {
        return invalid("category must be MARKETING, UTILITY or AUTHENTICATION");
    }
    if body["language"].as_str().is_none_or(str::is_empty) {
        return invalid("language is required");
    }
    let components = body["components"].as_array().cloned().unwrap_or_default();
    let Some(text) = components
        .iter()
        .find(|c| c["type"] == "BODY")
        .and_then(|c| c["text"].as_str())
    else {
        return invalid("a BODY component is required");
    };
    let positional = text.contains("{{1}}");
    let examples = components
        .iter()
        .find(|c| c["type"] == "BODY")
        .map(|c| c["example"]["body_text"][0].clone());
    if positional && examples.is_none_or(|e| !e.is_array()) {
        return invalid("example.body_text is required for parameters");
    }
    let id = format!(
        "{}",
        900_000_000_000_000u64 + inner.templates.len() as u64 + 1
    );
    inner
        .templates
        .push(json!({"id": id, "name": name, "language": body["language"],
        "status": "PENDING", "category": body["category"], "components": components}));
    Json(json!({"id": id, "status": "PENDING", "category": body["category"]})).into_response()
}

/// `DELETE /{waba}/message_templates?hsm_id=…&name=…`.
async fn delete_template(
    State(fake): State<FakeGraph>,
    Path((version, node)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    let mut inner = fake.inner.lock().unwrap();
    inner.requests.push(Recorded {
        method: "DELETE".into(),
        path: format!("/{version}/{node}/message_templates"),
        bearer: token.clone(),
        body: json!(q),
    });
    if token.as_deref() != Some(WHATSAPP_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(meta_error(190, "Invalid OAuth access token.", "")),
        )
            .into_response();
    }
    let Some(name) = q.get("name") else {
        return invalid("name is required");
    };
    let before = inner.templates.len();
    inner.templates.retain(|t| {
        t["name"].as_str() != Some(name.as_str())
            || q.get("hsm_id")
                .is_some_and(|id| t["id"].as_str() != Some(id.as_str()))
    });
    if inner.templates.len() == before {
        return (
            StatusCode::NOT_FOUND,
            Json(meta_error(100, "Template not found", "")),
        )
            .into_response();
    }
    Json(json!({"success": true})).into_response()
}
