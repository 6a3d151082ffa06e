//! The editing model: each operation, and property runs over random sequences of them.

use super::*;
use crate::flow::{validate, Content, FlowError, NodeKind};
use proptest::prelude::*;

fn message(id: &str, text: &str) -> Node {
    Node {
        id: NodeId::new(id),
        position: Position::default(),
        label: None,
        kind: NodeKind::Message {
            content: Content::Text { text: text.into() },
            variable: None,
            error_message: None,
            max_attempts: 3,
            capture: None,
        },
    }
}

fn end(id: &str) -> Node {
    Node {
        id: NodeId::new(id),
        position: Position::default(),
        label: None,
        kind: NodeKind::End { message: None },
    }
}

/// "boas_vindas" → "fim".
fn small() -> Flow {
    Flow {
        schema_version: 1,
        key: "teste".into(),
        name: "Teste".into(),
        start: NodeId::new("boas_vindas"),
        nodes: vec![message("boas_vindas", "Olá!"), end("fim")],
        edges: vec![Edge {
            from: NodeId::new("boas_vindas"),
            port: Port::Next,
            to: NodeId::new("fim"),
        }],
        inputs: Vec::new(),
        handoff_team: None,
    }
}

fn connect(from: &str, to: &str) -> Change {
    Change::Connect {
        from: NodeId::new(from),
        port: Port::Next,
        to: NodeId::new(to),
    }
}

#[test]
fn adding_and_connecting_a_block_is_undone_in_two_steps_and_redone() {
    let mut editor = Editor::new(small());
    editor
        .apply(Change::Add(message("aviso", "Aviso")))
        .unwrap();
    editor.apply(connect("boas_vindas", "aviso")).unwrap();
    editor.apply(connect("aviso", "fim")).unwrap();
    let edited = editor.flow().clone();
    assert_eq!(
        edited.target(&NodeId::new("boas_vindas"), &Port::Next),
        Some(&NodeId::new("aviso"))
    );
    assert!(
        validate(&edited, None).is_empty(),
        "{:?}",
        validate(&edited, None)
    );
    assert!(editor.undo() && editor.undo() && editor.undo());
    assert_eq!(editor.flow(), &small());
    assert!(!editor.undo());
    assert!(editor.redo() && editor.redo() && editor.redo());
    assert_eq!(editor.flow(), &edited);
    assert!(!editor.redo());
}

#[test]
fn refused_changes_change_nothing_and_say_why_in_portuguese() {
    let mut editor = Editor::new(small());
    let cases = [
        (Change::Add(end("fim")), "Já existe um bloco \"fim\"."),
        (
            Change::Delete(vec![NodeId::new("boas_vindas")]),
            "O bloco inicial não pode ser apagado: escolha outro início antes.",
        ),
        (
            connect("boas_vindas", "boas_vindas"),
            "Um bloco não pode levar a ele mesmo.",
        ),
        (
            connect("boas_vindas", "nada"),
            "O bloco \"nada\" não existe.",
        ),
        (
            Change::Connect {
                from: NodeId::new("fim"),
                port: Port::Next,
                to: NodeId::new("boas_vindas"),
            },
            "O bloco \"fim\" não tem a saída seguinte.",
        ),
    ];
    for (change, said) in cases {
        let e = editor.apply(change).unwrap_err();
        assert_eq!(e.message(), said);
    }
    assert_eq!(editor.flow(), &small());
    assert!(!editor.can_undo(), "a refusal is no undo step");
}

#[test]
fn deleting_a_block_takes_its_edges_and_a_new_change_clears_redo() {
    let mut editor = Editor::new(small());
    editor
        .apply(Change::Delete(vec![NodeId::new("fim")]))
        .unwrap();
    assert!(editor.flow().edges.is_empty());
    editor.undo();
    assert!(editor.can_redo());
    editor
        .apply(Change::Move(vec![(
            NodeId::new("fim"),
            Position { x: 10.0, y: 20.0 },
        )]))
        .unwrap();
    assert!(!editor.can_redo());
    assert_eq!(editor.flow().edges.len(), 1);
}

#[test]
fn pasted_blocks_get_free_ids_and_keep_only_their_own_edges() {
    let source = small();
    let mut editor = Editor::new(small());
    let pasted = editor
        .apply(Change::Paste {
            nodes: source.nodes.clone(),
            edges: source.edges.clone(),
            offset: Position { x: 40.0, y: 40.0 },
        })
        .unwrap();
    assert_eq!(
        pasted,
        vec![NodeId::new("boas_vindas_2"), NodeId::new("fim_2")]
    );
    let again = editor
        .apply(Change::Paste {
            nodes: vec![source.nodes[1].clone()],
            edges: source.edges.clone(),
            offset: Position::default(),
        })
        .unwrap();
    assert_eq!(again, vec![NodeId::new("fim_3")]);
    let flow = editor.flow();
    assert_eq!(
        flow.target(&NodeId::new("boas_vindas_2"), &Port::Next),
        Some(&NodeId::new("fim_2"))
    );
    assert_eq!(
        flow.edges.len(),
        2,
        "the lone pasted block brings no edge: {:?}",
        flow.edges
    );
    assert_eq!(
        flow.node(&NodeId::new("fim_2")).unwrap().position,
        Position { x: 40.0, y: 40.0 }
    );
}

#[test]
fn layout_puts_blocks_in_columns_from_the_start_and_leaves_pinned_ones() {
    let mut editor = Editor::new(small());
    editor
        .apply(Change::Add(message("solto", "Sem ligação")))
        .unwrap();
    let pinned_at = Position { x: 999.0, y: 5.0 };
    editor
        .apply(Change::Move(vec![(NodeId::new("solto"), pinned_at)]))
        .unwrap();
    editor
        .apply(Change::Layout {
            pinned: [NodeId::new("solto")].into_iter().collect(),
        })
        .unwrap();
    let flow = editor.flow();
    let at = |id: &str| flow.node(&NodeId::new(id)).unwrap().position;
    assert_eq!(at("boas_vindas"), Position { x: 0.0, y: 0.0 });
    assert_eq!(at("fim"), Position { x: 340.0, y: 0.0 });
    assert_eq!(at("solto"), pinned_at);
    // The whole layout is one step.
    editor.undo();
    assert_eq!(
        editor.flow().node(&NodeId::new("fim")).unwrap().position,
        Position::default()
    );
}

#[test]
fn laid_out_blocks_of_one_column_never_overlap() {
    let mut editor = Editor::new(small());
    for id in ["a", "b", "c"] {
        editor.apply(Change::Add(message(id, "x"))).unwrap();
    }
    // boas_vindas → fim; a, b and c unreachable: one column after the reachable ones.
    editor
        .apply(Change::Layout {
            pinned: BTreeSet::new(),
        })
        .unwrap();
    let flow = editor.flow();
    let mut column: Vec<&Node> = flow
        .nodes
        .iter()
        .filter(|n| n.position.x == 680.0)
        .collect();
    column.sort_by(|x, y| x.position.y.total_cmp(&y.position.y));
    assert_eq!(column.len(), 3);
    for pair in column.windows(2) {
        assert!(pair[1].position.y >= pair[0].position.y + block_height(pair[0]));
    }
}

#[test]
fn a_block_that_loses_a_port_loses_its_edge() {
    let mut editor = Editor::new(small());
    editor.apply(Change::Update(end("boas_vindas"))).unwrap();
    assert!(editor.flow().edges.is_empty());
}

/// A random change over a small pool of ids.
#[test]
fn typing_into_one_block_is_one_undo_step_until_the_field_is_left() {
    let mut editor = Editor::new(small());
    for text in ["O", "Ol", "Olá, tudo bem?"] {
        editor.type_into(message("boas_vindas", text)).unwrap();
    }
    editor.stop_typing();
    editor.type_into(message("boas_vindas", "Oi")).unwrap();
    assert!(editor.undo());
    let Some(NodeKind::Message {
        content: Content::Text { text },
        ..
    }) = editor
        .flow()
        .node(&NodeId::new("boas_vindas"))
        .map(|n| &n.kind)
    else {
        panic!("the block is a text message");
    };
    assert_eq!(text, "Olá, tudo bem?");
    assert!(editor.undo());
    assert_eq!(editor.flow(), &small());
    assert!(!editor.can_undo());
    assert!(editor.redo() && editor.redo());
    assert!(!editor.can_redo());
    // Typing into a block that does not exist is refused like any update.
    assert_eq!(
        editor.type_into(message("nao_existe", "x")),
        Err(EditError::UnknownNode(NodeId::new("nao_existe")))
    );
}

fn change() -> impl Strategy<Value = Change> {
    let id = prop::sample::select(vec!["boas_vindas", "fim", "a", "b", "c"]);
    prop_oneof![
        id.clone().prop_map(|i| Change::Add(message(i, "texto"))),
        id.clone().prop_map(|i| Change::Add(end(i))),
        (id.clone(), id.clone()).prop_map(|(a, b)| connect(a, b)),
        id.clone().prop_map(|i| Change::Disconnect {
            from: NodeId::new(i),
            port: Port::Next
        }),
        prop::collection::vec(id.clone(), 1..3)
            .prop_map(|ids| Change::Delete(ids.into_iter().map(NodeId::new).collect())),
        (id.clone(), -500.0..500.0f64, -500.0..500.0f64)
            .prop_map(|(i, x, y)| Change::Move(vec![(NodeId::new(i), Position { x, y })])),
        (0.0..100.0f64).prop_map(|d| Change::Paste {
            nodes: small().nodes,
            edges: small().edges,
            offset: Position { x: d, y: d },
        }),
        Just(Change::Layout {
            pinned: BTreeSet::new()
        }),
        id.clone().prop_map(|i| Change::SetStart(NodeId::new(i))),
        id.prop_map(|i| Change::Rename(format!("Fluxo {i}"))),
    ]
}

proptest! {
    /// Undoing every step of any sequence gives the start back, redoing gives the end back, and
    /// no sequence leaves an edge to a block that does not exist or ids that repeat.
    #[test]
    fn undo_restores_the_start_and_edits_never_leave_dangling_edges(
        changes in prop::collection::vec(change(), 0..40)
    ) {
        let mut editor = Editor::new(small());
        let mut steps = 0;
        for c in changes {
            let before = editor.flow().clone();
            if editor.apply(c).is_ok() && editor.flow() != &before {
                steps += 1;
            }
            let flow = editor.flow();
            let errors = validate(flow, None);
            prop_assert!(
                !errors.iter().any(|e| matches!(e, FlowError::DanglingEdge { .. })),
                "{errors:?}"
            );
            let ids: BTreeSet<&NodeId> = flow.nodes.iter().map(|n| &n.id).collect();
            prop_assert_eq!(ids.len(), flow.nodes.len());
            prop_assert!(flow.node(&flow.start).is_some());
        }
        let end = editor.flow().clone();
        for _ in 0..steps.min(HISTORY) {
            prop_assert!(editor.undo());
        }
        if steps <= HISTORY {
            prop_assert_eq!(editor.flow(), &small());
        }
        while editor.redo() {}
        prop_assert_eq!(editor.flow(), &end);
    }
}
