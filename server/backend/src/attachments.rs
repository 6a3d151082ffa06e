//! Attached files on their way out: what was stored replaces what a client claimed, and media
//! messages carry a signed, expiring link the recipient (Meta, a webchat visitor) downloads
//! from. The upload itself is `services::attachments`.

use crate::db;
use crate::error::{AppError, Error};
use crate::state::AppState;
use base64::Engine;
use shared::messaging::{Attachment, MessageKind, Outbound};
use shared::{ConversationId, Refusal};
use uuid::Uuid;

/// How long a signed link stays valid: Meta downloads at once, retries run for hours.
pub const LINK_VALIDITY: chrono::Duration = chrono::Duration::hours(24);

/// Replaces what the browser said about an attached file with what was stored for this
/// conversation; other messages pass through.
pub async fn resolve(
    state: &AppState,
    conversation: ConversationId,
    outbound: Outbound,
) -> Result<Outbound, Error> {
    let Outbound::Media { media, caption } = outbound else {
        return Ok(outbound);
    };
    let facts = db::attachments::facts_in(&state.pool, media.id, conversation)
        .await?
        .ok_or(AppError::Refused(Refusal::AttachmentNotFound))?;
    Ok(Outbound::Media {
        media: Attachment {
            id: media.id,
            kind: facts.kind,
            filename: facts.filename,
            mime: facts.mime,
            size: facts.size as u64,
            link: None,
        },
        caption: caption
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
    })
}

fn signature(state: &AppState, id: Uuid, expires: i64) -> String {
    let mac = state.secrets.link_mac(&format!("anexo:{id}:{expires}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// A link anyone holding it may download from until it expires.
pub fn signed_link(state: &AppState, id: Uuid) -> String {
    let expires = (chrono::Utc::now() + LINK_VALIDITY).timestamp();
    format!(
        "{}/anexos/{id}?exp={expires}&sig={}",
        state.auth.public_origin,
        signature(state, id, expires)
    )
}

/// Whether a link's signature is ours and not expired.
pub fn link_valid(state: &AppState, id: Uuid, expires: i64, sig: &str) -> bool {
    expires >= chrono::Utc::now().timestamp()
        && crate::crypto::constant_time_eq(signature(state, id, expires).as_bytes(), sig.as_bytes())
}

/// The stored file: (mime, filename, kind, size); its bytes stream from `crate::blobs::read`.
pub async fn load(state: &AppState, id: Uuid) -> Result<(String, String, MessageKind, i64), Error> {
    db::attachments::load(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound.into())
}

/// Gives an outbound media message the link its recipient downloads from.
pub fn with_link(state: &AppState, outbound: Outbound) -> Outbound {
    match outbound {
        Outbound::Media { mut media, caption } => {
            media.link = Some(signed_link(state, media.id));
            Outbound::Media { media, caption }
        }
        other => other,
    }
}
