//! The visits of conversations to the blocks of each published flow version (`bot_steps`),
//! recorded with the bot's steps, and their daily roll-up (`bot_step_days`) that the builder's
//! analytics overlay reads.
//!
//! Reads for a period take the rolled-up days from `bot_step_days` and the days after
//! `bot_step_rollup.through` from `bot_steps`, so they are right whether or not the roll-up
//! ran lately, and fast once it has.

use super::sql::{query, query_as};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shared::flow::analytics::{port_key, StepCount, Visits, BUCKETS};
use std::collections::BTreeMap;

/// A run's visits as one JSON parameter of the step's statement: `close` (the visit open
/// before) and `visits` (the new ones). See [`record_visits`].
#[derive(Debug, Default, Serialize)]
pub struct VisitRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    close: Option<Closing>,
    visits: Vec<VisitRow>,
}

#[derive(Debug, Serialize)]
struct Closing {
    left: DateTime<Utc>,
    port: Option<String>,
    stop: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct VisitRow {
    flow_key: String,
    flow_version: i32,
    node: String,
    entered_at: DateTime<Utc>,
    left_at: Option<DateTime<Utc>>,
    port: Option<String>,
    stop: Option<&'static str>,
}

impl VisitRecord {
    /// The rows of a run's visits on the flows' `versions` (visits of a flow without a
    /// published version, a draft under test, are not counted). `waited` says whether the
    /// conversation was at a block before the run, whose visit the run may close.
    pub fn new(
        visits: Visits<DateTime<Utc>>,
        versions: &BTreeMap<String, i32>,
        waited: bool,
    ) -> Self {
        let close = visits.close_open.filter(|_| waited).map(|c| Closing {
            left: c.left,
            port: c.port.as_ref().map(port_key),
            stop: c.stop.map(|s| s.key()),
        });
        let visits = visits
            .visits
            .into_iter()
            .filter_map(|v| {
                Some(VisitRow {
                    flow_version: *versions.get(&v.flow)?,
                    flow_key: v.flow,
                    node: v.node.0,
                    entered_at: v.entered,
                    left_at: v.left,
                    port: v.port.as_ref().map(port_key),
                    stop: v.stop.map(|s| s.key()),
                })
            })
            .collect();
        Self { close, visits }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }
}

/// The CTEs that record a run's visits (the JSON of [`VisitRecord`] in parameter `$p`) for
/// conversation `$1`, only when the CTE `stored` stored the step.
macro_rules! record_visits {
    ($p:literal) => {
        concat!(
            "closed_visit as (
                update bot_steps set left_at = ((", $p, "::jsonb)->'close'->>'left')::timestamptz,
                    port = (", $p, "::jsonb)->'close'->>'port',
                    stop = (", $p, "::jsonb)->'close'->>'stop'
                where conversation_id = $1 and left_at is null
                  and (", $p, "::jsonb)->'close' is not null and exists (select 1 from stored)),
            new_visits as (
                insert into bot_steps (conversation_id, flow_key, flow_version, node, entered_at,
                                       left_at, port, stop)
                select $1, v.flow_key, v.flow_version, v.node, v.entered_at, v.left_at, v.port, v.stop
                from jsonb_to_recordset(coalesce((", $p, "::jsonb)->'visits', '[]')) as v(
                    flow_key text, flow_version integer, node text, entered_at timestamptz,
                    left_at timestamptz, port text, stop text)
                where exists (select 1 from stored))"
        )
    };
}
pub(crate) use record_visits;

/// `(node, port, stop, visits, conversations, hist)` of the visits in `v`, grouped; `b` is a
/// visit's duration bucket (`shared::flow::analytics::BUCKET_SECONDS`).
macro_rules! visit_counts {
    () => {
        "node, port, stop, count(*) as visits, count(distinct conversation_id) as conversations,
         array[count(*) filter (where b = 0), count(*) filter (where b = 1),
               count(*) filter (where b = 2), count(*) filter (where b = 3),
               count(*) filter (where b = 4), count(*) filter (where b = 5),
               count(*) filter (where b = 6), count(*) filter (where b = 7),
               count(*) filter (where b = 8), count(*) filter (where b = 9),
               count(*) filter (where b = 10), count(*) filter (where b = 11),
               count(*) filter (where b = 12), count(*) filter (where b = 13),
               count(*) filter (where b = 14)]::bigint[] as hist"
    };
}

/// The visits of `bot_steps` as `v`, with their São Paulo day and duration bucket.
macro_rules! visits_of_steps {
    () => {
        "select node, coalesce(port, '') as port,
                case when left_at is null then 'open' else coalesce(stop, '') end as stop,
                conversation_id, flow_key, flow_version,
                (entered_at at time zone 'America/Sao_Paulo')::date as day,
                width_bucket(extract(epoch from left_at - entered_at)::float8,
                    array[1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400]::float8[]) as b
         from bot_steps"
    };
}

/// Midnight of a São Paulo day, as SQL over a `date` expression.
macro_rules! sp_midnight {
    ($d:literal) => {
        concat!("((", $d, ")::timestamp at time zone 'America/Sao_Paulo')")
    };
}

#[derive(sqlx::FromRow)]
struct CountRow {
    node: String,
    port: String,
    stop: String,
    visits: i64,
    conversations: i64,
    hist: Vec<i64>,
}

impl From<CountRow> for StepCount {
    fn from(r: CountRow) -> Self {
        let mut hist = r.hist;
        hist.resize(BUCKETS, 0);
        StepCount {
            node: r.node,
            port: r.port,
            stop: r.stop,
            visits: r.visits,
            conversations: r.conversations,
            hist,
        }
    }
}

/// The visits of a flow's `version` (none: every version) on the São Paulo days `from..=to`.
pub async fn counts(
    pool: &sqlx::PgPool,
    flow: &str,
    version: Option<i32>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<StepCount>> {
    let mut tx = pool.begin().await?;
    // One snapshot for both halves: a roll-up committing between them counts nothing twice.
    query(REPEATABLE_READ).execute(&mut *tx).await?;
    let mut rows: Vec<CountRow> = Vec::new();
    for statement in [ROLLED_COUNTS, RECENT_COUNTS] {
        rows.extend(
            query_as::<CountRow>(statement)
                .bind(flow)
                .bind(version)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *tx)
                .await?,
        );
    }
    tx.commit().await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Rolls up the complete São Paulo days not rolled up yet (and the one before, for the visits
/// closed late); returns the rows it wrote. Safe to run on every instance at once.
pub async fn roll_up(pool: &sqlx::PgPool) -> Result<u64> {
    let mut tx = pool.begin().await?;
    query(LOCK_ROLLUP).execute(&mut *tx).await?;
    let (first, today): (NaiveDate, NaiveDate) =
        query_as(ROLLUP_BOUNDS).fetch_one(&mut *tx).await?;
    query(ROLLUP_CLEAR)
        .bind(first)
        .bind(today)
        .execute(&mut *tx)
        .await?;
    let rows = query(ROLLUP_INSERT)
        .bind(first)
        .bind(today)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    query(ROLLUP_MARK).bind(today).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

super::sql::statements! {
    ROLLED_COUNTS = "select node, port, stop, sum(visits)::bigint as visits,
            sum(conversations)::bigint as conversations,
            array[sum(hist[1]), sum(hist[2]), sum(hist[3]), sum(hist[4]), sum(hist[5]),
                  sum(hist[6]), sum(hist[7]), sum(hist[8]), sum(hist[9]), sum(hist[10]),
                  sum(hist[11]), sum(hist[12]), sum(hist[13]), sum(hist[14]),
                  sum(hist[15])]::bigint[] as hist
        from bot_step_days
        where flow_key = $1 and ($2::integer is null or flow_version = $2)
          and day >= $3 and day <= $4 and day < (select through from bot_step_rollup)
        group by node, port, stop";
    RECENT_COUNTS = concat!(
        "select ", visit_counts!(), " from (", visits_of_steps!(), "
         where flow_key = $1 and ($2::integer is null or flow_version = $2)
           and entered_at >= greatest(", sp_midnight!("$3::date"), ",
                                      ", sp_midnight!("(select through from bot_step_rollup)"), ")
           and entered_at < ", sp_midnight!("$4::date + 1"), ") v
         group by node, port, stop");
    LOCK_ROLLUP = "select pg_advisory_xact_lock(hashtext('bot_step_rollup'))";
    ROLLUP_BOUNDS = "select least(through, today) - 1, today
        from bot_step_rollup, (select (now() at time zone 'America/Sao_Paulo')::date as today) t";
    ROLLUP_CLEAR = "delete from bot_step_days where day >= $1 and day < $2";
    ROLLUP_INSERT = concat!(
        "insert into bot_step_days (flow_key, flow_version, day, node, port, stop, visits,
                                    conversations, hist)
         select flow_key, flow_version, day, ", visit_counts!(), "
         from (", visits_of_steps!(), "
               where entered_at >= ", sp_midnight!("$1::date"), "
                 and entered_at < ", sp_midnight!("$2::date"), ") v
         group by flow_key, flow_version, day, node, port, stop");
    ROLLUP_MARK = "update bot_step_rollup set through = $1";
    REPEATABLE_READ = "set transaction isolation level repeatable read";
}
