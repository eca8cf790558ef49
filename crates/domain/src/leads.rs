//! What the `lead_extraction` phase finds on a domain's pages (SPEC §2.5): its [`Contact`]s
//! (e-mail addresses, phone numbers, social profiles), each with where it was found, the
//! organisation's name and [`PostalAddress`], and the site's contact pages — together a
//! [`LeadExtract`].
//!
//! These types are defined once here, because the analysis crate produces them, the store
//! keeps them and the API shows them. The lead status and its reasons are the phase's, not
//! the extraction's, and live with the phase.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of contact a [`Contact`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// An e-mail address; normalised: lower-cased.
    Email,
    /// A phone number; normalised: E.164 (`+4930123456`).
    Phone,
    /// A social network profile; normalised: the canonical profile URL.
    Social,
}

impl ContactKind {
    /// Every kind, in the order contacts are listed.
    pub const ALL: [ContactKind; 3] = [ContactKind::Email, ContactKind::Phone, ContactKind::Social];

    /// The canonical spelling (as in JSON and the database).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
            ContactKind::Social => "social",
        }
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The social network of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SocialNetwork {
    /// LinkedIn: company, showcase, school and personal (`/in/`) pages.
    Linkedin,
    /// X, formerly Twitter (profiles on `twitter.com` are canonicalised to `x.com`).
    X,
    /// Facebook pages and profiles.
    Facebook,
    /// Instagram accounts.
    Instagram,
    /// YouTube channels (`/channel/…`, `/@handle`, `/c/…`, `/user/…`).
    Youtube,
    /// TikTok accounts (`/@handle`).
    Tiktok,
    /// GitHub users and organisations.
    Github,
    /// Xing companies and profiles.
    Xing,
}

impl SocialNetwork {
    /// Every network.
    pub const ALL: [SocialNetwork; 8] = [
        SocialNetwork::Linkedin,
        SocialNetwork::X,
        SocialNetwork::Facebook,
        SocialNetwork::Instagram,
        SocialNetwork::Youtube,
        SocialNetwork::Tiktok,
        SocialNetwork::Github,
        SocialNetwork::Xing,
    ];

    /// The canonical spelling (as in JSON and the database).
    pub fn as_str(self) -> &'static str {
        match self {
            SocialNetwork::Linkedin => "linkedin",
            SocialNetwork::X => "x",
            SocialNetwork::Facebook => "facebook",
            SocialNetwork::Instagram => "instagram",
            SocialNetwork::Youtube => "youtube",
            SocialNetwork::Tiktok => "tiktok",
            SocialNetwork::Github => "github",
            SocialNetwork::Xing => "xing",
        }
    }
}

impl fmt::Display for SocialNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where on a page a [`Contact`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactLocation {
    /// A link: `mailto:`, `tel:` or a profile URL in an `<a href>` (or `<area>`, `<link>`).
    Link,
    /// The visible text, written plainly.
    Text,
    /// The visible text, obfuscated (`name [at] example [dot] com`, `name(at)example.com`).
    ObfuscatedText,
    /// JSON-LD structured data (`email`, `telephone`, `sameAs`).
    JsonLd,
    /// Cloudflare e-mail protection (`data-cfemail`, `/cdn-cgi/l/email-protection#…`).
    CfEmail,
    /// A `<meta>` tag (`twitter:site`, `article:publisher` …).
    Meta,
}

/// One way to reach the organisation behind a domain, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// E-mail, phone or social profile.
    pub kind: ContactKind,
    /// As found on the page, trimmed (the address of a `mailto:`, the number of a `tel:`,
    /// the URL of a profile link).
    pub value: String,
    /// The normalised form contacts are deduplicated and linked across domains by: the
    /// lower-cased e-mail address, the E.164 phone number, the canonical profile URL
    /// (`https://linkedin.com/company/acme`: https, no `www.`/`m.`, no query, fragment or
    /// trailing slash).
    pub normalized: String,
    /// A role or function address rather than a person's (`info@`, `sales@`, `noreply@` …);
    /// always `false` for phones and profiles.
    pub role: bool,
    /// The network of a social profile; `null` for e-mails and phones.
    pub network: Option<SocialNetwork>,
    /// The URL of the page it was found on.
    pub source_url: String,
    /// Where on that page.
    pub location: ContactLocation,
}

/// A postal address, as the page's structured data gives it; every part optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    /// Street and house number (`streetAddress`).
    pub street: Option<String>,
    /// Town or city (`addressLocality`).
    pub locality: Option<String>,
    /// State, county or province (`addressRegion`).
    pub region: Option<String>,
    /// Postal code (`postalCode`).
    pub postal_code: Option<String>,
    /// Country, as written (`addressCountry`: a name or an ISO 3166 code).
    pub country: Option<String>,
}

impl PostalAddress {
    /// Whether no part is known.
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.locality.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
    }
}

/// Where the organisation's name was read from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganisationSource {
    /// The `name` of a JSON-LD `Organization`, `LocalBusiness` or one of their subtypes.
    JsonLd,
    /// `<meta property="og:site_name">`.
    OgSiteName,
    /// The page's `<title>`, with page names and "Home"-style parts removed.
    Title,
}

/// Everything lead extraction found on one domain's pages: the stored page and, merged into
/// it, the contact pages fetched besides.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadExtract {
    /// The organisation's name, when one was found.
    pub organisation: Option<String>,
    /// Where [`LeadExtract::organisation`] was read from; `null` when there is none.
    pub organisation_source: Option<OrganisationSource>,
    /// The organisation's postal address, from structured data.
    pub postal_address: Option<PostalAddress>,
    /// Same-site contact, about and imprint pages linked from the page: absolute URLs,
    /// deduplicated, in page order.
    pub contact_pages: Vec<String>,
    /// The contacts, deduplicated by kind and normalised value (the first occurrence is
    /// kept), e-mails first, then phones, then profiles, each in the order found, at most the
    /// configured number.
    pub contacts: Vec<Contact>,
}

impl LeadExtract {
    /// Adds what another page of the same domain yielded (a contact page fetched besides the
    /// stored one): contacts not known yet (by kind and normalised value), up to
    /// `max_contacts` in all, kept in kind order; contact pages not listed yet; the
    /// organisation when the other page's source is stronger
    /// ([`OrganisationSource`] order); the postal address when none is known yet.
    pub fn merge(&mut self, other: LeadExtract, max_contacts: usize) {
        let stronger = match (self.organisation_source, other.organisation_source) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(mine), Some(theirs)) => theirs < mine,
        };
        if stronger && other.organisation.is_some() {
            self.organisation = other.organisation;
            self.organisation_source = other.organisation_source;
        }
        if self.postal_address.is_none() {
            self.postal_address = other.postal_address;
        }
        for page in other.contact_pages {
            if !self.contact_pages.contains(&page) {
                self.contact_pages.push(page);
            }
        }
        let mut contacts = std::mem::take(&mut self.contacts);
        contacts.extend(other.contacts);
        self.contacts = dedup_contacts(contacts, max_contacts);
    }

    /// The contacts of one kind, in order.
    pub fn contacts_of(&self, kind: ContactKind) -> impl Iterator<Item = &Contact> {
        self.contacts.iter().filter(move |c| c.kind == kind)
    }
}

/// Contacts deduplicated by kind and normalised value (the first occurrence wins), ordered by
/// kind (e-mails, phones, profiles; stable within a kind), at most `max`.
pub fn dedup_contacts(contacts: Vec<Contact>, max: usize) -> Vec<Contact> {
    let mut seen = HashSet::with_capacity(contacts.len());
    let mut unique: Vec<Contact> = contacts
        .into_iter()
        .filter(|c| seen.insert((c.kind, c.normalized.clone())))
        .collect();
    unique.sort_by_key(|c| c.kind);
    unique.truncate(max);
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(kind: ContactKind, normalized: &str, location: ContactLocation) -> Contact {
        Contact {
            kind,
            value: normalized.to_owned(),
            normalized: normalized.to_owned(),
            role: false,
            network: (kind == ContactKind::Social).then_some(SocialNetwork::Github),
            source_url: "https://a.example/".to_owned(),
            location,
        }
    }

    #[test]
    fn spellings() {
        for kind in ContactKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for network in SocialNetwork::ALL {
            let json = serde_json::to_string(&network).unwrap();
            assert_eq!(json, format!("\"{}\"", network.as_str()));
            assert_eq!(
                serde_json::from_str::<SocialNetwork>(&json).unwrap(),
                network
            );
        }
        assert_eq!(
            serde_json::to_string(&ContactLocation::ObfuscatedText).unwrap(),
            "\"obfuscated_text\""
        );
        assert_eq!(
            serde_json::to_string(&OrganisationSource::OgSiteName).unwrap(),
            "\"og_site_name\""
        );
        let c = contact(ContactKind::Phone, "+4930123456", ContactLocation::JsonLd);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"kind": "phone", "value": "+4930123456",
                "normalized": "+4930123456", "role": false, "network": null,
                "sourceUrl": "https://a.example/", "location": "json_ld"})
        );
        let a = PostalAddress {
            postal_code: Some("10115".into()),
            ..PostalAddress::default()
        };
        assert!(!a.is_empty() && PostalAddress::default().is_empty());
        assert_eq!(
            serde_json::to_value(&a).unwrap()["postalCode"],
            serde_json::json!("10115")
        );
    }

    #[test]
    fn merge_dedups_orders_and_caps() {
        let mut main = LeadExtract {
            organisation: Some("Home".into()),
            organisation_source: Some(OrganisationSource::Title),
            contact_pages: vec!["https://a.example/kontakt".into()],
            contacts: vec![
                contact(
                    ContactKind::Social,
                    "https://github.com/a",
                    ContactLocation::Link,
                ),
                contact(ContactKind::Email, "info@a.example", ContactLocation::Link),
            ],
            ..LeadExtract::default()
        };
        main.contacts = dedup_contacts(main.contacts, 10);
        assert_eq!(main.contacts[0].kind, ContactKind::Email);
        let other = LeadExtract {
            organisation: Some("A GmbH".into()),
            organisation_source: Some(OrganisationSource::JsonLd),
            postal_address: Some(PostalAddress {
                locality: Some("Berlin".into()),
                ..PostalAddress::default()
            }),
            contact_pages: vec![
                "https://a.example/kontakt".into(),
                "https://a.example/impressum".into(),
            ],
            contacts: vec![
                contact(ContactKind::Email, "info@a.example", ContactLocation::Text),
                contact(ContactKind::Phone, "+4930123456", ContactLocation::Text),
                contact(ContactKind::Email, "b@a.example", ContactLocation::Text),
            ],
        };
        let mut capped = main.clone();
        main.merge(other.clone(), 10);
        assert_eq!(main.organisation.as_deref(), Some("A GmbH"));
        assert_eq!(main.organisation_source, Some(OrganisationSource::JsonLd));
        assert!(main.postal_address.is_some());
        assert_eq!(main.contact_pages.len(), 2);
        let got: Vec<_> = main
            .contacts
            .iter()
            .map(|c| (c.normalized.as_str(), c.location))
            .collect();
        assert_eq!(
            got,
            [
                ("info@a.example", ContactLocation::Link),
                ("b@a.example", ContactLocation::Text),
                ("+4930123456", ContactLocation::Text),
                ("https://github.com/a", ContactLocation::Link),
            ]
        );
        capped.merge(other, 2);
        assert_eq!(capped.contacts.len(), 2);
        assert_eq!(capped.contacts_of(ContactKind::Email).count(), 2);
        // A weaker source never replaces a stronger one.
        let mut strong = LeadExtract {
            organisation: Some("A GmbH".into()),
            organisation_source: Some(OrganisationSource::JsonLd),
            ..LeadExtract::default()
        };
        strong.merge(
            LeadExtract {
                organisation: Some("Kontakt".into()),
                organisation_source: Some(OrganisationSource::Title),
                ..LeadExtract::default()
            },
            5,
        );
        assert_eq!(strong.organisation.as_deref(), Some("A GmbH"));
    }
}
