//! The signature data: parking and marketplace hosts, parking name servers and address
//! ranges, phrases, default-page markers (`data/parking.toml`) and technology fingerprints
//! (`data/technologies.toml`).
//!
//! The files are compiled into the binary (`include_str!`), parsed and validated once, on
//! first use, and turned into matchers built once: one Aho-Corasick automaton over all
//! phrases and default-page markers, one over all technology URL patterns, one over all
//! generator patterns, and hash maps for host, name-server and header lookups. A test parses
//! them, so a broken file fails CI rather than a running phase.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use dragnet_domain::content::{PageClass, TechCategory};
use serde::Deserialize;

const PARKING_TOML: &str = include_str!("../data/parking.toml");
const TECHNOLOGIES_TOML: &str = include_str!("../data/technologies.toml");

/// Why the signature data could not be used. Only a broken data file in the source tree causes
/// it; the crate's tests parse the files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A file is not valid TOML or does not have the expected shape.
    #[error("{file}: {message}")]
    Parse {
        /// The data file.
        file: &'static str,
        /// What the parser said.
        message: String,
    },
    /// An entry is invalid (weight out of range, bad CIDR, empty pattern …).
    #[error("{file}: {entry}: {message}")]
    Invalid {
        /// The data file.
        file: &'static str,
        /// Which entry.
        entry: String,
        /// What is wrong with it.
        message: String,
    },
    /// A matcher could not be built.
    #[error("building a matcher: {0}")]
    Matcher(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParkingFile {
    host: Vec<HostEntry>,
    nameserver: Vec<NameserverEntry>,
    address: Vec<AddressEntry>,
    phrase: Vec<PhraseEntry>,
    default_page: Vec<DefaultPageEntry>,
}

/// A parking or marketplace host.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// The host; it matches itself and its subdomains.
    pub host: String,
    /// A substring the URL must contain too, when given.
    #[serde(default)]
    pub path: Option<String>,
    /// The service it belongs to.
    pub service: String,
    /// The class it speaks for.
    pub supports: PageClass,
    /// How strongly.
    pub weight: f64,
    /// Where the fact comes from.
    pub source: String,
}

/// A parking service's name server suffix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameserverEntry {
    /// The suffix; a name server matches when it is this name or a subdomain of it.
    pub suffix: String,
    /// The service.
    pub service: String,
    /// The class it speaks for.
    pub supports: PageClass,
    /// How strongly.
    pub weight: f64,
    /// Where the fact comes from.
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressEntry {
    cidr: String,
    service: String,
    supports: PageClass,
    weight: f64,
    source: String,
}

/// A parking service's address range.
#[derive(Debug, Clone)]
pub struct AddressRange {
    /// The network address.
    pub network: IpAddr,
    /// The prefix length.
    pub prefix: u8,
    /// The range as written.
    pub cidr: String,
    /// The service.
    pub service: String,
    /// The class it speaks for.
    pub supports: PageClass,
    /// How strongly.
    pub weight: f64,
}

impl AddressRange {
    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let bits = u32::from(self.prefix.min(32));
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let bits = u32::from(self.prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseEntry {
    text: String,
    lang: String,
    supports: PageClass,
    weight: f64,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultPageEntry {
    marker: String,
    server: String,
    #[serde(rename = "in")]
    place: Place,
    weight: f64,
    source: String,
}

/// Where a phrase or marker counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Only in the title.
    Title,
    /// Only in the visible text.
    Text,
    /// In either.
    Any,
}

/// A phrase or default-page marker, as matched.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// The text, lower case.
    pub text: String,
    /// The class it speaks for (`DefaultPage` for markers).
    pub supports: PageClass,
    /// How strongly.
    pub weight: f64,
    /// Where it counts.
    pub place: Place,
    /// For a default-page marker, the server or panel it belongs to.
    pub server: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TechFile {
    tech: Vec<TechEntry>,
}

/// A technology and its rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechEntry {
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: TechCategory,
    /// URL and inline-script substrings.
    #[serde(default)]
    pub url: Vec<String>,
    /// Generator substrings.
    #[serde(default)]
    pub generator: Vec<String>,
    /// `name` or `name: value` header rules.
    #[serde(default)]
    pub header: Vec<String>,
    /// Cookie name prefixes.
    #[serde(default)]
    pub cookie: Vec<String>,
}

/// A header rule: the header's lower-case name and an optional lower-case value substring.
#[derive(Debug, Clone)]
pub struct HeaderRule {
    /// The technology (index into [`Signatures::technologies`]).
    pub tech: usize,
    /// The value substring, when the rule has one.
    pub value: Option<String>,
    /// The rule as written, for the evidence.
    pub rule: String,
}

/// All signatures, parsed, validated and compiled.
#[derive(Debug)]
pub struct Signatures {
    /// Parking and marketplace hosts.
    pub hosts: Vec<HostEntry>,
    /// Host → indexes into `hosts`.
    pub host_index: HashMap<String, Vec<usize>>,
    /// Parking name servers.
    pub nameservers: Vec<NameserverEntry>,
    /// Suffix → index into `nameservers`.
    pub nameserver_index: HashMap<String, usize>,
    /// Parking address ranges.
    pub addresses: Vec<AddressRange>,
    /// Phrases and default-page markers; pattern ids of `phrase_matcher` index it.
    pub phrases: Vec<Phrase>,
    /// Matcher over the lower-case phrases (ASCII case-insensitive).
    pub phrase_matcher: AhoCorasick,
    /// Matcher over `host` + `path` of every host entry, for inline scripts; pattern ids
    /// index `hosts`.
    pub inline_host_matcher: AhoCorasick,
    /// Technologies.
    pub technologies: Vec<TechEntry>,
    /// URL pattern id → (technology, pattern).
    pub url_patterns: Vec<(usize, String)>,
    /// Matcher over the URL patterns.
    pub url_matcher: AhoCorasick,
    /// Generator pattern id → (technology, pattern).
    pub generator_patterns: Vec<(usize, String)>,
    /// Matcher over the generator patterns.
    pub generator_matcher: AhoCorasick,
    /// Header name → rules.
    pub header_rules: HashMap<String, Vec<HeaderRule>>,
    /// (cookie name prefix, technology).
    pub cookie_rules: Vec<(String, usize)>,
}

static SIGNATURES: LazyLock<Result<Signatures, SignatureError>> = LazyLock::new(Signatures::load);

/// The signatures, parsed and compiled on first use.
pub fn signatures() -> Result<&'static Signatures, SignatureError> {
    SIGNATURES.as_ref().map_err(Clone::clone)
}

fn invalid(file: &'static str, entry: &str, message: impl Into<String>) -> SignatureError {
    SignatureError::Invalid {
        file,
        entry: entry.to_owned(),
        message: message.into(),
    }
}

fn check_weight(file: &'static str, entry: &str, weight: f64) -> Result<(), SignatureError> {
    if weight > 0.0 && weight <= 1.0 {
        Ok(())
    } else {
        Err(invalid(
            file,
            entry,
            format!("weight {weight} is not in (0, 1]"),
        ))
    }
}

fn check_pattern(file: &'static str, entry: &str, pattern: &str) -> Result<(), SignatureError> {
    if pattern.trim().is_empty() {
        return Err(invalid(file, entry, "empty pattern"));
    }
    if pattern != pattern.to_lowercase() || pattern.trim() != pattern {
        return Err(invalid(
            file,
            entry,
            format!("pattern {pattern:?} must be lower case and trimmed"),
        ));
    }
    Ok(())
}

fn matcher(patterns: impl IntoIterator<Item = String>) -> Result<AhoCorasick, SignatureError> {
    // A full DFA: the automatons are small (a few hundred patterns) and built once, and a DFA
    // is the fastest to run over every page's text and scripts.
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .map_err(|e| SignatureError::Matcher(e.to_string()))
}

impl Signatures {
    fn load() -> Result<Self, SignatureError> {
        const PARKING: &str = "data/parking.toml";
        const TECH: &str = "data/technologies.toml";
        let parking: ParkingFile =
            toml::from_str(PARKING_TOML).map_err(|e| SignatureError::Parse {
                file: PARKING,
                message: e.to_string(),
            })?;
        let tech: TechFile =
            toml::from_str(TECHNOLOGIES_TOML).map_err(|e| SignatureError::Parse {
                file: TECH,
                message: e.to_string(),
            })?;

        let evidence_class = |file, entry: &str, class: PageClass| {
            if class.is_parked_or_for_sale() {
                Ok(())
            } else {
                Err(invalid(file, entry, "supports must be parked or for_sale"))
            }
        };
        let mut host_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, h) in parking.host.iter().enumerate() {
            check_weight(PARKING, &h.host, h.weight)?;
            check_pattern(PARKING, &h.host, &h.host)?;
            evidence_class(PARKING, &h.host, h.supports)?;
            if h.source.trim().is_empty() {
                return Err(invalid(PARKING, &h.host, "no source"));
            }
            host_index.entry(h.host.clone()).or_default().push(i);
        }
        let inline_host_matcher = matcher(
            parking
                .host
                .iter()
                .map(|h| format!("{}{}", h.host, h.path.as_deref().unwrap_or(""))),
        )?;
        let mut nameserver_index = HashMap::new();
        for (i, n) in parking.nameserver.iter().enumerate() {
            check_weight(PARKING, &n.suffix, n.weight)?;
            check_pattern(PARKING, &n.suffix, &n.suffix)?;
            evidence_class(PARKING, &n.suffix, n.supports)?;
            if n.source.trim().is_empty() {
                return Err(invalid(PARKING, &n.suffix, "no source"));
            }
            if nameserver_index.insert(n.suffix.clone(), i).is_some() {
                return Err(invalid(PARKING, &n.suffix, "listed twice"));
            }
        }
        let mut addresses = Vec::new();
        for a in parking.address {
            check_weight(PARKING, &a.cidr, a.weight)?;
            evidence_class(PARKING, &a.cidr, a.supports)?;
            if a.source.trim().is_empty() {
                return Err(invalid(PARKING, &a.cidr, "no source"));
            }
            let (net, prefix) = a
                .cidr
                .split_once('/')
                .ok_or_else(|| invalid(PARKING, &a.cidr, "not a CIDR range"))?;
            let network: IpAddr = net
                .parse()
                .map_err(|_| invalid(PARKING, &a.cidr, "bad network address"))?;
            let prefix: u8 = prefix
                .parse()
                .map_err(|_| invalid(PARKING, &a.cidr, "bad prefix length"))?;
            let max = if network.is_ipv4() { 32 } else { 128 };
            if prefix > max || prefix < 8 {
                return Err(invalid(PARKING, &a.cidr, "prefix length out of range"));
            }
            addresses.push(AddressRange {
                network,
                prefix,
                cidr: a.cidr,
                service: a.service,
                supports: a.supports,
                weight: a.weight,
            });
        }
        let mut phrases = Vec::new();
        for p in parking.phrase {
            check_weight(PARKING, &p.text, p.weight)?;
            check_pattern(PARKING, &p.text, &p.text)?;
            if p.supports == PageClass::Active
                || p.supports == PageClass::Empty
                || p.supports == PageClass::DefaultPage
            {
                return Err(invalid(
                    PARKING,
                    &p.text,
                    "a phrase supports parked, for_sale or under_construction",
                ));
            }
            if p.source.trim().is_empty() || p.lang.len() != 2 {
                return Err(invalid(PARKING, &p.text, "no source or bad lang"));
            }
            phrases.push(Phrase {
                text: p.text,
                supports: p.supports,
                weight: p.weight,
                place: Place::Any,
                server: None,
            });
        }
        for d in parking.default_page {
            check_weight(PARKING, &d.marker, d.weight)?;
            check_pattern(PARKING, &d.marker, &d.marker)?;
            if d.source.trim().is_empty() {
                return Err(invalid(PARKING, &d.marker, "no source"));
            }
            phrases.push(Phrase {
                text: d.marker,
                supports: PageClass::DefaultPage,
                weight: d.weight,
                place: d.place,
                server: Some(d.server),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for p in &phrases {
            if !seen.insert(p.text.as_str()) {
                return Err(invalid(PARKING, &p.text, "listed twice"));
            }
        }
        let phrase_matcher = matcher(phrases.iter().map(|p| p.text.clone()))?;

        let mut url_patterns = Vec::new();
        let mut generator_patterns = Vec::new();
        let mut header_rules: HashMap<String, Vec<HeaderRule>> = HashMap::new();
        let mut cookie_rules = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, t) in tech.tech.iter().enumerate() {
            if !names.insert(t.name.as_str()) {
                return Err(invalid(TECH, &t.name, "listed twice"));
            }
            if t.url.is_empty()
                && t.generator.is_empty()
                && t.header.is_empty()
                && t.cookie.is_empty()
            {
                return Err(invalid(TECH, &t.name, "no rule"));
            }
            for u in &t.url {
                check_pattern(TECH, &t.name, u)?;
                url_patterns.push((i, u.clone()));
            }
            for g in &t.generator {
                check_pattern(TECH, &t.name, g)?;
                generator_patterns.push((i, g.clone()));
            }
            for h in &t.header {
                check_pattern(TECH, &t.name, h)?;
                let (name, value) = match h.split_once(':') {
                    Some((n, v)) => (n.trim(), Some(v.trim().to_owned())),
                    None => (h.as_str(), None),
                };
                if name.is_empty() || value.as_deref() == Some("") {
                    return Err(invalid(TECH, &t.name, format!("bad header rule {h:?}")));
                }
                header_rules
                    .entry(name.to_owned())
                    .or_default()
                    .push(HeaderRule {
                        tech: i,
                        value,
                        rule: h.clone(),
                    });
            }
            for c in &t.cookie {
                check_pattern(TECH, &t.name, c)?;
                cookie_rules.push((c.clone(), i));
            }
        }
        let url_matcher = matcher(url_patterns.iter().map(|(_, p)| p.clone()))?;
        let generator_matcher = matcher(generator_patterns.iter().map(|(_, p)| p.clone()))?;
        Ok(Self {
            hosts: parking.host,
            host_index,
            inline_host_matcher,
            nameservers: parking.nameserver,
            nameserver_index,
            addresses,
            phrases,
            phrase_matcher,
            technologies: tech.tech,
            url_patterns,
            url_matcher,
            generator_patterns,
            generator_matcher,
            header_rules,
            cookie_rules,
        })
    }

    /// The host entries `host` matches (itself or a parent domain listed), checking each
    /// entry's path against `url`.
    pub fn hosts_matching<'s>(
        &'s self,
        host: &str,
        url: &str,
    ) -> impl Iterator<Item = &'s HostEntry> {
        let lower_url = url.to_ascii_lowercase();
        suffixes(host)
            .filter_map(|s| self.host_index.get(s))
            .flatten()
            .map(|&i| &self.hosts[i])
            .filter(move |h| h.path.as_deref().is_none_or(|p| lower_url.contains(p)))
    }

    /// The name-server entry `ns` matches, if any.
    pub fn nameserver_matching(&self, ns: &str) -> Option<&NameserverEntry> {
        let ns = ns.trim().trim_end_matches('.').to_ascii_lowercase();
        suffixes(&ns).find_map(|s| self.nameserver_index.get(s).map(|&i| &self.nameservers[i]))
    }

    /// The address range `ip` is in, if any.
    pub fn address_matching(&self, ip: IpAddr) -> Option<&AddressRange> {
        self.addresses.iter().find(|a| a.contains(ip))
    }
}

/// `a.b.c`, `b.c`, `c`: the name and each parent domain.
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(host);
    std::iter::from_fn(move || {
        let current = next?;
        next = current
            .split_once('.')
            .map(|(_, rest)| rest)
            .filter(|r| !r.is_empty());
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_parse_and_validate() {
        let s = signatures().unwrap();
        assert!(s.hosts.len() >= 30, "{} hosts", s.hosts.len());
        assert!(s.nameservers.len() >= 8);
        assert!(s.addresses.len() >= 6);
        assert!(s.phrases.len() >= 80, "{} phrases", s.phrases.len());
        assert!(
            s.technologies.len() >= 150,
            "{} technologies",
            s.technologies.len()
        );
        // Every category of technology is used at least once, parking aside.
        for t in &s.technologies {
            assert!(!t.name.is_empty());
        }
        // The services the brief names are all there.
        for service in [
            "Sedo",
            "Bodis",
            "ParkingCrew",
            "Above.com",
            "GoDaddy CashParking",
            "Afternic",
            "Dan.com",
            "HugeDomains",
            "Sav",
            "Namecheap",
            "Porkbun",
            "Epik",
            "Uniregistry",
        ] {
            assert!(
                s.hosts.iter().any(|h| h.service == service),
                "no host for {service}"
            );
        }
    }

    #[test]
    fn lookups() {
        let s = signatures().unwrap();
        let hit: Vec<_> = s
            .hosts_matching("img.sedoparking.com", "https://img.sedoparking.com/js/x.js")
            .map(|h| h.service.as_str())
            .collect();
        assert_eq!(hit, ["Sedo"]);
        assert_eq!(
            s.hosts_matching("www.google.com", "https://www.google.com/search")
                .count(),
            0
        );
        assert_eq!(
            s.hosts_matching(
                "www.google.com",
                "https://www.google.com/adsense/domains/caf.js"
            )
            .count(),
            1
        );
        assert_eq!(
            s.nameserver_matching("NS1.SedoParking.com.")
                .map(|n| n.service.as_str()),
            Some("Sedo")
        );
        assert!(s.nameserver_matching("ns1.notsedoparking.com").is_none());
        assert!(
            s.address_matching("91.195.241.137".parse().unwrap())
                .is_some()
        );
        assert!(
            s.address_matching("91.195.242.1".parse().unwrap())
                .is_none()
        );
        assert!(s.address_matching("::1".parse().unwrap()).is_none());
        assert_eq!(suffixes("a.b.c").collect::<Vec<_>>(), ["a.b.c", "b.c", "c"]);
    }
}
