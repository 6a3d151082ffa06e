//! The open conversation: header and actions, the contact's history across channels, the
//! composer (replies, notes, canned responses, emoji, templates outside the window) and the
//! contact panel.

use crate::api::inbox::{
    assign_conversation, canned_responses, continue_on_channel, earlier_messages, inbox_agents,
    inbox_teams, messages_after, open_conversation, reopen_conversation, resolve_conversation,
    reveal_cpf, send_attachment, send_reply, send_template, take_conversation,
    transfer_conversation, update_contact,
};
use crate::components::live::use_live_feed;
use crate::components::session::use_session;
use crate::components::upload::human_size;
use crate::pages::inbox::{channel_badge, status_class};
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::dto::{ContactInput, MessageView};
use shared::inbox::{
    AgentOption, CannedResponse, ConversationDetail, ConversationEventView, InboxEvent, TeamOption,
    TemplateView, TransferInput,
};
use shared::messaging::{
    takes_caption, Attachment, Author, DeliveryStatus, Direction, MessageKind,
};
use shared::{ConversationId, MessageId, Permission, TeamId, UserId};
use std::collections::BTreeMap;

const EMOJI: [&str; 24] = [
    "😀", "😊", "😉", "🙂", "😅", "😂", "🙏", "👍", "👏", "👋", "🤝", "💙", "✅", "⚠️", "❗", "📄",
    "📎", "💰", "📅", "⏰", "🚚", "🎉", "😔", "🤔",
];

fn hhmm(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%d/%m %H:%M").to_string()
}

#[component]
pub fn ConversationPane(id: ConversationId) -> impl IntoView {
    let detail = RwSignal::new(None::<ConversationDetail>);
    let messages = RwSignal::new(Vec::<MessageView>::new());
    let has_earlier = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let viewers = RwSignal::new(BTreeMap::<UserId, (String, bool, f64)>::new());
    // Ticks that arrived before their message did (the send's answer can lose the race).
    let statuses = StoredValue::new(BTreeMap::<MessageId, DeliveryStatus>::new());
    // What the agent is typing: kept here, so a reload of the conversation (someone assigns or
    // transfers it meanwhile) redraws the composer without losing the draft.
    let draft = RwSignal::new(String::new());
    let feed = use_live_feed();

    let reload = move || {
        spawn_local(async move {
            match open_conversation(id).await {
                Ok(d) => {
                    // The answer may have been read before a tick the feed already gave.
                    let mut fresh = d.messages.clone();
                    apply_statuses(&mut fresh, statuses);
                    messages.set(fresh);
                    has_earlier.set(d.has_earlier);
                    detail.set(Some(d));
                    error.set(None);
                    scroll_to_end();
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let catch_up = move || {
        let after = messages
            .get_untracked()
            .iter()
            .map(|m| m.seq)
            .max()
            .unwrap_or(0);
        spawn_local(async move {
            if let Ok(new) = messages_after(id, after).await {
                if !new.is_empty() {
                    messages.update(|ms| {
                        for m in new {
                            match ms.iter_mut().find(|x| x.id == m.id) {
                                Some(existing) => *existing = m,
                                None => ms.push(m),
                            }
                        }
                        apply_statuses(ms, statuses);
                    });
                    scroll_to_end();
                }
            }
        });
    };
    Effect::new(move |_| reload());
    // Tell others we are looking, every few seconds.
    Effect::new(move |_| {
        if let Some(feed) = feed {
            if feed.connected.get() {
                feed.presence(id, false);
            }
        }
    });
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if let Some(feed) = feed {
                    feed.presence(id, false);
                }
                let now = js_now();
                viewers.update(|v| v.retain(|_, (_, _, at)| now - *at < 12_000.0));
            },
            std::time::Duration::from_secs(5),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    Effect::new(move |_| {
        let Some(feed) = feed else { return };
        let Some((_, event)) = feed.last.get() else {
            return;
        };
        let Some(current) = detail.get_untracked() else {
            return;
        };
        let mine = |c: &ConversationId| {
            *c == id || current.contact.conversations.iter().any(|p| p.id == *c)
        };
        match event {
            InboxEvent::Message {
                conversation_id, ..
            } if mine(&conversation_id) => catch_up(),
            InboxEvent::Status {
                message_id, status, ..
            } => {
                statuses.update_value(|s| {
                    s.insert(message_id, status);
                });
                messages.update(|ms| apply_statuses(ms, statuses));
            }
            InboxEvent::Conversation {
                conversation_id, ..
            } if mine(&conversation_id) => reload(),
            InboxEvent::Presence {
                conversation_id,
                user_id,
                name,
                typing,
            } if conversation_id == id => viewers.update(|v| {
                v.insert(user_id, (name, typing, js_now()));
            }),
            InboxEvent::Resync => reload(),
            _ => {}
        }
    });
    let load_earlier = move |_| {
        let before = messages
            .get_untracked()
            .first()
            .map(|m| m.seq)
            .unwrap_or(i64::MAX);
        spawn_local(async move {
            if let Ok((older, more)) = earlier_messages(id, before).await {
                messages.update(|ms| {
                    let mut all = older;
                    all.append(ms);
                    *ms = all;
                    apply_statuses(ms, statuses);
                });
                has_earlier.set(more);
            }
        });
    };

    view! {
        <section class="coluna-conversa" aria-label="Conversa" data-testid="conversa">
            {move || error.get().map(|e| view! { <p class="alerta-erro m-4">{e}</p> })}
            {move || {
                detail
                    .get()
                    .map(|d| {
                        view! {
                            <Header detail=d.clone() notice reload />
                            <div class="linha-tempo" id="linha-tempo" data-testid="linha-tempo">
                                <Show when=move || has_earlier.get()>
                                    <button type="button" class="botao-link mx-auto block" on:click=load_earlier>
                                        "Mensagens anteriores"
                                    </button>
                                </Show>
                                <Timeline messages events=d.events.clone() current=id />
                            </div>
                            <Viewers viewers />
                            {move || notice.get().map(|n| view! { <p class="alerta-aviso mx-4 my-1 text-sm" role="status">{n}</p> })}
                            <Composer detail=d.clone() messages notice statuses draft />
                        }
                    })
            }}
        </section>
        {move || detail.get().map(|d| view! { <ContactSide detail=d notice /> })}
    }
}

fn js_now() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys_now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[cfg(feature = "hydrate")]
fn js_sys_now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or_default()
}

/// Moves ticks forward with what the live feed reported (never backward).
fn apply_statuses(
    ms: &mut [MessageView],
    statuses: StoredValue<BTreeMap<MessageId, DeliveryStatus>>,
) {
    statuses.with_value(|known| {
        for m in ms.iter_mut() {
            if let Some(s) = known.get(&m.id) {
                if m.status.is_none_or(|current| current.rank() < s.rank()) {
                    m.status = Some(*s);
                }
            }
        }
    });
}

/// An idempotency key for a send (a retried click sends once).
fn random_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        window()
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_else(|_| format!("{}", js_now()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

fn scroll_to_end() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("linha-tempo") {
            el.set_scroll_top(el.scroll_height());
        }
    });
}

#[component]
fn Viewers(viewers: RwSignal<BTreeMap<UserId, (String, bool, f64)>>) -> impl IntoView {
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

#[component]
fn Header(
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
                                on:click=move |_| run(Box::pin(resolve_conversation(id)), "Conversa resolvida.")>
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
                    <option value="">"Fila da equipe (distribuição automática)"</option>
                    <For each=move || agents.get() key=|a| a.id let:a>
                        <option value=a.id.to_string()>
                            {format!("{} — {} ({}/{})", a.name, a.availability.label(), a.load, a.capacity)}
                        </option>
                    </For>
                </select>
            </label>
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

/// One item of the timeline: a message or an event, in time order.
#[derive(Clone)]
enum Item {
    Message(MessageView),
    Event(ConversationEventView),
}

#[component]
fn Timeline(
    messages: RwSignal<Vec<MessageView>>,
    events: Vec<ConversationEventView>,
    current: ConversationId,
) -> impl IntoView {
    let items = move || {
        let ms = messages.get();
        let first = ms.first().map(|m| m.created_at);
        let mut items: Vec<(DateTime<Utc>, Item)> = ms
            .into_iter()
            .map(|m| (m.created_at, Item::Message(m)))
            .collect();
        items.extend(
            events
                .iter()
                .filter(|e| first.is_none_or(|f| e.occurred_at >= f))
                .map(|e| (e.occurred_at, Item::Event(e.clone()))),
        );
        items.sort_by_key(|(at, _)| *at);
        items
    };
    view! {
        <ol class="flex flex-col gap-2" data-testid="mensagens">
            {move || {
                items()
                    .into_iter()
                    .map(|(_, item)| match item {
                        Item::Message(m) => view! { <Bubble m current /> }.into_any(),
                        Item::Event(e) => {
                            view! {
                                <li class="evento" data-testid="evento">
                                    <span>{e.text.clone()} " · " {hhmm(e.occurred_at)}</span>
                                    {e.note.clone().map(|n| view! { <span class="block italic">"“" {n} "”"</span> })}
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()
            }}
        </ol>
    }
}

fn ticks(status: Option<DeliveryStatus>) -> (&'static str, &'static str, &'static str) {
    match status {
        Some(DeliveryStatus::Queued) => ("🕓", "Na fila de envio", "tique"),
        Some(DeliveryStatus::Sent) => ("✓", "Enviada", "tique"),
        Some(DeliveryStatus::Delivered) => ("✓✓", "Entregue", "tique"),
        Some(DeliveryStatus::Read) => ("✓✓", "Lida", "tique tique-lida"),
        Some(DeliveryStatus::Failed) => ("⚠", "Falhou", "tique tique-falha"),
        None => ("", "", "tique"),
    }
}

fn str_at<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// The body of a message as the customer saw it.
fn content_view(m: &MessageView) -> AnyView {
    let text = m.text.clone().unwrap_or_default();
    let c = &m.content;
    let media_url = format!("/midia/{}", m.id);
    match m.kind {
        MessageKind::Image | MessageKind::Sticker => {
            let link = media_url.clone();
            let alt = if text.is_empty() { "Imagem".to_owned() } else { text.clone() };
            view! {
                <a href=link target="_blank" rel="noopener">
                    <img src=media_url class="midia" loading="lazy" alt=alt />
                </a>
                {(!text.is_empty()).then(|| view! { <p class="texto">{text.clone()}</p> })}
            }
            .into_any()
        }
        MessageKind::Audio => view! { <audio controls preload="none" src=media_url></audio> }.into_any(),
        MessageKind::Video => view! {
            <video controls preload="none" class="midia" src=media_url></video>
            {(!text.is_empty()).then(|| view! { <p class="texto">{text.clone()}</p> })}
        }
        .into_any(),
        MessageKind::Document => {
            let name = str_at(c, &["media", "filename"]).unwrap_or("Documento").to_owned();
            view! {
                <a class="documento" href=media_url target="_blank" rel="noopener">"📄 " {name}</a>
                {(!text.is_empty()).then(|| view! { <p class="texto">{text.clone()}</p> })}
            }
            .into_any()
        }
        MessageKind::Location => {
            let lat = c.get("location").and_then(|l| l.get("latitude")).and_then(|v| v.as_f64());
            let lng = c.get("location").and_then(|l| l.get("longitude")).and_then(|v| v.as_f64());
            let link = match (lat, lng) {
                (Some(a), Some(b)) => format!("https://www.openstreetmap.org/?mlat={a}&mlon={b}#map=17/{a}/{b}"),
                _ => "#".into(),
            };
            view! { <a class="documento" href=link target="_blank" rel="noopener">"📍 " {text}</a> }.into_any()
        }
        MessageKind::Reaction => view! { <p class="texto text-2xl">{text}</p> }.into_any(),
        MessageKind::InteractiveReply => view! { <p class="texto"><span class="resposta-botao">"↩ " {text}</span></p> }.into_any(),
        MessageKind::Interactive => {
            let buttons: Vec<String> = c
                .get("buttons")
                .and_then(|b| b.as_array())
                .map(|bs| bs.iter().filter_map(|b| b.get("title").and_then(|t| t.as_str()).map(str::to_owned)).collect())
                .unwrap_or_default();
            let list_button = c.get("button").and_then(|b| b.as_str()).map(str::to_owned);
            let rows: Vec<String> = c
                .get("sections")
                .and_then(|s| s.as_array())
                .map(|ss| {
                    ss.iter()
                        .flat_map(|s| s.get("rows").and_then(|r| r.as_array()).cloned().unwrap_or_default())
                        .filter_map(|r| r.get("title").and_then(|t| t.as_str()).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            view! {
                <p class="texto">{text}</p>
                {(!buttons.is_empty()).then(|| view! {
                    <div class="botoes-mensagem">{buttons.into_iter().map(|b| view! { <span class="botao-mensagem">{b}</span> }).collect_view()}</div>
                })}
                {list_button.map(|b| view! {
                    <details class="lista-mensagem">
                        <summary class="botao-mensagem">"☰ " {b}</summary>
                        <ul>{rows.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    </details>
                })}
            }
            .into_any()
        }
        MessageKind::Template => {
            let name = c.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_owned();
            let params: Vec<String> = c
                .get("components")
                .and_then(|cs| cs.as_array())
                .map(|cs| {
                    cs.iter()
                        .flat_map(|c| c.get("parameters").and_then(|p| p.as_array()).cloned().unwrap_or_default())
                        .filter_map(|p| p.get("text").and_then(|t| t.as_str()).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            view! {
                <p class="text-xs font-semibold uppercase tracking-wide opacity-70">"Modelo " {name}</p>
                {(!params.is_empty()).then(|| view! { <p class="texto">{params.join(" · ")}</p> })}
            }
            .into_any()
        }
        MessageKind::Unsupported => view! { <p class="texto italic opacity-70">"Mensagem de um tipo que a plataforma ainda não exibe."</p> }.into_any(),
        _ => view! { <p class="texto">{text}</p> }.into_any(),
    }
}

#[component]
fn Bubble(m: MessageView, current: ConversationId) -> impl IntoView {
    let (badge, label) = channel_badge(m.channel_kind);
    let note = m.kind == MessageKind::Note;
    let outbound = m.direction == Direction::Outbound;
    let class = if note {
        "bolha bolha-nota"
    } else if outbound && m.author == Author::Bot {
        "bolha bolha-robo"
    } else if outbound {
        "bolha bolha-saida"
    } else {
        "bolha bolha-entrada"
    };
    let who = match m.author {
        Author::Bot => "🤖 Robô".to_owned(),
        Author::Agent => m.author_name.clone().unwrap_or_else(|| "Atendente".into()),
        Author::System => "Sistema".to_owned(),
        Author::Customer => String::new(),
    };
    let (tick, tick_label, tick_class) = ticks(m.status);
    let failed = m.status == Some(DeliveryStatus::Failed);
    let reason = m.error_title.clone();
    let other_conversation = m.conversation_id != current;
    let body = content_view(&m);
    view! {
        <li class=class data-testid="mensagem" data-kind=m.kind.code() data-status=m.status.map(|s| s.code())>
            <div class="flex items-center gap-2 text-[11px] opacity-80">
                {note.then(|| view! { <span class="font-semibold">"🔒 Nota interna"</span> })}
                {(!who.is_empty()).then(|| view! { <span class="font-semibold">{who}</span> })}
                <span class=badge>{label}</span>
                {other_conversation.then(|| view! { <span title="De outra conversa deste contato">"↗"</span> })}
            </div>
            {body}
            <div class="flex items-center justify-end gap-1 text-[11px] opacity-70">
                <span>{hhmm(m.created_at)}</span>
                {(!tick.is_empty()).then(|| view! { <span class=tick_class title=tick_label aria-label=tick_label data-testid="tique">{tick}</span> })}
            </div>
            {(failed).then(|| view! {
                <p class="text-xs font-medium text-red-700" data-testid="falha">
                    "Não entregue: " {reason.unwrap_or_else(|| "motivo não informado".into())}
                </p>
            })}
        </li>
    }
}

#[component]
fn Composer(
    detail: ConversationDetail,
    messages: RwSignal<Vec<MessageView>>,
    notice: RwSignal<Option<String>>,
    statuses: StoredValue<BTreeMap<MessageId, DeliveryStatus>>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let id = detail.row.id;
    let feed = use_live_feed();
    let text = draft;
    let as_note = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let emoji_open = RwSignal::new(false);
    let canned = RwSignal::new(Vec::<CannedResponse>::new());
    let last_typing = StoredValue::new(0.0_f64);
    spawn_local(async move {
        if let Ok(c) = canned_responses().await {
            canned.set(c);
        }
    });
    let window_open = detail.composer.window_open;
    let resolved = detail.row.status == shared::messaging::ConversationStatus::Resolved;
    let suggestions = Memo::new(move |_| {
        let t = text.get();
        let Some(prefix) = t.strip_prefix('/') else {
            return Vec::new();
        };
        if prefix.contains(char::is_whitespace) {
            return Vec::new();
        }
        canned
            .get()
            .into_iter()
            .filter(|c| c.shortcut.starts_with(&prefix.to_lowercase()))
            .take(8)
            .collect::<Vec<_>>()
    });
    let channel = detail.row.channel_kind;
    let pending = RwSignal::new(None::<Attachment>);
    let uploading = RwSignal::new(false);
    let push = move |m: MessageView| {
        messages.update(|ms| {
            if !ms.iter().any(|x| x.id == m.id) {
                ms.push(m);
            }
            apply_statuses(ms, statuses);
        });
        scroll_to_end();
    };
    let send = move || {
        let body = text.get_untracked();
        let note = as_note.get_untracked();
        let attachment = pending.get_untracked().filter(|_| !note);
        if (body.trim().is_empty() && attachment.is_none()) || sending.get_untracked() {
            return;
        }
        sending.set(true);
        spawn_local(async move {
            let result = match attachment {
                Some(media) => {
                    // Where the file takes no caption, the text follows as its own message.
                    let captioned = takes_caption(channel, media.kind);
                    let caption = (captioned && !body.trim().is_empty()).then(|| body.clone());
                    match send_attachment(id, media, caption, Some(random_id())).await {
                        Ok(m) => {
                            pending.set(None);
                            push(m);
                            if captioned || body.trim().is_empty() {
                                Ok(None)
                            } else {
                                send_reply(id, body, false, Some(random_id()))
                                    .await
                                    .map(Some)
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
                None => send_reply(id, body, note, Some(random_id()))
                    .await
                    .map(Some),
            };
            match result {
                Ok(m) => {
                    text.set(String::new());
                    notice.set(None);
                    if let Some(m) = m {
                        push(m);
                    }
                }
                Err(e) => notice.set(Some(e.message())),
            }
            sending.set(false);
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            // The channel's limits are known here: refuse at once, before any upload.
            if let Err(e) =
                shared::messaging::attachment_kind(channel, &file.type_(), file.size() as u64)
            {
                notice.set(Some(e.message()));
                return;
            }
            uploading.set(true);
            notice.set(None);
            spawn_local(async move {
                match crate::components::upload::upload(id, file).await {
                    Ok(a) => pending.set(Some(a)),
                    Err(m) => notice.set(Some(m)),
                }
                uploading.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(first) = suggestions.get_untracked().first() {
                text.set(first.body.clone());
                return;
            }
            send();
        } else if let Some(feed) = feed {
            let now = js_now();
            if now - last_typing.get_value() > 3000.0 {
                last_typing.set_value(now);
                feed.presence(id, true);
            }
        }
    };
    let templates = detail.composer.templates.clone();
    let composer_notice = detail.composer.notice.clone();
    view! {
        <div class="compositor" data-testid="compositor">
            {(resolved).then(|| view! {
                <p class="dica px-1 pb-2">"Conversa resolvida: reabra-a para responder, ou escreva uma nota interna."</p>
            })}
            {(!window_open)
                .then(|| {
                    view! {
                        <div class="alerta-aviso mb-2 text-sm" data-testid="janela-fechada">
                            {composer_notice.clone().unwrap_or_default()}
                        </div>
                    }
                })}
            {(!window_open && !resolved).then(|| view! { <TemplatePicker id templates=templates.clone() messages notice /> })}
            <div class="mb-2 flex gap-1 text-sm" role="tablist">
                {window_open.then(|| view! {
                    <button type="button" role="tab" class="aba" aria-current=move || (!as_note.get()).then_some("page") on:click=move |_| as_note.set(false)>
                        "Responder"
                    </button>
                })}
                <button type="button" role="tab" class="aba" data-testid="aba-nota" aria-current=move || (as_note.get() || !window_open).then_some("page") on:click=move |_| as_note.set(true)>
                    "Nota interna"
                </button>
            </div>
            {move || {
                let s = suggestions.get();
                (!s.is_empty()).then(|| view! {
                    <ul class="sugestoes" data-testid="sugestoes" role="listbox">
                        {s.into_iter().map(|c| {
                            let body = c.body.clone();
                            view! {
                                <li role="option">
                                    <button type="button" class="w-full px-3 py-1.5 text-left hover:bg-fundo" on:click=move |_| text.set(body.clone())>
                                        <span class="font-mono text-xs text-marca-700">"/" {c.shortcut.clone()}</span>
                                        " " <span class="text-sm">{c.title.clone()}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            {move || uploading.get().then(|| view! {
                <p class="dica mb-2" role="status">"Enviando o arquivo…"</p>
            })}
            {move || pending.get().map(|a| view! {
                <div class="anexo-pendente" data-testid="anexo-pendente">
                    <span>"📎 " {a.filename.clone()} " · " {human_size(a.size)}</span>
                    {(!takes_caption(channel, a.kind)).then(|| view! {
                        <span class="dica">" — o texto segue em outra mensagem"</span>
                    })}
                    <button type="button" class="ml-auto px-1" aria-label="Remover anexo" on:click=move |_| pending.set(None)>"✕"</button>
                </div>
            })}
            <div class="flex items-end gap-2">
                <div class="relative">
                    <button type="button" class="botao-secundario px-2" aria-label="Emoji" on:click=move |_| emoji_open.update(|o| *o = !*o)>"😊"</button>
                    <Show when=move || emoji_open.get()>
                        <div class="grade-emoji" role="dialog" aria-label="Emoji">
                            {EMOJI.iter().map(|e| {
                                let e = *e;
                                view! { <button type="button" class="p-1 text-xl hover:bg-fundo" on:click=move |_| { text.update(|t| t.push_str(e)); emoji_open.set(false); }>{e}</button> }
                            }).collect_view()}
                        </div>
                    </Show>
                </div>
                {(window_open && !resolved).then(|| view! {
                    <label class="botao-secundario cursor-pointer px-2" title="Anexar arquivo" data-testid="anexar"
                        class:opacity-50=move || uploading.get() || as_note.get()>
                        "📎"
                        <span class="sr-only">"Anexar arquivo"</span>
                        <input type="file" class="sr-only" data-testid="anexo-arquivo"
                            disabled=move || uploading.get() || as_note.get()
                            on:change=on_file />
                    </label>
                })}
                <textarea
                    class="entrada min-h-12 flex-1 resize-y"
                    rows="2"
                    data-testid="campo-mensagem"
                    aria-label="Mensagem"
                    placeholder=move || if as_note.get() || !window_open {
                        "Nota interna: só a equipe vê (Enter envia, Shift+Enter quebra linha)"
                    } else {
                        "Escreva uma resposta — Enter envia, Shift+Enter quebra linha, / para respostas prontas"
                    }
                    class:nota=move || as_note.get() || !window_open
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=on_key
                ></textarea>
                <button type="button" class="botao-primario" data-testid="enviar" disabled=move || sending.get()
                    on:click=move |_| { if !window_open { as_note.set(true); } send() }>
                    {move || if as_note.get() || !window_open { "Salvar nota" } else { "Enviar" }}
                </button>
            </div>
        </div>
    }
}

#[component]
fn TemplatePicker(
    id: ConversationId,
    templates: Vec<TemplateView>,
    messages: RwSignal<Vec<MessageView>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    if templates.is_empty() {
        return view! {
            <p class="dica mb-2" data-testid="sem-modelos">
                "Nenhum modelo aprovado neste canal. Sincronize os modelos em Configurações → Canais."
            </p>
        }
        .into_any();
    }
    let chosen = RwSignal::new(0usize);
    let values = RwSignal::new(Vec::<String>::new());
    let all = StoredValue::new(templates);
    let current = move || all.with_value(|t| t.get(chosen.get()).cloned());
    Effect::new(move |_| {
        let n = current().map(|t| t.parameter_count as usize).unwrap_or(0);
        values.set(vec![String::new(); n]);
    });
    let send = move |_| {
        let Some(t) = all.with_value(|t| t.get(chosen.get_untracked()).cloned()) else {
            return;
        };
        let vals = values.get_untracked();
        spawn_local(async move {
            match send_template(id, t.name.clone(), t.language.clone(), vals).await {
                Ok(m) => {
                    notice.set(Some(format!("Modelo “{}” enviado.", t.name)));
                    messages.update(|ms| ms.push(m));
                    scroll_to_end();
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    view! {
        <div class="seletor-modelos" data-testid="seletor-modelos">
            <label class="campo">
                <span class="rotulo">"Modelo aprovado"</span>
                <select class="entrada" data-testid="modelo" on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {all.with_value(|ts| ts.iter().enumerate().map(|(i, t)| view! {
                        <option value=i.to_string()>{format!("{} ({}, {})", t.name, t.language, t.category.to_lowercase())}</option>
                    }).collect_view())}
                </select>
            </label>
            {move || {
                let n = values.get().len();
                (0..n).map(|i| view! {
                    <label class="campo">
                        <span class="rotulo">{format!("Parâmetro {{{{{}}}}}", i + 1)}</span>
                        <input class="entrada" data-testid=format!("parametro-{}", i + 1)
                            prop:value=move || values.get().get(i).cloned().unwrap_or_default()
                            on:input=move |ev| { let v = event_target_value(&ev); values.update(|vs| if let Some(x) = vs.get_mut(i) { *x = v; }); } />
                    </label>
                }).collect_view()
            }}
            <p class="previa-modelo" data-testid="previa-modelo">
                {move || current().map(|t| t.render(&values.get())).unwrap_or_default()}
            </p>
            <button type="button" class="botao-primario" data-testid="enviar-modelo" on:click=send>"Enviar modelo"</button>
        </div>
    }
    .into_any()
}

#[component]
fn ContactSide(detail: ConversationDetail, notice: RwSignal<Option<String>>) -> impl IntoView {
    let session = use_session();
    let id = detail.row.id;
    let contact = RwSignal::new(detail.contact.clone());
    let cpf = RwSignal::new(detail.contact.cpf.clone());
    let masked = RwSignal::new(detail.contact.cpf_masked);
    let editing = RwSignal::new(false);
    let name = RwSignal::new(detail.contact.name.clone().unwrap_or_default());
    let email = RwSignal::new(detail.contact.email.clone().unwrap_or_default());
    let phone = RwSignal::new(detail.contact.phone.clone().unwrap_or_default());
    let attrs = RwSignal::new(
        detail
            .contact
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>(),
    );
    let reveal = move |_| {
        spawn_local(async move {
            match reveal_cpf(id).await {
                Ok(full) => {
                    cpf.set(Some(full));
                    masked.set(false);
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ContactInput {
            name: Some(name.get_untracked()),
            phone: Some(phone.get_untracked()),
            email: Some(email.get_untracked()),
            cpf: None,
            attributes: Some(
                attrs
                    .get_untracked()
                    .into_iter()
                    .filter(|(k, _)| !k.trim().is_empty())
                    .map(|(k, v)| (k.trim().to_owned(), v))
                    .collect(),
            ),
        };
        spawn_local(async move {
            match update_contact(id, input).await {
                Ok(panel) => {
                    contact.set(panel);
                    editing.set(false);
                    notice.set(Some("Contato atualizado.".into()));
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let navigate = use_navigate();
    let can_reveal = session.can(Permission::RevealCpf);
    view! {
        <aside class="coluna-contato" aria-label="Contato" data-testid="painel-contato">
            <h3 class="text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Contato"</h3>
            <Show when=move || !editing.get() fallback=move || view! {
                <form class="flex flex-col gap-2" on:submit=save>
                    <label class="campo"><span class="rotulo">"Nome"</span><input class="entrada" bind:value=name /></label>
                    <label class="campo"><span class="rotulo">"Telefone"</span><input class="entrada" bind:value=phone /></label>
                    <label class="campo"><span class="rotulo">"E-mail"</span><input class="entrada" bind:value=email /></label>
                    <p class="rotulo">"Atributos"</p>
                    {move || attrs.get().into_iter().enumerate().map(|(i, (k, v))| view! {
                        <div class="grid grid-cols-2 gap-1">
                            <input class="entrada" aria-label="Atributo" prop:value=k on:input=move |ev| { let x = event_target_value(&ev); attrs.update(|a| a[i].0 = x); } />
                            <input class="entrada" aria-label="Valor" prop:value=v on:input=move |ev| { let x = event_target_value(&ev); attrs.update(|a| a[i].1 = x); } />
                        </div>
                    }).collect_view()}
                    <button type="button" class="botao-link text-left" on:click=move |_| attrs.update(|a| a.push((String::new(), String::new())))>"+ Atributo"</button>
                    <div class="flex gap-2">
                        <button type="submit" class="botao-primario">"Salvar"</button>
                        <button type="button" class="botao-secundario" on:click=move |_| editing.set(false)>"Cancelar"</button>
                    </div>
                </form>
            }>
                <dl class="dados-contato">
                    <dt>"Nome"</dt><dd>{move || contact.get().name.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Telefone"</dt><dd>{move || contact.get().phone.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"E-mail"</dt><dd>{move || contact.get().email.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"CPF"</dt>
                    <dd data-testid="cpf">
                        {move || cpf.get().unwrap_or_else(|| "—".into())}
                        {move || (masked.get() && can_reveal).then(|| view! {
                            <button type="button" class="botao-link ml-2 text-xs" data-testid="revelar-cpf" on:click=reveal>"Revelar"</button>
                        })}
                    </dd>
                    {move || contact.get().attributes.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
                <button type="button" class="botao-link text-left text-sm" data-testid="editar-contato" on:click=move |_| editing.set(true)>"Editar contato"</button>
            </Show>
            <h3 class="mt-4 text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Canais"</h3>
            <ul class="text-sm">
                {move || contact.get().identities.into_iter().map(|i| {
                    let (badge, label) = channel_badge(i.channel_kind);
                    view! { <li class="flex items-center gap-2 py-0.5"><span class=badge>{label}</span><span class="truncate font-mono text-xs">{i.external_id}</span></li> }
                }).collect_view()}
            </ul>
            <h3 class="mt-4 text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Conversas"</h3>
            <ul class="text-sm">
                {move || contact.get().conversations.into_iter().map(|c| {
                    let (badge, label) = channel_badge(c.channel_kind);
                    let navigate = navigate.clone();
                    let target = c.id;
                    view! {
                        <li>
                            <button type="button" class="flex w-full items-center gap-2 py-1 text-left hover:underline" aria-current=(target == id).then_some("true")
                                on:click=move |_| navigate(&format!("/conversas?c={target}"), Default::default())>
                                <span class=badge>{label}</span>
                                <span>{hhmm(c.created_at)}</span>
                                <span class=status_class(c.status)>{c.status.label()}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </aside>
    }
}
