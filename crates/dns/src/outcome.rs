//! What the resolver reports for a name, and how the answers for each record type combine.
//!
//! Each record type asked ends in one per-type result; the domain's [`DnsOutcome`] combines them
//! with this precedence (first rule that applies):
//!
//! 1. `resolved` if any type had records of the asked type (addresses from all types, in the
//!    order of the record types, without duplicates) — e.g. A resolved + AAAA SERVFAIL is
//!    `resolved`;
//! 2. `nxdomain` if any type got NXDOMAIN (it is a statement about the name, not the type);
//! 3. `error` with the first error (in record-type order) if any type ended in an error rcode
//!    (or a failed TCP fallback) — e.g. A NODATA + AAAA SERVFAIL is `error SERVFAIL`, since we
//!    do not know that the name has no AAAA records;
//! 4. `timeout` if any type timed out on every attempt — e.g. A NODATA + AAAA timeout;
//! 5. `no_records` when every type got NOERROR without records of its type.
//!
//! `attempts` counts every query sent for the name: first attempts, retries and TCP fallbacks.

use std::fmt;
use std::net::IpAddr;

use dragnet_domain::results::MAX_DNS_RECORDS;
use dragnet_domain::{DnsRecord, DnsStatus};

/// Why a name ended in [`DnsStatus::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsErrorKind {
    /// An error response code other than NOERROR and NXDOMAIN (e.g. 2 = SERVFAIL, 5 = REFUSED).
    Rcode(u16),
    /// The answer was truncated over UDP and the TCP fallback failed.
    TcpFailed,
    /// Sending the query failed (e.g. no route to the server).
    Network,
    /// The name is not a valid DNS name.
    InvalidName,
}

impl DnsErrorKind {
    /// SERVFAIL.
    pub const SERVFAIL: DnsErrorKind = DnsErrorKind::Rcode(2);
    /// REFUSED.
    pub const REFUSED: DnsErrorKind = DnsErrorKind::Rcode(5);

    /// The stored spelling: the rcode mnemonic (`SERVFAIL`, `REFUSED`, `FORMERR`, ...,
    /// `RCODE` for unassigned codes), or `TCP_FAILED`, `NETWORK`, `INVALID_NAME`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DnsErrorKind::Rcode(code) => match code {
                1 => "FORMERR",
                2 => "SERVFAIL",
                4 => "NOTIMP",
                5 => "REFUSED",
                6 => "YXDOMAIN",
                7 => "YXRRSET",
                8 => "NXRRSET",
                9 => "NOTAUTH",
                10 => "NOTZONE",
                16 => "BADVERS",
                23 => "BADCOOKIE",
                _ => "RCODE",
            },
            DnsErrorKind::TcpFailed => "TCP_FAILED",
            DnsErrorKind::Network => "NETWORK",
            DnsErrorKind::InvalidName => "INVALID_NAME",
        }
    }
}

impl fmt::Display for DnsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsErrorKind::Rcode(code) if self.as_str() == "RCODE" => write!(f, "RCODE{code}"),
            _ => f.write_str(self.as_str()),
        }
    }
}

/// The result for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsOutcome {
    /// The combined status (see the module documentation for the rules).
    pub status: DnsStatus,
    /// The error, when `status` is [`DnsStatus::Error`].
    pub error: Option<DnsErrorKind>,
    /// Addresses found (A and AAAA answers), deduplicated; empty unless `resolved`.
    pub addresses: Vec<IpAddr>,
    /// The records of the other asked types (CNAME, MX, NS, TXT), in record-type order then the
    /// server's order, deduplicated, at most [`MAX_DNS_RECORDS`]; empty unless `resolved`.
    pub records: Vec<DnsRecord>,
    /// Queries sent for the name: first attempts, retries and TCP fallbacks.
    pub attempts: u32,
}

/// One name's result, tagged with the ordinal it was submitted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsResult {
    /// The ordinal given with the name.
    pub ordinal: u64,
    /// The name as given.
    pub name: String,
    /// What was found.
    pub outcome: DnsOutcome,
}

/// How one record type's query ended. Public so that a caller that answers some types by other
/// means (or a test server that predicts the resolver's answer) combines them by the same rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeResult {
    /// NOERROR with records of the asked type (possibly behind CNAMEs): the addresses (A and
    /// AAAA) and every record as found.
    Records {
        /// Addresses, for A and AAAA.
        addresses: Vec<IpAddr>,
        /// The records of other types (CNAME, MX, NS, TXT), in the server's order.
        records: Vec<DnsRecord>,
    },
    /// NOERROR without records of the asked type.
    NoData,
    /// NXDOMAIN.
    NxDomain,
    /// An error.
    Error(DnsErrorKind),
    /// Every attempt timed out.
    Timeout,
}

impl TypeResult {
    /// Records that are addresses only (what a test that predicts addresses needs).
    pub fn addresses(addresses: Vec<IpAddr>) -> Self {
        Self::Records {
            addresses,
            records: Vec::new(),
        }
    }
}

/// Collects the per-type results of one name and combines them into one [`DnsOutcome`].
#[derive(Debug, Default)]
pub struct OutcomeBuilder {
    /// Addresses with the rank of the record type that found them.
    addresses: Vec<(usize, IpAddr)>,
    /// Records with the rank of their type.
    records: Vec<(usize, DnsRecord)>,
    resolved: bool,
    nxdomain: bool,
    timeout: bool,
    error: Option<DnsErrorKind>,
    /// Per-type results arrive in completion order; errors are kept by record-type order.
    error_rank: usize,
    attempts: u32,
}

impl OutcomeBuilder {
    /// Counts one more query sent for this name.
    pub fn add_attempt(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// Adds the result of the record type at position `rank` in the settings' list.
    pub fn add(&mut self, rank: usize, result: TypeResult) {
        match result {
            TypeResult::Records { addresses, records } => {
                self.resolved = true;
                self.addresses
                    .extend(addresses.into_iter().map(|a| (rank, a)));
                self.records.extend(records.into_iter().map(|r| (rank, r)));
            }
            TypeResult::NoData => {}
            TypeResult::NxDomain => self.nxdomain = true,
            TypeResult::Error(kind) => {
                if self.error.is_none() || rank < self.error_rank {
                    self.error = Some(kind);
                    self.error_rank = rank;
                }
            }
            TypeResult::Timeout => self.timeout = true,
        }
    }

    /// The combined outcome: resolved if any type had records; else NXDOMAIN, then the
    /// first error in record-type order, then a timeout, then no records.
    pub fn finish(mut self) -> DnsOutcome {
        // Results arrive in completion order; list addresses in record-type order (A before
        // AAAA), keeping the server's order within a type, without duplicates.
        self.addresses.sort_by_key(|(rank, _)| *rank);
        let mut addresses: Vec<IpAddr> = Vec::with_capacity(self.addresses.len());
        for (_, a) in self.addresses {
            if !addresses.contains(&a) {
                addresses.push(a);
            }
        }
        // The same for records (a stable sort keeps the server's order within a type).
        self.records.sort_by_key(|(rank, _)| *rank);
        let mut records: Vec<DnsRecord> = Vec::new();
        for (_, r) in self.records {
            if records.len() < MAX_DNS_RECORDS
                && !records
                    .iter()
                    .any(|k| k.record_type == r.record_type && k.value == r.value)
            {
                records.push(r);
            }
        }
        let (status, error) = if self.resolved {
            (DnsStatus::Resolved, None)
        } else if self.nxdomain {
            (DnsStatus::NxDomain, None)
        } else if let Some(e) = self.error {
            (DnsStatus::Error, Some(e))
        } else if self.timeout {
            (DnsStatus::Timeout, None)
        } else {
            (DnsStatus::NoRecords, None)
        };
        if status != DnsStatus::Resolved {
            addresses.clear();
            records.clear();
        }
        DnsOutcome {
            status,
            error,
            addresses,
            records,
            attempts: self.attempts,
        }
    }

    /// An outcome for a name that could not be queried at all.
    pub fn invalid_name() -> DnsOutcome {
        DnsOutcome {
            status: DnsStatus::Error,
            error: Some(DnsErrorKind::InvalidName),
            addresses: Vec::new(),
            records: Vec::new(),
            attempts: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combine(results: Vec<TypeResult>) -> DnsOutcome {
        let mut b = OutcomeBuilder::default();
        for (rank, r) in results.into_iter().enumerate() {
            b.add(rank, r);
        }
        b.finish()
    }

    #[test]
    fn resolved_wins_and_addresses_are_deduplicated() {
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "::1".parse().expect("ip");
        let o = combine(vec![
            TypeResult::addresses(vec![a, a]),
            TypeResult::Error(DnsErrorKind::SERVFAIL),
        ]);
        assert_eq!(o.status, DnsStatus::Resolved);
        assert_eq!(o.addresses, vec![a]);
        assert_eq!(o.error, None);

        // AAAA completing first still lists the IPv4 address first.
        let mut builder = OutcomeBuilder::default();
        builder.add(1, TypeResult::addresses(vec![b]));
        builder.add(0, TypeResult::addresses(vec![a]));
        assert_eq!(builder.finish().addresses, vec![a, b]);
    }

    #[test]
    fn precedence_of_the_other_outcomes() {
        use TypeResult::*;
        let status = |r| combine(r).status;
        assert_eq!(status(vec![NxDomain, Timeout]), DnsStatus::NxDomain);
        assert_eq!(
            status(vec![NoData, Error(DnsErrorKind::SERVFAIL)]),
            DnsStatus::Error
        );
        assert_eq!(status(vec![NoData, Timeout]), DnsStatus::Timeout);
        assert_eq!(
            status(vec![Timeout, Error(DnsErrorKind::REFUSED)]),
            DnsStatus::Error
        );
        assert_eq!(status(vec![NoData, NoData]), DnsStatus::NoRecords);
        assert_eq!(status(vec![Timeout, Timeout]), DnsStatus::Timeout);
    }

    #[test]
    fn first_error_in_record_type_order() {
        let mut b = OutcomeBuilder::default();
        b.add(1, TypeResult::Error(DnsErrorKind::REFUSED));
        b.add(0, TypeResult::Error(DnsErrorKind::SERVFAIL));
        assert_eq!(b.finish().error, Some(DnsErrorKind::SERVFAIL));
    }

    #[test]
    fn error_names() {
        assert_eq!(DnsErrorKind::SERVFAIL.to_string(), "SERVFAIL");
        assert_eq!(DnsErrorKind::Rcode(12).to_string(), "RCODE12");
        assert_eq!(DnsStatus::NoRecords.as_str(), "no_records");
    }
}
