//! How the engine reports progress: a [`PhaseProgress`] snapshot published to a
//! [`ProgressSink`]. The engine publishes at most every 250 ms per campaign, plus immediately on
//! every phase status change; sinks (the real-time hub, metrics, the CLI) decide how to deliver.
//!
//! A [`PhaseProgress`] is also the `data` of the WebSocket's `campaign.progress` message: its
//! serde form (camelCase, with the derived `progressPercent`) is that message's one format.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::content::RescoreState;
use crate::{CampaignId, Phase, PhaseStatus};

/// The progress of a campaign's current phase at one moment. Overall progress is derived from
/// these counters; nothing else is stored.
///
/// Serialised as the `data` of a `campaign.progress` message (named `CampaignProgress` in the
/// OpenAPI document), with `progressPercent` computed by [`PhaseProgress::progress_percent`]
/// on serialisation, so that it can never disagree with the counters. Deserialising ignores
/// `progressPercent` for the same reason.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseProgress {
    /// The campaign.
    pub campaign_id: CampaignId,
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

impl Serialize for PhaseProgress {
    // Written by hand only to add the derived `progressPercent` between the counters and the
    // rate, where clients have always found it; the field names are the derive's camelCase.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PhaseProgress", 10)?;
        s.serialize_field("campaignId", &self.campaign_id)?;
        s.serialize_field("currentPhase", &self.current_phase)?;
        s.serialize_field("phaseStatus", &self.phase_status)?;
        s.serialize_field("totalItems", &self.total_items)?;
        s.serialize_field("processedItems", &self.processed_items)?;
        s.serialize_field("successfulItems", &self.successful_items)?;
        s.serialize_field("failedItems", &self.failed_items)?;
        s.serialize_field("progressPercent", &self.progress_percent())?;
        s.serialize_field("ratePerSecond", &self.rate_per_second)?;
        s.serialize_field("etaSeconds", &self.eta_seconds)?;
        s.end()
    }
}

/// The OpenAPI schema of the serialised form. Built by hand because the derive cannot describe
/// the computed `progressPercent`; the test `schema_matches_the_serialised_fields` keeps the
/// two in step.
#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, RefBuilder, Schema, SchemaFormat, SchemaType, Type,
    };
    use utoipa::{PartialSchema, ToSchema};

    use super::PhaseProgress;
    use crate::{CampaignId, Phase, PhaseStatus};

    fn reference<T: ToSchema>(description: &str) -> RefOr<Schema> {
        RefBuilder::new()
            .ref_location_from_schema_name(T::name())
            .description(Some(description))
            .into()
    }

    fn count(description: &str, nullable: bool) -> RefOr<Schema> {
        let schema_type: SchemaType = if nullable {
            [Type::Integer, Type::Null].into_iter().collect()
        } else {
            Type::Integer.into()
        };
        ObjectBuilder::new()
            .schema_type(schema_type)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some(description))
            .minimum(Some(0))
            .into()
    }

    fn number(description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
            .description(Some(description))
            .into()
    }

    impl PartialSchema for PhaseProgress {
        fn schema() -> RefOr<Schema> {
            let required = [
                "campaignId",
                "currentPhase",
                "phaseStatus",
                "totalItems",
                "processedItems",
                "successfulItems",
                "failedItems",
                "progressPercent",
                "ratePerSecond",
            ];
            let mut object = ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "The state of one campaign's current phase, as carried by \
                     `campaign.progress`.",
                ))
                .property(
                    "campaignId",
                    reference::<CampaignId>("The campaign (the store's id)."),
                )
                .property(
                    "currentPhase",
                    reference::<Phase>("The campaign's current phase."),
                )
                .property(
                    "phaseStatus",
                    reference::<PhaseStatus>("That phase's status."),
                )
                .property(
                    "totalItems",
                    count("Items the phase has to process (0 while unknown).", false),
                )
                .property(
                    "processedItems",
                    count("Items processed so far (successful + failed).", false),
                )
                .property("successfulItems", count("Items that succeeded.", false))
                .property("failedItems", count("Items that failed.", false))
                .property(
                    "progressPercent",
                    number("Percentage of the phase done, 0–100."),
                )
                .property(
                    "ratePerSecond",
                    number("Recent processing rate, items per second."),
                )
                .property(
                    "etaSeconds",
                    count(
                        "Estimated seconds to completion; `null` when unknown.",
                        true,
                    ),
                );
            for field in required {
                object = object.required(field);
            }
            object.into()
        }
    }

    impl ToSchema for PhaseProgress {
        // The WebSocket message's name for it, which clients and the TypeScript types use.
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("CampaignProgress")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            schemas.push((CampaignId::name().into_owned(), CampaignId::schema()));
            schemas.push((Phase::name().into_owned(), Phase::schema()));
            schemas.push((PhaseStatus::name().into_owned(), PhaseStatus::schema()));
        }
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

/// The progress of a campaign's rescore (`POST /campaigns/{id}/rescore`): the `data` of the
/// WebSocket's `campaign.rescore` message. A rescore is not a phase — the campaign's current
/// phase and its status do not change — so it is reported apart from `campaign.progress`: the
/// rescore's state with the campaign's id and the recent rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RescoreProgress {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The rescore (revision, state, weights, counters, times).
    #[serde(flatten)]
    pub rescore: RescoreState,
    /// Recent rate, content results rescored per second.
    pub rate_per_second: f64,
}

/// Receives progress from the engine. Implementations must return quickly and never block:
/// the engine calls `publish` from its workers.
pub trait ProgressSink: Send + Sync + 'static {
    /// Delivers one snapshot.
    fn publish(&self, progress: &PhaseProgress, kind: ProgressKind);

    /// Delivers the state of a rescore: when it starts, at most every progress interval
    /// while it runs, and when it completes or fails. Sinks that do not report rescores
    /// ignore it.
    fn publish_rescore(&self, _progress: &RescoreProgress) {}
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
            campaign_id: CampaignId(1),
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

    #[test]
    fn serialises_with_the_derived_percent_and_reads_back() {
        let p = progress(PhaseStatus::Running, 200, 50);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"campaignId":1,"currentPhase":"dns_validation","phaseStatus":"running","totalItems":200,"processedItems":50,"successfulItems":50,"failedItems":0,"progressPercent":25.0,"ratePerSecond":0.0,"etaSeconds":null}"#
        );
        let back: PhaseProgress = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn rescore_progress_is_flat() {
        use crate::config::analysis::RelevanceWeights;
        use crate::content::RescoreStatus;
        let p = RescoreProgress {
            campaign_id: CampaignId(7),
            rescore: RescoreState {
                revision: 2,
                state: RescoreStatus::Running,
                weights: RelevanceWeights::default(),
                scoring_version: 1,
                total_items: 10,
                processed_items: 4,
                started_at: chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(),
                rescored_at: None,
                error: None,
            },
            rate_per_second: 2.5,
        };
        let value = serde_json::to_value(&p).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"campaignId": 7, "revision": 2, "state": "running",
                "weights": {"keywordDensity": 0.3, "keywordCoverage": 0.25, "titleHit": 0.15,
                    "contentLength": 0.1, "notParked": 0.2},
                "scoringVersion": 1, "totalItems": 10, "processedItems": 4,
                "startedAt": "2023-11-14T22:13:20Z", "rescoredAt": null, "error": null,
                "ratePerSecond": 2.5})
        );
        assert_eq!(serde_json::from_value::<RescoreProgress>(value).unwrap(), p);
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn schema_matches_the_serialised_fields() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(PhaseProgress::schema()).unwrap();
        let mut described: Vec<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        let value = serde_json::to_value(progress(PhaseStatus::Running, 2, 1)).unwrap();
        let mut serialised: Vec<&String> = value.as_object().unwrap().keys().collect();
        described.sort();
        serialised.sort();
        assert_eq!(described, serialised);
    }
}
