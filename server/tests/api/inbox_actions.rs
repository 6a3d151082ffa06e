//! Inbox actions that only the RBAC table reached before, now with real rows: saved replies,
//! editing the contact from a conversation, and continuing a conversation on another channel.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

async fn channel_id(app: &TestApp, kind: &str) -> String {
    let id: Uuid = sqlx::query_scalar("select id from channels where kind::text = $1")
        .bind(kind)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_create_edit_and_delete_saved_replies_and_agents_use_them() {
    let app = spawn_app().await;
    let carla = app.signed_in(SUPERVISOR_EMAIL).await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let before = app
        .count("select count(*) from audit_log where action = 'canned_response_changed'")
        .await;

    let nil = Uuid::nil();
    ok(carla
        .call_json(
            "inbox/canned-save",
            &json!({"input": {"id": nil, "shortcut": "/Boleto", "title": "Segunda via",
                    "body": "  Sua segunda via está no link abaixo.  "}}),
        )
        .await)
    .await;
    // Agents read them (the composer's "/" list), stored as typed but tidied.
    let list = ok(rafael.call_json("inbox/canned", &json!({})).await).await;
    let saved = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["shortcut"] == "boleto")
        .cloned()
        .expect("the new saved reply is listed");
    assert_eq!(saved["title"], "Segunda via");
    assert_eq!(saved["body"], "Sua segunda via está no link abaixo.");
    let id = saved["id"].as_str().unwrap().to_owned();

    // Editing keeps the id and changes the text.
    ok(carla
        .call_json(
            "inbox/canned-save",
            &json!({"input": {"id": id, "shortcut": "boleto", "title": "2ª via",
                    "body": "Segue a segunda via."}}),
        )
        .await)
    .await;
    let list = ok(rafael.call_json("inbox/canned", &json!({})).await).await;
    let edited: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["shortcut"] == "boleto")
        .collect();
    assert_eq!(edited.len(), 1);
    assert_eq!(edited[0]["id"], json!(id));
    assert_eq!(edited[0]["title"], "2ª via");

    // A shortcut already in use is refused in pt-BR, and nothing changes.
    ok(carla
        .call_json(
            "inbox/canned-save",
            &json!({"input": {"id": nil, "shortcut": "pix", "title": "PIX", "body": "Chave PIX"}}),
        )
        .await)
    .await;
    let (status, body) = error_of(
        carla
            .call_json(
                "inbox/canned-save",
                &json!({"input": {"id": id, "shortcut": "pix", "title": "x", "body": "y"}}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["Refused"]["message"],
        "Já existe uma resposta com o atalho /pix."
    );
    let title: String = sqlx::query_scalar("select title from canned_responses where id = $1")
        .bind(Uuid::parse_str(&id).unwrap())
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(title, "2ª via");

    // A bad shortcut is refused before anything is stored.
    let (status, body) = error_of(
        carla
            .call_json(
                "inbox/canned-save",
                &json!({"input": {"id": nil, "shortcut": "com espaço", "title": "x", "body": "y"}}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["Refused"]["reason"], "canned_shortcut_invalid");

    // Agents may read but not write.
    let r = rafael
        .call_json("inbox/canned-delete", &json!({"id": id}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Deleting removes it; deleting again, or editing what is gone, names nothing.
    ok(carla
        .call_json("inbox/canned-delete", &json!({"id": id}))
        .await)
    .await;
    let r = carla
        .call_json("inbox/canned-delete", &json!({"id": id}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = carla
        .call_json(
            "inbox/canned-save",
            &json!({"input": {"id": id, "shortcut": "boleto", "title": "x", "body": "y"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("select count(*) from canned_responses where shortcut = 'boleto'")
            .await,
        0
    );
    // Every change is in the audit log: two saves, the other reply's save, one delete.
    let after = app
        .count("select count(*) from audit_log where action = 'canned_response_changed'")
        .await;
    assert_eq!(after - before, 4);
    app.stop().await;
}

async fn contact_row(
    app: &TestApp,
    conversation: &str,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    sqlx::query_as(
        "select ct.name, ct.email, ct.cpf, ct.attributes->>'plano' from contacts ct
         join conversations c on c.contact_id = ct.id where c.id = $1",
    )
    .bind(Uuid::parse_str(conversation).unwrap())
    .fetch_one(&app.state.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_and_supervisors_edit_the_contact_from_the_conversation_and_bad_values_change_nothing(
) {
    let (app, _graph) = spawn_channel_app().await;
    let conversation = customer_writes_on(&app, "whatsapp").await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let carla = app.signed_in(SUPERVISOR_EMAIL).await;

    // An agent edits name, e-mail and attributes. The CPF is not theirs to set: they see it
    // masked (docs/permissions.md), so what they send for it is left alone.
    let panel = ok(rafael
        .call_json(
            "inbox/contact",
            &json!({"conversation": conversation, "input": {
                "name": "  Ana Souza ", "email": "Ana@Exemplo.com.br", "cpf": "11111111111",
                "attributes": {"plano": "ouro", "cidade": "Campinas"}}}),
        )
        .await)
    .await;
    assert_eq!(panel["name"], "Ana Souza");
    assert_eq!(panel["attributes"]["plano"], "ouro");
    assert_eq!(
        contact_row(&app, &conversation).await,
        (
            Some("Ana Souza".into()),
            Some("ana@exemplo.com.br".into()),
            None,
            Some("ouro".into())
        )
    );

    // A supervisor sets the CPF, typed with punctuation, stored as digits.
    let panel = ok(carla
        .call_json(
            "inbox/contact",
            &json!({"conversation": conversation, "input": {"cpf": "529.982.247-25"}}),
        )
        .await)
    .await;
    assert_eq!(panel["cpf"], "529.982.247-25");
    assert_eq!(
        contact_row(&app, &conversation).await.2.as_deref(),
        Some("52998224725")
    );

    // A CPF with wrong check digits is refused with its reason; nothing is changed, not even
    // the valid field sent with it.
    let (status, body) = error_of(
        carla
            .call_json(
                "inbox/contact",
                &json!({"conversation": conversation,
                        "input": {"name": "Outro Nome", "cpf": "529.982.247-26"}}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "cpf");
    let row = contact_row(&app, &conversation).await;
    assert_eq!(row.0.as_deref(), Some("Ana Souza"));
    assert_eq!(row.2.as_deref(), Some("52998224725"));

    // Fields left out are kept; an empty one is cleared.
    let panel = ok(rafael
        .call_json(
            "inbox/contact",
            &json!({"conversation": conversation, "input": {"email": ""}}),
        )
        .await)
    .await;
    assert_eq!(panel["name"], "Ana Souza");
    assert_eq!(panel["email"], Value::Null);

    // A conversation the agent may not see (another team's queue) is not there for them.
    sqlx::query("insert into teams (id, name) values ($1, 'Ouvidoria')")
        .bind(Uuid::new_v4())
        .execute(&app.state.pool)
        .await
        .unwrap();
    sqlx::query(
        "update conversations set team_id = (select id from teams where name = 'Ouvidoria'),
         status = 'waiting', assignee_id = null where id = $1",
    )
    .bind(Uuid::parse_str(&conversation).unwrap())
    .execute(&app.state.pool)
    .await
    .unwrap();
    let r = rafael
        .call_json(
            "inbox/contact",
            &json!({"conversation": conversation, "input": {"name": "Intruso"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        contact_row(&app, &conversation).await.0.as_deref(),
        Some("Ana Souza")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuing_on_whatsapp_opens_the_conversation_there_assigned_to_the_same_agent() {
    let (app, _graph) = spawn_channel_app().await;
    let messenger = customer_writes_on(&app, "messenger").await;
    let whatsapp = channel_id(&app, "whatsapp").await;
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let rafael_id = user_id(&app, AGENT_EMAIL).await;
    ok(rafael
        .call_json("inbox/take", &json!({"conversation": messenger}))
        .await)
    .await;

    // Without a phone the contact cannot be reached on WhatsApp: refused, nothing opened.
    let (status, body) = error_of(
        rafael
            .call_json(
                "inbox/continue",
                &json!({"conversation": messenger, "channel": whatsapp}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["Refused"]["message"],
        "O contato não tem identificação neste canal."
    );
    assert_eq!(app.count("select count(*) from conversations").await, 1);

    // With the phone typed in, the conversation continues there, with the agent and the team.
    ok(rafael
        .call_json(
            "inbox/contact",
            &json!({"conversation": messenger, "input": {"phone": "(11) 98765-4000"}}),
        )
        .await)
    .await;
    let target = ok(rafael
        .call_json(
            "inbox/continue",
            &json!({"conversation": messenger, "channel": whatsapp}),
        )
        .await)
    .await;
    let target = target.as_str().unwrap().to_owned();
    assert_ne!(target, messenger);
    let (status, assignee, same_team, wa_id): (String, Uuid, bool, String) = sqlx::query_as(
        "select t.status::text, t.assignee_id, t.team_id = s.team_id, ci.external_id
         from conversations t
         join conversations s on s.id = $2
         join contact_identities ci on ci.contact_id = t.contact_id and ci.channel_id = t.channel_id
         where t.id = $1",
    )
    .bind(Uuid::parse_str(&target).unwrap())
    .bind(Uuid::parse_str(&messenger).unwrap())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(status, "open");
    assert_eq!(assignee.to_string(), rafael_id);
    assert!(same_team);
    assert_eq!(wa_id, "5511987654000");
    // Both conversations say what happened.
    let moved: Value = sqlx::query_scalar(
        "select details from conversation_events where conversation_id = $1 and kind = 'moved'",
    )
    .bind(Uuid::parse_str(&messenger).unwrap())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(moved["to_conversation"], json!(target));
    let created: Value = sqlx::query_scalar(
        "select details from conversation_events where conversation_id = $1 and kind = 'created'",
    )
    .bind(Uuid::parse_str(&target).unwrap())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(created["from_conversation"], json!(messenger));

    // Continuing again finds the open conversation rather than opening another.
    let again = ok(rafael
        .call_json(
            "inbox/continue",
            &json!({"conversation": messenger, "channel": whatsapp}),
        )
        .await)
    .await;
    assert_eq!(again, json!(target));
    assert_eq!(app.count("select count(*) from conversations").await, 2);
    app.stop().await;
}

type Placement = (
    shared::ConversationId,
    Option<shared::TeamId>,
    Option<shared::UserId>,
);

/// One conversation for every placement it can have: no team, Rafael's team, a team he is not
/// in; no assignee, Rafael, Juliana. Answers Rafael's id, his team, and the placements.
async fn every_placement(app: &TestApp) -> (shared::UserId, shared::TeamId, Vec<Placement>) {
    use shared::{ConversationId, TeamId, UserId};
    let pool = &app.state.pool;
    let viewer = UserId(Uuid::parse_str(&user_id(app, AGENT_EMAIL).await).unwrap());
    let other = UserId(Uuid::parse_str(&user_id(app, OTHER_AGENT_EMAIL).await).unwrap());
    let mine = TeamId(Uuid::parse_str(&demo_team_id(app).await).unwrap());
    let theirs = TeamId(Uuid::new_v4());
    sqlx::query("insert into teams (id, name) values ($1, 'Ouvidoria')")
        .bind(theirs)
        .execute(pool)
        .await
        .unwrap();
    let channel: Uuid = sqlx::query_scalar("select id from channels limit 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut placements = Vec::new();
    for team in [None, Some(mine), Some(theirs)] {
        for assignee in [None, Some(viewer), Some(other)] {
            let (contact, id) = (Uuid::new_v4(), ConversationId(Uuid::new_v4()));
            sqlx::query("insert into contacts (id, name) values ($1, 'Cliente')")
                .bind(contact)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query(
                "insert into conversations (id, contact_id, channel_id, team_id, assignee_id,
                     status, last_message_at)
                 values ($1, $2, $3, $4, $5,
                     case when $5 is null then 'waiting' else 'open' end::conversation_status,
                     now())",
            )
            .bind(id)
            .bind(contact)
            .bind(channel)
            .bind(team)
            .bind(assignee)
            .execute(pool)
            .await
            .unwrap();
            placements.push((id, team, assignee));
        }
    }
    (viewer, mine, placements)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_in_sql_is_the_shared_rule() {
    use shared::ConversationId;
    let app = spawn_app().await;
    let (viewer, mine, placements) = every_placement(&app).await;
    let theirs = placements[6].1.unwrap();
    let ids: Vec<ConversationId> = placements.iter().map(|p| p.0).collect();
    for sees_all in [false, true] {
        for teams in [vec![], vec![mine], vec![mine, theirs]] {
            let by_sql = backend::db::conversations::visible_among(
                &app.state.pool,
                &ids,
                sees_all,
                viewer,
                &teams,
            )
            .await
            .unwrap();
            let mut by_rule: Vec<ConversationId> = placements
                .iter()
                .filter(|(_, team, assignee)| {
                    shared::inbox::visible(sees_all, viewer, &teams, *team, *assignee)
                })
                .map(|p| p.0)
                .collect();
            by_rule.sort_by_key(|c| c.0);
            assert_eq!(by_sql, by_rule, "sees all: {sees_all}, teams: {teams:?}");
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lists_tabs_show_an_agent_exactly_what_the_shared_rule_lets_them_see() {
    use std::collections::BTreeSet;
    let app = spawn_app().await;
    let (viewer, _, placements) = every_placement(&app).await;
    let teams: Vec<shared::TeamId> =
        sqlx::query_scalar("select team_id from team_members where user_id = $1")
            .bind(viewer)
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    let rafael = app.signed_in(AGENT_EMAIL).await;
    let mut shown = BTreeSet::new();
    for tab in ["mine", "queue", "team"] {
        let page = ok(rafael
            .call_json("inbox/list", &json!({"query": {"tab": tab}}))
            .await)
        .await;
        for row in page["rows"].as_array().unwrap() {
            let id = Uuid::parse_str(row["id"].as_str().unwrap()).unwrap();
            let placement = placements.iter().find(|p| p.0 .0 == id).unwrap();
            assert!(
                shared::inbox::visible(false, viewer, &teams, placement.1, placement.2),
                "tab {tab} shows {placement:?}, which the rule hides"
            );
            shown.insert(id);
        }
    }
    let visible: BTreeSet<Uuid> = placements
        .iter()
        .filter(|(_, team, assignee)| {
            shared::inbox::visible(false, viewer, &teams, *team, *assignee)
        })
        .map(|p| p.0 .0)
        .collect();
    assert_eq!(
        shown, visible,
        "the tabs together show every visible conversation"
    );
    app.stop().await;
}

/// The unfiltered tabs have statements of their own (so PostgreSQL can keep a generic plan);
/// page after page, they list exactly what the general statement lists for the same tab.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_unfiltered_tab_pages_through_what_the_general_statement_lists() {
    use backend::db::inbox::{filtered, unfiltered, Filter, Viewer};
    use shared::inbox::{InboxCursor, InboxTab};
    let app = spawn_app().await;
    let pool = &app.state.pool;
    let (viewer, mine, placements) = every_placement(&app).await;
    let theirs = placements[6].1.unwrap();
    // A resolved one in each placement's company, which no unfiltered tab shows.
    sqlx::query("update conversations set status = 'resolved' where id = any($1)")
        .bind([placements[1].0, placements[4].0])
        .execute(pool)
        .await
        .unwrap();
    let mut checked = 0;
    for sees_all in [false, true] {
        for teams in [vec![], vec![mine], vec![mine, theirs]] {
            let who = Viewer {
                user: viewer,
                sees_all,
                teams: &teams,
            };
            for tab in InboxTab::ALL {
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                let mut after: Option<InboxCursor> = None;
                loop {
                    let page = unfiltered(pool, &who, tab, after.as_ref(), 2)
                        .await
                        .unwrap();
                    let filter = Filter {
                        tab,
                        status: None,
                        channel: None,
                        team: None,
                        search: None,
                        after,
                    };
                    let same = filtered(pool, &who, &filter, 2).await.unwrap();
                    let ids = |rows: &[shared::inbox::InboxRow]| {
                        rows.iter().map(|r| r.id).collect::<Vec<_>>()
                    };
                    assert_eq!(ids(&page), ids(&same), "tab {tab:?}, after {after:?}");
                    after = page.last().map(|r| InboxCursor {
                        last_message_at: r.last_message_at,
                        id: r.id,
                    });
                    fast.extend(ids(&page));
                    general.extend(ids(&same));
                    if page.len() < 2 {
                        break;
                    }
                }
                assert_eq!(fast, general);
                assert!(
                    !fast.contains(&placements[1].0) && !fast.contains(&placements[4].0),
                    "no unfiltered tab lists a resolved conversation"
                );
                checked += fast.len();
            }
        }
    }
    assert!(checked > 0, "the tabs listed something to compare");
    app.stop().await;
}
