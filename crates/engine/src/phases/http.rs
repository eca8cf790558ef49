//! `http_keyword_validation`: probes every domain whose DNS result is `resolved` at the
//! addresses that phase found, matches the keyword rules on the page's visible text and
//! writes one result per domain (with a compressed snapshot of the page for later phases).
//!
//! One [`Prober`] and one [`KeywordMatcher`] serve the whole phase run: TLS configurations,
//! per-IP limits, proxy health and compiled rules are built once. Probes of every chunk in
//! flight share one concurrency limit and one rate limit, so a chunk boundary never drains
//! the pipeline.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use dragnet_domain::config::http::{HttpKeywordValidationConfig, HttpRequestSettings, KeywordRule};
use dragnet_domain::{DnsStatus, Phase};
use dragnet_store::{
    Campaign, Chunk, HttpResult, KeywordHit, NewHttpResult, ResolvedDomain, Store,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{chunk_range, config, snapshot};
use crate::runner::{ChunkFuture, ChunkProcessor, EngineSettings, PhaseError, PhasePlan};
use dragnet_dns::TokenBucket;
use dragnet_html::{self as text, PageText};
use dragnet_probe::guard::AddressGuard;
use dragnet_probe::matcher::KeywordMatcher;
use dragnet_probe::probe::{ProbeOutcome, ProbeSettings, Prober};
use dragnet_probe::proxy::{BenchPolicy, ProxyEndpoint, ProxyPool};

/// Builds the phase's plan: its total (the resolved domains), its chunks and its processor.
pub(super) async fn prepare(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let id = campaign.id;
    let config = config::<HttpKeywordValidationConfig>(campaign, Phase::HttpKeywordValidation)?
        .ok_or_else(|| {
            PhaseError::Configuration("httpKeywordValidation is not configured".to_owned())
        })?;
    let resolved = Resolved::load(store, &config).await?;
    let matcher = KeywordMatcher::compile(&resolved.rules)
        .map_err(|e| PhaseError::Configuration(format!("httpKeywordValidation: {e}")))?;
    let prober = Prober::new(probe_settings(&config, &resolved, settings))
        .map_err(|e| PhaseError::Configuration(format!("httpKeywordValidation: {e}")))?;
    let ordinals = chunk_range(store, id, Phase::HttpKeywordValidation, move |s| {
        Ok(0..s.next_ordinal(id)?)
    })
    .await?;
    let total = store
        .run(move |s| s.count_dns_status(id, DnsStatus::Resolved))
        .await?;
    let rate = config
        .rate_limit_per_second()
        .and_then(NonZeroU32::new)
        .map(|r| Arc::new(TokenBucket::per_second(r)));
    // A rate-limited phase gets chunks of about five seconds' work, like DNS.
    let chunk_size = match config.rate_limit_per_second() {
        Some(rate) => settings.http_chunk.min(u64::from(rate) * 5).max(50),
        None => settings.http_chunk,
    }
    .max(1);
    Ok(PhasePlan {
        total_items: total,
        ordinals,
        chunk_size,
        counted: None,
        chunks_in_flight: None,
        processor: Arc::new(HttpValidation {
            store: store.clone(),
            shared: Arc::new(Shared {
                prober,
                matcher,
                rate,
                permits: Arc::new(Semaphore::new((config.concurrency() as usize).max(1))),
                snapshot: config.snapshot(),
            }),
        }),
    })
}

/// The stored objects a configuration refers to, read once when the phase starts.
struct Resolved {
    request: HttpRequestSettings,
    rules: Vec<KeywordRule>,
    proxies: Option<Arc<ProxyPool>>,
}

impl Resolved {
    async fn load(store: &Store, config: &HttpKeywordValidationConfig) -> Result<Self, PhaseError> {
        let request = match config.request_settings() {
            Some(inline) => inline.clone(),
            None => {
                let id = config
                    .persona_id()
                    .ok_or_else(|| {
                        PhaseError::Configuration(
                            "httpKeywordValidation: neither request settings nor personaId"
                                .to_owned(),
                        )
                    })?
                    .clone();
                let shown = id.to_string();
                store
                    .run(move |s| s.get_http_persona(&id))
                    .await?
                    .ok_or_else(|| {
                        PhaseError::Configuration(format!(
                            "httpKeywordValidation.personaId: no HTTP persona `{shown}`"
                        ))
                    })?
            }
        };
        let mut rules = config.keyword_rules().to_vec();
        for (i, set_id) in config.keyword_set_ids().iter().enumerate() {
            let id = set_id.clone();
            let set = store
                .run(move |s| s.get_keyword_set(&id))
                .await?
                .ok_or_else(|| {
                    PhaseError::Configuration(format!(
                        "httpKeywordValidation.keywordSetIds[{i}]: no keyword set `{set_id}`"
                    ))
                })?;
            rules.extend(set.rules().iter().cloned());
        }
        let proxies = load_proxies(store, config).await?;
        Ok(Self {
            request,
            rules,
            proxies,
        })
    }
}

/// The pool of the stored proxies `proxyIds` names, or `None` for direct connections. A
/// deleted proxy, or every listed proxy disabled, stops the phase: probing directly instead
/// would ignore what the operator asked for.
async fn load_proxies(
    store: &Store,
    config: &HttpKeywordValidationConfig,
) -> Result<Option<Arc<ProxyPool>>, PhaseError> {
    let ids = config.proxy_ids().to_vec();
    if ids.is_empty() {
        return Ok(None);
    }
    let wanted = ids.clone();
    let stored = store.run(move |s| s.get_proxies(&wanted)).await?;
    if let Some(missing) = ids.iter().find(|id| !stored.iter().any(|p| &p.id == *id)) {
        return Err(PhaseError::Configuration(format!(
            "httpKeywordValidation.proxyIds: no proxy `{missing}` (deleted?)"
        )));
    }
    let endpoints: Vec<ProxyEndpoint> = stored
        .iter()
        .filter(|p| p.proxy.enabled())
        .map(|p| ProxyEndpoint::stored(&p.id, &p.proxy))
        .collect();
    if endpoints.is_empty() {
        return Err(PhaseError::Configuration(
            "httpKeywordValidation.proxyIds: every listed proxy is disabled".to_owned(),
        ));
    }
    Ok(Some(Arc::new(ProxyPool::new(
        endpoints,
        config.proxy_rotation(),
        BenchPolicy::default(),
    ))))
}

fn probe_settings(
    config: &HttpKeywordValidationConfig,
    resolved: &Resolved,
    settings: &EngineSettings,
) -> ProbeSettings {
    let request = &resolved.request;
    let ports = config.ports();
    ProbeSettings {
        schemes: config.schemes().to_vec(),
        https_port: ports.port(dragnet_domain::config::http::Scheme::Https),
        http_port: ports.port(dragnet_domain::config::http::Scheme::Http),
        user_agent: request.user_agent().to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        connect_timeout: Duration::from_millis(request.connect_timeout_ms().into()),
        timeout: Duration::from_millis(request.timeout_ms().into()),
        max_redirects: request.max_redirects(),
        max_body_bytes: config.max_body_bytes() as usize,
        accepted_status: config.accepted_status_codes().to_vec(),
        accept_invalid_certificates: config.accept_invalid_certificates(),
        per_ip_concurrency: (config.per_ip_concurrency() as usize).max(1),
        guard: AddressGuard::new(settings.allow_private_addresses, Vec::new()),
        proxies: resolved.proxies.clone(),
    }
}

/// What every probe of the run shares.
struct Shared {
    prober: Prober,
    matcher: KeywordMatcher,
    rate: Option<Arc<TokenBucket>>,
    /// The phase's `concurrency`: probes in flight across all chunks.
    permits: Arc<Semaphore>,
    snapshot: bool,
}

struct HttpValidation {
    store: Store,
    shared: Arc<Shared>,
}

impl ChunkProcessor for HttpValidation {
    fn process<'a>(&'a self, chunk: &'a Chunk, cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async move {
            let id = chunk.campaign;
            let range = chunk.start..chunk.end;
            let domains = self
                .store
                .run(move |s| s.resolved_domains_in(id, range))
                .await?;
            if domains.is_empty() {
                return Ok(());
            }
            let mut tasks = JoinSet::new();
            for domain in domains {
                let shared = Arc::clone(&self.shared);
                tasks.spawn(async move { shared.probe(domain).await });
            }
            let mut rows = Vec::with_capacity(tasks.len());
            loop {
                tokio::select! {
                    next = tasks.join_next() => match next {
                        Some(Ok(row)) => rows.push(row),
                        Some(Err(e)) => return Err(PhaseError::Internal(format!("probe task: {e}"))),
                        None => break,
                    },
                    // Dropping the set aborts the probes still running; the chunk is redone.
                    () = cancel.cancelled() => {
                        return Err(PhaseError::Internal("chunk interrupted".to_owned()));
                    }
                }
            }
            rows.sort_unstable_by_key(|r| r.result.ordinal);
            self.store
                .run(move |s| s.write_http_results(id, &rows, None))
                .await?;
            Ok(())
        })
    }
}

impl Shared {
    /// Probes one domain and turns the outcome into its result row.
    async fn probe(&self, domain: ResolvedDomain) -> NewHttpResult {
        // The semaphore is never closed, so acquiring fails only if it were.
        let _permit = self.permits.acquire().await.ok();
        if let Some(rate) = &self.rate {
            rate.acquire(1).await;
        }
        let outcome = self.prober.probe(&domain.name, &domain.addresses).await;
        self.result(domain.ordinal, outcome)
    }

    fn result(&self, ordinal: u64, outcome: ProbeOutcome) -> NewHttpResult {
        let ProbeOutcome {
            status,
            error_detail,
            status_code,
            final_url,
            redirect_count,
            content_type,
            content_length,
            body,
            headers,
        } = outcome;
        let mut title = None;
        let mut keyword_hits = Vec::new();
        let mut snapshot = None;
        let mut content_hash = None;
        if let Some(body) = body {
            content_hash = Some(body.sha256);
            if let Some(text) = body.text {
                let page = page_text(content_type.as_deref(), &text, body.bytes.len());
                keyword_hits = self
                    .matcher
                    .scan(&page)
                    .into_iter()
                    .map(|h| KeywordHit {
                        pattern: h.pattern.to_string(),
                        category: h.category.map(|c| c.to_string()).unwrap_or_default(),
                        count: h.count,
                        title_count: h.title_count,
                    })
                    .collect();
                title = page.title;
                if self.snapshot {
                    snapshot = snapshot::encode(&headers, &text);
                }
            }
        }
        NewHttpResult {
            result: HttpResult {
                ordinal,
                status,
                error_detail,
                status_code,
                final_url,
                redirect_count,
                title,
                content_type,
                content_length,
                content_hash,
                keyword_hits,
                fetched_at: chrono::Utc::now(),
            },
            snapshot,
        }
    }
}

/// The text keyword rules are matched on: an HTML page's visible text and title, or any other
/// text body as it is.
fn page_text(content_type: Option<&str>, body: &str, max_bytes: usize) -> PageText {
    let html = match content_type {
        Some(ct) => {
            let ct = ct.to_ascii_lowercase();
            ct.contains("html") || ct.contains("xml")
        }
        // No content type: sniff.
        None => body.trim_start().starts_with('<'),
    };
    if html {
        text::extract(body, max_bytes.max(1))
    } else {
        text::plain(body, max_bytes.max(1))
    }
}
