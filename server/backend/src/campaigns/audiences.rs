//! Where a campaign's audience comes from besides a file: the ERP's customers with overdue
//! invoices, and the platform's own contacts picked by a filter. Each becomes the CSV text a
//! file would have been, so the audience's validation, variables and report are the same.

use super::invalid;
use crate::db;
use crate::error::Error;
use crate::state::AppState;
use shared::campaign::audience::MAX_LINES;
use shared::campaign::segment::{self, ContactFilter, SegmentContact, SegmentPreview};

/// The collection audience: the ERP's customers with overdue invoices (Integrações' connector;
/// the mock ERP in the demo), as an audience file with `nome`, `telefone`, `cpf`, `cliente`,
/// `faturas`, `valor` and `vencimento` columns.
pub async fn erp_audience(state: &AppState) -> Result<String, Error> {
    Ok(shared::erp::overdue_csv(&erp_overdue(state).await?))
}

/// The ERP's customers with overdue invoices (none is a refusal, in pt-BR).
pub async fn erp_overdue(state: &AppState) -> Result<Vec<shared::erp::OverdueCustomer>, Error> {
    let demo_base = state.demo.then(|| state.bot.own_base()).flatten();
    let settings = crate::erp::settings(&state.pool, &state.secrets, demo_base).await?;
    let connector = crate::erp::HttpErp {
        egress: &state.bot.egress,
        settings,
    };
    match connector.overdue_customers().await {
        Ok(list) if list.is_empty() => Err(invalid(vec![
            "O ERP não tem clientes com faturas vencidas agora.".into(),
        ])),
        Ok(list) => Ok(list),
        Err(e) => Err(invalid(vec![format!(
            "Não foi possível ler os clientes com faturas vencidas: {}",
            e.message()
        )])),
    }
}

/// The contacts the filter picks, as an audience file (`nome`, `telefone`, `email`, `cpf` and
/// their custom attributes as columns), with what the wizard shows of it. A filter that picks
/// nobody with a phone number is a refusal, in pt-BR.
pub async fn contacts_audience(
    state: &AppState,
    filter: &ContactFilter,
) -> Result<SegmentPreview, Error> {
    let filter = filter.checked().map_err(invalid)?;
    let (matching, without_phone) = db::contacts::segment_counts(&state.pool, &filter).await?;
    if matching == 0 {
        let mut problem = "Nenhum contato com telefone atende a esse filtro".to_owned();
        if without_phone > 0 {
            problem.push_str(&format!(" ({without_phone} sem telefone)"));
        }
        problem.push('.');
        return Err(invalid(vec![problem]));
    }
    if matching > MAX_LINES as i64 {
        return Err(invalid(vec![format!(
            "O filtro escolhe {matching} contatos; o máximo por campanha é {MAX_LINES}."
        )]));
    }
    let rows = db::contacts::segment(&state.pool, &filter, MAX_LINES as i64).await?;
    let contacts: Vec<SegmentContact> = rows
        .into_iter()
        .map(|(name, phone, email, cpf, attributes)| SegmentContact {
            name,
            phone,
            email,
            cpf,
            attributes: attributes.0,
        })
        .collect();
    let channel_name = match filter.channel_id {
        Some(id) => state
            .channels
            .all(&state.pool, &state.secrets)
            .await?
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone()),
        None => None,
    };
    Ok(SegmentPreview {
        description: filter.describe(channel_name.as_deref()),
        matching,
        without_phone,
        csv: segment::contacts_csv(&contacts),
    })
}

/// Every channel a contact filter can name, any kind: (id, "Name · WhatsApp").
pub async fn audience_channels(
    state: &AppState,
) -> Result<Vec<(shared::ChannelId, String)>, Error> {
    let channels = state.channels.all(&state.pool, &state.secrets).await?;
    Ok(channels
        .iter()
        .map(|c| (c.id, format!("{} · {}", c.name, c.kind.label())))
        .collect())
}
