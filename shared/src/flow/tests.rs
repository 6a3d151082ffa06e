//! The flow model, its validation and the engine, on a small utility-company flow and on
//! random flows and inputs.

use super::engine::*;
use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn node(id: &str, kind: NodeKind) -> Node {
    Node {
        id: NodeId::new(id),
        position: Position::default(),
        label: None,
        kind,
    }
}

fn edge(from: &str, port: Port, to: &str) -> Edge {
    Edge {
        from: NodeId::new(from),
        port,
        to: NodeId::new(to),
    }
}

fn choice(id: &str, title: &str) -> Choice {
    Choice::new(id, title)
}

fn text(t: &str) -> Content {
    Content::Text { text: t.into() }
}

/// Menu → CPF → ERP lookup → invoices, with a failure path on the CPF.
fn invoices_flow() -> Flow {
    Flow {
        schema_version: SCHEMA_VERSION,
        key: "menu-principal".into(),
        name: "Menu principal".into(),
        start: NodeId::new("menu"),
        nodes: vec![
            node(
                "menu",
                NodeKind::Message {
                    content: Content::Buttons {
                        text: "Olá! Como posso ajudar?".into(),
                        options: vec![
                            choice("segunda_via", "Segunda via"),
                            choice("negociar", "Negociar débitos"),
                            choice("falar", "Falar com atendente"),
                        ],
                    },
                    variable: Some("opcao".into()),
                    error_message: None,
                    max_attempts: 3,
                    capture: None,
                },
            ),
            node(
                "cpf",
                NodeKind::Question {
                    prompt: "Informe seu CPF, por favor.".into(),
                    variable: "cpf".into(),
                    validation: Validation::Cpf,
                    error_message: "CPF inválido. Confira os 11 números e tente de novo.".into(),
                    max_attempts: 3,
                },
            ),
            node(
                "busca",
                NodeKind::Erp {
                    operation: ErpOperation::FindCustomer,
                    args: [("cpf".to_owned(), "{{cpf}}".to_owned())].into(),
                    variable: "cliente".into(),
                },
            ),
            node(
                "tem_debito",
                NodeKind::Condition {
                    rules: vec![Rule {
                        variable: "cliente.debito".into(),
                        op: Op::Gt,
                        value: "0".into(),
                    }],
                },
            ),
            node(
                "debito",
                NodeKind::Handoff {
                    team: Some("Negociação".into()),
                    message: "{{cliente.nome}}, você tem {{cliente.debito | moeda}} em aberto. Vou chamar a equipe de negociação.".into(),
                },
            ),
            node(
                "em_dia",
                NodeKind::End {
                    message: Some("Tudo em dia, {{cliente.nome}}! Obrigado.".into()),
                },
            ),
            node(
                "humano",
                NodeKind::Handoff {
                    team: None,
                    message: "Vou chamar um atendente.".into(),
                },
            ),
        ],
        edges: vec![
            edge("menu", Port::Choice("segunda_via".into()), "cpf"),
            edge("menu", Port::Choice("negociar".into()), "cpf"),
            edge("menu", Port::Choice("falar".into()), "humano"),
            edge("cpf", Port::Next, "busca"),
            edge("cpf", Port::Failure, "humano"),
            edge("busca", Port::Success, "tem_debito"),
            edge("tem_debito", Port::Rule(0), "debito"),
            edge("tem_debito", Port::Else, "em_dia"),
        ],
        inputs: Vec::new(),
        handoff_team: None,
    }
}

fn bot() -> Bot {
    let settings = BotSettings {
        fixture_cpfs: vec!["11111111111".into(), "22222222222".into()],
        ..BotSettings::default()
    };
    Bot::new(vec![invoices_flow()], "menu-principal", settings)
}

fn say(bot: &Bot, state: BotState, t: &str) -> (BotState, Vec<Effect>) {
    step(
        bot,
        state,
        Input::Message {
            text: t.into(),
            choice: None,
        },
    )
}

fn texts(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { content } => Some(match content {
                Content::Text { text }
                | Content::Buttons { text, .. }
                | Content::List { text, .. } => text.clone(),
                Content::Media { url, .. } => url.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn pending_call(effects: &[Effect]) -> (u64, CallRequest) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Call { call, request } => Some((*call, request.clone())),
            _ => None,
        })
        .expect("a call")
}

#[test]
fn the_sample_flow_is_valid_and_round_trips_as_json() {
    let flow = invoices_flow();
    assert_eq!(validate(&flow, None), []);
    let json = serde_json::to_value(&flow).unwrap();
    assert_eq!(json["nodes"][0]["type"], json!("message"));
    assert_eq!(
        json["edges"][0]["port"],
        json!({"kind": "choice", "value": "segunda_via"})
    );
    let back: Flow = serde_json::from_value(json).unwrap();
    assert_eq!(back, flow);
}

#[test]
fn validation_catches_every_kind_of_broken_flow() {
    let errors = |f: &Flow| validate(f, None);

    let mut f = invoices_flow();
    f.nodes.push(node("solto", NodeKind::End { message: None }));
    assert!(errors(&f).contains(&FlowError::Unreachable {
        node: NodeId::new("solto")
    }));

    let mut f = invoices_flow();
    f.edges.push(edge("busca", Port::Error, "nao_existe"));
    assert!(errors(&f).contains(&FlowError::DanglingEdge {
        from: NodeId::new("busca"),
        to: NodeId::new("nao_existe")
    }));

    let mut f = invoices_flow();
    f.edges
        .retain(|e| e.from != NodeId::new("cpf") || e.port != Port::Next);
    assert!(errors(&f).contains(&FlowError::Unconnected {
        node: NodeId::new("cpf"),
        port: Port::Next
    }));

    let mut f = invoices_flow();
    if let NodeKind::End { message } = &mut f.nodes[5].kind {
        *message = Some("Obrigado, {{fatura.valor | moeda}}".into());
    }
    assert!(errors(&f).contains(&FlowError::UnknownVariable {
        node: NodeId::new("em_dia"),
        variable: "fatura.valor".into()
    }));

    let mut f = invoices_flow();
    if let NodeKind::Message {
        content: Content::Buttons { options, .. },
        ..
    } = &mut f.nodes[0].kind
    {
        options.push(choice("quarta", "Quarta opção"));
        options[0].title = "Segunda via da conta de água".into();
    }
    let e = errors(&f);
    assert!(e.contains(&FlowError::TooManyButtons {
        node: NodeId::new("menu")
    }));
    assert!(e.contains(&FlowError::ButtonTitle {
        node: NodeId::new("menu"),
        title: "Segunda via da conta de água".into()
    }));
    assert_eq!(
        e.iter()
            .find(|e| matches!(e, FlowError::TooManyButtons { .. }))
            .unwrap()
            .message(),
        "O bloco \"menu\" tem mais de 3 botões; o WhatsApp aceita até 3. Use uma lista."
    );

    let mut f = invoices_flow();
    f.nodes.push(node(
        "ir",
        NodeKind::GoToFlow {
            flow: "negociacao".into(),
        },
    ));
    f.edges.push(edge("busca", Port::Error, "ir"));
    let library = validate_library(&[f]);
    assert!(library
        .iter()
        .any(|(_, e)| matches!(e, FlowError::UnknownFlow { .. })));

    let mut f = invoices_flow();
    f.schema_version = 99;
    assert_eq!(errors(&f), [FlowError::SchemaVersion { found: 99 }]);
}

#[test]
fn a_customer_up_to_date_goes_from_the_menu_to_the_erp_and_ends() {
    let bot = bot();
    let state = BotState::new(&bot, Default::default());
    let (state, fx) = say(&bot, state, "oi");
    assert_eq!(texts(&fx), ["Olá! Como posso ajudar?"]);
    assert_eq!(state.status, Status::AwaitingInput);

    // The option by its number; the CPF fixture is accepted despite its check digits.
    let (state, fx) = say(&bot, state, "1");
    assert_eq!(texts(&fx), ["Informe seu CPF, por favor."]);
    assert_eq!(state.vars["opcao"], json!("segunda_via"));
    let (state, fx) = say(&bot, state, "111.111.111-11");
    let (call, request) = pending_call(&fx);
    assert_eq!(
        request,
        CallRequest::Erp {
            operation: ErpOperation::FindCustomer,
            args: [("cpf".to_owned(), "11111111111".to_owned())].into()
        }
    );
    assert_eq!(state.status, Status::AwaitingResult);

    // A stale outcome changes nothing; the right one continues.
    let (state, fx) = step(
        &bot,
        state,
        Input::Outcome {
            call: call + 7,
            outcome: Outcome::Ok { value: json!({}) },
        },
    );
    assert!(fx.is_empty());
    let (state, fx) = step(
        &bot,
        state,
        Input::Outcome {
            call,
            outcome: Outcome::Ok {
                value: json!({"nome": "Maria Silva", "debito": 0}),
            },
        },
    );
    assert_eq!(texts(&fx), ["Tudo em dia, Maria Silva! Obrigado."]);
    assert_eq!(fx.last(), Some(&Effect::End));
    assert_eq!(state.status, Status::Ended);

    // A new message after the end starts over.
    let (state, fx) = say(&bot, state, "bom dia");
    assert_eq!(texts(&fx), ["Olá! Como posso ajudar?"]);
    assert_eq!(state.node, NodeId::new("menu"));
}

#[test]
fn a_customer_in_debt_is_handed_to_the_negotiation_team_with_the_amount() {
    let bot = bot();
    let state = BotState::new(&bot, Default::default());
    let (state, _) = say(&bot, state, "oi");
    // The option by its title, accents and case ignored; or by the button's id.
    let (state, _) = step(
        &bot,
        state,
        Input::Message {
            text: "Negociar débitos".into(),
            choice: Some("negociar".into()),
        },
    );
    let (state, fx) = say(&bot, state, "222.222.222-22");
    let (call, _) = pending_call(&fx);
    let (state, fx) = step(
        &bot,
        state,
        Input::Outcome {
            call,
            outcome: Outcome::Ok {
                value: json!({"nome": "João Santos", "debito": 1234.5}),
            },
        },
    );
    assert_eq!(
        texts(&fx),
        ["João Santos, você tem R$ 1.234,50 em aberto. Vou chamar a equipe de negociação."]
    );
    assert!(fx.contains(&Effect::Handoff {
        team: Some("Negociação".into())
    }));
    assert_eq!(state.status, Status::HandedOff);
    // The human has it now: the bot stays quiet.
    let (_, fx) = say(&bot, state, "alô?");
    assert!(fx.is_empty());
}

#[test]
fn invalid_cpfs_are_retried_then_follow_the_failure_path() {
    let bot = bot();
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, _) = say(&bot, state, "segunda via");
    let (state, fx) = say(&bot, state, "123.456.789-00");
    assert_eq!(
        texts(&fx),
        ["CPF inválido. Confira os 11 números e tente de novo."]
    );
    let (state, fx) = say(&bot, state, "abc");
    assert_eq!(texts(&fx).len(), 1);
    assert_eq!(state.attempts, 2);
    let (state, fx) = say(&bot, state, "000.000.000-00");
    assert_eq!(texts(&fx), ["Vou chamar um atendente."]);
    assert!(fx.contains(&Effect::Handoff { team: None }));
    assert_eq!(state.status, Status::HandedOff);
    // A real CPF with valid check digits is accepted normally.
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, _) = say(&bot, state, "1");
    let (state, _) = say(&bot, state, "529.982.247-25");
    assert_eq!(state.vars["cpf"], json!("52998224725"));
}

#[test]
fn global_words_work_anywhere_without_accents_or_case() {
    let bot = bot();
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, _) = say(&bot, state, "1");
    let (state, fx) = say(&bot, state, "AJUDA");
    assert_eq!(
        texts(&fx),
        [
            bot.settings.help_text.clone(),
            "Informe seu CPF, por favor.".into()
        ]
    );
    assert_eq!(state.node, NodeId::new("cpf"));
    let (state, fx) = say(&bot, state, "Menu");
    assert_eq!(texts(&fx), ["Olá! Como posso ajudar?"]);
    let (state, fx) = say(&bot, state, "Atendênte!");
    assert!(fx.contains(&Effect::Handoff { team: None }));
    assert_eq!(state.status, Status::HandedOff);
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, fx) = say(&bot, state, " sair ");
    assert_eq!(texts(&fx), [bot.settings.goodbye_message.as_str()]);
    assert_eq!(fx.last(), Some(&Effect::End));
    assert_eq!(state.status, Status::Ended);
}

#[test]
fn global_words_work_as_the_first_message_too() {
    let bot = bot();
    let fresh = || BotState::new(&bot, Default::default());
    let (state, fx) = say(&bot, fresh(), "Atendente");
    assert_eq!(texts(&fx), [bot.settings.handoff_message.as_str()]);
    assert!(fx.contains(&Effect::Handoff { team: None }));
    assert_eq!(state.status, Status::HandedOff);

    let (state, fx) = say(&bot, fresh(), "SAIR");
    assert_eq!(texts(&fx), [bot.settings.goodbye_message.as_str()]);
    assert_eq!(fx.last(), Some(&Effect::End));
    assert_eq!(state.status, Status::Ended);

    let (state, fx) = say(&bot, fresh(), "ajuda");
    assert_eq!(
        texts(&fx),
        [bot.settings.help_text.as_str(), "Olá! Como posso ajudar?"]
    );
    assert_eq!(state.status, Status::AwaitingInput);
}

#[test]
fn an_option_the_block_offers_wins_over_a_global_word_and_atendente_goes_to_the_flow_team() {
    let mut flow = invoices_flow();
    flow.handoff_team = Some("Negociação".into());
    if let NodeKind::Message {
        content: Content::Buttons { options, .. },
        ..
    } = &mut flow.nodes[0].kind
    {
        options[2] = choice("ajuda", "Preciso de ajuda");
    }
    flow.edges[2] = edge("menu", Port::Choice("ajuda".into()), "humano");
    let bot = Bot::new(vec![flow], "menu-principal", BotSettings::default());

    // Tapped, or typed as the option's id or title: the flow's option, not the help text.
    for (text, choice) in [
        ("Preciso de ajuda", Some("ajuda")),
        ("ajuda", None),
        ("preciso de AJUDA", None),
    ] {
        let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
        let (state, fx) = step(
            &bot,
            state,
            Input::Message {
                text: text.into(),
                choice: choice.map(Into::into),
            },
        );
        assert_eq!(texts(&fx), ["Vou chamar um atendente."], "{text}");
        assert_eq!(state.status, Status::HandedOff);
    }

    // A global word the block does not offer still works, and "atendente" goes to the team the
    // flow names.
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (_, fx) = say(&bot, state, "atendente");
    assert!(fx.contains(&Effect::Handoff {
        team: Some("Negociação".into())
    }));
}

#[test]
fn a_failed_call_without_an_error_path_offers_a_human_or_the_menu() {
    let bot = bot();
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, _) = say(&bot, state, "1");
    let (state, fx) = say(&bot, state, "11111111111");
    let (call, _) = pending_call(&fx);
    let (state, fx) = step(
        &bot,
        state,
        Input::Outcome {
            call,
            outcome: Outcome::Failed {
                reason: "tempo esgotado".into(),
            },
        },
    );
    assert_eq!(state.status, Status::Recovering);
    match &fx[..] {
        [Effect::Send {
            content: Content::Buttons { text, options },
        }] => {
            assert_eq!(text, &bot.settings.failure_message);
            assert_eq!(
                options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
                ["atendente", "menu"]
            );
        }
        other => panic!("{other:?}"),
    }
    let (state, fx) = step(
        &bot,
        state,
        Input::Message {
            text: "Falar com atendente".into(),
            choice: Some("atendente".into()),
        },
    );
    assert!(fx.contains(&Effect::Handoff { team: None }));
    assert_eq!(state.status, Status::HandedOff);
}

#[test]
fn silence_brings_a_reminder_then_closes() {
    let bot = bot();
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, fx) = step(&bot, state, Input::Inactive { close: false });
    assert_eq!(texts(&fx), [bot.settings.reminder_message.as_str()]);
    assert_eq!(state.status, Status::AwaitingInput);
    let (state, fx) = step(&bot, state, Input::Inactive { close: true });
    assert_eq!(texts(&fx), [bot.settings.closing_message.as_str()]);
    assert_eq!(fx.last(), Some(&Effect::End));
    // Nothing more once ended.
    let (_, fx) = step(&bot, state, Input::Inactive { close: true });
    assert!(fx.is_empty());
}

#[test]
fn a_loop_that_never_waits_is_handed_to_a_person() {
    let flow = Flow {
        schema_version: SCHEMA_VERSION,
        key: "laco".into(),
        name: "Laço".into(),
        start: NodeId::new("a"),
        nodes: vec![
            node(
                "a",
                NodeKind::SetVariable {
                    variable: "x".into(),
                    value: "1".into(),
                },
            ),
            node(
                "b",
                NodeKind::SetVariable {
                    variable: "y".into(),
                    value: "{{x}}".into(),
                },
            ),
        ],
        edges: vec![edge("a", Port::Next, "b"), edge("b", Port::Next, "a")],
        inputs: vec![],
        handoff_team: None,
    };
    let bot = Bot::new(vec![flow], "laco", BotSettings::default());
    let (state, fx) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    assert_eq!(state.status, Status::HandedOff);
    assert!(fx.contains(&Effect::Handoff { team: None }));
}

#[test]
fn http_answers_are_mapped_to_variables_and_conditions_compare_them() {
    let flow = Flow {
        schema_version: SCHEMA_VERSION,
        key: "http".into(),
        name: "HTTP".into(),
        start: NodeId::new("req"),
        nodes: vec![
            node(
                "req",
                NodeKind::Http {
                    request: HttpRequest {
                        method: HttpMethod::Post,
                        url: "https://erp.exemplo.com/clientes/{{contato.telefone}}".into(),
                        headers: vec![Header {
                            name: "Authorization".into(),
                            value: "Bearer x".into(),
                        }],
                        body: Some("{\"canal\": \"{{canal}}\"}".into()),
                        timeout_ms: 2000,
                        map: vec![Mapping {
                            path: "dados.faturas.0.valor".into(),
                            variable: "fatura.valor".into(),
                        }],
                    },
                },
            ),
            node(
                "cond",
                NodeKind::Condition {
                    rules: vec![Rule {
                        variable: "fatura.valor".into(),
                        op: Op::Gte,
                        value: "100,00".into(),
                    }],
                },
            ),
            node(
                "alta",
                NodeKind::End {
                    message: Some("Fatura alta: {{fatura.valor | moeda}}".into()),
                },
            ),
            node(
                "baixa",
                NodeKind::End {
                    message: Some("Fatura baixa".into()),
                },
            ),
        ],
        edges: vec![
            edge("req", Port::Success, "cond"),
            edge("cond", Port::Rule(0), "alta"),
            edge("cond", Port::Else, "baixa"),
        ],
        inputs: vec![],
        handoff_team: None,
    };
    assert_eq!(validate(&flow, None), []);
    let bot = Bot::new(vec![flow], "http", BotSettings::default());
    let mut vars = text::Vars::new();
    vars.insert("contato".into(), json!({"telefone": "+5511987654321"}));
    vars.insert("canal".into(), json!("whatsapp"));
    // What a customer typed arrives as data: inside its path segment, inside its JSON string.
    let mut hostile = vars.clone();
    hostile.insert("contato".into(), json!({"telefone": "../admin?x="}));
    hostile.insert("canal".into(), json!("\", \"valor\": 0, \"x\": \""));
    let (_, fx) = say(&bot, BotState::new(&bot, hostile), "oi");
    let (_, request) = pending_call(&fx);
    let CallRequest::Http { url, body, .. } = request else {
        panic!("an HTTP call: {request:?}");
    };
    assert_eq!(url, "https://erp.exemplo.com/clientes/..%2Fadmin%3Fx%3D");
    let body: Value = serde_json::from_str(&body.unwrap()).unwrap();
    assert_eq!(body, json!({"canal": "\", \"valor\": 0, \"x\": \""}));

    let (state, fx) = say(&bot, BotState::new(&bot, vars), "oi");
    let (call, request) = pending_call(&fx);
    assert_eq!(
        request,
        CallRequest::Http {
            method: HttpMethod::Post,
            url: "https://erp.exemplo.com/clientes/%2B5511987654321".into(),
            headers: vec![("Authorization".into(), "Bearer x".into())],
            body: Some("{\"canal\": \"whatsapp\"}".into()),
            timeout_ms: 2000,
        }
    );
    let (_, fx) = step(
        &bot,
        state,
        Input::Outcome {
            call,
            outcome: Outcome::Ok {
                value: json!({"dados": {"faturas": [{"valor": 150.75}]}}),
            },
        },
    );
    assert_eq!(texts(&fx), ["Fatura alta: R$ 150,75"]);
}

#[test]
fn answers_are_validated_and_stored_in_their_own_shape() {
    let none: &[String] = &[];
    assert_eq!(
        check_answer(&Validation::Email, " Ana@Exemplo.com.br ", None, none),
        Some(json!("ana@exemplo.com.br"))
    );
    assert_eq!(
        check_answer(&Validation::Phone, "(11) 98765-4321", None, none),
        Some(json!("+5511987654321"))
    );
    assert_eq!(
        check_answer(&Validation::Number, "1.234,5", None, none),
        Some(json!(1234.5))
    );
    assert_eq!(
        check_answer(&Validation::Date, "31/12/2026", None, none),
        Some(json!("2026-12-31"))
    );
    assert_eq!(
        check_answer(&Validation::Date, "31/02/2026", None, none),
        None
    );
    assert_eq!(check_answer(&Validation::Text, "   ", None, none), None);
    let options = Validation::Options {
        options: vec![choice("sim", "Sim, aceito"), choice("nao", "Não")],
    };
    assert_eq!(
        check_answer(&options, "nao", None, none),
        Some(json!("nao"))
    );
    assert_eq!(check_answer(&options, "2", None, none), Some(json!("nao")));
    assert_eq!(check_answer(&options, "talvez", None, none), None);
    assert_eq!(
        check_answer(&Validation::Cpf, "111.111.111-11", None, none),
        None
    );
}

// ---- Random flows and inputs -------------------------------------------------------------

fn arb_kind(n: usize) -> impl Strategy<Value = NodeKind> {
    let options = prop::collection::vec(("[a-c]", "[A-Za-zéç ]{1,8}"), 0..4).prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|(id, _)| seen.insert(id.clone()))
            .map(|(id, title)| choice(&id, &title))
            .collect::<Vec<_>>()
    });
    let validation = prop_oneof![
        Just(Validation::Text),
        Just(Validation::Cpf),
        Just(Validation::Number),
        Just(Validation::Date),
        Just(Validation::Email),
    ];
    let _ = n;
    prop_oneof![
        options.clone().prop_map(|options| NodeKind::Message {
            content: if options.is_empty() {
                text("oi {{x}}")
            } else {
                Content::Buttons {
                    text: "escolha".into(),
                    options,
                }
            },
            variable: Some("x".into()),
            error_message: None,
            max_attempts: 2,
            capture: None,
        }),
        (validation, 1u8..4).prop_map(|(validation, max_attempts)| NodeKind::Question {
            prompt: "pergunta".into(),
            variable: "x".into(),
            validation,
            error_message: "de novo".into(),
            max_attempts,
        }),
        (0usize..3).prop_map(|n| NodeKind::Condition {
            rules: (0..n)
                .map(|i| Rule {
                    variable: "x".into(),
                    op: if i % 2 == 0 { Op::Eq } else { Op::Gt },
                    value: "1".into()
                })
                .collect()
        }),
        Just(NodeKind::SetVariable {
            variable: "x".into(),
            value: "{{resposta}}".into()
        }),
        Just(NodeKind::Erp {
            operation: ErpOperation::FindCustomer,
            args: Default::default(),
            variable: "cliente".into()
        }),
        Just(NodeKind::Handoff {
            team: None,
            message: "tchau".into()
        }),
        Just(NodeKind::GoToFlow { flow: "f".into() }),
        Just(NodeKind::End { message: None }),
    ]
}

fn arb_flow() -> impl Strategy<Value = Flow> {
    (1usize..8).prop_flat_map(|n| {
        (
            prop::collection::vec(arb_kind(n), n),
            prop::collection::vec((0..n, 0u8..8, 0..n + 1), 0..3 * n),
        )
            .prop_map(move |(kinds, raw_edges)| {
                let nodes: Vec<Node> = kinds
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| node(&format!("n{i}"), k))
                    .collect();
                let edges = raw_edges
                    .into_iter()
                    .filter_map(|(from, port, to)| {
                        let ports = nodes[from].kind.ports();
                        let port = ports.get(port as usize % ports.len().max(1))?.0.clone();
                        // `to == n` points at a node that does not exist: a dangling edge.
                        Some(edge(&format!("n{from}"), port, &format!("n{to}")))
                    })
                    .collect();
                Flow {
                    schema_version: SCHEMA_VERSION,
                    key: "f".into(),
                    name: "aleatório".into(),
                    start: NodeId::new("n0"),
                    nodes,
                    edges,
                    inputs: vec![],
                    handoff_team: None,
                }
            })
    })
}

fn arb_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => ("[a-c1-3]|menu|ajuda|sair|atendente|111.111.111-11|12/12/2026|[ -~]{0,12}", prop::option::of("[a-c]"))
            .prop_map(|(text, choice)| Input::Message { text, choice }),
        2 => (0u64..4, any::<bool>()).prop_map(|(call, ok)| Input::Outcome { call, outcome: if ok {
            Outcome::Ok { value: json!({"nome": "Ana", "debito": 3}) } } else { Outcome::Failed { reason: "fora do ar".into() } } }),
        1 => any::<bool>().prop_map(|close| Input::Inactive { close }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Over any flow, valid or not, and any inputs: no panic, and after every step the bot
    /// waits (at a block that waits, or for the call it just asked for), ended or handed off.
    #[test]
    fn every_step_ends_or_waits(flow in arb_flow(), inputs in prop::collection::vec(arb_input(), 1..12)) {
        let _ = validate(&flow, None);
        let bot = Bot::new(vec![flow], "f", BotSettings { fixture_cpfs: vec!["11111111111".into()], ..BotSettings::default() });
        let mut state = BotState::new(&bot, Default::default());
        for input in inputs {
            let before_call = state.call;
            let (next, effects) = step(&bot, state, input);
            match next.status {
                Status::AwaitingInput => {
                    let node = bot.flows["f"].node(&next.node).expect("waits at a real block");
                    let waits = match &node.kind {
                        NodeKind::Question { .. } => true,
                        NodeKind::Message { content, .. } => !content.options().is_empty(),
                        _ => false,
                    };
                    prop_assert!(waits, "awaiting input at {:?}", node.kind);
                }
                Status::AwaitingResult => {
                    let asked = effects.iter().any(|e| matches!(e, Effect::Call { call, .. } if *call == next.call));
                    prop_assert!(asked || next.call == before_call, "awaiting a call never asked");
                }
                Status::Ended | Status::HandedOff | Status::Recovering => {}
            }
            let calls = effects.iter().filter(|e| matches!(e, Effect::Call { .. })).count();
            prop_assert!(calls <= 1, "{} calls in one step", calls);
            let encoded = serde_json::to_value(&next).unwrap();
            let back: BotState = serde_json::from_value(encoded).unwrap();
            prop_assert_eq!(&back, &next);
            state = next;
        }
    }
}

#[test]
fn vars_paths_are_created_on_the_way() {
    let mut vars = text::Vars::new();
    set_path(&mut vars, "cliente.endereco.cidade", json!("Santos"));
    set_path(&mut vars, "cliente.nome", json!("Ana"));
    assert_eq!(
        vars["cliente"],
        json!({"endereco": {"cidade": "Santos"}, "nome": "Ana"})
    );
    set_path(&mut vars, "x", Value::Null);
    assert_eq!(vars["x"], Value::Null);
}

#[test]
fn erp_operation_codes_are_their_json_names() {
    for op in ErpOperation::ALL {
        assert_eq!(serde_json::to_value(op).unwrap(), Value::from(op.code()));
    }
}

/// The sample flow with the menu also capturing a CPF, straight to the lookup.
fn capturing_bot() -> Bot {
    let mut flow = invoices_flow();
    if let NodeKind::Message {
        content: Content::Buttons { options, .. },
        capture,
        ..
    } = &mut flow.nodes[0].kind
    {
        options[0].keywords = vec!["2ª via".into(), "boleto".into(), "fatura".into()];
        options[1].keywords = vec!["dívida".into(), "acordo".into()];
        *capture = Some(Capture {
            validation: Validation::Cpf,
            variable: "cpf".into(),
        });
    }
    flow.edges.push(edge("menu", Port::Captured, "busca"));
    assert_eq!(validate(&flow, None), []);
    let settings = BotSettings {
        fixture_cpfs: vec!["11111111111".into()],
        ..BotSettings::default()
    };
    Bot::new(vec![flow], "menu-principal", settings)
}

#[test]
fn typed_words_choose_an_option_accents_case_and_plurals_ignored() {
    let bot = capturing_bot();
    let at_menu = || say(&bot, BotState::new(&bot, Default::default()), "oi").0;
    for (typed, option) in [
        ("quero a SEGUNDA VIA", "segunda_via"),
        ("2ª via", "segunda_via"),
        ("2a via da conta", "segunda_via"),
        ("minhas faturas", "segunda_via"),
        ("Negociar", "negociar"),
        ("tenho uma divida", "negociar"),
        ("falar com atendente", "falar"),
    ] {
        let (state, _) = say(&bot, at_menu(), typed);
        assert_eq!(state.vars.get("opcao"), Some(&json!(option)), "{typed}");
    }
    // Two options named as strongly: no guess, the menu is offered again.
    let (state, fx) = say(&bot, at_menu(), "boleto ou acordo");
    assert_eq!(state.vars.get("opcao"), None);
    assert_eq!(state.node, NodeId::new("menu"));
    assert!(!fx.is_empty());
}

#[test]
fn a_cpf_typed_at_the_menu_or_as_the_first_message_identifies_the_customer() {
    let bot = capturing_bot();
    // At the menu.
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, fx) = say(&bot, state, "111.111.111-11");
    let (_, request) = pending_call(&fx);
    assert_eq!(
        request,
        CallRequest::Erp {
            operation: ErpOperation::FindCustomer,
            args: [("cpf".to_owned(), "11111111111".to_owned())].into()
        }
    );
    assert_eq!(state.vars["cpf"], json!("11111111111"));
    assert!(
        texts(&fx).is_empty(),
        "no \"não entendi\": {:?}",
        texts(&fx)
    );

    // As the very first message: looked up at once, no menu first.
    let (state, fx) = say(&bot, BotState::new(&bot, Default::default()), "11111111111");
    assert_eq!(state.status, Status::AwaitingResult);
    assert_eq!(state.vars["cpf"], json!("11111111111"));
    assert!(texts(&fx).is_empty());

    // An option named first is taken as the choice; a bare number is not (no options seen).
    let (state, fx) = say(&bot, BotState::new(&bot, Default::default()), "segunda via");
    assert_eq!(state.vars["opcao"], json!("segunda_via"));
    assert_eq!(texts(&fx), ["Informe seu CPF, por favor."]);
    let (state, fx) = say(&bot, BotState::new(&bot, Default::default()), "1");
    assert_eq!(state.vars.get("opcao"), None);
    assert_eq!(texts(&fx), ["Olá! Como posso ajudar?"]);
}

#[test]
fn help_at_a_menu_explains_its_options_and_a_miss_names_them_without_the_whole_menu() {
    let mut flow = invoices_flow();
    if let NodeKind::Message {
        content: Content::Buttons { options, .. },
        ..
    } = &mut flow.nodes[0].kind
    {
        options[0].description = Some("Linha digitável e PIX".into());
    }
    let bot = Bot::new(vec![flow], "menu-principal", BotSettings::default());
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    assert_eq!(state.status, Status::AwaitingInput);

    let (state, fx) = say(&bot, state, "ajuda");
    let said = texts(&fx);
    assert_eq!(
        said[0],
        format!(
            "Posso ajudar com:\n• *Segunda via*: Linha digitável e PIX\n• *Negociar débitos*\n• *Falar com atendente*\n\n{}",
            bot.settings.help_text
        )
    );
    assert_eq!(said[1], "Olá! Como posso ajudar?", "then the menu to tap");

    let (state, fx) = say(&bot, state, "banana");
    assert_eq!(
        texts(&fx),
        [format!(
            "{}\n\nOpções: *Segunda via* · *Negociar débitos* · *Falar com atendente*",
            bot.settings.no_match_message
        )],
        "one short message, not the menu again"
    );
    assert_eq!(state.attempts, 1);
    let (_, fx) = say(&bot, state, "negociar débitos");
    assert!(!texts(&fx).iter().any(|t| t.starts_with("Não entendi")));
}

fn marks_for(bot: &Bot, state: BotState, input: Input) -> (BotState, Vec<Mark>) {
    let (state, _, marks) = step_traced(bot, state, input);
    (state, marks)
}

fn message(t: &str) -> Input {
    Input::Message {
        text: t.into(),
        choice: None,
    }
}

fn entered(marks: &[Mark]) -> Vec<&str> {
    marks
        .iter()
        .filter_map(|m| match m {
            Mark::Enter { node, .. } => Some(node.0.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn steps_mark_each_block_entered_the_port_taken_and_where_the_conversation_stopped() {
    let bot = bot();
    let state = BotState::new(&bot, Default::default());
    let (state, marks) = marks_for(&bot, state, message("oi"));
    assert_eq!(entered(&marks), ["menu"]);
    assert_eq!(marks.len(), 1, "the menu waits: {marks:?}");

    let (state, marks) = marks_for(&bot, state, message("1"));
    assert_eq!(
        marks,
        [
            Mark::Leave {
                port: Port::Choice("segunda_via".into())
            },
            Mark::Enter {
                flow: "menu-principal".into(),
                node: NodeId::new("cpf")
            },
        ]
    );
    // A wrong CPF keeps the conversation at the question: nothing is marked.
    let (state, marks) = marks_for(&bot, state, message("123"));
    assert!(marks.is_empty(), "{marks:?}");
    let (state, fx, marks) = step_traced(&bot, state, message("222.222.222-22"));
    assert_eq!(entered(&marks), ["busca"]);
    let (call, _) = pending_call(&fx);
    let (_, marks) = marks_for(
        &bot,
        state,
        Input::Outcome {
            call,
            outcome: Outcome::Ok {
                value: json!({"nome": "João Santos", "debito": 10}),
            },
        },
    );
    assert_eq!(
        marks,
        [
            Mark::Leave {
                port: Port::Success
            },
            Mark::Enter {
                flow: "menu-principal".into(),
                node: NodeId::new("tem_debito")
            },
            Mark::Leave {
                port: Port::Rule(0)
            },
            Mark::Enter {
                flow: "menu-principal".into(),
                node: NodeId::new("debito")
            },
            Mark::Stop {
                reason: Stop::Handoff
            },
        ]
    );
}

#[test]
fn leaving_asking_for_a_person_and_silence_are_marked_as_such() {
    let bot = bot();
    let at_menu = say(&bot, BotState::new(&bot, Default::default()), "oi").0;
    let (_, marks) = marks_for(&bot, at_menu.clone(), message("sair"));
    assert_eq!(marks, [Mark::Stop { reason: Stop::Quit }]);
    let (_, marks) = marks_for(&bot, at_menu.clone(), message("atendente"));
    assert_eq!(
        marks,
        [Mark::Stop {
            reason: Stop::Agent
        }]
    );
    let (_, marks) = marks_for(&bot, at_menu.clone(), Input::Inactive { close: false });
    assert!(
        marks.is_empty(),
        "a reminder leaves the customer where they are"
    );
    let (_, marks) = marks_for(&bot, at_menu.clone(), Input::Inactive { close: true });
    assert_eq!(
        marks,
        [Mark::Stop {
            reason: Stop::Inactive
        }]
    );
    let (_, marks) = marks_for(&bot, at_menu, message("menu"));
    assert_eq!(marks[0], Mark::Stop { reason: Stop::Menu });
    assert_eq!(entered(&marks), ["menu"]);
}

/// A collection template's "Negociar" quick reply: the flow it names, from its start, as the
/// first message or in the middle of another flow; an unknown flow is an ordinary tap.
#[test]
fn a_quick_reply_that_starts_a_flow_goes_there_from_anywhere() {
    let mut negotiation = invoices_flow();
    negotiation.key = "negociacao".into();
    negotiation.start = NodeId::new("cpf");
    let settings = BotSettings {
        fixture_cpfs: vec!["22222222222".into()],
        ..BotSettings::default()
    };
    let bot = Bot::new(
        vec![invoices_flow(), negotiation],
        "menu-principal",
        settings,
    );
    let tap = |state: BotState, payload: &str| {
        step_traced(
            &bot,
            state,
            Input::Message {
                text: "Negociar".into(),
                choice: Some(payload.into()),
            },
        )
    };

    // The first message of a conversation the template opened.
    let (state, fx, _) = tap(BotState::new(&bot, Default::default()), "fluxo:negociacao");
    assert_eq!(texts(&fx), ["Informe seu CPF, por favor."]);
    assert_eq!(state.flow, "negociacao");
    assert_eq!(state.status, Status::AwaitingInput);

    // In the middle of the main flow: its visit stops, the negotiation starts.
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    assert_eq!(state.flow, "menu-principal");
    let (state, fx, marks) = tap(state, "fluxo:negociacao");
    assert_eq!(texts(&fx), ["Informe seu CPF, por favor."]);
    assert_eq!(state.flow, "negociacao");
    assert!(marks.contains(&Mark::Stop { reason: Stop::Menu }));

    // A flow that does not exist (deleted since the template was sent): an ordinary answer.
    let (state, _) = say(&bot, BotState::new(&bot, Default::default()), "oi");
    let (state, _, _) = tap(state, "fluxo:sumiu");
    assert_eq!(state.flow, "menu-principal");

    // A person has the conversation: the bot stays quiet.
    let mut handed = BotState::new(&bot, Default::default());
    handed.status = Status::HandedOff;
    let (state, fx, _) = tap(handed, "fluxo:negociacao");
    assert!(fx.is_empty());
    assert_eq!(state.status, Status::HandedOff);
}
