//! Files agents attach in the composer. The browser uploads the file for one conversation (its
//! channel decides what is accepted), then sends a message that names the upload; the server
//! fills the file's facts from what it stored. Providers and the webchat fetch the bytes through
//! a signed link that expires.

use crate::backend::guard::Authorised;
use crate::backend::services::inbox;
use crate::backend::state::AppState;
use crate::error::AppError;
use base64::Engine;
use shared::messaging::{
    attachment_kind, mime_essence, Attachment, ChannelKind, MessageKind, Outbound,
};
use shared::{ConversationId, Permission};
use uuid::Uuid;

/// How long a signed link stays valid: Meta downloads at once, retries run for hours.
pub const LINK_VALIDITY: chrono::Duration = chrono::Duration::hours(24);

/// A file's name as stored: no directories, no control characters, at most 255 characters.
pub fn clean_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Stores an upload for `conversation` after checking the channel accepts it.
pub async fn store(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    filename: &str,
    mime: &str,
    data: bytes::Bytes,
) -> Result<Attachment, AppError> {
    if !who.user.can(Permission::ReplyToConversations) {
        return Err(AppError::Forbidden);
    }
    let access = inbox::access(state, who, conversation).await?;
    let kind: ChannelKind = sqlx::query_scalar("select kind from channels where id = $1")
        .bind(access.channel_id)
        .fetch_one(&state.pool)
        .await?;
    let filename = clean_filename(filename)
        .ok_or_else(|| AppError::Refused("Informe o nome do arquivo.".into()))?;
    let mime = mime_essence(mime);
    let media_kind = attachment_kind(kind, &mime, data.len() as u64).map_err(AppError::Outbound)?;
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into attachments (id, uploaded_by, conversation_id, kind, filename, mime, size, data)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(who.user.id)
    .bind(conversation)
    .bind(media_kind)
    .bind(&filename)
    .bind(&mime)
    .bind(data.len() as i64)
    .bind(data.as_ref())
    .execute(&state.pool)
    .await?;
    Ok(Attachment {
        id,
        kind: media_kind,
        filename,
        mime,
        size: data.len() as u64,
        link: None,
    })
}

#[derive(sqlx::FromRow)]
struct Facts {
    kind: MessageKind,
    filename: String,
    mime: String,
    size: i64,
}

/// Replaces what the browser said about an attached file with what was stored for this
/// conversation; other messages pass through.
pub async fn resolve(
    state: &AppState,
    conversation: ConversationId,
    outbound: Outbound,
) -> Result<Outbound, AppError> {
    let Outbound::Media { media, caption } = outbound else {
        return Ok(outbound);
    };
    let facts: Option<Facts> = sqlx::query_as(
        "select kind, filename, mime, size from attachments
         where id = $1 and conversation_id = $2",
    )
    .bind(media.id)
    .bind(conversation)
    .fetch_optional(&state.pool)
    .await?;
    let facts = facts.ok_or_else(|| {
        AppError::Refused("O anexo não foi encontrado: envie o arquivo de novo.".into())
    })?;
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
    let mac = state.secrets.token_hash(&format!("anexo:{id}:{expires}"));
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
        && crate::backend::crypto::constant_time_eq(
            signature(state, id, expires).as_bytes(),
            sig.as_bytes(),
        )
}

/// The stored file: (mime, filename, kind, bytes).
pub async fn load(
    state: &AppState,
    id: Uuid,
) -> Result<(String, String, MessageKind, Vec<u8>), AppError> {
    let row: Option<(String, String, MessageKind, Vec<u8>)> =
        sqlx::query_as("select mime, filename, kind, data from attachments where id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    row.ok_or(AppError::NotFound)
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

#[cfg(test)]
mod tests {
    use super::clean_filename;

    #[test]
    fn filenames_lose_directories_and_control_characters() {
        assert_eq!(
            clean_filename("C:\\Users\\ana\\fatura.pdf").as_deref(),
            Some("fatura.pdf")
        );
        assert_eq!(
            clean_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_filename("nota\u{0}\n fiscal.pdf").as_deref(),
            Some("nota fiscal.pdf")
        );
        assert_eq!(clean_filename("..."), None);
        assert_eq!(clean_filename("  "), None);
        assert_eq!(clean_filename(&"a".repeat(300)).map(|s| s.len()), Some(255));
    }
}
