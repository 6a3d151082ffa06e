//! Small form pieces: labelled fields, inline errors, buttons.

use crate::error::AppError;
use leptos::prelude::*;

/// A labelled text input bound to a signal. `error_for` shows the action's error inline when it
/// belongs to this field.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    #[prop(default = false)] required: bool,
) -> impl IntoView {
    let id = format!("campo-{name}");
    let field_error = {
        let name = name.clone();
        Signal::derive(move || {
            error
                .and_then(|e| e.get())
                .filter(|e| e.field() == Some(name.as_str()))
                .map(|e| e.message())
        })
    };
    let described_by = format!("{id}-erro");
    view! {
        <div class="campo">
            <label for=id.clone() class="rotulo">
                {label}
            </label>
            <input
                id=id.clone()
                name=name
                type=kind
                class="entrada"
                class:entrada-erro=move || field_error.get().is_some()
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if field_error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by.clone()
                bind:value=value
            />
            {hint.map(|h| view! { <p class="dica">{h}</p> })}
            <p id=described_by class="erro-campo" role="alert">
                {field_error}
            </p>
        </div>
    }
}

/// An error not tied to one field, shown above the form's buttons.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field().is_none()).map(|e| {
            view! {
                <div class="alerta-erro" role="alert">
                    {e.message()}
                </div>
            }
        })
    }
}

/// A failed load, shown in place of the content it was for.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let expired = error == AppError::Unauthenticated;
    view! {
        <div class="alerta-erro" role="alert">
            {error.message()}
            {expired
                .then(|| {
                    view! {
                        " "
                        <a href="/entrar" class="font-semibold underline" rel="external">
                            "Entrar"
                        </a>
                    }
                })}
        </div>
    }
}

/// A success message.
#[component]
pub fn Notice(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! {
                <div class="alerta-ok" role="status">
                    {m}
                </div>
            }
        })
    }
}

/// The error of an action's last result, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// Asks the person to confirm a consequential action (the browser's own dialog).
pub fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}

/// A panel shown when the signed-in user lacks the permission for a page.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="cartao max-w-xl" aria-labelledby="titulo-acesso-negado">
            <h1 id="titulo-acesso-negado" class="titulo-pagina">
                "Acesso negado"
            </h1>
            <p class="mt-2 text-tinta-suave">
                "Você não tem permissão para acessar esta página. Se precisar dela, fale com um administrador."
            </p>
            <a href="/" class="botao-secundario mt-4 inline-block">
                "Voltar ao painel"
            </a>
        </section>
    }
}
