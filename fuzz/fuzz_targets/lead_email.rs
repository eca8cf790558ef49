//! The e-mail finders of lead extraction (`crates/analysis/src/leads/email.rs`) on arbitrary
//! UTF-8: `emails_in_text`, `normalize_email`, `mailto_addresses`, `decode_cfemail`.
//!
//! Properties, for every input:
//! - nothing panics, and the text finder is deterministic;
//! - every address found is well-formed: one `@`, lower-case ASCII, no whitespace, a local
//!   part of 1–64 bytes and a domain of at most 253 bytes with a dot, and its normal form is
//!   a fixed point of `normalize_email`;
//! - the value reported for a text address is a substring of the text;
//! - `normalize_email` accepts what it returns (fixed point) and never accepts an address
//!   whose domain ends in an asset extension such as `.png` or `.js`;
//! - `mailto:` + an accepted address yields that address; Cloudflare's encoding of an accepted
//!   address (any key) decodes back to it.
#![no_main]

use dragnet_analysis::leads::{
    decode_cfemail, emails_in_text, mailto_addresses, normalize_email,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let found = emails_in_text(text);
    assert_eq!(found, emails_in_text(text), "not deterministic");
    for f in &found {
        check_address(&f.normalized);
        assert!(text.contains(&f.value), "{:?} is not in the text", f.value);
    }
    if let Some(normalized) = normalize_email(text) {
        check_address(&normalized);
        for ext in [".png", ".jpg", ".gif", ".svg", ".webp", ".css", ".js"] {
            assert!(!normalized.ends_with(ext), "asset name accepted: {normalized}");
        }
        // In a URL, `%` is written `%25`.
        let escaped = normalized.replace('%', "%25");
        let via_mailto: Vec<String> = mailto_addresses(&format!("mailto:{escaped}"))
            .into_iter()
            .map(|f| f.normalized)
            .collect();
        assert_eq!(via_mailto, [normalized.clone()]);
        let key = data.first().copied().unwrap_or(0x42);
        let mut hex = format!("{key:02x}");
        for b in normalized.bytes() {
            hex.push_str(&format!("{:02x}", b ^ key));
        }
        assert_eq!(decode_cfemail(&hex).as_deref(), Some(normalized.as_str()));
    }
    for f in mailto_addresses(text) {
        check_address(&f.normalized);
    }
    if let Some(decoded) = decode_cfemail(text) {
        assert!(normalize_email(&decoded).is_some());
    }
});

fn check_address(a: &str) {
    assert_eq!(a.matches('@').count(), 1, "{a}");
    assert!(a.is_ascii() && a == a.to_ascii_lowercase(), "{a}");
    assert!(!a.contains(char::is_whitespace), "{a}");
    let (local, domain) = a.split_once('@').unwrap_or_default();
    assert!((1..=64).contains(&local.len()), "{a}");
    assert!(domain.len() <= 253 && domain.contains('.'), "{a}");
    assert_eq!(normalize_email(a).as_deref(), Some(a), "not a fixed point: {a}");
}
