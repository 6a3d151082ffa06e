//! The contact panel: who the customer is (with the CPF masked until revealed), edit, and their
//! conversations on every channel.

use super::format::{channel_badge, hhmm, status_class};
use crate::api::inbox::{reveal_cpf, update_contact};
use crate::components::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::campaign::report::consent_source_label;
use shared::dto::ContactInput;
use shared::inbox::ConversationDetail;
use shared::Permission;

#[component]
pub fn ContactSide(detail: ConversationDetail, notice: RwSignal<Option<String>>) -> impl IntoView {
    let session = use_session();
    let id = detail.row.id;
    let contact = RwSignal::new(detail.contact.clone());
    let cpf = RwSignal::new(detail.contact.cpf.clone());
    let masked = RwSignal::new(detail.contact.cpf_masked);
    let editing = RwSignal::new(false);
    let name = RwSignal::new(detail.contact.name.clone().unwrap_or_default());
    let email = RwSignal::new(detail.contact.email.clone().unwrap_or_default());
    let phone = RwSignal::new(detail.contact.phone.clone().unwrap_or_default());
    let tags = RwSignal::new(detail.contact.tags.join(", "));
    let attrs = RwSignal::new(
        detail
            .contact
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>(),
    );
    let reveal = move |_| {
        spawn_local(async move {
            match reveal_cpf(id).await {
                Ok(full) => {
                    cpf.set(Some(full));
                    masked.set(false);
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ContactInput {
            name: Some(name.get_untracked()),
            phone: Some(phone.get_untracked()),
            email: Some(email.get_untracked()),
            cpf: None,
            attributes: Some(
                attrs
                    .get_untracked()
                    .into_iter()
                    .filter(|(k, _)| !k.trim().is_empty())
                    .map(|(k, v)| (k.trim().to_owned(), v))
                    .collect(),
            ),
            tags: Some(
                tags.get_untracked()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        };
        spawn_local(async move {
            match update_contact(id, input).await {
                Ok(panel) => {
                    tags.set(panel.tags.join(", "));
                    contact.set(panel);
                    editing.set(false);
                    notice.set(Some("Contato atualizado.".into()));
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };
    let navigate = use_navigate();
    let can_reveal = session.can(Permission::RevealCpf);
    view! {
        <aside class="coluna-contato" aria-label="Contato" data-testid="painel-contato">
            <h3 class="text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Contato"</h3>
            <Show when=move || !editing.get() fallback=move || view! {
                <form class="flex flex-col gap-2" on:submit=save>
                    <label class="campo"><span class="rotulo">"Nome"</span><input class="entrada" bind:value=name /></label>
                    <label class="campo"><span class="rotulo">"Telefone"</span><input class="entrada" bind:value=phone /></label>
                    <label class="campo"><span class="rotulo">"E-mail"</span><input class="entrada" bind:value=email /></label>
                    <label class="campo"><span class="rotulo">"Etiquetas (separadas por vírgula)"</span>
                        <input class="entrada" bind:value=tags placeholder="cliente-vip, centro" data-testid="etiquetas-contato" />
                    </label>
                    <p class="rotulo">"Atributos"</p>
                    {move || attrs.get().into_iter().enumerate().map(|(i, (k, v))| view! {
                        <div class="grid grid-cols-2 gap-1">
                            <input class="entrada" aria-label="Atributo" prop:value=k on:input=move |ev| { let x = event_target_value(&ev); attrs.update(|a| a[i].0 = x); } />
                            <input class="entrada" aria-label="Valor" prop:value=v on:input=move |ev| { let x = event_target_value(&ev); attrs.update(|a| a[i].1 = x); } />
                        </div>
                    }).collect_view()}
                    <button type="button" class="botao-link text-left" on:click=move |_| attrs.update(|a| a.push((String::new(), String::new())))>"+ Atributo"</button>
                    <div class="flex gap-2">
                        <button type="submit" class="botao-primario">"Salvar"</button>
                        <button type="button" class="botao-secundario" on:click=move |_| editing.set(false)>"Cancelar"</button>
                    </div>
                </form>
            }>
                <dl class="dados-contato">
                    <dt>"Nome"</dt><dd>{move || contact.get().name.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Telefone"</dt><dd>{move || contact.get().phone.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"E-mail"</dt><dd>{move || contact.get().email.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"CPF"</dt>
                    <dd data-testid="cpf">
                        {move || cpf.get().unwrap_or_else(|| "—".into())}
                        {move || (masked.get() && can_reveal).then(|| view! {
                            <button type="button" class="botao-link ml-2 text-xs" data-testid="revelar-cpf" on:click=reveal>"Revelar"</button>
                        })}
                    </dd>
                    {move || contact.get().attributes.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    <dt>"Etiquetas"</dt>
                    <dd class="flex flex-wrap gap-1" data-testid="etiquetas">
                        {move || {
                            let list = contact.get().tags;
                            if list.is_empty() {
                                return view! { <span class="text-tinta-suave">"—"</span> }.into_any();
                            }
                            list.into_iter().map(|t| view! { <span class="chip" data-testid="etiqueta">{t}</span> }).collect_view().into_any()
                        }}
                    </dd>
                </dl>
                <button type="button" class="botao-link text-left text-sm" data-testid="editar-contato" on:click=move |_| editing.set(true)>"Editar contato"</button>
            </Show>
            <h3 class="mt-4 text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Canais"</h3>
            <ul class="text-sm">
                {move || contact.get().identities.into_iter().map(|i| {
                    let (badge, label) = channel_badge(i.channel_kind);
                    view! { <li class="flex items-center gap-2 py-0.5"><span class=badge>{label}</span><span class="truncate font-mono text-xs">{i.external_id}</span></li> }
                }).collect_view()}
            </ul>
            <h3 class="mt-4 text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Consentimento (LGPD)"</h3>
            <ul class="text-sm" data-testid="consentimentos">
                {move || contact.get().suppressed.map(|s| view! {
                    <li class="text-red-800 py-0.5" data-testid="supressao">{s}</li>
                })}
                {move || {
                    let list = contact.get().consents;
                    if list.is_empty() {
                        return view! { <li class="text-tinta-suave">"Nenhum registro: campanhas de marketing não chegam a este contato."</li> }.into_any();
                    }
                    list.into_iter().map(|c| {
                        let purpose = if c.purpose == "marketing" { "Marketing" } else { "Utilidade" };
                        let channel = c.channel_name.unwrap_or_else(|| "todos os canais".into());
                        let (mark, class) = if c.granted { ("✓ aceitou", "text-emerald-700") } else { ("✗ recusou", "text-red-700") };
                        let title = c.detail.unwrap_or_default();
                        view! {
                            <li class="py-0.5" title=title>
                                <span class="font-medium">{purpose}</span>" · "{channel}" · "
                                <span class=class>{mark}</span>
                                <div class="text-xs text-tinta-suave">
                                    {format!("{}, {}", consent_source_label(&c.source), hhmm(c.at))}
                                </div>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            <h3 class="mt-4 text-sm font-semibold uppercase tracking-wide text-tinta-suave">"Conversas"</h3>
            <ul class="text-sm">
                {move || contact.get().conversations.into_iter().map(|c| {
                    let (badge, label) = channel_badge(c.channel_kind);
                    let navigate = navigate.clone();
                    let target = c.id;
                    view! {
                        <li>
                            <button type="button" class="flex w-full items-center gap-2 py-1 text-left hover:underline" aria-current=(target == id).then_some("true")
                                on:click=move |_| navigate(&format!("/conversas?c={target}"), Default::default())>
                                <span class=badge>{label}</span>
                                <span>{hhmm(c.created_at)}</span>
                                <span class=status_class(c.status)>{c.status.label()}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </aside>
    }
}
