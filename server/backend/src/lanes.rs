//! Turns by key on this instance: work on one key (a conversation, a contact) runs one at a
//! time, first come first served, and at most a bounded number of any keys run at once. Across
//! instances the database decides (conditional updates, claims); this only keeps one instance
//! from racing itself and from queueing on the connection pool.

use std::collections::hash_map::DefaultHasher;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};
use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};

pub struct Lanes {
    /// Keys share a lane by hash: rarely, two keys wait for each other.
    lanes: Vec<Mutex<()>>,
    permits: Semaphore,
}

impl Lanes {
    pub fn new(concurrency: usize) -> Self {
        Self {
            lanes: (0..256).map(|_| Mutex::new(())).collect(),
            permits: Semaphore::new(concurrency),
        }
    }

    /// The key's turn.
    pub async fn turn(&self, key: impl Hash) -> MutexGuard<'_, ()> {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        self.lanes[hash as usize % self.lanes.len()].lock().await
    }

    /// The key's turn, then a free slot: one key's queue never holds the slots.
    pub async fn enter(&self, key: impl Hash) -> (MutexGuard<'_, ()>, Option<SemaphorePermit<'_>>) {
        let turn = self.turn(key).await;
        (turn, self.permits.acquire().await.ok())
    }
}
