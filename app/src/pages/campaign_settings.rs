//! Configurações → Campanhas: the rules every campaign follows. Meta's messaging limit (the
//! pre-flight splits a larger audience over days), the price table of the cost estimate, the
//! sending window in each recipient's local time, the cap per contact and the words that opt a
//! customer out.

use crate::api::campaigns::{campaign_settings, SaveCampaignSettings};
use crate::components::forms::{action_error, ErrorAlert, FormError, Notice};
use crate::components::session::RequirePermission;
use crate::components::week::{day_rows, week_spans, WeekRows};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::campaign::model::CampaignSettings;
use shared::campaign::rules::{tier_label, MESSAGING_TIERS};
use shared::hours::Span;
use shared::Permission;

#[component]
pub fn CampaignSettingsPage() -> impl IntoView {
    let current = Resource::new(|| (), |_| campaign_settings());
    view! {
        <Title text="Configurações de campanhas" />
        <RequirePermission permission=Permission::ManageCampaigns>
            <h1 class="titulo-pagina">"Configurações"</h1>
            <crate::pages::channels::SettingsTabs />
            <p class="mb-6 max-w-3xl text-tinta-suave">
                "As regras que toda campanha segue: o limite de destinatários da Meta, os preços da estimativa de custo, a janela de envio no horário local de cada destinatário, o limite por contato e as palavras que tiram o cliente das listas."
            </p>
            <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        Ok(s) => view! { <SettingsForm settings=s /> }.into_any(),
                    }
                })}
            </Transition>
        </RequirePermission>
    }
}

/// "0,35", "0,0625": a price as people write it, with the decimals it needs (two at least).
fn price_text(value: f64) -> String {
    let text = format!("{value:.4}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split_once('.').map_or(0, |(_, d)| d.len());
    let text = if decimals < 2 {
        format!("{value:.2}")
    } else {
        trimmed.to_owned()
    };
    text.replace('.', ",")
}

fn lines(words: &[String]) -> String {
    words.join("\n")
}

fn words_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[component]
fn SettingsForm(settings: CampaignSettings) -> impl IntoView {
    let save = ServerAction::<SaveCampaignSettings>::new();
    let error = action_error(save);
    let limit = RwSignal::new(settings.messaging_limit.to_string());
    let marketing = RwSignal::new(price_text(settings.price_marketing_brl));
    let utility = RwSignal::new(price_text(settings.price_utility_brl));
    let cap = RwSignal::new(settings.frequency_cap_24h.to_string());
    let holidays = RwSignal::new(settings.window.skip_national_holidays);
    let always = RwSignal::new(lines(&settings.opt_out.always));
    let after = RwSignal::new(lines(&settings.opt_out.after_marketing));
    let rows = day_rows(
        &settings.window.hours.days,
        Span {
            opens: 8 * 60,
            closes: 20 * 60,
        },
    );
    // The stored words come back tidied (trimmed, lower case, no repeats): show them so.
    Effect::new(move |_| {
        if let Some(Ok(stored)) = save.value().get() {
            always.set(lines(&stored.opt_out.always));
            after.set(lines(&stored.opt_out.after_marketing));
        }
    });
    let notice = Signal::derive(move || {
        matches!(save.value().get(), Some(Ok(_)))
            .then(|| "Configurações de campanhas salvas.".to_owned())
    });
    let tiers = {
        let current = settings.messaging_limit;
        let mut tiers = MESSAGING_TIERS.to_vec();
        if !tiers.contains(&current) {
            tiers.insert(0, current);
        }
        tiers
    };
    let base = settings.clone();
    let submit = {
        let rows = rows.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut wanted = base.clone();
            // Unreadable prices go as -1: the server names the field.
            let number = |s: RwSignal<String>| {
                shared::flow::text::parse_number(&s.get_untracked()).unwrap_or(-1.0)
            };
            wanted.messaging_limit = limit.get_untracked().parse().unwrap_or(-1);
            wanted.price_marketing_brl = number(marketing);
            wanted.price_utility_brl = number(utility);
            wanted.frequency_cap_24h = cap.get_untracked().trim().parse().unwrap_or(-1);
            wanted.window.skip_national_holidays = holidays.get_untracked();
            // As typed: the server checks each day and names the one that is wrong.
            wanted.window.hours.days = week_spans(&rows);
            wanted.opt_out.always = words_of(&always.get_untracked());
            wanted.opt_out.after_marketing = words_of(&after.get_untracked());
            save.dispatch(SaveCampaignSettings { settings: wanted });
        }
    };
    view! {
        <form class="grid max-w-3xl gap-6" on:submit=submit data-testid="form-config-campanhas">
            <section class="cartao grid gap-4">
                <h2 class="text-lg font-semibold">"Volume e custo"</h2>
                <label class="campo">
                    <span class="rotulo">"Limite de mensagens da Meta"</span>
                    <select class="entrada" data-testid="config-limite" bind:value=limit>
                        {tiers
                            .into_iter()
                            .map(|t| view! { <option value=t.to_string()>{tier_label(t)}</option> })
                            .collect_view()}
                    </select>
                    <span class="dica">
                        "Destinatários únicos por 24 h fora da janela de atendimento, como aparece no Gerenciador do WhatsApp. Uma campanha maior é dividida em dias automaticamente."
                    </span>
                </label>
                <div class="grid gap-4 sm:grid-cols-2">
                    <label class="campo">
                        <span class="rotulo">"Preço por modelo de marketing entregue (R$)"</span>
                        <input class="entrada" inputmode="decimal" data-testid="config-preco-marketing" bind:value=marketing />
                    </label>
                    <label class="campo">
                        <span class="rotulo">"Preço por modelo de utilidade entregue (R$)"</span>
                        <input class="entrada" inputmode="decimal" data-testid="config-preco-utilidade" bind:value=utility />
                    </label>
                </div>
                <label class="campo">
                    <span class="rotulo">"Modelos por contato em 24 h (campanhas e atendentes juntos)"</span>
                    <input class="entrada w-32" type="number" min="0" max="50" data-testid="config-limite-contato" bind:value=cap />
                    <span class="dica">"Quem já recebeu esse número de modelos nas últimas 24 h fica de fora, com o motivo no relatório. 0: sem limite."</span>
                </label>
            </section>
            <section class="cartao" aria-labelledby="titulo-janela">
                <h2 id="titulo-janela" class="text-lg font-semibold">"Janela de envio"</h2>
                <p class="dica">
                    "No horário local de cada destinatário (pelo DDD). Fora dela, as mensagens esperam a próxima abertura — nas campanhas que respeitam o horário comercial."
                </p>
                <WeekRows rows=rows.clone() />
                <label class="mt-3 flex items-center gap-2 text-sm">
                    <input type="checkbox" class="caixa" data-testid="config-feriados" bind:checked=holidays />
                    "Não enviar em feriados nacionais"
                </label>
            </section>
            <section class="cartao grid gap-4">
                <h2 class="text-lg font-semibold">"Saída das listas (LGPD)"</h2>
                <label class="campo">
                    <span class="rotulo">"Palavras de saída, uma por linha"</span>
                    <textarea class="entrada h-40 font-mono text-sm" data-testid="config-palavras" bind:value=always></textarea>
                    <span class="dica">"Quem responder só isso (sem acentos ou maiúsculas contarem) deixa de receber marketing, e é avisado uma vez."</span>
                </label>
                <label class="campo">
                    <span class="rotulo">"Só logo depois de uma mensagem de marketing"</span>
                    <textarea class="entrada h-24 font-mono text-sm" data-testid="config-palavras-marketing" bind:value=after></textarea>
                    <span class="dica">"Palavras comuns numa conversa (como \"sair\"), que só valem como saída em resposta a uma campanha."</span>
                </label>
            </section>
            <div class="flex items-center gap-3">
                <button type="submit" class="botao-primario" data-testid="salvar-config-campanhas" disabled=move || save.pending().get()>
                    "Salvar"
                </button>
            </div>
            <Notice message=notice />
            <FormError error=error />
        </form>
    }
}
