//! The REST API: bearer tokens, contacts, conversations, channels, OpenAPI, JSON errors.

use crate::common::{fixture, spawn_channel_app, Api, NOT_DEMO_FIXTURE};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_live_token_are_refused_in_json() {
    let (app, _graph) = spawn_channel_app().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/contacts", app.address);
    for auth in [None, Some("Bearer omni_inventado"), Some("Basic abc")] {
        let mut r = client.get(&url);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "unauthenticated");
        assert!(body["message"].as_str().unwrap().contains("Token de API"));
    }
    let api = Api::new(&app).await;
    assert_eq!(api.get("/api/v1/contacts").await.status(), StatusCode::OK);
    let id: uuid::Uuid = sqlx::query_scalar("select id from api_tokens")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    backend::services::api_tokens::revoke_by_command(&app.state, shared::ApiTokenId(id))
        .await
        .unwrap();
    assert_eq!(
        api.get("/api/v1/contacts").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Stored hashed: the secret itself is nowhere in the database.
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from api_tokens where encode(token_hash, 'escape') like '%' || $1 || '%'",
    )
    .bind(&api.token)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_created_validated_updated_searched_and_merged() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let bad = api
        .post(
            "/api/v1/contacts",
            &json!({"name": "Ana", "cpf": "111.111.111-12"}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["code"], "invalid_value");
    assert_eq!(error["message"], "CPF inválido: confira os 11 dígitos.");
    let r = api
        .post(
            "/api/v1/contacts",
            &json!({"name": "Ana Cliente", "phone": "(11) 98765-4321",
            "cpf": "529.982.247-25", "attributes": {"plano": "residencial"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["phone"], "+5511987654321");
    assert_eq!(created["cpf"], "52998224725");
    let id = created["id"].as_str().unwrap();

    let updated: Value = api
        .patch(
            &format!("/api/v1/contacts/{id}"),
            &json!({"email": "ana@exemplo.com", "cpf": ""}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["email"], "ana@exemplo.com");
    assert_eq!(updated["cpf"], Value::Null);
    assert_eq!(updated["name"], "Ana Cliente", "absent fields are kept");

    // Part of her number (the demo's in-debt fixtures are (11) 98765-000x).
    let found: Value = api
        .get("/api/v1/contacts?q=987654321")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"].as_array().unwrap().len(), 1);

    // WhatsApp creates a contact for the same number: the identity joins Ana.
    app.signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
        .await;
    app.signed_webhook("messenger", &fixture("messenger/text.json"))
        .await;
    app.settle().await;
    let ana: Value = api
        .get(&format!("/api/v1/contacts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ana["identities"].as_array().unwrap().len(), 1);
    // The Messenger person is the same customer: merge.
    let psid_contact: uuid::Uuid = sqlx::query_scalar(
        "select contact_id from contact_identities where external_id = '6543210987654321'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let merged = api
        .post(
            &format!("/api/v1/contacts/{psid_contact}/merge"),
            &json!({"into": id}),
        )
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(merged["identities"].as_array().unwrap().len(), 2);
    let conversations: Value = api
        .get(&format!("/api/v1/conversations?contact_id={id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        conversations["data"].as_array().unwrap().len(),
        2,
        "one history across channels"
    );
    assert_eq!(
        api.get(&format!("/api/v1/contacts/{psid_contact}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_messages_and_channels_are_listed_without_secrets() {
    let (app, _graph) = spawn_channel_app().await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
        .await;
    app.settle().await;
    let api = Api::new(&app).await;
    let list: Value = api
        .get("/api/v1/conversations?status=waiting")
        .await
        .json()
        .await
        .unwrap();
    let conversation = &list["data"][0];
    assert_eq!(conversation["channel_kind"], "whatsapp");
    assert_eq!(conversation["contact_name"], "Ana Cliente");
    let none: Value = api
        .get("/api/v1/conversations?status=resolved")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let messages: Value = api
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            conversation["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages["data"][0]["direction"], "inbound");
    assert_eq!(messages["data"][0]["author"], "customer");

    let channels = api.get("/api/v1/channels").await.text().await.unwrap();
    assert!(channels.contains("106540352242922"));
    for secret in [
        "token-whatsapp-de-teste",
        "token-pagina-de-teste",
        "segredo-do-app-meta",
        "token-de-verificacao",
    ] {
        assert!(!channels.contains(secret), "{secret} leaked");
    }
    let bad_filter = api.get("/api/v1/conversations?status=talvez").await;
    assert_eq!(bad_filter.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_filter.json::<Value>().await.unwrap()["code"],
        "invalid_query"
    );
    let missing = api
        .get(&format!("/api/v1/conversations/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.get("/api/v1/conversations/nao-e-uuid").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/api/v1/nada").await.json::<Value>().await.unwrap()["code"],
        "not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_not_json_or_miss_fields_or_are_huge_get_4xx() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let url = format!("{}/api/v1/contacts", app.address);
    let send = |content_type: &'static str, body: String| {
        api.client
            .post(&url)
            .bearer_auth(&api.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(
        send("application/json", "{oops".into())
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send("text/plain", "{}".into()).await.unwrap().status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        send("application/json", r#"{"name": 42}"#.into())
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let huge = format!(r#"{{"name": "{}"}}"#, "a".repeat(5 * 1024 * 1024));
    let r = send("application/json", huge).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );
    let conversation = uuid::Uuid::new_v4();
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(&format!(
            "select count(*) from contacts where {NOT_DEMO_FIXTURE}"
        ))
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route() {
    let (app, _graph) = spawn_channel_app().await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/{id}/merge",
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/conversations/{id}/read",
        "/api/v1/messages/{id}/media",
        "/api/v1/channels",
        "/api/v1/channels/{id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("MessageView").is_some());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_resolves_the_clashing_conversation_as_any_resolution_does() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let pool = &app.state.pool;
    let channel: uuid::Uuid = sqlx::query_scalar("select id from channels where kind = 'whatsapp'")
        .fetch_one(pool)
        .await
        .unwrap();
    // Two contacts who are the same customer, each with a conversation waiting on WhatsApp, the
    // source's with two unread messages.
    let (source, target) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let (clashing, kept) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for (contact, conversation, unread) in [(source, clashing, 2), (target, kept, 1)] {
        sqlx::query("insert into contacts (id, name) values ($1, 'Ana Souza')")
            .bind(contact)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(
            "insert into conversations (id, contact_id, channel_id, status, queued_at,
                 unread_count, last_message_at)
             values ($1, $2, $3, 'waiting', now(), $4, now())",
        )
        .bind(conversation)
        .bind(contact)
        .bind(channel)
        .bind(unread)
        .execute(pool)
        .await
        .unwrap();
    }
    let r = api
        .post(
            &format!("/api/v1/contacts/{source}/merge"),
            &json!({"into": target}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The source's conversation is resolved the way an agent's resolution leaves it: out of the
    // queue, nothing unread, with its event; the target's stays as it was.
    let (status, queued, unread): (String, bool, i32) = sqlx::query_as(
        "select status::text, queued_at is not null, unread_count from conversations where id = $1",
    )
    .bind(clashing)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), queued, unread), ("resolved", false, 0));
    let reason: String = sqlx::query_scalar(
        "select details->>'reason' from conversation_events
         where conversation_id = $1 and kind = 'resolved'",
    )
    .bind(clashing)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(reason, "contacts_merged");
    let (status, unread): (String, i32) =
        sqlx::query_as("select status::text, unread_count from conversations where id = $1")
            .bind(kept)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), unread), ("waiting", 1));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_a_conversation_read_sends_the_receipt_for_the_customers_latest_message() {
    use crate::common::fake_graph::{PAGE_TOKEN, PHONE_NUMBER_ID, VERSION, WHATSAPP_TOKEN};
    use crate::common::{conversation_on, wait_until};
    let (app, graph) = spawn_channel_app().await;
    let first_id = "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMDAwMDAwMDAwMDAwMDAwMDEA";
    let second_id = first_id.replace("wamid.HBgL", "wamid.SEGUNDA");
    app.signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
        .await;
    app.settle().await;
    app.signed_webhook(
        "whatsapp",
        &fixture("whatsapp/text.json").replace(first_id, &second_id),
    )
    .await;
    app.settle().await;
    let conversation = conversation_on(&app, "whatsapp").await;
    let api = Api::new(&app).await;
    // An agent's reply comes after them: the latest message, but not the customer's.
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &json!({"text": "Olá, Ana!"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    wait_until(|| async { graph.sends().len() == 1 }).await;

    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/read"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let sends = graph.sends();
    assert_eq!(sends.len(), 2);
    assert_eq!(
        sends[1].path,
        format!("/{VERSION}/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(sends[1].bearer.as_deref(), Some(WHATSAPP_TOKEN));
    assert_eq!(
        sends[1].body,
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": second_id})
    );

    // On Messenger the page marks the person's thread seen.
    app.signed_webhook("messenger", &fixture("messenger/text.json"))
        .await;
    app.settle().await;
    let conversation = conversation_on(&app, "messenger").await;
    let r = api
        .post(
            &format!("/api/v1/conversations/{conversation}/read"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let sends = graph.sends();
    assert_eq!(sends.len(), 3);
    assert_eq!(sends[2].path, format!("/{VERSION}/me/messages"));
    assert_eq!(sends[2].bearer.as_deref(), Some(PAGE_TOKEN));
    assert_eq!(
        sends[2].body,
        json!({"recipient": {"id": "6543210987654321"}, "sender_action": "mark_seen"})
    );
}

/// A token carries the scopes chosen at its creation: a read-only one reads (users and teams
/// too) but cannot change contacts nor send; a call outside its scopes gets 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_may_do_only_what_its_scopes_allow() {
    use shared::api_scope::ApiScope;
    let (app, _graph) = spawn_channel_app().await;
    let with = |scopes: &'static [ApiScope]| Api::with_scopes(&app, scopes);
    let reader = with(&[ApiScope::Read]).await;
    assert_eq!(
        reader.get("/api/v1/contacts").await.status(),
        StatusCode::OK
    );
    let users: Value = reader.get("/api/v1/users").await.json().await.unwrap();
    assert!(users["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["email"] == "demo@plataforma.com" && u["role"] == "admin"));
    let teams: Value = reader.get("/api/v1/teams").await.json().await.unwrap();
    assert!(teams["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Atendimento Geral"));
    let r = reader
        .post(
            "/api/v1/contacts",
            &json!({"name": "Ana", "phone": "+5511912345678"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "insufficient_scope");
    assert!(body["message"].as_str().unwrap().contains("\"contacts\""));

    let writer = with(&[ApiScope::Contacts]).await;
    let r = writer
        .post(
            "/api/v1/contacts",
            &json!({"name": "Ana", "phone": "+5511912345678"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        writer.get("/api/v1/contacts").await.status(),
        StatusCode::FORBIDDEN,
        "reading needs read"
    );
    // The document lists the new operations and the scopes.
    let doc: Value = reader
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/users"]["get"].is_object());
    assert!(doc["info"]["description"]
        .as_str()
        .unwrap()
        .contains("insufficient_scope"));
    // Tokens made before scopes existed, or with none named, have every scope.
    let all = app.api_token().await;
    let listed = backend::services::api_tokens::list(&app.state)
        .await
        .unwrap();
    assert!(listed
        .iter()
        .filter(|t| t.name == "testes")
        .all(|t| t.scopes.len() == ApiScope::ALL.len()));
    assert!(!all.is_empty());
    app.stop().await;
}

/// Paging parameters outside what the document declares are refused with 400 saying which,
/// instead of being silently changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_outside_the_documented_range_is_refused() {
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    for (path, says) in [
        ("/api/v1/contacts?limit=0", "limit deve estar entre 1 e 200"),
        (
            "/api/v1/contacts?limit=201",
            "limit deve estar entre 1 e 200",
        ),
        (
            "/api/v1/conversations?offset=-1",
            "offset não pode ser negativo",
        ),
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "invalid_query");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{path}: {body}"
        );
    }
    assert_eq!(
        api.get("/api/v1/contacts?limit=200").await.status(),
        StatusCode::OK
    );
    let doc: Value = api.get("/api/v1/openapi.json").await.json().await.unwrap();
    let params = doc["paths"]["/api/v1/contacts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 200);
    assert!(doc["paths"]["/api/v1/contacts"]["post"]["responses"]["415"].is_object());
    assert!(doc["paths"]["/api/v1/channels"]["get"]["responses"]["401"].is_object());
    app.stop().await;
}

/// An integration assigns, transfers and resolves a conversation over the API, by the inbox's
/// rules, each step recorded as the system; a token without `conversations` may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_assigns_transfers_and_resolves_a_conversation() {
    use shared::api_scope::ApiScope;
    let (app, _graph) = spawn_channel_app().await;
    app.signed_webhook("whatsapp", &fixture("whatsapp/text.json"))
        .await;
    app.settle().await;
    let conversation: uuid::Uuid = sqlx::query_scalar("select id from conversations limit 1")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let rafael = crate::common::user_id(&app, crate::common::AGENT_EMAIL).await;
    let negotiation: uuid::Uuid =
        sqlx::query_scalar("select id from teams where name = 'Negociação'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let token = |scopes: &'static [ApiScope]| Api::with_scopes(&app, scopes);
    let reader = token(&[ApiScope::Read]).await;
    let r = reader
        .post(
            &format!("/api/v1/conversations/{conversation}/assign"),
            &json!({"agent_id": rafael}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let crm = token(&[ApiScope::Read, ApiScope::Conversations]).await;
    let path = |action: &str| format!("/api/v1/conversations/{conversation}/{action}");
    let r = crm
        .post(&path("assign"), &json!({"agent_id": rafael}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let assignee: Option<uuid::Uuid> =
        sqlx::query_scalar("select assignee_id from conversations where id = $1")
            .bind(conversation)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(assignee.map(|u| u.to_string()), Some(rafael.clone()));

    let r = crm.post(&path("transfer"), &json!({})).await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a transfer needs a target"
    );
    let r = crm
        .post(
            &path("transfer"),
            &json!({"team_id": negotiation, "note": "Cliente pediu parcelamento"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let team: uuid::Uuid = sqlx::query_scalar("select team_id from conversations where id = $1")
        .bind(conversation)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(team, negotiation);

    let r = crm.post(&path("resolve"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let detail: Value = crm
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "resolved");
    let system_events = app
        .count(&format!(
            "select count(*) from conversation_events where conversation_id = '{conversation}'
             and actor = 'system' and kind in ('assigned', 'transferred', 'resolved')"
        ))
        .await;
    assert_eq!(system_events, 3, "each step recorded as the system");
    let unknown = crm
        .post(
            &format!("/api/v1/conversations/{}/resolve", uuid::Uuid::new_v4()),
            &json!({}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

/// An integration takes a conversation from the queue (not one another agent has), reopens it
/// after it was resolved, and continues it on WhatsApp once the contact has a phone; each
/// recorded as the system.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_takes_reopens_and_continues_a_conversation_elsewhere() {
    use crate::common::{customer_writes_on, user_id, AGENT_EMAIL, OTHER_AGENT_EMAIL};
    let (app, _graph) = spawn_channel_app().await;
    let messenger = customer_writes_on(&app, "messenger").await;
    let whatsapp: uuid::Uuid =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let rafael = user_id(&app, AGENT_EMAIL).await;
    let juliana = user_id(&app, OTHER_AGENT_EMAIL).await;
    let api = Api::new(&app).await;
    let path = |action: &str| format!("/api/v1/conversations/{messenger}/{action}");
    let state_of = |id: String| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<uuid::Uuid>)>(
                "select status::text, assignee_id from conversations where id = $1::uuid",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };

    let r = api.post(&path("take"), &json!({"agent_id": rafael})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, assignee) = state_of(messenger.clone()).await;
    assert_eq!(
        (status.as_str(), assignee.map(|u| u.to_string())),
        ("open", Some(rafael.clone()))
    );
    // Taking it again is nothing new; another agent may not take it from him.
    let r = api.post(&path("take"), &json!({"agent_id": rafael})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = api.post(&path("take"), &json!({"agent_id": juliana})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("já está com outro atendente"),
        "{body}"
    );

    let r = api.post(&path("resolve"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = api.post(&path("take"), &json!({"agent_id": juliana})).await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a resolved conversation is reopened first"
    );
    let r = api
        .post(&path("reopen"), &json!({"agent_id": juliana}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, assignee) = state_of(messenger.clone()).await;
    assert_eq!(
        (status.as_str(), assignee.map(|u| u.to_string())),
        ("open", Some(juliana.clone()))
    );

    // Without a phone the contact cannot be reached on WhatsApp: refused, nothing opened.
    let body = json!({"channel_id": whatsapp});
    let r = api.post(&path("continue"), &body).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("select count(*) from conversations").await, 1);
    let contact: String =
        sqlx::query_scalar("select contact_id::text from conversations where id = $1::uuid")
            .bind(&messenger)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let r = api
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            &json!({"phone": "(11) 98765-4000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = api.post(&path("continue"), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let moved: Value = r.json().await.unwrap();
    let target = moved["conversation_id"].as_str().unwrap().to_owned();
    assert_ne!(target, messenger);
    let (status, assignee) = state_of(target.clone()).await;
    assert_eq!(
        (status.as_str(), assignee.map(|u| u.to_string())),
        ("open", Some(juliana.clone())),
        "whoever had it continues there"
    );
    // Asked again, the same conversation there.
    let again: Value = api
        .post(&path("continue"), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["conversation_id"], target.as_str());
    let system_events = app
        .count(&format!(
            "select count(*) from conversation_events where actor = 'system'
             and kind in ('assigned', 'reopened', 'moved', 'created')
             and conversation_id in ('{messenger}', '{target}')"
        ))
        .await;
    assert!(system_events >= 4, "{system_events}");
    app.stop().await;
}

/// An HR system creates an agent (password generated and answered once) in a team, renames
/// the team, moves the agent out and deactivates them; the last administrator stays one; every
/// change is audited as the token; a token without `admin` may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_manages_users_and_teams_with_the_admin_scope() {
    use shared::api_scope::ApiScope;
    let (app, _graph) = spawn_channel_app().await;
    let api = Api::new(&app).await;
    let reader = Api::with_scopes(&app, &[ApiScope::Read]).await;
    let r = reader
        .post("/api/v1/teams", &json!({"name": "Ouvidoria"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = api
        .post("/api/v1/teams", &json!({"name": "Ouvidoria"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let team = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .post("/api/v1/teams", &json!({"name": "Ouvidoria"}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "names are unique");

    let r = api
        .post(
            "/api/v1/users",
            &json!({"name": "Beatriz Lima", "email": "beatriz@empresa.com.br", "role": "agent",
                    "team_ids": [team]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let beatriz = created["id"].as_str().unwrap().to_owned();
    let password = created["password"].as_str().unwrap().to_owned();
    assert!(password.len() >= 12, "{created}");
    // She signs in with it.
    let login = app
        .browser()
        .await
        .login("beatriz@empresa.com.br", &password)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let r = api
        .post(
            "/api/v1/users",
            &json!({"name": "Outra", "email": "beatriz@empresa.com.br", "role": "agent"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "the e-mail is taken");
    let r = api
        .post(
            "/api/v1/users",
            &json!({"name": "Curta", "email": "curta@empresa.com.br", "role": "agent", "password": "123"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = api
        .patch(
            &format!("/api/v1/teams/{team}"),
            &json!({"name": "Ouvidoria e Reclamações"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let members = |team: String| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from team_members where team_id = $1::uuid",
            )
            .bind(team)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(members(team.clone()).await, 1);
    let r = api
        .delete(&format!("/api/v1/teams/{team}/members/{beatriz}"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(members(team.clone()).await, 0);
    let r = api
        .post(
            &format!("/api/v1/teams/{team}/members"),
            &json!({"user_id": beatriz}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(members(team.clone()).await, 1);

    let r = api
        .patch(
            &format!("/api/v1/users/{beatriz}"),
            &json!({"role": "supervisor", "active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (role, active): (String, bool) =
        sqlx::query_as("select role::text, active from users where id = $1::uuid")
            .bind(&beatriz)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((role.as_str(), active), ("supervisor", false));
    assert_eq!(members(team.clone()).await, 1, "teams kept when not named");

    // The last active administrator keeps the role.
    let admins: Vec<String> =
        sqlx::query_scalar("select id::text from users where role = 'admin' and active")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    for (i, admin) in admins.iter().enumerate() {
        let r = api
            .patch(&format!("/api/v1/users/{admin}"), &json!({"active": false}))
            .await;
        let last = i + 1 == admins.len();
        assert_eq!(
            r.status(),
            if last {
                StatusCode::CONFLICT
            } else {
                StatusCode::NO_CONTENT
            },
            "administrator {i} of {}",
            admins.len()
        );
    }
    let unknown = api
        .patch(
            &format!("/api/v1/users/{}", uuid::Uuid::new_v4()),
            &json!({"name": "X"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let audited = app
        .count(
            "select count(*) from audit_log where actor_label like 'API: %'
             and action in ('user_created', 'team_changed', 'role_changed', 'user_deactivated')",
        )
        .await;
    assert!(audited >= 6, "{audited}");
    app.stop().await;
}
