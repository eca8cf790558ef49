//! Dragnet's one HTML reader: the visible text and the title of a page, and its start tags
//! with their attributes, read in one linear pass by a small scanner that follows the HTML
//! tokenizer's rules where they decide what is text (which elements hold raw text and where it
//! ends, how comments, quoted attribute values and CDATA end) and the tree builder's where they
//! decide what is shown (`<template>`, SVG and MathML and the tags that break out of them).
//! The keyword matcher of the HTTP phase reads a page through [`extract`], the page analysis
//! through [`read`] with an [`Observer`] for the tags it needs.
//!
//! Why a scanner and not a full tokenizer: `lol_html`'s tokenizer (Cloudflare's streaming
//! HTML rewriter), which read pages here before, costs three times as much on the same pages
//! and gives the same text on every page of the tests and benchmarks (the tests check the
//! scanner against it); `html5ever`'s measured 2.6 times slower than `lol_html`'s. What the
//! reader keeps is what a visitor without JavaScript reads on the page:
//!
//! - **Kept:** text nodes, with character references decoded as the HTML standard says
//!   (`&amp;`, `&eacute;`, `&#39;`, `&#x2014;`, `&nbsp;`, the legacy forms without `;` such as
//!   `&copy`, and the Windows-1252 reading of `&#128;`–`&#159;`); `<textarea>`, `<xmp>` and
//!   `<plaintext>` contents; the contents of `<noscript>`, parsed again as HTML (one level
//!   deep), because a browser without JavaScript shows them; text inside SVG and MathML
//!   (`<text>`), CDATA sections there included, as a browser shows it.
//! - **Dropped:** `<script>`, `<style>`, `<template>` (inert until a script clones it),
//!   `<iframe>`/`<noembed>`/`<noframes>` fallback text, comments, CDATA sections outside SVG and
//!   MathML (which the HTML tokenizer reads as comments), doctype, every attribute value
//!   (`alt`, `title`, `content` …), and inside SVG and MathML the `<script>`, `<style>`,
//!   `<title>`, `<desc>` and `<metadata>` elements (stylesheets and tooltips). The first
//!   `<title>` goes to [`PageText::title`], never to [`PageText::visible`].
//! - **Not evaluated:** CSS. Text hidden by a stylesheet, a `style` or a `hidden` attribute
//!   still counts, and so does text in `<head>` other than the title (a browser moves it into
//!   the body and shows it).
//!
//! Whitespace runs (including `&nbsp;` and control characters) collapse to one space, and the
//! text is trimmed. Elements that do not break the line — the inline phrasing elements (`<b>`,
//! `<span>`, `<a>`, …) and those that show nothing (`<script>`, `<template>`, comments) — join
//! the text around them, so `ver<b>ify</b>` reads `verify`; every other element (`<p>`,
//! `<div>`, `<br>`, `<td>`, `<li>`, `<img>`, `<button>`, unknown and custom elements)
//! separates it, so `<p>foo</p><p>bar</p>` reads `foo bar`. Soft hyphens, zero-width spaces,
//! word joiners and byte-order marks are removed (a browser draws nothing for them), and NUL
//! characters dropped.
//!
//! Malformed HTML is read as the HTML tokenizer reads it: an unclosed `<script>` or comment
//! swallows the rest of the page, a `<` that opens no tag is text, `</script` inside a script's
//! string ends the script, as in a browser. Time is linear in the input and nothing is
//! buffered beyond the output; with [`extract`], once the visible text is full and the title
//! known, the rest of the page is not read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Longest title kept, in characters; a longer title is cut at this many characters.
pub const MAX_TITLE_CHARS: usize = 512;

/// Deepest SVG/MathML nesting tracked; deeper elements are treated as their parent.
const MAX_FOREIGN_DEPTH: usize = 256;

/// The text of a page that keywords are matched against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageText {
    /// The first `<title>`'s text: character references decoded, whitespace collapsed,
    /// trimmed, at most [`MAX_TITLE_CHARS`] characters; `None` when there is no title or it is
    /// blank. Not part of [`PageText::visible`].
    pub title: Option<String>,
    /// The visible text: whitespace collapsed to single spaces, trimmed, cut (at a character
    /// boundary) to the byte cap given to [`extract`], [`read`] or [`plain`].
    pub visible: String,
}

/// A whole page read by [`read`]: its text, and counts over all of its visible text (not only
/// the part kept in [`PageText::visible`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The title and the visible text, as [`extract`] gives them.
    pub text: PageText,
    /// Characters of the whole visible text, whitespace collapsed, trimmed.
    pub chars: u64,
    /// Words of the whole visible text: runs of letters and digits.
    pub words: u64,
}

/// What a reader of a page wants from it besides the text: given to [`read`].
pub trait Observer {
    /// Every start tag of the page (those in `<template>`, SVG and MathML too), in page
    /// order.
    fn start_tag(&mut self, tag: &StartTag<'_>) {
        let _ = tag;
    }

    /// The text of an inline `<script>` element (not of one inside `<template>` or a
    /// `<noscript>`), whole, as written; not called for an empty one.
    fn script(&mut self, text: &str) {
        let _ = text;
    }

    /// Every end tag of the page (those in `<template>`, SVG and MathML too), in page order,
    /// between the start tags. With [`StartTag::text_len`] and [`EndTag::text_len`] an
    /// observer can cut the text of an element (a link's text) out of the visible text.
    fn end_tag(&mut self, tag: &EndTag) {
        let _ = tag;
    }
}

impl Observer for () {}

/// An end tag, as [`Observer::end_tag`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct EndTag {
    name: TagName,
    text_len: usize,
}

impl EndTag {
    /// The tag's name, as [`StartTag::name`] gives it.
    pub fn name(&self) -> &[u8] {
        self.name.as_bytes()
    }

    /// How many bytes of visible text were kept before this tag (see
    /// [`StartTag::text_len`]).
    pub fn text_len(&self) -> usize {
        self.text_len
    }
}

/// A start tag, as [`Observer::start_tag`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct StartTag<'a> {
    name: TagName,
    /// The markup after the name, up to the end of the tag.
    attributes: &'a [u8],
    /// Bytes of visible text kept before the tag.
    text_len: usize,
}

impl<'a> StartTag<'a> {
    /// The tag's name, ASCII-lowercased (cut at 23 bytes; characters other than ASCII
    /// letters, digits and `-` read as `_`).
    pub fn name(&self) -> &[u8] {
        self.name.as_bytes()
    }

    /// How many bytes of visible text were kept before this tag: the text between two tags
    /// is `visible[a.text_len()..b.text_len()]` of the [`Reading`] (trim it: the space between
    /// two words is written with the second; and cut the end to the text's length, whose
    /// trailing space is dropped). Stops growing once the text is full.
    pub fn text_len(&self) -> usize {
        self.text_len
    }

    /// The value of the first attribute named `name` (ASCII case-insensitive), with its
    /// character references decoded; `Some("")` for an attribute without a value.
    pub fn attribute(&self, name: &str) -> Option<Cow<'a, str>> {
        attribute_value(self.attributes, name.as_bytes())
    }
}

/// Extracts the visible text (at most `max_visible_bytes` bytes, cut at a character
/// boundary) and the title of an HTML page. See the crate documentation for what counts as
/// visible. Never panics, whatever the input; linear time; stops reading once nothing further
/// can change the result.
pub fn extract(html: &str, max_visible_bytes: usize) -> PageText {
    let mut nobody = ();
    let mut state = State::new(Nesting::Page, max_visible_bytes, false, &mut nobody);
    scan(html, &mut state, true);
    state.finish()
}

/// Reads a whole page: its title and visible text (at most `max_visible_bytes` bytes kept, the
/// rest counted), every start tag and inline script shown to `observer`. Never panics; linear
/// time.
pub fn read(html: &str, max_visible_bytes: usize, observer: &mut dyn Observer) -> Reading {
    let mut state = State::new(Nesting::Page, max_visible_bytes, true, observer);
    scan(html, &mut state, false);
    let count = state.visible.count.unwrap_or_default();
    Reading {
        text: state.finish(),
        // A trailing space is counted only when a character follows it.
        chars: count.chars,
        words: count.words,
    }
}

/// Reads a whole page as [`read`] does — every start tag, end tag and inline script shown to
/// `observer`, the title and at most `max_visible_bytes` bytes of visible text kept — without
/// counting the characters and words of the whole text, which costs about a third of the
/// pass. For readers that need the text, not its size (lead extraction). Never panics; linear
/// time.
pub fn read_text(html: &str, max_visible_bytes: usize, observer: &mut dyn Observer) -> PageText {
    let mut state = State::new(Nesting::Page, max_visible_bytes, false, observer);
    scan(html, &mut state, false);
    state.finish()
}

/// A page that is not HTML (plain text, JSON, XML …) taken as visible text as it is: no markup
/// is removed and no character reference decoded, whitespace is collapsed as for HTML, the
/// result is cut to `max_visible_bytes` bytes, and there is no title.
pub fn plain(text: &str, max_visible_bytes: usize) -> PageText {
    let mut out = Collapser::new(max_visible_bytes);
    out.push(text);
    PageText {
        title: None,
        visible: out.take(),
    }
}

/// Whether a run reads a whole page or the contents of one of its `<noscript>` elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Page,
    Noscript,
}

/// The kinds of text the HTML tokenizer tells apart, as far as they matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    /// Ordinary text, character references decoded.
    Data,
    /// `<title>` and `<textarea>` contents: references decoded, no tags.
    RcData,
    /// `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`, `<noscript>` contents.
    RawText,
    /// `<script>` contents.
    ScriptData,
    /// `<plaintext>`: the rest of the page, literally.
    PlainText,
    /// A CDATA section in SVG or MathML.
    CData,
}

/// Reads a page: text up to the next `<`, markup read by [`read_markup`], and the contents of
/// raw-text elements up to their end tag, all fed to `state`. With `settle`, stops once
/// nothing further can change the text.
fn scan(html: &str, state: &mut State<'_>, settle: bool) {
    let bytes = html.as_bytes();
    let mut at = 0;
    while at < bytes.len() && !(settle && state.settled()) {
        let Some(found) = html[at..].find('<') else {
            state.text(TextKind::Data, &html[at..]);
            break;
        };
        let lt = at + found;
        if lt > at {
            state.text(TextKind::Data, &html[at..lt]);
        }
        if state.in_foreign_content() && bytes[lt..].starts_with(b"<![CDATA[") {
            let start = lt + 9;
            let end = html[start..].find("]]>").map_or(html.len(), |e| start + e);
            state.text(TextKind::CData, &html[start..end]);
            at = (end + 3).min(html.len());
            continue;
        }
        let (markup, end) = read_markup(bytes, lt);
        at = end;
        let tag = match markup {
            Markup::Tag(tag) => tag,
            Markup::Text => {
                state.text(TextKind::Data, "<");
                continue;
            }
            Markup::Other => continue,
        };
        state.tag(&tag);
        if tag.end || state.in_foreign_content() {
            continue;
        }
        let kind = match tag.name.as_bytes() {
            b"script" => TextKind::ScriptData,
            b"style" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"noscript" => {
                TextKind::RawText
            }
            b"title" | b"textarea" => TextKind::RcData,
            b"plaintext" => TextKind::PlainText,
            _ => continue,
        };
        let end = if kind == TextKind::PlainText {
            html.len()
        } else {
            end_tag_position(&html[at..], tag.name.as_bytes()).map_or(html.len(), |e| at + e)
        };
        state.text(kind, &html[at..end]);
        // The end tag itself is read as markup by the next round.
        at = end;
    }
}

/// Where the text up to the next piece of markup goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Visible text, character references decoded.
    Visible,
    /// Visible text taken literally (`<xmp>`, `<plaintext>`, CDATA).
    VisibleRaw,
    /// The title, character references decoded.
    Title,
    /// HTML to read again (`<noscript>` contents).
    Noscript,
    /// The observer's (inline script).
    Script,
    /// Nowhere.
    Drop,
}

/// The element the current raw text (`<title>`, `<textarea>`, `<xmp>`, `<noscript>` …) belongs
/// to: the last start tag read, since these elements cannot hold other elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Title,
    Textarea,
    Xmp,
    Noscript,
    Other,
}

/// The title as the page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TitleState {
    NotSeen,
    Reading,
    Done,
}

/// An open SVG or MathML element.
#[derive(Debug, Clone, Copy)]
struct ForeignElement {
    name: TagName,
    svg: bool,
    kind: ForeignKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ForeignKind {
    /// Ordinary: its text is visible.
    Plain,
    /// `<script>`, `<style>`, `<title>`, `<desc>`, `<metadata>`: nothing inside is visible.
    Hidden,
    /// `<foreignObject>` and MathML's text elements: what they contain is read as HTML.
    Integration,
}

/// What is known while a page is read: where its text goes, and the output.
struct State<'o> {
    nesting: Nesting,
    visible: Collapser,
    title: Collapser,
    title_state: TitleState,
    owner: Owner,
    /// Open `<template>` elements.
    templates: u32,
    /// Open SVG/MathML elements, innermost last.
    foreign: Vec<ForeignElement>,
    /// How many of them are hidden.
    foreign_hidden: u32,
    observer: &'o mut dyn Observer,
}

impl<'o> State<'o> {
    /// `count`: whether the visible text is counted whole, beyond what is kept.
    fn new(
        nesting: Nesting,
        max_visible_bytes: usize,
        count: bool,
        observer: &'o mut dyn Observer,
    ) -> Self {
        let mut visible = Collapser::new(max_visible_bytes);
        if count {
            visible.count = Some(TextCount::default());
        }
        Self {
            nesting,
            visible,
            title: Collapser::with_char_limit(MAX_TITLE_CHARS),
            title_state: TitleState::NotSeen,
            owner: Owner::Other,
            templates: 0,
            foreign: Vec::new(),
            foreign_hidden: 0,
            observer,
        }
    }

    /// Nothing more can change the result: the visible text is full and the title known.
    fn settled(&self) -> bool {
        self.visible.full && self.title_state == TitleState::Done
    }

    fn finish(mut self) -> PageText {
        PageText {
            title: self.title.take_nonempty(),
            visible: self.visible.take(),
        }
    }

    fn hidden(&self) -> bool {
        self.templates > 0 || self.foreign_hidden > 0
    }

    /// Inside SVG or MathML, and not in one of its HTML integration points.
    fn in_foreign_content(&self) -> bool {
        self.foreign
            .last()
            .is_some_and(|e| e.kind != ForeignKind::Integration)
    }

    /// Reads the tags of a stretch of markup (no text: what lies between two text chunks of
    /// the test oracle's tokenizer).
    #[cfg(test)]
    fn markup(&mut self, markup: &str) {
        let bytes = markup.as_bytes();
        let mut at = 0;
        while let Some(found) = bytes[at..].iter().position(|&b| b == b'<') {
            let (markup, end) = read_markup(bytes, at + found);
            if let Markup::Tag(tag) = markup {
                self.tag(&tag);
            }
            at = end;
        }
    }

    fn tag(&mut self, tag: &Tag) {
        // A title's text ends at the next tag (its end tag).
        if self.title_state == TitleState::Reading {
            self.title_state = TitleState::Done;
        }
        self.owner = Owner::Other;
        if tag.end {
            self.observer.end_tag(&EndTag {
                name: tag.name,
                text_len: self.visible.out.len(),
            });
            self.end_tag(tag);
        } else {
            self.observer.start_tag(&StartTag {
                name: tag.name,
                attributes: tag.attributes,
                text_len: self.visible.out.len(),
            });
            self.start_tag(tag);
        }
    }

    fn start_tag(&mut self, tag: &Tag) {
        if self.in_foreign_content() {
            if !breaks_out_of_foreign_content(tag) {
                self.push_foreign(tag);
                return;
            }
            // An HTML element closes the SVG/MathML around it, as the tree builder does.
            self.foreign.clear();
            self.foreign_hidden = 0;
        }
        match tag.name.as_bytes() {
            b"svg" | b"math" => self.push_foreign(tag),
            b"title" => {
                self.owner = Owner::Title;
                if self.title_state == TitleState::NotSeen
                    && !self.hidden()
                    && self.nesting == Nesting::Page
                {
                    self.title_state = TitleState::Reading;
                }
            }
            b"textarea" => {
                self.owner = Owner::Textarea;
                self.visible.separate();
            }
            b"xmp" => {
                self.owner = Owner::Xmp;
                self.visible.separate();
            }
            b"noscript" => self.owner = Owner::Noscript,
            b"template" => self.templates = self.templates.saturating_add(1),
            name => {
                if !joins_text(name) {
                    self.visible.separate();
                }
            }
        }
    }

    fn end_tag(&mut self, tag: &Tag) {
        if let Some(at) = self.foreign.iter().rposition(|e| e.name == tag.name) {
            for element in self.foreign.drain(at..) {
                if element.kind == ForeignKind::Hidden {
                    self.foreign_hidden -= 1;
                }
            }
            if !joins_foreign_text(tag.name.as_bytes()) {
                self.visible.separate();
            }
            return;
        }
        if self.in_foreign_content() {
            // An end tag matching no open SVG/MathML element is ignored there.
            return;
        }
        match tag.name.as_bytes() {
            b"template" => self.templates = self.templates.saturating_sub(1),
            name if joins_text(name) => {}
            _ => self.visible.separate(),
        }
    }

    fn push_foreign(&mut self, tag: &Tag) {
        let name = tag.name.as_bytes();
        let svg = match (name, self.foreign.last()) {
            (b"svg", _) => true,
            (b"math", _) => false,
            (_, Some(parent)) => parent.svg,
            (_, None) => false,
        };
        if !joins_foreign_text(name) {
            self.visible.separate();
        }
        let kind = match (name, svg) {
            (b"script" | b"style", _) | (b"title" | b"desc" | b"metadata", true) => {
                ForeignKind::Hidden
            }
            (b"foreignobject", true) | (b"mi" | b"mo" | b"mn" | b"ms" | b"mtext", false) => {
                ForeignKind::Integration
            }
            _ => ForeignKind::Plain,
        };
        if tag.self_closing || self.foreign.len() >= MAX_FOREIGN_DEPTH {
            return;
        }
        if kind == ForeignKind::Hidden {
            self.foreign_hidden += 1;
        }
        self.foreign.push(ForeignElement {
            name: tag.name,
            svg,
            kind,
        });
    }

    /// Takes the whole text of a text node or raw-text element.
    fn text(&mut self, kind: TextKind, text: &str) {
        let route = self.route(kind);
        self.deliver(route, text);
    }

    fn route(&self, kind: TextKind) -> Route {
        if self.hidden() {
            return Route::Drop;
        }
        match kind {
            TextKind::Data => Route::Visible,
            TextKind::PlainText | TextKind::CData => Route::VisibleRaw,
            TextKind::RcData => match self.owner {
                Owner::Title if self.title_state == TitleState::Reading => Route::Title,
                Owner::Textarea => Route::Visible,
                _ => Route::Drop,
            },
            TextKind::RawText => match self.owner {
                Owner::Xmp => Route::VisibleRaw,
                Owner::Noscript if self.nesting == Nesting::Page => Route::Noscript,
                _ => Route::Drop,
            },
            TextKind::ScriptData if self.nesting == Nesting::Page => Route::Script,
            TextKind::ScriptData => Route::Drop,
        }
    }

    fn deliver(&mut self, route: Route, text: &str) {
        match route {
            Route::Visible => {
                if !self.visible.full || self.visible.count.is_some() {
                    self.visible.push_html(text);
                }
            }
            Route::VisibleRaw => self.visible.push(text),
            Route::Title => {
                self.title.push_html(text);
                self.title_state = TitleState::Done;
            }
            Route::Noscript => {
                // When the whole text is counted, the contents are read whole (and cut by
                // `self.visible` as any text), so the counts do not depend on the cap.
                let counting = self.visible.count.is_some();
                if self.visible.full && !counting {
                    return;
                }
                // A few bytes more than the room left, so that contents that do not fit are
                // cut by `self.visible`, which then knows it is full. (Read with exactly the
                // room, contents whose first character does not fit came back empty, and
                // shorter text after the `<noscript>` was still added: the capped text was
                // not a prefix of the whole.)
                let room = if counting {
                    usize::MAX
                } else {
                    self.visible.room().saturating_add(8)
                };
                let mut nobody = ();
                let mut inner = State::new(Nesting::Noscript, room, false, &mut nobody);
                scan(text, &mut inner, !counting);
                self.visible.separate();
                self.visible.push(&inner.finish().visible);
                self.visible.separate();
            }
            Route::Script if !text.is_empty() => self.observer.script(text),
            Route::Script => {}
            Route::Drop => {}
        }
    }
}

/// A tag name, lowercased; names longer than the buffer are cut (no name that matters here
/// is that long).
#[derive(Clone, Copy, PartialEq, Eq)]
struct TagName {
    len: u8,
    bytes: [u8; 23],
}

impl TagName {
    fn new(raw: &[u8]) -> Self {
        let mut name = Self {
            len: 0,
            bytes: [0; 23],
        };
        // Only ASCII letters, digits and `-` are kept, so the name is always valid UTF-8;
        // other characters make a name that matches nothing here.
        for (slot, b) in name.bytes.iter_mut().zip(raw) {
            *slot = if b.is_ascii_alphanumeric() || *b == b'-' {
                b.to_ascii_lowercase()
            } else {
                b'_'
            };
            name.len += 1;
        }
        name
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for TagName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// A start or end tag, as far as it matters here.
#[derive(Debug, Clone, Copy)]
struct Tag<'a> {
    name: TagName,
    /// The markup after the name, up to the end of the tag.
    attributes: &'a [u8],
    end: bool,
    self_closing: bool,
    /// A `color`, `face` or `size` attribute (which make `<font>` leave SVG/MathML).
    font_attribute: bool,
}

/// One piece of markup starting at a `<`.
#[derive(Debug)]
enum Markup<'a> {
    Tag(Tag<'a>),
    /// A comment, doctype, processing instruction or other bogus comment.
    Other,
    /// The `<` opens nothing and is text.
    Text,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Reads the markup that starts at `bytes[lt] == b'<'` the way the HTML tokenizer does
/// (quoted attribute values may hold `>`, comments end at `-->`, `--!>` or an abrupt `<!-->`);
/// returns it and where it ends.
fn read_markup(bytes: &[u8], lt: usize) -> (Markup<'_>, usize) {
    let rest = &bytes[lt..];
    let to_gt = |from: usize| {
        rest[from.min(rest.len())..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |gt| lt + from + gt + 1)
    };
    match rest.get(1) {
        Some(b'!') if rest.starts_with(b"<!--") => (Markup::Other, lt + comment_len(rest)),
        Some(b'!' | b'?') => (Markup::Other, to_gt(2)),
        Some(b'/') if rest.get(2).is_some_and(u8::is_ascii_alphabetic) => {
            let (tag, len) = read_tag(rest, true);
            (Markup::Tag(tag), lt + len)
        }
        // `</>` is dropped, `</ x>` is a bogus comment.
        Some(b'/') => (Markup::Other, to_gt(2)),
        Some(b) if b.is_ascii_alphabetic() => {
            let (tag, len) = read_tag(rest, false);
            (Markup::Tag(tag), lt + len)
        }
        _ => (Markup::Text, lt + 1),
    }
}

/// The length of the comment at the start of `rest` (which starts with `<!--`).
fn comment_len(rest: &[u8]) -> usize {
    let body = &rest[4..];
    if body.starts_with(b">") {
        return 5;
    }
    if body.starts_with(b"->") {
        return 6;
    }
    let mut from = 0;
    while let Some(dashes) = body[from..].windows(2).position(|w| w == b"--") {
        let after = from + dashes + 2;
        match body.get(after) {
            Some(b'>') => return 4 + after + 1,
            Some(b'!') if body.get(after + 1) == Some(&b'>') => return 4 + after + 2,
            _ => from += dashes + 1,
        }
    }
    rest.len()
}

/// Reads the tag at the start of `rest` (`<name` or `</name`); returns it and its length.
fn read_tag(rest: &[u8], end: bool) -> (Tag<'_>, usize) {
    let mut i = if end { 2 } else { 1 };
    let name_start = i;
    while i < rest.len() && !is_space(rest[i]) && rest[i] != b'/' && rest[i] != b'>' {
        i += 1;
    }
    let name = TagName::new(&rest[name_start..i]);
    let is_font = name.as_bytes() == b"font";
    let mut attributes = Attributes {
        markup: &rest[i..],
        at: 0,
        self_closing: false,
    };
    let mut font_attribute = false;
    for (attribute, _) in attributes.by_ref() {
        if is_font {
            font_attribute |= [&b"color"[..], b"face", b"size"]
                .iter()
                .any(|n| attribute.eq_ignore_ascii_case(n));
        }
    }
    let len = i + attributes.at;
    let tag = Tag {
        name,
        attributes: &rest[i..len],
        end,
        self_closing: attributes.self_closing,
        font_attribute,
    };
    (tag, len)
}

/// The attributes of a tag, read from the markup after its name the way the HTML tokenizer
/// reads them: `(name, value)`, the value as written (quotes removed, references not
/// decoded). Ends after the tag's `>`, or at the end of the input.
struct Attributes<'a> {
    markup: &'a [u8],
    /// Where reading goes on; after the end, the length of the tag's rest.
    at: usize,
    /// Whether the tag ended with `/>`.
    self_closing: bool,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.markup;
        let mut i = self.at;
        loop {
            while i < rest.len() && is_space(rest[i]) {
                i += 1;
            }
            match rest.get(i) {
                None => {
                    self.at = rest.len();
                    return None;
                }
                Some(b'>') => {
                    self.at = i + 1;
                    self.markup = &rest[..i + 1];
                    return None;
                }
                Some(b'/') => {
                    i += 1;
                    if rest.get(i) == Some(&b'>') {
                        self.self_closing = true;
                        self.at = i + 1;
                        self.markup = &rest[..i + 1];
                        return None;
                    }
                }
                Some(_) => break,
            }
        }
        // An attribute: its name (the first character may be anything but space, `/` and
        // `>`), then maybe `=` and a value.
        let name_start = i;
        i += 1;
        while i < rest.len() && !is_space(rest[i]) && !matches!(rest[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = &rest[name_start..i];
        let mut j = i;
        while j < rest.len() && is_space(rest[j]) {
            j += 1;
        }
        if rest.get(j) != Some(&b'=') {
            self.at = i;
            return Some((name, None));
        }
        i = j + 1;
        while i < rest.len() && is_space(rest[i]) {
            i += 1;
        }
        let value = match rest.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = rest[start..]
                    .iter()
                    .position(|&b| b == quote)
                    .map_or(rest.len(), |q| start + q);
                i = (end + 1).min(rest.len());
                &rest[start..end]
            }
            _ => {
                let start = i;
                while i < rest.len() && !is_space(rest[i]) && rest[i] != b'>' {
                    i += 1;
                }
                &rest[start..i]
            }
        };
        self.at = i;
        Some((name, Some(value)))
    }
}

/// The value of the first attribute `name` in a tag's markup after its name, references
/// decoded.
fn attribute_value<'a>(markup: &'a [u8], name: &[u8]) -> Option<Cow<'a, str>> {
    let attributes = Attributes {
        markup,
        at: 0,
        self_closing: false,
    };
    for (attribute, value) in attributes {
        if attribute.eq_ignore_ascii_case(name) {
            let value = value.unwrap_or_default();
            return Some(match String::from_utf8_lossy(value) {
                Cow::Borrowed(text) => decode_attribute(text),
                Cow::Owned(text) => Cow::Owned(decode_attribute(&text).into_owned()),
            });
        }
    }
    None
}

/// An attribute value with its character references decoded. (In attribute values the
/// tokenizer leaves a legacy reference without `;` alone when `=` or a letter or digit
/// follows it, so that URLs such as `?a=1&copy=2` stay as written.)
fn decode_attribute(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_reference(after) {
            Some((decoded, used))
                if after.as_bytes()[used - 1] == b';'
                    || matches!(decoded, Decoded::Numeric(_))
                    || !after
                        .as_bytes()
                        .get(used)
                        .is_some_and(|&b| b == b'=' || b.is_ascii_alphanumeric()) =>
            {
                match decoded {
                    Decoded::Named(text) => out.push_str(text),
                    Decoded::Numeric(c) => out.push(c),
                }
                rest = &after[used..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Where the end tag `</name` (followed by a space, `/`, `>` or the end) starts in `html`.
fn end_tag_position(html: &str, name: &[u8]) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(found) = html[from..].find("</") {
        let at = from + found;
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name)
            && candidate
                .get(name.len())
                .is_none_or(|&b| is_space(b) || b == b'/' || b == b'>')
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// HTML start tags that end SVG/MathML content (the tree builder's "breakout" list).
fn breaks_out_of_foreign_content(tag: &Tag) -> bool {
    match tag.name.as_bytes() {
        b"b" | b"big" | b"blockquote" | b"body" | b"br" | b"center" | b"code" | b"dd" | b"div"
        | b"dl" | b"dt" | b"em" | b"embed" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6"
        | b"head" | b"hr" | b"i" | b"img" | b"li" | b"listing" | b"menu" | b"meta" | b"nobr"
        | b"ol" | b"p" | b"pre" | b"ruby" | b"s" | b"small" | b"span" | b"strong" | b"strike"
        | b"sub" | b"sup" | b"table" | b"tt" | b"u" | b"ul" | b"var" => true,
        b"font" => tag.font_attribute,
        _ => false,
    }
}

/// HTML elements that do not separate the text around them: the inline phrasing elements, and
/// elements that show nothing in the flow of the text.
fn joins_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"a" | b"abbr"
            | b"acronym"
            | b"b"
            | b"bdi"
            | b"bdo"
            | b"big"
            | b"blink"
            | b"cite"
            | b"code"
            | b"data"
            | b"del"
            | b"dfn"
            | b"em"
            | b"font"
            | b"i"
            | b"ins"
            | b"kbd"
            | b"label"
            | b"mark"
            | b"nobr"
            | b"q"
            | b"s"
            | b"samp"
            | b"small"
            | b"span"
            | b"strike"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"time"
            | b"tt"
            | b"u"
            | b"var"
            | b"wbr"
            | b"slot"
            | b"noscript"
            // Show nothing in the flow of the text.
            | b"script"
            | b"style"
            | b"template"
            | b"title"
            | b"meta"
            | b"link"
            | b"base"
    )
}

/// SVG elements that do not separate the text around them.
fn joins_foreign_text(name: &[u8]) -> bool {
    matches!(name, b"a" | b"tspan" | b"textpath")
}

/// Appends text with whitespace collapsed to single spaces, up to a cap.
#[derive(Debug)]
struct Collapser {
    out: String,
    /// Cap in bytes.
    max_bytes: usize,
    /// Cap in characters (`usize::MAX` for none), and the characters written.
    max_chars: usize,
    chars: usize,
    /// A space is owed before the next character written.
    space: bool,
    /// The cap was reached: everything more is ignored (but counted, when counting).
    full: bool,
    /// Counts of everything pushed, kept or not; `None` when not counting.
    count: Option<TextCount>,
}

/// Characters and words of collapsed text.
#[derive(Debug, Clone, Copy, Default)]
struct TextCount {
    chars: u64,
    words: u64,
    /// Whether the last character counted was a letter or digit.
    in_word: bool,
}

impl TextCount {
    fn add(&mut self, run: &str) {
        let bytes = run.as_bytes();
        if bytes.is_ascii() {
            self.chars += bytes.len() as u64;
            // Branch-free: a word starts where a letter or digit follows anything else.
            let mut previous = u64::from(self.in_word);
            let mut starts = 0;
            for &b in bytes {
                let alnum = u64::from(b.is_ascii_alphanumeric());
                starts += alnum & !previous & 1;
                previous = alnum;
            }
            self.words += starts;
            self.in_word = previous == 1;
        } else {
            for c in run.chars() {
                self.chars += 1;
                let alnum = if c.is_ascii() {
                    c.is_ascii_alphanumeric()
                } else {
                    c.is_alphanumeric()
                };
                if alnum && !self.in_word {
                    self.words += 1;
                }
                self.in_word = alnum;
            }
        }
    }
}

impl Collapser {
    fn new(max_bytes: usize) -> Self {
        Self {
            out: String::new(),
            max_bytes,
            max_chars: usize::MAX,
            chars: 0,
            space: false,
            full: max_bytes == 0,
            count: None,
        }
    }

    fn with_char_limit(max_chars: usize) -> Self {
        Self {
            max_chars,
            full: max_chars == 0,
            ..Self::new(usize::MAX)
        }
    }

    /// Words before and after this point must not run together.
    fn separate(&mut self) {
        if !self.out.is_empty() {
            self.space = true;
        }
        if let Some(count) = &mut self.count {
            count.in_word = false;
            self.space |= count.chars > 0;
        }
    }

    /// Bytes left before the cap.
    fn room(&self) -> usize {
        self.max_bytes.saturating_sub(self.out.len())
    }

    /// Appends text as it is.
    fn push(&mut self, text: &str) {
        self.push_text(text, false);
    }

    /// Appends HTML text, decoding its character references.
    fn push_html(&mut self, text: &str) {
        self.push_text(text, true);
    }

    fn push_text(&mut self, text: &str, decode: bool) {
        if self.full && self.count.is_none() {
            return;
        }
        // Characters kept as they are accumulate in a run that is copied at once. Printable
        // ASCII, and single spaces between such characters, are the fast path.
        let bytes = text.as_bytes();
        let plain = |b: u8| (0x21..=0x7e).contains(&b) && !(decode && b == b'&');
        let mut run_start = 0;
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            let (len, class) = if plain(b) {
                (1, Class::Keep)
            } else if decode && b == b'&' {
                match decode_reference(&text[at + 1..]) {
                    Some((decoded, used)) => {
                        if !self.emit(&text[run_start..at]) {
                            return;
                        }
                        let mut buffer = [0; 4];
                        self.push_text(
                            match decoded {
                                Decoded::Named(value) => value,
                                Decoded::Numeric(c) => c.encode_utf8(&mut buffer),
                            },
                            false,
                        );
                        at += 1 + used;
                        run_start = at;
                        continue;
                    }
                    None => (1, Class::Keep),
                }
            } else if b.is_ascii() {
                (1, if b == 0 { Class::Skip } else { Class::Space })
            } else {
                let c = text[at..].chars().next().unwrap_or_default();
                let class = if c.is_whitespace() || c.is_control() {
                    Class::Space
                } else if is_invisible(c) {
                    Class::Skip
                } else {
                    Class::Keep
                };
                (c.len_utf8(), class)
            };
            match class {
                Class::Keep => {
                    if self.space {
                        if !self.emit(&text[run_start..at]) || !self.emit(" ") {
                            return;
                        }
                        self.space = false;
                        run_start = at;
                    }
                    at += len;
                    // The rest of a word, and single spaces between words, in one go.
                    while at < bytes.len() {
                        if plain(bytes[at]) {
                            at += 1;
                        } else if bytes[at] == b' ' && bytes.get(at + 1).is_some_and(|&n| plain(n))
                        {
                            at += 2;
                        } else {
                            break;
                        }
                    }
                }
                Class::Space | Class::Skip => {
                    if !self.emit(&text[run_start..at]) {
                        return;
                    }
                    at += len;
                    run_start = at;
                    if class == Class::Space {
                        self.separate();
                    }
                }
            }
        }
        self.emit(&text[run_start..]);
    }

    /// Writes what fits of `run` (and counts it, when counting); false once the cap is
    /// reached and there is nothing to count.
    fn emit(&mut self, run: &str) -> bool {
        if let Some(count) = &mut self.count {
            count.add(run);
        }
        if !self.full
            && self.max_chars == usize::MAX
            && run.len() <= self.max_bytes - self.out.len()
        {
            self.out.push_str(run);
            return true;
        }
        if self.full {
            return self.count.is_some();
        }
        let mut end = run.len().min(self.max_bytes - self.out.len());
        while !run.is_char_boundary(end) {
            end -= 1;
        }
        if self.max_chars != usize::MAX {
            if let Some((cut, _)) = run[..end].char_indices().nth(self.max_chars - self.chars) {
                end = cut;
            }
            self.chars += run[..end].chars().count();
        }
        self.out.push_str(&run[..end]);
        if end < run.len() {
            self.full = true;
        }
        !self.full || self.count.is_some()
    }

    /// The text written, without a trailing space.
    fn take(&mut self) -> String {
        let mut out = std::mem::take(&mut self.out);
        out.truncate(out.trim_end_matches(' ').len());
        out
    }

    fn take_nonempty(&mut self) -> Option<String> {
        Some(self.take()).filter(|s| !s.is_empty())
    }
}

/// How [`Collapser::push`] treats a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Written as it is.
    Keep,
    /// Whitespace or a control character: a space at most.
    Space,
    /// Dropped without a trace.
    Skip,
}

/// Characters a browser draws nothing for in running text: soft hyphen, zero-width space, word
/// joiner and byte-order mark (zero-width no-break space).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}' | '\u{2060}' | '\u{feff}')
}

/// A decoded character reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoded {
    Named(&'static str),
    Numeric(char),
}

/// Decodes the character reference that follows a `&` the way the HTML tokenizer does in
/// text (`&amp;`, `&#233;`, `&#xE9;`, `&eacute;`, `&copy` …); returns it and how many bytes of
/// `after` it used, or `None` when there is none (the `&` is text).
fn decode_reference(after: &str) -> Option<(Decoded, usize)> {
    let bytes = after.as_bytes();
    if bytes.first() == Some(&b'#') {
        let hex = matches!(bytes.get(1), Some(b'x' | b'X'));
        let start = if hex { 2 } else { 1 };
        let radix = if hex { 16 } else { 10 };
        let mut value: u32 = 0;
        let mut used = start;
        while let Some(digit) = bytes.get(used).and_then(|&b| char::from(b).to_digit(radix)) {
            // Anything past U+10FFFF is an error whatever follows; stop growing.
            value = value
                .saturating_mul(radix)
                .saturating_add(digit)
                .min(0x11_0000);
            used += 1;
        }
        if used == start {
            return None;
        }
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        return Some((Decoded::Numeric(numeric_reference(value)), used));
    }
    let name_len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 {
        return None;
    }
    if bytes.get(name_len) == Some(&b';')
        && let Some(value) = named_references().get(&after[..=name_len])
    {
        return Some((Decoded::Named(value), name_len + 1));
    }
    // The legacy references may go without `;` and end where their name ends: `&copy2024`.
    (2..=name_len.min(MAX_LEGACY_NAME_LEN))
        .rev()
        .find_map(|len| {
            let value = named_references().get(&after[..len])?;
            Some((Decoded::Named(value), len))
        })
}

/// The character of `&#…;`, with the HTML tokenizer's corrections: NUL, surrogates and values
/// past U+10FFFF become U+FFFD, and 0x80–0x9F are read as Windows-1252.
fn numeric_reference(value: u32) -> char {
    const WINDOWS_1252: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}',
        '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}',
        '\u{178}',
    ];
    match value {
        0 => char::REPLACEMENT_CHARACTER,
        0x80..=0x9f => WINDOWS_1252[(value - 0x80) as usize],
        _ => char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

/// FNV-1a, for the table of reference names: keys are short and not chosen by an attacker
/// (only looked up), so the default SipHash's protection buys nothing and costs a third of
/// the decoding time.
#[derive(Default)]
struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type NameHash = std::hash::BuildHasherDefault<NameHasher>;

/// Longest name of a reference that may go without `;` (htmlize counts the `&`).
const MAX_LEGACY_NAME_LEN: usize = htmlize::BARE_ENTITY_MAX_LENGTH - 1;

/// Every named character reference of HTML, by name: with the `;` for all of them, and without
/// it for the legacy ones. The list is the WHATWG `entities.json` as the `htmlize` crate ships
/// it (keys `&name;` and, for the legacy names, `&name`); it is re-keyed here once, without the
/// `&` and with a cheaper hash, because the decoder looks names up by prefix length.
fn named_references() -> &'static HashMap<&'static str, &'static str, NameHash> {
    static TABLE: LazyLock<HashMap<&'static str, &'static str, NameHash>> = LazyLock::new(|| {
        htmlize::ENTITIES
            .entries()
            .filter_map(|(name, value)| {
                let name = std::str::from_utf8(name.strip_prefix(b"&")?).ok()?;
                Some((name, std::str::from_utf8(value).ok()?))
            })
            .collect()
    });
    &TABLE
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const BIG: usize = 1 << 20;
    /// The size of the pieces the tokenizer was fed once: text and references across such a
    /// boundary are still read whole.
    const FEED_BYTES: usize = 64 * 1024;

    /// Reads a page with the scanner to the end (no early stop).
    fn scanned(html: &str, max: usize) -> PageText {
        let mut nobody = ();
        let mut state = State::new(Nesting::Page, max, false, &mut nobody);
        scan(html, &mut state, false);
        state.finish()
    }

    /// The oracle the scanner is checked against: `lol_html`'s tokenizer and tree-builder
    /// simulator say where the text is and of which kind; the markup between two pieces of
    /// text goes to the same [`State`].
    fn oracle(html: &str, max: usize) -> PageText {
        use lol_html::html_content::{TextChunk, TextType};
        use lol_html::{DocumentContentHandlers, HandlerResult, HtmlRewriter, Settings};
        use std::cell::RefCell;

        let mut nobody = ();
        let state = RefCell::new(State::new(Nesting::Page, max, false, &mut nobody));
        let mut markup_start = 0;
        let mut node = String::new();
        let settings = Settings {
            document_content_handlers: vec![DocumentContentHandlers::default().text(
                |chunk: &mut TextChunk<'_>| -> HandlerResult {
                    let range = chunk.source_location().bytes();
                    let mut state = state.borrow_mut();
                    if let Some(markup) = html.get(markup_start..range.start) {
                        state.markup(markup);
                    }
                    markup_start = markup_start.max(range.end);
                    node.push_str(chunk.as_str());
                    if chunk.last_in_text_node() {
                        let kind = match chunk.text_type() {
                            TextType::Data => TextKind::Data,
                            TextType::RCData => TextKind::RcData,
                            TextType::RawText => TextKind::RawText,
                            TextType::ScriptData => TextKind::ScriptData,
                            TextType::PlainText => TextKind::PlainText,
                            TextType::CDataSection => TextKind::CData,
                        };
                        state.text(kind, &node);
                        node.clear();
                    }
                    Ok(())
                },
            )],
            strict: false,
            ..Settings::new()
        };
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        rewriter
            .write(html.as_bytes())
            .expect("the tokenizer reads the page");
        rewriter.end().expect("the tokenizer reads the page");
        state.into_inner().finish()
    }

    fn visible(html: &str) -> String {
        extract(html, BIG).visible
    }

    fn title(html: &str) -> Option<String> {
        extract(html, BIG).title
    }

    #[test]
    fn block_elements_separate_and_inline_elements_join() {
        for (html, expected) in [
            ("<p>foo</p><p>bar</p>", "foo bar"),
            ("<h1>Title</h1>Text", "Title Text"),
            ("ver<b>ify</b>", "verify"),
            (
                "<span>a</span><span>b</span><a href=x>c</a><em>d</em>",
                "abcd",
            ),
            ("a<br>b<hr>c", "a b c"),
            ("<div>a<div>b</div>c</div>", "a b c"),
            ("<ul><li>a</li><li>b</li></ul>", "a b"),
            ("<table><tr><td>1</td><td>2</td></tr></table>", "1 2"),
            ("Buy<img src=x>now", "Buy now"),
            ("<my-widget>a</my-widget>b", "a b"),
            ("<p>Hello<script>x</script>World</p>", "HelloWorld"),
            ("foo<!-- x -->bar", "foobar"),
            ("<p>one</p><!-- <template> -->two", "one two"),
            ("<p title='a>b'>x</p>y", "x y"),
        ] {
            assert_eq!(visible(html), expected, "{html}");
        }
    }

    #[test]
    fn invisible_content_is_dropped() {
        let html = r#"<!DOCTYPE html><html><head>
            <meta name="description" content="secret"><title>Shop</title>
            <style>.secret { color: red }</style>
            <script>var secret = "<p>secret</p>";</script>
            <script type="application/ld+json">{"name": "secret"}</script>
            </head><body>
            <!-- secret comment -->
            <img alt="secret" src="secret.png"><a title="secret" href="/secret">visible</a>
            <template><p>secret</p><script>x</script></template>
            <iframe>secret</iframe><noembed>secret</noembed><noframes>secret</noframes>
            <![CDATA[secret]]><?secret?>
            <svg><title>secret</title><desc>secret</desc><style>secret</style>
              <script>secret</script><metadata>secret</metadata></svg>
            <math><annotation-xml><svg><title>secret</title></svg></annotation-xml></math>
            text</body></html>"#;
        let page = extract(html, BIG);
        assert_eq!(page.visible, "visible text");
        assert_eq!(page.title.as_deref(), Some("Shop"));
    }

    #[test]
    fn character_references_are_decoded() {
        for (html, expected) in [
            (
                "caf&eacute; &amp; &#39;x&#39; &#x2014; &#8212;",
                "café & 'x' — —",
            ),
            ("a&nbsp;&nbsp;b", "a b"),
            ("&copy2024 &notit; &amp &ampx", "©2024 ¬it; & &x"),
            // U+009D is a control character: a space at most.
            ("&#150; &#128; &#x9D;x", "– € x"),
            (
                "&#0;&#xD800;&#x110000;&#99999999999;",
                "\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
            ),
            (
                "&CounterClockwiseContourIntegral; &NotNestedGreaterGreater;",
                "∳ ⪢\u{338}",
            ),
            ("& &; &# &#x; &unknown; &#65", "& &; &# &#x; &unknown; A"),
            ("<p title='&eacute;'>&lt;b&gt;</p>", "<b>"),
            ("<textarea>&amp;</textarea><xmp>&amp;</xmp>", "& &amp;"),
        ] {
            assert_eq!(visible(html), expected, "{html}");
        }
        assert_eq!(named_references().len(), 2231);
        assert_eq!(named_references().get("amp;"), Some(&"&"));
        assert_eq!(named_references().get("amp"), Some(&"&"));
        assert_eq!(named_references().get("eacute;"), Some(&"é"));
        assert_eq!(named_references().get("NewLine;"), Some(&"\n"));
        assert_eq!(named_references().get("fjlig;"), Some(&"fj"));
        assert_eq!(named_references().get("eacutex"), None);
    }

    #[test]
    fn the_title_is_apart_first_and_capped() {
        let page = extract("<title> Hello &amp;\n World </title><p>body</p>", BIG);
        assert_eq!(page.title.as_deref(), Some("Hello & World"));
        assert_eq!(page.visible, "body");
        assert_eq!(
            title("<title>first</title><title>second</title>").as_deref(),
            Some("first")
        );
        // The first title decides, even when blank.
        assert_eq!(title("<title> </title><title>second</title>"), None);
        assert_eq!(title("<p>no title</p>"), None);
        // Titles of templates and SVG are not the page's.
        assert_eq!(
            title("<template><title>t</title></template><title>real</title>").as_deref(),
            Some("real")
        );
        assert_eq!(title("<svg><title>icon</title></svg>"), None);
        // Tags do not end a title, only its end tag does; an unclosed title takes the rest.
        assert_eq!(title("<title>a <b>c</title>").as_deref(), Some("a <b>c"));
        assert_eq!(
            title("<title>rest of page").as_deref(),
            Some("rest of page")
        );
        let long = format!("<title>{}</title>", "é".repeat(600));
        let t = title(&long).expect("a title");
        assert_eq!(t.chars().count(), MAX_TITLE_CHARS);
        assert!(t.chars().all(|c| c == 'é'));
    }

    #[test]
    fn noscript_contents_are_visible() {
        assert_eq!(
            visible("<noscript><p>Enable <b>Java</b>Script &amp; reload</p></noscript>"),
            "Enable JavaScript & reload"
        );
        assert_eq!(
            visible("<head><noscript><style>x</style><link rel=x></noscript></head><p>body</p>"),
            "body"
        );
        // One level deep: the contents of a `<noscript>` inside one are dropped (its raw
        // text ends at the first `</noscript>`, so `c` is outside both).
        assert_eq!(
            visible("<noscript>a<noscript>b</noscript>c</noscript>d"),
            "a cd"
        );
    }

    #[test]
    fn svg_and_mathml() {
        assert_eq!(
            visible("<svg><title>icon</title><style>.a{}</style><text>Hello</text></svg>after"),
            "Hello after"
        );
        assert_eq!(visible("<svg><text><![CDATA[Sale]]></text></svg>"), "Sale");
        assert_eq!(visible("<svg><text>a<tspan>b</tspan></text></svg>"), "ab");
        assert_eq!(
            visible("<svg><foreignObject><p>inside</p><style>x</style></foreignObject></svg>"),
            "inside"
        );
        assert_eq!(
            visible("<math><mi>x</mi><mo>=</mo><mn>2</mn></math>"),
            "x = 2"
        );
        // An HTML element inside SVG closes it, as the tree builder does.
        assert_eq!(
            visible("<svg><desc>d</desc><p>breakout</p></svg>"),
            "breakout"
        );
        assert_eq!(visible("<svg><desc>d<div>out</div>"), "out");
        // Self-closing elements hide nothing.
        assert_eq!(visible("<svg><title/><text>t</text></svg>"), "t");
    }

    #[test]
    fn raw_text_elements() {
        assert_eq!(
            visible("<textarea>  typed &amp; <b>text</b></textarea>"),
            "typed & <b>text</b>"
        );
        assert_eq!(visible("<xmp><b>x</b></xmp>y"), "<b>x</b> y");
        assert_eq!(
            visible("<plaintext><b>raw</b></plaintext>"),
            "<b>raw</b></plaintext>"
        );
        assert_eq!(visible("<style>p{}</style>visible<style>"), "visible");
        assert_eq!(visible("<SCRIPT>x</SCRIPT>y"), "y");
        assert_eq!(
            visible("<template><template>a</template>b</template>c"),
            "c"
        );
    }

    #[test]
    fn whitespace_and_invisible_characters() {
        assert_eq!(visible("  <p>foo</p>  \n <p>bar\tbaz</p>  "), "foo bar baz");
        assert_eq!(visible("veri&shy;fy zero\u{200b}width"), "verify zerowidth");
        assert_eq!(visible("a\u{0}b\u{1}c\u{3000}d\u{85}e"), "ab c d e");
        assert_eq!(plain("  a \n\n b\u{a0}c  ", BIG).visible, "a b c");
        assert_eq!(plain("<p>&amp;</p>", BIG).visible, "<p>&amp;</p>");
        assert_eq!(plain("x", BIG).title, None);
    }

    #[test]
    fn visible_text_is_capped_at_a_character_boundary() {
        assert_eq!(extract("<p>ééé</p>", 3).visible, "é");
        assert_eq!(extract("<p>ab cd</p>", 3).visible, "ab");
        assert_eq!(extract("<p>ab cd</p>", 0).visible, "");
        assert_eq!(plain("abcdef", 4).visible, "abcd");
        // `<noscript>` contents that do not fit fill the text: nothing shorter comes after.
        assert_eq!(extract("<noscript>\u{fffd}no</noscript>nb", 1).visible, "");
        assert_eq!(extract("<noscript>ab cd</noscript>ef", 4).visible, "ab c");
        // Reading stops once the cap is reached and the title is known; the title is kept.
        let page = format!(
            "<title>T</title>{}<title>late</title>",
            "<p>word</p>".repeat(50_000)
        );
        let text = extract(&page, 100);
        assert_eq!(text.title.as_deref(), Some("T"));
        assert!(text.visible.len() <= 100);
        assert!(text.visible.starts_with("word word"));
    }

    #[test]
    fn text_across_input_pieces() {
        // A character reference and a text node cut by the 64 KiB pieces fed to the tokenizer.
        let mut html = String::from("<p>");
        html.push_str(&"x".repeat(FEED_BYTES - 5));
        html.push_str(" caf&eacute; <b>fin</b></p>");
        let page = extract(&html, BIG);
        assert!(
            page.visible.ends_with(" café fin"),
            "{}",
            &page.visible[65_000..]
        );
        // A multi-byte character across the cut.
        let html = format!("{}é<p>after</p>", "a".repeat(FEED_BYTES - 1));
        assert!(extract(&html, BIG).visible.ends_with("aé after"));
    }

    #[test]
    fn malformed_html_reads_as_in_a_browser() {
        for (html, expected) in [
            // The first `</script>` ends a script, even inside a string.
            (
                r#"<script>var s="</script>";alert(1)</script>rest"#,
                r#"";alert(1)rest"#,
            ),
            ("<p>a</p><script>var x", "a"),
            ("a<!-- b", "a"),
            ("a<!-->b", "ab"),
            ("a<!--->b", "ab"),
            ("a<!-- x --!>b", "ab"),
            ("a < b and c<d", "a < b and c"),
            ("a <3 b", "a <3 b"),
            ("</>a</ b>c", "ac"),
            ("a\0b", "ab"),
            ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
            ("<div><template>x</div>y</template>z", "z"),
            ("<p <p>x", "x"),
            ("<p class=\"unterminated>x", ""),
        ] {
            assert_eq!(visible(html), expected, "{html:?}");
        }
    }

    #[test]
    fn malformed_corpus_never_panics() {
        let corpus = [
            "",
            "<",
            ">",
            "&",
            "<<<<",
            "</",
            "<!",
            "<!-",
            "<!--",
            "<?",
            "<![CDATA[",
            "<svg><![CDATA[",
            "<a",
            "<a b",
            "<a b=",
            "<a b='",
            "<a b=\"x",
            "</a",
            "</a b",
            "<script",
            "<script>",
            "<script><!--",
            "<script><!--<script>",
            "<style>",
            "<title>",
            "<textarea>",
            "<plaintext>",
            "<noscript>",
            "<noscript><noscript>",
            "<template>",
            "</template>",
            "<svg>",
            "<svg><svg><svg>",
            "</svg></svg>",
            "<math><mi><svg><title>",
            "&#",
            "&#x",
            "&#xffffffffffffffffff;",
            "&#99999999999999999999",
            "&CounterClockwiseContourIntegral",
            "\u{0}",
            "\u{0}<\u{0}p\u{0}>\u{0}",
            "<p\u{0}>x",
            "é<é>é</é>",
            "<\u{fffd}>",
        ];
        let repeated = [
            "<div>".repeat(10_000),
            "</div>".repeat(10_000),
            "<svg>".repeat(1_000),
            "<svg><g>".repeat(1_000),
            "<noscript>".repeat(1_000),
            "&amp".repeat(1_000),
        ];
        for html in corpus
            .into_iter()
            .chain(repeated.iter().map(String::as_str))
        {
            for max in [0, 1, 7, BIG] {
                let page = extract(html, max);
                assert!(page.visible.len() <= max, "{html:?}");
                let page = scanned(html, max);
                assert!(page.visible.len() <= max, "{html:?}");
            }
        }
    }

    /// Pages both readers must read alike.
    const AGREEING: &[&str] = &[
        "<p>foo</p><p>bar</p>",
        "ver<b>ify</b> <br> caf&eacute; &amp; &#39;x&#39; &nbsp; &copy2024",
        "<title> Hello &amp; World </title><p>body</p><title>second</title>",
        "<script>var s = '<p>no</p>';</script><style>p{}</style>visible",
        "<template><p>t</p></template>v<!-- comment <p> --> w",
        "<noscript><p>Enable JS</p></noscript>after",
        "<svg><title>icon</title><style>.a{}</style><text>Hello</text></svg>after",
        "<svg><text><![CDATA[Sale]]></text></svg>",
        "<math><mi>x</mi><mo>=</mo><mn>2</mn></math>",
        "<textarea>  typed &amp; text</textarea><xmp><b>x</b></xmp>",
        "<iframe>fallback</iframe>x<noembed>y</noembed>z",
        "<img alt='secret'><a title=\"secret\" href=/x>link</a><meta content='x>y'>",
        "<div>a<div>b</div>c</div><table><tr><td>1</td><td>2</td></tr></table>",
        "<p>a</p><script>var x",
        "a<!-- b",
        "a < b and c",
        "<plaintext><b>raw</b>",
        "<svg><desc>d</desc><p>breakout</p></svg>",
    ];

    #[test]
    fn the_scanner_agrees_with_the_tokenizer() {
        for html in AGREEING {
            let tokenized = oracle(html, BIG);
            assert_eq!(scanned(html, BIG), tokenized, "{html}");
            assert_eq!(scanned(html, 5), extract(html, 5), "{html}");
        }
    }

    /// Records what an observer is shown.
    #[derive(Default)]
    struct Recorder {
        tags: Vec<String>,
        scripts: Vec<String>,
    }

    impl Observer for Recorder {
        fn start_tag(&mut self, tag: &StartTag<'_>) {
            let name = String::from_utf8_lossy(tag.name()).into_owned();
            let href = tag.attribute("href").or_else(|| tag.attribute("src"));
            self.tags.push(match href {
                Some(url) => format!("{name} {url}"),
                None => name,
            });
        }

        fn script(&mut self, text: &str) {
            self.scripts.push(text.to_owned());
        }
    }

    #[test]
    fn read_shows_tags_attributes_and_scripts_and_counts_all_text() {
        let html = concat!(
            "<html lang=de><head><title>T</title>",
            "<script src='/a.js?x=1&amp;y=2'></script><script>gtag('config')</script>",
            "<link rel=stylesheet href=\"/s.css\" /></head><body>",
            "<p>Grüße aus Berlin</p><A HREF=/kontakt?a=1&copy=2>Kontakt</a>",
            "<template><script>hidden()</script></template>",
            "<noscript><img src=/pixel></noscript><p>one two three</p></body></html>"
        );
        let mut recorder = Recorder::default();
        let reading = read(html, 11, &mut recorder);
        assert_eq!(reading.text.visible, "Grüße aus");
        assert_eq!(reading.text.title.as_deref(), Some("T"));
        // "Grüße aus Berlin Kontakt one two three": 7 words, 38 characters.
        assert_eq!(reading.words, 7);
        assert_eq!(reading.chars, 38);
        assert_eq!(
            recorder.tags,
            [
                "html",
                "head",
                "title",
                "script /a.js?x=1&y=2",
                "script",
                "link /s.css",
                "body",
                "p",
                "a /kontakt?a=1&copy=2",
                "template",
                "script",
                "noscript",
                "p",
            ]
        );
        assert_eq!(recorder.scripts, ["gtag('config')"]);
        // `read_text` shows the observer the same and keeps the same text, uncounted.
        let mut uncounted = Recorder::default();
        assert_eq!(read_text(html, 11, &mut uncounted), reading.text);
        assert_eq!(uncounted.tags, recorder.tags);
        assert_eq!(uncounted.scripts, recorder.scripts);
        // The counts are those of the whole text, whatever is kept.
        let whole = read(html, BIG, &mut ());
        assert_eq!((whole.words, whole.chars), (7, 38));
        assert_eq!(whole.text.visible.chars().count(), 38);
    }

    /// Cuts the text of every link out of the visible text, as a lead extractor does.
    #[derive(Default)]
    struct Links {
        open: Option<usize>,
        spans: Vec<(usize, usize)>,
        ends: Vec<String>,
    }

    impl Observer for Links {
        fn start_tag(&mut self, tag: &StartTag<'_>) {
            if tag.name() == b"a" {
                self.open = Some(tag.text_len());
            }
        }

        fn end_tag(&mut self, tag: &EndTag) {
            self.ends
                .push(String::from_utf8_lossy(tag.name()).into_owned());
            if tag.name() == b"a"
                && let Some(start) = self.open.take()
            {
                self.spans.push((start, tag.text_len()));
            }
        }
    }

    #[test]
    fn end_tags_and_text_offsets_cut_out_link_text() {
        let html = concat!(
            "<p>Call us</p><a href=/k>Kon<b>takt</b> &amp; Anfahrt</a>",
            "<ul><li><a href=/i> Impressum </a></li></ul><svg><a><text>x</text></a></svg>",
            "<a href=/last>Last</a>"
        );
        let mut links = Links::default();
        let reading = read(html, BIG, &mut links);
        let text = &reading.text.visible;
        let cut: Vec<&str> = links
            .spans
            .iter()
            .map(|&(a, b)| text[a.min(text.len())..b.min(text.len())].trim())
            .collect();
        assert_eq!(cut, ["Kontakt & Anfahrt", "Impressum", "x", "Last"]);
        assert_eq!(
            links.ends,
            ["p", "b", "a", "a", "li", "ul", "text", "a", "svg", "a"]
        );
        // Past the cap the offsets stop growing.
        let mut capped = Links::default();
        let reading = read(html, 4, &mut capped);
        assert_eq!(reading.text.visible, "Call");
        assert!(capped.spans.iter().all(|&(a, b)| a == 4 && b == 4));
    }

    #[test]
    fn counts_do_not_depend_on_the_cap_even_after_a_noscript() {
        let html = "<p>one two three</p><noscript><p>four five</p></noscript><p>six</p>";
        let whole = read(html, BIG, &mut ());
        assert_eq!(whole.text.visible, "one two three four five six");
        for cap in [0, 1, 5, 13, 20] {
            let capped = read(html, cap, &mut ());
            assert_eq!((capped.words, capped.chars), (6, 27), "cap {cap}");
            assert!(
                whole.text.visible.starts_with(&capped.text.visible),
                "cap {cap}"
            );
        }
        // The fuzzer's reproducer (`fuzz/corpus/visible_text/regress-noscript-count`).
        let html = "<noscript><p>no <b>jinert</template><textarea>ext<![CDATA[ cdata ]]></text>\
                    <title>tip</title></svg>";
        let whole = read(html, BIG, &mut ());
        let capped = read(html, 1, &mut ());
        assert_eq!((capped.chars, capped.words), (whole.chars, whole.words));
    }

    #[test]
    fn attributes_are_read_as_the_tokenizer_reads_them() {
        let (markup, _) = read_markup(
            b"<a title='x>y' data-x = \"1\" HREF=/p?q=1&amp;r=&lt;2 disabled/>",
            0,
        );
        let Markup::Tag(tag) = markup else {
            panic!("a tag");
        };
        assert!(tag.self_closing);
        let tag = StartTag {
            name: tag.name,
            attributes: tag.attributes,
            text_len: 0,
        };
        assert_eq!(tag.attribute("title").as_deref(), Some("x>y"));
        assert_eq!(tag.attribute("data-x").as_deref(), Some("1"));
        assert_eq!(tag.attribute("href").as_deref(), Some("/p?q=1&r=<2"));
        assert_eq!(tag.attribute("disabled").as_deref(), Some(""));
        assert_eq!(tag.attribute("missing"), None);
    }

    /// Pieces of well-formed markup that never hide what follows them.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<p>".to_owned()),
            Just("</p>".to_owned()),
            Just("<div class=\"a>b\">".to_owned()),
            Just("</div>".to_owned()),
            Just("<b>".to_owned()),
            Just("</b>".to_owned()),
            Just("<br>".to_owned()),
            Just("<img alt='x' src=y>".to_owned()),
            Just("<!-- c -->".to_owned()),
            Just("&amp;".to_owned()),
            Just("&nbsp;".to_owned()),
            Just("<svg><text>t</text></svg>".to_owned()),
            Just("<noscript>n</noscript>".to_owned()),
            Just("<title>t</title>".to_owned()),
            Just("<template>x</template>".to_owned()),
            "[a-z ]{0,12}",
        ]
    }

    proptest! {
        #[test]
        fn extract_never_panics(html in any::<String>(), max in 0usize..200) {
            let page = extract(&html, max);
            prop_assert!(page.visible.len() <= max);
            prop_assert!(!page.visible.starts_with(' ') && !page.visible.ends_with(' '));
            prop_assert!(!page.visible.contains("  "));
            let title = page.title.unwrap_or_default();
            prop_assert!(title.chars().count() <= MAX_TITLE_CHARS);
            prop_assert!(!title.starts_with(' ') && !title.ends_with(' '));
            let page = scanned(&html, max);
            prop_assert!(page.visible.len() <= max);
        }

        #[test]
        fn extract_never_panics_on_markup(
            html in proptest::collection::vec(
                prop_oneof![
                    fragment(),
                    "[<>/!?&#;=\"' a-zA-Z0-9\u{0}é-]{0,8}",
                    Just("<script>".to_owned()),
                    Just("</script>".to_owned()),
                    Just("<svg>".to_owned()),
                    Just("<![CDATA[".to_owned()),
                    Just("<textarea>".to_owned()),
                ],
                0..40,
            )
        ) {
            let html = html.concat();
            prop_assert!(extract(&html, BIG).visible.len() <= html.len() * 2);
            scanned(&html, BIG);
        }

        #[test]
        fn the_scanner_reads_markup_as_the_tokenizer_does(
            html in proptest::collection::vec(fragment(), 0..40)
        ) {
            let html = html.concat();
            prop_assert_eq!(scanned(&html, BIG), oracle(&html, BIG), "{}", html);
        }

        #[test]
        fn script_contents_are_never_visible(
            parts in proptest::collection::vec((fragment(), "[a-z]{1,8}"), 1..20)
        ) {
            // Each script holds a marker (upper case, which no other fragment contains).
            let mut html = String::new();
            let mut markers = Vec::new();
            for (i, (before, word)) in parts.iter().enumerate() {
                let marker = format!("SCRIPT{i}{}", word.to_uppercase());
                html.push_str(before);
                html.push_str(&format!("<script>var x = '{marker}' < 1;</script>"));
                markers.push(marker);
            }
            let page = extract(&html, BIG);
            for marker in &markers {
                prop_assert!(!page.visible.contains(marker.as_str()), "{} in {:?}", marker, page.visible);
            }
            let page = scanned(&html, BIG);
            for marker in &markers {
                prop_assert!(!page.visible.contains(marker.as_str()), "{} in {:?}", marker, page.visible);
            }
        }
    }
}
