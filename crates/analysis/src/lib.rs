//! Page analysis for the `content_analysis` phase (SPEC §2.4): over a stored page snapshot
//! and what the earlier phases learnt about the domain, it says what kind of page it is
//! (`active`, `parked`, `for_sale`, `under_construction`, `default_page`, `empty`) with a
//! confidence and the evidence behind it, the page's language, the technologies it runs,
//! its content signals, and its relevance score with the components the score is made of.
//!
//! ```
//! use dragnet_analysis::{Analyzer, Page};
//! use dragnet_domain::config::analysis::ContentAnalysisConfig;
//! use dragnet_domain::content::PageClass;
//!
//! let analyzer = Analyzer::new(ContentAnalysisConfig::default()).expect("signatures");
//! let page = Page {
//!     html: "<title>example.com</title><h1>This domain is for sale!</h1>",
//!     final_url: Some("http://example.com/"),
//!     ..Page::default()
//! };
//! let analysis = analyzer.analyse(&page);
//! assert_eq!(analysis.classification, PageClass::ForSale);
//! ```
//!
//! How it works: [`html`] reads the page in one streaming `lol_html` pass; [`classify`]
//! weighs the evidence (parking and marketplace hosts, name servers, addresses, phrases,
//! default-page markers) against the page's own content; [`language`] identifies the
//! language with `whatlang`; [`tech`] matches the technology fingerprints; the relevance score
//! is the domain crate's formula ([`ContentAnalysisConfig::score`]). The signature data are
//! files in `data/`, compiled in and parsed once ([`signatures`]).
//!
//! The same crate extracts leads for the `lead_extraction` phase (SPEC §2.5): e-mail
//! addresses, phone numbers, social profiles, the organisation and the contact pages of a
//! page — see [`leads`] ([`LeadExtractor`]).
//!
//! **Invariant:** no I/O — no file, network, clock or randomness; the same input gives the
//! same [`Analysis`], and no input (any bytes, read as lossy UTF-8) makes it panic. Work per
//! page is bounded (see [`html`]).

pub mod classify;
pub mod html;
pub mod language;
pub mod leads;
pub mod signatures;
pub mod tech;

use std::net::IpAddr;

use dragnet_domain::config::analysis::{
    ContentAnalysisConfig, RelevanceScore, RelevanceSignals, RelevanceWeights,
};
use dragnet_domain::content::{ContentSignals, Evidence, PageClass, PageLanguage, Technology};
use serde::Serialize;

pub use leads::{LeadExtractor, LeadPage};
pub use signatures::SignatureError;

/// The keyword hits of one rule, as the HTTP phase counted them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleHits {
    /// Hits in the visible text.
    pub text: u32,
    /// Hits in the title.
    pub title: u32,
}

/// What the HTTP phase's keyword matching found on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeywordCounts<'a> {
    /// The hits of the rules that matched (rules without hits may be left out).
    pub rules: &'a [RuleHits],
    /// How many rules were in force.
    pub rules_total: u32,
}

impl KeywordCounts<'_> {
    /// Hits in the visible text, all rules together.
    pub fn text_hits(&self) -> u64 {
        self.rules.iter().map(|r| u64::from(r.text)).sum()
    }

    /// Rules with at least one hit, in the text or the title.
    pub fn rules_matched(&self) -> u32 {
        let n = self
            .rules
            .iter()
            .filter(|r| r.text > 0 || r.title > 0)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether a rule matched in the title.
    pub fn title_hit(&self) -> bool {
        self.rules.iter().any(|r| r.title > 0)
    }
}

/// A stored page and what the earlier phases learnt about its domain: the input of
/// [`Analyzer::analyse`]. Everything but `html` may be left empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page<'a> {
    /// The decoded HTML (the prober's snapshot; lossy UTF-8 is fine).
    pub html: &'a str,
    /// The URL the page was finally fetched from (after redirects).
    pub final_url: Option<&'a str>,
    /// Response headers as (name, value), any case; `Server`, `X-Powered-By` and every
    /// `Set-Cookie` (whose cookie names are read) matter most.
    pub headers: &'a [(&'a str, &'a str)],
    /// Hosts the redirect chain passed through, when known.
    pub redirect_hosts: &'a [&'a str],
    /// The addresses the domain resolved to.
    pub addresses: &'a [IpAddr],
    /// The domain's name servers (may be empty).
    pub nameservers: &'a [&'a str],
    /// The HTTP phase's keyword hits.
    pub keywords: KeywordCounts<'a>,
}

/// The relevance score of a page and the terms it is made of:
/// `score = 100 × Σ weights.x × components.x`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Relevance {
    /// The score, `0..=100`.
    pub score: f64,
    /// The components (each `0..=1`), their weighted sum and the formula version.
    pub components: RelevanceScore,
    /// The weights the score was computed with.
    pub weights: RelevanceWeights,
}

/// Everything the analysis says about a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    /// What kind of page it is.
    pub classification: PageClass,
    /// Confidence in the classification, `0..=1`.
    pub confidence: f64,
    /// Confidence that the page is parked or for sale, `0..=1` (the score's input).
    pub parked_confidence: f64,
    /// The facts behind the classification, those for the chosen class first.
    pub evidence: Vec<Evidence>,
    /// The page's language.
    pub language: PageLanguage,
    /// The page's title.
    pub title: Option<String>,
    /// Technologies found, in the data file's order; empty when detection is off.
    pub technologies: Vec<Technology>,
    /// Content signals.
    pub signals: ContentSignals,
    /// The relevance score.
    pub relevance: Relevance,
}

/// Analyses pages with one campaign's configuration. Cheap to clone; build one per phase
/// run and share it between threads.
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: ContentAnalysisConfig,
    signatures: &'static signatures::Signatures,
}

impl Analyzer {
    /// An analyzer for this configuration. Fails only if the compiled-in signature data is
    /// broken (which the crate's tests rule out).
    pub fn new(config: ContentAnalysisConfig) -> Result<Self, SignatureError> {
        Ok(Self {
            config,
            signatures: signatures::signatures()?,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ContentAnalysisConfig {
        &self.config
    }

    /// Analyses one page. Never panics; deterministic; bounded work (see [`html`]).
    pub fn analyse(&self, page: &Page<'_>) -> Analysis {
        let page_host = page.final_url.and_then(html::url_host);
        let extract = html::extract(page.html, page_host.as_deref());
        let decision = classify::classify(
            self.signatures,
            &self.config,
            &extract,
            &classify::Context {
                page_host: page_host.as_deref(),
                final_url: page.final_url,
                redirect_hosts: page.redirect_hosts,
                addresses: page.addresses,
                nameservers: page.nameservers,
            },
        );
        let language = if self.config.detect_language() {
            language::detect(&extract.text, extract.words, extract.html_lang.as_deref())
        } else {
            PageLanguage::undetermined()
        };
        let technologies = if self.config.detect_technologies() {
            tech::detect(self.signatures, &extract, page.headers)
        } else {
            Vec::new()
        };

        let keywords = page.keywords;
        let relevance_signals = RelevanceSignals {
            keyword_hits: keywords.text_hits(),
            words: extract.words,
            rules_matched: keywords.rules_matched(),
            rules_total: keywords.rules_total,
            title_hit: keywords.title_hit(),
            visible_chars: extract.text_chars,
            parked_confidence: decision.parked_confidence,
        };
        let components = self.config.score(&relevance_signals);
        let signals = ContentSignals {
            visible_chars: extract.text_chars,
            words: extract.words,
            internal_links: extract.internal_links,
            external_links: extract.external_links,
            has_contact_link: extract.has_contact_link,
            keyword_density: if extract.words > 0 {
                round(relevance_signals.keyword_hits as f64 * 1000.0 / extract.words as f64)
            } else {
                0.0
            },
            keyword_coverage: if keywords.rules_total > 0 {
                round(
                    (f64::from(relevance_signals.rules_matched) / f64::from(keywords.rules_total))
                        .min(1.0),
                )
            } else {
                0.0
            },
            title_hit: relevance_signals.title_hit,
        };
        Analysis {
            classification: decision.class,
            confidence: decision.confidence,
            parked_confidence: decision.parked_confidence,
            evidence: decision.evidence,
            language,
            title: extract.title,
            technologies,
            signals,
            relevance: Relevance {
                score: round(components.score * 100.0),
                components,
                weights: *self.config.weights(),
            },
        }
    }
}

/// Rounds to three decimals.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_is_shareable_between_threads() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Analyzer>();
    }

    #[test]
    fn switches_and_keyword_signals() {
        let config: ContentAnalysisConfig = serde_json::from_value(
            serde_json::json!({"detectLanguage": false, "detectTechnologies": false}),
        )
        .unwrap();
        let analyzer = Analyzer::new(config).unwrap();
        let html = format!(
            "<html lang=en><head><title>Bakery</title><script src=/wp-content/x.js></script></head>\
             <body><a href=/about>About</a>{}</body></html>",
            "<p>bread bread flour oven bakery morning</p>".repeat(50)
        );
        let rules = [
            RuleHits { text: 10, title: 1 },
            RuleHits { text: 0, title: 0 },
        ];
        let a = analyzer.analyse(&Page {
            html: &html,
            final_url: Some("https://bakery.example/"),
            keywords: KeywordCounts {
                rules: &rules,
                rules_total: 4,
            },
            ..Page::default()
        });
        assert_eq!(a.classification, PageClass::Active);
        assert_eq!(a.language, PageLanguage::undetermined());
        assert!(a.technologies.is_empty());
        assert_eq!(a.signals.words, 301); // 300 words of paragraphs and the link text
        assert!(a.signals.title_hit && a.signals.has_contact_link);
        assert_eq!(a.signals.internal_links, 1);
        assert!((a.signals.keyword_density - 33.223).abs() < 1e-9);
        assert_eq!(a.signals.keyword_coverage, 0.25);
        assert_eq!(a.relevance.components.scoring_version, 1);
        assert_eq!(a.relevance.weights, RelevanceWeights::default());
    }
}
