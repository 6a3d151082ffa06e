//! Any bytes as a Meta webhook body, for each channel kind: parsed into events or refused as
//! malformed, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::messaging::ChannelKind;

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for kind in [
        ChannelKind::Whatsapp,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
    ] {
        let _ = backend::webhooks::parse(kind, &payload);
    }
});
