//! Benchmark of the page phases — `content_analysis` (default) or `lead_extraction`
//! (`--phase leads`) — through the real phase runner ([`Engine`]), end to end: every domain's
//! stored page snapshot read from the store, decompressed, analysed (or its contacts
//! extracted) and its result persisted, on SQLite or PostgreSQL.
//!
//! ```text
//! content_bench (--sqlite PATH | --postgres ADMIN_URL) [--domains N] [--distinct N]
//!     [--chunk N] [--chunks-in-flight N] [--threads N] [--phase content|leads]
//! ```
//!
//! Defaults: 200,000 domains whose snapshots cycle through 2,000 distinct pages of
//! `dragnet_testkit::pages` (business pages of 20–100 KiB, mean ≈ 58 KiB, with parking and
//! default pages mixed in), stored as the HTTP phase stores them (version-2 snapshots: kept
//! headers + body, zstd); chunks of 500, the engine's default chunks in flight.
//!
//! The campaign is set up by a child process (this program with `--setup-only URL`), so that
//! the peak RSS reported is that of the measuring process alone. Then, in this order:
//! 1. the reference: the same 200,000 snapshots read from the store in chunks, decompressed
//!    and tokenised with `lol_html` (a document text handler only), on `--threads` threads
//!    (default: the machine's cores);
//! 2. the phase, from `Start` to `completed`;
//! 3. a check: every domain has a content result, classifications tallied.
//!
//! Prints one JSON measurement per line, like the other benchmarks.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

use dragnet_domain::progress::NullSink;
use dragnet_domain::{Action, CampaignId, DnsStatus, HttpStatus, Phase};
use dragnet_engine::{Engine, EngineSettings, snapshot};
use dragnet_store::{
    Change, DnsResult, DomainFilter, HttpResult, KeywordHit, NewCampaign, NewHttpResult, Store,
    StoreOptions,
};
use dragnet_testkit::pages;
use serde_json::json;

mod bench_support;
use bench_support::{Result, cpu_seconds, emit, load_average, peak_rss_mib, run_phase};

#[derive(Clone)]
struct Args {
    sqlite: Option<String>,
    postgres: Option<String>,
    domains: u64,
    distinct: usize,
    chunk: u64,
    chunks_in_flight: Option<usize>,
    threads: usize,
    /// Set up the campaign in the store at this URL, print its id, and exit.
    setup_only: Option<String>,
    /// The phase measured.
    phase: Phase,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        sqlite: None,
        postgres: None,
        domains: 200_000,
        distinct: 2_000,
        chunk: EngineSettings::default().content_chunk,
        chunks_in_flight: None,
        threads: std::thread::available_parallelism().map_or(2, usize::from),
        setup_only: None,
        phase: Phase::ContentAnalysis,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--sqlite" => args.sqlite = Some(value()?),
            "--postgres" => args.postgres = Some(value()?),
            "--domains" => args.domains = value()?.parse()?,
            "--distinct" => args.distinct = value()?.parse()?,
            "--chunk" => args.chunk = value()?.parse()?,
            "--chunks-in-flight" => args.chunks_in_flight = Some(value()?.parse()?),
            "--threads" => args.threads = value()?.parse()?,
            "--setup-only" => args.setup_only = Some(value()?),
            "--phase" => {
                args.phase = match value()?.as_str() {
                    "content" => Phase::ContentAnalysis,
                    "leads" => Phase::LeadExtraction,
                    other => return Err(format!("--phase {other}: content or leads").into()),
                }
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.distinct == 0 || args.domains == 0 || args.threads == 0 {
        return Err("--domains, --distinct and --threads must be at least 1".into());
    }
    Ok(args)
}

/// The distinct pages as stored snapshots, with the keyword hits the HTTP phase would have
/// counted on them.
fn snapshots(distinct: usize) -> Result<Vec<(Vec<u8>, Vec<KeywordHit>)>> {
    pages::pages(distinct)
        .iter()
        .enumerate()
        .map(|(i, html)| {
            let stored = snapshot::encode(&pages::headers(i), html)
                .ok_or("a page snapshot cannot be compressed")?;
            let count = u32::try_from(html.matches("quality").count()).unwrap_or(u32::MAX);
            let hits = vec![KeywordHit {
                pattern: "quality".to_owned(),
                category: "default".to_owned(),
                count,
                title_count: 0,
            }];
            Ok((stored, hits))
        })
        .collect()
}

/// Moves a fresh campaign to a pending `content_analysis` whose domains all have an HTTP
/// result with a stored page, without running the earlier phases' network work.
fn prepare(
    store: &Store,
    args: &Args,
    stored: &[(Vec<u8>, Vec<KeywordHit>)],
) -> Result<CampaignId> {
    let mut configurations = BTreeMap::new();
    configurations.insert(
        Phase::DnsValidation,
        json!({"resolvers": ["127.0.0.1:53"], "recordTypes": ["A"]}),
    );
    configurations.insert(
        Phase::HttpKeywordValidation,
        json!({"keywordRules": [{"pattern": "quality"}]}),
    );
    configurations.insert(args.phase, json!({}));
    let campaign = store.create_campaign(&NewCampaign {
        name: "content bench".to_owned(),
        initial_phase: Phase::DomainGeneration,
        launch_sequence: false,
        configurations,
    })?;
    let id = campaign.id;
    let n = args.domains;
    store.insert_domains(id, (0..n).map(|i| format!("site{i}.bench.test")))?;
    store.apply_action(id, &Change::new(Action::Start))?;
    store.record_counted(id, Phase::DomainGeneration, n)?;
    store.apply_action(id, &Change::new(Action::Complete))?;
    let advance = |target_phase| {
        store.apply_action(id, &Change::new(Action::Advance { target_phase }))?;
        store.apply_action(id, &Change::new(Action::Start))?;
        store.set_phase_total(id, target_phase, n)
    };
    advance(Phase::DnsValidation)?;
    let now = chrono::Utc::now();
    for start in (0..n).step_by(5_000) {
        let rows: Vec<DnsResult> = (start..(start + 5_000).min(n))
            .map(|ordinal| DnsResult {
                ordinal,
                status: DnsStatus::Resolved,
                error_kind: None,
                records: Vec::new(),
                addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))],
                attempts: 1,
                checked_at: now,
            })
            .collect();
        store.write_dns_results(id, &rows, None)?;
    }
    store.apply_action(id, &Change::new(Action::Complete))?;
    advance(Phase::HttpKeywordValidation)?;
    for start in (0..n).step_by(1_000) {
        let rows: Vec<NewHttpResult> = (start..(start + 1_000).min(n))
            .map(|ordinal| {
                let (snapshot, hits) = &stored[(ordinal % stored.len() as u64) as usize];
                NewHttpResult {
                    result: HttpResult {
                        ordinal,
                        status: HttpStatus::Ok,
                        error_detail: None,
                        status_code: Some(200),
                        final_url: Some(format!("https://site{ordinal}.bench.test/")),
                        redirect_count: 0,
                        title: None,
                        content_type: Some("text/html; charset=UTF-8".to_owned()),
                        content_length: None,
                        content_hash: None,
                        keyword_hits: hits.clone(),
                        fetched_at: now,
                    },
                    snapshot: Some(snapshot.clone()),
                }
            })
            .collect();
        store.write_http_results(id, &rows, None)?;
    }
    store.apply_action(id, &Change::new(Action::Complete))?;
    store.apply_action(
        id,
        &Change::new(Action::Advance {
            target_phase: args.phase,
        }),
    )?;
    Ok(id)
}

/// The reference: every domain's stored snapshot read from the store in chunks of 500,
/// decompressed and tokenised, on `threads` threads.
fn reference(store: &Store, id: CampaignId, args: &Args) -> Result<f64> {
    let next = std::sync::atomic::AtomicU64::new(0);
    let start = Instant::now();
    let outcomes: Vec<Result<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.threads)
            .map(|_| {
                scope.spawn(|| -> Result<u64> {
                    let mut read = 0;
                    loop {
                        let first = next.fetch_add(500, std::sync::atomic::Ordering::Relaxed);
                        if first >= args.domains {
                            return Ok(read);
                        }
                        for page in store.pages_in(id, first..(first + 500).min(args.domains))? {
                            let page = snapshot::decode(&page.snapshot)?;
                            std::hint::black_box(pages::tokenise(&page.body));
                            read += 1;
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a reference thread panicked".into()))
            })
            .collect()
    });
    let mut read = 0;
    for outcome in outcomes {
        read += outcome?;
    }
    if read != args.domains {
        return Err(format!("the reference read {read} pages of {}", args.domains).into());
    }
    Ok(args.domains as f64 / start.elapsed().as_secs_f64())
}

/// Sets the campaign up in a child process (this program with `--setup-only`); returns its id.
fn setup_in_child(args: &Args, url: &str) -> Result<CampaignId> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--setup-only",
            url,
            "--domains",
            &args.domains.to_string(),
            "--distinct",
            &args.distinct.to_string(),
            "--phase",
            if args.phase == Phase::LeadExtraction {
                "leads"
            } else {
                "content"
            },
        ])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("the setup process failed: {}", output.status).into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .ok_or("the setup process printed no campaign id")?
        .trim()
        .parse()?;
    for line in text.lines().filter(|l| l.starts_with('{')) {
        println!("{line}");
    }
    Ok(CampaignId(id))
}

/// The child's work: the pages, the campaign and its DNS and HTTP rows.
fn setup(args: &Args, url: &str) -> Result<()> {
    let stored = snapshots(args.distinct)?;
    let mean = stored.iter().map(|(s, _)| s.len()).sum::<usize>() / stored.len();
    emit("mean stored snapshot", mean as f64 / 1024.0, "KiB");
    let store = Store::open(url, StoreOptions::default())?;
    let start = Instant::now();
    let id = prepare(&store, args, &stored)?;
    emit(
        "setup (import, DNS and HTTP rows)",
        start.elapsed().as_secs_f64(),
        "s",
    );
    println!("campaign {}", id.0);
    Ok(())
}

async fn bench(args: &Args, label: &str, url: &str) -> Result<()> {
    emit(
        &format!("{label}: load average at start"),
        load_average(),
        "load",
    );
    let id = {
        let (args, url) = (args.clone(), url.to_owned());
        tokio::task::spawn_blocking(move || setup_in_child(&args, &url)).await??
    };
    let store = Store::open(url, StoreOptions::default())?;
    let reference_rate = {
        let (args, store) = (args.clone(), store.clone());
        tokio::task::spawn_blocking(move || reference(&store, id, &args)).await??
    };
    emit(
        &format!(
            "{label}: reference: decompress + lol_html tokenise ({} threads)",
            args.threads
        ),
        reference_rate,
        "pages/s",
    );
    let defaults = EngineSettings::default();
    let settings = EngineSettings {
        worker_name: format!("content-bench-{}", std::process::id()),
        content_chunk: args.chunk,
        chunks_in_flight: args.chunks_in_flight.unwrap_or(defaults.chunks_in_flight),
        ..defaults
    };
    let engine = Engine::new(store.clone(), Arc::new(NullSink), settings);
    engine.start().await?;
    let cpu = cpu_seconds();
    let elapsed = run_phase(&engine, id, args.phase).await?;
    let cpu = cpu_seconds() - cpu;
    engine.shutdown().await;
    let rate = args.domains as f64 / elapsed.as_secs_f64();
    emit(
        &format!("{label}: {} of {} domains", args.phase, args.domains),
        rate,
        "domains/s",
    );
    emit(
        &format!("{label}: ratio phase / reference"),
        rate / reference_rate,
        "×",
    );
    emit(&format!("{label}: wall time"), elapsed.as_secs_f64(), "s");
    emit(
        &format!("{label}: CPU of this process"),
        cpu / elapsed.as_secs_f64(),
        "cores",
    );
    let label_owned = label.to_owned();
    let phase = args.phase;
    store
        .run(move |s| {
            if phase == Phase::LeadExtraction {
                verify_leads(s, id, &label_owned)
            } else {
                verify(s, id, &label_owned)
            }
        })
        .await?;
    emit(
        &format!("{label}: peak RSS (reference, phase and check)"),
        peak_rss_mib(),
        "MiB",
    );
    Ok(())
}

/// Reads every result back (streamed): every domain must have a content result.
fn verify(store: &Store, id: CampaignId, label: &str) -> Result<()> {
    let mut classes: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut missing = 0_u64;
    for record in store.export_domains(id, DomainFilter::default()) {
        match record?.content {
            Some(content) => *classes.entry(content.classification.as_str()).or_default() += 1,
            None => missing += 1,
        }
    }
    for (class, n) in &classes {
        emit(
            &format!("{label}: classified {class}"),
            *n as f64,
            "domains",
        );
    }
    emit(
        &format!("{label}: results missing"),
        missing as f64,
        "domains",
    );
    if missing > 0 {
        return Err(format!("{missing} domains have no content result").into());
    }
    Ok(())
}

/// Every domain must have a lead, and the funnel must balance.
fn verify_leads(store: &Store, id: CampaignId, label: &str) -> Result<()> {
    let summary = store.lead_summary(id)?;
    emit(
        &format!("{label}: qualified"),
        summary.qualified as f64,
        "domains",
    );
    for (reason, n) in summary.rejected.iter().filter(|(_, n)| **n > 0) {
        emit(&format!("{label}: rejected {reason}"), *n as f64, "domains");
    }
    let total = store.count_funnel(id)?;
    if summary.analysed() != total {
        return Err(format!("{} leads for {total} domains", summary.analysed()).into());
    }
    Ok(())
}

fn main() {
    let result = parse_args().and_then(|args| {
        if let Some(url) = &args.setup_only {
            return setup(&args, url);
        }
        let args = &args;
        bench_support::on_scratch_database(
            "dragnet_content_bench",
            args.sqlite.as_deref(),
            args.postgres.as_deref(),
            |label, url| async move { bench(args, label, &url).await },
        )
    });
    if let Err(e) = result {
        eprintln!("content_bench: {e}");
        std::process::exit(1);
    }
}
