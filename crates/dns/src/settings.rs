//! The resolver's own settings, independent of how a campaign stores its configuration.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use dragnet_domain::{DnsStrategy, RecordType};
use hickory_proto::rr::RecordType as WireType;

/// Most queries in flight per UDP socket: the 16-bit id space, with room left so that a
/// released id is not reused at once (see `ids.rs`).
pub const MAX_IN_FLIGHT_PER_SOCKET: usize = 60_000;
/// Most record types asked per name.
pub const MAX_RECORD_TYPES: usize = 8;
/// Most UDP sockets per resolver.
pub const MAX_SOCKETS: usize = 64;

/// One DNS server (usually a recursive resolver) queried over UDP, with TCP on truncation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DnsServer {
    /// Address and port.
    pub addr: SocketAddr,
    /// Share of first attempts under [`DnsStrategy::Weighted`]; ignored by other strategies.
    /// A weight of zero means "never under `weighted`".
    pub weight: u32,
}

impl DnsServer {
    /// A server with weight 1.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, weight: 1 }
    }
}

/// The wire type of a record type, for the queries.
pub(crate) const fn wire_type(t: RecordType) -> WireType {
    match t {
        RecordType::A => WireType::A,
        RecordType::Aaaa => WireType::AAAA,
        RecordType::Cname => WireType::CNAME,
        RecordType::Mx => WireType::MX,
        RecordType::Ns => WireType::NS,
        RecordType::Txt => WireType::TXT,
    }
}

/// Everything the resolver needs to know. Build with [`ResolverSettings::new`] and adjust the
/// public fields; [`Resolver::new`](super::Resolver::new) validates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// The servers queried (at least one).
    pub servers: Vec<DnsServer>,
    /// How queries are spread over the servers.
    pub strategy: DnsStrategy,
    /// Record types asked for each name (one query per type; at least one, duplicates ignored).
    pub record_types: Vec<RecordType>,
    /// Time to wait for an answer to one attempt.
    pub timeout: Duration,
    /// Attempts after the first one, per query (timeouts, and error rcodes when
    /// [`retry_on_error_rcode`](Self::retry_on_error_rcode) is set).
    pub retries: u32,
    /// Most queries alive at once (sent and unanswered, or waiting to be retried), over all
    /// sockets. Memory is proportional to it.
    pub concurrency: usize,
    /// Most queries sent per second (first attempts, retries and TCP fallbacks alike), if
    /// limited. A bucket given to [`Resolver::with_rate_limiter`](super::Resolver::with_rate_limiter)
    /// takes precedence, so several resolvers can share one campaign-wide limit.
    pub rate_limit_per_second: Option<NonZeroU32>,
    /// Number of UDP sockets (each driven by its own task, with its own id space).
    pub sockets: usize,
    /// Requested `SO_RCVBUF`/`SO_SNDBUF` of each UDP socket, in bytes (the kernel caps it at
    /// `net.core.rmem_max`/`wmem_max`).
    pub socket_buffer_bytes: usize,
    /// Most TCP fallback queries at once, per socket worker.
    pub tcp_concurrency: usize,
    /// Time allowed for one TCP fallback query (connect, send, receive).
    pub tcp_timeout: Duration,
    /// EDNS(0) UDP payload size advertised in queries; `None` sends no OPT record (answers are
    /// then limited to 512 bytes over UDP and larger ones come back truncated).
    pub edns_udp_payload: Option<u16>,
    /// Whether an error rcode (SERVFAIL, REFUSED, ...) is retried on the next server while
    /// attempts remain, rather than taken as the final answer for that record type.
    pub retry_on_error_rcode: bool,
    /// Whether queries set the RD (recursion desired) bit; needed with recursive resolvers.
    pub recursion_desired: bool,
}

impl ResolverSettings {
    /// Settings with the given servers (weight 1 each) and the defaults: round robin, A and
    /// AAAA, 2 s timeout, 2 retries, 1000 queries in flight, no rate limit, 2 sockets with
    /// 4 MiB buffers, 16 TCP queries per socket, EDNS with a 1232-byte payload, error rcodes
    /// retried, RD set.
    pub fn new(servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self {
            servers: servers.into_iter().map(DnsServer::new).collect(),
            strategy: DnsStrategy::RoundRobin,
            record_types: vec![RecordType::A, RecordType::Aaaa],
            timeout: Duration::from_secs(2),
            retries: 2,
            concurrency: 1000,
            rate_limit_per_second: None,
            sockets: 2,
            socket_buffer_bytes: 4 << 20,
            tcp_concurrency: 16,
            tcp_timeout: Duration::from_secs(5),
            edns_udp_payload: Some(1232),
            retry_on_error_rcode: true,
            recursion_desired: true,
        }
    }

    /// Checks the settings; [`Resolver::new`](super::Resolver::new) calls it.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.servers.is_empty() {
            return Err(SettingsError::NoServers);
        }
        if self.strategy == DnsStrategy::Weighted && self.servers.iter().all(|s| s.weight == 0) {
            return Err(SettingsError::AllWeightsZero);
        }
        if self.record_types.is_empty() {
            return Err(SettingsError::NoRecordTypes);
        }
        if self.record_types.len() > MAX_RECORD_TYPES {
            return Err(SettingsError::TooManyRecordTypes(self.record_types.len()));
        }
        if self.timeout.is_zero() || self.tcp_timeout.is_zero() {
            return Err(SettingsError::ZeroTimeout);
        }
        if self.concurrency == 0 {
            return Err(SettingsError::ZeroConcurrency);
        }
        if self.sockets == 0 || self.sockets > MAX_SOCKETS {
            return Err(SettingsError::Sockets(self.sockets));
        }
        if self
            .concurrency
            .div_ceil(self.sockets.min(self.concurrency))
            > MAX_IN_FLIGHT_PER_SOCKET
        {
            return Err(SettingsError::ConcurrencyTooHigh {
                concurrency: self.concurrency,
                sockets: self.sockets,
            });
        }
        if self.tcp_concurrency == 0 {
            return Err(SettingsError::ZeroTcpConcurrency);
        }
        if self.retries > 100 {
            return Err(SettingsError::TooManyRetries(self.retries));
        }
        Ok(())
    }

    /// The record types in order, without duplicates.
    pub(crate) fn distinct_record_types(&self) -> Vec<RecordType> {
        let mut types = Vec::with_capacity(self.record_types.len());
        for t in &self.record_types {
            if !types.contains(t) {
                types.push(*t);
            }
        }
        types
    }
}

/// Why settings were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// No server was given.
    #[error("at least one DNS server is required")]
    NoServers,
    /// Every weight is zero under the weighted strategy.
    #[error("the weighted strategy needs at least one server with a non-zero weight")]
    AllWeightsZero,
    /// No record type was given.
    #[error("at least one record type is required")]
    NoRecordTypes,
    /// Too many record types.
    #[error("{0} record types given; at most {MAX_RECORD_TYPES} are supported")]
    TooManyRecordTypes(usize),
    /// A timeout is zero.
    #[error("timeouts must be positive")]
    ZeroTimeout,
    /// Concurrency is zero.
    #[error("concurrency must be positive")]
    ZeroConcurrency,
    /// Concurrency does not fit in the sockets' id spaces.
    #[error(
        "concurrency {concurrency} over {sockets} sockets exceeds {MAX_IN_FLIGHT_PER_SOCKET} queries per socket"
    )]
    ConcurrencyTooHigh {
        /// The requested concurrency.
        concurrency: usize,
        /// The requested number of sockets.
        sockets: usize,
    },
    /// The number of sockets is out of range.
    #[error("sockets must be between 1 and {MAX_SOCKETS}, not {0}")]
    Sockets(usize),
    /// TCP concurrency is zero.
    #[error("TCP concurrency must be positive")]
    ZeroTcpConcurrency,
    /// Too many retries.
    #[error("{0} retries requested; at most 100 are supported")]
    TooManyRetries(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ResolverSettings {
        ResolverSettings::new(["127.0.0.1:53".parse().expect("addr")])
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(settings().validate(), Ok(()));
    }

    #[test]
    fn rejects_bad_settings() {
        let mut s = settings();
        s.servers.clear();
        assert_eq!(s.validate(), Err(SettingsError::NoServers));

        let mut s = settings();
        s.strategy = DnsStrategy::Weighted;
        s.servers[0].weight = 0;
        assert_eq!(s.validate(), Err(SettingsError::AllWeightsZero));

        let mut s = settings();
        s.concurrency = 200_000;
        assert!(matches!(
            s.validate(),
            Err(SettingsError::ConcurrencyTooHigh { .. })
        ));

        let mut s = settings();
        s.record_types.clear();
        assert_eq!(s.validate(), Err(SettingsError::NoRecordTypes));
    }

    #[test]
    fn record_types_are_deduplicated() {
        let mut s = settings();
        s.record_types = vec![RecordType::A, RecordType::Aaaa, RecordType::A];
        assert_eq!(
            s.distinct_record_types(),
            vec![RecordType::A, RecordType::Aaaa]
        );
    }
}
