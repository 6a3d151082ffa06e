//! The demo simulator (`/demonstracao`): public, no login; only answers in demo mode.

use crate::client::CsrfClient;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::dto::DemoSnapshot;
use shared::messaging::ChannelKind;

/// A visitor's message: text, or the title of the tapped option with its id.
#[server(client = CsrfClient, endpoint = "demo/send", input = Json)]
pub async fn demo_send(
    channel: ChannelKind,
    session: String,
    text: String,
    option: Option<String>,
) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::demo;
    guard::run(|call| async move {
        let client = call.ctx.ip.as_deref().and_then(|ip| ip.parse().ok());
        backend::ratelimit::hit(&call.state, shared::ratelimit::DEMO_MESSAGES, client).await?;
        demo::send(&call.state, channel, &session, &text, option, client).await
    })
    .await
}

/// The conversation after message `after`, and what the platform is doing.
#[server(client = CsrfClient, endpoint = "demo/poll", input = Json)]
pub async fn demo_poll(
    channel: ChannelKind,
    session: String,
    after: i64,
) -> Result<DemoSnapshot, AppError> {
    use crate::guard;
    use backend::services::demo;
    guard::run(|call| async move { demo::snapshot(&call.state, channel, &session, after).await })
        .await
}

/// "Receber a cobrança": the demo's collection campaign sent to this visitor (WhatsApp skin).
#[server(client = CsrfClient, endpoint = "demo/campaign", input = Json)]
pub async fn demo_campaign(session: String) -> Result<uuid::Uuid, AppError> {
    use crate::guard;
    use backend::services::demo_campaign;
    guard::run(|call| async move {
        let client = call.ctx.ip.as_deref().and_then(|ip| ip.parse().ok());
        backend::ratelimit::hit(&call.state, shared::ratelimit::DEMO_MESSAGES, client).await?;
        demo_campaign::receive(&call.state, &session).await
    })
    .await
}

/// "Reiniciar conversa".
#[server(client = CsrfClient, endpoint = "demo/restart", input = Json)]
pub async fn demo_restart(channel: ChannelKind, session: String) -> Result<(), AppError> {
    use crate::guard;
    use backend::services::demo;
    guard::run(|call| async move { demo::restart(&call.state, channel, &session).await }).await
}

/// Whether this server runs the demo (the page says so instead of failing).
#[server(client = CsrfClient, endpoint = "demo/enabled")]
pub async fn demo_enabled() -> Result<bool, AppError> {
    use crate::guard;
    guard::run(|call| async move { Ok(call.state.demo) }).await
}
