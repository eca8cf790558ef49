//! Arbitrary input never panics and gives the same analysis twice; results stay in range.

use std::net::IpAddr;

use dragnet_analysis::{Analyzer, KeywordCounts, Page, RuleHits};
use dragnet_domain::config::analysis::ContentAnalysisConfig;
use proptest::prelude::*;

/// Fragments that steer random input into the markup the pass reads.
const FRAGMENTS: &[&str] = &[
    "<script src=\"//img.sedoparking.com/x.js\">",
    "</script>",
    "<script>",
    "<title>",
    "</title>",
    "<a href=\"https://dan.com/x\">",
    "<a href=\"/kontakt\">",
    "<meta name=generator content=\"WordPress\">",
    "<meta http-equiv=refresh content=\"0;url=//parkingcrew.net\">",
    "<template>",
    "</template>",
    "<style>",
    "<noscript>",
    "<!--",
    "-->",
    "&amp;",
    "&#x",
    "&eacute",
    "this domain is for sale",
    "coming soon",
    "welcome to nginx",
    "<html lang=\"de\">",
    "<iframe src=\"",
    "\u{0}",
    "\u{feff}",
    "Grüße ",
    "<form action=x>",
];

fn page_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
            prop::collection::vec(any::<u8>(), 0..40)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "[a-zA-Z <>/=\"'&;#.]{0,40}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_and_is_deterministic(
        html in page_text(),
        url in prop::option::of("[a-z:/.]{0,30}"),
        header_value in "[ -~]{0,30}",
        ns in "[a-z0-9.]{0,30}",
        ip in any::<u32>(),
        text_hits in any::<u32>(),
        title_hits in any::<u32>(),
        rules_total in any::<u32>(),
    ) {
        let analyzer = Analyzer::new(ContentAnalysisConfig::default()).unwrap();
        let headers = [("Server", header_value.as_str()), ("Set-Cookie", header_value.as_str())];
        let nameservers = [ns.as_str()];
        let addresses = [IpAddr::from(ip.to_be_bytes())];
        let rules = [RuleHits { text: text_hits, title: title_hits }];
        let page = Page {
            html: &html,
            final_url: url.as_deref(),
            headers: &headers,
            redirect_hosts: &nameservers,
            addresses: &addresses,
            nameservers: &nameservers,
            keywords: KeywordCounts { rules: &rules, rules_total },
        };
        let a = analyzer.analyse(&page);
        prop_assert_eq!(&a, &analyzer.analyse(&page));
        prop_assert!((0.0..=1.0).contains(&a.confidence));
        prop_assert!((0.0..=1.0).contains(&a.parked_confidence));
        prop_assert!((0.0..=1.0).contains(&a.language.confidence));
        prop_assert!((0.0..=100.0).contains(&a.relevance.score));
        prop_assert!(a.language.code == "und" || a.language.code.len() == 2);
        prop_assert!(!a.evidence.is_empty());
        prop_assert_eq!(a.evidence[0].supports, a.classification);
    }
}
