#![recursion_limit = "256"]
//! The Leptos application: routes, pages, components and server functions.
//!
//! With `hydrate` it compiles to wasm for the browser; with `ssr` its server functions call the
//! `backend` crate (through [`guard`] for who is acting).

pub mod api;
pub mod client;
pub mod clipboard;
pub mod components;
pub mod csp;
pub mod error;
pub mod pages;
pub mod routes;

#[cfg(feature = "ssr")]
pub mod guard;

use components::hydration::HydrationMark;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};
use pages::{login::LoginPage, not_found::NotFound};
use routes::*;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy(&options);
    view! {
        <!DOCTYPE html>
        <html lang="pt-BR">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <meta
                    name=components::session::INITIAL_STATE_META
                    content=initial_state_json()
                />
                <AutoReload options=options.clone() />
                // The stylesheet's name carries its content hash when the build hashes files.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="bg-fundo text-tinta antialiased">
                <App />
            </body>
        </html>
    }
}

/// Sends this page's Content-Security-Policy, with the nonce its inline scripts carry.
#[cfg(feature = "ssr")]
fn content_security_policy(options: &LeptosOptions) {
    use axum::http::{header, HeaderValue};
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    let reload = (options.env == leptos::config::Env::DEV).then_some(options.reload_port);
    if let Ok(value) = HeaderValue::from_str(&csp::policy(nonce.as_deref(), reload)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The [`components::session::InitialState`] as JSON, for the browser to hydrate with the same
/// state the server rendered.
fn initial_state_json() -> String {
    #[cfg(feature = "ssr")]
    let state = components::session::request_state();
    #[cfg(not(feature = "ssr"))]
    let state = components::session::InitialState::default();
    serde_json::to_string(&state).unwrap_or_else(|_| "{}".into())
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::session::provide_session();

    view! {
        <Title formatter=|page: String| {
            if page.is_empty() {
                "Plataforma Omnichannel".to_owned()
            } else {
                format!("{page} · Plataforma Omnichannel")
            }
        } />
        <Router>
            <Routes fallback=|| view! { <NotFound /> <HydrationMark /> }>
                <Route path=path!("/entrar") view=|| view! { <LoginPage /> <HydrationMark /> } />
                <Route
                    path=path!("/primeiro-acesso")
                    view=|| view! { <pages::first_run::FirstRunPage /> <HydrationMark /> }
                />
                <Route path=path!("/demonstracao") view={Lazy::<DemoRoute>::new()} />
                <ParentRoute path=path!("") view={Lazy::<LayoutRoute>::new()}>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("conversas") view={Lazy::<InboxRoute>::new()} />
                    <Route path=path!("fluxos") view={Lazy::<FlowsRoute>::new()} />
                    <Route path=path!("fluxos/:key") view={Lazy::<FlowsRoute>::new()} />
                    // The administration pages share one lazy module (routes::AdminRoute).
                    <Route path=path!("respostas-prontas") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("modelos") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("campanhas") view={Lazy::<CampaignsRoute>::new()} />
                    <Route path=path!("campanhas/:id") view={Lazy::<CampaignsRoute>::new()} />
                    <Route path=path!("usuarios") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("equipes") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("perfil") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("auditoria") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("configuracoes") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("configuracoes/canais") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("configuracoes/tokens") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("configuracoes/integracoes") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("configuracoes/campanhas") view={Lazy::<AdminRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
