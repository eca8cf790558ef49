//! Configuration of the `dns_validation` phase (SPEC §2.2).
//!
//! The settings are in two groups. The *resolver settings* (resolvers, strategy, timeout,
//! retries) say how to query; they are given inline or by a stored DNS persona
//! (`personaId`), never both. The *campaign settings* (record types, concurrency, rate limit)
//! say how much to query and are always given here.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::StoredId;
use super::check;
use crate::error::{FieldError, ValidationErrors};

/// The port used when a resolver is given without one.
pub const DEFAULT_DNS_PORT: u16 = 53;
/// Most resolvers in one configuration.
pub const MAX_RESOLVERS: usize = 1000;
/// Largest weight of a resolver under the `weighted` strategy.
pub const MAX_RESOLVER_WEIGHT: u32 = 1000;
/// Default time to wait for one answer, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 2000;
/// Shortest accepted `timeoutMs`.
pub const MIN_TIMEOUT_MS: u32 = 100;
/// Longest accepted `timeoutMs`.
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// Default number of retries after the first attempt.
pub const DEFAULT_RETRIES: u32 = 2;
/// Most retries after the first attempt.
pub const MAX_RETRIES: u32 = 10;
/// Default number of queries in flight.
pub const DEFAULT_CONCURRENCY: u32 = 1000;
/// Most queries in flight.
pub const MAX_CONCURRENCY: u32 = 20_000;
/// Highest accepted `rateLimitPerSecond`.
pub const MAX_RATE_LIMIT_PER_SECOND: u32 = 1_000_000;

/// How queries are spread over the resolvers.
///
/// The first attempt of a query goes to the resolver the strategy picks; each retry goes to a
/// different resolver when there is more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DnsStrategy {
    /// Each resolver in turn for first attempts; a retry goes to the resolver after the
    /// previous one.
    #[default]
    RoundRobin,
    /// A resolver picked uniformly at random for each query; a retry prefers a resolver not yet
    /// tried for that query.
    Random,
    /// A resolver picked at random in proportion to its `weight`; a retry prefers a resolver
    /// not yet tried.
    Weighted,
    /// The first resolver; the next one only while the earlier ones time out or fail. A
    /// resolver that timed out 16 times in a row without answering is skipped (apart from one
    /// probe per timeout period) until it answers again, under every strategy.
    Failover,
}

/// A DNS record type the phase asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecordType {
    /// IPv4 addresses.
    #[serde(rename = "A", alias = "a")]
    A,
    /// IPv6 addresses.
    #[serde(rename = "AAAA", alias = "aaaa")]
    Aaaa,
    /// Canonical name (alias target).
    #[serde(rename = "CNAME", alias = "cname")]
    Cname,
    /// Mail exchangers.
    #[serde(rename = "MX", alias = "mx")]
    Mx,
    /// Name servers (used as parking evidence by content analysis).
    #[serde(rename = "NS", alias = "ns")]
    Ns,
    /// Text records.
    #[serde(rename = "TXT", alias = "txt")]
    Txt,
}

impl RecordType {
    /// Every accepted record type.
    pub const ALL: [RecordType; 6] = [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Mx,
        RecordType::Ns,
        RecordType::Txt,
    ];

    /// The record type asked for when `recordTypes` is not given.
    pub const DEFAULT: [RecordType; 2] = [RecordType::A, RecordType::Aaaa];

    /// The standard mnemonic (`A`, `AAAA`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Mx => "MX",
            RecordType::Ns => "NS",
            RecordType::Txt => "TXT",
        }
    }

    /// Whether the record holds an address the HTTP phase can connect to.
    pub const fn is_address(self) -> bool {
        matches!(self, RecordType::A | RecordType::Aaaa)
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecordType {
    type Err = crate::phase::UnknownId;

    /// The mnemonic in any case (`A`, `aaaa`, `Cname`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| crate::phase::UnknownId {
                kind: "record type",
                value: s.to_owned(),
                expected: "A, AAAA, CNAME, MX, NS, TXT",
            })
    }
}

/// One resolver, queried over UDP (with TCP fallback on truncation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resolver {
    address: SocketAddr,
    weight: u32,
}

impl Resolver {
    /// The resolver's address and port.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its weight under the `weighted` strategy; 1 under the other strategies.
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// Parses `ip:port`, a bare IP (port 53), `[v6]:port` or a bare or bracketed IPv6
    /// address. Host names are refused (resolving them would need a resolver), and so are
    /// port 0 and unspecified, multicast and broadcast addresses.
    pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
        let text = text.trim();
        let address = if let Ok(address) = text.parse::<SocketAddr>() {
            address
        } else if let Ok(ip) = text.parse::<IpAddr>() {
            SocketAddr::new(ip, DEFAULT_DNS_PORT)
        } else if let Some(ip) = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.parse::<Ipv6Addr>().ok())
        {
            SocketAddr::new(IpAddr::V6(ip), DEFAULT_DNS_PORT)
        } else {
            return Err(match text.rsplit_once(':') {
                Some((host, port)) if host_is_ip(host) && port.parse::<u16>().is_err() => {
                    format!("`{text}` has an invalid port: expected a number from 1 to 65535")
                }
                _ => format!(
                    "`{text}` is not an IP address with an optional port \
                     (e.g. `192.0.2.53`, `192.0.2.53:53` or `[2001:db8::53]:53`); \
                     host names are not accepted"
                ),
            });
        };
        if address.port() == 0 {
            return Err(format!("`{text}` has port 0"));
        }
        let ip = address.ip();
        if ip.is_unspecified() {
            return Err(format!("`{text}` is the unspecified address"));
        }
        if ip.is_multicast() {
            return Err(format!("`{text}` is a multicast address"));
        }
        if let IpAddr::V4(v4) = ip
            && v4.is_broadcast()
        {
            return Err(format!("`{text}` is the broadcast address"));
        }
        Ok(address)
    }
}

fn host_is_ip(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok())
}

impl fmt::Display for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.address)
    }
}

/// One entry of `resolvers`: either a string `"ip:port"` (weight 1) or an object
/// `{address, weight}` for the `weighted` strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ResolverEntry {
    /// `"ip:port"`, `"ip"` (port 53) or `"[v6]:port"`.
    Address(String),
    /// An address with a weight.
    Weighted(WeightedResolverInput),
}

/// A resolver given as an object, to carry a weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = WeightedResolver)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeightedResolverInput {
    /// `"ip:port"`, `"ip"` (port 53) or `"[v6]:port"`.
    pub address: String,
    /// Relative weight under the `weighted` strategy, 1 to 1000; default 1. Refused under
    /// the other strategies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

// Written by hand rather than `#[serde(untagged)]` so that a bad entry gets the real error
// (an unknown field, a missing address) instead of "did not match any variant".
impl<'de> Deserialize<'de> for ResolverEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = ResolverEntry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a resolver address string or an object {address, weight}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ResolverEntry::Address(v.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                WeightedResolverInput::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ResolverEntry::Weighted)
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}

impl From<Resolver> for ResolverEntry {
    fn from(r: Resolver) -> Self {
        if r.weight == 1 {
            ResolverEntry::Address(r.address.to_string())
        } else {
            ResolverEntry::Weighted(WeightedResolverInput {
                address: r.address.to_string(),
                weight: Some(r.weight),
            })
        }
    }
}

/// How to query: the part of the DNS configuration a stored DNS persona holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "DnsResolverSettingsInput",
    into = "DnsResolverSettingsInput"
)]
pub struct DnsResolverSettings {
    resolvers: Vec<Resolver>,
    strategy: DnsStrategy,
    timeout_ms: u32,
    retries: u32,
}

/// The JSON input of [`DnsResolverSettings`] (the body of a DNS persona).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = DnsResolverSettings)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsResolverSettingsInput {
    /// Resolvers to query over UDP, 1 to 1000, no duplicates. In order of preference for the
    /// `failover` strategy.
    pub resolvers: Vec<ResolverEntry>,
    /// How queries are spread over the resolvers; default `round_robin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DnsStrategy>,
    /// Time to wait for one answer, 100 to 30000 ms; default 2000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Retries after the first attempt on a timeout, 0 to 10; default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

schema_from_input!(DnsResolverSettings, DnsResolverSettingsInput);

impl TryFrom<DnsResolverSettingsInput> for DnsResolverSettings {
    type Error = ValidationErrors;

    fn try_from(input: DnsResolverSettingsInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let settings = resolver_settings(
            &mut errors,
            Some(input.resolvers),
            input.strategy,
            input.timeout_ms,
            input.retries,
        );
        ValidationErrors::check(errors)?;
        Ok(settings)
    }
}

/// Validates the resolver settings, recording errors under their JSON field names (which
/// are the same in a persona and inline in a phase configuration).
fn resolver_settings(
    errors: &mut Vec<FieldError>,
    resolvers: Option<Vec<ResolverEntry>>,
    strategy: Option<DnsStrategy>,
    timeout_ms: Option<u32>,
    retries: Option<u32>,
) -> DnsResolverSettings {
    let strategy = strategy.unwrap_or_default();
    let entries = match resolvers {
        None => {
            errors.push(FieldError::new(
                "resolvers",
                "is required: give at least one resolver, or a personaId",
            ));
            Vec::new()
        }
        Some(entries) if entries.is_empty() => {
            errors.push(FieldError::new(
                "resolvers",
                "must list at least one resolver",
            ));
            entries
        }
        Some(entries) => {
            if entries.len() > MAX_RESOLVERS {
                errors.push(FieldError::new(
                    "resolvers",
                    format!(
                        "must list at most {MAX_RESOLVERS} resolvers (got {})",
                        entries.len()
                    ),
                ));
            }
            entries
        }
    };
    let mut resolvers = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let (text, weight, field) = match entry {
            ResolverEntry::Address(text) => (text, None, format!("resolvers[{i}]")),
            ResolverEntry::Weighted(w) => (w.address, w.weight, format!("resolvers[{i}].address")),
        };
        let address = Resolver::parse_address(&text)
            .map_err(|message| errors.push(FieldError::new(field, message)))
            .ok();
        let weight = match weight {
            None => 1,
            Some(_) if strategy != DnsStrategy::Weighted => {
                errors.push(FieldError::new(
                    format!("resolvers[{i}].weight"),
                    "is only used by the `weighted` strategy",
                ));
                1
            }
            Some(w) => check::range(
                errors,
                &format!("resolvers[{i}].weight"),
                Some(w),
                1,
                1,
                MAX_RESOLVER_WEIGHT,
            ),
        };
        // Keep the position even when the address is bad, so that duplicate reports
        // name the right indices.
        resolvers.push(address.map(|address| Resolver { address, weight }));
    }
    let mut seen = std::collections::HashMap::new();
    for (i, resolver) in resolvers.iter().enumerate() {
        if let Some(r) = resolver {
            if let Some(first) = seen.get(&r.address) {
                errors.push(FieldError::new(
                    format!("resolvers[{i}]"),
                    format!("duplicates resolvers[{first}] ({})", r.address),
                ));
            } else {
                seen.insert(r.address, i);
            }
        }
    }
    DnsResolverSettings {
        resolvers: resolvers.into_iter().flatten().collect(),
        strategy,
        timeout_ms: check::range(
            errors,
            "timeoutMs",
            timeout_ms,
            DEFAULT_TIMEOUT_MS,
            MIN_TIMEOUT_MS,
            MAX_TIMEOUT_MS,
        ),
        retries: check::range(errors, "retries", retries, DEFAULT_RETRIES, 0, MAX_RETRIES),
    }
}

impl From<DnsResolverSettings> for DnsResolverSettingsInput {
    fn from(s: DnsResolverSettings) -> Self {
        Self {
            resolvers: s.resolvers.into_iter().map(ResolverEntry::from).collect(),
            strategy: Some(s.strategy),
            timeout_ms: Some(s.timeout_ms),
            retries: Some(s.retries),
        }
    }
}

impl DnsResolverSettings {
    /// The resolvers, in the order given (the order of preference for `failover`).
    pub fn resolvers(&self) -> &[Resolver] {
        &self.resolvers
    }

    /// How queries are spread over the resolvers.
    pub fn strategy(&self) -> DnsStrategy {
        self.strategy
    }

    /// Time to wait for one answer, in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// Retries after the first attempt; a name is tried at most `retries + 1` times.
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

/// Where the resolver settings of a DNS phase come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsResolverSource {
    /// A stored DNS persona, resolved by the engine when the phase starts.
    Persona(StoredId),
    /// Given inline in the configuration.
    Inline(DnsResolverSettings),
}

/// A validated `dns_validation` configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "DnsValidationConfigInput",
    into = "DnsValidationConfigInput"
)]
pub struct DnsValidationConfig {
    resolver_source: DnsResolverSource,
    record_types: Vec<RecordType>,
    concurrency: u32,
    rate_limit_per_second: Option<u32>,
}

/// The JSON input of a [`DnsValidationConfig`].
///
/// Give either `personaId` or the resolver settings (`resolvers`, `strategy`, `timeoutMs`,
/// `retries`), never both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = DnsValidationConfig)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsValidationConfigInput {
    /// A stored DNS persona supplying the resolver settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona_id: Option<String>,
    /// Resolvers to query over UDP, 1 to 1000, no duplicates; required without `personaId`.
    /// In order of preference for the `failover` strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolvers: Option<Vec<ResolverEntry>>,
    /// How queries are spread over the resolvers; default `round_robin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DnsStrategy>,
    /// Time to wait for one answer, 100 to 30000 ms; default 2000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Retries after the first attempt on a timeout, 0 to 10; default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Record types to ask for, no duplicates; default `["A", "AAAA"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_types: Option<Vec<RecordType>>,
    /// Queries in flight at once, 1 to 20000; default 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Most queries per second for the whole campaign, 1 to 1000000; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
}

schema_from_input!(DnsValidationConfig, DnsValidationConfigInput);

impl TryFrom<DnsValidationConfigInput> for DnsValidationConfig {
    type Error = ValidationErrors;

    fn try_from(input: DnsValidationConfigInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let resolver_source = match input.persona_id {
            Some(id) => check::persona_id(
                &mut errors,
                &id,
                &[
                    ("resolvers", input.resolvers.is_some()),
                    ("strategy", input.strategy.is_some()),
                    ("timeoutMs", input.timeout_ms.is_some()),
                    ("retries", input.retries.is_some()),
                ],
            )
            .map(DnsResolverSource::Persona),
            None => Some(DnsResolverSource::Inline(resolver_settings(
                &mut errors,
                input.resolvers,
                input.strategy,
                input.timeout_ms,
                input.retries,
            ))),
        };
        let record_types = input
            .record_types
            .unwrap_or_else(|| RecordType::DEFAULT.to_vec());
        if record_types.is_empty() {
            errors.push(FieldError::new(
                "recordTypes",
                "must list at least one record type",
            ));
        }
        check::no_duplicates(&mut errors, "recordTypes", record_types.iter().copied());
        let concurrency = check::range(
            &mut errors,
            "concurrency",
            input.concurrency,
            DEFAULT_CONCURRENCY,
            1,
            MAX_CONCURRENCY,
        );
        let rate_limit_per_second = input.rate_limit_per_second.map(|rate| {
            check::range(
                &mut errors,
                "rateLimitPerSecond",
                Some(rate),
                1,
                1,
                MAX_RATE_LIMIT_PER_SECOND,
            )
        });
        ValidationErrors::check(errors)?;
        match resolver_source {
            Some(resolver_source) => Ok(Self {
                resolver_source,
                record_types,
                concurrency,
                rate_limit_per_second,
            }),
            // Unreachable: a missing source always recorded an error above.
            None => Err(ValidationErrors::single("personaId", "is invalid")),
        }
    }
}

impl From<DnsValidationConfig> for DnsValidationConfigInput {
    fn from(c: DnsValidationConfig) -> Self {
        let mut input = Self {
            record_types: Some(c.record_types),
            concurrency: Some(c.concurrency),
            rate_limit_per_second: c.rate_limit_per_second,
            ..Self::default()
        };
        match c.resolver_source {
            DnsResolverSource::Persona(id) => input.persona_id = Some(id.as_str().to_owned()),
            DnsResolverSource::Inline(s) => {
                let s = DnsResolverSettingsInput::from(s);
                input.resolvers = Some(s.resolvers);
                input.strategy = s.strategy;
                input.timeout_ms = s.timeout_ms;
                input.retries = s.retries;
            }
        }
        input
    }
}

impl DnsValidationConfig {
    /// An inline configuration with `settings` and every campaign setting at its default.
    pub fn with_resolvers(settings: DnsResolverSettings) -> Self {
        Self {
            resolver_source: DnsResolverSource::Inline(settings),
            record_types: RecordType::DEFAULT.to_vec(),
            concurrency: DEFAULT_CONCURRENCY,
            rate_limit_per_second: None,
        }
    }

    /// Where the resolver settings come from.
    pub fn resolver_source(&self) -> &DnsResolverSource {
        &self.resolver_source
    }

    /// The inline resolver settings, or `None` when a persona supplies them.
    pub fn resolver_settings(&self) -> Option<&DnsResolverSettings> {
        match &self.resolver_source {
            DnsResolverSource::Inline(s) => Some(s),
            DnsResolverSource::Persona(_) => None,
        }
    }

    /// The stored persona supplying the resolver settings, if any.
    pub fn persona_id(&self) -> Option<&StoredId> {
        match &self.resolver_source {
            DnsResolverSource::Persona(id) => Some(id),
            DnsResolverSource::Inline(_) => None,
        }
    }

    /// The record types to ask for, in the order given.
    pub fn record_types(&self) -> &[RecordType] {
        &self.record_types
    }

    /// Queries in flight at once.
    pub fn concurrency(&self) -> u32 {
        self.concurrency
    }

    /// Most queries per second for the whole campaign, if limited.
    pub fn rate_limit_per_second(&self) -> Option<u32> {
        self.rate_limit_per_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<DnsValidationConfig, ValidationErrors> {
        let input: DnsValidationConfigInput = serde_json::from_value(value).unwrap();
        DnsValidationConfig::try_from(input)
    }

    fn fields(value: Value) -> Vec<String> {
        parse(value)
            .unwrap_err()
            .into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn defaults() {
        let c = parse(json!({"resolvers": ["192.0.2.1"]})).unwrap();
        let s = c.resolver_settings().unwrap();
        assert_eq!(s.resolvers().len(), 1);
        assert_eq!(s.resolvers()[0].address(), addr("192.0.2.1:53"));
        assert_eq!(s.resolvers()[0].weight(), 1);
        assert_eq!(s.strategy(), DnsStrategy::RoundRobin);
        assert_eq!(s.timeout_ms(), 2000);
        assert_eq!(s.retries(), 2);
        assert_eq!(c.record_types(), [RecordType::A, RecordType::Aaaa]);
        assert_eq!(c.concurrency(), 1000);
        assert_eq!(c.rate_limit_per_second(), None);
        assert_eq!(c.persona_id(), None);
        assert_eq!(
            DnsValidationConfig::with_resolvers(s.clone()),
            c,
            "with_resolvers uses the same defaults"
        );
    }

    #[test]
    fn resolver_address_forms() {
        for (text, expected) in [
            ("192.0.2.1", "192.0.2.1:53"),
            ("192.0.2.1:5353", "192.0.2.1:5353"),
            (" 192.0.2.1:53 ", "192.0.2.1:53"),
            ("2001:db8::1", "[2001:db8::1]:53"),
            ("[2001:db8::1]", "[2001:db8::1]:53"),
            ("[2001:db8::1]:5353", "[2001:db8::1]:5353"),
            ("[::1]:53", "[::1]:53"),
            ("127.0.0.1", "127.0.0.1:53"),
            ("10.0.0.2", "10.0.0.2:53"),
        ] {
            assert_eq!(Resolver::parse_address(text), Ok(addr(expected)), "{text}");
        }
        for (text, needle) in [
            ("dns.example", "host names are not accepted"),
            ("", "not an IP address"),
            ("192.0.2.1:0", "port 0"),
            ("192.0.2.1:65536", "invalid port"),
            ("192.0.2.1:x", "invalid port"),
            ("[2001:db8::1]:99999", "invalid port"),
            ("192.0.2.256", "not an IP address"),
            ("0.0.0.0", "unspecified"),
            ("[::]:53", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("ff02::1", "multicast"),
            ("255.255.255.255:53", "broadcast"),
            ("udp://192.0.2.1", "not an IP address"),
        ] {
            let e = Resolver::parse_address(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn resolvers_are_required_and_bounded() {
        assert_eq!(fields(json!({})), ["resolvers"]);
        assert_eq!(fields(json!({"resolvers": []})), ["resolvers"]);
        let many: Vec<String> = (0..1001)
            .map(|i| format!("10.0.{}.{}:53", i / 250, i % 250 + 1))
            .collect();
        assert_eq!(fields(json!({ "resolvers": many })), ["resolvers"]);
        let e = parse(json!({})).unwrap_err();
        assert!(e.to_string().contains("personaId"), "{e}");
    }

    #[test]
    fn bad_and_duplicate_resolvers_are_named_by_index() {
        let e = parse(json!({
            "resolvers": ["192.0.2.1", "nope", "192.0.2.1:53", {"address": "bad"}]
        }))
        .unwrap_err();
        let got: Vec<_> = e
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(got[0].0, "resolvers[1]");
        assert_eq!(got[1].0, "resolvers[3].address");
        assert_eq!(
            got[2],
            ("resolvers[2]", "duplicates resolvers[0] (192.0.2.1:53)")
        );
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn weights() {
        let c = parse(json!({
            "strategy": "weighted",
            "resolvers": [{"address": "192.0.2.1", "weight": 5}, "192.0.2.2", {"address": "192.0.2.3"}]
        }))
        .unwrap();
        let w: Vec<_> = c
            .resolver_settings()
            .unwrap()
            .resolvers()
            .iter()
            .map(Resolver::weight)
            .collect();
        assert_eq!(w, [5, 1, 1]);
        assert_eq!(
            fields(json!({"resolvers": [{"address": "192.0.2.1", "weight": 5}]})),
            ["resolvers[0].weight"]
        );
        assert_eq!(
            fields(
                json!({"strategy": "weighted", "resolvers": [{"address": "192.0.2.1", "weight": 0}]})
            ),
            ["resolvers[0].weight"]
        );
        assert_eq!(
            fields(
                json!({"strategy": "weighted", "resolvers": [{"address": "192.0.2.1", "weight": 1001}]})
            ),
            ["resolvers[0].weight"]
        );
    }

    #[test]
    fn resolver_entry_errors_are_specific() {
        let e = serde_json::from_value::<DnsValidationConfigInput>(json!({
            "resolvers": [{"address": "192.0.2.1", "port": 53}]
        }))
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `port`"), "{e}");
        let e = serde_json::from_value::<DnsValidationConfigInput>(json!({"resolvers": [53]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("resolver address string or an object"), "{e}");
    }

    #[test]
    fn numeric_bounds() {
        let base = |extra: Value| {
            let mut v = json!({"resolvers": ["192.0.2.1"]});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            v
        };
        for (extra, field) in [
            (json!({"timeoutMs": 99}), "timeoutMs"),
            (json!({"timeoutMs": 30001}), "timeoutMs"),
            (json!({"retries": 11}), "retries"),
            (json!({"concurrency": 0}), "concurrency"),
            (json!({"concurrency": 20001}), "concurrency"),
            (json!({"rateLimitPerSecond": 0}), "rateLimitPerSecond"),
            (json!({"rateLimitPerSecond": 1000001}), "rateLimitPerSecond"),
        ] {
            assert_eq!(fields(base(extra.clone())), [field], "{extra}");
        }
        for extra in [
            json!({"timeoutMs": 100}),
            json!({"timeoutMs": 30000}),
            json!({"retries": 0}),
            json!({"retries": 10}),
            json!({"concurrency": 1}),
            json!({"concurrency": 20000}),
            json!({"rateLimitPerSecond": 1}),
        ] {
            assert!(parse(base(extra.clone())).is_ok(), "{extra}");
        }
        let e = parse(base(json!({"timeoutMs": 5}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "timeoutMs: must be between 100 and 30000 (got 5)"
        );
    }

    #[test]
    fn record_types() {
        let c = parse(json!({"resolvers": ["192.0.2.1"], "recordTypes": ["a", "MX", "NS", "TXT", "CNAME", "AAAA"]}))
            .unwrap();
        assert_eq!(c.record_types().len(), 6);
        assert_eq!(
            fields(json!({"resolvers": ["192.0.2.1"], "recordTypes": []})),
            ["recordTypes"]
        );
        assert_eq!(
            fields(json!({"resolvers": ["192.0.2.1"], "recordTypes": ["A", "AAAA", "A"]})),
            ["recordTypes[2]"]
        );
        let e = serde_json::from_value::<DnsValidationConfigInput>(json!({"recordTypes": ["SRV"]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `SRV`"), "{e}");
        assert!(RecordType::A.is_address() && !RecordType::Mx.is_address());
        assert_eq!(
            serde_json::to_value(RecordType::Aaaa).unwrap(),
            json!("AAAA")
        );
    }

    #[test]
    fn strategies_are_snake_case() {
        for (id, s) in [
            ("round_robin", DnsStrategy::RoundRobin),
            ("random", DnsStrategy::Random),
            ("weighted", DnsStrategy::Weighted),
            ("failover", DnsStrategy::Failover),
        ] {
            let c = parse(json!({"resolvers": ["192.0.2.1"], "strategy": id})).unwrap();
            assert_eq!(c.resolver_settings().unwrap().strategy(), s);
        }
    }

    #[test]
    fn persona_excludes_inline_resolver_settings() {
        let c = parse(json!({"personaId": "eu-resolvers", "concurrency": 50})).unwrap();
        assert_eq!(c.persona_id().map(StoredId::as_str), Some("eu-resolvers"));
        assert!(c.resolver_settings().is_none());
        assert_eq!(c.concurrency(), 50);
        assert_eq!(
            fields(
                json!({"personaId": "p", "resolvers": ["192.0.2.1"], "strategy": "random", "timeoutMs": 500, "retries": 1})
            ),
            ["resolvers", "strategy", "timeoutMs", "retries"]
        );
        assert_eq!(fields(json!({"personaId": "no spaces"})), ["personaId"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_value::<DnsValidationConfigInput>(json!({"resolver": []}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `resolver`"), "{e}");
    }

    #[test]
    fn round_trip() {
        for value in [
            json!({"resolvers": ["192.0.2.1", "[2001:db8::1]:5353"]}),
            json!({
                "resolvers": [{"address": "192.0.2.1", "weight": 7}, "192.0.2.2:53"],
                "strategy": "weighted", "timeoutMs": 750, "retries": 0,
                "recordTypes": ["NS", "A"], "concurrency": 5, "rateLimitPerSecond": 100
            }),
            json!({"personaId": "p1", "recordTypes": ["MX"]}),
        ] {
            let c = parse(value).unwrap();
            let json = serde_json::to_value(&c).unwrap();
            let back: DnsValidationConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, c);
            assert_eq!(serde_json::to_value(&back).unwrap(), json);
        }
        let c = parse(json!({"resolvers": ["192.0.2.1"]})).unwrap();
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({
                "resolvers": ["192.0.2.1:53"], "strategy": "round_robin", "timeoutMs": 2000,
                "retries": 2, "recordTypes": ["A", "AAAA"], "concurrency": 1000
            })
        );
    }

    #[test]
    fn persona_settings_round_trip() {
        let s: DnsResolverSettings = serde_json::from_value(json!({"resolvers": ["::1"]})).unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            json!({"resolvers": ["[::1]:53"], "strategy": "round_robin", "timeoutMs": 2000, "retries": 2})
        );
        assert_eq!(
            serde_json::from_value::<DnsResolverSettings>(json).unwrap(),
            s
        );
        let e = serde_json::from_value::<DnsResolverSettings>(json!({"resolvers": ["x"]}))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("resolvers[0]: "), "{e}");
    }
}
