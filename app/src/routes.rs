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
    not_found::NotFound, profile::ProfilePage, settings::SettingsPage, teams::TeamsPage,
    users::UsersPage,
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
/// The flow builder (`/fluxos` and `/fluxos/{key}`): its own module, so its canvas never weighs
/// on the inbox or the other administration pages.
pub struct FlowsRoute;

#[lazy_route]
impl LazyRoute for FlowsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        let path = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        let page = if path.trim_end_matches('/') == "/fluxos" {
            view! { <crate::pages::flows::FlowsPage /> }.into_any()
        } else {
            view! { <crate::pages::flows::editor::FlowEditorPage /> }.into_any()
        };
        view! { {page} <HydrationMark /> }.into_any()
    }
}

/// Campanhas (`/campanhas`, `/campanhas/nova`, `/campanhas/{id}`): their own module, which
/// carries the CSV reader and the campaign rules the wizard checks as it is filled.
pub struct CampaignsRoute;

#[lazy_route]
impl LazyRoute for CampaignsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        use crate::pages::campaigns;
        // The wizard's path and a campaign's are one route (`campanhas/:id`): the page follows
        // the path, so creating a campaign from the wizard lands on the campaign's page.
        let location = leptos_router::hooks::use_location();
        let page = move || match location.pathname.get().trim_end_matches('/') {
            "/campanhas" => view! { <campaigns::CampaignsPage /> }.into_any(),
            "/campanhas/nova" => view! { <campaigns::wizard::NewCampaignPage /> }.into_any(),
            _ => view! { <campaigns::detail::CampaignDetailPage /> }.into_any(),
        };
        view! { {page} <HydrationMark /> }.into_any()
    }
}

/// The administration pages (saved replies, users, teams, profile, audit, settings, channels,
/// API tokens, integrations) as one lazy module, each route of them showing the page its path
/// names. With one split point each, the splitter cut the code they share with the inbox into
/// hundreds of chunks by every combination of pages using it: the list page loaded 188 files,
/// 163 of them under 1 KB, whose repeated headers cost about 40 KB compressed. Together they are
/// one more split point, not nine.
pub struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        let path = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        let page = match path.trim_end_matches('/') {
            "/respostas-prontas" => view! { <CannedPage /> }.into_any(),
            "/usuarios" => view! { <UsersPage /> }.into_any(),
            "/equipes" => view! { <TeamsPage /> }.into_any(),
            "/perfil" => view! { <ProfilePage /> }.into_any(),
            "/auditoria" => view! { <AuditPage /> }.into_any(),
            "/configuracoes" => view! { <SettingsPage /> }.into_any(),
            "/configuracoes/canais" => view! { <ChannelsPage /> }.into_any(),
            "/configuracoes/tokens" => view! { <ApiTokensPage /> }.into_any(),
            "/configuracoes/integracoes" => view! { <IntegrationsPage /> }.into_any(),
            "/configuracoes/campanhas" => {
                view! { <crate::pages::campaign_settings::CampaignSettingsPage /> }.into_any()
            }
            "/modelos" => view! { <crate::pages::templates::TemplatesPage /> }.into_any(),
            _ => view! { <NotFound /> }.into_any(),
        };
        view! { {page} <HydrationMark /> }.into_any()
    }
}
