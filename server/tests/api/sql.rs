//! The SQL registry (`backend::db::sql`): every statement the platform runs prepares against
//! the migrated schema, and the integration suite executed each one with real rows.

use crate::common::spawn_app;
use backend::db::sql::{one_line, registry};
use sqlx::Executor;
use std::collections::{BTreeSet, HashSet};

/// A typo, a renamed column, a wrong enum literal or a parameter of the wrong type fails here,
/// for every statement at once, before any use case runs it.
#[tokio::test]
async fn every_registered_statement_prepares_against_the_migrated_schema() {
    let app = spawn_app().await;
    let mut conn = app.state.pool.acquire().await.unwrap();
    let mut failures = Vec::new();
    let all = registry();
    assert!(
        all.len() > 150,
        "the registry holds every statement ({})",
        all.len()
    );
    for (repo, name, sql) in &all {
        if let Err(e) = conn.prepare(sql).await {
            failures.push(format!("{repo}::{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "statements that do not prepare:\n{}",
        failures.join("\n")
    );
    drop(conn);
    app.stop().await;
}

/// Run by `scripts/test.sh` after the whole suite, built with the `sql-coverage` feature, has
/// written the statements it executed to `SQL_COVERAGE_FILE`: each registered statement ran at
/// least once with real rows, and nothing ran that is not registered.
#[test]
#[ignore = "reads what the whole suite executed: scripts/test.sh runs it after the suite"]
fn every_registered_statement_was_executed_by_the_suite() {
    let path = std::env::var("SQL_COVERAGE_FILE").expect("SQL_COVERAGE_FILE names the file");
    let executed: HashSet<String> = std::fs::read_to_string(&path)
        .expect("the coverage file was written")
        .lines()
        .map(str::to_owned)
        .collect();
    let registered: HashSet<String> = registry().iter().map(|(_, _, sql)| one_line(sql)).collect();
    let never_ran: BTreeSet<String> = registry()
        .iter()
        .filter(|(_, _, sql)| !executed.contains(&one_line(sql)))
        .map(|(repo, name, _)| format!("{repo}::{name}"))
        .collect();
    let unregistered: BTreeSet<&String> = executed.difference(&registered).collect();
    assert!(
        never_ran.is_empty() && unregistered.is_empty(),
        "statements no test executed:\n{}\n\nstatements executed but not registered:\n{:#?}",
        never_ran.into_iter().collect::<Vec<_>>().join("\n"),
        unregistered
    );
}
