//! "Testar" in the flow builder: a draft run on the same engine and connectors the channels use,
//! on the server, without a conversation: nothing is sent to a channel, no contact is touched.
//! The state travels with the test (the builder keeps it between turns), ERP calls go to the
//! configured connector unless the administrator typed a canned answer for the operation.

use super::runtime::Loaded;
use super::{erp_call, http_call, storage};
use crate::error::Error;
use crate::state::AppState;
use serde_json::{json, Value};
use shared::flow::builder::{TestCall, TestRequest, TestTurn};
use shared::flow::engine::{step, Bot, BotState, CallRequest, Effect, Input, Outcome};
use shared::flow::text::Vars;
use std::collections::VecDeque;
use std::time::Instant;

/// The variables a test conversation starts with.
fn test_vars() -> Vars {
    let mut vars = Vars::new();
    vars.insert(
        "contato".into(),
        json!({"nome": "Cliente de teste", "primeiro_nome": "Cliente", "telefone": "+5511999990000"}),
    );
    vars.insert("canal".into(), json!("WhatsApp"));
    vars.insert("protocolo".into(), json!("TESTE0001"));
    vars
}

/// Runs one message of a test through the draft.
pub async fn turn(state: &AppState, request: TestRequest) -> Result<TestTurn, Error> {
    let loaded = state.bot.loaded(storage(state)).await?;
    let mut draft = request.draft;
    draft.key = request.key.clone();
    if let (None, Some(at)) = (&request.state, &request.start_at) {
        if draft.node(at).is_some() {
            draft.start = at.clone();
        }
    }
    let flows = loaded
        .flows
        .iter()
        .filter(|f| f.key != request.key)
        .cloned()
        .chain([draft])
        .collect();
    let bot = Bot::new(flows, request.key.clone(), loaded.config.texts.clone());
    let current = request
        .state
        .unwrap_or_else(|| BotState::new(&bot, test_vars()));
    let input = Input::Message {
        text: request.text,
        choice: request.choice,
    };
    let (mut now, effects) = step(&bot, current, input);
    let mut queue: VecDeque<Effect> = effects.into();
    let mut out = TestTurn {
        state: now.clone(),
        replies: Vec::new(),
        calls: Vec::new(),
        finished: None,
    };
    while let Some(effect) = queue.pop_front() {
        match effect {
            Effect::Send { content } => out.replies.push(content),
            Effect::Call {
                call,
                request: call_request,
            } => {
                let (outcome, record) =
                    run_call(state, &loaded, &call_request, &request.canned).await;
                out.calls.push(record);
                let (next, more) = step(&bot, now, Input::Outcome { call, outcome });
                now = next;
                queue.extend(more);
            }
            Effect::Handoff { team } => {
                out.finished = Some(match team {
                    Some(team) => format!("Transferida para a equipe {team}"),
                    None => "Transferida para a equipe padrão do canal".into(),
                });
            }
            Effect::End => out.finished = Some("Conversa encerrada pelo robô".into()),
        }
    }
    out.state = now;
    Ok(out)
}

async fn run_call(
    state: &AppState,
    loaded: &Loaded,
    request: &CallRequest,
    canned: &std::collections::BTreeMap<String, Value>,
) -> (Outcome, TestCall) {
    let started = Instant::now();
    let (what, shown, canned_answer, result) = match request {
        CallRequest::Erp { operation, args } => {
            let shown = json!({"operation": operation.code(), "args": args});
            match canned.get(operation.code()) {
                Some(answer) => (
                    operation.label().to_owned(),
                    shown,
                    true,
                    Ok(answer.clone()),
                ),
                None => {
                    let key = format!("teste:{}", uuid::Uuid::new_v4().simple());
                    let result = erp_call(state, loaded, *operation, args, &key).await;
                    (operation.label().to_owned(), shown, false, result)
                }
            }
        }
        CallRequest::Http {
            method,
            url,
            headers,
            body,
            timeout_ms,
        } => {
            let shown = json!({"method": method.name(), "url": url, "body": body});
            let result = http_call(
                &state.bot.egress,
                method,
                url,
                headers,
                body.as_deref(),
                *timeout_ms,
            )
            .await;
            (format!("{} {url}", method.name()), shown, false, result)
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    let (outcome, answer, ok) = match result {
        Ok(value) => (
            Outcome::Ok {
                value: value.clone(),
            },
            value,
            true,
        ),
        Err(e) => {
            let reason = e.message();
            (
                Outcome::Failed {
                    reason: reason.clone(),
                },
                json!({"erro": reason}),
                false,
            )
        }
    };
    (
        outcome,
        TestCall {
            what,
            request: shown,
            answer,
            ok,
            ms,
            canned: canned_answer,
        },
    )
}
