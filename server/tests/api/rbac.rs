//! Every role against every server function and protected page. The table must list every
//! server function the application registers, so a new one cannot ship unchecked.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    Supervisor,
    Agent,
}

/// Who may call each endpoint. `Anyone` includes anonymous visitors.
#[derive(Clone, Copy, Debug)]
enum Allowed {
    Anyone,
    SignedIn,
    AdminOrSupervisor,
    AdminOnly,
}

impl Allowed {
    fn admits(self, who: Who) -> bool {
        match self {
            Allowed::Anyone => true,
            Allowed::SignedIn => who != Who::Anonymous,
            Allowed::AdminOrSupervisor => matches!(who, Who::Admin | Who::Supervisor),
            Allowed::AdminOnly => who == Who::Admin,
        }
    }
}

/// (endpoint, who may call it, form arguments).
type Row = (&'static str, Allowed, Vec<(&'static str, String)>);

/// Arguments are valid where an argument is needed, so that an allowed call gets the answer
/// [`answer_when_allowed`] names for them.
fn table(ids: &Ids) -> Vec<Row> {
    use Allowed::*;
    vec![
        ("session/current", Anyone, vec![]),
        (
            "session/login",
            Anyone,
            vec![("email", "x@y.com".into()), ("password", "errada".into())],
        ),
        (
            "session/verify-code",
            Anyone,
            vec![("code", "000000".into())],
        ),
        ("session/logout", Anyone, vec![]),
        ("setup/status", Anyone, vec![("token", "nenhum".into())]),
        ("demo/reset", AdminOnly, vec![]),
        (
            "setup/first-admin",
            Anyone,
            vec![
                ("token", "nenhum".into()),
                ("name", "Ana".into()),
                ("email", "ana@empresa.com.br".into()),
                ("password", "senha-longa-1".into()),
                ("confirm", "senha-longa-1".into()),
            ],
        ),
        ("dashboard/counts", SignedIn, vec![]),
        (
            "profile/password",
            SignedIn,
            vec![
                ("current_password", "errada".into()),
                ("new_password", "nova-senha-123".into()),
            ],
        ),
        ("profile/totp/start", SignedIn, vec![]),
        (
            "profile/totp/confirm",
            SignedIn,
            vec![("code", "000000".into())],
        ),
        (
            "profile/totp/disable",
            SignedIn,
            vec![("password", "errada".into()), ("code", "000000".into())],
        ),
        (
            "profile/availability",
            SignedIn,
            vec![("availability", "away".into())],
        ),
        ("teams/list", AdminOrSupervisor, vec![]),
        ("teams/names", AdminOrSupervisor, vec![]),
        ("teams/candidates", AdminOrSupervisor, vec![]),
        (
            "teams/create",
            AdminOnly,
            vec![("name", "Equipe RBAC".into())],
        ),
        (
            "teams/rename",
            AdminOnly,
            vec![
                ("id", ids.team.clone()),
                ("name", "Atendimento Geral".into()),
            ],
        ),
        (
            "teams/add-member",
            AdminOrSupervisor,
            vec![
                ("team", ids.team.clone()),
                ("user", ids.other_agent.clone()),
                ("as_supervisor", "false".into()),
            ],
        ),
        (
            "teams/business-hours",
            AdminOrSupervisor,
            vec![
                ("id", ids.team.clone()),
                ("time_zone", "America/Sao_Paulo".into()),
                ("days", String::new()),
            ],
        ),
        (
            "teams/closing-message",
            AdminOrSupervisor,
            vec![
                ("id", ids.team.clone()),
                ("message", "Obrigado pelo contato!".into()),
            ],
        ),
        (
            "teams/remove-member",
            AdminOrSupervisor,
            vec![
                ("team", ids.team.clone()),
                ("user", ids.other_agent.clone()),
            ],
        ),
        ("users/list", AdminOnly, vec![]),
        (
            "users/set-active",
            AdminOnly,
            vec![("id", ids.other_agent.clone()), ("active", "true".into())],
        ),
        (
            "users/reset-password",
            AdminOnly,
            vec![("id", ids.other_agent.clone())],
        ),
        ("audit/list", AdminOnly, vec![]),
        ("channels/list", AdminOnly, vec![]),
        ("channels/teams", AdminOnly, vec![]),
        (
            "channels/test",
            AdminOnly,
            vec![("id", uuid::Uuid::new_v4().to_string())],
        ),
        ("api-tokens/list", AdminOnly, vec![]),
        ("integrations/get", AdminOnly, vec![]),
        ("channels/flows", AdminOnly, vec![]),
        ("flows/list", AdminOrSupervisor, vec![]),
        (
            "flows/get",
            AdminOrSupervisor,
            vec![("key", "principal".into())],
        ),
        (
            "flows/versions",
            AdminOrSupervisor,
            vec![("key", "principal".into())],
        ),
        ("flows/test-contacts", AdminOnly, vec![]),
        ("templates/list", AdminOrSupervisor, vec![]),
        ("templates/flows", AdminOrSupervisor, vec![]),
        ("campaigns/list", AdminOrSupervisor, vec![]),
        ("campaigns/erp-audience", AdminOnly, vec![]),
        ("campaigns/audience-channels", AdminOnly, vec![]),
        ("campaigns/settings", AdminOnly, vec![]),
        (
            "campaigns/get",
            AdminOrSupervisor,
            vec![("id", uuid::Uuid::from_u128(0xdead_beef).to_string())],
        ),
        (
            "campaigns/recipients",
            AdminOrSupervisor,
            vec![("id", uuid::Uuid::from_u128(0xdead_beef).to_string())],
        ),
        (
            "campaigns/retry-failures",
            AdminOnly,
            vec![("id", uuid::Uuid::from_u128(0xdead_beef).to_string())],
        ),
        (
            "templates/delete",
            AdminOnly,
            vec![("id", uuid::Uuid::from_u128(0xdead_beef).to_string())],
        ),
        (
            "templates/sync",
            AdminOnly,
            vec![("channel", uuid::Uuid::from_u128(0xdead_beef).to_string())],
        ),
        (
            "flows/test-contacts/save",
            AdminOnly,
            vec![("phones", "(11) 99999-0001".into())],
        ),
        (
            "flows/analytics",
            AdminOrSupervisor,
            vec![("key", "principal".into())],
        ),
        (
            "flows/presence",
            AdminOrSupervisor,
            vec![("key", "principal".into())],
        ),
        (
            "flows/version",
            AdminOrSupervisor,
            vec![("key", "principal".into()), ("version", "1".into())],
        ),
        (
            "flows/publish",
            AdminOnly,
            vec![("key", "nao-existe".into()), ("note", String::new())],
        ),
        (
            "flows/restore",
            AdminOnly,
            vec![("key", "nao-existe".into()), ("version", "1".into())],
        ),
        (
            "flows/create",
            AdminOnly,
            vec![("name", "RBAC".into()), ("template", "em-branco".into())],
        ),
        (
            "flows/duplicate",
            AdminOnly,
            vec![("key", "nao-existe".into())],
        ),
        (
            "flows/archive",
            AdminOnly,
            vec![("key", "nao-existe".into()), ("archived", "true".into())],
        ),
        ("flows/import", AdminOnly, vec![("json", "{}".into())]),
        (
            "flows/channel",
            AdminOnly,
            vec![
                ("channel", uuid::Uuid::from_u128(0xdead_beef).to_string()),
                ("flow", String::new()),
            ],
        ),
        // The demo simulator is public (in demo mode).
        ("demo/enabled", Anyone, vec![]),
        (
            "api-tokens/create",
            AdminOnly,
            vec![("name", "rbac".into())],
        ),
        (
            "api-tokens/revoke",
            AdminOnly,
            vec![("id", uuid::Uuid::new_v4().to_string())],
        ),
        ("settings/security", AdminOnly, vec![]),
        (
            "settings/security/save",
            AdminOnly,
            vec![
                ("require_totp_admin", "false".into()),
                ("require_totp_supervisor", "false".into()),
                ("require_totp_agent", "false".into()),
            ],
        ),
    ]
}

/// Server functions whose input is JSON.
fn json_table(ids: &Ids) -> Vec<(&'static str, Allowed, serde_json::Value)> {
    use Allowed::*;
    // A conversation (or channel) that does not exist: the allowed get 404, not 401/403.
    let nobody = uuid::Uuid::from_u128(0xdead_beef);
    vec![
        (
            "campaigns/create",
            AdminOnly,
            json!({"campaign": {"name": "RBAC", "channel": nobody, "template_name": "rbac",
                "template_language": "pt_BR", "csv": "telefone\n11987654321\n",
                "phone_column": null, "variables": {}, "rate_per_second": null,
                "schedule_at": null, "respect_quiet_hours": true, "expires_at": null}}),
        ),
        (
            "campaigns/act",
            AdminOnly,
            json!({"id": nobody, "action": "pause"}),
        ),
        (
            "campaigns/contacts-audience",
            AdminOnly,
            json!({"filter": {}}),
        ),
        (
            "campaigns/settings-save",
            AdminOnly,
            json!({"settings": {}}),
        ),
        (
            "templates/button-actions",
            AdminOnly,
            json!({"id": nobody, "button_actions": [{"index": 0, "action": "opt_out"}]}),
        ),
        (
            "templates/create",
            AdminOnly,
            json!({"channel": nobody, "template": {"name": "rbac", "language": "pt_BR",
                "category": "UTILITY", "body": "Olá, tudo bem com você?"}}),
        ),
        (
            "flows/test",
            AdminOnly,
            json!({"request": {"key": "principal", "state": null, "text": "oi", "choice": null,
                "start_at": null, "canned": {},
                "draft": {"key": "principal", "name": "RBAC", "start": "a",
                    "nodes": [{"id": "a", "type": "end", "message": "Fim"}], "edges": []}}}),
        ),
        (
            "flows/save",
            AdminOnly,
            json!({"key": "nao-existe", "base_revision": 1,
                   "flow": {"key": "nao-existe", "name": "RBAC", "start": "a", "nodes": [], "edges": []}}),
        ),
        (
            "users/create",
            AdminOnly,
            json!({"form": {"name": "Nova Pessoa", "role": "agent", "capacity": 3, "teams": []},
                   "email": format!("rbac-{}@empresa.com", uuid::Uuid::new_v4().simple()),
                   "password": "senha-forte-1"}),
        ),
        (
            "users/update",
            Allowed::AdminOnly,
            json!({"id": ids.other_agent, "form": {"name": "Juliana Costa", "role": "agent", "capacity": 5, "teams": [ids.team]}}),
        ),
        (
            "channels/save",
            Allowed::AdminOnly,
            json!({"id": null, "input": {"kind": "webchat", "name": "Site", "external_id": null,
                "business_account_id": null, "access_token": null, "app_secret": null,
                "verify_token": null, "default_team_id": null, "active": true,
                "webchat": {"color": "#0f766e", "title": "Chat", "greeting": "Olá",
                    "allowed_origins": ["https://loja.com.br"]}}}),
        ),
        ("inbox/list", SignedIn, json!({"query": {"tab": "mine"}})),
        (
            "integrations/test",
            AdminOnly,
            json!({"cpf": "111.111.111-11", "input": {"base_url": "", "auth_header": "",
                "auth_value": "", "timeout_ms": 5000, "paths": {}, "mappings": {},
                "reminder_minutes": 5, "close_minutes": 10}}),
        ),
        (
            "integrations/save",
            AdminOnly,
            json!({"input": {"base_url": "", "auth_header": "", "auth_value": "",
                "timeout_ms": 5000, "paths": {}, "mappings": {}, "reminder_minutes": 5,
                "close_minutes": 10}}),
        ),
        (
            "demo/send",
            Anyone,
            json!({"channel": "webchat", "session": "rbac-0000-0000-0000-0001", "text": "oi", "option": null}),
        ),
        (
            "demo/poll",
            Anyone,
            json!({"channel": "webchat", "session": "rbac-0000-0000-0000-0001", "after": 0}),
        ),
        (
            "demo/campaign",
            Anyone,
            json!({"session": "rbac-0000-0000-0000-0001"}),
        ),
        (
            "demo/restart",
            Anyone,
            json!({"channel": "webchat", "session": "rbac-0000-0000-0000-0001"}),
        ),
        ("inbox/conversation", SignedIn, json!({"id": nobody})),
        (
            "inbox/history",
            SignedIn,
            json!({"id": nobody, "before": 10}),
        ),
        ("inbox/after", SignedIn, json!({"id": nobody, "after": 0})),
        (
            "inbox/send",
            SignedIn,
            json!({"conversation": nobody, "text": "oi", "note": false, "client_id": null}),
        ),
        (
            "inbox/send-attachment",
            SignedIn,
            json!({"conversation": nobody, "media": {"id": nobody, "kind": "document",
                   "filename": "a.pdf", "mime": "application/pdf", "size": 1}, "caption": null,
                   "client_id": null}),
        ),
        (
            "inbox/send-template",
            SignedIn,
            json!({"conversation": nobody, "name": "x", "language": "pt_BR", "values": []}),
        ),
        ("inbox/take", SignedIn, json!({"conversation": nobody})),
        (
            "inbox/assign",
            AdminOrSupervisor,
            json!({"conversation": nobody, "agent": ids.other_agent}),
        ),
        (
            "inbox/transfer",
            SignedIn,
            json!({"input": {"conversation": nobody, "team": null, "agent": null, "note": null}}),
        ),
        ("inbox/resolve", SignedIn, json!({"conversation": nobody})),
        ("inbox/reopen", SignedIn, json!({"conversation": nobody})),
        (
            "inbox/continue",
            SignedIn,
            json!({"conversation": nobody, "channel": nobody}),
        ),
        (
            "inbox/reveal-cpf",
            SignedIn,
            json!({"conversation": nobody}),
        ),
        (
            "inbox/contact",
            SignedIn,
            json!({"conversation": nobody, "input": {}}),
        ),
        ("inbox/agents", SignedIn, json!({})),
        ("inbox/teams", SignedIn, json!({})),
        (
            "inbox/auto-assign",
            AdminOrSupervisor,
            json!({"team": ids.team, "on": true}),
        ),
        ("inbox/canned", SignedIn, json!({})),
        (
            "inbox/canned-save",
            AdminOrSupervisor,
            json!({"input": {"id": nobody, "shortcut": "rbac", "title": "RBAC", "body": "Texto"}}),
        ),
        (
            "inbox/canned-delete",
            AdminOrSupervisor,
            json!({"id": uuid::Uuid::new_v4()}),
        ),
        ("inbox/settings", AdminOnly, json!({})),
        (
            "inbox/settings-save",
            AdminOnly,
            json!({"settings": {"reopen_window_minutes": 1440, "offline_grace_minutes": 5}}),
        ),
        (
            "channels/sync-templates",
            AdminOnly,
            json!({"channel": nobody}),
        ),
    ]
}

struct Ids {
    team: String,
    other_agent: String,
}

async fn browser_for(app: &TestApp, who: Who) -> Browser {
    match who {
        Who::Anonymous => app.browser().await,
        Who::Admin => app.signed_in(DEMO_EMAIL).await,
        Who::Supervisor => app.signed_in(SUPERVISOR_EMAIL).await,
        Who::Agent => app.signed_in(AGENT_EMAIL).await,
    }
}

/// What an allowed caller gets for the table's arguments: success, or the one refusal the call
/// documents for that input (a record that does not exist, a wrong password). Never a 5xx, and
/// never "anything but 401/403".
fn answer_when_allowed(endpoint: &str) -> StatusCode {
    match endpoint {
        // Wrong credentials, by design (their bodies are checked in auth.rs and totp.rs).
        "session/login"
        | "session/verify-code"
        | "profile/password"
        | "profile/totp/confirm"
        | "profile/totp/disable" => StatusCode::UNAUTHORIZED,
        // Ids that name nothing.
        "channels/test"
        | "api-tokens/revoke"
        | "inbox/conversation"
        | "inbox/history"
        | "inbox/after"
        | "inbox/send"
        | "inbox/send-attachment"
        | "inbox/send-template"
        | "inbox/take"
        | "inbox/assign"
        | "inbox/transfer"
        | "inbox/resolve"
        | "inbox/reopen"
        | "inbox/continue"
        | "inbox/reveal-cpf"
        | "inbox/contact"
        | "inbox/canned-save"
        | "inbox/canned-delete"
        | "channels/sync-templates"
        | "flows/publish"
        | "flows/restore"
        | "flows/duplicate"
        | "flows/archive"
        | "flows/channel"
        | "flows/save"
        | "templates/create"
        | "templates/delete"
        | "templates/button-actions"
        | "templates/sync"
        | "campaigns/get"
        | "campaigns/recipients"
        | "campaigns/retry-failures"
        | "campaigns/create"
        | "campaigns/act" => StatusCode::NOT_FOUND,
        // Not a flow file: refused with the reason.
        "flows/import" => StatusCode::CONFLICT,
        // The demo has its administrators: the first-run page is gone.
        "setup/first-admin" => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    }
}

fn denied(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_covers_every_registered_server_function() {
    let ids = Ids {
        team: String::new(),
        other_agent: String::new(),
    };
    let listed: BTreeSet<String> = table(&ids)
        .iter()
        .map(|(e, _, _)| format!("/api/{e}"))
        .chain(json_table(&ids).iter().map(|(e, _, _)| format!("/api/{e}")))
        .collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    assert_eq!(listed, registered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_is_refused_or_admitted_by_every_server_function_as_the_matrix_says() {
    let app = spawn_app().await;
    let ids = Ids {
        team: demo_team_id(&app).await,
        other_agent: user_id(&app, OTHER_AGENT_EMAIL).await,
    };
    let mut failures = Vec::new();
    for who in [Who::Anonymous, Who::Agent, Who::Supervisor, Who::Admin] {
        for (endpoint, allowed, args) in table(&ids) {
            // Logging out would end the session the rest of the loop uses.
            if endpoint == "session/logout" {
                continue;
            }
            // Resetting the demo makes its accounts again, ending every session the loop uses;
            // the administrator's reset is tested in demo_mode.rs.
            if endpoint == "demo/reset" && who == Who::Admin {
                continue;
            }
            let browser = browser_for(&app, who).await;
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = browser.call(endpoint, &args).await.status();
            let expected_allowed = allowed.admits(who);
            // Wrong-credential answers (login, code checks) are 401 by design; they are
            // "allowed" for everyone and carry their own body, checked in auth.rs.
            let credential_check = matches!(
                endpoint,
                "session/login"
                    | "session/verify-code"
                    | "profile/totp/confirm"
                    | "profile/password"
                    | "profile/totp/disable"
            );
            if expected_allowed && status != answer_when_allowed(endpoint) {
                failures.push(format!(
                    "{who:?} should reach {endpoint} and get {}, got {status}",
                    answer_when_allowed(endpoint)
                ));
            }
            if !expected_allowed && !denied(status) {
                failures.push(format!(
                    "{who:?} should be refused {endpoint}, got {status}"
                ));
            }
            if !expected_allowed && credential_check {
                let (_, body) = error_of(browser.call(endpoint, &args).await).await;
                if body != json!("Unauthenticated") && body != json!("Forbidden") {
                    failures.push(format!("{who:?} on {endpoint}: {body}"));
                }
            }
        }
        for (endpoint, allowed, body) in json_table(&ids) {
            let browser = browser_for(&app, who).await;
            let status = browser.call_json(endpoint, &body).await.status();
            if allowed.admits(who) && status != answer_when_allowed(endpoint) {
                failures.push(format!(
                    "{who:?} should reach {endpoint} and get {}, got {status}",
                    answer_when_allowed(endpoint)
                ));
            }
            if !allowed.admits(who) && !denied(status) {
                failures.push(format!(
                    "{who:?} should be refused {endpoint}, got {status}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_pages_are_refused_by_the_server_not_just_hidden() {
    let app = spawn_app().await;
    let pages = [
        ("/", Allowed::SignedIn),
        ("/perfil", Allowed::SignedIn),
        ("/equipes", Allowed::AdminOrSupervisor),
        ("/usuarios", Allowed::AdminOnly),
        ("/auditoria", Allowed::AdminOnly),
        ("/configuracoes", Allowed::AdminOnly),
        ("/configuracoes/canais", Allowed::AdminOnly),
        ("/configuracoes/tokens", Allowed::AdminOnly),
        ("/conversas", Allowed::SignedIn),
        ("/respostas-prontas", Allowed::AdminOrSupervisor),
    ];
    for who in [Who::Anonymous, Who::Agent, Who::Supervisor, Who::Admin] {
        let browser = browser_for(&app, who).await;
        for (path, allowed) in pages {
            let response = browser.get(path).await;
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = response.text().await.unwrap();
            match (who, allowed.admits(who)) {
                (Who::Anonymous, _) => {
                    assert!(status.is_redirection(), "{path} for anonymous: {status}");
                    assert_eq!(location.as_deref(), Some("/entrar"));
                }
                (_, true) => assert_eq!(status, StatusCode::OK, "{who:?} {path}"),
                (_, false) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} {path}");
                    assert!(body.contains("Acesso negado"));
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_shows_only_what_the_role_may_open() {
    let app = spawn_app().await;
    let agent = app
        .signed_in(AGENT_EMAIL)
        .await
        .get("/")
        .await
        .text()
        .await
        .unwrap();
    let admin = app
        .signed_in(DEMO_EMAIL)
        .await
        .get("/")
        .await
        .text()
        .await
        .unwrap();
    for section in ["Usuários", "Equipes", "Auditoria", "Configurações"] {
        assert!(
            !agent.contains(&format!("<span>{section}</span>")),
            "{section}"
        );
        assert!(
            admin.contains(&format!("<span>{section}</span>")),
            "{section}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_manages_only_the_teams_they_supervise() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let other_team: String = admin
        .call("teams/create", &[("name", "Cobrança")])
        .await
        .json()
        .await
        .unwrap();
    let supervisor = app.signed_in(SUPERVISOR_EMAIL).await;
    let agent = user_id(&app, OTHER_AGENT_EMAIL).await;

    let refused = supervisor
        .call(
            "teams/add-member",
            &[
                ("team", &other_team),
                ("user", &agent),
                ("as_supervisor", "false"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let teams: serde_json::Value = supervisor
        .call("teams/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let cobranca = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Cobrança")
        .unwrap();
    assert_eq!(cobranca["can_manage"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_cannot_demote_or_remove_a_fellow_supervisor() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let team = demo_team_id(&app).await;
    let juliana = user_id(&app, OTHER_AGENT_EMAIL).await;
    admin
        .call_json(
            "users/update",
            &json!({"id": juliana, "form": {"name": "Juliana Costa", "role": "supervisor", "capacity": 5, "teams": [team]}}),
        )
        .await;
    let appoint = admin
        .call(
            "teams/add-member",
            &[
                ("team", &team),
                ("user", &juliana),
                ("as_supervisor", "true"),
            ],
        )
        .await;
    assert_eq!(appoint.status(), StatusCode::OK);
    let carla = app.signed_in(SUPERVISOR_EMAIL).await;

    let readd = carla
        .call(
            "teams/add-member",
            &[
                ("team", &team),
                ("user", &juliana),
                ("as_supervisor", "false"),
            ],
        )
        .await;
    let remove = carla
        .call(
            "teams/remove-member",
            &[("team", &team), ("user", &juliana)],
        )
        .await;

    assert_eq!(
        readd.status(),
        StatusCode::OK,
        "re-adding leaves the membership as it was"
    );
    assert_eq!(remove.status(), StatusCode::FORBIDDEN);
    let still: bool =
        sqlx::query_scalar("select is_supervisor from team_members where user_id::text = $1")
            .bind(&juliana)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert!(still);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_demoted_to_agent_no_longer_supervises_the_team() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let carla = user_id(&app, SUPERVISOR_EMAIL).await;
    let team = demo_team_id(&app).await;

    admin
        .call_json(
            "users/update",
            &json!({"id": carla, "form": {"name": "Carla Mendes", "role": "agent", "capacity": 5, "teams": [team]}}),
        )
        .await;

    let flag: bool =
        sqlx::query_scalar("select is_supervisor from team_members where user_id::text = $1")
            .bind(&carla)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert!(!flag);
}
