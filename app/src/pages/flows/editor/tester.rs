//! "Testar": the draft on the canvas run by the server's engine in a phone preview that shows
//! buttons and lists as WhatsApp does. The block the test is at is highlighted on the canvas;
//! the trace lists each ERP or HTTP call with its request, answer and latency, and the
//! variables. A test can start at the selected block and use canned ERP answers.

use super::state::use_builder;
use crate::api::flows::test_flow;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::flow::builder::{TestCall, TestRequest};
use shared::flow::engine::{BotState, Status};
use shared::flow::{Content, MediaKind};

#[derive(Debug, Clone, PartialEq)]
enum Line {
    Customer(String),
    Bot(Content),
    Note(String),
}

#[component]
pub fn TestPanel() -> impl IntoView {
    let b = use_builder();
    let state = RwSignal::new(None::<BotState>);
    let lines = RwSignal::new(Vec::<Line>::new());
    let calls = RwSignal::new(Vec::<TestCall>::new());
    let text = RwSignal::new(String::new());
    let from_selected = RwSignal::new(false);
    let canned = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let restart = move || {
        state.set(None);
        lines.set(Vec::new());
        calls.set(Vec::new());
        error.set(None);
        b.test_at.set(None);
    };
    let send = move |said: String, choice: Option<String>| {
        if said.trim().is_empty() || busy.get_untracked() {
            return;
        }
        let canned_answers = match canned.get_untracked().trim() {
            "" => Default::default(),
            raw => match serde_json::from_str(raw) {
                Ok(map) => map,
                Err(_) => {
                    error.set(Some("As respostas simuladas precisam ser um objeto JSON, por operação: {\"find_customer\": {…}}.".into()));
                    return;
                }
            },
        };
        let start_at = if from_selected.get_untracked() {
            let selected = b.selected.get_untracked();
            (selected.len() == 1)
                .then(|| selected.into_iter().next())
                .flatten()
        } else {
            None
        };
        let request = TestRequest {
            key: b.key.get_value(),
            draft: b.flow.get_untracked(),
            state: state.get_untracked(),
            text: said.clone(),
            choice,
            start_at,
            canned: canned_answers,
        };
        lines.update(|l| l.push(Line::Customer(said)));
        text.set(String::new());
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match test_flow(request).await {
                Ok(turn) => {
                    lines.update(|l| {
                        l.extend(turn.replies.into_iter().map(Line::Bot));
                        if let Some(f) = &turn.finished {
                            l.push(Line::Note(f.clone()));
                        }
                    });
                    calls.update(|c| c.extend(turn.calls));
                    let key = b.key.get_value();
                    let waiting = matches!(
                        turn.state.status,
                        Status::AwaitingInput | Status::Recovering
                    );
                    b.test_at.set(
                        (waiting && turn.state.flow == key && turn.finished.is_none())
                            .then(|| turn.state.node.clone()),
                    );
                    if let Some(at) = b.test_at.get_untracked() {
                        b.say(format!(
                            "Teste no bloco \"{}\".",
                            b.flow.with_untracked(|f| f
                                .node(&at)
                                .map(shared::flow::blocks::title)
                                .unwrap_or_default())
                        ));
                    }
                    state.set(Some(turn.state));
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    on_cleanup(move || b.test_at.set(None));

    let bubble = move |line: Line| {
        match line {
        Line::Customer(t) => view! { <div class="teste-balao teste-cliente">{t}</div> }.into_any(),
        Line::Note(t) => view! { <div class="teste-nota">{t}</div> }.into_any(),
        Line::Bot(content) => match content {
            Content::Text { text } => view! { <div class="teste-balao teste-robo">{text}</div> }.into_any(),
            Content::Buttons { text, options } => view! {
                <div class="teste-balao teste-robo">
                    {text}
                    <div class="teste-botoes">
                        {options.into_iter().map(|o| {
                            let (title, id) = (o.title.clone(), o.id.clone());
                            view! { <button type="button" class="teste-botao" on:click=move |_| send(title.clone(), Some(id.clone()))>{o.title}</button> }
                        }).collect::<Vec<_>>()}
                    </div>
                </div>
            }.into_any(),
            Content::List { text, button, options } => view! {
                <div class="teste-balao teste-robo">
                    {text}
                    <details class="teste-lista">
                        <summary class="teste-botao">"☰ " {button}</summary>
                        {options.into_iter().map(|o| {
                            let (title, id) = (o.title.clone(), o.id.clone());
                            view! {
                                <button type="button" class="teste-linha" on:click=move |_| send(title.clone(), Some(id.clone()))>
                                    <span class="font-medium">{o.title}</span>
                                    {o.description.map(|d| view! { <span class="text-xs text-tinta-suave">{d}</span> })}
                                </button>
                            }
                        }).collect::<Vec<_>>()}
                    </details>
                </div>
            }.into_any(),
            Content::Media { media, url, caption, .. } => {
                let kind = match media { MediaKind::Image => "Imagem", MediaKind::Document => "Documento", MediaKind::Video => "Vídeo", MediaKind::Audio => "Áudio" };
                view! { <div class="teste-balao teste-robo">{format!("[{kind}] {url}")} {caption.map(|c| view! { <p>{c}</p> })}</div> }.into_any()
            }
        },
    }
    };

    view! {
        <section class="painel-teste" aria-label="Testar o rascunho" data-testid="teste">
            <p class="dica">"Roda o rascunho no motor do servidor, como nos canais; nada é enviado a clientes."</p>
            <div class="flex flex-wrap items-center gap-3 text-sm">
                <label class="flex items-center gap-1"><input type="checkbox" class="caixa" bind:checked=from_selected />"Começar do bloco selecionado"</label>
                <button type="button" class="botao-link" on:click=move |_| restart()>"Reiniciar"</button>
            </div>
            <div class="teste-celular" aria-live="polite" data-testid="teste-conversa">
                {move || lines.get().into_iter().map(bubble).collect::<Vec<_>>()}
                <Show when=move || busy.get()>
                    <div class="teste-nota">"digitando…"</div>
                </Show>
            </div>
            <form class="flex gap-2" on:submit=move |ev| { ev.prevent_default(); send(text.get_untracked(), None); }>
                <input class="entrada" placeholder="Escreva como o cliente (ex.: oi)" bind:value=text aria-label="Mensagem de teste" data-testid="teste-texto" />
                <button type="submit" class="botao-primario" disabled=move || busy.get()>"Enviar"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="alerta-erro text-sm" role="alert">{e}</p> })}
            <details class="variaveis">
                <summary>"Respostas simuladas do ERP"</summary>
                <p class="dica">"JSON por operação; as demais vão ao conector configurado. Ex.: {\"find_customer\": {\"encontrado\": true, \"nome\": \"Maria\"}}"</p>
                <textarea class="entrada font-mono text-xs" rows="4" bind:value=canned aria-label="Respostas simuladas do ERP"></textarea>
            </details>
            <div>
                <h3 class="text-sm font-semibold">"Rastro"</h3>
                <ol class="flex flex-col gap-1 text-xs" data-testid="teste-rastro">
                    {move || calls.get().into_iter().map(|c| view! {
                        <li class="teste-chamada" class:falhou=!c.ok>
                            <details>
                                <summary>
                                    {if c.ok { "✓ " } else { "✗ " }} {c.what.clone()} {format!(" · {} ms", c.ms)}
                                    {c.canned.then_some(" · simulada")}
                                </summary>
                                <p class="font-semibold mt-1">"Pedido"</p>
                                <pre class="codigo">{serde_json::to_string_pretty(&c.request).unwrap_or_default()}</pre>
                                <p class="font-semibold mt-1">"Resposta"</p>
                                <pre class="codigo">{serde_json::to_string_pretty(&c.answer).unwrap_or_default()}</pre>
                            </details>
                        </li>
                    }).collect::<Vec<_>>()}
                </ol>
                {move || state.get().map(|s| view! {
                    <details class="variaveis mt-2">
                        <summary>"Variáveis"</summary>
                        <pre class="codigo">{serde_json::to_string_pretty(&s.vars).unwrap_or_default()}</pre>
                    </details>
                })}
            </div>
        </section>
    }
    .into_any()
}
