#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The pages are lazy routes (app/src/routes.rs): hydration waits for the current page's
    // split module, which `hydrate_body` cannot do.
    leptos::mount::hydrate_lazy(app::App);
}
