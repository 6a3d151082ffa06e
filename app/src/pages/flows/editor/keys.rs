//! The builder's keyboard: undo and redo, select all, duplicate, delete, Escape, arrow keys to
//! move the selection, and copy, cut and paste through the system clipboard as JSON (so blocks
//! move between flows). Keys typed into a field are the field's.

use super::state::Builder;
use leptos::prelude::*;
use shared::flow::edit::Change;
use shared::flow::Position;
use std::collections::BTreeSet;

/// The handler of the builder's keydown events.
pub(super) fn on_key(b: Builder) -> impl Fn(leptos::ev::KeyboardEvent) + Clone + 'static {
    move |ev: leptos::ev::KeyboardEvent| {
        let target: leptos::web_sys::Element = event_target(&ev);
        let tag = target.tag_name().to_ascii_lowercase();
        if matches!(tag.as_str(), "input" | "textarea" | "select") {
            return;
        }
        let ctrl = ev.ctrl_key() || ev.meta_key();
        let key = ev.key();
        match key.as_str() {
            "z" | "Z" if ctrl && ev.shift_key() => b.redo(),
            "z" | "Z" if ctrl => b.undo(),
            "y" if ctrl => b.redo(),
            "a" if ctrl => {
                b.selected.set(
                    b.flow
                        .with_untracked(|f| f.nodes.iter().map(|n| n.id.clone()).collect()),
                );
                b.say("Todos os blocos selecionados.");
            }
            "d" if ctrl => {
                if let Some(json) = b.copy_selection() {
                    b.paste(&json, Position { x: 40.0, y: 40.0 });
                }
            }
            "Delete" | "Backspace" => b.delete_selection(),
            "Escape" => {
                b.menu.set(None);
                b.link.set(None);
                b.selected.set(BTreeSet::new());
            }
            "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight"
                if tag != "button" || b.menu.get_untracked().is_none() =>
            {
                let step = if ev.shift_key() { 100.0 } else { 20.0 };
                let (dx, dy) = match key.as_str() {
                    "ArrowUp" => (0.0, -step),
                    "ArrowDown" => (0.0, step),
                    "ArrowLeft" => (-step, 0.0),
                    _ => (step, 0.0),
                };
                let selected = b.selected.get_untracked();
                if selected.is_empty() {
                    return;
                }
                let moves = b.flow.with_untracked(|f| {
                    f.nodes
                        .iter()
                        .filter(|n| selected.contains(&n.id))
                        .map(|n| {
                            (
                                n.id.clone(),
                                Position {
                                    x: n.position.x + dx,
                                    y: n.position.y + dy,
                                },
                            )
                        })
                        .collect()
                });
                ev.prevent_default();
                b.apply(Change::Move(moves));
            }
            _ => return,
        }
        if ctrl || key == "Delete" || key == "Backspace" {
            ev.prevent_default();
        }
    }
}

/// Copy, cut and paste of the selection while the builder is open (not in a field).
pub(super) fn listen_to_clipboard(b: Builder) {
    #[cfg(feature = "hydrate")]
    {
        let typing = || {
            document()
                .active_element()
                .map(|e| {
                    matches!(
                        e.tag_name().to_ascii_lowercase().as_str(),
                        "input" | "textarea" | "select"
                    )
                })
                .unwrap_or(false)
        };
        let copy = window_event_listener(leptos::ev::copy, move |ev| {
            if typing() {
                return;
            }
            if let (Some(json), Some(data)) = (b.copy_selection(), ev.clipboard_data()) {
                let _ = data.set_data("text/plain", &json);
                ev.prevent_default();
                b.say("Blocos copiados.");
            }
        });
        let cut = window_event_listener(leptos::ev::cut, move |ev| {
            if typing() {
                return;
            }
            if let (Some(json), Some(data)) = (b.copy_selection(), ev.clipboard_data()) {
                let _ = data.set_data("text/plain", &json);
                ev.prevent_default();
                b.delete_selection();
            }
        });
        let paste = window_event_listener(leptos::ev::paste, move |ev| {
            if typing() {
                return;
            }
            if let Some(text) = ev
                .clipboard_data()
                .and_then(|d| d.get_data("text/plain").ok())
            {
                if b.paste(&text, Position { x: 60.0, y: 60.0 }) {
                    ev.prevent_default();
                }
            }
        });
        on_cleanup(move || {
            copy.remove();
            cut.remove();
            paste.remove();
        });
    }
    let _ = b;
}
