//! The store benchmark run by `cargo xtask bench store`: bulk insert of generated domains,
//! batched DNS result writes and deep keyset pages, on one backend per run.
//!
//! Usage: `store_bench (--sqlite PATH | --postgres ADMIN_URL) [--domains N]`
//!
//! With `--postgres`, a scratch database `dragnet_bench_<pid>` is created on that server and
//! dropped at the end. Prints one JSON measurement per line and the peak RSS.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use anyhow_free::{Error, Result};
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dragnet_domain::{CampaignId, DnsStatus, Phase};
use dragnet_store::{DnsResult, DomainFilter, NewCampaign, Store, StoreOptions};
use dragnet_testkit::pg::ScratchDatabase;

/// A tiny error type so the example needs no extra dependency.
mod anyhow_free {
    /// Any error, as text.
    #[derive(Debug)]
    pub struct Error(pub String);

    impl<E: std::fmt::Display> From<E> for Error {
        fn from(e: E) -> Self {
            Error(e.to_string())
        }
    }

    /// A result with that error.
    pub type Result<T> = std::result::Result<T, Error>;
}

const DNS_BATCH: u64 = 5_000;
const PAGE_SAMPLES: usize = 1_000;

/// Name `i` the way the pattern generator orders them: a five-letter variable part before a
/// constant, the TLD as the outermost digit.
fn name(i: u64) -> String {
    const TLDS: [&str; 4] = ["com", "net", "org", "io"];
    let per_tld = 26_u64.pow(5);
    let tld = TLDS[((i / per_tld) % TLDS.len() as u64) as usize];
    let mut var = [b'a'; 5];
    let mut n = i % per_tld;
    for slot in var.iter_mut().rev() {
        *slot = b'a' + (n % 26) as u8;
        n /= 26;
    }
    let var = std::str::from_utf8(&var).unwrap_or("aaaaa");
    format!("{var}shop.{tld}")
}

fn dns(ordinal: u64, checked_at: chrono::DateTime<Utc>) -> DnsResult {
    let resolved = !ordinal.is_multiple_of(3);
    DnsResult {
        ordinal,
        status: if resolved {
            DnsStatus::Resolved
        } else {
            DnsStatus::NxDomain
        },
        error_kind: None,
        records: Vec::new(),
        addresses: if resolved {
            vec![IpAddr::V4(Ipv4Addr::from(
                0xc000_0200_u32 + (ordinal % 250) as u32,
            ))]
        } else {
            Vec::new()
        },
        attempts: 1,
        checked_at,
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

fn emit(name: &str, value: f64, unit: &str) {
    println!(
        "{}",
        serde_json::json!({"name": name, "value": value, "unit": unit})
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(idx).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Where to run: the store URL, and for PostgreSQL the scratch database to drop afterwards.
struct Target {
    label: &'static str,
    url: String,
    scratch: Option<ScratchDatabase>,
}

fn parse_args() -> Result<(Target, u64)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut target = None;
    let mut domains = 2_000_000;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--sqlite" => {
                let path = it.next().ok_or(Error("--sqlite needs a path".into()))?;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                target = Some(Target {
                    label: "sqlite",
                    url: format!("sqlite://{path}"),
                    scratch: None,
                });
            }
            "--postgres" => {
                let admin = it.next().ok_or(Error("--postgres needs a URL".into()))?;
                let scratch = ScratchDatabase::create(admin, "dragnet_bench")?;
                target = Some(Target {
                    label: "postgres",
                    url: scratch.url().to_owned(),
                    scratch: Some(scratch),
                });
            }
            "--domains" => {
                domains = it
                    .next()
                    .ok_or(Error("--domains needs a number".into()))?
                    .parse()?;
            }
            other => return Err(Error(format!("unknown argument `{other}`"))),
        }
    }
    let target = target.ok_or(Error("give --sqlite PATH or --postgres ADMIN_URL".into()))?;
    Ok((target, domains))
}

fn run(target: &Target, domains: u64) -> Result<()> {
    let label = target.label;
    let store = Store::open(&target.url, StoreOptions::default())?;
    let campaign = store.create_campaign(&NewCampaign {
        name: "bench".to_owned(),
        initial_phase: Phase::DomainGeneration,
        launch_sequence: false,
        configurations: Default::default(),
    })?;
    let id: CampaignId = campaign.id;

    let start = Instant::now();
    let report = store.insert_domains(id, (0..domains).map(name))?;
    let secs = start.elapsed().as_secs_f64();
    if report.inserted != domains {
        return Err(Error(format!("inserted {} of {domains}", report.inserted)));
    }
    emit(
        &format!("{label}: insert {domains} domains"),
        domains as f64 / secs,
        "rows/s",
    );

    let start = Instant::now();
    let mut written = 0;
    let mut first = 0;
    while first < domains {
        let end = (first + DNS_BATCH).min(domains);
        let now = Utc::now();
        let batch: Vec<DnsResult> = (first..end).map(|o| dns(o, now)).collect();
        written += store.write_dns_results(id, &batch, Some(end))?.inserted;
        first = end;
    }
    let secs = start.elapsed().as_secs_f64();
    if written != domains {
        return Err(Error(format!("wrote {written} of {domains} DNS results")));
    }
    emit(
        &format!("{label}: write {domains} DNS results (batches of {DNS_BATCH})"),
        domains as f64 / secs,
        "rows/s",
    );

    // Deep pages: cursors spread over the second half of the campaign.
    let filter = DomainFilter::default();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut samples = Vec::with_capacity(PAGE_SAMPLES);
    for i in 0..PAGE_SAMPLES + 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let after = domains / 2 + state % (domains / 2).saturating_sub(100).max(1);
        let t = Instant::now();
        let page = store.list_domains(id, &filter, Some(after), 100)?;
        let elapsed = t.elapsed();
        if page.items.len() != 100 || page.items.iter().any(|d| d.dns.is_none()) {
            return Err(Error(format!("short page after {after}")));
        }
        if i >= 20 {
            samples.push(elapsed);
        }
    }
    samples.sort_unstable();
    emit(
        &format!("{label}: 100-row page with results, median"),
        percentile(&samples, 0.5),
        "ms",
    );
    emit(
        &format!("{label}: 100-row page with results, p99"),
        percentile(&samples, 0.99),
        "ms",
    );
    emit(&format!("{label}: peak RSS"), peak_rss_mib(), "MiB");
    drop(store);
    reference(target, domains)
}

/// The database's own ceiling for the same rows, measured in the same run so that the store's
/// figures can be read as ratios on a noisy shared machine: one server-side `INSERT … SELECT`
/// per table of identical shape, with no client, no batching and no bookkeeping.
fn reference(target: &Target, domains: u64) -> Result<()> {
    const TABLES: &str = "CREATE TABLE ref_domains (campaign_id BIGINT NOT NULL, \
         ordinal BIGINT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (campaign_id, ordinal), \
         UNIQUE (campaign_id, name)); \
         CREATE TABLE ref_dns (campaign_id BIGINT NOT NULL, ordinal BIGINT NOT NULL, \
         status SMALLINT NOT NULL, error_kind TEXT, addresses TEXT NOT NULL, \
         attempts INTEGER NOT NULL, checked_at BIGINT NOT NULL, \
         PRIMARY KEY (campaign_id, ordinal));";
    let last = domains.saturating_sub(1);
    let (domains_sql, dns_sql) = match target.scratch {
        None => (
            format!(
                "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {last}) \
                 INSERT INTO ref_domains SELECT 1, i, printf('%07dshop.com', i) FROM g"
            ),
            format!(
                "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {last}) \
                 INSERT INTO ref_dns SELECT 1, i, i % 3 = 0, NULL, '192.0.2.' || (i % 250), 1, \
                 1700000000000 FROM g"
            ),
        ),
        Some(_) => (
            format!(
                "INSERT INTO ref_domains SELECT 1, g, lpad(g::text, 7, '0') || 'shop.com' \
                 FROM generate_series(0, {last}) g"
            ),
            format!(
                "INSERT INTO ref_dns SELECT 1, g, (g % 3 = 0)::int, NULL, \
                 '192.0.2.' || (g % 250), 1, 1700000000000 FROM generate_series(0, {last}) g"
            ),
        ),
    };
    let run = |sql: &str| -> Result<f64> {
        let start = Instant::now();
        match target.scratch {
            None => {
                let path = target.url.trim_start_matches("sqlite://");
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
                conn.batch_execute(sql)?;
            }
            Some(_) => PgConnection::establish(&target.url)?.batch_execute(sql)?,
        }
        Ok(domains as f64 / start.elapsed().as_secs_f64())
    };
    run(TABLES)?;
    let label = target.label;
    emit(
        &format!("{label}: reference: server-side INSERT … SELECT, domains"),
        run(&domains_sql)?,
        "rows/s",
    );
    emit(
        &format!("{label}: reference: server-side INSERT … SELECT, DNS results"),
        run(&dns_sql)?,
        "rows/s",
    );
    Ok(())
}

fn main() {
    let (target, domains) = match parse_args() {
        Ok(parsed) => parsed,
        Err(Error(e)) => {
            eprintln!("store_bench: {e}");
            std::process::exit(2);
        }
    };
    let result = run(&target, domains);
    // Drops the scratch database (if any) before a possible exit, which would skip it.
    drop(target);
    if let Err(Error(e)) = result {
        eprintln!("store_bench: {e}");
        std::process::exit(1);
    }
}
