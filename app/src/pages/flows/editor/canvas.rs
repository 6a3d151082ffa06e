//! The canvas: HTML blocks in one transformed viewport, an SVG layer for the edges under them,
//! and pointer gestures on the canvas element (with pointer capture): pan on the background,
//! Shift+drag for a selection box, a block's header to move the selection, a port to draw an
//! edge. Wheel or pinch zooms around the cursor. A palette block dropped here is added where
//! it falls.

use super::dom;
use super::state::{
    block_height, flow_order, use_builder, Diff, Drag, Link, View, BLOCK_WIDTH, BODY, HEADER,
    PORT_ROW,
};
use leptos::prelude::*;
use shared::flow::edit::Change;
use shared::flow::{blocks, NodeId, Port, Position};
use std::collections::BTreeSet;

pub const CANVAS_ID: &str = "tela-fluxo";

/// The gesture in progress, for the blocks and ports that start one.
#[derive(Clone, Copy)]
struct Gestures(RwSignal<Option<Gesture>>);

/// What the pointer is doing on the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gesture {
    Pan { sx: f64, sy: f64, from: View },
    Move { sx: f64, sy: f64 },
    Select { sx: f64, sy: f64, x: f64, y: f64 },
    Link,
}

/// The canvas point (relative to the canvas element) of a client point.
fn local(x: f64, y: f64) -> (f64, f64) {
    let r = dom::rect_of(CANVAS_ID);
    (x - r.left, y - r.top)
}

/// Where an edge leaves `port` of a block at `at`.
fn port_anchor(node: &shared::flow::Node, port: &Port, at: Position) -> Position {
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

fn entry_anchor(at: Position) -> Position {
    Position {
        x: at.x,
        y: at.y + HEADER / 2.0,
    }
}

fn curve(a: Position, b: Position) -> String {
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
fn shifted(at: Position, (dx, dy): (f64, f64)) -> Position {
    Position {
        x: at.x + dx,
        y: at.y + dy,
    }
}

/// Whether the block is being dragged (a memo: it changes when a drag starts or ends, not on
/// each frame of it).
fn moving(id: NodeId) -> Memo<bool> {
    let b = use_builder();
    Memo::new(move |_| {
        b.drag
            .with(|d| d.as_ref().is_some_and(|d| d.ids.contains(&id)))
    })
}

/// The drag's distance for a block: read (and so subscribed to) only by the moving ones.
fn delta_if(moving: Memo<bool>, delta: RwSignal<(f64, f64)>) -> (f64, f64) {
    if moving.get() {
        delta.get()
    } else {
        (0.0, 0.0)
    }
}

#[component]
pub fn Canvas() -> impl IntoView {
    let b = use_builder();
    let gesture = RwSignal::new(None::<Gesture>);
    provide_context(Gestures(gesture));
    let root = NodeRef::<leptos::html::Div>::new();
    let capture = move |ev: &leptos::ev::PointerEvent| {
        if let Some(el) = root.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
    };

    let on_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let (x, y) = local(ev.client_x() as f64, ev.client_y() as f64);
        b.menu.set(None);
        if ev.shift_key() {
            gesture.set(Some(Gesture::Select { sx: x, sy: y, x, y }));
        } else {
            b.selected.set(BTreeSet::new());
            b.selected_edge.set(None);
            gesture.set(Some(Gesture::Pan {
                sx: x,
                sy: y,
                from: b.view.get_untracked(),
            }));
        }
        capture(&ev);
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some(g) = gesture.get_untracked() else {
            return;
        };
        let (x, y) = local(ev.client_x() as f64, ev.client_y() as f64);
        match g {
            Gesture::Pan { sx, sy, from } => b.view.set(View {
                x: from.x + x - sx,
                y: from.y + y - sy,
                zoom: from.zoom,
            }),
            Gesture::Move { sx, sy } => {
                let zoom = b.view.get_untracked().zoom;
                b.drag_delta.set(((x - sx) / zoom, (y - sy) / zoom));
            }
            Gesture::Select { sx, sy, .. } => {
                gesture.set(Some(Gesture::Select { sx, sy, x, y }));
            }
            Gesture::Link => {
                let to = b.view.get_untracked().to_flow(x, y);
                b.link.update(|l| {
                    if let Some(l) = l {
                        l.to = to;
                        l.moved = true;
                    }
                });
            }
        }
    };
    let on_up = move |ev: leptos::ev::PointerEvent| {
        let Some(g) = gesture.get_untracked() else {
            return;
        };
        gesture.set(None);
        match g {
            Gesture::Pan { .. } => {}
            Gesture::Move { .. } => {
                if let Some(d) = b.drag.get_untracked() {
                    let (dx, dy) = b.drag_delta.get_untracked();
                    b.drag.set(None);
                    b.drag_delta.set((0.0, 0.0));
                    if dx.abs() + dy.abs() > 0.5 {
                        let moves = b.flow.with_untracked(|f| {
                            f.nodes
                                .iter()
                                .filter(|n| d.ids.contains(&n.id))
                                .map(|n| {
                                    (
                                        n.id.clone(),
                                        Position {
                                            x: (n.position.x + dx).round(),
                                            y: (n.position.y + dy).round(),
                                        },
                                    )
                                })
                                .collect()
                        });
                        b.apply(Change::Move(moves));
                    }
                }
            }
            Gesture::Select { sx, sy, x, y } => {
                let view = b.view.get_untracked();
                let a = view.to_flow(sx.min(x), sy.min(y));
                let z = view.to_flow(sx.max(x), sy.max(y));
                let inside: BTreeSet<NodeId> = b.flow.with_untracked(|f| {
                    f.nodes
                        .iter()
                        .filter(|n| {
                            n.position.x < z.x
                                && n.position.x + BLOCK_WIDTH > a.x
                                && n.position.y < z.y
                                && n.position.y + block_height(n) > a.y
                        })
                        .map(|n| n.id.clone())
                        .collect()
                });
                let n = inside.len();
                b.selected.update(|s| s.extend(inside));
                b.say(format!("{n} bloco(s) selecionado(s)."));
            }
            Gesture::Link => {
                if let Some(link) = b.link.get_untracked() {
                    b.link.set(None);
                    if link.moved {
                        match dom::node_at(ev.client_x() as f64, ev.client_y() as f64) {
                            Some(to) if to != link.from.0 => {
                                b.connect(link.from, link.port, NodeId(to));
                            }
                            Some(_) => b.say("Um bloco não pode levar a ele mesmo."),
                            None => {}
                        }
                    }
                }
            }
        }
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let (x, y) = local(ev.client_x() as f64, ev.client_y() as f64);
        let factor = (-ev.delta_y() * if ev.ctrl_key() { 0.01 } else { 0.0015 }).exp();
        b.view.update(|v| *v = v.zoomed_at(factor, x, y));
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let code = ev
                .data_transfer()
                .and_then(|d| d.get_data("text/plain").ok())
                .unwrap_or_default();
            if let Some(block) = code
                .strip_prefix("bloco:")
                .and_then(blocks::Block::from_code)
            {
                let (x, y) = local(ev.client_x() as f64, ev.client_y() as f64);
                let at = b.view.get_untracked().to_flow(x, y);
                let at = Position {
                    x: (at.x - BLOCK_WIDTH / 2.0).round(),
                    y: (at.y - HEADER / 2.0).round(),
                };
                if let Some(id) = b.add(block, at) {
                    dom::focus_soon(block_dom_id(&id));
                }
            }
        }
    };

    let order = Memo::new(move |_| b.flow.with(flow_order));
    let edges = Memo::new(move |_| {
        b.flow.with(|f| {
            f.edges
                .iter()
                .map(|e| (e.from.clone(), e.port.clone(), e.to.clone()))
                .collect::<Vec<_>>()
        })
    });
    let diff = Memo::new(move |_| b.diff());

    let selection_box = move || match gesture.get() {
        Some(Gesture::Select { sx, sy, x, y }) => Some(view! {
            <div
                class="caixa-selecao"
                style:left=format!("{}px", sx.min(x))
                style:top=format!("{}px", sy.min(y))
                style:width=format!("{}px", (x - sx).abs())
                style:height=format!("{}px", (y - sy).abs())
            ></div>
        }),
        _ => None,
    };
    let removed = move || {
        let Some((_, old)) = b.compare.get() else {
            return Vec::new();
        };
        let now = b.flow.get();
        old.nodes
            .iter()
            .filter(|n| now.node(&n.id).is_none())
            .map(|n| {
                view! {
                    <div
                        class="bloco bloco-removido"
                        style:transform=format!("translate({}px, {}px)", n.position.x, n.position.y)
                        style:width=format!("{BLOCK_WIDTH}px")
                    >
                        <div class="bloco-cabecalho" style:height=format!("{HEADER}px")>
                            {blocks::title(n)} " · removido"
                        </div>
                    </div>
                }
            })
            .collect::<Vec<_>>()
    };

    view! {
        <div
            id=CANVAS_ID
            node_ref=root
            class="tela-fluxo"
            class:arrastando=move || gesture.get().is_some()
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=move |_| {
                gesture.set(None);
                b.drag.set(None);
                b.link.set(None);
            }
            on:wheel=on_wheel
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
            aria-label="Área de desenho do fluxo"
            data-testid="tela-fluxo"
        >
            <div
                class="tela-vista"
                style:transform=move || {
                    let v = b.view.get();
                    format!("translate({}px, {}px) scale({})", v.x, v.y, v.zoom)
                }
            >
                <svg class="tela-ligacoes" aria-hidden="true">
                    <For each=move || edges.get() key=|e| e.clone() let:edge>
                        <EdgeView from=edge.0 port=edge.1 to=edge.2 />
                    </For>
                    {move || {
                        b.link.get().and_then(|l| {
                            b.flow.with(|f| {
                                f.node(&l.from).map(|n| {
                                    let a = port_anchor(n, &l.port, n.position);
                                    view! { <path class="ligacao ligacao-nova" d=curve(a, l.to) /> }
                                })
                            })
                        })
                    }}
                </svg>
                {removed}
                <For each=move || order.get() key=|id| id.clone() let:id>
                    <BlockView id=id diff=diff />
                </For>
            </div>
            {selection_box}
        </div>
    }
    .into_any()
}

/// The DOM id of a block's element.
pub fn block_dom_id(id: &NodeId) -> String {
    format!("bloco-{}", id.0)
}

#[component]
fn EdgeView(from: NodeId, port: Port, to: NodeId) -> impl IntoView {
    let b = use_builder();
    let key = (from.clone(), port.clone());
    let (from_moving, to_moving) = (moving(from.clone()), moving(to.clone()));
    let d = {
        let (from, port, to) = (from.clone(), port.clone(), to.clone());
        move || {
            let (da, dz) = (
                delta_if(from_moving, b.drag_delta),
                delta_if(to_moving, b.drag_delta),
            );
            b.flow.with(|f| {
                let (Some(a), Some(z)) = (f.node(&from), f.node(&to)) else {
                    return String::new();
                };
                curve(
                    port_anchor(a, &port, shifted(a.position, da)),
                    entry_anchor(shifted(z.position, dz)),
                )
            })
        }
    };
    let selected = {
        let key = key.clone();
        move || b.selected_edge.get().as_ref() == Some(&key)
    };
    view! {
        <g class="ligacao-grupo" class:selecionada=selected>
            <path class="ligacao-alvo" d=d.clone()
                on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                    ev.stop_propagation();
                    b.selected.set(BTreeSet::new());
                    b.selected_edge.set(Some(key.clone()));
                    b.say("Ligação selecionada: Delete apaga; arraste a saída de novo para religar.");
                }
            />
            <path class="ligacao" d=d />
        </g>
    }
}

#[component]
fn BlockView(id: NodeId, diff: Memo<std::collections::BTreeMap<NodeId, Diff>>) -> impl IntoView {
    let b = use_builder();
    let Gestures(gestures) = expect_context::<Gestures>();
    let node = {
        let id = id.clone();
        Memo::new(move |_| b.flow.with(|f| f.node(&id).cloned()))
    };
    let is_start = {
        let id = id.clone();
        Memo::new(move |_| b.flow.with(|f| f.start == id))
    };
    let selected = {
        let id = id.clone();
        Memo::new(move |_| b.selected.with(|s| s.contains(&id)))
    };
    let problems = {
        let id = id.clone();
        Memo::new(move |_| {
            b.problems.with(|p| {
                let mine = p.iter().filter(|e| e.node() == Some(&id));
                let (warnings, errors): (Vec<_>, Vec<_>) = mine.partition(|e| e.is_warning());
                (errors.len(), warnings.len())
            })
        })
    };
    let position = {
        let is_moving = moving(id.clone());
        move || {
            let at = node.with(|n| n.as_ref().map(|n| n.position).unwrap_or_default());
            let p = shifted(at, delta_if(is_moving, b.drag_delta));
            format!("translate({}px, {}px)", p.x, p.y)
        }
    };
    let link_class = {
        let id = id.clone();
        move || match b.link.get() {
            Some(l) if l.from == id => "alvo-invalido",
            Some(_) => "alvo-possivel",
            None => "",
        }
    };
    let diff_class = {
        let id = id.clone();
        move || match diff.with(|d| d.get(&id).copied()) {
            Some(Diff::Added) => "bloco-adicionado",
            Some(Diff::Changed) => "bloco-alterado",
            None => "",
        }
    };
    let hit = {
        let id = id.clone();
        move || b.search_hits.with(|h| h.contains(&id))
    };
    let on_header_down = {
        let id = id.clone();
        move |ev: leptos::ev::PointerEvent| {
            if ev.button() != 0 {
                return;
            }
            ev.stop_propagation();
            b.menu.set(None);
            if ev.shift_key() {
                b.toggle(id.clone());
                return;
            }
            if !b.selected.with_untracked(|s| s.contains(&id)) {
                b.select_only(id.clone());
            }
            if !b.editable {
                return;
            }
            // The canvas carries on the gesture: it has the pointer from here on.
            let (x, y) = local(ev.client_x() as f64, ev.client_y() as f64);
            b.drag_delta.set((0.0, 0.0));
            b.drag.set(Some(Drag {
                ids: b.selected.get_untracked(),
            }));
            gestures.set(Some(Gesture::Move { sx: x, sy: y }));
            if let Some(el) = leptos::prelude::document().get_element_by_id(CANVAS_ID) {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
        }
    };
    let dom_id = block_dom_id(&id);
    let focus_id = id.clone();
    let testing_id = id.clone();
    let label_id = id.clone();
    view! {
        <div
            id=dom_id
            role="group"
            tabindex="0"
            data-node-id=id.0.clone()
            class=move || format!("bloco {} {}", link_class(), diff_class())
            class:selecionado=move || selected.get()
            class:bloco-inicio=move || is_start.get()
            class:bloco-achado=hit
            class:bloco-testando=move || b.test_at.with(|t| t.as_ref() == Some(&testing_id))
            style:transform=position
            style:width=format!("{BLOCK_WIDTH}px")
            aria-label=move || {
                node.with(|n| n.as_ref().map(|n| {
                    let (errors, _) = problems.get();
                    let mut label = format!("{}: {}", blocks::title(n), n.kind.label());
                    if is_start.get() { label.push_str(" (início)"); }
                    if errors > 0 { label.push_str(&format!(", {errors} problema(s)")); }
                    label
                }).unwrap_or_default())
            }
            aria-selected=move || selected.get().to_string()
            on:focus=move |_| {
                if !b.selected.with_untracked(|s| s.contains(&focus_id)) {
                    b.select_only(focus_id.clone());
                }
            }
            on:pointerdown=|ev: leptos::ev::PointerEvent| ev.stop_propagation()
        >
            <div
                class="bloco-cabecalho"
                style:height=format!("{HEADER}px")
                on:pointerdown=on_header_down
            >
                <span class="bloco-tipo" aria-hidden="true">{move || node.with(|n| n.as_ref().map(|n| kind_icon(&n.kind)))}</span>
                <span class="bloco-titulo">{move || node.with(|n| n.as_ref().map(blocks::title))}</span>
                <Show when=move || is_start.get()>
                    <span class="selo-inicio">"Início"</span>
                </Show>
                {move || {
                    let (errors, warnings) = problems.get();
                    if errors > 0 {
                        Some(view! { <span class="selo-erro" title="Erros neste bloco">{errors}</span> }.into_any())
                    } else if warnings > 0 {
                        Some(view! { <span class="selo-aviso" title="Avisos neste bloco">{warnings}</span> }.into_any())
                    } else {
                        None
                    }
                }}
            </div>
            <div class="bloco-corpo" style:height=format!("{BODY}px")>
                {move || node.with(|n| n.as_ref().map(blocks::summary))}
            </div>
            {move || {
                node.get().map(|n| {
                    n.kind
                        .ports()
                        .into_iter()
                        .map(|(port, _)| view! { <PortView node=label_id.clone() port=port /> })
                        .collect::<Vec<_>>()
                })
            }}
        </div>
    }
    .into_any()
}

fn kind_icon(kind: &shared::flow::NodeKind) -> &'static str {
    use shared::flow::NodeKind::*;
    match kind {
        Message { .. } => "💬",
        Question { .. } => "❓",
        Condition { .. } => "🔀",
        SetVariable { .. } => "📝",
        Http { .. } => "🌐",
        Erp { .. } => "🏢",
        Handoff { .. } => "🙋",
        GoToFlow { .. } => "↪",
        End { .. } => "⏹",
    }
}

/// One port of a block: its name, the dot an edge is drawn from, and (by click or keyboard)
/// the "Ligar a…" menu of the blocks it can lead to.
#[component]
fn PortView(node: NodeId, port: Port) -> impl IntoView {
    let b = use_builder();
    let Gestures(gestures) = expect_context::<Gestures>();
    let title = {
        let (node, port) = (node.clone(), port.clone());
        move || {
            b.flow.with(|f| {
                f.node(&node)
                    .map(|n| blocks::port_title(n, &port))
                    .unwrap_or_default()
            })
        }
    };
    let target = {
        let (node, port) = (node.clone(), port.clone());
        Memo::new(move |_| b.flow.with(|f| f.target(&node, &port).cloned()))
    };
    let key = (node.clone(), port.clone());
    let open = {
        let key = key.clone();
        Memo::new(move |_| b.menu.get().as_ref() == Some(&key))
    };
    let on_down = {
        let (node, port) = (node.clone(), port.clone());
        move |ev: leptos::ev::PointerEvent| {
            if ev.button() != 0 || !b.editable {
                return;
            }
            ev.stop_propagation();
            let anchor = b.flow.with_untracked(|f| {
                f.node(&node)
                    .map(|n| port_anchor(n, &port, n.position))
                    .unwrap_or_default()
            });
            b.link.set(Some(Link {
                from: node.clone(),
                port: port.clone(),
                to: anchor,
                moved: false,
            }));
            gestures.set(Some(Gesture::Link));
            if let Some(el) = leptos::prelude::document().get_element_by_id(CANVAS_ID) {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
        }
    };
    let menu_id = format!("menu-{}-{}", node.0, port_code(&port));
    let first_item = format!("{menu_id}-0");
    let menu_prefix = menu_id.clone();
    let port_button_id = format!("{menu_id}-porta");
    // The blocks the menu lists (every other one), plus "Desligar" when connected.
    let menu_count = Memo::new(move |_| {
        b.flow.with(|f| f.nodes.len().saturating_sub(1)) + usize::from(target.get().is_some())
    });
    // Arrow keys move through the menu, Escape closes it and returns to the port.
    let on_menu_key = {
        let port_button_id = port_button_id.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let step: i64 = match ev.key().as_str() {
                "ArrowDown" => 1,
                "ArrowUp" => -1,
                "Escape" => {
                    ev.stop_propagation();
                    b.menu.set(None);
                    dom::focus(&port_button_id);
                    return;
                }
                _ => return,
            };
            ev.prevent_default();
            ev.stop_propagation();
            let current: leptos::web_sys::Element = event_target(&ev);
            let index = current
                .id()
                .rsplit('-')
                .next()
                .and_then(|i| i.parse::<i64>().ok())
                .unwrap_or(0);
            let count = menu_count.get_untracked() as i64;
            if count > 0 {
                let next = (index + step).rem_euclid(count);
                dom::focus(&format!("{menu_prefix}-{next}"));
            }
        }
    };
    let toggle = {
        let key = key.clone();
        let first_item = first_item.clone();
        move |_| {
            if !b.editable {
                return;
            }
            if b.link
                .with_untracked(|l| l.as_ref().is_some_and(|l| l.moved))
            {
                return;
            }
            if open.get_untracked() {
                b.menu.set(None);
            } else {
                b.menu.set(Some(key.clone()));
                let first = first_item.clone();
                request_animation_frame(move || dom::focus(&first));
            }
        }
    };
    let items = {
        let (node, port, menu_id) = (node.clone(), port.clone(), menu_id.clone());
        move || {
            let connected = target.get();
            let list: Vec<(NodeId, String)> = b.flow.with(|f| {
                flow_order(f)
                    .into_iter()
                    .filter(|id| *id != node)
                    .filter_map(|id| f.node(&id).map(|n| (id, blocks::title(n))))
                    .collect()
            });
            let mut views = Vec::new();
            for (i, (to, name)) in list.into_iter().enumerate() {
                let (from, port) = (node.clone(), port.clone());
                let current = connected.as_ref() == Some(&to);
                views.push(
                    view! {
                        <li role="none">
                            <button
                                type="button"
                                role="menuitem"
                                id=format!("{menu_id}-{i}")
                                class="item-menu-porta"
                                class:atual=current
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    b.menu.set(None);
                                    b.connect(from.clone(), port.clone(), to.clone());
                                    dom::focus(&block_dom_id(&from));
                                }
                            >
                                {name}
                                {current.then_some(" ✓")}
                            </button>
                        </li>
                    }
                    .into_any(),
                );
            }
            if connected.is_some() {
                let disconnect_index = views.len();
                let (from, port) = (node.clone(), port.clone());
                views.push(view! {
                    <li role="none">
                        <button type="button" role="menuitem" class="item-menu-porta text-red-700"
                            id=format!("{menu_id}-{disconnect_index}")
                            on:click=move |ev| {
                                ev.stop_propagation();
                                b.menu.set(None);
                                b.apply(Change::Disconnect { from: from.clone(), port: port.clone() });
                                b.say("Saída desligada.");
                            }
                        >"Desligar"</button>
                    </li>
                }.into_any());
            }
            views
        }
    };
    let block_title = {
        let node = node.clone();
        move || {
            b.flow
                .with(|f| f.node(&node).map(blocks::title).unwrap_or_default())
        }
    };
    let target_name = move || {
        target
            .get()
            .and_then(|t| b.flow.with(|f| f.node(&t).map(blocks::title)))
    };
    let title_for_label = title.clone();
    view! {
        <div class="porta-linha" style:height=format!("{PORT_ROW}px")>
            <span class="porta-nome">{title}</span>
            <button
                type="button"
                id=port_button_id.clone()
                class="porta"
                class:ligada=move || target.get().is_some()
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-controls=menu_id.clone()
                aria-label=move || match target_name() {
                    Some(to) => format!("Saída \"{}\" de \"{}\", ligada a \"{to}\". Ligar a…", title_for_label(), block_title()),
                    None => format!("Saída \"{}\" de \"{}\", sem ligação. Ligar a…", title_for_label(), block_title()),
                }
                on:pointerdown=on_down
                on:click=toggle
            ></button>
            <Show when=move || open.get()>
                <ul class="menu-porta" role="menu" id=menu_id.clone() aria-label="Ligar a…"
                    on:pointerdown=|ev: leptos::ev::PointerEvent| ev.stop_propagation()
                    on:keydown=on_menu_key.clone()>
                    {items.clone()}
                </ul>
            </Show>
        </div>
    }
}

fn port_code(port: &Port) -> String {
    match port {
        Port::Next => "seguinte".into(),
        Port::Choice(id) => format!("opcao-{id}"),
        Port::Rule(i) => format!("regra-{i}"),
        Port::Else => "senao".into(),
        Port::Success => "sucesso".into(),
        Port::Error => "erro".into(),
        Port::Failure => "falha".into(),
        Port::Captured => "capturado".into(),
    }
}
