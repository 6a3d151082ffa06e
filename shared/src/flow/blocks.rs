//! What the builder's palette offers: each kind of block, new and filled with sensible
//! defaults, and the words the canvas shows for a block and its ports.

use super::{
    Choice, Content, ErpOperation, Flow, HttpMethod, HttpRequest, MediaKind, Node, NodeId,
    NodeKind, Op, Port, Position, Rule, Validation,
};
use std::collections::BTreeMap;

/// One entry of the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Block {
    Text,
    Buttons,
    List,
    Media,
    Question,
    Condition,
    SetVariable,
    Http,
    Erp,
    Handoff,
    GoToFlow,
    End,
}

impl Block {
    pub const ALL: [Block; 12] = [
        Block::Text,
        Block::Buttons,
        Block::List,
        Block::Media,
        Block::Question,
        Block::Condition,
        Block::SetVariable,
        Block::Http,
        Block::Erp,
        Block::Handoff,
        Block::GoToFlow,
        Block::End,
    ];

    /// The stable code the palette's drag carries (`text`, `buttons`…).
    pub fn code(self) -> &'static str {
        match self {
            Block::Text => "text",
            Block::Buttons => "buttons",
            Block::List => "list",
            Block::Media => "media",
            Block::Question => "question",
            Block::Condition => "condition",
            Block::SetVariable => "set_variable",
            Block::Http => "http",
            Block::Erp => "erp",
            Block::Handoff => "handoff",
            Block::GoToFlow => "go_to_flow",
            Block::End => "end",
        }
    }

    pub fn from_code(code: &str) -> Option<Block> {
        Block::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Block::Text => "Mensagem de texto",
            Block::Buttons => "Mensagem com botões",
            Block::List => "Mensagem com lista",
            Block::Media => "Imagem ou arquivo",
            Block::Question => "Pergunta",
            Block::Condition => "Condição",
            Block::SetVariable => "Definir variável",
            Block::Http => "Requisição HTTP",
            Block::Erp => "Ação no ERP",
            Block::Handoff => "Transferir para atendente",
            Block::GoToFlow => "Ir para outro fluxo",
            Block::End => "Encerrar conversa",
        }
    }

    /// One line under the label in the palette.
    pub fn hint(self) -> &'static str {
        match self {
            Block::Text => "Diz algo e segue",
            Block::Buttons => "Até 3 botões no WhatsApp",
            Block::List => "Até 10 opções no WhatsApp",
            Block::Media => "Imagem, documento, vídeo ou áudio",
            Block::Question => "Pergunta e valida a resposta",
            Block::Condition => "Escolhe o caminho por regras",
            Block::SetVariable => "Guarda um valor",
            Block::Http => "Chama qualquer API",
            Block::Erp => "Cliente, faturas, leituras, acordo",
            Block::Handoff => "Passa para uma pessoa",
            Block::GoToFlow => "Continua em outro fluxo",
            Block::End => "Resolve a conversa",
        }
    }

    /// The prefix of the ids of new blocks of this kind.
    fn prefix(self) -> &'static str {
        match self {
            Block::Text | Block::Buttons | Block::List | Block::Media => "mensagem",
            Block::Question => "pergunta",
            Block::Condition => "condicao",
            Block::SetVariable => "variavel",
            Block::Http => "http",
            Block::Erp => "erp",
            Block::Handoff => "transferir",
            Block::GoToFlow => "ir_para",
            Block::End => "fim",
        }
    }

    /// A new block of this kind at `position`, with an id free in `flow`.
    pub fn create(self, flow: &Flow, position: Position) -> Node {
        let option = Choice::new;
        let message = |content| NodeKind::Message {
            content,
            variable: None,
            error_message: None,
            max_attempts: 3,
            capture: None,
        };
        let kind = match self {
            Block::Text => message(Content::Text {
                text: "Nova mensagem".into(),
            }),
            Block::Buttons => message(Content::Buttons {
                text: "Escolha uma opção:".into(),
                options: vec![option("sim", "Sim"), option("nao", "Não")],
            }),
            Block::List => message(Content::List {
                text: "Escolha uma opção:".into(),
                button: "Ver opções".into(),
                options: vec![option("opcao_1", "Opção 1"), option("opcao_2", "Opção 2")],
            }),
            Block::Media => message(Content::Media {
                media: MediaKind::Image,
                url: "https://exemplo.com.br/imagem.png".into(),
                caption: None,
                filename: None,
            }),
            Block::Question => NodeKind::Question {
                prompt: "Qual é o seu e-mail?".into(),
                variable: "email".into(),
                validation: Validation::Email,
                error_message: "Não entendi. Pode digitar de novo?".into(),
                max_attempts: 3,
            },
            Block::Condition => NodeKind::Condition {
                rules: vec![Rule {
                    variable: "resposta".into(),
                    op: Op::Eq,
                    value: "sim".into(),
                }],
            },
            Block::SetVariable => NodeKind::SetVariable {
                variable: "origem".into(),
                value: "bot".into(),
            },
            Block::Http => NodeKind::Http {
                request: HttpRequest {
                    method: HttpMethod::Get,
                    url: "https://api.exemplo.com.br/".into(),
                    headers: Vec::new(),
                    body: None,
                    timeout_ms: 5000,
                    map: Vec::new(),
                },
            },
            Block::Erp => NodeKind::Erp {
                operation: ErpOperation::FindCustomer,
                args: BTreeMap::from([("cpf".to_owned(), "{{cpf}}".to_owned())]),
                variable: "cliente".into(),
            },
            Block::Handoff => NodeKind::Handoff {
                team: None,
                message: "Vou transferir você para um atendente. Aguarde um instante.".into(),
            },
            Block::GoToFlow => NodeKind::GoToFlow {
                flow: flow.key.clone(),
            },
            Block::End => NodeKind::End {
                message: Some("Obrigado pelo contato!".into()),
            },
        };
        Node {
            id: free_id(flow, self.prefix()),
            position,
            label: Some(self.label().to_owned()),
            kind,
        }
    }
}

/// `prefix_1`, `prefix_2`…: the first not used in `flow`.
pub fn free_id(flow: &Flow, prefix: &str) -> NodeId {
    (1..)
        .map(|n| NodeId(format!("{prefix}_{n}")))
        .find(|id| flow.node(id).is_none())
        .expect("an unbounded range has a free id")
}

/// The block's title on the canvas: its label, or its kind.
pub fn title(node: &Node) -> String {
    match &node.label {
        Some(label) if !label.trim().is_empty() => label.clone(),
        _ => node.kind.label().to_owned(),
    }
}

/// The first words of what the block says or does, for its body on the canvas and search.
pub fn summary(node: &Node) -> String {
    match &node.kind {
        NodeKind::Message { content, .. } => match content {
            Content::Text { text } | Content::Buttons { text, .. } | Content::List { text, .. } => {
                text.clone()
            }
            Content::Media { url, caption, .. } => caption.clone().unwrap_or_else(|| url.clone()),
        },
        NodeKind::Question {
            prompt, variable, ..
        } => format!("{prompt} → {{{{{variable}}}}}"),
        NodeKind::Condition { rules } => rules
            .iter()
            .map(|r| format!("{} {} {}", r.variable, op_label(r.op), r.value))
            .collect::<Vec<_>>()
            .join("; "),
        NodeKind::SetVariable { variable, value } => format!("{variable} = {value}"),
        NodeKind::Http { request } => format!("{} {}", request.method.name(), request.url),
        NodeKind::Erp { operation, .. } => operation.label().to_owned(),
        NodeKind::Handoff { message, .. } => message.clone(),
        NodeKind::GoToFlow { flow } => format!("Fluxo \"{flow}\""),
        NodeKind::End { message } => message.clone().unwrap_or_else(|| "Encerra".into()),
    }
}

impl HttpMethod {
    pub fn name(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

pub fn op_label(op: Op) -> &'static str {
    match op {
        Op::Eq => "é igual a",
        Op::Ne => "é diferente de",
        Op::Gt => "é maior que",
        Op::Gte => "é maior ou igual a",
        Op::Lt => "é menor que",
        Op::Lte => "é menor ou igual a",
        Op::Contains => "contém",
        Op::Exists => "existe",
        Op::Empty => "está vazia",
    }
}

/// What a port is called on the canvas: an option by its title, a rule by its number.
pub fn port_title(node: &Node, port: &Port) -> String {
    match (port, &node.kind) {
        (Port::Choice(id), NodeKind::Message { content, .. }) => content
            .options()
            .iter()
            .find(|o| &o.id == id)
            .map(|o| o.title.clone())
            .unwrap_or_else(|| id.clone()),
        (Port::Next, _) => "Seguinte".into(),
        (Port::Rule(i), _) => format!("Regra {}", i + 1),
        (Port::Else, _) => "Senão".into(),
        (Port::Success, _) => "Sucesso".into(),
        (Port::Error, _) => "Erro".into(),
        (Port::Failure, NodeKind::Question { .. }) => "Tentativas esgotadas".into(),
        (Port::Failure, _) => "Nenhuma opção".into(),
        (Port::Captured, _) => "Valor digitado".into(),
        (Port::Choice(id), _) => id.clone(),
    }
}

/// Whether `query` (accents and case ignored) appears in the block's title, texts, variables
/// or URLs: the builder's search.
pub fn matches(node: &Node, query: &str) -> bool {
    let query = fold(query.trim());
    if query.is_empty() {
        return false;
    }
    let haystack = serde_json::to_string(&node.kind).unwrap_or_default();
    [title(node), haystack, node.id.0.clone()]
        .iter()
        .any(|text| fold(text).contains(&query))
}

fn fold(text: &str) -> String {
    super::text::normalize(text)
}

/// The blocks that read or set `variable` (`{{variable}}` in a text, a rule, an argument, or
/// storing into it): "onde é usada".
pub fn uses_of(flow: &Flow, variable: &str) -> Vec<NodeId> {
    let placeholder = format!("{{{{{variable}");
    let stored = format!("\"{variable}\"");
    flow.nodes
        .iter()
        .filter(|node| {
            let json = serde_json::to_string(&node.kind).unwrap_or_default();
            json.contains(&placeholder) || json.contains(&stored)
        })
        .map(|node| node.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Flow {
        Flow {
            schema_version: crate::flow::SCHEMA_VERSION,
            key: "teste".into(),
            name: "Teste".into(),
            start: NodeId::new("inicio"),
            nodes: Vec::new(),
            edges: Vec::new(),
            inputs: Vec::new(),
            handoff_team: None,
        }
    }

    #[test]
    fn every_palette_block_is_created_with_a_free_id_and_valid_fields() {
        let mut flow = empty();
        for block in Block::ALL {
            assert_eq!(Block::from_code(block.code()), Some(block));
            let node = block.create(&flow, Position::default());
            assert!(flow.node(&node.id).is_none());
            flow.nodes.push(node);
        }
        flow.start = flow.nodes[0].id.clone();
        // Unconnected and unreachable, as a block just dropped is, and the ERP block's CPF
        // waits for a question before it to collect it; nothing else is wrong.
        let problems = crate::flow::validate(&flow, None);
        assert!(
            problems.iter().all(|p| match p {
                crate::flow::FlowError::Unconnected { .. }
                | crate::flow::FlowError::Unreachable { .. } => true,
                crate::flow::FlowError::UnknownVariable { variable, .. } => variable == "cpf",
                _ => false,
            }),
            "{problems:?}"
        );
        assert_eq!(free_id(&flow, "mensagem").0, "mensagem_5");
    }

    #[test]
    fn ports_are_named_by_the_option_titles_and_search_ignores_accents() {
        let flow = empty();
        let node = Block::Buttons.create(&flow, Position::default());
        assert_eq!(port_title(&node, &Port::Choice("nao".into())), "Não");
        assert!(matches(&node, "OPCAO"));
        assert!(!matches(&node, "fatura"));
        let question = Block::Question.create(&flow, Position::default());
        assert_eq!(
            uses_of(
                &Flow {
                    nodes: vec![question.clone()],
                    ..flow
                },
                "email"
            ),
            vec![question.id]
        );
    }
}
