//! Background work on apalis with Redis-backed queues.
//!
//! Every instance started with the worker role runs the same workers; the queues live in Redis,
//! so work is shared and survives restarts. Handlers are idempotent, so a job that runs twice
//! (a crash between doing and acknowledging) does no harm.

use anyhow::Context;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{HasherRng, RetryPolicy};
use apalis::prelude::{Data, Monitor, TaskSink, WorkerBuilder, WorkerBuilderExt};
use apalis_cron::{CronScheduler, Tick};
use apalis_redis::{Config as QueueConfig, RedisStorage};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub mod vacuum;

/// Deletes sessions past their idle or absolute timeout, and 2FA steps left unfinished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpireSessions {
    pub idle_seconds: i64,
}

#[derive(Clone)]
pub struct JobDeps {
    pub pool: PgPool,
}

#[tracing::instrument(skip_all, err)]
pub async fn expire_sessions(job: ExpireSessions, deps: Data<JobDeps>) -> anyhow::Result<()> {
    let deleted = backend::db::sessions::delete_expired(&deps.pool, job.idle_seconds)
        .await
        .context("Failed to delete expired sessions")?;
    metrics::counter!("sessions_expired_total").increment(deleted);
    tracing::info!(deleted, "expired sessions removed");
    Ok(())
}

/// The Redis queue of [`ExpireSessions`] jobs for a deployment's namespace.
pub fn expire_sessions_queue(
    conn: apalis_redis::ConnectionManager,
    namespace: &str,
) -> RedisStorage<ExpireSessions> {
    let queue = format!("{namespace}:jobs:expire-sessions");
    // An idle worker looks for jobs pushed by other processes at each heartbeat, so the
    // heartbeat bounds how long a new job waits.
    RedisStorage::new(conn).with_config(
        QueueConfig::default()
            .queue(&queue)
            .heartbeat_interval(Duration::from_secs(5)),
    )
}

/// What the schedule needs to enqueue a clean-up.
#[derive(Clone)]
pub struct ScheduleDeps {
    pub queue: RedisStorage<ExpireSessions>,
    pub idle_seconds: i64,
}

/// Called by the cron backend at every tick: enqueues the clean-up, which any worker may take.
pub async fn enqueue_expire_sessions(_tick: Tick, deps: Data<ScheduleDeps>) -> anyhow::Result<()> {
    let mut queue = deps.queue.clone();
    queue
        .push(ExpireSessions {
            idle_seconds: deps.idle_seconds,
        })
        .await
        .map_err(|e| anyhow::anyhow!("Failed to enqueue the session clean-up: {e}"))
}

#[derive(Clone)]
pub struct BotDeps {
    pub state: backend::state::AppState,
}

/// Reminds a silent customer, or closes the conversation, unless it moved on meanwhile.
#[tracing::instrument(skip_all, fields(conversation = %job.conversation), err)]
pub async fn bot_inactivity(
    job: backend::bot::InactivityCheck,
    deps: Data<BotDeps>,
) -> anyhow::Result<()> {
    backend::bot::on_inactivity(&deps.state, job)
        .await
        .map_err(|e| anyhow::anyhow!("inactivity check failed: {e:?}"))
}

/// The nightly demo reset's tick: once per day across the instances (demo mode only).
pub async fn nightly_demo_reset(
    tick: Tick<chrono_tz::Tz>,
    deps: Data<BotDeps>,
) -> anyhow::Result<()> {
    let at = chrono::DateTime::from_timestamp(tick.get_timestamp() as i64, 0)
        .unwrap_or_else(chrono::Utc::now);
    let day = at
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .date_naive();
    match backend::services::demo_reset::nightly_reset(&deps.state, day).await {
        Ok(true) => tracing::info!(%day, "demo data reset to its seeded state"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = ?e, "nightly demo reset failed"),
    }
    Ok(())
}

/// Rolls the flows' visits of the days gone by up per day, for the builder's overlay.
pub async fn roll_up_bot_steps(_tick: Tick, deps: Data<BotDeps>) -> anyhow::Result<()> {
    match backend::bot::analytics::roll_up(&deps.state).await {
        Ok(rows) => tracing::debug!(rows, "flow visits rolled up"),
        Err(e) => tracing::warn!(error = ?e, "flow visits roll-up failed"),
    }
    Ok(())
}

/// Whether this instance is the first to take this tick of a cron job: cron fires in every
/// instance, and a job that calls Meta should run once per tick across them.
async fn first_for_tick(state: &backend::state::AppState, job: &str, tick: u64) -> bool {
    let key = format!("{}:cron:{job}:{tick}", state.auth.redis_namespace);
    let mut conn = state.redis.clone();
    let set: Result<Option<String>, _> = redis::cmd("SET")
        .arg(&key)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(6 * 3600)
        .query_async(&mut conn)
        .await;
    match set {
        Ok(answer) => answer.is_some(),
        // Redis unreachable: better twice than never.
        Err(e) => {
            tracing::warn!(error = %e, job, "cron dedupe unavailable");
            true
        }
    }
}

/// Reads every WhatsApp channel's templates from Meta again (the webhooks keep them current;
/// this catches what a missed webhook left behind).
pub async fn sync_templates(tick: Tick, deps: Data<BotDeps>) -> anyhow::Result<()> {
    if !first_for_tick(&deps.state, "templates-sync", tick.get_timestamp()).await {
        return Ok(());
    }
    match backend::services::templates::sync_all(&deps.state).await {
        Ok(n) => tracing::info!(templates = n, "templates synced from Meta"),
        Err(e) => tracing::warn!(error = ?e, "template sync failed"),
    }
    Ok(())
}

/// The queues whose finished jobs the nightly vacuum removes.
#[derive(Clone)]
pub struct VacuumDeps {
    pub state: backend::state::AppState,
    pub sessions: RedisStorage<ExpireSessions>,
    pub inactivity: RedisStorage<backend::bot::InactivityCheck>,
    pub campaigns: RedisStorage<backend::campaigns::sender::Dispatch>,
}

/// Finished jobs are kept this long (for inspection) before the vacuum removes them.
const KEEP_FINISHED: Duration = Duration::from_secs(24 * 3600);

/// Every night at 04:30 in São Paulo (off-peak), once across instances: removes from Redis
/// what each queue keeps of jobs finished more than a day ago.
pub async fn vacuum_jobs(tick: Tick<chrono_tz::Tz>, deps: Data<VacuumDeps>) -> anyhow::Result<()> {
    if !first_for_tick(&deps.state, "jobs-vacuum", tick.get_timestamp()).await {
        return Ok(());
    }
    let mut queues = (*deps).clone();
    let results = [
        (
            "expire-sessions",
            vacuum::vacuum_queue(&mut queues.sessions, KEEP_FINISHED).await,
        ),
        (
            "bot-inactivity",
            vacuum::vacuum_queue(&mut queues.inactivity, KEEP_FINISHED).await,
        ),
        (
            "campaign-dispatch",
            vacuum::vacuum_queue(&mut queues.campaigns, KEEP_FINISHED).await,
        ),
    ];
    for (queue, result) in results {
        match result {
            Ok(done) => {
                metrics::counter!("jobs_vacuumed_total", "queue" => queue)
                    .increment(done.tasks as u64);
                tracing::info!(
                    queue,
                    tasks = done.tasks,
                    ids = done.ids,
                    "finished jobs vacuumed"
                );
            }
            Err(e) => tracing::warn!(queue, error = ?e, "job vacuum failed"),
        }
    }
    Ok(())
}

#[derive(Clone)]
pub struct CampaignDeps {
    pub state: backend::state::AppState,
}

/// One campaign runner's turn (see `backend::campaigns::sender`). Errors are logged and end
/// the job as done: a send is never retried by the queue (its retry state is in PostgreSQL),
/// and the tick gives the campaign a new runner.
#[tracing::instrument(skip_all, fields(campaign = %job.campaign))]
pub async fn campaign_dispatch(
    job: backend::campaigns::sender::Dispatch,
    deps: Data<CampaignDeps>,
) -> anyhow::Result<()> {
    // The runner is a task of its own: a worker that stops (Redis gone for a moment) drops its
    // job's future, and a send between its Graph call and its record must not be dropped with
    // it. The runner ends by itself; a second one meanwhile claims other rows (skip locked).
    let state = deps.state.clone();
    let runner = tokio::spawn(async move { backend::campaigns::sender::run(&state, job).await });
    match runner.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = ?e, "campaign runner stopped on an error"),
        Err(e) => tracing::warn!(error = %e, "campaign runner failed"),
    }
    Ok(())
}

/// Starts due campaigns, recovers crashed workers' leases, ends finished campaigns and gives
/// running ones a runner (every instance, every 15 s; each step is safe to run concurrently).
pub async fn campaign_tick(_tick: Tick, deps: Data<CampaignDeps>) -> anyhow::Result<()> {
    if let Err(e) = backend::campaigns::sender::tick(&deps.state).await {
        tracing::warn!(error = ?e, "campaign tick failed");
    }
    Ok(())
}

/// A worker's name is its identity in Redis (apalis-redis): unique per process start, so a
/// restarted process never collides with its own past registration and crash recovery works.
fn worker_name(role: &str) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{role}@{host}-{}-{started}", std::process::id())
}

/// The queues whose workers report `worker_alive`.
const QUEUES: [&str; 3] = ["expire-sessions", "bot-inactivity", "campaign-dispatch"];

/// The queue a worker serves, from its name (`campaign-dispatch@host-pid-ms`); none for the
/// cron schedules.
fn queue_of(worker: &str) -> Option<&'static str> {
    QUEUES.into_iter().find(|q| {
        worker
            .strip_prefix(q)
            .is_some_and(|rest| rest.starts_with('@'))
    })
}

/// The queues' Redis connection: a slow reply (the default allows 500 ms) must not end a
/// worker (apalis-redis #76).
async fn queue_connection(url: &str) -> anyhow::Result<apalis_redis::ConnectionManager> {
    let client = redis::Client::open(url).context("invalid Redis address")?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_response_timeout(Some(Duration::from_secs(10)))
        .set_connection_timeout(Some(Duration::from_secs(5)));
    client
        .get_connection_manager_with_config(config)
        .await
        .context("Failed to connect the job queue to Redis")
}

fn alive(queue: &'static str) {
    metrics::gauge!("worker_alive", "queue" => queue).set(1.0);
}

pub struct WorkerSettings {
    pub redis_url: String,
    pub namespace: String,
    pub session_idle_seconds: i64,
    pub cleanup_every_minutes: u32,
    pub template_sync_schedule: String,
}

/// Runs the workers until `shutdown` is cancelled; jobs in flight are given 30 seconds to end.
pub async fn run(
    state: backend::state::AppState,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let pool = state.pool.clone();
    let conn = queue_connection(settings.redis_url.as_str()).await?;
    let campaigns = backend::campaigns::sender::dispatch_queue(conn.clone(), &settings.namespace);
    let campaign_deps = CampaignDeps {
        state: state.clone(),
    };
    let tick_deps = campaign_deps.clone();
    let campaign_schedule =
        cron::Schedule::from_str("*/15 * * * * *").context("invalid campaign schedule")?;
    let inactivity = backend::bot::inactivity_queue(conn.clone(), &settings.namespace);
    let vacuum_deps = VacuumDeps {
        state: state.clone(),
        sessions: expire_sessions_queue(conn.clone(), &settings.namespace),
        inactivity: inactivity.clone(),
        campaigns: campaigns.clone(),
    };
    let vacuum_schedule =
        cron::Schedule::from_str("0 30 4 * * *").context("invalid vacuum schedule")?;
    let demo = state.demo;
    let bot_deps = BotDeps { state };
    let reset_deps = bot_deps.clone();
    let rollup_deps = bot_deps.clone();
    let templates_deps = bot_deps.clone();
    let templates_schedule = cron::Schedule::from_str(&settings.template_sync_schedule)
        .context("invalid TEMPLATE_SYNC_SCHEDULE")?;
    let rollup_schedule =
        cron::Schedule::from_str("0 */10 * * * *").context("invalid roll-up schedule")?;
    let storage = expire_sessions_queue(conn, &settings.namespace);
    let schedule = cron::Schedule::from_str(&format!(
        "0 */{} * * * *",
        settings.cleanup_every_minutes.clamp(1, 59)
    ))
    .context("invalid clean-up schedule")?;

    // Clean once at start, so a restart after a long pause does not wait for the schedule.
    let mut first = storage.clone();
    first
        .push(ExpireSessions {
            idle_seconds: settings.session_idle_seconds,
        })
        .await
        .map_err(|e| anyhow::anyhow!("Failed to enqueue the first clean-up: {e}"))?;

    let idle_seconds = settings.session_idle_seconds;
    let worker_storage = storage.clone();
    let deps = JobDeps { pool };
    let monitor = Monitor::new()
        .register(move |_restarts| {
            let backoff = ExponentialBackoffMaker::new(
                Duration::from_secs(1),
                Duration::from_secs(60),
                0.5,
                HasherRng::default(),
            )
            .expect("static backoff bounds are valid")
            .make_backoff();
            alive("expire-sessions");
            WorkerBuilder::new(worker_name("expire-sessions"))
                .backend(worker_storage.clone())
                .data(deps.clone())
                .concurrency(1)
                .retry(RetryPolicy::retries(3).with_backoff(backoff))
                .timeout(Duration::from_secs(30))
                .build(expire_sessions)
        })
        .register(move |_restarts| {
            alive("bot-inactivity");
            WorkerBuilder::new(worker_name("bot-inactivity"))
                .backend(inactivity.clone())
                .data(bot_deps.clone())
                .concurrency(8)
                .timeout(Duration::from_secs(60))
                .build(bot_inactivity)
        })
        .register(move |_restarts| {
            WorkerBuilder::new("expire-sessions-schedule")
                .backend(CronScheduler::new(schedule.clone()))
                .data(ScheduleDeps {
                    queue: storage.clone(),
                    idle_seconds,
                })
                .build(enqueue_expire_sessions)
        })
        .register(move |_restarts| {
            WorkerBuilder::new("bot-steps-rollup")
                .backend(CronScheduler::new(rollup_schedule.clone()))
                .data(rollup_deps.clone())
                .build(roll_up_bot_steps)
        })
        .register(move |_restarts| {
            WorkerBuilder::new("templates-sync")
                .backend(CronScheduler::new(templates_schedule.clone()))
                .data(templates_deps.clone())
                .build(sync_templates)
        })
        .register(move |_restarts| {
            alive("campaign-dispatch");
            WorkerBuilder::new(worker_name("campaign-dispatch"))
                .backend(campaigns.clone())
                .data(campaign_deps.clone())
                .concurrency(4)
                .timeout(Duration::from_secs(120))
                .build(campaign_dispatch)
        })
        .register(move |_restarts| {
            WorkerBuilder::new("jobs-vacuum")
                .backend(
                    CronScheduler::new(vacuum_schedule.clone())
                        .with_timezone(chrono_tz::America::Sao_Paulo),
                )
                .data(vacuum_deps.clone())
                .build(vacuum_jobs)
        })
        .register(move |_restarts| {
            WorkerBuilder::new("campaign-tick")
                .backend(CronScheduler::new(campaign_schedule.clone()))
                .data(tick_deps.clone())
                .build(campaign_tick)
        });
    // A demo server goes back to its seeded state every night at 03:00 in São Paulo.
    let monitor = if demo {
        let nightly = cron::Schedule::from_str("0 0 3 * * *").context("invalid reset schedule")?;
        monitor.register(move |_restarts| {
            WorkerBuilder::new("demo-nightly-reset")
                .backend(
                    CronScheduler::new(nightly.clone())
                        .with_timezone(chrono_tz::America::Sao_Paulo),
                )
                .data(reset_deps.clone())
                .build(nightly_demo_reset)
        })
    } else {
        monitor
    };
    monitor
        // A worker that stops on an error (Redis gone, a slow reply) comes back by itself.
        .should_restart(|ctx, error| {
            tracing::warn!(worker = ctx.name(), %error, "worker stopped; restarting it");
            // Down until the monitor has built it again (its registration sets it back to 1).
            if let Some(queue) = queue_of(ctx.name()) {
                metrics::gauge!("worker_alive", "queue" => queue).set(0.0);
            }
            metrics::counter!("worker_restarts_total").increment(1);
            true
        })
        .shutdown_timeout(Duration::from_secs(30))
        .run_with_signal(async move {
            shutdown.cancelled().await;
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("job monitor failed: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_workers_name_says_its_queue_and_a_schedules_does_not() {
        let name = super::worker_name("campaign-dispatch");
        assert_eq!(super::queue_of(&name), Some("campaign-dispatch"));
        assert_eq!(super::queue_of("expire-sessions-schedule"), None);
        assert_eq!(super::queue_of("campaign-tick"), None);
    }
}
