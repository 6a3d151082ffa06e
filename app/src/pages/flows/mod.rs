//! Fluxos: the bot's flows (administrators edit them, supervisors look). `/fluxos` lists them
//! with their published version, unpublished changes, the channels that run each and who
//! changed it last; creates one blank or from a template; duplicates, archives, imports and
//! exports; and chooses which flow answers each channel. `/fluxos/{key}` is the builder.

pub mod editor;

use crate::api::flows::{
    archive_flow, create_flow, duplicate_flow, flow_test_contacts, get_flow, import_flow,
    list_flows, save_flow_test_contacts, set_channel_flow,
};
use crate::components::session::{hard_navigate, use_session, RequirePermission};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use shared::flow::builder::{FlowSummary, FlowsOverview};
use shared::Permission;

/// A time as Brasília reads it (UTC−3, no daylight saving since 2019).
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(-3))
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[component]
pub fn FlowsPage() -> impl IntoView {
    view! {
        <Title text="Fluxos" />
        <RequirePermission permission=Permission::ViewFlows>
            <Flows />
        </RequirePermission>
    }
}

#[component]
fn Flows() -> impl IntoView {
    let session = use_session();
    let editable = session.can(Permission::ManageFlows);
    let data = RwSignal::new(None::<FlowsOverview>);
    let message = RwSignal::new(None::<(bool, String)>);
    let creating = RwSignal::new(false);
    let importing = RwSignal::new(false);
    let show_archived = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            match list_flows().await {
                Ok(d) => data.set(Some(d)),
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    Effect::new(move |_| reload());

    let row = move |f: FlowSummary| {
        let channels: Vec<String> = data.with_untracked(|d| {
            d.as_ref()
                .map(|d| {
                    d.channels
                        .iter()
                        .filter(|c| c.flow.as_deref() == Some(f.key.as_str()))
                        .map(|c| c.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        });
        let key = f.key.clone();
        let (k_dup, k_arch, k_exp) = (key.clone(), key.clone(), key.clone());
        let archived = f.archived;
        view! {
            <tr data-testid="linha-fluxo">
                <td>
                    <a href=format!("/fluxos/{key}") class="font-medium text-marca-700 hover:underline">{f.name.clone()}</a>
                    <div class="font-mono text-xs text-tinta-suave">{key.clone()} " · " {f.blocks} " blocos"</div>
                </td>
                <td>{format!("v{}", f.published_version)}</td>
                <td>
                    {if f.unpublished_changes {
                        view! { <span class="selo-aviso-texto">"Alterações não publicadas"</span> }.into_any()
                    } else {
                        view! { <span class="selo-ok-texto">"Publicado"</span> }.into_any()
                    }}
                </td>
                <td>
                    {if channels.is_empty() {
                        view! { <span class="text-tinta-suave text-sm">"Nenhum canal"</span> }.into_any()
                    } else {
                        view! { <div class="flex flex-wrap gap-1">{channels.into_iter().map(|c| view! { <span class="chip">{c}</span> }).collect::<Vec<_>>()}</div> }.into_any()
                    }}
                </td>
                <td class="text-sm">
                    {f.updated_by.clone().unwrap_or_else(|| "Sistema".into())}
                    <div class="text-xs text-tinta-suave">{when(f.updated_at)}</div>
                </td>
                <td class="whitespace-nowrap text-right text-sm">
                    <a href=format!("/fluxos/{}", f.key) class="botao-link">{if editable { "Editar" } else { "Ver" }}</a>
                    " "
                    <button type="button" class="botao-link" on:click=move |_| {
                        let key = k_exp.clone();
                        spawn_local(async move {
                            if let Ok(doc) = get_flow(key.clone()).await {
                                if let Ok(json) = serde_json::to_string_pretty(&doc.draft) {
                                    editor::download(&format!("{key}.json"), &json);
                                }
                            }
                        });
                    }>"Exportar"</button>
                    {editable.then(|| view! {
                        " "
                        <button type="button" class="botao-link" on:click=move |_| {
                            let key = k_dup.clone();
                            spawn_local(async move {
                                match duplicate_flow(key).await {
                                    Ok(new) => hard_navigate(&format!("/fluxos/{new}")),
                                    Err(e) => message.set(Some((false, e.message()))),
                                }
                            });
                        }>"Duplicar"</button>
                        " "
                        <button type="button" class="botao-link" on:click=move |_| {
                            let key = k_arch.clone();
                            spawn_local(async move {
                                match archive_flow(key.clone(), !archived).await {
                                    Ok(()) => {
                                        message.set(Some((true, if archived { format!("Fluxo {key} restaurado.") } else { format!("Fluxo {key} arquivado.") })));
                                        reload();
                                    }
                                    Err(e) => message.set(Some((false, e.message()))),
                                }
                            });
                        }>{if archived { "Restaurar" } else { "Arquivar" }}</button>
                    })}
                </td>
            </tr>
        }
    };

    view! {
        <div class="flex flex-wrap items-center justify-between gap-3 mb-2">
            <h1 class="titulo-pagina">"Fluxos"</h1>
            {editable.then(|| view! {
                <div class="flex gap-2">
                    <button type="button" class="botao-secundario" on:click=move |_| importing.update(|o| *o = !*o)>"Importar JSON"</button>
                    <button type="button" class="botao-primario" data-testid="novo-fluxo" on:click=move |_| creating.update(|o| *o = !*o)>"Novo fluxo"</button>
                </div>
            })}
        </div>
        <p class="mb-6 text-tinta-suave">
            "O robô atende cada canal com o fluxo escolhido abaixo. Edite o rascunho à vontade: os clientes só veem a versão publicada."
        </p>
        {move || message.get().map(|(ok, m)| view! {
            <p class=if ok { "alerta-ok mb-4" } else { "alerta-erro mb-4" } role="status">{m}</p>
        })}
        <Show when=move || creating.get()>
            <NewFlow data=data message=message />
        </Show>
        <Show when=move || importing.get()>
            <ImportFlow message=message />
        </Show>
        <table class="tabela cartao w-full mb-8" data-testid="tabela-fluxos">
            <thead><tr><th>"Fluxo"</th><th>"Versão"</th><th>"Rascunho"</th><th>"Canais"</th><th>"Alterado por"</th><th></th></tr></thead>
            <tbody>
                {move || data.get().map(|d| d.flows.into_iter().filter(|f| !f.archived).map(row).collect::<Vec<_>>())}
            </tbody>
        </table>
        <ChannelFlows data=data message=message editable=editable reload=reload />
        {editable.then(|| view! { <TestContactsSection /> })}
        {move || {
            let archived: Vec<FlowSummary> = data.get().map(|d| d.flows.into_iter().filter(|f| f.archived).collect()).unwrap_or_default();
            (!archived.is_empty()).then(|| view! {
                <section class="mt-8">
                    <button type="button" class="botao-link" on:click=move |_| show_archived.update(|s| *s = !*s)>
                        {format!("Arquivados ({})", archived.len())}
                    </button>
                    <Show when=move || show_archived.get()>
                        <table class="tabela cartao w-full mt-2">
                            <tbody>{archived.clone().into_iter().map(row).collect::<Vec<_>>()}</tbody>
                        </table>
                    </Show>
                </section>
            })
        }}
    }
}

#[component]
fn NewFlow(
    data: RwSignal<Option<FlowsOverview>>,
    message: RwSignal<Option<(bool, String)>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let template = RwSignal::new("em-branco".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, t) = (name.get_untracked(), template.get_untracked());
        spawn_local(async move {
            match create_flow(n, t).await {
                Ok(key) => hard_navigate(&format!("/fluxos/{key}")),
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <form class="cartao mb-6 flex flex-col gap-4" on:submit=submit data-testid="form-novo-fluxo">
            <h2 class="text-lg font-semibold">"Novo fluxo"</h2>
            <label class="campo">
                <span class="rotulo">"Nome"</span>
                <input class="entrada" bind:value=name required maxlength="120" placeholder="Pesquisa de satisfação" data-testid="nome-novo-fluxo" />
            </label>
            <fieldset>
                <legend class="rotulo mb-2">"Começar de"</legend>
                <div class="grid gap-2 md:grid-cols-3">
                    {move || data.get().map(|d| d.templates.into_iter().map(|(code, title, description)| {
                        let c = code.clone();
                        let checked = code == template.get_untracked();
                        view! {
                            <label class="modelo-fluxo">
                                <input type="radio" name="modelo" value=code.clone() checked=checked
                                    on:change=move |_| template.set(c.clone()) />
                                <span class="font-medium">{title}</span>
                                <span class="text-xs text-tinta-suave">{description}</span>
                            </label>
                        }
                    }).collect::<Vec<_>>())}
                </div>
            </fieldset>
            <div><button type="submit" class="botao-primario" data-testid="criar-fluxo">"Criar e abrir"</button></div>
        </form>
    }
}

#[component]
fn ImportFlow(message: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    let json = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = json.get_untracked();
        spawn_local(async move {
            match import_flow(text).await {
                Ok(key) => hard_navigate(&format!("/fluxos/{key}")),
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <form class="cartao mb-6 flex flex-col gap-3" on:submit=submit>
            <h2 class="text-lg font-semibold">"Importar um fluxo"</h2>
            <p class="text-sm text-tinta-suave">
                "Cole o JSON exportado daqui ou de outra instalação. Um fluxo com a mesma chave ganha uma nova versão publicada."
            </p>
            <textarea class="entrada font-mono text-xs" rows="8" bind:value=json aria-label="JSON do fluxo"></textarea>
            <div><button type="submit" class="botao-primario">"Importar e publicar"</button></div>
        </form>
    }
}

#[component]
fn ChannelFlows(
    data: RwSignal<Option<FlowsOverview>>,
    message: RwSignal<Option<(bool, String)>>,
    editable: bool,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <section aria-labelledby="titulo-canais">
            <h2 id="titulo-canais" class="text-lg font-semibold mb-2">"Qual fluxo atende cada canal"</h2>
            <p class="text-sm text-tinta-suave mb-3">
                "Vale para as conversas novas; o mesmo que em Configurações → Canais. Sem fluxo, a conversa vai direto para a fila da equipe."
            </p>
            <table class="tabela cartao w-full" data-testid="canais-fluxos">
                <thead><tr><th>"Canal"</th><th>"Fluxo"</th></tr></thead>
                <tbody>
                    {move || data.get().map(|d| {
                        let flows: Vec<(String, String)> = d.flows.iter().filter(|f| !f.archived).map(|f| (f.key.clone(), f.name.clone())).collect();
                        d.channels.into_iter().map(|c| {
                            let id = c.id;
                            let current = c.flow.clone().unwrap_or_default();
                            view! {
                                <tr>
                                    <td>{c.kind.label()} " · " {c.name.clone()}</td>
                                    <td>
                                        <select class="entrada" disabled=!editable aria-label=format!("Fluxo do canal {}", c.name)
                                            on:change=move |ev| {
                                                let flow = event_target_value(&ev);
                                                spawn_local(async move {
                                                    match set_channel_flow(id, flow).await {
                                                        Ok(()) => { message.set(Some((true, "Fluxo do canal alterado.".into()))); reload(); }
                                                        Err(e) => message.set(Some((false, e.message()))),
                                                    }
                                                });
                                            }>
                                            <option value="" selected=current.is_empty()>"Sem robô (direto para a fila)"</option>
                                            {flows.iter().map(|(k, n)| view! {
                                                <option value=k.clone() selected=*k == current>{n.clone()}</option>
                                            }).collect::<Vec<_>>()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect::<Vec<_>>()
                    })}
                </tbody>
            </table>
        </section>
    }
}

/// The phone numbers whose conversations on the real channels run the drafts.
#[component]
fn TestContactsSection() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let status = RwSignal::new(None::<(bool, String)>);
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(t) = flow_test_contacts().await {
                typed.set(t.phones.join("\n"));
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let phones = typed.get_untracked();
        spawn_local(async move {
            match save_flow_test_contacts(phones).await {
                Ok(t) => {
                    let n = t.phones.len();
                    typed.set(t.phones.join("\n"));
                    status.set(Some((
                        true,
                        match n {
                            0 => "Nenhum contato de teste: todas as conversas usam as versões publicadas.".into(),
                            n => format!("{n} contato(s) de teste salvos: as conversas deles usam os rascunhos."),
                        },
                    )));
                }
                Err(e) => status.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <section aria-labelledby="titulo-contatos-teste" class="mt-8">
            <h2 id="titulo-contatos-teste" class="text-lg font-semibold mb-2">"Contatos de teste"</h2>
            <form class="cartao flex flex-col gap-3" on:submit=submit data-testid="contatos-teste">
                <p class="text-sm text-tinta-suave">
                    "As conversas destes números nos canais de verdade (WhatsApp, Messenger, Instagram, webchat) seguem o rascunho de cada fluxo, não a versão publicada: teste uma mudança no seu celular antes de publicar. Elas não entram na análise dos fluxos."
                </p>
                <label class="campo">
                    <span class="rotulo">"Telefones, um por linha"</span>
                    <textarea class="entrada font-mono text-sm" rows="3" bind:value=typed
                        placeholder="(11) 99999-0001" data-testid="telefones-teste"></textarea>
                </label>
                {move || status.get().map(|(ok, m)| view! {
                    <p class=if ok { "alerta-ok" } else { "alerta-erro" } role="status">{m}</p>
                })}
                <div><button type="submit" class="botao-secundario">"Salvar contatos de teste"</button></div>
            </form>
        </section>
    }
}
