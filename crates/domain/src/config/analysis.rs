//! Configuration of the `content_analysis` phase (SPEC §2.4) and the relevance score.
//!
//! The relevance score is a weighted sum of five components, each in `0..=1`, so the score is
//! in `0..=1` too. The formula is versioned (`scoringVersion`) and the weights are stored
//! with the campaign, so a score can always be explained and recomputed. [`ContentAnalysisConfig::score`]
//! is the formula; the engine only gathers the signals.

use serde::{Deserialize, Serialize};

use super::check;
use crate::error::{FieldError, ValidationErrors};

/// The version of the relevance formula this crate implements.
pub const CURRENT_SCORING_VERSION: u32 = 1;
/// Default parked confidence at or above which a page counts as parked.
pub const DEFAULT_PARKED_THRESHOLD: f64 = 0.7;
/// Default visible length (in characters) at which the content-length component is full.
pub const DEFAULT_CONTENT_LENGTH_TARGET: u32 = 2000;
/// Largest accepted `contentLengthTarget`.
pub const MAX_CONTENT_LENGTH_TARGET: u32 = 1_000_000;
/// Default keyword hits per 1000 words at which the density component is full.
pub const DEFAULT_KEYWORD_DENSITY_TARGET: f64 = 5.0;
/// Largest accepted `keywordDensityTarget`.
pub const MAX_KEYWORD_DENSITY_TARGET: f64 = 1000.0;
/// How far from 1 the sum of the weights may be (rounding in decimal input).
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;

/// The weights of the relevance components; each in `0..=1`, summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RelevanceWeightsInput", into = "RelevanceWeightsInput")]
pub struct RelevanceWeights {
    keyword_density: f64,
    keyword_coverage: f64,
    title_hit: f64,
    content_length: f64,
    not_parked: f64,
}

/// The JSON input of [`RelevanceWeights`]. When the object is given, a component left out
/// weighs 0; the given ones must sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = RelevanceWeights)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelevanceWeightsInput {
    /// Weight of keyword hits per 1000 words (saturating at `keywordDensityTarget`);
    /// default 0.30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_density: Option<f64>,
    /// Weight of the share of keyword rules with at least one hit; default 0.25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_coverage: Option<f64>,
    /// Weight of a keyword hit in the page title; default 0.15.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_hit: Option<f64>,
    /// Weight of the visible text length (saturating at `contentLengthTarget`); default 0.10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<f64>,
    /// Weight of `1 - parked confidence`; default 0.20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_parked: Option<f64>,
}

schema_from_input!(RelevanceWeights, RelevanceWeightsInput);

impl Default for RelevanceWeights {
    fn default() -> Self {
        Self {
            keyword_density: 0.30,
            keyword_coverage: 0.25,
            title_hit: 0.15,
            content_length: 0.10,
            not_parked: 0.20,
        }
    }
}

impl TryFrom<RelevanceWeightsInput> for RelevanceWeights {
    type Error = ValidationErrors;

    fn try_from(input: RelevanceWeightsInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let mut weight = |field: &str, value: Option<f64>| {
            let value = value.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&value) {
                errors.push(FieldError::new(
                    field,
                    format!("must be between 0 and 1 (got {value})"),
                ));
            }
            value
        };
        let weights = Self {
            keyword_density: weight("keywordDensity", input.keyword_density),
            keyword_coverage: weight("keywordCoverage", input.keyword_coverage),
            title_hit: weight("titleHit", input.title_hit),
            content_length: weight("contentLength", input.content_length),
            not_parked: weight("notParked", input.not_parked),
        };
        if errors.is_empty() {
            let sum = weights.sum();
            if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
                errors.push(FieldError::new(
                    "",
                    format!(
                        "must sum to 1 (got {sum}); components not given weigh 0, and the \
                         defaults are keywordDensity 0.30, keywordCoverage 0.25, titleHit 0.15, \
                         contentLength 0.10, notParked 0.20"
                    ),
                ));
            }
        }
        ValidationErrors::check(errors)?;
        Ok(weights)
    }
}

impl From<RelevanceWeights> for RelevanceWeightsInput {
    fn from(w: RelevanceWeights) -> Self {
        Self {
            keyword_density: Some(w.keyword_density),
            keyword_coverage: Some(w.keyword_coverage),
            title_hit: Some(w.title_hit),
            content_length: Some(w.content_length),
            not_parked: Some(w.not_parked),
        }
    }
}

impl RelevanceWeights {
    /// Weight of the keyword density component.
    pub fn keyword_density(&self) -> f64 {
        self.keyword_density
    }

    /// Weight of the keyword coverage component.
    pub fn keyword_coverage(&self) -> f64 {
        self.keyword_coverage
    }

    /// Weight of the title hit component.
    pub fn title_hit(&self) -> f64 {
        self.title_hit
    }

    /// Weight of the content length component.
    pub fn content_length(&self) -> f64 {
        self.content_length
    }

    /// Weight of the not-parked component.
    pub fn not_parked(&self) -> f64 {
        self.not_parked
    }

    fn sum(&self) -> f64 {
        self.keyword_density
            + self.keyword_coverage
            + self.title_hit
            + self.content_length
            + self.not_parked
    }

    /// The weighted sum of the components, `Σ weight × component`, clamped into `0..=1`
    /// (the weights may sum to 1 ± [`WEIGHT_SUM_TOLERANCE`]). The terms are added in the
    /// order of the fields, the order the store's rescore SQL adds them in too.
    pub fn combine(&self, c: &RelevanceScore) -> f64 {
        clamp01(
            self.keyword_density * c.keyword_density
                + self.keyword_coverage * c.keyword_coverage
                + self.title_hit * c.title_hit
                + self.content_length * c.content_length
                + self.not_parked * c.not_parked,
        )
    }

    /// The relevance score these weights give a page with these components, as stored and
    /// shown (`relevanceScore`): `100 × Σ weight × component`, rounded to three decimals.
    pub fn relevance_score(&self, c: &RelevanceScore) -> f64 {
        round3(100.0 * self.combine(c))
    }
}

/// Rounds a non-negative number to three decimals, half up (how relevance scores are kept):
/// `floor(x × 1000 + 0.5) / 1000`, the same floating-point operations as the store's rescore
/// statement, so the two agree to the last bit.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0 + 0.5).floor() / 1000.0
}

/// What the engine measured on one page, as input to [`ContentAnalysisConfig::score`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RelevanceSignals {
    /// Keyword hits in the visible text, all rules together (title excluded).
    pub keyword_hits: u64,
    /// Words in the visible text.
    pub words: u64,
    /// Keyword rules with at least one hit (text or title).
    pub rules_matched: u32,
    /// Keyword rules in force.
    pub rules_total: u32,
    /// Whether a keyword matched in the page title.
    pub title_hit: bool,
    /// Characters of visible text.
    pub visible_chars: u64,
    /// Confidence that the page is parked or for sale, `0..=1`.
    pub parked_confidence: f64,
}

/// A relevance score and the components it was computed from, each in `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelevanceScore {
    /// The weighted sum of the components.
    pub score: f64,
    /// `min(1, hits per 1000 words / keywordDensityTarget)`; 0 without words.
    pub keyword_density: f64,
    /// `rules matched / rules total`; 0 without rules.
    pub keyword_coverage: f64,
    /// 1 when a keyword matched in the title, else 0.
    pub title_hit: f64,
    /// `min(1, visible characters / contentLengthTarget)`.
    pub content_length: f64,
    /// `1 - parked confidence`.
    pub not_parked: f64,
    /// The formula version used.
    pub scoring_version: u32,
}

/// A validated `content_analysis` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    try_from = "ContentAnalysisConfigInput",
    into = "ContentAnalysisConfigInput"
)]
pub struct ContentAnalysisConfig {
    scoring_version: u32,
    weights: RelevanceWeights,
    keyword_density_target: f64,
    content_length_target: u32,
    parked_threshold: f64,
    detect_language: bool,
    detect_technologies: bool,
}

/// The JSON input of a [`ContentAnalysisConfig`]. Every field is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = ContentAnalysisConfig)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentAnalysisConfigInput {
    /// Version of the relevance formula; only 1 exists. Default: the current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring_version: Option<u32>,
    /// Weights of the relevance components, summing to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<RelevanceWeightsInput>,
    /// Keyword hits per 1000 words at which the density component is full, above 0 and at
    /// most 1000; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_density_target: Option<f64>,
    /// Visible characters at which the content length component is full, 1 to 1000000;
    /// default 2000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length_target: Option<u32>,
    /// Parked confidence at or above which a page counts as parked, above 0 and at most 1;
    /// default 0.7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked_threshold: Option<f64>,
    /// Whether to detect the page language; default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect_language: Option<bool>,
    /// Whether to fingerprint technologies (CMS, frameworks); default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect_technologies: Option<bool>,
}

schema_from_input!(ContentAnalysisConfig, ContentAnalysisConfigInput);

impl Default for ContentAnalysisConfig {
    fn default() -> Self {
        Self {
            scoring_version: CURRENT_SCORING_VERSION,
            weights: RelevanceWeights::default(),
            keyword_density_target: DEFAULT_KEYWORD_DENSITY_TARGET,
            content_length_target: DEFAULT_CONTENT_LENGTH_TARGET,
            parked_threshold: DEFAULT_PARKED_THRESHOLD,
            detect_language: true,
            detect_technologies: true,
        }
    }
}

impl TryFrom<ContentAnalysisConfigInput> for ContentAnalysisConfig {
    type Error = ValidationErrors;

    fn try_from(input: ContentAnalysisConfigInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let defaults = Self::default();
        let scoring_version = input.scoring_version.unwrap_or(CURRENT_SCORING_VERSION);
        if scoring_version != CURRENT_SCORING_VERSION {
            errors.push(FieldError::new(
                "scoringVersion",
                format!(
                    "version {scoring_version} is not supported; supported: {CURRENT_SCORING_VERSION}"
                ),
            ));
        }
        let weights = match input.weights.map(RelevanceWeights::try_from).transpose() {
            Ok(w) => w.unwrap_or_default(),
            Err(e) => {
                errors.extend(e.within("weights").into_errors());
                defaults.weights
            }
        };
        let keyword_density_target = input
            .keyword_density_target
            .unwrap_or(defaults.keyword_density_target);
        if !(keyword_density_target > 0.0 && keyword_density_target <= MAX_KEYWORD_DENSITY_TARGET) {
            errors.push(FieldError::new(
                "keywordDensityTarget",
                format!(
                    "must be above 0 and at most {MAX_KEYWORD_DENSITY_TARGET} (got {keyword_density_target})"
                ),
            ));
        }
        let content_length_target = check::range(
            &mut errors,
            "contentLengthTarget",
            input.content_length_target,
            defaults.content_length_target,
            1,
            MAX_CONTENT_LENGTH_TARGET,
        );
        let parked_threshold = input.parked_threshold.unwrap_or(defaults.parked_threshold);
        if !(parked_threshold > 0.0 && parked_threshold <= 1.0) {
            errors.push(FieldError::new(
                "parkedThreshold",
                format!("must be above 0 and at most 1 (got {parked_threshold})"),
            ));
        }
        ValidationErrors::check(errors)?;
        Ok(Self {
            scoring_version,
            weights,
            keyword_density_target,
            content_length_target,
            parked_threshold,
            detect_language: input.detect_language.unwrap_or(defaults.detect_language),
            detect_technologies: input
                .detect_technologies
                .unwrap_or(defaults.detect_technologies),
        })
    }
}

impl From<ContentAnalysisConfig> for ContentAnalysisConfigInput {
    fn from(c: ContentAnalysisConfig) -> Self {
        Self {
            scoring_version: Some(c.scoring_version),
            weights: Some(c.weights.into()),
            keyword_density_target: Some(c.keyword_density_target),
            content_length_target: Some(c.content_length_target),
            parked_threshold: Some(c.parked_threshold),
            detect_language: Some(c.detect_language),
            detect_technologies: Some(c.detect_technologies),
        }
    }
}

impl ContentAnalysisConfig {
    /// The relevance formula version.
    pub fn scoring_version(&self) -> u32 {
        self.scoring_version
    }

    /// The weights of the relevance components.
    pub fn weights(&self) -> &RelevanceWeights {
        &self.weights
    }

    /// Keyword hits per 1000 words at which the density component is full.
    pub fn keyword_density_target(&self) -> f64 {
        self.keyword_density_target
    }

    /// Visible characters at which the content length component is full.
    pub fn content_length_target(&self) -> u32 {
        self.content_length_target
    }

    /// Parked confidence at or above which a page counts as parked.
    pub fn parked_threshold(&self) -> f64 {
        self.parked_threshold
    }

    /// Whether a page with this parked confidence counts as parked.
    pub fn is_parked(&self, parked_confidence: f64) -> bool {
        parked_confidence >= self.parked_threshold
    }

    /// Whether to detect the page language.
    pub fn detect_language(&self) -> bool {
        self.detect_language
    }

    /// Whether to fingerprint technologies.
    pub fn detect_technologies(&self) -> bool {
        self.detect_technologies
    }

    /// The relevance score of a page (formula version 1), with its components. Out-of-range
    /// or non-finite signals are clamped into `0..=1`, so the score always is in `0..=1`.
    pub fn score(&self, signals: &RelevanceSignals) -> RelevanceScore {
        let ratio = |num: f64, den: f64| {
            if den > 0.0 { clamp01(num / den) } else { 0.0 }
        };
        // Word and hit counts fit f64 exactly far beyond any page size; precision loss
        // above 2^53 would not matter to a ratio anyway.
        let per_thousand = if signals.words > 0 {
            signals.keyword_hits as f64 * 1000.0 / signals.words as f64
        } else {
            0.0
        };
        let keyword_density = ratio(per_thousand, self.keyword_density_target);
        let keyword_coverage = ratio(
            f64::from(signals.rules_matched),
            f64::from(signals.rules_total),
        );
        let title_hit = if signals.title_hit { 1.0 } else { 0.0 };
        let content_length = ratio(
            signals.visible_chars as f64,
            f64::from(self.content_length_target),
        );
        let not_parked = 1.0 - clamp01(signals.parked_confidence);
        let mut components = RelevanceScore {
            score: 0.0,
            keyword_density,
            keyword_coverage,
            title_hit,
            content_length,
            not_parked,
            scoring_version: self.scoring_version,
        };
        components.score = self.weights.combine(&components);
        components
    }

    /// The same configuration with other relevance weights (what a rescore records). The
    /// components do not depend on the weights, so stored components stay valid.
    #[must_use]
    pub fn with_weights(mut self, weights: RelevanceWeights) -> Self {
        self.weights = weights;
        self
    }
}

/// Clamps into `0..=1`, mapping NaN to 0.
fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<ContentAnalysisConfig, ValidationErrors> {
        let input: ContentAnalysisConfigInput = serde_json::from_value(value).unwrap();
        ContentAnalysisConfig::try_from(input)
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
        assert_eq!(c, ContentAnalysisConfig::default());
        assert_eq!(c.scoring_version(), 1);
        assert!((c.weights().sum() - 1.0).abs() < WEIGHT_SUM_TOLERANCE);
        assert_eq!(c.weights().keyword_density(), 0.30);
        assert_eq!(c.weights().keyword_coverage(), 0.25);
        assert_eq!(c.weights().title_hit(), 0.15);
        assert_eq!(c.weights().content_length(), 0.10);
        assert_eq!(c.weights().not_parked(), 0.20);
        assert_eq!(c.keyword_density_target(), 5.0);
        assert_eq!(c.content_length_target(), 2000);
        assert_eq!(c.parked_threshold(), 0.7);
        assert!(c.detect_language() && c.detect_technologies());
        assert!(c.is_parked(0.7) && !c.is_parked(0.69));
    }

    #[test]
    fn weights_left_out_weigh_zero() {
        let c = parse(json!({"weights": {"keywordCoverage": 0.5, "titleHit": 0.5}})).unwrap();
        assert_eq!(c.weights().keyword_density(), 0.0);
        assert_eq!(c.weights().keyword_coverage(), 0.5);
        let c = parse(json!({"weights": {"notParked": 1}})).unwrap();
        assert_eq!(c.weights().not_parked(), 1.0);
        // Decimal rounding is tolerated.
        assert!(
            parse(
                json!({"weights": {"keywordDensity": 0.1, "keywordCoverage": 0.2,
                "titleHit": 0.3, "contentLength": 0.2, "notParked": 0.2}})
            )
            .is_ok()
        );
    }

    #[test]
    fn weight_errors() {
        assert_eq!(fields(json!({"weights": {"titleHit": 0.5}})), ["weights"]);
        assert_eq!(fields(json!({"weights": {}})), ["weights"]);
        assert_eq!(
            fields(json!({"weights": {"titleHit": 1.5, "notParked": -0.5}})),
            ["weights.titleHit", "weights.notParked"]
        );
        let e = parse(json!({"weights": {"titleHit": 0.5}})).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("weights: must sum to 1 (got 0.5)"),
            "{e}"
        );
        let e =
            serde_json::from_value::<ContentAnalysisConfigInput>(json!({"weights": {"title": 1}}))
                .unwrap_err()
                .to_string();
        assert!(e.contains("unknown field `title`"), "{e}");
    }

    #[test]
    fn bounds() {
        for (value, field) in [
            (json!({"scoringVersion": 2}), "scoringVersion"),
            (json!({"scoringVersion": 0}), "scoringVersion"),
            (json!({"keywordDensityTarget": 0}), "keywordDensityTarget"),
            (
                json!({"keywordDensityTarget": 1000.5}),
                "keywordDensityTarget",
            ),
            (json!({"contentLengthTarget": 0}), "contentLengthTarget"),
            (
                json!({"contentLengthTarget": 1_000_001}),
                "contentLengthTarget",
            ),
            (json!({"parkedThreshold": 0}), "parkedThreshold"),
            (json!({"parkedThreshold": 1.01}), "parkedThreshold"),
        ] {
            assert_eq!(fields(value.clone()), [field], "{value}");
        }
        assert!(
            parse(
                json!({"parkedThreshold": 1, "keywordDensityTarget": 0.5, "contentLengthTarget": 1})
            )
            .is_ok()
        );
        let e = serde_json::from_value::<ContentAnalysisConfigInput>(json!({"minScore": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `minScore`"), "{e}");
    }

    #[test]
    fn score_formula() {
        let c = ContentAnalysisConfig::default();
        let full = RelevanceSignals {
            keyword_hits: 10,
            words: 1000,
            rules_matched: 4,
            rules_total: 4,
            title_hit: true,
            visible_chars: 5000,
            parked_confidence: 0.0,
        };
        let s = c.score(&full);
        assert!((s.score - 1.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.scoring_version, 1);

        let empty = RelevanceSignals::default();
        let s = c.score(&empty);
        // Only "not parked" contributes on an empty, unparked page.
        assert!((s.score - 0.20).abs() < 1e-9, "{s:?}");
        assert_eq!(s.keyword_density, 0.0);
        assert_eq!(s.keyword_coverage, 0.0);

        let half = RelevanceSignals {
            keyword_hits: 5,
            words: 2000,
            rules_matched: 1,
            rules_total: 2,
            title_hit: false,
            visible_chars: 1000,
            parked_confidence: 0.5,
        };
        let s = c.score(&half);
        assert_eq!(s.keyword_density, 0.5);
        assert_eq!(s.keyword_coverage, 0.5);
        assert_eq!(s.title_hit, 0.0);
        assert_eq!(s.content_length, 0.5);
        assert_eq!(s.not_parked, 0.5);
        assert!((s.score - 0.425).abs() < 1e-9, "{s:?}");

        let odd = RelevanceSignals {
            rules_matched: 9,
            rules_total: 3,
            parked_confidence: f64::NAN,
            ..RelevanceSignals::default()
        };
        let s = c.score(&odd);
        assert_eq!(s.keyword_coverage, 1.0);
        assert_eq!(s.not_parked, 1.0);
        assert!((0.0..=1.0).contains(&s.score));
    }

    #[test]
    fn combine_relevance_score_and_new_weights() {
        let c = ContentAnalysisConfig::default();
        let half = c.score(&RelevanceSignals {
            keyword_hits: 5,
            words: 2000,
            rules_matched: 1,
            rules_total: 2,
            title_hit: false,
            visible_chars: 1000,
            parked_confidence: 0.5,
        });
        assert_eq!(c.weights().combine(&half), half.score);
        assert_eq!(c.weights().relevance_score(&half), 42.5);

        let w = RelevanceWeights::try_from(RelevanceWeightsInput {
            title_hit: Some(0.5),
            not_parked: Some(0.5),
            ..RelevanceWeightsInput::default()
        })
        .unwrap();
        // Title hit 0, not parked 0.5: 0.5 × 0 + 0.5 × 0.5.
        assert_eq!(w.relevance_score(&half), 25.0);
        let rescored = c.clone().with_weights(w);
        assert_eq!(rescored.weights(), &w);
        assert_eq!(
            rescored.keyword_density_target(),
            c.keyword_density_target()
        );
        assert_eq!(rescored.score(&RelevanceSignals::default()).score, 0.5);

        // Weights a hair over 1 (within the tolerance) never score above 100.
        let w = RelevanceWeights::try_from(RelevanceWeightsInput {
            keyword_density: Some(0.300_000_5),
            keyword_coverage: Some(0.25),
            title_hit: Some(0.15),
            content_length: Some(0.1),
            not_parked: Some(0.2),
        })
        .unwrap();
        let full = RelevanceScore {
            score: 1.0,
            keyword_density: 1.0,
            keyword_coverage: 1.0,
            title_hit: 1.0,
            content_length: 1.0,
            not_parked: 1.0,
            scoring_version: 1,
        };
        assert_eq!(w.relevance_score(&full), 100.0);
        assert_eq!(round3(12.345_67), 12.346);
    }

    #[test]
    fn round_trip() {
        for value in [
            json!({}),
            json!({"weights": {"keywordDensity": 0.5, "notParked": 0.5}, "keywordDensityTarget": 2.5,
                "contentLengthTarget": 500, "parkedThreshold": 0.9, "detectLanguage": false,
                "detectTechnologies": false}),
        ] {
            let c = parse(value).unwrap();
            let json = serde_json::to_value(&c).unwrap();
            let back: ContentAnalysisConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, c);
            assert_eq!(serde_json::to_value(&back).unwrap(), json);
        }
        assert_eq!(
            serde_json::to_value(ContentAnalysisConfig::default()).unwrap(),
            json!({
                "scoringVersion": 1,
                "weights": {"keywordDensity": 0.3, "keywordCoverage": 0.25, "titleHit": 0.15,
                    "contentLength": 0.1, "notParked": 0.2},
                "keywordDensityTarget": 5.0, "contentLengthTarget": 2000,
                "parkedThreshold": 0.7, "detectLanguage": true, "detectTechnologies": true
            })
        );
    }
}
