//! DNS resolver throughput benchmark.
//!
//! Resolves N names and prints JSON lines `{"name", "value", "unit"}`: names/s, correct and
//! wrong answer counts, timeouts, retransmits and peak RSS (VmHWM of this process, which
//! includes the in-process server when it is used).
//!
//! ```text
//! # against the in-process test server (about half the names resolve):
//! cargo run --release -p dragnet-dns --example dns_bench -- --names 200000
//! # against a server on 127.0.0.1 with the test bed's expected answers (dns_testbed.sh):
//! cargo run --release -p dragnet-dns --example dns_bench -- \
//!     --server 127.0.0.1:5353 --expected /tmp/bench-dns/expected.tsv
//! ```
//!
//! Options: `--names N`, `--types A,AAAA` (default A), `--concurrency N`, `--sockets N`,
//! `--timeout-ms N`, `--retries N`, `--rate N`. Only loopback servers are accepted: benchmarks
//! send traffic only to servers on this machine.

use std::collections::HashMap;
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use dragnet_dns::{DnsResult, Resolver, ResolverSettings};
use dragnet_domain::{DnsStatus, RecordType};
use dragnet_testkit::TestDnsServer;
use dragnet_testkit::dns_server::expected_outcome;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

type BoxError = Box<dyn Error + Send + Sync>;

struct Args {
    server: Option<SocketAddr>,
    expected: Option<String>,
    names: u64,
    types: Vec<RecordType>,
    concurrency: usize,
    sockets: usize,
    timeout: Duration,
    retries: u32,
    rate: Option<NonZeroU32>,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut args = Args {
        server: None,
        expected: None,
        names: 200_000,
        types: vec![RecordType::A],
        concurrency: 1000,
        sockets: 2,
        timeout: Duration::from_millis(1000),
        retries: 5,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => args.server = Some(value()?.parse()?),
            "--expected" => args.expected = Some(value()?),
            "--names" => args.names = value()?.parse()?,
            "--types" => {
                args.types = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--concurrency" => args.concurrency = value()?.parse()?,
            "--sockets" => args.sockets = value()?.parse()?,
            "--timeout-ms" => args.timeout = Duration::from_millis(value()?.parse()?),
            "--retries" => args.retries = value()?.parse()?,
            "--rate" => args.rate = NonZeroU32::new(value()?.parse()?),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if let Some(server) = args.server
        && !server.ip().is_loopback()
    {
        return Err("only loopback servers are accepted".into());
    }
    Ok(args)
}

/// Expected A answers from the test bed's `expected.tsv` (`name<TAB>ip|NXDOMAIN`), in order.
fn load_expected(path: &str, limit: u64) -> Result<(Vec<String>, Vec<Option<Ipv4Addr>>), BoxError> {
    let mut names = Vec::new();
    let mut answers = Vec::new();
    for line in BufReader::new(File::open(path)?).lines() {
        if names.len() as u64 >= limit {
            break;
        }
        let line = line?;
        let Some((name, answer)) = line.split_once('\t') else {
            continue;
        };
        names.push(name.to_owned());
        answers.push(answer.parse().ok());
    }
    Ok((names, answers))
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn emit(name: &str, value: f64, unit: &str) {
    println!("{{\"name\":\"{name}\",\"value\":{value},\"unit\":\"{unit}\"}}");
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = parse_args()?;
    let local = match args.server {
        Some(_) => None,
        None => Some(TestDnsServer::start().await?),
    };
    let server = match (&local, args.server) {
        (Some(s), _) => s.addr(),
        (None, Some(addr)) => addr,
        (None, None) => return Err("no server".into()),
    };
    let testbed = match &args.expected {
        Some(path) => Some(load_expected(path, args.names)?),
        None => None,
    };
    let total = testbed
        .as_ref()
        .map_or(args.names, |(names, _)| names.len() as u64);

    let mut settings = ResolverSettings::new([server]);
    settings.record_types = args.types.clone();
    settings.concurrency = args.concurrency;
    settings.sockets = args.sockets;
    settings.timeout = args.timeout;
    settings.retries = args.retries;
    settings.rate_limit_per_second = args.rate;
    settings.recursion_desired = false;
    let resolver = Resolver::new(settings)?;

    let (in_tx, in_rx) = mpsc::channel::<(u64, String)>(4096);
    let (out_tx, mut out_rx) = mpsc::channel::<DnsResult>(4096);
    let (names, answers) = match testbed {
        Some((names, answers)) => (Some(names), Some(answers)),
        None => (None, None),
    };
    let feeder = tokio::spawn(async move {
        for i in 0..total {
            let name = match &names {
                Some(list) => list[i as usize].clone(),
                // Names without a known prefix resolve on the name's hash: about half do.
                None => format!(
                    "bench{i}-x.{}.test",
                    ["com", "net", "org", "shop"][i as usize % 4]
                ),
            };
            if in_tx.send((i, name)).await.is_err() {
                break;
            }
        }
    });
    let types = args.types.clone();
    let checker = tokio::spawn(async move {
        let mut counts: HashMap<&'static str, u64> = HashMap::new();
        let (mut correct, mut wrong, mut attempts) = (0u64, 0u64, 0u64);
        while let Some(r) = out_rx.recv().await {
            *counts.entry(r.outcome.status.as_str()).or_default() += 1;
            attempts += u64::from(r.outcome.attempts);
            let ok = match &answers {
                Some(answers) => match answers[r.ordinal as usize] {
                    Some(ip) => {
                        r.outcome.status == DnsStatus::Resolved
                            && r.outcome.addresses == [IpAddr::V4(ip)]
                    }
                    None => r.outcome.status == DnsStatus::NxDomain,
                },
                None => expected_outcome(&r.name, &types).matches(&r.outcome),
            };
            if ok {
                correct += 1;
            } else {
                wrong += 1;
            }
        }
        (correct, wrong, attempts, counts)
    });

    let started = Instant::now();
    let stats = resolver
        .resolve_stream(in_rx, out_tx, CancellationToken::new())
        .await?;
    let elapsed = started.elapsed().as_secs_f64();
    feeder.await?;
    let (correct, wrong, attempts, counts) = checker.await?;

    emit("dns_names", total as f64, "names");
    emit("dns_wall_time", elapsed, "s");
    emit(
        "dns_names_per_second",
        (total as f64 / elapsed).round(),
        "names/s",
    );
    emit(
        "dns_queries_per_second",
        (stats.queries_sent as f64 / elapsed).round(),
        "queries/s",
    );
    emit("dns_correct", correct as f64, "names");
    emit("dns_wrong", wrong as f64, "names");
    emit("dns_missing", (total - correct - wrong) as f64, "names");
    for status in ["resolved", "nxdomain", "no_records", "timeout", "error"] {
        emit(
            &format!("dns_status_{status}"),
            counts.get(status).copied().unwrap_or(0) as f64,
            "names",
        );
    }
    emit("dns_attempts", attempts as f64, "queries");
    emit("dns_retransmits", stats.retransmits as f64, "queries");
    emit("dns_timeouts", stats.timeouts as f64, "queries");
    emit("dns_backoffs", stats.backoffs as f64, "events");
    emit(
        "dns_ignored_unknown_id",
        stats.ignored_unknown_id as f64,
        "packets",
    );
    if let Some(rss) = peak_rss_mib() {
        emit("dns_peak_rss", (rss * 10.0).round() / 10.0, "MiB");
    }
    Ok(())
}
