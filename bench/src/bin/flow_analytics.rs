//! The flow builder's analytics overlay on a year of visits: loads 1,000,000 visits of the flow
//! "principal" (bench/flows/analytics-seed.sql) into a bench database, then times the overlay's
//! read (`backend::db::bot_steps::counts`, the server function's query) for the whole year
//! before the daily roll-up, the roll-up itself, and the same read after it.
//!
//! bench/flows/analytics.sh builds it in release mode and runs it on a fresh database.

use backend::db::bot_steps;
use chrono::{Duration, Utc};
use clap::Parser;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Reads timed per case (the median is reported).
    #[arg(long, default_value_t = 7)]
    repeats: usize,
}

async fn timed_counts(
    pool: &sqlx::PgPool,
    version: Option<i32>,
    repeats: usize,
) -> anyhow::Result<(f64, usize, i64)> {
    let to = Utc::now()
        .with_timezone(&chrono::FixedOffset::west_opt(3 * 3600).expect("offset"))
        .date_naive();
    let from = to - Duration::days(364);
    let mut times = Vec::new();
    let mut rows = 0;
    let mut visits = 0;
    for _ in 0..repeats {
        let t = Instant::now();
        let counts = bot_steps::counts(pool, "principal", version, from, to).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        rows = counts.len();
        visits = counts.iter().map(|c| c.visits).sum();
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], rows, visits))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&args.database_url)
        .await?;
    sqlx::migrate!("../migrations").run(&pool).await?;
    let existing: i64 = sqlx::query_scalar("select count(*) from bot_steps")
        .fetch_one(&pool)
        .await?;
    if existing == 0 {
        let t = Instant::now();
        sqlx::raw_sql(include_str!("../../flows/analytics-seed.sql"))
            .execute(&pool)
            .await?;
        println!("seed: {:.1} s", t.elapsed().as_secs_f64());
    }
    // Start from nothing rolled up.
    sqlx::raw_sql(
        "delete from bot_step_days; update bot_step_rollup set through = date '2000-01-01'",
    )
    .execute(&pool)
    .await?;
    let steps: i64 = sqlx::query_scalar("select count(*) from bot_steps")
        .fetch_one(&pool)
        .await?;
    println!("visits (bot_steps): {steps}");

    for (label, version) in [("all versions", None), ("version 2", Some(2))] {
        let (ms, rows, visits) = timed_counts(&pool, version, args.repeats).await?;
        println!(
            "before the roll-up, a year, {label}: median {ms:.1} ms ({rows} rows, {visits} visits)"
        );
    }
    let t = Instant::now();
    let rows = bot_steps::roll_up(&pool).await?;
    println!(
        "first roll-up (the whole year, {rows} rows written): {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for (label, version) in [("all versions", None), ("version 2", Some(2))] {
        let (ms, rows, visits) = timed_counts(&pool, version, args.repeats).await?;
        println!(
            "after the roll-up, a year, {label}: median {ms:.1} ms ({rows} rows, {visits} visits)"
        );
    }
    let t = Instant::now();
    bot_steps::roll_up(&pool).await?;
    println!(
        "the next roll-up (yesterday again): {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
