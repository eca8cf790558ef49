//! Domain names: the validated, normalised [`DomainName`], and the label-level helpers that the
//! generation configuration reuses ([`normalize_label`], [`normalize_suffix`], [`ldh_byte`]).
//!
//! # The normal form
//!
//! [`DomainName::parse`] accepts a name in any case, with or without the trailing root dot, in
//! ASCII or Unicode, and produces the one spelling Dragnet stores and compares:
//!
//! - ASCII lowercase; one trailing dot (the DNS root) is removed;
//! - internationalised labels are converted to punycode (`xn--…`) by UTS-46 processing
//!   (non-transitional, STD3 rules, hyphen checks); the IDN dots `。` `．` `｡` count as dots;
//! - every label is 1..=63 bytes of letters, digits and hyphens (LDH), neither starting nor ending
//!   with a hyphen; `--` in positions 3 and 4 is only allowed in a valid `xn--` label (other such
//!   labels are reserved by IDNA2008 and never delegated);
//! - the whole name is at most 253 bytes (the trailing dot not counted);
//! - **at least two labels**: a single label such as `localhost` or `com` is refused, because a
//!   campaign works on registrable names and a lone word in an import is almost always a mistake
//!   (a header line, a keyword);
//! - the last label (the TLD) is not all digits, so IPv4 addresses are refused.
//!
//! Input that is already lowercase ASCII LDH takes a fast path: one table-driven pass over the
//! bytes and one allocation, without calling into `idna`. Only names containing non-ASCII
//! characters or `xn--` labels go through UTS-46 processing.
//!
//! Errors ([`NameError`]) say exactly what is wrong: the label by its 1-based number and text,
//! the character by its 1-based position within that label (counted in characters), the length
//! in bytes. Surrounding whitespace is not trimmed: it is reported as an invalid character, and
//! callers that read lines trim them first.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

/// The longest allowed name, in bytes, without the trailing root dot.
pub const MAX_NAME_LEN: usize = 253;

/// The longest allowed label, in bytes.
pub const MAX_LABEL_LEN: usize = 63;

/// A validated domain name in normal form (see the [module documentation](self)).
///
/// The field is private: a `DomainName` can only be obtained by parsing (or from the name
/// generator, whose output is valid by construction), so holding one proves the name is valid.
/// It serialises as a plain string and deserialising validates it.
///
/// ```
/// use dragnet_domain::name::DomainName;
///
/// let name = DomainName::parse("Bücher.Example.")?;
/// assert_eq!(name.as_str(), "xn--bcher-kva.example");
/// assert!(DomainName::parse("ex_ample.com").is_err());
/// # Ok::<(), dragnet_domain::name::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "example.com")
)]
pub struct DomainName(String);

impl DomainName {
    /// Parses and normalises `input` (see the [module documentation](self) for the rules).
    ///
    /// # Errors
    ///
    /// Returns a [`NameError`] describing the first problem found.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        normalize(input, Kind::Name).map(|name| Self(name.into_owned()))
    }

    /// Wraps a name the generator built; it is valid by construction (the generation
    /// configuration was validated so that every name it produces satisfies the rules above).
    pub(crate) fn from_generated(name: String) -> Self {
        debug_assert_eq!(
            normalize(&name, Kind::Name).as_deref(),
            Ok(name.as_str()),
            "the generator produced an invalid name"
        );
        Self(name)
    }

    /// The name in normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name in normal form, as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The labels of the name, left to right (the last one is the TLD).
    pub fn labels(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.0.split('.')
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DomainName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DomainName {
    type Error = NameError;

    /// Like [`DomainName::parse`], but reuses the string's buffer when the input is ASCII
    /// (no allocation for input already in normal form, as the bulk importer mostly sees).
    fn try_from(mut s: String) -> Result<Self, Self::Error> {
        match normalize(&s, Kind::Name)? {
            Cow::Borrowed(normal) => {
                // A borrowed result is the input itself, minus at most a trailing root dot.
                let len = normal.len();
                s.truncate(len);
                Ok(Self(s))
            }
            Cow::Owned(normal) => Ok(Self(normal)),
        }
    }
}

impl TryFrom<&str> for DomainName {
    type Error = NameError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<DomainName> for String {
    fn from(name: DomainName) -> Self {
        name.0
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Lets a `HashSet<DomainName>` be queried with a `&str` (already in normal form).
impl Borrow<str> for DomainName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for DomainName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DomainName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for DomainName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Why a string is not a valid domain name, label or suffix.
///
/// Labels are numbered from 1, left to right; positions within a label are 1-based and count
/// characters (so they match what a user sees, also in Unicode input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The input is empty (or only the root dot).
    #[error("the name is empty")]
    Empty,
    /// A label is empty: a leading dot or two dots in a row.
    #[error("label {label} is empty (a leading dot, or two dots in a row)")]
    EmptyLabel {
        /// The 1-based number of the label.
        label: usize,
    },
    /// A character that is not a letter, digit or hyphen (or a dot between labels).
    #[error(
        "label {label} `{}` has {} at position {position}; only letters a-z, digits 0-9 and hyphens are allowed",
        show(.text), show_char(*.character)
    )]
    InvalidCharacter {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
        /// The offending character.
        character: char,
        /// Its 1-based position in the label, in characters.
        position: usize,
    },
    /// A non-ASCII character that internationalised domain names do not allow (UTS-46).
    #[error(
        "label {label} `{}` has {} at position {position}, which internationalised domain names do not allow",
        show(.text), show_char(*.character)
    )]
    DisallowedCharacter {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
        /// The offending character.
        character: char,
        /// Its 1-based position in the label, in characters.
        position: usize,
    },
    /// A label starts with a hyphen.
    #[error("label {label} `{}` starts with a hyphen", show(.text))]
    LeadingHyphen {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
    },
    /// A label ends with a hyphen.
    #[error("label {label} `{}` ends with a hyphen", show(.text))]
    TrailingHyphen {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
    },
    /// A label other than a valid `xn--` label has hyphens in positions 3 and 4.
    #[error(
        "label {label} `{}` has hyphens at positions 3 and 4, which only internationalised (`xn--`) labels may have",
        show(.text)
    )]
    ReservedHyphens {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
    },
    /// An internationalised label that UTS-46 processing rejects, or an `xn--` label that is
    /// not valid punycode of a valid Unicode label.
    #[error(
        "label {label} `{}` is not a valid internationalised label (UTS-46 processing rejects it)",
        show(.text)
    )]
    InvalidIdnLabel {
        /// The 1-based number of the label.
        label: usize,
        /// The label as given.
        text: String,
    },
    /// UTS-46 processing rejects the name as a whole although each label passes on its own
    /// (for example the bidi rule across labels).
    #[error(
        "`{}` is not a valid internationalised domain name (UTS-46 processing rejects the combination of its labels)",
        show(.text)
    )]
    InvalidIdnName {
        /// The name as given.
        text: String,
    },
    /// A label is longer than 63 bytes (after conversion to punycode).
    #[error("label {label} `{}` is {length} bytes long; the maximum is 63", show(.text))]
    LabelTooLong {
        /// The 1-based number of the label.
        label: usize,
        /// The label, in ASCII (punycode) form.
        text: String,
        /// Its length in bytes.
        length: usize,
    },
    /// The name is longer than 253 bytes (after conversion to punycode, without the root dot).
    #[error("the name is {length} bytes long; the maximum is 253")]
    NameTooLong {
        /// Its length in bytes.
        length: usize,
    },
    /// A domain name needs at least two labels.
    #[error("`{}` has a single label; a domain name needs at least two, such as `example.com`", show(.text))]
    SingleLabel {
        /// The name as given.
        text: String,
    },
    /// The last label is all digits (it would look like an IP address).
    #[error("the last label `{}` is all digits; a top-level domain must contain a letter", show(.text))]
    NumericTld {
        /// The last label.
        text: String,
    },
    /// A single label was expected but the input contains a dot.
    #[error("`{}` has a dot at position {position}; a single label without dots was expected", show(.text))]
    NotALabel {
        /// The input as given.
        text: String,
        /// The 1-based position of the first dot, in characters.
        position: usize,
    },
}

/// Normalises one label: lowercase, IDN → punycode, LDH, 1..=63 bytes, no hyphen at either
/// end, `--` at positions 3–4 only in a valid `xn--` label. A dot is an error.
///
/// Returns the input unchanged (borrowed) when it is already in normal form.
///
/// ```
/// use dragnet_domain::name::normalize_label;
///
/// assert_eq!(normalize_label("Shop")?, "shop");
/// assert_eq!(normalize_label("рф")?, "xn--p1ai");
/// assert!(normalize_label("-shop").is_err());
/// # Ok::<(), dragnet_domain::name::NameError>(())
/// ```
///
/// # Errors
///
/// Returns a [`NameError`] describing the first problem found.
pub fn normalize_label(label: &str) -> Result<Cow<'_, str>, NameError> {
    normalize(label, Kind::Label)
}

/// Normalises a domain suffix such as a TLD (`com`, `рф`) or a public suffix (`co.uk`): one or
/// more labels, with the same rules as [`DomainName::parse`] except that a single label is
/// allowed and one leading dot (`.com`) is removed as well as one trailing dot.
///
/// # Errors
///
/// Returns a [`NameError`] describing the first problem found.
pub fn normalize_suffix(suffix: &str) -> Result<Cow<'_, str>, NameError> {
    normalize(suffix, Kind::Suffix)
}

/// The normal-form byte of an LDH character: ASCII letters (lowercased), digits and the hyphen.
/// `None` for anything else, including dots and all non-ASCII characters.
pub const fn ldh_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' | '0'..='9' | '-' => Some(c as u8),
        'A'..='Z' => Some(c.to_ascii_lowercase() as u8),
        _ => None,
    }
}

/// What the input is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A domain name: two labels or more.
    Name,
    /// A suffix: one label or more, a leading dot allowed.
    Suffix,
    /// Exactly one label.
    Label,
}

// Byte classes for the ASCII scan.
const INVALID: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 3;
const HYPHEN: u8 = 4;
const DOT: u8 = 5;
const NON_ASCII: u8 = 6;

static CLASS: [u8; 256] = byte_classes();

const fn byte_classes() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'0'..=b'9' => DIGIT,
            b'-' => HYPHEN,
            b'.' => DOT,
            0x80..=0xff => NON_ASCII,
            _ => INVALID,
        };
        b += 1;
    }
    table
}

/// The characters UTS-46 treats as label separators.
fn is_dot(c: char) -> bool {
    matches!(c, '.' | '\u{3002}' | '\u{ff0e}' | '\u{ff61}')
}

fn normalize(input: &str, kind: Kind) -> Result<Cow<'_, str>, NameError> {
    let mut s = input;
    if kind == Kind::Suffix {
        s = s.strip_prefix('.').unwrap_or(s);
    }
    if kind != Kind::Label
        && let Some(c) = s.chars().next_back().filter(|&c| is_dot(c))
    {
        s = &s[..s.len() - c.len_utf8()];
    }
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    match scan_ascii(s, kind) {
        Ok(scan) => {
            let normal = if scan.upper {
                Cow::Owned(s.to_ascii_lowercase())
            } else {
                Cow::Borrowed(s)
            };
            if scan.xn {
                verify_a_labels(&normal)?;
            }
            Ok(normal)
        }
        Err(Stop::Invalid(e)) => Err(e),
        Err(Stop::NonAscii) => normalize_unicode(s, kind).map(Cow::Owned),
    }
}

/// What the ASCII scan found in a valid ASCII input.
struct AsciiScan {
    /// Some letters are uppercase.
    upper: bool,
    /// Some label starts with `xn--` (in any case) and must be checked as punycode.
    xn: bool,
}

enum Stop {
    /// The input is not ASCII; everything before the first non-ASCII byte was fine.
    NonAscii,
    Invalid(NameError),
}

/// One pass over the bytes: classifies each byte through a table and checks each label when its
/// end is reached. Stops at the first non-ASCII byte so that Unicode input is diagnosed by the
/// Unicode path (with character positions), and at the first error.
fn scan_ascii(s: &str, kind: Kind) -> Result<AsciiScan, Stop> {
    let bytes = s.as_bytes();
    let mut scan = AsciiScan {
        upper: false,
        xn: false,
    };
    let mut start = 0;
    let mut label = 1;
    let mut digits_only = true;
    for (i, &b) in bytes.iter().enumerate() {
        match CLASS[usize::from(b)] {
            LOWER | HYPHEN => digits_only = false,
            DIGIT => {}
            UPPER => {
                scan.upper = true;
                digits_only = false;
            }
            DOT => {
                if kind == Kind::Label {
                    return Err(Stop::Invalid(NameError::NotALabel {
                        text: s.to_owned(),
                        position: i + 1,
                    }));
                }
                scan.xn |= check_ascii_label(&s[start..i], label).map_err(Stop::Invalid)?;
                start = i + 1;
                label += 1;
                digits_only = true;
            }
            NON_ASCII => return Err(Stop::NonAscii),
            _ => {
                let end = s[start..].find('.').map_or(s.len(), |e| start + e);
                return Err(Stop::Invalid(NameError::InvalidCharacter {
                    label,
                    text: s[start..end].to_owned(),
                    character: char::from(b),
                    position: i - start + 1,
                }));
            }
        }
    }
    let last = &s[start..];
    scan.xn |= check_ascii_label(last, label).map_err(Stop::Invalid)?;
    finish(s, last, label, digits_only, kind).map_err(Stop::Invalid)?;
    Ok(scan)
}

/// The whole-name checks, once every label is known to be fine.
fn finish(
    s: &str,
    last: &str,
    labels: usize,
    digits_only: bool,
    kind: Kind,
) -> Result<(), NameError> {
    if kind == Kind::Name && labels < 2 {
        return Err(NameError::SingleLabel { text: s.to_owned() });
    }
    if kind != Kind::Label && digits_only {
        return Err(NameError::NumericTld {
            text: last.to_owned(),
        });
    }
    if s.len() > MAX_NAME_LEN {
        return Err(NameError::NameTooLong { length: s.len() });
    }
    Ok(())
}

/// Checks one ASCII label whose characters are already known to be LDH. Returns whether it is an
/// `xn--` label, which must still be checked as punycode.
fn check_ascii_label(text: &str, label: usize) -> Result<bool, NameError> {
    let b = text.as_bytes();
    let owned = || text.to_owned();
    match b {
        [] => Err(NameError::EmptyLabel { label }),
        _ if b.len() > MAX_LABEL_LEN => Err(NameError::LabelTooLong {
            label,
            text: owned(),
            length: b.len(),
        }),
        [b'-', ..] => Err(NameError::LeadingHyphen {
            label,
            text: owned(),
        }),
        [.., b'-'] => Err(NameError::TrailingHyphen {
            label,
            text: owned(),
        }),
        [x, n, b'-', b'-', ..] => {
            if x.eq_ignore_ascii_case(&b'x') && n.eq_ignore_ascii_case(&b'n') {
                Ok(true)
            } else {
                Err(NameError::ReservedHyphens {
                    label,
                    text: owned(),
                })
            }
        }
        _ => Ok(false),
    }
}

fn uts46_to_ascii(input: &str) -> Result<Cow<'_, str>, idna::Errors> {
    Uts46::new().to_ascii(
        input.as_bytes(),
        AsciiDenyList::STD3,
        Hyphens::Check,
        DnsLength::Ignore,
    )
}

/// Checks that every `xn--` label of a lowercase ASCII name is the punycode of a valid Unicode
/// label, in canonical form (UTS-46 processing leaves it unchanged).
fn verify_a_labels(name: &str) -> Result<(), NameError> {
    for (i, text) in name.split('.').enumerate() {
        if text.starts_with("xn--") && uts46_to_ascii(text).ok().as_deref() != Some(text) {
            return Err(NameError::InvalidIdnLabel {
                label: i + 1,
                text: text.to_owned(),
            });
        }
    }
    Ok(())
}

/// The path for input with non-ASCII characters: check what can be checked precisely on the
/// characters, convert with UTS-46, then run the ASCII checks (lengths, TLD) on the result.
fn normalize_unicode(s: &str, kind: Kind) -> Result<String, NameError> {
    let labels: Vec<&str> = s.split(is_dot).collect();
    if kind == Kind::Label && labels.len() > 1 {
        let position = s.chars().position(is_dot).map_or(1, |p| p + 1);
        return Err(NameError::NotALabel {
            text: s.to_owned(),
            position,
        });
    }
    for (i, text) in labels.iter().enumerate() {
        precheck_unicode_label(text, i + 1)?;
    }
    let ascii = match uts46_to_ascii(s) {
        Ok(ascii) => ascii.into_owned(),
        Err(_) => return Err(diagnose_idn(s, &labels)),
    };
    // UTS-46 maps characters, but never to something the ASCII checks would refuse except for
    // lengths (punycode is longer) and the TLD rule, which `scan_ascii` covers.
    match scan_ascii(&ascii, kind) {
        Ok(_) => Ok(ascii),
        Err(Stop::Invalid(e)) => Err(e),
        Err(Stop::NonAscii) => Err(NameError::InvalidIdnName { text: s.to_owned() }),
    }
}

/// The checks whose answer does not depend on UTS-46 mapping: ASCII characters must be LDH,
/// hyphens must not be at either end nor at positions 3–4 (outside `xn--` labels).
fn precheck_unicode_label(text: &str, label: usize) -> Result<(), NameError> {
    if text.is_empty() {
        return Err(NameError::EmptyLabel { label });
    }
    for (p, c) in text.chars().enumerate() {
        if c.is_ascii() && ldh_byte(c).is_none() {
            return Err(NameError::InvalidCharacter {
                label,
                text: text.to_owned(),
                character: c,
                position: p + 1,
            });
        }
    }
    if text.is_ascii() {
        // A wholly ASCII label among Unicode ones: the exact ASCII rules apply.
        check_ascii_label(text, label)?;
        return Ok(());
    }
    let owned = || text.to_owned();
    let mut chars = text.chars();
    if text.starts_with('-') {
        return Err(NameError::LeadingHyphen {
            label,
            text: owned(),
        });
    }
    if text.ends_with('-') {
        return Err(NameError::TrailingHyphen {
            label,
            text: owned(),
        });
    }
    if chars.nth(2) == Some('-') && chars.next() == Some('-') {
        return Err(NameError::ReservedHyphens {
            label,
            text: owned(),
        });
    }
    Ok(())
}

/// UTS-46 refused the name: find the label, and if possible the character, at fault.
fn diagnose_idn(s: &str, labels: &[&str]) -> NameError {
    let mut buf = [0u8; 4];
    for (i, &text) in labels.iter().enumerate() {
        if uts46_to_ascii(text).is_ok() {
            continue;
        }
        // A character that is refused both alone and after a letter is disallowed in itself;
        // others (combining marks, joiners, right-to-left letters) are only wrong in context.
        for (p, c) in text.chars().enumerate() {
            if c.is_ascii() {
                continue;
            }
            let alone = c.encode_utf8(&mut buf);
            let after_letter = format!("a{c}");
            if uts46_to_ascii(alone).is_err() && uts46_to_ascii(&after_letter).is_err() {
                return NameError::DisallowedCharacter {
                    label: i + 1,
                    text: text.to_owned(),
                    character: c,
                    position: p + 1,
                };
            }
        }
        return NameError::InvalidIdnLabel {
            label: i + 1,
            text: text.to_owned(),
        };
    }
    NameError::InvalidIdnName { text: s.to_owned() }
}

/// A label or name for an error message: escaped, and shortened when very long.
fn show(text: &str) -> String {
    const MAX_CHARS: usize = 70;
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() <= MAX_CHARS {
        escaped
    } else {
        let mut short: String = escaped.chars().take(MAX_CHARS - 1).collect();
        short.push('…');
        short
    }
}

/// A character for an error message: quoted when visible, as a code point otherwise.
fn show_char(c: char) -> String {
    if c.is_whitespace() || c.is_control() || c == '\u{feff}' {
        format!("the character U+{:04X}", u32::from(c))
    } else if c.is_ascii() {
        format!("the character `{c}`")
    } else {
        format!("the character `{c}` (U+{:04X})", u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        match DomainName::parse(input) {
            Ok(name) => name.into_string(),
            Err(e) => panic!("`{input}` was refused: {e}"),
        }
    }

    fn err(input: &str) -> NameError {
        match DomainName::parse(input) {
            Ok(name) => panic!("`{input}` was accepted as `{name}`"),
            Err(e) => e,
        }
    }

    #[test]
    fn normal_form() {
        assert_eq!(ok("example.com"), "example.com");
        assert_eq!(ok("Example.COM"), "example.com");
        assert_eq!(ok("example.com."), "example.com");
        assert_eq!(ok("a-b.c0.de"), "a-b.c0.de");
        assert_eq!(ok("a--b.com"), "a--b.com");
        assert_eq!(ok("123.com"), "123.com");
        assert_eq!(ok("example.xn--p1ai"), "example.xn--p1ai");
        assert_eq!(ok("EXAMPLE.XN--P1AI"), "example.xn--p1ai");
    }

    #[test]
    fn idn_is_converted_to_punycode() {
        assert_eq!(ok("bücher.de"), "xn--bcher-kva.de");
        assert_eq!(ok("BÜCHER.de"), "xn--bcher-kva.de");
        assert_eq!(ok("пример.рф"), "xn--e1afmkfd.xn--p1ai");
        assert_eq!(ok("пример.рф."), "xn--e1afmkfd.xn--p1ai");
        assert_eq!(ok("例子。测试"), "xn--fsqu00a.xn--0zwm56d");
        assert_eq!(ok("例子。测试。"), "xn--fsqu00a.xn--0zwm56d");
        // Non-transitional processing: ß is kept (and encoded), not mapped to "ss".
        assert_eq!(ok("faß.de"), "xn--fa-hia.de");
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(err(""), NameError::Empty);
        assert_eq!(err("."), NameError::Empty);
        assert_eq!(err(".com"), NameError::EmptyLabel { label: 1 });
        assert_eq!(err("a..com"), NameError::EmptyLabel { label: 2 });
        assert_eq!(err("a.com.."), NameError::EmptyLabel { label: 3 });
        let e = err("shop.ex_ample.com");
        assert_eq!(
            e,
            NameError::InvalidCharacter {
                label: 2,
                text: "ex_ample".into(),
                character: '_',
                position: 3
            }
        );
        assert_eq!(
            e.to_string(),
            "label 2 `ex_ample` has the character `_` at position 3; only letters a-z, digits 0-9 and hyphens are allowed"
        );
        assert_eq!(
            err(" example.com").to_string(),
            "label 1 ` example` has the character U+0020 at position 1; only letters a-z, digits 0-9 and hyphens are allowed"
        );
        assert!(matches!(
            err("-ab.com"),
            NameError::LeadingHyphen { label: 1, .. }
        ));
        assert!(matches!(
            err("ab-.com"),
            NameError::TrailingHyphen { label: 1, .. }
        ));
        assert!(matches!(
            err("ab.-com"),
            NameError::LeadingHyphen { label: 2, .. }
        ));
        assert!(matches!(
            err("ab--cd.com"),
            NameError::ReservedHyphens { label: 1, .. }
        ));
        assert!(matches!(err("localhost"), NameError::SingleLabel { .. }));
        assert!(matches!(err("com."), NameError::SingleLabel { .. }));
        assert_eq!(
            err("192.168.1.1").to_string(),
            "the last label `1` is all digits; a top-level domain must contain a letter"
        );
    }

    #[test]
    fn lengths() {
        let label63 = "a".repeat(63);
        assert_eq!(ok(&format!("{label63}.com")), format!("{label63}.com"));
        let label64 = "a".repeat(64);
        assert_eq!(
            err(&format!("{label64}.com")),
            NameError::LabelTooLong {
                label: 1,
                text: label64.clone(),
                length: 64
            }
        );
        let msg = err(&format!("x.{label64}.com")).to_string();
        assert!(msg.starts_with("label 2 `aaaa"), "{msg}");
        assert!(
            msg.ends_with("is 64 bytes long; the maximum is 63"),
            "{msg}"
        );
        // 4 × 63 + 3 dots = 255 > 253; 3 × 63 + 61 + 3 = 253.
        let long = [label63.as_str(); 4].join(".");
        assert_eq!(err(&long), NameError::NameTooLong { length: 255 });
        let fits = format!("{label63}.{label63}.{label63}.{}", "a".repeat(61));
        assert_eq!(ok(&fits).len(), 253);
        assert_eq!(ok(&format!("{fits}.")).len(), 253);
        // Punycode expansion counts: 30 × 'ü' is 30 characters but a 40-byte A-label… and
        // 60 × 'ü' does not fit.
        let msg = err(&format!("{}.de", "ü".repeat(60))).to_string();
        assert!(msg.contains("`xn--"), "{msg}");
        assert!(msg.contains("the maximum is 63"), "{msg}");
    }

    #[test]
    fn idn_errors() {
        assert!(matches!(
            err("xn--zz.com"),
            NameError::InvalidIdnLabel { label: 1, .. }
        ));
        assert!(matches!(
            err("xn--a.com"),
            NameError::InvalidIdnLabel { label: 1, .. }
        ));
        let e = err("café_bar.com");
        assert!(
            matches!(
                e,
                NameError::InvalidCharacter {
                    label: 1,
                    character: '_',
                    position: 5,
                    ..
                }
            ),
            "{e:?}"
        );
        // A private-use character is disallowed wherever it is.
        let e = err("bücher.ex\u{e000}mple");
        assert!(
            matches!(
                e,
                NameError::DisallowedCharacter {
                    label: 2,
                    character: '\u{e000}',
                    position: 3,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("(U+E000) at position 3"), "{e}");
        // UTS-46 (unlike IDNA2008) allows emoji; some registries do delegate such names.
        assert_eq!(ok("ex😀mple.ws"), "xn--exmple-4v74e.ws");
        let e = err("a\u{2028}b.com");
        assert!(e.to_string().contains("U+2028 at position 2"), "{e}: {e:?}");
        assert!(matches!(
            err("-bücher.de"),
            NameError::LeadingHyphen { label: 1, .. }
        ));
        assert!(matches!(
            err("bü--cher.de"),
            NameError::ReservedHyphens { label: 1, .. }
        ));
        assert!(matches!(
            err("bücher..de"),
            NameError::EmptyLabel { label: 2 }
        ));
        assert!(matches!(err("bücher"), NameError::SingleLabel { .. }));
        // A combining mark cannot start a label; it is fine in itself, so the label is blamed.
        assert!(matches!(
            err("\u{301}a.com"),
            NameError::InvalidIdnLabel { label: 1, .. }
        ));
    }

    #[test]
    fn fast_path_borrows_normal_input() {
        assert!(matches!(
            normalize("example.com", Kind::Name),
            Ok(Cow::Borrowed("example.com"))
        ));
        assert!(matches!(
            normalize("example.com.", Kind::Name),
            Ok(Cow::Borrowed("example.com"))
        ));
        assert!(matches!(
            normalize("Example.com", Kind::Name),
            Ok(Cow::Owned(_))
        ));
    }

    #[test]
    fn try_from_string_reuses_the_buffer() {
        let s = String::from("example.com.");
        let ptr = s.as_ptr();
        let name = DomainName::try_from(s).expect("valid");
        assert_eq!(name, "example.com");
        assert_eq!(name.as_str().as_ptr(), ptr);
        assert_eq!(
            DomainName::try_from(String::from("Bücher.de")).expect("valid"),
            "xn--bcher-kva.de"
        );
    }

    #[test]
    fn labels_and_suffixes() {
        assert_eq!(normalize_label("Shop").as_deref(), Ok("shop"));
        assert_eq!(normalize_label("рф").as_deref(), Ok("xn--p1ai"));
        assert_eq!(normalize_label("123").as_deref(), Ok("123"));
        assert_eq!(
            normalize_label("a.b"),
            Err(NameError::NotALabel {
                text: "a.b".into(),
                position: 2
            })
        );
        assert!(matches!(
            normalize_label("a。b"),
            Err(NameError::NotALabel { position: 2, .. })
        ));
        assert!(normalize_label("com.").is_err());
        assert_eq!(normalize_suffix("com").as_deref(), Ok("com"));
        assert_eq!(normalize_suffix(".COM.").as_deref(), Ok("com"));
        assert_eq!(normalize_suffix("co.uk").as_deref(), Ok("co.uk"));
        assert_eq!(normalize_suffix("РФ").as_deref(), Ok("xn--p1ai"));
        assert_eq!(
            normalize_suffix("123"),
            Err(NameError::NumericTld { text: "123".into() })
        );
        assert_eq!(normalize_suffix(".."), Err(NameError::Empty));
        assert_eq!(
            normalize_suffix("a..b"),
            Err(NameError::EmptyLabel { label: 2 })
        );
        assert_eq!(ldh_byte('A'), Some(b'a'));
        assert_eq!(ldh_byte('-'), Some(b'-'));
        assert_eq!(ldh_byte('.'), None);
        assert_eq!(ldh_byte('é'), None);
    }

    #[test]
    fn traits_and_serde() {
        let name: DomainName = "Example.com".parse().expect("valid");
        assert_eq!(name.to_string(), "example.com");
        assert_eq!(name.as_ref(), "example.com");
        assert_eq!(name.labels().collect::<Vec<_>>(), ["example", "com"]);
        let json = serde_json::to_string(&name).expect("serialises");
        assert_eq!(json, "\"example.com\"");
        let back: DomainName = serde_json::from_str("\"EXAMPLE.com.\"").expect("valid");
        assert_eq!(back, name);
        let e = serde_json::from_str::<DomainName>("\"ex ample.com\"")
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("position 3"), "{e}");
        let set: std::collections::HashSet<DomainName> = [name].into_iter().collect();
        assert!(set.contains("example.com"));
    }

    #[test]
    fn long_labels_are_shortened_in_messages() {
        let msg = err(&format!("{}.com", "a".repeat(300))).to_string();
        assert!(msg.len() < 200, "{msg}");
        assert!(msg.contains('…'));
        assert!(msg.contains("300 bytes"));
    }
}
