//! Uploads from the composer: checked against the conversation's channel and the sender's
//! access, then stored.

use crate::db::{self, attachments::NewAttachment};
use crate::error::{AppError, Error};
use crate::guard::Authorised;
use crate::services::inbox;
use crate::state::AppState;
use shared::messaging::{attachment_kind, mime_essence, Attachment};
use shared::{ConversationId, Permission, Refusal};
use uuid::Uuid;

/// A file's name as stored: no directories, no control characters, at most 255 characters.
pub fn clean_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Stores an upload for `conversation` as its body arrives (at most `max` bytes), after
/// checking the channel accepts it: the type before the first byte, the size once it is all
/// in. A file refused half-way leaves nothing behind.
pub async fn store<S, E>(
    state: &AppState,
    who: &Authorised,
    conversation: ConversationId,
    (filename, mime): (&str, &str),
    body: S,
    max: u64,
) -> Result<Attachment, Error>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>>,
    E: std::fmt::Display,
{
    if !who.user.can(Permission::ReplyToConversations) {
        return Err(AppError::Forbidden.into());
    }
    let access = inbox::access(state, who, conversation).await?;
    let kind = db::channels::kind_of(&state.pool, access.channel_id).await?;
    let filename =
        clean_filename(filename).ok_or(AppError::Refused(Refusal::AttachmentNameMissing))?;
    let mime = mime_essence(mime);
    attachment_kind(kind, &mime, 1).map_err(AppError::Outbound)?;
    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await?;
    let size = match crate::blobs::write(&mut tx, id, body, max).await {
        Ok(size) => size,
        Err(crate::blobs::WriteError::TooLarge) => {
            return Err(
                AppError::Outbound(shared::messaging::OutboundError::AttachmentTooLarge {
                    max_mb: max / (1024 * 1024),
                })
                .into(),
            )
        }
        Err(crate::blobs::WriteError::Source(_)) => return Err(AppError::BadRequest.into()),
        Err(crate::blobs::WriteError::Storage(e)) => return Err(e),
    };
    let media_kind = attachment_kind(kind, &mime, size).map_err(AppError::Outbound)?;
    db::attachments::insert(
        &mut *tx,
        NewAttachment {
            id,
            uploaded_by: who.user.id,
            conversation,
            kind: media_kind,
            filename: &filename,
            mime: &mime,
            size: size as i64,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Attachment {
        id,
        kind: media_kind,
        filename,
        mime,
        size,
        link: None,
    })
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
