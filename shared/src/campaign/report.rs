//! What a campaign's screens and the REST API show of it: its figures, the pre-flight's
//! verdict, each recipient's state. The server fills them; the panel draws them.

use super::audience::LineProblem;
use super::model::{CampaignCounts, CampaignStatus};
use crate::ChannelId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a campaign is made of (the panel's wizard and the REST API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCampaign {
    pub name: String,
    pub channel: Option<ChannelId>,
    pub template_name: String,
    pub template_language: String,
    /// The CSV text, and the phone column when it is not named like one.
    pub csv: String,
    pub phone_column: Option<String>,
    /// Template parameter → `{{coluna}}`, `{{coluna | padrão}}` or a fixed text.
    pub variables: BTreeMap<String, String>,
    pub rate_per_second: Option<i32>,
    pub schedule_at: Option<DateTime<Utc>>,
    /// `schedule_at` is read as that wall-clock time in each recipient's zone (by DDD):
    /// 09:00 in Brasília, 09:00 in Manaus an hour later.
    #[serde(default)]
    pub local_time: bool,
    pub respect_quiet_hours: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// At most this much a day (Brasília's calendar day) at the settings' price per delivered
    /// template: the rest waits for the next day.
    #[serde(default)]
    pub daily_budget_brl: Option<f64>,
}

/// A draft just made: how many recipients, and each line of the file left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedCampaign {
    pub id: Uuid,
    pub recipients: u64,
    pub problems: Vec<LineProblem>,
    /// (line, the earlier line with the same number).
    pub duplicates: Vec<(usize, usize)>,
    pub ninth_digit_added: usize,
}

/// A campaign with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    pub channel_id: ChannelId,
    pub template_name: String,
    pub template_language: String,
    /// The template's status at Meta (APPROVED, PAUSED…).
    pub template_status: String,
    /// The template's category (MARKETING needs consent).
    pub category: String,
    /// rascunho, agendada, enviando, pausada, concluída or cancelada.
    pub status: CampaignStatus,
    pub schedule_at: Option<DateTime<Utc>>,
    /// `schedule_at` is each recipient's own wall-clock time (their zone by DDD).
    #[serde(default)]
    pub local_time: bool,
    pub respect_quiet_hours: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_per_second: i32,
    /// The most it spends a day (Brasília's day), in BRL.
    #[serde(default)]
    pub daily_budget_brl: Option<f64>,
    /// Why it is paused (a person, a template webhook, Meta's error).
    pub pause_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: CampaignCounts,
    /// Thousandths of the recipients whose turn has passed.
    pub progress_per_mille: i64,
    pub eta_seconds: i64,
    /// Delivered templates at the configured price, in BRL.
    pub cost_brl: f64,
    /// Failures by Meta's code with its pt-BR meaning; skips by reason.
    pub failures: Vec<Breakdown>,
    pub skipped: Vec<Breakdown>,
}

/// One line of a breakdown: a code, what it means in pt-BR, how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breakdown {
    pub code: Option<String>,
    pub meaning: String,
    pub count: i64,
}

/// The checks before launch: what blocks it, what the manager should know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preflight {
    /// Whether `start` would be accepted.
    pub ok: bool,
    /// Reasons it cannot start, in pt-BR.
    pub problems: Vec<String>,
    /// What it will do that the manager should know, in pt-BR.
    pub notes: Vec<String>,
    pub template_status: String,
    pub audience: i64,
    /// Recipients who will be sent to.
    pub eligible: i64,
    pub left_out: Vec<Breakdown>,
    /// Recipients also in another running or scheduled campaign.
    pub overlap: i64,
    pub messaging_limit: i64,
    pub days_needed: i64,
    pub cost_brl: f64,
}

/// One recipient of a campaign and how far their message got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecipientView {
    pub id: Uuid,
    pub phone: String,
    pub name: Option<String>,
    /// The line of the audience's file.
    pub line: Option<i32>,
    /// The state's code (`queued`, `sent`…).
    pub state: String,
    pub attempts: i32,
    /// sent, delivered, read or failed, as the status webhooks say.
    pub delivery: Option<String>,
    pub error_code: Option<i32>,
    pub error_title: Option<String>,
    pub skip_reason: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Where the message is in the contact's history.
    pub conversation_id: Option<Uuid>,
}

/// A contact's standing consent for one channel (or every channel) and purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub channel_name: Option<String>,
    /// `marketing` or `utility`.
    pub purpose: String,
    pub granted: bool,
    /// Where it came from: `csv`, `reply`, `button`, `meta`, `agent`, `api`…
    pub source: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// A consent's source as the panel says it.
pub fn consent_source_label(source: &str) -> &str {
    match source {
        "csv" => "arquivo da campanha",
        "reply" => "resposta do cliente",
        "button" => "botão do modelo",
        "meta_131050" => "a Meta (o cliente bloqueou marketing)",
        "agent" | "manual" => "atendente",
        "api" => "integração (API)",
        "import" => "lista importada",
        other => other,
    }
}

/// "1 h 05 min", "3 min", "40 s": an ETA as people read it.
pub fn duration_label(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", (s + 59) / 60),
        _ => {
            let h = s / 3600;
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{h} h")
            } else {
                format!("{h} h {m:02} min")
            }
        }
    }
}

/// "2.000", "100.000": a count as Brazilians group its digits.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_their_thousands_with_dots() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(250), "250");
        assert_eq!(thousands(2000), "2.000");
        assert_eq!(thousands(1_000_000), "1.000.000");
        assert_eq!(thousands(-12345), "-12.345");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_label(0), "0 s");
        assert_eq!(duration_label(40), "40 s");
        assert_eq!(duration_label(61), "2 min");
        assert_eq!(duration_label(3600), "1 h");
        assert_eq!(duration_label(3900), "1 h 05 min");
        assert_eq!(duration_label(-5), "0 s");
    }
}
