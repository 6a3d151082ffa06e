//! Message text with WhatsApp's formatting shown as the customer's app shows it (the rule is
//! `shared::rich_text`): bold, italic, strike-through and monospace runs, no markers.

use leptos::prelude::*;

/// The runs of `text`, each a `<span>` with its styles' classes.
pub fn rich_text(text: &str) -> impl IntoView {
    shared::rich_text::spans(text)
        .into_iter()
        .map(|s| {
            let mut class = Vec::new();
            if s.bold {
                class.push("font-semibold");
            }
            if s.italic {
                class.push("italic");
            }
            if s.strike {
                class.push("line-through");
            }
            if s.mono {
                class.push("font-mono text-[0.92em]");
            }
            view! { <span class=class.join(" ")>{s.text}</span> }
        })
        .collect_view()
}
