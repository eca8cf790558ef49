//! Configuration of the `lead_extraction` phase (SPEC §2.5).
//!
//! Besides what to extract, it holds the qualification rule: a domain is `qualified` when it
//! passed DNS and HTTP, has a keyword hit (if required), is not parked (if refused) and
//! scores at least `minScore`. Every other domain gets exactly one rejection reason.

use serde::{Deserialize, Serialize};

use super::check;
use crate::error::{FieldError, ValidationErrors};

/// Default number of same-site contact/about pages fetched per domain: none (fetching them is
/// not built yet; the phase reads the page the HTTP phase stored).
pub const DEFAULT_MAX_CONTACT_PAGES: u32 = 0;
/// Most same-site contact/about pages fetched per domain.
pub const MAX_CONTACT_PAGES: u32 = 10;
/// Default cap on contacts (e-mails, phones, profiles together) kept per domain.
pub const DEFAULT_MAX_CONTACTS_PER_DOMAIN: u32 = 50;
/// Largest accepted `maxContactsPerDomain`.
pub const MAX_CONTACTS_PER_DOMAIN: u32 = 1000;

/// A validated `lead_extraction` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "LeadExtractionConfigInput",
    into = "LeadExtractionConfigInput"
)]
pub struct LeadExtractionConfig {
    max_contact_pages: u32,
    min_score: f64,
    require_keyword_hit: bool,
    reject_parked: bool,
    max_contacts_per_domain: u32,
    default_phone_region: Option<String>,
}

/// The JSON input of a [`LeadExtractionConfig`]. Every field is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = LeadExtractionConfig)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeadExtractionConfigInput {
    /// Same-site contact/about pages fetched per domain besides the stored page. Only 0 (the
    /// page the HTTP phase stored) is accepted until fetching them is built; the contact
    /// pages found are listed in each lead's `contactPages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contact_pages: Option<u32>,
    /// Lowest relevance score (content analysis' `relevanceScore`, 0 to 100) of a qualified
    /// lead; default 0. Above 0 it needs `contentAnalysis` to be configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    /// Whether a lead needs at least one keyword hit (else `no_keywords`); default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_keyword_hit: Option<bool>,
    /// Whether parked pages are rejected (`parked`); default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_parked: Option<bool>,
    /// Most contacts kept per domain, 1 to 1000; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contacts_per_domain: Option<u32>,
    /// ISO 3166-1 alpha-2 region (e.g. `DE`) national phone numbers are read in when the page
    /// does not say (a generic TLD such as `.com` and no country in its structured data);
    /// without it such pages keep only numbers written with a `+` country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_phone_region: Option<String>,
}

schema_from_input!(LeadExtractionConfig, LeadExtractionConfigInput);

impl Default for LeadExtractionConfig {
    fn default() -> Self {
        Self {
            max_contact_pages: DEFAULT_MAX_CONTACT_PAGES,
            min_score: 0.0,
            require_keyword_hit: true,
            reject_parked: true,
            max_contacts_per_domain: DEFAULT_MAX_CONTACTS_PER_DOMAIN,
            default_phone_region: None,
        }
    }
}

impl TryFrom<LeadExtractionConfigInput> for LeadExtractionConfig {
    type Error = ValidationErrors;

    fn try_from(input: LeadExtractionConfigInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let defaults = Self::default();
        let max_contact_pages = check::range(
            &mut errors,
            "maxContactPages",
            input.max_contact_pages,
            defaults.max_contact_pages,
            0,
            MAX_CONTACT_PAGES,
        );
        // (An out-of-range value already has its error.)
        if input
            .max_contact_pages
            .is_some_and(|n| (1..=MAX_CONTACT_PAGES).contains(&n))
        {
            errors.push(FieldError::new(
                "maxContactPages",
                format!(
                    "fetching contact pages is not built yet: only 0 (the page the HTTP phase \
                     stored) is accepted (got {max_contact_pages})"
                ),
            ));
        }
        let min_score = input.min_score.unwrap_or(defaults.min_score);
        if !(0.0..=100.0).contains(&min_score) {
            errors.push(FieldError::new(
                "minScore",
                format!("must be between 0 and 100 (got {min_score})"),
            ));
        }
        let max_contacts_per_domain = check::range(
            &mut errors,
            "maxContactsPerDomain",
            input.max_contacts_per_domain,
            defaults.max_contacts_per_domain,
            1,
            MAX_CONTACTS_PER_DOMAIN,
        );
        let default_phone_region = input
            .default_phone_region
            .map(|r| r.trim().to_ascii_uppercase());
        if let Some(region) = &default_phone_region
            && !(region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase()))
        {
            errors.push(FieldError::new(
                "defaultPhoneRegion",
                format!("`{region}` is not an ISO 3166-1 alpha-2 region code such as `DE` or `US`"),
            ));
        }
        ValidationErrors::check(errors)?;
        Ok(Self {
            max_contact_pages,
            min_score,
            require_keyword_hit: input
                .require_keyword_hit
                .unwrap_or(defaults.require_keyword_hit),
            reject_parked: input.reject_parked.unwrap_or(defaults.reject_parked),
            max_contacts_per_domain,
            default_phone_region,
        })
    }
}

impl From<LeadExtractionConfig> for LeadExtractionConfigInput {
    fn from(c: LeadExtractionConfig) -> Self {
        Self {
            max_contact_pages: Some(c.max_contact_pages),
            min_score: Some(c.min_score),
            require_keyword_hit: Some(c.require_keyword_hit),
            reject_parked: Some(c.reject_parked),
            max_contacts_per_domain: Some(c.max_contacts_per_domain),
            default_phone_region: c.default_phone_region,
        }
    }
}

impl LeadExtractionConfig {
    /// Same-site contact/about pages fetched per domain besides the snapshot.
    pub fn max_contact_pages(&self) -> u32 {
        self.max_contact_pages
    }

    /// Lowest relevance score (0–100) of a qualified lead (0: no threshold).
    pub fn min_score(&self) -> f64 {
        self.min_score
    }

    /// Whether a lead needs at least one keyword hit.
    pub fn require_keyword_hit(&self) -> bool {
        self.require_keyword_hit
    }

    /// Whether parked pages are rejected.
    pub fn reject_parked(&self) -> bool {
        self.reject_parked
    }

    /// Most contacts kept per domain.
    pub fn max_contacts_per_domain(&self) -> u32 {
        self.max_contacts_per_domain
    }

    /// The region national phone numbers are assumed to be in, if any (uppercase).
    pub fn default_phone_region(&self) -> Option<&str> {
        self.default_phone_region.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<LeadExtractionConfig, ValidationErrors> {
        let input: LeadExtractionConfigInput = serde_json::from_value(value).unwrap();
        LeadExtractionConfig::try_from(input)
    }

    fn fields(value: Value) -> Vec<String> {
        parse(value)
            .unwrap_err()
            .into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn defaults() {
        let c = parse(json!({})).unwrap();
        assert_eq!(c, LeadExtractionConfig::default());
        assert_eq!(c.max_contact_pages(), 0);
        assert_eq!(c.min_score(), 0.0);
        assert!(c.require_keyword_hit());
        assert!(c.reject_parked());
        assert_eq!(c.max_contacts_per_domain(), 50);
        assert_eq!(c.default_phone_region(), None);
    }

    #[test]
    fn bounds() {
        for (value, field) in [
            (json!({"maxContactPages": 11}), "maxContactPages"),
            (json!({"minScore": -0.1}), "minScore"),
            (json!({"minScore": 100.5}), "minScore"),
            (json!({"maxContactPages": 1}), "maxContactPages"),
            (json!({"maxContactsPerDomain": 0}), "maxContactsPerDomain"),
            (
                json!({"maxContactsPerDomain": 1001}),
                "maxContactsPerDomain",
            ),
            (json!({"defaultPhoneRegion": "DEU"}), "defaultPhoneRegion"),
            (json!({"defaultPhoneRegion": "4"}), "defaultPhoneRegion"),
            (json!({"defaultPhoneRegion": "ü1"}), "defaultPhoneRegion"),
        ] {
            assert_eq!(fields(value.clone()), [field], "{value}");
        }
        let c = parse(
            json!({"maxContactPages": 0, "minScore": 1, "maxContactsPerDomain": 1000,
            "defaultPhoneRegion": " de "}),
        )
        .unwrap();
        assert_eq!(c.max_contact_pages(), 0);
        assert_eq!(c.min_score(), 1.0);
        assert_eq!(c.default_phone_region(), Some("DE"));
        let e = parse(json!({"maxContactPages": 99})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "maxContactPages: must be between 0 and 10 (got 99)"
        );
        let e = parse(json!({"maxContactPages": 3})).unwrap_err();
        assert!(e.to_string().contains("not built yet"), "{e}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_value::<LeadExtractionConfigInput>(json!({"maxPages": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `maxPages`"), "{e}");
    }

    #[test]
    fn round_trip() {
        for value in [
            json!({}),
            json!({"maxContactPages": 0, "minScore": 35.5, "requireKeywordHit": false,
                "rejectParked": false, "maxContactsPerDomain": 5, "defaultPhoneRegion": "us"}),
        ] {
            let c = parse(value).unwrap();
            let json = serde_json::to_value(&c).unwrap();
            let back: LeadExtractionConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, c);
            assert_eq!(serde_json::to_value(&back).unwrap(), json);
        }
    }
}
