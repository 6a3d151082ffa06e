//! Modelos: the WhatsApp message templates of each channel, as Meta reports them (status,
//! category, language, quality, the reason for a rejection or pause), refreshed every few
//! seconds while the page is open so Meta's review shows up on its own; created with a live
//! preview and Meta's limits checked as you type (`form`); deleted; synced on demand.

mod actions;
pub(crate) mod form;

use crate::api::templates::{
    delete_template, list_templates, sync_channel_templates, TemplatesOverview,
};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use shared::template::{quality_label, reason_text, status_label, TemplateSummary};
use shared::{ChannelId, Permission};

#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! {
        <Title text="Modelos" />
        <RequirePermission permission=Permission::ViewTemplates>
            <Templates />
        </RequirePermission>
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "APPROVED" => "chip bg-emerald-100 text-emerald-800",
        "PENDING" | "IN_APPEAL" => "chip bg-amber-100 text-amber-900",
        "REJECTED" | "DISABLED" => "chip bg-red-100 text-red-800",
        "PAUSED" | "LIMIT_EXCEEDED" => "chip bg-orange-100 text-orange-900",
        _ => "chip",
    }
}

fn quality_class(quality: &str) -> &'static str {
    match quality {
        "GREEN" => "text-emerald-700",
        "YELLOW" => "text-amber-700",
        "RED" => "text-red-700 font-semibold",
        _ => "text-tinta-suave",
    }
}

#[component]
fn Templates() -> impl IntoView {
    let data = RwSignal::new(None::<TemplatesOverview>);
    let channel = RwSignal::new(None::<ChannelId>);
    let message = RwSignal::new(None::<(bool, String)>);
    let creating = RwSignal::new(false);
    let buttons_of = RwSignal::new(None::<TemplateSummary>);
    let flows = RwSignal::new(Vec::<(String, String)>::new());
    Effect::new(move |_| actions::load_flows(flows));
    let reload = move || {
        spawn_local(async move {
            match list_templates().await {
                Ok(d) => {
                    if channel.get_untracked().is_none() {
                        channel.set(d.channels.first().map(|c| c.0));
                    }
                    data.set(Some(d));
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    Effect::new(move |_| reload());
    // Meta reviews in minutes to hours; its webhooks move the status here, and the page shows
    // it without a reload.
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(reload, std::time::Duration::from_secs(5)) {
        on_cleanup(move || handle.clear());
    }
    let sync = move || {
        let Some(c) = channel.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match sync_channel_templates(c).await {
                Ok(n) => {
                    message.set(Some((true, format!("{n} modelo(s) lidos da Meta."))));
                    reload();
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    let remove = move |t: TemplateSummary| {
        let ok = crate::components::forms::confirm(&format!(
            "Excluir o modelo \"{}\" ({}) na Meta? O nome só poderá ser usado de novo depois de 30 dias.",
            t.name, t.language
        ));
        if !ok {
            return;
        }
        spawn_local(async move {
            match delete_template(t.id).await {
                Ok(()) => {
                    message.set(Some((true, format!("Modelo \"{}\" excluído.", t.name))));
                    reload();
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    let editable = move || data.with(|d| d.as_ref().is_some_and(|d| d.editable));
    let rows = move || {
        let c = channel.get();
        data.get()
            .map(|d| {
                d.templates
                    .into_iter()
                    .filter(|t| Some(t.channel_id) == c)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3 mb-2">
            <h1 class="text-2xl font-semibold">"Modelos de mensagem"</h1>
            <Show when=editable>
                <div class="flex gap-2">
                    <button type="button" class="botao-secundario" on:click=move |_| sync()>"Sincronizar com a Meta"</button>
                    <button type="button" class="botao-primario" data-testid="novo-modelo"
                        on:click=move |_| creating.update(|c| *c = !*c)>"Novo modelo"</button>
                </div>
            </Show>
        </div>
        <p class="text-sm text-tinta-suave mb-4 max-w-3xl">
            "Modelos aprovados pela Meta são as únicas mensagens que o WhatsApp deixa enviar a quem não escreveu nas últimas 24 horas: avisos, cobranças, campanhas. No Messenger, fora das 24 horas só vão mensagens com etiqueta não promocional, e o Instagram não permite campanhas: por isso os modelos existem só no WhatsApp."
        </p>
        {move || message.get().map(|(ok, m)| view! {
            <p class=if ok { "alerta-ok mb-4" } else { "alerta-erro mb-4" } role="status">{m}</p>
        })}
        {move || data.get().map(|d| {
            if d.channels.is_empty() {
                return view! {
                    <div class="cartao">
                        <p>"Nenhum canal do WhatsApp conectado à Meta. Cadastre um em "
                            <a href="/configuracoes/canais" class="botao-link">"Configurações → Canais"</a>
                            ", com o ID da conta do WhatsApp Business."</p>
                    </div>
                }.into_any();
            }
            let many = d.channels.len() > 1;
            view! {
                <Show when=move || many>
                    <label class="campo mb-4 max-w-sm">
                        <span class="rotulo">"Canal"</span>
                        <select class="entrada" on:change=move |ev| channel.set(event_target_value(&ev).parse().ok().map(ChannelId))>
                            {d.channels.iter().map(|(id, name)| {
                                let id = *id;
                                view! { <option value=id.0.to_string() selected=move || channel.get() == Some(id)>{name.clone()}</option> }
                            }).collect::<Vec<_>>()}
                        </select>
                    </label>
                </Show>
            }.into_any()
        })}
        <Show when=move || creating.get() && channel.get().is_some()>
            <form::TemplateForm
                channel=Signal::derive(move || channel.get().unwrap_or(ChannelId(uuid::Uuid::nil())))
                on_created=Callback::new(move |name: String| {
                    creating.set(false);
                    message.set(Some((true, format!("Modelo \"{name}\" enviado para a análise da Meta: o estado muda aqui sozinho quando ela responder."))));
                    reload();
                })
            />
        </Show>
        {move || buttons_of.get().map(|t| view! {
            <actions::ButtonActions template=t flows=flows.get_untracked()
                on_done=Callback::new(move |done: Option<String>| {
                    buttons_of.set(None);
                    if let Some(m) = done {
                        message.set(Some((true, m)));
                        reload();
                    }
                })
            />
        })}
        <table class="tabela cartao w-full" data-testid="tabela-modelos">
            <thead><tr><th>"Nome"</th><th>"Idioma"</th><th>"Categoria"</th><th>"Estado"</th><th>"Qualidade"</th><th>"Atualizado"</th><th></th></tr></thead>
            <tbody>
                {move || {
                    let list = rows();
                    if list.is_empty() {
                        return view! { <tr><td colspan="7" class="text-tinta-suave">"Nenhum modelo neste canal. Sincronize com a Meta ou crie um."</td></tr> }.into_any();
                    }
                    list.into_iter().map(|t| {
                        let reason = t.reason.as_deref().map(reason_text).filter(|r| !r.is_empty());
                        let category = match t.category.as_str() {
                            "MARKETING" => "Marketing",
                            "UTILITY" => "Utilidade",
                            "AUTHENTICATION" => "Autenticação",
                            other => other,
                        }.to_owned();
                        let body = t.draft.as_ref().map(|d| d.body.clone()).unwrap_or_default();
                        let does = flows.with_untracked(|f| actions::summary(&t, f));
                        let has_replies = !shared::sent_template::quick_replies(&t.components).is_empty();
                        let row = t.clone();
                        let for_buttons = t.clone();
                        view! {
                            <tr data-testid="linha-modelo">
                                <td>
                                    <div class="font-mono text-sm">{t.name.clone()}</div>
                                    <div class="text-xs text-tinta-suave truncate max-w-md" title=body.clone()>{body.clone()}</div>
                                    {does.into_iter().map(|d| view! { <div class="text-xs text-marca-700 mt-0.5" data-testid="acao-modelo">"↩ " {d}</div> }).collect_view()}
                                </td>
                                <td>{t.language.clone()}</td>
                                <td>{category}</td>
                                <td>
                                    <span class=status_class(&t.status) data-testid="estado-modelo">{status_label(&t.status)}</span>
                                    {reason.map(|r| view! { <div class="text-xs text-red-800 mt-1 max-w-xs">{r}</div> })}
                                </td>
                                <td class=quality_class(&t.quality)>{quality_label(&t.quality)}</td>
                                <td class="text-sm">{crate::pages::flows::when(t.updated_at)}</td>
                                <td>
                                    <Show when=editable>
                                        {
                                            let row = row.clone();
                                            let for_buttons = for_buttons.clone();
                                            view! {
                                                <div class="flex gap-3">
                                                    {has_replies.then(|| view! {
                                                        <button type="button" class="botao-link" data-testid="botoes-modelo"
                                                            on:click=move |_| buttons_of.set(Some(for_buttons.clone()))>"Botões"</button>
                                                    })}
                                                    <button type="button" class="botao-link text-red-700" on:click=move |_| remove(row.clone())>"Excluir"</button>
                                                </div>
                                            }
                                        }
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect::<Vec<_>>().into_any()
                }}
            </tbody>
        </table>
    }
    .into_any()
}
