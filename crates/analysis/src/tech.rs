//! Technology fingerprints: the rules of `data/technologies.toml` matched against what the
//! HTML pass collected (resource URLs, inline scripts, the generator) and the response's
//! headers and cookie names. Each technology is reported once, with the first rule that found
//! it, in the order of the data file.

use dragnet_domain::content::{EvidenceSource, Technology};

use crate::html::Extract;
use crate::signatures::Signatures;

/// The cookie names a response sets: the part before `=` of each `Set-Cookie` header.
pub fn cookie_names<'a>(headers: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split_once('=').map(|(n, _)| n.trim()))
        .filter(|n| !n.is_empty())
}

/// The technologies found on a page.
pub fn detect(sig: &Signatures, extract: &Extract, headers: &[(&str, &str)]) -> Vec<Technology> {
    let mut found: Vec<Option<String>> = vec![None; sig.technologies.len()];
    let mut note = |tech: usize, evidence: String| {
        if let Some(slot) = found.get_mut(tech)
            && slot.is_none()
        {
            *slot = Some(evidence);
        }
    };

    for url in &extract.urls {
        let place = match url.source {
            EvidenceSource::Script => "script",
            EvidenceSource::Link => "link",
            EvidenceSource::Iframe => "iframe",
            // Form targets and refreshes say where the visitor goes, not what the page runs.
            _ => continue,
        };
        for m in sig.url_matcher.find_overlapping_iter(url.url.as_str()) {
            let (tech, pattern) = &sig.url_patterns[m.pattern().as_usize()];
            note(*tech, format!("{place}: {pattern}"));
        }
    }
    for m in sig
        .url_matcher
        .find_overlapping_iter(extract.inline_script.as_str())
    {
        let (tech, pattern) = &sig.url_patterns[m.pattern().as_usize()];
        note(*tech, format!("inline script: {pattern}"));
    }
    if let Some(generator) = &extract.generator {
        for m in sig
            .generator_matcher
            .find_overlapping_iter(generator.as_str())
        {
            let (tech, pattern) = &sig.generator_patterns[m.pattern().as_usize()];
            note(*tech, format!("meta generator: {pattern}"));
        }
    }
    for (name, value) in headers {
        let name = name.trim().to_ascii_lowercase();
        let Some(rules) = sig.header_rules.get(&name) else {
            continue;
        };
        let value = value.to_ascii_lowercase();
        for rule in rules {
            if rule.value.as_deref().is_none_or(|v| value.contains(v)) {
                note(rule.tech, format!("header {}", rule.rule));
            }
        }
    }
    for cookie in cookie_names(headers) {
        let lower = cookie.to_ascii_lowercase();
        for (prefix, tech) in &sig.cookie_rules {
            if lower.starts_with(prefix.as_str()) {
                note(*tech, format!("cookie: {cookie}"));
            }
        }
    }

    found
        .into_iter()
        .enumerate()
        .filter_map(|(i, evidence)| {
            let evidence = evidence?;
            let t = &sig.technologies[i];
            Some(Technology {
                name: t.name.clone(),
                category: t.category,
                evidence,
            })
        })
        .collect()
}
