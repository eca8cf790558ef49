//! Whether a domain became a lead: `qualified`, or `rejected` with exactly one reason, the
//! first that applies in a fixed precedence (SPEC §2.5). The one rule the `lead_extraction`
//! phase, the store's counters and the API's summary share, so that
//! `analysed = qualified + Σ rejected` holds by construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::leads::LeadExtractionConfig;
use crate::content::PageClass;
use crate::phase::UnknownId;
use crate::{DnsStatus, HttpStatus};

/// Why a domain is not a lead. The variants are in precedence order: a domain gets the first
/// that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The DNS phase found no address: NXDOMAIN, no records, an error (or never looked the
    /// name up).
    DnsError,
    /// Every DNS query for the name timed out.
    DnsTimeout,
    /// No page: unreachable, TLS error, HTTP error, blocked by the SSRF guard (or never
    /// fetched).
    HttpError,
    /// The page fetch timed out.
    HttpTimeout,
    /// Content analysis classified the page as parked or for sale (with `rejectParked`).
    Parked,
    /// No keyword rule matched the page (with `requireKeywordHit`).
    NoKeywords,
    /// The relevance score is below `minScore`.
    LowScore,
    /// Neither an e-mail address nor a phone number was found.
    NoContacts,
}

impl RejectReason {
    /// Every reason, in precedence order.
    pub const ALL: [RejectReason; 8] = [
        RejectReason::DnsError,
        RejectReason::DnsTimeout,
        RejectReason::HttpError,
        RejectReason::HttpTimeout,
        RejectReason::Parked,
        RejectReason::NoKeywords,
        RejectReason::LowScore,
        RejectReason::NoContacts,
    ];

    /// The canonical spelling (`dns_error`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            RejectReason::DnsError => "dns_error",
            RejectReason::DnsTimeout => "dns_timeout",
            RejectReason::HttpError => "http_error",
            RejectReason::HttpTimeout => "http_timeout",
            RejectReason::Parked => "parked",
            RejectReason::NoKeywords => "no_keywords",
            RejectReason::LowScore => "low_score",
            RejectReason::NoContacts => "no_contacts",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RejectReason {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownId {
                kind: "reason",
                value: s.to_owned(),
                expected: "dns_error, dns_timeout, http_error, http_timeout, parked, no_keywords, low_score, no_contacts",
            })
    }
}

/// A lead's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Passed every rule: a business with a way to reach it.
    Qualified,
    /// Failed a rule; the reason says which.
    Rejected,
}

impl LeadStatus {
    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Qualified => "qualified",
            LeadStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LeadStatus {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "qualified" => Ok(LeadStatus::Qualified),
            "rejected" => Ok(LeadStatus::Rejected),
            _ => Err(UnknownId {
                kind: "lead status",
                value: s.to_owned(),
                expected: "qualified, rejected",
            }),
        }
    }
}

/// The decision for one domain: qualified, or rejected for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualification {
    /// A lead.
    Qualified,
    /// Not a lead, for this reason.
    Rejected(RejectReason),
}

impl Qualification {
    /// The status.
    pub const fn status(self) -> LeadStatus {
        match self {
            Qualification::Qualified => LeadStatus::Qualified,
            Qualification::Rejected(_) => LeadStatus::Rejected,
        }
    }

    /// The reason, when rejected.
    pub const fn reason(self) -> Option<RejectReason> {
        match self {
            Qualification::Qualified => None,
            Qualification::Rejected(reason) => Some(reason),
        }
    }

    /// From a stored status and reason; `None` when they contradict each other.
    pub fn from_parts(status: LeadStatus, reason: Option<RejectReason>) -> Option<Self> {
        match (status, reason) {
            (LeadStatus::Qualified, None) => Some(Qualification::Qualified),
            (LeadStatus::Rejected, Some(r)) => Some(Qualification::Rejected(r)),
            _ => None,
        }
    }
}

/// What the earlier phases and the extraction found for one domain: the inputs of
/// [`qualify`]. `None` where a phase has no result for the domain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Funnel {
    /// The DNS result's status.
    pub dns: Option<DnsStatus>,
    /// The HTTP result's status.
    pub http: Option<HttpStatus>,
    /// Keyword hits on the page (visible text and title).
    pub keyword_hits: u64,
    /// Content analysis: the page's class and relevance score (0–100), when it ran.
    pub content: Option<(PageClass, f64)>,
    /// Whether the extraction found an e-mail address or a phone number.
    pub has_contact: bool,
}

/// The one rule: the first reason that applies, in [`RejectReason::ALL`] order, or
/// `Qualified`.
pub fn qualify(funnel: &Funnel, config: &LeadExtractionConfig) -> Qualification {
    use Qualification::Rejected;
    match funnel.dns {
        Some(DnsStatus::Resolved) => {}
        Some(DnsStatus::Timeout) => return Rejected(RejectReason::DnsTimeout),
        Some(DnsStatus::NxDomain | DnsStatus::NoRecords | DnsStatus::Error) | None => {
            return Rejected(RejectReason::DnsError);
        }
    }
    match funnel.http {
        Some(HttpStatus::Ok) => {}
        Some(HttpStatus::Timeout) => return Rejected(RejectReason::HttpTimeout),
        Some(_) | None => return Rejected(RejectReason::HttpError),
    }
    if config.reject_parked()
        && funnel
            .content
            .is_some_and(|(class, _)| class.is_parked_or_for_sale())
    {
        return Rejected(RejectReason::Parked);
    }
    if config.require_keyword_hit() && funnel.keyword_hits == 0 {
        return Rejected(RejectReason::NoKeywords);
    }
    if config.min_score() > 0.0 && funnel.content.map_or(0.0, |(_, s)| s) < config.min_score() {
        return Rejected(RejectReason::LowScore);
    }
    if !funnel.has_contact {
        return Rejected(RejectReason::NoContacts);
    }
    Qualification::Qualified
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::leads::LeadExtractionConfigInput;

    fn config(min_score: f64) -> LeadExtractionConfig {
        LeadExtractionConfig::try_from(LeadExtractionConfigInput {
            min_score: Some(min_score),
            ..LeadExtractionConfigInput::default()
        })
        .expect("valid")
    }

    fn good() -> Funnel {
        Funnel {
            dns: Some(DnsStatus::Resolved),
            http: Some(HttpStatus::Ok),
            keyword_hits: 3,
            content: Some((PageClass::Active, 80.0)),
            has_contact: true,
        }
    }

    #[test]
    fn the_first_failing_rule_gives_the_reason() {
        let c = config(50.0);
        assert_eq!(qualify(&good(), &c), Qualification::Qualified);
        // Everything wrong at once: DNS comes first.
        let worst = Funnel {
            dns: Some(DnsStatus::NxDomain),
            http: Some(HttpStatus::Timeout),
            keyword_hits: 0,
            content: Some((PageClass::Parked, 0.0)),
            has_contact: false,
        };
        assert_eq!(
            qualify(&worst, &c),
            Qualification::Rejected(RejectReason::DnsError)
        );
        let cases = [
            (
                Funnel {
                    dns: None,
                    ..good()
                },
                RejectReason::DnsError,
            ),
            (
                Funnel {
                    dns: Some(DnsStatus::Timeout),
                    ..worst
                },
                RejectReason::DnsTimeout,
            ),
            (
                Funnel {
                    dns: Some(DnsStatus::Resolved),
                    http: None,
                    ..worst
                },
                RejectReason::HttpError,
            ),
            (
                Funnel {
                    dns: Some(DnsStatus::Resolved),
                    ..worst
                },
                RejectReason::HttpTimeout,
            ),
            (
                Funnel {
                    content: Some((PageClass::ForSale, 90.0)),
                    ..good()
                },
                RejectReason::Parked,
            ),
            (
                Funnel {
                    keyword_hits: 0,
                    content: Some((PageClass::Active, 10.0)),
                    ..good()
                },
                RejectReason::NoKeywords,
            ),
            (
                Funnel {
                    content: Some((PageClass::Active, 49.9)),
                    has_contact: false,
                    ..good()
                },
                RejectReason::LowScore,
            ),
            (
                Funnel {
                    content: None,
                    ..good()
                },
                RejectReason::LowScore,
            ),
            (
                Funnel {
                    has_contact: false,
                    ..good()
                },
                RejectReason::NoContacts,
            ),
        ];
        for (funnel, reason) in cases {
            assert_eq!(
                qualify(&funnel, &c),
                Qualification::Rejected(reason),
                "{funnel:?}"
            );
        }
        // Without a minimum score, content analysis is not needed.
        let lenient = config(0.0);
        assert_eq!(
            qualify(
                &Funnel {
                    content: None,
                    ..good()
                },
                &lenient
            ),
            Qualification::Qualified
        );
    }

    #[test]
    fn spellings_round_trip() {
        for reason in RejectReason::ALL {
            assert_eq!(reason.as_str().parse::<RejectReason>(), Ok(reason));
            assert_eq!(
                serde_json::to_value(reason).expect("json"),
                serde_json::json!(reason.as_str())
            );
        }
        assert!(
            RejectReason::ALL.windows(2).all(|w| w[0] < w[1]),
            "precedence order"
        );
        for status in [LeadStatus::Qualified, LeadStatus::Rejected] {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(status));
        }
        assert_eq!(
            Qualification::from_parts(LeadStatus::Qualified, Some(RejectReason::Parked)),
            None
        );
    }
}
