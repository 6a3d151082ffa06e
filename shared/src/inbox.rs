//! The agent inbox: the list's query and rows, the conversation view, the actions an agent takes
//! and the live events the browser receives over its websocket.

use crate::dto::{ContactIdentityView, MessageView};
use crate::messaging::{Author, ChannelKind, ConversationEventKind, ConversationStatus};
use crate::{Availability, ChannelId, ContactId, ConversationId, MessageId, TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The list's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InboxTab {
    /// Assigned to me, not resolved.
    #[default]
    Mine,
    /// Waiting, unassigned, in the queues of my teams.
    Queue,
    /// Every conversation of my teams.
    Team,
    /// Every conversation (supervisors and administrators).
    All,
}

impl InboxTab {
    pub const ALL: [InboxTab; 4] = [
        InboxTab::Mine,
        InboxTab::Queue,
        InboxTab::Team,
        InboxTab::All,
    ];

    pub fn label(self) -> &'static str {
        match self {
            InboxTab::Mine => "Minhas",
            InboxTab::Queue => "Fila",
            InboxTab::Team => "Equipe",
            InboxTab::All => "Todas",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            InboxTab::Mine => "minhas",
            InboxTab::Queue => "fila",
            InboxTab::Team => "equipe",
            InboxTab::All => "todas",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Where the next page starts: the list is sorted by last activity, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCursor {
    pub last_message_at: DateTime<Utc>,
    pub id: ConversationId,
}

/// Largest page the server returns.
pub const MAX_PAGE: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InboxQuery {
    pub tab: InboxTab,
    /// `None`: every status except resolved (or, with a search, every status).
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    #[serde(default)]
    pub channel: Option<ChannelKind>,
    #[serde(default)]
    pub team: Option<TeamId>,
    /// Contact name, phone, CPF or words of a message.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub after: Option<InboxCursor>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxRow {
    pub id: ConversationId,
    pub contact_id: ContactId,
    pub contact_name: Option<String>,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub status: ConversationStatus,
    pub unread: i32,
    pub preview: Option<String>,
    pub preview_author: Option<Author>,
    pub last_message_at: DateTime<Utc>,
    /// When the customer started waiting for an answer; `None` once answered.
    pub waiting_since: Option<DateTime<Utc>>,
    pub last_customer_message_at: Option<DateTime<Utc>>,
}

impl InboxRow {
    pub fn display_name(&self) -> String {
        self.contact_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Contato sem nome".into())
    }
}

/// How many conversations each tab holds (not resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TabCounts {
    pub mine: i64,
    pub queue: i64,
    pub unread_mine: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    pub next: Option<InboxCursor>,
    pub counts: TabCounts,
}

/// Something that happened to a conversation, shown in its timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationEventView {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub kind: ConversationEventKind,
    pub actor: Author,
    pub actor_name: Option<String>,
    /// A pt-BR sentence: "Transferida por Ana para a equipe Financeiro".
    pub text: String,
    /// The note a transfer carries for whoever receives it.
    pub note: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// The contact as the side panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPanel {
    pub id: ContactId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Formatted, and masked (`***.456.789-**`) for who must reveal it.
    pub cpf: Option<String>,
    pub cpf_masked: bool,
    pub attributes: BTreeMap<String, String>,
    /// `cliente-vip`…, sorted; campaigns filter contacts by them.
    #[serde(default)]
    pub tags: Vec<String>,
    pub identities: Vec<ContactIdentityView>,
    pub conversations: Vec<PastConversation>,
    /// The standing consent per channel and purpose (LGPD), and whether the number is on the
    /// suppression list.
    pub consents: Vec<crate::campaign::report::ConsentView>,
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastConversation {
    pub id: ConversationId,
    pub channel_kind: ChannelKind,
    pub status: ConversationStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// An approved WhatsApp template the composer offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub name: String,
    pub language: String,
    pub category: String,
    pub body: String,
    pub parameter_count: u32,
}

impl TemplateView {
    /// The body with `{{n}}` replaced by the given values (missing ones stay as placeholders).
    pub fn render(&self, values: &[String]) -> String {
        let mut out = self.body.clone();
        for (i, v) in values.iter().enumerate() {
            if !v.is_empty() {
                out = out.replace(&format!("{{{{{}}}}}", i + 1), v);
            }
        }
        out
    }
}

/// What the composer may send now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComposerState {
    /// Free text is allowed (the 24-hour window is open, or the channel has none).
    pub window_open: bool,
    pub window_closes_at: Option<DateTime<Utc>>,
    /// Why free text is not allowed, in pt-BR.
    pub notice: Option<String>,
    /// Approved templates of the channel, offered when the window is closed.
    pub templates: Vec<TemplateView>,
}

/// Another channel the contact can be reached on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelOption {
    pub channel_id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
}

/// The conversation view: header, the contact's history across channels, timeline events, the
/// composer's state and the contact panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    pub row: InboxRow,
    pub messages: Vec<MessageView>,
    /// Older messages exist before the first one here.
    pub has_earlier: bool,
    pub events: Vec<ConversationEventView>,
    pub composer: ComposerState,
    pub contact: ContactPanel,
    pub other_channels: Vec<ChannelOption>,
    /// What the viewer may do here.
    pub can_reply: bool,
    pub can_assign_others: bool,
}

/// An agent a conversation can go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentOption {
    pub id: UserId,
    pub name: String,
    pub availability: Availability,
    pub load: i64,
    pub capacity: i32,
    pub teams: Vec<TeamId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOption {
    pub id: TeamId,
    pub name: String,
    pub auto_assign: bool,
    pub waiting: i64,
}

/// Where a transfer sends a conversation: a team's queue, or an agent (optionally in a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferInput {
    pub conversation: ConversationId,
    pub team: Option<TeamId>,
    pub agent: Option<UserId>,
    /// Shown to whoever receives it.
    pub note: Option<String>,
}

/// A reply with `/atalho`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponse {
    pub id: uuid::Uuid,
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

/// The live feed's messages, server to browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxEvent {
    /// Sent first: the cursors to resume from after a reconnect.
    Hello { seq: i64, event_id: i64 },
    Message {
        conversation_id: ConversationId,
        message_id: MessageId,
        seq: i64,
        /// A customer wrote it (the browser notifies its assignee).
        inbound: bool,
        assignee_id: Option<UserId>,
    },
    Status {
        conversation_id: ConversationId,
        message_id: MessageId,
        status: crate::messaging::DeliveryStatus,
    },
    Conversation {
        conversation_id: ConversationId,
        event_id: i64,
        kind: ConversationEventKind,
        assignee_id: Option<UserId>,
        /// Whether it now waits in a queue for an agent (not with the bot, not with a person).
        #[serde(default)]
        waiting: bool,
    },
    /// Someone is typing in, or looking at, a conversation.
    Presence {
        conversation_id: ConversationId,
        user_id: UserId,
        name: String,
        typing: bool,
    },
    /// Too much was missed to replay: reload the list and the open conversation.
    Resync,
}

/// Browser to server over the live feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxClientMessage {
    /// "I am looking at (or typing in) this conversation."
    Presence {
        conversation_id: ConversationId,
        typing: bool,
    },
}

/// Masks a CPF's digits for who may not see it: `***.456.789-**`.
pub fn mask_cpf(digits: &str) -> String {
    if digits.len() != 11 {
        return "***".into();
    }
    format!("***.{}.{}-**", &digits[3..6], &digits[6..9])
}

/// `12345678909` → `123.456.789-09`.
pub fn format_cpf(digits: &str) -> String {
    if digits.len() != 11 {
        return digits.to_owned();
    }
    format!(
        "{}.{}.{}-{}",
        &digits[0..3],
        &digits[3..6],
        &digits[6..9],
        &digits[9..11]
    )
}

/// Who may see a conversation, the one rule the list, the live feed and every action's check
/// share: a viewer with "see all"; the assignee; a member of the conversation's team; and, for
/// a conversation with neither team nor assignee, anyone who sees conversations at all (see
/// docs/permissions.md). SQL that filters by visibility is tested against this function.
pub fn visible(
    can_see_all: bool,
    user: UserId,
    teams: &[TeamId],
    team: Option<TeamId>,
    assignee: Option<UserId>,
) -> bool {
    can_see_all
        || assignee == Some(user)
        || match team {
            Some(t) => teams.contains(&t),
            None => assignee.is_none(),
        }
}

/// Work that reached an agent, worth a sound and a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewWork {
    /// A conversation was assigned (or transferred) to me.
    AssignedToMe,
    /// A conversation entered a queue I see (handed over by the bot, transferred to a team,
    /// given back by an agent).
    EnteredQueue,
}

impl NewWork {
    /// The notification's title.
    pub fn title(self) -> &'static str {
        match self {
            NewWork::AssignedToMe => "Conversa atribuída a você",
            NewWork::EnteredQueue => "Nova conversa na fila",
        }
    }
}

/// What a conversation event means for `me`, from the live feed (which only brings the events
/// of conversations I may see). `waiting`: the conversation now waits in a queue, as one a
/// customer opens (or reopens) on a channel without a bot does.
pub fn new_work(
    kind: ConversationEventKind,
    assignee: Option<UserId>,
    waiting: bool,
    me: UserId,
) -> Option<NewWork> {
    use ConversationEventKind as K;
    match (kind, assignee) {
        (K::Assigned | K::Transferred, Some(a)) if a == me => Some(NewWork::AssignedToMe),
        (K::Transferred | K::Unassigned, None) => Some(NewWork::EnteredQueue),
        (K::Created | K::Reopened, None) if waiting => Some(NewWork::EnteredQueue),
        _ => None,
    }
}

/// Of the `queue` conversations the Fila tab counts (for a viewer who sees every queue), those
/// in no team's queue: what the teams' automatic distribution does not reach.
pub fn teamless_waiting(queue: i64, teams: &[TeamOption]) -> i64 {
    (queue - teams.iter().map(|t| t.waiting).sum::<i64>()).max(0)
}

/// How long ago, as the list writes it: "agora", "5 min", "2 h", "3 d".
pub fn elapsed(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        0..=59 => "agora".into(),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// A customer waiting for an answer: "Aguardando agora", "Aguardando há 3 min".
pub fn waiting_text(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match elapsed(since, now).as_str() {
        "agora" => "Aguardando agora".into(),
        e => format!("Aguardando há {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn new_work_is_what_was_assigned_to_me_or_entered_a_queue() {
        use ConversationEventKind as K;
        let me = UserId(Uuid::from_u128(1));
        let other = UserId(Uuid::from_u128(2));
        assert_eq!(
            new_work(K::Assigned, Some(me), false, me),
            Some(NewWork::AssignedToMe)
        );
        assert_eq!(
            new_work(K::Transferred, Some(me), false, me),
            Some(NewWork::AssignedToMe)
        );
        assert_eq!(
            new_work(K::Transferred, None, false, me),
            Some(NewWork::EnteredQueue)
        );
        assert_eq!(
            new_work(K::Unassigned, None, false, me),
            Some(NewWork::EnteredQueue)
        );
        assert_eq!(new_work(K::Assigned, Some(other), false, me), None);
        assert_eq!(new_work(K::Resolved, Some(me), false, me), None);
        assert_eq!(new_work(K::Identified, None, false, me), None);
        // Opened straight into a queue (no bot), or reopened into it: new work; with the bot,
        // not yet.
        assert_eq!(
            new_work(K::Created, None, true, me),
            Some(NewWork::EnteredQueue)
        );
        assert_eq!(
            new_work(K::Reopened, None, true, me),
            Some(NewWork::EnteredQueue)
        );
        assert_eq!(new_work(K::Created, None, false, me), None);
    }

    #[test]
    fn the_queue_is_the_teams_queues_and_the_teamless_ones() {
        let team = |waiting| TeamOption {
            id: TeamId(Uuid::from_u128(waiting as u128)),
            name: "Equipe".into(),
            auto_assign: true,
            waiting,
        };
        assert_eq!(teamless_waiting(7, &[team(3), team(2)]), 2);
        assert_eq!(teamless_waiting(5, &[team(3), team(2)]), 0);
        assert_eq!(
            teamless_waiting(4, &[team(3), team(2)]),
            0,
            "never negative"
        );
        assert_eq!(teamless_waiting(1, &[]), 1);
    }

    #[test]
    fn waiting_reads_as_a_person_writes_it() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ago = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(waiting_text(ago(10), now), "Aguardando agora");
        assert_eq!(waiting_text(ago(185), now), "Aguardando há 3 min");
        assert_eq!(waiting_text(ago(7300), now), "Aguardando há 2 h");
        assert_eq!(elapsed(ago(-30), now), "agora", "a clock ahead is now");
    }

    #[test]
    fn visibility_follows_assignment_and_teams() {
        let me = UserId(Uuid::from_u128(1));
        let other = UserId(Uuid::from_u128(2));
        let mine = TeamId(Uuid::from_u128(3));
        let theirs = TeamId(Uuid::from_u128(4));
        assert!(visible(false, me, &[mine], Some(theirs), Some(me)));
        assert!(visible(false, me, &[mine], Some(mine), Some(other)));
        assert!(!visible(false, me, &[mine], Some(theirs), Some(other)));
        assert!(!visible(false, me, &[mine], Some(theirs), None));
        assert!(visible(false, me, &[], None, None));
        assert!(!visible(false, me, &[], None, Some(other)));
        assert!(visible(true, me, &[], Some(theirs), Some(other)));
    }

    #[test]
    fn cpf_is_masked_except_the_middle() {
        assert_eq!(mask_cpf("12345678909"), "***.456.789-**");
        assert_eq!(format_cpf("12345678909"), "123.456.789-09");
        assert_eq!(mask_cpf("123"), "***");
    }

    #[test]
    fn template_fills_its_parameters() {
        let t = TemplateView {
            name: "fatura".into(),
            language: "pt_BR".into(),
            category: "UTILITY".into(),
            body: "Olá {{1}}, sua fatura de {{2}} vence amanhã.".into(),
            parameter_count: 2,
        };
        assert_eq!(
            t.render(&["Ana".into(), "R$ 10,00".into()]),
            "Olá Ana, sua fatura de R$ 10,00 vence amanhã."
        );
        assert_eq!(
            t.render(&["Ana".into()]),
            "Olá Ana, sua fatura de {{2}} vence amanhã."
        );
    }

    #[test]
    fn tab_codes_round_trip() {
        for t in InboxTab::ALL {
            assert_eq!(InboxTab::from_code(t.code()), Some(t));
        }
    }

    #[test]
    fn live_events_have_a_stable_wire_format() {
        let e = InboxEvent::Hello {
            seq: 3,
            event_id: 4,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"type":"hello","seq":3,"event_id":4}"#
        );
    }
}

/// Platform-wide inbox rules, in Configurações.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSettings {
    /// A customer message within this many minutes of resolving reopens the conversation;
    /// later, it starts a new one.
    pub reopen_window_minutes: u32,
    /// An agent offline for this long gives their unanswered conversations back to the queue.
    pub offline_grace_minutes: u32,
}

impl Default for InboxSettings {
    fn default() -> Self {
        Self {
            reopen_window_minutes: 24 * 60,
            offline_grace_minutes: 5,
        }
    }
}

impl InboxSettings {
    pub fn reopen_window(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.reopen_window_minutes) * 60)
    }

    pub fn offline_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.offline_grace_minutes) * 60)
    }
}
