//! What the analysis reads from a page's markup, in one pass of `dragnet_html::read` (the
//! reader the HTTP phase's keyword matcher uses too, so both see the same visible text).
//!
//! Collected: the visible text (as `dragnet_html` defines it), counts of its characters and
//! words over the whole page, the first `<title>`, `<html lang>`, `<meta name=generator>`, the
//! URLs of scripts, stylesheets/links, iframes, forms and meta refreshes, the first bytes of
//! inline scripts (analytics snippets load their code from there), and the page's anchors:
//! how many point inside the site and how many outside, and whether one leads to a contact,
//! about or imprint page.
//!
//! Work is bounded whatever the input: the page is cut at [`MAX_HTML_BYTES`], the kept text
//! and inline script at fixed caps, the URL list at [`MAX_URLS`]; the reader is linear and
//! never panics.

use std::collections::HashSet;

use dragnet_domain::content::EvidenceSource;
use dragnet_html::{Observer, StartTag};

/// The longest prefix of a page that is read; the prober's body cap is far below it, so it
/// only bounds the work on input from elsewhere.
pub const MAX_HTML_BYTES: usize = 4 * 1024 * 1024;
/// Visible text kept for phrase matching and language detection, in bytes: parking,
/// for-sale and placeholder pages say what they are in far less, and on longer pages phrases
/// are damped anyway. Characters and words are counted over the whole text.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Inline script text kept for technology matching, in bytes: embed snippets sit in the
/// first scripts of a page.
pub const MAX_INLINE_SCRIPT_BYTES: usize = 16 * 1024;
/// Resource URLs (scripts, links, iframes, forms, refreshes) kept.
pub const MAX_URLS: usize = 512;
/// Longest attribute value looked at (URLs longer than this are cut).
const MAX_ATTRIBUTE_BYTES: usize = 2048;

/// A URL found in the markup, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundUrl {
    /// The element it came from.
    pub source: EvidenceSource,
    /// The URL as written (trimmed, cut at [`MAX_ATTRIBUTE_BYTES`]).
    pub url: String,
}

/// What the pass collected from one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extract {
    /// The visible text, whitespace collapsed, cut at [`MAX_TEXT_BYTES`].
    pub text: String,
    /// Characters of visible text (whitespace collapsed), all of it.
    pub text_chars: u64,
    /// Words (runs of letters and digits) of visible text, all of it.
    pub words: u64,
    /// The first non-blank `<title>`, collapsed.
    pub title: Option<String>,
    /// `<html lang>`, trimmed.
    pub html_lang: Option<String>,
    /// `<meta name=generator content>`, trimmed.
    pub generator: Option<String>,
    /// Script, link, iframe, form and meta-refresh URLs, in page order.
    pub urls: Vec<FoundUrl>,
    /// The start of the inline scripts' text.
    pub inline_script: String,
    /// Anchors pointing into the site (relative, or to the page's own host).
    pub internal_links: u32,
    /// Anchors pointing to another host.
    pub external_links: u32,
    /// URLs of anchors to other hosts, one per host, at most [`MAX_URLS`].
    pub external_anchors: Vec<String>,
    /// Whether an anchor leads to a contact, about or imprint page, or is a `mailto:` link.
    pub has_contact_link: bool,
    /// Whether an anchor leads to a contact, about or imprint page of the site itself.
    pub has_contact_page: bool,
}

/// Path and anchor fragments of contact, about and imprint pages, in the languages of the
/// corpus and a few more. Matched ASCII-case-insensitively against an anchor's `href`.
const CONTACT_MARKERS: &[&str] = &[
    "contact",
    "kontakt",
    "contacto",
    "contatto",
    "contatti",
    "contato",
    "impressum",
    "imprint",
    "about",
    "ueber-uns",
    "uber-uns",
    "über-uns",
    "a-propos",
    "apropos",
    "qui-sommes-nous",
    "chi-siamo",
    "sobre",
    "quienes-somos",
    "over-ons",
    "mentions-legales",
    "legal-notice",
    "aviso-legal",
    "colofon",
];

/// The observer [`extract`] reads a page with.
struct Collector<'p> {
    out: Extract,
    page_host: Option<&'p str>,
    /// Hosts of [`Extract::external_anchors`].
    anchor_hosts: HashSet<String>,
}

impl Observer for Collector<'_> {
    fn start_tag(&mut self, tag: &StartTag<'_>) {
        match tag.name() {
            b"html" => {
                if self.out.html_lang.is_none()
                    && let Some(lang) = attribute(tag, "lang")
                    && !lang.is_empty()
                {
                    self.out.html_lang = Some(lang);
                }
            }
            b"meta" => self.meta(tag),
            b"script" => self.url(tag, "src", EvidenceSource::Script),
            b"link" => self.url(tag, "href", EvidenceSource::Link),
            b"iframe" | b"frame" => self.url(tag, "src", EvidenceSource::Iframe),
            b"form" => self.url(tag, "action", EvidenceSource::Form),
            b"a" | b"area" => {
                if let Some(href) = attribute(tag, "href") {
                    self.anchor(&href);
                }
            }
            _ => {}
        }
    }

    fn script(&mut self, text: &str) {
        let room = MAX_INLINE_SCRIPT_BYTES.saturating_sub(self.out.inline_script.len());
        if room > 0 {
            let cut = text.floor_char_boundary(room.min(text.len()));
            self.out.inline_script.push_str(&text[..cut]);
            // Scripts are separate programs: a snippet never runs into the next one.
            if self.out.inline_script.len() < MAX_INLINE_SCRIPT_BYTES {
                self.out.inline_script.push('\n');
            }
        }
    }
}

impl Collector<'_> {
    fn meta(&mut self, tag: &StartTag<'_>) {
        if let Some(name) = attribute(tag, "name") {
            if name.eq_ignore_ascii_case("generator")
                && self.out.generator.is_none()
                && let Some(content) = attribute(tag, "content")
                && !content.is_empty()
            {
                self.out.generator = Some(content);
            }
        } else if let Some(equiv) = attribute(tag, "http-equiv")
            && equiv.eq_ignore_ascii_case("refresh")
            && let Some(content) = attribute(tag, "content")
            && let Some(target) = refresh_target(&content)
        {
            self.push_url(EvidenceSource::MetaRefresh, target.to_owned());
        }
    }

    fn url(&mut self, tag: &StartTag<'_>, name: &str, source: EvidenceSource) {
        if let Some(url) = attribute(tag, name)
            && !url.is_empty()
        {
            self.push_url(source, url);
        }
    }

    fn push_url(&mut self, source: EvidenceSource, url: String) {
        if self.out.urls.len() < MAX_URLS {
            self.out.urls.push(FoundUrl { source, url });
        }
    }

    fn anchor(&mut self, href: &str) {
        let lower_scheme = href.get(..7).map(str::to_ascii_lowercase);
        if lower_scheme.as_deref() == Some("mailto:") {
            self.out.has_contact_link = true;
            return;
        }
        if href.starts_with('#')
            || lower_scheme
                .as_deref()
                .is_some_and(|s| s.starts_with("tel:") || s.starts_with("javascr"))
        {
            return;
        }
        match url_host(href) {
            Some(host) if !same_site(&host, self.page_host) => {
                self.out.external_links += 1;
                if self.out.external_anchors.len() < MAX_URLS && self.anchor_hosts.insert(host) {
                    self.out.external_anchors.push(href.to_owned());
                }
            }
            _ => {
                self.out.internal_links += 1;
                if !self.out.has_contact_page {
                    let lower = href.to_ascii_lowercase();
                    if CONTACT_MARKERS.iter().any(|m| lower.contains(m)) {
                        self.out.has_contact_page = true;
                        self.out.has_contact_link = true;
                    }
                }
            }
        }
    }
}

/// An attribute's value, references decoded, trimmed and cut at [`MAX_ATTRIBUTE_BYTES`].
fn attribute(tag: &StartTag<'_>, name: &str) -> Option<String> {
    let value = tag.attribute(name)?;
    let trimmed = value.trim();
    let cut = trimmed.floor_char_boundary(MAX_ATTRIBUTE_BYTES.min(trimmed.len()));
    Some(trimmed[..cut].to_owned())
}

/// The URL of a meta refresh's `content` ("5; url=https://…"), when it names one.
pub fn refresh_target(content: &str) -> Option<&str> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("url")?;
    let rest = content[at + 3..].trim_start();
    let rest = rest.strip_prefix('=')?.trim();
    let rest = rest.trim_matches(|c| c == '\'' || c == '"');
    (!rest.is_empty()).then_some(rest)
}

/// The lower-cased host of an absolute (`scheme://host…`) or scheme-relative (`//host…`) URL,
/// without user info, port or trailing dot; `None` for a relative URL or an unusable host.
pub fn url_host(url: &str) -> Option<String> {
    let rest = if let Some(rest) = url.strip_prefix("//") {
        rest
    } else {
        let colon = url.find(':')?;
        let scheme = &url[..colon];
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return None;
        }
        url[colon + 1..].strip_prefix("//")?
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_once(']')
            .map_or(host, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host.split_once(':').map_or(host, |(h, _)| h)
    };
    let host = host.trim_end_matches('.');
    if host.is_empty()
        || !host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':') || b >= 0x80
        })
    {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// Whether `host` belongs to the page's own site: the same host, or the same once a leading
/// `www.` is dropped from either.
pub fn same_site(host: &str, page_host: Option<&str>) -> bool {
    let Some(page) = page_host else {
        return false;
    };
    let strip = |h: &'_ str| -> String {
        let h = h.trim_end_matches('.');
        h.strip_prefix("www.").unwrap_or(h).to_ascii_lowercase()
    };
    strip(host) == strip(page)
}

/// Reads a page. `page_host` is the host of its final URL (anchors to it count as
/// internal). Never panics; linear in the input, which is cut at [`MAX_HTML_BYTES`].
pub fn extract(html: &str, page_host: Option<&str>) -> Extract {
    let html = &html[..html.floor_char_boundary(MAX_HTML_BYTES)];
    let mut collector = Collector {
        out: Extract::default(),
        page_host,
        anchor_hosts: HashSet::new(),
    };
    let reading = dragnet_html::read(html, MAX_TEXT_BYTES, &mut collector);
    let mut out = collector.out;
    out.text = reading.text.visible;
    out.title = reading.text.title;
    out.text_chars = reading.chars;
    out.words = reading.words;
    if out.inline_script.ends_with('\n') {
        out.inline_script.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_what_the_analysis_needs() {
        let html = r#"<!doctype html><html lang="de-DE"><head><title> Hallo &amp; Welt </title>
            <meta name="generator" content="WordPress 6.5">
            <meta http-equiv="refresh" content="0; URL='https://park.example/lander'">
            <script src="https://cdn.example/js/app.js"></script>
            <script>window.dataLayer=[];gtag('config')</script>
            <style>body{color:red}</style>
            <link rel="stylesheet" href="/style.css"></head>
            <body><p>Gr&uuml;&szlig;e aus   Berlin</p><noscript>Bitte JS</noscript>
            <template><p>hidden</p></template>
            <a href="/kontakt">Kontakt</a><a href="https://www.site.example/x">x</a>
            <a href="https://other.example/">o</a><a href="mailto:a@b.example">m</a>
            <iframe src="//frame.example/f"></iframe><form action="https://buy.example/offer"></form>
            </body></html>"#;
        let e = extract(html, Some("site.example"));
        assert_eq!(e.title.as_deref(), Some("Hallo & Welt"));
        assert_eq!(e.html_lang.as_deref(), Some("de-DE"));
        assert_eq!(e.generator.as_deref(), Some("WordPress 6.5"));
        // Anchors are inline (they join the text around them) and `<noscript>` is shown to a
        // visitor without scripts: the text a browser shows.
        assert_eq!(e.text, "Grüße aus Berlin Bitte JS Kontaktx om");
        assert_eq!(e.words, 7);
        assert_eq!(e.internal_links, 2);
        assert_eq!(e.external_links, 1);
        assert_eq!(e.external_anchors, ["https://other.example/"]);
        assert!(e.has_contact_link);
        assert!(e.inline_script.contains("gtag("));
        let urls: Vec<_> = e.urls.iter().map(|u| (u.source, u.url.as_str())).collect();
        assert_eq!(
            urls,
            [
                (EvidenceSource::MetaRefresh, "https://park.example/lander"),
                (EvidenceSource::Script, "https://cdn.example/js/app.js"),
                (EvidenceSource::Link, "/style.css"),
                (EvidenceSource::Iframe, "//frame.example/f"),
                (EvidenceSource::Form, "https://buy.example/offer"),
            ]
        );
    }

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://User@WWW.Example.COM.:8080/x").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            url_host("//cdn.example/x?y").as_deref(),
            Some("cdn.example")
        );
        assert_eq!(url_host("/relative/path"), None);
        assert_eq!(url_host("page.html"), None);
        assert_eq!(url_host("javascript:void(0)"), None);
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert!(same_site("www.a.example", Some("a.example")));
        assert!(!same_site("b.example", Some("a.example")));
        assert_eq!(refresh_target("3;url=/x"), Some("/x"));
        assert_eq!(refresh_target("3"), None);
    }

    #[test]
    fn caps_hold() {
        let long = "<p>word </p>".repeat(20_000);
        let e = extract(&long, None);
        assert!(e.text.len() <= MAX_TEXT_BYTES);
        assert_eq!(e.words, 20_000);
        let title = format!("<title>{}</title>", "t".repeat(5000));
        assert_eq!(
            extract(&title, None).title.map(|t| t.chars().count()),
            Some(dragnet_html::MAX_TITLE_CHARS)
        );
    }
}
