//! The list's parts: a conversation's row, the team filter and the supervisors' automatic
//! distribution switches.

use super::format::{channel_badge, elapsed, status_class};
use crate::api::inbox::set_auto_assign;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::inbox::{waiting_text, InboxRow, TabCounts, TeamOption};
use shared::{ConversationId, TeamId};

#[component]
pub fn TeamFilter(team: RwSignal<String>) -> impl IntoView {
    let names = Resource::new(|| (), |_| crate::api::inbox::inbox_teams());
    view! {
        <select class="entrada flex-auto !w-auto" aria-label="Equipe" bind:value=team>
            <option value="">"Todas as equipes"</option>
            <Transition>
                {move || Suspend::new(async move {
                    names
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                        .collect_view()
                })}
            </Transition>
        </select>
    }
}

/// Supervisors turn each team's automatic distribution on or off.
#[component]
pub fn QueueControls(
    teams: RwSignal<Vec<TeamOption>>,
    counts: RwSignal<TabCounts>,
    version: RwSignal<u64>,
) -> impl IntoView {
    // The Fila tab counts team-less conversations too; they are said here, so both agree.
    let teamless = move || teams.with(|t| shared::inbox::teamless_waiting(counts.get().queue, t));
    let toggle = move |id: TeamId, on: bool| {
        spawn_local(async move {
            if set_auto_assign(id, on).await.is_ok() {
                teams.update(|ts| {
                    if let Some(t) = ts.iter_mut().find(|t| t.id == id) {
                        t.auto_assign = on;
                    }
                });
                version.update(|v| *v += 1);
            }
        });
    };
    view! {
        <div class="mx-3 mb-2 rounded-lg border border-borda bg-fundo p-2 text-xs">
            <p class="mb-1 font-semibold">"Distribuição automática"</p>
            <For each=move || teams.get() key=|t| (t.id, t.auto_assign, t.waiting) let:t>
                <label class="flex items-center justify-between gap-2 py-0.5">
                    <span>{t.name.clone()} " · " {t.waiting} " na fila"</span>
                    <input
                        type="checkbox"
                        class="caixa"
                        checked=t.auto_assign
                        data-testid=format!("auto-{}", t.id)
                        on:change=move |ev| toggle(t.id, event_target_checked(&ev))
                    />
                </label>
            </For>
            {move || {
                let n = teamless();
                (n > 0)
                    .then(|| {
                        view! {
                            <p class="py-0.5 text-tinta-suave" data-testid="fila-sem-equipe">
                                "Sem equipe · " {n} " na fila (distribua manualmente)"
                            </p>
                        }
                    })
            }}
        </div>
    }
}

#[component]
pub fn ConversationRow(
    row: InboxRow,
    selected: Memo<Option<ConversationId>>,
    now: RwSignal<DateTime<Utc>>,
    open: impl Fn(ConversationId) + Clone + 'static,
) -> impl IntoView {
    let id = row.id;
    let (badge, label) = channel_badge(row.channel_kind);
    let name = row.display_name();
    let preview = shared::rich_text::plain(row.preview.as_deref().unwrap_or_default());
    let waiting = row.waiting_since;
    let last = row.last_message_at;
    view! {
        <li>
            <button
                type="button"
                class="linha-conversa"
                data-testid="linha-conversa"
                data-conversa=id.to_string()
                aria-current=move || (selected.get() == Some(id)).then_some("true")
                on:click=move |_| open(id)
            >
                <div class="flex items-center justify-between gap-2">
                    <span class="truncate font-semibold">{name}</span>
                    <span class="shrink-0 text-xs text-tinta-suave">
                        {move || elapsed(last, now.get())}
                    </span>
                </div>
                <div class="flex items-center gap-2">
                    <span class=badge>{label}</span>
                    <span class=format!("{} text-xs", status_class(row.status))>
                        {row.status.label()}
                    </span>
                    {row
                        .assignee_name
                        .clone()
                        .map(|a| view! { <span class="truncate text-xs text-tinta-suave">{a}</span> })}
                </div>
                <div class="flex items-center justify-between gap-2">
                    <span class="truncate text-sm text-tinta-suave" data-testid="previa">
                        {preview}
                    </span>
                    {(row.unread > 0)
                        .then(|| {
                            view! {
                                <span class="nao-lidas" data-testid="nao-lidas" aria-label="mensagens não lidas">
                                    {row.unread}
                                </span>
                            }
                        })}
                </div>
                {waiting
                    .map(|w| {
                        view! {
                            <span class="text-xs font-medium text-amber-700">
                                {move || waiting_text(w, now.get())}
                            </span>
                        }
                    })}
            </button>
        </li>
    }
}
