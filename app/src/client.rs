//! The server-function client used by every `#[server]` in this crate: the browser's fetch client
//! plus the anti-CSRF header. The token is the double-submit cookie the server sets (readable by
//! script on purpose; the session cookie itself is HttpOnly). The server compares header, cookie
//! and, once signed in, the token bound to the session.

use futures::{Sink, Stream};
use leptos::server_fn::client::{browser::BrowserClient, Client};
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::request::browser::BrowserRequest;
use leptos::server_fn::response::browser::BrowserResponse;
use leptos::server_fn::Bytes;
use std::future::Future;

pub use shared::auth::{CSRF_COOKIE, CSRF_HEADER};

pub struct CsrfClient;

impl<E, IS, OS> Client<E, IS, OS> for CsrfClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        #[cfg(feature = "hydrate")]
        if let Some(token) = read_cookie(CSRF_COOKIE) {
            req.headers().append(CSRF_HEADER, &token);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

#[cfg(feature = "hydrate")]
pub(crate) fn read_cookie(name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let cookies = web_sys::window()?
        .document()?
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    cookies.split(';').find_map(|pair| {
        pair.trim()
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::to_owned)
    })
}

/// A random id for a send's idempotency key (a retried click sends once) or a demo session.
/// `getRandomValues`, not `randomUUID`: the latter exists only in secure contexts, and an
/// agent or a phone reaching the server by its LAN address over plain http is not one.
pub fn random_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let mut bytes = [0u8; 16];
        if let Ok(c) = leptos::prelude::window().crypto() {
            if c.get_random_values_with_u8_array(&mut bytes).is_ok() {
                return uuid::Builder::from_random_bytes(bytes)
                    .into_uuid()
                    .to_string();
            }
        }
        let now = leptos::prelude::window()
            .performance()
            .map(|p| p.now())
            .unwrap_or_default();
        format!("t{}", now.to_bits())
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
