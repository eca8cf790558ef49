//! The keyword-rule pipeline of the HTTP phase: JSON rules → `validate_rules` (the domain
//! crate's check, as for `keywordRules` and stored keyword sets) → `KeywordMatcher::compile`
//! → `KeywordMatcher::scan` over arbitrary text.
//!
//! Input: a JSON array of `KeywordRuleInput`s, a NUL byte, then the page text (lossy UTF-8;
//! its first line is also the title).
//!
//! Properties:
//! - validation never panics; a refusal names fields under `keywordRules`, with messages;
//! - every rule set that validates compiles (a validated rule that does not compile is a bug:
//!   the domain's limits and the engine's disagree), and survives a serde round trip;
//! - scanning never panics; hits come in rule order, name their rule's pattern and category,
//!   and have a non-zero count in the text or the title;
//! - counts are exact, for every rule: the count of non-overlapping matches that the `regex`
//!   crate finds with the same pattern and case mode (`regex::escape`d for a literal), as the
//!   matcher's documentation promises (case-insensitive literals use simple case folding,
//!   like `(?i)`); for case-sensitive literals, also `str::matches(..).count()`.
#![no_main]

use std::collections::HashMap;

use dragnet_domain::config::http::{
    KeywordKind, KeywordRule, KeywordRuleInput, MAX_REGEX_COMPILED_BYTES, MAX_REGEX_NEST,
    validate_rules,
};
use dragnet_probe::matcher::KeywordMatcher;
use dragnet_html::PageText;
use libfuzzer_sys::fuzz_target;
use regex::{Regex, RegexBuilder};

/// Rule sets up to this size get the exact-count oracle (each rule is compiled once more).
const ORACLE_RULES: usize = 24;

fuzz_target!(|data: &[u8]| {
    let (json, text) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let Ok(inputs) = serde_json::from_slice::<Vec<KeywordRuleInput>>(json) else {
        return;
    };
    let rules = match validate_rules("keywordRules", inputs) {
        Ok(rules) => rules,
        Err(errors) => {
            assert!(!errors.errors().is_empty());
            for e in errors.errors() {
                assert!(e.field.starts_with("keywordRules"), "{e:?}");
                assert!(!e.message.is_empty(), "{e:?}");
            }
            return;
        }
    };
    let matcher = KeywordMatcher::compile(&rules)
        .unwrap_or_else(|e| panic!("validated rules do not compile: {e}\n{rules:#?}"));
    assert_eq!(matcher.is_empty(), rules.is_empty());

    let json = serde_json::to_string(&rules).expect("rules serialise");
    let back: Vec<KeywordRule> = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{json} does not validate again: {e}"));
    assert_eq!(back, rules);

    let text = String::from_utf8_lossy(text);
    let title = text.lines().next().map(str::to_owned);
    let page = PageText {
        title: title.clone(),
        visible: text.clone().into_owned(),
    };
    let hits = matcher.scan(&page);
    let mut by_rule = HashMap::new();
    let mut previous = None;
    for hit in &hits {
        assert!(previous < Some(hit.rule), "hits out of rule order");
        previous = Some(hit.rule);
        let rule = &rules[hit.rule];
        assert_eq!(hit.pattern, rule.pattern());
        assert_eq!(hit.category.as_deref(), rule.category());
        assert!(hit.count > 0 || hit.title_count > 0);
        by_rule.insert(hit.rule, (hit.count, hit.title_count));
    }

    if rules.len() > ORACLE_RULES {
        return;
    }
    for (i, rule) in rules.iter().enumerate() {
        let Some(oracle) = oracle(rule) else {
            continue;
        };
        let expected = (
            count(&oracle, &text),
            title.as_deref().map_or(0, |t| count(&oracle, t)),
        );
        let got = by_rule.get(&i).copied().unwrap_or((0, 0));
        assert_eq!(
            got, expected,
            "rule {i} {rule:?}: matcher (visible, title) counts differ from the regex crate's"
        );
        if rule.kind() == KeywordKind::Literal && rule.case_sensitive() {
            let naive = text.matches(rule.pattern()).count();
            assert_eq!(
                u64::from(got.0),
                naive as u64,
                "rule {i} {rule:?}: naive count"
            );
        }
    }
});

/// The rule as one regex of the `regex` crate, or `None` when that does not build (then there
/// is nothing to compare with).
fn oracle(rule: &KeywordRule) -> Option<Regex> {
    let pattern = match rule.kind() {
        KeywordKind::Literal => regex::escape(rule.pattern()),
        KeywordKind::Regex => rule.pattern().to_owned(),
    };
    RegexBuilder::new(&pattern)
        .case_insensitive(!rule.case_sensitive())
        .size_limit(4 * MAX_REGEX_COMPILED_BYTES)
        .nest_limit(MAX_REGEX_NEST)
        .build()
        .ok()
}

fn count(regex: &Regex, text: &str) -> u32 {
    regex.find_iter(text).fold(0u32, |n, _| n.saturating_add(1))
}
