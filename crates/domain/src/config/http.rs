//! Configuration of the `http_keyword_validation` phase (SPEC §2.3) and its keyword rules.
//!
//! The settings are in two groups. The *request settings* (user agent, headers, timeouts,
//! redirects) say what a request looks like; they are given inline or by a stored HTTP
//! persona (`personaId`), never both. The *campaign settings* (schemes, ports, accepted
//! status codes, body cap, concurrency, rate limit, keyword rules and keyword sets, proxies,
//! certificate checking, snapshots) are always given here.

use std::collections::BTreeMap;
use std::fmt;

use regex_automata::nfa::thompson;
use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::translate::Translator;
use regex_syntax::hir::{Class, HirKind};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::StoredId;
use super::check;
use crate::error::{FieldError, ValidationErrors};

/// The `User-Agent` sent when none is configured: honest about what is asking.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Dragnet/",
    env!("CARGO_PKG_VERSION"),
    ")"
);
/// Longest `userAgent`, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 512;
/// Most extra headers.
pub const MAX_HEADERS: usize = 64;
/// Longest header name, in bytes.
pub const MAX_HEADER_NAME_LEN: usize = 128;
/// Longest header value, in bytes.
pub const MAX_HEADER_VALUE_LEN: usize = 4096;
/// Default time for a whole request (connect, TLS, headers, body), in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Shortest accepted `timeoutMs`.
pub const MIN_TIMEOUT_MS: u32 = 500;
/// Longest accepted `timeoutMs`.
pub const MAX_TIMEOUT_MS: u32 = 120_000;
/// Default time to establish a TCP connection, in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 5_000;
/// Shortest accepted `connectTimeoutMs`.
pub const MIN_CONNECT_TIMEOUT_MS: u32 = 100;
/// Longest accepted `connectTimeoutMs`.
pub const MAX_CONNECT_TIMEOUT_MS: u32 = 60_000;
/// Default number of redirects followed.
pub const DEFAULT_MAX_REDIRECTS: u32 = 5;
/// Most redirects followed.
pub const MAX_REDIRECTS: u32 = 20;
/// Default cap on the (decompressed) body read, in bytes: 256 KiB.
pub const DEFAULT_MAX_BODY_BYTES: u32 = 262_144;
/// Smallest accepted `maxBodyBytes`.
pub const MIN_MAX_BODY_BYTES: u32 = 1024;
/// Largest accepted `maxBodyBytes`: 16 MiB.
pub const MAX_MAX_BODY_BYTES: u32 = 16 * 1024 * 1024;
/// Default number of requests in flight.
pub const DEFAULT_CONCURRENCY: u32 = 200;
/// Most requests in flight.
pub const MAX_CONCURRENCY: u32 = 10_000;
/// Default number of requests in flight to one IP address.
pub const DEFAULT_PER_IP_CONCURRENCY: u32 = 4;
/// Most requests in flight to one IP address.
pub const MAX_PER_IP_CONCURRENCY: u32 = 1000;
/// Highest accepted `rateLimitPerSecond`.
pub const MAX_RATE_LIMIT_PER_SECOND: u32 = 100_000;
/// Most keyword rules in one configuration.
pub const MAX_KEYWORD_RULES: usize = 1000;
/// Longest keyword pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 512;
/// Longest keyword category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 64;
/// Most keyword sets referenced.
pub const MAX_KEYWORD_SETS: usize = 100;
/// Most stored proxies referenced.
pub const MAX_PROXIES: usize = 100;
/// Largest compiled size (Thompson NFA, the `regex` crate's `size_limit`) of one regex
/// rule, in bytes.
pub const MAX_REGEX_COMPILED_BYTES: usize = 4 * 1024 * 1024;
/// Largest compiled size of all the regex rules of one configuration together, in bytes.
pub const MAX_REGEX_TOTAL_BYTES: usize = 16 * 1024 * 1024;
/// Most code points the regex rules of one configuration may make the regex parser visit to
/// match their bracketed and `\p{…}` classes without case (about 22 ns each).
pub const MAX_REGEX_CASE_FOLD_CODE_POINTS: u64 = 8_000_000;
/// Deepest nesting of groups and repetitions in one regex rule.
pub const MAX_REGEX_NEST: u32 = 64;

/// Headers a configuration may not set, with the reason. Names are lowercase.
///
/// Hop-by-hop and framing headers belong to the HTTP client (setting them would corrupt the
/// connection or the request), `Host` follows from the URL, `Accept-Encoding` must list only
/// the encodings the engine decodes, and `User-Agent` has its own field.
pub const FORBIDDEN_HEADERS: &[(&str, &str)] = &[
    ("host", "is set from the URL"),
    ("content-length", "is set by the HTTP client"),
    ("transfer-encoding", "is set by the HTTP client"),
    (
        "connection",
        "is a hop-by-hop header managed by the HTTP client",
    ),
    (
        "keep-alive",
        "is a hop-by-hop header managed by the HTTP client",
    ),
    (
        "proxy-connection",
        "is a hop-by-hop header managed by the HTTP client",
    ),
    ("te", "is a hop-by-hop header managed by the HTTP client"),
    (
        "trailer",
        "is a hop-by-hop header managed by the HTTP client",
    ),
    (
        "upgrade",
        "is a hop-by-hop header managed by the HTTP client",
    ),
    ("http2-settings", "is managed by the HTTP client"),
    ("expect", "is managed by the HTTP client"),
    ("proxy-authorization", "belongs to the proxy configuration"),
    (
        "accept-encoding",
        "is set by the HTTP client to the encodings it decodes (gzip, deflate, br)",
    ),
    ("user-agent", "has its own field: use userAgent"),
];

/// A URL scheme to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// HTTP over TLS.
    Https,
    /// Plain HTTP.
    Http,
}

impl Scheme {
    /// The scheme as written in a URL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a keyword rule's pattern is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeywordKind {
    /// The pattern is plain text.
    #[default]
    Literal,
    /// The pattern is a regular expression in the syntax of the Rust `regex` crate.
    Regex,
}

/// How requests are spread over the configured proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProxyRotation {
    /// Each proxy in turn, skipping benched proxies.
    #[default]
    RoundRobin,
    /// A proxy picked uniformly at random for each request (a benched proxy's turn goes to
    /// the next one in order).
    Random,
}

/// A validated keyword rule: what to count in a page's visible text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "KeywordRuleInput", into = "KeywordRuleInput")]
pub struct KeywordRule {
    pattern: String,
    kind: KeywordKind,
    case_sensitive: bool,
    category: Option<String>,
}

/// The JSON input of a [`KeywordRule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = KeywordRule)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeywordRuleInput {
    /// The text or regex to count, 1 to 512 characters, not blank, no control characters.
    /// Regexes must compile (at most 4 MiB compiled) and must not match the empty string.
    pub pattern: String,
    /// `literal` (default) or `regex`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<KeywordKind>,
    /// Whether case matters; default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_sensitive: Option<bool>,
    /// A free label to group hits by (e.g. `brand`, `for-sale`), 1 to 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

schema_from_input!(KeywordRule, KeywordRuleInput);

impl TryFrom<KeywordRuleInput> for KeywordRule {
    type Error = ValidationErrors;

    /// Validates one rule on its own (a regex may use the whole budget of
    /// [`MAX_REGEX_TOTAL_BYTES`], capped at [`MAX_REGEX_COMPILED_BYTES`]).
    fn try_from(input: KeywordRuleInput) -> Result<Self, Self::Error> {
        KeywordRule::validate(input, &mut RegexBudget::new())
    }
}

/// What the regex rules of one configuration may still cost to check. Compiling is the
/// expensive part of validation (tens of milliseconds for a Unicode `\w{3,30}`), and so is
/// case-folding a large bracketed class (`(?i)[\w\W]` folds every code point), so bounding
/// both bounds the time one request can cost, whatever its rules.
struct RegexBudget {
    nfa_bytes: usize,
    case_fold_code_points: u64,
}

impl RegexBudget {
    fn new() -> Self {
        Self {
            nfa_bytes: MAX_REGEX_TOTAL_BYTES,
            case_fold_code_points: MAX_REGEX_CASE_FOLD_CODE_POINTS,
        }
    }
}

impl KeywordRule {
    fn validate(
        input: KeywordRuleInput,
        budget: &mut RegexBudget,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let kind = input.kind.unwrap_or_default();
        let case_sensitive = input.case_sensitive.unwrap_or(false);
        if let Err(message) = check_pattern(&input.pattern, kind, case_sensitive, budget) {
            errors.push(FieldError::new("pattern", message));
        }
        let category = input.category.map(|c| c.trim().to_owned());
        if let Some(c) = &category {
            let len = c.chars().count();
            if len == 0 {
                errors.push(FieldError::new("category", "must not be blank"));
            } else if len > MAX_CATEGORY_CHARS {
                errors.push(FieldError::new(
                    "category",
                    format!("must be at most {MAX_CATEGORY_CHARS} characters long (got {len})"),
                ));
            } else if check::has_control(c) {
                errors.push(FieldError::new(
                    "category",
                    "must not contain control characters",
                ));
            }
        }
        ValidationErrors::check(errors)?;
        Ok(Self {
            pattern: input.pattern,
            kind,
            case_sensitive,
            category,
        })
    }
}

/// Validates a list of keyword rules together, as a configuration's `keywordRules` or a
/// stored keyword set's `rules` are: at most [`MAX_KEYWORD_RULES`] rules, one regex budget
/// shared by all of them ([`MAX_REGEX_TOTAL_BYTES`] compiled, [`MAX_REGEX_CASE_FOLD_CODE_POINTS`]
/// case-folded), and no rule equal to an earlier one in what it matches.
///
/// Errors are named after `field`: `field` for the count, `field[i].pattern` for a bad rule,
/// `field[i]` for a duplicate (`duplicates field[j]`).
pub fn validate_rules(
    field: &str,
    inputs: Vec<KeywordRuleInput>,
) -> Result<Vec<KeywordRule>, ValidationErrors> {
    let mut errors = Vec::new();
    let rules = rules_into(&mut errors, field, inputs);
    ValidationErrors::check(errors)?;
    Ok(rules)
}

/// [`validate_rules`], recording errors in `errors` and returning the valid rules.
fn rules_into(
    errors: &mut Vec<FieldError>,
    field: &str,
    inputs: Vec<KeywordRuleInput>,
) -> Vec<KeywordRule> {
    if inputs.len() > MAX_KEYWORD_RULES {
        errors.push(FieldError::new(
            field,
            format!(
                "must list at most {MAX_KEYWORD_RULES} rules (got {})",
                inputs.len()
            ),
        ));
    }
    let mut budget = RegexBudget::new();
    let rules: Vec<Option<KeywordRule>> = inputs
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            KeywordRule::validate(rule, &mut budget)
                .map_err(|e| errors.extend(e.within(&format!("{field}[{i}]")).into_errors()))
                .ok()
        })
        .collect();
    // A rule equal to an earlier one in what it matches would count every hit twice; the
    // category does not change what is matched, and case does not matter in a
    // case-insensitive literal.
    check::no_duplicates(
        errors,
        field,
        rules.iter().enumerate().map(|(i, r)| {
            r.as_ref()
                .map(|r| {
                    let pattern = if r.kind == KeywordKind::Literal && !r.case_sensitive {
                        r.pattern.to_lowercase()
                    } else {
                        r.pattern.clone()
                    };
                    (pattern, r.kind, r.case_sensitive)
                })
                .ok_or(i)
        }),
    );
    rules.into_iter().flatten().collect()
}

/// Checks a pattern; the error is a message for the `pattern` field.
fn check_pattern(
    pattern: &str,
    kind: KeywordKind,
    case_sensitive: bool,
    budget: &mut RegexBudget,
) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("must not be blank".to_owned());
    }
    let len = pattern.chars().count();
    if len > MAX_PATTERN_CHARS {
        return Err(format!(
            "must be at most {MAX_PATTERN_CHARS} characters long (got {len})"
        ));
    }
    if check::has_control(pattern) {
        return Err(
            "must not contain control characters (write `\\t` or `\\n` in a regex)".to_owned(),
        );
    }
    if kind == KeywordKind::Regex {
        check_regex(pattern, case_sensitive, budget)?;
    }
    Ok(())
}

/// Checks a regex rule with the flags the engine will use: parses it with `regex-syntax`
/// (the parser of the `regex` crate), refuses a regex that can match the empty string (a hit
/// at every position would make counts meaningless), then compiles it to a Thompson NFA (the
/// first stage of the `regex` crate, whose `size_limit` applies to it) within the budget.
fn check_regex(
    pattern: &str,
    case_sensitive: bool,
    budget: &mut RegexBudget,
) -> Result<(), String> {
    let ast = regex_syntax::ast::parse::ParserBuilder::new()
        .nest_limit(MAX_REGEX_NEST)
        .build()
        .parse(pattern)
        .map_err(|e| describe_syntax_error(&regex_syntax::Error::Parse(e)))?;
    // Charged before translating, because the translation is where the folding happens.
    if !case_sensitive || mentions_case_insensitive(&ast) {
        let remaining = budget.case_fold_code_points;
        let mut work = 0;
        if !case_fold_work(pattern, &ast, &mut work, remaining) {
            let why = if remaining == MAX_REGEX_CASE_FOLD_CODE_POINTS {
                format!("more than {MAX_REGEX_CASE_FOLD_CODE_POINTS} code points to fold")
            } else {
                format!(
                    "the rules together may fold at most {MAX_REGEX_CASE_FOLD_CODE_POINTS} \
                     code points and {remaining} are left"
                )
            };
            return Err(format!(
                "invalid regex: its character classes are too large to match without case \
                 ({why}); use `caseSensitive: true`, `\\w` instead of a bracketed class, or \
                 smaller ranges"
            ));
        }
        budget.case_fold_code_points -= work;
    }
    let hir = regex_syntax::hir::translate::TranslatorBuilder::new()
        .case_insensitive(!case_sensitive)
        .build()
        .translate(pattern, &ast)
        .map_err(|e| describe_syntax_error(&regex_syntax::Error::Translate(e)))?;
    if hir.properties().minimum_len() == Some(0) {
        return Err(
            "invalid regex: it can match the empty string, which would count a hit \
             at every position; make it match at least one character"
                .to_owned(),
        );
    }
    if budget.nfa_bytes == 0 {
        return Err(format!(
            "not compiled: the regex rules before it already use the whole budget of \
             {MAX_REGEX_TOTAL_BYTES} bytes for all rules; simplify or remove some"
        ));
    }
    let limit = MAX_REGEX_COMPILED_BYTES.min(budget.nfa_bytes);
    let compiled = thompson::Compiler::new()
        .configure(thompson::Config::new().nfa_size_limit(Some(limit)))
        .build_from_hir(&hir);
    match compiled {
        Ok(nfa) => {
            budget.nfa_bytes = budget.nfa_bytes.saturating_sub(nfa.memory_usage());
            Ok(())
        }
        Err(e) => {
            // A failed compile cost as much work as the limit it ran into.
            budget.nfa_bytes -= limit;
            if e.size_limit().is_none() {
                Err(format!("invalid regex: {}", one_line(&e.to_string())))
            } else if limit < MAX_REGEX_COMPILED_BYTES {
                Err(format!(
                    "invalid regex: the regex rules together are too large once compiled \
                     (limit {MAX_REGEX_TOTAL_BYTES} bytes for all rules); simplify or remove some"
                ))
            } else {
                Err(format!(
                    "invalid regex: it is too large once compiled (limit \
                     {MAX_REGEX_COMPILED_BYTES} bytes); simplify it (e.g. `\\w+` instead \
                     of `\\w{{100}}`) or split it into several rules"
                ))
            }
        }
    }
}

/// Highest code point with a simple case mapping (U+1E943 ADLAM SMALL LETTER SHA). Case
/// folding a class range that starts above it costs nothing.
const MAX_CASED_CODE_POINT: u32 = 0x1E943;

/// Whether an inline flag may turn case-insensitive matching on (`(?i)`, `(?i:…)`).
fn mentions_case_insensitive(ast: &Ast) -> bool {
    let enables = |flags: &ast::Flags| flags.flag_state(ast::Flag::CaseInsensitive) == Some(true);
    match ast {
        Ast::Flags(set) => enables(&set.flags),
        Ast::Group(group) => {
            group.flags().is_some_and(enables) || mentions_case_insensitive(&group.ast)
        }
        Ast::Repetition(rep) => mentions_case_insensitive(&rep.ast),
        Ast::Alternation(alt) => alt.asts.iter().any(mentions_case_insensitive),
        Ast::Concat(concat) => concat.asts.iter().any(mentions_case_insensitive),
        _ => false,
    }
}

/// Adds to `work` an upper bound of the code points `regex-syntax` visits to case-fold the
/// pattern's classes, and returns whether it stayed within `limit` (stopping as soon as it
/// does not, so that even the estimate costs bounded time). The parser folds each bracketed
/// or `\p{…}` class by visiting every code point of every range that may hold a cased
/// letter; Perl classes (`\w`), `.` and literals cost next to nothing. Each class is
/// measured by translating it alone, case-sensitively, which is cheap.
fn case_fold_work(pattern: &str, ast: &Ast, work: &mut u64, limit: u64) -> bool {
    match ast {
        Ast::ClassBracketed(_) | Ast::ClassUnicode(_) => {
            // On error, count nothing: the real translation reports it.
            if let Ok(hir) = Translator::new().translate(pattern, ast)
                && let HirKind::Class(Class::Unicode(class)) = hir.kind()
            {
                *work += class
                    .ranges()
                    .iter()
                    .filter(|r| u32::from(r.start()) <= MAX_CASED_CODE_POINT)
                    .map(|r| u64::from(u32::from(r.end()) - u32::from(r.start())) + 1)
                    .sum::<u64>();
            }
            *work <= limit
        }
        Ast::Group(group) => case_fold_work(pattern, &group.ast, work, limit),
        Ast::Repetition(rep) => case_fold_work(pattern, &rep.ast, work, limit),
        Ast::Alternation(alt) => alt
            .asts
            .iter()
            .all(|a| case_fold_work(pattern, a, work, limit)),
        Ast::Concat(concat) => concat
            .asts
            .iter()
            .all(|a| case_fold_work(pattern, a, work, limit)),
        _ => true,
    }
}

fn describe_syntax_error(e: &regex_syntax::Error) -> String {
    let (kind, span) = match e {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), *e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), *e.span()),
        other => return format!("invalid regex: {}", one_line(&other.to_string())),
    };
    format!("invalid regex: {kind} (at character {})", span.start.column)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<KeywordRule> for KeywordRuleInput {
    fn from(r: KeywordRule) -> Self {
        Self {
            pattern: r.pattern,
            kind: Some(r.kind),
            case_sensitive: Some(r.case_sensitive),
            category: r.category,
        }
    }
}

impl KeywordRule {
    /// The text or regex to count.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// How the pattern is matched.
    pub fn kind(&self) -> KeywordKind {
        self.kind
    }

    /// Whether case matters.
    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// The label hits are grouped by, if any.
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }
}

/// What a request looks like: the part of the HTTP configuration a stored HTTP persona holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "HttpRequestSettingsInput",
    into = "HttpRequestSettingsInput"
)]
pub struct HttpRequestSettings {
    user_agent: String,
    headers: BTreeMap<String, String>,
    timeout_ms: u32,
    connect_timeout_ms: u32,
    max_redirects: u32,
}

/// The JSON input of [`HttpRequestSettings`] (the body of an HTTP persona).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = HttpRequestSettings)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRequestSettingsInput {
    /// The `User-Agent` header, 1 to 512 visible ASCII characters; default
    /// `Mozilla/5.0 (compatible; Dragnet/<version>)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Extra request headers, at most 64. Names are case-insensitive tokens (stored in
    /// lowercase); values are visible ASCII. Hop-by-hop and client-managed headers are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Time for a whole request, 500 to 120000 ms; default 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Time to establish a connection, 100 to 60000 ms and at most `timeoutMs`; default 5000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u32>,
    /// Redirects followed, 0 to 20; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redirects: Option<u32>,
}

schema_from_input!(HttpRequestSettings, HttpRequestSettingsInput);

impl Default for HttpRequestSettings {
    fn default() -> Self {
        Self {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            headers: BTreeMap::new(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            max_redirects: DEFAULT_MAX_REDIRECTS,
        }
    }
}

impl TryFrom<HttpRequestSettingsInput> for HttpRequestSettings {
    type Error = ValidationErrors;

    fn try_from(input: HttpRequestSettingsInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let settings = request_settings(&mut errors, input);
        ValidationErrors::check(errors)?;
        Ok(settings)
    }
}

/// Validates the request settings, recording errors under their JSON field names (which are
/// the same in a persona and inline in a phase configuration).
fn request_settings(
    errors: &mut Vec<FieldError>,
    input: HttpRequestSettingsInput,
) -> HttpRequestSettings {
    let user_agent = match input.user_agent {
        None => DEFAULT_USER_AGENT.to_owned(),
        Some(ua) => {
            let ua = ua.trim().to_owned();
            if ua.is_empty() {
                errors.push(FieldError::new("userAgent", "must not be blank"));
            } else if ua.len() > MAX_USER_AGENT_LEN {
                errors.push(FieldError::new(
                    "userAgent",
                    format!("must be at most {MAX_USER_AGENT_LEN} bytes long"),
                ));
            } else if let Err(message) = check_header_value(&ua) {
                errors.push(FieldError::new("userAgent", message));
            }
            ua
        }
    };
    let given = input.headers.unwrap_or_default();
    if given.len() > MAX_HEADERS {
        errors.push(FieldError::new(
            "headers",
            format!(
                "must have at most {MAX_HEADERS} headers (got {})",
                given.len()
            ),
        ));
    }
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut original_names: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in given {
        let field = format!("headers.{name}");
        let lower = name.to_ascii_lowercase();
        if let Err(message) = check_header_name(&name) {
            errors.push(FieldError::new(field, message));
            continue;
        }
        if let Some((_, reason)) = FORBIDDEN_HEADERS.iter().find(|(n, _)| *n == lower) {
            errors.push(FieldError::new(
                field,
                format!("cannot be set: `{name}` {reason}"),
            ));
            continue;
        }
        let value = value.trim().to_owned();
        if value.len() > MAX_HEADER_VALUE_LEN {
            errors.push(FieldError::new(
                field,
                format!("value must be at most {MAX_HEADER_VALUE_LEN} bytes long"),
            ));
            continue;
        }
        if let Err(message) = check_header_value(&value) {
            errors.push(FieldError::new(field, format!("value {message}")));
            continue;
        }
        if let Some(first) = original_names.get(&lower) {
            errors.push(FieldError::new(
                field,
                format!("duplicates header `{first}` (header names are case-insensitive)"),
            ));
            continue;
        }
        original_names.insert(lower.clone(), name);
        headers.insert(lower, value);
    }
    let timeout_ms = check::range(
        errors,
        "timeoutMs",
        input.timeout_ms,
        DEFAULT_TIMEOUT_MS,
        MIN_TIMEOUT_MS,
        MAX_TIMEOUT_MS,
    );
    let connect_timeout_ms = check::range(
        errors,
        "connectTimeoutMs",
        input.connect_timeout_ms,
        DEFAULT_CONNECT_TIMEOUT_MS
            .min(timeout_ms)
            .max(MIN_CONNECT_TIMEOUT_MS),
        MIN_CONNECT_TIMEOUT_MS,
        MAX_CONNECT_TIMEOUT_MS,
    );
    if input.connect_timeout_ms.is_some()
        && (MIN_CONNECT_TIMEOUT_MS..=MAX_CONNECT_TIMEOUT_MS).contains(&connect_timeout_ms)
        && connect_timeout_ms > timeout_ms
    {
        errors.push(FieldError::new(
            "connectTimeoutMs",
            format!("must not exceed timeoutMs ({timeout_ms})"),
        ));
    }
    let max_redirects = check::range(
        errors,
        "maxRedirects",
        input.max_redirects,
        DEFAULT_MAX_REDIRECTS,
        0,
        MAX_REDIRECTS,
    );
    HttpRequestSettings {
        user_agent,
        headers,
        timeout_ms,
        connect_timeout_ms,
        max_redirects,
    }
}

/// RFC 9110 `token`: the characters a header name may use.
fn check_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name must not be empty".to_owned());
    }
    if name.len() > MAX_HEADER_NAME_LEN {
        return Err(format!(
            "header name must be at most {MAX_HEADER_NAME_LEN} bytes long"
        ));
    }
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.bytes().all(is_tchar) {
        return Err(format!(
            "`{name}` is not a valid header name: use letters, digits and !#$%&'*+-.^_`|~"
        ));
    }
    Ok(())
}

/// Visible ASCII, spaces and tabs: what every HTTP client accepts in a header value.
fn check_header_value(value: &str) -> Result<(), String> {
    if value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b))
    {
        Ok(())
    } else {
        Err("must contain only visible ASCII characters, spaces and tabs".to_owned())
    }
}

impl From<HttpRequestSettings> for HttpRequestSettingsInput {
    fn from(s: HttpRequestSettings) -> Self {
        Self {
            user_agent: Some(s.user_agent),
            headers: Some(s.headers),
            timeout_ms: Some(s.timeout_ms),
            connect_timeout_ms: Some(s.connect_timeout_ms),
            max_redirects: Some(s.max_redirects),
        }
    }
}

impl HttpRequestSettings {
    /// The `User-Agent` header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Extra headers, by lowercase name.
    pub fn headers(&self) -> &BTreeMap<String, String> {
        &self.headers
    }

    /// Time for a whole request, in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// Time to establish a connection, in milliseconds; never above `timeout_ms`.
    pub fn connect_timeout_ms(&self) -> u32 {
        self.connect_timeout_ms
    }

    /// Redirects followed.
    pub fn max_redirects(&self) -> u32 {
        self.max_redirects
    }
}

/// Where the request settings of an HTTP phase come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpRequestSource {
    /// A stored HTTP persona, resolved by the engine when the phase starts.
    Persona(StoredId),
    /// Given inline in the configuration.
    Inline(HttpRequestSettings),
}

/// The ports to connect to, per scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "HttpPortsInput", into = "HttpPortsInput")]
pub struct HttpPorts {
    https: u16,
    http: u16,
}

/// The JSON input of [`HttpPorts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = HttpPorts)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpPortsInput {
    /// Port for `https`, 1 to 65535; default 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<u16>,
    /// Port for `http`, 1 to 65535; default 80.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<u16>,
}

schema_from_input!(HttpPorts, HttpPortsInput);

impl Default for HttpPorts {
    fn default() -> Self {
        Self {
            https: 443,
            http: 80,
        }
    }
}

impl TryFrom<HttpPortsInput> for HttpPorts {
    type Error = ValidationErrors;

    fn try_from(input: HttpPortsInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let default = Self::default();
        let ports = Self {
            https: check::range(
                &mut errors,
                "https",
                input.https,
                default.https,
                1,
                u16::MAX,
            ),
            http: check::range(&mut errors, "http", input.http, default.http, 1, u16::MAX),
        };
        ValidationErrors::check(errors)?;
        Ok(ports)
    }
}

impl From<HttpPorts> for HttpPortsInput {
    fn from(p: HttpPorts) -> Self {
        Self {
            https: Some(p.https),
            http: Some(p.http),
        }
    }
}

impl HttpPorts {
    /// The port to connect to for `scheme`.
    pub fn port(&self, scheme: Scheme) -> u16 {
        match scheme {
            Scheme::Https => self.https,
            Scheme::Http => self.http,
        }
    }
}

/// A final status code (after redirects) that counts as a success: one code or a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptedStatus(AcceptedStatusKind);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum AcceptedStatusKind {
    Code(u16),
    Class(u8),
}

impl AcceptedStatus {
    /// One status code, 100 to 599.
    pub fn code(code: u16) -> Option<Self> {
        (100..=599)
            .contains(&code)
            .then_some(Self(AcceptedStatusKind::Code(code)))
    }

    /// A class of codes (`2` for `2xx`), 1 to 5.
    pub fn class(class: u8) -> Option<Self> {
        (1..=5)
            .contains(&class)
            .then_some(Self(AcceptedStatusKind::Class(class)))
    }

    /// Whether `status` is accepted.
    pub fn accepts(&self, status: u16) -> bool {
        match self.0 {
            AcceptedStatusKind::Code(code) => code == status,
            AcceptedStatusKind::Class(class) => status / 100 == u16::from(class),
        }
    }

    fn parse(input: &AcceptedStatusInput) -> Result<Self, String> {
        match input {
            AcceptedStatusInput::Code(code) => u16::try_from(*code)
                .ok()
                .and_then(Self::code)
                .ok_or_else(|| format!("{code} is not a status code: use 100 to 599")),
            AcceptedStatusInput::Class(text) => {
                let lower = text.trim().to_ascii_lowercase();
                match lower.as_bytes() {
                    [d @ b'1'..=b'5', b'x', b'x'] => Self::class(d - b'0')
                        .ok_or_else(|| format!("`{text}` is not a status class")),
                    _ => match lower.parse::<u16>() {
                        Ok(code) => Self::code(code)
                            .ok_or_else(|| format!("{code} is not a status code: use 100 to 599")),
                        Err(_) => Err(format!(
                            "`{text}` is not a status code or class: use e.g. 200 or \"2xx\""
                        )),
                    },
                }
            }
        }
    }
}

impl fmt::Display for AcceptedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            AcceptedStatusKind::Code(code) => write!(f, "{code}"),
            AcceptedStatusKind::Class(class) => write!(f, "{class}xx"),
        }
    }
}

impl From<AcceptedStatus> for AcceptedStatusInput {
    fn from(s: AcceptedStatus) -> Self {
        match s.0 {
            AcceptedStatusKind::Code(code) => AcceptedStatusInput::Code(u64::from(code)),
            AcceptedStatusKind::Class(class) => AcceptedStatusInput::Class(format!("{class}xx")),
        }
    }
}

impl Serialize for AcceptedStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AcceptedStatusInput::from(*self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AcceptedStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let input = AcceptedStatusInput::deserialize(deserializer)?;
        Self::parse(&input).map_err(de::Error::custom)
    }
}

/// One entry of `acceptedStatusCodes`: a number (`200`) or a class (`"2xx"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = AcceptedStatus)
)]
#[serde(untagged)]
pub enum AcceptedStatusInput {
    /// One status code.
    Code(u64),
    /// A class such as `"2xx"` (or a code written as a string).
    Class(String),
}

// By hand rather than `#[serde(untagged)]`, for a clear "expected" message.
impl<'de> Deserialize<'de> for AcceptedStatusInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        impl Visitor<'_> for StatusVisitor {
            type Value = AcceptedStatusInput;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code such as 200 or a class such as \"2xx\"")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(AcceptedStatusInput::Code(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(AcceptedStatusInput::Code)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AcceptedStatusInput::Class(v.to_owned()))
            }
        }

        deserializer.deserialize_any(StatusVisitor)
    }
}

/// A validated `http_keyword_validation` configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "HttpKeywordValidationConfigInput",
    into = "HttpKeywordValidationConfigInput"
)]
pub struct HttpKeywordValidationConfig {
    request_source: HttpRequestSource,
    schemes: Vec<Scheme>,
    ports: HttpPorts,
    accepted_status_codes: Vec<AcceptedStatus>,
    max_body_bytes: u32,
    concurrency: u32,
    per_ip_concurrency: u32,
    rate_limit_per_second: Option<u32>,
    keyword_rules: Vec<KeywordRule>,
    keyword_set_ids: Vec<StoredId>,
    proxy_ids: Vec<StoredId>,
    proxy_rotation: ProxyRotation,
    accept_invalid_certificates: bool,
    snapshot: bool,
}

/// The JSON input of an [`HttpKeywordValidationConfig`]. Every field is optional.
///
/// Give either `personaId` or the request settings (`userAgent`, `headers`, `timeoutMs`,
/// `connectTimeoutMs`, `maxRedirects`), never both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = HttpKeywordValidationConfig)
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpKeywordValidationConfigInput {
    /// A stored HTTP persona supplying the request settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona_id: Option<String>,
    /// The `User-Agent` header, 1 to 512 visible ASCII characters; default
    /// `Mozilla/5.0 (compatible; Dragnet/<version>)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Extra request headers, at most 64. Names are case-insensitive tokens (stored in
    /// lowercase); values are visible ASCII. Hop-by-hop and client-managed headers are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Time for a whole request, 500 to 120000 ms; default 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Time to establish a connection, 100 to 60000 ms and at most `timeoutMs`; default 5000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u32>,
    /// Redirects followed, 0 to 20; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redirects: Option<u32>,
    /// Schemes to try, in order, until one answers; default `["https", "http"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schemes: Option<Vec<Scheme>>,
    /// Ports per scheme; default `{"https": 443, "http": 80}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<HttpPortsInput>,
    /// Final status codes (after redirects) counted as `ok`, as codes or classes, at most 100;
    /// default `["2xx"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_status_codes: Option<Vec<AcceptedStatusInput>>,
    /// Most (decompressed) body bytes read, 1024 to 16777216; default 262144 (256 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u32>,
    /// Requests in flight at once, 1 to 10000; default 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Requests in flight to one IP address, 1 to 1000 and at most `concurrency`; default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_ip_concurrency: Option<u32>,
    /// Most requests per second for the whole campaign, 1 to 100000; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
    /// Keyword rules counted on each page, at most 1000, no duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_rules: Option<Vec<KeywordRuleInput>>,
    /// Stored keyword sets whose rules are added to `keywordRules`, at most 100, no
    /// duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_set_ids: Option<Vec<String>>,
    /// Stored proxies to send the requests through, at most 100, no duplicates; direct
    /// connections when absent or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_ids: Option<Vec<String>>,
    /// How requests are spread over `proxyIds`; default `round_robin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_rotation: Option<ProxyRotation>,
    /// Accept any TLS certificate of the probed sites (expired, self-signed, wrong name);
    /// default `false`. The connection is still encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_invalid_certificates: Option<bool>,
    /// Keep a bounded, compressed snapshot of each page for the later phases (content
    /// analysis and lead extraction need it); default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<bool>,
}

schema_from_input!(
    HttpKeywordValidationConfig,
    HttpKeywordValidationConfigInput
);

/// Most entries in `acceptedStatusCodes`.
pub const MAX_ACCEPTED_STATUS_CODES: usize = 100;

impl TryFrom<HttpKeywordValidationConfigInput> for HttpKeywordValidationConfig {
    type Error = ValidationErrors;

    fn try_from(input: HttpKeywordValidationConfigInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let request_source = match input.persona_id {
            Some(id) => check::persona_id(
                &mut errors,
                &id,
                &[
                    ("userAgent", input.user_agent.is_some()),
                    ("headers", input.headers.is_some()),
                    ("timeoutMs", input.timeout_ms.is_some()),
                    ("connectTimeoutMs", input.connect_timeout_ms.is_some()),
                    ("maxRedirects", input.max_redirects.is_some()),
                ],
            )
            .map(HttpRequestSource::Persona),
            None => Some(HttpRequestSource::Inline(request_settings(
                &mut errors,
                HttpRequestSettingsInput {
                    user_agent: input.user_agent,
                    headers: input.headers,
                    timeout_ms: input.timeout_ms,
                    connect_timeout_ms: input.connect_timeout_ms,
                    max_redirects: input.max_redirects,
                },
            ))),
        };

        let schemes = input
            .schemes
            .unwrap_or_else(|| vec![Scheme::Https, Scheme::Http]);
        if schemes.is_empty() {
            errors.push(FieldError::new("schemes", "must list at least one scheme"));
        }
        check::no_duplicates(&mut errors, "schemes", schemes.iter().copied());

        let ports = match input.ports.map(HttpPorts::try_from).transpose() {
            Ok(ports) => ports.unwrap_or_default(),
            Err(e) => {
                errors.extend(e.within("ports").into_errors());
                HttpPorts::default()
            }
        };

        let accepted_status_codes = match input.accepted_status_codes {
            None => vec![AcceptedStatus(AcceptedStatusKind::Class(2))],
            Some(given) => {
                if given.is_empty() {
                    errors.push(FieldError::new(
                        "acceptedStatusCodes",
                        "must list at least one status code or class",
                    ));
                } else if given.len() > MAX_ACCEPTED_STATUS_CODES {
                    errors.push(FieldError::new(
                        "acceptedStatusCodes",
                        format!("must list at most {MAX_ACCEPTED_STATUS_CODES} entries"),
                    ));
                }
                let parsed: Vec<Option<AcceptedStatus>> = given
                    .iter()
                    .enumerate()
                    .map(|(i, entry)| {
                        AcceptedStatus::parse(entry)
                            .map_err(|message| {
                                errors.push(FieldError::new(
                                    format!("acceptedStatusCodes[{i}]"),
                                    message,
                                ));
                            })
                            .ok()
                    })
                    .collect();
                check::no_duplicates(
                    &mut errors,
                    "acceptedStatusCodes",
                    parsed.iter().enumerate().map(|(i, s)| s.ok_or(i)),
                );
                parsed.into_iter().flatten().collect()
            }
        };

        let max_body_bytes = check::range(
            &mut errors,
            "maxBodyBytes",
            input.max_body_bytes,
            DEFAULT_MAX_BODY_BYTES,
            MIN_MAX_BODY_BYTES,
            MAX_MAX_BODY_BYTES,
        );
        let concurrency = check::range(
            &mut errors,
            "concurrency",
            input.concurrency,
            DEFAULT_CONCURRENCY,
            1,
            MAX_CONCURRENCY,
        );
        let per_ip_concurrency = check::range(
            &mut errors,
            "perIpConcurrency",
            input.per_ip_concurrency,
            DEFAULT_PER_IP_CONCURRENCY.min(concurrency).max(1),
            1,
            MAX_PER_IP_CONCURRENCY,
        );
        if input.per_ip_concurrency.is_some()
            && (1..=MAX_PER_IP_CONCURRENCY).contains(&per_ip_concurrency)
            && per_ip_concurrency > concurrency
        {
            errors.push(FieldError::new(
                "perIpConcurrency",
                format!("must not exceed concurrency ({concurrency})"),
            ));
        }
        let rate_limit_per_second = input.rate_limit_per_second.map(|rate| {
            check::range(
                &mut errors,
                "rateLimitPerSecond",
                Some(rate),
                1,
                1,
                MAX_RATE_LIMIT_PER_SECOND,
            )
        });

        let keyword_rules = rules_into(
            &mut errors,
            "keywordRules",
            input.keyword_rules.unwrap_or_default(),
        );

        let set_inputs = input.keyword_set_ids.unwrap_or_default();
        if set_inputs.len() > MAX_KEYWORD_SETS {
            errors.push(FieldError::new(
                "keywordSetIds",
                format!("must list at most {MAX_KEYWORD_SETS} keyword sets"),
            ));
        }
        let sets: Vec<Option<StoredId>> = set_inputs
            .iter()
            .enumerate()
            .map(|(i, id)| {
                StoredId::parse(id)
                    .map_err(|e| errors.push(e.within(&format!("keywordSetIds[{i}]"))))
                    .ok()
            })
            .collect();
        check::no_duplicates(
            &mut errors,
            "keywordSetIds",
            sets.iter().enumerate().map(|(i, s)| s.as_ref().ok_or(i)),
        );
        let keyword_set_ids = sets.into_iter().flatten().collect();

        let proxy_inputs = input.proxy_ids.unwrap_or_default();
        if proxy_inputs.len() > MAX_PROXIES {
            errors.push(FieldError::new(
                "proxyIds",
                format!("must list at most {MAX_PROXIES} proxies"),
            ));
        }
        let proxies: Vec<Option<StoredId>> = proxy_inputs
            .iter()
            .enumerate()
            .map(|(i, id)| {
                StoredId::parse(id)
                    .map_err(|e| errors.push(e.within(&format!("proxyIds[{i}]"))))
                    .ok()
            })
            .collect();
        check::no_duplicates(
            &mut errors,
            "proxyIds",
            proxies.iter().enumerate().map(|(i, s)| s.as_ref().ok_or(i)),
        );
        let proxy_ids = proxies.into_iter().flatten().collect();

        ValidationErrors::check(errors)?;
        match request_source {
            Some(request_source) => Ok(Self {
                request_source,
                schemes,
                ports,
                accepted_status_codes,
                max_body_bytes,
                concurrency,
                per_ip_concurrency,
                rate_limit_per_second,
                keyword_rules,
                keyword_set_ids,
                proxy_ids,
                proxy_rotation: input.proxy_rotation.unwrap_or_default(),
                accept_invalid_certificates: input.accept_invalid_certificates.unwrap_or(false),
                snapshot: input.snapshot.unwrap_or(true),
            }),
            // Unreachable: a missing source always recorded an error above.
            None => Err(ValidationErrors::single("personaId", "is invalid")),
        }
    }
}

impl From<HttpKeywordValidationConfig> for HttpKeywordValidationConfigInput {
    fn from(c: HttpKeywordValidationConfig) -> Self {
        let mut input = Self {
            schemes: Some(c.schemes),
            ports: Some(c.ports.into()),
            accepted_status_codes: Some(
                c.accepted_status_codes
                    .into_iter()
                    .map(AcceptedStatusInput::from)
                    .collect(),
            ),
            max_body_bytes: Some(c.max_body_bytes),
            concurrency: Some(c.concurrency),
            per_ip_concurrency: Some(c.per_ip_concurrency),
            rate_limit_per_second: c.rate_limit_per_second,
            keyword_rules: Some(c.keyword_rules.into_iter().map(Into::into).collect()),
            keyword_set_ids: Some(
                c.keyword_set_ids
                    .iter()
                    .map(|id| id.as_str().to_owned())
                    .collect(),
            ),
            proxy_ids: Some(
                c.proxy_ids
                    .iter()
                    .map(|id| id.as_str().to_owned())
                    .collect(),
            ),
            proxy_rotation: Some(c.proxy_rotation),
            accept_invalid_certificates: Some(c.accept_invalid_certificates),
            snapshot: Some(c.snapshot),
            ..Self::default()
        };
        match c.request_source {
            HttpRequestSource::Persona(id) => input.persona_id = Some(id.as_str().to_owned()),
            HttpRequestSource::Inline(s) => {
                input.user_agent = Some(s.user_agent);
                input.headers = Some(s.headers);
                input.timeout_ms = Some(s.timeout_ms);
                input.connect_timeout_ms = Some(s.connect_timeout_ms);
                input.max_redirects = Some(s.max_redirects);
            }
        }
        input
    }
}

impl Default for HttpKeywordValidationConfig {
    /// Inline default request settings, no keyword rules: a reachability check.
    fn default() -> Self {
        Self {
            request_source: HttpRequestSource::Inline(HttpRequestSettings::default()),
            schemes: vec![Scheme::Https, Scheme::Http],
            ports: HttpPorts::default(),
            accepted_status_codes: vec![AcceptedStatus(AcceptedStatusKind::Class(2))],
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            concurrency: DEFAULT_CONCURRENCY,
            per_ip_concurrency: DEFAULT_PER_IP_CONCURRENCY,
            rate_limit_per_second: None,
            keyword_rules: Vec::new(),
            keyword_set_ids: Vec::new(),
            proxy_ids: Vec::new(),
            proxy_rotation: ProxyRotation::RoundRobin,
            accept_invalid_certificates: false,
            snapshot: true,
        }
    }
}

impl HttpKeywordValidationConfig {
    /// Where the request settings come from.
    pub fn request_source(&self) -> &HttpRequestSource {
        &self.request_source
    }

    /// The inline request settings, or `None` when a persona supplies them.
    pub fn request_settings(&self) -> Option<&HttpRequestSettings> {
        match &self.request_source {
            HttpRequestSource::Inline(s) => Some(s),
            HttpRequestSource::Persona(_) => None,
        }
    }

    /// The stored persona supplying the request settings, if any.
    pub fn persona_id(&self) -> Option<&StoredId> {
        match &self.request_source {
            HttpRequestSource::Persona(id) => Some(id),
            HttpRequestSource::Inline(_) => None,
        }
    }

    /// The schemes to try, in order.
    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    /// The ports per scheme.
    pub fn ports(&self) -> HttpPorts {
        self.ports
    }

    /// The accepted final status codes and classes.
    pub fn accepted_status_codes(&self) -> &[AcceptedStatus] {
        &self.accepted_status_codes
    }

    /// Whether a final status code counts as `ok`.
    pub fn accepts_status(&self, status: u16) -> bool {
        self.accepted_status_codes.iter().any(|s| s.accepts(status))
    }

    /// Most (decompressed) body bytes read.
    pub fn max_body_bytes(&self) -> u32 {
        self.max_body_bytes
    }

    /// Requests in flight at once.
    pub fn concurrency(&self) -> u32 {
        self.concurrency
    }

    /// Requests in flight to one IP address; never above `concurrency`.
    pub fn per_ip_concurrency(&self) -> u32 {
        self.per_ip_concurrency
    }

    /// Most requests per second for the whole campaign, if limited.
    pub fn rate_limit_per_second(&self) -> Option<u32> {
        self.rate_limit_per_second
    }

    /// The inline keyword rules, in the order given.
    pub fn keyword_rules(&self) -> &[KeywordRule] {
        &self.keyword_rules
    }

    /// The stored keyword sets whose rules are added to the inline ones.
    pub fn keyword_set_ids(&self) -> &[StoredId] {
        &self.keyword_set_ids
    }

    /// The stored proxies requests go through, in the order given; empty for direct
    /// connections.
    pub fn proxy_ids(&self) -> &[StoredId] {
        &self.proxy_ids
    }

    /// How requests are spread over the proxies.
    pub fn proxy_rotation(&self) -> ProxyRotation {
        self.proxy_rotation
    }

    /// Whether any TLS certificate of a probed site is accepted.
    pub fn accept_invalid_certificates(&self) -> bool {
        self.accept_invalid_certificates
    }

    /// Whether a compressed snapshot of each page is kept.
    pub fn snapshot(&self) -> bool {
        self.snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<HttpKeywordValidationConfig, ValidationErrors> {
        let input: HttpKeywordValidationConfigInput = serde_json::from_value(value).unwrap();
        HttpKeywordValidationConfig::try_from(input)
    }

    fn errors(value: Value) -> Vec<(String, String)> {
        parse(value)
            .unwrap_err()
            .into_errors()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    fn fields(value: Value) -> Vec<String> {
        errors(value).into_iter().map(|(f, _)| f).collect()
    }

    fn rule(value: Value) -> Result<KeywordRule, ValidationErrors> {
        KeywordRule::try_from(serde_json::from_value::<KeywordRuleInput>(value).unwrap())
    }

    #[test]
    fn defaults() {
        let c = parse(json!({})).unwrap();
        assert_eq!(c, HttpKeywordValidationConfig::default());
        let s = c.request_settings().unwrap();
        assert!(
            s.user_agent()
                .starts_with("Mozilla/5.0 (compatible; Dragnet/")
        );
        assert!(s.headers().is_empty());
        assert_eq!(s.timeout_ms(), 10_000);
        assert_eq!(s.connect_timeout_ms(), 5_000);
        assert_eq!(s.max_redirects(), 5);
        assert_eq!(c.schemes(), [Scheme::Https, Scheme::Http]);
        assert_eq!(c.ports().port(Scheme::Https), 443);
        assert_eq!(c.ports().port(Scheme::Http), 80);
        assert_eq!(c.max_body_bytes(), 262_144);
        assert_eq!(c.concurrency(), 200);
        assert_eq!(c.per_ip_concurrency(), 4);
        assert_eq!(c.rate_limit_per_second(), None);
        assert!(c.keyword_rules().is_empty());
        assert!(c.keyword_set_ids().is_empty());
        assert!(c.accepts_status(200) && c.accepts_status(204));
        assert!(!c.accepts_status(301) && !c.accepts_status(404) && !c.accepts_status(500));
    }

    #[test]
    fn small_timeouts_and_concurrency_lower_the_dependent_defaults() {
        let c = parse(json!({"timeoutMs": 1000, "concurrency": 2})).unwrap();
        assert_eq!(c.request_settings().unwrap().connect_timeout_ms(), 1000);
        assert_eq!(c.per_ip_concurrency(), 2);
    }

    #[test]
    fn numeric_bounds() {
        for (value, field) in [
            (json!({"timeoutMs": 499}), "timeoutMs"),
            (json!({"timeoutMs": 120_001}), "timeoutMs"),
            (json!({"connectTimeoutMs": 99}), "connectTimeoutMs"),
            (json!({"connectTimeoutMs": 60_001}), "connectTimeoutMs"),
            (
                json!({"timeoutMs": 1000, "connectTimeoutMs": 2000}),
                "connectTimeoutMs",
            ),
            (json!({"maxRedirects": 21}), "maxRedirects"),
            (json!({"maxBodyBytes": 1023}), "maxBodyBytes"),
            (json!({"maxBodyBytes": 16_777_217}), "maxBodyBytes"),
            (json!({"concurrency": 0}), "concurrency"),
            (json!({"concurrency": 10_001}), "concurrency"),
            (json!({"perIpConcurrency": 0}), "perIpConcurrency"),
            (json!({"perIpConcurrency": 1001}), "perIpConcurrency"),
            (
                json!({"concurrency": 10, "perIpConcurrency": 11}),
                "perIpConcurrency",
            ),
            (json!({"rateLimitPerSecond": 0}), "rateLimitPerSecond"),
            (json!({"rateLimitPerSecond": 100_001}), "rateLimitPerSecond"),
            (json!({"ports": {"https": 0}}), "ports.https"),
            (json!({"ports": {"http": 0}}), "ports.http"),
        ] {
            assert_eq!(fields(value.clone()), [field], "{value}");
        }
        let c = parse(json!({
            "timeoutMs": 120_000, "connectTimeoutMs": 60_000, "maxRedirects": 0,
            "maxBodyBytes": 16_777_216, "concurrency": 10_000, "perIpConcurrency": 1000,
            "rateLimitPerSecond": 1, "ports": {"https": 8443}
        }))
        .unwrap();
        assert_eq!(c.ports().port(Scheme::Https), 8443);
        assert_eq!(c.ports().port(Scheme::Http), 80);
        assert_eq!(
            errors(json!({"maxRedirects": 50})),
            [(
                "maxRedirects".to_owned(),
                "must be between 0 and 20 (got 50)".to_owned()
            )]
        );
    }

    #[test]
    fn user_agent() {
        let c = parse(json!({"userAgent": "  Example/1.0  "})).unwrap();
        assert_eq!(c.request_settings().unwrap().user_agent(), "Example/1.0");
        assert_eq!(fields(json!({"userAgent": " "})), ["userAgent"]);
        assert_eq!(fields(json!({"userAgent": "a\nb"})), ["userAgent"]);
        assert_eq!(fields(json!({"userAgent": "Bötchen"})), ["userAgent"]);
        assert_eq!(fields(json!({"userAgent": "x".repeat(513)})), ["userAgent"]);
    }

    #[test]
    fn headers() {
        let c = parse(json!({"headers": {"Accept-Language": " en, de;q=0.5 ", "X-Trace": ""}}))
            .unwrap();
        let h = c.request_settings().unwrap().headers();
        assert_eq!(
            h.get("accept-language").map(String::as_str),
            Some("en, de;q=0.5")
        );
        assert_eq!(h.get("x-trace").map(String::as_str), Some(""));
        for name in [
            "Host",
            "content-length",
            "Connection",
            "Transfer-Encoding",
            "TE",
            "Upgrade",
            "Keep-Alive",
            "Accept-Encoding",
            "User-Agent",
            "Proxy-Authorization",
        ] {
            let e = errors(json!({ "headers": { name: "x" } }));
            assert_eq!(e.len(), 1, "{name}");
            assert_eq!(e[0].0, format!("headers.{name}"));
            assert!(e[0].1.starts_with("cannot be set"), "{name}: {}", e[0].1);
        }
        assert_eq!(
            fields(json!({"headers": {"Bad Name": "x"}})),
            ["headers.Bad Name"]
        );
        assert_eq!(fields(json!({"headers": {"": "x"}})), ["headers."]);
        assert_eq!(
            fields(json!({"headers": {"X-A": "a\r\nInjected: 1"}})),
            ["headers.X-A"]
        );
        assert_eq!(fields(json!({"headers": {"X-A": "é"}})), ["headers.X-A"]);
        assert_eq!(
            fields(json!({"headers": {"X-A": "x".repeat(4097)}})),
            ["headers.X-A"]
        );
        let e = errors(json!({"headers": {"X-Dup": "1", "x-dup": "2"}}));
        assert_eq!(e.len(), 1);
        assert!(e[0].1.contains("duplicates header"), "{}", e[0].1);
        let many: serde_json::Map<String, Value> =
            (0..65).map(|i| (format!("x-h{i}"), json!("v"))).collect();
        assert_eq!(fields(json!({ "headers": many })), ["headers"]);
    }

    #[test]
    fn schemes() {
        let c = parse(json!({"schemes": ["http"]})).unwrap();
        assert_eq!(c.schemes(), [Scheme::Http]);
        assert_eq!(fields(json!({"schemes": []})), ["schemes"]);
        assert_eq!(
            fields(json!({"schemes": ["https", "https"]})),
            ["schemes[1]"]
        );
        assert!(
            serde_json::from_value::<HttpKeywordValidationConfigInput>(json!({"schemes": ["ftp"]}))
                .is_err()
        );
    }

    #[test]
    fn accepted_status_codes() {
        let c = parse(json!({"acceptedStatusCodes": ["2XX", 301, "404"]})).unwrap();
        for (code, ok) in [
            (200, true),
            (299, true),
            (301, true),
            (302, false),
            (404, true),
            (500, false),
        ] {
            assert_eq!(c.accepts_status(code), ok, "{code}");
        }
        assert_eq!(
            serde_json::to_value(c.accepted_status_codes()).unwrap(),
            json!(["2xx", 301, 404])
        );
        let back: Vec<AcceptedStatus> = serde_json::from_value(json!(["2xx", 301, 404])).unwrap();
        assert_eq!(back, c.accepted_status_codes());
        assert!(serde_json::from_value::<AcceptedStatus>(json!(700)).is_err());
        assert_eq!(AcceptedStatus::code(99), None);
        assert_eq!(AcceptedStatus::class(6), None);
        assert!(AcceptedStatus::class(4).is_some_and(|s| s.accepts(404) && !s.accepts(500)));
        assert_eq!(
            AcceptedStatus::code(418).map(|s| s.to_string()),
            Some("418".to_owned())
        );
        for (value, field) in [
            (json!([99]), "acceptedStatusCodes[0]"),
            (json!([600]), "acceptedStatusCodes[0]"),
            (json!(["6xx"]), "acceptedStatusCodes[0]"),
            (json!(["2x"]), "acceptedStatusCodes[0]"),
            (json!([200, "200"]), "acceptedStatusCodes[1]"),
            (json!(["2xx", "2xx"]), "acceptedStatusCodes[1]"),
            (json!([]), "acceptedStatusCodes"),
        ] {
            assert_eq!(
                fields(json!({ "acceptedStatusCodes": value })),
                [field],
                "{value}"
            );
        }
        let e = serde_json::from_value::<HttpKeywordValidationConfigInput>(
            json!({"acceptedStatusCodes": [true]}),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("a status code such as 200"), "{e}");
    }

    #[test]
    fn keyword_rule_defaults_and_fields() {
        let r = rule(json!({"pattern": "for sale"})).unwrap();
        assert_eq!(r.pattern(), "for sale");
        assert_eq!(r.kind(), KeywordKind::Literal);
        assert!(!r.case_sensitive());
        assert_eq!(r.category(), None);
        let r = rule(json!({"pattern": "Acme", "kind": "regex", "caseSensitive": true, "category": " brand "}))
            .unwrap();
        assert_eq!(r.kind(), KeywordKind::Regex);
        assert!(r.case_sensitive());
        assert_eq!(r.category(), Some("brand"));
    }

    #[test]
    fn keyword_rule_patterns() {
        for (value, needle) in [
            (json!({"pattern": ""}), "blank"),
            (json!({"pattern": "  "}), "blank"),
            (json!({"pattern": "x".repeat(513)}), "at most 512"),
            (json!({"pattern": "a\u{0007}b"}), "control"),
            (
                json!({"pattern": "(", "kind": "regex"}),
                "invalid regex: unclosed group (at character 1)",
            ),
            (
                json!({"pattern": "a{2,1}", "kind": "regex"}),
                "invalid regex",
            ),
            (json!({"pattern": "a*", "kind": "regex"}), "empty string"),
            (json!({"pattern": "\\b", "kind": "regex"}), "empty string"),
            (
                json!({"pattern": "(?=a)", "kind": "regex"}),
                "invalid regex",
            ),
            (
                json!({"pattern": "\\w{1000}\\w{1000}", "kind": "regex"}),
                "too large",
            ),
        ] {
            let e = rule(value.clone()).unwrap_err();
            assert_eq!(e.errors().len(), 1, "{value}");
            assert_eq!(e.errors()[0].field, "pattern", "{value}");
            assert!(e.errors()[0].message.contains(needle), "{value}: {e}");
            assert!(!e.errors()[0].message.contains('\n'), "{value}: {e}");
        }
        // Literal patterns are not regexes.
        assert!(rule(json!({"pattern": "("})).is_ok());
        assert!(rule(json!({"pattern": "x".repeat(512)})).is_ok());
        assert!(rule(json!({"pattern": "shop|store", "kind": "regex"})).is_ok());
        assert!(rule(json!({"pattern": "caf[eé]", "kind": "regex"})).is_ok());
    }

    #[test]
    fn case_folding_work_is_bounded() {
        let all = "[\\x{0}-\\x{10FFFF}]";
        // One rule folding more than the whole budget.
        let e = rule(json!({"pattern": all.repeat(8), "kind": "regex"})).unwrap_err();
        assert_eq!(e.errors()[0].field, "pattern");
        assert!(
            e.errors()[0]
                .message
                .contains("too large to match without case"),
            "{e}"
        );
        // Nothing to fold when case matters, unless an inline flag turns it off.
        assert!(
            rule(json!({"pattern": all.repeat(8), "kind": "regex", "caseSensitive": true})).is_ok()
        );
        assert!(
            rule(json!({"pattern": format!("(?i){}", all.repeat(8)), "kind": "regex", "caseSensitive": true}))
                .is_err()
        );
        assert!(
            rule(json!({"pattern": format!("x(?i:{})", all.repeat(8)), "kind": "regex", "caseSensitive": true}))
                .is_err()
        );
        // Perl classes and `.` are not folded class by class.
        assert!(rule(json!({"pattern": "\\w\\W.\\d".repeat(20), "kind": "regex"})).is_ok());
        // The budget is shared by the rules of one configuration: 7 rules fit, the 8th not.
        let rules: Vec<Value> = (0..8)
            .map(|i| json!({"pattern": format!("{all}{i}"), "kind": "regex"}))
            .collect();
        let e = errors(json!({ "keywordRules": rules }));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "keywordRules[7].pattern");
        assert!(e[0].1.contains("rules together"), "{}", e[0].1);
    }

    #[test]
    fn compiled_size_is_bounded_per_configuration() {
        // Each is well below the per-rule limit; together they exceed the total.
        let rules: Vec<Value> = (0..12)
            .map(|i| json!({"pattern": format!("\\w{{100}}{i}"), "kind": "regex"}))
            .collect();
        let e = errors(json!({ "keywordRules": rules }));
        assert!(!e.is_empty());
        assert!(e.iter().all(|(f, _)| f.ends_with(".pattern")));
        assert!(
            e[0].1.contains("rules together are too large"),
            "{}",
            e[0].1
        );
        assert!(rule(json!({"pattern": "\\w{3,30}", "kind": "regex"})).is_ok());
    }

    #[test]
    fn keyword_rule_categories() {
        assert_eq!(
            rule(json!({"pattern": "a", "category": " "}))
                .unwrap_err()
                .errors()[0]
                .field,
            "category"
        );
        assert!(rule(json!({"pattern": "a", "category": "c".repeat(65)})).is_err());
        assert!(rule(json!({"pattern": "a", "category": "a\tb"})).is_err());
        assert!(rule(json!({"pattern": "a", "category": "c".repeat(64)})).is_ok());
    }

    #[test]
    fn keyword_rules_are_named_by_index() {
        let e = errors(json!({"keywordRules": [
            {"pattern": "ok"},
            {"pattern": "[", "kind": "regex"},
            {"pattern": "ok", "category": "other"},
            {"pattern": "OK"},
            {"pattern": "ok", "caseSensitive": true},
            {"pattern": "x", "category": ""}
        ]}));
        let fields: Vec<_> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "keywordRules[1].pattern",
                "keywordRules[5].category",
                "keywordRules[2]",
                "keywordRules[3]"
            ]
        );
        assert_eq!(e[2].1, "duplicates keywordRules[0]");
        assert!(
            e[0].1
                .starts_with("invalid regex: unclosed character class"),
            "{}",
            e[0].1
        );
    }

    #[test]
    fn keyword_rule_count_is_bounded() {
        let rules: Vec<Value> = (0..1001)
            .map(|i| json!({"pattern": format!("k{i}")}))
            .collect();
        assert_eq!(fields(json!({ "keywordRules": rules })), ["keywordRules"]);
        let rules: Vec<Value> = (0..1000)
            .map(|i| json!({"pattern": format!("k{i}")}))
            .collect();
        assert_eq!(
            parse(json!({ "keywordRules": rules }))
                .unwrap()
                .keyword_rules()
                .len(),
            1000
        );
    }

    #[test]
    fn keyword_sets() {
        let c = parse(json!({"keywordSetIds": ["brands", "for-sale"]})).unwrap();
        let ids: Vec<_> = c.keyword_set_ids().iter().map(StoredId::as_str).collect();
        assert_eq!(ids, ["brands", "for-sale"]);
        assert_eq!(
            fields(json!({"keywordSetIds": ["a", "b c", "a"]})),
            ["keywordSetIds[1]", "keywordSetIds[2]"]
        );
        let many: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
        assert_eq!(fields(json!({ "keywordSetIds": many })), ["keywordSetIds"]);
    }

    #[test]
    fn proxies_rotation_certificates_and_snapshots() {
        let c = parse(json!({})).unwrap();
        assert!(c.proxy_ids().is_empty());
        assert_eq!(c.proxy_rotation(), ProxyRotation::RoundRobin);
        assert!(!c.accept_invalid_certificates());
        assert!(c.snapshot());
        let c = parse(json!({
            "proxyIds": ["prx_a", "prx_b"], "proxyRotation": "random",
            "acceptInvalidCertificates": true, "snapshot": false
        }))
        .unwrap();
        let ids: Vec<_> = c.proxy_ids().iter().map(StoredId::as_str).collect();
        assert_eq!(ids, ["prx_a", "prx_b"]);
        assert_eq!(c.proxy_rotation(), ProxyRotation::Random);
        assert!(c.accept_invalid_certificates());
        assert!(!c.snapshot());
        assert_eq!(
            fields(json!({"proxyIds": ["a", "", "a", "b/c"]})),
            ["proxyIds[1]", "proxyIds[3]", "proxyIds[2]"]
        );
        let many: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
        assert_eq!(fields(json!({ "proxyIds": many })), ["proxyIds"]);
        let hundred: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
        assert_eq!(
            parse(json!({ "proxyIds": hundred }))
                .unwrap()
                .proxy_ids()
                .len(),
            100
        );
        let e = serde_json::from_value::<HttpKeywordValidationConfigInput>(
            json!({"proxyRotation": "weighted"}),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown variant `weighted`"), "{e}");
    }

    #[test]
    fn stored_configurations_without_the_newer_fields_get_their_defaults() {
        // Configurations stored before these fields existed still parse.
        let c: HttpKeywordValidationConfig =
            serde_json::from_value(json!({"concurrency": 10, "keywordSetIds": ["k"]})).unwrap();
        assert!(c.proxy_ids().is_empty());
        assert!(c.snapshot());
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["proxyIds"], json!([]));
        assert_eq!(json["proxyRotation"], "round_robin");
        assert_eq!(json["acceptInvalidCertificates"], false);
        assert_eq!(json["snapshot"], true);
    }

    #[test]
    fn validate_rules_names_errors_after_the_given_field() {
        let inputs: Vec<KeywordRuleInput> = serde_json::from_value(json!([
            {"pattern": "ok"},
            {"pattern": "(", "kind": "regex"},
            {"pattern": "OK"}
        ]))
        .unwrap();
        let e = validate_rules("rules", inputs).unwrap_err();
        let fields: Vec<_> = e.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rules[1].pattern", "rules[2]"]);
        assert_eq!(e.errors()[1].message, "duplicates rules[0]");
        let inputs: Vec<KeywordRuleInput> =
            serde_json::from_value(json!([{"pattern": "a"}, {"pattern": "b", "kind": "regex"}]))
                .unwrap();
        let rules = validate_rules("rules", inputs).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].kind(), KeywordKind::Regex);
        let too_many: Vec<KeywordRuleInput> = (0..=MAX_KEYWORD_RULES)
            .map(|i| KeywordRuleInput {
                pattern: format!("k{i}"),
                kind: None,
                case_sensitive: None,
                category: None,
            })
            .collect();
        let e = validate_rules("rules", too_many).unwrap_err();
        assert_eq!(e.errors()[0].field, "rules");
        // The regex budget is shared by the rules of one list, as inline.
        let all = "[\\x{0}-\\x{10FFFF}]";
        let heavy: Vec<KeywordRuleInput> = (0..8)
            .map(|i| KeywordRuleInput {
                pattern: format!("{all}{i}"),
                kind: Some(KeywordKind::Regex),
                case_sensitive: None,
                category: None,
            })
            .collect();
        let e = validate_rules("rules", heavy).unwrap_err();
        assert_eq!(e.errors().len(), 1, "{e}");
        assert_eq!(e.errors()[0].field, "rules[7].pattern");
    }

    #[test]
    fn persona_excludes_inline_request_settings() {
        let c = parse(json!({"personaId": "chrome-eu", "concurrency": 10})).unwrap();
        assert_eq!(c.persona_id().map(StoredId::as_str), Some("chrome-eu"));
        assert!(c.request_settings().is_none());
        assert_eq!(
            fields(json!({
                "personaId": "p", "userAgent": "x", "headers": {}, "timeoutMs": 1000,
                "connectTimeoutMs": 500, "maxRedirects": 1
            })),
            [
                "userAgent",
                "headers",
                "timeoutMs",
                "connectTimeoutMs",
                "maxRedirects"
            ]
        );
        assert_eq!(fields(json!({"personaId": ""})), ["personaId"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        for value in [
            json!({"userAgnet": "x"}),
            json!({"keywordRules": [{"pattern": "a", "weight": 2}]}),
            json!({"ports": {"ftp": 21}}),
        ] {
            let e = serde_json::from_value::<HttpKeywordValidationConfigInput>(value.clone())
                .unwrap_err()
                .to_string();
            assert!(e.contains("unknown field"), "{value}: {e}");
        }
    }

    #[test]
    fn round_trip() {
        for value in [
            json!({}),
            json!({
                "userAgent": "Example/2", "headers": {"Accept-Language": "en"},
                "timeoutMs": 3000, "connectTimeoutMs": 1000, "maxRedirects": 0,
                "schemes": ["http"], "ports": {"http": 8080},
                "acceptedStatusCodes": ["2xx", 403], "maxBodyBytes": 4096,
                "concurrency": 50, "perIpConcurrency": 2, "rateLimitPerSecond": 20,
                "keywordRules": [
                    {"pattern": "for sale", "category": "sale"},
                    {"pattern": "sh[o0]p", "kind": "regex", "caseSensitive": true}
                ],
                "keywordSetIds": ["brands"],
                "proxyIds": ["prx_1"], "proxyRotation": "random",
                "acceptInvalidCertificates": true, "snapshot": false
            }),
            json!({"personaId": "p1", "keywordRules": [{"pattern": "x"}]}),
        ] {
            let c = parse(value).unwrap();
            let json = serde_json::to_value(&c).unwrap();
            let back: HttpKeywordValidationConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, c);
            assert_eq!(serde_json::to_value(&back).unwrap(), json);
        }
        let json = serde_json::to_value(HttpKeywordValidationConfig::default()).unwrap();
        assert_eq!(json["headers"], json!({}));
        assert_eq!(json["schemes"], json!(["https", "http"]));
        assert_eq!(json["acceptedStatusCodes"], json!(["2xx"]));
        assert_eq!(json["ports"], json!({"https": 443, "http": 80}));
        assert_eq!(json["keywordRules"], json!([]));
    }

    #[test]
    fn persona_settings_round_trip() {
        let s: HttpRequestSettings =
            serde_json::from_value(json!({"userAgent": "X/1", "headers": {"DNT": "1"}})).unwrap();
        assert_eq!(s.headers().get("dnt").map(String::as_str), Some("1"));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            serde_json::from_value::<HttpRequestSettings>(json).unwrap(),
            s
        );
        let e = serde_json::from_value::<HttpRequestSettings>(json!({"headers": {"Host": "x"}}))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("headers.Host: cannot be set"), "{e}");
    }

    #[test]
    fn keyword_rule_round_trip() {
        let r = rule(json!({"pattern": "x", "category": "c"})).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            json!({"pattern": "x", "kind": "literal", "caseSensitive": false, "category": "c"})
        );
        assert_eq!(serde_json::from_value::<KeywordRule>(json).unwrap(), r);
    }
}
