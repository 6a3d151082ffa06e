//! The Content-Security-Policy of our pages: scripts only from our origin (plus the one inline
//! hydration script each page carries, by its nonce), `wasm-unsafe-eval` for the wasm module,
//! nothing framed, no plugins, forms and links to our origin only.

/// The policy for a page whose inline scripts carry `nonce`; without one, no inline script at
/// all (every answer that is not a rendered page). `reload` adds the development live-reload
/// socket (`cargo leptos watch`) on that port.
pub fn policy(nonce: Option<&str>, reload: Option<u32>) -> String {
    let scripts = match nonce {
        Some(n) => format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{n}'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
    };
    let connect = match reload {
        Some(port) => format!("connect-src 'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "connect-src 'self'".to_owned(),
    };
    [
        "default-src 'self'",
        &scripts,
        // Styles set by the app at run time (positions, colours of the channel skins).
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        &connect,
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_run_only_by_nonce() {
        let page = policy(Some("abc123"), None);
        assert!(page.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc123'"));
        assert!(!page.contains("script-src 'self' 'unsafe-inline'"));
        assert!(page.contains("frame-ancestors 'none'"));
        let other = policy(None, Some(3001));
        assert!(other.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(other.contains("ws://127.0.0.1:3001"));
    }
}
