//! The wizard's audience from the platform's contacts: a filter (the channel they talked on,
//! tags, custom attributes, how recently they wrote) that becomes the audience file the rest
//! of the wizard checks like an uploaded one.

use crate::api::campaigns::{audience_channels, contacts_audience};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::campaign::segment::{attribute_lines, ContactFilter};
use shared::ChannelId;

fn days(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("\"{text}\" não é um número de dias."))
}

/// The filter as typed, or every problem with it.
fn filter_from(
    channel: &str,
    tags: &str,
    attributes: &str,
    active: &str,
    inactive: &str,
) -> Result<ContactFilter, Vec<String>> {
    let mut problems = Vec::new();
    let attributes = attribute_lines(attributes).unwrap_or_else(|p| {
        problems.extend(p);
        Default::default()
    });
    let mut day_count = |text: &str| {
        days(text).unwrap_or_else(|p| {
            problems.push(p);
            None
        })
    };
    let active_within_days = day_count(active);
    let inactive_for_days = day_count(inactive);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ContactFilter {
        channel_id: channel.parse().ok().map(ChannelId),
        tags: tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        attributes,
        active_within_days,
        inactive_for_days,
    })
}

/// "Contatos da plataforma": opens the filter; "Usar estes contatos" puts the audience file in
/// `csv` and its description in `file_name`.
#[component]
pub fn ContactsAudience(
    csv: RwSignal<String>,
    file_name: RwSignal<Option<String>>,
    phone_column: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let channels = RwSignal::new(Vec::<(ChannelId, String)>::new());
    let channel = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let attributes = RwSignal::new(String::new());
    let active = RwSignal::new(String::new());
    let inactive = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<String>);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if open.get_untracked() && channels.with_untracked(Vec::is_empty) {
            spawn_local(async move {
                match audience_channels().await {
                    Ok(list) => channels.set(list),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        }
    };
    let apply = move |_| {
        let filter = match filter_from(
            &channel.get_untracked(),
            &tags.get_untracked(),
            &attributes.get_untracked(),
            &active.get_untracked(),
            &inactive.get_untracked(),
        ) {
            Ok(f) => f,
            Err(problems) => {
                error.set(Some(problems.join(" ")));
                return;
            }
        };
        spawn_local(async move {
            match contacts_audience(filter).await {
                Ok(segment) => {
                    error.set(None);
                    let mut summary = format!(
                        "{} contato(s) com telefone: {}",
                        segment.matching, segment.description
                    );
                    if segment.without_phone > 0 {
                        summary.push_str(&format!(
                            " ({} sem telefone ficaram de fora)",
                            segment.without_phone
                        ));
                    }
                    picked.set(Some(summary));
                    file_name.set(Some(format!("Contatos: {}", segment.description)));
                    phone_column.set(String::new());
                    csv.set(segment.csv);
                }
                Err(e) => {
                    picked.set(None);
                    error.set(Some(e.message()));
                }
            }
        });
    };
    view! {
        <button type="button" class="botao-secundario" data-testid="campanha-contatos"
            aria-expanded=move || open.get().to_string() on:click=toggle>
            "Contatos da plataforma (filtro)"
        </button>
        <Show when=move || open.get()>
            <div class="basis-full rounded-lg border border-slate-200 bg-slate-50 p-3 flex flex-col gap-3" data-testid="filtro-contatos">
                <div class="grid gap-3 sm:grid-cols-2">
                    <label class="campo">
                        <span class="rotulo">"Conversaram pelo canal"</span>
                        <select class="entrada" data-testid="filtro-canal" on:change=move |ev| channel.set(event_target_value(&ev))>
                            <option value="">"Qualquer canal"</option>
                            {move || channels.get().into_iter().map(|(id, n)| view! {
                                <option value=id.0.to_string()>{n}</option>
                            }).collect::<Vec<_>>()}
                        </select>
                    </label>
                    <label class="campo">
                        <span class="rotulo">"Com as etiquetas (todas, separadas por vírgula)"</span>
                        <input class="entrada" data-testid="filtro-etiquetas" placeholder="cliente-vip, centro" bind:value=tags />
                    </label>
                    <label class="campo">
                        <span class="rotulo">"Escreveram nos últimos (dias)"</span>
                        <input class="entrada" inputmode="numeric" data-testid="filtro-ativos" placeholder="30" bind:value=active />
                    </label>
                    <label class="campo">
                        <span class="rotulo">"Sem escrever há pelo menos (dias)"</span>
                        <input class="entrada" inputmode="numeric" data-testid="filtro-inativos" placeholder="90" bind:value=inactive />
                    </label>
                </div>
                <label class="campo">
                    <span class="rotulo">"Atributos (um por linha: nome = valor)"</span>
                    <textarea class="entrada h-16 font-mono text-xs" data-testid="filtro-atributos" placeholder="bairro = Centro"
                        prop:value=move || attributes.get() on:input=move |ev| attributes.set(event_target_value(&ev))></textarea>
                </label>
                <div class="flex flex-wrap items-center gap-3">
                    <button type="button" class="botao-primario" data-testid="filtro-usar" on:click=apply>"Usar estes contatos"</button>
                    {move || picked.get().map(|p| view! { <span class="text-sm" data-testid="filtro-resultado">{p}</span> })}
                </div>
                <p class="text-xs text-tinta-suave">"Só entram contatos com telefone. As colunas do público são nome, telefone, email, cpf e cada atributo dos contatos."</p>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_filter_becomes_a_contact_filter_or_every_problem() {
        let f = filter_from("", "vip, centro ,", "bairro = Centro", "30", "").unwrap();
        assert_eq!(f.tags, ["vip", "centro"]);
        assert_eq!(f.attributes["bairro"], "Centro");
        assert_eq!(f.active_within_days, Some(30));
        assert_eq!(f.inactive_for_days, None);
        assert_eq!(f.channel_id, None);
        let problems = filter_from("", "", "bairro", "trinta", "-1").unwrap_err();
        assert_eq!(problems.len(), 3);
    }
}
