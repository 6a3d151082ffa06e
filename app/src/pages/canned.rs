//! Respostas prontas: replies agents insert by typing `/atalho` (supervisors and administrators
//! manage them).

use crate::api::inbox::{canned_responses, delete_canned_response, save_canned_response};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use shared::inbox::CannedResponse;
use shared::Permission;

#[component]
pub fn CannedPage() -> impl IntoView {
    view! {
        <Title text="Respostas prontas" />
        <RequirePermission permission=Permission::ManageCannedResponses>
            <Canned />
        </RequirePermission>
    }
}

#[component]
fn Canned() -> impl IntoView {
    let list = RwSignal::new(Vec::<CannedResponse>::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let editing = RwSignal::new(None::<uuid::Uuid>);
    let shortcut = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(l) = canned_responses().await {
                list.set(l);
            }
        });
    };
    Effect::new(move |_| reload());
    let clear = move || {
        editing.set(None);
        shortcut.set(String::new());
        title.set(String::new());
        body.set(String::new());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = CannedResponse {
            // The server gives a new response its id.
            id: editing.get_untracked().unwrap_or(uuid::Uuid::nil()),
            shortcut: shortcut.get_untracked(),
            title: title.get_untracked(),
            body: body.get_untracked(),
        };
        spawn_local(async move {
            match save_canned_response(input.clone()).await {
                Ok(()) => {
                    message.set(Some((
                        true,
                        format!(
                            "Resposta /{} salva.",
                            input.shortcut.trim_start_matches('/')
                        ),
                    )));
                    clear();
                    reload();
                }
                Err(e) => message.set(Some((false, e.message()))),
            }
        });
    };
    view! {
        <h1 class="titulo-pagina">"Respostas prontas"</h1>
        <p class="mb-6 text-tinta-suave">
            "No campo de mensagem, digite / e o atalho para inserir o texto."
        </p>
        <form class="cartao mb-6 grid gap-3 md:grid-cols-3" on:submit=submit novalidate>
            <label class="campo">
                <span class="rotulo">"Atalho"</span>
                <input class="entrada" bind:value=shortcut placeholder="boasvindas" data-testid="atalho" />
            </label>
            <label class="campo md:col-span-2">
                <span class="rotulo">"Título"</span>
                <input class="entrada" bind:value=title data-testid="titulo-resposta" />
            </label>
            <label class="campo md:col-span-3">
                <span class="rotulo">"Texto"</span>
                <textarea class="entrada" rows="3" bind:value=body data-testid="texto-resposta"></textarea>
            </label>
            <div class="flex gap-2 md:col-span-3">
                <button type="submit" class="botao-primario">
                    {move || if editing.get().is_some() { "Salvar alterações" } else { "Criar resposta" }}
                </button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="botao-secundario" on:click=move |_| clear()>"Cancelar"</button>
                </Show>
            </div>
            {move || message.get().map(|(ok, m)| view! {
                <p class=if ok { "alerta-ok md:col-span-3" } else { "alerta-erro md:col-span-3" } role="status">{m}</p>
            })}
        </form>
        <table class="tabela cartao w-full">
            <thead><tr><th>"Atalho"</th><th>"Título"</th><th>"Texto"</th><th></th></tr></thead>
            <tbody>
                <For each=move || list.get() key=|c| (c.id, c.shortcut.clone(), c.title.clone(), c.body.clone()) let:c>
                    {
                        let for_edit = c.clone();
                        let id = c.id;
                        view! {
                            <tr>
                                <td class="font-mono">"/" {c.shortcut.clone()}</td>
                                <td>{c.title.clone()}</td>
                                <td class="max-w-md truncate">{c.body.clone()}</td>
                                <td class="whitespace-nowrap text-right">
                                    <button type="button" class="botao-link" on:click=move |_| {
                                        editing.set(Some(for_edit.id));
                                        shortcut.set(for_edit.shortcut.clone());
                                        title.set(for_edit.title.clone());
                                        body.set(for_edit.body.clone());
                                    }>"Editar"</button>
                                    " "
                                    <button type="button" class="botao-link text-red-700" on:click=move |_| {
                                        spawn_local(async move {
                                            if delete_canned_response(id).await.is_ok() { reload(); }
                                        });
                                    }>"Excluir"</button>
                                </td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
    }
}
