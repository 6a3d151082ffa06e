//! `/primeiro-acesso?token=…`: creates the first administrator of a new install, once.

use crate::api::setup::{first_run_status, CreateFirstAdmin, FirstRun};
use crate::components::forms::{action_error, FormError, TextField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FirstRunPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let status = Resource::new(token, first_run_status);
    let create = ServerAction::<CreateFirstAdmin>::new();
    let error = action_error(create);
    let (name, email, password, confirm) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let hydrated = crate::components::hydration::use_hydrated();
    let created = move || matches!(create.value().get(), Some(Ok(())));
    view! {
        <Title text="Primeiro acesso" />
        <main class="flex min-h-screen items-center justify-center px-4">
            <div class="w-full max-w-md">
                <div class="mb-6 flex items-center justify-center gap-2">
                    <span class="logo" aria-hidden="true">"O"</span>
                    <span class="text-xl font-semibold">"Plataforma Omnichannel"</span>
                </div>
                <div class="cartao">
                    <Suspense fallback=|| view! { <p class="text-tinta-suave">"Carregando…"</p> }>
                        {move || Suspend::new(async move {
                            match status.await {
                                _ if created() => view! {
                                    <h1 class="titulo-pagina mb-2">"Administrador criado"</h1>
                                    <p class="mb-4">"Pronto. Entre com o e-mail e a senha que você acabou de definir."</p>
                                    <a class="botao-primario" href="/entrar">"Entrar"</a>
                                }.into_any(),
                                Ok(FirstRun::Done) => view! {
                                    <h1 class="titulo-pagina mb-2">"Configuração concluída"</h1>
                                    <p class="mb-4">"A plataforma já tem um administrador. Entre com a sua conta."</p>
                                    <a class="botao-primario" href="/entrar">"Entrar"</a>
                                }.into_any(),
                                Ok(FirstRun::Invalid) => view! {
                                    <h1 class="titulo-pagina mb-2">"Link inválido"</h1>
                                    <p>"Este link de primeiro acesso é inválido ou expirou. Reinicie o servidor: ele mostra um novo link no log enquanto não houver administrador."</p>
                                }.into_any(),
                                Err(e) => view! { <p class="alerta-erro">{e.message()}</p> }.into_any(),
                                Ok(FirstRun::Open) => view! {
                                    <h1 class="titulo-pagina mb-1">"Primeiro acesso"</h1>
                                    <p class="mb-4 text-tinta-suave">"Crie o administrador da plataforma. Este link vale uma única vez."</p>
                                    <form
                                        class="flex flex-col gap-3"
                                        on:submit=move |ev| {
                                            ev.prevent_default();
                                            create.dispatch(CreateFirstAdmin {
                                                token: token(),
                                                name: name.get_untracked(),
                                                email: email.get_untracked(),
                                                password: password.get_untracked(),
                                                confirm: confirm.get_untracked(),
                                            });
                                        }
                                    >
                                        <TextField label="Nome" name="name" value=name autocomplete="name" error required=true />
                                        <TextField label="E-mail" name="email" kind="email" value=email autocomplete="username" error required=true />
                                        <TextField label="Senha" name="password" kind="password" value=password autocomplete="new-password" hint="Pelo menos 8 caracteres." error required=true />
                                        <TextField label="Repita a senha" name="confirm" kind="password" value=confirm autocomplete="new-password" error required=true />
                                        <FormError error=error />
                                        <button type="submit" class="botao-primario" disabled=move || !hydrated.get() || create.pending().get()>
                                            "Criar administrador"
                                        </button>
                                    </form>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </div>
            </div>
        </main>
    }
}
