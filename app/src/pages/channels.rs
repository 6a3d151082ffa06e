//! Configurações → Canais, and the tabs every Configurações page shows.
//!
//! Why ~550 lines: the list, the form for each channel kind (Meta ids and secrets, webchat
//! origins and colours) and the connection test share the form's state.

use crate::api::channels::{channel_flows, channel_teams, list_channels, SaveChannel, TestChannel};
use crate::api::inbox::SyncTemplates;
use crate::components::forms::{action_error, ErrorAlert, FormError, TextField};
use crate::components::session::RequirePermission;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use shared::dto::{ChannelDetail, ChannelInput, TeamRef, WebchatSettings};
use shared::messaging::ChannelKind;
use shared::Permission;

/// The tabs of Configurações.
#[component]
pub fn SettingsTabs() -> impl IntoView {
    view! {
        <nav class="mb-6 flex gap-2 border-b border-borda" aria-label="Seções das configurações">
            <A href="/configuracoes" exact=true attr:class="aba">"Segurança"</A>
            <A href="/configuracoes/canais" exact=true attr:class="aba">"Canais"</A>
            <A href="/configuracoes/tokens" exact=true attr:class="aba">"Tokens de API"</A>
            <A href="/configuracoes/integracoes" exact=true attr:class="aba">"Integrações"</A>
            <A href="/configuracoes/campanhas" exact=true attr:class="aba">"Campanhas"</A>
        </nav>
    }
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    view! {
        <Title text="Canais" />
        <RequirePermission permission=Permission::ManageSettings>
            <Channels />
        </RequirePermission>
    }
}

/// The form's state, one signal per field.
#[derive(Clone, Copy)]
struct ChannelForm {
    id: RwSignal<Option<shared::ChannelId>>,
    kind: RwSignal<String>,
    name: RwSignal<String>,
    external_id: RwSignal<String>,
    business_account_id: RwSignal<String>,
    access_token: RwSignal<String>,
    app_secret: RwSignal<String>,
    verify_token: RwSignal<String>,
    team: RwSignal<String>,
    bot: RwSignal<String>,
    color: RwSignal<String>,
    title: RwSignal<String>,
    greeting: RwSignal<String>,
    origins: RwSignal<String>,
    active: RwSignal<bool>,
}

impl ChannelForm {
    fn new() -> Self {
        let w = WebchatSettings::default();
        Self {
            id: RwSignal::new(None),
            kind: RwSignal::new("whatsapp".into()),
            name: RwSignal::new(String::new()),
            external_id: RwSignal::new(String::new()),
            business_account_id: RwSignal::new(String::new()),
            access_token: RwSignal::new(String::new()),
            app_secret: RwSignal::new(String::new()),
            verify_token: RwSignal::new(String::new()),
            team: RwSignal::new(String::new()),
            bot: RwSignal::new(String::new()),
            color: RwSignal::new(w.color),
            title: RwSignal::new(w.title),
            greeting: RwSignal::new(w.greeting),
            origins: RwSignal::new(String::new()),
            active: RwSignal::new(true),
        }
    }

    fn reset(&self) {
        let fresh = Self::new();
        self.id.set(None);
        self.kind.set(fresh.kind.get_untracked());
        for (mine, theirs) in [
            (self.name, fresh.name),
            (self.external_id, fresh.external_id),
            (self.business_account_id, fresh.business_account_id),
            (self.access_token, fresh.access_token),
            (self.app_secret, fresh.app_secret),
            (self.verify_token, fresh.verify_token),
            (self.team, fresh.team),
            (self.bot, fresh.bot),
            (self.color, fresh.color),
            (self.title, fresh.title),
            (self.greeting, fresh.greeting),
            (self.origins, fresh.origins),
        ] {
            mine.set(theirs.get_untracked());
        }
        self.active.set(true);
    }

    fn load(&self, c: &ChannelDetail) {
        self.reset();
        self.id.set(Some(c.channel.id));
        self.kind.set(c.channel.kind.code().into());
        self.name.set(c.channel.name.clone());
        self.external_id
            .set(c.channel.external_id.clone().unwrap_or_default());
        self.business_account_id
            .set(c.business_account_id.clone().unwrap_or_default());
        self.verify_token
            .set(c.verify_token.clone().unwrap_or_default());
        self.team
            .set(c.default_team_id.map(|t| t.to_string()).unwrap_or_default());
        self.bot.set(c.bot_flow.clone().unwrap_or_default());
        if let Some(w) = &c.webchat {
            self.color.set(w.color.clone());
            self.title.set(w.title.clone());
            self.greeting.set(w.greeting.clone());
            self.origins.set(w.allowed_origins.join("\n"));
        }
        self.active.set(c.channel.active);
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::from_code(&self.kind.get()).unwrap_or(ChannelKind::Whatsapp)
    }

    fn input(&self) -> ChannelInput {
        let text = |s: RwSignal<String>| {
            let v = s.get_untracked();
            (!v.trim().is_empty()).then_some(v)
        };
        let kind =
            ChannelKind::from_code(&self.kind.get_untracked()).unwrap_or(ChannelKind::Whatsapp);
        ChannelInput {
            kind,
            name: self.name.get_untracked(),
            external_id: text(self.external_id),
            business_account_id: text(self.business_account_id),
            access_token: text(self.access_token),
            app_secret: text(self.app_secret),
            verify_token: text(self.verify_token),
            default_team_id: self.team.get_untracked().parse().ok(),
            webchat: (kind == ChannelKind::Webchat).then(|| WebchatSettings {
                color: self.color.get_untracked(),
                title: self.title.get_untracked(),
                greeting: self.greeting.get_untracked(),
                allowed_origins: self
                    .origins
                    .get_untracked()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }),
            active: self.active.get_untracked(),
            bot_flow: text(self.bot),
        }
    }
}

#[component]
fn Channels() -> impl IntoView {
    let save = ServerAction::<SaveChannel>::new();
    let channels = Resource::new(move || save.version().get(), |_| list_channels());
    let teams = Resource::new(|| (), |_| channel_teams());
    let form = ChannelForm::new();
    let editing = RwSignal::new(false);
    let save_error = action_error(save);
    let saved = RwSignal::new(None::<ChannelDetail>);
    Effect::new(move |_| {
        if let Some(Ok(detail)) = save.value().get() {
            saved.set(Some(detail));
            editing.set(false);
            form.reset();
        }
    });
    let edit = Callback::new(move |c: ChannelDetail| {
        form.load(&c);
        saved.set(None);
        editing.set(true);
    });

    view! {
        <h1 class="titulo-pagina">"Configurações"</h1>
        <SettingsTabs />
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <p class="text-tinta-suave">
                "WhatsApp, Messenger, Instagram e o chat do seu site. Tokens e segredos ficam criptografados e nunca voltam ao navegador."
            </p>
            <button
                type="button"
                class="botao-primario"
                on:click=move |_| {
                    form.reset();
                    saved.set(None);
                    editing.set(true);
                }
            >
                "Novo canal"
            </button>
        </div>
        {move || saved.get().map(|c| view! { <SavedNotice channel=c /> })}
        <Show when=move || editing.get()>
            <ChannelFormView form save error=save_error teams on_cancel=Callback::new(move |_| editing.set(false)) />
        </Show>
        <Transition fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
            {move || Suspend::new(async move {
                match channels.await {
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="cartao text-tinta-suave">
                                "Nenhum canal configurado ainda. Clique em \"Novo canal\" para começar."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="grid gap-4 md:grid-cols-2">
                                {list
                                    .into_iter()
                                    .map(|c| view! { <ChannelCard channel=c edit /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Shown after a save: the channel's install data, front and centre.
#[component]
fn SavedNotice(channel: ChannelDetail) -> impl IntoView {
    let name = channel.channel.name.clone();
    view! {
        <div class="alerta-ok" role="status">
            <p class="font-semibold">{format!("Canal \"{name}\" salvo.")}</p>
            {channel
                .embed_snippet
                .clone()
                .map(|s| {
                    view! {
                        <p class="mt-2">"Código de instalação: cole antes de </body> no seu site."</p>
                        <code data-testid="webchat-snippet" class="codigo">{s}</code>
                    }
                })}
            {channel
                .verify_token
                .clone()
                .map(|t| {
                    view! {
                        <p class="mt-2">
                            "URL do webhook: " <code class="codigo-inline">{channel.webhook_url.clone()}</code>
                            " · Token de verificação: " <code class="codigo-inline">{t}</code>
                        </p>
                    }
                })}
        </div>
    }
}

fn kind_badge(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Whatsapp => "selo-whatsapp",
        ChannelKind::Messenger => "selo-messenger",
        ChannelKind::Instagram => "selo-instagram",
        ChannelKind::Webchat => "selo-webchat",
    }
}

#[component]
fn ChannelCard(channel: ChannelDetail, edit: Callback<ChannelDetail>) -> impl IntoView {
    let id = channel.channel.id;
    let kind = channel.channel.kind;
    let test = ServerAction::<TestChannel>::new();
    let sync = ServerAction::<SyncTemplates>::new();
    let for_edit = channel.clone();
    view! {
        <li class="cartao flex flex-col gap-2" data-channel-name=channel.channel.name.clone()>
            <div class="flex items-center justify-between gap-2">
                <div>
                    <span class=kind_badge(kind)>{kind.label()}</span>
                    <h2 class="mt-1 text-lg font-semibold">{channel.channel.name.clone()}</h2>
                </div>
                {if channel.channel.active {
                    view! { <span class="etiqueta-ok">"Ativo"</span> }.into_any()
                } else {
                    view! { <span class="etiqueta-neutra">"Inativo"</span> }.into_any()
                }}
            </div>
            <dl class="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
                {channel
                    .channel
                    .external_id
                    .clone()
                    .map(|e| view! { <dt class="text-tinta-suave">"ID na Meta"</dt><dd><code>{e}</code></dd> })}
                {channel.simulated.then(|| view! {
                    <dt class="text-tinta-suave">"Simulador"</dt>
                    <dd>"Canal do simulador de demonstração ("<a class="botao-link" href="/demonstracao" target="_blank">"/demonstracao"</a>"): nada é enviado à Meta."</dd>
                })}
                {(kind != ChannelKind::Webchat && !channel.simulated)
                    .then(|| {
                        view! {
                            <dt class="text-tinta-suave">"Webhook"</dt>
                            <dd class="break-all"><code>{channel.webhook_url.clone()}</code></dd>
                            <dt class="text-tinta-suave">"Verificação"</dt>
                            <dd class="break-all"><code>{channel.verify_token.clone().unwrap_or_default()}</code></dd>
                            <dt class="text-tinta-suave">"Token"</dt>
                            <dd>{if channel.has_access_token { "cadastrado" } else { "não cadastrado" }}</dd>
                            <dt class="text-tinta-suave">"App Secret"</dt>
                            <dd>{if channel.has_app_secret { "cadastrado" } else { "não cadastrado — webhooks serão recusados" }}</dd>
                        }
                    })}
                {channel
                    .webchat
                    .clone()
                    .map(|w| {
                        view! {
                            <dt class="text-tinta-suave">"Origens"</dt>
                            <dd>{if w.allowed_origins.is_empty() { "nenhuma".to_owned() } else { w.allowed_origins.join(", ") }}</dd>
                        }
                    })}
            </dl>
            {channel
                .embed_snippet
                .clone()
                .map(|s| view! { <code data-testid="channel-snippet" class="codigo">{s}</code> })}
            <div class="mt-1 flex flex-wrap gap-2">
                <button type="button" class="botao-secundario" on:click=move |_| edit.run(for_edit.clone())>
                    "Editar"
                </button>
                {(kind != ChannelKind::Webchat && !channel.simulated)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="botao-secundario"
                                disabled=move || test.pending().get()
                                on:click=move |_| {
                                    test.dispatch(TestChannel { id });
                                }
                            >
                                "Testar conexão"
                            </button>
                        }
                    })}
                {(kind == ChannelKind::Whatsapp && !channel.simulated)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="botao-secundario"
                                disabled=move || sync.pending().get()
                                on:click=move |_| {
                                    sync.dispatch(SyncTemplates { channel: id });
                                }
                            >
                                "Sincronizar modelos"
                            </button>
                        }
                    })}
            </div>
            {move || match sync.value().get() {
                Some(Ok(n)) => view! {
                    <p class="alerta-ok" role="status">{format!("{n} modelo(s) sincronizado(s) da Meta.")}</p>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorAlert error=e /> }.into_any(),
                None => ().into_any(),
            }}
            {move || {
                if test.pending().get() {
                    return view! { <p class="text-sm text-tinta-suave">"Testando…"</p> }.into_any();
                }
                match test.value().get() {
                    Some(Ok(msg)) => {
                        let ok = msg.starts_with("Conexão OK");
                        view! {
                            <p class=if ok { "alerta-ok" } else { "alerta-erro" } role="status">{msg}</p>
                        }
                            .into_any()
                    }
                    Some(Err(e)) => view! { <ErrorAlert error=e /> }.into_any(),
                    None => ().into_any(),
                }
            }}
        </li>
    }
}

#[component]
fn ChannelFormView(
    form: ChannelForm,
    save: ServerAction<SaveChannel>,
    error: Signal<Option<crate::error::AppError>>,
    teams: Resource<Result<Vec<TeamRef>, crate::error::AppError>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let is_meta = move || form.kind() != ChannelKind::Webchat;
    let external_label = move || match form.kind() {
        ChannelKind::Whatsapp => "ID do número de telefone (phone_number_id)",
        ChannelKind::Messenger => "ID da página do Facebook",
        _ => "ID da conta do Instagram",
    };
    let editing = move || form.id.get().is_some();
    view! {
        <form
            class="cartao mb-6 flex flex-col gap-1"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveChannel { id: form.id.get_untracked(), input: form.input() });
            }
        >
            <h2 class="mb-3 text-lg font-semibold">
                {move || if editing() { "Editar canal" } else { "Novo canal" }}
            </h2>
            <div class="campo">
                <label for="campo-kind" class="rotulo">"Tipo"</label>
                <select id="campo-kind" class="entrada" bind:value=form.kind disabled=editing>
                    {ChannelKind::ALL
                        .iter()
                        .map(|k| view! { <option value=k.code()>{k.label()}</option> })
                        .collect_view()}
                </select>
                <p class="erro-campo"></p>
            </div>
            <TextField label="Nome" name="name" value=form.name error required=true />
            <Show when=is_meta>
                <div class="campo">
                    <label for="campo-external_id" class="rotulo">{external_label}</label>
                    <input id="campo-external_id" class="entrada" inputmode="numeric" bind:value=form.external_id />
                    <p class="erro-campo" role="alert">
                        {move || error.get().filter(|e| e.field() == Some("external_id")).map(|e| e.message())}
                    </p>
                </div>
                <Show when=move || form.kind() == ChannelKind::Whatsapp>
                    <TextField
                        label="ID da conta do WhatsApp Business (WABA)"
                        name="business_account_id"
                        value=form.business_account_id
                    />
                </Show>
                <TextField
                    label="Token de acesso"
                    name="access_token"
                    kind="password"
                    autocomplete="off"
                    value=form.access_token
                    hint="Token permanente de usuário do sistema (WhatsApp) ou token da página. Em branco mantém o atual."
                />
                <TextField
                    label="Segredo do aplicativo (App Secret)"
                    name="app_secret"
                    kind="password"
                    autocomplete="off"
                    value=form.app_secret
                    hint="Usado para validar a assinatura X-Hub-Signature-256. Em branco mantém o atual."
                />
                <TextField
                    label="Token de verificação do webhook"
                    name="verify_token"
                    value=form.verify_token
                    hint="Em branco, geramos um token aleatório."
                />
            </Show>
            <Show when=move || !is_meta()>
                <div class="campo">
                    <label for="campo-color" class="rotulo">"Cor"</label>
                    <div class="flex items-center gap-2">
                        <span
                            class="inline-block h-8 w-8 rounded-full border border-borda"
                            style=move || format!("background:{}", form.color.get())
                            aria-hidden="true"
                        ></span>
                        <input id="campo-color" class="entrada" bind:value=form.color />
                    </div>
                    <p class="erro-campo" role="alert">
                        {move || error.get().filter(|e| e.field() == Some("color")).map(|e| e.message())}
                    </p>
                </div>
                <TextField label="Título" name="title" value=form.title error />
                <TextField label="Mensagem de boas-vindas" name="greeting" value=form.greeting error />
                <div class="campo">
                    <label for="campo-origins" class="rotulo">"Origens permitidas (uma por linha)"</label>
                    <textarea
                        id="campo-origins"
                        class="entrada min-h-24 font-mono"
                        placeholder="https://www.suaempresa.com.br"
                        bind:value=form.origins
                    ></textarea>
                    <p class="dica">"Somente páginas destes endereços poderão abrir o chat."</p>
                    <p class="erro-campo" role="alert">
                        {move || error.get().filter(|e| e.field() == Some("allowed_origins")).map(|e| e.message())}
                    </p>
                </div>
            </Show>
            <div class="campo">
                <label for="campo-team" class="rotulo">"Equipe que recebe as conversas"</label>
                <select id="campo-team" class="entrada" bind:value=form.team>
                    <option value="">"Nenhuma (fila geral)"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            teams
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                                .collect_view()
                        })}
                    </Transition>
                </select>
                <p class="erro-campo"></p>
            </div>
            <div class="campo">
                <label for="campo-bot" class="rotulo">"Robô de atendimento"</label>
                <select id="campo-bot" class="entrada" bind:value=form.bot>
                    <option value="">"Sem robô (direto para a equipe)"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            channel_flows()
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|(key, name)| view! { <option value=key>{name}</option> })
                                .collect_view()
                        })}
                    </Transition>
                </select>
                <p class="dica">"O fluxo atende as novas conversas e transfere para a equipe quando preciso."</p>
            </div>
            <label class="mb-3 flex items-center gap-2">
                <input type="checkbox" class="caixa" bind:checked=form.active />
                "Canal ativo"
            </label>
            <FormError error />
            <div class="flex gap-2">
                <button type="submit" class="botao-primario" disabled=move || save.pending().get()>
                    "Salvar canal"
                </button>
                <button type="button" class="botao-secundario" on:click=move |_| on_cancel.run(())>
                    "Cancelar"
                </button>
            </div>
        </form>
    }
}
