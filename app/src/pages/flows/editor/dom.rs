//! The few browser calls the builder makes beyond Leptos' events: an element's box, the view
//! remembered in localStorage, a JSON file downloaded, a block focused. No-ops on the server.

/// The canvas element's top-left corner and size in client pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

pub fn rect_of(id: &str) -> Rect {
    #[cfg(feature = "hydrate")]
    {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
        {
            let r = el.get_bounding_client_rect();
            return Rect {
                left: r.left(),
                top: r.top(),
                width: r.width(),
                height: r.height(),
            };
        }
    }
    let _ = id;
    Rect {
        left: 0.0,
        top: 0.0,
        width: 1200.0,
        height: 800.0,
    }
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn load(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        storage().and_then(|s| s.get_item(key).ok().flatten())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn store(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
    let _ = (key, value);
}

/// The block under a client point: its id (`data-node-id` of the nearest element carrying one).
pub fn node_at(x: f64, y: f64) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let document = web_sys::window()?.document()?;
        let el = document.element_from_point(x as f32, y as f32)?;
        let block = el.closest("[data-node-id]").ok()??;
        block.get_attribute("data-node-id")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (x, y);
        None
    }
}

/// Moves the keyboard focus to the element with this id.
pub fn focus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    let _ = id;
}

/// Focuses the element once the frame being drawn has it (a block just added).
pub fn focus_soon(id: String) {
    leptos::prelude::request_animation_frame(move || focus(&id));
}

/// Offers `text` as a file called `name` (the "Exportar JSON" and "Baixar minha versão").
pub fn download(name: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys_array(text);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        if let Some(a) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("a").ok())
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    let _ = (name, text);
}

#[cfg(feature = "hydrate")]
fn js_sys_array(text: &str) -> wasm_bindgen::JsValue {
    let array = web_sys::js_sys::Array::new();
    array.push(&wasm_bindgen::JsValue::from_str(text));
    array.into()
}
