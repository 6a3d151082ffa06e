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
    withdraw_and_confirm(
        state,
        channel,
        conversation,
        OptOutSource::Reply,
        &format!("Respondeu \"{}\"", text.trim()),
    )
    .await
}

/// The customer tapped a template's opt-out button: opted out and told once.
pub async fn on_button(
    state: &AppState,
    channel: ChannelId,
    conversation: ConversationId,
    title: &str,
) -> Result<bool, Error> {
    withdraw_and_confirm(
        state,
        channel,
        conversation,
        OptOutSource::Button,
        &format!("Tocou no botão \"{}\"", title.trim()),
    )
    .await
}

/// Opts the conversation's contact out and, when the number was not suppressed before, sends
/// the confirmation. `true` when the contact was found.
async fn withdraw_and_confirm(
    state: &AppState,
    channel: ChannelId,
    conversation: ConversationId,
    source: OptOutSource,
    detail: &str,
) -> Result<bool, Error> {
    let Some((contact, phone)) = db::contacts::of_conversation(&state.pool, conversation).await?
    else {
        return Ok(false);
    };
    let new = opt_out(state, contact, channel, phone.as_deref(), source, detail).await?;
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

/// A contact's standing consent per channel and purpose (the contact panel).
pub async fn of_contact(
    state: &AppState,
    contact: ContactId,
) -> Result<Vec<consents::ConsentRow>, Error> {
    if db::contacts::find(&state.pool, contact).await?.is_none() {
        return Err(crate::error::AppError::NotFound.into());
    }
    consents::current(&state.pool, contact).await
}

/// Records a grant or a withdrawal given outside the conversation (an agent, an integration);
/// a withdrawal of marketing suppresses the contact's number too.
pub async fn record(state: &AppState, r: consents::Record<'_>) -> Result<(), Error> {
    if db::contacts::find(&state.pool, r.contact).await?.is_none() {
        return Err(crate::error::AppError::NotFound.into());
    }
    if let Some(channel) = r.channel {
        let channels = state.channels.all(&state.pool, &state.secrets).await?;
        if !channels.iter().any(|c| c.id == channel) {
            return Err(crate::error::AppError::NotFound.into());
        }
    }
    let phone = db::contacts::phone(&state.pool, r.contact).await?;
    let (contact, granted, detail) = (r.contact, r.granted, r.detail.map(str::to_owned));
    let marketing = r.purpose == Purpose::Marketing.code();
    let mut tx = state.pool.begin().await?;
    consents::record(&mut *tx, r).await?;
    if let (false, true, Some(phone)) = (granted, marketing, phone.as_deref()) {
        consents::suppress(
            &mut *tx,
            phone,
            "marketing",
            "manual",
            detail.as_deref(),
            Some(contact),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What an imported do-not-contact list gave.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    /// Numbers new on the list (or widened to every campaign).
    pub added: u64,
    /// Valid numbers in the file.
    pub numbers: usize,
    pub report: shared::campaign::audience::AudienceReport,
}

/// Imports a list of numbers (Procon-SP's "Não Me Ligue", a company's own): `all` blocks every
/// campaign, collections included; `marketing` only marketing.
pub async fn import_suppressions(
    state: &AppState,
    csv: &str,
    scope: &str,
    detail: &str,
) -> Result<Imported, Error> {
    let invalid = |m: String| -> Error {
        crate::error::AppError::Refused(shared::Refusal::CampaignInvalid { problems: vec![m] })
            .into()
    };
    if scope != "all" && scope != "marketing" {
        return Err(invalid(
            "O alcance da lista é \"all\" (todas as campanhas) ou \"marketing\".".into(),
        ));
    }
    let mut report =
        shared::campaign::audience::from_csv(csv, None).map_err(|e| invalid(e.to_string()))?;
    let phones: Vec<String> = report.rows.iter().map(|r| r.phone.e164.clone()).collect();
    let detail: String = detail.chars().take(500).collect();
    let detail = detail.as_str();
    let mut added = 0;
    for chunk in phones.chunks(10_000) {
        added += consents::import(&state.pool, chunk, scope, detail).await?;
    }
    report.rows.clear();
    Ok(Imported {
        added,
        numbers: phones.len(),
        report,
    })
}

/// The suppression list as CSV (`telefone;alcance;motivo;desde`), for an export.
pub async fn export_suppressions(state: &AppState) -> Result<String, Error> {
    let mut out = String::from("telefone;alcance;motivo;desde\n");
    for s in consents::all(&state.pool).await? {
        out.push_str(&format!(
            "{};{};{};{}\n",
            s.phone,
            s.scope,
            s.reason,
            s.created_at.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    Ok(out)
}

/// Takes a number off the list (the customer asked to receive again); `true` when it was on.
pub async fn unsuppress(state: &AppState, phone: &str) -> Result<bool, Error> {
    consents::unsuppress(&state.pool, phone).await
}

/// The number's suppression, if any.
pub async fn suppression(
    state: &AppState,
    phone: &str,
) -> Result<Option<consents::SuppressionRow>, Error> {
    consents::suppression(&state.pool, phone).await
}
