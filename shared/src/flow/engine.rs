//! The bot as a pure state machine: `(bot, state, input) → (new state, effects)`.
//!
//! Nothing here sends, calls or sleeps. The server stores [`BotState`] per conversation, feeds
//! each inbound message once, carries out the [`Effect`]s (send, call the ERP or an HTTP API,
//! hand off, end) and feeds the call's [`Outcome`] back. Every step stops after a bounded number
//! of blocks, at a block that waits for the customer or for a call, or at an end or hand-off.
//!
//! Why one file of ~820 lines: `step` is one loop over the block kinds and every arm shares the
//! same state, counters and effect queue; split by kind, each part would reach back into all of
//! them. Its tests are in `flow/tests.rs`.

pub use super::answers::{check_answer, explain_options, match_choice, name_options};
use super::text::{
    json_path, lookup, normalize, number_of, parse_number, render, render_escaped, Escape, Vars,
};
use super::{
    Choice, Content, ErpOperation, Flow, HttpMethod, NodeId, NodeKind, Op, Port, Rule, Validation,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the bot says outside any flow, and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotSettings {
    /// Answer to "ajuda".
    pub help_text: String,
    /// Said when the customer asks for "atendente" (or the bot gives up).
    pub handoff_message: String,
    /// Said on "sair".
    pub goodbye_message: String,
    /// Said when an ERP or HTTP call fails and its block has no error path; offers a human.
    pub failure_message: String,
    /// Said when an answer matches no option and the block has no message of its own.
    pub no_match_message: String,
    pub reminder_message: String,
    pub closing_message: String,
    /// CPFs accepted without check digits: the demo's fixtures (111.111.111-11…).
    #[serde(default)]
    pub fixture_cpfs: Vec<String>,
    /// Blocks run for one input before the bot decides it is looping and hands off.
    #[serde(default = "default_max_steps")]
    pub max_steps: u32,
}

fn default_max_steps() -> u32 {
    64
}

impl Default for BotSettings {
    fn default() -> Self {
        Self {
            help_text: "Você pode escolher uma das opções ou digitar: *menu* para voltar ao início, *atendente* para falar com uma pessoa, *sair* para encerrar.".into(),
            handoff_message: "Certo! Vou transferir você para um de nossos atendentes. Aguarde só um instante. 😊".into(),
            goodbye_message: "Tudo bem! Quando precisar, é só mandar uma mensagem. Até logo! 👋".into(),
            failure_message: "Desculpe, não consegui consultar essa informação agora. Quer falar com um atendente ou voltar ao menu?".into(),
            no_match_message: "Não entendi. 🙂 Digite o nome de uma das opções ou *ajuda*.".into(),
            reminder_message: "Ainda está por aí? Se precisar de algo, é só responder. 🙂".into(),
            closing_message: "Como não tivemos resposta, vou encerrar este atendimento. Se precisar, é só chamar de novo!".into(),
            fixture_cpfs: Vec::new(),
            max_steps: default_max_steps(),
        }
    }
}

/// The flows a bot runs, by key, and the one "menu" returns to.
#[derive(Debug, Clone, PartialEq)]
pub struct Bot {
    pub flows: BTreeMap<String, Flow>,
    pub main_flow: String,
    pub settings: BotSettings,
}

impl Bot {
    pub fn new(flows: Vec<Flow>, main_flow: impl Into<String>, settings: BotSettings) -> Self {
        Self {
            flows: flows.into_iter().map(|f| (f.key.clone(), f)).collect(),
            main_flow: main_flow.into(),
            settings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// At a question or options: the next customer message answers it.
    AwaitingInput,
    /// At an ERP or HTTP block: the call's outcome continues.
    AwaitingResult,
    /// A call failed without an error path; a human or the menu was offered.
    Recovering,
    /// The flow ended; a new message starts the main flow again.
    Ended,
    /// A human has the conversation; the bot stays quiet.
    HandedOff,
}

/// One conversation's place in the flows, stored between messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotState {
    pub flow: String,
    pub node: NodeId,
    pub status: Status,
    #[serde(default)]
    pub vars: Vars,
    #[serde(default)]
    pub attempts: u8,
    /// Number of the pending call; an outcome for another number is stale and ignored.
    #[serde(default)]
    pub call: u64,
}

impl BotState {
    /// Before the first message: ended, so the first message starts the main flow.
    pub fn new(bot: &Bot, vars: Vars) -> Self {
        let start = bot
            .flows
            .get(&bot.main_flow)
            .map(|f| f.start.clone())
            .unwrap_or_else(|| NodeId::new(""));
        Self {
            flow: bot.main_flow.clone(),
            node: start,
            status: Status::Ended,
            vars,
            attempts: 0,
            call: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// A customer message: its text and, for a button or list reply, the option id.
    Message {
        text: String,
        #[serde(default)]
        choice: Option<String>,
    },
    /// What a call returned.
    Outcome { call: u64, outcome: Outcome },
    /// The customer has been silent: remind, or close.
    Inactive { close: bool },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Ok { value: Value },
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CallRequest {
    Erp {
        operation: ErpOperation,
        args: BTreeMap<String, String>,
    },
    Http {
        method: HttpMethod,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
        timeout_ms: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Say this (text already interpolated); the server adapts it to the channel.
    Send { content: Content },
    /// Make this call and feed back `Input::Outcome` with the same number.
    Call { call: u64, request: CallRequest },
    /// Give the conversation to a team (the channel's default when none).
    Handoff { team: Option<String> },
    /// Resolve the conversation.
    End,
}

/// The words that work anywhere, accents and case ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalWord {
    Menu,
    Help,
    Agent,
    Quit,
}

pub fn global_word(text: &str) -> Option<GlobalWord> {
    match normalize(text).trim_matches(|c: char| !c.is_alphanumeric()) {
        "menu" | "inicio" => Some(GlobalWord::Menu),
        "ajuda" => Some(GlobalWord::Help),
        "atendente" | "humano" => Some(GlobalWord::Agent),
        "sair" => Some(GlobalWord::Quit),
        _ => None,
    }
}

/// Why a conversation stopped at the block it was at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The flow ended there (an end block, or a port leading nowhere).
    Ended,
    /// A hand-off block (or the bot, after too many failed answers) gave it to a person.
    Handoff,
    /// The customer asked for a person ("atendente").
    Agent,
    /// The customer left ("sair").
    Quit,
    /// Closed after the customer's silence.
    Inactive,
    /// The customer went back to the menu.
    Menu,
}

impl Stop {
    pub const ALL: [Stop; 6] = [
        Stop::Ended,
        Stop::Handoff,
        Stop::Agent,
        Stop::Quit,
        Stop::Inactive,
        Stop::Menu,
    ];

    /// How it is stored.
    pub fn key(self) -> &'static str {
        match self {
            Stop::Ended => "ended",
            Stop::Handoff => "handoff",
            Stop::Agent => "agent",
            Stop::Quit => "quit",
            Stop::Inactive => "inactive",
            Stop::Menu => "menu",
        }
    }

    pub fn from_key(key: &str) -> Option<Stop> {
        Stop::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Where a step took the conversation, in order, for the analytics of each block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum Mark {
    /// A block began: the conversation is at it now (the block it was at, if still open, was
    /// left without a port, as a "go to flow" is).
    Enter { flow: String, node: NodeId },
    /// The block the conversation is at was left through this port.
    Leave { port: Port },
    /// The conversation stopped at the block it is at.
    Stop { reason: Stop },
}

struct Run<'a> {
    bot: &'a Bot,
    state: BotState,
    effects: Vec<Effect>,
    marks: Vec<Mark>,
}

/// Runs one input.
pub fn step(bot: &Bot, state: BotState, input: Input) -> (BotState, Vec<Effect>) {
    let (state, effects, _) = step_traced(bot, state, input);
    (state, effects)
}

/// The flow a tapped quick reply starts, from its payload.
fn started_flow(choice: &str) -> Option<String> {
    match crate::sent_template::QuickReplyAction::from_payload(choice)? {
        crate::sent_template::QuickReplyAction::Flow { flow } => Some(flow),
        crate::sent_template::QuickReplyAction::OptOut => None,
    }
}

/// Runs one input, and says which blocks it passed and how it left each ([`Mark`]).
pub fn step_traced(bot: &Bot, state: BotState, input: Input) -> (BotState, Vec<Effect>, Vec<Mark>) {
    let mut run = Run {
        bot,
        state,
        effects: Vec::new(),
        marks: Vec::new(),
    };
    match input {
        Input::Message { text, choice } => run.message(text, choice),
        Input::Outcome { call, outcome } => {
            if run.state.status == Status::AwaitingResult && call == run.state.call {
                run.outcome(outcome);
            }
        }
        Input::Inactive { close } => {
            if matches!(run.state.status, Status::AwaitingInput | Status::Recovering) {
                if close {
                    run.say(&bot.settings.closing_message.clone());
                    run.stop(Stop::Inactive);
                    run.end();
                } else {
                    run.say(&bot.settings.reminder_message.clone());
                }
            }
        }
    }
    (run.state, run.effects, run.marks)
}

fn text_content(text: String) -> Content {
    Content::Text { text }
}

impl Run<'_> {
    fn say(&mut self, text: &str) {
        self.effects.push(Effect::Send {
            content: text_content(render(text, &self.state.vars)),
        });
    }

    fn end(&mut self) {
        self.stop(Stop::Ended);
        self.effects.push(Effect::End);
        self.state.status = Status::Ended;
    }

    /// Marks the stop at the current block; the first reason given wins (an "atendente"
    /// is that, not the hand-off it leads to).
    fn stop(&mut self, reason: Stop) {
        if !matches!(self.marks.last(), Some(Mark::Stop { .. })) {
            self.marks.push(Mark::Stop { reason });
        }
    }

    fn enter(&mut self) {
        self.marks.push(Mark::Enter {
            flow: self.state.flow.clone(),
            node: self.state.node.clone(),
        });
    }

    fn leave(&mut self, port: Port) {
        self.marks.push(Mark::Leave { port });
    }

    fn hand_off(&mut self, team: Option<String>, message: &str) {
        self.stop(Stop::Handoff);
        self.say(message);
        self.effects.push(Effect::Handoff { team });
        self.state.status = Status::HandedOff;
    }

    fn flow(&self) -> Option<&Flow> {
        self.bot.flows.get(&self.state.flow)
    }

    fn restart(&mut self) {
        self.state.flow = self.bot.main_flow.clone();
        match self.flow().map(|f| f.start.clone()) {
            Some(start) => {
                self.state.node = start;
                self.state.attempts = 0;
                self.run();
            }
            None => {
                let msg = self.bot.settings.handoff_message.clone();
                self.hand_off(None, &msg);
            }
        }
    }

    fn message(&mut self, text: String, choice: Option<String>) {
        self.state
            .vars
            .insert("resposta".into(), Value::String(text.clone()));
        if self.state.status == Status::HandedOff {
            return;
        }
        // A template's quick reply that starts a flow ("Negociar" → the negotiation): that
        // flow, from its start, whatever the conversation was doing.
        if let Some(flow) = choice.as_deref().and_then(started_flow) {
            if let Some(start) = self.bot.flows.get(&flow).map(|f| f.start.clone()) {
                if matches!(
                    self.state.status,
                    Status::AwaitingInput | Status::AwaitingResult | Status::Recovering
                ) {
                    self.stop(Stop::Menu);
                }
                self.state.flow = flow;
                self.state.node = start;
                self.state.attempts = 0;
                return self.run();
            }
        }
        // An option the current block offers wins over a global word: the flow's author
        // chose it there (a "Preciso de ajuda" option that leads to a team, say).
        let offered =
            self.state.status == Status::AwaitingInput && self.offers(&text, choice.as_deref());
        let word = if offered {
            None
        } else {
            choice
                .as_deref()
                .and_then(global_word)
                .or_else(|| global_word(&text))
        };
        let waiting = matches!(
            self.state.status,
            Status::AwaitingInput | Status::AwaitingResult | Status::Recovering
        );
        match word {
            Some(GlobalWord::Menu) => {
                if waiting {
                    self.stop(Stop::Menu);
                }
                return self.restart();
            }
            Some(GlobalWord::Agent) => {
                self.stop(Stop::Agent);
                return self.hand_off_to_flow_team();
            }
            Some(GlobalWord::Quit) => {
                if waiting {
                    self.stop(Stop::Quit);
                }
                let msg = self.bot.settings.goodbye_message.clone();
                self.say(&msg);
                return self.end();
            }
            Some(GlobalWord::Help) => {
                let words = self.bot.settings.help_text.clone();
                let options = match self.state.status {
                    Status::AwaitingInput => self.current_options(),
                    _ => Vec::new(),
                };
                if options.is_empty() {
                    self.say(&words);
                } else {
                    self.say(&explain_options(&options, &words));
                }
                match self.state.status {
                    Status::AwaitingInput => self.prompt(),
                    Status::Ended => self.restart(),
                    _ => {}
                }
                return;
            }
            None => {}
        }
        match self.state.status {
            Status::HandedOff => {}
            // A new conversation, or one the flow ended: the main flow starts again, and a
            // first message that already answers its first block (an option named in words,
            // a CPF the menu captures) is taken as that answer instead of being asked again.
            Status::Ended if self.start_accepts(&text, choice.as_deref()) => {
                self.state.flow = self.bot.main_flow.clone();
                if let Some(start) = self.flow().map(|f| f.start.clone()) {
                    self.state.node = start;
                    self.state.attempts = 0;
                    self.state.status = Status::AwaitingInput;
                    self.enter();
                    self.answer(&text, choice.as_deref());
                }
            }
            Status::Ended => self.restart(),
            // The customer writes while a call runs: the answer comes with its outcome.
            Status::AwaitingResult => {}
            Status::Recovering => {
                self.stop(Stop::Agent);
                self.hand_off_to_flow_team()
            }
            Status::AwaitingInput => self.answer(&text, choice.as_deref()),
        }
    }

    /// "atendente" (or a failed call's offer of a human): to the team the current flow names
    /// for that, else the channel's.
    fn hand_off_to_flow_team(&mut self) {
        let team = self.flow().and_then(|f| f.handoff_team.clone());
        let msg = self.bot.settings.handoff_message.clone();
        self.hand_off(team, &msg);
    }

    /// Whether the main flow's first block takes this first message as its answer: an option
    /// named in words or chosen from a tap, or a value it captures. A bare number does not: a
    /// customer who starts with "1" has not seen the numbered options yet.
    fn start_accepts(&self, text: &str, choice: Option<&str>) -> bool {
        let Some(flow) = self.bot.flows.get(&self.bot.main_flow) else {
            return false;
        };
        let Some(NodeKind::Message {
            content, capture, ..
        }) = flow.node(&flow.start).map(|n| &n.kind)
        else {
            return false;
        };
        let numeric = normalize(text)
            .trim_end_matches(['.', ')', '!'])
            .parse::<usize>()
            .is_ok();
        (!numeric && match_choice(content.options(), text, choice).is_some())
            || capture.as_ref().is_some_and(|c| {
                check_answer(&c.validation, text, choice, &self.bot.settings.fixture_cpfs).is_some()
            })
    }

    /// Whether the answer picks one of the options the current block waits on.
    fn offers(&self, text: &str, choice: Option<&str>) -> bool {
        let Some(node) = self.flow().and_then(|f| f.node(&self.state.node)) else {
            return false;
        };
        let options = match &node.kind {
            NodeKind::Message { content, .. } => content.options(),
            NodeKind::Question {
                validation: Validation::Options { options },
                ..
            } => options,
            _ => return false,
        };
        match_choice(options, text, choice).is_some()
    }

    /// The current block's options, rendered (none at a block without).
    fn current_options(&self) -> Vec<Choice> {
        match self
            .flow()
            .and_then(|f| f.node(&self.state.node))
            .map(|n| &n.kind)
        {
            Some(NodeKind::Message { content, .. }) => self.render_choices(content.options()),
            Some(NodeKind::Question {
                validation: Validation::Options { options },
                ..
            }) => self.render_choices(options),
            _ => Vec::new(),
        }
    }

    /// Shows the current block's question or options again.
    fn prompt(&mut self) {
        let Some(node) = self.flow().and_then(|f| f.node(&self.state.node)).cloned() else {
            return;
        };
        match &node.kind {
            NodeKind::Message { content, .. } => {
                let content = self.render_content(content);
                self.effects.push(Effect::Send { content });
            }
            NodeKind::Question {
                prompt, validation, ..
            } => self.ask(prompt, validation),
            _ => {}
        }
    }

    fn ask(&mut self, prompt: &str, validation: &Validation) {
        let text = render(prompt, &self.state.vars);
        let content = match validation {
            Validation::Options { options } => Content::Buttons {
                text,
                options: self.render_choices(options),
            },
            _ => Content::Text { text },
        };
        self.effects.push(Effect::Send { content });
    }

    fn render_choices(&self, options: &[Choice]) -> Vec<Choice> {
        options
            .iter()
            .map(|o| Choice {
                id: o.id.clone(),
                title: render(&o.title, &self.state.vars),
                description: o.description.as_ref().map(|d| render(d, &self.state.vars)),
                keywords: o.keywords.clone(),
            })
            .collect()
    }

    fn render_content(&self, content: &Content) -> Content {
        let vars = &self.state.vars;
        match content {
            Content::Text { text } => Content::Text {
                text: render(text, vars),
            },
            Content::Buttons { text, options } => Content::Buttons {
                text: render(text, vars),
                options: self.render_choices(options),
            },
            Content::List {
                text,
                button,
                options,
            } => Content::List {
                text: render(text, vars),
                button: render(button, vars),
                options: self.render_choices(options),
            },
            Content::Media {
                media,
                url,
                caption,
                filename,
            } => Content::Media {
                media: *media,
                url: render(url, vars),
                caption: caption.as_ref().map(|c| render(c, vars)),
                filename: filename.as_ref().map(|f| render(f, vars)),
            },
        }
    }

    fn answer(&mut self, text: &str, choice: Option<&str>) {
        let Some(node) = self.flow().and_then(|f| f.node(&self.state.node)).cloned() else {
            return self.restart();
        };
        match &node.kind {
            NodeKind::Message {
                content,
                variable,
                error_message,
                max_attempts,
                capture,
            } => match match_choice(content.options(), text, choice) {
                Some(id) => {
                    if let Some(v) = variable {
                        set_path(&mut self.state.vars, v, Value::String(id.clone()));
                    }
                    self.follow(Port::Choice(id));
                }
                None => {
                    let captured = capture.as_ref().and_then(|c| {
                        check_answer(&c.validation, text, choice, &self.bot.settings.fixture_cpfs)
                            .map(|value| (c.variable.clone(), value))
                    });
                    if let Some((captured_in, value)) = captured {
                        set_path(&mut self.state.vars, &captured_in, value);
                        return self.follow(Port::Captured);
                    }
                    let msg = error_message
                        .clone()
                        .unwrap_or_else(|| self.bot.settings.no_match_message.clone());
                    let named = name_options(&self.render_choices(content.options()));
                    self.retry(*max_attempts, &format!("{msg}\n\n{named}"), false);
                }
            },
            NodeKind::Question {
                variable,
                validation,
                error_message,
                max_attempts,
                ..
            } => match check_answer(validation, text, choice, &self.bot.settings.fixture_cpfs) {
                Some(value) => {
                    set_path(&mut self.state.vars, variable, value);
                    self.follow(Port::Next);
                }
                None => {
                    let reprompt = matches!(validation, Validation::Options { .. });
                    self.retry(*max_attempts, error_message, reprompt);
                }
            },
            // Not a block that waits: carry on from it.
            _ => self.run(),
        }
    }

    fn retry(&mut self, max_attempts: u8, message: &str, reprompt: bool) {
        self.state.attempts = self.state.attempts.saturating_add(1);
        if self.state.attempts >= max_attempts.max(1) {
            let node = self.state.node.clone();
            let has_failure = self
                .flow()
                .is_some_and(|f| f.target(&node, &Port::Failure).is_some());
            if has_failure {
                self.follow(Port::Failure);
            } else {
                let msg = self.bot.settings.handoff_message.clone();
                self.hand_off(None, &msg);
            }
            return;
        }
        self.say(message);
        if reprompt {
            self.prompt();
        }
    }

    /// Leaves the current block through `port` and runs on; a port leading nowhere ends.
    fn follow(&mut self, port: Port) {
        let next = self
            .flow()
            .and_then(|f| f.target(&self.state.node, &port))
            .cloned();
        if next.is_some() {
            self.leave(port);
        }
        match next {
            Some(to) => {
                self.state.node = to;
                self.state.attempts = 0;
                self.run();
            }
            None => self.end(),
        }
    }

    /// Runs blocks until one waits, ends or hands off.
    fn run(&mut self) {
        for _ in 0..self.bot.settings.max_steps {
            let Some(node) = self.flow().and_then(|f| f.node(&self.state.node)).cloned() else {
                let msg = self.bot.settings.handoff_message.clone();
                return self.hand_off(None, &msg);
            };
            self.enter();
            let port = match &node.kind {
                NodeKind::Message { content, .. } => {
                    let rendered = self.render_content(content);
                    self.effects.push(Effect::Send { content: rendered });
                    if content.options().is_empty() {
                        Port::Next
                    } else {
                        self.state.status = Status::AwaitingInput;
                        return;
                    }
                }
                NodeKind::Question {
                    prompt, validation, ..
                } => {
                    self.ask(prompt, validation);
                    self.state.status = Status::AwaitingInput;
                    return;
                }
                NodeKind::Condition { rules } => rules
                    .iter()
                    .position(|r| holds(r, &self.state.vars))
                    .map(|i| Port::Rule(i as u32))
                    .unwrap_or(Port::Else),
                NodeKind::SetVariable { variable, value } => {
                    let v = Value::String(render(value, &self.state.vars));
                    set_path(&mut self.state.vars, variable, v);
                    Port::Next
                }
                NodeKind::Http { request } => {
                    let vars = &self.state.vars;
                    // What the customer typed is data in the request, never its syntax.
                    let call = CallRequest::Http {
                        method: request.method,
                        url: render_escaped(&request.url, vars, Escape::Url),
                        headers: request
                            .headers
                            .iter()
                            .map(|h| {
                                (
                                    h.name.clone(),
                                    render_escaped(&h.value, vars, Escape::Header),
                                )
                            })
                            .collect(),
                        body: request
                            .body
                            .as_ref()
                            .map(|b| render_escaped(b, vars, Escape::Json)),
                        timeout_ms: request.timeout_ms,
                    };
                    return self.call(call);
                }
                NodeKind::Erp {
                    operation, args, ..
                } => {
                    let args = args
                        .iter()
                        .map(|(k, v)| (k.clone(), render(v, &self.state.vars)))
                        .collect();
                    return self.call(CallRequest::Erp {
                        operation: *operation,
                        args,
                    });
                }
                NodeKind::Handoff { team, message } => {
                    return self.hand_off(team.clone(), message);
                }
                NodeKind::GoToFlow { flow } => {
                    match self.bot.flows.get(flow).map(|f| f.start.clone()) {
                        Some(start) => {
                            self.state.flow = flow.clone();
                            self.state.node = start;
                            self.state.attempts = 0;
                            continue;
                        }
                        None => {
                            let msg = self.bot.settings.handoff_message.clone();
                            return self.hand_off(None, &msg);
                        }
                    }
                }
                NodeKind::End { message } => {
                    if let Some(m) = message {
                        self.say(m);
                    }
                    return self.end();
                }
            };
            let next = self.flow().and_then(|f| f.target(&node.id, &port)).cloned();
            match next {
                Some(to) => {
                    self.leave(port);
                    self.state.node = to;
                    self.state.attempts = 0;
                }
                None => return self.end(),
            }
        }
        // A cycle of blocks that never waits: a person takes over.
        let msg = self.bot.settings.handoff_message.clone();
        self.hand_off(None, &msg);
    }

    fn call(&mut self, request: CallRequest) {
        self.state.call += 1;
        self.state.status = Status::AwaitingResult;
        self.effects.push(Effect::Call {
            call: self.state.call,
            request,
        });
    }

    fn outcome(&mut self, outcome: Outcome) {
        let Some(node) = self.flow().and_then(|f| f.node(&self.state.node)).cloned() else {
            return self.restart();
        };
        match outcome {
            Outcome::Ok { value } => {
                match &node.kind {
                    NodeKind::Erp { variable, .. } => {
                        set_path(&mut self.state.vars, variable, value);
                    }
                    NodeKind::Http { request } => {
                        for m in &request.map {
                            let v = json_path(&value, &m.path).cloned().unwrap_or(Value::Null);
                            set_path(&mut self.state.vars, &m.variable, v);
                        }
                    }
                    _ => {}
                }
                self.state.status = Status::AwaitingInput;
                self.follow(Port::Success);
            }
            Outcome::Failed { reason } => {
                self.state.vars.insert("erro".into(), Value::String(reason));
                let has_error = self
                    .flow()
                    .is_some_and(|f| f.target(&node.id, &Port::Error).is_some());
                if has_error {
                    self.state.status = Status::AwaitingInput;
                    self.follow(Port::Error);
                } else {
                    let text = render(&self.bot.settings.failure_message, &self.state.vars);
                    self.effects.push(Effect::Send {
                        content: Content::Buttons {
                            text,
                            options: vec![
                                Choice {
                                    id: "atendente".into(),
                                    title: "Falar com atendente".into(),
                                    description: None,
                                    keywords: Vec::new(),
                                },
                                Choice {
                                    id: "menu".into(),
                                    title: "Voltar ao menu".into(),
                                    description: None,
                                    keywords: Vec::new(),
                                },
                            ],
                        },
                    });
                    self.state.status = Status::Recovering;
                }
            }
        }
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a condition's rule holds. Numbers compare as numbers; text ignores accents and case.
pub fn holds(rule: &Rule, vars: &Vars) -> bool {
    let left = lookup(vars, &rule.variable);
    let right = render(&rule.value, vars);
    match rule.op {
        Op::Exists => !matches!(left, None | Some(Value::Null)),
        Op::Empty => is_empty(left),
        Op::Contains => match left {
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| normalize(&as_text(i)) == normalize(&right)),
            Some(v) => normalize(&as_text(v)).contains(&normalize(&right)),
            None => false,
        },
        op => {
            let Some(left) = left else {
                return op == Op::Ne;
            };
            let ordering = match (number_of(left), parse_number(&right)) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Some(normalize(&as_text(left)).cmp(&normalize(&right))),
            };
            let Some(ordering) = ordering else {
                return false;
            };
            match op {
                Op::Eq => ordering.is_eq(),
                Op::Ne => ordering.is_ne(),
                Op::Gt => ordering.is_gt(),
                Op::Gte => ordering.is_ge(),
                Op::Lt => ordering.is_lt(),
                Op::Lte => ordering.is_le(),
                _ => false,
            }
        }
    }
}

/// Sets `a.b.c`, creating the objects on the way (replacing what is not one).
pub fn set_path(vars: &mut Vars, path: &str, value: Value) {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return;
    };
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        vars.insert(first.to_owned(), value);
        return;
    }
    let mut current = vars
        .entry(first.to_owned())
        .or_insert_with(|| Value::Object(Default::default()));
    for (i, part) in rest.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(Default::default());
        }
        let map = current.as_object_mut().expect("made an object above");
        if i == rest.len() - 1 {
            map.insert((*part).to_owned(), value);
            return;
        }
        current = map
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Default::default()));
    }
}
