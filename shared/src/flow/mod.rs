//! Bot flows: the data a visual editor draws and the engine runs.
//!
//! A [`Flow`] is a graph: [`Node`]s (each with a position on the canvas) joined by [`Edge`]s
//! that leave a node through a typed [`Port`] (the "next" of a message, one port per button,
//! "success"/"error" of an ERP call…). Flows are versioned JSON ([`SCHEMA_VERSION`]), seeded by
//! the demo and imported/exported as files. [`validate`] refuses broken flows with pt-BR
//! messages; [`engine::step`] runs one input through a flow without I/O and returns the effects
//! the server carries out.

pub mod analytics;
pub mod answers;
pub mod blocks;
pub mod builder;
pub mod channel;
pub mod edit;
pub mod engine;
pub mod templates;
pub mod text;
mod validate;

pub use validate::{valid_key, validate, validate_library, FlowError, BUILTIN_VARIABLES};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of this JSON format. Bumped when a change needs migrating stored flows.
pub const SCHEMA_VERSION: u32 = 1;

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

/// A node's identifier, unique within its flow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub String);

impl NodeId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    /// Stable name other flows use to jump here ("go to flow"), e.g. `menu-principal`.
    pub key: String,
    pub name: String,
    pub start: NodeId,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Variables this flow expects already set (by the flow that jumps here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// The team that takes a customer who asks for "atendente" while in this flow (by name);
    /// none: the channel's default team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_team: Option<String>,
}

impl Flow {
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| &n.id == id)
    }

    /// Where `port` of `from` leads, if anywhere.
    pub fn target(&self, from: &NodeId, port: &Port) -> Option<&NodeId> {
        self.edges
            .iter()
            .find(|e| &e.from == from && &e.port == port)
            .map(|e| &e.to)
    }
}

/// Where a node sits on the editor's canvas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    #[serde(default)]
    pub position: Position,
    /// The editor's title for the block; never shown to customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(flatten)]
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Says something. With options (buttons or a list) it waits for one of them, stores the
    /// chosen id in `variable` when given, and leaves through that option's port.
    Message {
        content: Content,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variable: Option<String>,
        /// Said when the answer matches no option (and the options are shown again).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_message: Option<String>,
        #[serde(default = "default_attempts")]
        max_attempts: u8,
        /// A value typed instead of choosing (only on a message with options).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capture: Option<Capture>,
    },
    /// Asks, validates the answer and stores it in `variable`. After `max_attempts` invalid
    /// answers it leaves through `failure`.
    Question {
        prompt: String,
        variable: String,
        validation: Validation,
        error_message: String,
        #[serde(default = "default_attempts")]
        max_attempts: u8,
    },
    /// The first rule that holds picks its `rule` port; none: `else`.
    Condition { rules: Vec<Rule> },
    /// Sets `variable` to the text of `value` (variables interpolated).
    SetVariable { variable: String, value: String },
    /// Calls any HTTP API; `success` on a 2xx answer (after mapping), `error` otherwise.
    Http { request: HttpRequest },
    /// Calls an operation of the configured ERP connector with `args` (templates); the
    /// result goes to `variable`. `success` or `error`.
    Erp {
        operation: ErpOperation,
        #[serde(default)]
        args: BTreeMap<String, String>,
        variable: String,
    },
    /// Tells the customer `message` and hands the conversation to a team (the channel's default
    /// team when none).
    Handoff {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
        message: String,
    },
    /// Continues at the start of another flow, keeping the variables.
    GoToFlow { flow: String },
    /// Says `message` when given and resolves the conversation.
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

fn default_attempts() -> u8 {
    3
}

/// What a message node shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        text: String,
    },
    /// Reply buttons (WhatsApp allows 3, titles up to 20 characters).
    Buttons {
        text: String,
        options: Vec<Choice>,
    },
    /// A list behind a button (WhatsApp allows 10 rows, titles up to 24 characters).
    List {
        text: String,
        button: String,
        options: Vec<Choice>,
    },
    Media {
        media: MediaKind,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
}

impl Content {
    pub fn options(&self) -> &[Choice] {
        match self {
            Content::Buttons { options, .. } | Content::List { options, .. } => options,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Document,
    Video,
    Audio,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other words that choose this option when typed ("2ª via", "boleto"); its title and id
    /// choose it too. Matched as whole words, accents and case ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

impl Choice {
    /// An option with a title and no description or keywords.
    pub fn new(id: &str, title: &str) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: None,
            keywords: Vec::new(),
        }
    }
}

/// A message with options that also accepts a typed value (a CPF at the main menu): stored in
/// `variable` when it passes `validation`, leaving through `captured`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub validation: Validation,
    pub variable: String,
}

/// How a question's answer is checked and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validation {
    /// Any non-empty text.
    Text,
    /// 11 digits with valid check digits, stored without punctuation.
    Cpf,
    Email,
    /// Stored in E.164 (`+5511987654321`).
    Phone,
    /// `12`, `1.234,56` or `1234.56`; stored as a JSON number.
    Number,
    /// `dd/mm/aaaa`; stored as `aaaa-mm-dd`.
    Date,
    /// One of the options (by number, id or title); stores the option's id.
    Options {
        options: Vec<Choice>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub variable: String,
    pub op: Op,
    /// Compared value (variables interpolated); unused by `exists` and `empty`.
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    Exists,
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: HttpMethod,
    /// A template: `https://api.exemplo.com/clientes/{{cpf}}`.
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    /// A template sent as JSON when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// JSON paths of the answer (`cliente.nome`, `faturas.0.valor`) copied to variables.
    #[serde(default)]
    pub map: Vec<Mapping>,
}

fn default_timeout_ms() -> u32 {
    5000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub path: String,
    pub variable: String,
}

/// The operations a utility's ERP connector offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErpOperation {
    /// args: `cpf`.
    FindCustomer,
    /// args: `cliente` (the customer id).
    ListInvoices,
    /// args: `fatura` (the invoice id): digitable line and PIX copia-e-cola.
    SecondCopy,
    /// args: `cliente`.
    MeterReadings,
    /// args: `cliente`: cash with a discount, or 3, 6 or 10 instalments.
    SimulateNegotiation,
    /// args: `cliente`, `opcao`: the agreement and its first instalment's payment data.
    CloseAgreement,
    /// args: `cliente`, `tipo`, `descricao`.
    OpenServiceRequest,
}

impl ErpOperation {
    pub const ALL: [ErpOperation; 7] = [
        ErpOperation::FindCustomer,
        ErpOperation::ListInvoices,
        ErpOperation::SecondCopy,
        ErpOperation::MeterReadings,
        ErpOperation::SimulateNegotiation,
        ErpOperation::CloseAgreement,
        ErpOperation::OpenServiceRequest,
    ];

    /// The JSON name (`find_customer`…), as flows and settings store it.
    pub fn code(self) -> &'static str {
        match self {
            ErpOperation::FindCustomer => "find_customer",
            ErpOperation::ListInvoices => "list_invoices",
            ErpOperation::SecondCopy => "second_copy",
            ErpOperation::MeterReadings => "meter_readings",
            ErpOperation::SimulateNegotiation => "simulate_negotiation",
            ErpOperation::CloseAgreement => "close_agreement",
            ErpOperation::OpenServiceRequest => "open_service_request",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ErpOperation::FindCustomer => "Buscar cliente por CPF",
            ErpOperation::ListInvoices => "Listar faturas",
            ErpOperation::SecondCopy => "Segunda via da fatura",
            ErpOperation::MeterReadings => "Leituras do medidor",
            ErpOperation::SimulateNegotiation => "Simular negociação de débitos",
            ErpOperation::CloseAgreement => "Fechar acordo",
            ErpOperation::OpenServiceRequest => "Abrir solicitação de serviço",
        }
    }
}

/// An edge leaves a node through one of these.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Port {
    Next,
    /// The option with this id (buttons, list).
    Choice(String),
    /// The condition's rule at this index.
    Rule(u32),
    Else,
    Success,
    Error,
    /// A question's attempts ran out.
    Failure,
    /// A message's options were not chosen, but its capture accepted the value typed.
    Captured,
}

impl Port {
    pub fn label(&self) -> String {
        match self {
            Port::Next => "seguinte".into(),
            Port::Choice(id) => format!("opção \"{id}\""),
            Port::Rule(i) => format!("regra {}", i + 1),
            Port::Else => "senão".into(),
            Port::Success => "sucesso".into(),
            Port::Error => "erro".into(),
            Port::Failure => "falha".into(),
            Port::Captured => "valor reconhecido".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: NodeId,
    pub port: Port,
    pub to: NodeId,
}

impl NodeKind {
    /// The ports this node may leave through, and whether each must be connected.
    pub fn ports(&self) -> Vec<(Port, bool)> {
        match self {
            NodeKind::Message {
                content, capture, ..
            } => {
                let options = content.options();
                if options.is_empty() {
                    vec![(Port::Next, true)]
                } else {
                    let mut ports: Vec<(Port, bool)> = options
                        .iter()
                        .map(|o| (Port::Choice(o.id.clone()), true))
                        .collect();
                    ports.push((Port::Failure, false));
                    if capture.is_some() {
                        ports.push((Port::Captured, true));
                    }
                    ports
                }
            }
            NodeKind::Question { .. } => vec![(Port::Next, true), (Port::Failure, false)],
            NodeKind::Condition { rules } => {
                let mut ports: Vec<(Port, bool)> = (0..rules.len() as u32)
                    .map(|i| (Port::Rule(i), true))
                    .collect();
                ports.push((Port::Else, true));
                ports
            }
            NodeKind::SetVariable { .. } => vec![(Port::Next, true)],
            NodeKind::Http { .. } | NodeKind::Erp { .. } => {
                vec![(Port::Success, true), (Port::Error, false)]
            }
            NodeKind::Handoff { .. } | NodeKind::GoToFlow { .. } | NodeKind::End { .. } => {
                Vec::new()
            }
        }
    }

    /// The editor's name for the kind.
    pub fn label(&self) -> &'static str {
        match self {
            NodeKind::Message { .. } => "Mensagem",
            NodeKind::Question { .. } => "Pergunta",
            NodeKind::Condition { .. } => "Condição",
            NodeKind::SetVariable { .. } => "Definir variável",
            NodeKind::Http { .. } => "Requisição HTTP",
            NodeKind::Erp { .. } => "Ação no ERP",
            NodeKind::Handoff { .. } => "Transferir para atendente",
            NodeKind::GoToFlow { .. } => "Ir para fluxo",
            NodeKind::End { .. } => "Encerrar",
        }
    }
}

#[cfg(test)]
mod tests;
