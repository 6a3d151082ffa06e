//! What the flow builder's pages exchange with the server: the list at `/fluxos`, the flow open
//! on the canvas, and the outcome of its saves.

use super::Flow;
use crate::messaging::ChannelKind;
use crate::ChannelId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of `/fluxos`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSummary {
    pub key: String,
    pub name: String,
    /// The version the bot runs.
    pub published_version: i32,
    /// The draft differs from the published version.
    pub unpublished_changes: bool,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    pub archived: bool,
    pub blocks: usize,
}

/// A channel and the flow that answers its new conversations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelFlow {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub flow: Option<String>,
}

/// `/fluxos`: the flows, the channels and the templates a new flow may start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowsOverview {
    pub flows: Vec<FlowSummary>,
    pub channels: Vec<ChannelFlow>,
    /// (code, name, description).
    pub templates: Vec<(String, String, String)>,
}

/// The flow open on the canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDocument {
    pub key: String,
    pub draft: Flow,
    /// What a save must carry (a save on an older one is refused).
    pub revision: i32,
    pub published_version: i32,
    pub unpublished_changes: bool,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    /// The other flows' keys and names, for "Ir para outro fluxo" and the validator.
    pub other_flows: Vec<(String, String)>,
    /// Team names, for "Transferir para atendente".
    pub teams: Vec<String>,
    /// Whether the one reading may change it (supervisors only look).
    pub editable: bool,
}

/// Phone numbers (E.164) whose conversations on the real channels run the flows' drafts, so
/// an administrator tries a change on their own phone before publishing it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestContacts {
    pub phones: Vec<String>,
}

impl TestContacts {
    pub const MAX: usize = 50;

    /// The numbers typed one per line (or separated by commas or semicolons), each checked,
    /// repeated ones once; the first one that is not a phone number is the error.
    pub fn parse(typed: &str) -> Result<Self, String> {
        let mut phones: Vec<String> = Vec::new();
        for raw in typed
            .split(['\n', ',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let phone = crate::values::Phone::parse(raw).map_err(|_| raw.to_owned())?;
            if !phones.iter().any(|p| p == phone.as_str()) {
                phones.push(phone.as_str().to_owned());
            }
        }
        Ok(Self { phones })
    }

    /// Whether a contact's phone (in any of the forms [`crate::values::Phone`] accepts) is one.
    pub fn includes(&self, phone: &str) -> bool {
        crate::values::Phone::parse(phone)
            .is_ok_and(|p| self.phones.iter().any(|t| t == p.as_str()))
    }
}

/// One published version in the history panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i32,
    pub note: String,
    pub published_at: DateTime<Utc>,
    pub author: Option<String>,
}

/// A flow key made from a name: "Pesquisa de satisfação" → `pesquisa-de-satisfacao`.
pub fn key_from_name(name: &str) -> String {
    let folded = super::text::normalize(name);
    let mut key = String::new();
    for c in folded.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            key.push(c);
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
        if key.len() >= 56 {
            break;
        }
    }
    let key = key.trim_end_matches('-').to_owned();
    if key.is_empty() {
        "fluxo".into()
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::{key_from_name, TestContacts};

    #[test]
    fn test_contacts_are_phone_numbers_typed_in_any_usual_form() {
        let t = TestContacts::parse("(11) 99999-0001\n+55 21 98888-0002, 11999990001\n\n").unwrap();
        assert_eq!(t.phones, ["+5511999990001", "+5521988880002"]);
        assert!(t.includes("+5511999990001"));
        assert!(t.includes("11 99999-0001"));
        assert!(!t.includes("+5511999990009"));
        assert!(!t.includes("não é telefone"));
        assert_eq!(
            TestContacts::parse("1199999 e mais").unwrap_err(),
            "1199999 e mais"
        );
    }

    #[test]
    fn keys_are_made_from_names_without_accents_or_symbols() {
        assert_eq!(
            key_from_name("Pesquisa de satisfação (CSAT)"),
            "pesquisa-de-satisfacao-csat"
        );
        assert_eq!(key_from_name("  Fora do horário!! "), "fora-do-horario");
        assert_eq!(key_from_name("***"), "fluxo");
        assert!(key_from_name(&"a".repeat(200)).len() <= 64);
    }
}

/// One turn of "Testar": the draft run on the server's engine, as the channels run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRequest {
    pub key: String,
    /// The draft as it is on the canvas now (saved or not).
    pub draft: Flow,
    /// Where the test is (none: a new conversation).
    pub state: Option<super::engine::BotState>,
    pub text: String,
    /// The option chosen, for a button or list reply.
    pub choice: Option<String>,
    /// Start a new test at this block instead of the flow's start.
    pub start_at: Option<super::NodeId>,
    /// Canned answers by ERP operation code (`find_customer`…): used instead of the connector.
    pub canned: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A call the test made, as the trace shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCall {
    /// "Buscar cliente por CPF", "GET https://…".
    pub what: String,
    pub request: serde_json::Value,
    pub answer: serde_json::Value,
    pub ok: bool,
    pub ms: u64,
    /// Answered by a canned answer, not the connector.
    pub canned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestTurn {
    pub state: super::engine::BotState,
    /// What the bot said, in order.
    pub replies: Vec<super::Content>,
    pub calls: Vec<TestCall>,
    /// How the conversation left the bot, if it did ("Transferida para …", "Encerrada").
    pub finished: Option<String>,
}
