//! Precision and recall of lead extraction on the labelled corpus in `tests/leads_corpus/`
//! (synthetic pages written for it by `generate.py`; labels in each page's `<!--lead … -->`
//! front matter).
//!
//! ```console
//! $ cargo test -p dragnet-analysis --test leads_corpus -- --nocapture
//! ```
//!
//! Fails below the floors of the lead extraction issue: e-mail precision 0.98 and recall
//! 0.95, phone precision 0.95 and recall 0.90, social precision 0.98; and, for the parts
//! that are not contacts, organisation accuracy 0.90 and contact-page precision and recall
//! 0.90 (where a page labels them).

use std::collections::BTreeSet;
use std::path::PathBuf;

use dragnet_analysis::leads::{LeadExtractor, LeadPage, normalize_phone};
use dragnet_domain::config::leads::LeadExtractionConfig;
use dragnet_domain::leads::ContactKind;
use serde::Deserialize;

/// Country calling codes, to count the countries whose numbers the corpus labels (longer
/// codes first where one is a prefix of another).
const COUNTRY_CODES: &[&str] = &[
    "+351", "+1", "+31", "+32", "+33", "+34", "+39", "+41", "+43", "+44", "+46", "+48", "+49",
    "+61", "+81",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    url: String,
    region: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    socials: Vec<String>,
    organisation: Option<String>,
    contact_pages: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    pages: usize,
}

impl Score {
    fn add(&mut self, want: &BTreeSet<String>, got: &BTreeSet<String>) {
        self.tp += want.intersection(got).count();
        self.fp += got.difference(want).count();
        self.fn_ += want.difference(got).count();
        self.pages += 1;
    }

    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

fn corpus() -> Vec<(String, Labels, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/leads_corpus");
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the corpus directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(&path).expect("a readable page");
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let front = html
            .strip_prefix("<!--lead\n")
            .and_then(|rest| rest.split_once("\n-->"))
            .unwrap_or_else(|| panic!("{name}: no <!--lead … --> front matter"))
            .0;
        let labels: Labels =
            toml::from_str(front).unwrap_or_else(|e| panic!("{name}: bad labels: {e}"));
        pages.push((name, labels, html));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    pages
}

#[test]
fn lead_corpus_precision_and_recall() {
    let pages = corpus();
    assert!(pages.len() >= 60, "only {} pages", pages.len());
    let extractor = LeadExtractor::new(&LeadExtractionConfig::default()).unwrap();
    let kinds = [ContactKind::Email, ContactKind::Phone, ContactKind::Social];
    let mut scores = [Score::default(); 3];
    // The held-out pages (`ho-*`, written after the rules were tuned), also apart.
    let mut held_out = [Score::default(); 3];
    let mut pages_score = Score::default();
    let (mut org_right, mut org_total) = (0, 0);
    let mut misses = Vec::new();
    let mut regions = BTreeSet::new();
    let mut bad_labels = Vec::new();
    for (name, labels, html) in &pages {
        for phone in &labels.phones {
            if normalize_phone(phone, None).as_deref() != Some(phone.as_str()) {
                bad_labels.push(format!("{name}: {phone}"));
            }
            if let Some(code) = COUNTRY_CODES.iter().find(|c| phone.starts_with(*c)) {
                regions.insert(*code);
            }
        }
        let lead = extractor.extract(&LeadPage {
            html,
            page_url: &labels.url,
            default_region: labels.region.as_deref(),
        });
        for (i, kind) in kinds.iter().enumerate() {
            let want: BTreeSet<String> = match kind {
                ContactKind::Email => &labels.emails,
                ContactKind::Phone => &labels.phones,
                ContactKind::Social => &labels.socials,
            }
            .iter()
            .cloned()
            .collect();
            let got: BTreeSet<String> = lead
                .contacts_of(*kind)
                .map(|c| c.normalized.clone())
                .collect();
            scores[i].add(&want, &got);
            if name.starts_with("ho-") {
                held_out[i].add(&want, &got);
            }
            for extra in got.difference(&want) {
                misses.push(format!("{name}: {kind} false positive {extra}"));
            }
            for missing in want.difference(&got) {
                misses.push(format!("{name}: {kind} missed {missing}"));
            }
        }
        if let Some(want) = &labels.organisation {
            org_total += 1;
            if lead.organisation.as_deref() == Some(want.as_str()) {
                org_right += 1;
            } else {
                misses.push(format!(
                    "{name}: organisation {:?} ({:?}), labelled {want:?}",
                    lead.organisation, lead.organisation_source
                ));
            }
        }
        if let Some(want) = &labels.contact_pages {
            let want: BTreeSet<String> = want.iter().cloned().collect();
            let got: BTreeSet<String> = lead.contact_pages.iter().cloned().collect();
            pages_score.add(&want, &got);
            for extra in got.difference(&want) {
                misses.push(format!("{name}: contact page false positive {extra}"));
            }
            for missing in want.difference(&got) {
                misses.push(format!("{name}: contact page missed {missing}"));
            }
        }
    }

    assert!(
        bad_labels.is_empty(),
        "phone labels that are not valid E.164 numbers: {bad_labels:#?}"
    );
    println!("lead corpus: {} pages", pages.len());
    println!(
        "{:<14} {:>6} {:>5} {:>5} {:>5} {:>10} {:>8}",
        "kind", "labels", "tp", "fp", "fn", "precision", "recall"
    );
    for (kind, s) in kinds.iter().zip(&scores) {
        println!(
            "{:<14} {:>6} {:>5} {:>5} {:>5} {:>10.3} {:>8.3}",
            kind.as_str(),
            s.tp + s.fn_,
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        );
    }
    println!(
        "{:<14} {:>6} {:>5} {:>5} {:>5} {:>10.3} {:>8.3}   ({} pages labelled)",
        "contact pages",
        pages_score.tp + pages_score.fn_,
        pages_score.tp,
        pages_score.fp,
        pages_score.fn_,
        pages_score.precision(),
        pages_score.recall(),
        pages_score.pages
    );
    for (kind, s) in kinds.iter().zip(&held_out) {
        println!(
            "{:<14} {:>6} {:>5} {:>5} {:>5} {:>10.3} {:>8.3}   (held-out pages: {})",
            kind.as_str(),
            s.tp + s.fn_,
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall(),
            s.pages
        );
    }
    let org_accuracy = org_right as f64 / org_total.max(1) as f64;
    println!("organisation: {org_right}/{org_total} = {org_accuracy:.3}");
    println!(
        "phone country codes labelled: {} ({})",
        regions.len(),
        regions.iter().copied().collect::<Vec<_>>().join(" ")
    );
    for miss in &misses {
        println!("  {miss}");
    }

    let [email, phone, social] = scores;
    assert!(
        email.precision() >= 0.98,
        "e-mail precision {:.3}",
        email.precision()
    );
    assert!(
        email.recall() >= 0.95,
        "e-mail recall {:.3}",
        email.recall()
    );
    assert!(
        phone.precision() >= 0.95,
        "phone precision {:.3}",
        phone.precision()
    );
    assert!(phone.recall() >= 0.90, "phone recall {:.3}", phone.recall());
    assert!(
        social.precision() >= 0.98,
        "social precision {:.3}",
        social.precision()
    );
    assert!(
        org_accuracy >= 0.90,
        "organisation accuracy {org_accuracy:.3}"
    );
    assert!(pages_score.precision() >= 0.90 && pages_score.recall() >= 0.90);
    assert!(
        regions.len() >= 8,
        "phone numbers of only {} countries",
        regions.len()
    );
}
