//! The phase runner shared by every phase.
//!
//! A running phase is worked in chunks of ordinals leased from the store. Each chunk is
//! processed by the phase's [`ChunkProcessor`], whose results are written idempotently before
//! the lease is completed, so a chunk interrupted by a pause, a cancel or a crash is simply
//! processed again and never produces a second row. Several chunks are in flight at once so
//! that a chunk boundary never drains the pipeline; memory is bounded by chunk size × chunks in
//! flight, whatever the campaign's size.
//!
//! The [`Engine`] owns every task it spawns (one `TaskTracker`) and cancels them with one
//! `CancellationToken`. A supervisor loop attaches a run to every phase the store says is
//! running — after a user starts one, or after a restart — so a killed process resumes where
//! its checkpoints left off.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dragnet_domain::{Action, CampaignId, Phase, PhaseStatus};
use dragnet_store::{Campaign, CampaignFilter, Change, Chunk, Store, StoreError};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::phases;
use dragnet_domain::progress::{PhaseProgress, ProgressKind, ProgressSink};

/// How the engine schedules work. Defaults suit one small machine.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// This worker's name, recorded as the owner of the chunks it leases. It must be unique
    /// among the processes sharing a database and stable across restarts: a restarted worker
    /// releases the leases its previous incarnation held instead of waiting for them to
    /// expire.
    pub worker_name: String,
    /// How long a chunk lease lasts without renewal; a dead worker's chunks are picked up by
    /// others after this.
    pub lease: Duration,
    /// How often the supervisor looks for running phases, and a run re-reads its status.
    pub poll_interval: Duration,
    /// The shortest interval between two routine progress reports of one campaign.
    pub progress_interval: Duration,
    /// Names per chunk in `domain_generation`.
    pub generation_chunk: u64,
    /// Ordinals per chunk in `dns_validation`.
    pub dns_chunk: u64,
    /// Chunks of one phase processed at once by this worker.
    pub chunks_in_flight: usize,
    /// Ordinals per chunk in `http_keyword_validation`.
    pub http_chunk: u64,
    /// Ordinals per chunk in `content_analysis` (only those with a page snapshot are read).
    /// Small, because a chunk's pages are analysed in one go on the blocking pool.
    pub content_chunk: u64,
    /// Ordinals per chunk in `lead_extraction` (every domain is read; those with a page
    /// snapshot are also extracted on the blocking pool).
    pub lead_chunk: u64,
    /// Ordinals rescored per transaction by a rescore ([`Engine::rescore`]): one set-based
    /// `UPDATE` each, committed with the rescore's checkpoint.
    pub rescore_chunk: u64,
    /// Whether the HTTP prober (and the proxy test) may connect to loopback, private,
    /// link-local, CGNAT and other non-public addresses. Off by default: the SSRF guard.
    pub allow_private_addresses: bool,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            worker_name: default_worker_name(),
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(250),
            progress_interval: Duration::from_millis(250),
            generation_chunk: 50_000,
            dns_chunk: 20_000,
            chunks_in_flight: 3,
            http_chunk: 2_000,
            content_chunk: 500,
            lead_chunk: 500,
            rescore_chunk: dragnet_store::RESCORE_CHUNK,
            allow_private_addresses: false,
        }
    }
}

/// `hostname` (or `worker`) plus nothing else: stable across restarts of the same machine.
fn default_worker_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}

/// Why a phase could not go on. The run records it on the phase row with the engine's
/// `fail` action.
#[derive(Debug, thiserror::Error)]
pub enum PhaseError {
    /// The phase's configuration is missing or invalid.
    #[error("configuration: {0}")]
    Configuration(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The network client failed in a way that retrying will not fix.
    #[error("{0}")]
    Network(String),
    /// A blocking task panicked or was cancelled.
    #[error("internal: {0}")]
    Internal(String),
}

/// A boxed future returned by a [`ChunkProcessor`].
pub type ChunkFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PhaseError>> + Send + 'a>>;

/// One phase's work on one chunk: read its input, process it, and write its results
/// idempotently (and, where the phase has them, its counters) — all before returning `Ok`, after
/// which the runner completes the lease. On cancellation it returns early; the chunk is then
/// processed again later, so anything it wrote must be safe to write twice.
pub trait ChunkProcessor: Send + Sync + 'static {
    /// Processes `chunk`.
    fn process<'a>(&'a self, chunk: &'a Chunk, cancel: &'a CancellationToken) -> ChunkFuture<'a>;
}

/// What a phase needs before its chunks run: how many items it has, which ordinals its
/// chunks cover, and the processor.
pub struct PhasePlan {
    /// Items to process (the phase's `totalItems`).
    pub total_items: u64,
    /// The ordinals the phase's chunks cover.
    pub ordinals: std::ops::Range<u64>,
    /// Ordinals per chunk.
    pub chunk_size: u64,
    /// For a phase done by counting (generation of an imported list): the count to record
    /// as processed and succeeded.
    pub counted: Option<u64>,
    /// Chunks this worker processes at once, when the phase needs more than
    /// [`EngineSettings::chunks_in_flight`] (a CPU-bound phase keeps every core busy while
    /// other chunks are read and written); `None` for the setting.
    pub chunks_in_flight: Option<usize>,
    /// The chunk worker.
    pub processor: Arc<dyn ChunkProcessor>,
}

/// The phase engine of one process. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) sink: Arc<dyn ProgressSink>,
    pub(crate) settings: EngineSettings,
    pub(crate) tracker: TaskTracker,
    pub(crate) shutdown: CancellationToken,
    /// Runs attached in this process, by campaign.
    active: Mutex<HashMap<CampaignId, Arc<RunHandle>>>,
    /// Rescores this process is working on (`crate::rescore`), by campaign.
    pub(crate) rescoring: Mutex<std::collections::HashSet<CampaignId>>,
    /// Wakes the supervisor early (after a start, resume or retry).
    wake: Notify,
}

struct RunHandle {
    phase: Phase,
    /// Wakes the run to re-read its status at once (after a pause or cancel).
    recheck: Notify,
}

impl Engine {
    /// An engine over `store`, reporting to `sink`. Nothing runs until [`Engine::start`].
    pub fn new(store: Store, sink: Arc<dyn ProgressSink>, settings: EngineSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                sink,
                settings,
                tracker: TaskTracker::new(),
                shutdown: CancellationToken::new(),
                active: Mutex::new(HashMap::new()),
                rescoring: Mutex::new(std::collections::HashSet::new()),
                wake: Notify::new(),
            }),
        }
    }

    /// The store the engine works on.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Starts the supervisor, which attaches a run to every running phase (including those a
    /// previous process left running) and keeps doing so until [`Engine::shutdown`].
    pub async fn start(&self) -> Result<(), PhaseError> {
        let owner = self.inner.settings.worker_name.clone();
        let released = self
            .inner
            .store
            .run(move |s| s.release_chunks_of(&owner))
            .await?;
        if released > 0 {
            tracing::info!(
                released,
                "released the chunk leases of a previous run of this worker"
            );
        }
        let engine = self.clone();
        self.inner
            .tracker
            .spawn(async move { engine.supervise().await });
        Ok(())
    }

    /// Stops every run: in-flight chunks are abandoned (their leases released, their work
    /// redone later) and the phases stay `running` in the store, so the next start resumes
    /// them. Returns when every task has finished.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }

    /// Applies a state change through the store, publishes the new status at once, and wakes
    /// whatever must react (the supervisor for a start, the run for a pause or cancel).
    pub async fn apply(
        &self,
        id: CampaignId,
        change: Change,
    ) -> Result<dragnet_store::Applied, StoreError> {
        let applied = self
            .inner
            .store
            .run(move |s| s.apply_action(id, &change))
            .await?;
        self.after_change(id).await;
        Ok(applied)
    }

    /// Publishes a campaign's current state as a status change and wakes the supervisor and
    /// the campaign's run; call after any change made directly through the store.
    pub async fn after_change(&self, id: CampaignId) {
        if let Ok(campaign) = self.inner.store.run(move |s| s.get_campaign(id)).await {
            self.inner
                .sink
                .publish(&snapshot(&campaign, 0.0), ProgressKind::StatusChange);
        }
        self.inner.wake.notify_one();
        let handle = self.lock_active().get(&id).cloned();
        if let Some(handle) = handle {
            handle.recheck.notify_one();
        }
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, HashMap<CampaignId, Arc<RunHandle>>> {
        // A panic while holding this lock cannot leave the map inconsistent (single inserts
        // and removes), so a poisoned lock is still usable.
        self.inner
            .active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn supervise(self) {
        let mut reclaim_at = Instant::now();
        loop {
            if let Err(e) = self.attach_running().await {
                tracing::warn!(error = %e, "looking for running phases failed; retrying");
            }
            if let Err(e) = self.attach_rescores().await {
                tracing::warn!(error = %e, "looking for unfinished rescores failed; retrying");
            }
            if reclaim_at.elapsed() >= self.inner.settings.lease {
                reclaim_at = Instant::now();
                if let Err(e) = self.inner.store.run(|s| s.reclaim_expired()).await {
                    tracing::warn!(error = %e, "reclaiming expired leases failed");
                }
            }
            tokio::select! {
                () = self.inner.shutdown.cancelled() => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(self.inner.settings.poll_interval * 4) => {}
            }
        }
    }

    /// Attaches a run to every running phase that has none in this process.
    async fn attach_running(&self) -> Result<(), PhaseError> {
        let mut before = None;
        loop {
            let page = self
                .inner
                .store
                .run(move |s| {
                    s.list_campaigns(
                        &CampaignFilter {
                            phase_status: Some(PhaseStatus::Running),
                            ..CampaignFilter::default()
                        },
                        before,
                        200,
                    )
                })
                .await?;
            for campaign in page.items {
                self.attach(campaign.id, campaign.state.current_phase);
            }
            match page.next {
                Some(next) => before = Some(next),
                None => return Ok(()),
            }
        }
    }

    fn attach(&self, id: CampaignId, phase: Phase) {
        let handle = {
            let mut active = self.lock_active();
            if active.contains_key(&id) {
                return;
            }
            let handle = Arc::new(RunHandle {
                phase,
                recheck: Notify::new(),
            });
            active.insert(id, Arc::clone(&handle));
            handle
        };
        let engine = self.clone();
        self.inner.tracker.spawn(async move {
            tracing::info!(campaign = %id, %phase, "phase run attached");
            let outcome = engine.run_phase(id, &handle).await;
            engine.lock_active().remove(&id);
            match outcome {
                Ok(next) => {
                    if next {
                        // Full-sequence mode started the next phase: attach it now.
                        engine.inner.wake.notify_one();
                    }
                }
                Err(e) => engine.fail_phase(id, phase, &e).await,
            }
        });
    }

    async fn fail_phase(&self, id: CampaignId, phase: Phase, error: &PhaseError) {
        tracing::error!(campaign = %id, %phase, error = %error, "phase failed");
        let change = Change::new(Action::Fail).with_error(error.to_string());
        if let Err(e) = self.apply(id, change).await {
            tracing::warn!(campaign = %id, error = %e, "recording the phase failure failed");
        }
    }

    /// Runs one phase until it completes, stops running (pause, cancel) or the engine shuts
    /// down. Returns whether a next phase was started in full-sequence mode.
    async fn run_phase(&self, id: CampaignId, handle: &RunHandle) -> Result<bool, PhaseError> {
        let settings = &self.inner.settings;
        let store = &self.inner.store;
        let campaign = store.run(move |s| s.get_campaign(id)).await?;
        if !is_running(&campaign, handle.phase) {
            return Ok(false);
        }
        let plan = phases::prepare(store, settings, &campaign).await?;
        let (phase, total, counted) = (handle.phase, plan.total_items, plan.counted);
        let (ordinals, size) = (plan.ordinals.clone(), plan.chunk_size);
        let in_flight_limit = plan
            .chunks_in_flight
            .unwrap_or(settings.chunks_in_flight)
            .max(1);
        store
            .run(move |s| {
                s.set_phase_total(id, phase, total)?;
                if let Some(count) = counted {
                    s.record_counted(id, phase, count)?;
                }
                s.plan_chunks(id, phase, ordinals, size)
            })
            .await?;

        let stop = self.inner.shutdown.child_token();
        let mut chunks: JoinSet<(Chunk, Result<(), PhaseError>)> = JoinSet::new();
        // The chunks in flight, by first ordinal, with the token that abandons each.
        let mut in_flight: HashMap<u64, (Chunk, CancellationToken)> = HashMap::new();
        let mut meter = RateMeter::new();
        let mut last_report = Instant::now() - settings.progress_interval;
        let mut last_renewal = Instant::now();
        let mut exhausted = false;
        let mut result: Result<bool, PhaseError> = Ok(false);
        loop {
            // Keep the pipeline full.
            while !exhausted && chunks.len() < in_flight_limit {
                let owner = settings.worker_name.clone();
                let lease = settings.lease;
                match store
                    .run(move |s| s.claim_chunk(id, phase, &owner, lease))
                    .await?
                {
                    Some(chunk) => {
                        let processor = Arc::clone(&plan.processor);
                        let cancel = stop.child_token();
                        in_flight.insert(chunk.start, (chunk.clone(), cancel.clone()));
                        chunks.spawn(async move {
                            let r = processor.process(&chunk, &cancel).await;
                            (chunk, r)
                        });
                    }
                    None => exhausted = true,
                }
            }
            if chunks.is_empty() {
                // Nothing left to claim here: done when every chunk is, otherwise other
                // workers hold the rest; wait for them (or for their leases to expire).
                let (done, all) = store.run(move |s| s.chunk_progress(id, phase)).await?;
                if done == all {
                    result = self.complete(id, phase).await;
                    break;
                }
            }
            tokio::select! {
                Some(joined) = chunks.join_next(), if !chunks.is_empty() => {
                    let (chunk, outcome) = joined.map_err(|e| PhaseError::Internal(e.to_string()))?;
                    let lost = in_flight
                        .remove(&chunk.start)
                        .is_some_and(|(_, cancel)| cancel.is_cancelled());
                    match outcome {
                        Ok(()) => match store.run(move |s| s.complete_chunk(&chunk)).await {
                            Ok(()) => {}
                            // The lease expired and another worker took the chunk; its
                            // results are written idempotently, so nothing is lost.
                            Err(StoreError::LeaseLost { .. }) => {}
                            Err(e) => return Err(e.into()),
                        },
                        Err(_) if stop.is_cancelled() => break,
                        // Abandoned because its lease was lost: another worker has it.
                        Err(_) if lost => {}
                        Err(e) => {
                            let release = chunk.clone();
                            let _ = store.run(move |s| s.release_chunk(&release)).await;
                            result = Err(e);
                            break;
                        }
                    }
                }
                () = handle.recheck.notified() => {}
                () = tokio::time::sleep(settings.poll_interval) => {
                    exhausted = false;
                }
                () = stop.cancelled() => break,
            }
            // Renew the leases of long chunks (a rate-limited DNS chunk can outlast a lease).
            if last_renewal.elapsed() >= settings.lease / 3 {
                last_renewal = Instant::now();
                self.renew(&mut in_flight).await;
            }
            // Re-read the state: a pause or cancel stops the run within a poll interval.
            let campaign = store.run(move |s| s.get_campaign(id)).await?;
            if !is_running(&campaign, phase) {
                break;
            }
            if last_report.elapsed() >= settings.progress_interval {
                last_report = Instant::now();
                let rate = meter.observe(campaign.current().map_or(0, |p| p.processed));
                self.inner
                    .sink
                    .publish(&snapshot(&campaign, rate), ProgressKind::Update);
            }
        }
        // Abandon whatever is still in flight; its leases go back to the pool at once.
        stop.cancel();
        while let Some(joined) = chunks.join_next().await {
            if let Ok((chunk, _)) = joined {
                let _ = store.run(move |s| s.release_chunk(&chunk)).await;
            }
        }
        result
    }

    /// Renews the lease of every chunk in flight; a chunk whose lease was lost (it expired
    /// and another worker claimed it) is abandoned.
    async fn renew(&self, in_flight: &mut HashMap<u64, (Chunk, CancellationToken)>) {
        let lease = self.inner.settings.lease;
        for (chunk, cancel) in in_flight.values_mut() {
            let current = chunk.clone();
            match self
                .inner
                .store
                .run(move |s| s.renew_chunk(&current, lease))
                .await
            {
                Ok(renewed) => *chunk = renewed,
                Err(StoreError::LeaseLost { .. }) => {
                    tracing::warn!(campaign = %chunk.campaign, start = chunk.start, "chunk lease lost; abandoning the chunk");
                    cancel.cancel();
                }
                Err(e) => tracing::warn!(error = %e, "renewing a chunk lease failed"),
            }
        }
    }

    /// Marks the phase completed and, in full-sequence mode, advances to and starts the next
    /// configured phase. Returns whether one was started.
    async fn complete(&self, id: CampaignId, phase: Phase) -> Result<bool, PhaseError> {
        let store = &self.inner.store;
        match self.apply(id, Change::new(Action::Complete)).await {
            Ok(_) => {}
            // Another worker completed it first, or a user paused it in the meantime.
            Err(StoreError::Transition(_) | StoreError::Conflict { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(campaign = %id, %phase, "phase completed");
        let campaign = store.run(move |s| s.get_campaign(id)).await?;
        if !campaign.launch_sequence {
            return Ok(false);
        }
        let configured = |p: Phase| {
            campaign
                .phase(p)
                .is_some_and(|record| record.configuration.is_some())
        };
        let Some(next) = campaign.state.next_in_sequence(configured) else {
            return Ok(false);
        };
        let version = campaign.version;
        let advance = Change::new(Action::Advance { target_phase: next }).expecting(version);
        match self.apply(id, advance).await {
            Ok(_) => {}
            Err(StoreError::Transition(_) | StoreError::Conflict { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        match self.apply(id, Change::new(Action::Start)).await {
            Ok(_) => Ok(true),
            Err(StoreError::Transition(_) | StoreError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

fn is_running(campaign: &Campaign, phase: Phase) -> bool {
    campaign.state.current_phase == phase && campaign.state.phase_status == PhaseStatus::Running
}

/// The progress snapshot of a campaign's current phase.
pub fn snapshot(campaign: &Campaign, rate_per_second: f64) -> PhaseProgress {
    let (total, processed, succeeded, failed) = campaign.current().map_or((0, 0, 0, 0), |p| {
        (p.total, p.processed, p.succeeded, p.failed)
    });
    let remaining = total.saturating_sub(processed);
    let eta_seconds = (rate_per_second > 0.0
        && campaign.state.phase_status == PhaseStatus::Running)
        .then(|| (remaining as f64 / rate_per_second).ceil() as u64);
    PhaseProgress {
        campaign_id: campaign.id,
        current_phase: campaign.state.current_phase,
        phase_status: campaign.state.phase_status,
        total_items: total,
        processed_items: processed,
        successful_items: succeeded,
        failed_items: failed,
        rate_per_second,
        eta_seconds,
    }
}

/// Processing rate over a sliding window of recent samples.
pub(crate) struct RateMeter {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl RateMeter {
    const WINDOW: Duration = Duration::from_secs(5);

    pub(crate) fn new() -> Self {
        Self {
            samples: std::collections::VecDeque::new(),
        }
    }

    /// Records the processed count now and returns items per second over the window.
    pub(crate) fn observe(&mut self, processed: u64) -> f64 {
        let now = Instant::now();
        self.samples.push_back((now, processed));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Self::WINDOW)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, p0)), Some((t1, p1))) if t1 > t0 => {
                p1.saturating_sub(*p0) as f64 / t1.duration_since(*t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}
