use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Página não encontrada" />
        <main class="flex min-h-screen items-center justify-center px-4">
            <div class="cartao max-w-md text-center">
                <h1 class="titulo-pagina">"Página não encontrada"</h1>
                <p class="mt-2 text-tinta-suave">"O endereço acessado não existe ou foi movido."</p>
                <a href="/" class="botao-primario mt-4 inline-block">
                    "Ir para o painel"
                </a>
            </div>
        </main>
    }
}
