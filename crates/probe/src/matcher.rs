//! Keyword rules compiled once per phase run, and their hit counts on a page.
//!
//! A [`KeywordMatcher`] is built once from the phase's rules and shared (it is `Send + Sync`)
//! by every probe; [`KeywordMatcher::scan`] counts each rule's hits in a page's visible text
//! and, apart, in its title.
//!
//! What a hit is:
//!
//! - **Each rule counts on its own** the non-overlapping occurrences of its pattern, left to
//!   right, exactly as `text.matches(pattern).count()` (literals) or
//!   `regex.find_iter(text).count()` (regexes) would. Rules never hide each other's hits: on
//!   `online banking`, the rules `bank` and `banking` both count 1, and a literal and a regex
//!   with the same pattern count the same.
//! - **Literals are plain substrings**: `bank` counts inside `banking` and `riverbank`. Word
//!   boundaries are what regex rules are for (`\bbank\b`).
//! - **Case-insensitive rules** (the default) use Unicode simple case folding, the same as the
//!   `regex` crate's `(?i)`: `É` matches `é`, `Σ` matches `σ` and `ς`, the Kelvin sign matches
//!   `k`, `ẞ` matches `ß`. A character never matches a string, so `STRASSE` does not match
//!   `straße` (full case folding would say it does; neither `(?i)` nor this matcher does).
//!   Case-sensitive rules compare characters exactly.
//! - Counts saturate at `u32::MAX`.
//!
//! How: all case-sensitive literals go into one Aho-Corasick automaton run over the text, all
//! case-insensitive literals (case-folded) into a second one run over the case-folded text.
//! Both are searched for *overlapping* matches, every occurrence of every pattern, and a
//! pattern's count keeps an occurrence only when it starts at or after the end of the last one
//! kept — which is exactly the per-rule non-overlapping count above (standard leftmost
//! matching across all patterns would hide `banking` behind `bank`). Regex rules go into one
//! `RegexSet` per case mode, which says in one pass which rules match at all; only those are
//! then counted with `find_iter`. The exception are regexes with a word boundary (`\b`): a set
//! runs on a lazy DFA that gives up on a Unicode word boundary as soon as the text holds a
//! non-ASCII character, and then the whole set runs on a far slower engine, so these are
//! searched on their own, where a literal prefilter finds the candidates. Time per page is
//! linear in the text, plus the number of occurrences, plus one pass per regex rule that
//! matched or has a word boundary. (Word-boundary regexes remain the most expensive rules on
//! text with accented letters: 50 of them cost about five times as much as 50 similar regexes
//! without `\b` in a set.)

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use dragnet_domain::config::http::{
    KeywordKind, KeywordRule, MAX_REGEX_COMPILED_BYTES, MAX_REGEX_NEST, MAX_REGEX_TOTAL_BYTES,
};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use dragnet_html::PageText;

/// The `regex` crate's size limit for one rule. It counts differently from the domain crate's
/// check (a Thompson NFA of at most [`MAX_REGEX_COMPILED_BYTES`]): measured on `\d{n}`,
/// `\w{n}`, `\pL{n}`, `.{n}` and bracketed classes, the largest regex the domain accepts needs
/// up to 3.3 times that limit here (`\d{n}` the most). Four times it accepts every rule the
/// domain accepts (the domain's check is what bounds a rule's cost); the test
/// `every_regex_the_domain_accepts_compiles` keeps it so.
const REGEX_SIZE_LIMIT: usize = 4 * MAX_REGEX_COMPILED_BYTES;

/// The size limit of one set of regex rules: the same factor over the domain's limit for all
/// the rules of a configuration. Past it the rules are searched one by one instead.
const REGEX_SET_SIZE_LIMIT: usize = 4 * MAX_REGEX_TOTAL_BYTES;

/// A rule that cannot be compiled. Every rule the domain crate validates compiles (the test
/// `every_regex_the_domain_accepts_compiles` checks that the size limits agree); this error
/// guards against the two ever disagreeing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    /// A regex rule does not compile.
    #[error("keyword rule {index} (`{pattern}`) does not compile: {reason}")]
    Rule {
        /// The rule's index in the list given to [`KeywordMatcher::compile`].
        index: usize,
        /// The rule's pattern.
        pattern: String,
        /// Why, in one line.
        reason: String,
    },
    /// The literal rules together do not fit in one automaton.
    #[error("the {count} literal keyword rules do not compile into one automaton: {reason}")]
    Literals {
        /// How many literal patterns there were.
        count: usize,
        /// Why.
        reason: String,
    },
}

/// One rule's hits on one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHits {
    /// The rule's index in the list given to [`KeywordMatcher::compile`].
    pub rule: usize,
    /// The rule's pattern.
    pub pattern: String,
    /// The rule's category.
    pub category: Option<String>,
    /// Hits in the visible text.
    pub count: u32,
    /// Hits in the title.
    pub title_count: u32,
}

/// The keyword rules of a phase run, compiled. See the module documentation for what counts
/// as a hit.
#[derive(Debug)]
pub struct KeywordMatcher {
    rules: Vec<RuleInfo>,
    /// Case-sensitive literals, matched on the text as it is.
    sensitive: Option<Literals>,
    /// Case-insensitive literals, case-folded, matched on the case-folded text.
    insensitive: Option<Literals>,
    /// Regex rules, one group per case mode.
    regexes: Vec<RegexGroup>,
}

#[derive(Debug)]
struct RuleInfo {
    pattern: String,
    category: Option<String>,
}

impl KeywordMatcher {
    /// Compiles the rules. Regexes are built with the nesting limit the domain crate validated
    /// them against ([`MAX_REGEX_NEST`]) and a size limit that admits every regex it accepted
    /// (see `REGEX_SIZE_LIMIT`); the error names the first rule that does not compile.
    pub fn compile(rules: &[KeywordRule]) -> Result<Self, MatcherError> {
        let mut sensitive = Vec::new();
        let mut insensitive = Vec::new();
        let mut regex_sensitive = Vec::new();
        let mut regex_insensitive = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            match (rule.kind(), rule.case_sensitive()) {
                (KeywordKind::Literal, true) => sensitive.push((rule.pattern().to_owned(), index)),
                (KeywordKind::Literal, false) => {
                    let mut folded = String::new();
                    fold_case(rule.pattern(), &mut folded);
                    insensitive.push((folded, index));
                }
                (KeywordKind::Regex, true) => regex_sensitive.push((rule.pattern(), index)),
                (KeywordKind::Regex, false) => regex_insensitive.push((rule.pattern(), index)),
            }
        }
        let regexes = [(regex_sensitive, true), (regex_insensitive, false)]
            .into_iter()
            .filter(|(group, _)| !group.is_empty())
            .map(|(group, case_sensitive)| RegexGroup::build(&group, case_sensitive))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rules: rules
                .iter()
                .map(|r| RuleInfo {
                    pattern: r.pattern().to_owned(),
                    category: r.category().map(str::to_owned),
                })
                .collect(),
            sensitive: Literals::build(sensitive)?,
            insensitive: Literals::build(insensitive)?,
            regexes,
        })
    }

    /// Whether there are no rules (every scan finds nothing).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Counts every rule's hits in the page's visible text and, apart, in its title. Returns
    /// the rules with at least one hit in either, in rule order.
    pub fn scan(&self, page: &PageText) -> Vec<RuleHits> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let mut folded = String::new();
        let mut visible = vec![0u32; self.rules.len()];
        self.count(&page.visible, &mut folded, &mut visible);
        let mut title = vec![0u32; self.rules.len()];
        if let Some(t) = &page.title {
            self.count(t, &mut folded, &mut title);
        }
        self.rules
            .iter()
            .zip(visible.into_iter().zip(title))
            .enumerate()
            .filter(|(_, (_, (count, title_count)))| *count > 0 || *title_count > 0)
            .map(|(rule, (info, (count, title_count)))| RuleHits {
                rule,
                pattern: info.pattern.clone(),
                category: info.category.clone(),
                count,
                title_count,
            })
            .collect()
    }

    /// Adds each rule's hits in `text` to `counts` (indexed by rule).
    fn count(&self, text: &str, folded: &mut String, counts: &mut [u32]) {
        if text.is_empty() {
            return;
        }
        if let Some(literals) = &self.sensitive {
            literals.count(text, counts);
        }
        if let Some(literals) = &self.insensitive {
            fold_case(text, folded);
            literals.count(folded, counts);
        }
        for group in &self.regexes {
            group.count(text, counts);
        }
    }
}

/// Literal patterns in one Aho-Corasick automaton searched for overlapping matches.
#[derive(Debug)]
struct Literals {
    automaton: AhoCorasick,
    /// For each distinct pattern of the automaton, the rules that have it.
    rules: Vec<Vec<usize>>,
}

impl Literals {
    fn build(patterns: Vec<(String, usize)>) -> Result<Option<Self>, MatcherError> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut distinct: Vec<String> = Vec::new();
        let mut rules: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (pattern, rule) in patterns {
            if let Some(&id) = seen.get(&pattern) {
                rules[id].push(rule);
            } else {
                seen.insert(pattern.clone(), distinct.len());
                distinct.push(pattern);
                rules.push(vec![rule]);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&distinct)
            .map_err(|e| MatcherError::Literals {
                count: distinct.len(),
                reason: e.to_string(),
            })?;
        Ok(Some(Self { automaton, rules }))
    }

    fn count(&self, text: &str, counts: &mut [u32]) {
        let mut hits = vec![0u32; self.rules.len()];
        let mut last_end = vec![0usize; self.rules.len()];
        for m in self.automaton.find_overlapping_iter(text) {
            let id = m.pattern().as_usize();
            // An occurrence overlapping the last one kept is not a new hit; the occurrences of
            // one pattern come in order (they all have its length and come by end).
            if m.start() >= last_end[id] {
                hits[id] = hits[id].saturating_add(1);
                last_end[id] = m.end();
            }
        }
        for (id, n) in hits.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            for &rule in &self.rules[id] {
                counts[rule] = counts[rule].saturating_add(n);
            }
        }
    }
}

/// The regex rules of one case mode.
#[derive(Debug)]
struct RegexGroup {
    /// Says in one pass which of the regexes `in_set` match at all; `None` when there are
    /// fewer than two of them or they are too large together for one set.
    set: Option<RegexSet>,
    /// Indexes (into `regexes`) of the regexes in the set.
    in_set: Vec<usize>,
    /// Indexes of the regexes searched on their own: all of them without a set, else those
    /// with a word boundary.
    alone: Vec<usize>,
    regexes: Vec<Regex>,
    /// The rule of each regex.
    rules: Vec<usize>,
}

impl RegexGroup {
    fn build(rules: &[(&str, usize)], case_sensitive: bool) -> Result<Self, MatcherError> {
        let regexes = rules
            .iter()
            .map(|&(pattern, index)| {
                RegexBuilder::new(pattern)
                    .case_insensitive(!case_sensitive)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .nest_limit(MAX_REGEX_NEST)
                    .build()
                    .map_err(|e| MatcherError::Rule {
                        index,
                        pattern: pattern.to_owned(),
                        reason: e
                            .to_string()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A set runs on the lazy DFA, which cannot evaluate a Unicode word boundary on
        // non-ASCII text and then falls back to a much slower engine for the whole set (about
        // 50 times slower on a page with accented letters). A regex of its own keeps its
        // literal prefilter, so regexes with word boundaries are searched on their own.
        let (mut alone, in_set): (Vec<usize>, Vec<usize>) =
            (0..rules.len()).partition(|&i| has_word_boundary(rules[i].0));
        let mut set = None;
        if in_set.len() > 1 {
            let built = RegexSetBuilder::new(in_set.iter().map(|&i| rules[i].0))
                .case_insensitive(!case_sensitive)
                .size_limit(REGEX_SET_SIZE_LIMIT)
                .nest_limit(MAX_REGEX_NEST)
                .build();
            match built {
                Ok(built) => set = Some(built),
                Err(error) => {
                    tracing::debug!(%error, "keyword regexes too large for one set; searching each");
                }
            }
        }
        if set.is_none() {
            alone = (0..rules.len()).collect();
        }
        Ok(Self {
            set,
            in_set,
            alone,
            regexes,
            rules: rules.iter().map(|&(_, index)| index).collect(),
        })
    }

    fn count(&self, text: &str, counts: &mut [u32]) {
        let mut count_one = |i: usize| {
            let n = self.regexes[i]
                .find_iter(text)
                .fold(0u32, |n, _| n.saturating_add(1));
            let rule = self.rules[i];
            counts[rule] = counts[rule].saturating_add(n);
        };
        if let Some(set) = &self.set {
            for i in set.matches(text) {
                count_one(self.in_set[i]);
            }
        }
        for &i in &self.alone {
            count_one(i);
        }
    }
}

/// Whether a regex may contain a word-boundary assertion (`\b`, `\B`, `\<`, `\>`, `\b{…}`):
/// an escape of `b`, `B`, `<` or `>` anywhere (a false positive only costs a separate search).
fn has_word_boundary(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.next(), Some('b' | 'B' | '<' | '>')) {
            return true;
        }
    }
    false
}

/// Writes the simple case folding of `text` into `out` (replacing what it held): each
/// character maps to one character, the same for every member of a `(?i)` equivalence class.
fn fold_case(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        if let Some(c) = rest.chars().next() {
            out.push(fold_char(c));
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// A character's representative among the characters `(?i)` treats as equal: its lowercase
/// when that is one character (`İ` lowercases to two and stays itself, as simple folding
/// has it), then the few lowercase variants that simple folding merges with another letter.
fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    let lower = match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    };
    match FOLD_VARIANTS.binary_search_by_key(&lower, |&(from, _)| from) {
        Ok(i) => FOLD_VARIANTS[i].1,
        Err(_) => lower,
    }
}

/// Lowercase letters that Unicode simple case folding (and so `(?i)`) treats as equal to
/// another lowercase letter, and that letter; sorted. Computed from `regex-syntax`'s folding
/// tables: every class of characters it folds together whose lowercases differ.
const FOLD_VARIANTS: [(char, char); 25] = [
    ('\u{00b5}', '\u{03bc}'), // µ micro sign -> μ
    ('\u{017f}', 's'),        // ſ long s
    ('\u{0345}', '\u{03b9}'), // combining ypogegrammeni -> ι
    ('\u{03c2}', '\u{03c3}'), // ς final sigma -> σ
    ('\u{03d0}', '\u{03b2}'), // ϐ -> β
    ('\u{03d1}', '\u{03b8}'), // ϑ -> θ
    ('\u{03d5}', '\u{03c6}'), // ϕ -> φ
    ('\u{03d6}', '\u{03c0}'), // ϖ -> π
    ('\u{03f0}', '\u{03ba}'), // ϰ -> κ
    ('\u{03f1}', '\u{03c1}'), // ϱ -> ρ
    ('\u{03f5}', '\u{03b5}'), // ϵ -> ε
    ('\u{1c80}', '\u{0432}'), // Cyrillic small rounded ve -> в
    ('\u{1c81}', '\u{0434}'), // long-legged de -> д
    ('\u{1c82}', '\u{043e}'), // narrow o -> о
    ('\u{1c83}', '\u{0441}'), // wide es -> с
    ('\u{1c84}', '\u{0442}'), // tall te -> т
    ('\u{1c85}', '\u{0442}'), // three-legged te -> т
    ('\u{1c86}', '\u{044a}'), // tall hard sign -> ъ
    ('\u{1c87}', '\u{0463}'), // tall yat -> ѣ
    ('\u{1c88}', '\u{a64b}'), // unblended uk -> ꙋ
    ('\u{1e9b}', '\u{1e61}'), // ẛ -> ṡ
    ('\u{1fbe}', '\u{03b9}'), // Greek prosgegrammeni -> ι
    ('\u{1fd3}', '\u{0390}'), // ΐ (two code points for the same letter)
    ('\u{1fe3}', '\u{03b0}'), // ΰ
    ('\u{fb06}', '\u{fb05}'), // ﬆ ligature -> ﬅ
];

#[cfg(test)]
mod tests {
    use dragnet_domain::config::http::KeywordRuleInput;
    use regex::Regex;

    use super::*;

    fn rule(pattern: &str, kind: KeywordKind, case_sensitive: bool) -> KeywordRule {
        KeywordRule::try_from(KeywordRuleInput {
            pattern: pattern.to_owned(),
            kind: Some(kind),
            case_sensitive: Some(case_sensitive),
            category: None,
        })
        .expect("a valid rule")
    }

    fn literal(pattern: &str) -> KeywordRule {
        rule(pattern, KeywordKind::Literal, false)
    }

    fn page(visible: &str, title: Option<&str>) -> PageText {
        PageText {
            title: title.map(str::to_owned),
            visible: visible.to_owned(),
        }
    }

    /// (visible, title) counts per rule, zeros included.
    fn counts(rules: &[KeywordRule], visible: &str, title: Option<&str>) -> Vec<(u32, u32)> {
        let matcher = KeywordMatcher::compile(rules).expect("rules compile");
        let mut out = vec![(0, 0); rules.len()];
        for hit in matcher.scan(&page(visible, title)) {
            assert_eq!(hit.pattern, rules[hit.rule].pattern());
            assert!(hit.count > 0 || hit.title_count > 0);
            out[hit.rule] = (hit.count, hit.title_count);
        }
        out
    }

    fn visible_counts(rules: &[KeywordRule], visible: &str) -> Vec<u32> {
        counts(rules, visible, None)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    #[test]
    fn no_rules() {
        let matcher = KeywordMatcher::compile(&[]).expect("no rules compile");
        assert!(matcher.is_empty());
        assert!(matcher.scan(&page("anything", Some("at all"))).is_empty());
        let matcher = KeywordMatcher::compile(&[literal("x")]).expect("compiles");
        assert!(!matcher.is_empty());
        assert!(matcher.scan(&page("", None)).is_empty());
    }

    #[test]
    fn matcher_is_shareable() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<KeywordMatcher>();
    }

    #[test]
    fn literals_are_substrings_counted_without_overlap() {
        let rules = [
            literal("bank"),
            literal("banking"),
            literal("aa"),
            literal("nk"),
        ];
        assert_eq!(
            visible_counts(&rules, "Online banking at the riverbank: BANK aaaa aaa"),
            [3, 1, 3, 3]
        );
        // Each rule counts as `str::matches` would, whatever the other rules.
        for text in ["aaaaa", "banking bank", "abababa", ""] {
            for pattern in ["aa", "aba", "bank", "a"] {
                let rules = [literal(pattern), literal("ab"), literal("a")];
                let expected = u32::try_from(text.matches(pattern).count()).expect("small");
                assert_eq!(
                    visible_counts(&rules, text)[0],
                    expected,
                    "{pattern} in {text}"
                );
            }
        }
    }

    #[test]
    fn case_sensitivity() {
        let rules = [
            rule("Shop", KeywordKind::Literal, true),
            rule("shop", KeywordKind::Literal, false),
            rule("Straße", KeywordKind::Literal, true),
            rule("straße", KeywordKind::Literal, false),
            rule("CAFÉ", KeywordKind::Literal, false),
            rule("σοφία", KeywordKind::Literal, false),
        ];
        let text = "Shop shop SHOP Straße straße STRAẞE STRASSE café Café ΣΟΦΊΑ σοφία";
        assert_eq!(visible_counts(&rules, text), [1, 3, 1, 3, 2, 2]);
        // Final sigma, the Kelvin sign, long s and the micro sign fold like `(?i)`.
        let rules = [
            literal("οδος"),
            literal("kilo"),
            literal("class"),
            literal("µm"),
        ];
        assert_eq!(
            visible_counts(&rules, "ΟΔΟΣ οδος οδοσ \u{212a}ilo cla\u{17f}s μm ΜM"),
            [3, 1, 1, 2]
        );
    }

    #[test]
    fn case_folding_agrees_with_regex() {
        // Every character that folds to another matches it under `(?i)` (characters newer
        // than the `regex` crate's Unicode tables aside).
        let assigned = Regex::new(r"^\p{Assigned}$").expect("regex");
        let mut checked = 0;
        for c in (0..=0x1_ffffu32).filter_map(char::from_u32) {
            let folded = fold_char(c);
            if folded == c || !assigned.is_match(&c.to_string()) {
                continue;
            }
            let re = Regex::new(&format!("(?i)^{}$", regex::escape(&folded.to_string())))
                .expect("regex");
            assert!(re.is_match(&c.to_string()), "{c:?} folds to {folded:?}");
            checked += 1;
        }
        assert!(checked > 1400, "{checked}");
        for (from, to) in FOLD_VARIANTS {
            assert!(FOLD_VARIANTS.is_sorted_by_key(|&(f, _)| f));
            assert_eq!(fold_char(from), to);
        }
        let mut out = String::new();
        fold_case("ÀB İ ẞ Ω", &mut out);
        assert_eq!(out, "àb İ ß ω");
    }

    #[test]
    fn regexes_count_their_matches() {
        let rules = [
            rule(r"\d{4}", KeywordKind::Regex, true),
            rule(r"\bbank(ing)?\b", KeywordKind::Regex, false),
            rule(r"sh[o0]p", KeywordKind::Regex, false),
            rule(r"Sh[o0]p", KeywordKind::Regex, true),
            rule(r"caf[eé]", KeywordKind::Regex, false),
        ];
        assert_eq!(
            visible_counts(
                &rules,
                "1998 2024 12345 Banking bank riverbank SH0P Shop shop Café café"
            ),
            [3, 2, 3, 1, 2]
        );
    }

    #[test]
    fn a_regex_and_a_literal_with_the_same_pattern() {
        let rules = [
            literal("bank"),
            rule("bank", KeywordKind::Regex, false),
            literal("a.c"),
            rule("a.c", KeywordKind::Regex, false),
        ];
        assert_eq!(visible_counts(&rules, "Bank bank a.c abc"), [2, 2, 1, 2]);
    }

    #[test]
    fn hits_are_in_rule_order_with_their_categories() {
        let rules = vec![
            literal("missing"),
            KeywordRule::try_from(KeywordRuleInput {
                pattern: "sale".to_owned(),
                kind: None,
                case_sensitive: None,
                category: Some("for-sale".to_owned()),
            })
            .expect("valid"),
            rule("s.le", KeywordKind::Regex, true),
            literal("title only"),
            literal("sale"),
        ];
        let matcher = KeywordMatcher::compile(&rules).expect("compiles");
        let hits = matcher.scan(&page("For sale: sale SALE", Some("Title only: sale")));
        assert_eq!(
            hits,
            [
                RuleHits {
                    rule: 1,
                    pattern: "sale".to_owned(),
                    category: Some("for-sale".to_owned()),
                    count: 3,
                    title_count: 1,
                },
                RuleHits {
                    rule: 2,
                    pattern: "s.le".to_owned(),
                    category: None,
                    count: 2,
                    title_count: 1,
                },
                RuleHits {
                    rule: 3,
                    pattern: "title only".to_owned(),
                    category: None,
                    count: 0,
                    title_count: 1,
                },
                RuleHits {
                    rule: 4,
                    pattern: "sale".to_owned(),
                    category: None,
                    count: 3,
                    title_count: 1,
                },
            ]
        );
    }

    #[test]
    fn many_regexes_with_and_without_word_boundaries() {
        // Enough regexes for a set, some with word boundaries (searched on their own).
        let mut rules = Vec::new();
        for word in ["shop", "bank", "café", "sale"] {
            rules.push(rule(&format!(r"\b{word}\b"), KeywordKind::Regex, false));
            rules.push(rule(&format!("{word}s?"), KeywordKind::Regex, false));
            rules.push(rule(&format!("{word}[a-z]*"), KeywordKind::Regex, true));
        }
        let text = "shops shop bank banks Café café sale sales résumé";
        let matcher = KeywordMatcher::compile(&rules).expect("compiles");
        assert!(matcher.regexes.iter().all(|g| g.set.is_some()));
        for (i, r) in rules.iter().enumerate() {
            let re = RegexBuilder::new(r.pattern())
                .case_insensitive(!r.case_sensitive())
                .build()
                .expect("regex");
            let expected = u32::try_from(re.find_iter(text).count()).expect("small");
            assert_eq!(visible_counts(&rules, text)[i], expected, "{}", r.pattern());
        }
        assert!(has_word_boundary(r"\bx"));
        assert!(has_word_boundary(r"x\B"));
        assert!(has_word_boundary(r"\<x\>"));
        assert!(!has_word_boundary(r"\\b"));
        assert!(!has_word_boundary(r"[b]\d"));
    }

    #[test]
    fn duplicate_rules_each_count() {
        let rules = [literal("bank"), literal("bank"), literal("BANK")];
        assert_eq!(visible_counts(&rules, "bank Bank"), [2, 2, 2]);
    }

    #[test]
    fn counts_saturate() {
        let literals = Literals::build(vec![("a".to_owned(), 0), ("a".to_owned(), 1)])
            .expect("builds")
            .expect("not empty");
        let mut counts = [u32::MAX - 1, 5];
        literals.count("aaa", &mut counts);
        assert_eq!(counts, [u32::MAX, 8]);
        let group = RegexGroup::build(&[("a", 0)], true).expect("builds");
        let mut counts = [u32::MAX - 1];
        group.count("aaa", &mut counts);
        assert_eq!(counts, [u32::MAX]);
    }

    #[test]
    fn every_regex_the_domain_accepts_compiles() {
        // Near the domain crate's size limit, where the `regex` crate counts differently.
        // (`\d` needs the most headroom of the classes measured; the others are in
        // `REGEX_SIZE_LIMIT`'s comment.)
        for (pattern, case_sensitive) in [(r"\d{2600}", true), (r"\w{200}", false)] {
            let input = KeywordRuleInput {
                pattern: pattern.to_owned(),
                kind: Some(KeywordKind::Regex),
                case_sensitive: Some(case_sensitive),
                category: None,
            };
            // Just within the domain's limit (if this fails, the domain's accounting changed:
            // find the new largest `n` and check the factor of `REGEX_SIZE_LIMIT` again).
            let rule = KeywordRule::try_from(input).expect("the domain accepts the regex");
            let matcher = KeywordMatcher::compile(&[rule]);
            assert!(matcher.is_ok(), "{pattern}: {:?}", matcher.err());
        }
    }
}
