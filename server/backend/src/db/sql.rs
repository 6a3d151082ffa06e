//! How a repository runs SQL. Every statement is a `&'static str` declared with
//! [`statements!`] in the repository that owns it, so that
//! - one test prepares the whole [`registry`] against the migrated schema (a typo, a renamed
//!   column or a wrong enum literal fails there, not in production), and
//! - the integration suite, built with the `sql-coverage` feature, writes down each statement it
//!   executed, and `scripts/test.sh` fails when a registered statement was never run with real
//!   rows, or when one ran that is not registered.
//!
//! Repositories call [`query`], [`query_as`] and [`query_scalar`] here instead of sqlx's own, with
//! a statement constant; nothing outside `db` names `sqlx::query` (a unit test reads the sources
//! to hold that).

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, Postgres};

/// Declares a repository's statements as constants and lists them in `STATEMENTS`, its part of
/// the [`registry`].
macro_rules! statements {
    ($( $(#[$meta:meta])* $name:ident = $sql:expr; )+) => {
        $( $(#[$meta])* pub(crate) const $name: &str = $sql; )+
        /// This repository's statements by name: its part of `db::sql::registry`.
        pub(crate) const STATEMENTS: &[(&str, &str)] = &[$((stringify!($name), $name)),+];
    };
}
pub(crate) use statements;

/// Every statement of every repository, as (repository, name, SQL).
pub fn registry() -> Vec<(&'static str, &'static str, &'static str)> {
    use super::*;
    let parts: &[(&str, &[(&str, &str)])] = &[
        ("db", STATEMENTS),
        ("feed", feed::STATEMENTS),
        ("attachments", attachments::STATEMENTS),
        ("blobs", blobs::STATEMENTS),
        ("api_tokens", api_tokens::STATEMENTS),
        ("bot_flows", bot_flows::STATEMENTS),
        ("bot_sessions", bot_sessions::STATEMENTS),
        ("bot_steps", bot_steps::STATEMENTS),
        ("campaigns", campaigns::STATEMENTS),
        ("consents", consents::STATEMENTS),
        ("channels", channels::STATEMENTS),
        ("deliveries", deliveries::STATEMENTS),
        ("demo", demo::STATEMENTS),
        ("message_templates", message_templates::STATEMENTS),
        ("webhook_events", webhook_events::STATEMENTS),
        ("audit", audit::STATEMENTS),
        ("canned_responses", canned_responses::STATEMENTS),
        ("channel_errors", channel_errors::STATEMENTS),
        ("contacts", contacts::STATEMENTS),
        ("conversation_views", conversation_views::STATEMENTS),
        ("messages", messages::STATEMENTS),
        ("webchat_visitors", webchat_visitors::STATEMENTS),
        ("conversations", conversations::STATEMENTS),
        ("inbox", inbox::STATEMENTS),
        ("sealed", sealed::STATEMENTS),
        ("sessions", sessions::STATEMENTS),
        ("settings", settings::STATEMENTS),
        ("teams", teams::STATEMENTS),
        ("users", users::STATEMENTS),
    ];
    parts
        .iter()
        .flat_map(|(repo, list)| list.iter().map(move |(name, sql)| (*repo, *name, *sql)))
        .collect()
}

/// A statement as one line, the form the coverage file holds (whitespace runs become one space).
pub fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn query<'q>(sql: &'static str) -> Query<'q, Postgres, PgArguments> {
    executed(sql);
    sqlx::query(sql)
}

/// A statement with typed rows, as [`query_as`] gives it: for helpers that bind shared
/// parameters.
pub type TypedQuery<'q, O> = QueryAs<'q, Postgres, O, PgArguments>;

pub fn query_as<'q, O>(sql: &'static str) -> QueryAs<'q, Postgres, O, PgArguments>
where
    O: for<'r> FromRow<'r, PgRow>,
{
    executed(sql);
    sqlx::query_as(sql)
}

pub fn query_scalar<'q, O>(sql: &'static str) -> QueryScalar<'q, Postgres, O, PgArguments>
where
    (O,): for<'r> FromRow<'r, PgRow>,
{
    executed(sql);
    sqlx::query_scalar(sql)
}

#[cfg(not(feature = "sql-coverage"))]
#[inline(always)]
fn executed(_sql: &'static str) {}

/// Appends a statement, the first time this process runs it, to the file `SQL_COVERAGE_FILE`
/// names (one line per statement, [`one_line`]); nothing when the variable is unset.
#[cfg(feature = "sql-coverage")]
fn executed(sql: &'static str) {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let Some(path) = std::env::var_os("SQL_COVERAGE_FILE") else {
        return;
    };
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !seen.insert(sql) {
        return;
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| writeln!(file, "{}", one_line(sql)));
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not write the SQL coverage file");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_have_unique_names_and_texts() {
        let all = registry();
        let mut names = std::collections::HashSet::new();
        let mut texts = std::collections::HashMap::new();
        for (repo, name, sql) in &all {
            assert!(names.insert((repo, name)), "{repo}::{name} twice");
            if let Some(other) = texts.insert(one_line(sql), (repo, name)) {
                panic!("{repo}::{name} repeats {other:?}: declare it once and call that");
            }
        }
    }

    /// The lifecycle is one module: no other repository sets a conversation's status, assignee,
    /// team or place in the queue.
    #[test]
    fn only_the_conversations_repository_changes_where_a_conversation_stands() {
        let mut offenders = Vec::new();
        for (repo, name, sql) in registry() {
            let sql = one_line(sql).to_lowercase();
            for (i, _) in sql.match_indices("update conversations") {
                let rest = &sql[i..];
                let set = rest.find(" set ").map_or("", |at| &rest[at..]);
                let end = [" where ", " from ", " returning "]
                    .iter()
                    .filter_map(|w| set.find(w))
                    .min()
                    .unwrap_or(set.len());
                let assignments = &set[..end];
                let moves = ["status =", "assignee_id =", "team_id =", "queued_at ="]
                    .iter()
                    .any(|column| assignments.contains(column));
                if moves && repo != "conversations" {
                    offenders.push(format!("{repo}::{name}"));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "lifecycle outside db::conversations: {offenders:?}"
        );
    }

    /// SQL is run only through this module, with a declared statement: no `sqlx::query` in
    /// use-case code, nor in the crates above this one (the server's HTTP edge, the app's server
    /// functions).
    #[test]
    fn no_sql_outside_the_repositories() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let src = manifest.join("src");
        let roots = [
            src.clone(),
            manifest.join("../src"),
            manifest.join("../../app/src"),
        ];
        let mut offenders = Vec::new();
        for root in &roots {
            visit(root, &mut |path, text| {
                let rel = match path.strip_prefix(&src) {
                    Ok(p) => p.to_string_lossy().into_owned(),
                    Err(_) => path.to_string_lossy().into_owned(),
                };
                offenders.extend(offences(&rel, text));
            });
        }
        assert!(
            offenders.is_empty(),
            "SQL outside db/:\n{}",
            offenders.join("\n")
        );
    }

    fn offences(rel: &str, text: &str) -> Vec<String> {
        let in_db = rel.starts_with("db/");
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let raw_sqlx = ["sqlx::query", "QueryBuilder", "sqlx::raw_sql"]
                .iter()
                .any(|p| code.contains(p));
            if (raw_sqlx && rel != "db/sql.rs") || (!in_db && calls_query(code)) {
                out.push(format!("{rel}:{}: {code}", n + 1));
            }
        }
        out
    }

    fn calls_query(code: &str) -> bool {
        [
            "query(",
            "query_as(",
            "query_scalar(",
            "query_as::<",
            "query_scalar::<",
        ]
        .iter()
        .any(|p| {
            code.match_indices(p).any(|(i, _)| {
                let before = code[..i].chars().next_back();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            })
        })
    }

    fn visit(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path, &str)) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, f);
            } else if path.extension().is_some_and(|e| e == "rs") {
                f(&path, &std::fs::read_to_string(&path).unwrap());
            }
        }
    }
}
