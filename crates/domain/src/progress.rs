//! How the engine reports progress: a [`PhaseProgress`] snapshot published to a
//! [`ProgressSink`]. The engine publishes at most every 250 ms per campaign, plus immediately on
//! every phase status change; sinks (the real-time hub, metrics, the CLI) decide how to deliver.

use crate::{Phase, PhaseStatus};

/// The progress of a campaign's current phase at one moment. Overall progress is derived from
/// these counters; nothing else is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseProgress {
    /// The campaign.
    pub campaign_id: i64,
    /// The campaign's current phase.
    pub current_phase: Phase,
    /// That phase's status.
    pub phase_status: PhaseStatus,
    /// Items the phase has to process (0 while unknown).
    pub total_items: u64,
    /// Items processed so far (successful + failed).
    pub processed_items: u64,
    /// Items that succeeded (e.g. names that resolved).
    pub successful_items: u64,
    /// Items that failed.
    pub failed_items: u64,
    /// Recent processing rate, items per second.
    pub rate_per_second: f64,
    /// Estimated seconds to completion at the recent rate; `None` when unknown.
    pub eta_seconds: Option<u64>,
}

impl PhaseProgress {
    /// Percentage of the phase done, 0–100, derived from the counters.
    pub fn progress_percent(&self) -> f64 {
        if self.phase_status == PhaseStatus::Completed {
            return 100.0;
        }
        if self.total_items == 0 {
            return 0.0;
        }
        (self.processed_items as f64 * 100.0 / self.total_items as f64).min(100.0)
    }
}

/// Whether a published snapshot is a routine progress update (which receivers may coalesce) or
/// marks a phase status change (which must never be coalesced away).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressKind {
    /// Counters moved; the status is unchanged.
    Update,
    /// The phase status (or the current phase) changed.
    StatusChange,
}

/// Receives progress from the engine. Implementations must return quickly and never block:
/// the engine calls `publish` from its workers.
pub trait ProgressSink: Send + Sync + 'static {
    /// Delivers one snapshot.
    fn publish(&self, progress: &PhaseProgress, kind: ProgressKind);
}

/// A sink that drops everything, for tools that do not report progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl ProgressSink for NullSink {
    fn publish(&self, _progress: &PhaseProgress, _kind: ProgressKind) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(status: PhaseStatus, total: u64, processed: u64) -> PhaseProgress {
        PhaseProgress {
            campaign_id: 1,
            current_phase: Phase::DnsValidation,
            phase_status: status,
            total_items: total,
            processed_items: processed,
            successful_items: processed,
            failed_items: 0,
            rate_per_second: 0.0,
            eta_seconds: None,
        }
    }

    #[test]
    fn percent_is_derived_from_counters() {
        assert_eq!(
            progress(PhaseStatus::Running, 200, 50).progress_percent(),
            25.0
        );
        assert_eq!(progress(PhaseStatus::Running, 0, 0).progress_percent(), 0.0);
        assert_eq!(
            progress(PhaseStatus::Completed, 0, 0).progress_percent(),
            100.0
        );
        assert_eq!(
            progress(PhaseStatus::Running, 10, 20).progress_percent(),
            100.0
        );
    }
}
