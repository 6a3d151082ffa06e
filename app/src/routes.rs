//! The pages as lazily loaded routes: each page's code is split out of the main wasm module by
//! cargo-leptos (`--split`) and fetched when the page is first shown, so the inbox and the
//! simulator each download only their own code plus what they share. The login page is the one
//! exception: it is what everyone meets first, and kept in the main module it arrives as one
//! file instead of a hundred small chunks. On the server nothing is lazy.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A page with no route data of its own (each page loads its data itself, in its view). A page
/// carries the hydration mark (or sets it itself, `own_mark`); the frame around pages (`frame`)
/// does not, since the page inside it hydrates after it.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        lazy_page!($(#[$doc])* $route => view! { <$page /> <HydrationMark /> });
    };
    ($(#[$doc:meta])* $route:ident => $page:ident, frame) => {
        lazy_page!($(#[$doc])* $route => view! { <$page /> });
    };
    ($(#[$doc:meta])* $route:ident => $page:ident, own_mark) => {
        lazy_page!($(#[$doc])* $route => view! { <$page /> });
    };
    ($(#[$doc:meta])* $route:ident => $view:expr) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

use crate::components::hydration::HydrationMark;
use crate::components::layout::AppLayout;
use crate::pages::{
    api_tokens::ApiTokensPage, audit::AuditPage, canned::CannedPage, channels::ChannelsPage,
    dashboard::DashboardPage, demo::DemoPage, inbox::InboxPage, integrations::IntegrationsPage,
    profile::ProfilePage, settings::SettingsPage, teams::TeamsPage, users::UsersPage,
};

lazy_page!(
    /// The signed-in frame (sidebar, live feed, notifications): not needed by the login page or
    /// the simulator, so it is not in the main module either.
    LayoutRoute => AppLayout, frame
);
lazy_page!(DemoRoute => DemoPage);
lazy_page!(DashboardRoute => DashboardPage);
lazy_page!(
    /// The inbox sets its own hydration mark: with the list alone, or once the (lazy) pane of
    /// the open conversation is hydrated too.
    InboxRoute => InboxPage, own_mark
);
lazy_page!(CannedRoute => CannedPage);
lazy_page!(UsersRoute => UsersPage);
lazy_page!(TeamsRoute => TeamsPage);
lazy_page!(ProfileRoute => ProfilePage);
lazy_page!(AuditRoute => AuditPage);
lazy_page!(SettingsRoute => SettingsPage);
lazy_page!(ChannelsRoute => ChannelsPage);
lazy_page!(ApiTokensRoute => ApiTokensPage);
lazy_page!(IntegrationsRoute => IntegrationsPage);
