//! The demo's collection campaign: an approved collection template on the simulated WhatsApp
//! channel ("Negociar" starts the negotiation flow, "Parar de receber" opts out), a draft
//! campaign to the mock ERP's customers with overdue invoices, and the simulator's "receive
//! the collection": a one-recipient campaign to the visitor with João Santos's figures, sent
//! by the real sender, so the presenter taps "Negociar" in the WhatsApp skin.

use crate::campaigns::{self, Created};
use crate::channels::Channel;
use crate::db::{self, message_templates::Synced};
use crate::error::{AppError, Error};
use crate::state::AppState;
use serde_json::json;
use shared::campaign::model::CampaignAction;
use shared::campaign::phone::BrPhone;
use shared::campaign::report::NewCampaign;
use shared::messaging::ChannelKind;
use shared::sent_template::{ButtonAction, QuickReplyAction};
use std::collections::BTreeMap;
use uuid::Uuid;

pub const TEMPLATE: &str = "aviso_debito_vencido";
const LANGUAGE: &str = "pt_BR";
const BODY: &str = "Olá, {{1}}! Aqui é a Águas do Vale. 💧 Consta no seu cadastro {{2}} fatura(s) vencida(s), somando *{{3}}*. Toque em *Negociar* para ver as condições: à vista com desconto ou parcelado.";
/// The draft campaign the demo starts with, to every in-debt fixture.
pub const READY_CAMPAIGN: &str = "Cobrança · faturas vencidas (demonstração)";
/// The tag of the fixtures with overdue invoices.
pub const DEBT_TAG: &str = "inadimplente";
/// João Santos, the fixture with debts, whose figures the simulator's visitor receives.
const JOAO_CPF: &str = "22222222222";

fn components() -> serde_json::Value {
    json!([
        {"type": "HEADER", "format": "TEXT", "text": "Aviso de débito"},
        {"type": "BODY", "text": BODY, "example": {"body_text": [["João", "3", "R$ 312,45"]]}},
        {"type": "FOOTER", "text": "Não quer mais avisos? Toque em Parar de receber."},
        {"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": "Negociar"},
            {"type": "QUICK_REPLY", "text": "Parar de receber"}
        ]}
    ])
}

fn variables() -> BTreeMap<String, String> {
    [
        ("1", "{{primeiro_nome | cliente}}"),
        ("2", "{{faturas}}"),
        ("3", "{{valor}}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn simulated_whatsapp(state: &AppState) -> Result<Channel, Error> {
    let all = state.channels.all(&state.pool, &state.secrets).await?;
    all.iter()
        .find(|c| c.settings.simulated && c.kind == ChannelKind::Whatsapp && c.active)
        .cloned()
        .ok_or(AppError::NotFound.into())
}

/// The collection template (approved: Meta never sees the simulated channel) and the draft
/// campaign to the mock ERP's in-debt customers, once.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let channel = simulated_whatsapp(state)
        .await
        .map_err(|e| anyhow::anyhow!("No simulated WhatsApp channel: {e:?}"))?;
    let components = components();
    let id = db::message_templates::upsert(
        &state.pool,
        Synced {
            channel: channel.id,
            meta_id: None,
            name: TEMPLATE,
            language: LANGUAGE,
            category: "UTILITY",
            status: "APPROVED",
            quality: Some("GREEN"),
            reason: None,
            body: BODY,
            parameter_count: 3,
            components: &components,
            created_by: None,
        },
    )
    .await?;
    let actions = vec![
        ButtonAction {
            index: 0,
            action: QuickReplyAction::Flow {
                flow: "negociacao".into(),
            },
        },
        ButtonAction {
            index: 1,
            action: QuickReplyAction::OptOut,
        },
    ];
    db::message_templates::set_button_actions(&state.pool, id, &serde_json::to_value(actions)?)
        .await?;
    let overdue = crate::erp::mock::overdue(chrono::Local::now().date_naive());
    let existing = db::campaigns::list(&state.pool, 500).await?;
    if !existing.iter().any(|c| c.name == READY_CAMPAIGN) {
        let request = request(
            READY_CAMPAIGN,
            channel.id,
            shared::erp::overdue_csv(&overdue),
        );
        campaigns::create(state, request, None)
            .await
            .map_err(|e| anyhow::anyhow!("Failed to seed the demo campaign: {e:?}"))?;
    }
    // The in-debt fixtures carry a tag, so a campaign's contact filter has something to find.
    let phones: Vec<String> = overdue
        .iter()
        .filter_map(|c| BrPhone::parse(&c.telefone).ok())
        .map(|p| p.e164)
        .collect();
    db::contacts::add_tag_by_phone(&state.pool, &phones, DEBT_TAG).await?;
    Ok(())
}

fn request(name: &str, channel: shared::ChannelId, csv: String) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        channel: Some(channel),
        template_name: TEMPLATE.into(),
        template_language: LANGUAGE.into(),
        csv,
        phone_column: None,
        variables: variables(),
        rate_per_second: Some(10),
        schedule_at: None,
        local_time: false,
        // A presentation can happen at any hour.
        respect_quiet_hours: false,
        expires_at: None,
        daily_budget_brl: None,
    }
}

/// "Receber a cobrança": a campaign to this simulator visitor with João Santos's overdue
/// invoices (read from the ERP connector, the mock in the demo), started at once; the sender
/// puts the template in the visitor's conversation within a second or two.
pub async fn receive(state: &AppState, session: &str) -> Result<Uuid, Error> {
    let (channel, visitor) = super::demo::visitor_on_whatsapp(state, session).await?;
    let joao = campaigns::erp_overdue(state)
        .await?
        .into_iter()
        .find(|c| {
            c.cpf
                .chars()
                .filter(char::is_ascii_digit)
                .eq(JOAO_CPF.chars())
        })
        .ok_or_else(|| {
            AppError::Refused(shared::Refusal::CampaignInvalid {
                problems: vec!["O ERP não tem faturas vencidas de João Santos agora.".into()],
            })
        })?;
    let one = shared::erp::overdue_csv(std::slice::from_ref(&joao));
    let Created { id, .. } = campaigns::create(
        state,
        request("Cobrança ao vivo · simulador", channel.id, one),
        None,
    )
    .await?;
    // The simulator's visitor is the one recipient: its address on the simulated channel.
    db::campaigns::retarget_to_visitor(&state.pool, id, &visitor.1, visitor.0).await?;
    campaigns::act(state, id, CampaignAction::Start, None).await?;
    Ok(id)
}
