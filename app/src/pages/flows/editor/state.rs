//! The state of the flow open on the canvas, shared by the canvas, the inspector and the panels
//! through context: the pure [`Editor`] (every change, undo and redo go through it), the
//! selection, the view (pan and zoom), the drag in progress and the autosave.

use leptos::prelude::*;
use shared::flow::edit::{Change, Editor};
use shared::flow::{blocks, validate, Flow, FlowError, NodeId, Position};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A block's width and the heights its parts are drawn with: the edges start at the ports' rows,
/// so these are the canvas's geometry, not only its looks.
pub const BLOCK_WIDTH: f64 = 260.0;
pub use shared::flow::edit::{
    block_height, BLOCK_BODY as BODY, BLOCK_HEADER as HEADER, BLOCK_PORT_ROW as PORT_ROW,
};

/// Pan and zoom: a point `p` of the flow is drawn at `p * zoom + (x, y)` in the canvas.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

impl Default for View {
    fn default() -> Self {
        Self {
            x: 80.0,
            y: 80.0,
            zoom: 1.0,
        }
    }
}

pub const MIN_ZOOM: f64 = 0.2;
/// The grid [`View::window`] snaps to, in flow units.
pub const WINDOW_CELL: f64 = 512.0;
/// From this many blocks on, the canvas draws only the blocks near the screen (and the selected
/// ones); smaller flows are drawn whole, so Tab reaches every block in the flow's order.
pub const DRAW_ALL_BELOW: usize = 150;

/// Whether a block (at `p`, `height` tall) overlaps the rectangle `a`–`z`.
pub fn overlaps(p: Position, height: f64, (a, z): (Position, Position)) -> bool {
    p.x < z.x && p.x + BLOCK_WIDTH > a.x && p.y < z.y && p.y + height > a.y
}
pub const MAX_ZOOM: f64 = 2.0;

impl View {
    /// The flow point under a canvas point.
    pub fn to_flow(self, cx: f64, cy: f64) -> Position {
        Position {
            x: (cx - self.x) / self.zoom,
            y: (cy - self.y) / self.zoom,
        }
    }

    /// Zoomed by `factor` keeping the flow point under the canvas point (cx, cy) where it is.
    pub fn zoomed_at(&self, factor: f64, cx: f64, cy: f64) -> View {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let k = zoom / self.zoom;
        View {
            x: cx - (cx - self.x) * k,
            y: cy - (cy - self.y) * k,
            zoom,
        }
    }

    /// The view that shows every block of `flow` in a canvas of this size.
    pub fn fitting(flow: &Flow, width: f64, height: f64) -> View {
        let Some((min, max)) = bounds(flow) else {
            return View::default();
        };
        let margin = 60.0;
        let zoom = ((width - 2.0 * margin) / (max.x - min.x))
            .min((height - 2.0 * margin) / (max.y - min.y))
            .clamp(MIN_ZOOM, 1.0);
        View {
            x: (width - (max.x - min.x) * zoom) / 2.0 - min.x * zoom,
            y: (height - (max.y - min.y) * zoom) / 2.0 - min.y * zoom,
            zoom,
        }
    }

    /// The part of the flow worth drawing in a canvas of this size: what is on screen and a
    /// screen more on each side, snapped outwards to [`WINDOW_CELL`] flow units, so that a pan
    /// changes it only when it crosses a cell.
    pub fn window(&self, width: f64, height: f64) -> (Position, Position) {
        let a = self.to_flow(-width, -height);
        let z = self.to_flow(2.0 * width, 2.0 * height);
        let down = |v: f64| (v / WINDOW_CELL).floor() * WINDOW_CELL;
        let up = |v: f64| (v / WINDOW_CELL).ceil() * WINDOW_CELL;
        (
            Position {
                x: down(a.x),
                y: down(a.y),
            },
            Position {
                x: up(z.x),
                y: up(z.y),
            },
        )
    }

    /// The view with `p` at the centre of a canvas of this size, at the same zoom.
    pub fn centred_on(&self, p: Position, width: f64, height: f64) -> View {
        View {
            x: width / 2.0 - (p.x + BLOCK_WIDTH / 2.0) * self.zoom,
            y: height / 2.0 - (p.y + HEADER) * self.zoom,
            zoom: self.zoom,
        }
    }
}

/// The smallest and largest corners of the blocks.
pub fn bounds(flow: &Flow) -> Option<(Position, Position)> {
    let mut nodes = flow.nodes.iter();
    let first = nodes.next()?;
    let mut min = first.position;
    let mut max = Position {
        x: first.position.x + BLOCK_WIDTH,
        y: first.position.y + block_height(first),
    };
    for n in nodes {
        min.x = min.x.min(n.position.x);
        min.y = min.y.min(n.position.y);
        max.x = max.x.max(n.position.x + BLOCK_WIDTH);
        max.y = max.y.max(n.position.y + block_height(n));
    }
    Some((min, max))
}

/// The blocks in the order the flow reaches them (the start first, then breadth-first), then
/// the unreachable ones: the order Tab follows.
pub fn flow_order(flow: &Flow) -> Vec<NodeId> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([flow.start.clone()]);
    while let Some(id) = queue.pop_front() {
        if flow.node(&id).is_none() || !seen.insert(id.clone()) {
            continue;
        }
        for (port, _) in flow.node(&id).map(|n| n.kind.ports()).unwrap_or_default() {
            if let Some(to) = flow.target(&id, &port) {
                queue.push_back(to.clone());
            }
        }
        order.push(id);
    }
    order.extend(
        flow.nodes
            .iter()
            .filter(|n| !seen.contains(&n.id))
            .map(|n| n.id.clone()),
    );
    order
}

#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Saved,
    Pending,
    Saving,
    /// Someone else saved first: reload, or download this version.
    Conflict(String),
    Failed(String),
}

/// Blocks being moved by a drag. The distance so far is a signal of its own
/// ([`Builder::drag_delta`]) that only the moving blocks and their edges read, so a frame of a
/// drag redraws those and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct Drag {
    pub ids: BTreeSet<NodeId>,
}

/// An edge being drawn from a port to the cursor (in flow units).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: NodeId,
    pub port: shared::flow::Port,
    pub to: Position,
    pub moved: bool,
}

/// How a block differs from the version it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diff {
    Added,
    Changed,
}

#[derive(Clone, Copy)]
pub struct Builder {
    pub key: StoredValue<String>,
    pub editor: RwSignal<Editor>,
    pub flow: Memo<Flow>,
    pub problems: Memo<Vec<FlowError>>,
    pub selected: RwSignal<BTreeSet<NodeId>>,
    pub selected_edge: RwSignal<Option<(NodeId, shared::flow::Port)>>,
    pub view: RwSignal<View>,
    pub drag: RwSignal<Option<Drag>>,
    /// How far the dragged blocks have moved, in flow units.
    pub drag_delta: RwSignal<(f64, f64)>,
    pub link: RwSignal<Option<Link>>,
    /// Which port's "Ligar a…" menu is open.
    pub menu: RwSignal<Option<(NodeId, shared::flow::Port)>>,
    pub revision: RwSignal<i32>,
    pub published_version: RwSignal<i32>,
    pub save: RwSignal<SaveState>,
    /// Bumped by every change; the autosave saves when it moved.
    pub changes: RwSignal<u64>,
    pub announce: RwSignal<String>,
    pub editable: bool,
    pub other_flows: StoredValue<Vec<(String, String)>>,
    pub teams: StoredValue<Vec<String>>,
    /// The version the canvas is compared with, and how each block differs from it.
    pub compare: RwSignal<Option<(i32, Flow)>>,
    pub search_hits: RwSignal<Vec<NodeId>>,
    /// The block "Testar" is at.
    pub test_at: RwSignal<Option<NodeId>>,
    /// A confirmation shown under the toolbar for a while ("Versão 3 publicada…").
    pub notice: RwSignal<Option<String>>,
    /// The figures of "Análise", drawn on the blocks while that panel is open.
    pub analytics: RwSignal<Option<shared::flow::analytics::FlowAnalytics>>,
}

impl Builder {
    pub fn new(doc: shared::flow::builder::FlowDocument) -> Self {
        let editor = RwSignal::new(Editor::new(doc.draft));
        let flow = Memo::new(move |_| editor.with(|e| e.flow().clone()));
        let others: BTreeSet<String> = doc
            .other_flows
            .iter()
            .map(|(k, _)| k.clone())
            .chain([doc.key.clone()])
            .collect();
        let problems = Memo::new(move |_| flow.with(|f| validate(f, Some(&others))));
        Self {
            key: StoredValue::new(doc.key),
            editor,
            flow,
            problems,
            selected: RwSignal::new(BTreeSet::new()),
            selected_edge: RwSignal::new(None),
            view: RwSignal::new(View::default()),
            drag: RwSignal::new(None),
            drag_delta: RwSignal::new((0.0, 0.0)),
            link: RwSignal::new(None),
            menu: RwSignal::new(None),
            revision: RwSignal::new(doc.revision),
            published_version: RwSignal::new(doc.published_version),
            save: RwSignal::new(SaveState::Saved),
            changes: RwSignal::new(0),
            announce: RwSignal::new(String::new()),
            editable: doc.editable,
            other_flows: StoredValue::new(doc.other_flows),
            teams: StoredValue::new(doc.teams),
            compare: RwSignal::new(None),
            search_hits: RwSignal::new(Vec::new()),
            test_at: RwSignal::new(None),
            notice: RwSignal::new(None),
            analytics: RwSignal::new(None),
        }
    }

    pub fn say(&self, text: impl Into<String>) {
        self.announce.set(text.into());
    }

    /// Shows a confirmation under the toolbar for ten seconds (and announces it).
    pub fn confirm(&self, text: String) {
        self.say(text.clone());
        self.notice.set(Some(text.clone()));
        let notice = self.notice;
        set_timeout(
            move || {
                if notice.get_untracked().as_deref() == Some(text.as_str()) {
                    notice.set(None);
                }
            },
            std::time::Duration::from_secs(10),
        );
    }

    fn changed(&self) {
        self.changes.update(|c| *c += 1);
        self.save.set(SaveState::Pending);
    }

    /// Applies one change (one undo step); a refusal is announced in pt-BR. The ids it created.
    pub fn apply(&self, change: Change) -> Option<Vec<NodeId>> {
        if !self.editable {
            return None;
        }
        let result = self.editor.try_update(|e| e.apply(change))?;
        match result {
            Ok(created) => {
                self.changed();
                Some(created)
            }
            Err(e) => {
                self.say(e.message());
                None
            }
        }
    }

    /// A field typed into in the inspector: one undo step per block until the field is left.
    pub fn type_into(&self, node: shared::flow::Node) {
        if !self.editable {
            return;
        }
        if let Some(Err(e)) = self.editor.try_update(|e| e.type_into(node)) {
            self.say(e.message());
        } else {
            self.changed();
        }
    }

    pub fn stop_typing(&self) {
        self.editor.update_untracked(|e| e.stop_typing());
    }

    pub fn undo(&self) {
        if self.editor.try_update(|e| e.undo()) == Some(true) {
            self.changed();
            self.say("Desfeito.");
        }
    }

    pub fn redo(&self) {
        if self.editor.try_update(|e| e.redo()) == Some(true) {
            self.changed();
            self.say("Refeito.");
        }
    }

    /// Everything from the server again (after a conflict, a restore).
    pub fn reset(&self, doc: shared::flow::builder::FlowDocument) {
        self.editor.set(Editor::new(doc.draft));
        self.revision.set(doc.revision);
        self.published_version.set(doc.published_version);
        self.selected.set(BTreeSet::new());
        self.save.set(SaveState::Saved);
    }

    pub fn select_only(&self, id: NodeId) {
        self.selected.set(BTreeSet::from([id]));
        self.selected_edge.set(None);
    }

    pub fn toggle(&self, id: NodeId) {
        self.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    }

    /// Deletes the selected blocks (never the start) or the selected edge.
    pub fn delete_selection(&self) {
        if let Some((from, port)) = self.selected_edge.get_untracked() {
            self.apply(Change::Disconnect { from, port });
            self.selected_edge.set(None);
            self.say("Ligação apagada.");
            return;
        }
        let start = self.flow.with_untracked(|f| f.start.clone());
        let ids: Vec<NodeId> = self
            .selected
            .get_untracked()
            .into_iter()
            .filter(|id| *id != start)
            .collect();
        if ids.is_empty() {
            if self.selected.with_untracked(|s| s.contains(&start)) {
                self.say(shared::flow::edit::EditError::StartCannotBeDeleted.message());
            }
            return;
        }
        let n = ids.len();
        if self.apply(Change::Delete(ids)).is_some() {
            self.selected.set(BTreeSet::new());
            self.say(if n == 1 {
                "Bloco apagado.".to_owned()
            } else {
                format!("{n} blocos apagados.")
            });
        }
    }

    /// The selected blocks and the edges among them, as the JSON the clipboard carries.
    pub fn copy_selection(&self) -> Option<String> {
        let selected = self.selected.get_untracked();
        if selected.is_empty() {
            return None;
        }
        let clip = self.flow.with_untracked(|f| Clip {
            nodes: f
                .nodes
                .iter()
                .filter(|n| selected.contains(&n.id))
                .cloned()
                .collect(),
            edges: f
                .edges
                .iter()
                .filter(|e| selected.contains(&e.from) && selected.contains(&e.to))
                .cloned()
                .collect(),
        });
        serde_json::to_string(&ClipFile {
            plataforma_blocos: clip,
        })
        .ok()
    }

    /// Pastes blocks copied here or in another flow, shifted, and selects them.
    pub fn paste(&self, text: &str, offset: Position) -> bool {
        let Ok(file) = serde_json::from_str::<ClipFile>(text) else {
            return false;
        };
        let n = file.plataforma_blocos.nodes.len();
        if let Some(created) = self.apply(Change::Paste {
            nodes: file.plataforma_blocos.nodes,
            edges: file.plataforma_blocos.edges,
            offset,
        }) {
            self.selected.set(created.into_iter().collect());
            self.say(format!("{n} bloco(s) colado(s)."));
        }
        true
    }

    /// Adds a new block of the palette's kind at `at` and selects it: its id.
    pub fn add(&self, block: blocks::Block, at: Position) -> Option<NodeId> {
        let node = self.flow.with_untracked(|f| block.create(f, at));
        let id = node.id.clone();
        self.apply(Change::Add(node))?;
        self.select_only(id.clone());
        self.say(format!(
            "Bloco \"{}\" adicionado. Ligue uma saída de outro bloco a ele.",
            block.label()
        ));
        Some(id)
    }

    pub fn connect(&self, from: NodeId, port: shared::flow::Port, to: NodeId) {
        let names = self.flow.with_untracked(|f| {
            (
                f.node(&from).map(|n| blocks::port_title(n, &port)),
                f.node(&to).map(blocks::title),
            )
        });
        if self
            .apply(Change::Connect {
                from,
                port,
                to: to.clone(),
            })
            .is_some()
        {
            if let (Some(port), Some(to)) = names {
                self.say(format!("Saída \"{port}\" ligada a \"{to}\"."));
            }
        }
    }

    /// How each block differs from the version being compared with.
    pub fn diff(&self) -> BTreeMap<NodeId, Diff> {
        let Some((_, old)) = self.compare.get() else {
            return BTreeMap::new();
        };
        self.flow.with(|f| {
            f.nodes
                .iter()
                .filter_map(|n| match old.node(&n.id) {
                    None => Some((n.id.clone(), Diff::Added)),
                    Some(o) if o.kind != n.kind || o.label != n.label => {
                        Some((n.id.clone(), Diff::Changed))
                    }
                    Some(_) => {
                        let edges = |flow: &Flow| {
                            let mut e: Vec<_> = flow
                                .edges
                                .iter()
                                .filter(|e| e.from == n.id)
                                .map(|e| (format!("{:?}", e.port), e.to.clone()))
                                .collect();
                            e.sort();
                            e
                        };
                        (edges(&old) != edges(f)).then(|| (n.id.clone(), Diff::Changed))
                    }
                })
                .collect()
        })
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Clip {
    nodes: Vec<shared::flow::Node>,
    edges: Vec<shared::flow::Edge>,
}

/// What the clipboard carries: named so a paste of any other text is not taken for blocks.
#[derive(serde::Serialize, serde::Deserialize)]
struct ClipFile {
    plataforma_blocos: Clip,
}

pub fn use_builder() -> Builder {
    expect_context::<Builder>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooming_keeps_the_point_under_the_cursor_and_stays_in_range() {
        let view = View {
            x: 100.0,
            y: 50.0,
            zoom: 1.0,
        };
        let before = view.to_flow(400.0, 300.0);
        let zoomed = view.zoomed_at(1.5, 400.0, 300.0);
        let after = zoomed.to_flow(400.0, 300.0);
        assert!((before.x - after.x).abs() < 1e-9 && (before.y - after.y).abs() < 1e-9);
        assert_eq!(view.zoomed_at(100.0, 0.0, 0.0).zoom, MAX_ZOOM);
        assert_eq!(view.zoomed_at(0.001, 0.0, 0.0).zoom, MIN_ZOOM);
    }

    #[test]
    fn the_drawn_window_covers_the_screen_and_more_and_moves_in_cells() {
        let view = View {
            x: -1000.0,
            y: -200.0,
            zoom: 1.0,
        };
        let (a, z) = view.window(1200.0, 700.0);
        // The screen shows x 1000..2200, y 200..900: a screen more each side, snapped.
        assert!(a.x <= -200.0 && z.x >= 3400.0, "{a:?} {z:?}");
        assert!(a.y <= -500.0 && z.y >= 1600.0, "{a:?} {z:?}");
        assert_eq!(a.x % WINDOW_CELL, 0.0);
        // A small pan stays in the same cells.
        let panned = View { x: -1010.0, ..view };
        assert_eq!(panned.window(1200.0, 700.0), (a, z));
        assert!(overlaps(
            Position {
                x: 1500.0,
                y: 300.0
            },
            100.0,
            (a, z)
        ));
        assert!(!overlaps(
            Position {
                x: 9000.0,
                y: 300.0
            },
            100.0,
            (a, z)
        ));
    }
}
