//! The classification: evidence gathered from the page, the redirect chain and DNS, scored per
//! class, and one class chosen by a fixed precedence. docs/content-analysis.md explains it
//! with examples.
//!
//! Each piece of evidence has a weight in `0..1` (from the data file). A class's score
//! combines its evidence as independent indications, `1 - Π(1 - w)`, in two groups:
//! infrastructure (hosts in scripts, iframes, links, forms, refreshes and redirects; name
//! servers; addresses) and soft evidence (phrases, and hosts only linked to from `<a href>`,
//! which also count half). Soft evidence is damped on pages with much content of their own
//! ([`content_strength`]), because a long business page or a blog about domains may say
//! "coming soon" or "make an offer" or link to a marketplace in passing; infrastructure is
//! not, because a business site does not load a parking service's scripts.
//!
//! Precedence, first match wins:
//! 1. `parked` / `for_sale` — when the larger of the two scores (the *parked confidence*)
//!    reaches the campaign's `parkedThreshold`; the larger one names the class.
//! 2. `default_page` — score at least [`DEFAULT_PAGE_THRESHOLD`].
//! 3. `under_construction` — score at least [`UNDER_CONSTRUCTION_THRESHOLD`].
//! 4. `empty` — fewer than [`EMPTY_MAX_WORDS`] words of visible text.
//! 5. `active`.

use std::net::IpAddr;

use dragnet_domain::config::analysis::ContentAnalysisConfig;
use dragnet_domain::content::{Evidence, EvidenceKind, EvidenceSource, PageClass};

use crate::html::{Extract, same_site, url_host};
use crate::signatures::{Place, Signatures};

/// Score at or above which a page is a default page.
pub const DEFAULT_PAGE_THRESHOLD: f64 = 0.6;
/// Score at or above which a page is under construction.
pub const UNDER_CONSTRUCTION_THRESHOLD: f64 = 0.5;
/// A page with fewer words than this (and nothing else to say) is empty.
pub const EMPTY_MAX_WORDS: u64 = 5;
/// How much a page's own content damps phrase evidence: at full content strength phrases
/// keep `1 - PHRASE_DAMPING` of their weight.
pub const PHRASE_DAMPING: f64 = 0.75;
/// Hosts seen only in anchors count this much of their weight.
pub const ANCHOR_FACTOR: f64 = 0.5;
/// Hosts named in an inline script count this much of their weight (a string in a script is
/// a little less certain than a `src`).
pub const INLINE_FACTOR: f64 = 0.9;
/// Weight of the page's own name followed by a sale phrase ("example.com is for sale").
pub const OWN_NAME_FOR_SALE_WEIGHT: f64 = 0.85;
/// What follows the page's own name on a for-sale lander, in the corpus's languages. Lower
/// case; the text is lower-cased (ASCII) before the comparison.
const OWN_NAME_SALE_SUFFIXES: &[&str] = &[
    " is for sale",
    " may be for sale",
    " is available for purchase",
    " steht zum verkauf",
    " ist zu verkaufen",
    " est à vendre",
    " est en vente",
    " está en venta",
    " se vende",
    " è in vendita",
    " está à venda",
    " is te koop",
];

/// What the classifier decided, with its evidence and scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The class.
    pub class: PageClass,
    /// Confidence in the class, `0..=1`.
    pub confidence: f64,
    /// Confidence that the page is parked or for sale, `0..=1` (the score input).
    pub parked_confidence: f64,
    /// The evidence, the chosen class's first.
    pub evidence: Vec<Evidence>,
}

/// The inputs beyond the HTML.
pub struct Context<'a> {
    /// Host of the final URL.
    pub page_host: Option<&'a str>,
    /// The final URL.
    pub final_url: Option<&'a str>,
    /// Hosts of the redirect chain.
    pub redirect_hosts: &'a [&'a str],
    /// Resolved addresses.
    pub addresses: &'a [IpAddr],
    /// Name servers.
    pub nameservers: &'a [&'a str],
}

struct Item {
    evidence: Evidence,
    weight: f64,
    /// Whether the page's own content damps it (phrases, and hosts only linked to).
    damped: bool,
}

/// How much content of its own a page has, `0..=1`: words (full at 400), links into the
/// site (full at 10) and a link to the site's own contact/about/imprint page (a `mailto:`
/// does not count: for-sale landers have one too).
pub fn content_strength(extract: &Extract) -> f64 {
    let words = (extract.words as f64 / 400.0).min(1.0);
    let links = (f64::from(extract.internal_links) / 10.0).min(1.0);
    let contact = if extract.has_contact_page { 1.0 } else { 0.0 };
    0.5 * words + 0.3 * links + 0.2 * contact
}

fn push(items: &mut Vec<Item>, item: Item) {
    // The same fact found twice (a host in two scripts) is one piece of evidence.
    if let Some(existing) = items.iter_mut().find(|i| {
        i.evidence.kind == item.evidence.kind
            && i.evidence.supports == item.evidence.supports
            && i.evidence.value == item.evidence.value
    }) {
        if item.weight > existing.weight {
            *existing = item;
        }
    } else {
        items.push(item);
    }
}

fn host_evidence(
    sig: &Signatures,
    items: &mut Vec<Item>,
    host: &str,
    url: &str,
    source: EvidenceSource,
) {
    for entry in sig.hosts_matching(host, url) {
        let factor = if source == EvidenceSource::Anchor {
            ANCHOR_FACTOR
        } else {
            1.0
        };
        push(
            items,
            Item {
                evidence: Evidence {
                    kind: EvidenceKind::ParkingHost,
                    source,
                    supports: entry.supports,
                    value: format!("{host} ({})", entry.service),
                },
                weight: entry.weight * factor,
                damped: source == EvidenceSource::Anchor,
            },
        );
    }
}

fn phrase_evidence(sig: &Signatures, items: &mut Vec<Item>, text: &str, source: EvidenceSource) {
    for m in sig.phrase_matcher.find_overlapping_iter(text) {
        let phrase = &sig.phrases[m.pattern().as_usize()];
        let counts = match phrase.place {
            Place::Any => true,
            Place::Title => source == EvidenceSource::Title,
            Place::Text => source == EvidenceSource::Text,
        };
        if !counts {
            continue;
        }
        let (kind, value) = match &phrase.server {
            Some(server) => (
                EvidenceKind::DefaultPage,
                format!("{} ({server})", phrase.text),
            ),
            None => (EvidenceKind::Phrase, phrase.text.clone()),
        };
        push(
            items,
            Item {
                evidence: Evidence {
                    kind,
                    source,
                    supports: phrase.supports,
                    value,
                },
                weight: phrase.weight,
                damped: true,
            },
        );
    }
}

/// The sale phrase that follows the page's own name (`name`, lower case, no `www.`) in
/// `text`, if any.
fn own_name_for_sale(text: &str, name: &str) -> Option<&'static str> {
    if name.len() < 4 || !name.contains('.') {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let end = from + at + name.len();
        if let Some(suffix) = OWN_NAME_SALE_SUFFIXES
            .iter()
            .find(|s| lower[end..].starts_with(**s))
        {
            return Some(suffix);
        }
        from = end;
    }
    None
}

/// Classifies a page.
pub fn classify(
    sig: &Signatures,
    config: &ContentAnalysisConfig,
    extract: &Extract,
    cx: &Context<'_>,
) -> Decision {
    let mut items = Vec::new();
    for found in &extract.urls {
        if let Some(host) = url_host(&found.url)
            && !same_site(&host, cx.page_host)
        {
            host_evidence(sig, &mut items, &host, &found.url, found.source);
        }
    }
    // Loaders that build the script tag in an inline script name the host there.
    for m in sig
        .inline_host_matcher
        .find_overlapping_iter(extract.inline_script.as_str())
    {
        // Only at the start of a host name: `dan.com` must not match `sedan.com`.
        let before = extract.inline_script.as_bytes()[..m.start()].last();
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-') {
            continue;
        }
        let entry = &sig.hosts[m.pattern().as_usize()];
        push(
            &mut items,
            Item {
                evidence: Evidence {
                    kind: EvidenceKind::ParkingHost,
                    source: EvidenceSource::Script,
                    supports: entry.supports,
                    value: format!("{} in an inline script ({})", entry.host, entry.service),
                },
                weight: entry.weight * INLINE_FACTOR,
                damped: false,
            },
        );
    }
    for url in &extract.external_anchors {
        if let Some(host) = url_host(url) {
            host_evidence(sig, &mut items, &host, url, EvidenceSource::Anchor);
        }
    }
    for host in cx.redirect_hosts {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        host_evidence(sig, &mut items, &host, &host, EvidenceSource::Redirect);
    }
    if let Some(url) = cx.final_url
        && let Some(host) = url_host(url)
    {
        host_evidence(sig, &mut items, &host, url, EvidenceSource::Redirect);
    }
    for ns in cx.nameservers {
        if let Some(entry) = sig.nameserver_matching(ns) {
            push(
                &mut items,
                Item {
                    evidence: Evidence {
                        kind: EvidenceKind::ParkingNameserver,
                        source: EvidenceSource::Nameserver,
                        supports: entry.supports,
                        value: format!(
                            "{} ({})",
                            ns.trim().trim_end_matches('.').to_ascii_lowercase(),
                            entry.service
                        ),
                    },
                    weight: entry.weight,
                    damped: false,
                },
            );
        }
    }
    for &ip in cx.addresses {
        if let Some(range) = sig.address_matching(ip) {
            push(
                &mut items,
                Item {
                    evidence: Evidence {
                        kind: EvidenceKind::ParkingAddress,
                        source: EvidenceSource::Address,
                        supports: range.supports,
                        value: format!("{ip} in {} ({})", range.cidr, range.service),
                    },
                    weight: range.weight,
                    damped: false,
                },
            );
        }
    }
    phrase_evidence(sig, &mut items, &extract.text, EvidenceSource::Text);
    if let Some(title) = &extract.title {
        phrase_evidence(sig, &mut items, title, EvidenceSource::Title);
    }
    if let Some(host) = cx.page_host {
        let name = host.strip_prefix("www.").unwrap_or(host);
        let places = [
            (Some(extract.text.as_str()), EvidenceSource::Text),
            (extract.title.as_deref(), EvidenceSource::Title),
        ];
        for (text, source) in places {
            if let Some(suffix) = text.and_then(|t| own_name_for_sale(t, name)) {
                push(
                    &mut items,
                    Item {
                        evidence: Evidence {
                            kind: EvidenceKind::Phrase,
                            source,
                            supports: PageClass::ForSale,
                            value: format!("{name}{suffix}"),
                        },
                        weight: OWN_NAME_FOR_SALE_WEIGHT,
                        damped: true,
                    },
                );
            }
        }
    }

    let strength = content_strength(extract);
    let score = |class: PageClass| {
        let mut infra = 1.0;
        let mut phrases = 1.0;
        for item in items.iter().filter(|i| i.evidence.supports == class) {
            if item.damped {
                phrases *= 1.0 - item.weight;
            } else {
                infra *= 1.0 - item.weight;
            }
        }
        let phrases = (1.0 - phrases) * (1.0 - PHRASE_DAMPING * strength);
        1.0 - infra * (1.0 - phrases)
    };
    let parked = score(PageClass::Parked);
    let for_sale = score(PageClass::ForSale);
    let default_page = score(PageClass::DefaultPage);
    let construction = score(PageClass::UnderConstruction);
    let parked_confidence = parked.max(for_sale);

    let (class, confidence) = if config.is_parked(parked_confidence) {
        if for_sale > parked {
            (PageClass::ForSale, for_sale)
        } else {
            (PageClass::Parked, parked)
        }
    } else if default_page >= DEFAULT_PAGE_THRESHOLD {
        (PageClass::DefaultPage, default_page)
    } else if construction >= UNDER_CONSTRUCTION_THRESHOLD {
        (PageClass::UnderConstruction, construction)
    } else if extract.words < EMPTY_MAX_WORDS {
        let confidence = if extract.words == 0 { 0.95 } else { 0.8 };
        push(
            &mut items,
            Item {
                evidence: Evidence {
                    kind: EvidenceKind::EmptyBody,
                    source: EvidenceSource::Page,
                    supports: PageClass::Empty,
                    value: format!(
                        "{} words, {} characters of visible text",
                        extract.words, extract.text_chars
                    ),
                },
                weight: confidence,
                damped: false,
            },
        );
        (PageClass::Empty, confidence)
    } else {
        let other = parked_confidence.max(default_page).max(construction);
        push(
            &mut items,
            Item {
                evidence: Evidence {
                    kind: EvidenceKind::Content,
                    source: EvidenceSource::Page,
                    supports: PageClass::Active,
                    value: format!(
                        "{} words, {} internal links{}",
                        extract.words,
                        extract.internal_links,
                        if extract.has_contact_link {
                            ", a contact link"
                        } else {
                            ""
                        }
                    ),
                },
                weight: strength,
                damped: false,
            },
        );
        (PageClass::Active, (1.0 - other) * (0.6 + 0.4 * strength))
    };

    // The chosen class's evidence first, strongest first; the rest after, in the same order.
    items.sort_by(|a, b| {
        (b.evidence.supports == class)
            .cmp(&(a.evidence.supports == class))
            .then(b.weight.total_cmp(&a.weight))
    });
    Decision {
        class,
        confidence: round3(confidence),
        parked_confidence: round3(parked_confidence),
        evidence: items.into_iter().map(|i| i.evidence).collect(),
    }
}

/// Rounds to three decimals, so that results print and compare stably.
pub fn round3(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}
