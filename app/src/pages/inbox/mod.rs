//! Conversas: the list (tabs, filters, search, live). The open conversation is [`pane`], drawn
//! from its parts: [`header`] (actions, transfer, who else is looking), [`timeline`] (messages
//! and events), [`composer`] (replies, notes, saved replies, templates) and [`contact`].
//!
//! The list's state (tab, filters, search, pages, the refetch on every live event, the
//! notifications it raises) is one set of signals its view and effects share; its rows, team
//! filter and queue switches are in [`list_parts`], the keys in [`shortcuts`].

pub mod composer;
pub mod contact;
pub mod dom;
pub mod format;
pub mod header;
pub mod list_parts;
pub mod pane;
pub mod shortcuts;
pub mod timeline;

use crate::api::inbox::{inbox_list, inbox_teams};
use crate::api::profile::set_availability;
use crate::components::hydration::HydrationMark;
use crate::components::live::{
    announce, ask_notification_permission, provide_live_feed, set_sound_muted, sound_muted,
};
use crate::components::session::{use_session, RequirePermission};
use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use list_parts::{ConversationRow, QueueControls, TeamFilter};
use pane::ConversationPane;
use shared::inbox::{
    InboxCursor, InboxEvent, InboxQuery, InboxRow, InboxTab, TabCounts, TeamOption,
};
use shared::messaging::{ChannelKind, ConversationStatus};
use shared::{Availability, ConversationId, Permission, TeamId};

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Conversas" />
        <RequirePermission permission=Permission::ViewOwnConversations>
            <Inbox />
        </RequirePermission>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let session = use_session();
    let feed = provide_live_feed();
    let query = use_query_map();
    let navigate = use_navigate();
    let selected = Memo::new(move |_| {
        query
            .get()
            .get("c")
            .and_then(|c| c.parse::<uuid::Uuid>().ok())
            .map(ConversationId)
    });
    let tab = RwSignal::new(InboxTab::Mine);
    let status = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<InboxRow>::new());
    let next = RwSignal::new(None::<InboxCursor>);
    let counts = RwSignal::new(TabCounts::default());
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let teams = RwSignal::new(Vec::<TeamOption>::new());
    let now = RwSignal::new(Utc::now());
    // Bumped to refetch the list; a fetch in flight refetches once more when it ends.
    let version = RwSignal::new(0u64);
    let in_flight = StoredValue::new(false);
    let dirty = StoredValue::new(false);

    let build_query = move |after: Option<InboxCursor>| InboxQuery {
        tab: tab.get_untracked(),
        status: ConversationStatus::from_code(&status.get_untracked()),
        channel: ChannelKind::from_code(&channel.get_untracked()),
        team: team.get_untracked().parse::<uuid::Uuid>().ok().map(TeamId),
        search: Some(search.get_untracked()).filter(|s| !s.trim().is_empty()),
        after,
        limit: Some(40),
    };

    fn fetch(
        q: InboxQuery,
        append: bool,
        rows: RwSignal<Vec<InboxRow>>,
        next: RwSignal<Option<InboxCursor>>,
        counts: RwSignal<TabCounts>,
        loading: RwSignal<bool>,
        error: RwSignal<Option<String>>,
        in_flight: StoredValue<bool>,
        dirty: StoredValue<bool>,
        version: RwSignal<u64>,
    ) {
        if in_flight.get_value() && !append {
            dirty.set_value(true);
            return;
        }
        in_flight.set_value(true);
        loading.set(true);
        spawn_local(async move {
            match inbox_list(q).await {
                Ok(page) => {
                    if append {
                        rows.update(|r| r.extend(page.rows));
                    } else {
                        rows.set(page.rows);
                    }
                    next.set(page.next);
                    counts.set(page.counts);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
            loading.set(false);
            in_flight.set_value(false);
            if dirty.get_value() {
                dirty.set_value(false);
                version.update(|v| *v += 1);
            }
        });
    }

    // Refetch on every filter change and live event.
    Effect::new(move |_| {
        version.track();
        tab.track();
        status.track();
        channel.track();
        team.track();
        fetch(
            build_query(None),
            false,
            rows,
            next,
            counts,
            loading,
            error,
            in_flight,
            dirty,
            version,
        );
    });
    // The switches' counts follow the queue's: read again whenever the list's counts change.
    Effect::new(move |_| {
        counts.track();
        if tab.get() == InboxTab::Queue && session.can(Permission::ManageQueues) {
            spawn_local(async move {
                if let Ok(t) = inbox_teams().await {
                    teams.set(t);
                }
            });
        }
    });
    // Live: any message or conversation change may move rows; notify mine.
    let me = session.user().map(|u| u.id);
    let muted = RwSignal::new(false);
    Effect::new(move |_| muted.set(sound_muted()));
    Effect::new(move |_| {
        let Some((_, event)) = feed.last.get() else {
            return;
        };
        match event {
            InboxEvent::Message {
                conversation_id,
                inbound,
                assignee_id,
                ..
            } => {
                if inbound && assignee_id.is_some() && assignee_id == me && !muted.get_untracked() {
                    let hidden = document().hidden();
                    if hidden || selected.get_untracked() != Some(conversation_id) {
                        let name = rows
                            .get_untracked()
                            .iter()
                            .find(|r| r.id == conversation_id)
                            .map(|r| r.display_name())
                            .unwrap_or_else(|| "Cliente".into());
                        announce("Nova mensagem", &format!("{name} enviou uma mensagem"));
                    }
                }
                version.update(|v| *v += 1);
            }
            InboxEvent::Conversation {
                conversation_id,
                kind,
                assignee_id,
                waiting,
                ..
            } => {
                let work =
                    me.and_then(|me| shared::inbox::new_work(kind, assignee_id, waiting, me));
                // Not the one I am looking at (taking it myself is no news).
                if let Some(work) =
                    work.filter(|_| selected.get_untracked() != Some(conversation_id))
                {
                    if !muted.get_untracked() {
                        announce(work.title(), "Abra Conversas para atender.");
                    }
                }
                version.update(|v| *v += 1);
            }
            InboxEvent::Resync => {
                version.update(|v| *v += 1);
            }
            InboxEvent::Hello { .. } | InboxEvent::Status { .. } | InboxEvent::Presence { .. } => {}
        }
    });
    // The tab title shows my unread count.
    Effect::new(move |_| {
        let unread = counts.get().unread_mine;
        let title = if unread > 0 {
            format!("({unread}) Conversas · Plataforma Omnichannel")
        } else {
            "Conversas · Plataforma Omnichannel".into()
        };
        document().set_title(&title);
    });
    // Waiting times tick.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || now.set(Utc::now()),
            std::time::Duration::from_secs(30),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });

    let open = {
        let navigate = navigate.clone();
        move |id: ConversationId| {
            ask_notification_permission();
            navigate(&format!("/conversas?c={id}"), Default::default());
        }
    };
    // Someone who signs in offline is asked to go online here.
    let go_online = move |_| {
        session.show_availability(Availability::Online);
        spawn_local(async move {
            if set_availability(Availability::Online).await.is_err() {
                session.refetch();
            }
        });
    };
    let help = RwSignal::new(false);
    shortcuts::listen(
        move || rows.with_untracked(|r| r.iter().map(|r| r.id).collect()),
        selected,
        open.clone(),
        help,
    );
    let submit_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        version.update(|v| *v += 1);
    };
    let load_more = move |_| {
        if let Some(after) = next.get_untracked() {
            fetch(
                build_query(Some(after)),
                true,
                rows,
                next,
                counts,
                loading,
                error,
                in_flight,
                dirty,
                version,
            );
        }
    };
    let tabs = move || {
        InboxTab::ALL
            .into_iter()
            .filter(|t| *t != InboxTab::All || session.can(Permission::ViewAllConversations))
            .map(|t| {
                let count = move || match t {
                    InboxTab::Mine => Some(counts.get().mine),
                    InboxTab::Queue => Some(counts.get().queue),
                    _ => None,
                };
                view! {
                    <button
                        type="button"
                        class="aba"
                        data-testid=format!("aba-{}", t.code())
                        aria-current=move || (tab.get() == t).then_some("page")
                        on:click=move |_| tab.set(t)
                    >
                        {t.label()}
                        {move || count().map(|c| view! { <span class="contador">{c}</span> })}
                    </button>
                }
            })
            .collect_view()
    };

    view! {
        {move || {
            help.get()
                .then(|| {
                    view! {
                        <Suspense>
                            {move || Suspend::new(async move { shortcut_overlay(help).await })}
                        </Suspense>
                    }
                })
        }}
        <div class="caixa-entrada">
            <section class="coluna-lista" aria-label="Lista de conversas">
                <div class="flex items-center justify-between px-3 pt-3">
                    <h1 class="text-lg font-semibold">"Conversas"</h1>
                    <button
                        type="button"
                        class="ml-auto rounded px-1.5 text-xs font-semibold text-tinta-suave hover:bg-fundo"
                        title="Atalhos do teclado (?)"
                        aria-label="Atalhos do teclado"
                        data-testid="abrir-atalhos"
                        on:click=move |_| help.set(true)
                    >
                        "?"
                    </button>
                    <button
                        type="button"
                        class="mr-2 rounded px-1 text-sm hover:bg-fundo"
                        data-testid="som"
                        aria-pressed=move || muted.get().to_string()
                        title=move || if muted.get() { "Avisos silenciados: clique para ligar" } else { "Som e avisos ligados: clique para silenciar" }
                        aria-label=move || if muted.get() { "Ligar som e avisos" } else { "Silenciar som e avisos" }
                        on:click=move |_| {
                            let now_muted = !muted.get_untracked();
                            muted.set(now_muted);
                            set_sound_muted(now_muted);
                            if !now_muted {
                                ask_notification_permission();
                            }
                        }
                    >
                        {move || if muted.get() { "🔕" } else { "🔔" }}
                    </button>
                    <span
                        class="text-xs"
                        class:text-green-700=move || feed.connected.get()
                        class:text-amber-700=move || !feed.connected.get()
                        data-testid="status-ao-vivo"
                    >
                        {move || if feed.connected.get() { "● ao vivo" } else { "○ reconectando…" }}
                    </span>
                </div>
                <Show when=move || session.availability() == Availability::Offline>
                    <div class="alerta-aviso mx-3 mb-0 mt-2 flex items-center justify-between gap-2 px-3 py-2" data-testid="aviso-offline">
                        <span>"Você está offline: conversas novas não chegam até você."</span>
                        <button type="button" class="botao-link shrink-0" on:click=go_online>
                            "Ficar disponível"
                        </button>
                    </div>
                </Show>
                <nav class="flex gap-1 border-b border-borda px-2" aria-label="Abas">
                    {tabs}
                </nav>
                <form class="flex flex-col gap-2 p-3" on:submit=submit_search role="search">
                    <input
                        class="entrada"
                        type="search"
                        placeholder="Buscar por nome, telefone, CPF ou mensagem"
                        aria-label="Buscar conversas"
                        data-testid="busca"
                        bind:value=search
                    />
                    // Natural widths, wrapping to a second row: no label is cut off.
                    <div class="flex flex-wrap gap-2">
                        <select class="entrada flex-auto !w-auto" aria-label="Situação" bind:value=status>
                            <option value="">"Abertas"</option>
                            {ConversationStatus::ALL
                                .iter()
                                .map(|s| view! { <option value=s.code()>{s.label()}</option> })
                                .collect_view()}
                        </select>
                        <select class="entrada flex-auto !w-auto" aria-label="Canal" bind:value=channel>
                            <option value="">"Todos os canais"</option>
                            {ChannelKind::ALL
                                .iter()
                                .map(|c| view! { <option value=c.code()>{c.label()}</option> })
                                .collect_view()}
                        </select>
                        <TeamFilter team />
                    </div>
                </form>
                <Show when=move || tab.get() == InboxTab::Queue && !teams.get().is_empty()>
                    <Suspense>
                        {move || Suspend::new(async move { queue_controls(teams, counts, version).await })}
                    </Suspense>
                </Show>
                {move || error.get().map(|e| view! { <p class="alerta-erro mx-3">{e}</p> })}
                <ul class="lista-conversas" data-testid="lista-conversas">
                    <For each=move || rows.get() key=|r| (r.id, r.last_message_at, r.unread, r.status, r.assignee_id) let:row>
                        <ConversationRow row selected now open=open.clone() />
                    </For>
                </ul>
                <Show when=move || rows.get().is_empty() && !loading.get()>
                    <p class="p-6 text-center text-sm text-tinta-suave">
                        "Nenhuma conversa aqui."
                    </p>
                </Show>
                <Show when=move || next.get().is_some()>
                    <button type="button" class="botao-link m-3" on:click=load_more>
                        "Carregar mais"
                    </button>
                </Show>
            </section>
            {move || match selected.get() {
                Some(id) => {
                    view! {
                        <Suspense fallback=|| {
                            view! {
                                <section class="coluna-conversa items-center justify-center text-tinta-suave">
                                    <p>"Abrindo a conversa…"</p>
                                </section>
                            }
                        }>
                            {move || Suspend::new(async move { conversation_pane(id).await })}
                        </Suspense>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <section class="coluna-conversa items-center justify-center text-tinta-suave">
                            <p>"Escolha uma conversa na lista."</p>
                        </section>
                        <HydrationMark />
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// The conversation pane (header, timeline, composer, template picker, contact panel) is a
/// split module of its own, fetched when a conversation is first opened: the list arrives
/// without it. It carries the page's hydration mark, so tests and scripts act on a pane that is
/// hydrated.
#[lazy]
fn conversation_pane(id: ConversationId) -> AnyView {
    view! {
        <ConversationPane id />
        <HydrationMark />
    }
    .into_any()
}

/// The "?" overlay, fetched the first time it is asked for: most agents never open it, and the
/// list's module stays smaller without it.
#[lazy]
fn shortcut_overlay(help: RwSignal<bool>) -> AnyView {
    view! { <shortcuts::ShortcutHelp help /> }.into_any()
}

/// The supervisors' automatic-distribution switches, fetched when the queue tab shows them.
#[lazy]
fn queue_controls(
    teams: RwSignal<Vec<TeamOption>>,
    counts: RwSignal<TabCounts>,
    version: RwSignal<u64>,
) -> AnyView {
    view! { <QueueControls teams counts version /> }.into_any()
}
