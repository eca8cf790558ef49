//! The data files of lead extraction — `data/contacts.toml` (e-mail, phone and profile rules)
//! and `data/contact_pages.toml` (contact, about and imprint link markers) — compiled in,
//! parsed, checked and turned into lookup tables and Aho-Corasick automata once, on first use.

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use crate::SignatureError;

const CONTACTS_FILE: &str = "data/contacts.toml";
const CONTACTS: &str = include_str!("../../data/contacts.toml");
const PAGES_FILE: &str = "data/contact_pages.toml";
const PAGES: &str = include_str!("../../data/contact_pages.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactsFile {
    email: EmailFile,
    phone: PhoneFile,
    social: SocialFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailFile {
    role_locals: Vec<String>,
    placeholder_domains: Vec<String>,
    placeholder_labels: Vec<String>,
    placeholder_locals: Vec<String>,
    asset_extensions: Vec<String>,
    escape_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneFile {
    labels: Vec<String>,
    reject_labels: Vec<String>,
    reject_adjacent: Vec<String>,
    generic_cctlds: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SocialFile {
    share_segments: Vec<String>,
    x_reserved: Vec<String>,
    facebook_reserved: Vec<String>,
    instagram_reserved: Vec<String>,
    tiktok_reserved: Vec<String>,
    github_reserved: Vec<String>,
    linkedin_kinds: Vec<String>,
    linkedin_reserved_slugs: Vec<String>,
    xing_kinds: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PagesFile {
    group: Vec<PageGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageGroup {
    kind: String,
    language: String,
    source: String,
    path: Vec<String>,
    text: Vec<String>,
}

/// What a phone-context label says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// A phone number follows.
    Phone,
    /// Something else follows (a fax, an IBAN, a VAT id …).
    Reject,
    /// A price follows, when the number comes right after it (a currency).
    RejectAdjacent,
}

/// The compiled rules.
#[derive(Debug)]
pub(crate) struct Rules {
    pub role_locals: HashSet<String>,
    pub placeholder_domains: Vec<String>,
    pub placeholder_labels: HashSet<String>,
    pub placeholder_locals: HashSet<String>,
    pub asset_extensions: HashSet<String>,
    pub escape_prefixes: Vec<String>,
    /// Phone labels and reject labels, one automaton; the pattern index says which
    /// ([`Rules::label_kinds`]).
    pub phone_labels: AhoCorasick,
    pub label_kinds: Vec<Label>,
    /// Whether each label must stand as a word on the left/right (it starts/ends with an
    /// ASCII letter).
    pub label_bounds: Vec<(bool, bool)>,
    pub generic_cctlds: HashSet<String>,
    pub share_segments: HashSet<String>,
    pub x_reserved: HashSet<String>,
    pub facebook_reserved: HashSet<String>,
    pub instagram_reserved: HashSet<String>,
    pub tiktok_reserved: HashSet<String>,
    pub github_reserved: HashSet<String>,
    pub linkedin_kinds: HashSet<String>,
    pub linkedin_reserved_slugs: HashSet<String>,
    pub xing_kinds: HashSet<String>,
    /// Contact-page markers in URL paths and in link texts.
    pub page_paths: AhoCorasick,
    pub page_texts: AhoCorasick,
    /// Whether a marker must start a word (it starts with an ASCII letter or digit).
    pub page_path_word: Vec<bool>,
    pub page_text_word: Vec<bool>,
}

static RULES: LazyLock<Result<Rules, SignatureError>> = LazyLock::new(Rules::load);

/// The rules, parsed and compiled on first use.
pub(crate) fn rules() -> Result<&'static Rules, SignatureError> {
    RULES.as_ref().map_err(Clone::clone)
}

fn invalid(file: &'static str, entry: &str, message: impl Into<String>) -> SignatureError {
    SignatureError::Invalid {
        file,
        entry: entry.to_owned(),
        message: message.into(),
    }
}

/// Checks a list (lower case, trimmed, non-empty, no duplicates) and makes a set of it.
fn set(
    file: &'static str,
    name: &str,
    list: Vec<String>,
) -> Result<HashSet<String>, SignatureError> {
    let mut out = HashSet::with_capacity(list.len());
    for entry in list {
        if entry.trim().is_empty() || entry.trim() != entry || entry != entry.to_lowercase() {
            return Err(invalid(
                file,
                name,
                format!("{entry:?} must be lower case, trimmed and non-empty"),
            ));
        }
        if !out.insert(entry.clone()) {
            return Err(invalid(file, name, format!("{entry:?} is listed twice")));
        }
    }
    Ok(out)
}

/// An ASCII-case-insensitive automaton; `overlapping`: one that reports every match (for
/// markers, where a match that fails the word test must not hide another), else leftmost
/// longest.
fn automaton(
    file: &'static str,
    patterns: &[String],
    overlapping: bool,
) -> Result<AhoCorasick, SignatureError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(if overlapping {
            MatchKind::Standard
        } else {
            MatchKind::LeftmostLongest
        })
        .build(patterns)
        .map_err(|e| SignatureError::Parse {
            file,
            message: e.to_string(),
        })
}

impl Rules {
    fn load() -> Result<Self, SignatureError> {
        let contacts: ContactsFile =
            toml::from_str(CONTACTS).map_err(|e| SignatureError::Parse {
                file: CONTACTS_FILE,
                message: e.to_string(),
            })?;
        let pages: PagesFile = toml::from_str(PAGES).map_err(|e| SignatureError::Parse {
            file: PAGES_FILE,
            message: e.to_string(),
        })?;
        let f = CONTACTS_FILE;
        let email = contacts.email;
        let phone = contacts.phone;
        let social = contacts.social;

        let labels = set(f, "phone.labels", phone.labels)?;
        let rejects = set(f, "phone.reject_labels", phone.reject_labels)?;
        let adjacent = set(f, "phone.reject_adjacent", phone.reject_adjacent)?;
        if let Some(both) = labels
            .intersection(&rejects)
            .chain(labels.intersection(&adjacent))
            .chain(rejects.intersection(&adjacent))
            .next()
        {
            return Err(invalid(
                f,
                "phone",
                format!("{both:?} is in two label lists"),
            ));
        }
        let mut label_patterns: Vec<String> = Vec::new();
        let mut label_kinds = Vec::new();
        let mut sorted: Vec<(String, Label)> = labels
            .into_iter()
            .map(|l| (l, Label::Phone))
            .chain(rejects.into_iter().map(|l| (l, Label::Reject)))
            .chain(adjacent.into_iter().map(|l| (l, Label::RejectAdjacent)))
            .collect();
        // Sorted so that the automaton (and so every result) does not depend on hash order.
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (pattern, kind) in sorted {
            label_patterns.push(pattern);
            label_kinds.push(kind);
        }
        let label_bounds = label_patterns
            .iter()
            .map(|p| {
                let b = p.as_bytes();
                (
                    b.first().is_some_and(u8::is_ascii_alphanumeric),
                    b.last().is_some_and(u8::is_ascii_alphanumeric),
                )
            })
            .collect();

        let mut path_markers = Vec::new();
        let mut text_markers = Vec::new();
        for group in pages.group {
            let entry = format!("{} ({})", group.kind, group.language);
            if !matches!(group.kind.as_str(), "contact" | "about" | "imprint") {
                return Err(invalid(
                    PAGES_FILE,
                    &entry,
                    "kind must be contact, about or imprint",
                ));
            }
            if group.source.trim().is_empty() {
                return Err(invalid(PAGES_FILE, &entry, "no source"));
            }
            if group.path.is_empty() && group.text.is_empty() {
                return Err(invalid(PAGES_FILE, &entry, "no markers"));
            }
            for (list, out) in [
                (group.path, &mut path_markers),
                (group.text, &mut text_markers),
            ] {
                for marker in list {
                    if marker.trim().is_empty() || marker != marker.to_lowercase() {
                        return Err(invalid(
                            PAGES_FILE,
                            &entry,
                            format!("marker {marker:?} must be lower case and non-empty"),
                        ));
                    }
                    if !out.contains(&marker) {
                        out.push(marker);
                    }
                }
            }
        }
        let word = |markers: &[String]| -> Vec<bool> {
            markers
                .iter()
                .map(|m| m.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric))
                .collect()
        };

        Ok(Self {
            role_locals: set(f, "email.role_locals", email.role_locals)?,
            placeholder_domains: set(f, "email.placeholder_domains", email.placeholder_domains)?
                .into_iter()
                .collect(),
            placeholder_labels: set(f, "email.placeholder_labels", email.placeholder_labels)?,
            placeholder_locals: set(f, "email.placeholder_locals", email.placeholder_locals)?,
            asset_extensions: set(f, "email.asset_extensions", email.asset_extensions)?,
            escape_prefixes: {
                let mut v: Vec<String> = set(f, "email.escape_prefixes", email.escape_prefixes)?
                    .into_iter()
                    .collect();
                v.sort();
                v
            },
            phone_labels: automaton(f, &label_patterns, false)?,
            label_kinds,
            label_bounds,
            generic_cctlds: set(f, "phone.generic_cctlds", phone.generic_cctlds)?,
            share_segments: set(f, "social.share_segments", social.share_segments)?,
            x_reserved: set(f, "social.x_reserved", social.x_reserved)?,
            facebook_reserved: set(f, "social.facebook_reserved", social.facebook_reserved)?,
            instagram_reserved: set(f, "social.instagram_reserved", social.instagram_reserved)?,
            tiktok_reserved: set(f, "social.tiktok_reserved", social.tiktok_reserved)?,
            github_reserved: set(f, "social.github_reserved", social.github_reserved)?,
            linkedin_kinds: set(f, "social.linkedin_kinds", social.linkedin_kinds)?,
            linkedin_reserved_slugs: set(
                f,
                "social.linkedin_reserved_slugs",
                social.linkedin_reserved_slugs,
            )?,
            xing_kinds: set(f, "social.xing_kinds", social.xing_kinds)?,
            page_path_word: word(&path_markers),
            page_text_word: word(&text_markers),
            page_paths: automaton(PAGES_FILE, &path_markers, true)?,
            page_texts: automaton(PAGES_FILE, &text_markers, true)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_load() {
        let rules = rules().unwrap();
        assert!(rules.role_locals.contains("info"));
        assert!(rules.asset_extensions.contains("png"));
        assert!(rules.page_paths.patterns_len() > 50);
        assert_eq!(rules.label_kinds.len(), rules.phone_labels.patterns_len());
    }
}
