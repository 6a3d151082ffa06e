//! One block on the canvas: focusable (role `group`, named by its title), its header moving
//! the selection, its badges, and its typed ports, each a button with the "Ligar a…" menu of
//! the blocks it can lead to, so a flow is connected without a mouse too.

use super::dom;
use super::geometry::{
    block_dom_id, delta_if, local, moving, port_anchor, shifted, Gesture, Gestures, CANVAS_ID,
};
use super::state::{
    flow_order, use_builder, Diff, Drag, Link, BLOCK_WIDTH, BODY, HEADER, PORT_ROW,
};
use leptos::prelude::*;
use shared::flow::edit::Change;
use shared::flow::{blocks, NodeId, Port};

#[component]
pub(super) fn BlockView(
    id: NodeId,
    diff: Memo<std::collections::BTreeMap<NodeId, Diff>>,
) -> impl IntoView {
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
    let stats = {
        let id = id.clone();
        Memo::new(move |_| {
            b.analytics.with(|a| {
                a.as_ref()
                    .map(|a| a.blocks.get(&id.0).cloned().unwrap_or_default())
            })
        })
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
                    if let Some(s) = stats.get() { label.push_str(&format!(". {}", super::analytics::describe(&s))); }
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
            {move || stats.get().map(|s| {
                let dropped = s.dropped();
                view! {
                    <div class="bloco-analise" data-testid="analise-bloco" title=super::analytics::describe(&s) aria-hidden="true">
                        <span class="passaram">{format!("▶ {}", s.passed)}</span>
                        <span class="pararam" class:zero=dropped == 0>{format!("⏏ {dropped}")}</span>
                        {s.median_seconds.map(|m| view! { <span>{format!("⏱ {}", shared::flow::analytics::format_duration(m))}</span> })}
                    </div>
                }
            })}
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
    let passed = {
        let (node, key) = (node.clone(), shared::flow::analytics::port_key(&port));
        move || {
            b.analytics.with(|a| {
                a.as_ref().map(|a| {
                    a.blocks
                        .get(&node.0)
                        .and_then(|s| s.ports.get(&key).copied())
                        .unwrap_or(0)
                })
            })
        }
    };
    view! {
        <div class="porta-linha" style:height=format!("{PORT_ROW}px")>
            <span class="porta-nome">{title}</span>
            {move || passed().map(|n| view! {
                <span class="porta-contagem" class:zero=n == 0 data-testid="analise-porta" title=format!("{n} conversa(s) seguiram por esta saída")>{n}</span>
            })}
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
