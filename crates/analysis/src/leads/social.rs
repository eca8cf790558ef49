//! Social profiles: whether a URL is a profile on one of the networks of
//! [`SocialNetwork`], and its canonical form ([`social_profile`]).
//!
//! A canonical profile URL is `https://` + the network's main host without `www.`, `m.` or a
//! language subdomain (`twitter.com` becomes `x.com`, `fb.com` becomes `facebook.com`) + the
//! profile's path: no query, no fragment, no trailing slash, lower-cased except YouTube
//! channel ids (which are case-sensitive). Only the profile part of a deeper link is kept
//! (`linkedin.com/company/acme/about` → `…/company/acme`), except where the deeper link is
//! about something else (a tweet, a post, a video, a repository): those are not profiles,
//! nor are share, intent, login, widget, plugin, tracking and hashtag links, or the
//! networks' own pages (lists in `data/contacts.toml`).

use dragnet_domain::leads::SocialNetwork;

use super::rules::{Rules, rules};

/// A social profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The network.
    pub network: SocialNetwork,
    /// The canonical profile URL.
    pub url: String,
}

/// The profile a URL points to, in canonical form, or `None` when it is not a profile (see
/// the module documentation). Only absolute `http(s)` URLs and scheme-relative ones
/// (`//twitter.com/acme`) are read. A canonical URL is its own canonical form.
pub fn social_profile(url: &str) -> Option<Profile> {
    let rules = rules().ok()?;
    profile_with(rules, url)
}

pub(crate) fn profile_with(rules: &Rules, url: &str) -> Option<Profile> {
    let url = url.trim();
    let rest = if let Some(rest) = url.strip_prefix("//") {
        rest
    } else {
        let (scheme, rest) = url.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return None;
        }
        rest
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return None;
    }
    let host = authority.split(':').next()?.trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    let network = network_of(&host)?;
    let after = &rest[end..];
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let path = &after[..path_end];
    let query = after[path_end..]
        .strip_prefix('?')
        .map(|q| q.split('#').next().unwrap_or(""));
    if path.contains('\\') || path.contains("..") {
        return None;
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(super::email::percent_decode)
        .collect();
    let first = segments.first().map(String::as_str);
    if first.is_some_and(|f| rules.share_segments.contains(&f.to_lowercase())) {
        return None;
    }
    let second = segments.get(1).map(String::as_str);
    let lower = |s: &str| s.to_lowercase();
    let (network, path) = match network {
        SocialNetwork::Linkedin => {
            let kind = lower(first?);
            let slug = lower(second?);
            if !rules.linkedin_kinds.contains(&kind)
                || rules.linkedin_reserved_slugs.contains(&slug)
                || !is_slug(&slug, 100)
            {
                return None;
            }
            (SocialNetwork::Linkedin, format!("{kind}/{slug}"))
        }
        SocialNetwork::X => {
            let handle = lower(first?);
            // `/acme/status/123` is a post; `/acme/with_replies` and the like stay the profile.
            if rules.x_reserved.contains(&handle)
                || !is_handle(&handle, 15, false)
                || matches!(second, Some("status" | "statuses" | "lists" | "i"))
            {
                return None;
            }
            (SocialNetwork::X, handle)
        }
        SocialNetwork::Facebook => {
            let name = lower(first?);
            if name == "profile.php" {
                let id = query?
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("id="))
                    .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))?;
                (SocialNetwork::Facebook, format!("profile.php?id={id}"))
            } else if name == "people" || name == "pages" {
                // `/pages/Name/123…` and `/people/Name/123…`: the id names the page.
                let title = segments.get(1)?;
                let id = segments.get(2)?;
                if !id.bytes().all(|b| b.is_ascii_digit()) || !is_slug(&lower(title), 100) {
                    return None;
                }
                (
                    SocialNetwork::Facebook,
                    format!("{name}/{}/{id}", lower(title)),
                )
            } else {
                // `/acme/posts/…`, `/acme/photos/…`: content of the page, not the page.
                if rules.facebook_reserved.contains(&name)
                    || name.ends_with(".php")
                    || !is_handle(&name, 80, true)
                    || matches!(
                        second,
                        Some("posts" | "photos" | "videos" | "events" | "reviews" | "notes")
                    ) && segments.len() > 2
                {
                    return None;
                }
                (SocialNetwork::Facebook, name)
            }
        }
        SocialNetwork::Instagram => {
            let name = lower(first?);
            if rules.instagram_reserved.contains(&name)
                || !is_handle(&name, 30, true)
                || matches!(second, Some("p" | "reel" | "tv"))
            {
                return None;
            }
            (SocialNetwork::Instagram, name)
        }
        SocialNetwork::Youtube => {
            let first = first?;
            if let Some(handle) = first.strip_prefix('@') {
                let handle = lower(handle);
                if !is_handle(&handle, 30, true) || handle == "youtube" {
                    return None;
                }
                (SocialNetwork::Youtube, format!("@{handle}"))
            } else {
                let kind = lower(first);
                let name = second?;
                match kind.as_str() {
                    // Channel ids are case-sensitive.
                    "channel" if name.starts_with("UC") && is_slug(name, 40) => {
                        (SocialNetwork::Youtube, format!("channel/{name}"))
                    }
                    "c" | "user" if is_slug(&lower(name), 100) => {
                        (SocialNetwork::Youtube, format!("{kind}/{}", lower(name)))
                    }
                    _ => return None,
                }
            }
        }
        SocialNetwork::Tiktok => {
            let handle = lower(first?.strip_prefix('@')?);
            if rules.tiktok_reserved.contains(&format!("@{handle}"))
                || !is_handle(&handle, 24, true)
                || second.is_some_and(|s| s == "video" || s == "photo")
            {
                return None;
            }
            (SocialNetwork::Tiktok, format!("@{handle}"))
        }
        SocialNetwork::Github => {
            let mut name = lower(first?);
            if name == "orgs" {
                name = lower(second?);
            } else if segments.len() > 1 {
                // A repository, a file, a release: someone's code, not a profile.
                return None;
            }
            if rules.github_reserved.contains(&name)
                || rules.share_segments.contains(&name)
                || !is_handle(&name, 39, false)
            {
                return None;
            }
            let name = name.replace('_', "-");
            if name.starts_with('-') || name.ends_with('-') {
                return None;
            }
            (SocialNetwork::Github, name)
        }
        SocialNetwork::Xing => {
            let kind = lower(first?);
            let name = lower(second?);
            if !rules.xing_kinds.contains(&kind) || !is_slug(&name, 100) {
                return None;
            }
            (SocialNetwork::Xing, format!("{kind}/{name}"))
        }
    };
    let host = match network {
        SocialNetwork::Linkedin => "linkedin.com",
        SocialNetwork::X => "x.com",
        SocialNetwork::Facebook => "facebook.com",
        SocialNetwork::Instagram => "instagram.com",
        SocialNetwork::Youtube => "youtube.com",
        SocialNetwork::Tiktok => "tiktok.com",
        SocialNetwork::Github => "github.com",
        SocialNetwork::Xing => "xing.com",
    };
    Some(Profile {
        network,
        url: format!("https://{host}/{path}"),
    })
}

/// The network a host belongs to: the network's domain itself, `www.`, `m.`, `mobile.` or a
/// language subdomain (`de.linkedin.com`, `de-de.facebook.com`); other subdomains are the
/// networks' services (`platform.twitter.com`, `business.facebook.com`, `gist.github.com`),
/// not profiles.
fn network_of(host: &str) -> Option<SocialNetwork> {
    let (sub, domain) = match host.split_once('.') {
        Some((sub, domain)) if domain.contains('.') => (Some(sub), domain),
        _ => (None, host),
    };
    let network = match domain {
        "linkedin.com" => SocialNetwork::Linkedin,
        "twitter.com" | "x.com" => SocialNetwork::X,
        "facebook.com" | "fb.com" => SocialNetwork::Facebook,
        "instagram.com" => SocialNetwork::Instagram,
        "youtube.com" => SocialNetwork::Youtube,
        "tiktok.com" => SocialNetwork::Tiktok,
        "github.com" => SocialNetwork::Github,
        "xing.com" => SocialNetwork::Xing,
        _ => return None,
    };
    let sub_ok = match sub {
        None => true,
        Some("www" | "m" | "mobile") => true,
        // Language subdomains: `de`, `uk`, `de-de`, `en-gb`.
        Some(s) => {
            matches!(network, SocialNetwork::Linkedin | SocialNetwork::Facebook)
                && (s.len() == 2 || (s.len() == 5 && s.as_bytes()[2] == b'-'))
                && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        }
    };
    sub_ok.then_some(network)
}

/// A handle: letters, digits, `_` (and `.` where `dots`), at most `max` characters, not only
/// dots.
fn is_handle(s: &str, max: usize, dots: bool) -> bool {
    !s.is_empty()
        && s.chars().count() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || (dots && b == b'.') || b == b'-')
        && s.bytes().any(|b| b.is_ascii_alphanumeric())
        && !s.starts_with('.')
        && !s.ends_with('.')
}

/// A slug (LinkedIn, Xing, YouTube names), percent-decoded: letters (any script), digits,
/// `-`, `_`, `.`, at most `max` characters. (A `%` left after decoding would be decoded again
/// when the canonical URL is read, so it is refused: normal forms are fixed points.)
fn is_slug(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.chars().count() <= max
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(url: &str) -> Option<String> {
        social_profile(url).map(|p| p.url)
    }

    #[test]
    fn profiles_are_canonical() {
        for (url, want) in [
            (
                "https://www.linkedin.com/company/Acme-GmbH/about/?trk=x",
                "https://linkedin.com/company/acme-gmbh",
            ),
            (
                "https://de.linkedin.com/in/anna-schmidt-123/",
                "https://linkedin.com/in/anna-schmidt-123",
            ),
            ("http://twitter.com/AcmeBau", "https://x.com/acmebau"),
            ("https://x.com/acmebau?lang=de", "https://x.com/acmebau"),
            (
                "https://mobile.twitter.com/acmebau/",
                "https://x.com/acmebau",
            ),
            (
                "https://www.facebook.com/acme.bau/",
                "https://facebook.com/acme.bau",
            ),
            (
                "https://m.facebook.com/profile.php?id=100012345&ref=x",
                "https://facebook.com/profile.php?id=100012345",
            ),
            (
                "https://www.instagram.com/acme.bau/?hl=de",
                "https://instagram.com/acme.bau",
            ),
            (
                "https://www.youtube.com/@AcmeBau",
                "https://youtube.com/@acmebau",
            ),
            (
                "https://youtube.com/channel/UCabcDEF1234567890/videos",
                "https://youtube.com/channel/UCabcDEF1234567890",
            ),
            (
                "https://www.youtube.com/user/AcmeTV",
                "https://youtube.com/user/acmetv",
            ),
            (
                "https://www.tiktok.com/@acme.bau?lang=en",
                "https://tiktok.com/@acme.bau",
            ),
            (
                "https://github.com/Acme-Labs",
                "https://github.com/acme-labs",
            ),
            (
                "https://github.com/orgs/acme-labs/people",
                "https://github.com/acme-labs",
            ),
            (
                "https://www.xing.com/pages/acme-gmbh",
                "https://xing.com/pages/acme-gmbh",
            ),
            (
                "//www.xing.com/companies/acmegmbh/",
                "https://xing.com/companies/acmegmbh",
            ),
        ] {
            assert_eq!(canonical(url).as_deref(), Some(want), "{url}");
            assert_eq!(
                canonical(want).as_deref(),
                Some(want),
                "{want} is not a fixed point"
            );
        }
    }

    #[test]
    fn share_and_service_links_are_not_profiles() {
        for url in [
            "https://twitter.com/intent/tweet?url=https%3A%2F%2Facme.de",
            "https://twitter.com/share?url=x",
            "https://twitter.com/acmebau/status/123456",
            "https://platform.twitter.com/widgets.js",
            "https://x.com/hashtag/bau",
            "https://www.facebook.com/sharer/sharer.php?u=https://acme.de",
            "https://www.facebook.com/sharer.php?u=x",
            "https://www.facebook.com/tr?id=123&ev=PageView",
            "https://www.facebook.com/plugins/page.php?href=x",
            "https://www.facebook.com/dialog/share?app_id=1",
            "https://www.facebook.com/",
            "https://www.linkedin.com/shareArticle?mini=true&url=x",
            "https://www.linkedin.com/sharing/share-offsite/?url=x",
            "https://www.linkedin.com/company/",
            "https://www.linkedin.com/feed/",
            "https://www.instagram.com/p/Cabc123/",
            "https://www.instagram.com/explore/tags/bau/",
            "https://www.youtube.com/watch?v=abc",
            "https://www.youtube.com/embed/abc",
            "https://youtu.be/abc",
            "https://www.tiktok.com/@acme/video/123",
            "https://www.tiktok.com/tag/bau",
            "https://github.com/twbs/bootstrap",
            "https://github.com/login",
            "https://gist.github.com/acme",
            "https://acme.github.io/",
            "https://www.xing.com/spi/shares/new?url=x",
            "https://www.xing.com/social/share/spi?url=x",
            "//fb.com/sharing",
            "https://github.com/share",
            "https://github.com/orgs/orgs?e",
            "https://github.com/orgs//intent/tweet",
            "https://youtube.com/c/%%%%%666%%e%",
            "https://x.com/sharer",
            "mailto:x@twitter.com",
            "https://user@twitter.com/acme",
            "https://evil.com/twitter.com/acme",
        ] {
            assert_eq!(canonical(url), None, "{url}");
        }
    }
}
