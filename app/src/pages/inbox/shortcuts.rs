//! The inbox's keyboard (the keys are `shared::shortcuts`): moving through the list, acting on
//! the open conversation (its buttons are clicked, so a shortcut does exactly what the button
//! does and is refused where the button is absent), and the "?" overlay.

use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use shared::shortcuts::{step_in, Shortcut};
use shared::shortcuts::{COMPOSER_KEYS, SHORTCUTS};
use shared::ConversationId;

/// Listens for the inbox's keys while the page is open.
pub fn listen(
    ids: impl Fn() -> Vec<ConversationId> + 'static,
    selected: Memo<Option<ConversationId>>,
    open: impl Fn(ConversationId) + 'static,
    help: RwSignal<bool>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
                return;
            }
            let Some(shortcut) = Shortcut::for_key(&ev.key()) else {
                return;
            };
            let typing = document().active_element().is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el
                        .dyn_ref::<web_sys::HtmlElement>()
                        .is_some_and(|h| h.is_content_editable())
            });
            if typing {
                if shortcut == Shortcut::Close {
                    if let Some(el) = document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = el.blur();
                    }
                }
                return;
            }
            ev.prevent_default();
            match shortcut {
                Shortcut::NextConversation | Shortcut::PreviousConversation => {
                    let step = if shortcut == Shortcut::NextConversation {
                        1
                    } else {
                        -1
                    };
                    if let Some(id) = step_in(&ids(), selected.get_untracked(), step) {
                        open(id);
                    }
                }
                Shortcut::Take => click("assumir"),
                Shortcut::Resolve => click("resolver"),
                Shortcut::Transfer => click("transferir"),
                Shortcut::Reply => focus("campo-mensagem", None),
                Shortcut::SavedReply => focus("campo-mensagem", Some("/")),
                Shortcut::FocusSearch => focus("busca", None),
                Shortcut::Help => help.update(|h| *h = !*h),
                Shortcut::Close => help.set(false),
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ids, selected, open, help);
}

#[cfg(feature = "hydrate")]
fn by_testid(id: &str) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    document()
        .query_selector(&format!("[data-testid=\"{id}\"]"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

#[cfg(feature = "hydrate")]
fn click(id: &str) {
    if let Some(el) = by_testid(id) {
        el.click();
    }
}

/// Focuses a field; with `text`, writes it there as if typed (the composer then offers the
/// saved replies).
#[cfg(feature = "hydrate")]
fn focus(id: &str, text: Option<&str>) {
    use wasm_bindgen::JsCast;
    let Some(el) = by_testid(id) else { return };
    let _ = el.focus();
    if let (Some(text), Some(area)) = (text, el.dyn_ref::<web_sys::HtmlTextAreaElement>()) {
        area.set_value(text);
        if let Ok(input) = web_sys::Event::new_with_event_init_dict("input", &{
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            init
        }) {
            let _ = area.dispatch_event(&input);
        }
    }
}

/// The "?" overlay: every shortcut and what it does.
#[component]
pub fn ShortcutHelp(help: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || help.get()>
            <div class="fixed inset-0 z-40 bg-slate-900/30" on:click=move |_| help.set(false)></div>
            <div class="fixed left-1/2 top-1/2 z-50 w-[min(28rem,92vw)] -translate-x-1/2 -translate-y-1/2 rounded-xl border border-borda bg-white p-5 shadow-xl"
                role="dialog" aria-label="Atalhos do teclado" data-testid="atalhos">
                <div class="mb-3 flex items-center justify-between">
                    <h2 class="text-base font-semibold">"Atalhos do teclado"</h2>
                    <button type="button" class="botao-link" on:click=move |_| help.set(false)>"Fechar"</button>
                </div>
                <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                    {SHORTCUTS
                        .iter()
                        .map(|(key, _, what)| view! {
                            <dt><kbd class="rounded border border-borda bg-fundo px-1.5 py-0.5 font-mono text-xs">{*key}</kbd></dt>
                            <dd>{*what}</dd>
                        })
                        .collect_view()}
                </dl>
                <h3 class="mb-2 mt-4 text-sm font-semibold">"No campo de resposta"</h3>
                <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                    {COMPOSER_KEYS
                        .iter()
                        .map(|(key, what)| view! {
                            <dt><kbd class="rounded border border-borda bg-fundo px-1.5 py-0.5 font-mono text-xs">{*key}</kbd></dt>
                            <dd>{*what}</dd>
                        })
                        .collect_view()}
                </dl>
            </div>
        </Show>
    }
}
