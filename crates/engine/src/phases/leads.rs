//! `lead_extraction`: every domain of the campaign gets one lead row — qualified, or rejected
//! with the one reason `dragnet_domain::qualification::qualify` gives. A domain with a stored
//! page is read by `dragnet_analysis::LeadExtractor` (contacts, organisation, address, contact
//! pages) on the blocking pool; the earlier phases' results decide the rest. Chunks are read
//! in one query and written in one idempotent batch, so pause, resume, cancel, retry and a
//! kill -9 leave exactly one lead per domain.

use std::sync::Arc;

use dragnet_analysis::{LeadExtractor, LeadPage};
use dragnet_domain::Phase;
use dragnet_domain::config::leads::LeadExtractionConfig;
use dragnet_domain::leads::ContactKind;
use dragnet_domain::qualification::{Funnel, qualify};
use dragnet_store::{Campaign, Chunk, FunnelDomain, LeadResult, Store};
use tokio_util::sync::CancellationToken;

use super::{chunk_range, config, cpu_bound_chunks_in_flight, on_blocking_pool, snapshot};
use crate::runner::{ChunkFuture, ChunkProcessor, EngineSettings, PhaseError, PhasePlan};

pub(super) async fn prepare(
    store: &Store,
    settings: &EngineSettings,
    campaign: &Campaign,
) -> Result<PhasePlan, PhaseError> {
    let id = campaign.id;
    let config =
        config::<LeadExtractionConfig>(campaign, Phase::LeadExtraction)?.unwrap_or_default();
    let extractor = LeadExtractor::new(&config)
        .map_err(|e| PhaseError::Internal(format!("lead extraction rules: {e}")))?;
    let ordinals = chunk_range(store, id, Phase::LeadExtraction, move |s| {
        Ok(0..s.next_ordinal(id)?)
    })
    .await?;
    let total = store.run(move |s| s.count_funnel(id)).await?;
    Ok(PhasePlan {
        total_items: total,
        ordinals,
        chunk_size: settings.lead_chunk.max(1),
        counted: None,
        chunks_in_flight: cpu_bound_chunks_in_flight(settings),
        processor: Arc::new(LeadExtraction {
            store: store.clone(),
            extractor: Arc::new(extractor),
            config: Arc::new(config),
        }),
    })
}

struct LeadExtraction {
    store: Store,
    extractor: Arc<LeadExtractor>,
    config: Arc<LeadExtractionConfig>,
}

impl ChunkProcessor for LeadExtraction {
    fn process<'a>(&'a self, chunk: &'a Chunk, cancel: &'a CancellationToken) -> ChunkFuture<'a> {
        Box::pin(async move {
            let id = chunk.campaign;
            let range = chunk.start..chunk.end;
            let domains = self.store.run(move |s| s.funnel_in(id, range)).await?;
            if domains.is_empty() {
                return Ok(());
            }
            let extractor = Arc::clone(&self.extractor);
            let config = Arc::clone(&self.config);
            let results = on_blocking_pool(domains, cancel, "lead extraction", move |domain| {
                decide(&extractor, &config, domain)
            })
            .await?;
            self.store
                .run(move |s| s.write_leads(id, &results, None))
                .await?;
            Ok(())
        })
    }
}

/// One domain's lead: its page read when it has one, then the one rule.
fn decide(
    extractor: &LeadExtractor,
    config: &LeadExtractionConfig,
    domain: &FunnelDomain,
) -> LeadResult {
    let extract = domain
        .snapshot
        .as_deref()
        .and_then(|stored| snapshot::decode(stored).ok())
        .map(|page| {
            let fallback = format!("http://{}/", domain.name);
            extractor.extract(&LeadPage {
                html: &page.body,
                page_url: domain.final_url.as_deref().unwrap_or(&fallback),
                default_region: None,
            })
        })
        .unwrap_or_default();
    let has_contact = extract.contacts_of(ContactKind::Email).next().is_some()
        || extract.contacts_of(ContactKind::Phone).next().is_some();
    let funnel = Funnel {
        dns: domain.dns,
        http: domain.http,
        keyword_hits: domain.keyword_hits,
        content: domain.content,
        has_contact,
    };
    LeadResult {
        ordinal: domain.ordinal,
        qualification: qualify(&funnel, config),
        extract,
        score: domain.content.map(|(_, score)| score),
        extracted_at: chrono::Utc::now(),
    }
}
