//! `/fluxos/{key}`: the flow builder. The toolbar (undo, redo, "Organizar", search, zoom,
//! publish), the palette, the canvas or its "Lista" outline, and the inspector, problems and
//! history beside it. Every change goes through the pure editor in `shared`; the draft is saved
//! automatically on the revision it was made on.

mod analytics;
mod block;
mod canvas;
mod dom;
mod geometry;
mod inspector;
mod keys;
mod minimap;
mod outline;
mod panels;
mod state;
mod tester;

pub use dom::download;

use crate::api::flows::{flow_presence, get_flow, save_flow};
use crate::components::session::{use_session, RequirePermission};
use canvas::Canvas;
use geometry::CANVAS_ID;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::error::AppError;
use shared::flow::blocks;
use shared::flow::builder::FlowDocument;
use shared::flow::edit::Change;
use shared::{Permission, Refusal};
use state::{Builder, SaveState, View};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long after the last change the draft is saved.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(1200);

#[component]
pub fn FlowEditorPage() -> impl IntoView {
    view! {
        <Title text="Fluxo" />
        <RequirePermission permission=Permission::ViewFlows>
            <Loader />
        </RequirePermission>
    }
}

#[component]
fn Loader() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let doc = RwSignal::new(None::<Result<FlowDocument, String>>);
    Effect::new(move |_| {
        let key = key();
        spawn_local(async move {
            doc.set(Some(get_flow(key).await.map_err(|e| e.message())));
        });
    });
    view! {
        {move || match doc.get() {
            None => view! { <p class="p-6 text-tinta-suave">"Abrindo o fluxo…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <div class="p-6">
                    <p class="alerta-erro" role="alert">{e}</p>
                    <a href="/fluxos" class="botao-link">"Voltar aos fluxos"</a>
                </div>
            }.into_any(),
            Some(Ok(d)) => view! { <FlowBuilder doc=d /> }.into_any(),
        }}
    }
}

fn view_key(user: &str, flow: &str) -> String {
    format!("fluxo-vista:{user}:{flow}")
}

/// Saves the draft now unless a save is on its way (it saves again when done if more changed).
fn save_now(b: Builder, in_flight: StoredValue<bool>) {
    if in_flight.get_value() || matches!(b.save.get_untracked(), SaveState::Conflict(_)) {
        return;
    }
    in_flight.set_value(true);
    let at_change = b.changes.get_untracked();
    b.save.set(SaveState::Saving);
    let flow = b.flow.get_untracked();
    let revision = b.revision.get_untracked();
    let key = b.key.get_value();
    spawn_local(async move {
        let result = save_flow(key, flow, revision).await;
        in_flight.set_value(false);
        match result {
            Ok(revision) => {
                b.revision.set(revision);
                if b.changes.get_untracked() == at_change {
                    b.save.set(SaveState::Saved);
                } else {
                    save_now(b, in_flight);
                }
            }
            Err(AppError::Refused(r @ Refusal::FlowDraftStale { .. })) => {
                b.save.set(SaveState::Conflict(r.message()));
                b.say(r.message());
            }
            Err(e) => b.save.set(SaveState::Failed(e.message())),
        }
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Inspector,
    Problems,
    History,
    Test,
    Analytics,
}

#[component]
fn FlowBuilder(doc: FlowDocument) -> impl IntoView {
    let session = use_session();
    let user = session
        .user()
        .map(|u| u.id.0.to_string())
        .unwrap_or_default();
    let b = Builder::new(doc);
    provide_context(b);
    let in_flight = StoredValue::new(false);
    let side = RwSignal::new(Side::Inspector);
    let outline = RwSignal::new(false);
    let publishing = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let search_at = StoredValue::new(0usize);

    // Who else has this flow open: a heartbeat every 15 s while the page is open.
    let others = RwSignal::new(Vec::<String>::new());
    let beat = move || {
        let key = b.key.get_value();
        spawn_local(async move {
            if let Ok(names) = flow_presence(key).await {
                others.set(names);
            }
        });
    };
    #[cfg(feature = "hydrate")]
    {
        beat();
        if let Ok(handle) = set_interval_with_handle(beat, Duration::from_secs(15)) {
            on_cleanup(move || handle.clear());
        }
    }
    let _ = &beat;

    // Autosave: a change starts the clock; more changes restart it.
    Effect::new(move |_| {
        let n = b.changes.get();
        if n == 0 {
            return;
        }
        set_timeout(
            move || {
                if b.changes.get_untracked() == n {
                    save_now(b, in_flight);
                }
            },
            AUTOSAVE_DELAY,
        );
    });

    // The view is remembered per flow and per user: read once the canvas has its size, and
    // written on each change after that (not before, or the default would overwrite it).
    let storage_key = view_key(&user, &b.key.get_value());
    let view_ready = RwSignal::new(false);
    {
        let storage_key = storage_key.clone();
        request_animation_frame(move || {
            let stored =
                dom::load(&storage_key).and_then(|s| serde_json::from_str::<View>(&s).ok());
            let view = stored.unwrap_or_else(|| {
                let r = dom::rect_of(CANVAS_ID);
                b.flow
                    .with_untracked(|f| View::fitting(f, r.width, r.height))
            });
            b.view.set(view);
            view_ready.set(true);
        });
    }
    Effect::new(move |_| {
        let v = b.view.get();
        if !view_ready.get() {
            return;
        }
        if let Ok(json) = serde_json::to_string(&v) {
            dom::store(&storage_key, &json);
        }
    });

    let fit = move || {
        let r = dom::rect_of(CANVAS_ID);
        b.view.set(
            b.flow
                .with_untracked(|f| View::fitting(f, r.width, r.height)),
        );
    };
    let zoom_by = move |factor: f64| {
        let r = dom::rect_of(CANVAS_ID);
        b.view
            .update(|v| *v = v.zoomed_at(factor, r.width / 2.0, r.height / 2.0));
    };
    let go_start = move || {
        let start = b.flow.with_untracked(|f| f.start.clone());
        b.view.update(|v| v.zoom = 1.0);
        panels::go_to(&start);
    };
    let layout = move || {
        let pinned: BTreeSet<_> = BTreeSet::new();
        if b.apply(Change::Layout { pinned }).is_some() {
            b.say("Blocos organizados em colunas a partir do início.");
            fit();
        }
    };
    let run_search = move |next: bool| {
        let q = search.get_untracked();
        let hits: Vec<_> = b.flow.with_untracked(|f| {
            f.nodes
                .iter()
                .filter(|n| blocks::matches(n, &q))
                .map(|n| n.id.clone())
                .collect()
        });
        b.search_hits.set(hits.clone());
        if hits.is_empty() {
            if !q.trim().is_empty() {
                b.say("Nenhum bloco encontrado.");
            }
            return;
        }
        let i = if next {
            (search_at.get_value() + 1) % hits.len()
        } else {
            0
        };
        search_at.set_value(i);
        panels::go_to(&hits[i]);
        b.say(format!("{} de {} blocos encontrados.", i + 1, hits.len()));
    };

    let on_key = keys::on_key(b);

    keys::listen_to_clipboard(b);

    let status = move || match b.save.get() {
        SaveState::Saved => ("Salvo", "estado-salvo"),
        SaveState::Pending => ("Não salvo", "estado-pendente"),
        SaveState::Saving => ("Salvando…", "estado-pendente"),
        SaveState::Conflict(_) => ("Não salvo: conflito", "estado-erro"),
        SaveState::Failed(_) => ("Não salvo", "estado-erro"),
    };
    let reload = move || {
        let key = b.key.get_value();
        spawn_local(async move {
            if let Ok(doc) = get_flow(key).await {
                b.reset(doc);
                b.say("Fluxo recarregado com a versão salva.");
            }
        });
    };
    let keep_copy = move || {
        let flow = b.flow.get_untracked();
        if let Ok(json) = serde_json::to_string_pretty(&flow) {
            dom::download(&format!("{}-minha-versao.json", flow.key), &json);
        }
    };
    let export = move || {
        let flow = b.flow.get_untracked();
        if let Ok(json) = serde_json::to_string_pretty(&flow) {
            dom::download(&format!("{}.json", flow.key), &json);
        }
    };
    let problem_count = Memo::new(move |_| {
        b.problems
            .with(|p| p.iter().filter(|e| !e.is_warning()).count())
    });
    let editable = b.editable;

    let toolbar = view! {
            <header class="construtor-barra">
                <h1 class="sr-only">{move || b.flow.with(|f| format!("Fluxo {}", f.name))}</h1>
                <a href="/fluxos" class="botao-link" aria-label="Voltar aos fluxos">"← Fluxos"</a>
                <input class="entrada nome-fluxo" prop:value=move || b.flow.with(|f| f.name.clone()) disabled=!editable
                    aria-label="Nome do fluxo" data-testid="nome-fluxo"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        b.apply(Change::Rename(v));
                    } />
                <span class="chip" title="Versão publicada (a que os clientes veem)">
                    {move || format!("v{}", b.published_version.get())}
                </span>
                <span class=move || format!("estado-salvamento {}", status().1) role="status" data-testid="estado-salvamento">
                    {move || status().0}
                </span>
                {move || {
                    let names = others.get();
                    (!names.is_empty()).then(|| view! {
                        <span class="chip bg-amber-100 text-amber-900" role="status" data-testid="outros-editando"
                            title="Outras pessoas com este fluxo aberto: quem salvar primeiro fica com a revisão">
                            {format!("Também aqui: {}", names.join(", "))}
                        </span>
                    })
                }}
                <div class="grupo-botoes" role="group" aria-label="Desfazer e refazer">
                    <button type="button" class="botao-icone" title="Desfazer (Ctrl+Z)" aria-label="Desfazer"
                        disabled=move || !b.editor.with(|e| e.can_undo()) on:click=move |_| b.undo()>"↶"</button>
                    <button type="button" class="botao-icone" title="Refazer (Ctrl+Shift+Z)" aria-label="Refazer"
                        disabled=move || !b.editor.with(|e| e.can_redo()) on:click=move |_| b.redo()>"↷"</button>
                </div>
                <button type="button" class="botao-secundario" disabled=!editable on:click=move |_| layout()>"Organizar"</button>
                <form class="busca-fluxo" role="search" on:submit=move |ev| { ev.prevent_default(); run_search(true); }>
                    <input class="entrada" type="search" placeholder="Buscar blocos, textos, variáveis, URLs"
                        aria-label="Buscar no fluxo" bind:value=search
                        on:input=move |_| run_search(false) />
                </form>
                <div class="grupo-botoes" role="group" aria-label="Zoom">
                    <button type="button" class="botao-icone" aria-label="Diminuir o zoom" title="Diminuir o zoom" on:click=move |_| zoom_by(1.0 / 1.25)>"−"</button>
                    <span class="text-xs w-10 text-center" aria-live="off">{move || format!("{:.0}%", b.view.get().zoom * 100.0)}</span>
                    <button type="button" class="botao-icone" aria-label="Aumentar o zoom" title="Aumentar o zoom" on:click=move |_| zoom_by(1.25)>"+"</button>
                    <button type="button" class="botao-icone" aria-label="Ajustar à tela" title="Ajustar à tela" on:click=move |_| fit()>"⤢"</button>
                    <button type="button" class="botao-icone" aria-label="Ir ao início" title="Ir ao início" on:click=move |_| go_start()>"⌂"</button>
                </div>
                <button type="button" class="botao-secundario" aria-pressed=move || outline.get().to_string()
                    on:click=move |_| outline.update(|o| *o = !*o)>
                    {move || if outline.get() { "Tela" } else { "Lista" }}
                </button>
                <button type="button" class="botao-link" title="Baixar o rascunho como JSON" on:click=move |_| export()>"Exportar"</button>
                {editable.then(|| view! {
                    <button type="button" class="botao-primario" data-testid="publicar"
                        title=move || { if problem_count.get() > 0 { "Corrija os problemas antes de publicar" } else { "" } }
                        on:click=move |_| {
                            if b.save.get_untracked() == SaveState::Pending {
                                save_now(b, in_flight);
                            }
                            publishing.set(true);
                        }>"Publicar"</button>
                })}
            </header>
    }
    .into_any();
    let banners = view! {
            {move || b.notice.get().map(|text| view! {
                <div class="alerta-ok construtor-aviso" role="status">{text}</div>
            })}
            {move || match b.save.get() {
                SaveState::Conflict(message) => Some(view! {
                    <div class="alerta-erro construtor-aviso" role="alert" data-testid="conflito">
                        <span>{message}</span>
                        <button type="button" class="botao-secundario" on:click=move |_| reload()>"Recarregar a versão salva"</button>
                        <button type="button" class="botao-secundario" on:click=move |_| keep_copy()>"Baixar a minha versão (JSON)"</button>
                    </div>
                }.into_any()),
                SaveState::Failed(message) => Some(view! {
                    <div class="alerta-erro construtor-aviso" role="alert">
                        <span>{message}</span>
                        <button type="button" class="botao-secundario" on:click=move |_| save_now(b, in_flight)>"Tentar de novo"</button>
                    </div>
                }.into_any()),
                _ => None,
            }}
            {(!editable).then(|| view! {
                <div class="alerta-info construtor-aviso">"Você pode ver este fluxo; só administradores o alteram."</div>
            })}
    }
    .into_any();
    let body = view! {
            <div class="construtor-corpo">
                <panels::Palette />
                <div class="construtor-centro">
                    <Show when=move || !outline.get() fallback=|| view! { <outline::Outline /> }>
                        <Canvas />
                        <minimap::Minimap />
                    </Show>
                </div>
                <div class="construtor-lado">
                    <div class="abas" role="tablist" aria-label="Painéis">
                        <button type="button" role="tab" class="aba" aria-selected=move || (side.get() == Side::Inspector).to_string()
                            on:click=move |_| side.set(Side::Inspector)>"Propriedades"</button>
                        <button type="button" role="tab" class="aba" data-testid="aba-problemas" aria-selected=move || (side.get() == Side::Problems).to_string()
                            on:click=move |_| side.set(Side::Problems)>
                            "Problemas"
                            {move || {
                                let n = b.problems.with(|p| p.len());
                                (n > 0).then(|| view! { <span class="selo-erro ml-1">{n}</span> })
                            }}
                        </button>
                        <button type="button" role="tab" class="aba" data-testid="aba-historico" aria-selected=move || (side.get() == Side::History).to_string()
                            on:click=move |_| side.set(Side::History)>"Histórico"</button>
                        <button type="button" role="tab" class="aba" data-testid="aba-testar" aria-selected=move || (side.get() == Side::Test).to_string()
                            disabled=!editable on:click=move |_| side.set(Side::Test)>"Testar"</button>
                        <button type="button" role="tab" class="aba" data-testid="aba-analise" aria-selected=move || (side.get() == Side::Analytics).to_string()
                            on:click=move |_| side.set(Side::Analytics)>"Análise"</button>
                    </div>
                    {move || match side.get() {
                        Side::Inspector => view! { <inspector::Inspector /> }.into_any(),
                        Side::Problems => view! { <panels::ProblemsPanel /> }.into_any(),
                        Side::History => view! { <panels::HistoryPanel /> }.into_any(),
                        Side::Test => view! { <tester::TestPanel /> }.into_any(),
                        Side::Analytics => view! { <analytics::AnalyticsPanel /> }.into_any(),
                    }}
                </div>
            </div>
    }
    .into_any();
    view! {
        <div class="construtor" on:keydown=on_key>
            {toolbar}
            {banners}
            {body}
            <div class="sr-only" aria-live="polite" data-testid="anuncio">{move || b.announce.get()}</div>
            <panels::PublishDialog open=publishing />
        </div>
    }
    .into_any()
}
