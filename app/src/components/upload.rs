//! Uploads a file the agent attaches (`POST /anexos`), with the anti-CSRF header every form
//! sends. The server answers the stored file's facts, or a pt-BR error.

#[cfg(feature = "hydrate")]
pub async fn upload(
    conversation: shared::ConversationId,
    file: web_sys::File,
) -> Result<shared::messaging::Attachment, String> {
    use crate::client::{read_cookie, CSRF_COOKIE, CSRF_HEADER};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let offline =
        || "Não foi possível enviar o arquivo. Verifique a conexão e tente de novo.".to_owned();
    let params = web_sys::UrlSearchParams::new().map_err(|_| offline())?;
    params.append("conversa", &conversation.to_string());
    params.append("nome", &file.name());
    let headers = web_sys::Headers::new().map_err(|_| offline())?;
    let mime = file.type_();
    let mime = if mime.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        mime
    };
    headers.set("content-type", &mime).map_err(|_| offline())?;
    if let Some(token) = read_cookie(CSRF_COOKIE) {
        headers.set(CSRF_HEADER, &token).map_err(|_| offline())?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&file);
    let url = format!("/anexos?{}", String::from(params.to_string()));
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(|_| offline())?;
    let response: web_sys::Response =
        JsFuture::from(leptos::prelude::window().fetch_with_request(&request))
            .await
            .map_err(|_| offline())?
            .dyn_into()
            .map_err(|_| offline())?;
    let text = JsFuture::from(response.text().map_err(|_| offline())?)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    if response.ok() {
        return serde_json::from_str(&text).map_err(|_| offline());
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    Err(serde_json::from_str::<ErrorBody>(&text)
        .map(|e| e.message)
        .unwrap_or_else(|_| offline()))
}

/// "1,2 MB", "350 KB": a size as a person reads it.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_portuguese() {
        assert_eq!(super::human_size(350 * 1024), "350 KB");
        assert_eq!(super::human_size(1_258_291), "1,2 MB");
        assert_eq!(super::human_size(1), "1 KB");
    }
}
