//! The demo's preconfigured flows for a water and sanitation company: a main menu (second
//! copy, readings, negotiation, reporting a problem, an agent), identification by CPF, and
//! the debt negotiation. Seeding is idempotent: a flow is (re)written while it is still the
//! seeded version, never over an administrator's edit.

use crate::state::AppState;
use anyhow::Context;
use shared::flow::{validate_library, Flow};

/// The JSON files, exactly as an export would produce them.
pub const FLOWS: [(&str, &str); 2] = [
    ("principal", include_str!("flows/principal.json")),
    ("negociacao", include_str!("flows/negociacao.json")),
];

/// The key of the flow that answers new conversations.
pub const MAIN_FLOW: &str = "principal";

pub fn demo_flows() -> anyhow::Result<Vec<Flow>> {
    let flows = FLOWS
        .iter()
        .map(|(key, json)| {
            serde_json::from_str::<Flow>(json).with_context(|| format!("flow {key} does not parse"))
        })
        .collect::<anyhow::Result<Vec<Flow>>>()?;
    let errors = validate_library(&flows);
    if let Some((key, e)) = errors.first() {
        anyhow::bail!("flow {key} is invalid: {}", e.message());
    }
    Ok(flows)
}

pub async fn seed_flows(state: &AppState) -> anyhow::Result<()> {
    for flow in demo_flows()? {
        let definition = serde_json::to_value(&flow)?;
        crate::db::bot_flows::seed(&state.pool, &flow.key, &flow.name, &definition)
            .await
            .with_context(|| format!("Failed to seed flow {}", flow.key))?;
    }
    state.bot.invalidate().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_flows_parse_and_validate() {
        let flows = super::demo_flows().unwrap();
        assert_eq!(flows.len(), 2);
    }
}
