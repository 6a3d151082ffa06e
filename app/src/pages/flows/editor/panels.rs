//! The panels beside the canvas: "Problemas" (the validator's messages, each taking you to its
//! block), the version history (compare, restore), publishing with a note, and the palette.

use super::dom;
use super::geometry::{block_dom_id, CANVAS_ID};
use super::state::{use_builder, SaveState};
use crate::api::flows::{
    flow_version, flow_versions, get_flow, publish_flow, restore_flow_version,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::flow::blocks::Block;
use shared::flow::builder::VersionView;
use shared::flow::NodeId;

/// Selects a block and brings it to the middle of the canvas.
pub fn go_to(id: &NodeId) {
    let b = use_builder();
    let Some(at) = b.flow.with_untracked(|f| f.node(id).map(|n| n.position)) else {
        return;
    };
    let r = dom::rect_of(CANVAS_ID);
    b.view.update(|v| *v = v.centred_on(at, r.width, r.height));
    b.select_only(id.clone());
    // Next frame: in a large flow the block is drawn only once it is near the screen.
    dom::focus_soon(block_dom_id(id));
}

#[component]
pub fn Palette() -> impl IntoView {
    let b = use_builder();
    view! {
        <nav class="paleta" aria-label="Paleta de blocos" data-testid="paleta">
            <h2 class="paleta-titulo">"Blocos"</h2>
            <p class="dica">"Arraste para a tela, ou clique para pôr no centro."</p>
            <ul class="flex flex-col gap-1">
                {Block::ALL.into_iter().map(|block| view! {
                    <li>
                        <button
                            type="button"
                            class="item-paleta"
                            draggable="true"
                            disabled=!b.editable
                            data-bloco=block.code()
                            on:dragstart=move |ev: leptos::ev::DragEvent| {
                                #[cfg(feature = "hydrate")]
                                if let Some(d) = ev.data_transfer() {
                                    let _ = d.set_data("text/plain", &format!("bloco:{}", block.code()));
                                    d.set_effect_allowed("copy");
                                }
                                let _ = &ev;
                            }
                            on:click=move |_| {
                                let r = dom::rect_of(CANVAS_ID);
                                let at = b.view.get_untracked().to_flow(r.width / 2.0 - 130.0, r.height / 2.0 - 40.0);
                                let at = shared::flow::Position { x: at.x.round(), y: at.y.round() };
                                if let Some(id) = b.add(block, at) {
                                    dom::focus_soon(block_dom_id(&id));
                                }
                            }
                        >
                            <span class="font-medium">{block.label()}</span>
                            <span class="text-xs text-tinta-suave">{block.hint()}</span>
                        </button>
                    </li>
                }).collect::<Vec<_>>()}
            </ul>
        </nav>
    }
}

#[component]
pub fn ProblemsPanel() -> impl IntoView {
    let b = use_builder();
    view! {
        <section class="painel-problemas" aria-label="Problemas" data-testid="problemas">
            {move || {
                let problems = b.problems.get();
                if problems.is_empty() {
                    return view! { <p class="alerta-ok text-sm">"Nenhum problema: o fluxo pode ser publicado."</p> }.into_any();
                }
                let errors = problems.iter().filter(|p| !p.is_warning()).count();
                view! {
                    <p class="text-sm font-medium">
                        {match (errors, problems.len() - errors) {
                            (0, w) => format!("{w} aviso(s): nada impede a publicação."),
                            (e, 0) => format!("{e} erro(s) a corrigir antes de publicar."),
                            (e, w) => format!("{e} erro(s) a corrigir antes de publicar e {w} aviso(s)."),
                        }}
                    </p>
                    <ul class="flex flex-col gap-1">
                        {problems.into_iter().map(|p| {
                            let node = p.node().cloned();
                            let warning = p.is_warning();
                            view! {
                                <li>
                                    <button type="button" class="item-problema" class:aviso=warning
                                        disabled=node.is_none()
                                        on:click=move |_| if let Some(id) = &node { go_to(id) }>
                                        <span aria-hidden="true">{if warning { "⚠" } else { "⛔" }}</span>
                                        " " {p.message()}
                                    </button>
                                </li>
                            }
                        }).collect::<Vec<_>>()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn PublishDialog(open: RwSignal<bool>) -> impl IntoView {
    let b = use_builder();
    let note = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let errors = Memo::new(move |_| {
        b.problems
            .with(|p| p.iter().filter(|e| !e.is_warning()).count())
    });
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if b.save.get_untracked() != SaveState::Saved {
            message.set(Some((
                false,
                "Aguarde o rascunho ser salvo e tente de novo.".into(),
            )));
            return;
        }
        busy.set(true);
        let key = b.key.get_value();
        spawn_local(async move {
            match publish_flow(key, note.get_untracked()).await {
                Ok(version) => {
                    b.published_version.set(version);
                    note.set(String::new());
                    message.set(None);
                    open.set(false);
                    b.confirm(format!(
                        "Versão {version} publicada: as novas conversas já usam esta versão."
                    ));
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || open.get()>
            <div class="dialogo-fundo" on:click=move |_| open.set(false)>
                <form class="dialogo" role="dialog" aria-modal="true" aria-labelledby="titulo-publicar"
                    on:click=|ev| ev.stop_propagation() on:submit=publish>
                    <h2 id="titulo-publicar" class="text-lg font-semibold">
                        {move || format!("Publicar a versão {}", b.published_version.get() + 1)}
                    </h2>
                    <p class="text-sm text-tinta-suave">
                        "As conversas em andamento terminam na versão em que começaram; as novas usam a publicada."
                    </p>
                    <Show when=move || { errors.get() > 0 }>
                        <p class="alerta-erro" role="alert">
                            {move || format!("Corrija os {} problema(s) antes de publicar (veja \"Problemas\").", errors.get())}
                        </p>
                    </Show>
                    <label class="campo">
                        <span class="rotulo">"O que mudou (nota da versão)"</span>
                        <textarea class="entrada" rows="3" maxlength="500" bind:value=note data-testid="nota-publicacao"></textarea>
                    </label>
                    {move || message.get().map(|(ok, m)| view! {
                        <p class=if ok { "alerta-ok" } else { "alerta-erro" } role="status">{m}</p>
                    })}
                    <div class="flex justify-end gap-2">
                        <button type="button" class="botao-secundario" on:click=move |_| { open.set(false); message.set(None); }>"Fechar"</button>
                        <button type="submit" class="botao-primario" data-testid="confirmar-publicacao"
                            disabled=move || { busy.get() || errors.get() > 0 }>"Publicar"</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let b = use_builder();
    let versions = RwSignal::new(Vec::<VersionView>::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let load = move || {
        let key = b.key.get_value();
        spawn_local(async move {
            match flow_versions(key).await {
                Ok(v) => versions.set(v),
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    Effect::new(move |_| {
        b.published_version.track();
        load();
    });
    let compare = move |version: i32| {
        let key = b.key.get_value();
        spawn_local(async move {
            match flow_version(key, version).await {
                Ok(flow) => {
                    b.compare.set(Some((version, flow)));
                    b.say(format!("Comparando com a versão {version}: verde é novo, âmbar mudou, tracejado foi removido."));
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    let restore = move |version: i32| {
        let key = b.key.get_value();
        spawn_local(async move {
            match restore_flow_version(key.clone(), version).await {
                Ok(_) => {
                    match get_flow(key).await {
                        Ok(doc) => {
                            b.reset(doc);
                            b.compare.set(None);
                            message.set(Some((true, format!("A versão {version} virou o rascunho. Publique para voltar a ela."))));
                        }
                        Err(e) => message.set(Some((false, e.message()))),
                    }
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <section class="painel-historico" aria-label="Histórico de versões" data-testid="historico">
            {move || b.compare.get().map(|(v, _)| view! {
                <div class="alerta-info text-sm flex items-center justify-between gap-2">
                    <span>{format!("Comparando o rascunho com a versão {v}.")}</span>
                    <button type="button" class="botao-link" on:click=move |_| b.compare.set(None)>"Parar"</button>
                </div>
            })}
            {move || message.get().map(|(ok, m)| view! {
                <p class=if ok { "alerta-ok text-sm" } else { "alerta-erro text-sm" } role="status">{m}</p>
            })}
            <ol class="flex flex-col gap-2">
                {move || versions.get().into_iter().map(|v| {
                    let number = v.version;
                    let current = number == b.published_version.get();
                    view! {
                        <li class="versao" class:atual=current>
                            <div class="flex items-baseline justify-between gap-2">
                                <span class="font-semibold">{format!("Versão {number}")} {current.then_some(" · publicada")}</span>
                                <time class="text-xs text-tinta-suave" datetime=v.published_at.to_rfc3339()>
                                    {crate::pages::flows::when(v.published_at)}
                                </time>
                            </div>
                            <p class="text-xs text-tinta-suave">{v.author.clone().unwrap_or_else(|| "Sistema".into())}</p>
                            {(!v.note.is_empty()).then(|| view! { <p class="text-sm">{v.note.clone()}</p> })}
                            <div class="flex gap-3 text-sm">
                                <button type="button" class="botao-link" on:click=move |_| compare(number)>"Comparar"</button>
                                {b.editable.then(|| view! {
                                    <button type="button" class="botao-link" on:click=move |_| restore(number)>"Restaurar como rascunho"</button>
                                })}
                            </div>
                        </li>
                    }
                }).collect::<Vec<_>>()}
            </ol>
        </section>
    }
}
