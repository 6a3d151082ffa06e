//! The conversation's header: the contact, channel and status, the actions (take, assign,
//! transfer, resolve, reopen), the transfer form and who else is looking.

use super::format::{channel_badge, status_class};
use crate::api::inbox::{
    assign_conversation, continue_on_channel, inbox_agents, inbox_teams, reopen_conversation,
    resolve_conversation, take_conversation, transfer_conversation,
};
use crate::components::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::inbox::{AgentOption, ConversationDetail, TeamOption, TransferInput};
use shared::{ConversationId, TeamId, UserId};
use std::collections::BTreeMap;

#[component]
pub fn Viewers(viewers: RwSignal<BTreeMap<UserId, (String, bool, f64)>>) -> impl IntoView {
    move || {
        let v = viewers.get();
        if v.is_empty() {
            return None;
        }
        let typing: Vec<String> = v
            .values()
            .filter(|(_, t, _)| *t)
            .map(|(n, _, _)| n.clone())
            .collect();
        let text = if !typing.is_empty() {
            format!("{} está digitando…", typing.join(", "))
        } else {
            format!(
                "{} também está vendo esta conversa",
                v.values()
                    .map(|(n, _, _)| n.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        Some(
            view! { <p class="px-4 py-1 text-xs text-tinta-suave" data-testid="presenca">{text}</p> },
        )
    }
}

const RESOLVED_NOTICE: &str = "Conversa resolvida.";

#[component]
pub fn Header(
    detail: ConversationDetail,
    notice: RwSignal<Option<String>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let me = session.user().map(|u| u.id);
    let row = detail.row.clone();
    let id = row.id;
    let (badge, label) = channel_badge(row.channel_kind);
    let resolved = row.status == shared::messaging::ConversationStatus::Resolved;
    // A reply that reopened the conversation makes "resolvida" untrue.
    if !resolved && notice.get_untracked().as_deref() == Some(RESOLVED_NOTICE) {
        notice.set(None);
    }
    let mine = row.assignee_id.is_some() && row.assignee_id == me;
    let transferring = RwSignal::new(false);
    let run = move |fut: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), crate::error::AppError>>>,
    >,
                    ok: &'static str| {
        spawn_local(async move {
            match fut.await {
                Ok(()) => {
                    notice.set(Some(ok.to_owned()));
                    session.after_work();
                    reload();
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let navigate = use_navigate();
    let other_channels = detail.other_channels.clone();
    let continue_to = RwSignal::new(String::new());
    let go_continue = move |_| {
        let Ok(channel) = continue_to.get_untracked().parse::<uuid::Uuid>() else {
            return;
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match continue_on_channel(id, shared::ChannelId(channel)).await {
                Ok(target) => navigate(&format!("/conversas?c={target}"), Default::default()),
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    view! {
        <header class="cabecalho-conversa">
            <div class="min-w-0">
                <h2 class="truncate text-base font-semibold" data-testid="nome-contato">
                    {row.display_name()}
                </h2>
                <div class="flex flex-wrap items-center gap-2 text-xs">
                    <span class=badge>{label}</span>
                    <span class="text-tinta-suave">{row.channel_name.clone()}</span>
                    <span class=status_class(row.status) data-testid="situacao">{row.status.label()}</span>
                    <span class="text-tinta-suave" data-testid="responsavel">
                        {match (&row.assignee_name, &row.team_name) {
                            (Some(a), Some(t)) => format!("{a} · {t}"),
                            (Some(a), None) => a.clone(),
                            (None, Some(t)) => format!("Fila de {t}"),
                            (None, None) => "Sem responsável".into(),
                        }}
                    </span>
                </div>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                {(!mine && !resolved && detail.can_reply)
                    .then(|| {
                        view! {
                            <button type="button" class="botao-secundario" data-testid="assumir"
                                on:click=move |_| run(Box::pin(take_conversation(id)), "Conversa atribuída a você.")>
                                "Assumir"
                            </button>
                        }
                    })}
                {(!resolved)
                    .then(|| {
                        view! {
                            <button type="button" class="botao-secundario" data-testid="transferir"
                                on:click=move |_| transferring.update(|t| *t = !*t)>
                                "Transferir"
                            </button>
                            <button type="button" class="botao-primario" data-testid="resolver"
                                on:click=move |_| run(Box::pin(resolve_conversation(id)), RESOLVED_NOTICE)>
                                "Resolver"
                            </button>
                        }
                    })}
                {resolved
                    .then(|| {
                        view! {
                            <button type="button" class="botao-secundario" data-testid="reabrir"
                                on:click=move |_| run(Box::pin(reopen_conversation(id)), "Conversa reaberta.")>
                                "Reabrir"
                            </button>
                        }
                    })}
                {(!other_channels.is_empty())
                    .then(|| {
                        view! {
                            <div class="flex items-center gap-1">
                                <select class="entrada w-auto py-1" aria-label="Continuar em outro canal" bind:value=continue_to data-testid="continuar-canal">
                                    <option value="">"Continuar em…"</option>
                                    {other_channels
                                        .iter()
                                        .map(|c| view! { <option value=c.channel_id.to_string()>{format!("{} ({})", c.kind.label(), c.name)}</option> })
                                        .collect_view()}
                                </select>
                                <button type="button" class="botao-secundario py-1" on:click=go_continue>"Ir"</button>
                            </div>
                        }
                    })}
            </div>
        </header>
        <Show when=move || transferring.get()>
            <TransferForm id can_assign=detail.can_assign_others notice done=move || { transferring.set(false); reload(); } />
        </Show>
    }
}

#[component]
fn TransferForm(
    id: ConversationId,
    can_assign: bool,
    notice: RwSignal<Option<String>>,
    done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let agents = RwSignal::new(Vec::<AgentOption>::new());
    let teams = RwSignal::new(Vec::<TeamOption>::new());
    spawn_local(async move {
        if let Ok(a) = inbox_agents().await {
            agents.set(a);
        }
        if let Ok(t) = inbox_teams().await {
            teams.set(t);
        }
    });
    let team = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = TransferInput {
            conversation: id,
            team: team.get_untracked().parse::<uuid::Uuid>().ok().map(TeamId),
            agent: agent.get_untracked().parse::<uuid::Uuid>().ok().map(UserId),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        spawn_local(async move {
            match transfer_conversation(input).await {
                Ok(()) => {
                    notice.set(Some("Conversa transferida.".into()));
                    done();
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let assign_now = move |_| {
        let Ok(a) = agent.get_untracked().parse::<uuid::Uuid>() else {
            notice.set(Some("Escolha um atendente.".into()));
            return;
        };
        spawn_local(async move {
            match assign_conversation(id, UserId(a)).await {
                Ok(()) => {
                    notice.set(Some("Conversa atribuída.".into()));
                    done();
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    view! {
        <form class="painel-transferencia" on:submit=submit data-testid="form-transferir">
            <label class="campo">
                <span class="rotulo">"Equipe"</span>
                <select class="entrada" bind:value=team data-testid="transferir-equipe">
                    <option value="">"Manter a equipe"</option>
                    <For each=move || teams.get() key=|t| t.id let:t>
                        <option value=t.id.to_string()>{t.name.clone()}</option>
                    </For>
                </select>
            </label>
            <label class="campo">
                <span class="rotulo">"Atendente"</span>
                <select class="entrada" bind:value=agent data-testid="transferir-atendente">
                    <option value="">"Fila da equipe"</option>
                    <For each=move || agents.get() key=|a| a.id let:a>
                        <option value=a.id.to_string()>
                            {format!("{} — {} ({}/{})", a.name, a.availability.label(), a.load, a.capacity)}
                        </option>
                    </For>
                </select>
            </label>
            <p class="dica md:col-span-2">
                "Sem atendente escolhido, a conversa entra na fila da equipe e a distribuição automática a entrega a quem estiver disponível."
            </p>
            <label class="campo md:col-span-2">
                <span class="rotulo">"Nota para quem recebe (opcional)"</span>
                <input class="entrada" bind:value=note maxlength="1000" data-testid="transferir-nota" />
            </label>
            <div class="flex gap-2 md:col-span-2">
                <button type="submit" class="botao-primario" data-testid="confirmar-transferencia">"Transferir"</button>
                {can_assign.then(|| view! {
                    <button type="button" class="botao-secundario" on:click=assign_now>"Atribuir sem transferir"</button>
                })}
            </div>
        </form>
    }
}
