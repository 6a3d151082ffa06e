//! The agent inbox: automatic distribution (capacity, queue order, concurrency across instances,
//! agents going offline), the list and its search, every action with its permission, and the
//! live feed's catch-up after a reconnect.

use crate::common::*;
use backend::distribution;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

struct Queue {
    team: Uuid,
    channel: Uuid,
    agents: Vec<Uuid>,
}

/// A team with `agents` online agents of `capacity` each, and a webchat channel into it.
async fn queue(app: &TestApp, agents: usize, capacity: i32, auto_assign: bool) -> Queue {
    let pool = &app.state.pool;
    let team = Uuid::new_v4();
    sqlx::query("insert into teams (id, name, auto_assign) values ($1, $2, $3)")
        .bind(team)
        .bind(format!("Fila {}", &team.simple().to_string()[..8]))
        .bind(auto_assign)
        .execute(pool)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..agents {
        let id = Uuid::new_v4();
        sqlx::query(
            "insert into users (id, name, email, password_hash, role, capacity, availability)
             values ($1, $2, $3, 'x', 'agent', $4, 'online')",
        )
        .bind(id)
        .bind(format!("Agente {i}"))
        .bind(format!("agente-{}@fila.com", id.simple()))
        .bind(capacity)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query("insert into team_members (team_id, user_id) values ($1, $2)")
            .bind(team)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        ids.push(id);
    }
    let channel = Uuid::new_v4();
    sqlx::query(
        "insert into channels (id, kind, name, default_team_id) values ($1, 'webchat', 'Site', $2)",
    )
    .bind(channel)
    .bind(team)
    .execute(pool)
    .await
    .unwrap();
    Queue {
        team,
        channel,
        agents: ids,
    }
}

/// A customer waiting in the queue since `minutes_ago`.
async fn waiting(app: &TestApp, q: &Queue, minutes_ago: i64) -> Uuid {
    let pool = &app.state.pool;
    let contact = Uuid::new_v4();
    sqlx::query("insert into contacts (id, name) values ($1, 'Cliente na fila')")
        .bind(contact)
        .execute(pool)
        .await
        .unwrap();
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into conversations (id, contact_id, channel_id, team_id, status, queued_at,
             last_customer_message_at, created_at)
         values ($1, $2, $3, $4, 'waiting', now() - make_interval(mins => $5::int),
             now() - make_interval(mins => $5::int), now() - make_interval(mins => $5::int))",
    )
    .bind(id)
    .bind(contact)
    .bind(q.channel)
    .bind(q.team)
    .bind(minutes_ago as i32)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn assignee_of(app: &TestApp, conversation: Uuid) -> Option<Uuid> {
    sqlx::query_scalar("select assignee_id from conversations where id = $1")
        .bind(conversation)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

async fn loads(app: &TestApp, q: &Queue) -> Vec<i64> {
    let mut out = Vec::new();
    for a in &q.agents {
        out.push(
            app.count(&format!(
                "select count(*) from conversations where assignee_id = '{a}' and status = 'open'"
            ))
            .await,
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_assigning_at_once_respect_capacity_and_never_double_assign() {
    let first = spawn_app().await;
    // A second instance on the same database and Redis namespace.
    let mut config = test_config();
    config.database_url = first.database_url.clone();
    config.redis_namespace = first.state.auth.redis_namespace.clone();
    let second = spawn_app_with(config).await;

    let q = queue(&first, 4, 3, true).await;
    // Offline while the queue fills, so the background loops assign nothing yet.
    sqlx::query("update users set availability = 'offline' where id = any($1)")
        .bind(&q.agents)
        .execute(&first.state.pool)
        .await
        .unwrap();
    for i in 0..40 {
        waiting(&first, &q, 100 - i).await;
    }
    sqlx::query("update users set availability = 'online' where id = any($1)")
        .bind(&q.agents)
        .execute(&first.state.pool)
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for i in 0..24 {
        let state = if i % 2 == 0 {
            first.state.clone()
        } else {
            second.state.clone()
        };
        tasks.push(tokio::spawn(async move {
            distribution::distribute(&state).await.unwrap()
        }));
    }
    let mut assigned = 0;
    for t in tasks {
        assigned += t.await.unwrap();
    }
    // The background loops of both instances may have assigned some too.
    let total_open = first
        .count("select count(*) from conversations where status = 'open'")
        .await;
    assert_eq!(total_open, 12, "4 agents × capacity 3");
    assert!(assigned <= 12);
    assert!(loads(&first, &q).await.iter().all(|l| *l == 3));
    // One assignment event per assigned conversation: none was assigned twice.
    assert_eq!(
        first
            .count(
                "select count(*) from (select conversation_id from conversation_events
                 where kind = 'assigned' group by conversation_id having count(*) > 1) d"
            )
            .await,
        0
    );
    assert_eq!(
        first
            .count("select count(distinct conversation_id) from conversation_events where kind = 'assigned'")
            .await,
        12
    );
    // The twelve that waited longest were served.
    assert_eq!(
        first
            .count(
                "select count(*) from (select status from conversations
                 order by created_at limit 12) s where s.status = 'open'"
            )
            .await,
        12
    );
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_is_served_in_arrival_order_to_the_least_loaded_agent_as_seats_free_up() {
    let app = spawn_app().await;
    let q = queue(&app, 2, 1, true).await;
    sqlx::query("update users set availability = 'offline' where id = any($1)")
        .bind(&q.agents)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let oldest = waiting(&app, &q, 30).await;
    let middle = waiting(&app, &q, 20).await;
    let newest = waiting(&app, &q, 10).await;

    // Nobody online: everything waits.
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, oldest).await, None);

    // One agent comes online: the oldest goes to them, the others keep waiting (capacity 1).
    sqlx::query("update users set availability = 'online' where id = $1")
        .bind(q.agents[0])
        .execute(&app.state.pool)
        .await
        .unwrap();
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, oldest).await, Some(q.agents[0]));
    assert_eq!(assignee_of(&app, middle).await, None);

    // The second agent comes online: least loaded, so the next in line is theirs.
    sqlx::query("update users set availability = 'online' where id = $1")
        .bind(q.agents[1])
        .execute(&app.state.pool)
        .await
        .unwrap();
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, middle).await, Some(q.agents[1]));
    assert_eq!(assignee_of(&app, newest).await, None);

    // The first agent resolves: their seat goes to the last one waiting.
    sqlx::query("update conversations set status = 'resolved', resolved_at = now() where id = $1")
        .bind(oldest)
        .execute(&app.state.pool)
        .await
        .unwrap();
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, newest).await, Some(q.agents[0]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_auto_assignment_off_leaves_the_queue_to_supervisors() {
    let app = spawn_app().await;
    let q = queue(&app, 1, 5, false).await;
    let c = waiting(&app, &q, 5).await;
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, c).await, None);
    sqlx::query("update teams set auto_assign = true where id = $1")
        .bind(q.team)
        .execute(&app.state.pool)
        .await
        .unwrap();
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, c).await, Some(q.agents[0]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_offline_past_the_grace_period_returns_unanswered_conversations_to_the_queue() {
    let app = spawn_app().await;
    let q = queue(&app, 2, 5, true).await;
    sqlx::query("update users set availability = 'offline' where id = $1")
        .bind(q.agents[1])
        .execute(&app.state.pool)
        .await
        .unwrap();
    let unanswered = waiting(&app, &q, 10).await;
    let answered = waiting(&app, &q, 9).await;
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, unanswered).await, Some(q.agents[0]));
    assert_eq!(assignee_of(&app, answered).await, Some(q.agents[0]));
    sqlx::query("update conversations set last_agent_message_at = now() where id = $1")
        .bind(answered)
        .execute(&app.state.pool)
        .await
        .unwrap();

    // Agent 0 goes offline; within the grace period nothing moves.
    sqlx::query(
        "update users set availability = 'offline', availability_changed_at = now() where id = $1",
    )
    .bind(q.agents[0])
    .execute(&app.state.pool)
    .await
    .unwrap();
    let moved = distribution::requeue_from_offline(&app.state, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(moved, 0);

    // Past it, the unanswered one goes back to the queue and to the online colleague.
    sqlx::query(
        "update users set availability_changed_at = now() - interval '10 minutes' where id = $1",
    )
    .bind(q.agents[0])
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query("update users set availability = 'online' where id = $1")
        .bind(q.agents[1])
        .execute(&app.state.pool)
        .await
        .unwrap();
    let moved = distribution::requeue_from_offline(&app.state, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(assignee_of(&app, unanswered).await, None);
    assert_eq!(assignee_of(&app, answered).await, Some(q.agents[0]));
    distribution::distribute(&app.state).await.unwrap();
    assert_eq!(assignee_of(&app, unanswered).await, Some(q.agents[1]));
    assert_eq!(
        app.count(&format!(
            "select count(*) from conversation_events where conversation_id = '{unanswered}'
             and kind = 'unassigned' and details->>'reason' = 'offline'"
        ))
        .await,
        1
    );
    app.stop().await;
}

/// Rafael signed in hours ago and never changed his availability from "Offline". He takes a
/// conversation: he is at work, so he becomes "Disponível", and the conversation stays his when
/// the customer answers (before, the offline grace had long passed and it went back to the queue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_who_takes_a_conversation_while_offline_becomes_available_and_keeps_it() {
    let (app, _graph) = spawn_channel_app().await;
    let rafael_id = user_id(&app, AGENT_EMAIL).await;
    sqlx::query(
        "update users set availability = 'offline',
             availability_changed_at = now() - interval '3 hours' where email = $1",
    )
    .bind(AGENT_EMAIL)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let conversation = whatsapp_customer(&app).await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    ok(rafael
        .call_json("inbox/take", &json!({"conversation": conversation}))
        .await)
    .await;
    let availability = || async {
        sqlx::query_scalar::<_, String>("select availability::text from users where email = $1")
            .bind(AGENT_EMAIL)
            .fetch_one(&app.state.pool)
            .await
            .unwrap()
    };
    assert_eq!(availability().await, "online");
    // The customer answers and the grace check runs: nothing moves.
    sqlx::query(
        "update conversations set last_customer_message_at = now(),
             last_agent_message_at = now() - interval '1 minute' where id = $1::uuid",
    )
    .bind(&conversation)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let moved = distribution::requeue_from_offline(&app.state, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(moved, 0);
    let conversation_id = Uuid::parse_str(&conversation).unwrap();
    assert_eq!(
        assignee_of(&app, conversation_id).await,
        Some(Uuid::parse_str(&rafael_id).unwrap())
    );

    // Replying while offline does the same.
    sqlx::query("update users set availability = 'offline' where email = $1")
        .bind(AGENT_EMAIL)
        .execute(&app.state.pool)
        .await
        .unwrap();
    ok(rafael
        .call_json(
            "inbox/send",
            &json!({"conversation": conversation, "text": "Olá! Já vou verificar.",
                    "note": false, "client_id": "offline-1"}),
        )
        .await)
    .await;
    assert_eq!(availability().await, "online");
    app.stop().await;
}

/// Resolving tells the customer, in the team's words; a team that clears its message sends
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_sends_the_teams_closing_message_to_the_customer() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let team = demo_team_id(&app).await;
    ok(admin
        .call(
            "teams/closing-message",
            &[
                ("id", &team),
                ("message", "Obrigado! Atendimento encerrado."),
            ],
        )
        .await)
    .await;
    let too_long = "x".repeat(1001);
    let r = admin
        .call(
            "teams/closing-message",
            &[("id", &team), ("message", &too_long)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "refused, in pt-BR");
    ok(admin
        .call_json("inbox/resolve", &json!({"conversation": conversation}))
        .await)
    .await;
    wait_until(|| async { !graph.sends().is_empty() }).await;
    let sends = graph.sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(
        sends[0].body["text"]["body"],
        json!("Obrigado! Atendimento encerrado.")
    );
    assert_eq!(
        app.count("select count(*) from conversations where status = 'resolved'")
            .await,
        1,
        "and the conversation is resolved"
    );

    // Cleared: the next resolution says nothing.
    ok(admin
        .call("teams/closing-message", &[("id", &team), ("message", "  ")])
        .await)
    .await;
    ok(admin
        .call_json("inbox/reopen", &json!({"conversation": conversation}))
        .await)
    .await;
    ok(admin
        .call_json("inbox/resolve", &json!({"conversation": conversation}))
        .await)
    .await;
    app.settle().await;
    assert_eq!(graph.sends().len(), 1);
    app.stop().await;
}

/// A WhatsApp customer writes; returns the conversation id (in the demo team's queue).
async fn whatsapp_customer(app: &TestApp) -> String {
    customer_writes_on(app, "whatsapp").await
}

async fn json_of(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_see_take_reply_transfer_and_resolve_with_each_step_recorded() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let juliana = app.signed_in(OTHER_AGENT_EMAIL).await;
    let juliana_id = user_id(&app, OTHER_AGENT_EMAIL).await;

    // In the team queue, with the unread count and the preview.
    let page = json_of(
        rafael
            .call_json("inbox/list", &json!({"query": {"tab": "queue"}}))
            .await,
    )
    .await;
    let row = &page["rows"][0];
    assert_eq!(row["id"], json!(conversation));
    assert_eq!(row["unread"], json!(1));
    assert_eq!(
        row["preview"],
        json!("Olá, preciso de ajuda com o meu pedido 4521")
    );
    assert!(row["waiting_since"].is_string());

    // Agents may not assign others, nor use "Todas".
    let r = rafael
        .call_json(
            "inbox/assign",
            &json!({"conversation": conversation, "agent": juliana_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = rafael
        .call_json("inbox/list", &json!({"query": {"tab": "all"}}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Rafael takes it and replies; the fake Graph API gets the exact payload.
    json_of(
        rafael
            .call_json("inbox/take", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    // Taking it again (or after the distribution gave it to him) records nothing more.
    json_of(
        rafael
            .call_json("inbox/take", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let sent = json_of(
        rafael
            .call_json(
                "inbox/send",
                &json!({"conversation": conversation, "text": "Olá! Já vou verificar.",
                        "note": false, "client_id": "c-1"}),
            )
            .await,
    )
    .await;
    assert_eq!(sent["author_name"], json!("Rafael Oliveira"));
    wait_until(|| async { !graph.sends().is_empty() }).await;
    assert_eq!(
        graph.sends()[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "5511987654321", "type": "text",
               "text": {"preview_url": false, "body": "Olá! Já vou verificar."}})
    );
    // A note is stored, shown apart, never sent.
    json_of(
        rafael
            .call_json(
                "inbox/send",
                &json!({"conversation": conversation, "text": "Cliente VIP", "note": true,
                        "client_id": null}),
            )
            .await,
    )
    .await;
    app.settle().await;
    assert_eq!(graph.sends().len(), 1);

    // Transfer to Juliana with a note she sees.
    json_of(
        rafael
            .call_json(
                "inbox/transfer",
                &json!({"input": {"conversation": conversation, "team": null,
                        "agent": juliana_id, "note": "Pedido 4521 atrasado"}}),
            )
            .await,
    )
    .await;
    let mine = json_of(
        juliana
            .call_json("inbox/list", &json!({"query": {"tab": "mine"}}))
            .await,
    )
    .await;
    assert_eq!(mine["rows"][0]["id"], json!(conversation));
    let detail = json_of(
        juliana
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await;
    let transfer = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == json!("transferred"))
        .expect("a transfer event");
    assert_eq!(transfer["note"], json!("Pedido 4521 atrasado"));
    assert!(transfer["text"]
        .as_str()
        .unwrap()
        .contains("Transferida por Rafael Oliveira para Juliana Costa"));
    let kinds: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "text", "note"]);

    // Resolve; a reply is then refused; reopen works.
    json_of(
        juliana
            .call_json("inbox/resolve", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let (status, body) = error_of(
        juliana
            .call_json(
                "inbox/send",
                &json!({"conversation": conversation, "text": "oi", "note": false, "client_id": null}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Server functions answer the error variant; the browser shows its pt-BR message.
    assert_eq!(body, json!("ConversationResolved"));
    json_of(
        juliana
            .call_json("inbox/reopen", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let recorded: Vec<String> = sqlx::query_scalar(
        "select kind::text from conversation_events where conversation_id = $1::uuid order by id",
    )
    .bind(&conversation)
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        [
            "created",
            "assigned",
            "first_response",
            "transferred",
            "resolved",
            "reopened"
        ]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_of_other_teams_are_invisible_to_agents_and_cpf_reveals_are_logged() {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    sqlx::query("update contacts set cpf = '52998224725'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let carla = app.signed_in(SUPERVISOR_EMAIL).await;

    // Masked for agents, in full for supervisors.
    let d = json_of(
        rafael
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await;
    assert_eq!(d["contact"]["cpf"], json!("***.982.247-**"));
    assert_eq!(d["contact"]["cpf_masked"], json!(true));
    let d = json_of(
        carla
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await;
    assert_eq!(d["contact"]["cpf"], json!("529.982.247-25"));
    let revealed = json_of(
        rafael
            .call_json("inbox/reveal-cpf", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    assert_eq!(revealed, json!("529.982.247-25"));
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'cpf_revealed'")
            .await,
        1
    );

    // Moved to a team Rafael is not in: he no longer sees it, anywhere.
    let other_team = Uuid::new_v4();
    sqlx::query("insert into teams (id, name) values ($1, 'Financeiro')")
        .bind(other_team)
        .execute(&app.state.pool)
        .await
        .unwrap();
    json_of(
        carla
            .call_json(
                "inbox/transfer",
                &json!({"input": {"conversation": conversation, "team": other_team,
                        "agent": null, "note": null}}),
            )
            .await,
    )
    .await;
    for endpoint in ["inbox/conversation", "inbox/reveal-cpf", "inbox/take"] {
        let body = if endpoint == "inbox/conversation" {
            json!({"id": conversation})
        } else {
            json!({"conversation": conversation})
        };
        let r = rafael.call_json(endpoint, &body).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{endpoint}");
    }
    let queue = json_of(
        rafael
            .call_json("inbox/list", &json!({"query": {"tab": "queue"}}))
            .await,
    )
    .await;
    assert_eq!(queue["rows"], json!([]));
    let all = json_of(
        carla
            .call_json("inbox/list", &json!({"query": {"tab": "all"}}))
            .await,
    )
    .await;
    assert_eq!(all["rows"][0]["team_name"], json!("Financeiro"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_words_without_accents_names_phones_and_cpfs() {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    sqlx::query("update contacts set cpf = '52998224725'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let carla = app.signed_in(SUPERVISOR_EMAIL).await;
    let search = |q: &'static str| {
        let carla = &carla;
        async move {
            let page = json_of(
                carla
                    .call_json("inbox/list", &json!({"query": {"tab": "all", "search": q}}))
                    .await,
            )
            .await;
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // "ola" matches "Olá"; "pedidos" is stemmed to "pedido".
    assert_eq!(search("ola").await, vec![conversation.clone()]);
    assert_eq!(search("pedidos").await, vec![conversation.clone()]);
    assert_eq!(search("ana").await, vec![conversation.clone()]);
    assert_eq!(search("11 98765-4321").await, vec![conversation.clone()]);
    assert_eq!(search("529.982.247-25").await, vec![conversation.clone()]);
    assert!(search("boleto").await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_only_approved_templates_are_offered_and_sent_with_parameters() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let channel: Uuid = sqlx::query_scalar(
        "select id from channels where kind = 'whatsapp' and external_id = '106540352242922'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let synced = json_of(
        admin
            .call_json("channels/sync-templates", &json!({"channel": channel}))
            .await,
    )
    .await;
    assert_eq!(synced, json!(3));
    sqlx::query("update conversations set last_customer_message_at = now() - interval '25 hours'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let d = json_of(
        admin
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await;
    assert_eq!(d["composer"]["window_open"], json!(false));
    assert!(d["composer"]["notice"]
        .as_str()
        .unwrap()
        .contains("janela de 24 horas"));
    let names: Vec<&str> = d["composer"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fatura_disponivel", "retomar_atendimento"]);

    // Free text is refused; the template with its parameters goes out.
    let r = admin
        .call_json(
            "inbox/send",
            &json!({"conversation": conversation, "text": "oi", "note": false, "client_id": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .call_json(
            "inbox/send-template",
            &json!({"conversation": conversation, "name": "retomar_atendimento",
                    "language": "pt_BR", "values": ["Ana"]}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a missing parameter is refused"
    );
    json_of(
        admin
            .call_json(
                "inbox/send-template",
                &json!({"conversation": conversation, "name": "retomar_atendimento",
                        "language": "pt_BR", "values": ["Ana", "4521"]}),
            )
            .await,
    )
    .await;
    wait_until(|| async { !graph.sends().is_empty() }).await;
    assert_eq!(
        graph.sends()[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "5511987654321", "type": "template",
               "template": {"name": "retomar_atendimento", "language": {"code": "pt_BR"},
                  "components": [{"type": "body", "parameters": [
                      {"type": "text", "text": "Ana"}, {"type": "text", "text": "4521"}]}]}})
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_after_resolving_reopens_within_the_window_and_starts_anew_after_it() {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    json_of(
        admin
            .call_json("inbox/resolve", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let again = fixture("whatsapp/text.json").replace("wamid.HBgL", "wamid.SEGUNDA");
    app.signed_webhook("whatsapp", &again).await;
    app.settle().await;
    assert_eq!(app.count("select count(*) from conversations").await, 1);
    assert_eq!(
        app.count("select count(*) from conversations where status = 'resolved'")
            .await,
        0
    );

    // Reopen window of 0 minutes: the next message after resolving starts a new conversation.
    json_of(
        admin
            .call_json(
                "inbox/settings-save",
                &json!({"settings": {"reopen_window_minutes": 0, "offline_grace_minutes": 5}}),
            )
            .await,
    )
    .await;
    json_of(
        admin
            .call_json("inbox/resolve", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let third = fixture("whatsapp/text.json").replace("wamid.HBgL", "wamid.TERCEIRA");
    app.signed_webhook("whatsapp", &third).await;
    app.settle().await;
    assert_eq!(app.count("select count(*) from conversations").await, 2);
    app.stop().await;
}

/// A websocket to the inbox feed with the browser's session.
async fn feed(
    app: &TestApp,
    browser: &Browser,
    resume: Option<(i64, i64)>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let base = app.address.replace("http://", "ws://");
    let url = match resume {
        Some((s, e)) => format!("{base}/ws/inbox?seq={s}&ev={e}"),
        None => format!("{base}/ws/inbox"),
    };
    let mut request = url.into_client_request().unwrap();
    let cookie = format!(
        "omni_session={}; omni_csrf={}",
        browser.cookie("omni_session").unwrap(),
        browser.cookie("omni_csrf").unwrap_or_default()
    );
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", app.state.auth.public_origin.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

async fn next_event(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_feed_pushes_events_and_a_reconnecting_client_catches_up() {
    let (app, _graph) = spawn_channel_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;

    // Another site cannot open the feed with our cookie; nor can an anonymous visitor.
    let base = app.address.replace("http://", "ws://");
    let mut foreign = format!("{base}/ws/inbox").into_client_request().unwrap();
    foreign.headers_mut().insert(
        "cookie",
        format!("omni_session={}", admin.cookie("omni_session").unwrap())
            .parse()
            .unwrap(),
    );
    foreign
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(foreign).await.is_err());

    let mut socket = feed(&app, &admin, None).await;
    let hello = next_event(&mut socket).await.unwrap();
    assert_eq!(hello["type"], json!("hello"));
    let cursors = (
        hello["seq"].as_i64().unwrap(),
        hello["event_id"].as_i64().unwrap(),
    );

    // Live: a customer writes while connected.
    let conversation = whatsapp_customer(&app).await;
    let (mut got_message, mut got_created) = (false, false);
    while let Some(e) = next_event(&mut socket).await {
        if e["type"] == json!("message") && e["conversation_id"] == json!(conversation) {
            assert_eq!(e["inbound"], json!(true));
            got_message = true;
        }
        // The channel has no bot: the conversation opens straight into the queue, and the
        // event says so (the inbox announces it as new work).
        if e["type"] == json!("conversation") && e["kind"] == json!("created") {
            assert_eq!(e["waiting"], json!(true), "{e}");
            got_created = true;
        }
        if got_message && got_created {
            break;
        }
    }
    assert!(got_message, "the live message event arrived");
    assert!(got_created, "the live created event arrived");
    socket.close(None).await.unwrap();

    // Disconnected: a second message and a resolution happen meanwhile.
    let again = fixture("whatsapp/text.json").replace("wamid.HBgL", "wamid.OFFLINE");
    app.signed_webhook("whatsapp", &again).await;
    app.settle().await;
    json_of(
        admin
            .call_json("inbox/resolve", &json!({"conversation": conversation}))
            .await,
    )
    .await;

    // Reconnecting with the old cursors replays both messages and the events.
    let mut socket = feed(&app, &admin, Some(cursors)).await;
    let mut messages = 0;
    let mut kinds = Vec::new();
    while let Some(e) = next_event(&mut socket).await {
        match e["type"].as_str().unwrap() {
            "message" => messages += 1,
            "conversation" => kinds.push(e["kind"].as_str().unwrap().to_owned()),
            _ => {}
        }
        if messages == 2 && kinds.contains(&"resolved".to_owned()) {
            break;
        }
    }
    assert_eq!(messages, 2);
    assert!(kinds.contains(&"created".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"resolved".to_owned()), "{kinds:?}");
    let _ = socket.send(Message::Close(None)).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_checked_per_channel_sent_as_a_signed_link_and_served_to_who_holds_it() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let upload_path = |name: &str| format!("/anexos?conversa={conversation}&nome={name}");
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();

    // Refused before anything is stored, in pt-BR, with the status that says why.
    let r = rafael
        .upload(
            &upload_path("setup.exe"),
            "application/x-msdownload",
            vec![1; 64],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("WhatsApp não aceita este tipo de arquivo."));
    let r = rafael
        .upload(
            &upload_path("foto.png"),
            "image/png",
            vec![0; 5 * 1024 * 1024 + 1],
        )
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["message"],
        json!("Este arquivo passa do limite de 5 MB do canal.")
    );
    let r = rafael
        .upload(&upload_path("vazio.pdf"), "application/pdf", Vec::new())
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from attachments").await, 0);

    // Without the anti-CSRF header, or signed out, nothing is accepted.
    let r = rafael
        .client
        .post(format!("{}{}", rafael.base, upload_path("f.pdf")))
        .header("content-type", "application/pdf")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .browser()
        .await
        .upload(&upload_path("f.pdf"), "application/pdf", pdf.clone())
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A PDF is stored with a clean name.
    let r = rafael
        .upload(
            &upload_path("C%3A%5Ccontas%5CFatura%20mar%C3%A7o.pdf"),
            "application/pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["kind"], json!("document"));
    assert_eq!(stored["filename"], json!("Fatura março.pdf"));
    assert_eq!(stored["size"], json!(pdf.len()));

    // What the browser claims about the file is replaced by what was stored.
    let mut claimed = stored.clone();
    claimed["filename"] = json!("outro.exe");
    claimed["kind"] = json!("image");
    claimed["size"] = json!(1);
    let sent = json_of(
        rafael
            .call_json(
                "inbox/send-attachment",
                &json!({"conversation": conversation, "media": claimed,
                        "caption": "Segue a sua fatura", "client_id": "anexo-1"}),
            )
            .await,
    )
    .await;
    assert_eq!(sent["kind"], json!("document"));
    assert_eq!(sent["text"], json!("Segue a sua fatura"));
    wait_until(|| async { !graph.sends().is_empty() }).await;
    let body = graph.sends()[0].body.clone();
    let link = body["document"]["link"].as_str().unwrap().to_owned();
    assert_eq!(
        body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "5511987654321", "type": "document",
               "document": {"link": link, "caption": "Segue a sua fatura",
                            "filename": "Fatura março.pdf"}})
    );
    let prefix = format!(
        "{}/anexos/{}?exp=",
        app.state.auth.public_origin,
        stored["id"].as_str().unwrap()
    );
    assert!(link.starts_with(&prefix), "{link}");

    // The link serves the file to whoever holds it (Meta's servers); a forged one does not.
    let path = &link[app.state.auth.public_origin.len()..];
    let r = reqwest::get(format!("{}{path}", rafael.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename*=UTF-8''Fatura%20mar%C3%A7o.pdf"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let forged = format!("{}X", &path[..path.len() - 1]);
    let r = reqwest::get(format!("{}{forged}", rafael.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The agent's own view reads it through the session.
    let r = rafael
        .get(&format!("/midia/{}", sent["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // An upload of another conversation, or none, is refused.
    let mut unknown = stored.clone();
    unknown["id"] = json!(Uuid::new_v4());
    let (status, _) = error_of(
        rafael
            .call_json(
                "inbox/send-attachment",
                &json!({"conversation": conversation, "media": unknown, "caption": null,
                        "client_id": null}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Searching the list finds the conversation by the caption's words.
    let page = json_of(
        rafael
            .call_json(
                "inbox/list",
                &json!({"query": {"tab": "mine", "search": "faturas"}}),
            )
            .await,
    )
    .await;
    assert_eq!(page["rows"][0]["id"], json!(conversation));

    // A large file is kept in 1 MiB chunks, written as it arrives and read back as it goes out.
    let large: Vec<u8> = (0..(2 * 1024 * 1024 + 512 * 1024))
        .map(|i: u32| (i % 251) as u8)
        .collect();
    let r = rafael
        .upload(
            &upload_path("extrato.pdf"),
            "application/pdf",
            large.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored: Value = r.json().await.unwrap();
    let id = stored["id"].as_str().unwrap();
    let chunks = app
        .count(&format!(
            "select count(*) from blob_chunks where blob_id = '{id}'"
        ))
        .await;
    assert_eq!(chunks, 3);
    let link = backend::attachments::signed_link(&app.state, id.parse().unwrap());
    let r = reqwest::get(format!(
        "{}{}",
        rafael.base,
        &link[app.state.auth.public_origin.len()..]
    ))
    .await
    .unwrap();
    assert_eq!(r.headers()["content-length"], large.len().to_string());
    assert!(r.bytes().await.unwrap().as_ref() == large.as_slice());
    app.stop().await;
}

/// One customer who wrote on WhatsApp and on Messenger, the two contacts merged through the
/// REST API: (WhatsApp conversation, Messenger conversation), one contact's.
async fn one_customer_on_two_channels(app: &TestApp) -> (String, String) {
    let whatsapp = customer_writes_on(app, "whatsapp").await;
    let messenger = customer_writes_on(app, "messenger").await;
    let contact_of = |conversation: String| async move {
        let id: Uuid =
            sqlx::query_scalar("select contact_id from conversations where id = $1::uuid")
                .bind(conversation)
                .fetch_one(&app.state.pool)
                .await
                .unwrap();
        id
    };
    let (target, source) = (
        contact_of(whatsapp.clone()).await,
        contact_of(messenger.clone()).await,
    );
    let r = Api::new(app)
        .await
        .post(
            &format!("/api/v1/contacts/{source}/merge"),
            &json!({"into": target}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    (whatsapp, messenger)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the browser sends when it shows (or types in) a conversation.
fn presence(conversation: &str, typing: bool) -> Message {
    Message::Text(
        json!({"type": "presence", "conversation_id": conversation, "typing": typing})
            .to_string()
            .into(),
    )
}

/// The next presence event on the feed within `within`, skipping other events.
async fn next_presence(socket: &mut Socket, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let event: Value = serde_json::from_str(&t).unwrap();
                if event["type"] == json!("presence") {
                    return Some(event);
                }
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_viewing_a_conversation_sees_who_is_in_the_contacts_other_conversations() {
    let (app, _graph) = spawn_channel_app().await;
    let (whatsapp, messenger) = one_customer_on_two_channels(&app).await;
    let instagram = customer_writes_on(&app, "instagram").await; // another person
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let juliana = app.signed_in(OTHER_AGENT_EMAIL).await;
    let mut rafael_feed = feed(&app, &rafael, None).await;
    let mut juliana_feed = feed(&app, &juliana, None).await;
    for socket in [&mut rafael_feed, &mut juliana_feed] {
        assert_eq!(next_event(socket).await.unwrap()["type"], json!("hello"));
    }

    // Juliana shows the Messenger conversation; Rafael opens the WhatsApp one. The view shows
    // the contact's whole history, so Juliana sees Rafael there. (The browser repeats its
    // presence; so does this test, until Juliana's own message has been taken in.)
    juliana_feed
        .send(presence(&messenger, false))
        .await
        .unwrap();
    let mut seen = None;
    for _ in 0..20 {
        rafael_feed.send(presence(&whatsapp, false)).await.unwrap();
        seen = next_presence(&mut juliana_feed, Duration::from_millis(250)).await;
        if seen.is_some() {
            break;
        }
    }
    assert_eq!(
        seen.expect("Juliana sees Rafael in the contact's WhatsApp conversation"),
        json!({"type": "presence", "conversation_id": whatsapp,
               "user_id": user_id(&app, AGENT_EMAIL).await, "name": "Rafael Oliveira",
               "typing": false})
    );

    // Juliana types to another person, then in the Messenger conversation: Rafael, on the
    // WhatsApp one, sees only the second.
    juliana_feed.send(presence(&instagram, true)).await.unwrap();
    juliana_feed.send(presence(&messenger, true)).await.unwrap();
    // (Juliana's first presence, there without typing, may reach him before: Rafael watched
    // the Messenger conversation as soon as he opened the WhatsApp one.)
    let mut earlier = Vec::new();
    let typing = loop {
        let event = next_presence(&mut rafael_feed, Duration::from_secs(5))
            .await
            .expect("Rafael sees Juliana typing to the same customer on Messenger");
        if event["typing"] == json!(true) {
            break event;
        }
        earlier.push(event);
    };
    assert!(
        earlier
            .iter()
            .all(|e| e["conversation_id"] == json!(messenger)),
        "{earlier:?}"
    );
    assert_eq!(
        typing,
        json!({"type": "presence", "conversation_id": messenger,
               "user_id": user_id(&app, OTHER_AGENT_EMAIL).await, "name": "Juliana Costa",
               "typing": true})
    );
    assert_eq!(
        next_presence(&mut rafael_feed, Duration::from_millis(500)).await,
        None,
        "nothing about the other person's conversation"
    );
    let _ = rafael_feed.send(Message::Close(None)).await;
    let _ = juliana_feed.send(Message::Close(None)).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_retried_with_its_client_id_returns_the_first_message_and_goes_out_once() {
    let (app, graph) = spawn_channel_app().await;
    let conversation = whatsapp_customer(&app).await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    json_of(
        rafael
            .call_json("inbox/take", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let send = |client_id: &'static str| {
        let body = json!({"conversation": conversation, "text": "Já localizei o seu pedido.",
                          "note": false, "client_id": client_id});
        let rafael = &rafael;
        async move { rafael.call_json("inbox/send", &body).await }
    };
    let first = json_of(send("envio-1").await).await;
    // The browser did not get the answer and sends again: the same message, not a second one.
    let again = json_of(send("envio-1").await).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["seq"], first["seq"]);
    assert_eq!(again["text"], json!("Já localizei o seu pedido."));
    assert_eq!(
        app.count("select count(*) from messages where direction = 'outbound'")
            .await,
        1
    );
    wait_until(|| async {
        app.count("select count(*) from messages where status = 'sent'")
            .await
            == 1
    })
    .await;
    assert_eq!(graph.sends().len(), 1);

    // Even once the conversation is resolved, a late retry answers with what went out, while
    // a new message is refused. (Without a closing message, which would be one more send.)
    sqlx::query("update teams set closing_message = ''")
        .execute(&app.state.pool)
        .await
        .unwrap();
    json_of(
        rafael
            .call_json("inbox/resolve", &json!({"conversation": conversation}))
            .await,
    )
    .await;
    let late = json_of(send("envio-1").await).await;
    assert_eq!(late["id"], first["id"]);
    assert_eq!(late["status"], json!("sent"));
    let (status, body) = error_of(send("envio-2").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, json!("ConversationResolved"));
    assert_eq!(
        app.count("select count(*) from messages where direction = 'outbound'")
            .await,
        1
    );
    assert_eq!(graph.sends().len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catching_up_after_a_cursor_gives_the_contacts_later_messages_on_every_channel_oldest_first(
) {
    let (app, _graph) = spawn_channel_app().await;
    let (whatsapp, messenger) = one_customer_on_two_channels(&app).await;
    // The same customer writes again on both channels; another person writes on Instagram.
    app.signed_webhook(
        "whatsapp",
        &fixture("whatsapp/text.json").replace("wamid.HBgL", "wamid.DEPOIS"),
    )
    .await;
    app.settle().await;
    app.signed_webhook(
        "messenger",
        &fixture("messenger/text.json").replace("m_AbCdEf1", "m_Depois"),
    )
    .await;
    app.settle().await;
    let instagram = customer_writes_on(&app, "instagram").await;
    let stored: Vec<(i64, Uuid)> =
        sqlx::query_as("select seq, conversation_id from messages order by seq")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    let conversation_of = |i: usize| stored[i].1.to_string();
    assert_eq!(
        (0..5).map(conversation_of).collect::<Vec<_>>(),
        [&whatsapp, &messenger, &whatsapp, &messenger, &instagram].map(String::clone)
    );

    let rafael = app.signed_in(AGENT_EMAIL).await;
    let after = |id: &str, cursor: i64| {
        let body = json!({"id": id, "after": cursor});
        let rafael = &rafael;
        async move {
            let page = json_of(rafael.call_json("inbox/after", &body).await).await;
            page.as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["seq"].as_i64().unwrap(),
                        m["conversation_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let expected = |from: usize| {
        stored[from..4]
            .iter()
            .map(|(seq, c)| (*seq, c.to_string()))
            .collect::<Vec<_>>()
    };
    // After the first WhatsApp message: the three later ones, on both channels, oldest first,
    // without the other person's.
    assert_eq!(after(&whatsapp, stored[0].0).await, expected(1));
    // The contact's history is the same from either of their conversations.
    assert_eq!(after(&messenger, stored[0].0).await, expected(1));
    assert_eq!(after(&whatsapp, stored[2].0).await, expected(3));
    assert_eq!(after(&whatsapp, 0).await, expected(0));
    assert_eq!(after(&whatsapp, stored[3].0).await, expected(4));
    app.stop().await;
}

/// A customer's history shows only the conversations the viewer may see: another team's
/// conversation with the same customer, its messages, its private note and its events stay out
/// of an agent's view (an administrator, who sees every conversation, gets all of it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_history_shows_only_the_conversations_the_viewer_may_see() {
    let (app, _graph) = spawn_channel_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let legal: String = json_of(admin.call("teams/create", &[("name", "Jurídico")]).await)
        .await
        .as_str()
        .unwrap()
        .to_owned();
    // The first conversation: the legal team's, with a note, resolved long ago.
    let first = whatsapp_customer(&app).await;
    json_of(
        admin
            .call_json(
                "inbox/send",
                &json!({"conversation": first, "text": "Processo 0001234 — sigiloso", "note": true,
                        "client_id": null}),
            )
            .await,
    )
    .await;
    sqlx::query(
        "update conversations set team_id = $2, status = 'resolved',
             resolved_at = now() - interval '30 days' where id = $1",
    )
    .bind(Uuid::parse_str(&first).unwrap())
    .bind(Uuid::parse_str(&legal).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
    // The same customer writes again: a new conversation, in no team (the agent sees it).
    let again = fixture("whatsapp/text.json")
        .replace("wamid.HBgL", "wamid.AGAIN")
        .replace("Olá", "Oi de novo");
    app.signed_webhook("whatsapp", &again).await;
    app.settle().await;
    let second: Uuid = sqlx::query_scalar(
        "select id from conversations where id <> $1 order by created_at desc limit 1",
    )
    .bind(Uuid::parse_str(&first).unwrap())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let open = |browser: Browser| async move {
        json_of(
            browser
                .call_json("inbox/conversation", &json!({"id": second}))
                .await,
        )
        .await
    };
    let agent = open(app.signed_in(AGENT_EMAIL).await).await;
    let text = agent.to_string();
    assert!(
        !text.contains("sigiloso"),
        "no note of another team's conversation"
    );
    assert!(
        agent["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["conversation_id"] == json!(second)),
        "only the visible conversation's messages: {}",
        agent["messages"]
    );
    assert!(agent["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["conversation_id"] == json!(second)));
    assert_eq!(
        agent["contact"]["conversations"].as_array().unwrap().len(),
        1
    );
    let everything = open(app.signed_in(DEMO_EMAIL).await).await;
    assert!(everything.to_string().contains("sigiloso"));
    assert_eq!(
        everything["contact"]["conversations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.stop().await;
}

/// An agent (no right to see CPFs) reads a CPF the customer typed masked, in the conversation
/// and in the list's preview, and may not search by a full CPF; a supervisor reads and finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpfs_in_messages_are_masked_for_roles_that_may_not_see_them() {
    let (app, _graph) = spawn_channel_app().await;
    let body = fixture("whatsapp/text.json").replace(
        "Olá, preciso de ajuda com o meu pedido 4521",
        "Meu CPF é 529.982.247-25, pode ver minha conta?",
    );
    app.signed_webhook("whatsapp", &body).await;
    app.settle().await;
    let conversation: Uuid = sqlx::query_scalar("select id from conversations limit 1")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let agent = app.signed_in(AGENT_EMAIL).await;
    let seen = json_of(
        agent
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await
    .to_string();
    assert!(
        !seen.contains("529.982.247-25") && !seen.contains("52998224725"),
        "{seen}"
    );
    assert!(
        seen.contains("Meu CPF é ***.982.247-**, pode ver minha conta?"),
        "{seen}"
    );
    let list = json_of(
        agent
            .call_json("inbox/list", &json!({"query": {"tab": "queue"}}))
            .await,
    )
    .await;
    assert_eq!(
        list["rows"][0]["preview"],
        json!("Meu CPF é ***.982.247-**, pode ver minha conta?")
    );
    let (status, body) = error_of(
        agent
            .call_json(
                "inbox/list",
                &json!({"query": {"tab": "queue", "search": "529.982.247-25"}}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        body.to_string().contains("não permite buscar por CPF"),
        "{body}"
    );

    let supervisor = app.signed_in(SUPERVISOR_EMAIL).await;
    let seen = json_of(
        supervisor
            .call_json("inbox/conversation", &json!({"id": conversation}))
            .await,
    )
    .await
    .to_string();
    assert!(seen.contains("529.982.247-25"));
    // Allowed to search by it (the contact's CPF is what a CPF search finds).
    json_of(
        supervisor
            .call_json(
                "inbox/list",
                &json!({"query": {"tab": "all", "search": "529.982.247-25"}}),
            )
            .await,
    )
    .await;
    app.stop().await;
}
