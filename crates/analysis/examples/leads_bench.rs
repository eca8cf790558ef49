//! Throughput of lead extraction on synthetic 20–100 KiB pages, against a bare `lol_html`
//! tokenisation of the same pages measured in the same run.
//!
//! ```console
//! $ cargo run --release -p dragnet-analysis --example leads_bench [PAGES] [ROUNDS]
//! ```
//!
//! The pages are `dragnet_testkit::pages` (business pages with a few parking and default
//! pages mixed in, generated deterministically), each with a footer of contact details
//! appended — a `mailto:` link, an address in the text, two phone numbers, profile and share
//! links — so that every finder does its work. Each round extracts every page once on one
//! thread; the figures are the median round. The reference runs `lol_html` with only a
//! document text handler (which makes it tokenise everything) and does nothing with the
//! text: the floor any one-pass extraction pays.

use std::hint::black_box;
use std::time::Instant;

use dragnet_analysis::leads::{LeadExtractor, LeadPage, emails_in_text, phones_in_text};
use dragnet_domain::config::leads::LeadExtractionConfig;
use dragnet_testkit::pages::{pages, tokenise};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A footer with contact details, different on every page.
fn footer(i: usize) -> String {
    format!(
        r#"<footer><h3>Kontakt</h3><p>Muster Bau {i} GmbH · Hauptstraße {i} · 10115 Berlin</p>
        <p>Tel. 030 {:07} · Fax 030 {:07}<br>E-Mail: <a href="mailto:info@muster-bau-{i}.de">info@muster-bau-{i}.de</a></p>
        <p>Vertrieb: vertrieb [at] muster-bau-{i} [dot] de · Mobil +49 171 {:07}</p>
        <p><a href="https://www.linkedin.com/company/muster-bau-{i}/">LinkedIn</a>
        <a href="https://www.facebook.com/sharer/sharer.php?u=https://muster-bau-{i}.de">Teilen</a>
        <a href="https://twitter.com/intent/tweet?url=x">Tweet</a>
        <a href="/impressum">Impressum</a> <a href="/datenschutz">Datenschutz</a></p></footer>"#,
        1_000_000 + i * 7,
        1_000_000 + i * 7 + 1,
        2_000_000 + i * 13
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let pages: Vec<String> = pages(n)
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            let at = p.rfind("</body>").unwrap_or(p.len());
            p.insert_str(at, &footer(i));
            p
        })
        .collect();
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
    let Ok(extractor) = LeadExtractor::new(&LeadExtractionConfig::default()) else {
        eprintln!("the lead rules do not load");
        std::process::exit(1);
    };
    // Warm-up: faults the pages in, builds the automata and the phone metadata.
    let mut contacts = 0;
    for p in &pages {
        black_box(tokenise(p));
        contacts += extractor
            .extract(&LeadPage {
                html: p,
                page_url: "https://www.example.de/",
                default_region: None,
            })
            .contacts
            .len();
    }
    println!("contacts per page: {:.1}", contacts as f64 / n as f64);
    let texts: Vec<String> = pages
        .iter()
        .map(|p| dragnet_html::read(p, 1 << 20, &mut ()).text.visible)
        .collect();
    println!(
        "visible text per page: {:.1} KiB",
        texts.iter().map(String::len).sum::<usize>() as f64 / n as f64 / 1024.0
    );
    let (mut extract_rates, mut token_rates, mut read_rates) = (Vec::new(), Vec::new(), Vec::new());
    let (mut email_rates, mut phone_rates, mut text_rates) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        for p in &pages {
            black_box(tokenise(black_box(p)));
        }
        token_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for p in &pages {
            black_box(dragnet_html::read(black_box(p), 1 << 20, &mut ()));
        }
        read_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for p in &pages {
            black_box(dragnet_html::extract(black_box(p), 1 << 20));
        }
        text_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for p in &pages {
            black_box(extractor.extract(&LeadPage {
                html: black_box(p),
                page_url: "https://www.example.de/",
                default_region: None,
            }));
        }
        extract_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for t in &texts {
            black_box(emails_in_text(black_box(t)));
        }
        email_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for t in &texts {
            black_box(phones_in_text(black_box(t), Some("DE")));
        }
        phone_rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    let extract = median(extract_rates);
    let tokenise = median(token_rates);
    let read = median(read_rates);
    let mib = |rate: f64| rate * bytes as f64 / n as f64 / 1048576.0;
    println!(
        "extract:             {extract:>8.0} pages/s  {:>6.1} MiB/s",
        mib(extract)
    );
    let us = |rates: Vec<f64>| 1e6 / median(rates);
    println!(
        "  of which: e-mails in text {:.1} µs/page, phones in text {:.1} µs/page",
        us(email_rates),
        us(phone_rates)
    );
    println!(
        "dragnet_html::read:  {read:>8.0} pages/s  {:>6.1} MiB/s",
        mib(read)
    );
    let text = median(text_rates);
    println!(
        "dragnet_html::extract:{text:>7.0} pages/s  {:>6.1} MiB/s",
        mib(text)
    );
    println!(
        "lol_html tokenise:   {tokenise:>8.0} pages/s  {:>6.1} MiB/s",
        mib(tokenise)
    );
    println!("ratio extract / tokenise: {:.2}", extract / tokenise);
}
