//! The flow builder's editing operations as a pure model: add, connect, disconnect, move,
//! delete, paste (with ids remapped, so blocks move between flows) and lay out, each one undo
//! step, with undo and redo. The canvas in the browser and the tests drive the same [`Editor`];
//! what it produces is a [`Flow`] the validator reads like any other.
//!
//! Undo keeps whole snapshots (as Typebot does): simple, and exactly right for every change,
//! moves and layout included. At most [`HISTORY`] steps are kept.

use super::{Edge, Flow, Node, NodeId, Port, Position};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Undo steps kept.
pub const HISTORY: usize = 100;

/// One change to the flow, one undo step.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new block (its id must be free).
    Add(Node),
    /// Blocks removed with every edge touching them (never the start block).
    Delete(Vec<NodeId>),
    /// Blocks moved to these positions (a drag of the selection).
    Move(Vec<(NodeId, Position)>),
    /// `from`'s `port` now leads to `to` (replacing where it led before).
    Connect {
        from: NodeId,
        port: Port,
        to: NodeId,
    },
    /// `from`'s `port` leads nowhere.
    Disconnect { from: NodeId, port: Port },
    /// A block's fields changed (same id).
    Update(Node),
    /// Blocks copied from this or another flow, shifted by `offset`; their ids are remapped to
    /// free ones, and only edges among them come along.
    Paste {
        nodes: Vec<Node>,
        edges: Vec<Edge>,
        offset: Position,
    },
    /// The flow starts at this block.
    SetStart(NodeId),
    /// The flow's name.
    Rename(String),
    /// "Organizar": blocks in columns by their distance from the start, leaving `pinned` where
    /// they are.
    Layout { pinned: BTreeSet<NodeId> },
}

/// Why a change was refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    IdTaken(NodeId),
    UnknownNode(NodeId),
    /// The block has no such port.
    NoSuchPort {
        node: NodeId,
        port: Port,
    },
    StartCannotBeDeleted,
    /// A block cannot lead to itself.
    SelfLoop,
}

impl EditError {
    pub fn message(&self) -> String {
        match self {
            EditError::IdTaken(id) => format!("Já existe um bloco \"{id}\"."),
            EditError::UnknownNode(id) => format!("O bloco \"{id}\" não existe."),
            EditError::NoSuchPort { node, port } => {
                format!("O bloco \"{node}\" não tem a saída {}.", port.label())
            }
            EditError::StartCannotBeDeleted => {
                "O bloco inicial não pode ser apagado: escolha outro início antes.".into()
            }
            EditError::SelfLoop => "Um bloco não pode levar a ele mesmo.".into(),
        }
    }
}

/// The flow being edited, with its undo and redo stacks.
#[derive(Debug, Clone)]
pub struct Editor {
    flow: Flow,
    undo: VecDeque<Flow>,
    redo: Vec<Flow>,
    /// The block being typed into: its edits join the last undo step instead of making one per
    /// keystroke (see [`Editor::type_into`]).
    typing: Option<NodeId>,
}

/// Horizontal distance between laid-out columns, and the vertical gap between blocks.
const COLUMN: f64 = 340.0;
const GAP: f64 = 48.0;

/// How tall the canvas draws a block: a header and a body, then one row per port. The canvas
/// draws with these numbers, so edges leave from the ports' rows and "Organizar" never overlaps
/// two blocks.
pub const BLOCK_HEADER: f64 = 34.0;
pub const BLOCK_BODY: f64 = 52.0;
pub const BLOCK_PORT_ROW: f64 = 26.0;

pub fn block_height(node: &Node) -> f64 {
    BLOCK_HEADER + BLOCK_BODY + node.kind.ports().len() as f64 * BLOCK_PORT_ROW + 6.0
}

impl Editor {
    pub fn new(flow: Flow) -> Self {
        Self {
            flow,
            undo: VecDeque::new(),
            redo: Vec::new(),
            typing: None,
        }
    }

    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies one change as one undo step; a refused change leaves everything as it was.
    /// Pasting answers the new ids (in the order of the pasted blocks).
    pub fn apply(&mut self, change: Change) -> Result<Vec<NodeId>, EditError> {
        self.typing = None;
        let mut next = self.flow.clone();
        let created = apply_to(&mut next, change)?;
        if next != self.flow {
            self.undo.push_back(std::mem::replace(&mut self.flow, next));
            if self.undo.len() > HISTORY {
                self.undo.pop_front();
            }
            self.redo.clear();
        }
        Ok(created)
    }

    /// An update typed into a field of the inspector: the keystrokes into one block, until
    /// [`Editor::stop_typing`] or any other change, are one undo step.
    pub fn type_into(&mut self, node: Node) -> Result<(), EditError> {
        if self.typing.as_ref() == Some(&node.id) && !self.undo.is_empty() {
            let mut next = self.flow.clone();
            apply_to(&mut next, Change::Update(node))?;
            self.flow = next;
            self.redo.clear();
            return Ok(());
        }
        let id = node.id.clone();
        self.apply(Change::Update(node))?;
        self.typing = Some(id);
        Ok(())
    }

    /// The field lost focus: the next keystroke starts a new undo step.
    pub fn stop_typing(&mut self) {
        self.typing = None;
    }

    /// Back one step; false when there is none.
    pub fn undo(&mut self) -> bool {
        self.typing = None;
        match self.undo.pop_back() {
            Some(previous) => {
                self.redo.push(std::mem::replace(&mut self.flow, previous));
                true
            }
            None => false,
        }
    }

    /// Forward one undone step; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.typing = None;
        match self.redo.pop() {
            Some(next) => {
                self.undo.push_back(std::mem::replace(&mut self.flow, next));
                true
            }
            None => false,
        }
    }
}

fn index_of(flow: &Flow, id: &NodeId) -> Result<usize, EditError> {
    flow.nodes
        .iter()
        .position(|n| &n.id == id)
        .ok_or_else(|| EditError::UnknownNode(id.clone()))
}

/// A free id made from `wanted`: itself, or `wanted_2`, `wanted_3`…
fn free_id(taken: &BTreeSet<NodeId>, wanted: &NodeId) -> NodeId {
    if !taken.contains(wanted) {
        return wanted.clone();
    }
    (2..)
        .map(|n| NodeId(format!("{}_{n}", wanted.0)))
        .find(|id| !taken.contains(id))
        .expect("an unbounded range has a free id")
}

fn apply_to(flow: &mut Flow, change: Change) -> Result<Vec<NodeId>, EditError> {
    match change {
        Change::Add(node) => {
            if flow.node(&node.id).is_some() {
                return Err(EditError::IdTaken(node.id));
            }
            let id = node.id.clone();
            flow.nodes.push(node);
            Ok(vec![id])
        }
        Change::Delete(ids) => {
            let ids: BTreeSet<NodeId> = ids.into_iter().collect();
            if ids.contains(&flow.start) {
                return Err(EditError::StartCannotBeDeleted);
            }
            for id in &ids {
                index_of(flow, id)?;
            }
            flow.nodes.retain(|n| !ids.contains(&n.id));
            flow.edges
                .retain(|e| !ids.contains(&e.from) && !ids.contains(&e.to));
            Ok(Vec::new())
        }
        Change::Move(moves) => {
            for (id, _) in &moves {
                index_of(flow, id)?;
            }
            for (id, to) in moves {
                let i = index_of(flow, &id)?;
                flow.nodes[i].position = to;
            }
            Ok(Vec::new())
        }
        Change::Connect { from, port, to } => {
            if from == to {
                return Err(EditError::SelfLoop);
            }
            let source = &flow.nodes[index_of(flow, &from)?];
            if !source.kind.ports().iter().any(|(p, _)| *p == port) {
                return Err(EditError::NoSuchPort { node: from, port });
            }
            index_of(flow, &to)?;
            flow.edges.retain(|e| !(e.from == from && e.port == port));
            flow.edges.push(Edge { from, port, to });
            Ok(Vec::new())
        }
        Change::Disconnect { from, port } => {
            index_of(flow, &from)?;
            flow.edges.retain(|e| !(e.from == from && e.port == port));
            Ok(Vec::new())
        }
        Change::Update(node) => {
            let i = index_of(flow, &node.id)?;
            flow.nodes[i] = node;
            // Ports the block no longer has lose their edges (a button removed, a rule less).
            let ports: Vec<Port> = flow.nodes[i]
                .kind
                .ports()
                .into_iter()
                .map(|p| p.0)
                .collect();
            let id = flow.nodes[i].id.clone();
            flow.edges
                .retain(|e| e.from != id || ports.contains(&e.port));
            Ok(Vec::new())
        }
        Change::Paste {
            nodes,
            edges,
            offset,
        } => {
            let mut taken: BTreeSet<NodeId> = flow.nodes.iter().map(|n| n.id.clone()).collect();
            let mut renamed: BTreeMap<NodeId, NodeId> = BTreeMap::new();
            let mut created = Vec::new();
            for mut node in nodes {
                let id = free_id(&taken, &node.id);
                taken.insert(id.clone());
                renamed.insert(node.id.clone(), id.clone());
                node.id = id.clone();
                node.position = Position {
                    x: node.position.x + offset.x,
                    y: node.position.y + offset.y,
                };
                flow.nodes.push(node);
                created.push(id);
            }
            for edge in edges {
                if let (Some(from), Some(to)) = (renamed.get(&edge.from), renamed.get(&edge.to)) {
                    flow.edges.push(Edge {
                        from: from.clone(),
                        port: edge.port,
                        to: to.clone(),
                    });
                }
            }
            Ok(created)
        }
        Change::SetStart(id) => {
            index_of(flow, &id)?;
            flow.start = id;
            Ok(Vec::new())
        }
        Change::Rename(name) => {
            flow.name = name;
            Ok(Vec::new())
        }
        Change::Layout { pinned } => {
            let columns = depths(flow);
            let mut tops: BTreeMap<usize, f64> = BTreeMap::new();
            for node in flow.nodes.iter_mut() {
                if pinned.contains(&node.id) {
                    continue;
                }
                let column = columns.get(&node.id).copied().unwrap_or(columns.len());
                let top = tops.entry(column).or_default();
                node.position = Position {
                    x: column as f64 * COLUMN,
                    y: *top,
                };
                *top += block_height(node) + GAP;
            }
            Ok(Vec::new())
        }
    }
}

/// Each block's distance (in edges) from the start; unreachable blocks are absent.
fn depths(flow: &Flow) -> BTreeMap<NodeId, usize> {
    let mut depth = BTreeMap::new();
    let mut queue = VecDeque::from([(flow.start.clone(), 0usize)]);
    while let Some((id, d)) = queue.pop_front() {
        if depth.contains_key(&id) || flow.node(&id).is_none() {
            continue;
        }
        depth.insert(id.clone(), d);
        for edge in flow.edges.iter().filter(|e| e.from == id) {
            queue.push_back((edge.to.clone(), d + 1));
        }
    }
    depth
}

#[cfg(test)]
mod tests;
