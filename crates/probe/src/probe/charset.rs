//! Turning a body into text: is it text at all, which charset, and decoding it.
//!
//! The charset is taken, in order, from a byte-order mark, the `Content-Type` header's
//! `charset=` parameter, a `<meta charset>` / `<meta http-equiv="content-type">` (or an XML
//! declaration's `encoding=`) in the first 1024 bytes, and otherwise UTF-8. The BOM comes
//! first, as in the WHATWG encoding sniffing algorithm browsers use: a page that starts with
//! a UTF-8 BOM is UTF-8 whatever its server says. Labels are resolved with the WHATWG
//! Encoding Standard (`encoding_rs`), so `latin1` and `iso-8859-1` mean windows-1252, and a
//! `<meta>` naming UTF-16 means UTF-8. Undecodable bytes become U+FFFD.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes the `<meta>` prescan looks at.
const PRESCAN_BYTES: usize = 1024;

/// Whether a body with this `Content-Type` is text worth decoding: `text/*`, anything with
/// `html`, `xml` or `json` in its type, or no type at all.
pub(crate) fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let mime = mime_of(ct);
    mime.is_empty()
        || starts_with_ignore_case(mime, "text/")
        || contains_ignore_case(mime, "html")
        || contains_ignore_case(mime, "xml")
        || contains_ignore_case(mime, "json")
}

/// Decodes a complete body as text.
#[cfg(test)]
fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    decode_with(bytes, content_type, true)
}

/// Decodes `bytes` as text. `complete` is false when the body was cut short (at the cap), so
/// a character split by the cut is dropped rather than replaced.
pub(crate) fn decode_with(bytes: &[u8], content_type: Option<&str>, complete: bool) -> String {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => (sniff(bytes, content_type), bytes),
    };
    if encoding == UTF_8 {
        return decode_utf8(body, complete);
    }
    let mut text = encoding.decode_without_bom_handling(body).0.into_owned();
    if !complete && text.ends_with('\u{fffd}') {
        text.pop();
    }
    text
}

fn decode_utf8(body: &[u8], complete: bool) -> String {
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        // Only an incomplete character at the very end of a cut body: drop it.
        Err(e) if !complete && e.error_len().is_none() => {
            String::from_utf8_lossy(&body[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// The encoding from the header, else from the document, else UTF-8.
fn sniff(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some(encoding) = content_type.and_then(charset_param) {
        return encoding;
    }
    let mime = content_type.map(mime_of).unwrap_or("");
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    if (mime.is_empty() || contains_ignore_case(mime, "html"))
        && let Some(encoding) = prescan_meta(head)
    {
        return encoding;
    }
    if (mime.is_empty() || contains_ignore_case(mime, "xml"))
        && let Some(encoding) = xml_declaration(head)
    {
        return encoding;
    }
    UTF_8
}

fn mime_of(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn contains_ignore_case(s: &str, needle: &str) -> bool {
    s.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The encoding named by a `charset=` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        Encoding::for_label(value.as_bytes())
    })
}

/// The charset in a `content` attribute such as `text/html; charset=koi8-r` (the HTML
/// standard's "algorithm for extracting a character encoding from a meta element").
fn charset_in_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut rest = content;
    loop {
        let at = find_ignore_case(rest, b"charset")?;
        rest = &rest[at + 7..];
        let trimmed = trim_start_ws(rest);
        let Some(after_eq) = trimmed.strip_prefix(b"=") else {
            rest = trimmed;
            continue;
        };
        let value = trim_start_ws(after_eq);
        let label = match value.first() {
            Some(q @ (b'"' | b'\'')) => {
                let inner = &value[1..];
                let end = inner.iter().position(|c| c == q)?;
                &inner[..end]
            }
            Some(_) => {
                let end = value
                    .iter()
                    .position(|c| c.is_ascii_whitespace() || *c == b';')
                    .unwrap_or(value.len());
                &value[..end]
            }
            None => return None,
        };
        return Encoding::for_label(label);
    }
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn trim_start_ws(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// A simplified form of the HTML standard's prescan ("prescan a byte stream to determine its
/// encoding"): skips comments and other tags (with their attributes, so a `<meta` inside an
/// attribute value does not count) and returns the first `<meta>` that names a charset.
fn prescan_meta(b: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i += 4 + find(&rest[4..], b"-->").map_or(rest.len(), |p| p + 3);
            continue;
        }
        if rest.len() > 5
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && matches!(rest[5], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/')
        {
            let (encoding, used) = meta_tag(&rest[5..]);
            if encoding.is_some() {
                return encoding;
            }
            i += 5 + used;
            continue;
        }
        if rest.len() > 1 && rest[0] == b'<' {
            let next = rest[1];
            if next.is_ascii_alphabetic() || (next == b'/' && rest.len() > 2) {
                // Skip the tag name, then its attributes.
                let mut j = 1;
                while j < rest.len() && !is_space_or(rest[j], b">") {
                    j += 1;
                }
                while let Some((_, _, used)) = attribute(&rest[j..]) {
                    j += used;
                }
                i += j;
                continue;
            }
            if next == b'!' || next == b'/' || next == b'?' {
                i += find(rest, b">").map_or(rest.len(), |p| p + 1);
                continue;
            }
        }
        i += 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_space_or(c: u8, extra: &[u8]) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ') || extra.contains(&c)
}

/// Reads a `<meta>` tag's attributes (after `<meta`); returns the charset it names, if any,
/// and how many bytes it spans.
fn meta_tag(b: &[u8]) -> (Option<&'static Encoding>, usize) {
    let mut pos = 0;
    let mut http_equiv_content_type = false;
    let mut content = None;
    let mut charset = None;
    while let Some((name, value, used)) = attribute(&b[pos..]) {
        pos += used;
        if name.eq_ignore_ascii_case(b"http-equiv") {
            http_equiv_content_type |= value.eq_ignore_ascii_case(b"content-type");
        } else if name.eq_ignore_ascii_case(b"content") && content.is_none() {
            content = Some(value);
        } else if name.eq_ignore_ascii_case(b"charset") && charset.is_none() {
            charset = Some(Encoding::for_label(value.trim_ascii()));
        }
    }
    let encoding = match charset {
        Some(found) => found,
        None if http_equiv_content_type => content.and_then(charset_in_content),
        None => None,
    };
    // A document cannot declare itself UTF-16 in ASCII bytes: the standard maps those to
    // UTF-8, and x-user-defined to windows-1252.
    let encoding = encoding.map(|e| {
        if e == UTF_16BE || e == UTF_16LE {
            UTF_8
        } else if e == X_USER_DEFINED {
            WINDOWS_1252
        } else {
            e
        }
    });
    (encoding, pos)
}

/// Reads one attribute at the start of `b` (HTML's "get an attribute"): its name, its value
/// and how many bytes were used; `None` at the end of the tag (`>`) or of the input.
fn attribute(b: &[u8]) -> Option<(&[u8], &[u8], usize)> {
    let mut i = 0;
    while i < b.len() && is_space_or(b[i], b"/") {
        i += 1;
    }
    if i >= b.len() || b[i] == b'>' {
        return None;
    }
    let name_start = i;
    // The first character may be `=` (an attribute named "=").
    i += 1;
    while i < b.len() && !is_space_or(b[i], b"/>=") {
        i += 1;
    }
    let name = &b[name_start..i];
    while i < b.len() && is_space_or(b[i], b"") {
        i += 1;
    }
    if i >= b.len() || b[i] != b'=' {
        return Some((name, &[], i));
    }
    i += 1;
    while i < b.len() && is_space_or(b[i], b"") {
        i += 1;
    }
    match b.get(i) {
        Some(q @ (b'"' | b'\'')) => {
            let start = i + 1;
            let end = b[start..]
                .iter()
                .position(|c| c == q)
                .map_or(b.len(), |p| start + p);
            Some((name, &b[start..end], (end + 1).min(b.len())))
        }
        Some(_) => {
            let start = i;
            while i < b.len() && !is_space_or(b[i], b">") {
                i += 1;
            }
            Some((name, &b[start..i], i))
        }
        None => Some((name, &[], i)),
    }
}

/// The `encoding` of an XML declaration at the very start of the document.
fn xml_declaration(b: &[u8]) -> Option<&'static Encoding> {
    let rest = b.strip_prefix(b"<?xml")?;
    let end = find(rest, b"?>")?;
    let decl = &rest[..end];
    let at = find(decl, b"encoding")?;
    let value = trim_start_ws(&decl[at + 8..]);
    let value = trim_start_ws(value.strip_prefix(b"=")?);
    let q = *value.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let inner = &value[1..];
    let label = &inner[..inner.iter().position(|c| *c == q)?];
    Encoding::for_label(label).map(|e| {
        if e == UTF_16BE || e == UTF_16LE {
            UTF_8
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use encoding_rs::{EUC_JP, KOI8_R, SHIFT_JIS, WINDOWS_1251};

    use super::*;

    #[test]
    fn text_types() {
        for ct in [
            None,
            Some("text/html"),
            Some("TEXT/PLAIN; charset=utf-8"),
            Some("application/xhtml+xml"),
            Some("application/json"),
            Some("application/ld+json"),
            Some("image/svg+xml"),
            Some(""),
        ] {
            assert!(is_text(ct), "{ct:?}");
        }
        for ct in ["image/png", "application/octet-stream", "application/pdf"] {
            assert!(!is_text(Some(ct)), "{ct}");
        }
    }

    #[test]
    fn header_charset_wins_over_meta() {
        let (page, _, _) = WINDOWS_1251.encode("<meta charset=koi8-r><p>Привет</p>");
        let text = decode(&page, Some("text/html; charset=windows-1251"));
        assert!(text.contains("Привет"), "{text}");
        let text = decode(&page, Some("text/html; Charset=\"CP1251\""));
        assert!(text.contains("Привет"), "{text}");
    }

    #[test]
    fn meta_charset_and_http_equiv_are_found() {
        let cases: &[(&str, &'static Encoding)] = &[
            ("<meta charset=\"windows-1251\">", WINDOWS_1251),
            ("<META CHARSET=koi8-r>", KOI8_R),
            ("<meta charset='shift_jis' />", SHIFT_JIS),
            (
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-jp\">",
                EUC_JP,
            ),
            (
                "<meta content='text/html;charset=\"windows-1251\"' http-equiv=content-type>",
                WINDOWS_1251,
            ),
            ("<meta charset=utf-16le>", UTF_8),
            ("<meta charset=x-user-defined>", WINDOWS_1252),
            ("<meta charset=latin1>", WINDOWS_1252),
        ];
        for (meta, expected) in cases {
            let html = format!("<!doctype html><html><head>{meta}<title>t</title>");
            assert_eq!(prescan_meta(html.as_bytes()), Some(*expected), "{meta}");
        }
    }

    #[test]
    fn prescan_ignores_what_is_not_a_meta_tag() {
        let ignored = [
            "<!-- <meta charset=koi8-r> --><p>x</p>",
            "<div title=\"<meta charset=koi8-r>\"></div>",
            "<metadata charset=koi8-r>",
            "<meta content=\"text/html; charset=koi8-r\">",
            "<meta charset=no-such-charset>",
            "<p>no meta at all</p>",
            "<meta",
            "<",
            "",
        ];
        for html in ignored {
            assert_eq!(prescan_meta(html.as_bytes()), None, "{html}");
        }
        // Only the first 1024 bytes count.
        let late = format!("{}<meta charset=koi8-r>", " ".repeat(PRESCAN_BYTES));
        assert_eq!(sniff(late.as_bytes(), Some("text/html")), UTF_8);
    }

    #[test]
    fn shift_jis_by_header_and_by_meta() {
        let (body, _, _) = SHIFT_JIS.encode("<p>こんにちは世界</p>");
        assert!(decode(&body, Some("text/html; charset=Shift_JIS")).contains("こんにちは世界"));
        let mut page = b"<html><head><meta charset=\"shift_jis\"></head>".to_vec();
        page.extend_from_slice(&body);
        assert!(decode(&page, Some("text/html")).contains("こんにちは世界"));
        assert!(decode(&page, None).contains("こんにちは世界"));
    }

    #[test]
    fn the_bom_comes_first() {
        let mut page = vec![0xef, 0xbb, 0xbf];
        page.extend_from_slice("<p>Grüße</p>".as_bytes());
        assert_eq!(
            decode(&page, Some("text/html; charset=windows-1251")),
            "<p>Grüße</p>"
        );
        let page = [0xff, 0xfe, b'h', 0, b'i', 0];
        assert_eq!(decode(&page, None), "hi");
    }

    #[test]
    fn xml_declarations_count_for_xml() {
        let (body, _, _) =
            WINDOWS_1251.encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>Да</a>");
        assert!(decode(&body, Some("application/xml")).contains("Да"));
        assert!(decode(&body, None).contains("Да"));
        // Not for plain text.
        assert!(!decode(&body, Some("text/plain")).contains("Да"));
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(decode(b"a\xffb", None), "a\u{fffd}b");
        assert_eq!(decode(b"caf\xc3", None), "caf\u{fffd}");
        // A cut body drops its split last character instead.
        assert_eq!(decode_with(b"caf\xc3", None, false), "caf");
        assert_eq!(decode_with("café".as_bytes(), None, false), "café");
        let (sjis, _, _) = SHIFT_JIS.encode("日本");
        assert_eq!(
            decode_with(&sjis[..3], Some("text/plain; charset=shift_jis"), false),
            "日"
        );
    }

    #[test]
    fn charset_parameters_parse() {
        assert_eq!(
            charset_param("text/html; charset=utf-8"),
            Some(encoding_rs::UTF_8)
        );
        assert_eq!(charset_param("text/html;charset='koi8-r'"), Some(KOI8_R));
        assert_eq!(charset_param("text/html; charset=bogus"), None);
        assert_eq!(charset_param("text/html"), None);
        assert_eq!(
            charset_in_content(b"text/html; charset = \"koi8-r\""),
            Some(KOI8_R)
        );
        assert_eq!(charset_in_content(b"charset"), None);
        assert_eq!(
            charset_in_content(b"charsetx; charset=koi8-r"),
            Some(KOI8_R)
        );
        assert_eq!(charset_in_content(b"charset='koi8-r"), None);
    }
}
