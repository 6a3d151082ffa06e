//! Provider webhooks: authenticate, check, store durably, answer; then process in the
//! background.
//!
//! The request path does the least that makes an event safe: verify the signature over the raw
//! body, check the body is a notification we understand, and insert it into `webhook_events`
//! (with the deliveries arriving at the same time: [`ingest`]). Only then does Meta get its
//! 200. A processor (on every worker instance, `FOR UPDATE SKIP LOCKED`) turns stored events
//! into contacts, conversations, messages and receipts; a failure there is retried from the
//! stored copy, never lost. Deliveries of receipts only are applied in batches ([`statuses`]).

pub mod ingest;
pub mod queue;
pub mod statuses;

use super::channels::{self, meta, whatsapp, ProviderEvent};
use super::lanes::Lanes;
use super::messaging;
use super::state::AppState;
use crate::db::webhook_events;
use crate::error::Error;
use serde_json::Value;
use shared::messaging::ChannelKind;
use statuses::Stored;
use std::time::Duration;

/// Why a webhook was refused. Each maps to a status and a pt-BR sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookRejection {
    /// No `X-Hub-Signature-256` header.
    MissingSignature,
    /// The signature does not match any configured app secret.
    BadSignature,
    /// Not JSON, or not a notification of this provider.
    Malformed(String),
    /// Not `application/json`.
    WrongContentType,
    Internal,
}

impl WebhookRejection {
    pub fn status(&self) -> u16 {
        match self {
            WebhookRejection::MissingSignature | WebhookRejection::BadSignature => 401,
            WebhookRejection::Malformed(_) => 400,
            WebhookRejection::WrongContentType => 415,
            WebhookRejection::Internal => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebhookRejection::MissingSignature => "signature_missing",
            WebhookRejection::BadSignature => "signature_invalid",
            WebhookRejection::Malformed(_) => "payload_malformed",
            WebhookRejection::WrongContentType => "unsupported_media_type",
            WebhookRejection::Internal => "internal_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WebhookRejection::MissingSignature => {
                "Assinatura ausente: o cabeçalho X-Hub-Signature-256 é obrigatório.".into()
            }
            WebhookRejection::BadSignature => {
                "Assinatura inválida: confira o segredo do aplicativo (App Secret) do canal.".into()
            }
            WebhookRejection::Malformed(what) => format!("Notificação inválida: {what}."),
            WebhookRejection::WrongContentType => {
                "O corpo deve ser JSON (Content-Type: application/json).".into()
            }
            WebhookRejection::Internal => {
                "Erro interno ao registrar a notificação; ela será reenviada pela Meta.".into()
            }
        }
    }
}

/// Reads a body into events for `kind`.
pub fn parse(
    kind: ChannelKind,
    payload: &Value,
) -> Result<Vec<ProviderEvent>, channels::MalformedPayload> {
    match kind {
        ChannelKind::Whatsapp => whatsapp::parse(payload),
        ChannelKind::Messenger | ChannelKind::Instagram => meta::parse(kind, payload),
        ChannelKind::Webchat => Err(channels::MalformedPayload("canal sem webhook".into())),
    }
}

/// The verification handshake: `hub.mode=subscribe` with a channel's verify token.
pub async fn verify_subscription(
    state: &AppState,
    kind: ChannelKind,
    mode: Option<&str>,
    token: Option<&str>,
) -> Result<bool, Error> {
    let (Some("subscribe"), Some(token)) = (mode, token) else {
        return Ok(false);
    };
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    Ok(channels::verify_token_matches(&channels, kind, token))
}

/// Authenticates and stores one webhook delivery. Returns once it is committed.
pub async fn accept(
    state: &AppState,
    kind: ChannelKind,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), WebhookRejection> {
    let signature = signature.ok_or(WebhookRejection::MissingSignature)?;
    let channels = state
        .channels
        .all(&state.pool, &state.secrets)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "channel directory unavailable");
            WebhookRejection::Internal
        })?;
    // Some secret of the kind first (nothing is parsed for strangers), then the secret of each
    // channel the events are for.
    if !channels::signature_valid(signature, body, &channels::app_secrets(&channels, kind)) {
        return Err(WebhookRejection::BadSignature);
    }
    let payload: Value = serde_json::from_slice(body)
        .map_err(|_| WebhookRejection::Malformed("o corpo não é JSON válido".into()))?;
    let events = parse(kind, &payload).map_err(|e| WebhookRejection::Malformed(e.0))?;
    if !channels::delivery_signed(signature, body, &channels, kind, &events) {
        tracing::warn!(?kind, "webhook signed with another channel's app secret");
        return Err(WebhookRejection::BadSignature);
    }
    // The raw text, not the re-serialized value: PostgreSQL parses it once into jsonb.
    let text = std::str::from_utf8(body)
        .map_err(|_| WebhookRejection::Malformed("o corpo não é UTF-8".into()))?;
    // On an instance that processes, the delivery is stored already claimed (as the
    // processor's claim would leave it) and processed right away by this instance; should it
    // stop halfway, the claim expires and any processor takes the stored copy.
    let inline = state.webhook_lanes.clone();
    let id = state
        .webhook_ingest
        .store(kind, text, inline.is_some())
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "webhook not stored");
            WebhookRejection::Internal
        })?;
    match inline {
        Some(_) if statuses::receipts_only(&events) => state.webhook_statuses.push(Stored {
            id,
            kind,
            events,
            attempts: 1,
        }),
        Some(lanes) => {
            let state = state.clone();
            let key = contact_key(&payload);
            tokio::spawn(async move {
                let _turn = lanes.enter(&key).await;
                if let Err(e) = process_one(&state, id, kind, Some(events), 1).await {
                    tracing::error!(event = id, error = ?e, "webhook bookkeeping failed");
                }
            });
        }
        None => state.wakers.webhooks.notify_one(),
    }
    Ok(())
}

/// The lanes that keep one contact's deliveries in order on an instance that processes them.
pub fn lanes() -> Lanes {
    Lanes::new(PROCESSING_CONCURRENCY)
}

/// Processes one stored delivery. `Ok(true)` when every event found its channel.
async fn process(
    state: &AppState,
    kind: ChannelKind,
    events: &[ProviderEvent],
) -> Result<bool, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let mut routed = true;
    for event in events {
        if let ProviderEvent::Template(t) = event {
            let changed = crate::services::templates::apply_event(state, t).await?;
            if let crate::channels::TemplateChange::Status { status, .. } = &t.change {
                crate::campaigns::on_template_status(state, &changed, status).await?;
            }
            continue;
        }
        if let ProviderEvent::MessagingLimit { limit, .. } = event {
            crate::campaigns::on_messaging_limit(state, *limit).await?;
            continue;
        }
        let external = event.channel_external_id();
        let Some(channel) = channels::route(&channels, kind, external) else {
            tracing::warn!(
                ?kind,
                external,
                "webhook for an unknown channel kept, not routed"
            );
            routed = false;
            continue;
        };
        match event {
            ProviderEvent::Message(m) => {
                messaging::record_inbound(state, channel, m).await?;
            }
            ProviderEvent::Receipt(r) => {
                statuses::apply_receipts(state, &[(channel.id, r)], &[]).await?;
                crate::campaigns::sender::on_receipt(state, channel, r).await?;
            }
            ProviderEvent::ReadUpTo {
                contact_external_id,
                watermark,
                ..
            } => {
                messaging::apply_read_watermark(state, channel, contact_external_id, *watermark)
                    .await?
            }
            ProviderEvent::Error(e) => messaging::record_channel_error(state, channel, e).await?,
            ProviderEvent::Template(_) | ProviderEvent::MessagingLimit { .. } => {}
        }
    }
    Ok(routed)
}

/// Deliveries that keep failing stop being retried after this many attempts; they stay in
/// `webhook_events` with the error for an operator.
const MAX_PROCESSING_ATTEMPTS: i32 = 10;

/// Contacts whose deliveries are processed at the same time.
const PROCESSING_CONCURRENCY: usize = 16;

/// Who a delivery is about (WhatsApp sender or status recipient, Messenger/Instagram sender):
/// one contact's deliveries are processed in order.
fn contact_key(payload: &Value) -> String {
    let entry = &payload["entry"][0];
    let value = &entry["changes"][0]["value"];
    value["messages"][0]["from"]
        .as_str()
        .or(value["statuses"][0]["recipient_id"].as_str())
        .or(entry["messaging"][0]["sender"]["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Processes one claimed delivery and records its outcome (retrying later on error).
async fn process_one(
    state: &AppState,
    id: i64,
    kind: ChannelKind,
    events: Option<Vec<ProviderEvent>>,
    attempts: i32,
) -> Result<(), Error> {
    // None: stored, but no longer parses (only a parser change could do that).
    let outcome = match events {
        Some(events) => process(state, kind, &events).await,
        None => Ok(false),
    };
    let (done, note, retry_in) = match outcome {
        Ok(true) => (true, "ok".to_owned(), None),
        Ok(false) => (true, "unroutable".to_owned(), None),
        Err(e) if attempts >= MAX_PROCESSING_ATTEMPTS => (true, format!("failed: {e}"), None),
        Err(e) => (
            false,
            format!("error: {e}"),
            Some(Duration::from_secs(2u64.pow(attempts.clamp(0, 9) as u32))),
        ),
    };
    webhook_events::record_outcome(&state.pool, id, &note, done, retry_in).await?;
    Ok(())
}

/// A claimed delivery for the ordinary path: id, provider, its events (none when it no longer
/// parses), attempts, and the contact whose deliveries keep their order.
type Claimed = (i64, ChannelKind, Option<Vec<ProviderEvent>>, i32, String);

/// Processes a batch; returns how many events it claimed.
pub async fn process_pending(state: &AppState, limit: i64) -> Result<usize, Error> {
    use futures::StreamExt;
    let mut batch = webhook_events::claim_due(&state.pool, limit).await?;
    let claimed = batch.len();
    batch.sort_by_key(|(id, ..)| *id);
    // Receipts only: in one transaction. The rest, and what that leaves, one by one.
    let mut receipts = Vec::new();
    let mut others = Vec::new();
    for (id, kind, payload, attempts) in batch {
        match parse(kind, &payload) {
            Ok(events) if statuses::receipts_only(&events) => receipts.push(Stored {
                id,
                kind,
                events,
                attempts,
            }),
            _ => others.push((id, kind, payload, attempts)),
        }
    }
    let left = apply_statuses(state, receipts).await;
    // Deliveries about one contact keep their order; different contacts run side by side.
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let others = others.into_iter().map(|(id, kind, payload, attempts)| {
        let events = parse(kind, &payload)
            .inspect_err(
                |e| tracing::error!(event = id, error = ?e, "stored webhook no longer parses"),
            )
            .ok();
        (id, kind, events, attempts, contact_key(&payload))
    });
    let left = left
        .into_iter()
        .map(|d| (d.id, d.kind, Some(d.events), d.attempts, String::new()));
    for item in others.chain(left) {
        let at = *index.entry(item.4.clone()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(item);
    }
    futures::stream::iter(groups)
        .for_each_concurrent(PROCESSING_CONCURRENCY, |group| async move {
            // The same lanes as deliveries processed where they arrived, when this instance
            // has them.
            let _turn = match (&state.webhook_lanes, group.first()) {
                (Some(lanes), Some(first)) => Some(lanes.enter(&first.4).await),
                _ => None,
            };
            for (id, kind, events, attempts, _) in group {
                if let Err(e) = process_one(state, id, kind, events, attempts).await {
                    tracing::error!(event = id, error = ?e, "webhook bookkeeping failed");
                }
            }
        })
        .await;
    Ok(claimed)
}

/// Applies receipt-only deliveries as one batch; returns those to process one by one (for an
/// unknown channel, or all of them when the batch failed).
async fn apply_statuses(state: &AppState, batch: Vec<Stored>) -> Vec<Stored> {
    if batch.is_empty() {
        return batch;
    }
    match statuses::apply(state, batch).await {
        Ok(left) => left,
        Err((e, all)) => {
            tracing::warn!(error = ?e, deliveries = all.len(), "status batch failed; one by one");
            all
        }
    }
}

/// Applies this instance's receipt-only deliveries as they arrive, in batches, until the
/// queue closes.
async fn run_status_batcher(state: AppState) {
    let Some(mut receiver) = state.webhook_statuses.take_receiver() else {
        return;
    };
    while let Some(batch) = queue::next_batch(&mut receiver).await {
        for d in apply_statuses(&state, batch).await {
            if let Err(e) = process_one(&state, d.id, d.kind, Some(d.events), d.attempts).await {
                tracing::error!(event = d.id, error = ?e, "webhook bookkeeping failed");
            }
        }
    }
}

/// Runs the processor until `shutdown`: woken by this instance's deliveries, and every 500 ms
/// for those stored by other instances and for retries.
pub async fn run_processor(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    let batcher = tokio::spawn(run_status_batcher(state.clone()));
    while !shutdown.is_cancelled() {
        match process_pending(&state, 200).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "webhook processing failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = state.wakers.webhooks.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
    batcher.abort();
}
