//! Refuses broken flows before they are saved or run, each problem with a pt-BR message that
//! names the block.

use super::text::placeholders;
use super::{Content, Flow, NodeId, NodeKind, Port, Validation};
use crate::messaging::limits::{
    WHATSAPP_BUTTON_TITLE_CHARS, WHATSAPP_LIST_BUTTON_CHARS, WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROWS, WHATSAPP_ROW_TITLE_CHARS,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Variables every conversation has.
pub const BUILTIN_VARIABLES: [&str; 4] = ["contato", "canal", "protocolo", "resposta"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FlowError {
    #[error("unsupported schema version")]
    SchemaVersion { found: u32 },
    #[error("empty flow")]
    Empty,
    #[error("bad key")]
    Key,
    #[error("duplicate node")]
    DuplicateNode { node: NodeId },
    #[error("missing start")]
    MissingStart { node: NodeId },
    #[error("unreachable node")]
    Unreachable { node: NodeId },
    #[error("dangling edge")]
    DanglingEdge { from: NodeId, to: NodeId },
    #[error("port not on node")]
    UnknownPort { node: NodeId, port: Port },
    #[error("duplicate port")]
    DuplicatePort { node: NodeId, port: Port },
    #[error("port not connected")]
    Unconnected { node: NodeId, port: Port },
    #[error("unknown variable")]
    UnknownVariable { node: NodeId, variable: String },
    #[error("unknown format")]
    UnknownFormat { node: NodeId, format: String },
    #[error("too many buttons")]
    TooManyButtons { node: NodeId },
    #[error("button title")]
    ButtonTitle { node: NodeId, title: String },
    #[error("too many rows")]
    TooManyRows { node: NodeId },
    #[error("row title")]
    RowTitle { node: NodeId, title: String },
    #[error("list button")]
    ListButton { node: NodeId },
    #[error("duplicate option")]
    DuplicateOption { node: NodeId, id: String },
    #[error("empty text")]
    EmptyText { node: NodeId },
    #[error("bad variable name")]
    VariableName { node: NodeId, variable: String },
    #[error("attempts")]
    Attempts { node: NodeId },
    #[error("timeout")]
    Timeout { node: NodeId },
    #[error("unknown flow")]
    UnknownFlow { node: NodeId, flow: String },
    #[error("no rules")]
    NoRules { node: NodeId },
}

impl FlowError {
    /// The block the problem is on, for the builder's badges and its "Problemas" panel (none:
    /// the whole flow).
    pub fn node(&self) -> Option<&NodeId> {
        match self {
            FlowError::SchemaVersion { .. } | FlowError::Empty | FlowError::Key => None,
            FlowError::MissingStart { node } => Some(node),
            FlowError::DanglingEdge { from, .. } => Some(from),
            FlowError::DuplicateNode { node }
            | FlowError::Unreachable { node }
            | FlowError::UnknownPort { node, .. }
            | FlowError::DuplicatePort { node, .. }
            | FlowError::Unconnected { node, .. }
            | FlowError::UnknownVariable { node, .. }
            | FlowError::UnknownFormat { node, .. }
            | FlowError::TooManyButtons { node }
            | FlowError::ButtonTitle { node, .. }
            | FlowError::TooManyRows { node }
            | FlowError::RowTitle { node, .. }
            | FlowError::ListButton { node }
            | FlowError::DuplicateOption { node, .. }
            | FlowError::EmptyText { node }
            | FlowError::VariableName { node, .. }
            | FlowError::Attempts { node }
            | FlowError::Timeout { node }
            | FlowError::UnknownFlow { node, .. }
            | FlowError::NoRules { node } => Some(node),
        }
    }

    /// A block no path reaches is a warning: it does no harm when the flow runs (nothing gets
    /// there), so it does not stop a save or a publication; the builder shows it in amber.
    pub fn is_warning(&self) -> bool {
        matches!(self, FlowError::Unreachable { .. })
    }

    pub fn message(&self) -> String {
        match self {
            FlowError::SchemaVersion { found } => format!(
                "Este arquivo é da versão {found} do formato de fluxos; esta plataforma lê a versão {}.",
                super::SCHEMA_VERSION
            ),
            FlowError::Empty => "O fluxo não tem nenhum bloco.".into(),
            FlowError::Key => "A chave do fluxo deve ter de 1 a 64 letras minúsculas, números ou hífens.".into(),
            FlowError::DuplicateNode { node } => format!("Há mais de um bloco com o identificador \"{node}\"."),
            FlowError::MissingStart { node } => format!("O bloco inicial \"{node}\" não existe."),
            FlowError::Unreachable { node } => format!("O bloco \"{node}\" não é alcançado a partir do início."),
            FlowError::DanglingEdge { from, to } => format!("A ligação de \"{from}\" para \"{to}\" aponta para um bloco que não existe."),
            FlowError::UnknownPort { node, port } => format!("O bloco \"{node}\" não tem a saída {}.", port.label()),
            FlowError::DuplicatePort { node, port } => format!("A saída {} do bloco \"{node}\" está ligada mais de uma vez.", port.label()),
            FlowError::Unconnected { node, port } => format!("A saída {} do bloco \"{node}\" não está ligada a nenhum bloco.", port.label()),
            FlowError::UnknownVariable { node, variable } => format!("O bloco \"{node}\" usa a variável \"{variable}\", que nenhum bloco define."),
            FlowError::UnknownFormat { node, format } => format!("O bloco \"{node}\" usa o formato \"{format}\"; use moeda, data, cpf ou maiusculas."),
            FlowError::TooManyButtons { node } => format!("O bloco \"{node}\" tem mais de {WHATSAPP_MAX_BUTTONS} botões; o WhatsApp aceita até {WHATSAPP_MAX_BUTTONS}. Use uma lista."),
            FlowError::ButtonTitle { node, title } => format!("O botão \"{title}\" do bloco \"{node}\" precisa ter de 1 a {WHATSAPP_BUTTON_TITLE_CHARS} caracteres (limite do WhatsApp)."),
            FlowError::TooManyRows { node } => format!("A lista do bloco \"{node}\" tem mais de {WHATSAPP_MAX_ROWS} opções; o WhatsApp aceita até {WHATSAPP_MAX_ROWS}."),
            FlowError::RowTitle { node, title } => format!("A opção \"{title}\" do bloco \"{node}\" precisa ter de 1 a {WHATSAPP_ROW_TITLE_CHARS} caracteres (limite do WhatsApp)."),
            FlowError::ListButton { node } => format!("O botão da lista do bloco \"{node}\" precisa ter de 1 a {WHATSAPP_LIST_BUTTON_CHARS} caracteres."),
            FlowError::DuplicateOption { node, id } => format!("O bloco \"{node}\" tem mais de uma opção com o identificador \"{id}\"."),
            FlowError::EmptyText { node } => format!("O bloco \"{node}\" está sem texto."),
            FlowError::VariableName { node, variable } => format!("O nome de variável \"{variable}\" do bloco \"{node}\" é inválido: use letras minúsculas, números e _ separados por pontos."),
            FlowError::Attempts { node } => format!("O bloco \"{node}\" deve permitir de 1 a 10 tentativas."),
            FlowError::Timeout { node } => format!("O tempo limite do bloco \"{node}\" deve ficar entre 100 ms e 30 s."),
            FlowError::UnknownFlow { node, flow } => format!("O bloco \"{node}\" vai para o fluxo \"{flow}\", que não existe."),
            FlowError::NoRules { node } => format!("A condição \"{node}\" não tem nenhuma regra."),
        }
    }
}

fn variable_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

fn root(path: &str) -> &str {
    path.split('.').next().unwrap_or_default().trim()
}

/// Every problem of one flow; `flows` are the keys "go to flow" may name (None: not checked).
pub fn validate(flow: &Flow, flows: Option<&BTreeSet<String>>) -> Vec<FlowError> {
    let mut errors = Vec::new();
    if flow.schema_version != super::SCHEMA_VERSION {
        errors.push(FlowError::SchemaVersion {
            found: flow.schema_version,
        });
        return errors;
    }
    if !valid_key(&flow.key) {
        errors.push(FlowError::Key);
    }
    if flow.nodes.is_empty() {
        errors.push(FlowError::Empty);
        return errors;
    }
    let mut ids = HashSet::new();
    for node in &flow.nodes {
        if !ids.insert(&node.id) {
            errors.push(FlowError::DuplicateNode {
                node: node.id.clone(),
            });
        }
    }
    if !ids.contains(&flow.start) {
        errors.push(FlowError::MissingStart {
            node: flow.start.clone(),
        });
    }
    let by_id: HashMap<&NodeId, &super::Node> = flow.nodes.iter().map(|n| (&n.id, n)).collect();

    // Edges: both ends exist, the port is one the node has, at most once.
    let mut used: HashSet<(&NodeId, &Port)> = HashSet::new();
    for edge in &flow.edges {
        let (Some(from), true) = (by_id.get(&edge.from), ids.contains(&edge.to)) else {
            errors.push(FlowError::DanglingEdge {
                from: edge.from.clone(),
                to: edge.to.clone(),
            });
            continue;
        };
        if !from.kind.ports().iter().any(|(p, _)| p == &edge.port) {
            errors.push(FlowError::UnknownPort {
                node: edge.from.clone(),
                port: edge.port.clone(),
            });
        } else if !used.insert((&edge.from, &edge.port)) {
            errors.push(FlowError::DuplicatePort {
                node: edge.from.clone(),
                port: edge.port.clone(),
            });
        }
    }
    for node in &flow.nodes {
        for (port, required) in node.kind.ports() {
            if required && !used.contains(&(&node.id, &port)) {
                errors.push(FlowError::Unconnected {
                    node: node.id.clone(),
                    port,
                });
            }
        }
    }

    // Reachability from the start.
    let mut seen: HashSet<&NodeId> = HashSet::new();
    let mut stack = vec![&flow.start];
    while let Some(id) = stack.pop() {
        if !ids.contains(id) || !seen.insert(id) {
            continue;
        }
        stack.extend(flow.edges.iter().filter(|e| &e.from == id).map(|e| &e.to));
    }
    for node in &flow.nodes {
        if !seen.contains(&node.id) {
            errors.push(FlowError::Unreachable {
                node: node.id.clone(),
            });
        }
    }

    // Variables: every one used is defined by some block, is an input or is built in.
    let mut defined: HashSet<String> = BUILTIN_VARIABLES.iter().map(|s| s.to_string()).collect();
    defined.extend(flow.inputs.iter().map(|v| root(v).to_owned()));
    for node in &flow.nodes {
        let mut define = |v: &str| {
            if !variable_name_ok(v) {
                errors.push(FlowError::VariableName {
                    node: node.id.clone(),
                    variable: v.to_owned(),
                });
            }
            defined.insert(root(v).to_owned());
        };
        match &node.kind {
            NodeKind::Message {
                variable, capture, ..
            } => {
                variable.iter().for_each(|v| define(v));
                capture.iter().for_each(|c| define(&c.variable));
            }
            NodeKind::Question { variable, .. }
            | NodeKind::SetVariable { variable, .. }
            | NodeKind::Erp { variable, .. } => define(variable),
            NodeKind::Http { request } => {
                for m in &request.map {
                    define(&m.variable);
                }
            }
            _ => {}
        }
    }
    for node in &flow.nodes {
        let n = &node.id;
        let mut texts: Vec<&str> = Vec::new();
        let mut used_vars: Vec<&str> = Vec::new();
        match &node.kind {
            NodeKind::Message {
                content,
                error_message,
                max_attempts,
                ..
            } => {
                check_content(n, content, &mut errors);
                match content {
                    Content::Text { text } => texts.push(text),
                    Content::Buttons { text, options } | Content::List { text, options, .. } => {
                        texts.push(text);
                        texts.extend(options.iter().map(|o| o.title.as_str()));
                        if !(1..=10).contains(max_attempts) {
                            errors.push(FlowError::Attempts { node: n.clone() });
                        }
                    }
                    Content::Media { url, caption, .. } => {
                        texts.push(url);
                        texts.extend(caption.as_deref());
                    }
                }
                texts.extend(error_message.as_deref());
            }
            NodeKind::Question {
                prompt,
                error_message,
                max_attempts,
                validation,
                ..
            } => {
                if prompt.trim().is_empty() {
                    errors.push(FlowError::EmptyText { node: n.clone() });
                }
                if !(1..=10).contains(max_attempts) {
                    errors.push(FlowError::Attempts { node: n.clone() });
                }
                if let Validation::Options { options } = validation {
                    check_buttons(n, options, &mut errors);
                }
                texts.push(prompt);
                texts.push(error_message);
            }
            NodeKind::Condition { rules } => {
                if rules.is_empty() {
                    errors.push(FlowError::NoRules { node: n.clone() });
                }
                for r in rules {
                    used_vars.push(&r.variable);
                    texts.push(&r.value);
                }
            }
            NodeKind::SetVariable { value, .. } => texts.push(value),
            NodeKind::Http { request } => {
                if !(100..=30_000).contains(&request.timeout_ms) {
                    errors.push(FlowError::Timeout { node: n.clone() });
                }
                if request.url.trim().is_empty() {
                    errors.push(FlowError::EmptyText { node: n.clone() });
                }
                texts.push(&request.url);
                texts.extend(request.body.as_deref());
                texts.extend(request.headers.iter().map(|h| h.value.as_str()));
            }
            NodeKind::Erp { args, .. } => texts.extend(args.values().map(String::as_str)),
            NodeKind::Handoff { message, .. } => {
                if message.trim().is_empty() {
                    errors.push(FlowError::EmptyText { node: n.clone() });
                }
                texts.push(message);
            }
            NodeKind::GoToFlow { flow: target } => {
                if let Some(known) = flows {
                    if !known.contains(target) {
                        errors.push(FlowError::UnknownFlow {
                            node: n.clone(),
                            flow: target.clone(),
                        });
                    }
                }
            }
            NodeKind::End { message } => texts.extend(message.as_deref()),
        }
        for t in texts {
            for p in placeholders(t) {
                if let Some(f) = &p.format {
                    if !super::text::FORMATS.contains(&f.as_str()) {
                        errors.push(FlowError::UnknownFormat {
                            node: n.clone(),
                            format: f.clone(),
                        });
                    }
                }
                if !defined.contains(root(&p.path)) {
                    errors.push(FlowError::UnknownVariable {
                        node: n.clone(),
                        variable: p.path.clone(),
                    });
                }
            }
        }
        for v in used_vars {
            if !defined.contains(root(v)) {
                errors.push(FlowError::UnknownVariable {
                    node: n.clone(),
                    variable: v.to_owned(),
                });
            }
        }
    }
    errors
}

fn check_buttons(node: &NodeId, options: &[super::Choice], errors: &mut Vec<FlowError>) {
    if options.len() > WHATSAPP_MAX_BUTTONS {
        errors.push(FlowError::TooManyButtons { node: node.clone() });
    }
    for o in options {
        let len = o.title.trim().chars().count();
        if len == 0 || len > WHATSAPP_BUTTON_TITLE_CHARS {
            errors.push(FlowError::ButtonTitle {
                node: node.clone(),
                title: o.title.clone(),
            });
        }
    }
    check_option_ids(node, options, errors);
}

fn check_option_ids(node: &NodeId, options: &[super::Choice], errors: &mut Vec<FlowError>) {
    let mut seen = HashSet::new();
    for o in options {
        if !seen.insert(o.id.as_str()) || o.id.is_empty() {
            errors.push(FlowError::DuplicateOption {
                node: node.clone(),
                id: o.id.clone(),
            });
        }
    }
}

fn check_content(node: &NodeId, content: &Content, errors: &mut Vec<FlowError>) {
    match content {
        Content::Text { text } => {
            if text.trim().is_empty() {
                errors.push(FlowError::EmptyText { node: node.clone() });
            }
        }
        Content::Buttons { text, options } => {
            if text.trim().is_empty() {
                errors.push(FlowError::EmptyText { node: node.clone() });
            }
            check_buttons(node, options, errors);
        }
        Content::List {
            text,
            button,
            options,
        } => {
            if text.trim().is_empty() {
                errors.push(FlowError::EmptyText { node: node.clone() });
            }
            let b = button.trim().chars().count();
            if b == 0 || b > WHATSAPP_LIST_BUTTON_CHARS {
                errors.push(FlowError::ListButton { node: node.clone() });
            }
            if options.len() > WHATSAPP_MAX_ROWS {
                errors.push(FlowError::TooManyRows { node: node.clone() });
            }
            for o in options {
                let len = o.title.trim().chars().count();
                if len == 0 || len > WHATSAPP_ROW_TITLE_CHARS {
                    errors.push(FlowError::RowTitle {
                        node: node.clone(),
                        title: o.title.clone(),
                    });
                }
            }
            check_option_ids(node, options, errors);
        }
        Content::Media { url, .. } => {
            if url.trim().is_empty() {
                errors.push(FlowError::EmptyText { node: node.clone() });
            }
        }
    }
}

/// Every problem of a set of flows that jump to each other, by flow key.
pub fn validate_library(flows: &[Flow]) -> Vec<(String, FlowError)> {
    let keys: BTreeSet<String> = flows.iter().map(|f| f.key.clone()).collect();
    flows
        .iter()
        .flat_map(|f| {
            validate(f, Some(&keys))
                .into_iter()
                .map(move |e| (f.key.clone(), e))
        })
        .collect()
}

/// A flow's key: 1 to 64 lowercase letters, digits or hyphens.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
