//! The demo data: idempotent, so it runs at every start in demo mode.

use super::db::{demo, users};
use super::password;
use super::state::AppState;
use anyhow::Context;
use shared::{Role, TeamId, UserId};
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "demo@plataforma.com";
pub const DEMO_PASSWORD: &str = "demo123";

struct DemoUser {
    id: u128,
    name: &'static str,
    email: &'static str,
    role: Role,
}

const DEMO_USERS: [DemoUser; 4] = [
    DemoUser {
        id: 0x0000_0000_0000_4000_8000_0000_0000_0001,
        name: "Demonstração",
        email: DEMO_EMAIL,
        role: Role::Admin,
    },
    DemoUser {
        id: 0x0000_0000_0000_4000_8000_0000_0000_0002,
        name: "Carla Mendes",
        email: "carla.mendes@plataforma.com",
        role: Role::Supervisor,
    },
    DemoUser {
        id: 0x0000_0000_0000_4000_8000_0000_0000_0003,
        name: "Rafael Oliveira",
        email: "rafael.oliveira@plataforma.com",
        role: Role::Agent,
    },
    DemoUser {
        id: 0x0000_0000_0000_4000_8000_0000_0000_0004,
        name: "Juliana Costa",
        email: "juliana.costa@plataforma.com",
        role: Role::Agent,
    },
];

/// The demo's team, where the demo's channels send their conversations.
pub const DEMO_TEAM_NAME: &str = "Atendimento Geral";

const DEMO_TEAM: (u128, &str) = (0x0000_0000_0000_4000_8000_0000_0001_0001, DEMO_TEAM_NAME);

/// Creates the demo administrator (flagged as demo, so 2FA is never required of it), one
/// supervisor and two agents in one team. Existing rows are left as they are.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    for u in &DEMO_USERS {
        let id = UserId(Uuid::from_u128(u.id));
        if users::find(&state.pool, id).await?.is_some() {
            continue;
        }
        let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
        demo::insert_user_if_absent(
            &state.pool,
            demo::DemoUser {
                id,
                name: u.name,
                email: u.email,
                password_hash: &hash,
                role: u.role,
            },
        )
        .await
        .with_context(|| format!("Failed to seed demo user {}", u.email))?;
    }
    let team = TeamId(Uuid::from_u128(DEMO_TEAM.0));
    demo::insert_team_if_absent(&state.pool, team, DEMO_TEAM.1)
        .await
        .context("Failed to seed the demo team")?;
    for u in DEMO_USERS.iter().filter(|u| u.role != Role::Admin) {
        let id = UserId(Uuid::from_u128(u.id));
        demo::add_member_if_absent(&state.pool, team, id, u.role == Role::Supervisor)
            .await
            .context("Failed to seed demo team membership")?;
    }
    seed_negotiation_team(state).await?;
    seed_saved_replies(state).await?;
    crate::bot::seed::seed_flows(state).await?;
    crate::services::demo::seed_channels(state, team).await?;
    crate::services::demo_campaign::seed(state).await?;
    Ok(())
}

/// A few saved replies, so "/" in the composer shows what they are for; only where there are
/// none yet (an administrator's own are left alone).
const DEMO_SAVED_REPLIES: [(&str, &str, &str); 3] = [
    (
        "bomdia",
        "Saudação",
        "Olá! Aqui é da Águas do Vale. Em que posso ajudar?",
    ),
    (
        "prazo",
        "Prazo de religação",
        "A religação é feita em até 24 horas depois que o pagamento for confirmado.",
    ),
    (
        "obrigado",
        "Agradecimento",
        "Obrigado pelo contato! Se precisar de algo mais, é só chamar por aqui.",
    ),
];

async fn seed_saved_replies(state: &AppState) -> anyhow::Result<()> {
    if !crate::db::canned_responses::list(&state.pool)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let admin = UserId(Uuid::from_u128(DEMO_USERS[0].id));
    for (shortcut, title, body) in DEMO_SAVED_REPLIES {
        let text = crate::db::canned_responses::Text {
            shortcut,
            title,
            body,
        };
        if let Err(e) = crate::db::canned_responses::insert(&state.pool, text, admin).await {
            // Another instance seeding at the same time took the shortcut first.
            if !e.is_unique_violation(crate::db::canned_responses::SHORTCUT_UNIQUE) {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

const NEGOTIATION_TEAM: (u128, &str) = (0x0000_0000_0000_4000_8000_0000_0001_0002, "Negociação");

/// The ids of the teams the seed creates.
pub fn seeded_team_ids() -> Vec<Uuid> {
    vec![
        Uuid::from_u128(DEMO_TEAM.0),
        Uuid::from_u128(NEGOTIATION_TEAM.0),
    ]
}

/// The team the negotiation flow hands over to, with the demo's agents in it.
async fn seed_negotiation_team(state: &AppState) -> anyhow::Result<()> {
    demo::insert_team_if_absent(
        &state.pool,
        TeamId(Uuid::from_u128(NEGOTIATION_TEAM.0)),
        NEGOTIATION_TEAM.1,
    )
    .await
    .context("Failed to seed the negotiation team")?;
    // An administrator may have created it before, under another id.
    let team = crate::db::teams::find_by_name(&state.pool, NEGOTIATION_TEAM.1)
        .await
        .context("Failed to find the negotiation team")?
        .context("The negotiation team is missing")?;
    for u in DEMO_USERS.iter().filter(|u| u.role != Role::Admin) {
        demo::add_member_if_absent(
            &state.pool,
            team,
            UserId(Uuid::from_u128(u.id)),
            u.role == Role::Supervisor,
        )
        .await
        .context("Failed to seed the negotiation team's members")?;
    }
    Ok(())
}
