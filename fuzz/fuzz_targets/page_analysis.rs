//! `dragnet_analysis::Analyzer::analyse` on arbitrary input.
//!
//! Input: the first byte picks which of the page's side inputs are filled (final URL,
//! headers, name servers, addresses, keyword counts), the rest is the page (lossy UTF-8, as
//! the store hands the snapshot over).
//!
//! Properties:
//! - analysis never panics and is deterministic;
//! - confidences are in `0..=1`, the score in `0..=100`, the language is `und` or two letters;
//! - the first evidence speaks for the chosen class;
//! - the score is the weighted sum of its stored components.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use dragnet_analysis::{Analyzer, KeywordCounts, Page, RuleHits};
use dragnet_domain::config::analysis::ContentAnalysisConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, page)) = data.split_first() else {
        return;
    };
    let html = String::from_utf8_lossy(page);
    let Ok(analyzer) = Analyzer::new(ContentAnalysisConfig::default()) else {
        panic!("the compiled-in signatures do not load");
    };
    let headers = [("Server", "nginx"), ("Set-Cookie", "PHPSESSID=1; path=/")];
    let nameservers = ["ns1.sedoparking.com"];
    let addresses = [IpAddr::V4(Ipv4Addr::new(91, 195, 240, 1))];
    let rules = [RuleHits { text: 3, title: 1 }];
    let page = Page {
        html: &html,
        final_url: (pick & 1 != 0).then_some("http://www.example.com/"),
        headers: if pick & 2 != 0 { &headers } else { &[] },
        redirect_hosts: &[],
        addresses: if pick & 4 != 0 { &addresses } else { &[] },
        nameservers: if pick & 8 != 0 { &nameservers } else { &[] },
        keywords: KeywordCounts {
            rules: if pick & 16 != 0 { &rules } else { &[] },
            rules_total: u32::from(pick >> 5),
        },
    };
    let a = analyzer.analyse(&page);
    assert_eq!(a, analyzer.analyse(&page), "analysis is not deterministic");
    assert!((0.0..=1.0).contains(&a.confidence));
    assert!((0.0..=1.0).contains(&a.parked_confidence));
    assert!((0.0..=100.0).contains(&a.relevance.score));
    assert!(a.language.code == "und" || a.language.code.len() == 2);
    assert_eq!(a.evidence.first().map(|e| e.supports), Some(a.classification));
    let w = &a.relevance.weights;
    let c = &a.relevance.components;
    let sum = w.keyword_density() * c.keyword_density
        + w.keyword_coverage() * c.keyword_coverage
        + w.title_hit() * c.title_hit
        + w.content_length() * c.content_length
        + w.not_parked() * c.not_parked;
    assert!((a.relevance.score - 100.0 * sum).abs() < 0.01);
});
