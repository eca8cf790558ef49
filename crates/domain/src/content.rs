//! What the `content_analysis` phase says about a page (SPEC §2.4): its [`PageClass`], the
//! [`Evidence`] behind it, its [`PageLanguage`] and the [`Technology`] found on it.
//!
//! These types are defined once here, because the analysis crate produces them, the store
//! keeps them and the API shows them; every layer uses the same enums and spellings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of page a domain serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PageClass {
    /// A site with content of its own.
    Active,
    /// A parking page: ads or a placeholder served by a parking service.
    Parked,
    /// The domain itself is offered for sale (marketplace lander, "buy this domain").
    ForSale,
    /// A "coming soon" or "under construction" placeholder.
    UnderConstruction,
    /// A web server's or hosting panel's default page (nginx, Apache, IIS, cPanel …).
    DefaultPage,
    /// No visible content.
    Empty,
}

impl PageClass {
    /// Every class, in the order above.
    pub const ALL: [PageClass; 6] = [
        PageClass::Active,
        PageClass::Parked,
        PageClass::ForSale,
        PageClass::UnderConstruction,
        PageClass::DefaultPage,
        PageClass::Empty,
    ];

    /// The canonical spelling (as in JSON and the database).
    pub fn as_str(self) -> &'static str {
        match self {
            PageClass::Active => "active",
            PageClass::Parked => "parked",
            PageClass::ForSale => "for_sale",
            PageClass::UnderConstruction => "under_construction",
            PageClass::DefaultPage => "default_page",
            PageClass::Empty => "empty",
        }
    }

    /// Whether the page shows no business of its own: parked or for sale. These are the
    /// pages the relevance score's "not parked" component and the lead status reject.
    pub fn is_parked_or_for_sale(self) -> bool {
        matches!(self, PageClass::Parked | PageClass::ForSale)
    }
}

impl fmt::Display for PageClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of fact an [`Evidence`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A known phrase in the visible text or the title ("this domain is for sale").
    Phrase,
    /// A host of a parking service or domain marketplace, in a script, iframe, link, form,
    /// meta refresh or redirect.
    ParkingHost,
    /// A name server of a parking service.
    ParkingNameserver,
    /// An address in a parking service's known ranges.
    ParkingAddress,
    /// A marker of a web server's or hosting panel's default page.
    DefaultPage,
    /// The page has (almost) no visible text.
    EmptyBody,
    /// The page has substantial content of its own (words, internal links, a contact page).
    Content,
}

/// Where an [`Evidence`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// The visible text.
    Text,
    /// The `<title>`.
    Title,
    /// A `<script src>`.
    Script,
    /// An `<iframe src>`.
    Iframe,
    /// A `<link href>` (stylesheet, preconnect …).
    Link,
    /// An `<a href>`.
    Anchor,
    /// A `<form action>`.
    Form,
    /// A `<meta http-equiv=refresh>` target.
    MetaRefresh,
    /// A host the HTTP redirect chain passed through, or the final URL's host.
    Redirect,
    /// The domain's DNS name servers.
    Nameserver,
    /// The addresses the domain resolved to.
    Address,
    /// A response header.
    Header,
    /// The page as a whole (its size, its structure).
    Page,
}

/// One fact behind a classification: what was found, where, and which class it speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// What kind of fact this is.
    pub kind: EvidenceKind,
    /// Where it was found.
    pub source: EvidenceSource,
    /// The class it speaks for.
    pub supports: PageClass,
    /// What matched: the phrase, the host, the name server, the address, the marker.
    pub value: String,
}

/// The category of a detected technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TechCategory {
    /// Content management systems (WordPress, Drupal …).
    Cms,
    /// Shop systems (Shopify, WooCommerce …).
    Ecommerce,
    /// Hosted site builders (Wix, Squarespace …).
    SiteBuilder,
    /// Server-side web frameworks (Laravel, Django …).
    WebFramework,
    /// Client-side frameworks (React, Vue …).
    JsFramework,
    /// JavaScript libraries (jQuery, Lodash …).
    JsLibrary,
    /// CSS and UI frameworks (Bootstrap, Tailwind …).
    UiFramework,
    /// Programming languages and runtimes (PHP, ASP.NET …).
    ProgrammingLanguage,
    /// Web servers (nginx, Apache …).
    WebServer,
    /// Content delivery networks and edge proxies.
    Cdn,
    /// Hosting providers and platforms.
    Hosting,
    /// Hosting control panels (cPanel, Plesk …).
    ControlPanel,
    /// Web analytics.
    Analytics,
    /// Tag managers.
    TagManager,
    /// Advertising networks.
    Advertising,
    /// Marketing automation, e-mail and CRM tools.
    Marketing,
    /// Payment processors.
    Payment,
    /// Live chat and support widgets.
    Chat,
    /// Cookie consent managers.
    CookieConsent,
    /// Web fonts.
    Fonts,
    /// Maps.
    Maps,
    /// Embedded video.
    Video,
    /// Security: bot protection, captchas, WAFs.
    Security,
    /// Error and performance monitoring.
    Monitoring,
    /// Comment systems, reviews and social widgets.
    Widgets,
    /// Parking services and domain marketplaces.
    Parking,
}

/// A technology found on a page, with the first rule that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Technology {
    /// Its name ("WordPress").
    pub name: String,
    /// Its category.
    pub category: TechCategory,
    /// What matched, as `where: what` ("script: /wp-content/", "header server: nginx").
    pub evidence: String,
}

/// Where a page's language was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LanguageSource {
    /// Identified from the visible text.
    Text,
    /// Declared by `<html lang>` (the text was too short or ambiguous).
    HtmlLang,
    /// Neither: the language is `und`.
    None,
}

/// A page's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PageLanguage {
    /// ISO 639-1 code (`en`, `de` …), or `und` when undetermined.
    pub code: String,
    /// Confidence in `0..=1`.
    pub confidence: f64,
    /// Where it was read from.
    pub source: LanguageSource,
}

impl PageLanguage {
    /// The undetermined language.
    pub fn undetermined() -> Self {
        Self {
            code: "und".to_owned(),
            confidence: 0.0,
            source: LanguageSource::None,
        }
    }
}

/// Content signals of a page: what the relevance score and an analyst read about its size,
/// links and keywords.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContentSignals {
    /// Characters of visible text (whitespace collapsed).
    pub visible_chars: u64,
    /// Words of visible text.
    pub words: u64,
    /// Anchors into the site.
    pub internal_links: u32,
    /// Anchors to other hosts.
    pub external_links: u32,
    /// Whether a contact, about or imprint link (or a `mailto:`) exists.
    pub has_contact_link: bool,
    /// Keyword hits per 1000 words of visible text.
    pub keyword_density: f64,
    /// Share of keyword rules with at least one hit, `0..=1`.
    pub keyword_coverage: f64,
    /// Whether a keyword matched in the title.
    pub title_hit: bool,
}

/// What `content_analysis` found on one domain's page: the one type the engine produces, the
/// store keeps and the API shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContentResult {
    /// The domain's ordinal in its campaign (the item it belongs to carries it in the API).
    #[serde(skip)]
    pub ordinal: u64,
    /// What kind of page it is.
    pub classification: PageClass,
    /// Confidence in the classification, 0–1.
    pub confidence: f64,
    /// The facts behind the classification, those for the chosen class first.
    pub evidence: Vec<Evidence>,
    /// The page's language.
    pub language: PageLanguage,
    /// Technologies found.
    pub technologies: Vec<Technology>,
    /// Content signals.
    pub signals: ContentSignals,
    /// The relevance components (each 0–1), their weighted sum and the formula version:
    /// `relevanceScore = 100 × Σ weight × component`.
    pub components: crate::config::analysis::RelevanceScore,
    /// The relevance score, 0–100.
    pub relevance_score: f64,
    /// Which weights `relevanceScore` was computed with: 0 for those the phase ran with,
    /// *n* for those of the campaign's rescore *n* (`POST /campaigns/{id}/rescore`). Once a
    /// rescore completes every result has its revision.
    pub weights_revision: u64,
    /// Why the page could not be analysed (an unreadable snapshot); `null` when it was. Such
    /// a result counts as failed.
    pub error: Option<String>,
    /// When it was analysed.
    pub analysed_at: chrono::DateTime<chrono::Utc>,
}

/// Where a rescore stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RescoreStatus {
    /// Scores are being recomputed (also after a restart, until every row is done).
    Running,
    /// Every score of the campaign was recomputed with the new weights.
    Completed,
    /// The rescore stopped on an error; scores are mixed until a new rescore completes.
    Failed,
}

impl RescoreStatus {
    /// Every status, in the order above.
    pub const ALL: [RescoreStatus; 3] = [
        RescoreStatus::Running,
        RescoreStatus::Completed,
        RescoreStatus::Failed,
    ];

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RescoreStatus::Running => "running",
            RescoreStatus::Completed => "completed",
            RescoreStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for RescoreStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A campaign's latest rescore: the relevance scores recomputed from the stored components
/// with new weights, without reading any page again. Each rescore has the next `revision`;
/// every content result records the revision whose weights its score was computed with (0:
/// the weights the phase ran with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RescoreState {
    /// The weights revision this rescore brings every score to (1 for the first rescore).
    pub revision: u64,
    /// Where it stands.
    pub state: RescoreStatus,
    /// The new weights (also recorded in the campaign's `contentAnalysis` configuration).
    pub weights: crate::config::analysis::RelevanceWeights,
    /// The relevance formula version.
    pub scoring_version: u32,
    /// Content results to rescore (those the campaign had when the rescore began).
    pub total_items: u64,
    /// Content results rescored so far.
    pub processed_items: u64,
    /// When it was requested.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// When it completed; `null` until then.
    pub rescored_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it failed; `null` unless `state` is `failed`.
    pub error: Option<String>,
}

/// Why a rescore was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RescoreRefusal {
    /// `content_analysis` is running or paused: it may still write results with the old
    /// weights.
    #[error(
        "content_analysis is {status}; a rescore can start once the phase is not running or paused"
    )]
    PhaseActive {
        /// The phase's status.
        status: crate::PhaseStatus,
    },
    /// The campaign has no content result to rescore.
    #[error("the campaign has no content results to rescore yet")]
    NoResults,
    /// Another rescore of the campaign has not finished.
    #[error("rescore {revision} of this campaign is still running")]
    AlreadyRunning {
        /// The revision of the rescore under way.
        revision: u64,
    },
}

/// How a campaign's content results are spread over classifications and languages: counts
/// kept up to date by every write of results (never a `GROUP BY` at request time).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContentSummary {
    /// Content results per classification; every class is listed, with 0 when none.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, u64>))]
    pub by_classification: std::collections::BTreeMap<PageClass, u64>,
    /// Content results per page language (ISO 639-1 code, or `und`); only languages found.
    pub by_language: std::collections::BTreeMap<String, u64>,
}

impl ContentSummary {
    /// A summary with every class at 0 and no language.
    pub fn empty() -> Self {
        Self {
            by_classification: PageClass::ALL.into_iter().map(|c| (c, 0)).collect(),
            by_language: std::collections::BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for class in PageClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
            assert_eq!(serde_json::from_str::<PageClass>(&json).unwrap(), class);
        }
        assert_eq!(
            serde_json::to_string(&EvidenceKind::ParkingNameserver).unwrap(),
            "\"parking_nameserver\""
        );
        assert_eq!(
            serde_json::to_string(&TechCategory::TagManager).unwrap(),
            "\"tag_manager\""
        );
        let e = Evidence {
            kind: EvidenceKind::ParkingHost,
            source: EvidenceSource::MetaRefresh,
            supports: PageClass::Parked,
            value: "example.invalid".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "parking_host", "source": "meta_refresh",
                "supports": "parked", "value": "example.invalid"})
        );
        assert!(PageClass::ForSale.is_parked_or_for_sale());
        for status in RescoreStatus::ALL {
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        let mut summary = ContentSummary::empty();
        summary.by_language.insert("de".to_owned(), 3);
        *summary
            .by_classification
            .get_mut(&PageClass::ForSale)
            .unwrap() += 2;
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            serde_json::json!({
                "byClassification": {"active": 0, "parked": 0, "for_sale": 2,
                    "under_construction": 0, "default_page": 0, "empty": 0},
                "byLanguage": {"de": 3}
            })
        );
        assert!(!PageClass::UnderConstruction.is_parked_or_for_sale());
    }
}
