//! `dragnet_html::extract` (visible text and title of an HTML page), `dragnet_html::read`
//! and `dragnet_html::plain` on arbitrary input.
//!
//! Input: the first byte picks the visible-text cap, the rest is the page (lossy UTF-8, as
//! the prober hands decoded text over).
//!
//! Properties:
//! - extraction never panics and is deterministic;
//! - the visible text is at most the cap in bytes, collapsed (no leading or trailing space,
//!   no two spaces in a row, no whitespace other than U+0020, no control characters, no soft
//!   hyphen, zero-width space, word joiner or BOM);
//! - the title is absent or non-empty, at most `MAX_TITLE_CHARS` characters, and collapsed
//!   the same way;
//! - a smaller cap gives a prefix of the text a larger cap gives, and the same title;
//! - `read` and `read_text` keep the same text as `extract`, and `read` counts the whole
//!   text whatever the cap;
//! - `plain` keeps the same invariants (and never has a title).
#![no_main]

use dragnet_html::{MAX_TITLE_CHARS, PageText, extract, plain, read, read_text};
use libfuzzer_sys::fuzz_target;

/// Caps the first byte chooses from.
const CAPS: [usize; 8] = [0, 1, 2, 3, 7, 64, 4096, 1 << 20];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, page)) = data.split_first() else {
        return;
    };
    let cap = CAPS[usize::from(pick) % CAPS.len()];
    let html = String::from_utf8_lossy(page);

    let text = extract(&html, cap);
    check(&text, cap, "extract");
    assert_eq!(extract(&html, cap), text, "extract is not deterministic");
    let full = extract(&html, usize::MAX);
    check(&full, usize::MAX, "extract (no cap)");
    assert!(
        full.visible.starts_with(&text.visible),
        "capped text {:?} is not a prefix of the whole {:?}",
        text.visible,
        full.visible
    );
    assert_eq!(text.title, full.title, "the cap changed the title");

    // `read` keeps the same text as `extract`, and its counts are those of the whole text
    // whatever the cap.
    let reading = read(&html, cap, &mut ());
    assert_eq!(reading.text, text, "read and extract disagree");
    assert_eq!(read_text(&html, cap, &mut ()), text, "read_text and extract disagree");
    let whole = read(&html, usize::MAX, &mut ());
    assert_eq!((reading.chars, reading.words), (whole.chars, whole.words));
    assert_eq!(whole.chars, full.visible.chars().count() as u64);

    let text = plain(&html, cap);
    check(&text, cap, "plain");
    assert_eq!(text.title, None);
});

fn check(text: &PageText, cap: usize, what: &str) {
    assert!(
        text.visible.len() <= cap,
        "{what}: {} bytes over the cap {cap}",
        text.visible.len()
    );
    assert_collapsed(&text.visible, what);
    if let Some(title) = &text.title {
        assert!(!title.is_empty(), "{what}: empty title");
        assert!(
            title.chars().count() <= MAX_TITLE_CHARS,
            "{what}: title too long"
        );
        assert_collapsed(title, what);
    }
}

fn assert_collapsed(s: &str, what: &str) {
    assert!(
        !s.starts_with(' ') && !s.ends_with(' '),
        "{what}: not trimmed: {s:?}"
    );
    assert!(!s.contains("  "), "{what}: two spaces in a row: {s:?}");
    if let Some(c) = s.chars().find(|&c| {
        (c.is_whitespace() && c != ' ')
            || c.is_control()
            || matches!(c, '\u{ad}' | '\u{200b}' | '\u{2060}' | '\u{feff}')
    }) {
        panic!("{what}: {c:?} (U+{:04X}) left in {s:?}", u32::from(c));
    }
}
