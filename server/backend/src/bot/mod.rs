//! Runs the flow engine for conversations with the bot.
//!
//! Exactly once: each conversation has a `bot_sessions` row that keeps the last message fed to
//! the engine (`last_seq`). A run reads it, feeds the next message, carries out the effects and
//! stores the new state only if `last_seq` is still what it read (optimistic concurrency), so a
//! redelivered webhook, a second wake-up or another instance never advances the flow twice.
//! No database connection is held while effects run (sends, ERP calls): a slow ERP cannot starve
//! the pool. Within one instance, runs of a conversation are serialised by an in-memory lock;
//! across instances the conditional update decides. Sends carry a client id made of the
//! message and effect numbers, and ERP writes an idempotency key of the same kind, so a run
//! repeated by another instance or after a crash says and does nothing twice.
//!
//! Inactivity: after a step that waits for the customer, an apalis job is scheduled (Redis,
//! `run_at`) with the session's `activity` counter; if the conversation moved on, the job
//! finds a different counter and does nothing.
//!
//! Why ~650 lines: the run (read the session, feed one message, carry out its effects in order,
//! store the state conditionally) is one transaction of thought; the runtime cache
//! (`runtime.rs`), the flow library (`library.rs`) and the seed (`seed.rs`) are apart.

pub mod analytics;
pub mod builder;
pub mod library;
pub mod runtime;
pub mod seed;
pub mod test_contacts;
pub mod tester;

use runtime::Loaded;
pub use runtime::{BotConfig, BotRuntime, Storage};

use super::erp::{self, ErpError, HttpErp};
use super::messaging::{self, ConversationForSend};
use super::state::AppState;
use crate::db::bot_sessions::{self, Pending, Session, Step, Trace};
use crate::db::bot_steps::VisitRecord;
use crate::db::conversations::record_event;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shared::flow::channel::adapt;
use shared::flow::engine::{
    step_traced, Bot, BotState, CallRequest, Effect, Input, Mark, Outcome, Status, Stop,
};
use shared::flow::text::Vars;
use shared::messaging::{Author, ConversationEventKind, ConversationStatus};
use shared::{ContactId, ConversationId, TeamId};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What a customer is told when one CPF too many was asked for (`crate::cpf_guard`).
pub const CPF_LIMIT_TEXT: &str = "Por segurança, não consigo consultar mais CPFs nesta conversa. Vou passar você para um de nossos atendentes, que vai confirmar seus dados. 🙏";

/// What the bot's runtime reads from the state.
pub fn storage(state: &AppState) -> Storage<'_> {
    Storage {
        pool: &state.pool,
        secrets: &state.secrets,
        demo: state.demo,
    }
}

/// The mock ERP's injected latency and failures (cached with the flows).
pub async fn mock_injection(state: &AppState) -> erp::mock::Injection {
    state.bot.mock_injection(storage(state)).await
}

/// An inactivity check, run by an apalis worker at `run_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InactivityCheck {
    pub conversation: ConversationId,
    /// The session's `activity` when scheduled.
    pub activity: i64,
    /// false: remind; true: close.
    pub close: bool,
}

/// The Redis queue of inactivity checks, shared by whoever schedules and the workers.
pub fn inactivity_queue(
    conn: redis::aio::ConnectionManager,
    namespace: &str,
) -> apalis_redis::RedisStorage<InactivityCheck> {
    apalis_redis::RedisStorage::new(conn).with_config(
        apalis_redis::Config::default()
            .queue(format!("{namespace}:jobs:bot-inactivity"))
            .heartbeat_interval(Duration::from_secs(1)),
    )
}

async fn schedule(state: &AppState, check: InactivityCheck, after: Duration) {
    use apalis::prelude::{TaskBuilder, TaskSink};
    let mut queue = inactivity_queue(state.redis.clone(), &state.auth.redis_namespace);
    let task = TaskBuilder::new(check).run_after(after).build();
    if let Err(e) = queue.push_task(task).await {
        tracing::warn!(error = %e, "could not schedule the inactivity check");
    }
}

/// Runs the bot for every conversation [`crate::wakers::Wakers::wake_bot`] names, until
/// shutdown. Every instance runs it: a webchat or simulator message is stored by the web
/// instance that received it.
pub async fn run_dispatcher(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    let Some(mut inbox) = state.wakers.take_bot_inbox() else {
        tracing::error!("the bot's wake-up signal is already taken");
        return;
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            next = inbox.recv() => match next {
                Some(conversation) => wake(&state, conversation),
                None => break,
            },
        }
    }
}

/// Feeds the conversation's new inbound messages to the bot, in the background.
fn wake(state: &AppState, conversation: ConversationId) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&state, conversation).await {
            tracing::error!(error = ?e, %conversation, "bot run failed");
        }
        state.wakers.bot_run_finished();
    });
}

/// Feeds every inbound message not yet fed, one at a time, under the session's lock.
pub async fn run(state: &AppState, conversation: ConversationId) -> Result<(), Error> {
    // The conversation's turn first: a customer writing fast queues there, not on the slots.
    let _turn = state.bot.runs.enter(conversation).await;
    loop {
        let pending = bot_sessions::pending(&state.pool, conversation).await?;
        let Some(Pending {
            session,
            seq: Some(seq),
            body,
            content,
        }) = pending
        else {
            return Ok(());
        };
        let Some(main_flow) = session.bot_flow.clone() else {
            return Ok(());
        };
        if session.conversation.status != ConversationStatus::Bot {
            return Ok(());
        }
        let loaded = state.bot.loaded(storage(state)).await?;
        let (bot, pinned) = engine_for(state, &loaded, &session, &main_flow).await?;
        let current = current_state(&bot, &session, conversation);
        let choice = content
            .as_ref()
            .and_then(|c| c.pointer("/reply/id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let input = Input::Message {
            text: body.unwrap_or_default(),
            choice,
        };
        let ctx = RunContext {
            state,
            loaded: &loaded,
            bot: &bot,
            conversation,
            contact: session.contact_id,
            for_send: &session.conversation,
            key: format!("m{seq}"),
            trace: Default::default(),
            marks: Default::default(),
        };
        let waited = waits_at_block(&current);
        let after = ctx.execute(current, input).await?;
        let stored = bot_sessions::store_step(
            &state.pool,
            Step {
                conversation,
                state: serde_json::to_value(&after).map_err(anyhow::Error::from)?,
                seq,
                read_last_seq: session.last_seq,
                trace: ctx.take_trace(),
                flow_versions: serde_json::to_value(&pinned).map_err(anyhow::Error::from)?,
                visits: ctx.take_visits(&pinned, waited),
            },
        )
        .await?;
        let Some((activity, more)) = stored else {
            // Another instance fed this message first (and said the same): read again.
            continue;
        };
        if waits_for_customer(&after) {
            schedule(
                state,
                InactivityCheck {
                    conversation,
                    activity,
                    close: false,
                },
                Duration::from_secs(loaded.config.reminder_seconds.max(1)),
            )
            .await;
        }
        if !more {
            return Ok(());
        }
    }
}

/// Wakes the bot where a message was stored but not fed: its run failed (the database was
/// unreachable a moment) or the instance stopped before it ran. Every few seconds, on the
/// instances that run background work.
pub async fn run_sweeper(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    const EVERY: Duration = Duration::from_secs(10);
    while !shutdown.is_cancelled() {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        // Settled for a few seconds, so a run under way is not woken twice (which would be
        // harmless, only wasted).
        let stranded = bot_sessions::stranded(&state.pool).await;
        match stranded {
            Ok(ids) => {
                for id in ids {
                    tracing::info!(conversation = %id, "bot woken for a message it had not read");
                    state.wakers.wake_bot(id);
                }
            }
            Err(e) => tracing::warn!(error = ?e, "bot sweep failed"),
        }
    }
}

/// The engine a session runs on, and the flows' versions it pins: a test contact's runs the
/// drafts (and pins none, so its visits are not counted); any other the versions it started
/// on.
async fn engine_for(
    state: &AppState,
    loaded: &Loaded,
    session: &Session,
    main_flow: &str,
) -> Result<(std::sync::Arc<Bot>, std::collections::BTreeMap<String, i32>), Error> {
    let testing = session
        .contact_phone
        .as_deref()
        .is_some_and(|p| loaded.test_contacts.includes(p));
    if testing {
        return Ok((
            loaded.draft_bot(&state.pool, main_flow).await?,
            Default::default(),
        ));
    }
    let pinned = pinned_versions(session, loaded);
    let bot = loaded.bot_on(&state.pool, main_flow, &pinned).await?;
    Ok((bot, pinned))
}

/// The flows' versions the session runs on: those it started on, or for a session starting now
/// (or one that started before versions were kept), the published ones.
fn pinned_versions(session: &Session, loaded: &Loaded) -> std::collections::BTreeMap<String, i32> {
    match &session.flow_versions {
        Some(versions) if !session.state.is_null() => versions.0.clone(),
        _ => loaded.versions.clone(),
    }
}

fn waits_for_customer(s: &BotState) -> bool {
    matches!(s.status, Status::AwaitingInput | Status::Recovering)
}

/// Whether the conversation is at a block (whose visit a step may close).
fn waits_at_block(s: &BotState) -> bool {
    waits_for_customer(s) || s.status == Status::AwaitingResult
}

fn current_state(bot: &Bot, session: &Session, conversation: ConversationId) -> BotState {
    serde_json::from_value(session.state.clone()).unwrap_or_else(|_| {
        let mut vars = Vars::new();
        vars.insert(
            "contato".into(),
            json!({
                "nome": session.contact_name.clone().unwrap_or_default(),
                "primeiro_nome": session.contact_name.as_deref().unwrap_or_default()
                    .split_whitespace().next().unwrap_or_default(),
                "telefone": session.contact_phone.clone().unwrap_or_default(),
            }),
        );
        vars.insert("canal".into(), json!(session.conversation.kind.label()));
        let id = conversation.0.simple().to_string();
        vars.insert(
            "protocolo".into(),
            json!(format!(
                "{}{}",
                chrono::Utc::now().format("%Y%m%d"),
                &id[..6].to_uppercase()
            )),
        );
        BotState::new(bot, vars)
    })
}

/// Runs an inactivity check: reminds, or closes, when nothing happened since it was scheduled.
pub async fn on_inactivity(state: &AppState, check: InactivityCheck) -> Result<(), Error> {
    let _turn = state.bot.runs.turn(check.conversation).await;
    let Some(session) = bot_sessions::find(&state.pool, check.conversation).await? else {
        return Ok(());
    };
    if session.activity != check.activity || session.conversation.status != ConversationStatus::Bot
    {
        return Ok(());
    }
    let Some(main_flow) = session.bot_flow.clone() else {
        return Ok(());
    };
    let Ok(current) = serde_json::from_value::<BotState>(session.state.clone()) else {
        return Ok(());
    };
    if !waits_for_customer(&current) {
        return Ok(());
    }
    let loaded = state.bot.loaded(storage(state)).await?;
    let (bot, pinned) = engine_for(state, &loaded, &session, &main_flow).await?;
    let ctx = RunContext {
        state,
        loaded: &loaded,
        bot: &bot,
        conversation: check.conversation,
        contact: session.contact_id,
        for_send: &session.conversation,
        key: format!("i{}{}", check.activity, if check.close { "c" } else { "r" }),
        trace: Default::default(),
        marks: Default::default(),
    };
    ctx.note(if check.close { "close" } else { "reminder" }, json!({}));
    let after = ctx
        .execute(current, Input::Inactive { close: check.close })
        .await?;
    bot_sessions::store_after_inactivity(
        &state.pool,
        check.conversation,
        check.activity,
        serde_json::to_value(&after).map_err(anyhow::Error::from)?,
        ctx.take_trace(),
        ctx.take_visits(&pinned, true),
    )
    .await?;
    if !check.close && waits_for_customer(&after) {
        schedule(
            state,
            InactivityCheck {
                close: true,
                ..check
            },
            Duration::from_secs(loaded.config.close_seconds.max(1)),
        )
        .await;
    }
    Ok(())
}

struct RunContext<'a> {
    state: &'a AppState,
    loaded: &'a Loaded,
    bot: &'a Bot,
    conversation: ConversationId,
    /// The conversation's contact: whose CPF lookups are counted.
    contact: ContactId,
    /// Read with the session: the replies' channel, recipient and window.
    for_send: &'a ConversationForSend,
    /// Unique per input: makes sends and ERP writes idempotent.
    key: String,
    /// What the step did, for the presenter panel: stored with the step's new state.
    trace: std::sync::Mutex<(Vec<String>, Vec<Value>)>,
    /// The blocks the engine passed, each with when (for the analytics overlay).
    marks: std::sync::Mutex<Vec<(chrono::DateTime<chrono::Utc>, Mark)>>,
}

impl RunContext<'_> {
    fn note(&self, kind: &str, detail: Value) {
        if let Ok(mut t) = self.trace.lock() {
            t.0.push(kind.to_owned());
            t.1.push(detail);
        }
    }

    fn mark(&self, marks: Vec<Mark>) {
        let now = chrono::Utc::now();
        if let Ok(mut m) = self.marks.lock() {
            m.extend(marks.into_iter().map(|mark| (now, mark)));
        }
    }

    /// The visits the run's marks make, on the session's flow `versions`.
    fn take_visits(
        &self,
        versions: &std::collections::BTreeMap<String, i32>,
        waited: bool,
    ) -> VisitRecord {
        let marks = self
            .marks
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default();
        VisitRecord::new(shared::flow::analytics::visits(&marks), versions, waited)
    }

    fn take_trace(&self) -> Trace {
        let (kinds, details) = self
            .trace
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        Trace { kinds, details }
    }

    /// One input through the engine, carrying out its effects (and the calls' outcomes).
    async fn execute(&self, current: BotState, input: Input) -> Result<BotState, Error> {
        let (mut now, effects, marks) = step_traced(self.bot, current, input);
        self.mark(marks);
        let mut queue: VecDeque<Effect> = effects.into();
        let mut n = 0u32;
        // Consecutive replies go out together: one statement stores them, then they are
        // delivered in order. A call, a hand-off or the end says them first.
        let mut replies = Vec::new();
        while let Some(effect) = queue.pop_front() {
            n += 1;
            match effect {
                Effect::Send { content } => {
                    let outbound = adapt(&content, self.for_send.kind);
                    replies.push((format!("bot:{}:{n}", self.key), outbound));
                }
                Effect::Call { call, request } => {
                    if !self.cpf_admitted(&request).await {
                        let outbound = adapt(
                            &shared::flow::Content::Text {
                                text: CPF_LIMIT_TEXT.to_owned(),
                            },
                            self.for_send.kind,
                        );
                        replies.push((format!("bot:{}:{n}:cpf-limite", self.key), outbound));
                        self.say(std::mem::take(&mut replies)).await;
                        self.note("cpf_limit", json!({}));
                        self.mark(vec![Mark::Stop {
                            reason: Stop::Handoff,
                        }]);
                        self.hand_off(None).await?;
                        return Ok(now);
                    }
                    self.say(std::mem::take(&mut replies)).await;
                    let outcome = self.call(&request, &format!("{}:{n}", self.key)).await;
                    let (next, more, marks) =
                        step_traced(self.bot, now, Input::Outcome { call, outcome });
                    self.mark(marks);
                    now = next;
                    queue.extend(more);
                }
                Effect::Handoff { team } => {
                    // Where nobody of the team is available, the customer is told so: instead
                    // of the bot's generic "um instante", or after the flow's own message.
                    if let Some(text) = self.unavailable_text(team.as_deref()).await {
                        let generic = matches!(
                            replies.last(),
                            Some((_, shared::messaging::Outbound::Text { text }))
                                if *text == self.bot.settings.handoff_message
                        );
                        if generic {
                            replies.pop();
                        }
                        let outbound =
                            adapt(&shared::flow::Content::Text { text }, self.for_send.kind);
                        replies.push((format!("bot:{}:{n}:sem-atendente", self.key), outbound));
                    }
                    self.say(std::mem::take(&mut replies)).await;
                    self.hand_off(team.as_deref()).await?
                }
                Effect::End => {
                    self.say(std::mem::take(&mut replies)).await;
                    self.end().await?
                }
            }
        }
        self.say(replies).await;
        self.note(
            "node",
            json!({
                "flow": now.flow,
                "node": now.node,
                "label": self.bot.flows.get(&now.flow)
                    .and_then(|f| f.node(&now.node))
                    .map(|n| n.label.clone().unwrap_or_else(|| n.kind.label().to_owned())),
                "status": now.status,
            }),
        );
        Ok(now)
    }

    /// Whether an ERP call may look this CPF up (`crate::cpf_guard`): calls without a CPF
    /// always may.
    async fn cpf_admitted(&self, request: &CallRequest) -> bool {
        let CallRequest::Erp { args, .. } = request else {
            return true;
        };
        let Some(cpf) = args
            .get("cpf")
            .and_then(|c| shared::values::Cpf::digits_of(c))
        else {
            return true;
        };
        let asker = crate::cpf_guard::Asker {
            contact: self.contact,
            channel: self.for_send.channel_id,
            external_id: self.for_send.recipient.as_deref(),
        };
        crate::cpf_guard::admit(self.state, &asker, &cpf).await
    }

    /// Sends the bot's replies; what could not go out is noted for the presenter panel.
    async fn say(&self, replies: Vec<(String, shared::messaging::Outbound)>) {
        if replies.is_empty() {
            return;
        }
        let refused = match messaging::send_bot_replies(
            self.state,
            self.for_send,
            self.conversation,
            replies,
        )
        .await
        {
            Ok(refused) => refused,
            Err(e) => vec![e],
        };
        for e in refused {
            tracing::warn!(error = ?e, conversation = %self.conversation, "bot message not sent");
            self.note(
                "error",
                json!({"message": format!("Mensagem não enviada: {e:?}")}),
            );
        }
    }

    async fn call(&self, request: &CallRequest, key: &str) -> Outcome {
        let started = Instant::now();
        let (what, result) = match request {
            CallRequest::Erp { operation, args } => (
                json!({"type": "erp", "operation": operation, "label": operation.label()}),
                erp_call(
                    self.state,
                    self.loaded,
                    *operation,
                    args,
                    &format!("{}:{key}", self.conversation.0.simple()),
                )
                .await,
            ),
            CallRequest::Http {
                method,
                url,
                headers,
                body,
                timeout_ms,
            } => (
                json!({"type": "http", "method": method, "url": url}),
                http_call(
                    &self.state.bot.egress,
                    method,
                    url,
                    headers,
                    body.as_deref(),
                    *timeout_ms,
                )
                .await,
            ),
        };
        let ms = started.elapsed().as_millis() as u64;
        let mut detail = what;
        detail["ms"] = json!(ms);
        match &result {
            Ok(_) => detail["ok"] = json!(true),
            Err(e) => {
                detail["ok"] = json!(false);
                detail["error"] = json!(e.message());
            }
        }
        self.note("call", detail);
        if let (
            CallRequest::Erp {
                operation: shared::flow::ErpOperation::FindCustomer,
                ..
            },
            Ok(customer),
        ) = (request, &result)
        {
            if let Err(e) = self.identified(customer).await {
                tracing::warn!(error = ?e, conversation = %self.conversation, "contact not identified");
            }
        }
        match result {
            Ok(value) => Outcome::Ok { value },
            Err(e) => Outcome::Failed {
                reason: e.message(),
            },
        }
    }

    /// The ERP found the customer (`cliente`, as `shared::erp::customer_value` gives it): the
    /// contact takes their name, CPF and ERP id, so the agent sees who it is, and the search
    /// finds them by CPF. Recorded as an event on the conversation and published live.
    async fn identified(&self, customer: &Value) -> Result<(), Error> {
        let text = |k: &str| customer.get(k).and_then(Value::as_str).unwrap_or_default();
        let (name, erp_id) = (text("nome").trim(), text("id"));
        if customer.get("encontrado") != Some(&Value::Bool(true)) || name.is_empty() {
            return Ok(());
        }
        let cpf = shared::values::Cpf::digits_of(text("cpf"));
        let mut tx = self.state.pool.begin().await?;
        let changed = crate::db::contacts::identify_from_erp(
            &mut *tx,
            self.conversation,
            name,
            cpf.as_deref(),
            erp_id,
        )
        .await?;
        if changed.is_none() {
            return Ok(());
        }
        record_event(
            &mut tx,
            self.conversation,
            ConversationEventKind::Identified,
            Author::Bot,
            None,
            json!({"nome": name, "erp_id": erp_id, "fonte": "erp"}),
        )
        .await?;
        tx.commit().await?;
        crate::publish::conversation_changed(self.state, self.conversation, None).await;
        Ok(())
    }

    /// What the customer is told instead of "um instante" when the team the conversation goes
    /// to (by name; else its own or its channel's) is outside its business hours (and when it
    /// opens), or has no agent online with a free seat; for a conversation with no team, when
    /// nobody at all is online. `None` when someone will answer, or when it cannot tell.
    async fn unavailable_text(&self, team: Option<&str>) -> Option<String> {
        let pool = &self.state.pool;
        let team_id: Option<TeamId> = match team {
            Some(name) => crate::db::teams::find_by_name(pool, name).await.ok()?,
            None => crate::db::conversations::destination_team(pool, self.conversation)
                .await
                .ok()?,
        };
        let Some(team_id) = team_id else {
            let online = crate::db::users::anyone_online(pool).await.ok()?;
            return (!online).then(|| "No momento, nenhum atendente está disponível. Sua conversa já está na fila e será respondida assim que alguém entrar. 🙏".to_owned());
        };
        let name = match team {
            Some(name) => Some(name.to_owned()),
            None => crate::db::teams::find_name(pool, team_id).await.ok()?,
        };
        if let Some(hours) = crate::db::teams::business_hours(pool, team_id).await.ok()? {
            let now = crate::hours::local_now(&hours);
            if !hours.is_open(now) {
                return Some(shared::hours::closed_text(name.as_deref(), &hours, now));
            }
        }
        let available = crate::db::users::next_agent_for(pool, team_id).await.ok()?;
        if available.is_some() {
            return None;
        }
        Some(match name {
            Some(name) => format!("No momento, ninguém da equipe *{name}* está disponível. Sua conversa já está na fila e será respondida assim que um atendente entrar. 🙏"),
            None => "No momento, nenhum atendente está disponível. Sua conversa já está na fila e será respondida assim que alguém entrar. 🙏".to_owned(),
        })
    }

    /// To the team's queue (by name; else the channel's team), where distribution picks an agent.
    async fn hand_off(&self, team: Option<&str>) -> Result<(), Error> {
        let team_id: Option<TeamId> = match team {
            Some(name) => crate::db::teams::find_by_name(&self.state.pool, name).await?,
            None => None,
        };
        let mut tx = self.state.pool.begin().await?;
        if !crate::db::conversations::queue_from_bot(&mut tx, self.conversation, team_id).await? {
            return Ok(());
        }
        record_event(
            &mut tx,
            self.conversation,
            ConversationEventKind::Transferred,
            Author::Bot,
            None,
            json!({"team_id": team_id, "reason": "bot_handoff", "team": team}),
        )
        .await?;
        tx.commit().await?;
        self.note("handoff", json!({"team": team}));
        crate::publish::conversation_changed(self.state, self.conversation, None).await;
        self.state.wakers.distribute_soon();
        Ok(())
    }

    async fn end(&self) -> Result<(), Error> {
        let mut tx = self.state.pool.begin().await?;
        let resolved = crate::db::conversations::resolve(
            &mut tx,
            self.conversation,
            Some(ConversationStatus::Bot),
            Author::Bot,
            None,
            json!({"reason": "bot_end"}),
        )
        .await?;
        if resolved.is_none() {
            return Ok(());
        }
        tx.commit().await?;
        self.note("end", json!({}));
        crate::publish::conversation_changed(self.state, self.conversation, None).await;
        Ok(())
    }
}

/// An ERP block's operation on the connector configured in Integrações.
async fn erp_call(
    state: &AppState,
    loaded: &Loaded,
    operation: shared::flow::ErpOperation,
    args: &std::collections::BTreeMap<String, String>,
    idempotency_key: &str,
) -> Result<Value, ErpError> {
    let connector = HttpErp {
        egress: &state.bot.egress,
        settings: loaded.erp.clone(),
    };
    erp::run_operation(&connector, operation, args, idempotency_key).await
}

/// A flow's HTTP block: templated request, bounded by its timeout; the answer as JSON (or
/// its text under `texto`).
async fn http_call(
    egress: &crate::egress::Egress,
    method: &shared::flow::HttpMethod,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    timeout_ms: u32,
) -> Result<Value, ErpError> {
    let method = reqwest::Method::from_bytes(format!("{method:?}").to_uppercase().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let timeout = Duration::from_millis(u64::from(timeout_ms).clamp(100, 60_000));
    let mut request = egress.client.request(method, url);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let (status, text) = erp::send_bounded(egress, request, timeout).await?;
    if !status.is_success() {
        return Err(ErpError::Status {
            status: status.as_u16(),
            body: text,
        });
    }
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| json!({"texto": text})))
}
