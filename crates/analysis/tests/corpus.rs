//! The labelled corpus (`tests/corpus/`, written by the team, see its `generate.py`): every
//! page is analysed and the figures the issue sets floors for are computed and printed —
//! precision and recall per class (parked and for_sale each and together), language accuracy
//! on pages of at least 200 words, and the technologies each page must show.

use std::collections::BTreeMap;
use std::net::IpAddr;

use dragnet_analysis::{Analysis, Analyzer, Page};
use dragnet_domain::config::analysis::ContentAnalysisConfig;
use dragnet_domain::content::PageClass;
use serde::Deserialize;

/// Floors (the acceptance criteria).
const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.90;
const MIN_LANGUAGE_ACCURACY: f64 = 0.95;
/// Pages with at least this many words count for language accuracy.
const LANGUAGE_MIN_WORDS: u64 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    page: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    class: PageClass,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    final_url: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    nameservers: Vec<String>,
    #[serde(default)]
    addresses: Vec<IpAddr>,
    #[serde(default)]
    redirect_hosts: Vec<String>,
    #[serde(default)]
    technologies: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn analyse(analyzer: &Analyzer, e: &Entry) -> Analysis {
    let html = std::fs::read(corpus_dir().join("pages").join(&e.file)).expect("a corpus page");
    let html = String::from_utf8_lossy(&html);
    let headers: Vec<(&str, &str)> = e
        .headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ns: Vec<&str> = e.nameservers.iter().map(String::as_str).collect();
    let redirects: Vec<&str> = e.redirect_hosts.iter().map(String::as_str).collect();
    analyzer.analyse(&Page {
        html: &html,
        final_url: e.final_url.as_deref(),
        headers: &headers,
        redirect_hosts: &redirects,
        addresses: &e.addresses,
        nameservers: &ns,
        ..Page::default()
    })
}

/// Precision and recall of `positive` (a set of classes taken as one).
fn precision_recall(
    results: &[(PageClass, PageClass)],
    positive: &[PageClass],
) -> (f64, f64, usize) {
    let is = |c: &PageClass| positive.contains(c);
    let tp = results.iter().filter(|(t, p)| is(t) && is(p)).count();
    let predicted = results.iter().filter(|(_, p)| is(p)).count();
    let actual = results.iter().filter(|(t, _)| is(t)).count();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(tp, predicted), ratio(tp, actual), actual)
}

#[test]
fn corpus_meets_the_floors() {
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(corpus_dir().join("manifest.toml")).unwrap())
            .unwrap();
    let pages = std::fs::read_dir(corpus_dir().join("pages"))
        .unwrap()
        .count();
    assert_eq!(
        pages,
        manifest.page.len(),
        "every page has one manifest entry"
    );
    assert!(manifest.page.len() >= 80, "corpus too small");
    let analyzer = Analyzer::new(ContentAnalysisConfig::default()).unwrap();

    let mut results = Vec::new();
    let mut wrong = Vec::new();
    let (mut lang_total, mut lang_right) = (0, 0);
    let mut lang_wrong = Vec::new();
    let mut per_lang: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut missing_tech = Vec::new();
    let mut tech_expected = 0;
    for e in &manifest.page {
        let a = analyse(&analyzer, e);
        results.push((e.class, a.classification));
        if a.classification != e.class {
            wrong.push(format!(
                "{}: labelled {}, got {} ({:.2}; parked confidence {:.2}) evidence {:?}",
                e.file,
                e.class,
                a.classification,
                a.confidence,
                a.parked_confidence,
                a.evidence
                    .iter()
                    .map(|ev| format!(
                        "{:?}/{:?}/{}: {}",
                        ev.kind, ev.source, ev.supports, ev.value
                    ))
                    .collect::<Vec<_>>()
            ));
        }
        if let Some(lang) = &e.lang
            && a.signals.words >= LANGUAGE_MIN_WORDS
        {
            lang_total += 1;
            let slot = per_lang.entry(lang.clone()).or_default();
            slot.1 += 1;
            if &a.language.code == lang {
                lang_right += 1;
                slot.0 += 1;
            } else {
                lang_wrong.push(format!("{}: {} detected as {:?}", e.file, lang, a.language));
            }
        }
        for t in &e.technologies {
            tech_expected += 1;
            if !a.technologies.iter().any(|f| &f.name == t) {
                missing_tech.push(format!("{}: {t} not detected", e.file));
            }
        }
        // The score is auditable: 100 × Σ weight × component.
        let w = &a.relevance.weights;
        let c = &a.relevance.components;
        let sum = w.keyword_density() * c.keyword_density
            + w.keyword_coverage() * c.keyword_coverage
            + w.title_hit() * c.title_hit
            + w.content_length() * c.content_length
            + w.not_parked() * c.not_parked;
        assert!((a.relevance.score - 100.0 * sum).abs() < 0.01, "{}", e.file);
    }

    println!("\ncorpus: {} pages", results.len());
    print!(
        "\nconfusion matrix (rows: label, columns: predicted)\n{:>20}",
        ""
    );
    for c in PageClass::ALL {
        print!("{:>10}", short(c));
    }
    println!();
    for t in PageClass::ALL {
        print!("{:>20}", t.as_str());
        for p in PageClass::ALL {
            print!(
                "{:>10}",
                results.iter().filter(|(a, b)| *a == t && *b == p).count()
            );
        }
        println!();
    }
    println!(
        "\n{:<28}{:>8}{:>10}{:>8}",
        "class", "pages", "precision", "recall"
    );
    let mut failures = Vec::new();
    let mut report = |name: &str, classes: &[PageClass], floors: bool| {
        let (p, r, n) = precision_recall(&results, classes);
        println!("{name:<28}{n:>8}{p:>10.3}{r:>8.3}");
        if floors && (p < MIN_PRECISION || r < MIN_RECALL) {
            failures.push(format!(
                "{name}: precision {p:.3} (floor {MIN_PRECISION}), recall {r:.3} (floor {MIN_RECALL})"
            ));
        }
    };
    for c in PageClass::ALL {
        report(c.as_str(), &[c], c.is_parked_or_for_sale());
    }
    report(
        "parked + for_sale",
        &[PageClass::Parked, PageClass::ForSale],
        true,
    );
    let accuracy = if lang_total == 0 {
        0.0
    } else {
        f64::from(lang_right) / f64::from(lang_total)
    };
    println!(
        "\nlanguage accuracy (pages of ≥ {LANGUAGE_MIN_WORDS} words): {lang_right}/{lang_total} = {accuracy:.3}"
    );
    for (lang, (right, total)) in &per_lang {
        println!("  {lang}: {right}/{total}");
    }
    println!(
        "technologies expected: {tech_expected}, missing: {}",
        missing_tech.len()
    );
    for w in wrong.iter().chain(&lang_wrong).chain(&missing_tech) {
        println!("  {w}");
    }
    if accuracy < MIN_LANGUAGE_ACCURACY {
        failures.push(format!(
            "language accuracy {accuracy:.3} below {MIN_LANGUAGE_ACCURACY}"
        ));
    }
    if lang_total < 20 {
        failures.push(format!("only {lang_total} pages measure the language"));
    }
    if !missing_tech.is_empty() {
        failures.push(format!("{} technologies not detected", missing_tech.len()));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn short(c: PageClass) -> &'static str {
    match c {
        PageClass::Active => "active",
        PageClass::Parked => "parked",
        PageClass::ForSale => "for_sale",
        PageClass::UnderConstruction => "construct",
        PageClass::DefaultPage => "default",
        PageClass::Empty => "empty",
    }
}
