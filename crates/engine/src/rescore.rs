//! Rescoring (`POST /campaigns/{id}/rescore`): a campaign's relevance scores recomputed from
//! the stored components with new weights, without reading a page again.
//!
//! The store does the work set-based, a chunk of ordinals per transaction that also records
//! how far it got (`Store::rescore_chunk`); this module drives it in the background and
//! reports it. A rescore is not a phase: the campaign's current phase and status do not
//! change, and its progress goes to the sink as a [`RescoreProgress`] (the WebSocket's
//! `campaign.rescore`), never as a second phase progress. The supervisor attaches every
//! rescore the store says is running and this process is not driving — after a restart, the
//! one a killed process left half-done continues where its last chunk committed.

use std::time::{Duration, Instant};

use dragnet_domain::config::analysis::{ContentAnalysisConfig, RelevanceWeights};
use dragnet_domain::content::{RescoreState, RescoreStatus};
use dragnet_domain::progress::RescoreProgress;
use dragnet_domain::{CampaignId, Phase};
use dragnet_store::StoreError;

use crate::runner::{Engine, PhaseError, RateMeter};

/// How often a rescore retries a chunk that failed because the database was unavailable,
/// before it gives up and records the rescore failed.
const UNAVAILABLE_RETRIES: u32 = 20;

impl Engine {
    /// Begins a rescore of the campaign's content results with `weights` and returns its
    /// state (`running`, nothing rescored yet); the work goes on in the background. The new
    /// weights are recorded in the campaign's `content_analysis` configuration (the phase's
    /// defaults when it had none), which the phase uses from then on. Refused
    /// ([`StoreError::RescoreRefused`]) while the phase is running or paused, while another
    /// rescore of the campaign runs, or when it has no results.
    pub async fn rescore(
        &self,
        id: CampaignId,
        weights: RelevanceWeights,
    ) -> Result<RescoreState, StoreError> {
        let store = &self.inner.store;
        // A concurrent change of the campaign (a rename, a transition) moves its version
        // between the read and the compare-and-set: read again and retry a few times.
        let mut attempts = 0;
        let state = loop {
            attempts += 1;
            let campaign = store.run(move |s| s.get_campaign(id)).await?;
            let config = match campaign
                .phase(Phase::ContentAnalysis)
                .and_then(|p| p.configuration.clone())
            {
                Some(json) => {
                    serde_json::from_value::<ContentAnalysisConfig>(json).map_err(|e| {
                        StoreError::Corrupt(format!("stored content_analysis configuration: {e}"))
                    })?
                }
                None => ContentAnalysisConfig::default(),
            };
            let scoring_version = config.scoring_version();
            let json = serde_json::to_value(config.with_weights(weights))
                .map_err(|e| StoreError::InvalidArgument(format!("configuration: {e}")))?;
            let version = campaign.version;
            match store
                .run(move |s| s.begin_rescore(id, &weights, scoring_version, &json, version))
                .await
            {
                Err(StoreError::Conflict { .. }) if attempts < 3 => continue,
                other => break other?,
            }
        };
        tracing::info!(campaign = %id, revision = state.revision, total = state.total_items, "rescore started");
        self.publish_rescore(id, &state, 0.0);
        self.spawn_rescore(id, state.revision);
        Ok(state)
    }

    /// Attaches every running rescore this process is not driving yet (after a restart: the
    /// ones a previous process left unfinished).
    pub(crate) async fn attach_rescores(&self) -> Result<(), PhaseError> {
        let running = self.inner.store.run(|s| s.running_rescores()).await?;
        for (id, revision) in running {
            self.spawn_rescore(id, revision);
        }
        Ok(())
    }

    fn spawn_rescore(&self, id: CampaignId, revision: u64) {
        {
            let mut rescoring = self
                .inner
                .rescoring
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !rescoring.insert(id) {
                return;
            }
        }
        let engine = self.clone();
        self.inner.tracker.spawn(async move {
            engine.drive_rescore(id, revision).await;
            engine
                .inner
                .rescoring
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id);
        });
    }

    /// Rescores chunk after chunk until the rescore is no longer running with `revision`
    /// (completed here or by another process, replaced, failed) or the engine shuts down
    /// (then it stays running in the store and the next start resumes it).
    async fn drive_rescore(&self, id: CampaignId, revision: u64) {
        let store = &self.inner.store;
        let settings = &self.inner.settings;
        let chunk = settings.rescore_chunk.max(1);
        let mut meter = RateMeter::new();
        let mut last_report: Option<Instant> = None;
        let mut unavailable = 0;
        loop {
            if self.inner.shutdown.is_cancelled() {
                return;
            }
            let outcome = tokio::select! {
                r = store.run(move |s| s.rescore_chunk(id, revision, chunk)) => r,
                () = self.inner.shutdown.cancelled() => return,
            };
            let state = match outcome {
                Ok(state) => state,
                // Deleted meanwhile: its scores and its rescore go with it.
                Err(StoreError::CampaignNotFound(_)) => {
                    tracing::info!(campaign = %id, revision, "campaign deleted during its rescore");
                    return;
                }
                Err(e) if e.is_unavailable() && unavailable < UNAVAILABLE_RETRIES => {
                    unavailable += 1;
                    tracing::warn!(campaign = %id, revision, error = %e, "rescore chunk failed; retrying");
                    tokio::time::sleep(settings.poll_interval.max(Duration::from_millis(100)))
                        .await;
                    continue;
                }
                Err(e) => {
                    tracing::error!(campaign = %id, revision, error = %e, "rescore failed");
                    let message = e.to_string();
                    let recorded = store
                        .run(move |s| {
                            s.fail_rescore(id, revision, &message)?;
                            s.rescore_state(id)
                        })
                        .await;
                    if let Ok(Some(state)) = recorded {
                        self.publish_rescore(id, &state, 0.0);
                    }
                    return;
                }
            };
            unavailable = 0;
            let rate = meter.observe(state.processed_items);
            let finished = state.revision != revision || state.state != RescoreStatus::Running;
            if finished || last_report.is_none_or(|t| t.elapsed() >= settings.progress_interval) {
                last_report = Some(Instant::now());
                self.publish_rescore(id, &state, rate);
            }
            if finished {
                if state.revision == revision && state.state == RescoreStatus::Completed {
                    tracing::info!(campaign = %id, revision, rescored = state.processed_items, "rescore completed");
                }
                return;
            }
        }
    }

    fn publish_rescore(&self, id: CampaignId, state: &RescoreState, rate_per_second: f64) {
        self.inner.sink.publish_rescore(&RescoreProgress {
            campaign_id: id,
            rescore: state.clone(),
            rate_per_second,
        });
    }
}
