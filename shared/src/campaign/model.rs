//! A campaign's life and its recipients' states, as every surface (the panel, the REST API,
//! the sender) names them: stored in English codes, shown and answered in pt-BR.

use serde::{Deserialize, Serialize};

/// Where a campaign is. The REST API answers the pt-BR names (`"concluída"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum CampaignStatus {
    #[serde(rename = "rascunho")]
    Draft,
    #[serde(rename = "agendada")]
    Scheduled,
    #[serde(rename = "enviando")]
    Sending,
    #[serde(rename = "pausada")]
    Paused,
    #[serde(rename = "concluída")]
    Done,
    #[serde(rename = "cancelada")]
    Cancelled,
}

/// What a person (or the sender) asks of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignAction {
    Start,
    Pause,
    Resume,
    Cancel,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 6] = [
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Sending,
        CampaignStatus::Paused,
        CampaignStatus::Done,
        CampaignStatus::Cancelled,
    ];

    /// The database's code.
    pub fn code(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Sending => "sending",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Done => "done",
            CampaignStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// As the panel shows it (and the REST API answers it).
    pub fn label(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "rascunho",
            CampaignStatus::Scheduled => "agendada",
            CampaignStatus::Sending => "enviando",
            CampaignStatus::Paused => "pausada",
            CampaignStatus::Done => "concluída",
            CampaignStatus::Cancelled => "cancelada",
        }
    }

    /// Finished for good: nothing more is sent.
    pub fn is_final(self) -> bool {
        matches!(self, CampaignStatus::Done | CampaignStatus::Cancelled)
    }

    /// The status after `action`, or why it cannot be done (in pt-BR). `scheduled_later`: the
    /// campaign has a start time still to come (a start or a resume waits for it).
    pub fn after(self, action: CampaignAction, scheduled_later: bool) -> Result<Self, String> {
        use CampaignAction as A;
        use CampaignStatus as S;
        let waiting = if scheduled_later {
            S::Scheduled
        } else {
            S::Sending
        };
        match (self, action) {
            (S::Draft, A::Start) => Ok(waiting),
            (S::Scheduled | S::Sending, A::Pause) => Ok(S::Paused),
            (S::Paused, A::Resume) => Ok(waiting),
            (S::Draft | S::Scheduled | S::Sending | S::Paused, A::Cancel) => Ok(S::Cancelled),
            (s, a) => Err(format!(
                "Não é possível {} uma campanha {}.",
                match a {
                    A::Start => "iniciar",
                    A::Pause => "pausar",
                    A::Resume => "retomar",
                    A::Cancel => "cancelar",
                },
                s.label()
            )),
        }
    }
}

/// Where one recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    /// Waiting for its turn (or its retry, or its quiet hours to end).
    Queued,
    /// Taken by a worker, not yet sent to Meta.
    Claimed,
    /// Its Graph call is being made.
    Sending,
    /// Meta accepted it (a message id); delivery and reading follow by webhook.
    Sent,
    /// No answer from Meta: the status webhooks settle it; never resent.
    Unknown,
    Failed,
    /// Left out before sending (no consent, suppressed, a variable empty, expired).
    Skipped,
    /// The campaign was cancelled before its turn.
    Cancelled,
}

impl RecipientState {
    pub const ALL: [RecipientState; 8] = [
        RecipientState::Queued,
        RecipientState::Claimed,
        RecipientState::Sending,
        RecipientState::Sent,
        RecipientState::Unknown,
        RecipientState::Failed,
        RecipientState::Skipped,
        RecipientState::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecipientState::Queued => "queued",
            RecipientState::Claimed => "claimed",
            RecipientState::Sending => "sending",
            RecipientState::Sent => "sent",
            RecipientState::Unknown => "unknown",
            RecipientState::Failed => "failed",
            RecipientState::Skipped => "skipped",
            RecipientState::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            RecipientState::Queued => "Na fila",
            RecipientState::Claimed | RecipientState::Sending => "Enviando",
            RecipientState::Sent => "Enviada",
            RecipientState::Unknown => "Aguardando confirmação",
            RecipientState::Failed => "Falhou",
            RecipientState::Skipped => "Fora do envio",
            RecipientState::Cancelled => "Cancelada",
        }
    }
}

/// A campaign's figures: every recipient is in exactly one of the first eight; `delivered`,
/// `read`, `replied` and `opted_out` count the sent ones that got that far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CampaignCounts {
    pub total: i64,
    pub queued: i64,
    /// Claimed or being sent.
    pub sending: i64,
    pub sent: i64,
    pub unknown: i64,
    pub failed: i64,
    pub skipped: i64,
    pub cancelled: i64,
    pub delivered: i64,
    pub read: i64,
    pub replied: i64,
    pub opted_out: i64,
}

impl CampaignCounts {
    /// Recipients whose turn has come and gone (for the progress bar), in thousandths.
    pub fn progress_per_mille(&self) -> i64 {
        if self.total == 0 {
            return 1000;
        }
        let settled = self.total - self.queued - self.sending;
        settled * 1000 / self.total
    }

    /// Seconds left at `rate` messages per second, for the ETA.
    pub fn seconds_left(&self, rate: i64) -> i64 {
        let left = self.queued + self.sending;
        if rate <= 0 {
            return 0;
        }
        (left + rate - 1) / rate
    }
}

/// The purposes a contact consents to, one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Marketing,
    Utility,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Marketing => "marketing",
            Purpose::Utility => "utility",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "marketing" => Some(Purpose::Marketing),
            "utility" => Some(Purpose::Utility),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Purpose::Marketing => "Marketing",
            Purpose::Utility => "Avisos e cobranças",
        }
    }

    /// The purpose a template's category sends for (authentication counts as a notice).
    pub fn of_category(category: &str) -> Self {
        if category.eq_ignore_ascii_case("MARKETING") {
            Purpose::Marketing
        } else {
            Purpose::Utility
        }
    }
}

/// Why a recipient was left out, as the panel and the report say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NoConsent,
    Suppressed,
    EmptyVariable,
    Expired,
    FrequencyCap,
}

impl SkipReason {
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::NoConsent => "no_consent",
            SkipReason::Suppressed => "suppressed",
            SkipReason::EmptyVariable => "empty_variable",
            SkipReason::Expired => "expired",
            SkipReason::FrequencyCap => "frequency_cap",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoConsent => "Sem consentimento para marketing",
            SkipReason::Suppressed => "Pediu para não receber (lista de supressão)",
            SkipReason::EmptyVariable => "Variável em branco e sem valor padrão",
            SkipReason::Expired => "A campanha expirou antes do envio",
            SkipReason::FrequencyCap => "Limite de mensagens por contato atingido",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            SkipReason::NoConsent,
            SkipReason::Suppressed,
            SkipReason::EmptyVariable,
            SkipReason::Expired,
            SkipReason::FrequencyCap,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// The installation's campaign rules, in Configurações.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CampaignSettings {
    /// Unique recipients per rolling 24 h outside the service window (Meta's messaging limit
    /// of the business portfolio: 250, 2,000, 10,000, 100,000).
    pub messaging_limit: i64,
    /// What Meta charges per delivered template, in BRL.
    pub price_marketing_brl: f64,
    pub price_utility_brl: f64,
    pub window: super::quiet::SendWindow,
    pub opt_out: super::optout::OptOutWords,
    /// At most this many templates per contact in a rolling 24 h, campaigns and agents
    /// together (Blip's per-customer cap); 0: no cap. A recipient over it is left out.
    pub frequency_cap_24h: i64,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            messaging_limit: 2_000,
            // Meta's 2026-07 rates for Brazil (US$ 0.0625 and 0.0068) at about R$ 5.60.
            price_marketing_brl: 0.35,
            price_utility_brl: 0.04,
            window: Default::default(),
            opt_out: Default::default(),
            frequency_cap_24h: 2,
        }
    }
}

impl CampaignSettings {
    /// The estimated cost of `messages` templates of `category`, in BRL.
    pub fn cost_brl(&self, category: &str, messages: i64) -> f64 {
        let each = match Purpose::of_category(category) {
            Purpose::Marketing => self.price_marketing_brl,
            Purpose::Utility => self.price_utility_brl,
        };
        (each * messages as f64 * 100.0).round() / 100.0
    }

    /// Templates of `category` a daily budget pays for (whole messages); `None` when nothing
    /// is charged for them (a price of zero).
    pub fn messages_within(&self, budget_brl: f64, category: &str) -> Option<i64> {
        let each = match Purpose::of_category(category) {
            Purpose::Marketing => self.price_marketing_brl,
            Purpose::Utility => self.price_utility_brl,
        };
        if each <= 0.0 {
            return None;
        }
        // A cent's rounding must not lose a message: R$ 0,35 × 100 is 35,000000000000004.
        Some(((budget_brl / each) + 1e-9).floor().max(0.0) as i64)
    }

    /// Days a campaign of `audience` needs under the messaging limit (split automatically).
    pub fn days_needed(&self, audience: i64) -> i64 {
        if self.messaging_limit <= 0 {
            return 1;
        }
        ((audience + self.messaging_limit - 1) / self.messaging_limit).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignAction as A;
    use CampaignStatus as S;

    #[test]
    fn statuses_answer_in_portuguese_and_store_in_codes() {
        assert_eq!(serde_json::to_string(&S::Done).unwrap(), "\"concluída\"");
        assert_eq!(serde_json::to_string(&S::Draft).unwrap(), "\"rascunho\"");
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.label())
            );
        }
        for r in RecipientState::ALL {
            assert_eq!(RecipientState::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn pause_resume_and_cancel_work_at_any_moment_before_the_end() {
        assert_eq!(S::Draft.after(A::Start, false), Ok(S::Sending));
        assert_eq!(S::Draft.after(A::Start, true), Ok(S::Scheduled));
        assert_eq!(S::Scheduled.after(A::Pause, true), Ok(S::Paused));
        assert_eq!(S::Sending.after(A::Pause, false), Ok(S::Paused));
        assert_eq!(S::Paused.after(A::Resume, false), Ok(S::Sending));
        assert_eq!(S::Paused.after(A::Resume, true), Ok(S::Scheduled));
        for s in [S::Draft, S::Scheduled, S::Sending, S::Paused] {
            assert_eq!(s.after(A::Cancel, false), Ok(S::Cancelled));
        }
        assert_eq!(
            S::Done.after(A::Pause, false),
            Err("Não é possível pausar uma campanha concluída.".into())
        );
        assert!(S::Cancelled.after(A::Resume, false).is_err());
        assert!(S::Sending.after(A::Start, false).is_err());
    }

    #[test]
    fn progress_counts_every_recipient_whose_turn_has_passed() {
        let c = CampaignCounts {
            total: 200,
            queued: 50,
            sending: 10,
            sent: 120,
            failed: 10,
            skipped: 10,
            ..Default::default()
        };
        assert_eq!(c.progress_per_mille(), 700);
        assert_eq!(c.seconds_left(80), 1);
        assert_eq!(c.seconds_left(10), 6);
        assert_eq!(CampaignCounts::default().progress_per_mille(), 1000);
    }

    #[test]
    fn the_preflight_estimates_cost_and_days() {
        let s = CampaignSettings::default();
        assert_eq!(s.cost_brl("MARKETING", 1000), 350.0);
        assert_eq!(s.cost_brl("UTILITY", 3), 0.12);
        assert_eq!(s.days_needed(2_000), 1);
        assert_eq!(s.days_needed(2_001), 2);
        assert_eq!(s.days_needed(0), 1);
    }

    #[test]
    fn a_daily_budget_pays_for_whole_messages_of_its_category() {
        let s = CampaignSettings::default();
        assert_eq!(s.messages_within(0.08, "UTILITY"), Some(2));
        assert_eq!(s.messages_within(0.11, "UTILITY"), Some(2));
        assert_eq!(s.messages_within(35.0, "MARKETING"), Some(100));
        assert_eq!(s.messages_within(0.30, "MARKETING"), Some(0));
        let free = CampaignSettings {
            price_utility_brl: 0.0,
            ..Default::default()
        };
        assert_eq!(free.messages_within(1.0, "UTILITY"), None);
    }

    #[test]
    fn a_marketing_template_needs_marketing_consent() {
        assert_eq!(Purpose::of_category("MARKETING"), Purpose::Marketing);
        assert_eq!(Purpose::of_category("UTILITY"), Purpose::Utility);
        assert_eq!(Purpose::of_category("AUTHENTICATION"), Purpose::Utility);
    }
}
