//! Who is signed in, shared by every component through context.

use crate::api::auth::fetch_current_user;
use leptos::prelude::*;
use shared::dto::CurrentUser;
use shared::Permission;

/// The signed-in user, known before the first byte is rendered: the server resolves it from the
/// session cookie in its HTTP middleware, renders with it, and writes it (with the other
/// per-deployment facts the UI needs) into a `<meta>` tag that the browser reads when it
/// hydrates. No resource, no suspense: the shell never waits.
#[derive(Clone, Copy)]
pub struct Session {
    user: RwSignal<Option<CurrentUser>>,
    demo: bool,
}

/// What the server tells the browser at page load.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct InitialState {
    pub user: Option<CurrentUser>,
    /// The deployment runs with the demo data (the login page shows the demo credentials).
    pub demo: bool,
}

/// Name of the `<meta>` tag carrying the [`InitialState`] as JSON.
pub const INITIAL_STATE_META: &str = "omni-estado-inicial";

/// The state of the request being rendered (server only).
#[cfg(feature = "ssr")]
pub fn request_state() -> InitialState {
    let user = use_context::<axum::http::request::Parts>()
        .and_then(|p| {
            p.extensions
                .get::<backend::session::RequestContext>()
                .cloned()
        })
        .and_then(|ctx| ctx.user);
    let demo = use_context::<backend::AppState>().is_some_and(|s| s.demo);
    InitialState { user, demo }
}

fn initial_state() -> InitialState {
    #[cfg(feature = "ssr")]
    {
        request_state()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector(&format!("meta[name={INITIAL_STATE_META}]"))
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"))
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
}

pub fn provide_session() {
    let initial = initial_state();
    provide_context(Session {
        user: RwSignal::new(initial.user),
        demo: initial.demo,
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

impl Session {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<CurrentUser> {
        self.user.get()
    }

    /// Whether this deployment runs with the demo data.
    pub fn is_demo_deployment(&self) -> bool {
        self.demo
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.user().is_some_and(|u| u.can(permission))
    }

    /// The signed-in user's availability (offline when nobody is signed in).
    pub fn availability(&self) -> shared::Availability {
        self.user()
            .map(|u| u.availability)
            .unwrap_or(shared::Availability::Offline)
    }

    /// Shows a new availability at once, before the server confirms it.
    pub fn show_availability(&self, availability: shared::Availability) {
        self.user.update(|u| {
            if let Some(u) = u {
                u.availability = availability;
            }
        });
    }

    /// After taking or answering a conversation: the server makes an offline agent available,
    /// so the availability shown is read again.
    pub fn after_work(&self) {
        if self.availability() == shared::Availability::Offline {
            self.refetch();
        }
    }

    /// Reloads the user from the server (after availability or 2FA changes).
    pub fn refetch(&self) {
        let user = self.user;
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = fetch_current_user().await {
                user.set(fresh);
            }
        });
    }
}

/// Full-page navigation, used at the login and logout boundaries so every piece of state is
/// rebuilt for the new session.
pub fn hard_navigate(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Renders `children` only for users whose role has `permission`; everyone else sees the
/// "Acesso negado" panel (and the server answers 403). The server functions the page calls
/// check the permission again: this only decides what to draw.
#[component]
pub fn RequirePermission(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    view! {
        <Show
            when=move || session.can(permission)
            fallback=|| view! { <crate::components::forms::Forbidden /> }
        >
            {children()}
        </Show>
    }
}
