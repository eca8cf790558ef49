//! Lead extraction for the `lead_extraction` phase (SPEC §2.5): from one stored page (and the
//! contact pages fetched besides it), the ways to reach the organisation behind a domain —
//! e-mail addresses, phone numbers in E.164, social profiles — each with where it was found,
//! the organisation's name and postal address, and the site's contact pages.
//!
//! ```
//! use dragnet_analysis::leads::{LeadExtractor, LeadPage};
//! use dragnet_domain::config::leads::LeadExtractionConfig;
//! use dragnet_domain::leads::ContactKind;
//!
//! let extractor = LeadExtractor::new(&LeadExtractionConfig::default()).expect("rules");
//! let lead = extractor.extract(&LeadPage {
//!     html: r#"<title>Kontakt | Rohr Meier GmbH</title>
//!         <p>Tel. 089 1234567 · <a href="mailto:info@rohr-meier.de">Mail</a></p>
//!         <a href="https://www.linkedin.com/company/rohr-meier/">LinkedIn</a>
//!         <a href="https://twitter.com/intent/tweet?url=x">Share</a>
//!         <a href="/impressum">Impressum</a>"#,
//!     page_url: "https://www.rohr-meier.de/",
//!     default_region: None,
//! });
//! let contacts: Vec<_> = lead.contacts.iter().map(|c| c.normalized.as_str()).collect();
//! assert_eq!(
//!     contacts,
//!     ["info@rohr-meier.de", "+49891234567", "https://linkedin.com/company/rohr-meier"]
//! );
//! assert_eq!(lead.organisation.as_deref(), Some("Rohr Meier GmbH"));
//! assert_eq!(lead.contact_pages, ["https://www.rohr-meier.de/impressum"]);
//! assert!(lead.contacts[0].role && lead.contacts[0].kind == ContactKind::Email);
//! ```
//!
//! **One pass.** The page is read once by [`dragnet_html::read_text`] with an observer that takes
//! from the start tags what the text does not show — `mailto:` and `tel:` links, profile
//! links, Cloudflare-protected addresses, `<meta>` tags (`og:site_name`, `twitter:site`,
//! `article:publisher`, `og:email`, `og:phone_number`), JSON-LD scripts, `<base href>`,
//! `<html lang>` — and the same-site links with their text (through the reader's text
//! offsets). Then the visible text is searched for e-mail addresses ([`email`]) and phone
//! numbers ([`phone`]). Profiles are recognised by [`social`], JSON-LD read by [`jsonld`],
//! contact pages and the title's organisation name by [`pages`]; the rules are the data
//! files `data/contacts.toml` and `data/contact_pages.toml` ([`rules`]).
//!
//! **Region** of national phone numbers, first known of: [`LeadPage::default_region`] (the
//! caller's override), the page host's country-code TLD, the JSON-LD address's two-letter
//! `addressCountry` (the site's own statement), the configuration's `defaultPhoneRegion` (the
//! campaign's fallback, for generic TLDs), the region subtag of `<html lang>` (`de-AT`; often
//! a CMS default, so last).
//!
//! **Invariant:** no I/O; deterministic; never panics; work per page is bounded (the page is
//! cut at [`crate::html::MAX_HTML_BYTES`], the text at [`MAX_TEXT_BYTES`], links, JSON-LD
//! and phone parses are capped).

pub mod email;
pub mod jsonld;
pub mod pages;
mod rules;
pub mod social;

pub mod phone;

use std::sync::LazyLock;

use dragnet_domain::config::leads::LeadExtractionConfig;
use dragnet_domain::leads::{
    Contact, ContactKind, ContactLocation, LeadExtract, OrganisationSource, dedup_contacts,
};
use dragnet_html::{EndTag, Observer, StartTag};
use url::Url;

pub use email::{
    FoundEmail, decode_cfemail, emails_in_text, is_role_address, mailto_addresses, normalize_email,
};
pub use phone::{FoundPhone, normalize_phone, phones_in_text, region_from_host};
pub use social::{Profile, social_profile};

use crate::SignatureError;
use crate::html::{MAX_HTML_BYTES, url_host};
use rules::Rules;

/// Visible text searched for e-mails and phone numbers, in bytes: footers, where contact
/// details sit, come last, so the whole text of any real page is read.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Same-site links remembered per page (for contact pages).
const MAX_LINKS: usize = 1024;
/// Longest attribute value looked at.
const MAX_ATTRIBUTE_BYTES: usize = 4096;
/// Most raw contacts (before deduplication) gathered per page.
const MAX_RAW: usize = 4096;

/// What every page protected by Cloudflare's e-mail obfuscation contains (the
/// `/cdn-cgi/l/email-protection` link, and the decoder script under `/cdn-cgi/`): pages
/// without it skip the `data-cfemail` look-up on every tag.
static CLOUDFLARE: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("cdn-cgi"));

/// A page to extract leads from: the input of [`LeadExtractor::extract`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadPage<'a> {
    /// The decoded HTML (lossy UTF-8 is fine).
    pub html: &'a str,
    /// The URL the page was fetched from (after redirects): relative links are resolved
    /// against it, the site is its host, and every contact's `source_url` is it.
    pub page_url: &'a str,
    /// The region (ISO 3166-1 alpha-2, any case) national phone numbers are read in,
    /// overriding everything else; when `None` (the usual case), the page host's
    /// country-code TLD, then the page's JSON-LD country, then the configuration's
    /// `defaultPhoneRegion` (see the module documentation).
    pub default_region: Option<&'a str>,
}

/// Extracts leads with one campaign's configuration: the rules and automata are built once
/// (`new`), pages are read with shared references. Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct LeadExtractor {
    rules: &'static Rules,
    max_contacts: usize,
    default_region: Option<String>,
}

impl LeadExtractor {
    /// An extractor for this configuration (its `maxContactsPerDomain` and
    /// `defaultPhoneRegion`). Fails only if the compiled-in rules are broken, which the
    /// crate's tests rule out. Loads the phone metadata, so the first page pays nothing.
    pub fn new(config: &LeadExtractionConfig) -> Result<Self, SignatureError> {
        let rules = rules::rules()?;
        // Load the phone metadata (parsed from its compiled-in form on first use) now.
        let _ = phone::normalize_phone("+49 30 1234567", None);
        Ok(Self {
            rules,
            max_contacts: usize::try_from(config.max_contacts_per_domain()).unwrap_or(usize::MAX),
            default_region: config.default_phone_region().map(str::to_owned),
        })
    }

    /// Most contacts kept per domain.
    pub fn max_contacts(&self) -> usize {
        self.max_contacts
    }

    /// Extracts the leads of one page. Never panics; deterministic; bounded work.
    pub fn extract(&self, page: &LeadPage<'_>) -> LeadExtract {
        let html = &page.html[..page.html.floor_char_boundary(MAX_HTML_BYTES)];
        let page_url = Url::parse(page.page_url.trim()).ok();
        let page_host = page_url
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_owned))
            .or_else(|| url_host(page.page_url));
        let mut collector = Collector {
            rules: self.rules,
            page_host: page_host.as_deref(),
            cloudflare: CLOUDFLARE.find(html.as_bytes()).is_some(),
            raw: Vec::new(),
            phones: Vec::new(),
            jsonld: jsonld::JsonLdFacts::default(),
            jsonld_next: false,
            jsonld_scripts: 0,
            og_site_name: None,
            html_lang: None,
            base: None,
            links: Vec::new(),
            open_link: None,
        };
        let reading = dragnet_html::read_text(html, MAX_TEXT_BYTES, &mut collector);
        let text = &reading.visible;
        collector.close_link(text.len());

        let region = page
            .default_region
            .map(str::to_owned)
            .or_else(|| page_host.as_deref().and_then(region_from_host))
            .or_else(|| {
                let address = collector.jsonld.address()?;
                let country = address.country?;
                phone::country(Some(&country)).map(|_| country.to_ascii_uppercase())
            })
            .or_else(|| self.default_region.clone())
            .or_else(|| {
                let lang = collector.html_lang.as_deref()?;
                let sub = lang.split(['-', '_']).nth(1)?;
                (sub.len() == 2)
                    .then(|| sub.to_ascii_uppercase())
                    .filter(|r| phone::country(Some(r)).is_some())
            });
        let country = phone::country(region.as_deref());

        let mut raw = std::mem::take(&mut collector.raw);
        // JSON-LD's contacts.
        for value in &collector.jsonld.emails {
            let value = email::strip_prefix_ignore_case(value, "mailto:").unwrap_or(value);
            if let Some(normalized) = email::normalize_with(self.rules, value) {
                raw.push(Raw::email(value, normalized, ContactLocation::JsonLd));
            }
        }
        for url in &collector.jsonld.same_as {
            if let Some(profile) = social::profile_with(self.rules, url) {
                raw.push(Raw::social(url, profile, ContactLocation::JsonLd));
            }
        }
        // Phones: links and tags first (their region is only known now), then JSON-LD.
        let mut phones = std::mem::take(&mut collector.phones);
        phones.extend(
            collector
                .jsonld
                .phones
                .iter()
                .map(|p| (p.clone(), ContactLocation::JsonLd)),
        );
        for (value, location) in phones {
            if let Some(normalized) = phone::normalize_phone(&value, region.as_deref()) {
                let value = value.trim();
                let value = ["tel:", "callto:"]
                    .iter()
                    .find_map(|s| email::strip_prefix_ignore_case(value, s))
                    .unwrap_or(value);
                raw.push(Raw::phone(
                    &email::percent_decode(value),
                    normalized,
                    location,
                ));
            }
        }
        // The visible text.
        for found in email::find_with(self.rules, text) {
            let location = if found.obfuscated {
                ContactLocation::ObfuscatedText
            } else {
                ContactLocation::Text
            };
            raw.push(Raw::email(&found.value, found.normalized, location));
        }
        for found in phone::find_with(self.rules, text, country) {
            raw.push(Raw::phone(
                &found.value,
                found.normalized,
                ContactLocation::Text,
            ));
        }
        raw.truncate(MAX_RAW);

        let source_url = page.page_url.trim();
        let contacts: Vec<Contact> = raw
            .into_iter()
            .map(|r| {
                let role = r.kind == ContactKind::Email
                    && self.rules.role_locals.contains(
                        r.normalized
                            .split('@')
                            .next()
                            .unwrap_or_default()
                            .split('+')
                            .next()
                            .unwrap_or_default(),
                    );
                Contact {
                    kind: r.kind,
                    value: r.value,
                    normalized: r.normalized,
                    role,
                    network: r.network,
                    source_url: source_url.to_owned(),
                    location: r.location,
                }
            })
            .collect();
        let contacts = dedup_contacts(contacts, self.max_contacts);

        // Organisation: JSON-LD, og:site_name, title (read as a home page's title when the
        // path is `/` or a start page's).
        let home = page_url.as_ref().is_none_or(|u| {
            let path = u.path().to_ascii_lowercase();
            path == "/"
                || ["/index", "/home", "/start"]
                    .iter()
                    .any(|p| path.starts_with(p) && path.len() <= p.len() + 5)
        });
        let (organisation, organisation_source) =
            if let Some((name, _)) = collector.jsonld.organisation.clone() {
                (Some(name), Some(OrganisationSource::JsonLd))
            } else if let Some(name) = collector.og_site_name.clone() {
                (Some(name), Some(OrganisationSource::OgSiteName))
            } else if let Some(name) = reading
                .title
                .as_deref()
                .and_then(|t| pages::organisation_from_title(t, page_host.as_deref(), home))
            {
                (Some(name), Some(OrganisationSource::Title))
            } else {
                (None, None)
            };

        LeadExtract {
            organisation,
            organisation_source,
            postal_address: collector.jsonld.address(),
            contact_pages: self.contact_pages(&collector, page_url.as_ref(), text),
            contacts,
        }
    }

    fn contact_pages(
        &self,
        collector: &Collector<'_>,
        page_url: Option<&Url>,
        text: &str,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let Some(page_url) = page_url else {
            return out;
        };
        let base = collector
            .base
            .as_deref()
            .and_then(|b| page_url.join(b).ok())
            .unwrap_or_else(|| page_url.clone());
        for link in &collector.links {
            if out.len() >= pages::MAX_CONTACT_PAGES {
                break;
            }
            let start = link.start.min(text.len());
            let end = link.end.clamp(start, text.len());
            let link_text = text.get(start..end).unwrap_or_default();
            if !pages::is_contact_link(self.rules, &link.href, link_text) {
                continue;
            }
            if let Some(url) = pages::resolve_contact_link(&base, page_url, &link.href)
                && !out.contains(&url)
            {
                out.push(url);
            }
        }
        out
    }

    /// Extracts the leads of a domain's main page and merges those of its other pages (the
    /// contact pages the phase fetched) into them, in order: see [`LeadExtract::merge`].
    pub fn extract_many(&self, main: &LeadPage<'_>, others: &[LeadPage<'_>]) -> LeadExtract {
        let mut lead = self.extract(main);
        for page in others {
            self.merge(&mut lead, self.extract(page));
        }
        lead
    }

    /// Merges another page's extract into `lead`, capped at `maxContactsPerDomain`: see
    /// [`LeadExtract::merge`].
    pub fn merge(&self, lead: &mut LeadExtract, other: LeadExtract) {
        lead.merge(other, self.max_contacts);
    }
}

/// A contact as gathered, before deduplication.
struct Raw {
    kind: ContactKind,
    value: String,
    normalized: String,
    network: Option<dragnet_domain::leads::SocialNetwork>,
    location: ContactLocation,
}

impl Raw {
    fn email(value: &str, normalized: String, location: ContactLocation) -> Self {
        Self {
            kind: ContactKind::Email,
            value: value.trim().to_owned(),
            normalized,
            network: None,
            location,
        }
    }

    fn phone(value: &str, normalized: String, location: ContactLocation) -> Self {
        Self {
            kind: ContactKind::Phone,
            value: value.trim().to_owned(),
            normalized,
            network: None,
            location,
        }
    }

    fn social(value: &str, profile: Profile, location: ContactLocation) -> Self {
        Self {
            kind: ContactKind::Social,
            value: value.trim().to_owned(),
            normalized: profile.url,
            network: Some(profile.network),
            location,
        }
    }
}

/// A same-site link and where its text lies in the visible text.
struct Link {
    href: String,
    start: usize,
    end: usize,
}

/// The observer the page is read with.
struct Collector<'p> {
    rules: &'static Rules,
    page_host: Option<&'p str>,
    /// Whether the page mentions Cloudflare's e-mail protection at all (else no tag is asked
    /// for `data-cfemail`).
    cloudflare: bool,
    raw: Vec<Raw>,
    /// Phone numbers from links and tags, parsed once the region is known.
    phones: Vec<(String, ContactLocation)>,
    jsonld: jsonld::JsonLdFacts,
    /// The last start tag was a JSON-LD `<script>`.
    jsonld_next: bool,
    jsonld_scripts: usize,
    og_site_name: Option<String>,
    html_lang: Option<String>,
    base: Option<String>,
    links: Vec<Link>,
    /// The open `<a>`: its href (when worth remembering) and where its text starts.
    open_link: Option<(String, usize)>,
}

/// An attribute's value, trimmed, cut at [`MAX_ATTRIBUTE_BYTES`].
fn attribute(tag: &StartTag<'_>, name: &str) -> Option<String> {
    let value = tag.attribute(name)?;
    let trimmed = value.trim();
    let cut = trimmed.floor_char_boundary(MAX_ATTRIBUTE_BYTES.min(trimmed.len()));
    Some(trimmed[..cut].to_owned())
}

impl Observer for Collector<'_> {
    fn start_tag(&mut self, tag: &StartTag<'_>) {
        self.jsonld_next = false;
        let name = tag.name();
        if self.cloudflare
            && let Some(hex) = tag.attribute("data-cfemail")
            && let Some(address) = decode_cfemail(&hex)
            && let Some(normalized) = email::normalize_with(self.rules, &address)
        {
            self.push(Raw::email(&address, normalized, ContactLocation::CfEmail));
        }
        match name {
            b"a" | b"area" => {
                // An `<a>` inside an open one closes it, as the tree builder does.
                self.close_link(tag.text_len());
                if let Some(href) = attribute(tag, "href") {
                    self.anchor(href, tag.text_len());
                }
            }
            b"meta" => self.meta(tag),
            b"script" => {
                self.jsonld_next = self.jsonld_scripts < jsonld::MAX_SCRIPTS
                    && tag
                        .attribute("type")
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
            }
            b"link" => {
                if let Some(rel) = tag.attribute("rel")
                    && rel
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("me"))
                    && let Some(href) = attribute(tag, "href")
                    && let Some(profile) = social::profile_with(self.rules, &href)
                {
                    self.push(Raw::social(&href, profile, ContactLocation::Link));
                }
            }
            b"html" if self.html_lang.is_none() => self.html_lang = attribute(tag, "lang"),
            b"base" if self.base.is_none() => self.base = attribute(tag, "href"),
            _ => {}
        }
    }

    fn end_tag(&mut self, tag: &EndTag) {
        if tag.name() == b"a" {
            self.close_link(tag.text_len());
        }
    }

    fn script(&mut self, text: &str) {
        if self.jsonld_next {
            self.jsonld_next = false;
            self.jsonld_scripts += 1;
            self.jsonld.read(text);
        }
    }
}

impl Collector<'_> {
    fn push(&mut self, raw: Raw) {
        if self.raw.len() < MAX_RAW {
            self.raw.push(raw);
        }
    }

    fn close_link(&mut self, text_len: usize) {
        if let Some((href, start)) = self.open_link.take()
            && self.links.len() < MAX_LINKS
        {
            self.links.push(Link {
                href,
                start,
                end: text_len,
            });
        }
    }

    fn anchor(&mut self, href: String, text_len: usize) {
        let head = href.get(..7).unwrap_or(&href).to_ascii_lowercase();
        if head.starts_with("mailto:") {
            for found in mailto_addresses(&href) {
                self.push(Raw::email(
                    &found.value,
                    found.normalized,
                    ContactLocation::Link,
                ));
            }
            return;
        }
        if head.starts_with("tel:") || head.starts_with("callto:") {
            if self.phones.len() < MAX_RAW {
                self.phones.push((href, ContactLocation::Link));
            }
            return;
        }
        if self.cloudflare
            && let Some(at) = href.find("/cdn-cgi/l/email-protection#")
            && let Some(address) = decode_cfemail(&href[at + 28..])
            && let Some(normalized) = email::normalize_with(self.rules, &address)
        {
            self.push(Raw::email(&address, normalized, ContactLocation::CfEmail));
            return;
        }
        if href.contains("//")
            && let Some(profile) = social::profile_with(self.rules, &href)
        {
            self.push(Raw::social(&href, profile, ContactLocation::Link));
            return;
        }
        if pages::may_be_internal(&href, self.page_host) {
            self.open_link = Some((href, text_len));
        }
    }

    fn meta(&mut self, tag: &StartTag<'_>) {
        let Some(key) = tag.attribute("property").or_else(|| tag.attribute("name")) else {
            return;
        };
        let key = key.trim().to_ascii_lowercase();
        match key.as_str() {
            "og:site_name" => {
                if self.og_site_name.is_none()
                    && let Some(content) = attribute(tag, "content")
                {
                    let content: String = content.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !content.is_empty() {
                        self.og_site_name = Some(content.chars().take(120).collect());
                    }
                }
            }
            "twitter:site" | "twitter:creator" => {
                if let Some(content) = attribute(tag, "content") {
                    let url = match content.strip_prefix('@') {
                        Some(handle) => format!("https://x.com/{handle}"),
                        None => content.clone(),
                    };
                    if let Some(profile) = social::profile_with(self.rules, &url) {
                        self.push(Raw::social(&content, profile, ContactLocation::Meta));
                    }
                }
            }
            "article:publisher" | "article:author" | "og:see_also" => {
                if let Some(content) = attribute(tag, "content")
                    && let Some(profile) = social::profile_with(self.rules, &content)
                {
                    self.push(Raw::social(&content, profile, ContactLocation::Meta));
                }
            }
            "og:email" => {
                if let Some(content) = attribute(tag, "content")
                    && let Some(normalized) = email::normalize_with(self.rules, &content)
                {
                    self.push(Raw::email(&content, normalized, ContactLocation::Meta));
                }
            }
            "og:phone_number" => {
                if let Some(content) = attribute(tag, "content")
                    && self.phones.len() < MAX_RAW
                {
                    self.phones.push((content, ContactLocation::Meta));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dragnet_domain::leads::SocialNetwork;

    fn extractor() -> LeadExtractor {
        LeadExtractor::new(&LeadExtractionConfig::default()).unwrap()
    }

    #[test]
    fn extractor_is_shareable_between_threads() {
        fn check<T: Send + Sync + Clone>() {}
        check::<LeadExtractor>();
    }

    #[test]
    fn every_source_on_one_page() {
        let cf = {
            let key = 0x5au8;
            let mut hex = format!("{key:02x}");
            for b in "office@tischlerei-holz.de".bytes() {
                hex.push_str(&format!("{:02x}", b ^ key));
            }
            hex
        };
        let html = format!(
            r#"<html lang="de"><head><title>Startseite | Tischlerei Holz</title>
            <meta property="og:site_name" content="Tischlerei Holz">
            <meta name="twitter:site" content="@tischlerholz">
            <script type="application/ld+json">{{"@type":"LocalBusiness","name":"Tischlerei Holz GmbH",
              "telephone":"+49 40 1234567","email":"mailto:info@tischlerei-holz.de",
              "address":{{"@type":"PostalAddress","streetAddress":"Am Hafen 3","postalCode":"20457","addressLocality":"Hamburg"}},
              "sameAs":["https://www.instagram.com/tischlerholz/"]}}</script></head>
            <body><nav><a href="/ueber-uns">Über uns</a> <a href="/seite/7">Kontakt</a>
            <a href="https://www.facebook.com/sharer/sharer.php?u=x">Teilen</a></nav>
            <p>Werkstatt: <a href="tel:+49%2040%207654321">040 7654321</a></p>
            <p>Schreiben Sie an anna [at] tischlerei-holz [dot] de oder
            <span class="__cf_email__" data-cfemail="{cf}">[email&#160;protected]</span></p>
            <script src="/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"></script>
            <img src="/img/logo@2x.png" alt="logo@2x.png"><p>logo@2x.png</p>
            <footer>Tel. 040 1234567 · Fax 040 1234568 · <a href="https://github.com/tischlerholz">GitHub</a></footer>
            </body></html>"#
        );
        let lead = extractor().extract(&LeadPage {
            html: &html,
            page_url: "https://www.tischlerei-holz.de/",
            default_region: None,
        });
        let got: Vec<_> = lead
            .contacts
            .iter()
            .map(|c| (c.normalized.as_str(), c.location, c.role))
            .collect();
        assert_eq!(
            got,
            [
                ("office@tischlerei-holz.de", ContactLocation::CfEmail, true),
                ("info@tischlerei-holz.de", ContactLocation::JsonLd, true),
                (
                    "anna@tischlerei-holz.de",
                    ContactLocation::ObfuscatedText,
                    false
                ),
                ("+49407654321", ContactLocation::Link, false),
                ("+49401234567", ContactLocation::JsonLd, false),
                ("https://x.com/tischlerholz", ContactLocation::Meta, false),
                (
                    "https://github.com/tischlerholz",
                    ContactLocation::Link,
                    false
                ),
                (
                    "https://instagram.com/tischlerholz",
                    ContactLocation::JsonLd,
                    false
                ),
            ]
        );
        assert!(
            lead.contacts
                .iter()
                .all(|c| c.source_url == "https://www.tischlerei-holz.de/")
        );
        assert_eq!(
            lead.contacts
                .iter()
                .filter_map(|c| c.network)
                .collect::<Vec<_>>(),
            [
                SocialNetwork::X,
                SocialNetwork::Github,
                SocialNetwork::Instagram
            ]
        );
        assert_eq!(lead.organisation.as_deref(), Some("Tischlerei Holz GmbH"));
        assert_eq!(lead.organisation_source, Some(OrganisationSource::JsonLd));
        assert_eq!(
            lead.postal_address
                .as_ref()
                .and_then(|a| a.locality.as_deref()),
            Some("Hamburg")
        );
        assert_eq!(
            lead.contact_pages,
            [
                "https://www.tischlerei-holz.de/ueber-uns",
                "https://www.tischlerei-holz.de/seite/7"
            ]
        );
    }

    #[test]
    fn caps_and_merges() {
        let config: LeadExtractionConfig =
            serde_json_config(r#"{"maxContactsPerDomain": 3, "defaultPhoneRegion": "FR"}"#);
        let extractor = LeadExtractor::new(&config).unwrap();
        let html: String = (0..10).map(|i| format!("<p>m{i}@firma.fr</p>")).collect();
        let page = LeadPage {
            html: &html,
            page_url: "https://firma.com/",
            default_region: None,
        };
        let lead = extractor.extract(&page);
        assert_eq!(lead.contacts.len(), 3);
        let contact_page = LeadPage {
            html: "<title>Contact</title><p>Tél. : 01 23 45 67 89</p>",
            page_url: "https://firma.com/contact",
            default_region: None,
        };
        let merged = extractor.extract_many(&page, &[contact_page]);
        assert_eq!(merged.contacts.len(), 3);
        let phone = extractor.extract(&contact_page);
        assert_eq!(phone.contacts[0].normalized, "+33123456789");
        assert_eq!(phone.contacts[0].source_url, "https://firma.com/contact");
    }

    #[test]
    fn region_precedence() {
        let extractor =
            LeadExtractor::new(&serde_json_config(r#"{"defaultPhoneRegion": "FR"}"#)).unwrap();
        let phones = |html: &str, url: &str, region: Option<&str>| -> Vec<String> {
            extractor
                .extract(&LeadPage {
                    html,
                    page_url: url,
                    default_region: region,
                })
                .contacts
                .into_iter()
                .map(|c| c.normalized)
                .collect()
        };
        let de = "<p>Tel. 030 1234567</p>";
        // The ccTLD before the campaign's default; the caller's region before both.
        assert_eq!(phones(de, "https://firma.de/", None), ["+49301234567"]);
        // On a generic TLD the campaign's default decides (here wrongly: a French reading).
        assert_eq!(phones(de, "https://firma.com/", None), ["+33301234567"]);
        assert_eq!(
            phones(de, "https://firma.com/", Some("DE")),
            ["+49301234567"]
        );
        // The page's JSON-LD country before the campaign's default.
        let at = r#"<script type="application/ld+json">{"@type":"Organization","name":"A",
            "address":{"@type":"PostalAddress","addressCountry":"AT"}}</script><p>Tel. 01 234 5678</p>"#;
        assert_eq!(phones(at, "https://firma.com/", None), ["+4312345678"]);
        assert_eq!(
            phones("<p>Tél. 01 23 45 67 89</p>", "https://firma.com/", None),
            ["+33123456789"]
        );
    }

    fn serde_json_config(json: &str) -> LeadExtractionConfig {
        let input: dragnet_domain::config::leads::LeadExtractionConfigInput =
            serde_json::from_str(json).unwrap();
        LeadExtractionConfig::try_from(input).unwrap()
    }

    #[test]
    fn garbage_gives_nothing() {
        let lead = extractor().extract(&LeadPage {
            html: "<a href=mailto:>x</a><a href='tel:'>y</a><script type=application/ld+json>{</script>",
            page_url: "not a url",
            default_region: Some("zz"),
        });
        assert_eq!(lead, LeadExtract::default());
    }
}
