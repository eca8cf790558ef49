//! `content_analysis`: reads every page the HTTP phase kept (no second fetch), analyses it with
//! [`dragnet_analysis::Analyzer`] — classification with evidence, language, technologies,
//! signals and the relevance score — and writes one result per page.
//!
//! The analysis is CPU work: each chunk's pages are analysed on the blocking pool (the runner
//! keeps a few chunks in flight, so both cores work), checking for cancellation between pages,
//! and the results are written in one idempotent batch.

use std::net::IpAddr;
use std::sync::Arc;

use dragnet_analysis::{Analyzer, KeywordCounts, Page, RuleHits};
use dragnet_domain::Phase;
use dragnet_domain::config::analysis::{ContentAnalysisConfig, RelevanceSignals};
use dragnet_domain::config::http::HttpKeywordValidationConfig;
use dragnet_domain::content::{ContentResult, ContentSignals, PageClass, PageLanguage};
use dragnet_store::{Campaign, Chunk, Store, StoreError, StoredPage};
use tokio_util::sync::CancellationToken;

use super::{chunk_range, config, cpu_bound_chunks_in_flight, on_blocking_pool, snapshot};
use crate::runner::{ChunkFuture, ChunkProcessor, EngineSettings, PhaseError, PhasePlan};

/// Builds the phase's plan: its total (the domains with a page snapshot), its chunks and its
/// processor.
pub(super) async fn prepare(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let id = campaign.id;
    // Not configured (started by hand after an advance): the documented defaults.
    let config =
        config::<ContentAnalysisConfig>(campaign, Phase::ContentAnalysis)?.unwrap_or_default();
    let rules_total = keyword_rules_in_force(store, campaign).await?;
    let analyzer = Analyzer::new(config)
        .map_err(|e| PhaseError::Internal(format!("content analysis signatures: {e}")))?;
    let ordinals = chunk_range(store, id, Phase::ContentAnalysis, move |s| {
        Ok(0..s.next_ordinal(id)?)
    })
    .await?;
    let total = store.run(move |s| s.count_pages(id)).await?;
    Ok(PhasePlan {
        total_items: total,
        ordinals,
        chunk_size: settings.content_chunk.max(1),
        counted: None,
        chunks_in_flight: cpu_bound_chunks_in_flight(settings),
        processor: Arc::new(ContentAnalysis {
            store: store.clone(),
            analyzer: Arc::new(analyzer),
            rules_total,
        }),
    })
}

/// How many keyword rules the HTTP phase matched with (inline rules and stored sets): the
/// denominator of keyword coverage. A set deleted since then counts as empty.
async fn keyword_rules_in_force(store: &Store, campaign: &Campaign) -> Result<u32, PhaseError> {
    let Some(http) = config::<HttpKeywordValidationConfig>(campaign, Phase::HttpKeywordValidation)?
    else {
        return Ok(0);
    };
    let mut total = http.keyword_rules().len();
    let sets = http.keyword_set_ids().to_vec();
    total += store
        .run(move |s| {
            let mut n = 0;
            for id in &sets {
                if let Some(set) = s.get_keyword_set(id)? {
                    n += set.rules().len();
                }
            }
            Ok::<_, StoreError>(n)
        })
        .await?;
    Ok(u32::try_from(total).unwrap_or(u32::MAX))
}

struct ContentAnalysis {
    store: Store,
    analyzer: Arc<Analyzer>,
    rules_total: u32,
}

impl ChunkProcessor for ContentAnalysis {
    fn process<'a>(&'a self, chunk: &'a Chunk, cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async move {
            let id = chunk.campaign;
            let range = chunk.start..chunk.end;
            let pages = self.store.run(move |s| s.pages_in(id, range)).await?;
            if pages.is_empty() {
                return Ok(());
            }
            let analyzer = Arc::clone(&self.analyzer);
            let rules_total = self.rules_total;
            let results = on_blocking_pool(pages, cancel, "content analysis", move |page| {
                analyse(&analyzer, page, rules_total)
            })
            .await?;
            self.store
                .run(move |s| s.write_content_results(id, &results, None))
                .await?;
            Ok(())
        })
    }
}

/// The result for one stored page; an unreadable snapshot becomes a failed result (scored 0)
/// rather than stopping the phase.
fn analyse(analyzer: &Analyzer, page: &StoredPage, rules_total: u32) -> ContentResult {
    let now = chrono::Utc::now();
    let snapshot = match snapshot::decode(&page.snapshot) {
        Ok(snapshot) => snapshot,
        Err(e) => return unreadable(analyzer, page.ordinal, e.to_string(), now),
    };
    let headers: Vec<(&str, &str)> = snapshot
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let hits: Vec<RuleHits> = page
        .keyword_hits
        .iter()
        .map(|h| RuleHits {
            text: h.count,
            title: h.title_count,
        })
        .collect();
    let addresses: &[IpAddr] = &page.addresses;
    let nameservers: Vec<&str> = page.nameservers.iter().map(String::as_str).collect();
    let analysis = analyzer.analyse(&Page {
        html: &snapshot.body,
        final_url: page.final_url.as_deref(),
        headers: &headers,
        redirect_hosts: &[],
        addresses,
        nameservers: &nameservers,
        keywords: KeywordCounts {
            rules: &hits,
            rules_total,
        },
    });
    ContentResult {
        ordinal: page.ordinal,
        classification: analysis.classification,
        confidence: analysis.confidence,
        evidence: analysis.evidence,
        language: analysis.language,
        technologies: analysis.technologies,
        signals: analysis.signals,
        components: analysis.relevance.components,
        relevance_score: analysis.relevance.score,
        // The store stamps the revision of the campaign's latest rescore, if any.
        weights_revision: 0,
        error: None,
        analysed_at: now,
    }
}

fn unreadable(
    analyzer: &Analyzer,
    ordinal: u64,
    error: String,
    now: chrono::DateTime<chrono::Utc>,
) -> ContentResult {
    // Every component 0 (a parked confidence of 1 zeroes "not parked"), so the score is 0.
    let components = analyzer.config().score(&RelevanceSignals {
        keyword_hits: 0,
        words: 0,
        rules_matched: 0,
        rules_total: 0,
        title_hit: false,
        visible_chars: 0,
        parked_confidence: 1.0,
    });
    ContentResult {
        ordinal,
        classification: PageClass::Empty,
        confidence: 0.0,
        evidence: Vec::new(),
        language: PageLanguage::undetermined(),
        technologies: Vec::new(),
        signals: ContentSignals::default(),
        components,
        relevance_score: 0.0,
        weights_revision: 0,
        error: Some(error),
        analysed_at: now,
    }
}
