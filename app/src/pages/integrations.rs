//! Configurações → Integrações: the ERP the bot queries, and the bot's inactivity timers.

use crate::api::integrations::{get_integrations, SaveIntegrations, TestErp};
use crate::components::forms::{action_error, FormError, TextField};
use crate::components::session::RequirePermission;
use crate::pages::channels::SettingsTabs;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::dto::IntegrationSettings;
use shared::flow::ErpOperation;
use shared::Permission;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <Title text="Integrações" />
        <RequirePermission permission=Permission::ManageSettings>
            <Integrations />
        </RequirePermission>
    }
}

fn op_code(op: ErpOperation) -> String {
    op.code().to_owned()
}

#[component]
fn Integrations() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| get_integrations());
    view! {
        <h1 class="titulo-pagina">"Configurações"</h1>
        <SettingsTabs />
        <Suspense fallback=|| view! { <p>"Carregando…"</p> }>
            {move || loaded.get().map(|r| match r {
                Ok(s) => view! { <IntegrationsForm settings=s /> }.into_any(),
                Err(e) => view! { <p class="alerta-erro">{e.message()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn IntegrationsForm(settings: IntegrationSettings) -> impl IntoView {
    let save = ServerAction::<SaveIntegrations>::new();
    let test = ServerAction::<TestErp>::new();
    let base_url = RwSignal::new(settings.base_url.clone());
    let auth_header = RwSignal::new(settings.auth_header.clone());
    let auth_value = RwSignal::new(String::new());
    let timeout = RwSignal::new(settings.timeout_ms.to_string());
    let reminder = RwSignal::new(settings.reminder_minutes.to_string());
    let close = RwSignal::new(settings.close_minutes.to_string());
    let latency = RwSignal::new(settings.mock_latency_ms.to_string());
    let failures = RwSignal::new(settings.mock_failure_percent.to_string());
    let cpf = RwSignal::new("111.111.111-11".to_owned());
    let ops: Vec<(ErpOperation, RwSignal<String>, RwSignal<String>)> = ErpOperation::ALL
        .into_iter()
        .map(|op| {
            let code = op_code(op);
            (
                op,
                RwSignal::new(settings.paths.get(&code).cloned().unwrap_or_default()),
                RwSignal::new(settings.mappings.get(&code).cloned().unwrap_or_default()),
            )
        })
        .collect();
    let error = action_error(save);
    let demo = settings.demo;
    let secret_hint = if settings.auth_value_set {
        "Um valor está salvo (não é exibido). Deixe em branco para mantê-lo."
    } else {
        "Nenhum valor salvo."
    };
    let ops_for_submit = ops.clone();
    // What the page says now: saved with "Salvar", or tried with "Testar" before saving.
    let on_page = move || {
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u64>().unwrap_or(0);
        IntegrationSettings {
            base_url: base_url.get_untracked(),
            auth_header: auth_header.get_untracked(),
            auth_value: auth_value.get_untracked(),
            auth_value_set: false,
            timeout_ms: number(timeout),
            paths: ops_for_submit
                .iter()
                .map(|(op, path, _)| (op_code(*op), path.get_untracked()))
                .collect(),
            mappings: ops_for_submit
                .iter()
                .map(|(op, _, map)| (op_code(*op), map.get_untracked()))
                .collect(),
            reminder_minutes: number(reminder) as u32,
            close_minutes: number(close) as u32,
            demo,
            mock_latency_ms: number(latency),
            mock_failure_percent: number(failures).min(255) as u8,
        }
    };
    let on_page_for_test = on_page.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveIntegrations { input: on_page() });
    };
    view! {
        <form class="flex max-w-4xl flex-col gap-6" on:submit=on_submit>
            <section class="cartao flex flex-col gap-4">
                <h2 class="text-lg font-semibold">"ERP"</h2>
                <p class="text-sm text-tinta-suave">
                    "O robô consulta o ERP da empresa por HTTP: cliente por CPF, faturas, segunda via, leituras, negociação, acordos e solicitações. "
                    {demo.then(|| view! { <span>"No modo demonstração, o padrão é o ERP fictício em "<code class="codigo-inline">"/mock-erp"</code>" ("<a class="botao-link px-0" href="/mock-erp" target="_blank" rel="noopener">"veja o que ele responde"</a>")."</span> })}
                </p>
                <TextField label="URL base" name="base_url" value=base_url hint="Ex.: https://erp.suaempresa.com.br/api" />
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextField label="Cabeçalho de autenticação" name="auth_header" value=auth_header hint="Ex.: Authorization ou X-Api-Key" />
                    <TextField label="Valor do cabeçalho" name="auth_value" value=auth_value kind="password" autocomplete="new-password" hint=secret_hint />
                </div>
                <TextField label="Tempo limite por chamada (ms)" name="timeout_ms" value=timeout kind="number" />
                <details>
                    <summary class="cursor-pointer text-sm font-semibold">"Caminhos e mapeamento de campos por operação"</summary>
                    <p class="mt-2 text-sm text-tinta-suave">
                        "Deixe em branco para o padrão. Caminhos aceitam {cpf}, {cliente} e {fatura}. O mapeamento é um JSON do nosso campo para o caminho no JSON do ERP, como "
                        <code class="codigo-inline">"{\"nome\": \"dados.nome_completo\"}"</code>
                        ". A chave \".\" diz onde está a resposta ("<code class="codigo-inline">"{\".\": \"resultado.itens\"}"</code>
                        ") e campos nossos com ponto preenchem dados aninhados, como "
                        <code class="codigo-inline">"primeira_parcela.valor"</code>"."
                    </p>
                    <div class="mt-3 flex flex-col gap-4">
                        {ops.into_iter().map(|(op, path, map)| {
                            let code = op_code(op);
                            view! {
                                <fieldset class="rounded-lg border border-borda p-3">
                                    <legend class="px-1 text-sm font-semibold">{op.label()}</legend>
                                    <div class="grid gap-3 sm:grid-cols-2">
                                        <TextField label="Caminho" name=format!("caminho-{code}") value=path />
                                        <TextField label="Mapeamento (JSON)" name=format!("mapa-{code}") value=map />
                                    </div>
                                </fieldset>
                            }
                        }).collect_view()}
                    </div>
                </details>
            </section>
            <section class="cartao flex flex-col gap-4">
                <h2 class="text-lg font-semibold">"Inatividade no robô"</h2>
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextField label="Lembrete após (minutos sem resposta)" name="reminder" value=reminder kind="number" />
                    <TextField label="Encerrar após mais (minutos)" name="close" value=close kind="number" />
                </div>
            </section>
            {demo.then(|| view! {
                <section class="cartao flex flex-col gap-4">
                    <h2 class="text-lg font-semibold">"ERP de demonstração"</h2>
                    <p class="text-sm text-tinta-suave">"Injete lentidão ou falhas para mostrar como o robô lida com um ERP fora do ar."</p>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField label="Latência (ms)" name="latency" value=latency kind="number" />
                        <TextField label="Falhas (% das chamadas)" name="failures" value=failures kind="number" />
                    </div>
                </section>
            })}
            <FormError error=error />
            {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! {
                <p class="alerta-ok" role="status">"Integrações salvas."</p>
            })}
            <div class="flex flex-wrap items-end gap-3">
                <button type="submit" class="botao-primario" disabled=move || save.pending().get()>"Salvar"</button>
                <div class="flex items-end gap-2">
                    <TextField label="CPF para testar" name="cpf_teste" value=cpf />
                    <button type="button" class="botao-secundario" disabled=move || test.pending().get()
                        on:click=move |_| {
                            test.dispatch(TestErp { input: on_page_for_test(), cpf: cpf.get_untracked() });
                        }>
                        "Testar"
                    </button>
                </div>
            </div>
            {move || test.value().get().map(|r| match r {
                Ok(m) => {
                    let class = if m.starts_with("Falha") { "alerta-erro" } else { "alerta-ok" };
                    view! { <p class=class role="status" data-testid="resultado-teste">{m}</p> }.into_any()
                }
                Err(e) => view! { <p class="alerta-erro" role="alert">{e.message()}</p> }.into_any(),
            })}
            <p class="text-xs text-tinta-suave">"O teste usa o que está na página, mesmo antes de salvar."</p>
        </form>
    }
}
