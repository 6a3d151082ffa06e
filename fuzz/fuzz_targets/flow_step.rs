//! The demo's flows fed any sequence of customer messages (one per line, a leading `#` making
//! it a tapped option), silences and call outcomes: every step ends in a state, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::flow::engine::{step, Bot, BotSettings, BotState, Input, Outcome};
use shared::flow::Flow;
use std::sync::OnceLock;

fn bot() -> &'static Bot {
    static BOT: OnceLock<Bot> = OnceLock::new();
    BOT.get_or_init(|| {
        let flows: Vec<Flow> = [
            include_str!("../../server/backend/src/bot/flows/principal.json"),
            include_str!("../../server/backend/src/bot/flows/negociacao.json"),
        ]
        .iter()
        .map(|json| serde_json::from_str(json).expect("the demo flows parse"))
        .collect();
        Bot::new(flows, "principal", BotSettings::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let bot = bot();
    let mut state = BotState::new(bot, Default::default());
    for (n, line) in text.lines().take(40).enumerate() {
        let input = match line.as_bytes().first() {
            Some(b'#') => Input::Message {
                text: line[1..].to_owned(),
                choice: Some(line[1..].to_owned()),
            },
            Some(b'!') => Input::Inactive {
                close: line.len() % 2 == 0,
            },
            Some(b'{') => Input::Outcome {
                call: n as u64,
                outcome: match serde_json::from_str(line) {
                    Ok(value) => Outcome::Ok { value },
                    Err(_) => Outcome::Failed {
                        reason: line.to_owned(),
                    },
                },
            },
            _ => Input::Message {
                text: line.to_owned(),
                choice: None,
            },
        };
        state = step(bot, state, input).0;
    }
});
