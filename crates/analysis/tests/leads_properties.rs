//! Properties of lead extraction on generated input: no panic, deterministic, every contact
//! well-formed and its normal form a fixed point, deduplicated and capped.

use dragnet_analysis::leads::{
    LeadExtractor, LeadPage, emails_in_text, normalize_email, normalize_phone, phones_in_text,
    social_profile,
};
use dragnet_domain::config::leads::{LeadExtractionConfig, LeadExtractionConfigInput};
use dragnet_domain::leads::{ContactKind, LeadExtract};
use proptest::prelude::*;

/// Pieces pages are made of: markup, contact-like text and near misses.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<p>".to_owned()),
        Just("</p>".to_owned()),
        Just("<a href=\"mailto:info@firma.de?subject=x\">".to_owned()),
        Just("<a href=\"tel:+49 30 1234567\">".to_owned()),
        Just("</a>".to_owned()),
        Just("<a href=\"/kontakt\">Kontakt</a>".to_owned()),
        Just("<a href=\"https://www.linkedin.com/company/acme/\">".to_owned()),
        Just("<a href=\"https://twitter.com/intent/tweet?u=x\">".to_owned()),
        Just("<span data-cfemail=\"3a5354404b7a5c534857597a5e5f\">".to_owned()),
        Just("<script type=\"application/ld+json\">{\"@type\":\"Organization\",\"name\":\"A\",\"telephone\":\"+44 20 7946 0123\"}</script>".to_owned()),
        Just("<meta name=\"twitter:site\" content=\"@acme\">".to_owned()),
        Just(" [at] ".to_owned()),
        Just(" dot ".to_owned()),
        Just("@".to_owned()),
        Just("(0)".to_owned()),
        Just("Tel. ".to_owned()),
        Just("Fax ".to_owned()),
        Just("logo@2x.png".to_owned()),
        "[a-z0-9.+-]{0,12}@[a-z0-9-]{1,10}\\.(de|com|co\\.uk|png|example)",
        "[+(]?[0-9 ()./-]{0,20}",
        "[ -~]{0,16}",
        "\\PC{0,8}",
    ]
}

fn page() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
}

fn check(lead: &LeadExtract, max: usize) {
    assert!(lead.contacts.len() <= max);
    let mut seen = std::collections::HashSet::new();
    let mut last_kind = ContactKind::Email;
    for c in &lead.contacts {
        assert!(
            seen.insert((c.kind, c.normalized.clone())),
            "duplicate {c:?}"
        );
        assert!(c.kind >= last_kind, "contacts not in kind order");
        last_kind = c.kind;
        assert_eq!(c.value.trim(), c.value);
        match c.kind {
            ContactKind::Email => {
                assert_eq!(c.normalized.matches('@').count(), 1, "{c:?}");
                assert_eq!(c.normalized, c.normalized.to_ascii_lowercase());
                assert_eq!(
                    normalize_email(&c.normalized).as_deref(),
                    Some(&*c.normalized)
                );
                assert!(c.network.is_none());
            }
            ContactKind::Phone => {
                let digits = &c.normalized[1..];
                assert!(
                    c.normalized.starts_with('+') && !digits.starts_with('0'),
                    "{c:?}"
                );
                assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{c:?}");
                assert!((6..=15).contains(&digits.len()), "{c:?}");
                assert_eq!(
                    normalize_phone(&c.normalized, None).as_deref(),
                    Some(&*c.normalized)
                );
                assert!(!c.role && c.network.is_none());
            }
            ContactKind::Social => {
                let profile = social_profile(&c.normalized).expect("a canonical profile");
                assert_eq!(profile.url, c.normalized);
                assert_eq!(Some(profile.network), c.network);
                assert!(c.normalized.starts_with("https://") && !c.normalized.ends_with('/'));
                assert!(!c.normalized.contains('#'));
                assert!(!c.role);
            }
        }
    }
    for url in &lead.contact_pages {
        assert!(url.starts_with("http://") || url.starts_with("https://"));
        assert!(!url.contains('#'));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn extraction_is_total_deterministic_and_well_formed(
        html in page(),
        host in prop_oneof![Just("www.firma.de"), Just("acme.com"), Just("x.co.uk"), Just("not a host")],
        max in 1u32..8,
    ) {
        let input: LeadExtractionConfigInput =
            serde_json::from_value(serde_json::json!({"maxContactsPerDomain": max})).unwrap();
        let config = LeadExtractionConfig::try_from(input).unwrap();
        let extractor = LeadExtractor::new(&config).unwrap();
        let url = format!("https://{host}/");
        let page = LeadPage { html: &html, page_url: &url, default_region: None };
        let lead = extractor.extract(&page);
        prop_assert_eq!(&lead, &extractor.extract(&page));
        check(&lead, max as usize);
        let merged = extractor.extract_many(&page, &[page]);
        check(&merged, max as usize);
        prop_assert_eq!(merged.contacts, lead.contacts);
    }

    #[test]
    fn text_finders_give_fixed_points(
        text in prop::collection::vec(fragment(), 0..20).prop_map(|p| p.concat()),
        region in prop_oneof![Just(None), Just(Some("DE")), Just(Some("US")), Just(Some("GB")), Just(Some("JP"))],
    ) {
        for found in emails_in_text(&text) {
            prop_assert_eq!(normalize_email(&found.normalized), Some(found.normalized.clone()));
            prop_assert!(text.contains(&found.value));
        }
        for found in phones_in_text(&text, region) {
            prop_assert_eq!(normalize_phone(&found.normalized, None), Some(found.normalized.clone()));
            prop_assert!(text.contains(&found.value));
        }
    }

    #[test]
    fn profiles_are_fixed_points(
        host in prop_oneof![
            Just("www.linkedin.com"), Just("twitter.com"), Just("x.com"), Just("m.facebook.com"),
            Just("instagram.com"), Just("www.youtube.com"), Just("www.tiktok.com"), Just("github.com"),
            Just("www.xing.com"), Just("de.linkedin.com"), Just("evil.com"),
        ],
        path in "(/[A-Za-z0-9@._%-]{0,12}){0,4}",
        tail in prop_oneof![Just(""), Just("/"), Just("?x=1"), Just("#top"), Just("?id=123")],
    ) {
        let url = format!("https://{host}{path}{tail}");
        if let Some(profile) = social_profile(&url) {
            prop_assert_eq!(social_profile(&profile.url), Some(profile.clone()));
            prop_assert!(profile.url.starts_with("https://"));
            prop_assert!(!profile.url.ends_with('/') && !profile.url.contains('#'));
        }
    }
}
