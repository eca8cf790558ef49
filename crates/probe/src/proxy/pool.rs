//! Rotation over a phase run's proxies, and benching of the broken ones.
//!
//! [`ProxyPool::pick`] and [`ProxyPool::report`] run once per probe (thousands per second),
//! so the pool keeps its state in atomics: no lock, one `fetch_add` for round-robin, and a
//! clock read only when a proxy is benched. Every use is also counted in the process-wide
//! [`proxy_totals`] (by label, over all pools), which `/metrics` reports.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use dragnet_domain::ProxyRotation;
use tokio::time::Instant;

use super::{ProxyEndpoint, ProxyError};

/// When a proxy is taken out of rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchPolicy {
    /// Consecutive proxy faults that bench a proxy; 0 never benches.
    pub failures: u32,
    /// How long a benched proxy stays out of rotation before it is tried again.
    pub duration: Duration,
}

impl Default for BenchPolicy {
    /// 5 consecutive proxy faults bench a proxy for 60 seconds.
    fn default() -> Self {
        BenchPolicy {
            failures: 5,
            duration: Duration::from_secs(60),
        }
    }
}

/// One proxy handed out by [`ProxyPool::pick`]; give it back to [`ProxyPool::report`].
#[derive(Debug, Clone)]
pub struct ProxyLease {
    index: usize,
    endpoint: Arc<ProxyEndpoint>,
}

impl ProxyLease {
    /// The proxy to connect through.
    pub fn endpoint(&self) -> &ProxyEndpoint {
        &self.endpoint
    }

    /// The proxy's position in the pool (the order given to [`ProxyPool::new`]).
    pub fn index(&self) -> usize {
        self.index
    }
}

/// A proxy's record in the pool, as [`ProxyPool::health`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyHealth {
    /// The proxy's label.
    pub label: String,
    /// Uses in which the proxy worked (the tunnel opened, or only the target failed).
    pub successes: u64,
    /// Proxy faults.
    pub failures: u64,
    /// Proxy faults since the last success.
    pub consecutive_failures: u32,
    /// How much longer the proxy stays benched; `None` when it is in rotation.
    pub benched_for: Option<Duration>,
    /// How many times the proxy has been benched.
    pub times_benched: u64,
}

/// A proxy's counters over every pool of this process (every phase run that used it), as
/// [`proxy_totals`] reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTotals {
    /// The proxy's label (a stored proxy's id).
    pub label: String,
    /// Uses in which the proxy worked.
    pub successes: u64,
    /// Proxy faults.
    pub failures: u64,
    /// How many times it was benched.
    pub times_benched: u64,
    /// Whether it is benched now (in some pool).
    pub benched: bool,
}

/// The counters behind [`ProxyTotals`], shared by every pool entry with the same label.
#[derive(Debug, Default)]
struct Totals {
    successes: AtomicU64,
    failures: AtomicU64,
    times_benched: AtomicU64,
    /// Milliseconds since [`PROCESS_EPOCH`] until which some pool benches the proxy.
    benched_until: AtomicU64,
}

/// Totals by label. Labels are stored proxies' ids, so the map is as large as the catalog.
static TOTALS: LazyLock<Mutex<BTreeMap<String, Arc<Totals>>>> = LazyLock::new(Mutex::default);
/// The wall clock's monotonic time, not tokio's: the totals outlive any one runtime (and a
/// test's paused clock).
static PROCESS_EPOCH: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);

fn process_ms() -> u64 {
    let elapsed = std::time::Instant::now().saturating_duration_since(*PROCESS_EPOCH);
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

fn totals_for(label: &str) -> Arc<Totals> {
    let mut totals = TOTALS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(totals.entry(label.to_owned()).or_default())
}

/// Every proxy used by this process so far, by label: what `/metrics` reports.
pub fn proxy_totals() -> Vec<ProxyTotals> {
    let now = process_ms();
    let totals = TOTALS.lock().unwrap_or_else(PoisonError::into_inner);
    totals
        .iter()
        .map(|(label, t)| ProxyTotals {
            label: label.clone(),
            successes: t.successes.load(Ordering::Relaxed),
            failures: t.failures.load(Ordering::Relaxed),
            times_benched: t.times_benched.load(Ordering::Relaxed),
            benched: t.benched_until.load(Ordering::Relaxed) > now,
        })
        .collect()
}

#[derive(Debug)]
struct Entry {
    endpoint: Arc<ProxyEndpoint>,
    totals: Arc<Totals>,
    successes: AtomicU64,
    failures: AtomicU64,
    consecutive: AtomicU32,
    /// Milliseconds since the pool's epoch until which the proxy is benched; 0 = never benched.
    benched_until: AtomicU64,
    times_benched: AtomicU64,
}

/// The proxies of a phase run, shared by all its probes (`Send + Sync`).
///
/// A proxy is benched when `bench.failures` proxy faults ([`ProxyError::is_proxy_fault`])
/// arrive in a row; it is skipped for `bench.duration` and then handed out again. Its
/// consecutive-fault count is not reset by the bench, so after it comes back a single further
/// fault benches it again, and one success puts it fully back (a circuit breaker's half-open
/// state). Target faults count as successes: the proxy did its job.
#[derive(Debug)]
pub struct ProxyPool {
    entries: Box<[Entry]>,
    rotation: ProxyRotation,
    bench: BenchPolicy,
    next: AtomicUsize,
    epoch: Instant,
}

impl ProxyPool {
    /// A pool over `proxies`, in this order.
    pub fn new(proxies: Vec<ProxyEndpoint>, rotation: ProxyRotation, bench: BenchPolicy) -> Self {
        let entries = proxies
            .into_iter()
            .map(|endpoint| Entry {
                totals: totals_for(&endpoint.label),
                endpoint: Arc::new(endpoint),
                successes: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                consecutive: AtomicU32::new(0),
                benched_until: AtomicU64::new(0),
                times_benched: AtomicU64::new(0),
            })
            .collect();
        ProxyPool {
            entries,
            rotation,
            bench,
            next: AtomicUsize::new(0),
            epoch: Instant::now(),
        }
    }

    /// How many proxies the pool holds, benched or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the pool holds no proxy.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The next proxy to use, skipping benched ones; `None` when every proxy is benched (or
    /// the pool is empty) — the caller reports "all proxies benched".
    pub fn pick(&self) -> Option<ProxyLease> {
        let n = self.entries.len();
        if n == 0 {
            return None;
        }
        let start = match self.rotation {
            ProxyRotation::RoundRobin => self.next.fetch_add(1, Ordering::Relaxed) % n,
            ProxyRotation::Random => fastrand::usize(..n),
        };
        // Read the clock at most once, and only if some proxy is benched.
        let mut now = None;
        for offset in 0..n {
            let index = (start + offset) % n;
            let entry = &self.entries[index];
            let until = entry.benched_until.load(Ordering::Acquire);
            if until != 0 && *now.get_or_insert_with(|| self.now_ms()) < until {
                continue;
            }
            return Some(ProxyLease {
                index,
                endpoint: Arc::clone(&entry.endpoint),
            });
        }
        None
    }

    /// Records how a use of `lease` went: `ok = false` for a proxy fault, `true` when the proxy
    /// worked (even if the target then failed). `bench.failures` faults in a row bench it.
    pub fn report(&self, lease: &ProxyLease, ok: bool) {
        let Some(entry) = self.entries.get(lease.index) else {
            return;
        };
        if ok {
            entry.successes.fetch_add(1, Ordering::Relaxed);
            entry.totals.successes.fetch_add(1, Ordering::Relaxed);
            entry.consecutive.store(0, Ordering::Relaxed);
            return;
        }
        entry.failures.fetch_add(1, Ordering::Relaxed);
        entry.totals.failures.fetch_add(1, Ordering::Relaxed);
        let consecutive = entry
            .consecutive
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        if self.bench.failures == 0 || consecutive < self.bench.failures {
            return;
        }
        let now = self.now_ms();
        let current = entry.benched_until.load(Ordering::Acquire);
        if current > now {
            // Already benched (a fault from a probe that started before the bench).
            return;
        }
        let duration = u64::try_from(self.bench.duration.as_millis()).unwrap_or(u64::MAX);
        let until = now.saturating_add(duration).max(1);
        // Only one of several concurrent faults benches the proxy and counts the bench.
        if entry
            .benched_until
            .compare_exchange(current, until, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            entry.times_benched.fetch_add(1, Ordering::Relaxed);
            entry.totals.times_benched.fetch_add(1, Ordering::Relaxed);
            entry
                .totals
                .benched_until
                .fetch_max(process_ms().saturating_add(duration), Ordering::Relaxed);
            tracing::warn!(
                proxy = %entry.endpoint.label,
                consecutive_failures = consecutive,
                bench_ms = duration,
                "proxy benched"
            );
        }
    }

    /// [`ProxyPool::report`] from the result of using the lease: `Ok`, or an error that is not
    /// the proxy's fault, counts as a success.
    pub fn report_result(&self, lease: &ProxyLease, result: Result<(), &ProxyError>) {
        self.report(
            lease,
            result.map_or_else(|e| !e.is_proxy_fault(), |()| true),
        );
    }

    /// Every proxy's record, in pool order.
    pub fn health(&self) -> Vec<ProxyHealth> {
        let now = self.now_ms();
        self.entries
            .iter()
            .map(|entry| {
                let until = entry.benched_until.load(Ordering::Acquire);
                ProxyHealth {
                    label: entry.endpoint.label.clone(),
                    successes: entry.successes.load(Ordering::Relaxed),
                    failures: entry.failures.load(Ordering::Relaxed),
                    consecutive_failures: entry.consecutive.load(Ordering::Relaxed),
                    benched_for: (until > now).then(|| Duration::from_millis(until - now)),
                    times_benched: entry.times_benched.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// Milliseconds since the pool was made.
    fn now_ms(&self) -> u64 {
        let elapsed = Instant::now().saturating_duration_since(self.epoch);
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    }
}
