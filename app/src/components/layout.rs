//! The shell every signed-in page lives in: sidebar navigation, the user menu, the content.

use super::session::{hard_navigate, use_session};
use crate::api::auth::Logout;
use crate::api::profile::SetAvailability;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;
use shared::{Availability, Permission};

struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
    permission: Permission,
}

/// Sections appear only when their capability exists and the role may use it.
const NAV: [NavItem; 10] = [
    NavItem {
        href: "/",
        label: "Painel",
        icon: "M3 12l9-9 9 9M5 10v10h5v-6h4v6h5V10",
        permission: Permission::ViewDashboard,
    },
    NavItem {
        href: "/conversas",
        label: "Conversas",
        icon: "M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.4A8 8 0 1 1 21 12z",
        permission: Permission::ViewOwnConversations,
    },
    NavItem {
        href: "/fluxos",
        label: "Fluxos",
        icon: "M6 3v6M6 15v6M18 9v6M6 9a3 3 0 1 0 0 6M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM9 12h6",
        permission: Permission::ViewFlows,
    },
    NavItem {
        href: "/modelos",
        label: "Modelos",
        icon: "M4 4h16v12H7l-3 3zM8 8h8M8 12h5",
        permission: Permission::ViewTemplates,
    },
    NavItem {
        href: "/campanhas",
        label: "Campanhas",
        icon: "M3 11l15-6v14L3 13zM7 12.5V18a2 2 0 0 0 4 0v-4",
        permission: Permission::ViewCampaigns,
    },
    NavItem {
        href: "/respostas-prontas",
        label: "Respostas prontas",
        icon: "M4 6h16M4 12h10M4 18h7",
        permission: Permission::ManageCannedResponses,
    },
    NavItem {
        href: "/usuarios",
        label: "Usuários",
        icon: "M16 11a4 4 0 1 0-8 0 4 4 0 0 0 8 0zM4 21a8 8 0 0 1 16 0",
        permission: Permission::ManageUsers,
    },
    NavItem {
        href: "/equipes",
        label: "Equipes",
        icon: "M17 20v-2a4 4 0 0 0-3-3.87M7 20v-2a4 4 0 0 1 3-3.87M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
        permission: Permission::ViewTeams,
    },
    NavItem {
        href: "/auditoria",
        label: "Auditoria",
        icon: "M9 12h6M9 16h6M7 3h7l5 5v13H7zM14 3v5h5",
        permission: Permission::ViewAuditLog,
    },
    NavItem {
        href: "/configuracoes",
        label: "Configurações",
        icon: "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-2.9 1.2V21a2 2 0 1 1-4 0v-.1A1.7 1.7 0 0 0 9 19.4a1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1A1.7 1.7 0 0 0 3.2 14H3a2 2 0 1 1 0-4h.1A1.7 1.7 0 0 0 4.6 9a1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1A1.7 1.7 0 0 0 9 4.6V4.5a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 2.9 1.2l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V10a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
        permission: Permission::ManageSettings,
    },
];

#[component]
fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg
            class="h-5 w-5 shrink-0"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=path />
        </svg>
    }
}

/// Signed-in pages. Anonymous visitors are sent to the login page; users who must enrol in 2FA
/// are kept on Meu perfil until they do. The frame is built once per sign-in, not per
/// navigation or user change, so pages keep their state.
#[component]
pub fn AppLayout() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let signed_in = Memo::new(move |_| session.user().is_some());
    let must_enrol = Memo::new(move |_| session.user().is_some_and(|u| u.must_enrol_totp));
    view! {
        <Show when=move || signed_in.get() fallback=|| view! { <Redirect path="/entrar" /> }>
            <Show when=move || must_enrol.get() && location.pathname.get() != "/perfil">
                <Redirect path="/perfil" />
            </Show>
            <Frame />
        </Show>
    }
}

#[component]
fn Frame() -> impl IntoView {
    let session = use_session();
    let nav_items = move || {
        let user = session.user();
        NAV.iter()
            .filter(|item| {
                user.as_ref()
                    .is_some_and(|u| !u.must_enrol_totp && u.can(item.permission))
            })
            .map(|item| {
                view! {
                    <li>
                        <A href=item.href exact=true attr:class="item-menu">
                            <Icon path=item.icon />
                            <span>{item.label}</span>
                        </A>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="flex min-h-screen">
            <nav class="barra-lateral" aria-label="Navegação principal">
                <div class="flex items-center gap-2 px-4 py-5">
                    <span class="logo" aria-hidden="true">
                        "O"
                    </span>
                    <span class="text-base font-semibold text-white">"Omnichannel"</span>
                </div>
                <ul class="flex flex-col gap-1 px-2">{nav_items}</ul>
            </nav>
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="barra-superior">
                    <div class="text-sm text-tinta-suave">
                        {move || {
                            session
                                .user()
                                .filter(|u| u.must_enrol_totp)
                                .map(|_| "Ative a verificação em duas etapas para continuar.")
                        }}
                    </div>
                    <UserMenu />
                </header>
                <main id="conteudo" class="flex-1 p-6 lg:p-8">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

fn availability_dot(a: Availability) -> &'static str {
    match a {
        Availability::Online => "bg-emerald-500",
        Availability::Away => "bg-amber-400",
        Availability::Offline => "bg-slate-400",
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let session = use_session();
    let open = RwSignal::new(false);
    let set_availability = ServerAction::<SetAvailability>::new();
    let logout = ServerAction::<Logout>::new();
    // The session's, so that taking a conversation while offline (which makes the agent
    // available) shows here too.
    let availability = move || session.availability();

    Effect::new(move |_| {
        if let Some(Ok(())) = set_availability.value().get() {
            session.refetch();
        }
    });
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            hard_navigate("/entrar");
        }
    });

    let name = move || session.user().map(|u| u.name).unwrap_or_default();
    let role = move || session.user().map(|u| u.role.label()).unwrap_or_default();
    let initials = move || {
        name()
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase()
    };
    view! {
        <div class="relative">
            <button
                type="button"
                class="botao-usuario"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label="Menu do usuário"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="avatar" aria-hidden="true">
                    {initials}
                    <span class=move || {
                        format!("ponto-status {}", availability_dot(availability()))
                    } />
                </span>
                <span class="hidden text-left sm:block">
                    <span class="block text-sm font-medium">{name}</span>
                    <span class="block text-xs text-tinta-suave">{role}</span>
                </span>
            </button>
            <Show when=move || open.get()>
                <div class="menu-suspenso" role="menu">
                    <p class="px-3 pt-2 text-xs font-semibold uppercase tracking-wide text-tinta-suave">
                        "Disponibilidade"
                    </p>
                    {Availability::ALL
                        .into_iter()
                        .map(|a| {
                            view! {
                                <button
                                    type="button"
                                    role="menuitemradio"
                                    aria-checked=move || (availability() == a).to_string()
                                    class="item-suspenso"
                                    on:click=move |_| {
                                        session.show_availability(a);
                                        set_availability.dispatch(SetAvailability { availability: a });
                                        open.set(false);
                                    }
                                >
                                    <span class=format!(
                                        "inline-block h-2.5 w-2.5 rounded-full {}",
                                        availability_dot(a),
                                    ) />
                                    {a.label()}
                                    {move || (availability() == a).then_some(" ✓")}
                                </button>
                            }
                        })
                        .collect_view()}
                    <hr class="my-1 border-borda" />
                    <a href="/perfil" role="menuitem" class="item-suspenso">
                        "Meu perfil"
                    </a>
                    <button
                        type="button"
                        role="menuitem"
                        class="item-suspenso text-red-700"
                        on:click=move |_| {
                            logout.dispatch(Logout {});
                        }
                    >
                        "Sair"
                    </button>
                </div>
            </Show>
        </div>
    }
}
