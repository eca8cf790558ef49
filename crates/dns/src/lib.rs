//! The `dns_validation` resolver: massdns-style, on hickory-proto's message encoding.
//!
//! A few UDP sockets (each driven by one task that owns its id space and deadline queue) keep
//! thousands of queries in flight. Answers are matched by id, question and source address;
//! anything else is counted and ignored. Timed-out queries are retried on the next server
//! per [`DnsStrategy`](dragnet_domain::DnsStrategy), paced and interleaved with first attempts; truncated answers are asked
//! again over TCP. Each name gets one query per record type, and the per-type results combine
//! into one [`DnsOutcome`] (rules in [`outcome`]). `docs/dns.md` describes the design and the
//! measured throughput.
//!
//! Invariant: memory is bounded by `concurrency` (plus one small inbox per socket), whatever
//! the number of names streamed through [`Resolver::resolve_stream`].

mod ids;
mod net;
pub mod outcome;
pub mod rate;
mod resolver;
mod settings;
mod shard;
pub(crate) mod wire;

pub use outcome::{DnsErrorKind, DnsOutcome, DnsResult, OutcomeBuilder, TypeResult};
pub use rate::TokenBucket;
pub use resolver::{DnsError, ResolveStats, Resolver};
pub use settings::{
    DnsServer, MAX_IN_FLIGHT_PER_SOCKET, MAX_RECORD_TYPES, MAX_SOCKETS, ResolverSettings,
    SettingsError,
};

/// Whether `name` can be asked at all (non-empty, valid labels and lengths); the resolver answers
/// any other name with [`DnsErrorKind::InvalidName`] without sending a query.
pub fn is_valid_query_name(name: &str) -> bool {
    wire::parse_name(name).is_some()
}
