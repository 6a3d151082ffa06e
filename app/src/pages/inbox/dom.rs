//! The few browser calls the conversation pane makes (a clock, scrolling the timeline).

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

pub fn js_now() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys_now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[cfg(feature = "hydrate")]
fn js_sys_now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or_default()
}

pub fn scroll_to_end() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("linha-tempo") {
            el.set_scroll_top(el.scroll_height());
        }
    });
}
