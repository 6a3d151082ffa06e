//! The conversation's timeline: messages of every channel and the conversation's events, in
//! order, with delivery ticks and media.

use super::format::{channel_badge, hhmm};
use crate::components::rich::rich_text;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::dto::MessageView;
use shared::inbox::ConversationEventView;
use shared::messaging::{Author, DeliveryStatus, Direction, MessageKind};
use shared::timeline::Timeline as TimelineState;
use shared::ConversationId;

/// One item of the timeline: a message or an event, in time order.
enum Item {
    /// A message, and whether its channel differs from the one before.
    Message(MessageView, bool),
    Event(ConversationEventView),
}

#[component]
pub fn Timeline(
    messages: RwSignal<TimelineState>,
    events: Vec<ConversationEventView>,
    current: ConversationId,
) -> impl IntoView {
    let items = move || {
        let ms = messages.with(|t| t.messages().to_vec());
        let first = ms.first().map(|m| m.created_at);
        let changes = shared::timeline::channel_changes(&ms);
        let mut items: Vec<(DateTime<Utc>, Item)> = ms
            .into_iter()
            .zip(changes)
            .map(|(m, changed)| (m.created_at, Item::Message(m, changed)))
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
                        Item::Message(m, channel_changed) => {
                            view! { <Bubble m current channel_changed /> }.into_any()
                        }
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
                {(!text.is_empty()).then(|| view! { <p class="texto">{rich_text(&text)}</p> })}
            }
            .into_any()
        }
        MessageKind::Audio => view! { <audio controls preload="none" src=media_url></audio> }.into_any(),
        MessageKind::Video => view! {
            <video controls preload="none" class="midia" src=media_url></video>
            {(!text.is_empty()).then(|| view! { <p class="texto">{rich_text(&text)}</p> })}
        }
        .into_any(),
        MessageKind::Document => {
            let name = str_at(c, &["media", "filename"]).unwrap_or("Documento").to_owned();
            view! {
                <a class="documento" href=media_url target="_blank" rel="noopener">"📄 " {name}</a>
                {(!text.is_empty()).then(|| view! { <p class="texto">{rich_text(&text)}</p> })}
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
                <p class="texto">{rich_text(&text)}</p>
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
        MessageKind::Template if c.get("rendered").is_some() => {
            let name = c.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_owned();
            let r: Option<shared::sent_template::RenderedTemplate> =
                serde_json::from_value(c.get("rendered").cloned().unwrap_or_default()).ok();
            let r = r.unwrap_or(shared::sent_template::RenderedTemplate {
                header: None,
                body: text.clone(),
                footer: None,
                buttons: Vec::new(),
            });
            view! {
                <p class="text-xs font-semibold uppercase tracking-wide opacity-70">"Modelo " {name}</p>
                {r.header.map(|h| view! { <p class="texto font-semibold">{h}</p> })}
                <p class="texto">{rich_text(&r.body)}</p>
                {r.footer.map(|f| view! { <p class="text-xs opacity-70">{f}</p> })}
                {(!r.buttons.is_empty()).then(|| view! {
                    <div class="botoes-mensagem">{r.buttons.into_iter().map(|b| view! { <span class="botao-mensagem">{b.title}</span> }).collect_view()}</div>
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
        _ => view! { <p class="texto">{rich_text(&text)}</p> }.into_any(),
    }
}

#[component]
fn Bubble(m: MessageView, current: ConversationId, channel_changed: bool) -> impl IntoView {
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
                {channel_changed.then(|| view! { <span class=badge title="O atendimento continuou neste canal">{label}</span> })}
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
