//! A team's settings on its card: when it answers, and what customers are told at the end.

use crate::api::teams::{SetBusinessHours, SetClosingMessage};
use crate::components::forms::{action_error, FormError};
use crate::components::week::{day_rows, week_text, WeekRows};
use leptos::prelude::*;
use shared::hours::{self, BusinessHours, DEFAULT_TIME_ZONE};
use shared::TeamId;

/// Brazil's time zones, as people know them.
const ZONES: [(&str, &str); 8] = [
    ("America/Sao_Paulo", "Horário de Brasília (São Paulo)"),
    ("America/Bahia", "Bahia"),
    ("America/Fortaleza", "Fortaleza, Recife, Maceió"),
    ("America/Belem", "Belém"),
    ("America/Manaus", "Amazonas (Manaus)"),
    ("America/Cuiaba", "Mato Grosso, Mato Grosso do Sul"),
    ("America/Rio_Branco", "Acre"),
    ("America/Noronha", "Fernando de Noronha"),
];

/// When the team answers. Outside these hours the bot tells the customer when it opens.
#[component]
pub fn BusinessHoursForm(
    team: TeamId,
    hours: Option<BusinessHours>,
    can_manage: bool,
) -> impl IntoView {
    let save = ServerAction::<SetBusinessHours>::new();
    let error = action_error(save);
    let always = RwSignal::new(hours.is_none());
    let shown = hours.clone().unwrap_or_else(BusinessHours::weekdays);
    let zone = RwSignal::new(shown.time_zone.clone());
    let rows = day_rows(
        &shown.days,
        hours::Span {
            opens: 8 * 60,
            closes: 18 * 60,
        },
    );
    let saved_summary = RwSignal::new(hours.as_ref().map(BusinessHours::summary));
    // What the summary becomes once the server accepts the hours being saved.
    let pending: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            if let Some(summary) = pending.get_untracked() {
                saved_summary.set(summary);
            }
        }
    });
    let days_text = {
        let rows = rows.clone();
        move || {
            if always.get_untracked() {
                return String::new();
            }
            week_text(&rows)
        }
    };
    let name = |suffix: &str| format!("horario-{team}-{suffix}");
    let legend = name("titulo");
    let heading = legend.clone();
    let current_zone = shown.time_zone.clone();
    view! {
        <form
            class="mt-4 border-t border-borda pt-3"
            aria-labelledby=legend
            on:submit=move |ev| {
                ev.prevent_default();
                let days = days_text();
                let time_zone = zone.get_untracked();
                pending.set(Some(
                    hours::parse_week(&time_zone, &days).ok().flatten().map(|h| h.summary()),
                ));
                save.dispatch(SetBusinessHours { id: team, time_zone, days });
            }
        >
            <h3 id=heading class="rotulo">"Horário de atendimento"</h3>
            <div class="mt-1 flex flex-wrap gap-4 text-sm">
                <label class="flex items-center gap-1">
                    <input
                        type="radio"
                        name=name("modo")
                        disabled=!can_manage
                        prop:checked=move || always.get()
                        on:change=move |_| always.set(true)
                    />
                    "Sempre aberto"
                </label>
                <label class="flex items-center gap-1">
                    <input
                        type="radio"
                        name=name("modo")
                        disabled=!can_manage
                        prop:checked=move || !always.get()
                        on:change=move |_| always.set(false)
                    />
                    "Horário definido"
                </label>
            </div>
            <Show when=move || !always.get()>
                <WeekRows rows=rows.clone() disabled=!can_manage />
                <label class="mt-2 flex flex-wrap items-center gap-2 text-sm">
                    "Fuso horário"
                    <select
                        class="entrada flex-1 py-1"
                        disabled=!can_manage
                        on:change=move |ev| zone.set(event_target_value(&ev))
                    >
                        {ZONES
                            .iter()
                            .map(|(id, label)| {
                                view! {
                                    <option value=*id selected=*id == current_zone>
                                        {*label}
                                    </option>
                                }
                            })
                            .collect_view()}
                        {(!ZONES.iter().any(|(id, _)| *id == current_zone)
                            && current_zone != DEFAULT_TIME_ZONE)
                            .then(|| {
                                view! {
                                    <option value=current_zone.clone() selected=true>
                                        {current_zone.clone()}
                                    </option>
                                }
                            })}
                    </select>
                </label>
            </Show>
            <p class="dica">
                {move || match saved_summary.get() {
                    Some(s) => format!("Atende: {s}. Fora desse horário, o bot avisa o cliente quando a equipe abre."),
                    None => "A equipe atende a qualquer hora.".to_owned(),
                }}
            </p>
            <Show when=move || can_manage>
                <div class="mt-2 flex items-center gap-3">
                    <button type="submit" class="botao-secundario" disabled=move || save.pending().get()>
                        "Salvar horário"
                    </button>
                    {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <span class="text-sm text-emerald-700" role="status">"Salvo."</span> })}
                </div>
            </Show>
            <FormError error=error />
        </form>
    }
}

/// What the team's customers are told when an agent resolves their conversation.
#[component]
pub fn ClosingMessage(team: shared::TeamId, message: String, can_manage: bool) -> impl IntoView {
    let save = ServerAction::<SetClosingMessage>::new();
    let text = RwSignal::new(message);
    let error = action_error(save);
    let field = format!("encerramento-{team}");
    view! {
        <form
            class="mt-4 border-t border-borda pt-3"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SetClosingMessage { id: team, message: text.get_untracked() });
            }
        >
            <label class="rotulo" for=field.clone()>"Mensagem de encerramento"</label>
            <textarea
                id=field
                class="entrada mt-1 min-h-20 w-full"
                maxlength="1000"
                disabled=!can_manage
                placeholder="Nada é enviado quando vazia."
                bind:value=text
            ></textarea>
            <p class="dica">"Enviada ao cliente quando um atendente resolve a conversa."</p>
            <Show when=move || can_manage>
                <div class="mt-2 flex items-center gap-3">
                    <button type="submit" class="botao-secundario" disabled=move || save.pending().get()>
                        "Salvar mensagem"
                    </button>
                    {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <span class="text-sm text-emerald-700" role="status">"Salva."</span> })}
                </div>
            </Show>
            <FormError error=error />
        </form>
    }
}
