//! The open conversation: loads it, keeps its [`Timeline`] in step with the live feed (new
//! messages, ticks, changes by others, who else is looking), and lays out its parts.

use super::composer::Composer;
use super::contact::ContactSide;
use super::dom::{js_now, scroll_to_end};
use super::header::{Header, Viewers};
use super::timeline::Timeline;
use crate::api::inbox::{earlier_messages, messages_after, open_conversation};
use crate::components::live::use_live_feed;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::inbox::{ConversationDetail, InboxEvent};
use shared::timeline::Timeline as TimelineState;
use shared::{ConversationId, UserId};
use std::collections::BTreeMap;

#[component]
pub fn ConversationPane(id: ConversationId) -> impl IntoView {
    let detail = RwSignal::new(None::<ConversationDetail>);
    let messages = RwSignal::new(TimelineState::default());
    let has_earlier = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let viewers = RwSignal::new(BTreeMap::<UserId, (String, bool, f64)>::new());
    // What the agent is typing: kept here, so a reload of the conversation (someone assigns or
    // transfers it meanwhile) redraws the composer without losing the draft.
    let draft = RwSignal::new(String::new());
    let feed = use_live_feed();

    let reload = move || {
        spawn_local(async move {
            match open_conversation(id).await {
                Ok(d) => {
                    // The answer may have been read before a tick the feed already gave.
                    messages.update(|t| t.replace(d.messages.clone()));
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
        let after = messages.with_untracked(TimelineState::last_seq);
        spawn_local(async move {
            if let Ok(new) = messages_after(id, after).await {
                if !new.is_empty() {
                    messages.update(|t| t.merge(new));
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
                messages.update(|t| t.tick(message_id, status));
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
        let before = messages.with_untracked(TimelineState::first_seq);
        spawn_local(async move {
            if let Ok((older, more)) = earlier_messages(id, before).await {
                messages.update(|t| t.prepend(older));
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
                            <Composer detail=d.clone() messages notice draft />
                        }
                    })
            }}
        </section>
        {move || detail.get().map(|d| view! { <ContactSide detail=d notice /> })}
    }
}
