//! The minimap: the whole flow in miniature with the visible part framed.

use super::dom;
use super::geometry::CANVAS_ID;
use super::state::{self, use_builder};
use leptos::prelude::*;
use shared::flow::Position;

/// The whole flow in miniature with the visible part framed; a click centres the canvas there.
#[component]
pub(super) fn Minimap() -> impl IntoView {
    let b = use_builder();
    const W: f64 = 200.0;
    const H: f64 = 130.0;
    let geometry = Memo::new(move |_| {
        b.flow.with(|f| {
            state::bounds(f).map(|(min, max)| {
                let pad = 200.0;
                let (min, max) = (
                    Position {
                        x: min.x - pad,
                        y: min.y - pad,
                    },
                    Position {
                        x: max.x + pad,
                        y: max.y + pad,
                    },
                );
                let scale = (W / (max.x - min.x)).min(H / (max.y - min.y));
                let rects: Vec<(f64, f64, f64, f64)> = f
                    .nodes
                    .iter()
                    .map(|n| {
                        (
                            (n.position.x - min.x) * scale,
                            (n.position.y - min.y) * scale,
                            state::BLOCK_WIDTH * scale,
                            state::block_height(n) * scale,
                        )
                    })
                    .collect();
                (min, scale, rects)
            })
        })
    });
    let frame = move || {
        let (min, scale, _) = geometry.get()?;
        let v = b.view.get();
        let r = dom::rect_of(CANVAS_ID);
        let a = v.to_flow(0.0, 0.0);
        Some((
            (a.x - min.x) * scale,
            (a.y - min.y) * scale,
            r.width / v.zoom * scale,
            r.height / v.zoom * scale,
        ))
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((min, scale, _)) = geometry.get_untracked() else {
            return;
        };
        let x = ev.offset_x() as f64 / scale + min.x;
        let y = ev.offset_y() as f64 / scale + min.y;
        let r = dom::rect_of(CANVAS_ID);
        b.view.update(|v| {
            *v = v.centred_on(
                Position {
                    x: x - state::BLOCK_WIDTH / 2.0,
                    y: y - state::HEADER,
                },
                r.width,
                r.height,
            )
        });
    };
    view! {
        <svg class="minimapa" width=W height=H viewBox=format!("0 0 {W} {H}") on:click=on_click
            role="img" aria-label="Minimapa do fluxo">
            {move || geometry.get().map(|(_, _, rects)| rects.into_iter().map(|(x, y, w, h)| view! {
                <rect x=x y=y width=w height=h rx="2" class="minimapa-bloco" />
            }).collect::<Vec<_>>())}
            {move || frame().map(|(x, y, w, h)| view! {
                <rect x=x y=y width=w height=h class="minimapa-vista" />
            })}
        </svg>
    }
}
