//! E-mail addresses: validation and normalisation ([`normalize_email`]), the finder over
//! visible text with its obfuscated forms ([`emails_in_text`]), `mailto:` links
//! ([`mailto_addresses`]) and Cloudflare's e-mail protection ([`decode_cfemail`]).
//!
//! An address is kept only when it could be one: a local part of at most 64 characters of
//! `A–Z a–z 0–9 . _ % + - '` (no dot at either end, no two in a row), a domain of LDH labels
//! (IDNs are written in Punycode) under a suffix of the public suffix list with a
//! registrable name before it, and not a placeholder, a tracking id or an asset name (see
//! `data/contacts.toml`: `image@2x.png`, `name@example.com`, `…@sentry.wixpress.com`,
//! `your.name@…`).

use super::rules::{Rules, rules};

/// Longest local part (RFC 5321).
const MAX_LOCAL: usize = 64;
/// Longest domain (RFC 1035).
const MAX_DOMAIN: usize = 253;
/// A local part of this many hexadecimal digits or more is a tracking id (error-tracker keys,
/// message ids), not a mailbox.
const HEX_ID_LEN: usize = 16;

/// An e-mail address found somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundEmail {
    /// As found (for obfuscated forms: the text from the local part to the end of the
    /// domain, as written).
    pub value: String,
    /// The address, lower-cased, its domain in Punycode.
    pub normalized: String,
    /// Whether it was written obfuscated (`[at]`, `(at)`, ` at `, `[dot]` …).
    pub obfuscated: bool,
}

/// The normal form of an e-mail address — lower-cased, the domain in Punycode — or `None`
/// when it is not a plausible, real address (see the module documentation). A normal form is
/// its own normal form.
pub fn normalize_email(address: &str) -> Option<String> {
    let rules = rules().ok()?;
    normalize_with(rules, address.trim())
}

/// Whether a normalised address is a role or function address (`info@`, `sales@`,
/// `noreply@` …, from `data/contacts.toml`), looking at the local part before any `+tag`.
pub fn is_role_address(normalized: &str) -> bool {
    let Ok(rules) = rules() else {
        return false;
    };
    let local = normalized.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    rules.role_locals.contains(local)
}

pub(crate) fn normalize_with(rules: &Rules, address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    // `\u003einfo@…` in a script or JSON string: the escape's letters stick to the address.
    // They and leading dots, hyphens and plus signs are stripped as often as they occur, so
    // that the normal form is a fixed point.
    let mut local = local;
    loop {
        let trimmed = local.trim_start_matches(['.', '-', '+']);
        let stripped = rules
            .escape_prefixes
            .iter()
            .find(|p| {
                trimmed.len() > p.len()
                    && trimmed.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            })
            .map_or(trimmed, |p| &trimmed[p.len()..]);
        if stripped.len() == local.len() {
            break;
        }
        local = stripped;
    }
    if local.is_empty()
        || local.len() > MAX_LOCAL
        || local.ends_with('.')
        || local.contains("..")
        || !local.bytes().all(is_local_byte)
        || !local.bytes().any(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let local = local.to_ascii_lowercase();
    let domain = domain.trim_end_matches('.');
    let domain = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(domain).ok()?
    };
    if !valid_domain(&domain) {
        return None;
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if rules.asset_extensions.contains(tld) {
        return None;
    }
    let suffix = psl::suffix(domain.as_bytes())?;
    if !suffix.is_known() {
        return None;
    }
    let registrable = psl::domain(domain.as_bytes())?;
    let registrable = std::str::from_utf8(registrable.as_bytes()).ok()?;
    let label = registrable.split('.').next().unwrap_or_default();
    if rules.placeholder_labels.contains(label)
        || rules
            .placeholder_domains
            .iter()
            .any(|p| domain == *p || domain.ends_with(&format!(".{p}")))
        || rules.placeholder_locals.contains(local.as_str())
        || (local.len() >= HEX_ID_LEN && local.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

/// LDH labels of 1–63 bytes, no hyphen at either end, at least two labels, a top-level
/// label of letters (or Punycode), at most 253 bytes.
fn valid_domain(domain: &str) -> bool {
    if domain.len() > MAX_DOMAIN || !domain.contains('.') {
        return false;
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    let tld = domain.rsplit('.').next().unwrap_or_default();
    labels_ok
        && tld.len() >= 2
        && (tld.bytes().all(|b| b.is_ascii_lowercase()) || tld.starts_with("xn--"))
}

/// Decodes Cloudflare's e-mail protection: hexadecimal bytes, the first the key the others
/// are XORed with (`data-cfemail="…"`, or the fragment of
/// `/cdn-cgi/l/email-protection#…`). `None` when it is not well-formed or not a valid
/// address (see [`normalize_email`]); otherwise the decoded text, trimmed.
pub fn decode_cfemail(hex: &str) -> Option<String> {
    let hex = hex.trim().as_bytes();
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 2 * (MAX_LOCAL + MAX_DOMAIN + 2)
    {
        return None;
    }
    let byte = |i: usize| -> Option<u8> {
        let s = std::str::from_utf8(&hex[i..i + 2]).ok()?;
        u8::from_str_radix(s, 16).ok()
    };
    let key = byte(0)?;
    let mut out = Vec::with_capacity(hex.len() / 2);
    for i in (2..hex.len()).step_by(2) {
        out.push(byte(i)? ^ key);
    }
    let text = String::from_utf8(out).ok()?;
    let text = text.trim();
    normalize_email(text)?;
    Some(text.to_owned())
}

/// The addresses of a `mailto:` URL (`mailto:a@x.de,b@x.de?subject=…`): the query dropped,
/// percent-decoded, split at `,` and `;`, each validated; an obfuscated body
/// (`mailto:name(at)x.de`) is read as text is. Empty for anything else.
pub fn mailto_addresses(href: &str) -> Vec<FoundEmail> {
    let href = href.trim();
    let Some(body) = strip_prefix_ignore_case(href, "mailto:") else {
        return Vec::new();
    };
    let Ok(rules) = rules() else {
        return Vec::new();
    };
    let body = body.split(['?', '#']).next().unwrap_or_default();
    let body = percent_decode(body);
    let mut out = Vec::new();
    for part in body.split([',', ';']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(normalized) = normalize_with(rules, part) {
            out.push(FoundEmail {
                value: part.to_owned(),
                normalized,
                obfuscated: false,
            });
        } else {
            out.extend(find_with(rules, part));
        }
    }
    out
}

pub(crate) fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Percent-decodes a URL component (invalid escapes stay as written; the bytes are read as
/// lossy UTF-8).
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The forms of `@` in text. Spelled forms (` at `) are weak: an address is taken from them
/// only when its domain spells a dot too (`name at example dot com`), since "write to us at
/// office.example.com" is no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum At {
    /// `@`.
    Plain,
    /// `＠`, `[at]`, `(at)`, `{at}`, `<at>`, `[@]`, `(@)`, ` @ `, `[ät]` …
    Bracketed,
    /// ` at `.
    Spelled,
}

/// Obfuscated dots in a domain (`.` itself is handled apart): bracketed forms, which may have
/// a space on either side (`example [dot] com`), and spelled words, which must
/// (`example dot com`).
const BRACKETED_DOTS: &[&str] = &[
    "[dot]", "(dot)", "{dot}", "<dot>", "[ dot ]", "( dot )", "[.]", "(.)", "[punkt]", "(punkt)",
    "[point]", "(point)",
];
const SPELLED_DOTS: &[&str] = &[" dot ", " punkt ", " point "];

/// Words inside brackets that stand for `@`.
const BRACKETED_AT: &[&str] = &["at", "@", "ät", "aet"];

/// Words that are no mailbox or domain name in a spelled address ("look at the dot com
/// era", "meet us at our stand dot …"): English function words.
const SPELLED_STOPWORDS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "us", "me", "him", "her", "them", "it",
    "we", "you", "i", "our", "your", "my", "his", "its", "their", "look", "looking", "meet", "see",
    "arrive", "arrived", "stay", "stayed", "home", "work", "least", "last", "first", "once", "all",
    "any", "every", "some", "one", "is", "are", "was", "be", "and", "or", "of", "in", "on", "to",
];

/// Every address in a stretch of visible text, plain or obfuscated, in order, each once
/// per occurrence. Linear in the text.
pub fn emails_in_text(text: &str) -> Vec<FoundEmail> {
    match rules() {
        Ok(rules) => find_with(rules, text),
        Err(_) => Vec::new(),
    }
}

/// Bytes where an `@` marker can end or be: `@`, closing brackets, the first byte of `＠`,
/// and the `t` of ` at `.
static TRIGGERS: [bool; 256] = {
    let mut t = [false; 256];
    t[b'@' as usize] = true;
    t[b']' as usize] = true;
    t[b')' as usize] = true;
    t[b'}' as usize] = true;
    t[b'>' as usize] = true;
    t[0xef] = true;
    t[b't' as usize] = true;
    t[b'T' as usize] = true;
    t
};

/// Bytes looked at at once by the vectorised pre-check of [`at_markers`].
const CHUNK: usize = 64;

/// Whether a chunk of [`CHUNK`] bytes may hold an `@` marker: an `@`, a closing bracket,
/// the first byte of `＠`, or the `t` of ` at ` in any case. `c` is the chunk with the 2
/// bytes before it and the 1 after it (` at ` is recognised by its `t`, which is where the
/// marker is handled). Written as a fold over fixed-size arrays without early exit so that it
/// compiles to vector instructions.
fn chunk_may_hold_marker(c: &[u8; CHUNK + 3]) -> bool {
    let mut hit = 0u8;
    for k in 0..CHUNK {
        let b = c[k + 2];
        hit |= u8::from(b == b'@')
            | u8::from(b == b']')
            | u8::from(b == b')')
            | u8::from(b == b'}')
            | u8::from(b == b'>')
            | u8::from(b == 0xef);
        hit |= u8::from(c[k] == b' ')
            & u8::from((c[k + 1] | 0x20) == b'a')
            & u8::from((b | 0x20) == b't')
            & u8::from(c[k + 3] == b' ');
    }
    hit != 0
}

/// Where the `@` markers of a text are: `(start, end, kind)` in order. One pass over the
/// bytes stops at `@`, at the closing brackets of `[at]`-style markers, at `＠` and at the
/// `t` of ` at ` (which [`find_with`] keeps only before a spelled dot).
fn at_markers(text: &str) -> Vec<(usize, usize, At)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Extends a bracketed marker over one space on each side.
    let widen = |start: usize, end: usize| -> (usize, usize) {
        let start = if start > 0 && bytes[start - 1] == b' ' {
            start - 1
        } else {
            start
        };
        let end = if bytes.get(end) == Some(&b' ') {
            end + 1
        } else {
            end
        };
        (start, end)
    };
    let mut i = 0;
    while i < bytes.len() {
        if i % CHUNK == 0
            && i >= 2
            && let Some(window) = bytes.get(i - 2..i + CHUNK + 1)
            && let Ok(window) = <&[u8; CHUNK + 3]>::try_from(window)
            && !chunk_may_hold_marker(window)
        {
            i += CHUNK;
            continue;
        }
        let b = bytes[i];
        i += 1;
        if !TRIGGERS[usize::from(b)] {
            continue;
        }
        let i = i - 1;
        match b {
            b'@' => {
                let open = i.checked_sub(1).map(|j| bytes[j]);
                let close = bytes.get(i + 1).copied();
                match (open, close) {
                    (Some(b'[' | b'(' | b'{'), Some(b']' | b')' | b'}')) => {
                        let (s, e) = widen(i - 1, i + 2);
                        out.push((s, e, At::Bracketed));
                    }
                    (Some(b' '), Some(b' ')) => out.push((i - 1, i + 2, At::Bracketed)),
                    (Some(b'[' | b'(' | b'{'), _) | (_, Some(b']' | b')' | b'}')) => {}
                    _ => out.push((i, i + 1, At::Plain)),
                }
            }
            b']' | b')' | b'}' | b'>' => {
                let open = match b {
                    b']' => b'[',
                    b')' => b'(',
                    b'}' => b'{',
                    _ => b'<',
                };
                // `[at]`, `[ at ]`: the opening bracket at most 7 bytes back.
                let from = i.saturating_sub(7);
                let Some(o) = bytes[from..i].iter().rposition(|&c| c == open) else {
                    continue;
                };
                let o = from + o;
                let inner = text.get(o + 1..i).unwrap_or_default().trim();
                if BRACKETED_AT.iter().any(|w| inner.eq_ignore_ascii_case(w)) {
                    let (s, e) = widen(o, i + 1);
                    out.push((s, e, At::Bracketed));
                }
            }
            b't' | b'T' => {
                if i >= 2
                    && bytes[i - 2] == b' '
                    && matches!(bytes[i - 1], b'a' | b'A')
                    && bytes.get(i + 1) == Some(&b' ')
                {
                    out.push((i - 2, i + 2, At::Spelled));
                }
            }
            _ => {
                if bytes[i..].starts_with("＠".as_bytes()) {
                    out.push((i, i + "＠".len(), At::Bracketed));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(crate) fn find_with(rules: &Rules, text: &str) -> Vec<FoundEmail> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut resume = 0;
    for (start, end, kind) in at_markers(text) {
        if start < resume {
            continue;
        }
        // The local part: the address characters right before the marker.
        let local_end = start;
        let mut local_start = local_end;
        while local_start > 0
            && is_local_byte(bytes[local_start - 1])
            && local_end - local_start <= MAX_LOCAL
        {
            local_start -= 1;
        }
        if local_end - local_start > MAX_LOCAL || local_start == local_end {
            continue;
        }
        let Some((domain, domain_end, spelled_dot)) = read_domain(text, end) else {
            continue;
        };
        let local = &text[local_start..local_end];
        if kind == At::Spelled {
            let first_label = domain.split('.').next().unwrap_or_default();
            if !spelled_dot
                || [local, first_label]
                    .iter()
                    .any(|w| SPELLED_STOPWORDS.contains(&w.to_ascii_lowercase().as_str()))
            {
                continue;
            }
        }
        let address = format!("{local}@{domain}");
        if let Some(normalized) = normalize_with(rules, &address) {
            out.push(FoundEmail {
                value: text[local_start..domain_end].trim().to_owned(),
                normalized,
                obfuscated: kind != At::Plain || spelled_dot,
            });
            resume = domain_end;
        }
    }
    out
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Reads a domain written from `start`: labels separated by `.` or an obfuscated dot. Returns
/// the domain with plain dots, where it ends in `text`, and whether a dot was obfuscated.
fn read_domain(text: &str, start: usize) -> Option<(String, usize, bool)> {
    let mut domain = String::new();
    let mut at = start;
    let mut spelled = false;
    loop {
        let label_len: usize = text[at..]
            .chars()
            .take_while(|&c| is_label_char(c))
            .map(char::len_utf8)
            .sum();
        if label_len == 0 {
            break;
        }
        domain.push_str(&text[at..at + label_len]);
        at += label_len;
        if domain.len() > MAX_DOMAIN {
            return None;
        }
        let rest = &text[at..];
        let next_label = |after: usize| {
            rest[after..]
                .chars()
                .next()
                .is_some_and(|c| is_label_char(c) && c != '-')
        };
        if rest.starts_with('.') && next_label(1) {
            domain.push('.');
            at += 1;
            continue;
        }
        // A bracketed dot, maybe with a space on either side, or a spelled one.
        let starts_with = |s: &str, m: &str| {
            s.len() >= m.len() && s.as_bytes()[..m.len()].eq_ignore_ascii_case(m.as_bytes())
        };
        let lead = usize::from(rest.starts_with(' '));
        let dot = BRACKETED_DOTS
            .iter()
            .find(|m| starts_with(&rest[lead..], m))
            .map(|m| {
                let end = lead + m.len();
                end + usize::from(rest[end..].starts_with(' '))
            })
            .or_else(|| {
                SPELLED_DOTS
                    .iter()
                    .find(|m| starts_with(rest, m))
                    .map(|m| m.len())
            })
            .filter(|&len| next_label(len));
        match dot {
            Some(len) => {
                domain.push('.');
                at += len;
                spelled = true;
            }
            None => break,
        }
    }
    let domain = domain.trim_end_matches('-');
    (domain.contains('.')).then(|| (domain.to_owned(), at, spelled))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        emails_in_text(text)
            .into_iter()
            .map(|f| f.normalized)
            .collect()
    }

    #[test]
    fn normal_forms() {
        assert_eq!(
            normalize_email(" Info@Mueller-Bau.DE ").as_deref(),
            Some("info@mueller-bau.de")
        );
        assert_eq!(
            normalize_email("kontakt@bäckerei-schmidt.de").as_deref(),
            Some("kontakt@xn--bckerei-schmidt-0kb.de")
        );
        assert_eq!(
            normalize_email("u003einfo@firma.co.uk").as_deref(),
            Some("info@firma.co.uk")
        );
        assert_eq!(
            normalize_email("u003ex3eInfo@firma.de").as_deref(),
            Some("info@firma.de")
        );
        assert_eq!(normalize_email("---u003e-----@firma.de"), None);
        assert_eq!(
            normalize_email("-u003e.info@firma.de").as_deref(),
            Some("info@firma.de")
        );
        for bad in [
            "image@2x.png",
            "logo@3x.webp",
            "bundle@1.2.3.js",
            "name@example.com",
            "info@mail.example.org",
            "max@beispiel.de",
            "you@yourdomain.com",
            "info@domain.com",
            "a@test.fr",
            "your.name@firma.de",
            "8f14e45fceea167a5a36dedd4bea2543@o1234.ingest.sentry.io",
            "abc@sentry-next.wixpress.com",
            "a..b@firma.de",
            ".@firma.de",
            "a@firma",
            "a@firma.invalid",
            "a@-firma.de",
            "a@firma.123",
            "a@co.uk",
            "nobody",
            "a@b@c.de",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
        assert!(is_role_address("info@firma.de"));
        assert!(is_role_address("no-reply+x@firma.de"));
        assert!(!is_role_address("anna.schmidt@firma.de"));
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            found("Mail: info@mueller-bau.de. Or anna.schmidt@mueller-bau.de, thanks"),
            ["info@mueller-bau.de", "anna.schmidt@mueller-bau.de"]
        );
        assert_eq!(
            found("write to office [at] kanzlei-weber [dot] at or j.roth(at)roth-design.ch"),
            ["office@kanzlei-weber.at", "j.roth@roth-design.ch"]
        );
        assert_eq!(
            found("hello at studio-nord dot nl"),
            ["hello@studio-nord.nl"]
        );
        // Spelled forms need a spelled dot.
        assert!(found("Meet us at the fair. Visit us at booth.example.com").is_empty());
        assert!(found("See logo@2x.png and user@example.com").is_empty());
        assert_eq!(
            found("Tel.: +49 30 1234567 E-Mail:info@a-b.de"),
            ["info@a-b.de"]
        );
        let f = &emails_in_text("kontakt [at] tischlerei-holz [dot] de")[0];
        assert!(f.obfuscated);
        assert_eq!(f.value, "kontakt [at] tischlerei-holz [dot] de");
    }

    #[test]
    fn markers_across_chunk_boundaries() {
        for pad in 0..140 {
            let filler = "x".repeat(pad);
            for (text, want) in [
                (
                    format!("{filler} anna at studio-nord dot nl"),
                    "anna@studio-nord.nl",
                ),
                (format!("{filler} info@firma.de"), "info@firma.de"),
                (
                    format!("{filler} j.roth(at)roth-design.ch"),
                    "j.roth@roth-design.ch",
                ),
                (format!("{filler} ben [ @ ] firma.de"), "ben@firma.de"),
                (format!("{filler} kai at firma [dot] de"), "kai@firma.de"),
            ] {
                assert_eq!(found(&text), [want], "padding {pad}: {text}");
            }
        }
    }

    #[test]
    fn mailto_and_cloudflare() {
        let got: Vec<_> = mailto_addresses("MAILTO:info%40firma.de,%20sales@firma.de?subject=Hi")
            .into_iter()
            .map(|f| f.normalized)
            .collect();
        assert_eq!(got, ["info@firma.de", "sales@firma.de"]);
        assert!(mailto_addresses("mailto:?subject=x").is_empty());
        assert!(mailto_addresses("https://x.de").is_empty());
        // "info@firma.de" XOR 0x42.
        let key = 0x42u8;
        let mut hex = format!("{key:02x}");
        for b in "info@firma.de".bytes() {
            hex.push_str(&format!("{:02x}", b ^ key));
        }
        assert_eq!(decode_cfemail(&hex).as_deref(), Some("info@firma.de"));
        assert_eq!(decode_cfemail("zz"), None);
        assert_eq!(decode_cfemail("4242"), None);
    }
}
