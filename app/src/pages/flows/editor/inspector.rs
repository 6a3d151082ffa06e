//! The inspector: every field of the selected block, with WhatsApp's limits counted as you type
//! and the flow's variables offered for `{{variável | formato}}`. Typing into a block is one undo
//! step until the field is left.

use super::state::use_builder;
use leptos::prelude::*;
use shared::flow::{
    blocks, Choice, Content, ErpOperation, HttpMethod, MediaKind, Node, NodeKind, Op, Rule,
    Validation,
};
use shared::messaging::limits::{
    WHATSAPP_BUTTON_TITLE_CHARS, WHATSAPP_LIST_BUTTON_CHARS, WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROWS, WHATSAPP_ROW_TITLE_CHARS,
};

/// WhatsApp's limit on an interactive message's body.
const BODY_CHARS: usize = 1024;

fn count(text: &str) -> usize {
    text.chars().count()
}

/// "12/20", red past the limit.
#[component]
fn Counter(#[prop(into)] used: Signal<usize>, max: usize) -> impl IntoView {
    view! {
        <span class="contador" class:excedido=move || { used.get() > max } aria-live="off">
            {move || format!("{}/{max}", used.get())}
        </span>
    }
}

/// The variables the flow sets (and every conversation has), for completion.
fn known_variables(flow: &shared::flow::Flow) -> Vec<String> {
    let mut vars: Vec<String> = shared::flow::BUILTIN_VARIABLES
        .iter()
        .map(|v| (*v).to_owned())
        .collect();
    for node in &flow.nodes {
        let set = match &node.kind {
            NodeKind::Message {
                variable, capture, ..
            } => variable
                .iter()
                .cloned()
                .chain(capture.iter().map(|c| c.variable.clone()))
                .collect(),
            NodeKind::Question { variable, .. }
            | NodeKind::SetVariable { variable, .. }
            | NodeKind::Erp { variable, .. } => vec![variable.clone()],
            NodeKind::Http { request } => request.map.iter().map(|m| m.variable.clone()).collect(),
            _ => Vec::new(),
        };
        vars.extend(set);
    }
    vars.extend(flow.inputs.iter().cloned());
    vars.sort();
    vars.dedup();
    vars
}

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

type Edit = StoredValue<Box<dyn Fn(&dyn Fn(&mut Node))>, leptos::reactive::owner::LocalStorage>;

#[component]
fn TextField(
    #[prop(into)] label: String,
    value: String,
    disabled: bool,
    testid: &'static str,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    let b = use_builder();
    view! {
        <label class="campo">
            <span class="rotulo">{label}</span>
            <input class="entrada" prop:value=value disabled=disabled data-testid=testid
                on:input=move |ev| set(event_target_value(&ev))
                on:blur=move |_| b.stop_typing() />
        </label>
    }
}

/// A text with its character count against `max` and the variables it can use.
#[component]
fn TextArea(
    #[prop(into)] label: String,
    value: String,
    disabled: bool,
    max: Option<usize>,
    variables: Memo<Vec<String>>,
    testid: &'static str,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    let b = use_builder();
    let text = RwSignal::new(value);
    let set = StoredValue::new_local(set);
    let area = NodeRef::<leptos::html::Textarea>::new();
    let used = Signal::derive(move || count(&text.get()));
    let insert = move |name: String| {
        let mut t = text.get_untracked();
        if !t.is_empty() && !t.ends_with(' ') && !t.ends_with('\n') {
            t.push(' ');
        }
        t.push_str(&format!("{{{{{name}}}}}"));
        text.set(t.clone());
        set.with_value(|s| s(t));
        b.stop_typing();
        if let Some(a) = area.get_untracked() {
            let _ = a.focus();
        }
    };
    view! {
        <div class="campo">
            <span class="flex items-center justify-between">
                <label class="rotulo" for=testid>{label}</label>
                {max.map(|m| view! { <Counter used=used max=m /> })}
            </span>
            <textarea class="entrada" rows="3" id=testid node_ref=area prop:value=move || text.get()
                disabled=disabled data-testid=testid
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    text.set(v.clone());
                    set.with_value(|s| s(v));
                }
                on:blur=move |_| b.stop_typing()></textarea>
            {(!disabled).then(|| view! {
                <details class="variaveis">
                    <summary>"Inserir variável"</summary>
                    <div class="flex flex-wrap gap-1 pt-1">
                        {move || variables.get().into_iter().map(|v| {
                            let name = v.clone();
                            view! {
                                <button type="button" class="chip-variavel" on:click=move |_| insert(name.clone())>
                                    {format!("{{{{{v}}}}}")}
                                </button>
                            }
                        }).collect::<Vec<_>>()}
                    </div>
                    <p class="dica">"Formatos: {{valor | moeda}}, {{data | data}}, {{cpf | cpf}}, {{nome | maiusculas}}."</p>
                </details>
            })}
        </div>
    }
}

fn message_fields(
    content: Content,
    variable: Option<String>,
    error_message: Option<String>,
    edit: Edit,
    variables: Memo<Vec<String>>,
    disabled: bool,
) -> impl IntoView {
    let b = use_builder();
    let kind = match &content {
        Content::Text { .. } => "text",
        Content::Buttons { .. } => "buttons",
        Content::List { .. } => "list",
        Content::Media { .. } => "media",
    };
    let text = match &content {
        Content::Text { text } | Content::Buttons { text, .. } | Content::List { text, .. } => {
            Some(text.clone())
        }
        Content::Media { .. } => None,
    };
    let set_text = move |v: String| {
        edit.with_value(|e| {
            e(&|n: &mut Node| {
                if let NodeKind::Message { content, .. } = &mut n.kind {
                    match content {
                        Content::Text { text }
                        | Content::Buttons { text, .. }
                        | Content::List { text, .. } => *text = v.clone(),
                        Content::Media { caption, .. } => {
                            *caption = (!v.trim().is_empty()).then(|| v.clone())
                        }
                    }
                }
            })
        })
    };
    let change_kind = move |ev: leptos::ev::Event| {
        let to = event_target_value(&ev);
        edit.with_value(|e| {
            e(&|n: &mut Node| {
                if let NodeKind::Message { content, .. } = &mut n.kind {
                    let text = match content {
                        Content::Text { text }
                        | Content::Buttons { text, .. }
                        | Content::List { text, .. } => text.clone(),
                        Content::Media { caption, .. } => caption.clone().unwrap_or_default(),
                    };
                    let options = content.options().to_vec();
                    let options = if options.is_empty() {
                        vec![choice("opcao_1", "Opção 1"), choice("opcao_2", "Opção 2")]
                    } else {
                        options
                    };
                    *content = match to.as_str() {
                        "buttons" => Content::Buttons {
                            text,
                            options: options.into_iter().take(WHATSAPP_MAX_BUTTONS).collect(),
                        },
                        "list" => Content::List {
                            text,
                            button: "Ver opções".into(),
                            options,
                        },
                        "media" => Content::Media {
                            media: MediaKind::Image,
                            url: "https://exemplo.com.br/imagem.png".into(),
                            caption: (!text.is_empty()).then_some(text),
                            filename: None,
                        },
                        _ => Content::Text { text },
                    };
                }
            })
        });
        b.stop_typing();
    };
    let options = content.options().to_vec();
    let list = matches!(content, Content::List { .. });
    let (max_options, max_title) = if list {
        (WHATSAPP_MAX_ROWS, WHATSAPP_ROW_TITLE_CHARS)
    } else {
        (WHATSAPP_MAX_BUTTONS, WHATSAPP_BUTTON_TITLE_CHARS)
    };
    let has_options = !options.is_empty();
    let option_count = options.len();
    let list_button = match &content {
        Content::List { button, .. } => Some(button.clone()),
        _ => None,
    };
    let media = match &content {
        Content::Media { url, caption, .. } => Some((url.clone(), caption.clone())),
        _ => None,
    };
    view! {
        <label class="campo">
            <span class="rotulo">"Formato"</span>
            <select class="entrada" disabled=disabled on:change=change_kind data-testid="campo-formato">
                <option value="text" selected=kind == "text">"Texto"</option>
                <option value="buttons" selected=kind == "buttons">"Botões (até 3)"</option>
                <option value="list" selected=kind == "list">"Lista (até 10)"</option>
                <option value="media" selected=kind == "media">"Imagem ou arquivo"</option>
            </select>
        </label>
        {text.map(|t| view! {
            <TextArea label="Texto" value=t disabled=disabled max=Some(BODY_CHARS) variables=variables testid="campo-texto" set=set_text />
        })}
        {media.map(|(url, caption)| view! {
            <TextField label="Endereço do arquivo (URL)" value=url disabled=disabled testid="campo-url"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Message { content: Content::Media { url, .. }, .. } = &mut n.kind { *url = v.clone() })) />
            <TextArea label="Legenda" value=caption.unwrap_or_default() disabled=disabled max=Some(BODY_CHARS) variables=variables testid="campo-legenda" set=set_text />
        })}
        {list_button.map(|button| {
            let used = RwSignal::new(count(&button));
            view! {
                <label class="campo">
                    <span class="flex items-center justify-between">
                        <span class="rotulo">"Texto do botão da lista"</span>
                        <Counter used=used max=WHATSAPP_LIST_BUTTON_CHARS />
                    </span>
                    <input class="entrada" prop:value=button disabled=disabled
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            used.set(count(&v));
                            edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Message { content: Content::List { button, .. }, .. } = &mut n.kind { *button = v.clone() }));
                        }
                        on:blur=move |_| b.stop_typing() />
                </label>
            }
        })}
        {has_options.then(|| view! {
            <fieldset class="campo">
                <legend class="rotulo">{format!("Opções ({option_count} de até {max_options})")}</legend>
                {options.into_iter().enumerate().map(|(i, o)| {
                    let used = RwSignal::new(count(&o.title));
                    view! {
                        <div class="flex items-center gap-2">
                            <input class="entrada flex-1" prop:value=o.title.clone() disabled=disabled
                                aria-label=format!("Título da opção {}", i + 1)
                                data-testid="campo-opcao"
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    used.set(count(&v));
                                    edit.with_value(|e| e(&|n: &mut Node| if let Some(o) = options_mut(&mut n.kind).and_then(|o| o.get_mut(i)) { o.title = v.clone(); }));
                                }
                                on:blur=move |_| b.stop_typing() />
                            <Counter used=used max=max_title />
                            <button type="button" class="botao-link text-red-700" disabled={disabled || option_count <= 1}
                                aria-label=format!("Remover a opção {}", i + 1)
                                on:click=move |_| {
                                    edit.with_value(|e| e(&|n: &mut Node| if let Some(options) = options_mut(&mut n.kind).filter(|o| i < o.len()) { options.remove(i); }));
                                    b.stop_typing();
                                }>"✕"</button>
                        </div>
                    }
                }).collect::<Vec<_>>()}
                <button type="button" class="botao-secundario text-sm self-start"
                    disabled={disabled || option_count >= max_options}
                    title={if option_count >= max_options { format!("O WhatsApp aceita até {max_options} opções aqui.") } else { String::new() }}
                    on:click=move |_| {
                        edit.with_value(|e| e(&|n: &mut Node| if let Some(options) = options_mut(&mut n.kind) {
                            let id = (1..).map(|k| format!("opcao_{k}")).find(|id| options.iter().all(|o| &o.id != id)).unwrap_or_default();
                            let title = format!("Opção {}", options.len() + 1);
                            options.push(choice(&id, &title));
                        }));
                        b.stop_typing();
                    }>"Adicionar opção"</button>
            </fieldset>
            <TextField label="Guardar a opção escolhida em (opcional)" value=variable.clone().unwrap_or_default() disabled=disabled testid="campo-variavel"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Message { variable, .. } = &mut n.kind { *variable = (!v.trim().is_empty()).then(|| v.clone()) })) />
            <TextField label="Se a resposta não for uma opção" value=error_message.clone().unwrap_or_default() disabled=disabled testid="campo-erro"
                set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Message { error_message, .. } = &mut n.kind { *error_message = (!v.trim().is_empty()).then(|| v.clone()) })) />
        })}
    }
}

/// The options of a message with buttons or a list.
fn options_mut(kind: &mut NodeKind) -> Option<&mut Vec<Choice>> {
    match kind {
        NodeKind::Message {
            content: Content::Buttons { options, .. } | Content::List { options, .. },
            ..
        } => Some(options),
        _ => None,
    }
}

fn choice(id: &str, title: &str) -> Choice {
    Choice {
        id: id.into(),
        title: title.into(),
        description: None,
        keywords: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn question_fields(
    prompt: String,
    variable: String,
    validation: Validation,
    error_message: String,
    max_attempts: u8,
    edit: Edit,
    variables: Memo<Vec<String>>,
    disabled: bool,
) -> impl IntoView {
    let b = use_builder();
    let code = validation_code(&validation);
    view! {
        <TextArea label="Pergunta" value=prompt disabled=disabled max=Some(BODY_CHARS) variables=variables testid="campo-texto"
            set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Question { prompt, .. } = &mut n.kind { *prompt = v.clone() })) />
        <label class="campo">
            <span class="rotulo">"Validação da resposta"</span>
            <select class="entrada" disabled=disabled on:change=move |ev| {
                let v = match event_target_value(&ev).as_str() {
                    "cpf" => Validation::Cpf, "email" => Validation::Email, "phone" => Validation::Phone,
                    "number" => Validation::Number, "date" => Validation::Date, _ => Validation::Text,
                };
                edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Question { validation, .. } = &mut n.kind { *validation = v.clone() }));
                b.stop_typing();
            }>
                {[("text", "Texto livre"), ("cpf", "CPF (com dígitos verificadores)"), ("email", "E-mail"),
                  ("phone", "Telefone"), ("number", "Número"), ("date", "Data (dd/mm/aaaa)")]
                    .into_iter().map(|(c, l)| view! { <option value=c selected=c == code>{l}</option> }).collect::<Vec<_>>()}
            </select>
        </label>
        <TextField label="Guardar a resposta em" value=variable disabled=disabled testid="campo-variavel"
            set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Question { variable, .. } = &mut n.kind { *variable = v.clone() })) />
        <TextField label="Se a resposta for inválida" value=error_message disabled=disabled testid="campo-erro"
            set=move |v| edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Question { error_message, .. } = &mut n.kind { *error_message = v.clone() })) />
        <TextField label="Tentativas (1 a 10) antes de sair por \"Tentativas esgotadas\"" value=max_attempts.to_string() disabled=disabled testid="campo-tentativas"
            set=move |v| { if let Ok(k) = v.trim().parse::<u8>() {
                edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Question { max_attempts, .. } = &mut n.kind { *max_attempts = k }))
            } } />
    }
}

fn validation_code(v: &Validation) -> &'static str {
    match v {
        Validation::Text => "text",
        Validation::Cpf => "cpf",
        Validation::Email => "email",
        Validation::Phone => "phone",
        Validation::Number => "number",
        Validation::Date => "date",
        Validation::Options { .. } => "options",
    }
}

const OPS: [Op; 9] = [
    Op::Eq,
    Op::Ne,
    Op::Gt,
    Op::Gte,
    Op::Lt,
    Op::Lte,
    Op::Contains,
    Op::Exists,
    Op::Empty,
];

fn condition_fields(rules: Vec<Rule>, edit: Edit, disabled: bool) -> impl IntoView {
    let b = use_builder();
    let n = rules.len();
    view! {
        <fieldset class="campo">
            <legend class="rotulo">"Regras (a primeira que valer escolhe a saída; nenhuma: \"Senão\")"</legend>
            {rules.into_iter().enumerate().map(|(i, r)| view! {
                <div class="regra">
                    <span class="text-xs font-semibold">{format!("Regra {}", i + 1)}</span>
                    <input class="entrada" prop:value=r.variable.clone() disabled=disabled aria-label=format!("Variável da regra {}", i + 1)
                        on:input=move |ev| { let v = event_target_value(&ev); edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Condition { rules } = &mut n.kind { if let Some(r) = rules.get_mut(i) { r.variable = v.clone() } })) }
                        on:blur=move |_| b.stop_typing() />
                    <select class="entrada" disabled=disabled aria-label=format!("Comparação da regra {}", i + 1) on:change=move |ev| {
                        let code = event_target_value(&ev);
                        if let Some(op) = OPS.into_iter().find(|o| blocks::op_label(*o) == code) {
                            edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Condition { rules } = &mut n.kind { if let Some(r) = rules.get_mut(i) { r.op = op } }));
                            b.stop_typing();
                        }
                    }>
                        {OPS.into_iter().map(|o| view! { <option value=blocks::op_label(o) selected=o == r.op>{blocks::op_label(o)}</option> }).collect::<Vec<_>>()}
                    </select>
                    <input class="entrada" prop:value=r.value.clone() disabled=disabled aria-label=format!("Valor da regra {}", i + 1)
                        on:input=move |ev| { let v = event_target_value(&ev); edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Condition { rules } = &mut n.kind { if let Some(r) = rules.get_mut(i) { r.value = v.clone() } })) }
                        on:blur=move |_| b.stop_typing() />
                    <button type="button" class="botao-link text-red-700 text-sm" disabled={disabled || n <= 1}
                        on:click=move |_| { edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Condition { rules } = &mut n.kind { if i < rules.len() { rules.remove(i); } })); b.stop_typing(); }>
                        "Remover regra"
                    </button>
                </div>
            }).collect::<Vec<_>>()}
            <button type="button" class="botao-secundario text-sm self-start" disabled=disabled on:click=move |_| {
                edit.with_value(|e| e(&|n: &mut Node| if let NodeKind::Condition { rules } = &mut n.kind {
                    rules.push(Rule { variable: "resposta".into(), op: Op::Eq, value: String::new() });
                }));
                b.stop_typing();
            }>"Adicionar regra"</button>
        </fieldset>
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
                        super::dom::focus(&super::canvas::block_dom_id(&id));
                    }>{title}</button></li>
                }).collect::<Vec<_>>()}
            </ul>
        </details>
    }
}
