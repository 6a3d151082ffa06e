//! The browser's end of the inbox live feed: one websocket to `/ws/inbox`, reconnected with
//! backoff and resumed from the last cursors the server gave, so nothing is missed. Pages read
//! the latest event from the context; the feed also announces new customer messages in my
//! conversations with a notification and a short tone.

use leptos::prelude::*;
use shared::inbox::{InboxClientMessage, InboxEvent};

/// What pages read from the feed.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    /// Every event as it arrives (pages react to the ones they care about).
    pub last: ReadSignal<Option<(u64, InboxEvent)>>,
    /// Whether the socket is up.
    pub connected: ReadSignal<bool>,
    /// The socket's sender. Browser only: a thread-local value must not exist in server
    /// rendering, where the multi-threaded runtime may drop it on another thread.
    #[cfg(feature = "hydrate")]
    outbox: StoredValue<Option<SendFn>, LocalStorage>,
}

#[cfg(feature = "hydrate")]
type SendFn = std::rc::Rc<dyn Fn(String)>;

impl LiveFeed {
    /// Tells the server which conversation this tab shows, and whether its user is typing.
    pub fn presence(&self, conversation_id: shared::ConversationId, typing: bool) {
        let message = InboxClientMessage::Presence {
            conversation_id,
            typing,
        };
        #[cfg(feature = "hydrate")]
        {
            if let (Some(send), Ok(text)) =
                (self.outbox.get_value(), serde_json::to_string(&message))
            {
                send(text);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = message;
        }
    }
}

pub fn use_live_feed() -> Option<LiveFeed> {
    use_context::<LiveFeed>()
}

/// Opens the feed for this page (in the browser only) and provides it to the page's children.
pub fn provide_live_feed() -> LiveFeed {
    let (last, set_last) = signal(None::<(u64, InboxEvent)>);
    let (connected, set_connected) = signal(false);
    #[cfg(feature = "hydrate")]
    let outbox = StoredValue::new_local(None::<SendFn>);
    let feed = LiveFeed {
        last,
        connected,
        #[cfg(feature = "hydrate")]
        outbox,
    };
    provide_context(feed);
    #[cfg(feature = "hydrate")]
    browser::start(set_last, set_connected, outbox);
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_last, set_connected);
    feed
}

/// Asks once for permission to show notifications (browsers want a user gesture for it).
pub fn ask_notification_permission() {
    #[cfg(feature = "hydrate")]
    browser::ask_permission();
}

/// Where the agent's "silenciar" choice is kept, per browser.
#[cfg(feature = "hydrate")]
const MUTED_KEY: &str = "omni-silenciado";

/// Whether the agent silenced sounds and notifications in this browser.
pub fn sound_muted() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(MUTED_KEY).ok().flatten())
            .is_some_and(|v| v == "1")
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

pub fn set_sound_muted(muted: bool) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(MUTED_KEY, if muted { "1" } else { "0" });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = muted;
}

/// A notification and a short tone, when the tab is hidden or showing something else.
pub fn announce(title: &str, body: &str) {
    #[cfg(feature = "hydrate")]
    browser::announce(title, body);
    #[cfg(not(feature = "hydrate"))]
    let _ = (title, body);
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::SendFn;
    use leptos::prelude::*;
    use shared::inbox::InboxEvent;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{MessageEvent, WebSocket};

    struct Conn {
        set_last: WriteSignal<Option<(u64, InboxEvent)>>,
        set_connected: WriteSignal<bool>,
        outbox: StoredValue<Option<SendFn>, LocalStorage>,
        cursors: Cell<Option<(i64, i64)>>,
        counter: Cell<u64>,
        retry_ms: Cell<u32>,
        socket: RefCell<Option<WebSocket>>,
        closed_by_page: Cell<bool>,
    }

    pub fn start(
        set_last: WriteSignal<Option<(u64, InboxEvent)>>,
        set_connected: WriteSignal<bool>,
        outbox: StoredValue<Option<SendFn>, LocalStorage>,
    ) {
        let conn = Rc::new(Conn {
            set_last,
            set_connected,
            outbox,
            cursors: Cell::new(None),
            counter: Cell::new(0),
            retry_ms: Cell::new(500),
            socket: RefCell::new(None),
            closed_by_page: Cell::new(false),
        });
        // Open after hydration, and close when the page goes away.
        let opened = conn.clone();
        Effect::new(move |_| open(opened.clone()));
        // `Rc` is not `Send`: the cleanup reaches it through a local arena handle.
        let closing = StoredValue::new_local(conn);
        on_cleanup(move || {
            closing.with_value(|conn| {
                conn.closed_by_page.set(true);
                if let Some(ws) = conn.socket.borrow_mut().take() {
                    let _ = ws.close();
                }
            });
        });
    }

    fn url(cursors: Option<(i64, i64)>) -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().ok()?;
        Some(match cursors {
            Some((seq, ev)) => format!("{scheme}://{host}/ws/inbox?seq={seq}&ev={ev}"),
            None => format!("{scheme}://{host}/ws/inbox"),
        })
    }

    fn open(conn: Rc<Conn>) {
        if conn.closed_by_page.get() {
            return;
        }
        let Some(url) = url(conn.cursors.get()) else {
            return;
        };
        let Ok(ws) = WebSocket::new(&url) else {
            schedule_reconnect(conn);
            return;
        };
        let on_open = {
            let conn = conn.clone();
            Closure::<dyn FnMut()>::new(move || {
                conn.retry_ms.set(500);
                conn.set_connected.set(true);
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let on_message = {
            let conn = conn.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                let Ok(event) = serde_json::from_str::<InboxEvent>(&text) else {
                    return;
                };
                if let InboxEvent::Hello { seq, event_id } = &event {
                    // The first hello starts the cursors; later ones (after a reconnect) only
                    // move them forward once the replay that follows is applied.
                    let merged = match conn.cursors.get() {
                        Some((s, ev)) => (s.max(*seq), ev.max(*event_id)),
                        None => (*seq, *event_id),
                    };
                    conn.cursors.set(Some(merged));
                }
                match &event {
                    InboxEvent::Message { seq, .. } => {
                        if let Some((s, ev)) = conn.cursors.get() {
                            conn.cursors.set(Some((s.max(*seq), ev)));
                        }
                    }
                    InboxEvent::Conversation { event_id, .. } => {
                        if let Some((s, ev)) = conn.cursors.get() {
                            conn.cursors.set(Some((s, ev.max(*event_id))));
                        }
                    }
                    _ => {}
                }
                let n = conn.counter.get() + 1;
                conn.counter.set(n);
                conn.set_last.set(Some((n, event)));
            })
        };
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_close = {
            let conn = conn.clone();
            Closure::<dyn FnMut()>::new(move || {
                conn.set_connected.set(false);
                conn.outbox.set_value(None);
                schedule_reconnect(conn.clone());
            })
        };
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
        let sender = ws.clone();
        conn.outbox.set_value(Some(Rc::new(move |text: String| {
            if sender.ready_state() == WebSocket::OPEN {
                let _ = sender.send_with_str(&text);
            }
        })));
        *conn.socket.borrow_mut() = Some(ws);
    }

    fn schedule_reconnect(conn: Rc<Conn>) {
        if conn.closed_by_page.get() {
            return;
        }
        let delay = conn.retry_ms.get();
        conn.retry_ms.set((delay * 2).min(10_000));
        let again = Closure::once_into_js(move || open(conn));
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            again.unchecked_ref(),
            delay as i32,
        );
    }

    pub fn ask_permission() {
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Default {
            let _ = web_sys::Notification::request_permission();
        }
    }

    pub fn announce(title: &str, body: &str) {
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
            let options = web_sys::NotificationOptions::new();
            options.set_body(body);
            options.set_tag("omnichannel-mensagem");
            let _ = web_sys::Notification::new_with_options(title, &options);
        }
        beep();
    }

    /// Two short notes through Web Audio: no sound file to load.
    fn beep() {
        let Ok(ctx) = web_sys::AudioContext::new() else {
            return;
        };
        let now = ctx.current_time();
        for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
                return;
            };
            osc.frequency().set_value(freq);
            let start = now + i as f64 * 0.12;
            let _ = gain.gain().set_value_at_time(0.0001, start);
            let _ = gain
                .gain()
                .exponential_ramp_to_value_at_time(0.2, start + 0.02);
            let _ = gain
                .gain()
                .exponential_ramp_to_value_at_time(0.0001, start + 0.11);
            let _ = osc.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = osc.start_with_when(start);
            let _ = osc.stop_with_when(start + 0.12);
        }
    }
}
