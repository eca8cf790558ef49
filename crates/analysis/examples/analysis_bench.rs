//! Throughput of page analysis on synthetic 20–100 KiB pages, against a bare `lol_html`
//! tokenisation of the same pages measured in the same run.
//!
//! ```console
//! $ cargo run --release -p dragnet-analysis --example analysis_bench [PAGES] [ROUNDS]
//! ```
//!
//! The pages are generated deterministically: business pages (navigation, paragraphs in
//! several languages, inline scripts and JSON, style sheets, images, many links, analytics
//! snippets) with a few parking, for-sale and default pages mixed in, as a crawl sees them.
//! Each round analyses every page once on one thread; the figures are the median round.
//! The reference runs `lol_html` with only a document text handler (which makes it tokenise
//! everything) and does nothing with the text: the floor any one-pass analysis pays.

use std::cell::Cell;
use std::hint::black_box;
use std::time::Instant;

use dragnet_analysis::{Analyzer, KeywordCounts, Page, RuleHits};
use dragnet_domain::config::analysis::ContentAnalysisConfig;
use lol_html::html_content::TextChunk;
use lol_html::{DocumentContentHandlers, HtmlRewriter, Settings};

/// A small deterministic generator (xorshift), so every run measures the same pages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&[&str]] = &[
    &[
        "the",
        "our",
        "team",
        "customers",
        "quality",
        "service",
        "years",
        "local",
        "we",
        "offer",
        "repair",
        "garden",
        "kitchen",
        "delivery",
        "price",
        "quote",
        "friendly",
        "experience",
        "and",
        "with",
        "for",
        "every",
        "project",
        "family",
        "business",
        "since",
        "trusted",
    ],
    &[
        "wir",
        "unsere",
        "kunden",
        "qualität",
        "seit",
        "jahren",
        "und",
        "mit",
        "für",
        "bieten",
        "beratung",
        "werkstatt",
        "angebot",
        "preise",
        "termin",
        "zuverlässig",
        "regional",
        "handwerk",
        "service",
        "der",
        "die",
        "das",
        "ihre",
        "gerne",
    ],
    &[
        "nous",
        "notre",
        "équipe",
        "clients",
        "qualité",
        "depuis",
        "ans",
        "et",
        "avec",
        "pour",
        "proposons",
        "service",
        "devis",
        "gratuit",
        "travaux",
        "entreprise",
        "locale",
        "le",
        "la",
        "les",
        "votre",
        "conseil",
    ],
    &[
        "nuestro",
        "equipo",
        "clientes",
        "calidad",
        "desde",
        "años",
        "y",
        "con",
        "para",
        "ofrecemos",
        "servicio",
        "presupuesto",
        "gratis",
        "empresa",
        "local",
        "el",
        "la",
        "los",
        "su",
        "obra",
    ],
];

fn paragraph(rng: &mut Rng, words: &[&str], n: usize) -> String {
    let mut s = String::with_capacity(n * 8);
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(words));
    }
    s.push('.');
    s
}

fn business(rng: &mut Rng, target: usize) -> String {
    let lang = rng.below(WORDS.len());
    let words = WORDS[lang];
    let mut h = String::with_capacity(target + 4096);
    h.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    h.push_str(&paragraph(rng, words, 6));
    h.push_str("</title><meta name=\"generator\" content=\"WordPress 6.5\">");
    h.push_str("<link rel=\"stylesheet\" href=\"/wp-content/themes/x/style.css\">");
    h.push_str("<link rel=\"stylesheet\" href=\"https://fonts.googleapis.com/css2?family=Inter\">");
    h.push_str("<script src=\"/wp-includes/js/jquery/jquery.min.js\"></script>");
    h.push_str("<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>");
    h.push_str("<style>");
    for i in 0..(target / 4000).max(2) {
        h.push_str(&format!(
            ".c{i}{{margin:0 auto;padding:{i}px;color:#333;font-family:Inter,sans-serif}}"
        ));
    }
    h.push_str("</style><script>window.dataLayer=window.dataLayer||[];var cfg={");
    for i in 0..(target / 2500).max(4) {
        h.push_str(&format!("\"k{i}\":\"{}\",", paragraph(rng, words, 4)));
    }
    h.push_str("};</script></head><body><header><nav><ul>");
    for i in 0..12 {
        h.push_str(&format!(
            "<li><a href=\"/page-{i}\">{}</a></li>",
            rng.pick(words)
        ));
    }
    h.push_str("<li><a href=\"/contact\">Contact</a></li></ul></nav></header><main>");
    while h.len() < target {
        match rng.below(6) {
            0 => h.push_str(&format!("<h2 class=\"c1\">{}</h2>", paragraph(rng, words, 5))),
            1 => h.push_str(&format!(
                "<div class=\"card c2\"><img src=\"/img/{}.jpg\" alt=\"{}\" loading=\"lazy\"><a href=\"https://partner{}.example/\">{}</a></div>",
                rng.below(1000),
                rng.pick(words),
                rng.below(50),
                rng.pick(words)
            )),
            2 => h.push_str(&format!(
                "<ul>{}</ul>",
                (0..5)
                    .map(|_| format!("<li><a href=\"/p/{}\">{}</a></li>", rng.below(999), rng.pick(words)))
                    .collect::<String>()
            )),
            _ => h.push_str(&format!(
                "<p class=\"c3\">{} <b>{}</b> {}</p>",
                paragraph(rng, words, 30),
                rng.pick(words),
                paragraph(rng, words, 25)
            )),
        }
    }
    h.push_str("</main><footer><a href=\"/impressum\">Impressum</a> &copy; 2024</footer>");
    h.push_str("<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"LocalBusiness\"}</script>");
    h.push_str("</body></html>");
    h
}

fn parked(rng: &mut Rng) -> String {
    let links: String = (0..8)
        .map(|i| {
            format!(
                "<li><a href=\"/search?q=term{i}\">{}</a></li>",
                rng.pick(WORDS[0])
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>parked.example</title><script src=\"https://img.sedoparking.com/js/park.js\"></script></head><body><h1>parked.example</h1><h2>Related Searches</h2><ul>{links}</ul><p>This domain may be for sale!</p></body></html>"
    )
}

fn pages(n: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| match i % 20 {
            0 => parked(&mut rng),
            1 => "<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>".to_owned(),
            _ => {
                let target = 20 * 1024 + rng.below(80 * 1024);
                business(&mut rng, target)
            }
        })
        .collect()
}

fn tokenise(html: &str) -> usize {
    let bytes = Cell::new(0usize);
    let settings = Settings {
        document_content_handlers: vec![DocumentContentHandlers::default().text(
            |t: &mut TextChunk<'_>| {
                bytes.set(bytes.get() + t.as_str().len());
                Ok(())
            },
        )],
        strict: false,
        ..Settings::new()
    };
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let _ = rewriter.write(html.as_bytes());
    let _ = rewriter.end();
    bytes.get()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let pages = pages(n);
    let bytes: usize = pages.iter().map(String::len).sum();
    let big: Vec<usize> = pages
        .iter()
        .map(String::len)
        .filter(|l| *l > 10_000)
        .collect();
    println!(
        "{n} pages, {:.1} MiB, {} of 20–100 KiB (mean {:.1} KiB); {rounds} rounds, one thread",
        bytes as f64 / 1048576.0,
        big.len(),
        big.iter().sum::<usize>() as f64 / big.len().max(1) as f64 / 1024.0
    );
    let Ok(analyzer) = Analyzer::new(ContentAnalysisConfig::default()) else {
        eprintln!("the signature data does not load");
        std::process::exit(1);
    };
    let rules = [RuleHits { text: 4, title: 1 }];
    // Warm-up: builds the matchers and faults the pages in.
    for p in &pages {
        black_box(tokenise(p));
    }
    let (mut analyse_rates, mut token_rates, mut pass_rates) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        for p in &pages {
            black_box(dragnet_analysis::html::extract(
                black_box(p),
                Some("www.example.com"),
            ));
        }
        pass_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for p in &pages {
            black_box(tokenise(black_box(p)));
        }
        token_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for p in &pages {
            let page = Page {
                html: black_box(p),
                final_url: Some("https://www.example.com/"),
                headers: &[("Server", "nginx"), ("Set-Cookie", "PHPSESSID=1; path=/")],
                keywords: KeywordCounts {
                    rules: &rules,
                    rules_total: 5,
                },
                ..Page::default()
            };
            black_box(analyzer.analyse(&page));
        }
        analyse_rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    let analyse = median(analyse_rates);
    let tokenise = median(token_rates);
    let pass = median(pass_rates);
    println!(
        "analyse:             {analyse:>8.0} pages/s  {:>6.1} MiB/s",
        analyse * bytes as f64 / n as f64 / 1048576.0
    );
    println!(
        "  of which HTML pass:{pass:>8.0} pages/s  {:>6.1} MiB/s",
        pass * bytes as f64 / n as f64 / 1048576.0
    );
    println!(
        "lol_html tokenise:   {tokenise:>8.0} pages/s  {:>6.1} MiB/s",
        tokenise * bytes as f64 / n as f64 / 1048576.0
    );
    println!("ratio analyse / tokenise: {:.2}", analyse / tokenise);
}
