use crate::api::profile::{ChangePassword, ConfirmTotpEnrolment, DisableTotp, StartTotpEnrolment};
use crate::components::forms::{action_error, FormError, Notice, TextField};
use crate::components::session::use_session;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Meu perfil" />
        <h1 class="titulo-pagina">"Meu perfil"</h1>
        {move || {
            session
                .user()
                .map(|u| {
                    view! {
                        <p class="mb-6 text-tinta-suave">
                            {format!("{} · {} · {}", u.name, u.email, u.role.label())}
                        </p>
                        {u.must_enrol_totp
                            .then(|| {
                                view! {
                                    <div class="alerta-aviso" role="alert">
                                        "Seu papel exige verificação em duas etapas. Ative-a abaixo para continuar usando a plataforma."
                                    </div>
                                }
                            })}
                    }
                })
        }}
        <div class="grid gap-6 xl:grid-cols-2">
            <PasswordCard />
            <TotpCard />
        </div>
    }
}

#[component]
fn PasswordCard() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = action_error(change);
    let notice = Signal::derive(move || {
        matches!(change.value().get(), Some(Ok(())))
            .then(|| "Senha alterada. Suas outras sessões foram encerradas.".to_owned())
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            current.set(String::new());
            new.set(String::new());
        }
    });
    view! {
        <section class="cartao" aria-labelledby="titulo-senha">
            <h2 id="titulo-senha" class="mb-4 text-lg font-semibold">
                "Alterar senha"
            </h2>
            <form
                class="flex flex-col gap-4"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    change
                        .dispatch(ChangePassword {
                            current_password: current.get_untracked(),
                            new_password: new.get_untracked(),
                        });
                }
            >
                <TextField
                    label="Senha atual"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    value=current
                    error=error
                />
                <TextField
                    label="Nova senha"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    value=new
                    error=error
                    hint="Mínimo de 8 caracteres."
                />
                <Notice message=notice />
                <FormError error=error />
                <button type="submit" class="botao-primario self-start" disabled=move || change.pending().get()>
                    "Alterar senha"
                </button>
            </form>
        </section>
    }
}

#[component]
fn TotpCard() -> impl IntoView {
    let session = use_session();
    let start = ServerAction::<StartTotpEnrolment>::new();
    let confirm = ServerAction::<ConfirmTotpEnrolment>::new();
    let disable = ServerAction::<DisableTotp>::new();
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let disable_code = RwSignal::new(String::new());
    let confirm_error = action_error(confirm);
    let disable_error = action_error(disable);
    let start_error = action_error(start);
    let enabled = move || session.user().is_some_and(|u| u.totp_enabled);
    let is_demo = move || session.user().is_some_and(|u| u.is_demo);

    Effect::new(move |_| {
        if let Some(Ok(())) = disable.value().get() {
            password.set(String::new());
            session.refetch();
        }
    });
    let recovery_codes = move || confirm.value().get().and_then(|r| r.ok());

    view! {
        <section class="cartao" aria-labelledby="titulo-2fa">
            <h2 id="titulo-2fa" class="mb-1 text-lg font-semibold">
                "Verificação em duas etapas"
            </h2>
            <p class="mb-4 text-sm text-tinta-suave">
                "Além da senha, o login pede um código de 6 dígitos gerado por um aplicativo autenticador (Google Authenticator, Microsoft Authenticator, Authy, 1Password…)."
            </p>
            {move || {
                if let Some(codes) = recovery_codes() {
                    view! {
                        <div class="alerta-ok" role="status">
                            "Verificação em duas etapas ativada."
                        </div>
                        <h3 class="mt-4 font-semibold">"Códigos de recuperação"</h3>
                        <p class="mb-2 text-sm text-tinta-suave">
                            "Guarde estes códigos em local seguro. Cada um pode ser usado uma única vez se você perder o celular. Eles não serão mostrados de novo."
                        </p>
                        <ul class="codigos-recuperacao" data-testid="codigos-recuperacao">
                            {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                        </ul>
                        <button
                            type="button"
                            class="botao-primario mt-4"
                            on:click=move |_| crate::components::session::hard_navigate("/perfil")
                        >
                            "Concluir"
                        </button>
                    }
                        .into_any()
                } else if enabled() {
                    view! {
                        <p class="mb-4">
                            <span class="etiqueta-ok">"Ativa"</span>
                        </p>
                        <form
                            class="flex flex-col gap-4"
                            novalidate
                            on:submit=move |ev| {
                                ev.prevent_default();
                                disable.dispatch(DisableTotp {
                                    password: password.get_untracked(),
                                    code: disable_code.get_untracked(),
                                });
                            }
                        >
                            <TextField
                                label="Confirme sua senha para desativar"
                                name="current_password"
                                kind="password"
                                autocomplete="current-password"
                                value=password
                                error=disable_error
                            />
                            <TextField
                                label="Código do aplicativo autenticador (ou um código de recuperação)"
                                name="code"
                                autocomplete="one-time-code"
                                value=disable_code
                                error=disable_error
                            />
                            <FormError error=disable_error />
                            <button type="submit" class="botao-perigo self-start">
                                "Desativar verificação em duas etapas"
                            </button>
                        </form>
                    }
                        .into_any()
                } else if let Some(Ok(enrolment)) = start.value().get() {
                    let secret = enrolment.secret_base32.clone();
                    view! {
                        <ol class="mb-4 list-decimal pl-5 text-sm">
                            <li>"Abra o aplicativo autenticador e leia o QR code."</li>
                            <li>"Se preferir, digite a chave manualmente."</li>
                            <li>"Informe o código de 6 dígitos que o aplicativo mostrar."</li>
                        </ol>
                        <div class="flex flex-wrap items-start gap-6">
                            <div
                                class="qr"
                                role="img"
                                aria-label="QR code para o aplicativo autenticador"
                                inner_html=enrolment.qr_svg
                            ></div>
                            <div class="min-w-0 flex-1">
                                <p class="rotulo">"Chave"</p>
                                <code class="chave-secreta" data-testid="chave-totp">
                                    {secret}
                                </code>
                                <form
                                    class="mt-4 flex flex-col gap-4"
                                    novalidate
                                    on:submit=move |ev| {
                                        ev.prevent_default();
                                        confirm.dispatch(ConfirmTotpEnrolment { code: code.get_untracked() });
                                    }
                                >
                                    <TextField
                                        label="Código de 6 dígitos"
                                        name="code"
                                        autocomplete="one-time-code"
                                        value=code
                                        error=confirm_error
                                    />
                                    <FormError error=confirm_error />
                                    <button type="submit" class="botao-primario self-start">
                                        "Confirmar e ativar"
                                    </button>
                                </form>
                            </div>
                        </div>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="mb-4">
                            <span class="etiqueta-neutra">"Desativada"</span>
                            {move || is_demo().then_some(" Usuários de demonstração não são obrigados a ativá-la.")}
                        </p>
                        <FormError error=start_error />
                        <button
                            type="button"
                            class="botao-primario"
                            on:click=move |_| {
                                start.dispatch(StartTotpEnrolment {});
                            }
                        >
                            "Ativar verificação em duas etapas"
                        </button>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
