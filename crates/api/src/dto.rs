//! Request and response bodies of the API (JSON, camelCase). Domain types are used directly
//! where they already have the public shape (phases, statuses, configurations).

use chrono::{DateTime, Utc};
use dragnet_domain::config::CampaignConfigurationInput;
use dragnet_domain::config::analysis::RelevanceWeightsInput;
use dragnet_domain::content::{ContentResult, ContentSummary, PageClass, RescoreState};
use dragnet_domain::leads::{Contact, OrganisationSource, PostalAddress};
use dragnet_domain::qualification::{LeadStatus, RejectReason};
use dragnet_domain::{Action, CampaignId, DnsRecord, DnsStatus, HttpStatus, Phase, PhaseStatus};
use dragnet_store::{Campaign, DomainRecord, LeadResult, PhaseRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A campaign: its identity, current phase and that phase's status. Counters live on the
/// phases (`GET /campaigns/{id}/phases`) and in `campaign.progress` messages.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDto {
    /// The campaign's id.
    pub id: CampaignId,
    /// Its display name.
    pub name: String,
    /// The current phase.
    pub current_phase: Phase,
    /// The current phase's status.
    pub phase_status: PhaseStatus,
    /// Full-sequence mode: each completed phase starts the next configured one.
    pub launch_sequence: bool,
    /// The phases that have a configuration, in order.
    pub configured_phases: Vec<Phase>,
    /// What a user may do now.
    pub available_transitions: Vec<Action>,
    /// Incremented by every change.
    pub version: i64,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<&Campaign> for CampaignDto {
    fn from(c: &Campaign) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            current_phase: c.state.current_phase,
            phase_status: c.state.phase_status,
            launch_sequence: c.launch_sequence,
            configured_phases: c
                .phases
                .iter()
                .filter(|p| p.configuration.is_some())
                .map(|p| p.phase)
                .collect(),
            available_transitions: c.state.available_transitions(),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `POST /campaigns`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// Display name, 1–200 characters.
    pub name: String,
    /// The phase to begin at: `domain_generation` (default) or `dns_validation` (for an
    /// imported list).
    #[serde(default)]
    pub initial_phase: Option<Phase>,
    /// Full-sequence mode (default false).
    #[serde(default)]
    pub launch_sequence: Option<bool>,
    /// Per-phase configuration.
    #[serde(default)]
    pub configuration: Option<CampaignConfigurationInput>,
}

/// `PATCH /campaigns/{id}`: rename, and (re)configure phases that have not started.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCampaignRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phase configurations to replace; only phases still `pending` may change.
    #[serde(default)]
    pub configuration: Option<CampaignConfigurationInput>,
}

/// One page of campaigns.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignPage {
    /// The campaigns, newest first.
    pub items: Vec<CampaignDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /campaigns`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignListQuery {
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// Only campaigns whose current phase is this one.
    pub current_phase: Option<Phase>,
    /// Only campaigns whose current phase has this status.
    pub phase_status: Option<PhaseStatus>,
    /// Only campaigns whose name contains this text.
    pub q: Option<String>,
}

/// One phase of a campaign with its counters.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhaseDto {
    /// The phase.
    pub phase: Phase,
    /// Its status.
    pub status: PhaseStatus,
    /// Its configuration, if any.
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<serde_json::Value>,
    /// Items to process.
    pub total_items: u64,
    /// Items processed.
    pub processed_items: u64,
    /// Items that succeeded.
    pub successful_items: u64,
    /// Items that failed.
    pub failed_items: u64,
    /// When it first started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or failed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// `content_analysis` only: the results counted by classification (every class) and by
    /// language, kept up to date as results are written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentSummary>,
    /// `content_analysis` only: the campaign's latest rescore (`POST
    /// /campaigns/{id}/rescore`); absent until the campaign is first rescored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescore: Option<RescoreState>,
}

impl From<&PhaseRecord> for PhaseDto {
    fn from(p: &PhaseRecord) -> Self {
        Self {
            phase: p.phase,
            status: p.status,
            configuration: p.configuration.clone(),
            total_items: p.total,
            processed_items: p.processed,
            successful_items: p.succeeded,
            failed_items: p.failed,
            started_at: p.started_at,
            completed_at: p.completed_at,
            error: p.error.clone(),
            summary: None,
            rescore: None,
        }
    }
}

/// `GET /campaigns/{id}/phases`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhasesDto {
    /// The current phase.
    pub current_phase: Phase,
    /// Its status.
    pub phase_status: PhaseStatus,
    /// What a user may do now.
    pub available_transitions: Vec<Action>,
    /// All five phases, in order.
    pub phases: Vec<PhaseDto>,
}

impl PhasesDto {
    /// The phases of `c`, with the content-analysis summary and rescore on that phase.
    pub fn new(c: &Campaign, summary: ContentSummary, rescore: Option<RescoreState>) -> Self {
        let mut content = Some((summary, rescore));
        Self {
            current_phase: c.state.current_phase,
            phase_status: c.state.phase_status,
            available_transitions: c.state.available_transitions(),
            phases: c
                .phases
                .iter()
                .map(|p| {
                    let mut dto = PhaseDto::from(p);
                    if p.phase == Phase::ContentAnalysis
                        && let Some((summary, rescore)) = content.take()
                    {
                        dto.summary = Some(summary);
                        dto.rescore = rescore;
                    }
                    dto
                })
                .collect(),
        }
    }
}

/// `POST /campaigns/{id}/rescore`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RescoreRequest {
    /// The new weights of the relevance components, each 0–1, summing to 1 (a component left
    /// out weighs 0). Only the weights can change: the components (and the targets they are
    /// measured against) are kept as the phase computed them.
    pub weights: RelevanceWeightsInput,
}

/// `PUT /campaigns/{id}/transition`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransitionRequest {
    /// The phase to move to.
    pub target_phase: Phase,
    /// Why (kept in the log), up to 500 characters.
    #[serde(default)]
    pub transition_reason: Option<String>,
    /// Configuration for the target phase (and others still pending).
    #[serde(default)]
    pub configuration: Option<CampaignConfigurationInput>,
    /// Start the target phase at once (default true).
    #[serde(default)]
    pub start: Option<bool>,
}

/// Optional precondition of a control request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlRequest {
    /// Refuse with 409 unless the current phase has this status.
    #[serde(default)]
    pub expected_status: Option<PhaseStatus>,
}

/// A DNS result as returned by the API.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DnsResultDto {
    /// The outcome.
    pub status: DnsStatus,
    /// The addresses found.
    pub addresses: Vec<String>,
    /// The records of the other asked types (CNAME, MX, NS, TXT), at most 32.
    pub records: Vec<DnsRecord>,
    /// The error kind (`SERVFAIL`, `REFUSED`, …) of a failed lookup.
    pub error_kind: Option<String>,
    /// Queries sent.
    pub attempts: u32,
    /// When the lookup finished.
    pub checked_at: DateTime<Utc>,
}

/// One keyword rule's hits.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordHitDto {
    /// The rule's pattern.
    pub pattern: String,
    /// The rule's category.
    pub category: String,
    /// Matches in the visible text.
    pub count: u32,
    /// Matches in the page title (counted apart from the visible text).
    pub title_count: u32,
}

/// An HTTP result as returned by the API.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpResultDto {
    /// The outcome.
    pub status: HttpStatus,
    /// What went wrong, for every status but `ok`: each attempt (scheme, address, redirect
    /// hop) and its error.
    pub error_detail: Option<String>,
    /// The final status code.
    pub status_code: Option<u16>,
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// How many redirects were followed.
    pub redirect_count: u32,
    /// The page title.
    pub title: Option<String>,
    /// The final response's `Content-Type`.
    pub content_type: Option<String>,
    /// The body's length in bytes: its `Content-Length`, else the bytes read when the whole
    /// body was read under the cap.
    pub content_length: Option<u64>,
    /// SHA-256 (lowercase hex) of the body as read (decompressed, capped).
    pub content_hash: Option<String>,
    /// Keyword hits per rule.
    pub keyword_hits: Vec<KeywordHitDto>,
    /// When the fetch finished.
    pub fetched_at: DateTime<Utc>,
}

/// A domain with the results of the phases that processed it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainResult {
    /// Its ordinal in the campaign.
    pub ordinal: u64,
    /// The name.
    pub name: String,
    /// The DNS result, `null` until the DNS phase processed it.
    pub dns: Option<DnsResultDto>,
    /// The HTTP result, `null` until the HTTP phase processed it.
    pub http: Option<HttpResultDto>,
    /// The content-analysis result, `null` until that phase analysed the page.
    pub content: Option<ContentResult>,
    /// The lead, `null` until the lead extraction phase decided the domain.
    pub lead: Option<LeadDto>,
}

/// A domain's lead: qualified, or rejected with its one reason; what extraction found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadDto {
    /// `qualified` or `rejected`.
    pub status: LeadStatus,
    /// Why the domain was rejected (the first rule it failed, in the documented order);
    /// `null` when qualified.
    pub reason: Option<RejectReason>,
    /// The organisation's name, where found.
    pub organisation: Option<String>,
    /// Where the organisation's name was read from.
    pub organisation_source: Option<OrganisationSource>,
    /// The postal address, from structured data.
    pub postal_address: Option<PostalAddress>,
    /// Same-site contact, about and imprint pages linked from the page.
    pub contact_pages: Vec<String>,
    /// The e-mail addresses, phone numbers and social profiles, each with where it was found.
    pub contacts: Vec<Contact>,
    /// The content analysis relevance score (0–100) the lead was judged on; `null` when that
    /// phase did not run.
    pub score: Option<f64>,
    /// When the phase decided.
    pub extracted_at: DateTime<Utc>,
}

impl From<LeadResult> for LeadDto {
    fn from(l: LeadResult) -> Self {
        Self {
            status: l.qualification.status(),
            reason: l.qualification.reason(),
            organisation: l.extract.organisation,
            organisation_source: l.extract.organisation_source,
            postal_address: l.extract.postal_address,
            contact_pages: l.extract.contact_pages,
            contacts: l.extract.contacts,
            score: l.score,
            extracted_at: l.extracted_at,
        }
    }
}

impl From<DomainRecord> for DomainResult {
    fn from(d: DomainRecord) -> Self {
        Self {
            ordinal: d.ordinal,
            name: d.name,
            dns: d.dns.map(|r| DnsResultDto {
                status: r.status,
                addresses: r.addresses.iter().map(ToString::to_string).collect(),
                records: r.records,
                error_kind: r.error_kind,
                attempts: r.attempts,
                checked_at: r.checked_at,
            }),
            http: d.http.map(|r| HttpResultDto {
                status: r.status,
                error_detail: r.error_detail,
                status_code: r.status_code,
                final_url: r.final_url,
                redirect_count: r.redirect_count,
                title: r.title,
                content_type: r.content_type,
                content_length: r.content_length,
                content_hash: r.content_hash,
                keyword_hits: r
                    .keyword_hits
                    .into_iter()
                    .map(|h| KeywordHitDto {
                        pattern: h.pattern,
                        category: h.category,
                        count: h.count,
                        title_count: h.title_count,
                    })
                    .collect(),
                fetched_at: r.fetched_at,
            }),
            content: d.content,
            lead: d.lead.map(LeadDto::from),
        }
    }
}

/// One page of domains.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainPage {
    /// The domains, in the requested order.
    pub items: Vec<DomainResult>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Filters of `GET /campaigns/{id}/domains` and of the export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DomainListQuery {
    /// The `nextCursor` of the previous page (of the same `order`).
    pub cursor: Option<String>,
    /// `ordinal` (default: the campaign's order) or `score` (relevance score descending, then
    /// ordinal; only analysed domains are listed).
    pub order: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// Only domains whose DNS status is this one.
    // Read as text so that a bad value gets the handler's message naming the accepted ones.
    #[param(value_type = Option<DnsStatus>)]
    pub dns_status: Option<String>,
    /// Only domains whose HTTP status is this one.
    #[param(value_type = Option<HttpStatus>)]
    pub http_status: Option<String>,
    /// Only domains with a hit for this keyword pattern or category.
    pub keyword: Option<String>,
    /// Only domains whose page was classified so.
    #[param(value_type = Option<PageClass>)]
    pub classification: Option<String>,
    /// Only domains whose page is in this language (ISO 639-1 code, or `und`).
    pub language: Option<String>,
    /// Only domains on which this technology was found (e.g. `WordPress`).
    pub technology: Option<String>,
    /// Only domains whose relevance score is at least this (0–100).
    #[param(minimum = 0, maximum = 100)]
    pub min_score: Option<f64>,
}

/// Query of the export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ndjson` (default) or `csv`.
    pub format: Option<String>,
    /// Only domains whose DNS status is this one.
    // Read as text so that a bad value gets the handler's message naming the accepted ones.
    #[param(value_type = Option<DnsStatus>)]
    pub dns_status: Option<String>,
    /// Only domains whose HTTP status is this one.
    #[param(value_type = Option<HttpStatus>)]
    pub http_status: Option<String>,
    /// Only domains with a hit for this keyword pattern or category.
    pub keyword: Option<String>,
    /// Only domains whose page was classified so.
    #[param(value_type = Option<PageClass>)]
    pub classification: Option<String>,
    /// Only domains whose page is in this language (ISO 639-1 code, or `und`).
    pub language: Option<String>,
    /// Only domains on which this technology was found (e.g. `WordPress`).
    pub technology: Option<String>,
    /// Only domains whose relevance score is at least this (0–100).
    #[param(minimum = 0, maximum = 100)]
    pub min_score: Option<f64>,
}

/// One rejected line of an import.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RejectedLine {
    /// 1-based line number.
    pub line: u64,
    /// The line as received (truncated to 256 characters).
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

/// The outcome of `POST /campaigns/{id}/domains`.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Names added to the campaign.
    pub accepted: u64,
    /// Names the campaign already had (or that repeated in the input).
    pub duplicates: u64,
    /// Lines that were not valid names.
    pub rejected: u64,
    /// The first 1,000 rejected lines.
    pub rejected_lines: Vec<RejectedLine>,
}

/// `POST /generation/preview`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerationPreview {
    /// Names the pattern can produce in all (a decimal string: it may exceed 2^64).
    pub total_combinations: String,
    /// Names the campaign would receive (after `offsetStart`, capped by `maxDomains`).
    pub campaign_count: String,
    /// The first names the campaign would receive (up to 20).
    pub first_names: Vec<String>,
    /// Names left after the high-water mark that earlier campaigns with the same pattern
    /// reached (a decimal string).
    pub remaining_after_earlier_campaigns: String,
    /// Warnings, e.g. when `maxDomains` exceeds what remains.
    pub warnings: Vec<String>,
}

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: a server that is not healthy or ready answers with a problem instead.
    pub status: HealthStatus,
}

/// The `status` of a health or readiness answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The server is up (`/healthz`) or its store answers (`/readyz`).
    Ok,
}
