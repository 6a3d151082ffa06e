//! Copying a text for the person at the screen (a PIX code in the simulator's webchat skin).
//! By a selection and the copy command, which works over plain http too: the Clipboard API
//! exists only in secure contexts, and a phone reaching a demo by its LAN address is not one.

/// Copies `text`; whether the browser said it did.
pub fn copy_text(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return false;
        };
        let Some(area) = document
            .create_element("textarea")
            .ok()
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        else {
            return false;
        };
        area.set_value(text);
        let _ = area.set_attribute("readonly", "");
        let _ = area.set_attribute("style", "position:fixed;opacity:0");
        let Some(body) = document.body() else {
            return false;
        };
        if body.append_child(&area).is_err() {
            return false;
        }
        area.select();
        let copied = document
            .dyn_ref::<web_sys::HtmlDocument>()
            .and_then(|d| d.exec_command("copy").ok())
            .unwrap_or(false);
        area.remove();
        copied
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}
