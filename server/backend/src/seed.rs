//! The demo data: idempotent, so it runs at every start in demo mode.

use super::db::users;
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

const DEMO_TEAM: (u128, &str) = (
    0x0000_0000_0000_4000_8000_0000_0001_0001,
    "Atendimento Geral",
);

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
        sqlx::query(
            "insert into users (id, name, email, password_hash, role, is_demo) \
             values ($1, $2, $3, $4, $5, true) on conflict do nothing",
        )
        .bind(id)
        .bind(u.name)
        .bind(u.email)
        .bind(&hash)
        .bind(u.role)
        .execute(&state.pool)
        .await
        .with_context(|| format!("Failed to seed demo user {}", u.email))?;
    }
    let team = TeamId(Uuid::from_u128(DEMO_TEAM.0));
    sqlx::query("insert into teams (id, name) values ($1, $2) on conflict do nothing")
        .bind(team)
        .bind(DEMO_TEAM.1)
        .execute(&state.pool)
        .await
        .context("Failed to seed the demo team")?;
    for u in DEMO_USERS.iter().filter(|u| u.role != Role::Admin) {
        let id = UserId(Uuid::from_u128(u.id));
        sqlx::query(
            "insert into team_members (team_id, user_id, is_supervisor) values ($1, $2, $3) \
             on conflict do nothing",
        )
        .bind(team)
        .bind(id)
        .bind(u.role == Role::Supervisor)
        .execute(&state.pool)
        .await
        .context("Failed to seed demo team membership")?;
    }
    seed_negotiation_team(state).await?;
    crate::bot::seed::seed_flows(state).await?;
    crate::services::demo::seed_channels(state, team).await?;
    Ok(())
}

const NEGOTIATION_TEAM: (u128, &str) = (0x0000_0000_0000_4000_8000_0000_0001_0002, "Negociação");

/// The team the negotiation flow hands over to, with the demo's agents in it.
async fn seed_negotiation_team(state: &AppState) -> anyhow::Result<()> {
    sqlx::query("insert into teams (id, name) values ($1, $2) on conflict do nothing")
        .bind(TeamId(Uuid::from_u128(NEGOTIATION_TEAM.0)))
        .bind(NEGOTIATION_TEAM.1)
        .execute(&state.pool)
        .await
        .context("Failed to seed the negotiation team")?;
    // An administrator may have created it before, under another id.
    let team: TeamId = sqlx::query_scalar("select id from teams where name = $1")
        .bind(NEGOTIATION_TEAM.1)
        .fetch_one(&state.pool)
        .await
        .context("Failed to find the negotiation team")?;
    for u in DEMO_USERS.iter().filter(|u| u.role != Role::Admin) {
        sqlx::query(
            "insert into team_members (team_id, user_id, is_supervisor) values ($1, $2, $3) \
             on conflict do nothing",
        )
        .bind(team)
        .bind(UserId(Uuid::from_u128(u.id)))
        .bind(u.role == Role::Supervisor)
        .execute(&state.pool)
        .await
        .context("Failed to seed the negotiation team's members")?;
    }
    Ok(())
}
