//! Provider calls outside the queue: read receipts and media downloads.

use crate::blobs::StoredFile;
use crate::channels::{graph::GraphError, whatsapp};
use crate::db::messages;
use crate::error::{AppError, Error};
use crate::state::AppState;
use shared::messaging::ChannelKind;
use shared::{ConversationId, MessageId};
use uuid::Uuid;

/// Tells the provider the customer's latest message was read (WhatsApp blue ticks, Messenger
/// `mark_seen`). Best effort.
pub async fn mark_read(state: &AppState, conversation: ConversationId) -> Result<(), Error> {
    let row = messages::latest_inbound(&state.pool, conversation).await?;
    let Some((channel_id, Some(provider_id), Some(recipient))) = row else {
        return Ok(());
    };
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let Some(channel) = channels.iter().find(|c| c.id == channel_id) else {
        return Ok(());
    };
    let (Some(token), Some(external)) = (channel.access_token(), channel.external_id.as_deref())
    else {
        return Ok(());
    };
    let (path, body) = match channel.kind {
        ChannelKind::Whatsapp => (
            format!("{external}/messages"),
            whatsapp::read_body(&provider_id),
        ),
        ChannelKind::Messenger | ChannelKind::Instagram => (
            "me/messages".to_owned(),
            serde_json::json!({"recipient": {"id": recipient}, "sender_action": "mark_seen"}),
        ),
        ChannelKind::Webchat => return Ok(()),
    };
    if let Err(e) = state.graph.post(&path, token, &body).await {
        tracing::info!(error = ?e, "read receipt not sent");
    }
    Ok(())
}

/// The largest media file relayed to a browser.
pub const MAX_MEDIA_BYTES: usize = 100 * 1024 * 1024;

/// Fetches an inbound message's media from the provider (WhatsApp: the media endpoint gives a
/// short-lived URL that needs the token; Messenger/Instagram: the attachment URL).
pub async fn fetch_media(state: &AppState, id: MessageId) -> Result<StoredFile, Error> {
    let row = messages::media_of(&state.pool, id).await?;
    let (channel_id, content, kind) = row.ok_or(AppError::NotFound)?;
    if !kind.is_media() {
        return Err(AppError::NotFound.into());
    }
    // A file an agent attached: ours, not the provider's.
    if content.get("type").and_then(|t| t.as_str()) == Some("media") {
        let id = content
            .pointer("/media/id")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<Uuid>().ok())
            .ok_or(AppError::NotFound)?;
        let (mime, _, _, size) = crate::attachments::load(state, id).await?;
        return Ok(StoredFile {
            mime,
            size,
            blob: id,
        });
    }
    // Fetched before: Meta's links expire, and the inbox opens the same media again and again.
    if let Some(cached) = crate::db::blobs::cached_media(&state.pool, id.0).await? {
        return Ok(StoredFile {
            mime: cached.mime,
            size: cached.size,
            blob: id.0,
        });
    }
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    let channel = channels
        .iter()
        .find(|c| c.id == channel_id)
        .ok_or(AppError::NotFound)?;
    let token = channel.access_token();
    let fail = |e: GraphError| {
        tracing::warn!(error = ?e, "media fetch failed");
        Error::from(AppError::ProviderUnavailable)
    };
    let url = match channel.kind {
        ChannelKind::Whatsapp => {
            let media_id = content
                .pointer("/media/id")
                .and_then(|v| v.as_str())
                .ok_or(AppError::NotFound)?;
            let info = state
                .graph
                .get(media_id, token.ok_or(AppError::NotFound)?)
                .await
                .map_err(fail)?;
            info.get("url")
                .and_then(|v| v.as_str())
                .ok_or(AppError::NotFound)?
                .to_owned()
        }
        _ => content
            .pointer("/attachments/0/payload/url")
            .and_then(|v| v.as_str())
            .ok_or(AppError::NotFound)?
            .to_owned(),
    };
    let bearer = match channel.kind {
        ChannelKind::Whatsapp => token,
        _ => None,
    };
    let (mime, response) = state
        .graph
        .download(&url, bearer, MAX_MEDIA_BYTES)
        .await
        .map_err(fail)?;
    cache_media(state, id, &mime, response).await
}

/// Streams Meta's answer into the media cache (one transaction: a download cut half-way keeps
/// nothing); a concurrent request for the same media waits for this one's and serves it.
async fn cache_media(
    state: &AppState,
    id: MessageId,
    mime: &str,
    response: reqwest::Response,
) -> Result<StoredFile, Error> {
    let mut tx = state.pool.begin().await?;
    if crate::db::blobs::start_media(&mut tx, id.0, mime).await? {
        let written = crate::blobs::write(
            &mut tx,
            id.0,
            response.bytes_stream(),
            MAX_MEDIA_BYTES as u64,
        )
        .await;
        let size = match written {
            Ok(size) => size as i64,
            Err(crate::blobs::WriteError::Storage(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = ?e, "media download failed");
                return Err(AppError::ProviderUnavailable.into());
            }
        };
        crate::db::blobs::finish_media(&mut tx, id.0, size).await?;
        tx.commit().await?;
        return Ok(StoredFile {
            mime: mime.to_owned(),
            size,
            blob: id.0,
        });
    }
    tx.rollback().await?;
    let cached = crate::db::blobs::cached_media(&state.pool, id.0)
        .await?
        .ok_or(AppError::ProviderUnavailable)?;
    Ok(StoredFile {
        mime: cached.mime,
        size: cached.size,
        blob: id.0,
    })
}
