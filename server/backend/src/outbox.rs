//! The outbox: delivers queued messages to their providers, with retries and backoff. Shaped as
//! an outcome-returning task: [`try_execute_batch`] claims a batch (`for update skip locked`, so
//! instances share the work), delivers it and says whether the queue was empty; the loop in
//! [`run_outbox`] decides when to look again.

use crate::channels::{graph::GraphError, meta, whatsapp, Channel};
use crate::db::deliveries::{self, AttemptError};
use crate::error::Error;
use crate::live::LiveEvent;
use crate::messaging::receipts::advance_status;
use crate::state::AppState;
use shared::messaging::{ChannelKind, DeliveryStatus, Outbound, SendPolicy};
use shared::ChannelId;
use std::time::Duration;
use uuid::Uuid;

/// A message claimed for delivery.
pub(crate) use crate::db::deliveries::Due;

/// Claims up to `limit` messages due for delivery. The claim pushes `next_attempt_at` ahead, so
/// another instance (or this one after a crash) retries a message whose attempt never finished.
pub(crate) async fn claim_due(state: &AppState, limit: i64) -> Result<Vec<Due>, Error> {
    deliveries::claim_due(&state.pool, limit).await
}

/// Sends one message to its provider; returns the provider's message id.
pub(crate) async fn deliver_once(
    state: &AppState,
    channel: &Channel,
    due: &Due,
) -> Result<String, GraphError> {
    let permanent = |title: &str| GraphError {
        retryable: false,
        code: None,
        title: title.to_owned(),
        detail: None,
        http_status: None,
        retry_after: None,
    };
    if channel.settings.simulated {
        return Ok(format!("sim.{}", Uuid::new_v4().simple()));
    }
    let outbound: Outbound = serde_json::from_value(due.content.clone())
        .map_err(|_| permanent("Conteúdo da mensagem ilegível"))?;
    let outbound = crate::attachments::with_link(state, outbound);
    let recipient = due
        .recipient
        .as_deref()
        .ok_or_else(|| permanent("O contato não tem identificação neste canal"))?;
    let token = channel
        .access_token()
        .ok_or_else(|| permanent("Canal sem token de acesso configurado"))?;
    let external = channel
        .external_id
        .as_deref()
        .ok_or_else(|| permanent("Canal sem identificador da Meta"))?;
    if !channel.active {
        return Err(permanent("Canal desativado"));
    }

    // Messenger and Instagram (an Instagram account linked to a Page) both send through the
    // Page's `me/messages` with the Page token.
    let path = match channel.kind {
        ChannelKind::Whatsapp => format!("{external}/messages"),
        _ => "me/messages".to_owned(),
    };
    match channel.kind {
        ChannelKind::Whatsapp => {
            let response = state
                .graph
                .post(&path, token, &whatsapp::send_body(recipient, &outbound))
                .await?;
            whatsapp::sent_id(&response).ok_or_else(|| permanent("Resposta da Meta sem id"))
        }
        ChannelKind::Messenger | ChannelKind::Instagram => {
            let policy = if due.human_agent_tag {
                SendPolicy::HumanAgentTag
            } else {
                SendPolicy::Standard
            };
            let response = state
                .graph
                .post(&path, token, &meta::send_body(recipient, &outbound, policy))
                .await?;
            meta::sent_id(&response).ok_or_else(|| permanent("Resposta da Meta sem id"))
        }
        ChannelKind::Webchat => Err(permanent("Webchat não usa a fila de envio")),
    }
}

/// One attempt at the provider; the provider's message id.
pub(crate) async fn attempt(state: &AppState, due: &Due) -> Result<String, GraphError> {
    let channels = state
        .channels
        .all(&state.pool, &state.secrets)
        .await
        .map_err(|e| {
            tracing::warn!(error = ?e, "channel directory unavailable");
            GraphError {
                retryable: true,
                code: None,
                title: "Canais indisponíveis no momento".into(),
                detail: None,
                http_status: None,
                retry_after: None,
            }
        })?;
    match channels.iter().find(|c| c.id == due.channel_id) {
        Some(channel) => deliver_once(state, channel, due).await,
        None => Err(GraphError {
            retryable: false,
            code: None,
            title: "Canal removido".into(),
            detail: None,
            http_status: None,
            retry_after: None,
        }),
    }
}

pub(crate) async fn deliver(state: &AppState, due: Due) -> Result<(), Error> {
    match attempt(state, &due).await {
        Ok(provider_id) => record_sent(state, &[(due, provider_id)]).await,
        Err(e) => record_failure(state, &due, e).await,
    }
}

/// Marks messages sent with the provider's ids, in one statement. Receipts can beat the send's
/// own answer: whether any wait for an id comes back with the update, so the common case costs
/// nothing more.
pub(crate) async fn record_sent(state: &AppState, sent: &[(Due, String)]) -> Result<(), Error> {
    if sent.is_empty() {
        return Ok(());
    }
    let ids: Vec<_> = sent.iter().map(|(d, p)| (d.id, p.as_str())).collect();
    let updated = deliveries::mark_sent(&state.pool, &ids).await?;
    for (due, provider_id) in sent {
        let done = updated.iter().find(|(id, _)| *id == due.id).map(|u| u.1);
        if done.is_some() {
            publish_status(state, due, DeliveryStatus::Sent).await;
        }
        if done != Some(false) {
            apply_pending_receipts(state, due.channel_id, provider_id).await?;
        }
    }
    Ok(())
}

/// A failed attempt: retried later with backoff while the error allows and attempts remain,
/// else the message is failed for good.
pub(crate) async fn record_failure(
    state: &AppState,
    due: &Due,
    e: GraphError,
) -> Result<(), Error> {
    let policy = &state.graph.settings.retry;
    let error = AttemptError {
        code: e.code.map(|c| c as i32),
        title: &e.title,
        detail: e.detail.as_deref(),
    };
    if e.retryable && due.attempts < policy.max_attempts {
        // PostgreSQL intervals hold microseconds at most.
        let delay = Duration::from_millis(policy.delay(due.attempts - 1, &e).as_millis() as u64);
        tracing::info!(message = %due.id, attempt = due.attempts, code = ?e.code, ?delay, "send failed; retrying");
        deliveries::reschedule(&state.pool, due.id, delay, &error).await?;
        return Ok(());
    }
    tracing::warn!(message = %due.id, code = ?e.code, title = %e.title, "send failed for good");
    deliveries::mark_failed(&state.pool, due.id, &error).await?;
    publish_status(state, due, DeliveryStatus::Failed).await;
    Ok(())
}

pub(crate) async fn publish_status(state: &AppState, due: &Due, status: DeliveryStatus) {
    state
        .live
        .publish(
            &state.redis,
            &LiveEvent::MessageStatus {
                conversation_id: due.conversation_id,
                message_id: due.id,
                status,
            },
        )
        .await;
}

/// Receipts that arrived before the send's own answer recorded the provider's id.
pub(crate) async fn apply_pending_receipts(
    state: &AppState,
    channel: ChannelId,
    provider_id: &str,
) -> Result<(), Error> {
    let best = deliveries::best_receipt(&state.pool, channel, provider_id).await?;
    if let Some((status, at, code, title, detail)) = best {
        advance_status(
            state,
            channel,
            provider_id,
            status,
            at,
            (code, title.as_deref(), detail.as_deref()),
        )
        .await?;
    }
    Ok(())
}

/// Conversations whose messages are being delivered at the same time.
pub(crate) const OUTBOX_CONCURRENCY: usize = 16;

/// What one pass of the outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// A batch was claimed and every message in it attempted (sent, failed or rescheduled).
    TaskCompleted,
    /// Nothing was due.
    EmptyQueue,
}

/// Claims up to a batch of due messages and delivers them: one conversation's messages in
/// order (a bot's text, then its menu), different conversations side by side. A message whose
/// bookkeeping fails stays claimed and is retried when its claim expires.
pub async fn try_execute_batch(state: &AppState) -> Result<ExecutionOutcome, Error> {
    use futures::StreamExt;
    let batch = claim_due(state, 64).await?;
    if batch.is_empty() {
        return Ok(ExecutionOutcome::EmptyQueue);
    }
    let mut groups: Vec<Vec<Due>> = Vec::new();
    for due in batch {
        match groups
            .iter_mut()
            .find(|g| g[0].conversation_id == due.conversation_id)
        {
            Some(group) => group.push(due),
            None => groups.push(vec![due]),
        }
    }
    futures::stream::iter(groups)
        .for_each_concurrent(OUTBOX_CONCURRENCY, |group| async move {
            for due in group {
                let id = due.id;
                if let Err(e) = deliver(state, due).await {
                    tracing::error!(message = %id, error = ?e, "outbox bookkeeping failed");
                }
            }
        })
        .await;
    Ok(ExecutionOutcome::TaskCompleted)
}

/// Delivers queued messages until `shutdown`: woken at once by sends on this instance, and every
/// second for retries and sends queued by other instances.
pub async fn run_outbox(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    while !shutdown.is_cancelled() {
        match try_execute_batch(&state).await {
            Ok(ExecutionOutcome::TaskCompleted) => {}
            Ok(ExecutionOutcome::EmptyQueue) => {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = state.wakers.outbox.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = ?e, "outbox could not claim messages");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
