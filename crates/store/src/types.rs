//! The store's public types: what callers pass in and get back. Row types stay private to the
//! modules that run the queries.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use dragnet_domain::content::{PageClass, RescoreStatus};
use dragnet_domain::leads::ContactKind;
use dragnet_domain::qualification::{LeadStatus, RejectReason};
use dragnet_domain::{
    CampaignState, DnsRecord, Phase, PhaseStatus, ProxyProtocol, Role, Transition,
};
use serde::{Deserialize, Serialize};

use crate::StoreError;

// The domain's types, re-exported inside the crate only so that every module names them the
// same way; callers outside the store use `dragnet_domain` directly.
pub(crate) use dragnet_domain::{CampaignId, DnsStatus, HttpStatus};

/// What is needed to create a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    /// Display name; need not be unique.
    pub name: String,
    /// The phase the campaign begins at (normally `domain_generation`); earlier phases are
    /// recorded as skipped.
    pub initial_phase: Phase,
    /// Full-sequence mode: each completed phase starts the next configured one.
    pub launch_sequence: bool,
    /// Per-phase configuration as JSON, already validated by the caller with the domain crate.
    /// Phases without an entry are unconfigured.
    pub configurations: BTreeMap<Phase, serde_json::Value>,
}

/// A campaign with all of its phase rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Its id.
    pub id: CampaignId,
    /// Its display name.
    pub name: String,
    /// Current phase and that phase's status (the status of the current phase row).
    pub state: CampaignState,
    /// Full-sequence mode.
    pub launch_sequence: bool,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; pass it back as the expected version for compare-and-set.
    pub version: i64,
    /// One record per phase, in pipeline order (always all five).
    pub phases: Vec<PhaseRecord>,
}

impl Campaign {
    /// The record of `phase`.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseRecord> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// The record of the current phase.
    pub fn current(&self) -> Option<&PhaseRecord> {
        self.phase(self.state.current_phase)
    }
}

/// One phase of a campaign: its status, configuration, counters and checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRecord {
    /// The phase.
    pub phase: Phase,
    /// Its status.
    pub status: PhaseStatus,
    /// Its configuration as JSON (`None` when not configured). The store does not interpret
    /// it: the API validates it with the domain crate before storing, the engine parses it
    /// when the phase starts.
    pub configuration: Option<serde_json::Value>,
    /// Items the phase has to process.
    pub total: u64,
    /// Items processed so far.
    pub processed: u64,
    /// Items processed successfully.
    pub succeeded: u64,
    /// Items processed unsuccessfully.
    pub failed: u64,
    /// Every ordinal below the checkpoint is done (single-worker progress; chunk leases track
    /// sharded progress).
    pub checkpoint: Option<u64>,
    /// When the phase first started running.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or failed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// A state change request for [`crate::Store::apply_action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What to do.
    pub action: dragnet_domain::Action,
    /// Compare-and-set: refuse with [`crate::StoreError::Conflict`] unless the campaign is at
    /// this version.
    pub expected_version: Option<i64>,
    /// For `fail`/`cancel`: why, stored on the phase row.
    pub error: Option<String>,
}

impl Change {
    /// A change with no expected version and no error message.
    pub fn new(action: dragnet_domain::Action) -> Self {
        Self {
            action,
            expected_version: None,
            error: None,
        }
    }

    /// Requires the campaign to be at `version`.
    #[must_use]
    pub fn expecting(mut self, version: i64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Records `error` on the phase row (for `fail` and `cancel`).
    #[must_use]
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }
}

/// The outcome of a successful [`crate::Store::apply_action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// What changed, as computed by the domain crate.
    pub transition: Transition,
    /// The campaign's new version.
    pub version: i64,
}

/// Filters for [`crate::Store::list_campaigns`]. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignFilter {
    /// Only campaigns whose current phase is this one.
    pub current_phase: Option<Phase>,
    /// Only campaigns whose current phase has this status.
    pub phase_status: Option<PhaseStatus>,
    /// Only campaigns whose name contains this string (case-sensitive).
    pub name_contains: Option<String>,
}

/// One page of a keyset listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items, in listing order.
    pub items: Vec<T>,
    /// The cursor to pass for the next page; `None` on the last page.
    pub next: Option<C>,
}

/// What a bulk domain insert did. Duplicates (a name, or an ordinal, already present in the
/// campaign or earlier in the same input) are counted, not errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsertReport {
    /// Names inserted.
    pub inserted: u64,
    /// Names skipped because the campaign already had them.
    pub duplicates: u64,
}

/// What an idempotent result write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Rows inserted (and counted in the phase counters).
    pub inserted: u64,
    /// Rows skipped because a result for that ordinal already existed.
    pub already_present: u64,
}

/// A domain enum kept in a `SMALLINT` column as a fixed value per variant. This trait and the
/// `stored_enum!` table below are the one place where the store maps domain enums to their
/// columns. The values are part of the schema: existing databases hold them, so a value is
/// never changed or reused, and a new variant takes a new value.
pub(crate) trait StoredEnum: Sized + Copy + 'static {
    /// What the column holds, for error messages (`DNS status`, `proxy protocol`).
    const NAME: &'static str;
    /// The value stored in the database.
    fn index(self) -> i16;

    /// The variant with stored value `index`, if any.
    fn from_index(index: i16) -> Option<Self>;

    /// The variant with stored value `index`; an unknown value means the row was not written
    /// by this store.
    fn decode(index: i16) -> Result<Self, StoreError> {
        Self::from_index(index)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown {} value {index}", Self::NAME)))
    }
}

macro_rules! stored_enum {
    ($ty:ident, $name:literal, [$($variant:ident = $value:literal),+ $(,)?]) => {
        impl StoredEnum for $ty {
            const NAME: &'static str = $name;

            fn index(self) -> i16 {
                match self { $($ty::$variant => $value),+ }
            }

            fn from_index(index: i16) -> Option<$ty> {
                match index { $($value => Some($ty::$variant),)+ _ => None }
            }
        }
    };
}

stored_enum!(
    DnsStatus,
    "DNS status",
    [
        Resolved = 0,
        NxDomain = 1,
        NoRecords = 2,
        Timeout = 3,
        Error = 4
    ]
);
stored_enum!(
    HttpStatus,
    "HTTP status",
    [
        Ok = 0,
        Unreachable = 1,
        Timeout = 2,
        TlsError = 3,
        HttpError = 4,
        Blocked = 5
    ]
);
stored_enum!(
    ProxyProtocol,
    "proxy protocol",
    [Http = 0, Https = 1, Socks5 = 2]
);
stored_enum!(Role, "token role", [Admin = 0, Operator = 1, Viewer = 2]);
stored_enum!(LeadStatus, "lead status", [Qualified = 0, Rejected = 1]);
stored_enum!(
    RejectReason,
    "rejection reason",
    [
        DnsError = 0,
        DnsTimeout = 1,
        HttpError = 2,
        HttpTimeout = 3,
        Parked = 4,
        NoKeywords = 5,
        LowScore = 6,
        NoContacts = 7,
    ]
);
stored_enum!(
    ContactKind,
    "contact kind",
    [Email = 0, Phone = 1, Social = 2]
);
stored_enum!(
    PageClass,
    "page class",
    [
        Active = 0,
        Parked = 1,
        ForSale = 2,
        UnderConstruction = 3,
        DefaultPage = 4,
        Empty = 5,
    ]
);

stored_enum!(
    RescoreStatus,
    "rescore state",
    [Running = 0, Completed = 1, Failed = 2]
);

/// The DNS phase's result for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsResult {
    /// The domain's ordinal in its campaign.
    pub ordinal: u64,
    /// The outcome (stored as the value `StoredEnum` gives it).
    pub status: DnsStatus,
    /// The resolver's error kind (`SERVFAIL`, `REFUSED`, ...) for failed lookups.
    pub error_kind: Option<String>,
    /// The addresses found.
    pub addresses: Vec<IpAddr>,
    /// The records of the other asked types (CNAME, MX, NS, TXT).
    pub records: Vec<DnsRecord>,
    /// How many queries were sent.
    pub attempts: u32,
    /// When the lookup finished (stored with millisecond precision).
    pub checked_at: DateTime<Utc>,
}

/// One keyword rule's hits on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordHit {
    /// The rule's pattern.
    pub pattern: String,
    /// The rule's category.
    pub category: String,
    /// How many times it matched the visible text.
    pub count: u32,
    /// How many times it matched the page title (counted apart from the visible text).
    #[serde(default)]
    pub title_count: u32,
}

/// The HTTP phase's result for one domain (without the page snapshot, which is read
/// separately with [`crate::Store::http_snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResult {
    /// The domain's ordinal in its campaign.
    pub ordinal: u64,
    /// The outcome (stored as the value `StoredEnum` gives it).
    pub status: HttpStatus,
    /// What went wrong, for failed fetches.
    pub error_detail: Option<String>,
    /// The final response's status code.
    pub status_code: Option<u16>,
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// How many redirects were followed.
    pub redirect_count: u32,
    /// The page title.
    pub title: Option<String>,
    /// The response's content type.
    pub content_type: Option<String>,
    /// The body length in bytes (before the cap).
    pub content_length: Option<u64>,
    /// A hash of the body.
    pub content_hash: Option<String>,
    /// Keyword hits per rule.
    pub keyword_hits: Vec<KeywordHit>,
    /// When the fetch finished (stored with millisecond precision).
    pub fetched_at: DateTime<Utc>,
}

/// An HTTP result to write, with its compressed page snapshot (compressed by the engine; the
/// store keeps the bytes as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHttpResult {
    /// The result.
    pub result: HttpResult,
    /// The compressed snapshot, if one was kept.
    pub snapshot: Option<Vec<u8>>,
}

/// A domain whose DNS result is `resolved`, with the addresses found: what the HTTP phase
/// probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDomain {
    /// Its ordinal in the campaign.
    pub ordinal: u64,
    /// The name.
    pub name: String,
    /// The addresses the DNS phase found.
    pub addresses: Vec<IpAddr>,
}

/// A page the HTTP phase kept, with what the earlier phases learnt about its domain: the input
/// of `content_analysis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    /// Its ordinal in the campaign.
    pub ordinal: u64,
    /// The domain name.
    pub name: String,
    /// The URL the page was finally fetched from.
    pub final_url: Option<String>,
    /// The keyword hits the HTTP phase counted.
    pub keyword_hits: Vec<KeywordHit>,
    /// The compressed snapshot, as the HTTP phase wrote it (see the engine's snapshot format).
    pub snapshot: Vec<u8>,
    /// The addresses the DNS phase found.
    pub addresses: Vec<IpAddr>,
    /// The name servers (NS records) the DNS phase found, when it asked for them.
    pub nameservers: Vec<String>,
}

/// A domain with the results of the phases that processed it.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainRecord {
    /// Its ordinal in the campaign.
    pub ordinal: u64,
    /// The name (validated by the caller before it was inserted).
    pub name: String,
    /// The DNS result, if the DNS phase processed it.
    pub dns: Option<DnsResult>,
    /// The HTTP result, if the HTTP phase processed it.
    pub http: Option<HttpResult>,
    /// The content-analysis result, if that phase analysed its page.
    pub content: Option<dragnet_domain::content::ContentResult>,
    /// The lead, if the lead extraction phase decided the domain.
    pub lead: Option<crate::LeadResult>,
}

/// Filters for domain pages and exports. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainFilter {
    /// Only domains whose DNS result has this status.
    pub dns_status: Option<DnsStatus>,
    /// Only domains whose HTTP result has this status.
    pub http_status: Option<HttpStatus>,
    /// Only domains with an HTTP keyword hit whose pattern or category is exactly this.
    pub keyword: Option<String>,
    /// Only domains whose page was classified so.
    pub classification: Option<dragnet_domain::content::PageClass>,
    /// Only domains whose page is in this language (ISO 639-1, or `und`).
    pub language: Option<String>,
    /// Only domains on which this technology was found (its name as in the data file).
    pub technology: Option<String>,
    /// Only domains whose relevance score is at least this (0–100).
    pub min_score: Option<f64>,
}

/// A chunk of ordinals `[start, end)` leased to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The campaign.
    pub campaign: CampaignId,
    /// The phase.
    pub phase: Phase,
    /// First ordinal (inclusive).
    pub start: u64,
    /// Last ordinal (exclusive).
    pub end: u64,
    /// The worker holding the lease.
    pub owner: String,
    /// When the lease expires unless renewed.
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored values are part of the schema: this pins them.
    #[test]
    fn stored_values_never_change() {
        fn values<T: StoredEnum + std::fmt::Debug + PartialEq>(all: &[T]) -> Vec<i16> {
            all.iter()
                .map(|v| {
                    assert_eq!(T::from_index(v.index()), Some(*v));
                    v.index()
                })
                .collect()
        }
        assert_eq!(values(&DnsStatus::ALL), [0, 1, 2, 3, 4]);
        assert_eq!(DnsStatus::NxDomain.index(), 1);
        assert_eq!(values(&HttpStatus::ALL), [0, 1, 2, 3, 4, 5]);
        assert_eq!(HttpStatus::Blocked.index(), 5);
        assert_eq!(values(&PageClass::ALL), [0, 1, 2, 3, 4, 5]);
        assert_eq!(PageClass::Empty.index(), 5);
        assert_eq!(values(&ProxyProtocol::ALL), [0, 1, 2]);
        assert_eq!(ProxyProtocol::Socks5.index(), 2);
        assert_eq!(values(&Role::ALL), [0, 1, 2]);
        assert_eq!(Role::Viewer.index(), 2);
        assert!(matches!(
            Role::decode(7),
            Err(StoreError::Corrupt(m)) if m == "unknown token role value 7"
        ));
    }
}
