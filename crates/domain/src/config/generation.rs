//! The `domain_generation` pattern configuration (SPEC §2.1).
//!
//! A pattern builds one label from a variable part (characters from `characterSet`) and a
//! constant part, in one of three shapes, then appends `.` and each TLD in turn:
//!
//! | `patternType` | label                  | variable lengths used              |
//! |---------------|------------------------|------------------------------------|
//! | `prefix`      | `VAR + CONST`          | `prefixLength` ≥ 1                 |
//! | `suffix`      | `CONST + VAR`          | `suffixLength` ≥ 1                 |
//! | `both`        | `VAR1 + CONST + VAR2`  | `prefixLength` ≥ 1, `suffixLength` ≥ 1 |
//!
//! Validation decisions (see also `docs/generation.md`):
//!
//! - Uppercase letters in `constantString` and `characterSet` are lowercased (names are
//!   case-insensitive); the configuration serialises in that normal form.
//! - `characterSet` may hold ASCII letters and digits only, each at most once (case ignored).
//!   A hyphen is refused: some generated labels would start or end with it.
//! - `constantString` may be empty and may hold ASCII letters, digits and hyphens, as long as
//!   no generated label starts or ends with a hyphen or has `--` at positions 3–4 (reserved for
//!   `xn--` labels). Non-ASCII constants are refused: punycode is computed over a whole label,
//!   so a Unicode constant would not stay a constant in the generated names.
//! - The length of a part the pattern does not use must be 0 or omitted: a non-zero value is
//!   refused rather than ignored, because it means the sender expects a part that will not
//!   be there.
//! - Each TLD is a domain suffix (`com`, `co.uk`); IDN TLDs are converted to punycode
//!   (`рф` → `xn--p1ai`), one leading and one trailing dot are dropped, duplicates are refused.
//! - Every generated label is at most 63 bytes and every name at most 253 bytes.
//! - The number of names must fit in a `u128`; otherwise the configuration is refused (the
//!   total is never saturated).
//! - `offsetStart` must be below the total (an offset at the end means the pattern is
//!   exhausted, which is an error, never a wrap-around); `maxDomains` must be at least 1.
//!
//! Errors that concern the variable lengths as a whole (label too long, space too large) are
//! reported on `prefixLength`, or on `suffixLength` for the `suffix` pattern.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ValidationErrors};
use crate::generator::Generator;
use crate::name::{MAX_LABEL_LEN, MAX_NAME_LEN, ldh_byte, normalize_suffix};

/// Where the variable part of the label goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PatternType {
    /// `VAR + CONST`: the variable part comes first.
    Prefix,
    /// `CONST + VAR`: the variable part comes last.
    Suffix,
    /// `VAR1 + CONST + VAR2`: variable parts on both sides.
    Both,
}

impl PatternType {
    /// The JSON spelling: `prefix`, `suffix` or `both`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PatternType::Prefix => "prefix",
            PatternType::Suffix => "suffix",
            PatternType::Both => "both",
        }
    }

    /// Whether the label has a variable part before the constant.
    pub const fn has_prefix(self) -> bool {
        matches!(self, PatternType::Prefix | PatternType::Both)
    }

    /// Whether the label has a variable part after the constant.
    pub const fn has_suffix(self) -> bool {
        matches!(self, PatternType::Suffix | PatternType::Both)
    }
}

impl fmt::Display for PatternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON input of a [`DomainGenerationConfig`], as received; validate it with
/// `DomainGenerationConfig::try_from`.
///
/// ```json
/// {"patternType": "both", "constantString": "shop", "characterSet": "ab",
///  "prefixLength": 1, "suffixLength": 2, "tlds": ["com", "net", "рф"]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = DomainGenerationConfig)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DomainGenerationConfigInput {
    /// Where the variable part goes: `prefix` (`VAR + CONST`), `suffix` (`CONST + VAR`) or
    /// `both` (`VAR1 + CONST + VAR2`).
    pub pattern_type: PatternType,
    /// The constant part of every label (ASCII letters, digits, hyphens; may be empty).
    #[serde(default)]
    pub constant_string: String,
    /// The characters of the variable parts, in enumeration order (ASCII letters and digits,
    /// each once), e.g. `abcdefghijklmnopqrstuvwxyz0123456789`.
    pub character_set: String,
    /// Length of the variable part before the constant (`prefix`, `both`); 0 or absent
    /// otherwise.
    #[serde(default)]
    pub prefix_length: u32,
    /// Length of the variable part after the constant (`suffix`, `both`); 0 or absent
    /// otherwise.
    #[serde(default)]
    pub suffix_length: u32,
    /// The TLDs (or suffixes such as `co.uk`), all used, in this order; IDN TLDs are converted
    /// to punycode.
    pub tlds: Vec<String>,
    /// Ordinal of the first name of the campaign (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_start: Option<u64>,
    /// At most this many names (default: all names from `offsetStart` to the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_domains: Option<u64>,
}

/// A validated pattern configuration. Deserialises through [`DomainGenerationConfigInput`] and
/// serialises to the same JSON shape, in normal form (lowercase, punycode TLDs).
///
/// The names it describes, their order and their count are computed by its [`Generator`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "DomainGenerationConfigInput")]
pub struct DomainGenerationConfig {
    pattern_type: PatternType,
    constant_string: String,
    character_set: String,
    prefix_length: u32,
    suffix_length: u32,
    tlds: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset_start: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_domains: Option<u64>,
    /// The number of names in the pattern, computed once at validation.
    #[serde(skip)]
    total: u128,
}

schema_from_input!(DomainGenerationConfig, DomainGenerationConfigInput);

impl DomainGenerationConfig {
    /// Where the variable part goes.
    pub fn pattern_type(&self) -> PatternType {
        self.pattern_type
    }

    /// The constant part of every label, lowercase (possibly empty).
    pub fn constant_string(&self) -> &str {
        &self.constant_string
    }

    /// The characters of the variable parts, lowercase, in enumeration order.
    pub fn character_set(&self) -> &str {
        &self.character_set
    }

    /// Length of the variable part before the constant (0 for `suffix`).
    pub fn prefix_length(&self) -> u32 {
        self.prefix_length
    }

    /// Length of the variable part after the constant (0 for `prefix`).
    pub fn suffix_length(&self) -> u32 {
        self.suffix_length
    }

    /// The TLDs in normal form (lowercase ASCII, punycode), in enumeration order.
    pub fn tlds(&self) -> &[String] {
        &self.tlds
    }

    /// `offsetStart` as given.
    pub fn offset_start(&self) -> Option<u64> {
        self.offset_start
    }

    /// `maxDomains` as given.
    pub fn max_domains(&self) -> Option<u64> {
        self.max_domains
    }

    /// The exact number of names in the pattern (all TLDs).
    pub fn total(&self) -> u128 {
        self.total
    }

    /// The ordinals a campaign with this configuration generates:
    /// `[offsetStart, min(total, offsetStart + maxDomains))`. Never empty (validation
    /// guarantees `offsetStart < total` and `maxDomains ≥ 1`).
    pub fn campaign_range(&self) -> Range<u128> {
        let start = u128::from(self.offset_start.unwrap_or(0));
        let end = match self.max_domains {
            Some(max) => start.saturating_add(u128::from(max)).min(self.total),
            None => self.total,
        };
        start..end
    }

    /// Whether `maxDomains` asks for more names than remain after `offsetStart` (the campaign
    /// then gets only [`Self::campaign_range`]; a preview should warn).
    pub fn exceeds_remaining(&self) -> bool {
        let range = self.campaign_range();
        self.max_domains
            .is_some_and(|max| u128::from(max) > range.end - range.start)
    }

    /// A canonical string identifying the exact generator parameters (everything that changes
    /// which name has which ordinal; not `offsetStart` nor `maxDomains`). Two configurations have
    /// the same key exactly when their generators produce the same sequence. The store keys
    /// its per-pattern high-water marks on it.
    ///
    /// Format (stable): `v1|<patternType>|p=<prefixLength>|s=<suffixLength>|k=<constant>|c=<characterSet>|t=<tld>,<tld>…`
    /// with every value in normal form and the TLDs in their configured order, for example
    /// `v1|both|p=1|s=2|k=shop|c=ab|t=com,net,xn--p1ai`. The separators cannot occur in the
    /// values. The `v1` would change only with the enumeration order, which is a public
    /// contract. The key grows with the number of TLDs; a store may hash it for indexing.
    pub fn pattern_key(&self) -> String {
        let tlds_len: usize = self.tlds.iter().map(|t| t.len() + 1).sum();
        let mut key = String::with_capacity(
            40 + self.constant_string.len() + self.character_set.len() + tlds_len,
        );
        key.push_str("v1|");
        key.push_str(self.pattern_type.as_str());
        key.push_str(&format!(
            "|p={}|s={}|k=",
            self.prefix_length, self.suffix_length
        ));
        key.push_str(&self.constant_string);
        key.push_str("|c=");
        key.push_str(&self.character_set);
        key.push_str("|t=");
        key.push_str(&self.tlds.join(","));
        key
    }

    /// The generator of this pattern's names.
    pub fn generator(&self) -> Generator {
        Generator::new(self)
    }
}

impl From<DomainGenerationConfig> for DomainGenerationConfigInput {
    fn from(config: DomainGenerationConfig) -> Self {
        Self {
            pattern_type: config.pattern_type,
            constant_string: config.constant_string,
            character_set: config.character_set,
            prefix_length: config.prefix_length,
            suffix_length: config.suffix_length,
            tlds: config.tlds,
            offset_start: config.offset_start,
            max_domains: config.max_domains,
        }
    }
}

impl TryFrom<DomainGenerationConfigInput> for DomainGenerationConfig {
    type Error = ValidationErrors;

    fn try_from(input: DomainGenerationConfigInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let pattern = input.pattern_type;
        let constant = check_constant(&input.constant_string, &mut errors);
        let charset = check_charset(&input.character_set, &mut errors);
        let lengths_ok = check_lengths(
            pattern,
            input.prefix_length,
            input.suffix_length,
            &mut errors,
        );
        let tlds = check_tlds(&input.tlds, &mut errors);
        let (p, s) = (input.prefix_length, input.suffix_length);

        // Cross-field checks, each only when the fields it combines are valid on their own, so
        // that one mistake is reported once.
        let mut label_len = None;
        if let (Some(constant), true) = (&constant, lengths_ok) {
            label_len = check_label(pattern, constant, p, s, &mut errors);
        }
        if let (Some(label_len), Some(tlds)) = (label_len, &tlds) {
            for (i, tld) in tlds.iter().enumerate() {
                let name_len = label_len + 1 + tld.len();
                if name_len > MAX_NAME_LEN {
                    errors.push(FieldError::new(
                        format!("tlds[{i}]"),
                        format!(
                            "makes names {name_len} bytes long (a {label_len}-byte label, a dot and \
                             `{tld}`); the maximum is {MAX_NAME_LEN}"
                        ),
                    ));
                }
            }
        }
        let mut total = None;
        if let (Some(charset), Some(tlds), Some(_)) = (&charset, &tlds, label_len) {
            total = space_size(charset.len(), p + s, tlds.len());
            if total.is_none() {
                errors.push(FieldError::new(
                    length_field(pattern),
                    format!(
                        "the pattern has {}^{} × {} names, more than 2^128 − 1 (about 3.4 × 10^38); \
                         use shorter variable parts, a smaller character set or fewer TLDs",
                        charset.len(),
                        p + s,
                        tlds.len()
                    ),
                ));
            }
        }
        if input.max_domains == Some(0) {
            errors.push(FieldError::new("maxDomains", "must be at least 1"));
        }
        if let (Some(total), Some(offset)) = (total, input.offset_start)
            && u128::from(offset) >= total
        {
            errors.push(FieldError::new(
                "offsetStart",
                format!(
                    "must be less than the number of names in the pattern ({total}); at {offset} \
                     the pattern is exhausted"
                ),
            ));
        }

        ValidationErrors::check(errors)?;
        match (constant, charset, tlds, total) {
            (Some(constant_string), Some(character_set), Some(tlds), Some(total)) => Ok(Self {
                pattern_type: pattern,
                constant_string,
                character_set,
                prefix_length: p,
                suffix_length: s,
                tlds,
                offset_start: input.offset_start,
                max_domains: input.max_domains,
                total,
            }),
            // Every `None` above comes with an error, so this is not reached; answering with
            // an error rather than panicking keeps it harmless if a check is ever changed.
            _ => Err(ValidationErrors::single(
                "",
                "the configuration is invalid (internal: a check failed without a message)",
            )),
        }
    }
}

/// The field that errors about the variable lengths as a whole are reported on.
fn length_field(pattern: PatternType) -> &'static str {
    if pattern == PatternType::Suffix {
        "suffixLength"
    } else {
        "prefixLength"
    }
}

/// `radix^(p+s) × tlds`, or `None` when it does not fit in a `u128`.
fn space_size(radix: usize, var_len: u32, tlds: usize) -> Option<u128> {
    let radix = u128::try_from(radix).ok()?;
    let tlds = u128::try_from(tlds).ok()?;
    radix.checked_pow(var_len)?.checked_mul(tlds)
}

/// At most this many characters are listed in one error message.
const MAX_LISTED: usize = 8;

/// Joins items for a message, eliding after [`MAX_LISTED`].
fn listing(items: &[String]) -> String {
    let mut out = items
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX_LISTED {
        out.push_str(&format!(" and {} more", items.len() - MAX_LISTED));
    }
    out
}

fn quoted(c: char) -> String {
    if c.is_whitespace() || c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Lowercases the constant and checks its characters (LDH); where it sits in the label is
/// checked by [`check_label`].
fn check_constant(constant: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let mut normal = String::with_capacity(constant.len());
    let mut bad = Vec::new();
    for (i, c) in constant.chars().enumerate() {
        match ldh_byte(c) {
            Some(b) => normal.push(char::from(b)),
            None => bad.push(format!("{} at position {}", quoted(c), i + 1)),
        }
    }
    if bad.is_empty() {
        return Some(normal);
    }
    let mut message = format!(
        "must contain only letters a-z, digits 0-9 and hyphens; found {}",
        listing(&bad)
    );
    if !constant.is_ascii() {
        message.push_str(
            " (internationalised constants are not supported: punycode encodes a whole label, \
             so the constant would not stay constant in the generated names)",
        );
    }
    errors.push(FieldError::new("constantString", message));
    None
}

/// Lowercases the character set and checks it: letters and digits only, each once.
fn check_charset(charset: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    const FIELD: &str = "characterSet";
    if charset.is_empty() {
        errors.push(FieldError::new(
            FIELD,
            "must contain at least one character",
        ));
        return None;
    }
    let mut normal = String::with_capacity(charset.len());
    let mut first_seen: HashMap<u8, (usize, char)> = HashMap::new();
    let (mut bad, mut repeated, mut hyphen) = (Vec::new(), Vec::new(), false);
    for (i, c) in charset.chars().enumerate() {
        let position = i + 1;
        match ldh_byte(c) {
            Some(b'-') => hyphen = true,
            Some(b) => {
                if let Some(&(first, first_char)) = first_seen.get(&b) {
                    let case = if first_char == c {
                        ""
                    } else {
                        " (case is ignored)"
                    };
                    repeated.push(format!(
                        "{} at position {position} repeats {} at position {first}{case}",
                        quoted(c),
                        quoted(first_char)
                    ));
                } else {
                    first_seen.insert(b, (position, c));
                    normal.push(char::from(b));
                }
            }
            None => bad.push(format!("{} at position {position}", quoted(c))),
        }
    }
    if hyphen {
        errors.push(FieldError::new(
            FIELD,
            "must not contain a hyphen: the variable part touches the start or the end of the \
             label, so some generated labels would start or end with a hyphen",
        ));
    }
    if !bad.is_empty() {
        errors.push(FieldError::new(
            FIELD,
            format!(
                "must contain only letters a-z and digits 0-9; found {}",
                listing(&bad)
            ),
        ));
    }
    if !repeated.is_empty() {
        errors.push(FieldError::new(
            FIELD,
            format!("must not contain a character twice; {}", listing(&repeated)),
        ));
    }
    (!hyphen && bad.is_empty() && repeated.is_empty()).then_some(normal)
}

/// Checks that the pattern uses exactly the variable parts it has.
fn check_lengths(pattern: PatternType, p: u32, s: u32, errors: &mut Vec<FieldError>) -> bool {
    let before = errors.len();
    for (field, length, used) in [
        ("prefixLength", p, pattern.has_prefix()),
        ("suffixLength", s, pattern.has_suffix()),
    ] {
        if used && length == 0 {
            errors.push(FieldError::new(
                field,
                format!("must be at least 1 for the `{pattern}` pattern"),
            ));
        } else if !used && length != 0 {
            let part = if field == "prefixLength" {
                "before"
            } else {
                "after"
            };
            errors.push(FieldError::new(
                field,
                format!(
                    "must be 0 or absent for the `{pattern}` pattern, which has no variable part \
                     {part} the constant (got {length})"
                ),
            ));
        }
    }
    errors.len() == before
}

/// Checks the shape of the generated label: its length and where the constant's hyphens land.
/// Returns the label length when it is fine.
fn check_label(
    pattern: PatternType,
    constant: &str,
    p: u32,
    s: u32,
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    let (p, s) = (p as usize, s as usize);
    let k = constant.len();
    let label_len = p.saturating_add(k).saturating_add(s);
    if label_len > MAX_LABEL_LEN {
        let field = if k + usize::from(pattern.has_prefix()) + usize::from(pattern.has_suffix())
            > MAX_LABEL_LEN
        {
            "constantString"
        } else {
            length_field(pattern)
        };
        errors.push(FieldError::new(
            field,
            format!(
                "makes the generated labels {label_len} bytes long ({p} + {k} + {s} for the \
                 prefix, the constant and the suffix); the maximum is {MAX_LABEL_LEN}"
            ),
        ));
        return None;
    }
    // The byte of the label at `i`, or `None` where a variable character goes (never a hyphen).
    let at = |i: usize| (p..p + k).contains(&i).then(|| constant.as_bytes()[i - p]);
    let before = errors.len();
    if at(0) == Some(b'-') {
        errors.push(FieldError::new(
            "constantString",
            format!(
                "must not start with a hyphen for the `{pattern}` pattern: every generated label \
                 would start with it"
            ),
        ));
    }
    if at(label_len - 1) == Some(b'-') {
        errors.push(FieldError::new(
            "constantString",
            format!(
                "must not end with a hyphen for the `{pattern}` pattern: every generated label \
                 would end with it"
            ),
        ));
    }
    if label_len >= 4 && at(2) == Some(b'-') && at(3) == Some(b'-') {
        errors.push(FieldError::new(
            "constantString",
            "puts `--` at positions 3 and 4 of every generated label, which is reserved for \
             internationalised (`xn--`) labels",
        ));
    }
    (errors.len() == before).then_some(label_len)
}

/// Normalises the TLDs and refuses duplicates. Returns them when all are fine.
fn check_tlds(tlds: &[String], errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    if tlds.is_empty() {
        errors.push(FieldError::new("tlds", "must contain at least one TLD"));
        return None;
    }
    let before = errors.len();
    let mut normal = Vec::with_capacity(tlds.len());
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(tlds.len());
    for (i, tld) in tlds.iter().enumerate() {
        let field = format!("tlds[{i}]");
        match normalize_suffix(tld) {
            Ok(tld) => {
                let tld = tld.into_owned();
                if let Some(&first) = seen.get(&tld) {
                    errors.push(FieldError::new(
                        field,
                        format!("duplicates tlds[{first}] (both are `{tld}`)"),
                    ));
                } else {
                    seen.insert(tld.clone(), i);
                    normal.push(tld);
                }
            }
            Err(e) => errors.push(FieldError::new(field, e.to_string())),
        }
    }
    (errors.len() == before).then_some(normal)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(value: serde_json::Value) -> Result<DomainGenerationConfig, ValidationErrors> {
        let input: DomainGenerationConfigInput =
            serde_json::from_value(value).expect("input shape");
        DomainGenerationConfig::try_from(input)
    }

    fn errors(value: serde_json::Value) -> Vec<(String, String)> {
        match config(value) {
            Ok(c) => panic!("accepted: {c:?}"),
            Err(e) => e
                .into_errors()
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect(),
        }
    }

    fn fields(value: serde_json::Value) -> Vec<String> {
        errors(value).into_iter().map(|(f, _)| f).collect()
    }

    fn example() -> serde_json::Value {
        json!({
            "patternType": "both", "constantString": "shop", "characterSet": "ab",
            "prefixLength": 1, "suffixLength": 2, "tlds": ["com", "net", "рф"]
        })
    }

    #[test]
    fn documented_example() {
        let c = config(example()).expect("valid");
        assert_eq!(c.total(), 24);
        assert_eq!(c.tlds(), ["com", "net", "xn--p1ai"]);
        assert_eq!(c.campaign_range(), 0..24);
        assert!(!c.exceeds_remaining());
        assert_eq!(
            c.pattern_key(),
            "v1|both|p=1|s=2|k=shop|c=ab|t=com,net,xn--p1ai"
        );
    }

    #[test]
    fn normalises_case_and_idn_and_round_trips() {
        let c = config(json!({
            "patternType": "prefix", "constantString": "Shop", "characterSet": "ABC",
            "prefixLength": 2, "tlds": [".COM", "РФ.", "co.uk"], "offsetStart": 3, "maxDomains": 10
        }))
        .expect("valid");
        assert_eq!(c.constant_string(), "shop");
        assert_eq!(c.character_set(), "abc");
        assert_eq!(c.tlds(), ["com", "xn--p1ai", "co.uk"]);
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(
            json,
            json!({
                "patternType": "prefix", "constantString": "shop", "characterSet": "abc",
                "prefixLength": 2, "suffixLength": 0, "tlds": ["com", "xn--p1ai", "co.uk"],
                "offsetStart": 3, "maxDomains": 10
            })
        );
        let back: DomainGenerationConfig = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, c);
        assert_eq!(back.pattern_key(), c.pattern_key());
        assert_eq!(c.campaign_range(), 3..13);
        let input = DomainGenerationConfigInput::from(c.clone());
        assert_eq!(DomainGenerationConfig::try_from(input), Ok(c));
    }

    #[test]
    fn pattern_key_ignores_offset_and_max_only() {
        let a = config(example()).expect("valid");
        let mut other = example();
        other["offsetStart"] = json!(5);
        other["maxDomains"] = json!(2);
        other["constantString"] = json!("SHOP");
        let b = config(other).expect("valid");
        assert_eq!(a.pattern_key(), b.pattern_key());
        for (field, value) in [
            ("patternType", json!("prefix")),
            ("characterSet", json!("ba")),
            ("tlds", json!(["net", "com", "рф"])),
            ("constantString", json!("shoq")),
        ] {
            let mut changed = example();
            changed[field] = value;
            if field == "patternType" {
                changed["suffixLength"] = json!(0);
            }
            let c = config(changed).expect("valid");
            assert_ne!(c.pattern_key(), a.pattern_key(), "{field}");
        }
    }

    #[test]
    fn unknown_fields_and_bad_pattern_types_are_refused_by_serde() {
        let mut v = example();
        v["prefixLen"] = json!(1);
        let e = serde_json::from_value::<DomainGenerationConfigInput>(v)
            .expect_err("unknown field")
            .to_string();
        assert!(e.contains("unknown field `prefixLen`"), "{e}");
        let mut v = example();
        v["patternType"] = json!("middle");
        let e = serde_json::from_value::<DomainGenerationConfig>(v)
            .expect_err("bad variant")
            .to_string();
        assert!(e.contains("unknown variant `middle`"), "{e}");
    }

    #[test]
    fn deserialising_the_config_validates() {
        let mut v = example();
        v["characterSet"] = json!("a-b");
        let e = serde_json::from_value::<DomainGenerationConfig>(v)
            .expect_err("invalid")
            .to_string();
        assert!(
            e.starts_with("characterSet: must not contain a hyphen"),
            "{e}"
        );
    }

    #[test]
    fn character_set_problems() {
        let mut v = example();
        v["characterSet"] = json!("aAb_c.a");
        let e = errors(v);
        assert_eq!(
            e,
            [
                (
                    "characterSet".to_owned(),
                    "must contain only letters a-z and digits 0-9; found `_` at position 4, `.` at position 6"
                        .to_owned()
                ),
                (
                    "characterSet".to_owned(),
                    "must not contain a character twice; `A` at position 2 repeats `a` at position 1 (case is ignored), `a` at position 7 repeats `a` at position 1"
                        .to_owned()
                ),
            ]
        );
        let mut v = example();
        v["characterSet"] = json!("");
        assert_eq!(fields(v), ["characterSet"]);
        let mut v = example();
        v["characterSet"] = json!("é");
        assert_eq!(fields(v), ["characterSet"]);
    }

    #[test]
    fn constant_problems() {
        let mut v = example();
        v["constantString"] = json!("café bar");
        let e = errors(v);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "constantString");
        assert!(
            e[0].1.contains("`é` at position 4, U+0020 at position 5"),
            "{}",
            e[0].1
        );
        assert!(e[0].1.contains("internationalised constants"), "{}", e[0].1);

        // Hyphens at the label's edges, by pattern type.
        let prefix = |constant: &str| {
            json!({"patternType": "prefix", "constantString": constant, "characterSet": "ab",
                   "prefixLength": 2, "tlds": ["com"]})
        };
        let suffix = |constant: &str| {
            json!({"patternType": "suffix", "constantString": constant, "characterSet": "ab",
                   "suffixLength": 2, "tlds": ["com"]})
        };
        assert!(config(prefix("-shop")).is_ok());
        assert_eq!(fields(prefix("shop-")), ["constantString"]);
        assert!(config(suffix("shop-")).is_ok());
        assert_eq!(fields(suffix("-shop")), ["constantString"]);
        let mut both = example();
        both["constantString"] = json!("-");
        assert!(config(both).is_ok());
        // `--` at positions 3–4: reserved.
        assert_eq!(fields(suffix("xn--")), ["constantString"]);
        assert_eq!(fields(prefix("--ab")), ["constantString"]);
        assert!(config(prefix("a--b")).is_ok());
        // An empty constant is allowed: pure variable labels.
        assert_eq!(config(prefix("")).expect("valid").total(), 4);
    }

    #[test]
    fn lengths_follow_the_pattern_type() {
        let mut v = example();
        v["prefixLength"] = json!(0);
        assert_eq!(
            errors(v),
            [(
                "prefixLength".to_owned(),
                "must be at least 1 for the `both` pattern".to_owned()
            )]
        );
        let v = json!({"patternType": "prefix", "characterSet": "ab", "prefixLength": 1,
                       "suffixLength": 3, "tlds": ["com"]});
        assert_eq!(
            errors(v),
            [(
                "suffixLength".to_owned(),
                "must be 0 or absent for the `prefix` pattern, which has no variable part after \
                 the constant (got 3)"
                    .to_owned()
            )]
        );
        let v = json!({"patternType": "suffix", "characterSet": "ab", "suffixLength": 0,
                       "tlds": ["com"]});
        assert_eq!(fields(v), ["suffixLength"]);
    }

    #[test]
    fn label_and_name_lengths() {
        let v = |p: u32, k: usize, s: u32, tld: &str| {
            json!({"patternType": "both", "constantString": "k".repeat(k), "characterSet": "a",
                   "prefixLength": p, "suffixLength": s, "tlds": ["com", tld]})
        };
        assert!(config(v(1, 61, 1, "net")).is_ok());
        assert_eq!(fields(v(2, 61, 1, "net")), ["prefixLength"]);
        assert_eq!(fields(v(1, 62, 1, "net")), ["constantString"]);
        assert_eq!(fields(v(u32::MAX, 1, u32::MAX, "net")), ["prefixLength"]);
        // 63 + 1 + 189 = 253 fits; one more byte does not.
        // A suffix of `n` bytes (128 < n <= 190): two 63-byte labels and a shorter one.
        let tld = |n: usize| format!("{0}.{0}.{1}", "t".repeat(63), "t".repeat(n - 128));
        assert_eq!(tld(189).len(), 189);
        assert!(config(v(1, 61, 1, &tld(189))).is_ok());
        let e = errors(v(1, 61, 1, &tld(190)));
        assert_eq!(e[0].0, "tlds[1]");
        assert!(
            e[0].1.starts_with("makes names 254 bytes long"),
            "{}",
            e[0].1
        );
    }

    #[test]
    fn tld_problems() {
        let mut v = example();
        v["tlds"] = json!(["com", "b_d", "COM", ".net", "123", "", "xn--zz"]);
        let e = errors(v);
        let paths: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            paths,
            ["tlds[1]", "tlds[2]", "tlds[4]", "tlds[5]", "tlds[6]"]
        );
        assert_eq!(
            e[0].1,
            "label 1 `b_d` has the character `_` at position 2; only letters a-z, digits 0-9 and hyphens are allowed"
        );
        assert_eq!(e[1].1, "duplicates tlds[0] (both are `com`)");
        let mut v = example();
        v["tlds"] = json!([]);
        assert_eq!(fields(v), ["tlds"]);
    }

    #[test]
    fn overflowing_spaces_are_refused() {
        // 36^24 ≈ 2^124 fits with one TLD; 36^25 ≈ 2^129 does not.
        let v = |len: u32, tlds: serde_json::Value| {
            json!({"patternType": "prefix", "characterSet": "abcdefghijklmnopqrstuvwxyz0123456789",
                   "prefixLength": len, "tlds": tlds})
        };
        let c = config(v(24, json!(["com"]))).expect("fits");
        assert_eq!(c.total(), 36u128.pow(24));
        let e = errors(v(25, json!(["com"])));
        assert_eq!(e[0].0, "prefixLength");
        assert!(e[0].1.contains("36^25 × 1 names"), "{}", e[0].1);
        // 36^24 × 32 > 2^128.
        let many: Vec<String> = (0..32).map(|i| format!("t{i}")).collect();
        assert_eq!(fields(v(24, json!(many))), ["prefixLength"]);
    }

    #[test]
    fn offset_and_max() {
        let mut v = example();
        v["offsetStart"] = json!(24);
        v["maxDomains"] = json!(0);
        let e = errors(v);
        assert_eq!(
            e,
            [
                ("maxDomains".to_owned(), "must be at least 1".to_owned()),
                (
                    "offsetStart".to_owned(),
                    "must be less than the number of names in the pattern (24); at 24 the \
                     pattern is exhausted"
                        .to_owned()
                ),
            ]
        );
        let mut v = example();
        v["offsetStart"] = json!(20);
        v["maxDomains"] = json!(10);
        let c = config(v).expect("valid");
        assert_eq!(c.campaign_range(), 20..24);
        assert!(c.exceeds_remaining());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let v = json!({"patternType": "both", "constantString": "a_b", "characterSet": "a-",
                       "prefixLength": 0, "suffixLength": 1, "tlds": ["c m"], "maxDomains": 0});
        assert_eq!(
            fields(v),
            [
                "constantString",
                "characterSet",
                "prefixLength",
                "tlds[0]",
                "maxDomains"
            ]
        );
    }
}
