//! The statuses of the per-domain results that phases write: one enum per phase outcome, used
//! as is by the resolver, the prober, the store, the engine and the API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::phase::UnknownId;

/// Most records kept per name (of every asked type together); the rest are dropped.
pub const MAX_DNS_RECORDS: usize = 32;
/// Longest record value kept, in bytes (a longer TXT record is cut at a character boundary).
pub const MAX_DNS_RECORD_VALUE: usize = 512;

/// One record the DNS phase found for a name, of a type the campaign asked for other than
/// A and AAAA (whose addresses are kept as the result's addresses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DnsRecord {
    /// The record type.
    #[serde(rename = "type")]
    pub record_type: crate::RecordType,
    /// The value in presentation form: a name without the trailing dot (CNAME, NS),
    /// `preference exchange` (MX), the character strings joined (TXT).
    pub value: String,
    /// Time to live, in seconds.
    pub ttl: u32,
}

/// The outcome of DNS validation for one name (the `status` of a DNS result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DnsStatus {
    /// At least one record type asked had records; the addresses found are kept.
    Resolved,
    /// The server said the name does not exist.
    // Spelled as one word on the wire, like the DNS response code.
    #[serde(rename = "nxdomain")]
    NxDomain,
    /// The name exists but has no records of the asked types.
    NoRecords,
    /// No answer came back within the attempts allowed.
    Timeout,
    /// The server answered with an error, or the query could not be sent; the error kind
    /// (`SERVFAIL`, `REFUSED`, ...) says which.
    Error,
}

impl DnsStatus {
    /// Every status.
    pub const ALL: [DnsStatus; 5] = [
        DnsStatus::Resolved,
        DnsStatus::NxDomain,
        DnsStatus::NoRecords,
        DnsStatus::Timeout,
        DnsStatus::Error,
    ];

    /// The canonical spelling: `resolved`, `nxdomain`, `no_records`, `timeout`, `error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DnsStatus::Resolved => "resolved",
            DnsStatus::NxDomain => "nxdomain",
            DnsStatus::NoRecords => "no_records",
            DnsStatus::Timeout => "timeout",
            DnsStatus::Error => "error",
        }
    }

    /// Whether a result with this status counts as succeeded (otherwise as failed) in the
    /// phase counters.
    pub const fn is_success(self) -> bool {
        matches!(self, DnsStatus::Resolved)
    }
}

impl fmt::Display for DnsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DnsStatus {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownId {
                kind: "DNS status",
                value: s.to_owned(),
                expected: "resolved, nxdomain, no_records, timeout, error",
            })
    }
}

/// The outcome of HTTP keyword validation for one name (the `status` of an HTTP result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HttpStatus {
    /// A response with an accepted status code was read, its body too.
    Ok,
    /// No connection could be made (refused, unreachable, reset).
    Unreachable,
    /// A connect, TLS, header or body timeout.
    Timeout,
    /// The TLS handshake or the certificate failed.
    TlsError,
    /// A malformed response, a status code not accepted, a bad redirect, an undecodable body.
    HttpError,
    /// The fetch was refused by policy: the SSRF guard refused every address.
    Blocked,
}

impl HttpStatus {
    /// Every status.
    pub const ALL: [HttpStatus; 6] = [
        HttpStatus::Ok,
        HttpStatus::Unreachable,
        HttpStatus::Timeout,
        HttpStatus::TlsError,
        HttpStatus::HttpError,
        HttpStatus::Blocked,
    ];

    /// The canonical spelling: `ok`, `unreachable`, `timeout`, `tls_error`, `http_error`,
    /// `blocked`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpStatus::Ok => "ok",
            HttpStatus::Unreachable => "unreachable",
            HttpStatus::Timeout => "timeout",
            HttpStatus::TlsError => "tls_error",
            HttpStatus::HttpError => "http_error",
            HttpStatus::Blocked => "blocked",
        }
    }

    /// Whether a result with this status counts as succeeded (otherwise as failed) in the
    /// phase counters.
    pub const fn is_success(self) -> bool {
        matches!(self, HttpStatus::Ok)
    }
}

impl fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HttpStatus {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownId {
                kind: "HTTP status",
                value: s.to_owned(),
                expected: "ok, unreachable, timeout, tls_error, http_error, blocked",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_spelling_is_the_canonical_one() {
        for s in DnsStatus::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<DnsStatus>(), Ok(s));
        }
        for s in HttpStatus::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<HttpStatus>(), Ok(s));
        }
        assert!("nx_domain".parse::<DnsStatus>().is_err());
        assert!("OK".parse::<HttpStatus>().is_err());
    }

    #[test]
    fn only_the_first_status_is_a_success() {
        assert_eq!(
            DnsStatus::ALL.map(DnsStatus::is_success),
            [true, false, false, false, false]
        );
        assert_eq!(
            HttpStatus::ALL.map(HttpStatus::is_success),
            [true, false, false, false, false, false]
        );
    }
}
