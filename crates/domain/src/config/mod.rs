//! Validated phase configurations (parse, don't validate).
//!
//! Each `XConfig` has a public serde input type `XConfigInput` that mirrors the JSON shape
//! (camelCase, unknown fields refused) and a `TryFrom<XConfigInput>` that returns
//! [`crate::ValidationErrors`] naming every offending field. `XConfig` itself deserialises
//! through that conversion, so an invalid configuration cannot be represented.
//!
//! [`CampaignConfiguration`] groups the five phase configurations of one campaign and checks
//! the rules that span phases.

/// Gives a validated type the OpenAPI schema (name included) of the input type it
/// deserialises through, so that the API documents one shape under one name.
#[cfg(feature = "openapi")]
macro_rules! schema_from_input {
    ($validated:ty, $input:ty) => {
        impl utoipa::PartialSchema for $validated {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <$input as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $validated {
            fn name() -> std::borrow::Cow<'static, str> {
                <$input as utoipa::ToSchema>::name()
            }

            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                <$input as utoipa::ToSchema>::schemas(schemas)
            }
        }
    };
}

/// Without the `openapi` feature there is no schema to give.
#[cfg(not(feature = "openapi"))]
macro_rules! schema_from_input {
    ($validated:ty, $input:ty) => {};
}

pub mod analysis;
pub mod dns;
pub mod generation;
pub mod http;
pub mod leads;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ValidationErrors};
use crate::phase::Phase;

/// The id of a stored object a configuration refers to (a DNS or HTTP persona, a keyword
/// set, a proxy; see [`crate::catalog`]). The domain crate only checks its syntax; the engine resolves it when the phase
/// starts.
///
/// Accepted: 1 to 64 ASCII letters, digits, `-` and `_` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct StoredId(String);

impl StoredId {
    /// Longest accepted id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Parses an id. The error has an empty field path: prefix it with
    /// [`FieldError::within`].
    pub fn parse(id: &str) -> Result<Self, FieldError> {
        if id.is_empty() {
            return Err(FieldError::new("", "must not be empty"));
        }
        if id.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                "",
                format!("must be at most {} characters long", Self::MAX_LEN),
            ));
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(FieldError::new(
                "",
                format!("`{id}` is not an id: use only ASCII letters, digits, `-` and `_`"),
            ));
        }
        Ok(Self(id.to_owned()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StoredId {
    type Error = FieldError;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        Self::parse(&id)
    }
}

impl From<StoredId> for String {
    fn from(id: StoredId) -> Self {
        id.0
    }
}

impl fmt::Display for StoredId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Small validation helpers shared by the configuration modules.
pub(crate) mod check {
    use std::collections::HashMap;
    use std::fmt::Display;
    use std::hash::Hash;

    use crate::error::FieldError;

    /// Returns `value` (or `default` when absent), recording an error on `field` when it lies
    /// outside `min..=max`.
    pub(crate) fn range<T: PartialOrd + Display + Copy>(
        errors: &mut Vec<FieldError>,
        field: &str,
        value: Option<T>,
        default: T,
        min: T,
        max: T,
    ) -> T {
        let value = value.unwrap_or(default);
        if value < min || value > max {
            errors.push(FieldError::new(
                field,
                format!("must be between {min} and {max} (got {value})"),
            ));
        }
        value
    }

    /// Records an error on `field[i]` for every item equal to an earlier one, naming the
    /// earlier one.
    pub(crate) fn no_duplicates<K: Eq + Hash>(
        errors: &mut Vec<FieldError>,
        field: &str,
        keys: impl IntoIterator<Item = K>,
    ) {
        let mut seen = HashMap::new();
        for (i, key) in keys.into_iter().enumerate() {
            if let Some(first) = seen.get(&key) {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("duplicates {field}[{first}]"),
                ));
            } else {
                seen.insert(key, i);
            }
        }
    }

    /// Whether `s` contains a control character (tab included).
    /// Parses a `personaId` and refuses each inline persona setting given next to it (the
    /// persona supplies them; nothing is merged). `given` lists each inline setting's field
    /// name and whether it was given.
    pub(crate) fn persona_id(
        errors: &mut Vec<FieldError>,
        id: &str,
        given: &[(&str, bool)],
    ) -> Option<super::StoredId> {
        for (field, _) in given.iter().filter(|(_, given)| *given) {
            errors.push(FieldError::new(
                *field,
                "cannot be combined with personaId: the persona supplies it",
            ));
        }
        super::StoredId::parse(id)
            .map_err(|e| errors.push(e.within("personaId")))
            .ok()
    }

    pub(crate) fn has_control(s: &str) -> bool {
        s.chars().any(char::is_control)
    }
}

/// The configuration of every phase of a campaign (`configuration` in `POST /campaigns`).
///
/// A phase without a configuration is "not configured": in full-sequence mode it is passed
/// over when the transition rules allow it (see [`crate::CampaignState::next_in_sequence`]).
/// Serialises to the JSON shape of [`CampaignConfigurationInput`], omitting absent phases.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "CampaignConfigurationInput")]
pub struct CampaignConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_generation: Option<generation::DomainGenerationConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns_validation: Option<dns::DnsValidationConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_keyword_validation: Option<http::HttpKeywordValidationConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_analysis: Option<analysis::ContentAnalysisConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead_extraction: Option<leads::LeadExtractionConfig>,
}

/// The JSON input of a [`CampaignConfiguration`]: every key optional, each holding that
/// phase's configuration input.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = CampaignConfiguration)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignConfigurationInput {
    /// Pattern generation (`domain_generation`); absent when domains are only imported.
    #[serde(default)]
    pub domain_generation: Option<generation::DomainGenerationConfigInput>,
    /// DNS validation (`dns_validation`).
    #[serde(default)]
    pub dns_validation: Option<dns::DnsValidationConfigInput>,
    /// HTTP keyword validation (`http_keyword_validation`).
    #[serde(default)]
    pub http_keyword_validation: Option<http::HttpKeywordValidationConfigInput>,
    /// Content analysis (`content_analysis`).
    #[serde(default)]
    pub content_analysis: Option<analysis::ContentAnalysisConfigInput>,
    /// Lead extraction (`lead_extraction`).
    #[serde(default)]
    pub lead_extraction: Option<leads::LeadExtractionConfigInput>,
}

schema_from_input!(CampaignConfiguration, CampaignConfigurationInput);

/// Validates one optional phase input, prefixing its errors with `field`.
fn convert<I, T>(input: Option<I>, field: &str, errors: &mut Vec<FieldError>) -> Option<T>
where
    T: TryFrom<I, Error = ValidationErrors>,
{
    match input.map(T::try_from) {
        None => None,
        Some(Ok(config)) => Some(config),
        Some(Err(e)) => {
            errors.extend(e.within(field).into_errors());
            None
        }
    }
}

impl TryFrom<CampaignConfigurationInput> for CampaignConfiguration {
    type Error = ValidationErrors;

    fn try_from(input: CampaignConfigurationInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let config = Self {
            domain_generation: convert(input.domain_generation, "domainGeneration", &mut errors),
            dns_validation: convert(input.dns_validation, "dnsValidation", &mut errors),
            http_keyword_validation: convert(
                input.http_keyword_validation,
                "httpKeywordValidation",
                &mut errors,
            ),
            content_analysis: convert(input.content_analysis, "contentAnalysis", &mut errors),
            lead_extraction: convert(input.lead_extraction, "leadExtraction", &mut errors),
        };
        // Cross-phase rules only make sense once every phase on its own is valid.
        ValidationErrors::check(errors)?;
        ValidationErrors::check(config.cross_phase_errors())?;
        Ok(config)
    }
}

impl CampaignConfiguration {
    /// Whether `phase` has a configuration.
    pub fn is_configured(&self, phase: Phase) -> bool {
        match phase {
            Phase::DomainGeneration => self.domain_generation.is_some(),
            Phase::DnsValidation => self.dns_validation.is_some(),
            Phase::HttpKeywordValidation => self.http_keyword_validation.is_some(),
            Phase::ContentAnalysis => self.content_analysis.is_some(),
            Phase::LeadExtraction => self.lead_extraction.is_some(),
        }
    }

    /// The configured phases, in pipeline order.
    pub fn configured_phases(&self) -> Vec<Phase> {
        Phase::ALL
            .into_iter()
            .filter(|p| self.is_configured(*p))
            .collect()
    }

    /// The `domain_generation` configuration, if any.
    pub fn domain_generation(&self) -> Option<&generation::DomainGenerationConfig> {
        self.domain_generation.as_ref()
    }

    /// The `dns_validation` configuration, if any.
    pub fn dns_validation(&self) -> Option<&dns::DnsValidationConfig> {
        self.dns_validation.as_ref()
    }

    /// The `http_keyword_validation` configuration, if any.
    pub fn http_keyword_validation(&self) -> Option<&http::HttpKeywordValidationConfig> {
        self.http_keyword_validation.as_ref()
    }

    /// The `content_analysis` configuration, if any.
    pub fn content_analysis(&self) -> Option<&analysis::ContentAnalysisConfig> {
        self.content_analysis.as_ref()
    }

    /// The `lead_extraction` configuration, if any.
    pub fn lead_extraction(&self) -> Option<&leads::LeadExtractionConfig> {
        self.lead_extraction.as_ref()
    }

    /// Replaces (or removes) the `domain_generation` configuration.
    #[must_use]
    pub fn with_domain_generation(
        mut self,
        config: Option<generation::DomainGenerationConfig>,
    ) -> Self {
        // No cross-phase rule involves generation, so this cannot fail.
        self.domain_generation = config;
        self
    }

    /// Replaces (or removes) the `dns_validation` configuration, re-checking the cross-phase
    /// rules.
    pub fn with_dns_validation(
        mut self,
        config: Option<dns::DnsValidationConfig>,
    ) -> Result<Self, ValidationErrors> {
        self.dns_validation = config;
        self.rechecked()
    }

    /// Replaces (or removes) the `http_keyword_validation` configuration, re-checking the
    /// cross-phase rules.
    pub fn with_http_keyword_validation(
        mut self,
        config: Option<http::HttpKeywordValidationConfig>,
    ) -> Result<Self, ValidationErrors> {
        self.http_keyword_validation = config;
        self.rechecked()
    }

    /// Replaces (or removes) the `content_analysis` configuration, re-checking the
    /// cross-phase rules.
    pub fn with_content_analysis(
        mut self,
        config: Option<analysis::ContentAnalysisConfig>,
    ) -> Result<Self, ValidationErrors> {
        self.content_analysis = config;
        self.rechecked()
    }

    /// Replaces (or removes) the `lead_extraction` configuration, re-checking the
    /// cross-phase rules.
    pub fn with_lead_extraction(
        mut self,
        config: Option<leads::LeadExtractionConfig>,
    ) -> Result<Self, ValidationErrors> {
        self.lead_extraction = config;
        self.rechecked()
    }

    fn rechecked(self) -> Result<Self, ValidationErrors> {
        ValidationErrors::check(self.cross_phase_errors())?;
        Ok(self)
    }

    /// The rules between phases. Each phase's own rules were checked when it was built.
    fn cross_phase_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        // The HTTP phase connects to the addresses the DNS phase found (no second lookup),
        // so a DNS phase that asks for no address records would starve it.
        if let (Some(dns), Some(_)) = (&self.dns_validation, &self.http_keyword_validation)
            && !dns.record_types().iter().any(|t| t.is_address())
        {
            errors.push(FieldError::new(
                "dnsValidation.recordTypes",
                "must include A or AAAA when httpKeywordValidation is configured: \
                 the HTTP phase connects to the addresses found by the DNS phase",
            ));
        }
        // Relevance scores come from content analysis; without it every domain would be
        // rejected as `low_score`.
        if let Some(leads) = &self.lead_extraction
            && leads.min_score() > 0.0
            && self.content_analysis.is_none()
        {
            errors.push(FieldError::new(
                "leadExtraction.minScore",
                "must be 0 unless contentAnalysis is configured: relevance scores come from \
                 the content_analysis phase",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<CampaignConfiguration, ValidationErrors> {
        let input: CampaignConfigurationInput = serde_json::from_value(value).unwrap();
        CampaignConfiguration::try_from(input)
    }

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn stored_ids() {
        assert_eq!(StoredId::parse("dns-eu_1").unwrap().as_str(), "dns-eu_1");
        assert!(StoredId::parse("0b5e7c1e-8c8a-4a43-9d53-2b8a34f9e7a1").is_ok());
        assert!(StoredId::parse("").is_err());
        assert!(StoredId::parse("a b").is_err());
        assert!(StoredId::parse(&"a".repeat(65)).is_err());
        let e = StoredId::parse("x/y").unwrap_err().within("personaId");
        assert_eq!(e.field, "personaId");
        let id: StoredId = serde_json::from_value(json!("abc")).unwrap();
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("abc"));
        assert!(serde_json::from_value::<StoredId>(json!("a b")).is_err());
    }

    #[test]
    fn empty_configuration_configures_nothing() {
        let config = parse(json!({})).unwrap();
        assert_eq!(config, CampaignConfiguration::default());
        for phase in Phase::ALL {
            assert!(!config.is_configured(phase));
        }
        assert_eq!(serde_json::to_value(&config).unwrap(), json!({}));
    }

    #[test]
    fn is_configured_follows_the_keys() {
        let config = parse(json!({
            "dnsValidation": {"resolvers": ["192.0.2.1"]},
            "httpKeywordValidation": {},
            "leadExtraction": {}
        }))
        .unwrap();
        assert_eq!(
            config.configured_phases(),
            [
                Phase::DnsValidation,
                Phase::HttpKeywordValidation,
                Phase::LeadExtraction
            ]
        );
        assert!(!config.is_configured(Phase::ContentAnalysis));
        assert!(config.http_keyword_validation().is_some());
    }

    #[test]
    fn errors_carry_the_phase_key() {
        let e = parse(json!({
            "dnsValidation": {"resolvers": ["192.0.2.1", "not an ip"], "retries": 99},
            "contentAnalysis": {"parkedThreshold": 2},
            "leadExtraction": {"maxContactPages": 1000}
        }))
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                "dnsValidation.resolvers[1]",
                "dnsValidation.retries",
                "contentAnalysis.parkedThreshold",
                "leadExtraction.maxContactPages"
            ]
        );
        assert!(e.to_string().starts_with("dnsValidation.resolvers[1]: "));
    }

    #[test]
    fn generation_errors_carry_the_phase_key() {
        let e = parse(json!({
            "domainGeneration": {"patternType": "prefix", "characterSet": "ab", "prefixLength": 1, "tlds": []},
            "dnsValidation": {"resolvers": []}
        }))
        .unwrap_err();
        let fields = fields(&e);
        assert!(fields.len() >= 2, "{fields:?}");
        assert!(fields[0].starts_with("domainGeneration."), "{fields:?}");
        assert_eq!(fields.last(), Some(&"dnsValidation.resolvers"));
        let config = parse(json!({
            "domainGeneration": {"patternType": "prefix", "characterSet": "ab", "prefixLength": 1, "tlds": ["com"]}
        }))
        .unwrap();
        assert!(config.is_configured(Phase::DomainGeneration));
        assert!(config.domain_generation().is_some());
        assert!(
            !config
                .with_domain_generation(None)
                .is_configured(Phase::DomainGeneration)
        );
    }

    #[test]
    fn unknown_phase_keys_are_refused() {
        let e = serde_json::from_value::<CampaignConfigurationInput>(json!({"dns": {}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `dns`"), "{e}");
    }

    #[test]
    fn http_needs_address_records() {
        let e = parse(json!({
            "dnsValidation": {"resolvers": ["192.0.2.1"], "recordTypes": ["MX"]},
            "httpKeywordValidation": {}
        }))
        .unwrap_err();
        assert_eq!(fields(&e), ["dnsValidation.recordTypes"]);
        // Without the HTTP phase, an MX-only DNS phase is fine.
        let ok = parse(json!({
            "dnsValidation": {"resolvers": ["192.0.2.1"], "recordTypes": ["MX"]}
        }))
        .unwrap();
        assert!(ok.with_http_keyword_validation(None).is_ok());
    }

    #[test]
    fn lead_min_score_needs_content_analysis() {
        let e = parse(json!({"leadExtraction": {"minScore": 0.5}})).unwrap_err();
        assert_eq!(fields(&e), ["leadExtraction.minScore"]);
        let config = parse(json!({
            "contentAnalysis": {},
            "leadExtraction": {"minScore": 0.5}
        }))
        .unwrap();
        let e = config.with_content_analysis(None).unwrap_err();
        assert_eq!(fields(&e), ["leadExtraction.minScore"]);
    }

    #[test]
    fn round_trips_through_json() {
        let config = parse(json!({
            "domainGeneration": {
                "patternType": "both", "constantString": "shop", "characterSet": "ab",
                "prefixLength": 1, "suffixLength": 2, "tlds": ["com", "net"]
            },
            "dnsValidation": {
                "resolvers": [{"address": "192.0.2.1", "weight": 3}, "[2001:db8::1]:5353"],
                "strategy": "weighted"
            },
            "httpKeywordValidation": {
                "keywordRules": [{"pattern": "for sale"}, {"pattern": "sh[o0]p", "kind": "regex"}]
            },
            "contentAnalysis": {"detectLanguage": false},
            "leadExtraction": {"minScore": 0.25}
        }))
        .unwrap();
        let json = serde_json::to_value(&config).unwrap();
        let back: CampaignConfiguration = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, config);
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
    }

    #[test]
    fn deserialising_the_validated_type_reports_field_paths() {
        let e = serde_json::from_value::<CampaignConfiguration>(json!({
            "httpKeywordValidation": {"keywordRules": [{"pattern": "(", "kind": "regex"}]}
        }))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("httpKeywordValidation.keywordRules[0].pattern: "),
            "{e}"
        );
    }
}

#[cfg(all(test, feature = "openapi"))]
mod openapi_tests {
    use super::*;
    use utoipa::{PartialSchema, ToSchema};

    #[test]
    fn schemas_are_named_after_the_validated_types() {
        assert_eq!(CampaignConfiguration::name(), "CampaignConfiguration");
        assert_eq!(dns::DnsValidationConfig::name(), "DnsValidationConfig");
        assert_eq!(dns::DnsResolverSettings::name(), "DnsResolverSettings");
        assert_eq!(
            http::HttpKeywordValidationConfig::name(),
            "HttpKeywordValidationConfig"
        );
        assert_eq!(http::HttpRequestSettings::name(), "HttpRequestSettings");
        assert_eq!(http::KeywordRule::name(), "KeywordRule");
        assert_eq!(
            analysis::ContentAnalysisConfig::name(),
            "ContentAnalysisConfig"
        );
        assert_eq!(leads::LeadExtractionConfig::name(), "LeadExtractionConfig");
        let schema = serde_json::to_value(CampaignConfiguration::schema()).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        for (key, name) in [
            ("domainGeneration", "DomainGenerationConfig"),
            ("dnsValidation", "DnsValidationConfig"),
            ("httpKeywordValidation", "HttpKeywordValidationConfig"),
            ("contentAnalysis", "ContentAnalysisConfig"),
            ("leadExtraction", "LeadExtractionConfig"),
        ] {
            let text = schema["properties"][key].to_string();
            assert!(
                text.contains(&format!("#/components/schemas/{name}\"")),
                "{key}: {text}"
            );
        }
        let mut nested = Vec::new();
        CampaignConfiguration::schemas(&mut nested);
        let names: Vec<&str> = nested.iter().map(|(n, _)| n.as_str()).collect();
        for expected in [
            "DnsValidationConfig",
            "ResolverEntry",
            "WeightedResolver",
            "DnsStrategy",
            "RecordType",
            "HttpKeywordValidationConfig",
            "HttpPorts",
            "AcceptedStatus",
            "Scheme",
            "KeywordRule",
            "KeywordKind",
            "ContentAnalysisConfig",
            "RelevanceWeights",
            "LeadExtractionConfig",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(
            !names.iter().any(|n| n.ends_with("Input")),
            "input types leak their Rust names: {names:?}"
        );
    }
}
