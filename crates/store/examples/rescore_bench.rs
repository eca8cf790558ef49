//! The rescore benchmark: how fast `POST /campaigns/{id}/rescore` recomputes a campaign's
//! relevance scores from the stored components, through the store calls the engine makes
//! (`begin_rescore`, then `rescore_chunk` until it completes).
//!
//! Usage: `rescore_bench [--sqlite PATH | --postgres ADMIN_URL] [--domains N] [--runs R]`
//! (defaults: a SQLite file in the temporary directory, 200,000 domains, 5 runs).
//!
//! It writes N content results shaped like the phase's (evidence, technologies and signals as
//! JSON, about 700 bytes a row) through `write_content_results`, then rescores them R times,
//! alternating two sets of weights so every score changes, and prints each run, the median
//! and the peak RSS. The reference, measured in the same run: the same chunked `UPDATE` on a
//! copy of the rows shaped as `content_results` was before migration 000005 (score and
//! components in the wide row), which is what the narrow `content_scores` table avoids.
//! With `--postgres`, a scratch database `dragnet_bench_<pid>` is created and dropped.

use std::time::Instant;

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dragnet_domain::config::analysis::{RelevanceScore, RelevanceWeights, RelevanceWeightsInput};
use dragnet_domain::content::{
    ContentResult, ContentSignals, Evidence, EvidenceKind, EvidenceSource, LanguageSource,
    PageClass, PageLanguage, RescoreStatus, TechCategory, Technology,
};
use dragnet_domain::{Action, CampaignId, Phase};
use dragnet_store::{Change, DomainFilter, NewCampaign, RESCORE_CHUNK, Store, StoreOptions};
use dragnet_testkit::pg::ScratchDatabase;

/// Any error, as text (the example needs no extra dependency).
#[derive(Debug)]
struct Error(String);

impl<E: std::fmt::Display> From<E> for Error {
    fn from(e: E) -> Self {
        Error(e.to_string())
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Results per `write_content_results` call while loading.
const WRITE_BATCH: u64 = 2_000;

struct Args {
    url: String,
    scratch: Option<ScratchDatabase>,
    sqlite_path: Option<String>,
    domains: u64,
    runs: usize,
}

fn parse_args() -> Result<Args> {
    let mut sqlite_path = Some(
        std::env::temp_dir()
            .join(format!("dragnet-rescore-bench-{}.db", std::process::id()))
            .display()
            .to_string(),
    );
    let mut scratch = None;
    let mut domains = 200_000;
    let mut runs = 5;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(Error(format!("{arg} needs a value")));
        match arg.as_str() {
            "--sqlite" => sqlite_path = Some(value()?.clone()),
            "--postgres" => {
                scratch = Some(ScratchDatabase::create(value()?, "dragnet_bench")?);
                sqlite_path = None;
            }
            "--domains" => domains = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            other => return Err(Error(format!("unknown argument `{other}`"))),
        }
    }
    if domains == 0 || runs == 0 {
        return Err(Error("--domains and --runs must be at least 1".into()));
    }
    if let Some(path) = &sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let url = match (&scratch, &sqlite_path) {
        (Some(db), _) => db.url().to_owned(),
        (None, Some(path)) => format!("sqlite://{path}"),
        (None, None) => return Err(Error("no database".into())),
    };
    Ok(Args {
        url,
        scratch,
        sqlite_path,
        domains,
        runs,
    })
}

/// Numbers in `0..1` from an LCG: varied components, the same every run.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn weights(w: [f64; 5]) -> Result<RelevanceWeights> {
    RelevanceWeights::try_from(RelevanceWeightsInput {
        keyword_density: Some(w[0]),
        keyword_coverage: Some(w[1]),
        title_hit: Some(w[2]),
        content_length: Some(w[3]),
        not_parked: Some(w[4]),
    })
    .map_err(|e| Error(e.to_string()))
}

/// A result shaped like the phase's: a business page on WordPress with two pieces of
/// evidence and four technologies.
fn result(ordinal: u64, numbers: &mut Numbers, at: chrono::DateTime<Utc>) -> ContentResult {
    let mut components = RelevanceScore {
        score: 0.0,
        keyword_density: numbers.next(),
        keyword_coverage: (numbers.next() * 4.0).floor() / 4.0,
        title_hit: if numbers.next() < 0.5 { 0.0 } else { 1.0 },
        content_length: numbers.next(),
        not_parked: numbers.next(),
        scoring_version: 1,
    };
    let defaults = RelevanceWeights::default();
    components.score = defaults.combine(&components);
    let tech = |name: &str, category, evidence: &str| Technology {
        name: name.to_owned(),
        category,
        evidence: evidence.to_owned(),
    };
    ContentResult {
        ordinal,
        classification: PageClass::ALL[(ordinal % 6) as usize],
        confidence: 0.87,
        evidence: vec![
            Evidence {
                kind: EvidenceKind::Content,
                source: EvidenceSource::Page,
                supports: PageClass::Active,
                value: "812 words, 14 internal links, contact link".to_owned(),
            },
            Evidence {
                kind: EvidenceKind::Phrase,
                source: EvidenceSource::Text,
                supports: PageClass::ForSale,
                value: "make an offer".to_owned(),
            },
        ],
        language: PageLanguage {
            code: ["de", "en", "fr", "es"][(ordinal % 4) as usize].to_owned(),
            confidence: 0.93,
            source: LanguageSource::Text,
        },
        technologies: vec![
            tech("WordPress", TechCategory::Cms, "script: /wp-content/"),
            tech("jQuery", TechCategory::JsLibrary, "script: jquery"),
            tech("nginx", TechCategory::WebServer, "header server: nginx"),
            tech(
                "Google Analytics",
                TechCategory::Analytics,
                "script: googletagmanager.com/gtag/js",
            ),
        ],
        signals: ContentSignals {
            visible_chars: 5_231,
            words: 812,
            internal_links: 14,
            external_links: 3,
            has_contact_link: true,
            keyword_density: 3.695,
            keyword_coverage: 0.5,
            title_hit: true,
        },
        relevance_score: defaults.relevance_score(&components),
        components,
        weights_revision: 0,
        error: None,
        analysed_at: at,
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Loads the campaign: N domains, one content result each, the phase completed.
fn load(store: &Store, domains: u64) -> Result<CampaignId> {
    let id = store
        .create_campaign(&NewCampaign {
            name: "rescore bench".to_owned(),
            initial_phase: Phase::DnsValidation,
            launch_sequence: false,
            configurations: Default::default(),
        })?
        .id;
    store.insert_domains(id, (0..domains).map(|i| format!("d{i:07}shop.com")))?;
    for action in [
        Action::Start,
        Action::Complete,
        Action::Advance {
            target_phase: Phase::HttpKeywordValidation,
        },
        Action::Start,
        Action::Complete,
        Action::Advance {
            target_phase: Phase::ContentAnalysis,
        },
        Action::Start,
    ] {
        store.apply_action(id, &Change::new(action))?;
    }
    let mut numbers = Numbers(42);
    let at = Utc::now();
    let start = Instant::now();
    let mut first = 0;
    while first < domains {
        let end = (first + WRITE_BATCH).min(domains);
        let batch: Vec<ContentResult> = (first..end).map(|o| result(o, &mut numbers, at)).collect();
        store.write_content_results(id, &batch, None)?;
        first = end;
    }
    println!(
        "loaded {domains} content results in {:.1} s ({:.0} rows/s through write_content_results)",
        start.elapsed().as_secs_f64(),
        domains as f64 / start.elapsed().as_secs_f64()
    );
    store.apply_action(id, &Change::new(Action::Complete))?;
    Ok(id)
}

/// One rescore through the store, timed: returns rows per second.
fn rescore(store: &Store, id: CampaignId, weights: &RelevanceWeights, domains: u64) -> Result<f64> {
    let campaign = store.get_campaign(id)?;
    let config = serde_json::json!({"weights": weights});
    let start = Instant::now();
    let mut state = store.begin_rescore(id, weights, 1, &config, campaign.version)?;
    let revision = state.revision;
    while state.state == RescoreStatus::Running {
        state = store.rescore_chunk(id, revision, RESCORE_CHUNK)?;
    }
    let secs = start.elapsed().as_secs_f64();
    if state.state != RescoreStatus::Completed || state.processed_items != domains {
        return Err(Error(format!(
            "rescore {revision} ended {} after {} of {domains} rows",
            state.state, state.processed_items
        )));
    }
    Ok(domains as f64 / secs)
}

/// The reference table: the rows as `content_results` held them before migration 000005
/// (score and components in the wide row), with the score index.
fn create_reference(args: &Args) -> Result<()> {
    let components_json = if args.scratch.is_some() {
        "json_build_object('score', s.score / 100.0, 'keywordDensity', s.keyword_density)::text"
    } else {
        "json_object('score', s.score / 100.0, 'keywordDensity', s.keyword_density)"
    };
    let sql = format!(
        "CREATE TABLE ref_wide AS SELECT r.*, {components_json} AS components, s.score, \
         s.keyword_density, s.keyword_coverage, s.title_hit, s.content_length, s.not_parked, \
         s.weights_revision FROM content_results r JOIN content_scores s \
         ON s.campaign_id = r.campaign_id AND s.ordinal = r.ordinal; \
         CREATE UNIQUE INDEX ref_wide_key ON ref_wide (campaign_id, ordinal); \
         CREATE INDEX ref_wide_by_score ON ref_wide (campaign_id, score DESC, ordinal);"
    );
    execute(args, &sql)
}

fn execute(args: &Args, sql: &str) -> Result<()> {
    match &args.sqlite_path {
        Some(path) => {
            let mut conn = SqliteConnection::establish(path)?;
            conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            conn.batch_execute(sql)?;
        }
        None => PgConnection::establish(&args.url)?.batch_execute(sql)?,
    }
    Ok(())
}

/// The store's rescore statement on the reference table, in the same chunks, each its own
/// transaction (and on SQLite with the same page cache): returns rows per second.
fn rescore_reference(args: &Args, w: [f64; 5], revision: i64) -> Result<f64> {
    let (sum, score) = (
        format!(
            "{} * keyword_density + {} * keyword_coverage + {} * title_hit + {} * content_length \
             + {} * not_parked",
            w[0], w[1], w[2], w[3], w[4]
        ),
        if args.scratch.is_some() {
            "FLOOR(CAST(100 AS DOUBLE PRECISION) * LEAST(CAST(1 AS DOUBLE PRECISION), \
             GREATEST(CAST(0 AS DOUBLE PRECISION), SUM)) * CAST(1000 AS DOUBLE PRECISION) \
             + CAST(0.5 AS DOUBLE PRECISION)) / CAST(1000 AS DOUBLE PRECISION)"
        } else {
            "CAST(100.0 * MIN(1.0, MAX(0.0, SUM)) * 1000.0 + 0.5 AS INTEGER) / 1000.0"
        },
    );
    let score = score.replace("SUM", &sum);
    let mut sql = String::new();
    if args.sqlite_path.is_some() {
        sql.push_str("PRAGMA cache_size = -65536;");
    }
    let mut from = 0;
    while from < args.domains {
        let to = from + RESCORE_CHUNK;
        sql.push_str(&format!(
            "BEGIN; UPDATE ref_wide SET score = {score}, weights_revision = {revision} \
             WHERE campaign_id = 1 AND ordinal >= {from} AND ordinal < {to} \
             AND weights_revision <> {revision}; COMMIT;"
        ));
        from = to;
    }
    let start = Instant::now();
    execute(args, &sql)?;
    Ok(args.domains as f64 / start.elapsed().as_secs_f64())
}

fn run(args: &Args) -> Result<()> {
    let store = Store::open(&args.url, StoreOptions::default())?;
    let backend = if args.scratch.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "rescore_bench: {backend}, {} domains, {} runs, chunks of {RESCORE_CHUNK} ordinals",
        args.domains, args.runs
    );
    let id = load(&store, args.domains)?;
    if id != CampaignId(1) {
        return Err(Error(format!("expected campaign 1, got {id}")));
    }
    create_reference(args)?;
    let sets = [[0.1, 0.1, 0.5, 0.1, 0.2], [0.3, 0.25, 0.15, 0.1, 0.2]];
    let mut rates = Vec::with_capacity(args.runs);
    let mut references = Vec::with_capacity(args.runs);
    for run in 0..args.runs {
        let w = sets[run % 2];
        let rate = rescore(&store, id, &weights(w)?, args.domains)?;
        let reference = rescore_reference(args, w, run as i64 + 1)?;
        println!(
            "run {}: rescore {rate:.0} rows/s; reference (wide rows) {reference:.0} rows/s; \
             ratio {:.2}",
            run + 1,
            rate / reference
        );
        rates.push(rate);
        references.push(reference);
    }
    // The best page in score order is the highest score.
    let top = store.list_domains_by_score(id, &DomainFilter::default(), None, 1)?;
    let best = top
        .items
        .first()
        .and_then(|d| d.content.as_ref())
        .map_or(f64::NAN, |c| c.relevance_score);
    println!("best score after the last run: {best}");
    let (rate, reference) = (median(&rates), median(&references));
    println!(
        "median of {} runs: rescore {rate:.0} rows/s; reference (wide rows) {reference:.0} \
         rows/s; ratio {:.2}",
        args.runs,
        rate / reference
    );
    println!("peak RSS: {:.1} MiB", peak_rss_mib());
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(Error(e)) => {
            eprintln!("rescore_bench: {e}");
            std::process::exit(2);
        }
    };
    let result = run(&args);
    if let Some(path) = &args.sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    // Drops the scratch database (if any) before a possible exit, which would skip it.
    drop(args);
    if let Err(Error(e)) = result {
        eprintln!("rescore_bench: {e}");
        std::process::exit(1);
    }
}
