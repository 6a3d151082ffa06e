//! `/demonstracao`: the simulator sales presentations run on. A phone shows the customer's
//! side in the chosen app's skin (WhatsApp, Messenger, Instagram, the platform's webchat); the
//! messages go through the real pipeline and bot, so the conversation also shows in the inbox.
//! The presenter panel shows what the platform does meanwhile.
//!
//! Why ~600 lines: the four skins share one phone, one message list and one composer, and differ
//! only in classes and labels (the `SKINS` table); splitting by skin would repeat the phone.

use crate::api::demo::{demo_campaign, demo_enabled, demo_poll, demo_restart, demo_send};
use crate::components::rich::rich_text;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::dto::{DemoSnapshot, MessageView};
use shared::messaging::{ChannelKind, ConversationStatus, Direction, Outbound};

const SKINS: [(ChannelKind, &str, &str); 4] = [
    (ChannelKind::Whatsapp, "whatsapp", "WhatsApp"),
    (ChannelKind::Messenger, "messenger", "Messenger"),
    (ChannelKind::Instagram, "instagram", "Instagram"),
    (ChannelKind::Webchat, "webchat", "Webchat"),
];

const COMPANY: &str = "Águas do Vale";

fn skin_code(kind: ChannelKind) -> &'static str {
    SKINS
        .iter()
        .find(|s| s.0 == kind)
        .map(|s| s.1)
        .unwrap_or("whatsapp")
}

/// An option the customer can tap: id, title, description.
type Opt = (String, String, Option<String>);

/// What an outbound message offers: (list button label, options) — no label for buttons.
fn offered(m: &MessageView) -> Option<(Option<String>, Vec<Opt>)> {
    match serde_json::from_value::<Outbound>(m.content.clone()).ok()? {
        Outbound::Buttons { buttons, .. } => Some((
            None,
            buttons.into_iter().map(|b| (b.id, b.title, None)).collect(),
        )),
        Outbound::List {
            button, sections, ..
        } => Some((
            Some(button),
            sections
                .into_iter()
                .flat_map(|s| s.rows)
                .map(|r| (r.id, r.title, r.description))
                .collect(),
        )),
        // A template's quick replies (a campaign's "Negociar", "Parar de receber").
        Outbound::Template {
            rendered: Some(r), ..
        } => {
            let opts: Vec<Opt> = r
                .buttons
                .into_iter()
                .filter_map(|b| b.reply.map(|id| (id, b.title, None)))
                .collect();
            (!opts.is_empty()).then_some((None, opts))
        }
        _ => None,
    }
}

/// A template's header and footer, as WhatsApp shows them around the body.
fn template_frame(m: &MessageView) -> (Option<String>, Option<String>) {
    match serde_json::from_value::<Outbound>(m.content.clone()) {
        Ok(Outbound::Template {
            rendered: Some(r), ..
        }) => (r.header, r.footer),
        _ => (None, None),
    }
}

fn time_of(m: &MessageView) -> String {
    #[cfg(feature = "hydrate")]
    {
        m.created_at
            .with_timezone(&chrono::Local)
            .format("%H:%M")
            .to_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        m.created_at.format("%H:%M").to_string()
    }
}

fn new_session() -> String {
    crate::client::random_id()
}

/// Where the simulator keeps its visitors (one per skin) across reloads, so the conversation
/// an agent answers is the one the phone shows.
#[cfg(feature = "hydrate")]
const SESSIONS_KEY: &str = "omni-demo-sessoes";

type Sessions = std::collections::HashMap<ChannelKind, String>;

fn stored_sessions() -> Sessions {
    #[cfg(feature = "hydrate")]
    {
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(SESSIONS_KEY).ok().flatten());
        if let Some(map) = stored.and_then(|json| {
            serde_json::from_str::<std::collections::HashMap<String, String>>(&json).ok()
        }) {
            return map
                .into_iter()
                .filter_map(|(code, id)| SKINS.iter().find(|s| s.1 == code).map(|s| (s.0, id)))
                .collect();
        }
    }
    Sessions::new()
}

fn store_sessions(sessions: &Sessions) {
    #[cfg(feature = "hydrate")]
    {
        let map: std::collections::HashMap<&str, &String> = sessions
            .iter()
            .map(|(kind, id)| (skin_code(*kind), id))
            .collect();
        if let (Some(storage), Ok(json)) = (
            web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
            serde_json::to_string(&map),
        ) {
            let _ = storage.set_item(SESSIONS_KEY, &json);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = sessions;
}

#[component]
pub fn DemoPage() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| {
        q.get("canal")
            .and_then(|c| SKINS.iter().find(|s| s.1 == c).map(|s| s.0))
            .unwrap_or(ChannelKind::Whatsapp)
    });
    let skin = RwSignal::new(initial);
    // One visitor per skin: each skin is its own channel and conversation.
    let sessions = RwSignal::new(Sessions::new());
    let messages = RwSignal::new(Vec::<MessageView>::new());
    let snapshot = RwSignal::new(DemoSnapshot::default());
    let draft = RwSignal::new(String::new());
    let sheet = RwSignal::new(None::<(String, Vec<Opt>)>);
    let chosen = RwSignal::new(None::<Opt>);
    let panel = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let polling = StoredValue::new(false);
    let enabled = Resource::new(|| (), |_| demo_enabled());
    let hydrated = crate::components::hydration::use_hydrated();

    let session = move || {
        sessions
            .with(|s| s.get(&skin.get()).cloned())
            .unwrap_or_default()
    };
    let poll = move || {
        let kind = skin.get_untracked();
        let Some(id) = sessions.with_untracked(|s| s.get(&kind).cloned()) else {
            return;
        };
        if polling.get_value() {
            return;
        }
        polling.set_value(true);
        let after = messages.with_untracked(|m| m.last().map(|m| m.seq).unwrap_or(0));
        spawn_local(async move {
            let result = demo_poll(kind, id.clone(), after).await;
            polling.set_value(false);
            // The skin or the session changed meanwhile: drop the answer.
            if skin.get_untracked() != kind
                || sessions.with_untracked(|s| s.get(&kind) != Some(&id))
            {
                return;
            }
            match result {
                Ok(mut snap) => {
                    let new = std::mem::take(&mut snap.messages);
                    if !new.is_empty() {
                        messages.update(|m| {
                            for n in new {
                                if !m.iter().any(|x| x.id == n.id) {
                                    m.push(n);
                                }
                            }
                        });
                        scroll_to_end();
                    }
                    snapshot.set(snap);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let start = move |kind: ChannelKind| {
        let id = new_session();
        sessions.update(|s| {
            s.insert(kind, id);
            store_sessions(s);
        });
        messages.set(Vec::new());
        snapshot.set(DemoSnapshot::default());
        sheet.set(None);
    };
    let switch = move |kind: ChannelKind| {
        skin.set(kind);
        messages.set(Vec::new());
        snapshot.set(DemoSnapshot::default());
        sheet.set(None);
        if sessions.with_untracked(|s| !s.contains_key(&kind)) {
            start(kind);
        }
        poll();
    };
    Effect::new(move |_| {
        // After a reload the phone goes on with the conversations it had.
        if sessions.with_untracked(|s| s.is_empty()) {
            sessions.set(stored_sessions());
        }
        if sessions.with_untracked(|s| !s.contains_key(&skin.get_untracked())) {
            start(skin.get_untracked());
        }
        poll();
        let handle = set_interval_with_handle(poll, std::time::Duration::from_millis(600));
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });

    let send = move |text: String, option: Option<String>| {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return;
        }
        let kind = skin.get_untracked();
        let id = session();
        draft.set(String::new());
        sheet.set(None);
        chosen.set(None);
        spawn_local(async move {
            match demo_send(kind, id, text, option).await {
                Ok(()) => {
                    error.set(None);
                    poll();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let campaign_sent = RwSignal::new(None::<uuid::Uuid>);
    let receive_campaign = move || {
        let id = session();
        spawn_local(async move {
            match demo_campaign(id).await {
                Ok(campaign) => {
                    campaign_sent.set(Some(campaign));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let restart = move |_| {
        campaign_sent.set(None);
        let kind = skin.get_untracked();
        let id = session();
        spawn_local(async move {
            let _ = demo_restart(kind, id).await;
        });
        start(kind);
    };

    let status_line = move || {
        let s = snapshot.get();
        match s.status {
            None => "Nenhuma conversa ainda: mande um \"oi\".".to_owned(),
            Some(ConversationStatus::Bot) => "Com o robô".to_owned(),
            Some(ConversationStatus::Waiting) => format!(
                "Na fila{}",
                s.team
                    .map(|t| format!(" da equipe {t}"))
                    .unwrap_or_default()
            ),
            Some(ConversationStatus::Open) => format!(
                "Com {}{}",
                s.agent.unwrap_or_else(|| "um atendente".into()),
                s.team.map(|t| format!(" ({t})")).unwrap_or_default()
            ),
            Some(ConversationStatus::Resolved) => "Encerrada".to_owned(),
        }
    };

    // The options of the last message from the company: chips above the composer
    // (Messenger, Instagram).
    let last_offer = move || {
        messages.with(|ms| {
            let last = ms.last()?;
            (last.direction == Direction::Outbound)
                .then(|| offered(last))
                .flatten()
        })
    };

    let bubble = move |m: MessageView| {
        let mine = m.direction == Direction::Inbound;
        let kind = skin.get_untracked();
        let text = m.text.clone().unwrap_or_default();
        let time = time_of(&m);
        let answered = mine
            && messages.with_untracked(|ms| {
                ms.iter()
                    .any(|x| x.seq > m.seq && x.direction == Direction::Outbound)
            });
        let offer = (!mine).then(|| offered(&m)).flatten();
        let (frame_top, frame_bottom) = template_frame(&m);
        let below = match (&offer, kind) {
            (Some((None, opts)), ChannelKind::Whatsapp | ChannelKind::Webchat) => {
                let opts = opts.clone();
                Some(
                    view! {
                        <div class="sim-botoes">
                            {opts
                                .into_iter()
                                .map(|(id, title, _)| {
                                    let t = title.clone();
                                    view! {
                                        <button type="button" class="sim-botao"
                                            on:click=move |_| send(t.clone(), Some(id.clone()))>
                                            {title}
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                    .into_any(),
                )
            }
            (Some((Some(label), opts)), ChannelKind::Whatsapp | ChannelKind::Webchat) => {
                let (label, opts) = (label.clone(), opts.clone());
                let l = label.clone();
                Some(
                    view! {
                        <div class="sim-botoes">
                            <button type="button" class="sim-botao sim-lista-abrir"
                                on:click=move |_| {
                                    chosen.set(None);
                                    sheet.set(Some((l.clone(), opts.clone())));
                                }>
                                <span aria-hidden="true">"☰ "</span>{label}
                            </button>
                        </div>
                    }
                    .into_any(),
                )
            }
            _ if kind == ChannelKind::Webchat && !mine && shared::payment::is_pix_code(&text) => {
                let code = text.trim().to_owned();
                let copied = RwSignal::new(false);
                Some(
                    view! {
                        <div class="sim-botoes">
                            <button type="button" class="sim-botao" data-testid="sim-copiar"
                                on:click=move |_| copied.set(crate::clipboard::copy_text(&code))>
                                {move || if copied.get() { "Código copiado!" } else { "Copiar código" }}
                            </button>
                        </div>
                    }
                    .into_any(),
                )
            }
            _ => None,
        };
        let ticks = (mine && kind == ChannelKind::Whatsapp).then(|| {
            view! {
                <span class=if answered { "sim-ticks lidas" } else { "sim-ticks" } aria-label="Entregue">
                    "✓✓"
                </span>
            }
        });
        let author = (!mine && m.author == shared::messaging::Author::Agent)
            .then(|| m.author_name.clone())
            .flatten()
            .map(|n| view! { <span class="sim-autor">{n}</span> });
        view! {
            <div class=if mine { "sim-linha sim-minha" } else { "sim-linha sim-deles" } data-testid="sim-mensagem">
                <div class="sim-bolha">
                    {author}
                    {frame_top.map(|h| view! { <strong class="sim-modelo-topo">{h}</strong> })}
                    <span class="sim-texto">{rich_text(&text)}</span>
                    {frame_bottom.map(|f| view! { <small class="sim-modelo-rodape">{f}</small> })}
                    <span class="sim-hora">{time}{ticks}</span>
                </div>
                {below}
            </div>
        }
    };

    let header = move || {
        let kind = skin.get();
        let (status, extra) = match kind {
            ChannelKind::Whatsapp => ("online", "conta comercial"),
            ChannelKind::Messenger => ("Ativo agora", ""),
            ChannelKind::Instagram => ("aguasdovale", ""),
            ChannelKind::Webchat => ("Normalmente responde em minutos", ""),
        };
        view! {
            <div class="sim-cabecalho">
                {(kind != ChannelKind::Webchat).then(|| view! { <span class="sim-voltar" aria-hidden="true">"‹"</span> })}
                <span class="sim-avatar" aria-hidden="true">"💧"</span>
                <div class="sim-nome">
                    <strong>{COMPANY}{(kind == ChannelKind::Whatsapp).then(|| view! { <span class="sim-verificado" title=extra>"✔"</span> })}</strong>
                    <small>{status}</small>
                </div>
                <span class="sim-icones" aria-hidden="true">
                    {match kind {
                        ChannelKind::Whatsapp => "📹  📞  ⋮",
                        ChannelKind::Messenger => "📞  📹  ℹ️",
                        ChannelKind::Instagram => "📞  📹",
                        ChannelKind::Webchat => "—  ✕",
                    }}
                </span>
            </div>
        }
    };

    view! {
        <Title text="Demonstração" />
        <div class=move || format!("sim-pagina pele-{}", skin_code(skin.get()))>
            <header class="sim-topo">
                <div class="sim-marca">
                    <span class="logo" aria-hidden="true">"O"</span>
                    <div>
                        <strong>"Plataforma Omnichannel"</strong>
                        <small>"Demonstração ao vivo · " {COMPANY}</small>
                    </div>
                </div>
                <nav class="sim-canais" aria-label="Canal">
                    {SKINS
                        .into_iter()
                        .map(|(kind, code, label)| {
                            view! {
                                <button type="button" data-testid=format!("pele-{code}")
                                    class=move || if skin.get() == kind { "sim-canal ativo" } else { "sim-canal" }
                                    on:click=move |_| switch(kind)>
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </nav>
                <div class="sim-acoes">
                    <button type="button" class="botao-secundario" data-testid="reiniciar" on:click=restart>
                        "Reiniciar conversa"
                    </button>
                    <button type="button" class="botao-secundario" on:click=move |_| panel.update(|p| *p = !*p)>
                        {move || if panel.get() { "Ocultar painel" } else { "Painel do apresentador" }}
                    </button>
                </div>
            </header>
            {move || match enabled.get() {
                Some(Ok(false)) => Some(view! {
                    <p class="sim-aviso">"A demonstração está desativada neste servidor."</p>
                }),
                _ => None,
            }}
            <div class="sim-palco">
                <aside class="sim-dicas">
                    <h2>"Experimente"</h2>
                    <ul>
                        <li><button type="button" on:click=move |_| draft.set("111.111.111-11".into())>"111.111.111-11"</button>
                            " Maria Silva — contas em dia"</li>
                        <li><button type="button" on:click=move |_| draft.set("222.222.222-22".into())>"222.222.222-22"</button>
                            " João Santos — três faturas vencidas"</li>
                        <li><button type="button" on:click=move |_| draft.set("123.456.789-00".into())>"123.456.789-00"</button>
                            " CPF inválido"</li>
                    </ul>
                    <h2>"Comandos"</h2>
                    <ul class="sim-comandos">
                        <li><button type="button" on:click=move |_| send("menu".into(), None)>"menu"</button>" volta ao início"</li>
                        <li><button type="button" on:click=move |_| send("ajuda".into(), None)>"ajuda"</button>" explica as opções"</li>
                        <li><button type="button" on:click=move |_| send("atendente".into(), None)>"atendente"</button>" chama uma pessoa"</li>
                        <li><button type="button" on:click=move |_| send("sair".into(), None)>"sair"</button>" encerra"</li>
                    </ul>
                    <p class="sim-nota">"As conversas aparecem na caixa de entrada dos atendentes ("<a href="/conversas" target="_blank">"Conversas"</a>"): quando o robô transfere, a resposta do atendente chega aqui."</p>
                </aside>
                <div class="sim-celular" data-testid="celular">
                    <div class="sim-tela">
                        <div class="sim-status-bar" aria-hidden="true"><span>"9:41"</span><span>"▂▄▆ 📶 🔋"</span></div>
                        {header}
                        <div class="sim-conversa" id="sim-conversa">
                            {move || (skin.get() == ChannelKind::Whatsapp).then(|| view! {
                                <p class="sim-cripto">"🔒 As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta."</p>
                            })}
                            {move || messages.get().into_iter().map(bubble).collect_view()}
                        </div>
                        {move || {
                            let kind = skin.get();
                            if !matches!(kind, ChannelKind::Messenger | ChannelKind::Instagram) {
                                return None;
                            }
                            let (_, opts) = last_offer()?;
                            Some(view! {
                                <div class="sim-chips">
                                    {opts.into_iter().map(|(id, title, _)| {
                                        let t = title.clone();
                                        view! {
                                            <button type="button" class="sim-chip" on:click=move |_| send(t.clone(), Some(id.clone()))>{title}</button>
                                        }
                                    }).collect_view()}
                                </div>
                            })
                        }}
                        <form class="sim-compositor" on:submit=move |ev| {
                            ev.prevent_default();
                            send(draft.get_untracked(), None);
                        }>
                            <input type="text" data-testid="sim-texto" autocomplete="off"
                                placeholder=move || match skin.get() {
                                    ChannelKind::Whatsapp => "Mensagem",
                                    ChannelKind::Messenger => "Aa",
                                    ChannelKind::Instagram => "Mensagem...",
                                    ChannelKind::Webchat => "Escreva sua mensagem…",
                                }
                                prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev)) />
                            <button type="submit" class="sim-enviar" data-testid="sim-enviar" aria-label="Enviar" disabled=move || !hydrated.get()>"➤"</button>
                        </form>
                        {move || sheet.get().map(|(label, opts)| view! {
                            <div class="sim-folha-fundo" on:click=move |_| sheet.set(None)></div>
                            <div class="sim-folha" role="dialog" aria-label=label.clone() data-testid="sim-lista">
                                <div class="sim-folha-topo">
                                    <button type="button" aria-label="Fechar" on:click=move |_| sheet.set(None)>"✕"</button>
                                    <strong>{label.clone()}</strong>
                                </div>
                                <ul>
                                    {opts.into_iter().map(|opt| {
                                        let o = opt.clone();
                                        let id = opt.0.clone();
                                        view! {
                                            <li>
                                                <label class="sim-opcao">
                                                    <span>
                                                        <span class="sim-opcao-titulo">{opt.1.clone()}</span>
                                                        {opt.2.clone().map(|d| view! { <small>{d}</small> })}
                                                    </span>
                                                    <input type="radio" name="sim-opcao"
                                                        prop:checked=move || chosen.with(|c| c.as_ref().map(|c| &c.0) == Some(&id))
                                                        on:change=move |_| chosen.set(Some(o.clone())) />
                                                </label>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <button type="button" class="sim-folha-enviar" data-testid="sim-lista-enviar"
                                    disabled=move || chosen.with(Option::is_none)
                                    on:click=move |_| {
                                        if let Some((id, title, _)) = chosen.get_untracked() {
                                            send(title, Some(id));
                                        }
                                    }>
                                    "Enviar"
                                </button>
                            </div>
                        })}
                    </div>
                </div>
                <aside class=move || if panel.get() { "sim-painel" } else { "sim-painel oculto" } data-testid="painel">
                    <h2>"O que a plataforma está fazendo"</h2>
                    <dl>
                        <dt>"Conversa"</dt>
                        <dd data-testid="painel-status">{status_line}</dd>
                        <dt>"Bloco atual"</dt>
                        <dd data-testid="painel-bloco">{move || snapshot.get().node.unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Robô"</dt>
                        <dd>{move || snapshot.get().bot_status.unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {move || snapshot.get().conversation_id.map(|id| view! {
                        <a class="botao-link" href=format!("/conversas?c={id}") target="_blank">"Abrir na caixa de entrada ↗"</a>
                    })}
                    {move || (skin.get() == ChannelKind::Whatsapp).then(|| view! {
                        <h3>"Campanha de cobrança"</h3>
                        <p class="sim-dica">"Envia a este celular o modelo de cobrança com as faturas vencidas de João Santos (ERP de demonstração), pelo mesmo disparador das campanhas. Toque em \"Negociar\" e informe o CPF 222.222.222-22."</p>
                        <button type="button" class="sim-acao" data-testid="sim-campanha" disabled=move || campaign_sent.get().is_some()
                            on:click=move |_| receive_campaign()>
                            "📣 Receber a cobrança"
                        </button>
                        {move || campaign_sent.get().map(|id| view! {
                            <a class="botao-link block mt-1" href=format!("/campanhas/{id}") target="_blank">"Ver a campanha ↗"</a>
                        })}
                    })}
                    <h3>"Linha do tempo"</h3>
                    <ol class="sim-eventos" data-testid="painel-eventos">
                        {move || snapshot.get().trace.into_iter().rev().map(|t| {
                            let icon = match t.kind.as_str() {
                                "node" => "◆",
                                "call" => "⇄",
                                "handoff" => "👤",
                                "end" | "close" => "■",
                                "reminder" => "⏰",
                                _ => "•",
                            };
                            let badge = t.ms.map(|ms| view! {
                                <span class=if t.ok == Some(false) { "sim-ms falha" } else { "sim-ms" }>{format!("{ms} ms")}</span>
                            });
                            view! {
                                <li class=format!("sim-evento {}", t.kind)>
                                    <span aria-hidden="true">{icon}</span>
                                    <span>{t.text}</span>
                                    {badge}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </aside>
            </div>
            {move || error.get().map(|e| view! { <p class="sim-erro" role="alert">{e}</p> })}
        </div>
    }
}

fn scroll_to_end() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("sim-conversa") {
            el.set_scroll_top(el.scroll_height());
        }
    });
}
