//! The mark tests and scripts wait for before they act on a page: `data-hydrated="true"` on
//! `<body>`, set once the page's own view is hydrated (its event handlers attached). With lazy
//! routes that is after the page's split module arrived, later than the app's first effects, so
//! the mark sits in each page, not in the app.

use leptos::prelude::*;

#[component]
pub fn HydrationMark() -> impl IntoView {
    // Effects run only in the browser, after the view around them was hydrated.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// False on the server and until this view is hydrated, then true: a form's submit button is
/// disabled meanwhile, so a click or an Enter before the wasm arrived does not submit the form
/// natively (reloading the page, losing what was typed, a password in the address).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
