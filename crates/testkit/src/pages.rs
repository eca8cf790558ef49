//! Synthetic web pages for the analysis benchmarks: business pages (navigation, paragraphs in
//! several languages, inline scripts and JSON, style sheets, images, many links, analytics
//! snippets) with parking and default pages mixed in, as a crawl sees them; generated
//! deterministically, so every run measures the same pages. And the reference every analysis
//! benchmark reports against: a bare `lol_html` tokenisation.

use std::cell::Cell;

use lol_html::html_content::TextChunk;
use lol_html::{DocumentContentHandlers, HtmlRewriter, Settings};

/// The response headers a page is stored with (as the HTTP phase keeps them), by page index:
/// a few server and framework fingerprints in rotation.
pub fn headers(i: usize) -> Vec<(String, String)> {
    let server = ["nginx", "Apache/2.4.57 (Debian)", "cloudflare", "LiteSpeed"][i % 4];
    let mut headers = vec![
        ("server".to_owned(), server.to_owned()),
        (
            "content-type".to_owned(),
            "text/html; charset=UTF-8".to_owned(),
        ),
    ];
    if i.is_multiple_of(3) {
        headers.push(("x-powered-by".to_owned(), "PHP/8.2.12".to_owned()));
        headers.push(("set-cookie".to_owned(), "PHPSESSID".to_owned()));
    }
    headers
}

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
    h.push_str("</main><footer><a href=\"/impressum\">Impressum</a> &copy; 2024");
    // Most businesses say how to reach them: a phone number and an e-mail address.
    if rng.below(10) < 7 {
        let n = rng.below(100_000);
        h.push_str(&format!(
            "<p>Tel. +49 30 {:07} · <a href=\"mailto:info@firma{n}.de\">info@firma{n}.de</a></p>",
            rng.below(10_000_000)
        ));
    }
    h.push_str("</footer>");
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

/// `n` pages: every 20th a parking lander, every 20th (offset 1) nginx's default page, the
/// others business pages of 20–100 KiB (mean ≈ 58 KiB) in one of several languages.
pub fn pages(n: usize) -> Vec<String> {
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

/// The reference of the analysis benchmarks: `lol_html`'s tokenizer with a document text
/// handler only (which makes it tokenise everything), doing nothing with the text; returns the
/// bytes of text seen.
pub fn tokenise(html: &str) -> usize {
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
