//! Consent and opt-out at run time: a reply such as "PARAR", an opt-out button or Meta's
//! 131050 withdraws the contact's marketing consent and suppresses the number at once; the
//! customer is told once.

use crate::db::{self, consents};
use crate::error::Error;
use crate::state::AppState;
use shared::campaign::model::{CampaignSettings, Purpose};
use shared::campaign::optout::CONFIRMATION;
use shared::messaging::{Author, Outbound};
use shared::{ChannelId, ContactId, ConversationId};

/// Why the contact was opted out (the suppression's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutSource {
    Reply,
    Button,
    Meta131050,
}

impl OptOutSource {
    fn code(self) -> &'static str {
        match self {
            OptOutSource::Reply => "reply",
            OptOutSource::Button => "button",
            OptOutSource::Meta131050 => "meta_131050",
        }
    }
}

/// Withdraws marketing consent and suppresses the number, in one transaction. `true` when the
/// number was not suppressed before.
pub async fn opt_out(
    state: &AppState,
    contact: ContactId,
    channel: ChannelId,
    phone: Option<&str>,
    source: OptOutSource,
    detail: &str,
) -> Result<bool, Error> {
    let mut tx = state.pool.begin().await?;
    consents::record(
        &mut *tx,
        consents::Record {
            contact,
            channel: Some(channel),
            purpose: Purpose::Marketing.code(),
            granted: false,
            source: source.code(),
            detail: Some(detail),
            by: None,
        },
    )
    .await?;
    let new = match phone {
        Some(phone) => {
            consents::suppress(
                &mut *tx,
                phone,
                Purpose::Marketing.code(),
                source.code(),
                Some(detail),
                Some(contact),
            )
            .await?
        }
        None => true,
    };
    tx.commit().await?;
    metrics::counter!("campaign_opt_outs_total", "source" => source.code()).increment(1);
    Ok(new)
}

/// A customer's text on a conversation: when it asks for no more marketing, opts them out and
/// confirms once. `true` when it did (the bot leaves that message alone).
pub async fn on_reply(
    state: &AppState,
    channel: ChannelId,
    conversation: ConversationId,
    text: &str,
) -> Result<bool, Error> {
    let settings = db::settings::get::<CampaignSettings>(&state.pool).await?;
    // Cheap check first: most messages are not an opt-out in any reading.
    if !settings.opt_out.matches(text, true) {
        return Ok(false);
    }
    let after_marketing = db::campaigns::last_was_marketing(&state.pool, conversation).await?;
    if !settings.opt_out.matches(text, after_marketing) {
        return Ok(false);
    }
    let Some((contact, phone)) = db::contacts::of_conversation(&state.pool, conversation).await?
    else {
        return Ok(false);
    };
    let new = opt_out(
        state,
        contact,
        channel,
        phone.as_deref(),
        OptOutSource::Reply,
        &format!("Respondeu \"{}\"", text.trim()),
    )
    .await?;
    if new {
        let sent = crate::messaging::send(
            state,
            crate::messaging::SendRequest {
                conversation,
                outbound: Outbound::Text {
                    text: CONFIRMATION.to_owned(),
                },
                author: Author::Bot,
                author_user: None,
                client_id: Some("opt-out-confirmation".into()),
            },
        )
        .await;
        if let Err(e) = sent {
            tracing::warn!(error = ?e, %conversation, "opt-out confirmation not sent");
        }
    }
    Ok(true)
}

/// Meta's 131050 on a message to this number: the customer stopped marketing from us.
pub async fn on_meta_stop(state: &AppState, channel: ChannelId, wa_id: &str) -> Result<(), Error> {
    let Ok(phone) = shared::Phone::from_wa_id(wa_id) else {
        return Ok(());
    };
    if let Some(contact) = db::contacts::find_by_phone(&state.pool, phone.as_str()).await? {
        opt_out(
            state,
            contact,
            channel,
            Some(phone.as_str()),
            OptOutSource::Meta131050,
            "A Meta informou que o cliente parou de receber marketing (131050)",
        )
        .await?;
    }
    Ok(())
}
