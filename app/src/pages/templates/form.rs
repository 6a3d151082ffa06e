//! "Novo modelo": every part of a WhatsApp template (header of each kind, body with `{{1}}` or
//! named parameters and their examples, footer, each kind of button) with Meta's limits
//! counted and checked as you type (`shared::template::validate`) beside a phone preview that
//! shows the template as the customer will see it, the examples filled in.

use crate::api::templates::create_template;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::template::{
    fill, length, params, validate, Button, Category, Header, Params, Problem, TemplateDraft,
    BODY_MAX, FOOTER_MAX, HEADER_TEXT_MAX,
};
use shared::ChannelId;

fn blank() -> TemplateDraft {
    TemplateDraft {
        name: String::new(),
        language: "pt_BR".into(),
        category: Category::Utility,
        header: None,
        body: String::new(),
        body_examples: Vec::new(),
        footer: None,
        buttons: Vec::new(),
    }
}

/// The messages for one field of the form.
fn messages(problems: &[Problem], field: &str) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.field == field)
        .map(|p| p.message.clone())
        .collect()
}

#[component]
fn FieldProblems(
    problems: Memo<Vec<Problem>>,
    field: String,
    touched: RwSignal<bool>,
) -> impl IntoView {
    view! {
        {move || {
            if !touched.get() {
                return None;
            }
            let list = problems.with(|p| messages(p, &field));
            (!list.is_empty()).then(|| view! {
                <ul class="text-xs text-red-700 mt-1" role="alert">
                    {list.into_iter().map(|m| view! { <li>{m}</li> }).collect::<Vec<_>>()}
                </ul>
            })
        }}
    }
}

#[component]
fn Counter(count: Signal<usize>, max: usize) -> impl IntoView {
    view! {
        <span class="contador" class:excedido={move || count.get() > max} aria-live="polite">
            {move || format!("{}/{max}", count.get())}
        </span>
    }
}

#[component]
pub fn TemplateForm(channel: Signal<ChannelId>, on_created: Callback<String>) -> impl IntoView {
    let t = RwSignal::new(blank());
    let touched = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let problems = Memo::new(move |_| t.with(validate));
    let body_params = Memo::new(move |_| t.with(|t| params(&t.body).unwrap_or(Params::None)));
    let param_names = move || match body_params.get() {
        Params::Named(names) => names,
        Params::Positional(n) => (1..=n).map(|i| format!("{{{{{i}}}}}")).collect(),
        Params::None => Vec::new(),
    };
    let set = move |f: &dyn Fn(&mut TemplateDraft)| {
        touched.set(true);
        t.update(|t| f(t));
    };
    let header_kind = move || match t.with(|t| t.header.clone()) {
        None => "nenhum",
        Some(Header::Text { .. }) => "texto",
        Some(Header::Image { .. }) => "imagem",
        Some(Header::Video { .. }) => "video",
        Some(Header::Document { .. }) => "documento",
        Some(Header::Location) => "localizacao",
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if !problems.with_untracked(|p| p.is_empty()) || sending.get_untracked() {
            return;
        }
        let draft = t.get_untracked();
        let name = draft.name.clone();
        sending.set(true);
        spawn_local(async move {
            let result = create_template(channel.get_untracked(), draft, Vec::new()).await;
            sending.set(false);
            match result {
                Ok(_) => on_created.run(name),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };

    let fields = view! {
        <div class="grid gap-3 md:grid-cols-3">
            <label class="campo md:col-span-3">
                <span class="rotulo">"Nome (letras minúsculas, números e _)"</span>
                <input class="entrada font-mono" data-testid="modelo-nome" placeholder="cobranca_fatura_vencida"
                    prop:value=move || t.with(|t| t.name.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); set(&|t| t.name = v.clone()) } />
                <FieldProblems problems=problems field="name".into() touched=touched />
            </label>
            <label class="campo">
                <span class="rotulo">"Categoria"</span>
                <select class="entrada" data-testid="modelo-categoria" on:change=move |ev| {
                    let c = match event_target_value(&ev).as_str() {
                        "MARKETING" => Category::Marketing,
                        "AUTHENTICATION" => Category::Authentication,
                        _ => Category::Utility,
                    };
                    set(&|t| t.category = c)
                }>
                    <option value="UTILITY" selected=true>"Utilidade (avisos, cobranças, atendimento)"</option>
                    <option value="MARKETING">"Marketing (ofertas, novidades)"</option>
                    <option value="AUTHENTICATION">"Autenticação (códigos de acesso)"</option>
                </select>
            </label>
            <label class="campo">
                <span class="rotulo">"Idioma"</span>
                <select class="entrada" on:change=move |ev| { let v = event_target_value(&ev); set(&|t| t.language = v.clone()) }>
                    <option value="pt_BR" selected=true>"Português (Brasil) · pt_BR"</option>
                    <option value="en_US">"Inglês (EUA) · en_US"</option>
                    <option value="es">"Espanhol · es"</option>
                </select>
            </label>
            <label class="campo">
                <span class="rotulo">"Cabeçalho"</span>
                <select class="entrada" data-testid="modelo-cabecalho" on:change=move |ev| {
                    let h = match event_target_value(&ev).as_str() {
                        "texto" => Some(Header::Text { text: String::new(), example: None }),
                        "imagem" => Some(Header::Image { example_url: String::new() }),
                        "video" => Some(Header::Video { example_url: String::new() }),
                        "documento" => Some(Header::Document { example_url: String::new() }),
                        "localizacao" => Some(Header::Location),
                        _ => None,
                    };
                    set(&|t| t.header = h.clone())
                }>
                    {[("nenhum", "Sem cabeçalho"), ("texto", "Texto"), ("imagem", "Imagem"), ("video", "Vídeo"), ("documento", "Documento (PDF)"), ("localizacao", "Localização")]
                        .into_iter().map(|(v, l)| view! { <option value=v selected=move || header_kind() == v>{l}</option> }).collect::<Vec<_>>()}
                </select>
            </label>
        </div>
    }
    .into_any();

    let header = view! {
        {move || match t.with(|t| t.header.clone()) {
            Some(Header::Text { text, example }) => {
                let has_param = params(&text).map(|p| p.count() > 0).unwrap_or(false);
                let len = Signal::derive(move || t.with(|t| match &t.header { Some(Header::Text { text, .. }) => length(text), _ => 0 }));
                Some(view! {
                    <div class="grid gap-2 md:grid-cols-2">
                        <label class="campo">
                            <span class="rotulo flex justify-between">"Texto do cabeçalho" <Counter count=len max=HEADER_TEXT_MAX /></span>
                            <input class="entrada" prop:value=text.clone() data-testid="modelo-cabecalho-texto"
                                on:input=move |ev| { let v = event_target_value(&ev); set(&|t| if let Some(Header::Text { text, .. }) = &mut t.header { *text = v.clone() }) } />
                        </label>
                        <Show when=move || has_param>
                            <label class="campo">
                                <span class="rotulo">"Exemplo do parâmetro"</span>
                                <input class="entrada" prop:value=example.clone().unwrap_or_default()
                                    on:input=move |ev| { let v = event_target_value(&ev); set(&|t| if let Some(Header::Text { example, .. }) = &mut t.header { *example = Some(v.clone()) }) } />
                            </label>
                        </Show>
                    </div>
                }.into_any())
            }
            Some(Header::Image { example_url }) | Some(Header::Video { example_url }) | Some(Header::Document { example_url }) => Some(view! {
                <label class="campo">
                    <span class="rotulo">"Endereço de um arquivo de exemplo (a Meta o usa na análise; cada envio leva o seu)"</span>
                    <input class="entrada" type="url" placeholder="https://…" prop:value=example_url
                        on:input=move |ev| { let v = event_target_value(&ev); set(&|t| match &mut t.header {
                            Some(Header::Image { example_url }) | Some(Header::Video { example_url }) | Some(Header::Document { example_url }) => *example_url = v.clone(),
                            _ => {}
                        }) } />
                </label>
            }.into_any()),
            _ => None,
        }}
        <FieldProblems problems=problems field="header".into() touched=touched />
    }
    .into_any();

    let body_len = Signal::derive(move || t.with(|t| length(&t.body)));
    let footer_len =
        Signal::derive(move || t.with(|t| t.footer.as_deref().map(length).unwrap_or(0)));
    let body = view! {
        <label class="campo">
            <span class="rotulo flex justify-between">"Texto da mensagem" <Counter count=body_len max=BODY_MAX /></span>
            <span class="text-xs text-tinta-suave">"Use {{1}}, {{2}}… (ou {{nome}}, {{valor}}…) para o que muda de um cliente para outro."</span>
            <textarea class="entrada" rows="5" data-testid="modelo-texto"
                placeholder="Olá, {{1}}! A sua fatura de {{2}} venceu. Quer negociar agora?"
                prop:value=move || t.with(|t| t.body.clone())
                on:input=move |ev| { let v = event_target_value(&ev); set(&|t| t.body = v.clone()) }></textarea>
            <FieldProblems problems=problems field="body".into() touched=touched />
        </label>
        {move || {
            let names = param_names();
            (!names.is_empty()).then(|| view! {
                <fieldset class="grid gap-2 md:grid-cols-2">
                    <legend class="rotulo mb-1">"Exemplos (a Meta exige um para cada parâmetro)"</legend>
                    {names.into_iter().enumerate().map(|(i, name)| view! {
                        <label class="campo">
                            <span class="text-xs text-tinta-suave font-mono">{name}</span>
                            <input class="entrada" data-testid=format!("modelo-exemplo-{i}")
                                prop:value=move || t.with(|t| t.body_examples.get(i).cloned().unwrap_or_default())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    set(&|t| {
                                        if t.body_examples.len() <= i { t.body_examples.resize(i + 1, String::new()); }
                                        t.body_examples[i] = v.clone();
                                    })
                                } />
                        </label>
                    }).collect::<Vec<_>>()}
                    <div class="md:col-span-2"><FieldProblems problems=problems field="body_examples".into() touched=touched /></div>
                </fieldset>
            })
        }}
        <label class="campo">
            <span class="rotulo flex justify-between">"Rodapé (opcional, sem parâmetros)" <Counter count=footer_len max=FOOTER_MAX /></span>
            <input class="entrada" placeholder="Responda SAIR para não receber mais" data-testid="modelo-rodape"
                prop:value=move || t.with(|t| t.footer.clone().unwrap_or_default())
                on:input=move |ev| { let v = event_target_value(&ev); set(&|t| t.footer = Some(v.clone()).filter(|f| !f.is_empty())) } />
            <FieldProblems problems=problems field="footer".into() touched=touched />
        </label>
    }
    .into_any();

    let add_button = move |b: Button| set(&|t| t.buttons.push(b.clone()));
    let buttons = view! {
        <fieldset class="flex flex-col gap-2">
            <legend class="rotulo mb-1">"Botões (até 10: respostas rápidas juntas; até 2 links, 1 telefone, 1 copiar código)"</legend>
            {move || t.with(|t| t.buttons.clone()).into_iter().enumerate().map(|(i, b)| {
                let field = format!("buttons.{i}");
                let (kind, first, second) = match &b {
                    Button::QuickReply { text } => ("Resposta rápida", Some(("Texto", text.clone())), None),
                    Button::Url { text, url, .. } => ("Link", Some(("Texto", text.clone())), Some(("Endereço (pode terminar em {{1}})", url.clone()))),
                    Button::PhoneNumber { text, phone_number } => ("Ligar", Some(("Texto", text.clone())), Some(("Telefone (+55…)", phone_number.clone()))),
                    Button::CopyCode { example } => ("Copiar código", None, Some(("Código de exemplo", example.clone()))),
                };
                view! {
                    <div class="flex flex-wrap items-end gap-2 rounded-lg border border-borda p-2" data-testid="modelo-botao">
                        <span class="chip">{kind}</span>
                        {first.map(|(label, value)| view! {
                            <label class="campo flex-1 min-w-40">
                                <span class="text-xs text-tinta-suave">{label}</span>
                                <input class="entrada" prop:value=value maxlength="40"
                                    on:input=move |ev| { let v = event_target_value(&ev); set(&|t| match &mut t.buttons[i] {
                                        Button::QuickReply { text } | Button::Url { text, .. } | Button::PhoneNumber { text, .. } => *text = v.clone(),
                                        Button::CopyCode { .. } => {}
                                    }) } />
                            </label>
                        })}
                        {second.map(|(label, value)| view! {
                            <label class="campo flex-1 min-w-48">
                                <span class="text-xs text-tinta-suave">{label}</span>
                                <input class="entrada" prop:value=value
                                    on:input=move |ev| { let v = event_target_value(&ev); set(&|t| match &mut t.buttons[i] {
                                        Button::Url { url, example, .. } => {
                                            *url = v.clone();
                                            if v.contains("{{1}}") && example.is_none() { *example = Some("123".into()); }
                                        }
                                        Button::PhoneNumber { phone_number, .. } => *phone_number = v.clone(),
                                        Button::CopyCode { example } => *example = v.clone(),
                                        Button::QuickReply { .. } => {}
                                    }) } />
                            </label>
                        })}
                        <button type="button" class="botao-link text-red-700" aria-label=format!("Remover o botão {}", i + 1)
                            on:click=move |_| set(&|t| { t.buttons.remove(i); })>"Remover"</button>
                        <div class="w-full"><FieldProblems problems=problems field=field touched=touched /></div>
                    </div>
                }
            }).collect::<Vec<_>>()}
            <FieldProblems problems=problems field="buttons".into() touched=touched />
            <div class="flex flex-wrap gap-2">
                <button type="button" class="botao-secundario" data-testid="modelo-add-resposta" on:click=move |_| add_button(Button::QuickReply { text: String::new() })>"+ Resposta rápida"</button>
                <button type="button" class="botao-secundario" on:click=move |_| add_button(Button::Url { text: String::new(), url: "https://".into(), example: None })>"+ Link"</button>
                <button type="button" class="botao-secundario" on:click=move |_| add_button(Button::PhoneNumber { text: String::new(), phone_number: "+55".into() })>"+ Ligar"</button>
                <button type="button" class="botao-secundario" on:click=move |_| add_button(Button::CopyCode { example: String::new() })>"+ Copiar código"</button>
            </div>
        </fieldset>
    }
    .into_any();

    view! {
        <form class="cartao mb-6 grid gap-6 lg:grid-cols-[1fr_20rem]" on:submit=submit data-testid="form-modelo">
            <div class="flex flex-col gap-4">
                <h2 class="text-lg font-semibold">"Novo modelo"</h2>
                {fields}
                {header}
                {body}
                {buttons}
                {move || error.get().map(|e| view! { <p class="alerta-erro" role="alert">{e}</p> })}
                <div class="flex items-center gap-3">
                    <button type="submit" class="botao-primario" data-testid="enviar-modelo"
                        disabled=move || sending.get() || (touched.get() && !problems.with(|p| p.is_empty()))>
                        {move || if sending.get() { "Enviando…" } else { "Enviar para a análise da Meta" }}
                    </button>
                    <span class="text-sm text-tinta-suave" role="status" data-testid="modelo-problemas">
                        {move || match problems.with(|p| p.len()) {
                            0 => "Dentro dos limites da Meta.".to_owned(),
                            n if touched.get() => format!("{n} ajuste(s) antes de enviar."),
                            _ => String::new(),
                        }}
                    </span>
                </div>
            </div>
            <Preview t=t />
        </form>
    }
    .into_any()
}

/// The template as the customer's WhatsApp shows it, the examples filled in (the campaign
/// wizard fills them with its first recipient's values).
#[component]
pub(crate) fn Preview(#[prop(into)] t: Signal<TemplateDraft>) -> impl IntoView {
    view! {
        <aside aria-label="Pré-visualização no WhatsApp" data-testid="modelo-previa">
            <p class="rotulo mb-2">"Como o cliente vê"</p>
            <div class="teste-celular">
                <div class="teste-balao teste-robo flex flex-col gap-1">
                    {move || t.with(|t| match &t.header {
                        Some(Header::Text { text, example }) => {
                            let shown = fill(text, &[example.clone().unwrap_or_default()]);
                            Some(view! { <strong>{shown}</strong> }.into_any())
                        }
                        Some(Header::Image { .. }) => Some(view! { <div class="h-28 rounded bg-slate-200 grid place-items-center text-xs text-tinta-suave">"🖼 Imagem"</div> }.into_any()),
                        Some(Header::Video { .. }) => Some(view! { <div class="h-28 rounded bg-slate-200 grid place-items-center text-xs text-tinta-suave">"▶ Vídeo"</div> }.into_any()),
                        Some(Header::Document { .. }) => Some(view! { <div class="rounded bg-slate-100 p-2 text-xs">"📄 Documento.pdf"</div> }.into_any()),
                        Some(Header::Location) => Some(view! { <div class="h-20 rounded bg-emerald-50 grid place-items-center text-xs">"📍 Localização"</div> }.into_any()),
                        None => None,
                    })}
                    // WhatsApp's *bold*, _italic_, ~strike~ and ```mono``` as the phone shows them.
                    <span data-testid="previa-texto" class="whitespace-pre-wrap">{move || t.with(|t| {
                        let text = if t.body.trim().is_empty() { "O texto da mensagem aparece aqui.".to_owned() } else { fill(&t.body, &t.body_examples) };
                        crate::components::rich::rich_text(&text)
                    })}</span>
                    {move || t.with(|t| t.footer.clone()).map(|f| view! { <span class="text-xs text-tinta-suave">{f}</span> })}
                    <span class="self-end text-[10px] text-tinta-suave">"10:42"</span>
                </div>
                {move || {
                    let buttons = t.with(|t| t.buttons.clone());
                    (!buttons.is_empty()).then(|| view! {
                        <div class="flex flex-col gap-1 max-w-[85%]">
                            {buttons.into_iter().take(3).map(|b| {
                                let (icon, text) = match b {
                                    Button::QuickReply { text } => ("↩", text),
                                    Button::Url { text, .. } => ("↗", text),
                                    Button::PhoneNumber { text, .. } => ("📞", text),
                                    Button::CopyCode { .. } => ("⧉", "Copiar código".to_owned()),
                                };
                                view! { <div class="rounded-lg bg-white py-1.5 text-center text-sm font-medium text-sky-600 shadow-xs">{icon} " " {text}</div> }
                            }).collect::<Vec<_>>()}
                            {(t.with(|t| t.buttons.len()) > 3).then(|| view! {
                                <div class="rounded-lg bg-white py-1.5 text-center text-sm font-medium text-sky-600 shadow-xs">"☰ Ver todas as opções"</div>
                            })}
                        </div>
                    })
                }}
            </div>
        </aside>
    }
}
