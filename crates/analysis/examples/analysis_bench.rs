//! Throughput of page analysis on synthetic 20–100 KiB pages, against a bare `lol_html`
//! tokenisation of the same pages measured in the same run.
//!
//! ```console
//! $ cargo run --release -p dragnet-analysis --example analysis_bench [PAGES] [ROUNDS]
//! ```
//!
//! The pages are `dragnet_testkit::pages`: business pages with a few parking and default
//! pages mixed in, generated deterministically.
//! Each round analyses every page once on one thread; the figures are the median round.
//! The reference runs `lol_html` with only a document text handler (which makes it tokenise
//! everything) and does nothing with the text: the floor any one-pass analysis pays.

use std::hint::black_box;
use std::time::Instant;

use dragnet_analysis::{Analyzer, KeywordCounts, Page, RuleHits};
use dragnet_domain::config::analysis::ContentAnalysisConfig;
use dragnet_testkit::pages::{pages, tokenise};

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
