//! The small flows a new flow can start from ("Criar a partir de um modelo"): blank, LGPD
//! consent, satisfaction survey, inactivity and out of business hours. The server adds the
//! utility flows of the demo to these.

use super::{
    Choice, Content, Edge, Flow, Node, NodeId, NodeKind, Op, Port, Position, Rule, Validation,
    SCHEMA_VERSION,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub const TEMPLATES: [Template; 5] = [
    Template {
        code: "em-branco",
        name: "Em branco",
        description: "Uma mensagem de boas-vindas e o fim.",
    },
    Template {
        code: "consentimento-lgpd",
        name: "Consentimento LGPD",
        description: "Pede o aceite da política de privacidade e guarda a resposta.",
    },
    Template {
        code: "pesquisa-csat",
        name: "Pesquisa de satisfação (CSAT)",
        description: "Nota de 1 a 5 e um comentário opcional.",
    },
    Template {
        code: "inatividade",
        name: "Inatividade",
        description: "Pergunta se o cliente ainda está aí e encerra ou continua.",
    },
    Template {
        code: "fora-do-horario",
        name: "Fora do horário",
        description: "Avisa o horário de atendimento e oferece deixar um recado.",
    },
];

fn node(id: &str, x: f64, y: f64, label: &str, kind: NodeKind) -> Node {
    Node {
        id: NodeId::new(id),
        position: Position { x, y },
        label: Some(label.into()),
        kind,
    }
}

fn choice(id: &str, title: &str) -> Choice {
    Choice::new(id, title)
}

fn message(content: Content) -> NodeKind {
    NodeKind::Message {
        content,
        variable: None,
        error_message: None,
        max_attempts: 3,
        capture: None,
    }
}

fn text(text: &str) -> NodeKind {
    message(Content::Text { text: text.into() })
}

fn end(text: &str) -> NodeKind {
    NodeKind::End {
        message: Some(text.into()),
    }
}

fn edge(from: &str, port: Port, to: &str) -> Edge {
    Edge {
        from: NodeId::new(from),
        port,
        to: NodeId::new(to),
    }
}

fn choose(from: &str, option: &str, to: &str) -> Edge {
    edge(from, Port::Choice(option.into()), to)
}

/// The template `code` as a new flow called `name` under `key`.
pub fn build(code: &str, key: &str, name: &str) -> Option<Flow> {
    let (start, nodes, edges) = match code {
        "em-branco" => (
            "inicio",
            vec![
                node("inicio", 0.0, 0.0, "Boas-vindas", text("Olá! Como posso ajudar?")),
                node("fim", 340.0, 0.0, "Fim", end("Obrigado pelo contato!")),
            ],
            vec![edge("inicio", Port::Next, "fim")],
        ),
        "consentimento-lgpd" => (
            "consentimento",
            vec![
                node(
                    "consentimento",
                    0.0,
                    0.0,
                    "Pedido de consentimento",
                    NodeKind::Message {
                        content: Content::Buttons {
                            text: "Para atender você, tratamos seus dados conforme a LGPD e a nossa política de privacidade. Você concorda?".into(),
                            options: vec![choice("aceito", "Concordo"), choice("recuso", "Não concordo")],
                        },
                        variable: Some("consentimento".into()),
                        error_message: Some("Por favor, escolha uma das opções.".into()),
                        max_attempts: 3,
                        capture: None,
                    },
                ),
                node("obrigado", 340.0, 0.0, "Aceitou", text("Obrigado! Seu consentimento foi registrado.")),
                node("fim", 680.0, 0.0, "Fim", end("Como posso ajudar? Um atendente vai falar com você.")),
                node(
                    "recusou",
                    340.0,
                    200.0,
                    "Recusou",
                    end("Tudo bem. Sem o consentimento não podemos seguir por aqui; você pode nos procurar pelos outros canais."),
                ),
            ],
            vec![
                choose("consentimento", "aceito", "obrigado"),
                choose("consentimento", "recuso", "recusou"),
                edge("obrigado", Port::Next, "fim"),
            ],
        ),
        "pesquisa-csat" => {
            let scores = [
                ("5", "Muito satisfeito"),
                ("4", "Satisfeito"),
                ("3", "Neutro"),
                ("2", "Insatisfeito"),
                ("1", "Muito insatisfeito"),
            ];
            (
                "nota",
                vec![
                    node(
                        "nota",
                        0.0,
                        0.0,
                        "Nota",
                        NodeKind::Message {
                            content: Content::List {
                                text: "Como você avalia o atendimento de hoje?".into(),
                                button: "Avaliar".into(),
                                options: scores.iter().map(|(id, t)| choice(id, t)).collect(),
                            },
                            variable: Some("csat".into()),
                            error_message: Some("Escolha uma nota de 1 a 5.".into()),
                            max_attempts: 2,
                            capture: None,
                        },
                    ),
                    node(
                        "comentario",
                        340.0,
                        0.0,
                        "Comentário",
                        NodeKind::Question {
                            prompt: "Obrigado! Quer deixar um comentário? Escreva abaixo.".into(),
                            variable: "comentario".into(),
                            validation: Validation::Text,
                            error_message: "Pode escrever o seu comentário?".into(),
                            max_attempts: 1,
                        },
                    ),
                    node("fim", 680.0, 0.0, "Fim", end("Agradecemos a sua avaliação!")),
                ],
                scores
                    .iter()
                    .map(|(id, _)| choose("nota", id, "comentario"))
                    .chain([edge("comentario", Port::Next, "fim")])
                    .collect(),
            )
        }
        "inatividade" => (
            "pergunta",
            vec![
                node(
                    "pergunta",
                    0.0,
                    0.0,
                    "Ainda está aí?",
                    message(Content::Buttons {
                        text: "Você ainda está por aí? Posso ajudar em mais alguma coisa?".into(),
                        options: vec![choice("sim", "Sim, continuar"), choice("nao", "Não, obrigado")],
                    }),
                ),
                node(
                    "continuar",
                    340.0,
                    0.0,
                    "Continuar",
                    NodeKind::Handoff {
                        team: None,
                        message: "Certo! Um atendente vai continuar com você.".into(),
                    },
                ),
                node("fim", 340.0, 200.0, "Encerrar", end("Obrigado pelo contato! Até logo.")),
            ],
            vec![
                choose("pergunta", "sim", "continuar"),
                choose("pergunta", "nao", "fim"),
            ],
        ),
        "fora-do-horario" => (
            "aviso",
            vec![
                node(
                    "aviso",
                    0.0,
                    0.0,
                    "Aviso de horário",
                    message(Content::Buttons {
                        text: "Nosso atendimento funciona de segunda a sexta, das 8h às 18h. Quer deixar um recado?".into(),
                        options: vec![choice("recado", "Deixar recado"), choice("depois", "Volto depois")],
                    }),
                ),
                node(
                    "recado",
                    340.0,
                    0.0,
                    "Recado",
                    NodeKind::Question {
                        prompt: "Escreva o seu recado e responderemos no próximo horário de atendimento.".into(),
                        variable: "recado".into(),
                        validation: Validation::Text,
                        error_message: "Pode escrever o recado?".into(),
                        max_attempts: 2,
                    },
                ),
                node(
                    "tem_recado",
                    680.0,
                    0.0,
                    "Recado deixado?",
                    NodeKind::Condition {
                        rules: vec![Rule {
                            variable: "recado".into(),
                            op: Op::Exists,
                            value: String::new(),
                        }],
                    },
                ),
                node(
                    "fila",
                    1020.0,
                    0.0,
                    "Para a fila",
                    NodeKind::Handoff {
                        team: None,
                        message: "Recado anotado! Retornaremos assim que possível.".into(),
                    },
                ),
                node("fim", 340.0, 200.0, "Fim", end("Até logo!")),
            ],
            vec![
                choose("aviso", "recado", "recado"),
                choose("aviso", "depois", "fim"),
                edge("recado", Port::Next, "tem_recado"),
                edge("tem_recado", Port::Rule(0), "fila"),
                edge("tem_recado", Port::Else, "fim"),
            ],
        ),
        _ => return None,
    };
    Some(Flow {
        schema_version: SCHEMA_VERSION,
        key: key.into(),
        name: name.into(),
        start: NodeId::new(start),
        nodes,
        edges,
        inputs: Vec::new(),
        handoff_team: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_builds_a_flow_the_validator_accepts() {
        for template in TEMPLATES {
            let flow = build(template.code, "novo-fluxo", template.name).expect(template.code);
            assert_eq!(flow.key, "novo-fluxo");
            assert_eq!(
                crate::flow::validate(&flow, None),
                Vec::new(),
                "{}",
                template.code
            );
        }
        assert!(build("nao-existe", "x", "X").is_none());
    }
}
