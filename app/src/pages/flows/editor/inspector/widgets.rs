//! The inspector's inputs: a text field, a text area with its character count and the
//! variables it can insert, the counter, and the way an edit reaches the block.

use super::super::state::use_builder;
use leptos::prelude::*;
use shared::flow::{Node, NodeKind};

/// WhatsApp's limit on an interactive message's body.
pub(super) const BODY_CHARS: usize = 1024;

pub(super) fn count(text: &str) -> usize {
    text.chars().count()
}

/// "12/20", red past the limit.
#[component]
pub(super) fn Counter(#[prop(into)] used: Signal<usize>, max: usize) -> impl IntoView {
    view! {
        <span class="contador" class:excedido=move || { used.get() > max } aria-live="off">
            {move || format!("{}/{max}", used.get())}
        </span>
    }
}

/// The variables the flow sets (and every conversation has), for completion.
pub(super) fn known_variables(flow: &shared::flow::Flow) -> Vec<String> {
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

pub(super) type Edit =
    StoredValue<Box<dyn Fn(&dyn Fn(&mut Node))>, leptos::reactive::owner::LocalStorage>;

#[component]
pub(super) fn TextField(
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
pub(super) fn TextArea(
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
