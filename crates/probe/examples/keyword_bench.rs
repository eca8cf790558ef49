//! Visible-text extraction and keyword matching benchmark (`http_keyword_validation`).
//!
//! Generates pages with realistic markup (head with stylesheet, scripts and JSON-LD, navigation,
//! articles with inline tags and character references, a table, a form, inline SVG icons,
//! comments, a footer) and measures, single-threaded, in pages/s and MiB/s of HTML:
//!
//! - `reference`: `lol_html`'s tokenizer alone with a text handler that only counts bytes — the
//!   floor any extraction built on it can reach, measured in the same process so that ratios
//!   stay meaningful on a noisy machine;
//! - `extract`: [`text::extract`] (visible text and title);
//! - `scan`: [`KeywordMatcher::scan`] of the extracted text with 25 rules (10 case-insensitive
//!   and 10 case-sensitive literals, 5 regexes), and with 1000 literals and 50 regexes;
//! - `extract+scan`: both, the per-page cost of the phase;
//! - the same on 256 KiB pages (the default body cap), and on hostile pages (deep nesting with
//!   unmatched end tags, a page of character references, one huge attribute, an unclosed
//!   comment) to show that time stays linear.
//!
//! Prints JSON lines `{"name", "value", "unit"}` and its peak RSS, like the other benchmarks:
//!
//! ```text
//! cargo run --release -p dragnet-probe --example keyword_bench [-- --seconds 1]
//! ```
//!
//! `--seconds S` is the time spent on each measurement (default 1); `--dump-page PATH` writes
//! one generated 5 KiB page to PATH and exits.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use dragnet_domain::config::http::{KeywordKind, KeywordRule, KeywordRuleInput};
use dragnet_html::{self as text, PageText};
use dragnet_probe::matcher::KeywordMatcher;
use lol_html::html_content::TextChunk;
use lol_html::{DocumentContentHandlers, HandlerResult, HtmlRewriter, Settings};

type BoxError = Box<dyn Error + Send + Sync>;

/// The default body cap of the phase, used as the visible-text cap.
const MAX_BYTES: usize = 256 * 1024;

const WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "our",
    "your",
    "online",
    "shop",
    "store",
    "best",
    "quality",
    "service",
    "contact",
    "about",
    "price",
    "offer",
    "free",
    "shipping",
    "delivery",
    "order",
    "customer",
    "support",
    "product",
    "new",
    "sale",
    "discount",
    "bank",
    "banking",
    "account",
    "secure",
    "login",
    "domain",
    "hosting",
    "website",
    "business",
    "team",
    "years",
    "experience",
    "café",
    "Straße",
    "größe",
    "müller",
    "naïve",
    "résumé",
    "über",
    "prices",
    "today",
    "local",
    "family",
    "owned",
    "since",
    "1998",
    "call",
    "email",
    "us",
    "now",
    "learn",
    "more",
    "read",
];

/// A small deterministic generator (xorshift64*), so that every run sees the same pages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }

    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word());
        }
        s
    }
}

/// A paragraph with inline markup and character references.
fn paragraph(rng: &mut Rng, out: &mut String) {
    out.push_str("<p class=\"text-body\">");
    for _ in 0..6 + rng.below(6) {
        let n = 2 + rng.below(5);
        let words = rng.words(n);
        match rng.below(10) {
            0 => out.push_str(&format!("<b>{words}</b> ")),
            1 => out.push_str(&format!(
                "<a href=\"/{}\" title=\"{words}\">{words}</a> ",
                rng.word()
            )),
            2 => out.push_str(&format!("<span class=\"hl\">{words}</span>&nbsp;")),
            3 => out.push_str(&format!("{words} &amp; {} &#8212; ", rng.word())),
            4 => out.push_str(&format!("<em>{words}</em>, caf&eacute; ")),
            _ => {
                out.push_str(&words);
                out.push(' ');
            }
        }
    }
    out.push_str("</p>\n");
}

const STYLE: &str = "body{margin:0;font-family:system-ui,sans-serif;color:#222}\
.nav a{padding:4px 8px;text-decoration:none}.hero{background:url(/img/hero.jpg) center/cover}\
.btn{display:inline-block;border-radius:4px;background:#0a6}.text-body{line-height:1.5}\
@media (max-width:600px){.nav{display:none}.hero h1{font-size:1.4em}}";

const SCRIPT: &str = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}\
gtag('js',new Date());gtag('config','G-XXXX');var html='<div class=\"popup\">Shop now</div>';\
document.addEventListener('DOMContentLoaded',function(){var b=document.querySelector('.btn');\
if(b&&b.dataset.sale){b.textContent='Sale ends '+new Date().toLocaleDateString()}});";

const ICON: &str = "<svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\"><title>cart icon</title>\
<path d=\"M0 1h2l1 9h10l2-7H4\" fill=\"none\" stroke=\"currentColor\"/></svg>";

/// A page of about `target` bytes.
fn page(rng: &mut Rng, target: usize) -> String {
    let mut out = String::with_capacity(target + 4096);
    let title = rng.words(4);
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} | Example &amp; Co</title>\
         <meta name=\"description\" content=\"{}\">\
         <link rel=\"stylesheet\" href=\"/css/site.css\"><style>{STYLE}</style>\
         <script async src=\"https://example.invalid/gtag.js\"></script><script>{SCRIPT}</script>\
         <script type=\"application/ld+json\">{{\"@type\":\"Organization\",\"name\":\"{title}\"}}</script>\
         </head>\n<body class=\"home\">\n<!-- header start -->\n<header><nav class=\"nav\"><ul>",
        rng.words(12)
    ));
    for _ in 0..6 {
        out.push_str(&format!(
            "<li><a href=\"/{0}\">{1}</a></li>",
            rng.word(),
            rng.words(1)
        ));
    }
    out.push_str("</ul></nav></header>\n<main><section class=\"hero\"><h1>");
    out.push_str(&rng.words(5));
    out.push_str("</h1><a class=\"btn\" data-sale=\"1\" href=\"/shop\">");
    out.push_str(ICON);
    out.push_str(" Shop now</a></section>\n");
    while out.len() + 1500 < target {
        match rng.below(8) {
            0 => {
                out.push_str("<table class=\"prices\"><tr><th>Product</th><th>Price</th></tr>");
                for _ in 0..4 {
                    out.push_str(&format!(
                        "<tr><td>{}</td><td>&euro;{}.{:02}</td></tr>",
                        rng.words(2),
                        rng.below(500),
                        rng.below(100)
                    ));
                }
                out.push_str("</table>\n");
            }
            1 => out.push_str(&format!(
                "<div class=\"card\"><img src=\"/img/{}.jpg\" alt=\"{}\"><h3>{}</h3>{ICON}</div>\n",
                rng.word(),
                rng.words(3),
                rng.words(3)
            )),
            2 => out.push_str("<!-- TODO: remove the old banner -->\n"),
            _ => {
                out.push_str("<article><h2>");
                out.push_str(&rng.words(4));
                out.push_str("</h2>");
                paragraph(rng, &mut out);
                paragraph(rng, &mut out);
                out.push_str("</article>\n");
            }
        }
    }
    out.push_str(
        "</main>\n<form action=\"/subscribe\" method=\"post\"><label for=\"e\">Newsletter</label>\
         <input id=\"e\" type=\"email\" placeholder=\"you@example.com\"><button>Subscribe</button>\
         </form>\n<footer><p>&copy; 2024 Example &amp; Co &middot; <a href=\"/imprint\">Imprint</a>\
         &middot; <a href=\"/privacy\">Privacy</a></p></footer>\n\
         <script>(function(){var s=document.createElement('script');s.src='/app.js';\
         document.body.appendChild(s)})();</script>\n</body></html>\n",
    );
    out
}

fn rule(pattern: &str, kind: KeywordKind, case_sensitive: bool) -> Result<KeywordRule, BoxError> {
    KeywordRule::try_from(KeywordRuleInput {
        pattern: pattern.to_owned(),
        kind: Some(kind),
        case_sensitive: Some(case_sensitive),
        category: Some("bench".to_owned()),
    })
    .map_err(|e| format!("rule {pattern}: {e}").into())
}

fn typical_rules() -> Result<Vec<KeywordRule>, BoxError> {
    let mut rules = Vec::new();
    for p in [
        "shop",
        "online store",
        "free shipping",
        "bank",
        "banking",
        "café",
        "straße",
        "über",
        "contact us",
        "for sale",
    ] {
        rules.push(rule(p, KeywordKind::Literal, false)?);
    }
    for p in [
        "Shop", "Quality", "Example", "Müller", "SALE", "Login", "Team", "Order", "Price", "FREE",
    ] {
        rules.push(rule(p, KeywordKind::Literal, true)?);
    }
    for (p, cs) in [
        (r"\bbank(ing)?\b", false),
        (r"\d{4}", true),
        (r"[a-z]+@[a-z]+\.[a-z]{2,}", false),
        (r"(?:free|fast) (?:shipping|delivery)", false),
        (r"Since \d+", true),
    ] {
        rules.push(rule(p, KeywordKind::Regex, cs)?);
    }
    Ok(rules)
}

fn heavy_rules(rng: &mut Rng) -> Result<Vec<KeywordRule>, BoxError> {
    let mut rules = Vec::new();
    for i in 0..1000 {
        let p = format!("{} {}{i}", rng.word(), rng.word());
        rules.push(rule(&p, KeywordKind::Literal, i % 2 == 0)?);
    }
    for i in 0..50 {
        let p = format!(r"\b{}\w*\s+{}\d{{0,2}}", rng.word(), rng.word());
        rules.push(rule(&p, KeywordKind::Regex, i % 3 == 0)?);
    }
    Ok(rules)
}

/// Runs `work` over `items` round after round for about `seconds`; returns (items, elapsed).
fn measure<T>(items: &[T], seconds: f64, mut work: impl FnMut(&T)) -> (u64, Duration) {
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for item in items {
            work(item);
        }
        done += items.len() as u64;
    }
    (done, start.elapsed())
}

fn emit(name: &str, value: f64, unit: &str) {
    println!(
        "{}",
        serde_json::json!({"name": name, "value": value, "unit": unit})
    );
}

/// Reports pages/s, MiB/s and µs/page of a measurement over `pages`.
fn report(name: &str, pages: &[String], (done, elapsed): (u64, Duration)) {
    let bytes_per_page = pages.iter().map(String::len).sum::<usize>() as f64 / pages.len() as f64;
    let per_second = done as f64 / elapsed.as_secs_f64();
    emit(&format!("{name} pages/s"), per_second, "pages/s");
    emit(
        &format!("{name} MiB/s"),
        per_second * bytes_per_page / (1024.0 * 1024.0),
        "MiB/s",
    );
    emit(&format!("{name} µs/page"), 1e6 / per_second, "µs/page");
}

/// The tokenizer alone: a text handler that only counts bytes.
fn reference(html: &str) -> Result<usize, BoxError> {
    let mut bytes = 0usize;
    let mut rewriter = HtmlRewriter::new(
        Settings {
            document_content_handlers: vec![DocumentContentHandlers::default().text(
                |t: &mut TextChunk<'_>| -> HandlerResult {
                    bytes += t.as_str().len();
                    Ok(())
                },
            )],
            strict: false,
            ..Settings::new()
        },
        |_: &[u8]| {},
    );
    rewriter.write(html.as_bytes())?;
    rewriter.end()?;
    Ok(bytes)
}

/// `s` cut to at most [`MAX_BYTES`] (the generators only write ASCII).
fn capped(mut s: String) -> String {
    s.truncate(MAX_BYTES.min(s.len()));
    s
}

fn hostile_pages() -> Vec<(&'static str, String)> {
    vec![
        (
            "hostile nesting",
            capped(format!(
                "{}{}",
                "<div><b>".repeat(MAX_BYTES / 16),
                "</i></span>".repeat(MAX_BYTES / 22)
            )),
        ),
        (
            "hostile references",
            capped(
                "caf&eacute; &amp;&#x41;&#65&notit; &CounterClockwiseContourIntegral; "
                    .repeat(MAX_BYTES / 60 + 1),
            ),
        ),
        (
            "hostile attribute",
            format!("<p title=\"{}\">text</p>", "x".repeat(MAX_BYTES)),
        ),
        (
            "hostile comment",
            format!("<p>text</p><!--{}", "<p>y</p>".repeat(MAX_BYTES / 8)),
        ),
        (
            "hostile tags",
            capped("<a><p><i>x</i></p></a><br><img src=x>".repeat(MAX_BYTES / 36 + 1)),
        ),
        (
            "hostile svg",
            capped(format!(
                "<svg>{}{}",
                "<g><style>".repeat(MAX_BYTES / 22),
                "</x>".repeat(MAX_BYTES / 8)
            )),
        ),
    ]
}

fn peak_rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), BoxError> {
    let mut seconds = 1.0;
    let mut dump = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .ok_or("--seconds needs a value")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?;
            }
            "--dump-page" => dump = Some(args.next().ok_or("--dump-page needs a path")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let small: Vec<String> = (0..200).map(|_| page(&mut rng, 5 * 1024)).collect();
    let large: Vec<String> = (0..4).map(|_| page(&mut rng, MAX_BYTES)).collect();
    if let Some(path) = dump {
        std::fs::write(&path, &small[0])?;
        eprintln!("wrote a generated 5 KiB page to {path}");
        return Ok(());
    }
    let typical = KeywordMatcher::compile(&typical_rules()?)?;
    let compile_start = Instant::now();
    let heavy = KeywordMatcher::compile(&heavy_rules(&mut rng)?)?;
    emit(
        "compile 1000 literals + 50 regexes",
        compile_start.elapsed().as_secs_f64() * 1e3,
        "ms",
    );

    for (label, pages) in [("5 KiB", &small), ("256 KiB", &large)] {
        let texts: Vec<PageText> = pages.iter().map(|p| text::extract(p, MAX_BYTES)).collect();
        let visible = texts.iter().map(|t| t.visible.len()).sum::<usize>() / texts.len();
        emit(
            &format!("{label} visible bytes/page"),
            visible as f64,
            "bytes",
        );
        let hits = texts.iter().map(|t| typical.scan(t).len()).sum::<usize>() / texts.len();
        emit(
            &format!("{label} rules hit/page (25 rules)"),
            hits as f64,
            "rules",
        );

        let mut failed = None;
        let timing = measure(pages, seconds, |p| {
            if let Err(e) = reference(black_box(p)) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        report(
            &format!("{label} reference (tokenizer only)"),
            pages,
            timing,
        );
        let reference_rate = timing.0 as f64 / timing.1.as_secs_f64();
        let timing = measure(pages, seconds, |p| {
            black_box(text::extract(black_box(p), MAX_BYTES));
        });
        report(&format!("{label} extract"), pages, timing);
        emit(
            &format!("{label} extract time ÷ reference time"),
            reference_rate / (timing.0 as f64 / timing.1.as_secs_f64()),
            "×",
        );
        let timing = measure(&texts, seconds, |t| {
            black_box(typical.scan(black_box(t)));
        });
        report(&format!("{label} scan 25 rules"), pages, timing);
        let timing = measure(&texts, seconds, |t| {
            black_box(heavy.scan(black_box(t)));
        });
        report(&format!("{label} scan 1050 rules"), pages, timing);
        let timing = measure(pages, seconds, |p| {
            black_box(typical.scan(&text::extract(black_box(p), MAX_BYTES)));
        });
        report(&format!("{label} extract+scan 25 rules"), pages, timing);
    }

    for (name, html) in hostile_pages() {
        let pages = [html];
        let timing = measure(&pages, seconds / 2.0, |p| {
            black_box(typical.scan(&text::extract(black_box(p), MAX_BYTES)));
        });
        let per_second = timing.0 as f64 / timing.1.as_secs_f64();
        emit(
            &format!("{name} ({} KiB) extract+scan MiB/s", pages[0].len() / 1024),
            per_second * pages[0].len() as f64 / (1024.0 * 1024.0),
            "MiB/s",
        );
    }
    if let Some(kib) = peak_rss_kib() {
        emit("peak RSS", kib / 1024.0, "MiB");
    }
    Ok(())
}
