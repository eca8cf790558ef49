//! The per-IP concurrency limit: at most `limit` connections in flight to one address, so a
//! shared-hosting address serving thousands of the campaign's domains is not hammered.
//!
//! One semaphore per address, created on first use and dropped when its last user is done, so
//! memory follows the addresses in flight rather than every address ever seen. The map is
//! sharded by address so that concurrent probes to different addresses rarely share a lock;
//! each lock is held for a hash-map operation only, never across an `.await`.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const SHARDS: usize = 64;

type Shard = Mutex<HashMap<IpAddr, Arc<Semaphore>>>;

/// Per-address semaphores.
pub(crate) struct IpLimiter {
    limit: usize,
    hasher: RandomState,
    shards: Box<[Shard]>,
}

/// A connection slot to one address; released (and the address forgotten if nobody else
/// uses it) on drop.
pub(crate) struct IpPermit<'a> {
    limiter: &'a IpLimiter,
    ip: IpAddr,
    semaphore: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl IpLimiter {
    /// At most `limit` permits per address (at least 1).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.clamp(1, Semaphore::MAX_PERMITS),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(&self, ip: &IpAddr) -> MutexGuard<'_, HashMap<IpAddr, Arc<Semaphore>>> {
        let index = (self.hasher.hash_one(ip) as usize) % SHARDS;
        // A panic while holding the lock leaves the map consistent (each operation is one
        // insert or remove), so a poisoned lock is still usable.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot to `ip`.
    pub(crate) async fn acquire(&self, ip: IpAddr) -> IpPermit<'_> {
        let semaphore = Arc::clone(
            self.shard(&ip)
                .entry(ip)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit))),
        );
        // Built before waiting, so a cancelled wait still forgets an unused address.
        let mut permit = IpPermit {
            limiter: self,
            ip,
            semaphore,
            permit: None,
        };
        // The semaphore is never closed, so `acquire_owned` cannot fail; if it ever did, the
        // connection would simply go ahead unlimited.
        permit.permit = Arc::clone(&permit.semaphore).acquire_owned().await.ok();
        permit
    }

    /// How many addresses have a semaphore (in use or awaited).
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

impl Drop for IpPermit<'_> {
    fn drop(&mut self) {
        self.permit = None;
        let mut shard = self.limiter.shard(&self.ip);
        // Every other holder (a running connection or a waiter) got its clone under this
        // lock, so two references (the map's and ours) mean nobody else uses the address.
        if Arc::strong_count(&self.semaphore) == 2
            && shard
                .get(&self.ip)
                .is_some_and(|s| Arc::ptr_eq(s, &self.semaphore))
        {
            shard.remove(&self.ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn limits_per_address_and_forgets_idle_addresses() {
        let limiter = IpLimiter::new(2);
        let a: IpAddr = "192.0.2.1".parse().expect("valid");
        let b: IpAddr = "192.0.2.2".parse().expect("valid");
        let p1 = limiter.acquire(a).await;
        let p2 = limiter.acquire(a).await;
        let pb = limiter.acquire(b).await;
        assert_eq!(limiter.tracked(), 2);
        // A third slot to `a` waits until one is released.
        let third = tokio::time::timeout(Duration::from_millis(50), limiter.acquire(a)).await;
        assert!(third.is_err(), "the third permit to one address must wait");
        drop(p1);
        let p3 = tokio::time::timeout(Duration::from_secs(5), limiter.acquire(a))
            .await
            .expect("a released slot is handed on");
        drop(pb);
        assert_eq!(limiter.tracked(), 1, "b is forgotten once idle");
        drop(p2);
        drop(p3);
        assert_eq!(limiter.tracked(), 0, "a is forgotten once idle");
    }

    #[tokio::test]
    async fn a_cancelled_wait_leaves_nothing_behind() {
        let limiter = IpLimiter::new(1);
        let a: IpAddr = "2001:db8::1".parse().expect("valid");
        let held = limiter.acquire(a).await;
        let waited = tokio::time::timeout(Duration::from_millis(20), limiter.acquire(a)).await;
        assert!(waited.is_err());
        drop(held);
        assert_eq!(limiter.tracked(), 0);
    }
}
