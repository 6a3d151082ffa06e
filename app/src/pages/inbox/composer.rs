//! The composer: replies and private notes, attachments, saved replies after `/`, emoji, and
//! templates when the WhatsApp window is closed.

use super::dom::{js_now, scroll_to_end};
use crate::api::inbox::{canned_responses, send_attachment, send_reply, send_template};
use crate::components::live::use_live_feed;
use crate::components::upload::human_size;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::MessageView;
use shared::inbox::{CannedResponse, ConversationDetail, TemplateView};
use shared::messaging::{takes_caption, Attachment};
use shared::timeline::Timeline as TimelineState;
use shared::ConversationId;

const EMOJI: [&str; 24] = [
    "😀", "😊", "😉", "🙂", "😅", "😂", "🙏", "👍", "👏", "👋", "🤝", "💙", "✅", "⚠️", "❗", "📄",
    "📎", "💰", "📅", "⏰", "🚚", "🎉", "😔", "🤔",
];

#[component]
pub fn Composer(
    detail: ConversationDetail,
    messages: RwSignal<TimelineState>,
    notice: RwSignal<Option<String>>,
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
    let session = crate::components::session::use_session();
    let push = move |m: MessageView| {
        messages.update(|t| t.merge(vec![m]));
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
                    match send_attachment(id, media, caption, Some(crate::client::random_id()))
                        .await
                    {
                        Ok(m) => {
                            pending.set(None);
                            push(m);
                            if captioned || body.trim().is_empty() {
                                Ok(None)
                            } else {
                                send_reply(id, body, false, Some(crate::client::random_id()))
                                    .await
                                    .map(Some)
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
                None => send_reply(id, body, note, Some(crate::client::random_id()))
                    .await
                    .map(Some),
            };
            match result {
                Ok(m) => {
                    text.set(String::new());
                    notice.set(None);
                    if !note {
                        session.after_work();
                    }
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
                // "/" with no saved reply at all: say where they are made.
                let none_saved = text.with(|t| t == "/") && canned.with(Vec::is_empty);
                none_saved.then(|| view! {
                    <p class="sugestoes px-3 py-2 text-sm text-tinta-suave" data-testid="sem-respostas">
                        "Nenhuma resposta pronta ainda. Crie em "
                        <a class="botao-link px-0" href="/respostas-prontas">"Respostas prontas"</a>
                        " (atalho, título e texto) e use aqui com /atalho."
                    </p>
                })
            }}
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
                    title="Enter envia; Shift+Enter quebra a linha"
                    placeholder=move || if as_note.get() || !window_open {
                        "Nota interna: só a equipe vê"
                    } else {
                        "Escreva uma resposta (/ para respostas prontas)"
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
    messages: RwSignal<TimelineState>,
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
                    messages.update(|t| t.merge(vec![m]));
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
