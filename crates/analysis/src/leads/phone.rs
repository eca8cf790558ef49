//! Phone numbers: normalisation to E.164 with the `phonenumber` crate (a port of Google's
//! libphonenumber and its metadata) ([`normalize_phone`]), the finder over visible text
//! ([`phones_in_text`]), and the region a page's national numbers are read in
//! ([`region_from_host`]).
//!
//! Parsing with libphonenumber's metadata costs tens of microseconds a number, so the finder
//! first picks candidate spans with a byte scanner — runs of digits and the separators
//! numbers are written with (`+ ( ) - . /` and spaces), 6 to 17 digits, not glued to a word
//! or another number — and parses only those that look like phone numbers:
//!
//! - written internationally (`+49 …`, `0049 …`), or
//! - after a phone label (`Tel.`, `Telefon`, `phone`, `☎` … from `data/contacts.toml`) with
//!   no reject label (`Fax`, `IBAN`, `USt-IdNr.`, `€` …) closer to them, or
//! - in a national layout: starting with the region's trunk prefix (`0` in most of Europe)
//!   and grouped (`030 1234567`, `(0 20) 7946 0123`); or the North American `(201) 555-0123`
//!   / `201-555-0123`; or, in regions without a trunk prefix (Spain, Italy), at least three
//!   groups of 1–4 digits (`912 34 56 78`).
//!
//! Dates (`01.02.2024`, `2024-02-01`), year ranges, prices (a currency or a reject label
//! next to them) and numbers the metadata says are invalid are rejected.

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

use super::rules::{Label, Rules, rules};

/// Fewest digits of a candidate (the shortest national numbers, with their area code).
const MIN_DIGITS: usize = 6;
/// Most digits of a candidate: E.164's 15, an international prefix `00` and a trunk `0`.
const MAX_DIGITS: usize = 17;
/// How far before a candidate its label may end, in bytes.
const LABEL_WINDOW: usize = 32;
/// Most candidates parsed per text (each parse costs tens of microseconds).
pub const MAX_CANDIDATES: usize = 64;

/// A phone number found somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPhone {
    /// As written.
    pub value: String,
    /// E.164: `+` and 8–15 digits.
    pub normalized: String,
}

/// The E.164 form (`+4930123456`) of a phone number written in `raw` (`+49 (0)30 123456`,
/// `030 123456`, `tel:`-style `+49-30-123456`), national numbers read in `region` (ISO 3166
/// alpha-2, any case); `None` when it does not parse or the metadata says it is not a valid
/// number. The E.164 form is its own normal form.
pub fn normalize_phone(raw: &str, region: Option<&str>) -> Option<String> {
    let cleaned = clean(raw)?;
    parse(&cleaned, country(region))
}

/// The region a page's national numbers are read in, from its host's country-code top-level
/// domain (`.de` → `DE`, `.uk` → `GB`); `None` for generic ones (`.com`, and country codes
/// used as generic names: `.io`, `.co`, `.tv` … in `data/contacts.toml`).
pub fn region_from_host(host: &str) -> Option<String> {
    let rules = rules().ok()?;
    let tld = host.trim_end_matches('.').rsplit('.').next()?;
    if tld.len() != 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let tld = tld.to_ascii_lowercase();
    if rules.generic_cctlds.contains(&tld) {
        return None;
    }
    let region = if tld == "uk" {
        "GB".to_owned()
    } else {
        tld.to_ascii_uppercase()
    };
    country(Some(&region)).map(|_| region)
}

/// The phonenumber crate's region for an ISO code, if it knows it.
pub(crate) fn country(region: Option<&str>) -> Option<Id> {
    let region = region?.trim().to_ascii_uppercase();
    region.parse().ok()
}

/// A number's text made ready for the parser: a `tel:`/`callto:` scheme, a `(0)` trunk
/// prefix after a country code and visual separators it might trip on removed, `00` written
/// as `+`. `None` when the digits are too few or too many, or letters are mixed in.
fn clean(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = ["tel:", "callto:", "phone:", "sms:"]
        .iter()
        .find_map(|scheme| super::email::strip_prefix_ignore_case(raw, scheme))
        .unwrap_or(raw);
    let raw = super::email::percent_decode(raw);
    // A `;ext=` or `;phone-context=` parameter of a tel: URI ends the number.
    let raw = raw.split([';', ',']).next().unwrap_or_default().trim();
    let mut out = String::with_capacity(raw.len());
    let mut digits = 0;
    for c in raw.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                out.push(c);
            }
            '+' if out.is_empty() => out.push('+'),
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{2010}' | '\u{2011}' | '\u{2012}'
            | '\u{2013}' | '\u{2212}' => out.push(' '),
            _ => return None,
        }
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return None;
    }
    // `+49 (0) 30 …`: the trunk prefix written in brackets after the country code.
    let raw_compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = if raw_compact.starts_with('+') && raw_compact.contains("(0)") {
        let at = raw.find("(0)").unwrap_or_default();
        let mut without = raw[..at].to_owned();
        without.push(' ');
        without.push_str(&raw[at + 3..]);
        clean(&without)?
    } else {
        out
    };
    if let Some(rest) = out.strip_prefix("00")
        && rest.starts_with(|c: char| c.is_ascii_digit() && c != '0')
    {
        out = format!("+{rest}");
    }
    Some(out)
}

/// The E.164 form of a cleaned number, when the metadata says it is valid and it has at most
/// 15 digits. An international number (`+…`) is read without a region, which is what its
/// E.164 form is read with too; a national one is read in `country`, and kept only when its
/// E.164 form reads back to itself without one (the parser can read a number differently
/// with and without a region). So every normal form is a fixed point.
fn parse(cleaned: &str, country: Option<Id>) -> Option<String> {
    let international = cleaned.starts_with('+');
    if !international && country.is_none() {
        return None;
    }
    let number = phonenumber::parse(if international { None } else { country }, cleaned).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    let normal = e164(&number);
    if normal.len() - 1 > MAX_E164_DIGITS {
        return None;
    }
    if !international {
        let again = phonenumber::parse(None, &normal).ok()?;
        if !phonenumber::is_valid(&again) || e164(&again) != normal {
            return None;
        }
    }
    Some(normal)
}

fn e164(number: &PhoneNumber) -> String {
    number.format().mode(Mode::E164).to_string()
}

/// Most digits of an E.164 number (ITU-T E.164 § 6), which the metadata does not enforce for
/// every region (German numbers may have 15 national digits).
const MAX_E164_DIGITS: usize = 15;

/// Every phone number in a stretch of visible text, in order, national numbers read in
/// `region`. At most [`MAX_CANDIDATES`] candidates are parsed.
pub fn phones_in_text(text: &str, region: Option<&str>) -> Vec<FoundPhone> {
    match rules() {
        Ok(rules) => find_with(rules, text, country(region)),
        Err(_) => Vec::new(),
    }
}

/// What the nearest label before `start` says, if any: it must end at most
/// [`LABEL_WINDOW`] bytes before (a currency at most two), with no digit in between (a label
/// speaks for the first number after it). Only that window is searched.
fn label_before(rules: &Rules, text: &str, start: usize) -> Option<Label> {
    let from = text.floor_char_boundary(start.saturating_sub(LABEL_WINDOW + 16));
    let window = &text[from..start];
    let bytes = text.as_bytes();
    let mut last = None;
    for m in rules.phone_labels.find_iter(window) {
        let (s, e) = (from + m.start(), from + m.end());
        let (left, right) = rules.label_bounds[m.pattern().as_usize()];
        if left && s > 0 && is_word_byte(bytes[s - 1]) {
            continue;
        }
        if right && e < bytes.len() && is_word_byte(bytes[e]) {
            continue;
        }
        last = Some((e, rules.label_kinds[m.pattern().as_usize()]));
    }
    let (end, kind) = last?;
    let gap = &text[end..start];
    let near = match kind {
        Label::RejectAdjacent => gap.len() <= 2,
        Label::Phone | Label::Reject => gap.len() <= LABEL_WINDOW,
    };
    (near && !gap.bytes().any(|b| b.is_ascii_digit())).then_some(kind)
}

/// Whether a phone label ends right at `at` (`TEL` in `TEL03-1234-5678`).
fn label_ends_at(rules: &Rules, text: &str, at: usize) -> bool {
    let from = text.floor_char_boundary(at.saturating_sub(16));
    rules
        .phone_labels
        .find_iter(&text[from..at])
        .any(|m| from + m.end() == at && rules.label_kinds[m.pattern().as_usize()] == Label::Phone)
}

/// Letters and digits, ASCII or not (every byte of a non-ASCII character counts: labels
/// are bounded by what is not part of a word).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

pub(crate) fn find_with(rules: &Rules, text: &str, country: Option<Id>) -> Vec<FoundPhone> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit) {
        return out;
    }
    let trunk = country.and_then(trunk_prefix);
    let nanp = country.is_some_and(|c| country_code(c) == Some(1));
    let mut parsed = 0;
    let mut i = 0;
    while i < bytes.len() && parsed < MAX_CANDIDATES {
        let Some((start, end, next)) = candidate(rules, text, i) else {
            break;
        };
        i = next;
        let span = &text[start..end];
        let groups: Vec<&str> = span
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .collect();
        let digits: usize = groups.iter().map(|g| g.len()).sum();
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits)
            || looks_like_date(span, &groups)
            || looks_like_year_range(&groups)
            || followed_by_unit(&text[end..])
        {
            continue;
        }
        let international = span.starts_with('+') || span.starts_with("00");
        let label = label_before(rules, text, start);
        if matches!(label, Some(Label::Reject | Label::RejectAdjacent)) {
            continue;
        }
        let separated = groups.len() > 1;
        let plausible = international
            || label == Some(Label::Phone)
            || trunk.is_some_and(|t| {
                separated
                    && (span.starts_with(t)
                        || span
                            .strip_prefix('(')
                            .is_some_and(|s| s.trim_start().starts_with(t)))
            })
            || (nanp && nanp_shape(span, &groups))
            || (country.is_some()
                && trunk.is_none()
                && groups.len() >= 3
                && groups.iter().all(|g| g.len() <= 4));
        if !plausible {
            continue;
        }
        let Some(cleaned) = clean(span) else {
            continue;
        };
        parsed += 1;
        if let Some(normalized) = parse(&cleaned, country) {
            out.push(FoundPhone {
                value: span.to_owned(),
                normalized,
            });
        }
    }
    out
}

/// Bytes looked at at once by the vectorised pre-check of [`candidate`].
const CHUNK: usize = 64;

/// Whether a chunk holds a digit, `+` or `(`: a fold without early exit over a fixed-size
/// array, which compiles to vector instructions.
fn chunk_may_open(c: &[u8; CHUNK]) -> bool {
    let mut hit = 0u8;
    for &b in c {
        hit |= u8::from(b.wrapping_sub(b'0') < 10) | u8::from(b == b'+') | u8::from(b == b'(');
    }
    hit != 0
}

/// The next candidate span at or after `from`: `(start, end, where to go on)`. Runs with
/// too few or too many digits are passed over before anything else is looked at: most
/// numbers in a text are no candidates.
fn candidate(rules: &Rules, text: &str, from: usize) -> Option<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        // Chunks without a digit, `+` or `(` are passed over by a vectorised test.
        if let Some(chunk) = bytes.get(i..i + CHUNK)
            && let Ok(chunk) = <&[u8; CHUNK]>::try_from(chunk)
        {
            if !chunk_may_open(chunk) {
                i += CHUNK;
                continue;
            }
            i += chunk
                .iter()
                .position(|&b| b.is_ascii_digit() || b == b'+' || b == b'(')
                .unwrap_or(0);
        }
        let c = bytes[i];
        let opens = c.is_ascii_digit()
            || (c == b'+' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (c == b'('
                && bytes
                    .get(i + 1)
                    .is_some_and(|&n| n.is_ascii_digit() || n == b'+'));
        if !opens {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        let mut digits = 0;
        let mut separators = 0;
        while j < bytes.len() {
            let c = bytes[j];
            if c.is_ascii_digit() {
                digits += 1;
                separators = 0;
                j += 1;
                end = j;
                if digits > MAX_DIGITS {
                    break;
                }
            } else if (c == b'+' && j == start)
                || (matches!(c, b' ' | b'-' | b'.' | b'/' | b'(' | b')') && separators < 3)
            {
                // ` / ` after a whole number ends it (`05321 12345 / 0170 2345678`); after
                // an area code it is a separator (`0621 / 123 456`).
                if c == b'/' && j > start && bytes[j - 1] == b' ' && digits >= 8 {
                    break;
                }
                if c != b'+' {
                    separators += 1;
                }
                j += 1;
            } else {
                break;
            }
        }
        let mut next = end.max(start + 1);
        if digits > MAX_DIGITS {
            // Skip the rest of a run that was too long, so that its tail is no candidate.
            while next < bytes.len()
                && (bytes[next].is_ascii_digit()
                    || matches!(bytes[next], b' ' | b'-' | b'.' | b'/'))
            {
                next += 1;
            }
            i = next;
            continue;
        }
        if digits < MIN_DIGITS
            // Glued to a word after it: `12345abc`.
            || bytes.get(end).is_some_and(|&b| b.is_ascii_alphabetic())
        {
            i = next;
            continue;
        }
        // Not glued to a word or to another number: `DE123…`, `Nr123`, `1,234`, `12.5` —
        // except to a phone label (`TEL03-1234-5678`, `電話075-123-4567`).
        let glued = start > 0 && {
            let p = bytes[start - 1];
            let before = text[..start].chars().next_back().unwrap_or(' ');
            let wordy = before.is_alphanumeric() || p == b'_';
            (wordy && !label_ends_at(rules, text, start))
                || (matches!(p, b'-' | b'/' | b'.' | b',' | b'+' | b':')
                    && start >= 2
                    && bytes[start - 2].is_ascii_digit())
        };
        if glued {
            i = next;
            continue;
        }
        return Some((start, end, next));
    }
    None
}

/// `01.02.2024`, `1/2/24`, `2024-02-01`: three groups with one kind of separator and no
/// space.
fn looks_like_date(span: &str, groups: &[&str]) -> bool {
    if groups.len() != 3 || span.contains(' ') {
        return false;
    }
    let seps: Vec<char> = span.chars().filter(|c| !c.is_ascii_digit()).collect();
    if seps.len() != 2 || seps[0] != seps[1] || !matches!(seps[0], '.' | '/' | '-') {
        return false;
    }
    let l: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    matches!(l.as_slice(), [1..=2, 1..=2, 2 | 4] | [4, 1..=2, 1..=2])
}

/// `1998 - 2024`, `2019/2020`.
fn looks_like_year_range(groups: &[&str]) -> bool {
    groups.len() == 2
        && groups
            .iter()
            .all(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")))
}

/// A currency, percent sign or unit right after the digits: a price or a quantity.
fn followed_by_unit(after: &str) -> bool {
    let after = after.trim_start_matches([' ', ')']);
    let head: String = after.chars().take(4).collect::<String>().to_lowercase();
    [
        "€", "$", "£", "¥", "%", "eur", "usd", "chf", "gbp", ",-", ",00", "km", "kg", "mio",
    ]
    .iter()
    .any(|u| head.starts_with(u))
}

/// `(201) 555-0123`, `201-555-0123`, `201.555.0123`, `1-201-555-0123`.
fn nanp_shape(span: &str, groups: &[&str]) -> bool {
    let l: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let shaped = matches!(l.as_slice(), [3, 3, 4] | [1, 3, 3, 4]);
    shaped && (span.contains('-') || span.contains('.') || span.contains('('))
}

/// The trunk (national) prefix of a region (`0` in Germany, `1` in the USA).
fn trunk_prefix(country: Id) -> Option<&'static str> {
    let metadata = phonenumber::metadata::DATABASE.by_id(country.as_ref())?;
    let prefix = metadata.national_prefix()?;
    // The North American `1` is written with a separator; its layout is checked apart.
    (prefix != "1").then_some(prefix)
}

fn country_code(country: Id) -> Option<u16> {
    phonenumber::metadata::DATABASE
        .by_id(country.as_ref())
        .map(|m| m.country_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, region: Option<&str>) -> Vec<String> {
        phones_in_text(text, region)
            .into_iter()
            .map(|f| f.normalized)
            .collect()
    }

    #[test]
    fn normalises_to_e164() {
        assert_eq!(
            normalize_phone("+49 (0)30 1234567", None).as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            normalize_phone("030 1234567", Some("de")).as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            normalize_phone("tel:0049-30-1234567", None).as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            normalize_phone("020 7946 0123", Some("GB")).as_deref(),
            Some("+442079460123")
        );
        assert_eq!(
            normalize_phone("(201) 555-0123", Some("US")).as_deref(),
            Some("+12015550123")
        );
        assert_eq!(normalize_phone("030 1234567", None), None);
        assert_eq!(normalize_phone("12", Some("DE")), None);
        // Valid by the metadata, but 16 digits: no E.164 number.
        assert_eq!(normalize_phone("+4930255501232001", None), None);
        // Read as valid with a German default region, not without one: dropped.
        assert_eq!(normalize_phone("+78138(006)024", Some("DE")), None);
        assert_eq!(normalize_phone("call 030 1234567", Some("DE")), None);
    }

    #[test]
    fn numbers_across_chunk_boundaries() {
        for pad in 0..140 {
            let text = format!("{} Tel. 030 1234567", "x".repeat(pad));
            assert_eq!(found(&text, Some("DE")), ["+49301234567"], "padding {pad}");
        }
    }

    #[test]
    fn regions() {
        assert_eq!(region_from_host("www.firma.de").as_deref(), Some("DE"));
        assert_eq!(region_from_host("shop.firma.co.uk").as_deref(), Some("GB"));
        assert_eq!(region_from_host("firma.com"), None);
        assert_eq!(region_from_host("startup.io"), None);
    }

    #[test]
    fn finds_numbers_in_text() {
        assert_eq!(
            found(
                "Tel.: 030 1234567 · Fax: 030 1234568 · USt-IdNr.: DE 123456789",
                Some("DE")
            ),
            ["+49301234567"]
        );
        assert_eq!(
            found("Call +44 20 7946 0123 or 020 7946 0456 today", None),
            ["+442079460123"]
        );
        assert_eq!(
            found("Office (201) 555-0123, open 9-5", Some("US")),
            ["+12015550123"]
        );
        assert!(
            found(
                "Since 1998 - 2024, on 01.02.2024, for 1.234.567 €",
                Some("DE")
            )
            .is_empty()
        );
        assert!(found("IBAN DE89 3704 0044 0532 0130 00", Some("DE")).is_empty());
        assert!(found("Order 4711 0815 1234", Some("DE")).is_empty());
    }
}
