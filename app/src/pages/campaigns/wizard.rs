//! "Nova campanha": a wizard in four steps on one page (template, audience, variables,
//! sending), each checked as it is filled with the same rules the server applies
//! (`shared::campaign`): the CSV is read in the browser, its validation report shown line by
//! line, and the phone preview shows the first recipient's message. Creating makes a draft; the
//! campaign's page then runs the pre-flight and starts it.

use super::status_title;
use crate::api::campaigns::{create_campaign, erp_audience};
use crate::api::templates::{list_templates, TemplatesOverview};
use crate::components::session::RequirePermission;
use crate::pages::templates::form::Preview;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::campaign::audience::{self, AudienceReport};
use shared::campaign::model::CampaignStatus;
use shared::campaign::report::NewCampaign;
use shared::campaign::vars::{self, Binding};
use shared::template::{TemplateDraft, TemplateSummary};
use shared::{ChannelId, Permission};
use std::collections::BTreeMap;

/// Fields every recipient has besides the file's columns.
const CONTACT_FIELDS: [(&str, &str); 3] = [
    ("primeiro_nome", "Primeiro nome"),
    ("nome", "Nome completo"),
    ("telefone", "Telefone"),
];

/// An example file, for who has none at hand.
const EXAMPLE_CSV: &str = "nome;telefone;valor;vencimento\nMaria Silva;(11) 98765-4321;R$ 150,20;10/12/2026\nJoão Santos;21 99876-5432;R$ 1.234,50;05/12/2026\n";

#[component]
pub fn NewCampaignPage() -> impl IntoView {
    view! {
        <Title text="Nova campanha" />
        <RequirePermission permission=Permission::ManageCampaigns>
            <Wizard />
        </RequirePermission>
    }
}

/// One parameter's source: a column (or contact field) with a fallback, or a fixed text.
#[derive(Debug, Clone, PartialEq, Default)]
struct ParamSource {
    /// Empty: the fixed text in `fallback`.
    column: String,
    fallback: String,
}

impl ParamSource {
    fn spec(&self) -> String {
        match (self.column.is_empty(), self.fallback.trim().is_empty()) {
            (true, _) => self.fallback.trim().to_owned(),
            (false, true) => format!("{{{{{}}}}}", self.column),
            (false, false) => format!("{{{{{} | {}}}}}", self.column, self.fallback.trim()),
        }
    }
}

/// A first guess at each parameter's source: a column of the same name, else the first name
/// with "cliente" as its fallback for the first parameter.
fn guess(param: &str, index: usize, columns: &[String]) -> ParamSource {
    let lower = param.to_lowercase();
    if columns.contains(&lower) {
        return ParamSource {
            column: lower,
            fallback: String::new(),
        };
    }
    let column = match index {
        0 => "primeiro_nome".to_owned(),
        _ => columns
            .iter()
            .filter(|c| !matches!(c.as_str(), "nome" | "telefone" | "celular" | "whatsapp"))
            .nth(index - 1)
            .cloned()
            .unwrap_or_default(),
    };
    let fallback = if index == 0 {
        "cliente".into()
    } else {
        String::new()
    };
    ParamSource { column, fallback }
}

/// "2026-12-10T09:30" typed in São Paulo's time (UTC−3 all year since 2019) → UTC.
fn sao_paulo_to_utc(local: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").ok()?;
    Some((naive + chrono::Duration::hours(3)).and_utc())
}

#[component]
fn Step(number: u8, title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="cartao flex flex-col gap-3" aria-labelledby=format!("passo-{number}")>
            <h2 id=format!("passo-{number}") class="flex items-center gap-2 text-lg font-semibold">
                <span class="grid h-7 w-7 place-items-center rounded-full bg-marca-600 text-sm text-white">{number}</span>
                {title}
            </h2>
            {children()}
        </section>
    }
}

#[component]
fn Wizard() -> impl IntoView {
    let overview = RwSignal::new(None::<TemplatesOverview>);
    let error = RwSignal::new(None::<String>);
    let channel = RwSignal::new(None::<ChannelId>);
    let template = RwSignal::new(None::<TemplateSummary>);
    let csv = RwSignal::new(String::new());
    let file_name = RwSignal::new(None::<String>);
    let phone_column = RwSignal::new(String::new());
    let sources = RwSignal::new(BTreeMap::<String, ParamSource>::new());
    let name = RwSignal::new(String::new());
    let later = RwSignal::new(false);
    let local_time = RwSignal::new(false);
    let schedule = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let quiet = RwSignal::new(true);
    let rate = RwSignal::new(80_i32);
    let budget = RwSignal::new(String::new());
    let creating = RwSignal::new(false);
    // In an effect: a page loaded directly renders on the server first, where there is no
    // local task set to spawn on.
    Effect::new(move |_| {
        spawn_local(async move {
            match list_templates().await {
                Ok(d) => {
                    channel.set(d.channels.first().map(|c| c.0));
                    overview.set(Some(d));
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    });
    let approved = Memo::new(move |_| {
        let c = channel.get();
        overview.with(|o| {
            o.as_ref()
                .map(|o| {
                    o.templates
                        .iter()
                        .filter(|t| Some(t.channel_id) == c && t.status == "APPROVED")
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let body = Memo::new(move |_| {
        template.with(|t| {
            t.as_ref()
                .and_then(|t| t.draft.as_ref())
                .map(|d| d.body.clone())
                .unwrap_or_default()
        })
    });
    let params = Memo::new(move |_| vars::body_params(&body.get()).0);
    let report = Memo::new(move |_| {
        let text = csv.get();
        if text.trim().is_empty() {
            return None;
        }
        let column = phone_column.get();
        let column = (!column.is_empty()).then_some(column);
        Some(audience::from_csv(&text, column.as_deref()).map_err(|e| e.to_string()))
    });
    let columns = Memo::new(move |_| {
        report.with(|r| match r {
            Some(Ok(r)) => r.columns.clone(),
            _ => Vec::new(),
        })
    });
    // New parameters or columns: each parameter gets a first guess, kept once changed.
    Effect::new(move |_| {
        let ps = params.get();
        let cols = columns.get();
        sources.update(|s| {
            s.retain(|k, _| ps.contains(k));
            for (i, p) in ps.iter().enumerate() {
                s.entry(p.clone()).or_insert_with(|| guess(p, i, &cols));
            }
        });
    });
    let bindings = Memo::new(move |_| {
        sources.with(|s| {
            s.iter()
                .map(|(k, v)| (k.clone(), Binding::parse(&v.spec())))
                .collect::<BTreeMap<_, _>>()
        })
    });
    // The recipients whose message can be filled, and the lines a variable would leave empty.
    let filled = Memo::new(move |_| {
        report.with(|r| {
            let Some(Ok(r)) = r else {
                return (0usize, Vec::<(usize, String)>::new(), None::<Vec<String>>);
            };
            let b = bindings.get();
            let mut ok = 0;
            let mut empty = Vec::new();
            let mut first = None;
            for row in &r.rows {
                let mut fields = row.fields.clone();
                fields
                    .entry("telefone".into())
                    .or_insert_with(|| row.phone.e164.clone());
                match vars::fill(&b, &fields) {
                    Ok(values) => {
                        ok += 1;
                        if first.is_none() {
                            first = Some(
                                params
                                    .get()
                                    .iter()
                                    .map(|p| values.get(p).cloned().unwrap_or_default())
                                    .collect(),
                            );
                        }
                    }
                    Err(e) => empty.push((row.line, e.to_string())),
                }
            }
            (ok, empty, first)
        })
    });
    let preview = Signal::derive(move || {
        let mut draft = template
            .with(|t| t.as_ref().and_then(|t| t.draft.clone()))
            .unwrap_or_else(|| TemplateDraft {
                name: String::new(),
                language: "pt_BR".into(),
                category: shared::template::Category::Utility,
                header: None,
                body: String::new(),
                body_examples: Vec::new(),
                footer: None,
                buttons: Vec::new(),
            });
        if let Some(values) = filled.with(|f| f.2.clone()) {
            draft.body_examples = values;
        }
        draft
    });
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > 30_000_000.0 {
                error.set(Some("O arquivo passa de 30 MB: divida-o em partes.".into()));
                return;
            }
            file_name.set(Some(file.name()));
            spawn_local(async move {
                let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
                match read {
                    Ok(buffer) => {
                        let bytes = web_sys::js_sys::Uint8Array::new(&buffer).to_vec();
                        error.set(None);
                        csv.set(audience::decode(&bytes));
                    }
                    Err(_) => error.set(Some("Não foi possível ler o arquivo.".into())),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let navigate = use_navigate();
    let ready = move || {
        template.with(|t| t.is_some())
            && !name.with(|n| n.trim().is_empty())
            && filled.with(|f| f.0 > 0)
            && (!later.get() || sao_paulo_to_utc(&schedule.get()).is_some())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(t) = template.get_untracked() else {
            return;
        };
        if creating.get_untracked() {
            return;
        }
        let request = NewCampaign {
            name: name.get_untracked().trim().to_owned(),
            channel: channel.get_untracked(),
            template_name: t.name,
            template_language: t.language,
            csv: csv.get_untracked(),
            phone_column: Some(phone_column.get_untracked()).filter(|c| !c.is_empty()),
            variables: sources
                .with_untracked(|s| s.iter().map(|(k, v)| (k.clone(), v.spec())).collect()),
            rate_per_second: Some(rate.get_untracked()),
            schedule_at: later
                .get_untracked()
                .then(|| sao_paulo_to_utc(&schedule.get_untracked()))
                .flatten(),
            local_time: later.get_untracked() && local_time.get_untracked(),
            respect_quiet_hours: quiet.get_untracked(),
            expires_at: sao_paulo_to_utc(&expires.get_untracked()),
            // Unreadable: sent as is and refused by the server with the reason.
            daily_budget_brl: Some(budget.get_untracked())
                .filter(|b| !b.trim().is_empty())
                .map(|b| shared::flow::text::parse_number(&b).unwrap_or(-1.0)),
        };
        creating.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = create_campaign(request).await;
            creating.set(false);
            match result {
                Ok(c) => navigate(
                    &format!("/campanhas/{}?criada={}", c.id, c.recipients),
                    Default::default(),
                ),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };

    let step_template = view! {
        <Step number=1 title="Modelo aprovado">
            {move || overview.with(|o| o.as_ref().map(|o| o.channels.len() > 1)).unwrap_or(false).then(|| view! {
                <label class="campo max-w-sm">
                    <span class="rotulo">"Canal do WhatsApp"</span>
                    <select class="entrada" data-testid="campanha-canal" on:change=move |ev| { channel.set(event_target_value(&ev).parse().ok().map(ChannelId)); template.set(None); }>
                        {overview.get().map(|o| o.channels).unwrap_or_default().into_iter().map(|(id, n)| view! {
                            <option value=id.0.to_string() selected=move || channel.get() == Some(id)>{n}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
            })}
            <label class="campo">
                <span class="rotulo">"Modelo"</span>
                <select class="entrada" data-testid="campanha-modelo" on:change=move |ev| {
                    let key = event_target_value(&ev);
                    template.set(approved.get_untracked().into_iter().find(|t| format!("{}|{}", t.name, t.language) == key));
                }>
                    <option value="" selected=move || template.with(|t| t.is_none())>"Escolha um modelo…"</option>
                    {move || approved.get().into_iter().map(|t| {
                        let key = format!("{}|{}", t.name, t.language);
                        let category = match t.category.as_str() { "MARKETING" => "marketing", "UTILITY" => "utilidade", _ => "autenticação" };
                        view! { <option value=key>{format!("{} ({}, {})", t.name, t.language, category)}</option> }
                    }).collect::<Vec<_>>()}
                </select>
            </label>
            {move || (overview.with(|o| o.is_some()) && approved.with(|a| a.is_empty())).then(|| view! {
                <p class="alerta-aviso">"Nenhum modelo aprovado neste canal. Crie um em "<a class="botao-link" href="/modelos">"Modelos"</a>" e espere a aprovação da Meta."</p>
            })}
            {move || template.with(|t| t.as_ref().map(|t| t.category == "MARKETING")).unwrap_or(false).then(|| view! {
                <p class="alerta-info text-sm">"Modelo de marketing: só recebem os contatos com consentimento registrado (LGPD). Quem não tem fica de fora, e o relatório diz quantos."</p>
            })}
        </Step>
    };

    let step_audience = view! {
        <Step number=2 title="Público">
            <p class="text-sm text-tinta-suave">"Uma planilha salva como CSV, com uma coluna de telefone (com DDD; o nono dígito é acrescentado quando falta), os clientes em atraso lidos do ERP, ou os contatos da plataforma escolhidos por canal, etiquetas, atributos e última mensagem. As outras colunas viram variáveis da mensagem: valor, vencimento, o que houver."</p>
            <div class="flex flex-wrap items-center gap-3">
                <label class="botao-secundario cursor-pointer">
                    "Escolher arquivo CSV"
                    <input type="file" accept=".csv,.txt,text/csv" class="sr-only" data-testid="campanha-arquivo" on:change=on_file />
                </label>
                <button type="button" class="botao-secundario" data-testid="campanha-erp" on:click=move |_| {
                    spawn_local(async move {
                        match erp_audience().await {
                            Ok(text) => {
                                error.set(None);
                                file_name.set(Some("ERP: clientes com faturas vencidas".into()));
                                phone_column.set(String::new());
                                csv.set(text);
                            }
                            Err(e) => error.set(Some(e.message())),
                        }
                    });
                }>"Clientes com faturas vencidas (ERP)"</button>
                <super::segment::ContactsAudience csv=csv file_name=file_name phone_column=phone_column error=error />
                <button type="button" class="botao-link" on:click=move |_| { file_name.set(None); csv.set(EXAMPLE_CSV.into()); }>"Usar um exemplo"</button>
                {move || file_name.get().map(|f| view! { <span class="text-sm font-mono">{f}</span> })}
            </div>
            <details class="text-sm">
                <summary class="cursor-pointer text-tinta-suave">"Ou cole o conteúdo"</summary>
                <textarea class="entrada mt-2 h-32 font-mono text-xs" data-testid="campanha-csv" aria-label="Conteúdo do CSV"
                    prop:value=move || csv.get() on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
            </details>
            {move || report.get().map(|r| match r {
                Err(e) => view! { <p class="alerta-erro" role="alert">{e}</p> }.into_any(),
                Ok(r) => view! { <AudienceSummary report=r phone_column=phone_column /> }.into_any(),
            })}
        </Step>
    };

    let step_variables = view! {
        <Step number=3 title="Variáveis">
            {move || {
                let ps = params.get();
                if ps.is_empty() {
                    return view! { <p class="text-sm text-tinta-suave">{move || if template.with(|t| t.is_some()) { "Este modelo não tem variáveis: todos recebem o mesmo texto." } else { "Escolha o modelo para ligar as variáveis às colunas." }}</p> }.into_any();
                }
                ps.into_iter().map(|p| {
                    let key = p.clone();
                    let key2 = p.clone();
                    let key3 = p.clone();
                    let current = move || sources.with(|s| s.get(&key).cloned().unwrap_or_default());
                    let current2 = current.clone();
                    let current3 = current.clone();
                    view! {
                        <div class="grid gap-2 md:grid-cols-[6rem_1fr_1fr] items-end" data-testid="campanha-variavel">
                            <span class="chip-variavel self-center justify-self-start">{format!("{{{{{p}}}}}")}</span>
                            <label class="campo">
                                <span class="rotulo">"Vem de"</span>
                                <select class="entrada" on:change=move |ev| { let v = event_target_value(&ev); sources.update(|s| s.entry(key2.clone()).or_default().column = v); }>
                                    {move || {
                                        let chosen = current().column;
                                        let mut options: Vec<(String, String)> = CONTACT_FIELDS.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect();
                                        for c in columns.get() {
                                            if !options.iter().any(|(k, _)| *k == c) {
                                                options.push((c.clone(), format!("Coluna \"{c}\"")));
                                            }
                                        }
                                        options.push((String::new(), "Texto fixo".into()));
                                        options.into_iter().map(|(k, l)| {
                                            let selected = k == chosen;
                                            view! { <option value=k selected=selected>{l}</option> }
                                        }).collect::<Vec<_>>()
                                    }}
                                </select>
                            </label>
                            <label class="campo">
                                <span class="rotulo">{move || if current2().column.is_empty() { "Texto" } else { "Se estiver vazio, usar" }}</span>
                                <input class="entrada" placeholder=move || if current3().column.is_empty() { "Texto para todos" } else { "(opcional)" }
                                    prop:value=move || sources.with(|s| s.get(&key3).map(|v| v.fallback.clone()).unwrap_or_default())
                                    on:input=move |ev| { let v = event_target_value(&ev); sources.update(|s| s.entry(p.clone()).or_default().fallback = v); } />
                            </label>
                        </div>
                    }
                }).collect::<Vec<_>>().into_any()
            }}
            {move || filled.with(|(_, empty, _)| (!empty.is_empty()).then(|| {
                let shown: Vec<_> = empty.iter().take(5).cloned().collect();
                let more = empty.len().saturating_sub(5);
                view! {
                    <div class="alerta-aviso text-sm" data-testid="campanha-vazias">
                        <p>{format!("{} linha(s) ficariam com uma variável vazia e saem do envio. Dê um valor padrão para mantê-las:", empty.len())}</p>
                        <ul class="list-disc pl-5">
                            {shown.into_iter().map(|(line, m)| view! { <li>{format!("Linha {line}: {m}")}</li> }).collect::<Vec<_>>()}
                        </ul>
                        {(more > 0).then(|| view! { <p>{format!("… e mais {more}.")}</p> })}
                    </div>
                }
            }))}
        </Step>
    };

    let step_sending = view! {
        <Step number=4 title="Envio">
            <label class="campo">
                <span class="rotulo">"Nome da campanha"</span>
                <input class="entrada" data-testid="campanha-nome" placeholder="Cobrança de faturas vencidas — dezembro"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <fieldset class="flex flex-wrap gap-4 text-sm">
                <legend class="rotulo mb-1">"Quando"</legend>
                <label class="flex items-center gap-2"><input type="radio" name="quando" checked=move || !later.get() on:change=move |_| later.set(false) />"Assim que eu iniciar"</label>
                <label class="flex items-center gap-2"><input type="radio" name="quando" data-testid="campanha-agendar" checked=move || later.get() on:change=move |_| later.set(true) />"Em data e hora marcadas"</label>
            </fieldset>
            <Show when=move || later.get()>
                <label class="campo max-w-xs">
                    <span class="rotulo">"Início (horário de Brasília)"</span>
                    <input type="datetime-local" class="entrada" data-testid="campanha-inicio"
                        prop:value=move || schedule.get() on:input=move |ev| schedule.set(event_target_value(&ev)) />
                </label>
                <label class="flex items-start gap-2 text-sm">
                    <input type="checkbox" class="mt-1" data-testid="campanha-hora-local" checked=move || local_time.get() on:change=move |ev| local_time.set(event_target_checked(&ev)) />
                    <span>"No horário local de cada destinatário"
                        <span class="block text-tinta-suave">"O fuso vem do DDD: às 9h de Brasília recebe São Paulo, às 9h de Manaus (uma hora depois) quem é de lá, às 9h do Acre (duas horas depois) os de Rio Branco."</span></span>
                </label>
            </Show>
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" class="mt-1" checked=move || quiet.get() on:change=move |ev| quiet.set(event_target_checked(&ev)) />
                <span>"Respeitar o horário comercial de cada cliente"
                    <span class="block text-tinta-suave">"Na janela de envio de Configurações → Campanhas (de início, segunda a sábado das 8h às 20h, sem feriados nacionais), no fuso do DDD do cliente; fora dela a mensagem espera."</span></span>
            </label>
            <div class="grid gap-3 md:grid-cols-2">
                <label class="campo">
                    <span class="rotulo">"Validade (opcional)"</span>
                    <input type="datetime-local" class="entrada" prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev)) />
                    <span class="text-xs text-tinta-suave">"Quem não recebeu até lá sai do envio (ex.: uma oferta que acaba)."</span>
                </label>
                <label class="campo">
                    <span class="rotulo">"Velocidade (mensagens por segundo)"</span>
                    <input type="number" min="1" max="1000" class="entrada" prop:value=move || rate.get().to_string()
                        on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<i32>() { rate.set(v.clamp(1, 1000)) } } />
                    <span class="text-xs text-tinta-suave">"O número do WhatsApp aceita 80 por segundo (1.000 depois da ampliação da Meta)."</span>
                </label>
                <label class="campo">
                    <span class="rotulo">"Orçamento diário em R$ (opcional)"</span>
                    <input class="entrada" inputmode="decimal" placeholder="500,00" data-testid="campanha-orcamento"
                        prop:value=move || budget.get() on:input=move |ev| budget.set(event_target_value(&ev)) />
                    <span class="text-xs text-tinta-suave">"Pelo preço por modelo entregue das configurações: atingido o valor do dia, o restante espera o dia seguinte."</span>
                </label>
            </div>
        </Step>
    };

    view! {
        <div class="mb-4 flex items-center gap-3">
            <a href="/campanhas" class="botao-link">"← Campanhas"</a>
            <h1 class="text-2xl font-semibold">"Nova campanha"</h1>
            <span class=super::status_class(CampaignStatus::Draft)>{status_title(CampaignStatus::Draft)}</span>
        </div>
        <form class="grid gap-6 lg:grid-cols-[1fr_20rem]" on:submit=submit data-testid="form-campanha">
            <div class="flex flex-col gap-4">
                {step_template}
                {step_audience}
                {step_variables}
                {step_sending}
                {move || error.get().map(|e| view! { <p class="alerta-erro" role="alert">{e}</p> })}
                <div class="flex items-center gap-3">
                    <button type="submit" class="botao-primario" data-testid="criar-campanha" disabled=move || !ready() || creating.get()>
                        {move || if creating.get() { "Criando…" } else { "Criar e conferir antes de enviar" }}
                    </button>
                    <span class="text-sm text-tinta-suave">"Nada é enviado ainda: a próxima tela confere tudo antes do início."</span>
                </div>
            </div>
            <div class="flex flex-col gap-3 lg:sticky lg:top-4 self-start">
                <Preview t=preview />
                <p class="text-xs text-tinta-suave">{move || if filled.with(|f| f.2.is_some()) { "Com os dados da primeira linha válida do arquivo." } else { "Com os exemplos do modelo." }}</p>
            </div>
        </form>
    }
}

/// The file's validation report: recipients, lines left out with their line numbers,
/// duplicates, numbers that got their ninth digit; and the phone column when it was not found.
#[component]
fn AudienceSummary(report: AudienceReport, phone_column: RwSignal<String>) -> impl IntoView {
    let columns = report.columns.clone();
    let problems: Vec<_> = report.problems.iter().take(8).cloned().collect();
    let more = report.problems.len().saturating_sub(8);
    let duplicates = report.duplicates.clone();
    view! {
        <div class="rounded-lg border border-borda bg-fundo p-3 text-sm flex flex-col gap-2" data-testid="campanha-relatorio">
            <div class="flex flex-wrap gap-x-6 gap-y-1">
                <span><strong class="text-lg tabular-nums" data-testid="campanha-validos">{report.rows.len()}</strong>" destinatários válidos"</span>
                <span class="text-tinta-suave">{format!("{} linha(s) com problema", report.problems.len())}</span>
                <span class="text-tinta-suave">{format!("{} repetido(s) removido(s)", report.duplicates.len())}</span>
                <span class="text-tinta-suave">{format!("{} celular(es) com o nono dígito acrescentado", report.ninth_digit_added)}</span>
            </div>
            <label class="campo max-w-xs">
                <span class="rotulo">"Coluna do telefone"</span>
                <select class="entrada" on:change=move |ev| phone_column.set(event_target_value(&ev))>
                    {columns.into_iter().map(|c| {
                        let selected = c == report.phone_column;
                        let label = c.clone();
                        view! { <option value=c selected=selected>{label}</option> }
                    }).collect::<Vec<_>>()}
                </select>
            </label>
            {(!problems.is_empty()).then(|| view! {
                <ul class="list-disc pl-5 text-red-800">
                    {problems.into_iter().map(|p| view! { <li>{format!("Linha {}: {}", p.line, p.message)}</li> }).collect::<Vec<_>>()}
                    {(more > 0).then(|| view! { <li>{format!("… e mais {more}.")}</li> })}
                </ul>
            })}
            {(!duplicates.is_empty()).then(|| view! {
                <p class="text-tinta-suave">{format!("Repetidos: {}.", duplicates.iter().take(6).map(|(l, f)| format!("linha {l} (igual à {f})")).collect::<Vec<_>>().join(", "))}</p>
            })}
        </div>
    }
}
