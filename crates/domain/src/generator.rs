//! The name generator: the names of a [`DomainGenerationConfig`], each computed directly from
//! its ordinal, so that generation is deterministic, random-access, resumable and shardable.
//!
//! # The order contract (public, pinned by tests)
//!
//! With `C` the character set (in its configured order), `P` and `S` the prefix and suffix
//! lengths, and `T` the TLD list (in its configured order), the name with ordinal `n` is a
//! mixed-radix number, most significant digit left, whose **outermost digit is the TLD**:
//!
//! ```text
//! n = (tld_index · |C|^P + prefix_value) · |C|^S + suffix_value
//! total = |T| · |C|^(P+S)
//! ```
//!
//! `prefix_value` and `suffix_value` read the variable characters most significant first, each
//! character standing for its index in `C`. So all names of the first TLD come first; within a
//! TLD the prefix changes slowest and the last character of the suffix fastest.
//!
//! The documented example (also in `docs/generation.md`): pattern `both`, constant `shop`,
//! character set `ab`, prefix length 1, suffix length 2, TLDs `com`, `net`, `рф` (stored as
//! `xn--p1ai`) has 2 · 2² · 3 = 24 names:
//!
//! ```
//! use dragnet_domain::config::generation::{
//!     DomainGenerationConfig, DomainGenerationConfigInput, PatternType,
//! };
//!
//! let config = DomainGenerationConfig::try_from(DomainGenerationConfigInput {
//!     pattern_type: PatternType::Both,
//!     constant_string: "shop".into(),
//!     character_set: "ab".into(),
//!     prefix_length: 1,
//!     suffix_length: 2,
//!     tlds: vec!["com".into(), "net".into(), "рф".into()],
//!     offset_start: None,
//!     max_domains: None,
//! })?;
//! let generator = config.generator();
//! assert_eq!(generator.total(), 24);
//! let first: Vec<String> = generator.iter().take(9).map(String::from).collect();
//! assert_eq!(first, [
//!     "ashopaa.com", "ashopab.com", "ashopba.com", "ashopbb.com",
//!     "bshopaa.com", "bshopab.com", "bshopba.com", "bshopbb.com",
//!     "ashopaa.net",
//! ]);
//! assert_eq!(generator.nth(23).map(String::from).as_deref(), Some("bshopbb.xn--p1ai"));
//! assert_eq!(generator.index_of("bshopab.net"), Some(13));
//! # Ok::<(), dragnet_domain::ValidationErrors>(())
//! ```
//!
//! # Speed
//!
//! [`Generator::nth`] costs one division per variable character. The sequential iterator
//! [`Names`] increments an odometer instead (amortised one character rewritten per name, no
//! division), and [`Names::next_str`] / [`Names::next_into`] hand out names without allocating.

use std::collections::HashMap;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::Range;
use std::sync::Arc;

use crate::config::generation::DomainGenerationConfig;
use crate::name::{DomainName, MAX_LABEL_LEN};

/// Marks bytes that are not in the character set, in [`Inner::char_index`].
const NOT_IN_SET: u8 = u8::MAX;

/// Computes the names of a validated [`DomainGenerationConfig`] (see the
/// [module documentation](self) for the order).
///
/// Cheap to clone (the tables are shared), `Send` and `Sync`; iterators own a clone, so they
/// can be moved into tasks.
#[derive(Clone)]
pub struct Generator {
    inner: Arc<Inner>,
}

struct Inner {
    /// The character set, lowercase ASCII; index = digit value.
    charset: Vec<u8>,
    /// `charset.len()`, 1..=36.
    radix: u8,
    /// Digit value of each byte, or [`NOT_IN_SET`].
    char_index: [u8; 256],
    /// The label with the constant in place and the first character of the set in every
    /// variable position (the label of ordinal 0).
    template: String,
    /// Whether each label position is variable.
    is_var: Vec<bool>,
    /// Label positions of the variable characters, most significant first: the prefix
    /// positions, then the suffix positions. Never empty.
    var_offsets: Vec<usize>,
    /// `gaps[j]`: the constant text between variable characters `j` and `j + 1`.
    gaps: Vec<String>,
    /// The constant text after the last variable character.
    tail: String,
    /// The TLDs, normal form, in order.
    tlds: Vec<String>,
    /// Ordinal of each TLD.
    tld_index: HashMap<String, usize>,
    /// `|C|^(P+S)`: the number of labels, i.e. of names per TLD.
    label_space: u128,
    /// `|T| · label_space`.
    total: u128,
}

impl Generator {
    /// Builds the generator of a validated configuration.
    pub fn new(config: &DomainGenerationConfig) -> Self {
        let charset = config.character_set().as_bytes().to_vec();
        let mut char_index = [NOT_IN_SET; 256];
        for (i, &b) in charset.iter().enumerate() {
            // The set has at most 36 distinct ASCII characters (validated).
            char_index[usize::from(b)] = u8::try_from(i).unwrap_or(NOT_IN_SET);
        }
        let first = char::from(charset.first().copied().unwrap_or(b'a'));
        let p = config.prefix_length() as usize;
        let s = config.suffix_length() as usize;
        let constant = config.constant_string();
        let mut template = String::with_capacity(p + constant.len() + s);
        template.extend(std::iter::repeat_n(first, p));
        template.push_str(constant);
        template.extend(std::iter::repeat_n(first, s));
        let var_offsets: Vec<usize> = (0..p).chain(p + constant.len()..template.len()).collect();
        let mut is_var = vec![false; template.len()];
        for &o in &var_offsets {
            is_var[o] = true;
        }
        let gaps = var_offsets
            .windows(2)
            .map(|w| template[w[0] + 1..w[1]].to_owned())
            .collect();
        let tail = var_offsets
            .last()
            .map_or_else(String::new, |&o| template[o + 1..].to_owned());
        let tlds = config.tlds().to_vec();
        let tld_index = tlds
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        let radix = u8::try_from(charset.len()).unwrap_or(u8::MAX);
        let total = config.total();
        let label_space = total / tlds.len().max(1) as u128;
        Self {
            inner: Arc::new(Inner {
                charset,
                radix,
                char_index,
                template,
                is_var,
                var_offsets,
                gaps,
                tail,
                tlds,
                tld_index,
                label_space,
                total,
            }),
        }
    }

    /// The exact number of names.
    pub fn total(&self) -> u128 {
        self.inner.total
    }

    /// The TLDs, in enumeration order.
    pub fn tlds(&self) -> &[String] {
        &self.inner.tlds
    }

    /// The length of every generated label (the part before the TLD), in bytes.
    pub fn label_len(&self) -> usize {
        self.inner.template.len()
    }

    /// The name with ordinal `index`, or `None` when `index >= total()`.
    /// O(name length).
    pub fn nth(&self, index: u128) -> Option<DomainName> {
        let mut name = String::new();
        self.write_nth(index, &mut name)
            .then(|| DomainName::from_generated(name))
    }

    /// Writes the name with ordinal `index` into `buf` (cleared first) and returns `true`, or
    /// leaves `buf` empty and returns `false` when `index >= total()`. Allocates only when
    /// `buf` is too small.
    pub fn write_nth(&self, index: u128, buf: &mut String) -> bool {
        buf.clear();
        let inner = &*self.inner;
        if index >= inner.total {
            return false;
        }
        let mut digits = [0u8; MAX_LABEL_LEN];
        let tld = inner.decompose(index, &mut digits);
        buf.reserve(inner.template.len() + 1 + inner.tlds[tld].len());
        buf.push_str(&inner.template[..inner.var_offsets[0]]);
        let last = inner.var_offsets.len() - 1;
        for (j, gap) in inner.gaps.iter().enumerate() {
            buf.push(inner.digit_char(digits[j]));
            buf.push_str(gap);
        }
        buf.push(inner.digit_char(digits[last]));
        buf.push_str(&inner.tail);
        buf.push('.');
        buf.push_str(&inner.tlds[tld]);
        true
    }

    /// The ordinal of `name`, or `None` when the pattern does not produce it. `name` must be in
    /// normal form (as [`DomainName::as_str`] gives it). The inverse of [`Generator::nth`].
    pub fn index_of(&self, name: &str) -> Option<u128> {
        let inner = &*self.inner;
        let (label, tld) = name.split_once('.')?;
        let &tld = inner.tld_index.get(tld)?;
        let label = label.as_bytes();
        let template = inner.template.as_bytes();
        if label.len() != template.len() {
            return None;
        }
        let mut value: u128 = 0;
        for (i, (&b, &var)) in label.iter().zip(&inner.is_var).enumerate() {
            if var {
                let digit = inner.char_index[usize::from(b)];
                if digit == NOT_IN_SET {
                    return None;
                }
                value = value * u128::from(inner.radix) + u128::from(digit);
            } else if b != template[i] {
                return None;
            }
        }
        Some(tld as u128 * inner.label_space + value)
    }

    /// The names with ordinals in `range`, in order. The range is clamped to `0..total()`.
    pub fn names(&self, range: Range<u128>) -> Names {
        let end = range.end.min(self.inner.total);
        let start = range.start.min(end);
        let mut names = Names {
            generator: self.clone(),
            name: String::with_capacity(
                self.inner.template.len()
                    + 1
                    + self.inner.tlds.iter().map(String::len).max().unwrap_or(0),
            ),
            last_gap: String::new(),
            digits: [0; MAX_LABEL_LEN],
            tld: 0,
            current: start,
            end,
            handed_out: false,
        };
        names.seek(start);
        names
    }

    /// All the names, in order.
    pub fn iter(&self) -> Names {
        self.names(0..self.inner.total)
    }

    /// The names of a campaign with `config`: [`DomainGenerationConfig::campaign_range`].
    pub fn campaign_names(config: &DomainGenerationConfig) -> Names {
        Self::new(config).names(config.campaign_range())
    }
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("template", &self.inner.template)
            .field("charset", &String::from_utf8_lossy(&self.inner.charset))
            .field("tlds", &self.inner.tlds.len())
            .field("total", &self.inner.total)
            .finish()
    }
}

impl Inner {
    fn digit_char(&self, digit: u8) -> char {
        char::from(self.charset[usize::from(digit)])
    }

    /// Splits `index < total` into its TLD ordinal and its variable digits (most significant
    /// first, in `digits[..var_offsets.len()]`).
    fn decompose(&self, index: u128, digits: &mut [u8; MAX_LABEL_LEN]) -> usize {
        let tld = index / self.label_space;
        let value = index % self.label_space;
        let digits = &mut digits[..self.var_offsets.len()];
        let radix = self.radix;
        // 64-bit division is several times faster than 128-bit; most spaces fit.
        if let Ok(mut value) = u64::try_from(value) {
            for d in digits.iter_mut().rev() {
                *d = (value % u64::from(radix)) as u8;
                value /= u64::from(radix);
            }
        } else {
            let mut value = value;
            for d in digits.iter_mut().rev() {
                *d = (value % u128::from(radix)) as u8;
                value /= u128::from(radix);
            }
        }
        usize::try_from(tld).expect("the TLD ordinal is below the number of TLDs, a usize")
    }
}

/// The names of a range of ordinals, in order: an odometer over the variable characters
/// (no division per name).
///
/// Use it as an `Iterator<Item = DomainName>` (one allocation per name), or without allocating
/// through [`Names::next_str`] (borrows an internal buffer) or [`Names::next_into`] (copies into
/// yours):
///
/// ```
/// # use dragnet_domain::config::generation::*;
/// # let config = DomainGenerationConfig::try_from(DomainGenerationConfigInput {
/// #     pattern_type: PatternType::Prefix, constant_string: "x".into(), character_set: "ab".into(),
/// #     prefix_length: 2, suffix_length: 0, tlds: vec!["com".into()],
/// #     offset_start: None, max_domains: None })?;
/// let mut names = config.generator().names(1..3);
/// let mut buf = String::new();
/// while names.next_into(&mut buf) {
///     println!("{buf}"); // abx.com, bax.com
/// }
/// assert_eq!(names.next_ordinal(), 3);
/// # Ok::<(), dragnet_domain::ValidationErrors>(())
/// ```
pub struct Names {
    generator: Generator,
    /// The name with ordinal `current`, when `current < end`.
    name: String,
    /// The constant text after the last variable character, a dot and the current TLD.
    last_gap: String,
    /// The variable digits of `current`, most significant first.
    digits: [u8; MAX_LABEL_LEN],
    /// The TLD ordinal of `current`.
    tld: usize,
    current: u128,
    end: u128,
    /// `name` was handed out; step to the next ordinal before handing out another.
    handed_out: bool,
}

impl Names {
    /// The next name, borrowed from an internal buffer that the next call overwrites;
    /// `None` at the end of the range. Never allocates.
    #[inline]
    pub fn next_str(&mut self) -> Option<&str> {
        if self.handed_out {
            self.step();
        }
        if self.current >= self.end {
            return None;
        }
        self.handed_out = true;
        Some(&self.name)
    }

    /// Writes the next name into `buf` (cleared first) and returns `true`, or returns `false`
    /// at the end of the range. Allocates only when `buf` is too small.
    #[inline]
    pub fn next_into(&mut self, buf: &mut String) -> bool {
        match self.next_str() {
            Some(name) => {
                buf.clear();
                buf.push_str(name);
                true
            }
            None => false,
        }
    }

    /// The ordinal of the next name this iterator will produce (the end of its range when it
    /// is exhausted): the checkpoint to resume from.
    pub fn next_ordinal(&self) -> u128 {
        if self.handed_out {
            self.current + 1
        } else {
            self.current
        }
    }

    /// The end (exclusive) of the range.
    pub fn end(&self) -> u128 {
        self.end
    }

    /// How many names are left.
    pub fn remaining(&self) -> u128 {
        self.end - self.next_ordinal()
    }

    /// Moves to ordinal `index` (clamped to the end of the range): the next name produced is
    /// `index`'s. Going backwards is allowed. O(name length).
    pub fn seek(&mut self, index: u128) {
        self.handed_out = false;
        self.current = index.min(self.end);
        if self.current >= self.end {
            return;
        }
        let inner = &*self.generator.inner;
        self.tld = inner.decompose(self.current, &mut self.digits);
        self.name.clear();
        self.name.push_str(&inner.template[..inner.var_offsets[0]]);
        self.set_last_gap();
        self.rebuild_from(0);
    }

    /// Advances `name` to the next ordinal.
    #[inline]
    fn step(&mut self) {
        self.handed_out = false;
        self.current += 1;
        if self.current >= self.end {
            return;
        }
        let inner = &*self.generator.inner;
        let mut k = inner.var_offsets.len();
        while k > 0 {
            k -= 1;
            let d = self.digits[k] + 1;
            if d < inner.radix {
                self.digits[k] = d;
                self.rebuild_from(k);
                return;
            }
            self.digits[k] = 0;
        }
        // Every variable character wrapped around: the next TLD (`current < end <= total`
        // guarantees there is one).
        self.tld += 1;
        self.set_last_gap();
        self.rebuild_from(0);
    }

    fn set_last_gap(&mut self) {
        let inner = &*self.generator.inner;
        self.last_gap.clear();
        self.last_gap.push_str(&inner.tail);
        self.last_gap.push('.');
        self.last_gap.push_str(&inner.tlds[self.tld]);
    }

    /// Rewrites `name` from variable character `k` on (everything before it is unchanged).
    #[inline]
    fn rebuild_from(&mut self, k: usize) {
        let inner = &*self.generator.inner;
        self.name.truncate(inner.var_offsets[k]);
        let last = inner.var_offsets.len() - 1;
        for j in k..last {
            self.name.push(inner.digit_char(self.digits[j]));
            self.name.push_str(&inner.gaps[j]);
        }
        self.name.push(inner.digit_char(self.digits[last]));
        self.name.push_str(&self.last_gap);
    }
}

impl Iterator for Names {
    type Item = DomainName;

    fn next(&mut self) -> Option<DomainName> {
        self.next_str()
            .map(|name| DomainName::from_generated(name.to_owned()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.remaining();
        match usize::try_from(remaining) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }

    /// Skips `n` names in O(name length).
    fn nth(&mut self, n: usize) -> Option<DomainName> {
        self.seek(self.next_ordinal().saturating_add(n as u128));
        self.next()
    }
}

impl FusedIterator for Names {}

impl fmt::Debug for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Names")
            .field("next_ordinal", &self.next_ordinal())
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::generation::{DomainGenerationConfigInput, PatternType};

    fn generator(
        pattern_type: PatternType,
        constant: &str,
        charset: &str,
        p: u32,
        s: u32,
        tlds: &[&str],
    ) -> Generator {
        DomainGenerationConfig::try_from(DomainGenerationConfigInput {
            pattern_type,
            constant_string: constant.into(),
            character_set: charset.into(),
            prefix_length: p,
            suffix_length: s,
            tlds: tlds.iter().map(|t| (*t).to_owned()).collect(),
            offset_start: None,
            max_domains: None,
        })
        .expect("valid configuration")
        .generator()
    }

    /// The documented example (module docs and `docs/generation.md`).
    fn example() -> Generator {
        generator(PatternType::Both, "shop", "ab", 1, 2, &["com", "net", "рф"])
    }

    fn all(names: Names) -> Vec<String> {
        names.map(String::from).collect()
    }

    #[test]
    fn documented_example_first_twenty() {
        let g = example();
        assert_eq!(g.total(), 24);
        let expected = [
            "ashopaa.com",
            "ashopab.com",
            "ashopba.com",
            "ashopbb.com",
            "bshopaa.com",
            "bshopab.com",
            "bshopba.com",
            "bshopbb.com",
            "ashopaa.net",
            "ashopab.net",
            "ashopba.net",
            "ashopbb.net",
            "bshopaa.net",
            "bshopab.net",
            "bshopba.net",
            "bshopbb.net",
            "ashopaa.xn--p1ai",
            "ashopab.xn--p1ai",
            "ashopba.xn--p1ai",
            "ashopbb.xn--p1ai",
        ];
        assert_eq!(all(g.names(0..20)), expected);
        let by_nth: Vec<String> = (0..20)
            .map(|i| g.nth(i).expect("in range").into_string())
            .collect();
        assert_eq!(by_nth, expected);
    }

    #[test]
    fn documented_example_last_three() {
        let g = example();
        let t = g.total();
        let expected = ["bshopab.xn--p1ai", "bshopba.xn--p1ai", "bshopbb.xn--p1ai"];
        assert_eq!(all(g.names(t - 3..t)), expected);
        assert_eq!(g.nth(t - 1).map(String::from).as_deref(), Some(expected[2]));
        assert_eq!(g.nth(t), None);
        assert_eq!(g.index_of("bshopbb.xn--p1ai"), Some(t - 1));
    }

    #[test]
    fn shapes() {
        let prefix = generator(PatternType::Prefix, "go", "xyz", 2, 0, &["io"]);
        assert_eq!(
            all(prefix.names(0..4)),
            ["xxgo.io", "xygo.io", "xzgo.io", "yxgo.io"]
        );
        let suffix = generator(PatternType::Suffix, "go", "xyz", 0, 2, &["io", "dev"]);
        assert_eq!(all(suffix.names(8..10)), ["gozz.io", "goxx.dev"]);
        let bare = generator(PatternType::Prefix, "", "0123456789", 3, 0, &["com"]);
        assert_eq!(bare.total(), 1000);
        assert_eq!(bare.nth(123).map(String::from).as_deref(), Some("123.com"));
        let both = generator(PatternType::Both, "-", "ab", 2, 1, &["com"]);
        assert_eq!(all(both.names(0..3)), ["aa-a.com", "aa-b.com", "ab-a.com"]);
        let multi = generator(PatternType::Prefix, "", "ab", 1, 0, &["co.uk", "com"]);
        assert_eq!(all(multi.iter()), ["a.co.uk", "b.co.uk", "a.com", "b.com"]);
        assert_eq!(multi.index_of("b.co.uk"), Some(1));
    }

    #[test]
    fn single_character_set() {
        let g = generator(PatternType::Both, "k", "z", 2, 3, &["a", "b", "c"]);
        assert_eq!(g.total(), 3);
        assert_eq!(all(g.iter()), ["zzkzzz.a", "zzkzzz.b", "zzkzzz.c"]);
        assert_eq!(g.index_of("zzkzzz.c"), Some(2));
    }

    #[test]
    fn index_of_refuses_foreign_names() {
        let g = example();
        for name in [
            "ashopaa.org",
            "ashopaa",
            "ashopac.com",
            "ashipaa.com",
            "ashopaaa.com",
            "Ashopaa.com",
            "",
            ".com",
        ] {
            assert_eq!(g.index_of(name), None, "{name}");
        }
    }

    #[test]
    fn lending_and_buffer_paths_agree_with_the_iterator() {
        let g = example();
        let mut lending = g.names(5..19);
        let mut by_lending = Vec::new();
        while let Some(name) = lending.next_str() {
            by_lending.push(name.to_owned());
        }
        assert_eq!(lending.next_str(), None);
        assert_eq!(lending.next_ordinal(), 19);
        let mut into = g.names(5..19);
        let mut buf = String::from("garbage");
        let mut by_into = Vec::new();
        while into.next_into(&mut buf) {
            by_into.push(buf.clone());
        }
        assert_eq!(by_lending, all(g.names(5..19)));
        assert_eq!(by_into, by_lending);
        let mut buf = String::from("garbage");
        assert!(g.write_nth(7, &mut buf));
        assert_eq!(buf, "bshopbb.com");
        assert!(!g.write_nth(24, &mut buf));
        assert_eq!(buf, "");
    }

    #[test]
    fn positions_seek_and_clamping() {
        let g = example();
        let mut names = g.names(3..10);
        assert_eq!((names.next_ordinal(), names.remaining()), (3, 7));
        assert_eq!(names.size_hint(), (7, Some(7)));
        names.next();
        assert_eq!(names.next_ordinal(), 4);
        assert_eq!(
            names.nth(2).map(String::from).as_deref(),
            Some("bshopba.com")
        );
        assert_eq!(names.next_ordinal(), 7);
        names.seek(4);
        assert_eq!(
            names.next().map(String::from).as_deref(),
            Some("bshopaa.com")
        );
        assert_eq!(names.nth(100), None);
        assert_eq!(names.next_ordinal(), 10);
        assert_eq!(names.next(), None);
        assert_eq!(all(g.names(22..1000)).len(), 2);
        assert_eq!(all(g.names(30..40)).len(), 0);
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = g.names(10..5);
        assert_eq!(all(reversed).len(), 0);
    }

    #[test]
    fn campaign_range_names() {
        let config = DomainGenerationConfig::try_from(DomainGenerationConfigInput {
            pattern_type: PatternType::Both,
            constant_string: "shop".into(),
            character_set: "ab".into(),
            prefix_length: 1,
            suffix_length: 2,
            tlds: vec!["com".into(), "net".into(), "рф".into()],
            offset_start: Some(22),
            max_domains: Some(5),
        })
        .expect("valid");
        assert_eq!(
            all(Generator::campaign_names(&config)),
            ["bshopba.xn--p1ai", "bshopbb.xn--p1ai"]
        );
    }

    #[test]
    fn spaces_beyond_u64() {
        // 36^20 × 3 ≈ 4 × 10^31: exercises the 128-bit arithmetic.
        let g = generator(
            PatternType::Both,
            "x",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            10,
            10,
            &["com", "net", "org"],
        );
        let t = g.total();
        assert_eq!(t, 36u128.pow(20) * 3);
        let last = g.nth(t - 1).expect("in range").into_string();
        assert_eq!(last, format!("{0}x{0}.org", "9".repeat(10)));
        assert_eq!(g.index_of(&last), Some(t - 1));
        let names = all(g.names(t / 3 - 2..t / 3 + 1));
        assert_eq!(
            names,
            [
                format!("{0}x{1}8.com", "9".repeat(10), "9".repeat(9)),
                format!("{0}x{0}.com", "9".repeat(10)),
                format!("{0}x{0}.net", "a".repeat(10)),
            ]
        );
    }

    #[test]
    fn generator_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Generator>();
        assert_send_sync::<Names>();
    }
}
