use crate::api::auth::{Login, VerifyLoginCode};
use crate::components::forms::{action_error, FormError, TextField};
use crate::components::session::{hard_navigate, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use shared::dto::LoginOutcome;
use shared::{AppError, ValueError};

/// Signed in: to the role's first page (agents to Conversas), a fresh document for the session.
fn land() {
    leptos::task::spawn_local(async {
        let role = crate::api::auth::fetch_current_user()
            .await
            .ok()
            .flatten()
            .map(|u| u.role);
        hard_navigate(role.map_or("/", |r| r.landing()));
    });
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let login = ServerAction::<Login>::new();
    let verify = ServerAction::<VerifyLoginCode>::new();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let needs_code = RwSignal::new(false);
    let hydrated = crate::components::hydration::use_hydrated();

    Effect::new(move |_| match login.value().get() {
        Some(Ok(LoginOutcome::SignedIn)) => land(),
        Some(Ok(LoginOutcome::TotpRequired)) => needs_code.set(true),
        _ => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = verify.value().get() {
            land();
        }
    });

    let login_error = action_error(login);
    // (email empty, password empty) at the last submit.
    let empty = RwSignal::new((false, false));
    let email_error = Signal::derive(move || {
        if empty.get().0 {
            Some(AppError::invalid("email", ValueError::InvalidEmail))
        } else {
            login_error.get()
        }
    });
    let password_error = Signal::derive(move || {
        if empty.get().1 {
            Some(AppError::invalid("password", ValueError::EmptyPassword))
        } else {
            login_error.get()
        }
    });
    let verify_error = action_error(verify);

    view! {
        <Title text="Entrar" />
        {move || session.user().map(|_| view! { <Redirect path="/" /> })}
        <main class="flex min-h-screen items-center justify-center px-4">
            <div class="w-full max-w-sm">
                <div class="mb-6 flex items-center justify-center gap-2">
                    <span class="logo" aria-hidden="true">
                        "O"
                    </span>
                    <span class="text-xl font-semibold">"Plataforma Omnichannel"</span>
                </div>
                <div class="cartao">
                    <Show
                        when=move || needs_code.get()
                        fallback=move || {
                            view! {
                                <h1 class="titulo-pagina mb-4">"Entrar"</h1>
                                <form
                                    class="flex flex-col gap-4"
                                    novalidate
                                    on:submit=move |ev| {
                                        ev.prevent_default();
                                        // Every empty field is marked at once, not one per try.
                                        let missing = (
                                            email.get_untracked().trim().is_empty(),
                                            password.get_untracked().is_empty(),
                                        );
                                        empty.set(missing);
                                        if missing == (false, false) {
                                            login
                                                .dispatch(Login {
                                                    email: email.get_untracked(),
                                                    password: password.get_untracked(),
                                                });
                                        }
                                    }
                                >
                                    <TextField
                                        label="E-mail"
                                        name="email"
                                        kind="email"
                                        autocomplete="username"
                                        value=email
                                        error=email_error
                                        required=true
                                    />
                                    <TextField
                                        label="Senha"
                                        name="password"
                                        kind="password"
                                        autocomplete="current-password"
                                        value=password
                                        error=password_error
                                        required=true
                                    />
                                    <FormError error=login_error />
                                    <button
                                        type="submit"
                                        class="botao-primario w-full"
                                        disabled=move || login.pending().get() || !hydrated.get()
                                    >
                                        {move || if login.pending().get() { "Entrando…" } else { "Entrar" }}
                                    </button>
                                </form>
                            }
                        }
                    >
                        <h1 class="titulo-pagina mb-2">"Verificação em duas etapas"</h1>
                        <p class="mb-4 text-sm text-tinta-suave">
                            "Digite o código de 6 dígitos do seu aplicativo autenticador ou um código de recuperação."
                        </p>
                        <form
                            class="flex flex-col gap-4"
                            novalidate
                            on:submit=move |ev| {
                                ev.prevent_default();
                                verify.dispatch(VerifyLoginCode { code: code.get_untracked() });
                            }
                        >
                            <TextField
                                label="Código"
                                name="code"
                                autocomplete="one-time-code"
                                value=code
                                error=verify_error
                                required=true
                            />
                            <FormError error=verify_error />
                            <button
                                type="submit"
                                class="botao-primario w-full"
                                disabled=move || verify.pending().get() || !hydrated.get()
                            >
                                "Verificar"
                            </button>
                        </form>
                    </Show>
                </div>
                <Show when=move || session.is_demo_deployment()>
                    <p class="mt-4 text-center text-xs text-tinta-suave">
                        "Ambiente de demonstração: demo@plataforma.com / demo123"
                    </p>
                </Show>
            </div>
        </main>
    }
}
