//! The phases the runner knows how to run: what each needs before its chunks start
//! ([`prepare`]) and its [`ChunkProcessor`].

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dragnet_domain::config::dns::{DnsResolverSettings, DnsValidationConfig};
use dragnet_domain::config::generation::DomainGenerationConfig;
use dragnet_domain::generator::Generator;
use dragnet_domain::{CampaignId, Phase};
use dragnet_store::{Campaign, Chunk, DnsResult, GeneratedChunk, Store};
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::runner::{ChunkFuture, ChunkProcessor, EngineSettings, PhaseError, PhasePlan};
use dragnet_dns::TokenBucket;
use dragnet_dns::{DnsServer, Resolver, ResolverSettings};

mod content;
mod http;
mod leads;
pub mod snapshot;

/// Works out a running phase's plan: its item total, the ordinals its chunks cover and its
/// processor. The first start of a phase records the plan (as its chunk leases); later starts
/// (resume, retry, a restart) find and reuse it, so totals and chunk boundaries never move.
pub async fn prepare(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let phase = campaign.state.current_phase;
    match phase {
        Phase::DomainGeneration => prepare_generation(store, settings, campaign).await,
        Phase::DnsValidation => prepare_dns(store, settings, campaign).await,
        Phase::HttpKeywordValidation => http::prepare(store, settings, campaign).await,
        Phase::ContentAnalysis => content::prepare(store, settings, campaign).await,
        Phase::LeadExtraction => leads::prepare(store, settings, campaign).await,
    }
}

pub(crate) fn config<T: DeserializeOwned>(
    campaign: &Campaign,
    phase: Phase,
) -> Result<Option<T>, PhaseError> {
    campaign
        .phase(phase)
        .and_then(|p| p.configuration.clone())
        .map(|json| {
            serde_json::from_value(json)
                .map_err(|e| PhaseError::Configuration(format!("{phase}: {e}")))
        })
        .transpose()
}

/// The ordinals chunks cover: the recorded plan if there is one, else `fresh()`.
pub(crate) async fn chunk_range(
    store: &Store,
    id: CampaignId,
    phase: Phase,
    fresh: impl FnOnce(&Store) -> Result<Range<u64>, dragnet_store::StoreError> + Send + 'static,
) -> Result<Range<u64>, PhaseError> {
    let range = store
        .run(move |s| match s.chunk_plan(id, phase)? {
            Some(range) => Ok(range),
            None => fresh(s),
        })
        .await?;
    Ok(range)
}

async fn prepare_generation(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let id = campaign.id;
    let Some(config) = config::<DomainGenerationConfig>(campaign, Phase::DomainGeneration)? else {
        // Domains were imported as a list: the phase completes by counting them.
        let count = store.run(move |s| s.count_domains(id)).await?;
        return Ok(PhasePlan {
            total_items: count,
            ordinals: 0..0,
            chunk_size: 1,
            counted: Some(count),
            chunks_in_flight: None,
            processor: Arc::new(NothingToDo),
        });
    };
    let pattern = config.campaign_range();
    let count = u64::try_from(pattern.end - pattern.start).map_err(|_| {
        PhaseError::Configuration(format!(
            "domainGeneration: {} names do not fit in one campaign; set maxDomains",
            pattern.end - pattern.start
        ))
    })?;
    // Generated names follow any names imported before the phase first started.
    let ordinals = chunk_range(store, id, Phase::DomainGeneration, move |s| {
        let base = s.next_ordinal(id)?;
        Ok(base..base + count)
    })
    .await?;
    Ok(PhasePlan {
        total_items: count,
        ordinals: ordinals.clone(),
        chunk_size: settings.generation_chunk.max(1),
        counted: None,
        chunks_in_flight: None,
        processor: Arc::new(Generation {
            store: store.clone(),
            generator: config.generator(),
            pattern_key: config.pattern_key(),
            pattern_start: pattern.start,
            ordinal_base: ordinals.start,
        }),
    })
}

/// A phase with nothing to process chunk by chunk.
struct NothingToDo;

impl ChunkProcessor for NothingToDo {
    fn process<'a>(&'a self, _chunk: &'a Chunk, _cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// `domain_generation`: streams generated names into the store, raising the pattern's
/// high-water mark in the same transaction as each chunk.
struct Generation {
    store: Store,
    generator: Generator,
    pattern_key: String,
    /// The pattern ordinal of the campaign's first name.
    pattern_start: u128,
    /// The campaign ordinal of the campaign's first generated name.
    ordinal_base: u64,
}

impl ChunkProcessor for Generation {
    fn process<'a>(&'a self, chunk: &'a Chunk, _cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async move {
            let offset = u128::from(chunk.start - self.ordinal_base);
            let len = u128::from(chunk.end - chunk.start);
            let from = self.pattern_start + offset;
            let names = self.generator.names(from..from + len);
            let pattern_end = u64::try_from(from + len)
                .map_err(|_| PhaseError::Configuration("pattern ordinal beyond 2^64".to_owned()))?;
            let key = self.pattern_key.clone();
            let id = chunk.campaign;
            let ordinals = chunk.start..chunk.end;
            self.store
                .run(move |s| {
                    s.insert_generated_chunk(
                        id,
                        &GeneratedChunk {
                            ordinals,
                            pattern_key: &key,
                            pattern_end,
                        },
                        names,
                    )
                })
                .await?;
            Ok(())
        })
    }
}

async fn prepare_dns(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let id = campaign.id;
    let config = config::<DnsValidationConfig>(campaign, Phase::DnsValidation)?
        .ok_or_else(|| PhaseError::Configuration("dnsValidation is not configured".to_owned()))?;
    let inline;
    let resolvers = match config.resolver_settings() {
        Some(settings) => settings,
        None => {
            let persona = config.persona_id().cloned().ok_or_else(|| {
                PhaseError::Configuration(
                    "dnsValidation: neither resolvers nor personaId".to_owned(),
                )
            })?;
            let shown = persona.to_string();
            inline = store
                .run(move |s| s.get_dns_persona(&persona))
                .await?
                .ok_or_else(|| {
                    PhaseError::Configuration(format!(
                        "dnsValidation.personaId: no DNS persona `{shown}` (deleted?)"
                    ))
                })?;
            &inline
        }
    };
    let resolver = resolver_for(&config, resolvers)?;
    let ordinals = chunk_range(store, id, Phase::DnsValidation, move |s| {
        Ok(0..s.next_ordinal(id)?)
    })
    .await?;
    let total = store.run(move |s| s.count_domains(id)).await?;
    // A rate-limited phase gets chunks of about five seconds' work, so that its progress
    // counters (which move chunk by chunk) stay live and a chunk never outlasts its lease.
    let chunk_size = match config.rate_limit_per_second() {
        Some(rate) => settings.dns_chunk.min(u64::from(rate) * 5).max(100),
        None => settings.dns_chunk,
    }
    .max(1);
    Ok(PhasePlan {
        total_items: total,
        ordinals,
        chunk_size,
        counted: None,
        chunks_in_flight: None,
        processor: Arc::new(DnsValidation::start(store.clone(), resolver)),
    })
}

/// The resolver for a campaign's DNS configuration with its resolver settings (inline or
/// from the stored persona it names): one stream per phase run, shared by the chunks in
/// flight, with the configured concurrency and one token bucket (the campaign's rate limit).
pub fn resolver_for(
    config: &DnsValidationConfig,
    inline: &DnsResolverSettings,
) -> Result<Resolver, PhaseError> {
    let mut settings = ResolverSettings::new(inline.resolvers().iter().map(|r| r.address()));
    settings.servers = inline
        .resolvers()
        .iter()
        .map(|r| DnsServer {
            addr: r.address(),
            weight: r.weight(),
        })
        .collect();
    settings.strategy = inline.strategy();
    settings.record_types = config.record_types().to_vec();
    settings.timeout = Duration::from_millis(inline.timeout_ms().into());
    settings.retries = inline.retries();
    settings.concurrency = (config.concurrency() as usize).max(1);
    settings.rate_limit_per_second = None;
    let resolver = Resolver::new(settings).map_err(|e| PhaseError::Configuration(e.to_string()))?;
    Ok(
        match config.rate_limit_per_second().and_then(NonZeroU32::new) {
            Some(rate) => resolver.with_rate_limiter(Arc::new(TokenBucket::per_second(rate))),
            None => resolver,
        },
    )
}

/// `dns_validation`: one resolver stream for the whole run, fed by every chunk in flight, so
/// that a chunk boundary never drains the pipeline (no new sockets, no new ramp-up). Results
/// are routed back to their chunk by ordinal; a chunk writes its rows once all its names are
/// answered.
struct DnsValidation {
    store: Store,
    input: mpsc::Sender<(u64, String)>,
    pending: Arc<Mutex<BTreeMap<u64, PendingChunk>>>,
    failure: Arc<Mutex<Option<String>>>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A chunk whose answers are being collected.
struct PendingChunk {
    end: u64,
    expected: usize,
    results: Vec<dragnet_dns::DnsResult>,
    done: Option<oneshot::Sender<Vec<dragnet_dns::DnsResult>>>,
}

/// Names queued for the resolver beyond its own in-flight window. Small: a cancelled chunk's
/// queued names are still resolved (and their answers dropped).
const DNS_INPUT_QUEUE: usize = 1024;

impl DnsValidation {
    fn start(store: Store, resolver: Resolver) -> Self {
        let (input, in_rx) = mpsc::channel(DNS_INPUT_QUEUE);
        let (out_tx, mut out_rx) = mpsc::channel::<dragnet_dns::DnsResult>(DNS_INPUT_QUEUE);
        let pending: Arc<Mutex<BTreeMap<u64, PendingChunk>>> = Arc::default();
        let failure: Arc<Mutex<Option<String>>> = Arc::default();
        let stop = CancellationToken::new();
        let stream = {
            let (stop, failure, pending) =
                (stop.clone(), Arc::clone(&failure), Arc::clone(&pending));
            tokio::spawn(async move {
                if let Err(e) = resolver.resolve_stream(in_rx, out_tx, stop).await {
                    *lock(&failure) = Some(e.to_string());
                }
                // Wake every waiting chunk: their senders are dropped with the map entries.
                lock(&pending).clear();
            })
        };
        let router = {
            let pending = Arc::clone(&pending);
            tokio::spawn(async move {
                while let Some(result) = out_rx.recv().await {
                    let mut map = lock(&pending);
                    let Some((&start, chunk)) = map.range_mut(..=result.ordinal).next_back() else {
                        continue; // an answer for an abandoned chunk
                    };
                    if result.ordinal >= chunk.end {
                        continue;
                    }
                    chunk.results.push(result);
                    if chunk.results.len() == chunk.expected
                        && let Some(chunk) = map.remove(&start)
                        && let Some(done) = chunk.done
                    {
                        let _ = done.send(chunk.results);
                    }
                }
            })
        };
        Self {
            store,
            input,
            pending,
            failure,
            stop,
            tasks: vec![stream, router],
        }
    }

    fn failure(&self) -> PhaseError {
        let failure = lock(&self.failure).clone();
        PhaseError::Network(failure.unwrap_or_else(|| "the DNS resolver stopped".to_owned()))
    }
}

impl Drop for DnsValidation {
    fn drop(&mut self) {
        self.stop.cancel();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked (single inserts and
/// removes).
/// Chunks in flight for a CPU-bound phase (content analysis, lead extraction): two per core,
/// at least `engine.chunks_in_flight`, so that every core works while other chunks are read
/// from and written to the store (measured: 3 in flight on 2 cores kept one core busy).
pub(crate) fn cpu_bound_chunks_in_flight(settings: &EngineSettings) -> Option<usize> {
    Some(
        settings
            .chunks_in_flight
            .max(2 * std::thread::available_parallelism().map_or(2, usize::from)),
    )
}

/// Runs `work` on every item of a chunk on the blocking pool, checking for cancellation
/// between items; a chunk cancelled before or while it ran is an error (its leases go back,
/// nothing is written). `what` names the work in the error of a task that died.
pub(crate) async fn on_blocking_pool<T, R>(
    items: Vec<T>,
    cancel: &CancellationToken,
    what: &str,
    work: impl Fn(&T) -> R + Send + 'static,
) -> Result<Vec<R>, PhaseError>
where
    T: Send + 'static,
    R: Send + 'static,
{
    let stop = cancel.clone();
    let interrupted = || PhaseError::Internal("chunk interrupted".to_owned());
    let results = tokio::task::spawn_blocking(move || {
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            if stop.is_cancelled() {
                return None;
            }
            out.push(work(item));
        }
        Some(out)
    })
    .await
    .map_err(|e| PhaseError::Internal(format!("{what} task: {e}")))?
    .ok_or_else(interrupted)?;
    if cancel.is_cancelled() {
        return Err(interrupted());
    }
    Ok(results)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ChunkProcessor for DnsValidation {
    fn process<'a>(&'a self, chunk: &'a Chunk, cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async move {
            let id = chunk.campaign;
            let range = chunk.start..chunk.end;
            let names = self
                .store
                .run(move |s| s.domain_names_in(id, range))
                .await?;
            if names.is_empty() {
                return Ok(());
            }
            let (done, answered) = oneshot::channel();
            lock(&self.pending).insert(
                chunk.start,
                PendingChunk {
                    end: chunk.end,
                    expected: names.len(),
                    results: Vec::with_capacity(names.len()),
                    done: Some(done),
                },
            );
            let abandon = || {
                lock(&self.pending).remove(&chunk.start);
                PhaseError::Internal("chunk interrupted".to_owned())
            };
            for name in names {
                tokio::select! {
                    sent = self.input.send(name) => if sent.is_err() {
                        lock(&self.pending).remove(&chunk.start);
                        return Err(self.failure());
                    },
                    () = cancel.cancelled() => return Err(abandon()),
                }
            }
            let results = tokio::select! {
                results = answered => match results {
                    Ok(results) => results,
                    Err(_) => return Err(self.failure()),
                },
                () = cancel.cancelled() => return Err(abandon()),
            };
            let checked_at = chrono::Utc::now();
            let rows: Vec<DnsResult> = results
                .into_iter()
                .map(|r| DnsResult {
                    ordinal: r.ordinal,
                    status: r.outcome.status,
                    error_kind: r.outcome.error.map(|e| e.to_string()),
                    addresses: r.outcome.addresses,
                    records: r.outcome.records,
                    attempts: r.outcome.attempts,
                    checked_at,
                })
                .collect();
            self.store
                .run(move |s| s.write_dns_results(id, &rows, None))
                .await?;
            Ok(())
        })
    }
}
