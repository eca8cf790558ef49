//! Benchmark of the `http_keyword_validation` phase through the real phase runner
//! ([`Engine`]) with results persisted, on SQLite or PostgreSQL, against an HTTP(S) server on
//! 127.0.0.1 (nginx in `cargo xtask bench http`). Every domain's DNS result points at
//! 127.0.0.1, so every probe is a new TCP connection (and, over HTTPS, a full TLS handshake)
//! to that server with the domain as Host and SNI.
//!
//! ```text
//! http_bench (--sqlite PATH | --postgres ADMIN_URL) --port PORT [--scheme http|https]
//!     [--domains N] [--concurrency N] [--chunk N] [--chunks-in-flight N]
//!     [--expect-keyword TEXT]
//! ```
//!
//! Defaults: 100,000 domains, HTTP, concurrency 256 (per IP as well: every domain shares one
//! address here), chunks of 2,000, 3 in flight. The campaign's names are imported, their DNS
//! results written directly (`resolved`, 127.0.0.1) — this measures the HTTP phase alone.
//! Afterwards every result is read back: all must be `ok`, and with `--expect-keyword` each
//! must have a hit for that keyword. Prints one JSON measurement per line, with peak RSS.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use dragnet_domain::progress::NullSink;
use dragnet_domain::{Action, CampaignId, DnsStatus, HttpStatus, Phase};
use dragnet_engine::{Engine, EngineSettings};
use dragnet_store::{Change, DnsResult, DomainFilter, NewCampaign, Store, StoreOptions};
use serde_json::json;

mod bench_support;
use bench_support::{Result, cpu_seconds, emit, load_average, peak_rss_mib, run_phase};

#[derive(Clone)]
struct Args {
    sqlite: Option<String>,
    postgres: Option<String>,
    port: u16,
    https: bool,
    domains: u64,
    concurrency: u32,
    chunk: u64,
    chunks_in_flight: usize,
    expect_keyword: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        sqlite: None,
        postgres: None,
        port: 0,
        https: false,
        domains: 100_000,
        concurrency: 256,
        chunk: 2_000,
        chunks_in_flight: 3,
        expect_keyword: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--sqlite" => args.sqlite = Some(value()?),
            "--postgres" => args.postgres = Some(value()?),
            "--port" => args.port = value()?.parse()?,
            "--scheme" => {
                args.https = match value()?.as_str() {
                    "http" => false,
                    "https" => true,
                    other => return Err(format!("--scheme {other}: http or https").into()),
                }
            }
            "--domains" => args.domains = value()?.parse()?,
            "--concurrency" => args.concurrency = value()?.parse()?,
            "--chunk" => args.chunk = value()?.parse()?,
            "--chunks-in-flight" => args.chunks_in_flight = value()?.parse()?,
            "--expect-keyword" => args.expect_keyword = Some(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.port == 0 {
        return Err("give --port PORT (a server on 127.0.0.1)".into());
    }
    Ok(args)
}

fn http_config(args: &Args) -> serde_json::Value {
    let scheme = if args.https { "https" } else { "http" };
    json!({
        "schemes": [scheme],
        "ports": { scheme: args.port },
        "acceptInvalidCertificates": true,
        "concurrency": args.concurrency,
        "perIpConcurrency": args.concurrency.min(1000),
        "timeoutMs": 10000,
        "keywordRules": [
            {"pattern": "verify your account", "category": "phishing"},
            {"pattern": "password"},
            {"pattern": "online banking", "category": "brand"},
            {"pattern": "secure\\s+login", "kind": "regex"},
        ],
    })
}

/// Moves a fresh campaign to a pending `http_keyword_validation` with every domain
/// resolved to 127.0.0.1, without running the earlier phases' network work.
fn prepare(store: &Store, args: &Args) -> Result<CampaignId> {
    let mut configurations = BTreeMap::new();
    configurations.insert(
        Phase::DnsValidation,
        json!({"resolvers": ["127.0.0.1:53"], "recordTypes": ["A"]}),
    );
    configurations.insert(Phase::HttpKeywordValidation, http_config(args));
    let campaign = store.create_campaign(&NewCampaign {
        name: "http bench".to_owned(),
        initial_phase: Phase::DomainGeneration,
        launch_sequence: false,
        configurations,
    })?;
    let id = campaign.id;
    store.insert_domains(id, (0..args.domains).map(|i| format!("site{i}.bench.test")))?;
    store.apply_action(id, &Change::new(Action::Start))?;
    store.record_counted(id, Phase::DomainGeneration, args.domains)?;
    store.apply_action(id, &Change::new(Action::Complete))?;
    store.apply_action(
        id,
        &Change::new(Action::Advance {
            target_phase: Phase::DnsValidation,
        }),
    )?;
    store.apply_action(id, &Change::new(Action::Start))?;
    store.set_phase_total(id, Phase::DnsValidation, args.domains)?;
    let now = chrono::Utc::now();
    let mut start = 0;
    while start < args.domains {
        let end = (start + 5_000).min(args.domains);
        let rows: Vec<DnsResult> = (start..end)
            .map(|ordinal| DnsResult {
                ordinal,
                status: DnsStatus::Resolved,
                error_kind: None,
                records: Vec::new(),
                addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
                attempts: 1,
                checked_at: now,
            })
            .collect();
        store.write_dns_results(id, &rows, None)?;
        start = end;
    }
    store.apply_action(id, &Change::new(Action::Complete))?;
    store.apply_action(
        id,
        &Change::new(Action::Advance {
            target_phase: Phase::HttpKeywordValidation,
        }),
    )?;
    Ok(id)
}

async fn bench(args: &Args, label: &str, url: &str) -> Result<()> {
    emit(
        &format!("{label}: load average at start"),
        load_average(),
        "load",
    );
    let store = Store::open(url, StoreOptions::default())?;
    let id = {
        let args = args.clone();
        store.run(move |s| prepare(s, &args)).await?
    };
    let settings = EngineSettings {
        worker_name: format!("http-bench-{}", std::process::id()),
        http_chunk: args.chunk,
        chunks_in_flight: args.chunks_in_flight,
        allow_private_addresses: true,
        ..EngineSettings::default()
    };
    let engine = Engine::new(store.clone(), Arc::new(NullSink), settings);
    engine.start().await?;
    let scheme = if args.https { "https" } else { "http" };
    let cpu = cpu_seconds();
    let elapsed = run_phase(&engine, id, Phase::HttpKeywordValidation).await?;
    let cpu = cpu_seconds() - cpu;
    engine.shutdown().await;
    emit(
        &format!("{label}: {scheme} probes of {} domains", args.domains),
        args.domains as f64 / elapsed.as_secs_f64(),
        "probes/s",
    );
    emit(
        &format!("{label}: {scheme} wall time"),
        elapsed.as_secs_f64(),
        "s",
    );
    emit(
        &format!("{label}: {scheme} CPU of this process"),
        cpu / elapsed.as_secs_f64(),
        "cores",
    );
    let keyword = args.expect_keyword.clone();
    let label_owned = format!("{label}: {scheme}");
    store
        .run(move |s| verify(s, id, &label_owned, keyword.as_deref()))
        .await?;
    emit(&format!("{label}: peak RSS"), peak_rss_mib(), "MiB");
    Ok(())
}

/// Reads every result back (streamed): counts statuses and keyword hits.
fn verify(store: &Store, id: CampaignId, label: &str, keyword: Option<&str>) -> Result<()> {
    let mut statuses: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut missing, mut with_keyword) = (0_u64, 0_u64);
    let mut first_error = None;
    for record in store.export_domains(id, DomainFilter::default()) {
        let record = record?;
        let Some(http) = record.http else {
            missing += 1;
            continue;
        };
        *statuses.entry(http.status.as_str()).or_default() += 1;
        if http.status != HttpStatus::Ok && first_error.is_none() {
            first_error = http.error_detail.clone();
        }
        if let Some(k) = keyword
            && http
                .keyword_hits
                .iter()
                .any(|h| h.pattern == k && h.count > 0)
        {
            with_keyword += 1;
        }
    }
    for (status, n) in &statuses {
        emit(
            &format!("{label}: HTTP status {status}"),
            *n as f64,
            "domains",
        );
    }
    emit(
        &format!("{label}: results missing"),
        missing as f64,
        "domains",
    );
    if let Some(k) = keyword {
        emit(
            &format!("{label}: results with a hit for `{k}`"),
            with_keyword as f64,
            "domains",
        );
    }
    if let Some(e) = first_error {
        eprintln!("http_bench: first failure: {e}");
    }
    Ok(())
}

fn main() {
    let result = parse_args().and_then(|args| {
        let args = &args;
        bench_support::on_scratch_database(
            "dragnet_http_bench",
            args.sqlite.as_deref(),
            args.postgres.as_deref(),
            |label, url| async move { bench(args, label, &url).await },
        )
    });
    if let Err(e) = result {
        eprintln!("http_bench: {e}");
        std::process::exit(1);
    }
}
