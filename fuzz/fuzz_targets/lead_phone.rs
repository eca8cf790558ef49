//! The phone finders of lead extraction (`crates/analysis/src/leads/phone.rs`) on arbitrary
//! UTF-8: `phones_in_text` and `normalize_phone`, national numbers read in a region chosen by
//! the first byte, and `region_from_host`.
//!
//! Properties, for every input:
//! - nothing panics, and the text finder is deterministic;
//! - every number is E.164: `+`, a first digit 1–9, 6 to 15 digits in all, nothing else, and
//!   a fixed point of `normalize_phone` (without a region: E.164 needs none);
//! - the value reported is a substring of the text;
//! - `region_from_host` gives `None` or two upper-case letters.
#![no_main]

use dragnet_analysis::leads::{normalize_phone, phones_in_text, region_from_host};
use libfuzzer_sys::fuzz_target;

/// Regions the first byte chooses from.
const REGIONS: [Option<&str>; 8] = [
    None,
    Some("DE"),
    Some("US"),
    Some("GB"),
    Some("FR"),
    Some("JP"),
    Some("IT"),
    Some("zz"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let region = REGIONS[usize::from(pick) % REGIONS.len()];
    let found = phones_in_text(text, region);
    assert_eq!(found, phones_in_text(text, region), "not deterministic");
    for f in &found {
        check_e164(&f.normalized);
        assert!(text.contains(&f.value), "{:?} is not in the text", f.value);
    }
    if let Some(n) = normalize_phone(text, region) {
        check_e164(&n);
    }
    if let Some(r) = region_from_host(text) {
        assert!(r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()), "{r}");
    }
});

fn check_e164(n: &str) {
    let digits = n.strip_prefix('+').unwrap_or_default();
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{n}");
    assert!((6..=15).contains(&digits.len()) && !digits.starts_with('0'), "{n}");
    assert_eq!(normalize_phone(n, None).as_deref(), Some(n), "not a fixed point: {n}");
}
