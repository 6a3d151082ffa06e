//! The canvas: HTML blocks in one transformed viewport, an SVG layer for the edges under them,
//! and pointer gestures on the canvas element (with pointer capture): pan on the background,
//! Shift+drag for a selection box, a block's header to move the selection, a port to draw an
//! edge. Wheel or pinch zooms around the cursor. A palette block dropped here is added where
//! it falls.

use super::block::BlockView;
use super::dom;
use super::geometry::{
    curve, delta_if, entry_anchor, local, moving, port_anchor, shifted, Gesture, Gestures,
    CANVAS_ID,
};
use super::state::{
    block_height, flow_order, overlaps, use_builder, View, BLOCK_WIDTH, DRAW_ALL_BELOW, HEADER,
};
use leptos::prelude::*;
use shared::flow::edit::Change;
use shared::flow::{blocks, NodeId, Port, Position};
use std::collections::BTreeSet;

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
                    dom::focus_soon(super::geometry::block_dom_id(&id));
                }
            }
        }
    };

    // A large flow draws only what is near the screen (see `View::window`).
    let window = Memo::new(move |_| {
        if b.flow.with(|f| f.nodes.len()) < DRAW_ALL_BELOW {
            return None;
        }
        let r = dom::rect_of(CANVAS_ID);
        Some(b.view.get().window(r.width.max(800.0), r.height.max(600.0)))
    });
    let order = Memo::new(move |_| {
        let all = b.flow.with(flow_order);
        let Some(w) = window.get() else {
            return all;
        };
        let selected = b.selected.get();
        let testing = b.test_at.get();
        b.flow.with(|f| {
            all.into_iter()
                .filter(|id| {
                    selected.contains(id)
                        || testing.as_ref() == Some(id)
                        || f.node(id)
                            .is_some_and(|n| overlaps(n.position, block_height(n), w))
                })
                .collect()
        })
    });
    let edges = Memo::new(move |_| {
        let w = window.get();
        b.flow.with(|f| {
            f.edges
                .iter()
                .filter(|e| {
                    let Some((a, z)) = w else {
                        return true;
                    };
                    let (Some(p), Some(q)) = (f.node(&e.from), f.node(&e.to)) else {
                        return false;
                    };
                    // The box between both ends meets the window.
                    p.position.x.min(q.position.x) < z.x
                        && p.position.x.max(q.position.x) + BLOCK_WIDTH > a.x
                        && p.position.y.min(q.position.y) < z.y
                        && p.position.y.max(q.position.y) + block_height(p).max(block_height(q))
                            > a.y
                })
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
