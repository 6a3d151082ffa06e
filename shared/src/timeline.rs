//! The open conversation's messages as the agent sees them, reconciled from sources that race:
//! the full load, the catch-up after a live "message" event, the answer to the agent's own send,
//! older pages, and delivery ticks that can arrive before the message they are about.
//!
//! A plain struct, so the inbox's reconciliation is tested natively; the page keeps one in a
//! signal and draws [`Timeline::messages`].

use crate::dto::MessageView;
use crate::messaging::DeliveryStatus;
use crate::MessageId;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Timeline {
    messages: Vec<MessageView>,
    /// The most advanced tick seen per message, kept for messages not loaded yet.
    ticks: BTreeMap<MessageId, DeliveryStatus>,
}

impl Timeline {
    pub fn messages(&self) -> &[MessageView] {
        &self.messages
    }

    /// The newest stored message's sequence number (0 when empty): where a catch-up starts.
    pub fn last_seq(&self) -> i64 {
        self.messages.iter().map(|m| m.seq).max().unwrap_or(0)
    }

    /// The oldest loaded message's sequence number: where an older page ends.
    pub fn first_seq(&self) -> i64 {
        self.messages.first().map(|m| m.seq).unwrap_or(i64::MAX)
    }

    /// A full load replaces the messages; ticks already seen still apply.
    pub fn replace(&mut self, fresh: Vec<MessageView>) {
        self.messages = fresh;
        self.apply_ticks();
    }

    /// New or changed messages (a catch-up, the answer to a send): each replaces its earlier
    /// copy or is appended, never duplicated.
    pub fn merge(&mut self, new: Vec<MessageView>) {
        for m in new {
            match self.messages.iter_mut().find(|x| x.id == m.id) {
                Some(existing) => *existing = m,
                None => self.messages.push(m),
            }
        }
        self.apply_ticks();
    }

    /// An older page goes in front.
    pub fn prepend(&mut self, older: Vec<MessageView>) {
        let mut all: Vec<MessageView> = older
            .into_iter()
            .filter(|m| !self.messages.iter().any(|x| x.id == m.id))
            .collect();
        all.append(&mut self.messages);
        self.messages = all;
        self.apply_ticks();
    }

    /// A delivery tick from the live feed: moves a message forward, never backward, and is kept
    /// for a message that has not arrived yet.
    pub fn tick(&mut self, message: MessageId, status: DeliveryStatus) {
        let known = self.ticks.entry(message).or_insert(status);
        if known.rank() < status.rank() {
            *known = status;
        }
        self.apply_ticks();
    }

    fn apply_ticks(&mut self) {
        for m in self.messages.iter_mut() {
            if let Some(s) = self.ticks.get(&m.id) {
                if m.status.is_none_or(|current| current.rank() < s.rank()) {
                    m.status = Some(*s);
                }
            }
        }
    }
}

/// For each message (in order), whether it came on another channel than the message before it:
/// where a conversation moved between channels, the inbox shows the new channel there, and only
/// there (the header shows where it started).
pub fn channel_changes(messages: &[MessageView]) -> Vec<bool> {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| i > 0 && messages[i - 1].channel_kind != m.channel_kind)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::{Author, ChannelKind, Direction, MessageKind};
    use crate::{ConversationId, MessageId};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn message(n: u128, seq: i64, status: Option<DeliveryStatus>) -> MessageView {
        MessageView {
            id: MessageId(Uuid::from_u128(n)),
            seq,
            conversation_id: ConversationId(Uuid::from_u128(1)),
            channel_kind: ChannelKind::Whatsapp,
            direction: Direction::Outbound,
            author: Author::Agent,
            author_user_id: None,
            kind: MessageKind::Text,
            text: Some(format!("mensagem {n}")),
            content: serde_json::Value::Null,
            provider_message_id: None,
            status,
            error_code: None,
            error_title: None,
            author_name: None,
            created_at: Utc.timestamp_opt(1_700_000_000 + seq, 0).unwrap(),
        }
    }

    fn ids(t: &Timeline) -> Vec<i64> {
        t.messages().iter().map(|m| m.seq).collect()
    }

    #[test]
    fn the_channel_is_marked_only_where_it_changes() {
        let mut ms: Vec<MessageView> = (1..=4).map(|n| message(n, n as i64, None)).collect();
        ms[2].channel_kind = ChannelKind::Webchat;
        ms[3].channel_kind = ChannelKind::Webchat;
        assert_eq!(channel_changes(&ms), [false, false, true, false]);
        assert!(channel_changes(&[]).is_empty());
    }

    #[test]
    fn a_tick_before_its_message_applies_when_the_message_arrives() {
        let mut t = Timeline::default();
        t.tick(MessageId(Uuid::from_u128(7)), DeliveryStatus::Delivered);
        t.merge(vec![message(7, 1, Some(DeliveryStatus::Queued))]);
        assert_eq!(t.messages()[0].status, Some(DeliveryStatus::Delivered));
    }

    #[test]
    fn ticks_never_go_backward() {
        let mut t = Timeline::default();
        t.merge(vec![message(7, 1, Some(DeliveryStatus::Read))]);
        t.tick(MessageId(Uuid::from_u128(7)), DeliveryStatus::Sent);
        assert_eq!(t.messages()[0].status, Some(DeliveryStatus::Read));
        // A later full load that read an older status keeps the tick already seen.
        let mut t = Timeline::default();
        t.tick(MessageId(Uuid::from_u128(7)), DeliveryStatus::Read);
        t.tick(MessageId(Uuid::from_u128(7)), DeliveryStatus::Delivered);
        t.replace(vec![message(7, 1, Some(DeliveryStatus::Sent))]);
        assert_eq!(t.messages()[0].status, Some(DeliveryStatus::Read));
    }

    #[test]
    fn the_answer_to_a_send_and_the_live_catch_up_give_one_bubble() {
        let mut t = Timeline::default();
        t.replace(vec![message(1, 1, None)]);
        t.merge(vec![message(2, 2, Some(DeliveryStatus::Queued))]);
        t.merge(vec![
            message(2, 2, Some(DeliveryStatus::Sent)),
            message(3, 3, None),
        ]);
        assert_eq!(ids(&t), vec![1, 2, 3]);
        assert_eq!(t.messages()[1].status, Some(DeliveryStatus::Sent));
        assert_eq!(t.last_seq(), 3);
    }

    #[test]
    fn older_pages_go_in_front_without_repeats() {
        let mut t = Timeline::default();
        assert_eq!(t.first_seq(), i64::MAX);
        assert_eq!(t.last_seq(), 0);
        t.replace(vec![message(3, 3, None), message(4, 4, None)]);
        t.prepend(vec![
            message(1, 1, None),
            message(2, 2, None),
            message(3, 3, None),
        ]);
        assert_eq!(ids(&t), vec![1, 2, 3, 4]);
        assert_eq!(t.first_seq(), 1);
    }
}
