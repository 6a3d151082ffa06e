//! The canvas's geometry and gestures, shared by the canvas and its blocks: where a port's
//! edge leaves and where it enters, the curve between, the canvas point of a client point, and
//! the drag in progress as only the moving blocks read it.

use super::dom;
use super::state::{use_builder, View, BLOCK_WIDTH, BODY, HEADER, PORT_ROW};
use leptos::prelude::*;
use shared::flow::{NodeId, Port, Position};

pub const CANVAS_ID: &str = "tela-fluxo";

/// The gesture in progress, for the blocks and ports that start one.
#[derive(Clone, Copy)]
pub(super) struct Gestures(pub(super) RwSignal<Option<Gesture>>);

/// What the pointer is doing on the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Gesture {
    Pan { sx: f64, sy: f64, from: View },
    Move { sx: f64, sy: f64 },
    Select { sx: f64, sy: f64, x: f64, y: f64 },
    Link,
}

/// The canvas point (relative to the canvas element) of a client point.
pub(super) fn local(x: f64, y: f64) -> (f64, f64) {
    let r = dom::rect_of(CANVAS_ID);
    (x - r.left, y - r.top)
}

/// Where an edge leaves `port` of a block at `at`.
pub(super) fn port_anchor(node: &shared::flow::Node, port: &Port, at: Position) -> Position {
    let index = node
        .kind
        .ports()
        .iter()
        .position(|(p, _)| p == port)
        .unwrap_or(0);
    Position {
        x: at.x + BLOCK_WIDTH,
        y: at.y + HEADER + BODY + index as f64 * PORT_ROW + PORT_ROW / 2.0,
    }
}

pub(super) fn entry_anchor(at: Position) -> Position {
    Position {
        x: at.x,
        y: at.y + HEADER / 2.0,
    }
}

pub(super) fn curve(a: Position, b: Position) -> String {
    let dx = ((b.x - a.x).abs() / 2.0).max(50.0);
    format!(
        "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
        a.x,
        a.y,
        a.x + dx,
        a.y,
        b.x - dx,
        b.y,
        b.x,
        b.y
    )
}

/// The position of a block, moved by the drag in progress when it is one of the dragged.
pub(super) fn shifted(at: Position, (dx, dy): (f64, f64)) -> Position {
    Position {
        x: at.x + dx,
        y: at.y + dy,
    }
}

/// Whether the block is being dragged (a memo: it changes when a drag starts or ends, not on
/// each frame of it).
pub(super) fn moving(id: NodeId) -> Memo<bool> {
    let b = use_builder();
    Memo::new(move |_| {
        b.drag
            .with(|d| d.as_ref().is_some_and(|d| d.ids.contains(&id)))
    })
}

/// The drag's distance for a block: read (and so subscribed to) only by the moving ones.
pub(super) fn delta_if(moving: Memo<bool>, delta: RwSignal<(f64, f64)>) -> (f64, f64) {
    if moving.get() {
        delta.get()
    } else {
        (0.0, 0.0)
    }
}

/// The DOM id of a block's element.
pub fn block_dom_id(id: &NodeId) -> String {
    format!("bloco-{}", id.0)
}
