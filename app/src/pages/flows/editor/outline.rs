//! "Lista": the same graph as an editable outline, in the order the flow runs. Each block with
//! what it says, and each of its ports with the block it leads to, changed with a plain select:
//! the view for screen readers and for anyone who prefers a list to a drawing.

use super::state::{flow_order, use_builder};
use leptos::prelude::*;
use shared::flow::edit::Change;
use shared::flow::{blocks, NodeId};

#[component]
pub fn Outline() -> impl IntoView {
    let b = use_builder();
    let rows = move || {
        b.flow.with(|f| {
            flow_order(f)
                .into_iter()
                .filter_map(|id| f.node(&id).cloned())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="lista-fluxo" data-testid="lista-fluxo">
            <ol class="flex flex-col gap-3">
                {move || {
                    let all: Vec<(NodeId, String)> = b.flow.with(|f| {
                        f.nodes.iter().map(|n| (n.id.clone(), blocks::title(n))).collect()
                    });
                    let start = b.flow.with(|f| f.start.clone());
                    rows().into_iter().map(|node| {
                        let id = node.id.clone();
                        let select_id = id.clone();
                        let ports = node.kind.ports().into_iter().map(|(port, required)| {
                            let target = b.flow.with_untracked(|f| f.target(&id, &port).cloned());
                            let label = blocks::port_title(&node, &port);
                            let (from, p) = (id.clone(), port.clone());
                            let options = all.iter().filter(|(o, _)| *o != id).map(|(o, t)| {
                                view! { <option value=o.0.clone() selected=target.as_ref() == Some(o)>{t.clone()}</option> }
                            }).collect::<Vec<_>>();
                            view! {
                                <li class="flex items-center gap-2 text-sm">
                                    <span class="w-56 shrink-0 truncate" title=format!("Saída \"{label}\"")>{format!("Saída \"{label}\"")}</span>
                                    <select class="entrada" disabled=!b.editable
                                        aria-label=format!("Saída \"{label}\" de \"{}\" leva a", blocks::title(&node))
                                        on:change=move |ev| {
                                            let to = event_target_value(&ev);
                                            if to.is_empty() {
                                                b.apply(Change::Disconnect { from: from.clone(), port: p.clone() });
                                            } else {
                                                b.connect(from.clone(), p.clone(), NodeId(to));
                                            }
                                        }>
                                        <option value="" selected=target.is_none()>
                                            {if required { "— sem ligação (obrigatória) —" } else { "— sem ligação —" }}
                                        </option>
                                        {options}
                                    </select>
                                </li>
                            }
                        }).collect::<Vec<_>>();
                        view! {
                            <li class="cartao">
                                <div class="flex items-baseline gap-2">
                                    <button type="button" class="botao-link font-semibold"
                                        on:click=move |_| b.select_only(select_id.clone())>
                                        {blocks::title(&node)}
                                    </button>
                                    <span class="text-xs text-tinta-suave">{node.kind.label()}</span>
                                    {(node.id == start).then(|| view! { <span class="selo-inicio">"Início"</span> })}
                                </div>
                                <p class="text-sm whitespace-pre-wrap">{blocks::summary(&node)}</p>
                                <ul class="mt-2 flex flex-col gap-1">{ports}</ul>
                            </li>
                        }
                    }).collect::<Vec<_>>()
                }}
            </ol>
        </div>
    }
}
