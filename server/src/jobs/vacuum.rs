//! Finished jobs leave Redis. apalis-redis keeps every task's payload and metadata, and its id
//! in the queue's `done` or `dead` set, forever (apalis-redis #10); its `vacuum_before` drops
//! the payload and metadata of tasks finished before a cut-off but leaves the ids in those
//! sets, so this trims them too. Payloads are ids only, so what is kept until then is small.

use apalis_core::backend::Vacuum;
use apalis_redis::RedisStorage;
use std::time::Duration;

/// What one queue's vacuum removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Vacuumed {
    /// Tasks whose payload and metadata were dropped.
    pub tasks: usize,
    /// Ids taken out of the `done` and `dead` sets.
    pub ids: usize,
}

/// Drops what the queue keeps of the tasks finished more than `older_than` ago.
pub async fn vacuum_queue<Args>(
    storage: &mut RedisStorage<Args>,
    older_than: Duration,
) -> anyhow::Result<Vacuumed>
where
    RedisStorage<Args>: Vacuum<Error = apalis_redis::Error>,
{
    let tasks = storage.vacuum_before(older_than).await?;
    let config = storage.get_config().clone();
    let data = config.job_data_hash();
    let conn = storage.get_connection();
    let mut ids = 0;
    for set in [config.done_jobs_set(), config.dead_jobs_set()] {
        let mut cursor = 0u64;
        loop {
            let (next, members): (u64, Vec<String>) = redis::cmd("SSCAN")
                .arg(&set)
                .arg(cursor)
                .arg("COUNT")
                .arg(500)
                .query_async(conn)
                .await?;
            if !members.is_empty() {
                let mut exists = redis::pipe();
                for id in &members {
                    exists.cmd("HEXISTS").arg(&data).arg(id);
                }
                let kept: Vec<bool> = exists.query_async(conn).await?;
                let gone: Vec<&String> = members
                    .iter()
                    .zip(kept)
                    .filter_map(|(id, kept)| (!kept).then_some(id))
                    .collect();
                if !gone.is_empty() {
                    let removed: usize = redis::cmd("SREM")
                        .arg(&set)
                        .arg(&gone)
                        .query_async(conn)
                        .await?;
                    ids += removed;
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    Ok(Vacuumed { tasks, ids })
}
