//! The inspector: every field of the selected block, with WhatsApp's limits counted as you type
//! and the flow's variables offered for `{{variável | formato}}`. Typing into a block is one undo
//! step until the field is left.

mod fields;
mod widgets;

use super::state::use_builder;
use fields::{condition_fields, message_fields, question_fields};
use leptos::prelude::*;
use shared::flow::{blocks, ErpOperation, HttpMethod, Node, NodeKind};
use widgets::{known_variables, Edit, TextArea, TextField, BODY_CHARS};

#[component]
pub fn Inspector() -> impl IntoView {
    let b = use_builder();
    let current = Memo::new(move |_| {
        let selected = b.selected.get();
        if selected.len() != 1 {
            return None;
        }
        let id = selected.into_iter().next()?;
        b.flow.with(|f| f.node(&id).cloned())
    });
    // The form is rebuilt when another block is selected, not on each keystroke.
    let current_id = Memo::new(move |_| current.with(|n| n.as_ref().map(|n| n.id.clone())));
    view! {
        <aside class="inspetor" aria-label="Propriedades do bloco" data-testid="inspetor">
            {move || match current_id.get() {
                None => {
                    let n = b.selected.with(|s| s.len());
                    view! {
                        <p class="text-sm text-tinta-suave">
                            {if n > 1 {
                                format!("{n} blocos selecionados: arraste um deles para mover todos, Delete apaga, Ctrl+C copia.")
                            } else {
                                "Selecione um bloco para editar. Arraste um item da paleta para a tela, ou clique nele.".to_owned()
                            }}
                        </p>
                    }.into_any()
                }
                Some(_) => {
                    let node = current.get_untracked().expect("a selected block");
                    view! { <Fields node=node /> }.into_any()
                }
            }}
        </aside>
    }
}

/// The form of one block. `edit` changes a copy of the block as it is now and applies it.
#[component]
fn Fields(node: Node) -> impl IntoView {
    let b = use_builder();
    let id = node.id.clone();
    let now = {
        let id = id.clone();
        move || b.flow.with_untracked(|f| f.node(&id).cloned())
    };
    let edit = {
        let now = now.clone();
        move |f: &dyn Fn(&mut Node)| {
            if let Some(mut n) = now() {
                f(&mut n);
                b.type_into(n);
            }
        }
    };
    let edit: Edit = StoredValue::new_local(Box::new(edit));
    let variables = Memo::new(move |_| b.flow.with(known_variables));
    let disabled = !b.editable;
    let is_start = b.flow.with_untracked(|f| f.start == id);
    let id_for_start = id.clone();

    let label = node.label.clone().unwrap_or_default();
    let common = view! {
        <div class="campo">
            <span class="rotulo">"Tipo"</span>
            <span class="text-sm">{node.kind.label()} " · " <code class="text-xs">{id.0.clone()}</code></span>
        </div>
        <label class="campo">
            <span class="rotulo">"Título do bloco"</span>
            <input class="entrada" prop:value=label disabled=disabled data-testid="campo-titulo"
                placeholder=node.kind.label()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit.with_value(|e| e(&|n: &mut Node| n.label = (!v.trim().is_empty()).then(|| v.clone())));
                }
                on:blur=move |_| b.stop_typing()
            />
        </label>
        {(!is_start && b.editable).then(|| view! {
            <button type="button" class="botao-link text-sm self-start" on:click=move |_| {
                if b.apply(shared::flow::edit::Change::SetStart(id_for_start.clone())).is_some() {
                    b.say("Este bloco agora é o início do fluxo.");
                }
            }>"Tornar este bloco o início"</button>
        })}
    };

    let specific = match node.kind.clone() {
        NodeKind::Message {
            content,
            variable,
            error_message,
            ..
        } => message_fields(content, variable, error_message, edit, variables, disabled).into_any(),
        NodeKind::Question {
            prompt,
            variable,
            validation,
            error_message,
            max_attempts,
        } => question_fields(prompt, variable, validation, error_message, max_attempts, edit, variables, disabled).into_any(),
        NodeKind::Condition { rules } => condition_fields(rules, edit, disabled).into_any(),
        NodeKind::SetVariable { variable, value } => view! {
            <TextField label="Variável" value=variable disabled=disabled testid="campo-variavel"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::SetVariable { variable, .. } = &mut n.kind { *variable = v.clone() })) />
            <TextArea label="Valor" value=value disabled=disabled max=None variables=variables testid="campo-valor"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::SetVariable { value, .. } = &mut n.kind { *value = v.clone() })) />
        }.into_any(),
        NodeKind::Http { request } => view! {
            <label class="campo">
                <span class="rotulo">"Método"</span>
                <select class="entrada" disabled=disabled on:change=move |ev| {
                    let m = match event_target_value(&ev).as_str() {
                        "POST" => HttpMethod::Post, "PUT" => HttpMethod::Put,
                        "PATCH" => HttpMethod::Patch, "DELETE" => HttpMethod::Delete, _ => HttpMethod::Get,
                    };
                    edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Http { request } = &mut n.kind { request.method = m }));
                    b.stop_typing();
                }>
                    {[HttpMethod::Get, HttpMethod::Post, HttpMethod::Put, HttpMethod::Patch, HttpMethod::Delete].into_iter().map(|m| view! {
                        <option value=m.name() selected=m == request.method>{m.name()}</option>
                    }).collect::<Vec<_>>()}
                </select>
            </label>
            <TextArea label="Endereço (URL)" value=request.url.clone() disabled=disabled max=None variables=variables testid="campo-url"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Http { request } = &mut n.kind { request.url = v.clone() })) />
            <TextArea label="Corpo (JSON, opcional)" value=request.body.clone().unwrap_or_default() disabled=disabled max=None variables=variables testid="campo-corpo"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Http { request } = &mut n.kind { request.body = (!v.trim().is_empty()).then(|| v.clone()) })) />
            <TextField label="Tempo limite (ms)" value=request.timeout_ms.to_string() disabled=disabled testid="campo-tempo"
                set=move |v| { if let Ok(ms) = v.trim().parse::<u32>() {
                    edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Http { request } = &mut n.kind { request.timeout_ms = ms }))
                } } />
            <p class="dica">"Respostas 2xx saem por \"Sucesso\"; as demais e os erros de rede, por \"Erro\"."</p>
        }.into_any(),
        NodeKind::Erp { operation, args, variable } => view! {
            <label class="campo">
                <span class="rotulo">"Operação"</span>
                <select class="entrada" disabled=disabled on:change=move |ev| {
                    let code = event_target_value(&ev);
                    if let Some(op) = ErpOperation::ALL.into_iter().find(|o| o.code() == code) {
                        edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Erp { operation, .. } = &mut n.kind { *operation = op }));
                        b.stop_typing();
                    }
                }>
                    {ErpOperation::ALL.into_iter().map(|o| view! {
                        <option value=o.code() selected=o == operation>{o.label()}</option>
                    }).collect::<Vec<_>>()}
                </select>
            </label>
            {args.into_iter().map(|(name, value)| {
                let key = name.clone();
                view! {
                    <TextField label=format!("Argumento \"{name}\"") value=value disabled=disabled testid="campo-argumento"
                        set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Erp { args, .. } = &mut n.kind { args.insert(key.clone(), v.clone()); })) />
                }
            }).collect::<Vec<_>>()}
            <TextField label="Guardar o resultado em" value=variable disabled=disabled testid="campo-variavel"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Erp { variable, .. } = &mut n.kind { *variable = v.clone() })) />
        }.into_any(),
        NodeKind::Handoff { team, message } => {
            let teams = b.teams.get_value();
            view! {
                <label class="campo">
                    <span class="rotulo">"Equipe"</span>
                    <select class="entrada" disabled=disabled on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Handoff { team, .. } = &mut n.kind { *team = (!v.is_empty()).then(|| v.clone()) }));
                        b.stop_typing();
                    }>
                        <option value="" selected=team.is_none()>"A equipe padrão do canal"</option>
                        {teams.into_iter().map(|t| {
                            let selected = team.as_deref() == Some(t.as_str());
                            view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
                <TextArea label="Mensagem ao cliente" value=message disabled=disabled max=Some(BODY_CHARS) variables=variables testid="campo-texto"
                    set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Handoff { message, .. } = &mut n.kind { *message = v.clone() })) />
            }.into_any()
        }
        NodeKind::GoToFlow { flow } => {
            let flows = b.other_flows.get_value();
            view! {
                <label class="campo">
                    <span class="rotulo">"Fluxo"</span>
                    <select class="entrada" disabled=disabled on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::GoToFlow { flow } = &mut n.kind { *flow = v.clone() }));
                        b.stop_typing();
                    }>
                        {flows.into_iter().map(|(key, name)| {
                            let selected = key == flow;
                            view! { <option value=key.clone() selected=selected>{format!("{name} ({key})")}</option> }
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
                <p class="dica">"As variáveis desta conversa seguem para o outro fluxo."</p>
            }.into_any()
        }
        NodeKind::End { message } => view! {
            <TextArea label="Mensagem de despedida (opcional)" value=message.unwrap_or_default() disabled=disabled max=Some(BODY_CHARS) variables=variables testid="campo-texto"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::End { message } = &mut n.kind { *message = (!v.trim().is_empty()).then(|| v.clone()) })) />
        }.into_any(),
    };
    view! {
        <div class="flex flex-col gap-3" data-testid="campos-bloco">
            {common}
            {specific}
            <UsesOfVariables />
        </div>
    }
}

/// "Onde é usada": the blocks that read or set a variable, each a button that selects it.
#[component]
fn UsesOfVariables() -> impl IntoView {
    let b = use_builder();
    let name = RwSignal::new(String::new());
    let uses = move || {
        let v = name.get();
        if v.trim().is_empty() {
            return Vec::new();
        }
        b.flow.with(|f| {
            blocks::uses_of(f, v.trim())
                .into_iter()
                .filter_map(|id| f.node(&id).map(|n| (id, blocks::title(n))))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <details class="variaveis">
            <summary>"Onde uma variável é usada"</summary>
            <input class="entrada mt-1" placeholder="cliente" bind:value=name aria-label="Nome da variável" />
            <ul class="mt-1 text-sm">
                {move || uses().into_iter().map(|(id, title)| view! {
                    <li><button type="button" class="botao-link" on:click=move |_| {
                        b.select_only(id.clone());
                        super::dom::focus(&super::geometry::block_dom_id(&id));
                    }>{title}</button></li>
                }).collect::<Vec<_>>()}
            </ul>
        </details>
    }
}
