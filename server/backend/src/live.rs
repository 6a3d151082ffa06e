//! Live events. Every change a browser should see at once (a message stored, a delivery tick) is
//! published on one Redis pub/sub channel; each instance subscribes once and fans the events out
//! to its open connections. So a message received by one instance reaches a browser connected
//! to another.
//!
//! Pub/sub is fire-and-forget: a client that was disconnected catches up from PostgreSQL with
//! the message `seq` cursor, so nothing depends on an event being delivered.

use serde::{Deserialize, Serialize};
use shared::messaging::{ConversationEventKind, DeliveryStatus};
use shared::{ChannelId, ConversationId, MessageId, TeamId, UserId};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    MessageCreated {
        conversation_id: ConversationId,
        channel_id: ChannelId,
        message_id: MessageId,
        seq: i64,
        /// Where the conversation is, so each connection decides whether its user sees it.
        #[serde(default)]
        team_id: Option<TeamId>,
        #[serde(default)]
        assignee_id: Option<UserId>,
        #[serde(default)]
        inbound: bool,
    },
    MessageStatus {
        conversation_id: ConversationId,
        message_id: MessageId,
        status: DeliveryStatus,
    },
    /// Assigned, transferred, resolved, reopened…: a row of `conversation_events`.
    ConversationChanged {
        conversation_id: ConversationId,
        event_id: i64,
        kind: ConversationEventKind,
        team_id: Option<TeamId>,
        assignee_id: Option<UserId>,
        /// Who had it before (a transfer away must reach them too).
        previous_assignee_id: Option<UserId>,
        /// Whether it now waits in a queue for an agent.
        #[serde(default)]
        waiting: bool,
    },
    /// An agent looks at or types in a conversation. Never stored.
    Presence {
        conversation_id: ConversationId,
        user_id: UserId,
        name: String,
        typing: bool,
    },
}

/// This instance's end of the bus.
#[derive(Debug, Clone)]
pub struct LiveBus {
    local: broadcast::Sender<LiveEvent>,
    topic: String,
}

impl LiveBus {
    pub fn new(namespace: &str) -> Self {
        let (local, _) = broadcast::channel(4096);
        Self {
            local,
            topic: format!("{namespace}:live"),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.local.subscribe()
    }

    /// Publishes to every instance (this one included, through its own subscription). A failure
    /// is logged, not returned: the data is already in PostgreSQL and clients catch up.
    pub async fn publish(&self, redis: &redis::aio::ConnectionManager, event: &LiveEvent) {
        let Ok(payload) = serde_json::to_string(event) else {
            return;
        };
        let mut conn = redis.clone();
        let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&self.topic)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "live event not published; clients will catch up");
        }
    }

    /// Publishes many events in one round trip (a pipeline), in their order: a batch of status
    /// moves must not wait for a reply per event.
    pub async fn publish_all(&self, redis: &redis::aio::ConnectionManager, events: &[LiveEvent]) {
        if events.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for event in events {
            if let Ok(payload) = serde_json::to_string(event) {
                pipe.cmd("PUBLISH").arg(&self.topic).arg(payload).ignore();
            }
        }
        let mut conn = redis.clone();
        let result: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "live events not published; clients will catch up");
        }
    }

    /// Subscribes to the topic and forwards events to local receivers until `shutdown`,
    /// reconnecting after failures.
    pub async fn run(self, redis_url: String, shutdown: CancellationToken) {
        use futures::StreamExt;
        let mut backoff = Duration::from_millis(200);
        while !shutdown.is_cancelled() {
            let connected = async {
                let client = redis::Client::open(redis_url.as_str())?;
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(&self.topic).await?;
                Ok::<_, redis::RedisError>(pubsub)
            }
            .await;
            match connected {
                Ok(mut pubsub) => {
                    backoff = Duration::from_millis(200);
                    let mut stream = pubsub.on_message();
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            msg = stream.next() => {
                                let Some(msg) = msg else { break };
                                let Ok(payload) = msg.get_payload::<String>() else { continue };
                                match serde_json::from_str::<LiveEvent>(&payload) {
                                    Ok(event) => { let _ = self.local.send(event); }
                                    Err(e) => tracing::warn!(error = %e, "unreadable live event"),
                                }
                            }
                        }
                    }
                    tracing::warn!("live events subscription ended; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "live events: Redis unavailable"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }
}
