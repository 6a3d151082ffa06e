//! What a template's quick replies do when the customer taps them: start a flow of the bot
//! ("Negociar" → the negotiation) or opt the customer out of marketing. Ours, not Meta's:
//! it can change at any time, even on an approved template, without a new review.

use crate::api::templates::{set_button_actions, startable_flows};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sent_template::{quick_replies, ButtonAction, QuickReplyAction};
use shared::template::TemplateSummary;

/// The select's value for an action: "" (nothing), `optout` or `flow:<key>`.
fn code(action: Option<&QuickReplyAction>) -> String {
    match action {
        None => String::new(),
        Some(QuickReplyAction::OptOut) => "optout".into(),
        Some(QuickReplyAction::Flow { flow }) => format!("flow:{flow}"),
    }
}

fn from_code(code: &str) -> Option<QuickReplyAction> {
    match code {
        "optout" => Some(QuickReplyAction::OptOut),
        c => c
            .strip_prefix("flow:")
            .map(|f| QuickReplyAction::Flow { flow: f.into() }),
    }
}

/// One line per action, as the list shows it under the template.
pub(crate) fn summary(t: &TemplateSummary, flows: &[(String, String)]) -> Vec<String> {
    let replies = quick_replies(&t.components);
    t.button_actions
        .iter()
        .filter_map(|a| {
            let title = replies.iter().find(|(i, _)| *i == a.index)?.1.clone();
            let name = match &a.action {
                QuickReplyAction::Flow { flow } => flows
                    .iter()
                    .find(|(k, _)| k == flow)
                    .map(|(_, n)| n.as_str()),
                QuickReplyAction::OptOut => None,
            };
            Some(format!("\"{title}\": {}", a.action.label(name)))
        })
        .collect()
}

#[component]
pub fn ButtonActions(
    template: TemplateSummary,
    flows: Vec<(String, String)>,
    on_done: Callback<Option<String>>,
) -> impl IntoView {
    let replies = quick_replies(&template.components);
    let chosen: Vec<(usize, String, RwSignal<String>)> = replies
        .iter()
        .map(|(i, title)| {
            let now = template
                .button_actions
                .iter()
                .find(|a| a.index == *i)
                .map(|a| code(Some(&a.action)))
                .unwrap_or_default();
            (*i, title.clone(), RwSignal::new(now))
        })
        .collect();
    let problems = RwSignal::new(Vec::<String>::new());
    let saving = RwSignal::new(false);
    let id = template.id;
    let picks = chosen.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let actions: Vec<ButtonAction> = picks
            .iter()
            .filter_map(|(index, _, c)| {
                from_code(&c.get_untracked()).map(|action| ButtonAction {
                    index: *index,
                    action,
                })
            })
            .collect();
        saving.set(true);
        spawn_local(async move {
            match set_button_actions(id, actions).await {
                Ok(t) => on_done.run(Some(format!("Ações dos botões de \"{}\" salvas.", t.name))),
                Err(e) => problems.set(match e {
                    crate::error::AppError::Refused(shared::Refusal::TemplateInvalid {
                        problems,
                    }) => problems,
                    other => vec![other.message()],
                }),
            }
            saving.set(false);
        });
    };
    view! {
        <form class="cartao mb-6 max-w-2xl" on:submit=save data-testid="acoes-botoes">
            <h2 class="text-lg font-semibold mb-1">"Botões de \"" {template.name.clone()} "\""</h2>
            <p class="text-sm text-tinta-suave mb-4">
                "O que acontece quando o cliente toca em cada resposta rápida. A resposta sempre chega à conversa; "
                "a ação vale para os próximos envios, sem nova análise da Meta."
            </p>
            {if chosen.is_empty() {
                view! { <p class="text-sm">"Este modelo não tem respostas rápidas."</p> }.into_any()
            } else {
                chosen.into_iter().map(|(_, title, pick)| {
                    let flows = flows.clone();
                    view! {
                        <label class="campo mb-3">
                            <span class="rotulo">"↩ " {title}</span>
                            <select class="entrada" data-testid="acao-botao"
                                on:change=move |ev| pick.set(event_target_value(&ev))>
                                <option value="" selected=move || pick.get().is_empty()>"Nada além de chegar à conversa"</option>
                                <option value="optout" selected=move || pick.get() == "optout">"Descadastrar de mensagens de marketing (LGPD)"</option>
                                {flows.into_iter().map(|(key, name)| {
                                    let value = format!("flow:{key}");
                                    let v = value.clone();
                                    view! { <option value=value selected=move || pick.get() == v>"Iniciar o fluxo: " {name}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view().into_any()
            }}
            {move || (!problems.get().is_empty()).then(|| view! {
                <ul class="alerta-erro mb-3" role="alert">
                    {problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            })}
            <div class="flex gap-2">
                <button type="submit" class="botao-primario" data-testid="salvar-acoes" disabled=move || saving.get()>"Salvar"</button>
                <button type="button" class="botao-secundario" on:click=move |_| on_done.run(None)>"Fechar"</button>
            </div>
        </form>
    }
}

/// The flows a quick reply can start, loaded once for the page.
pub(crate) fn load_flows(into: RwSignal<Vec<(String, String)>>) {
    spawn_local(async move {
        if let Ok(f) = startable_flows().await {
            into.set(f);
        }
    });
}
