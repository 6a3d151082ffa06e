//! The inspector's fields for messages (text, buttons, lists, media, with WhatsApp's limits),
//! questions and conditions.

use super::super::state::use_builder;
use super::widgets::{count, Counter, Edit, TextArea, TextField, BODY_CHARS};
use leptos::prelude::*;
use shared::flow::{blocks, Choice, Content, MediaKind, Node, NodeKind, Op, Rule, Validation};
use shared::messaging::limits::{
    WHATSAPP_BUTTON_TITLE_CHARS, WHATSAPP_LIST_BUTTON_CHARS, WHATSAPP_MAX_BUTTONS,
    WHATSAPP_MAX_ROWS, WHATSAPP_ROW_TITLE_CHARS,
};

pub(super) fn message_fields(
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
    Choice::new(id, title)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn question_fields(
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

pub(super) fn condition_fields(rules: Vec<Rule>, edit: Edit, disabled: bool) -> impl IntoView {
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
