//! The social-profile recogniser of lead extraction (`crates/analysis/src/leads/social.rs`)
//! on arbitrary UTF-8 taken as a URL, and the same behind each network's hosts (the first
//! byte picks one, the rest is the path).
//!
//! Properties, for every input:
//! - nothing panics;
//! - a profile's URL is canonical: `https://` + the network's main host (no `www.`, `m.`),
//!   no fragment, no trailing slash, no query but Facebook's `profile.php?id=<digits>`;
//! - it is a fixed point: recognising the canonical URL gives the same profile;
//! - share, intent, sharer and dialog links (by their first path segment) are never profiles.
#![no_main]

use dragnet_analysis::leads::social_profile;
use dragnet_domain::leads::SocialNetwork;
use libfuzzer_sys::fuzz_target;

const HOSTS: [&str; 12] = [
    "https://www.linkedin.com/",
    "https://twitter.com/",
    "https://x.com/",
    "https://m.facebook.com/",
    "https://www.instagram.com/",
    "https://www.youtube.com/",
    "https://www.tiktok.com/",
    "https://github.com/",
    "https://www.xing.com/",
    "https://de.linkedin.com/",
    "//fb.com/",
    "http://mobile.twitter.com/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    check(text);
    check(&format!("{}{text}", HOSTS[usize::from(pick) % HOSTS.len()]));
});

fn check(url: &str) {
    let Some(profile) = social_profile(url) else {
        return;
    };
    let host = match profile.network {
        SocialNetwork::Linkedin => "linkedin.com",
        SocialNetwork::X => "x.com",
        SocialNetwork::Facebook => "facebook.com",
        SocialNetwork::Instagram => "instagram.com",
        SocialNetwork::Youtube => "youtube.com",
        SocialNetwork::Tiktok => "tiktok.com",
        SocialNetwork::Github => "github.com",
        SocialNetwork::Xing => "xing.com",
    };
    let canonical = &profile.url;
    assert!(canonical.starts_with(&format!("https://{host}/")), "{url} -> {canonical}");
    assert!(!canonical.ends_with('/') && !canonical.contains('#'), "{canonical}");
    if canonical.contains('?') {
        assert!(
            canonical.starts_with("https://facebook.com/profile.php?id=")
                && canonical.rsplit('=').next().is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit())),
            "{canonical}"
        );
    }
    assert_eq!(social_profile(canonical).as_ref(), Some(&profile), "not a fixed point: {canonical}");
    // The first path segment of a share, intent or sharer link says so.
    let path = url.split("//").nth(1).unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let first = path.split('/').nth(1).unwrap_or_default().to_ascii_lowercase();
    assert!(
        !["intent", "share", "sharer", "sharer.php", "sharing", "sharearticle", "dialog", "spi"]
            .contains(&first.as_str()),
        "share link taken as a profile: {url}"
    );
}
