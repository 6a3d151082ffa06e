//! Signals that wake this instance's background loops as soon as there is work. Lower layers
//! (storing a message, a conversation entering a queue) raise them; the loops that own the work
//! (the outbox, the webhook processor, distribution, the bot) wait on them. So the code that
//! stores a message never calls into the bot or distribution.

use shared::ConversationId;
use std::sync::Mutex;
use tokio::sync::Notify;
use tokio::sync::{mpsc, watch};

pub struct Wakers {
    pub outbox: Notify,
    pub webhooks: Notify,
    pub distribution: Notify,
    bot: mpsc::UnboundedSender<ConversationId>,
    bot_inbox: Mutex<Option<mpsc::UnboundedReceiver<ConversationId>>>,
    /// Bot runs asked for and not finished yet, on this instance.
    bot_in_flight: watch::Sender<usize>,
}

impl Default for Wakers {
    fn default() -> Self {
        let (bot, inbox) = mpsc::unbounded_channel();
        Self {
            outbox: Notify::new(),
            webhooks: Notify::new(),
            distribution: Notify::new(),
            bot,
            bot_inbox: Mutex::new(Some(inbox)),
            bot_in_flight: watch::Sender::new(0),
        }
    }
}

impl std::fmt::Debug for Wakers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wakers").finish_non_exhaustive()
    }
}

impl Wakers {
    /// A conversation entered or changed a queue: distribution should look now.
    pub fn distribute_soon(&self) {
        self.distribution.notify_one();
    }

    /// A conversation with the bot has a message the bot has not read.
    pub fn wake_bot(&self, conversation: ConversationId) {
        self.bot_in_flight.send_modify(|n| *n += 1);
        // Fails only when the bot's loop is gone (shutting down): the sweep picks it up later.
        if self.bot.send(conversation).is_err() {
            self.bot_run_finished();
        }
    }

    /// Called by the bot when a run asked for by [`Wakers::wake_bot`] is over.
    pub fn bot_run_finished(&self) {
        self.bot_in_flight.send_modify(|n| *n = n.saturating_sub(1));
    }

    /// Resolves when every bot run asked for on this instance has finished: the signal that
    /// the bot is done with what it was given (tests wait on it rather than sleeping).
    pub async fn bot_idle(&self) {
        let mut in_flight = self.bot_in_flight.subscribe();
        let _ = in_flight.wait_for(|n| *n == 0).await;
    }

    /// The bot's side of [`Wakers::wake_bot`]; only the first caller gets it.
    pub fn take_bot_inbox(&self) -> Option<mpsc::UnboundedReceiver<ConversationId>> {
        self.bot_inbox.lock().ok()?.take()
    }
}
