//! The chatbot end to end: signed WhatsApp webhooks in, the demo flows running against the mock
//! ERP over HTTP, and the replies as the fake Graph API receives them.

use crate::common::fake_graph::{FakeGraph, PHONE_NUMBER_ID};
use crate::common::*;
use backend::bot::BotConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::payment::{digitable_valid, pix_valid};
use shared::{ChannelId, UserId};

/// What the customer sees of one message the bot sent.
#[derive(Debug, Clone)]
struct Seen {
    text: String,
    /// (id, title) of its buttons or list rows.
    options: Vec<(String, String)>,
    /// Row descriptions, for lists.
    descriptions: Vec<String>,
    kind: String,
}

fn seen(body: &Value) -> Seen {
    let kind = body["type"].as_str().unwrap_or_default().to_owned();
    if kind == "text" {
        return Seen {
            text: body["text"]["body"].as_str().unwrap_or_default().into(),
            options: vec![],
            descriptions: vec![],
            kind,
        };
    }
    let i = &body["interactive"];
    let mut options = Vec::new();
    let mut descriptions = Vec::new();
    for b in i["action"]["buttons"].as_array().into_iter().flatten() {
        options.push((
            b["reply"]["id"].as_str().unwrap().into(),
            b["reply"]["title"].as_str().unwrap().into(),
        ));
    }
    for s in i["action"]["sections"].as_array().into_iter().flatten() {
        for r in s["rows"].as_array().into_iter().flatten() {
            options.push((
                r["id"].as_str().unwrap().into(),
                r["title"].as_str().unwrap().into(),
            ));
            descriptions.push(r["description"].as_str().unwrap_or_default().into());
        }
    }
    Seen {
        text: i["body"]["text"].as_str().unwrap_or_default().into(),
        options,
        descriptions,
        kind: i["type"].as_str().unwrap_or_default().into(),
    }
}

/// One WhatsApp customer talking to the bot.
struct Customer<'a> {
    app: &'a TestApp,
    graph: &'a FakeGraph,
    wa_id: String,
    sent: usize,
    read: usize,
}

impl<'a> Customer<'a> {
    fn new(app: &'a TestApp, graph: &'a FakeGraph, wa_id: &str) -> Self {
        Self {
            app,
            graph,
            wa_id: wa_id.into(),
            sent: 0,
            read: 0,
        }
    }

    fn envelope(&self, message: Value) -> String {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                "contacts": [{"profile": {"name": "Cliente Teste"}, "wa_id": self.wa_id}],
                "messages": [message]
            }}]}]
        })
        .to_string()
    }

    fn next_id(&mut self) -> String {
        self.sent += 1;
        format!("wamid.BOT{}{}", self.wa_id, self.sent)
    }

    /// The webhook of a text message (kept, to deliver it again).
    fn text_body(&mut self, text: &str) -> String {
        let id = self.next_id();
        self.envelope(json!({
            "from": self.wa_id, "id": id, "timestamp": chrono::Utc::now().timestamp().to_string(),
            "type": "text", "text": {"body": text}
        }))
    }

    async fn deliver(&self, body: &str) {
        let r = self.app.signed_webhook("whatsapp", body).await;
        assert_eq!(r.status(), 200);
    }

    async fn say(&mut self, text: &str) {
        let body = self.text_body(text);
        self.deliver(&body).await;
    }

    /// Taps a reply button or a list row.
    async fn tap(&mut self, option: &(String, String), list: bool) {
        let id = self.next_id();
        let (kind, reply) = if list {
            ("list_reply", json!({"id": option.0, "title": option.1}))
        } else {
            ("button_reply", json!({"id": option.0, "title": option.1}))
        };
        let body = self.envelope(json!({
            "from": self.wa_id, "id": id, "timestamp": chrono::Utc::now().timestamp().to_string(),
            "type": "interactive", "interactive": {"type": kind, kind: reply}
        }));
        self.deliver(&body).await;
    }

    /// Greets, picks `choice` in the menu's list and waits for the CPF question.
    async fn pick_from_menu(&mut self, greeting: &str, choice: &str) {
        self.say(greeting).await;
        let menu = self.expect(1).await.remove(0);
        self.tap(option(&menu, choice), true).await;
        let ask = self.expect(1).await.remove(0);
        assert!(ask.text.contains("CPF"), "{ask:?}");
    }

    fn all(&self) -> Vec<Seen> {
        self.graph
            .sends()
            .into_iter()
            .filter(|r| r.body["to"] == self.wa_id.as_str())
            .map(|r| seen(&r.body))
            .collect()
    }

    /// Waits for the bot's next `n` messages to this customer.
    async fn expect(&mut self, n: usize) -> Vec<Seen> {
        let want = self.read + n;
        wait_until(|| async { self.all().len() >= want }).await;
        let all = self.all();
        let new = all[self.read..want].to_vec();
        self.read = want;
        new
    }

    /// Waits until the bot's last message ends with `last` (a step may send several).
    async fn until(&mut self, last: impl Fn(&Seen) -> bool) -> Vec<Seen> {
        wait_until(|| async { self.all().last().map(&last).unwrap_or(false) }).await;
        let all = self.all();
        let new = all[self.read..].to_vec();
        self.read = all.len();
        new
    }

    async fn conversation_status(&self) -> String {
        sqlx::query_scalar(
            "select c.status::text from conversations c
             join contact_identities ci on ci.contact_id = c.contact_id and ci.channel_id = c.channel_id
             where ci.external_id = $1 order by c.created_at desc limit 1",
        )
        .bind(&self.wa_id)
        .fetch_one(&self.app.state.pool)
        .await
        .unwrap()
    }
}

fn option<'s>(seen: &'s Seen, id: &str) -> &'s (String, String) {
    seen.options
        .iter()
        .find(|o| o.0 == id)
        .unwrap_or_else(|| panic!("no option {id} in {seen:?}"))
}

/// The application with the demo flows answering its WhatsApp number.
async fn bot_app(config: BotConfig) -> (TestApp, FakeGraph) {
    let (app, graph) = spawn_channel_app().await;
    let channel: ChannelId =
        sqlx::query_scalar("select id from channels where kind = 'whatsapp' and external_id = $1")
            .bind(PHONE_NUMBER_ID)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    backend::channels::set_bot_flow(&app.state.pool, channel, Some("principal"))
        .await
        .unwrap();
    app.state.channels.invalidate().await;
    put_setting(&app, &config).await;
    (app, graph)
}

async fn put_setting<T: backend::db::settings::Setting>(app: &TestApp, value: &T) {
    let admin = UserId(user_id(app, DEMO_EMAIL).await.parse().unwrap());
    backend::db::settings::put(&app.state.pool, value, admin)
        .await
        .unwrap();
    app.state.bot.invalidate().await;
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The 48-digit line in a message ("83650000001-2 …" split over four groups).
fn digitable_in(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| digits(l).len() == 48)
        .unwrap_or_else(|| panic!("no digitable line in {text}"));
    digits(line)
}

fn pix_in(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("000201"))
        .unwrap_or_else(|| panic!("no PIX code in {text}"))
        .to_owned()
}

#[tokio::test]
async fn maria_gets_her_invoice_digitable_line_and_pix_then_leaves() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut maria = Customer::new(&app, &graph, "5511911111111");

    maria.say("Oi").await;
    let menu = maria.expect(1).await.remove(0);
    assert_eq!(
        menu.kind, "list",
        "WhatsApp shows the five options as a list"
    );
    assert!(menu.text.contains("Como posso ajudar"));
    assert_eq!(menu.options.len(), 5);
    assert_eq!(maria.conversation_status().await, "bot");

    maria.tap(option(&menu, "segunda_via"), true).await;
    let ask = maria.expect(1).await.remove(0);
    assert!(ask.text.contains("CPF"), "{ask:?}");

    maria.say("111.111.111-11").await;
    let replies = maria
        .until(|s| s.text.contains("Posso ajudar em algo mais"))
        .await;
    let texts: Vec<&str> = replies.iter().map(|s| s.text.as_str()).collect();
    assert!(texts[0].starts_with("Prontinho, Maria!"), "{texts:?}");
    let invoice = texts
        .iter()
        .find(|t| t.contains("Linha digitável"))
        .expect("the second copy");
    let line = digitable_in(invoice);
    assert!(digitable_valid(&line), "check digits of {line}");
    assert!(
        line.starts_with("82"),
        "arrecadação, segment 2 (sanitation)"
    );
    // The PIX code is a bubble of its own, so a long press copies the code and nothing else.
    let pix = texts
        .iter()
        .find(|t| t.starts_with("000201"))
        .expect("the PIX code alone in its own message");
    assert_eq!(pix.trim(), pix_in(pix), "nothing but the code: {pix:?}");
    assert!(pix_valid(pix), "CRC16 of {pix}");
    assert!(pix.contains("br.gov.bcb.pix"));
    assert!(texts.iter().any(|t| t.contains("PIX copia e cola")));

    maria.say("SAIR").await;
    let bye = maria.expect(1).await.remove(0);
    assert!(bye.text.contains("Até logo"), "{bye:?}");
    wait_until(|| async { maria.conversation_status().await == "resolved" }).await;
    app.stop().await;
}

/// The ERP operations the bot's trace records as done, in order.
async fn ok_calls(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "select detail->>'operation' from bot_trace
         where kind = 'call' and (detail->>'ok')::boolean order by id",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn joao_negotiates_in_six_instalments_and_receives_pix_data() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut joao = Customer::new(&app, &graph, "5511922222222");

    joao.pick_from_menu("bom dia", "negociar").await;
    joao.say("22222222222").await;
    let replies = joao.until(|s| s.kind == "list").await;
    let summary = replies
        .iter()
        .find(|s| s.text.contains("você tem"))
        .expect("the debt summary");
    assert!(summary.text.contains("3 faturas vencidas"), "{summary:?}");
    assert!(!summary.text.contains("(s)"), "{summary:?}");
    assert!(summary.text.contains("R$ "));
    let offers = replies.last().unwrap();
    let ids: Vec<&str> = offers.options.iter().map(|o| o.0.as_str()).collect();
    assert_eq!(ids, ["avista", "3x", "6x", "10x", "ajuda", "recusar"]);
    assert!(
        offers.descriptions[0].contains("15% de desconto"),
        "{offers:?}"
    );
    let six = offers.descriptions[2].clone();
    assert!(six.starts_with("6x de R$ "), "{six}");

    joao.tap(option(offers, "6x"), true).await;
    // Nothing is closed before João confirms what he chose.
    let confirm = joao.expect(1).await.remove(0);
    assert_eq!(
        confirm.kind,
        "button",
        "{confirm:?} after {:#?}",
        joao.all()
    );
    let buttons: Vec<&str> = confirm.options.iter().map(|o| o.1.as_str()).collect();
    assert_eq!(buttons, ["Confirmar", "Voltar"]);
    let each = six.trim_start_matches("6x de ").split(" (").next().unwrap();
    let total = six.split("(total ").nth(1).unwrap().trim_end_matches(')');
    assert!(
        confirm.text.contains(&format!("Total: *{total}*")),
        "{confirm:?}"
    );
    assert!(
        confirm.text.contains(&format!("6 parcelas de *{each}*")),
        "{confirm:?}"
    );
    assert!(confirm.text.contains("1ª parcela vence em "), "{confirm:?}");
    assert!(
        !ok_calls(&app).await.iter().any(|c| c == "close_agreement"),
        "no agreement before the confirmation"
    );
    joao.tap(option(&confirm, "confirmar"), false).await;
    let closing = joao.until(|s| s.text.contains("acordo fica ativo")).await;
    let agreement = closing
        .iter()
        .find(|s| s.text.starts_with("Acordo fechado"))
        .expect("the agreement");
    assert!(agreement.text.contains(&six), "{agreement:?} names {six}");
    let instalment = six
        .trim_start_matches("6x de ")
        .split(" (")
        .next()
        .unwrap()
        .to_owned();
    assert!(
        agreement
            .text
            .contains(&format!("1ª parcela, de *{instalment}*")),
        "{agreement:?}"
    );
    assert!(digitable_valid(&digitable_in(&agreement.text)));
    let pix = closing
        .iter()
        .find(|s| s.text.starts_with("000201"))
        .expect("the PIX code alone in its own message")
        .text
        .clone();
    assert_eq!(pix.trim(), pix_in(&pix), "nothing but the code: {pix:?}");
    assert!(pix_valid(&pix));
    let cents: String = digits(&instalment);
    let amount = format!(
        "{}.{}",
        &cents[..cents.len() - 2],
        &cents[cents.len() - 2..]
    );
    assert!(
        pix.contains(&format!("54{:02}{amount}", amount.len())),
        "{pix} carries {amount}"
    );
    wait_until(|| async { joao.conversation_status().await == "resolved" }).await;
    // The trace is stored with the step, just after its replies went out.
    wait_until(|| async { ok_calls(&app).await.len() >= 3 }).await;
    let calls = ok_calls(&app).await;
    assert_eq!(
        calls,
        ["find_customer", "simulate_negotiation", "close_agreement"],
        "each ERP operation went over HTTP to the mock ERP"
    );
    app.stop().await;
}

#[tokio::test]
async fn declining_the_offers_or_asking_for_help_hands_joao_to_the_negotiation_team() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    // Tapped, or typed: "ajuda" is the offer's own option here, not the generic help text, and
    // "atendente" goes to the team the negotiation flow names.
    let ways = [
        ("recusar", true),
        ("ajuda", true),
        ("ajuda", false),
        ("Atendente", false),
    ];
    for (n, (answer, tapped)) in ways.into_iter().enumerate() {
        let mut joao = Customer::new(&app, &graph, &format!("551192222222{n}"));
        joao.pick_from_menu("oi", "negociar").await;
        joao.say("222.222.222-22").await;
        let offers = joao.until(|s| s.kind == "list").await.pop().unwrap();
        if tapped {
            joao.tap(option(&offers, answer), true).await;
        } else {
            joao.say(answer).await;
        }
        // The flow's own hand-off message, then (nobody of the team is online in the test)
        // the notice naming the team; the generic "um instante" is replaced by the notice.
        let first = joao.expect(1).await.remove(0);
        let notice = if first.text.contains("está disponível") {
            assert_eq!(answer, "Atendente", "only the generic message is replaced");
            first
        } else {
            assert!(
                first.text.contains("equipe de *Negociação*"),
                "{answer}: {first:?}"
            );
            joao.expect(1).await.remove(0)
        };
        assert!(
            notice
                .text
                .contains("ninguém da equipe *Negociação* está disponível"),
            "{answer}: {notice:?}"
        );
        wait_until(|| async { joao.conversation_status().await == "waiting" }).await;
        let team: String = sqlx::query_scalar(
            "select t.name from conversations c join teams t on t.id = c.team_id
             join contact_identities ci on ci.contact_id = c.contact_id
                                       and ci.channel_id = c.channel_id
             where ci.external_id = $1",
        )
        .bind(&joao.wa_id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        assert_eq!(team, "Negociação", "{answer}");
        // From now on a human answers: the bot stays quiet.
        joao.say("alô?").await;
        app.settle_bot().await;
        assert_eq!(joao.all().len(), joao.read, "the bot said nothing more");
    }
    app.stop().await;
}

#[tokio::test]
async fn joao_goes_back_from_the_confirmation_and_pays_in_cash_which_is_no_instalment() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut joao = Customer::new(&app, &graph, "5511922222230");
    joao.pick_from_menu("oi", "negociar").await;
    joao.say("222.222.222-22").await;
    let offers = joao.until(|s| s.kind == "list").await.pop().unwrap();
    joao.tap(option(&offers, "10x"), true).await;
    let confirm = joao.expect(1).await.remove(0);
    assert!(confirm.text.contains("10 parcelas de"), "{confirm:?}");
    joao.tap(option(&confirm, "voltar"), false).await;
    let again = joao.expect(1).await.remove(0);
    assert_eq!(
        again.kind, "list",
        "Voltar shows the offers again: {again:?}"
    );
    joao.say("à vista").await;
    let confirm = joao.expect(1).await.remove(0);
    assert!(
        confirm.text.contains("Pagamento à vista: *R$ "),
        "{confirm:?}"
    );
    assert!(confirm.text.contains("Desconto de 15%"), "{confirm:?}");
    assert!(confirm.text.contains("Vencimento: "), "{confirm:?}");
    assert!(!confirm.text.contains("parcela"), "{confirm:?}");
    joao.say("sim").await;
    let closing = joao.until(|s| s.text.contains("acordo fica ativo")).await;
    let agreement = closing
        .iter()
        .find(|s| s.text.starts_with("Acordo fechado"))
        .expect("the agreement");
    assert!(
        agreement.text.contains("O pagamento à vista, de *R$ "),
        "{agreement:?}"
    );
    assert!(
        closing.iter().all(|s| !s.text.contains("1ª parcela")),
        "a cash payment is not an instalment: {closing:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn help_explains_each_option_and_a_miss_names_them_briefly() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511933333340");
    c.say("oi").await;
    let menu = c.expect(1).await.remove(0);
    c.say("ajuda").await;
    let replies = c.expect(2).await;
    assert_eq!(replies[1].kind, "list", "then the menu to tap: {replies:?}");
    let help = &replies[0].text;
    assert!(
        help.contains("• *2ª via da fatura*: Linha digitável e PIX"),
        "{help}"
    );
    assert!(
        help.contains("• *Negociar débitos*: À vista com desconto ou parcelado"),
        "{help}"
    );
    assert!(help.contains("*atendente*"), "{help}");
    assert!(
        !help.contains("número"),
        "no numbers on a channel with lists: {help}"
    );
    c.say("quero um abacaxi").await;
    let miss = c.expect(1).await;
    assert_eq!(miss.len(), 1, "one short message, not the whole menu again");
    let miss = &miss[0];
    assert_eq!(miss.kind, "text", "{miss:?}");
    assert!(miss.text.starts_with("Não entendi"), "{miss:?}");
    for (_, title) in &menu.options {
        assert!(
            miss.text.contains(&format!("*{title}*")),
            "{miss:?} names {title}"
        );
    }
    assert!(!miss.text.contains("número"), "{miss:?}");
    app.settle_bot().await;
    assert_eq!(c.all().len(), c.read, "nothing but the short message");
    // A name from it is understood.
    c.say("leituras do medidor").await;
    let ask = c.expect(1).await.remove(0);
    assert!(ask.text.contains("CPF"), "{ask:?}");
    app.stop().await;
}

/// João asks to negotiate, gives his CPF and declines the offers: the message that says `says`
/// (what he is told about the hand-off).
async fn declines_the_offers(joao: &mut Customer<'_>, says: &str) -> Seen {
    joao.pick_from_menu("oi", "negociar").await;
    joao.say("222.222.222-22").await;
    let offers = joao.until(|s| s.kind == "list").await.pop().unwrap();
    joao.tap(option(&offers, "recusar"), true).await;
    joao.until(|s| s.text.contains(says)).await.pop().unwrap()
}

/// The team's business hours, set on the Equipes page, decide what João hears when he is
/// handed over: outside them, when the team opens instead of "um instante"; inside them (and
/// nobody online), that nobody is available.
#[tokio::test]
async fn a_hand_off_outside_the_teams_hours_says_when_it_opens() {
    use chrono::Datelike;
    let (app, graph) = bot_app(BotConfig::default()).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let team: uuid::Uuid = sqlx::query_scalar("select id from teams where name = 'Negociação'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let team = team.to_string();
    let set = |days: String| {
        let (admin, team) = (&admin, team.clone());
        async move {
            admin
                .call(
                    "teams/business-hours",
                    &[
                        ("id", &team),
                        ("time_zone", "America/Sao_Paulo"),
                        ("days", &days),
                    ],
                )
                .await
        }
    };
    // A wrong schedule is refused in words, and nothing is stored.
    let r = set(",,,,,,18:00-08:00".into()).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert!(
        body.to_string()
            .contains("Horário de domingo: o fechamento deve ser depois da abertura."),
        "{body}"
    );
    let stored: Option<Value> =
        sqlx::query_scalar("select business_hours from teams where name = 'Negociação'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(stored, None);

    // Open only tomorrow (in São Paulo): closed now.
    let today = backend::hours::local_now(&shared::hours::BusinessHours::weekdays())
        .weekday()
        .num_days_from_monday() as usize;
    let mut week = vec![String::new(); 7];
    week[(today + 1) % 7] = "08:00-18:00".into();
    ok(set(week.join(",")).await).await;
    let listed: Value = admin.call("teams/list", &[]).await.json().await.unwrap();
    let negotiation = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Negociação")
        .unwrap();
    assert_eq!(
        negotiation["business_hours"]["time_zone"],
        "America/Sao_Paulo"
    );

    let mut joao = Customer::new(&app, &graph, "5511922229990");
    let notice = declines_the_offers(&mut joao, "fora do horário").await;
    assert!(
        notice
            .text
            .contains("Estamos fora do horário da equipe *Negociação*")
            && notice.text.contains("Abrimos ")
            && notice
                .text
                .contains("às 08:00: sua conversa já está na fila"),
        "{notice:?}"
    );
    assert!(!notice.text.contains("instante"), "no promise: {notice:?}");
    wait_until(|| async { joao.conversation_status().await == "waiting" }).await;

    // Open all week, all day: open now, and nobody online is what he is told.
    ok(set(["00:00-24:00"; 7].join(",")).await).await;
    let mut other = Customer::new(&app, &graph, "5511922229991");
    let notice = declines_the_offers(&mut other, "está disponível").await;
    assert!(
        notice
            .text
            .contains("ninguém da equipe *Negociação* está disponível"),
        "{notice:?}"
    );
    // "Sempre aberto" clears the hours.
    ok(set(",,,,,,".into()).await).await;
    let stored: Option<Value> =
        sqlx::query_scalar("select business_hours from teams where name = 'Negociação'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(stored, None);
    app.stop().await;
}

/// A real number declared by environment on a demo server answers with the demo's bot, and its
/// conversations go to the demo's team; a team the environment names that does not exist stops
/// the start with a sentence that says which variable.
#[tokio::test]
async fn a_channel_declared_by_environment_runs_the_demo_bot_and_team_in_demo_mode() {
    let graph = FakeGraph::start().await;
    let app = spawn_app_with(channel_config(&graph)).await;
    let (flow, team): (Option<String>, Option<String>) = sqlx::query_as(
        "select c.bot_flow, t.name::text from channels c left join teams t on t.id = c.default_team_id
         where c.kind = 'whatsapp' and c.external_id = $1",
    )
    .bind(PHONE_NUMBER_ID)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(flow.as_deref(), Some("principal"));
    assert_eq!(team.as_deref(), Some("Atendimento Geral"));
    let mut c = Customer::new(&app, &graph, "5511955550000");
    c.say("oi").await;
    let menu = c.until(|s| s.kind == "list").await;
    assert!(!menu.is_empty(), "the demo bot answers");
    app.stop().await;

    let mut config = channel_config(&graph);
    config.whatsapp_team = Some("Equipe Inexistente".into());
    let err = match server::startup::Application::build(config).await {
        Ok(_) => panic!("the start must fail"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("A equipe \"Equipe Inexistente\" de WHATSAPP_TEAM não existe"),
        "{err}"
    );
}

#[tokio::test]
async fn maria_asks_to_negotiate_and_learns_she_owes_nothing() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut maria = Customer::new(&app, &graph, "5511911111112");
    maria.pick_from_menu("boa tarde", "negociar").await;
    maria.say("111.111.111-11").await;
    let replies = maria.until(|s| s.kind == "button").await;
    let last = replies.last().unwrap();
    assert!(
        last.text
            .contains("Você está em dia, Maria: não há débitos para negociar"),
        "{replies:?}"
    );
    maria.tap(option(last, "encerrar"), false).await;
    let bye = maria.expect(1).await.remove(0);
    assert!(bye.text.contains("Obrigada pelo contato"), "{bye:?}");
    wait_until(|| async { maria.conversation_status().await == "resolved" }).await;
    app.stop().await;
}

#[tokio::test]
async fn a_first_message_asking_for_a_person_skips_the_menu() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511944444444");
    c.say("ATENDENTE").await;
    let handoff = c.expect(1).await.remove(0);
    assert!(
        handoff.text.contains("nenhum atendente está disponível"),
        "{handoff:?}"
    );
    assert!(
        !handoff.text.contains("instante"),
        "no promise: {handoff:?}"
    );
    wait_until(|| async { c.conversation_status().await == "waiting" }).await;
    app.stop().await;
}

/// The hand-off message promises someone soon only when someone of the team is there.
#[tokio::test]
async fn with_an_agent_available_the_hand_off_promises_someone_soon() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    sqlx::query("update users set availability = 'online' where email = $1")
        .bind(AGENT_EMAIL)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let mut c = Customer::new(&app, &graph, "5511944444445");
    c.say("ATENDENTE").await;
    let handoff = c.expect(1).await.remove(0);
    assert!(handoff.text.contains("transferir você"), "{handoff:?}");
    assert!(!handoff.text.contains("disponível"), "{handoff:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_message_the_bot_never_read_is_answered_by_the_sweep() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511955555555");
    c.say("oi").await;
    c.expect(1).await;
    // As if the instance had stopped between storing the next message and running the bot:
    // the message is stored, the bot's session not advanced.
    let conversation: String = sqlx::query_scalar(
        "select c.id::text from conversations c join contact_identities ci
             on ci.contact_id = c.contact_id and ci.channel_id = c.channel_id
         where ci.external_id = $1",
    )
    .bind(&c.wa_id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    // The first step is stored (so its run is over, and cannot pick the next message up).
    wait_until(|| async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from bot_sessions where conversation_id = $1::uuid",
        )
        .bind(&conversation)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
            == 1
    })
    .await;
    sqlx::query(
        "insert into messages (id, conversation_id, channel_id, direction, author, kind, body,
             provider_message_id)
         select gen_random_uuid(), c.id, c.channel_id, 'inbound', 'customer', 'text', '1',
             'wamid.SWEEP1'
         from conversations c where c.id = $1::uuid",
    )
    .bind(&conversation)
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "update conversations set last_customer_message_at = now() - interval '1 minute'
         where id = $1::uuid",
    )
    .bind(&conversation)
    .execute(&app.state.pool)
    .await
    .unwrap();
    // The sweep runs every 10 s and answers option 1 (second copy: the CPF question).
    let ask = c.expect(1).await.remove(0);
    assert!(ask.text.contains("CPF"), "{ask:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_cpf_is_explained_retried_then_handed_to_a_person() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511933333333");
    c.pick_from_menu("olá", "leituras").await;
    for wrong in ["123.456.789-00", "333.333.333-33"] {
        c.say(wrong).await;
        let again = c.expect(1).await.remove(0);
        assert!(
            again.text.contains("esse CPF não parece válido"),
            "{wrong}: {again:?}"
        );
    }
    c.say("não sei").await;
    let handoff = c.expect(1).await.remove(0);
    assert!(
        handoff.text.contains("Não consegui validar o seu CPF"),
        "{handoff:?}"
    );
    wait_until(|| async { c.conversation_status().await == "waiting" }).await;
    app.stop().await;
}

#[tokio::test]
async fn an_erp_down_or_slow_gets_a_polite_answer_and_the_offer_of_a_person() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    // Slow: the mock answers after 3 s, the connector waits 300 ms.
    let own = app.state.bot.own_base().unwrap().to_owned();
    let mut settings = backend::erp::demo_settings(&own);
    settings.timeout_ms = 300;
    put_setting(&app, &settings).await;
    put_setting(
        &app,
        &backend::erp::mock::Injection {
            latency_ms: 3000,
            failure_percent: 0,
        },
    )
    .await;
    let mut slow = Customer::new(&app, &graph, "5511944444444");
    slow.pick_from_menu("oi", "segunda_via").await;
    slow.say("111.111.111-11").await;
    let sorry = slow.expect(1).await.remove(0);
    assert!(sorry.text.contains("não consegui consultar"), "{sorry:?}");
    let titles: Vec<&str> = sorry.options.iter().map(|o| o.1.as_str()).collect();
    assert!(titles.contains(&"Falar com atendente"), "{titles:?}");
    // The trace is stored with the step, just after its replies went out.
    let failed = || async {
        sqlx::query_scalar::<_, String>(
            "select detail->>'error' from bot_trace where kind = 'call' order by id desc limit 1",
        )
        .fetch_optional(&app.state.pool)
        .await
        .unwrap()
    };
    wait_until(|| async { failed().await.is_some() }).await;
    let failed = failed().await.unwrap();
    assert!(failed.contains("não respondeu"), "{failed}");
    let human = sorry
        .options
        .iter()
        .find(|o| o.1 == "Falar com atendente")
        .unwrap()
        .clone();
    slow.tap(&human, false).await;
    wait_until(|| async { slow.conversation_status().await == "waiting" }).await;

    // Down: nothing listens there.
    settings.base_url = "http://127.0.0.1:9".into();
    put_setting(&app, &settings).await;
    let mut down = Customer::new(&app, &graph, "5511955555555");
    down.pick_from_menu("oi", "leituras").await;
    down.say("22222222222").await;
    let sorry = down.expect(1).await.remove(0);
    assert!(sorry.text.contains("não consegui consultar"), "{sorry:?}");
    assert_eq!(
        down.conversation_status().await,
        "bot",
        "the customer chooses"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_webhook_does_not_advance_the_flow_twice() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511966666666");
    let hello = c.text_body("oi");
    c.deliver(&hello).await;
    let menu = c.expect(1).await.remove(0);
    c.tap(option(&menu, "segunda_via"), true).await;
    c.expect(1).await;
    let cpf = c.text_body("111.111.111-11");
    c.deliver(&cpf).await;
    c.until(|s| s.text.contains("Posso ajudar em algo mais"))
        .await;
    // Meta retries: the same notifications again, and both at once.
    tokio::join!(c.deliver(&cpf), c.deliver(&cpf), c.deliver(&hello));
    app.settle_bot().await;
    assert_eq!(c.all().len(), c.read, "nothing was said twice");
    let (seq, inbound): (i64, i64) = sqlx::query_as(
        "select s.last_seq, (select count(*) from messages m where m.conversation_id = s.conversation_id
                             and m.direction = 'inbound')
         from bot_sessions s",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(inbound, 3, "three distinct messages stored");
    assert!(seq > 0);
    app.stop().await;
}

#[tokio::test]
async fn silence_brings_a_reminder_then_the_conversation_is_closed() {
    let config = BotConfig {
        reminder_seconds: 1,
        close_seconds: 1,
        ..BotConfig::default()
    };
    let (app, graph) = bot_app(config).await;
    let mut c = Customer::new(&app, &graph, "5511977777777");
    c.say("oi").await;
    c.expect(1).await;
    let reminder = c.expect(1).await.remove(0);
    assert!(reminder.text.contains("Ainda está por aí"), "{reminder:?}");
    let closing = c.expect(1).await.remove(0);
    assert!(closing.text.contains("vou encerrar"), "{closing:?}");
    wait_until(|| async { c.conversation_status().await == "resolved" }).await;
    // A new message starts over with the bot, in a new conversation.
    c.say("oi de novo").await;
    let menu = c.expect(1).await.remove(0);
    assert_eq!(menu.kind, "list");
    assert_eq!(c.conversation_status().await, "bot");
    app.stop().await;
}

#[tokio::test]
async fn the_erp_connector_is_configured_and_tested_from_integrations() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let current: Value = admin
        .call("integrations/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(current["base_url"].as_str().unwrap().ends_with("/mock-erp"));
    assert_eq!(
        current["auth_value"], "",
        "the secret never goes back to a browser"
    );
    assert_eq!(current["auth_value_set"], true);

    let test = |input: Value, cpf: &'static str| {
        let admin = &admin;
        async move {
            admin
                .call_json("integrations/test", &json!({"input": input, "cpf": cpf}))
                .await
                .json::<String>()
                .await
                .unwrap()
        }
    };
    let tested = test(current.clone(), "111.111.111-11").await;
    assert!(tested.starts_with("Conexão OK"), "{tested}");
    assert!(tested.contains("Maria Silva"), "{tested}");

    // A wrong key typed on the page is tried before it is saved: the ERP's refusal, in
    // Portuguese; the saved settings still work.
    let mut input = current.clone();
    input["auth_value"] = json!("chave-errada");
    let tested = test(input.clone(), "111.111.111-11").await;
    assert!(tested.contains("HTTP 401"), "{tested}");
    let tested = test(current.clone(), "111.111.111-11").await;
    assert!(tested.starts_with("Conexão OK"), "{tested}");
    // Saved, the bot uses it too.
    let r = admin
        .call_json("integrations/save", &json!({"input": input}))
        .await;
    assert_eq!(r.status(), 200);
    let mut blank = current.clone();
    blank["auth_value"] = json!("");
    let tested = test(blank, "111.111.111-11").await;
    assert!(tested.contains("HTTP 401"), "{tested}");
    // A new address needs the secret typed again: the saved one never goes elsewhere.
    let mut elsewhere = current.clone();
    elsewhere["base_url"] = json!("https://erp.exemplo.com.br/api");
    let (status, body) = error_of(
        admin
            .call_json(
                "integrations/test",
                &json!({"input": elsewhere, "cpf": "111.111.111-11"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("digite de novo"), "{body}");
    // An address typed wrong is caught before saving too.
    let mut unreachable = current.clone();
    unreachable["base_url"] = json!("http://127.0.0.1:9/erp");
    unreachable["auth_value"] = json!("outra-chave");
    let tested = test(unreachable, "111.111.111-11").await;
    assert!(tested.starts_with("Falha"), "{tested}");

    // Bad input is refused before anything is stored.
    let mut bad = current.clone();
    bad["base_url"] = json!("ftp://erp.exemplo.com");
    let (status, body) = error_of(
        admin
            .call_json("integrations/save", &json!({"input": bad}))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("http:// ou https://"), "{body}");
    let mut bad = current;
    bad["mappings"]["find_customer"] = json!("{nome: dados}");
    let (status, body) = error_of(
        admin
            .call_json("integrations/save", &json!({"input": bad}))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        body.to_string().contains("Buscar cliente por CPF"),
        "{body}"
    );
    app.stop().await;
}

/// A fake ERP on this machine: what it answers, and how many requests reached it.
async fn local_erp() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new()
        .route(
            "/redir/clientes",
            get(|| async {
                (
                    axum::http::StatusCode::FOUND,
                    [("location", "http://169.254.169.254/latest/meta-data/")],
                )
            }),
        )
        .route(
            "/grande/clientes",
            get(|| async { "x".repeat(2 * 1024 * 1024) }),
        )
        .route(
            "/erro/clientes",
            get(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "stack trace: senha=segredo-interno em db.interno:5432",
                )
            }),
        )
        .layer(axum::middleware::from_fn(
            move |r: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.run(r)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (addr, hits)
}

/// "Testar" on the Integrações page, with the connector pointed at `url`.
async fn erp_test(app: &TestApp, url: String) -> String {
    let admin = app.signed_in(DEMO_EMAIL).await;
    let mut input: Value = admin
        .call("integrations/get", &[])
        .await
        .json()
        .await
        .unwrap();
    input["base_url"] = json!(url);
    input["auth_value"] = json!("chave-do-teste");
    admin
        .call_json(
            "integrations/test",
            &json!({"input": input, "cpf": "111.111.111-11"}),
        )
        .await
        .json::<String>()
        .await
        .unwrap()
}

/// The ERP connector (and so "Testar" and the flow's HTTP block, which share its client) never
/// reaches this machine or its network unless the operator allows it: not by an address, not by
/// a name that resolves to one, not through a redirect; the answer is capped; the far end's
/// error text never reaches the page; each test is in the audit log.
#[tokio::test]
async fn erp_calls_never_reach_internal_addresses_unless_the_operator_allows_them() {
    use std::sync::atomic::Ordering;
    let (erp, hits) = local_erp().await;
    let app = spawn_app().await;
    for url in [
        format!("http://{erp}/redir"),
        format!("http://localhost:{}/redir", erp.port()),
        "http://169.254.169.254/latest".to_owned(),
        "http://[::ffff:127.0.0.1]:9/".to_owned(),
    ] {
        let said = erp_test(&app, url.clone()).await;
        assert!(
            said.starts_with("Falha") && said.contains("endereço não permitido"),
            "{url}: {said}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the local server"
    );
    let tested: i64 = app
        .count("select count(*) from audit_log where action = 'erp_tested'")
        .await;
    assert_eq!(tested, 4, "every test is in the audit log");
    app.stop().await;

    // Allowed by the operator (the company's own network): reached, but a redirect is not
    // followed, a huge answer is cut, and the error's body is not echoed.
    let mut config = test_config();
    config.egress_allow = "127.0.0.1".into();
    config.egress_max_body_bytes = 64 * 1024;
    let app = spawn_app_with(config).await;
    let said = erp_test(&app, format!("http://{erp}/redir")).await;
    assert!(
        said.contains("redirecionamento não seguido (HTTP 302)"),
        "{said}"
    );
    let said = erp_test(&app, format!("http://{erp}/grande")).await;
    assert!(said.contains("passou de 65536 bytes"), "{said}");
    let said = erp_test(&app, format!("http://{erp}/erro")).await;
    assert!(said.contains("HTTP 500 (Internal Server Error)"), "{said}");
    assert!(!said.contains("segredo"), "{said}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    app.stop().await;
}

#[tokio::test]
async fn flows_export_and_import_as_json_and_seeding_never_overwrites_an_edit() {
    use backend::bot::library;
    let app = spawn_app().await;
    let exported = library::export(&app.state, "principal").await.unwrap();
    let mut flow: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(flow["schema_version"], 1);
    assert!(
        flow["nodes"][0]["position"]["x"].is_number(),
        "canvas positions travel along"
    );

    // A dangling edge is refused with the reason, and nothing changes.
    let mut broken = flow.clone();
    broken["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({"from": "menu", "port": {"kind": "next"}, "to": "nao_existe"}));
    let refused = library::import(&app.state, &broken.to_string(), None)
        .await
        .unwrap_err();
    assert!(
        refused.message().contains("nao_existe"),
        "{}",
        refused.message()
    );

    flow["name"] = json!("Menu principal (editado)");
    library::import(&app.state, &flow.to_string(), None)
        .await
        .unwrap();
    backend::bot::seed::seed_flows(&app.state).await.unwrap();
    let (name, version, seeded): (String, i32, bool) =
        sqlx::query_as("select name, version, seeded from bot_flows where key = 'principal'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(
        name, "Menu principal (editado)",
        "the edit survives a re-seed"
    );
    assert_eq!(version, 2);
    assert!(!seeded);
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_puts_the_bot_on_a_channel() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let input = |flow: &str| {
        json!({"id": null, "input": {"kind": "webchat", "name": "Site", "external_id": null,
            "business_account_id": null, "access_token": null, "app_secret": null,
            "verify_token": null, "default_team_id": null, "active": true, "bot_flow": flow,
            "webchat": {"color": "#0f766e", "title": "Chat", "greeting": "Olá",
                "allowed_origins": ["https://loja.com.br"]}}})
    };
    let (status, body) =
        error_of(admin.call_json("channels/save", &input("nao-existe")).await).await;
    assert_eq!(status, 409);
    assert!(
        body.to_string()
            .contains(r#"O fluxo \"nao-existe\" não existe."#),
        "{body}"
    );
    let saved: Value = admin
        .call_json("channels/save", &input("principal"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["bot_flow"], "principal");
    let flows: Value = admin
        .call("channels/flows", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(flows[0][0], "negociacao");
    app.stop().await;
}

#[tokio::test]
async fn the_erp_key_is_stored_sealed_never_in_clear() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let mut input: Value = admin
        .call("integrations/get", &[])
        .await
        .json()
        .await
        .unwrap();
    input["auth_value"] = json!("demo-erp-chave");
    let r = admin
        .call_json("integrations/save", &json!({"input": input}))
        .await;
    assert_eq!(r.status(), 200);
    let stored: String =
        sqlx::query_scalar("select value->>'auth_value' from settings where key = 'erp'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert!(stored.starts_with("sealed:"), "{stored}");
    assert!(!stored.contains("demo-erp-chave"));
    let tested: String = admin
        .call_json(
            "integrations/test",
            &json!({"input": input, "cpf": "22222222222"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        tested.contains("João Santos encontrado(a), com débitos"),
        "{tested}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_mock_erp_checks_its_key_and_bodies_and_numbers_service_requests() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/mock-erp{path}", app.address);
    let key = backend::erp::mock::DEMO_API_KEY;

    let r = http
        .get(url("/clientes?cpf=11111111111"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no X-Api-Key");
    let (_, body) = error_of(r).await;
    assert!(body.to_string().contains("X-Api-Key"), "{body}");

    let r = http
        .post(url("/clientes/100231/solicitacoes"))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body("{\"descricao\": \"sem tipo\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (_, body) = error_of(r).await;
    assert!(body.to_string().contains("vazamento|falta_agua"), "{body}");

    let created: Value = http
        .post(url("/clientes/100231/solicitacoes"))
        .header("x-api-key", key)
        .header("idempotency-key", "k-1")
        .json(&json!({"tipo": "vazamento", "descricao": "Cano estourado na calçada"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["tipo"], "Vazamento");
    assert_eq!(created["prazo"], "até 24 horas");
    assert_eq!(created["protocolo"].as_str().unwrap().len(), 10);

    let r = http
        .post(url("/clientes/999999/acordos"))
        .header("x-api-key", key)
        .json(&json!({"opcao": "6x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "an unknown customer");
    app.stop().await;
}

#[tokio::test]
async fn search_finds_what_the_customer_wrote_not_the_bots_menu() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511966666666");
    c.pick_from_menu("Bom dia, quero pagar minha conta", "segunda_via")
        .await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let found = |q: &'static str| {
        let admin = &admin;
        async move {
            let page: Value = admin
                .call_json("inbox/list", &json!({"query": {"tab": "all", "search": q}}))
                .await
                .json()
                .await
                .unwrap();
            page["rows"].as_array().unwrap().len()
        }
    };
    // The customer's words (and the title of the option tapped) are found, stemmed.
    assert_eq!(found("pagar").await, 1);
    assert_eq!(found("faturas").await, 1);
    // The bot's menu is in every conversation: its words would match them all.
    assert_eq!(found("leituras medidor").await, 0);
    app.stop().await;
}

/// The bot's messages in the simulator's conversation on `kind`, once the last one satisfies
/// `done`.
async fn simulator_replies(
    app: &TestApp,
    kind: shared::messaging::ChannelKind,
    session: &str,
    done: impl Fn(&str) -> bool,
) -> Vec<String> {
    let bot_texts = || async {
        backend::services::demo::snapshot(&app.state, kind, session, 0)
            .await
            .unwrap()
            .messages
            .into_iter()
            .filter(|m| m.author == shared::messaging::Author::Bot)
            .filter_map(|m| m.text)
            .collect::<Vec<_>>()
    };
    wait_until(|| async { bot_texts().await.last().is_some_and(|t| done(t)) }).await;
    bot_texts().await
}

/// The brief's demo: a prospect picks a skin and types a CPF, first or at the menu; the bot
/// identifies the customer and asks what they want, by name, in every skin.
#[tokio::test]
async fn a_cpf_typed_first_or_at_the_menu_is_understood_in_every_skin() {
    use shared::messaging::ChannelKind;
    let app = spawn_app().await;
    for (i, kind) in ChannelKind::ALL.iter().copied().enumerate() {
        // As the first message.
        let session = format!("cpf-primeiro-{i}-0123456789");
        backend::services::demo::send(&app.state, kind, &session, "111.111.111-11", None, None)
            .await
            .unwrap();
        let texts =
            simulator_replies(&app, kind, &session, |t| t.contains("Como posso ajudar")).await;
        assert!(
            texts
                .iter()
                .any(|t| t.contains("Maria") && t.contains("em dia")),
            "{kind:?}: {texts:?}"
        );
        assert!(
            texts.last().unwrap().contains("Maria"),
            "{kind:?}: {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("Não entendi")),
            "{kind:?}: {texts:?}"
        );

        // At the main menu, after a greeting.
        let session = format!("cpf-no-menu-{i}-0123456789");
        backend::services::demo::send(&app.state, kind, &session, "oi", None, None)
            .await
            .unwrap();
        simulator_replies(&app, kind, &session, |t| t.contains("Eu sou a Val")).await;
        backend::services::demo::send(&app.state, kind, &session, "222.222.222-22", None, None)
            .await
            .unwrap();
        let texts = simulator_replies(&app, kind, &session, |t| t.contains("João")).await;
        assert!(
            texts
                .iter()
                .any(|t| t.contains("João") && t.contains("vencidas")),
            "{kind:?}: {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("Não entendi")),
            "{kind:?}: {texts:?}"
        );
    }
    app.stop().await;
}

/// Words that name an option choose it, however they are typed.
#[tokio::test]
async fn typed_words_name_the_menus_options() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    for (i, (typed, then)) in [
        ("2ª via", "CPF"),
        ("Quero a SEGUNDA VIA", "CPF"),
        ("negociar", "CPF"),
        ("leitura", "CPF"),
        ("vazamento", "CPF"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut customer = Customer::new(&app, &graph, &format!("55119333300{i:02}"));
        customer.say("oi").await;
        customer.expect(1).await;
        customer.say(typed).await;
        let reply = customer.expect(1).await.remove(0);
        assert!(reply.text.contains(then), "{typed}: {reply:?}");
        assert!(!reply.text.contains("Não entendi"), "{typed}: {reply:?}");
    }
    app.stop().await;
}

/// When the bot finds the customer in the ERP, the contact becomes that customer: the list and
/// the contact panel say "Maria Silva", the timeline says the ERP identified her, and a search by
/// her CPF finds the conversation with or without punctuation.
#[tokio::test]
async fn the_customer_the_erp_found_is_who_the_agent_sees_and_finds_by_cpf() {
    use shared::messaging::ChannelKind;
    let app = spawn_app().await;
    let session = "identidade-0123456789";
    let kind = ChannelKind::Webchat;
    backend::services::demo::send(&app.state, kind, session, "111.111.111-11", None, None)
        .await
        .unwrap();
    simulator_replies(&app, kind, session, |t| t.contains("Como posso ajudar")).await;
    let conversation = backend::services::demo::snapshot(&app.state, kind, session, 0)
        .await
        .unwrap()
        .conversation_id
        .expect("the simulator's conversation");
    let (name, cpf, erp): (Option<String>, Option<String>, Value) = sqlx::query_as(
        "select ct.name, ct.cpf, ct.attributes from contacts ct
         join conversations c on c.contact_id = ct.id where c.id = $1",
    )
    .bind(conversation)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(name.as_deref(), Some("Maria Silva"));
    assert_eq!(cpf.as_deref(), Some("11111111111"));
    // Custom attributes, named for their source.
    assert_eq!(erp["erp.cpf"], "11111111111", "{erp}");
    assert_eq!(erp["erp.nome"], "Maria Silva", "{erp}");
    assert!(
        !erp["erp.cliente_id"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{erp}"
    );
    assert!(erp["erp.identificado_em"].is_string(), "{erp}");

    let admin = app.signed_in(DEMO_EMAIL).await;
    for typed in ["111.111.111-11", "11111111111", "Maria Silva"] {
        let page = ok(admin
            .call_json(
                "inbox/list",
                &json!({"query": {"tab": "all", "search": typed}}),
            )
            .await)
        .await;
        let rows = page["rows"].as_array().unwrap();
        let row = rows
            .iter()
            .find(|r| r["id"] == json!(conversation))
            .unwrap_or_else(|| panic!("{typed} finds the conversation: {page}"));
        assert_eq!(row["contact_name"], "Maria Silva", "{typed}");
    }
    let detail = ok(admin
        .call_json("inbox/conversation", &json!({"id": conversation}))
        .await)
    .await;
    assert!(
        detail
            .to_string()
            .contains("Cliente identificado pelo ERP: Maria Silva"),
        "the timeline tells: {detail}"
    );
    // A second lookup of the same customer changes nothing and records nothing more.
    backend::services::demo::send(&app.state, kind, session, "menu", None, None)
        .await
        .unwrap();
    simulator_replies(&app, kind, session, |t| t.contains("Eu sou a Val")).await;
    backend::services::demo::send(&app.state, kind, session, "111.111.111-11", None, None)
        .await
        .unwrap();
    simulator_replies(&app, kind, session, |t| t.contains("Como posso ajudar")).await;
    let identified: i64 = sqlx::query_scalar(
        "select count(*) from conversation_events where conversation_id = $1 and kind = 'identified'",
    )
    .bind(conversation)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(identified, 1);
    app.stop().await;
}

/// Valid CPFs the mock ERP does not know.
const UNKNOWN_CPFS: [&str; 7] = [
    "481.726.395-46",
    "153.509.460-56",
    "714.602.380-01",
    "390.533.447-05",
    "275.484.389-23",
    "862.417.503-80",
    "601.928.374-78",
];

/// A CPF list cannot be walked through one conversation: a customer who mistypes gets three
/// different CPFs looked up; the fourth is not looked up, and a person takes over.
#[tokio::test]
async fn a_fourth_different_cpf_from_one_contact_goes_to_a_person_not_to_the_erp() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let mut c = Customer::new(&app, &graph, "5511977777777");
    c.pick_from_menu("oi", "segunda_via").await;
    let lookups = || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from bot_trace where kind = 'call' and detail->>'operation' is not null",
        )
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
    };
    for (i, cpf) in UNKNOWN_CPFS[..3].iter().enumerate() {
        c.say(cpf).await;
        let missing = c.expect(1).await.remove(0);
        assert!(missing.text.contains("Não encontrei"), "{cpf}: {missing:?}");
        wait_until(|| async { lookups().await == i as i64 + 1 }).await;
        c.tap(option(&missing, "tentar"), false).await;
        let ask = c.expect(1).await.remove(0);
        assert!(ask.text.contains("CPF"), "{ask:?}");
    }
    // The same CPF again is no new one: still answered.
    c.say(UNKNOWN_CPFS[0]).await;
    let missing = c.expect(1).await.remove(0);
    assert!(missing.text.contains("Não encontrei"), "{missing:?}");
    c.tap(option(&missing, "tentar"), false).await;
    c.expect(1).await;

    c.say(UNKNOWN_CPFS[3]).await;
    let refused = c.expect(1).await.remove(0);
    assert_eq!(refused.text, backend::bot::CPF_LIMIT_TEXT);
    wait_until(|| async { c.conversation_status().await == "waiting" }).await;
    assert_eq!(lookups().await, 4, "the fourth CPF never reached the ERP");
    app.stop().await;
}

/// Nor through many conversations from one address: the simulator (as the webchat) knows the
/// visitor's address, and a sixth different CPF from it in an hour goes to a person.
#[tokio::test]
async fn many_cpfs_from_one_address_go_to_a_person_whatever_the_conversation() {
    use shared::messaging::ChannelKind;
    let app = spawn_app().await;
    let kind = ChannelKind::Webchat;
    let walker: std::net::IpAddr = "2804:14c:5b:8e00::7".parse().unwrap();
    let send = |session: String, cpf: &'static str, ip: std::net::IpAddr| {
        let state = app.state.clone();
        async move {
            backend::services::demo::send(&state, kind, &session, cpf, None, Some(ip))
                .await
                .unwrap();
        }
    };
    for (i, cpf) in UNKNOWN_CPFS[..5].iter().enumerate() {
        let session = format!("lista-cpf-{i}-0123456789");
        send(session.clone(), cpf, walker).await;
        let texts =
            simulator_replies(&app, kind, &session, |t| t.contains("O que você prefere")).await;
        assert!(
            texts.iter().any(|t| t.contains("Não encontrei")),
            "{cpf}: {texts:?}"
        );
    }
    // Another address of the same /64 is the same client.
    let neighbour: std::net::IpAddr = "2804:14c:5b:8e00:ffff::1".parse().unwrap();
    let session = "lista-cpf-5-0123456789".to_owned();
    send(session.clone(), UNKNOWN_CPFS[5], neighbour).await;
    let texts =
        simulator_replies(&app, kind, &session, |t| t == backend::bot::CPF_LIMIT_TEXT).await;
    assert!(
        !texts.iter().any(|t| t.contains("Não encontrei")),
        "{texts:?}"
    );
    let conversation = backend::services::demo::snapshot(&app.state, kind, &session, 0)
        .await
        .unwrap()
        .conversation_id
        .unwrap();
    let status: String = sqlx::query_scalar("select status::text from conversations where id = $1")
        .bind(conversation)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(status, "waiting");

    // Someone else is still answered.
    let session = "lista-cpf-outro-0123456789".to_owned();
    send(
        session.clone(),
        UNKNOWN_CPFS[6],
        "200.160.2.3".parse().unwrap(),
    )
    .await;
    let texts = simulator_replies(&app, kind, &session, |t| t.contains("O que você prefere")).await;
    assert!(
        texts.iter().any(|t| t.contains("Não encontrei")),
        "{texts:?}"
    );
    app.stop().await;
}

/// A test contact's conversation on the real WhatsApp channel runs the draft; everyone else
/// the published version. Its visits are not counted in the flow's analytics.
#[tokio::test]
async fn a_test_contact_runs_the_draft_and_everyone_else_the_published_version() {
    let (app, graph) = bot_app(BotConfig::default()).await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let r = admin
        .call(
            "flows/test-contacts/save",
            &[("phones", "(11) 95555-0001\n+55 11 95555-0001")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["phones"], json!(["+5511955550001"]));
    let r = admin
        .call("flows/test-contacts/save", &[("phones", "11 9555 zero")])
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.to_string().contains("não é um número de telefone"),
        "{body}"
    );

    // The draft greets differently; it is not published.
    let api = Api::new(&app).await;
    crate::flows::edit_principal_draft(
        &api,
        "Como posso ajudar",
        "Rascunho em teste: como posso ajudar",
    )
    .await;

    let mut tester = Customer::new(&app, &graph, "5511955550001");
    tester.say("oi").await;
    let menu = tester.expect(1).await.remove(0);
    assert!(menu.text.contains("Rascunho em teste"), "{menu:?}");
    let mut customer = Customer::new(&app, &graph, "5511955550002");
    customer.say("oi").await;
    let menu = customer.expect(1).await.remove(0);
    assert!(!menu.text.contains("Rascunho em teste"), "{menu:?}");
    assert!(menu.text.contains("Como posso ajudar"), "{menu:?}");

    app.settle_bot().await;
    let visits = app
        .count("select count(*) from bot_steps where node = 'menu'")
        .await;
    assert_eq!(visits, 1, "only the customer's visit is counted");
    app.stop().await;
}
