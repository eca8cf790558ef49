//! The one pass over a page's HTML: everything the analysis reads from the markup, collected
//! by `lol_html` (Cloudflare's streaming HTML rewriter, used read-only) in a single streaming
//! pass.
//!
//! Collected: the visible text (text nodes outside `<script>`, `<style>`, `<noscript>` and
//! `<template>`, character references decoded for the common cases), counters of its
//! characters and words, the first `<title>`, `<html lang>`, `<meta name=generator>`, the URLs
//! of scripts, stylesheets/links, iframes, forms and meta refreshes, the first bytes of inline
//! scripts (analytics snippets load their code from there), and the page's anchors: how many
//! point inside the site and how many outside, and whether one leads to a contact, about or
//! imprint page.
//!
//! Work is bounded whatever the input: the page is cut at [`MAX_HTML_BYTES`], the kept text
//! and inline script at fixed caps, the URL list at [`MAX_URLS`], and `lol_html` runs with a
//! memory ceiling and `strict: false`. Should the tokenizer fail anyway, what was collected up
//! to the failure is kept (the page is read as far as it could be) — never a panic.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use dragnet_domain::content::EvidenceSource;
use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{
    DocumentContentHandlers, ElementContentHandlers, HandlerResult, HtmlRewriter, MemorySettings,
    Selector, Settings,
};

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
/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 512;
/// The tokenizer's memory ceiling (it buffers a token split across two input pieces).
const MEMORY_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// Input is handed to the tokenizer in pieces of this size.
const FEED_BYTES: usize = 64 * 1024;
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

/// Where the text of the current raw-text element goes (`<title>` and `<textarea>` share a
/// text type, so the last start tag tells them apart; neither can hold other elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RcOwner {
    Title,
    Other,
}

struct State<'p> {
    out: Extract,
    page_host: Option<&'p str>,
    rc_owner: RcOwner,
    title: String,
    title_done: bool,
    in_title: bool,
    /// `<template>` elements open; shared with their end-tag handlers, which must be
    /// `'static`.
    template_depth: Rc<Cell<u32>>,
    /// Whether the last character added to the text was a separator (or there is none yet).
    pending_space: bool,
    /// Whether the word counter is inside a word.
    in_word: bool,
    /// A character reference split across two chunks, carried to the next.
    carry: String,
    /// Hosts of [`Extract::external_anchors`].
    anchor_hosts: HashSet<String>,
}

impl<'p> State<'p> {
    fn new(page_host: Option<&'p str>) -> Self {
        Self {
            out: Extract::default(),
            page_host,
            rc_owner: RcOwner::Other,
            title: String::new(),
            title_done: false,
            in_title: false,
            template_depth: Rc::new(Cell::new(0)),
            pending_space: false,
            in_word: false,
            carry: String::new(),
            anchor_hosts: HashSet::new(),
        }
    }

    fn text(&mut self, kind: TextType, chunk: &str, last: bool) {
        match kind {
            TextType::Data if self.template_depth.get() == 0 => self.visible(chunk, last),
            TextType::PlainText => self.visible(chunk, last),
            TextType::RCData => match self.rc_owner {
                RcOwner::Title if !self.title_done => {
                    self.in_title = true;
                    if self.title.len() < MAX_TITLE_CHARS * 4 {
                        self.title.push_str(chunk);
                    }
                    if last {
                        self.finish_title();
                    }
                }
                RcOwner::Title => {}
                RcOwner::Other => self.visible(chunk, last),
            },
            TextType::ScriptData => {
                let room = MAX_INLINE_SCRIPT_BYTES.saturating_sub(self.out.inline_script.len());
                if room > 0 {
                    let cut = chunk.floor_char_boundary(room.min(chunk.len()));
                    self.out.inline_script.push_str(&chunk[..cut]);
                }
            }
            // Style sheets, `<noscript>` (this reader runs no scripts, but neither do the
            // parking pages' visitors see it), `<xmp>`, iframe fallback, CDATA, template.
            _ => {}
        }
    }

    fn finish_title(&mut self) {
        self.in_title = false;
        let mut collapsed = String::with_capacity(self.title.len());
        push_collapsed(&mut collapsed, &decode_entities(&self.title), &mut true);
        let collapsed = collapsed.trim_end();
        if !collapsed.is_empty() {
            let cut = collapsed
                .char_indices()
                .nth(MAX_TITLE_CHARS)
                .map_or(collapsed.len(), |(i, _)| i);
            self.out.title = Some(collapsed[..cut].trim_end().to_owned());
            self.title_done = true;
        }
        self.title.clear();
    }

    /// Adds visible text: decodes character references, counts characters and words,
    /// collapses whitespace into the kept text.
    fn visible(&mut self, chunk: &str, last: bool) {
        let joined;
        let mut chunk = chunk;
        if !self.carry.is_empty() {
            joined = std::mem::take(&mut self.carry) + chunk;
            chunk = &joined;
        }
        // A reference cut by the chunk boundary is carried over to the next chunk of the
        // same text node.
        if !last
            && let Some(amp) = chunk.rfind('&')
            && chunk.len() - amp < 12
            && !chunk[amp..].contains(';')
        {
            self.carry = chunk[amp..].to_owned();
            chunk = &chunk[..amp];
        }
        let decoded = decode_entities(chunk);
        for c in decoded.chars() {
            // Most text is ASCII: letters, digits and spaces decide everything there.
            if c.is_ascii() {
                let b = c as u8;
                if b.is_ascii_whitespace() || b.is_ascii_control() {
                    self.in_word = false;
                    self.pending_space = true;
                    continue;
                }
                let alnum = b.is_ascii_alphanumeric();
                self.push_char(c, alnum);
                continue;
            }
            let space = c.is_whitespace() || c.is_control();
            if space {
                self.in_word = false;
                self.pending_space = true;
                continue;
            }
            if matches!(c, '\u{ad}' | '\u{200b}' | '\u{2060}' | '\u{feff}') {
                continue;
            }
            // Typographic apostrophes read as the ASCII one, so that phrase lists need one
            // spelling.
            let c = if c == '\u{2019}' { '\'' } else { c };
            self.push_char(c, c.is_alphanumeric());
        }
        if last {
            // Elements separate text (the few inline ones that would join it are not worth
            // telling apart here: words split by `<b>` are rare in the phrases looked for).
            self.pending_space = true;
            self.in_word = false;
        }
    }

    /// Adds one non-space character of visible text.
    fn push_char(&mut self, c: char, alnum: bool) {
        if alnum && !self.in_word {
            self.out.words += 1;
        }
        self.in_word = alnum;
        let add_space = self.pending_space && self.out.text_chars > 0;
        self.pending_space = false;
        self.out.text_chars += 1 + u64::from(add_space);
        let text = &mut self.out.text;
        if text.len() + 8 <= MAX_TEXT_BYTES {
            if add_space {
                text.push(' ');
            }
            text.push(c);
        }
    }

    fn element(&mut self, el: &Element<'_, '_>) {
        let name = el.tag_name();
        match name.as_str() {
            "title" => self.rc_owner = RcOwner::Title,
            "textarea" => self.rc_owner = RcOwner::Other,
            "html" => {
                if self.out.html_lang.is_none()
                    && let Some(lang) = attribute(el, "lang")
                    && !lang.is_empty()
                {
                    self.out.html_lang = Some(lang);
                }
            }
            "meta" => self.meta(el),
            "script" => self.url(el, "src", EvidenceSource::Script),
            "link" => self.url(el, "href", EvidenceSource::Link),
            "iframe" | "frame" => self.url(el, "src", EvidenceSource::Iframe),
            "form" => self.url(el, "action", EvidenceSource::Form),
            "a" | "area" => {
                if let Some(href) = attribute(el, "href") {
                    self.anchor(&href);
                }
            }
            _ => {}
        }
    }

    fn meta(&mut self, el: &Element<'_, '_>) {
        if let Some(name) = attribute(el, "name") {
            if name.eq_ignore_ascii_case("generator")
                && self.out.generator.is_none()
                && let Some(content) = attribute(el, "content")
                && !content.is_empty()
            {
                self.out.generator = Some(content);
            }
        } else if let Some(equiv) = attribute(el, "http-equiv")
            && equiv.eq_ignore_ascii_case("refresh")
            && let Some(content) = attribute(el, "content")
            && let Some(target) = refresh_target(&content)
        {
            self.push_url(EvidenceSource::MetaRefresh, target.to_owned());
        }
    }

    fn url(&mut self, el: &Element<'_, '_>, attr: &str, source: EvidenceSource) {
        if let Some(url) = attribute(el, attr)
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

/// An attribute's value, trimmed and cut at [`MAX_ATTRIBUTE_BYTES`].
fn attribute(el: &Element<'_, '_>, name: &str) -> Option<String> {
    let mut value = el.get_attribute(name)?;
    let trimmed = value.trim();
    if trimmed.len() != value.len() {
        value = trimmed.to_owned();
    }
    if value.len() > MAX_ATTRIBUTE_BYTES {
        let cut = value.floor_char_boundary(MAX_ATTRIBUTE_BYTES);
        value.truncate(cut);
    }
    Some(value)
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

/// Appends `s` to `out` with whitespace runs collapsed to one space; `at_start` says whether
/// `out` has no text yet (leading whitespace is dropped) and is updated.
fn push_collapsed(out: &mut String, s: &str, at_start: &mut bool) {
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !*at_start {
            out.push(' ');
        }
        space = false;
        *at_start = false;
        out.push(c);
    }
    if space && !*at_start {
        out.push(' ');
    }
}

/// Decodes the character references a page's text commonly uses: numeric ones and the named
/// ones of Latin-script languages and typography. Anything else is left as written (the
/// analysis needs words and phrases, not a faithful rendering).
pub fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(10)
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
            .map_or(after.len().min(10), |(i, _)| i);
        let name = &after[..after.floor_char_boundary(end)];
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                num.parse::<u32>().ok()
            };
            code.map(|c| char::from_u32(c).unwrap_or('\u{fffd}'))
        } else {
            named_entity(name)
        };
        match decoded {
            Some(c) => {
                out.push(c);
                let consumed = name.len();
                rest = &after[consumed..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" | "rsquo" | "lsquo" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bdquo" => '„',
        "middot" => '·',
        "szlig" => 'ß',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "euml" => 'ë',
        "iuml" => 'ï',
        "aacute" => 'á',
        "eacute" => 'é',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "Eacute" => 'É',
        "agrave" => 'à',
        "egrave" => 'è',
        "igrave" => 'ì',
        "ograve" => 'ò',
        "ugrave" => 'ù',
        "Agrave" => 'À',
        "acirc" => 'â',
        "ecirc" => 'ê',
        "icirc" => 'î',
        "ocirc" => 'ô',
        "ucirc" => 'û',
        "atilde" => 'ã',
        "otilde" => 'õ',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        "Ccedil" => 'Ç',
        "iexcl" => '¡',
        "iquest" => '¿',
        "ordf" => 'ª',
        "ordm" => 'º',
        _ => return None,
    })
}

/// Reads a page. `page_host` is the host of its final URL (anchors to it count as
/// internal). Never panics; linear in the input, which is cut at [`MAX_HTML_BYTES`].
pub fn extract(html: &str, page_host: Option<&str>) -> Extract {
    let html = &html[..html.floor_char_boundary(MAX_HTML_BYTES)];
    let state = RefCell::new(State::new(page_host));
    let result = run(html, &state);
    let mut state = state.into_inner();
    if state.in_title {
        state.finish_title();
    }
    // A tokenizer error (memory ceiling) leaves what was read so far, which is the best
    // reading of such a page there is; it is not worth failing the page for.
    let _ = result;
    state.out
}

fn run(html: &str, state: &RefCell<State<'_>>) -> Result<(), lol_html::errors::RewritingError> {
    let mut memory_settings = MemorySettings::new();
    memory_settings.max_allowed_memory_usage = MEMORY_LIMIT_BYTES;
    let element_handler = |el: &mut Element<'_, '_>| -> HandlerResult {
        state.borrow_mut().element(el);
        Ok(())
    };
    let depth = Rc::clone(&state.borrow().template_depth);
    let template_handler = move |el: &mut Element<'_, '_>| -> HandlerResult {
        // Content of a `<template>` is inert until a script clones it: not visible.
        if let Some(handlers) = el.end_tag_handlers() {
            depth.set(depth.get().saturating_add(1));
            let depth = Rc::clone(&depth);
            handlers.push(Box::new(move |_end| {
                depth.set(depth.get().saturating_sub(1));
                Ok(())
            }));
        }
        Ok(())
    };
    let selector: Selector = SELECTORS
        .parse()
        .map_err(|_| lol_html::errors::RewritingError::ContentHandlerError("selector".into()))?;
    let template: Selector = "template"
        .parse()
        .map_err(|_| lol_html::errors::RewritingError::ContentHandlerError("selector".into()))?;
    let settings = Settings {
        element_content_handlers: vec![
            (
                std::borrow::Cow::Owned(selector),
                ElementContentHandlers::default().element(element_handler),
            ),
            (
                std::borrow::Cow::Owned(template),
                ElementContentHandlers::default().element(template_handler),
            ),
        ],
        document_content_handlers: vec![DocumentContentHandlers::default().text(
            |chunk: &mut TextChunk<'_>| -> HandlerResult {
                state.borrow_mut().text(
                    chunk.text_type(),
                    chunk.as_str(),
                    chunk.last_in_text_node(),
                );
                Ok(())
            },
        )],
        memory_settings,
        strict: false,
        ..Settings::new()
    };
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let mut rest = html;
    while !rest.is_empty() {
        let (piece, tail) =
            rest.split_at(rest.floor_char_boundary(FEED_BYTES).max(1).min(rest.len()));
        rewriter.write(piece.as_bytes())?;
        rest = tail;
    }
    rewriter.end()
}

/// The elements [`State::element`] reads.
const SELECTORS: &str = "html, title, textarea, meta, script[src], link[href], iframe[src], frame[src], form[action], a[href], area[href]";

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
        assert_eq!(e.text, "Grüße aus Berlin Kontakt x o m");
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
    fn entities() {
        assert_eq!(
            decode_entities("a &amp; b &#233;&#xE9; &nope; &"),
            "a & b éé &nope; &"
        );
        assert_eq!(decode_entities("caf&eacute"), "café");
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
            Some(MAX_TITLE_CHARS)
        );
    }
}
