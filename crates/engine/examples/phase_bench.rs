//! End-to-end benchmark of the `domain_generation` and `dns_validation` phases through the
//! real phase runner ([`Engine`]), on SQLite or PostgreSQL. Run by `cargo xtask bench
//! generation` and `cargo xtask bench dns`.
//!
//! ```text
//! # write the zone (and dnsperf input) that matches the campaign's generated names:
//! phase_bench --write-zone DIR [--names N]
//! # generation only:
//! phase_bench (--sqlite PATH | --postgres ADMIN_URL) --generation-only [--names N]
//! # generation, then DNS validation against a server on 127.0.0.1 serving that zone:
//! phase_bench (--sqlite PATH | --postgres ADMIN_URL) --resolver 127.0.0.1:PORT [--names N]
//!     [--concurrency N] [--timeout-ms N] [--retries N]
//!     [--generation-chunk N] [--dns-chunk N] [--chunks-in-flight N]
//! ```
//!
//! Defaults: 2,000,000 names; DNS concurrency 3,000 (1,000 per chunk in flight), timeout
//! 1,000 ms, 5 retries; engine chunks of 100,000 names (generation) and 20,000 (DNS), 3 in
//! flight.
//!
//! The campaign generates N names (default 2,000,000) from the pattern `both`, character set
//! `a-z0-9`, 3 + 3 variable characters around `shop`, TLD `bench.test` — 10-character labels
//! such as `aaashopa0x.bench.test`. Whether a name resolves, and to which address in
//! 127.0.0.0/8, is a pure function of the name (an FNV-1a hash: about half resolve), so the
//! zone writer and the checker agree without keeping 2M expected answers in memory. Only A
//! records are asked for (the zone has nothing else).
//!
//! With `--postgres`, a scratch database `dragnet_phase_bench_<pid>` is created on that server
//! and dropped at the end. Prints one JSON measurement `{"name","value","unit"}` per line,
//! including peak RSS (VmHWM) and the load average when the run started. Only loopback
//! resolvers are accepted.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use dragnet_domain::config::dns::{DnsValidationConfig, DnsValidationConfigInput, ResolverEntry};
use dragnet_domain::config::generation::{
    DomainGenerationConfig, DomainGenerationConfigInput, PatternType,
};
use dragnet_domain::generator::Generator;
use dragnet_domain::progress::NullSink;
use dragnet_domain::{Action, CampaignId, DnsStatus, Phase};
use dragnet_engine::{Engine, EngineSettings};
use dragnet_store::{Change, DomainFilter, NewCampaign, Store, StoreOptions};

mod bench_support;
use bench_support::{Result, cpu_seconds, emit, load_average, peak_rss_mib, run_phase};

/// The zone every generated name lives in (the pattern's only TLD).
const ZONE: &str = "bench.test";

struct Args {
    write_zone: Option<PathBuf>,
    sqlite: Option<String>,
    postgres: Option<String>,
    generation_only: bool,
    names: u64,
    resolvers: Vec<SocketAddr>,
    concurrency: u32,
    timeout_ms: u32,
    retries: u32,
    generation_chunk: u64,
    dns_chunk: u64,
    chunks_in_flight: usize,
}

fn parse_args() -> Result<Args> {
    let defaults = EngineSettings::default();
    let mut args = Args {
        write_zone: None,
        sqlite: None,
        postgres: None,
        generation_only: false,
        names: 2_000_000,
        resolvers: Vec::new(),
        concurrency: 3_000,
        timeout_ms: 1_000,
        retries: 5,
        // Larger than the engine's defaults (20,000 and 5,000): fewer per-chunk costs (lease
        // claim and completion, a transaction, a resolver start and its window's slow start
        // and drain). See docs/benchmarks.md.
        generation_chunk: 100_000,
        dns_chunk: 20_000,
        chunks_in_flight: defaults.chunks_in_flight,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--write-zone" => args.write_zone = Some(PathBuf::from(value()?)),
            "--sqlite" => args.sqlite = Some(value()?),
            "--postgres" => args.postgres = Some(value()?),
            "--generation-only" => args.generation_only = true,
            "--names" => args.names = value()?.parse()?,
            "--resolver" => {
                let addr: SocketAddr = value()?.parse()?;
                if !addr.ip().is_loopback() {
                    return Err(format!("--resolver {addr}: only loopback servers").into());
                }
                args.resolvers.push(addr);
            }
            "--concurrency" => args.concurrency = value()?.parse()?,
            "--timeout-ms" => args.timeout_ms = value()?.parse()?,
            "--retries" => args.retries = value()?.parse()?,
            "--generation-chunk" => args.generation_chunk = value()?.parse()?,
            "--dns-chunk" => args.dns_chunk = value()?.parse()?,
            "--chunks-in-flight" => args.chunks_in_flight = value()?.parse()?,
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if args.names == 0 {
        return Err("--names must be at least 1".into());
    }
    Ok(args)
}

/// The campaign's generation configuration: `names` names with 10-character labels.
fn generation_config(names: u64) -> Result<DomainGenerationConfig> {
    let input = DomainGenerationConfigInput {
        pattern_type: PatternType::Both,
        constant_string: "shop".to_owned(),
        character_set: "abcdefghijklmnopqrstuvwxyz0123456789".to_owned(),
        prefix_length: 3,
        suffix_length: 3,
        tlds: vec![ZONE.to_owned()],
        offset_start: None,
        max_domains: Some(names),
    };
    DomainGenerationConfig::try_from(input).map_err(|e| format!("generation config: {e}").into())
}

fn dns_config(args: &Args) -> Result<DnsValidationConfig> {
    let input = DnsValidationConfigInput {
        resolvers: Some(
            args.resolvers
                .iter()
                .map(|a| ResolverEntry::Address(a.to_string()))
                .collect(),
        ),
        timeout_ms: Some(args.timeout_ms),
        retries: Some(args.retries),
        record_types: Some(vec![dragnet_domain::config::dns::RecordType::A]),
        concurrency: Some(args.concurrency),
        ..DnsValidationConfigInput::default()
    };
    DnsValidationConfig::try_from(input).map_err(|e| format!("DNS config: {e}").into())
}

/// FNV-1a, 64 bits: stable across runs and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The A record the zone holds for `name`, or `None` for NXDOMAIN (about half the names).
fn expected(name: &str) -> Option<Ipv4Addr> {
    let h = fnv1a(name.as_bytes());
    (h >> 40 & 1 == 0).then(|| {
        Ipv4Addr::new(
            127,
            (h & 0xff) as u8,
            (h >> 8 & 0xff) as u8,
            ((h >> 16 & 0xff) as u8).max(1),
        )
    })
}

/// Writes `DIR/zones/bench.test.zone` (the resolving half of the campaign's names) and
/// `DIR/dnsperf.txt` (every name, `name A`, for dnsperf).
fn write_zone(dir: &std::path::Path, names: u64) -> Result<()> {
    let config = generation_config(names)?;
    std::fs::create_dir_all(dir.join("zones"))?;
    let mut zone = BufWriter::new(File::create(
        dir.join("zones").join(format!("{ZONE}.zone")),
    )?);
    let mut perf = BufWriter::new(File::create(dir.join("dnsperf.txt"))?);
    writeln!(zone, "$ORIGIN {ZONE}.\n$TTL 3600")?;
    writeln!(
        zone,
        "@ IN SOA ns1.{ZONE}. hostmaster.{ZONE}. 1 7200 3600 1209600 300"
    )?;
    writeln!(zone, "@ IN NS ns1.{ZONE}.\nns1 IN A 127.0.0.1")?;
    let mut generated = Generator::campaign_names(&config);
    let (mut total, mut resolving) = (0_u64, 0_u64);
    while let Some(name) = generated.next_str() {
        total += 1;
        writeln!(perf, "{name} A")?;
        if let Some(ip) = expected(name) {
            resolving += 1;
            let label = name
                .strip_suffix(ZONE)
                .unwrap_or(name)
                .trim_end_matches('.');
            writeln!(zone, "{label} IN A {ip}")?;
        }
    }
    zone.flush()?;
    perf.flush()?;
    eprintln!(
        "phase_bench: wrote {} ({total} names, {resolving} resolving)",
        dir.display()
    );
    Ok(())
}

async fn bench(args: &Args, label: &str, url: &str) -> Result<()> {
    emit(
        &format!("{label}: load average at start"),
        load_average(),
        "load",
    );
    let store = Store::open(url, StoreOptions::default())?;
    let generation = generation_config(args.names)?;
    let mut configurations = BTreeMap::new();
    configurations.insert(Phase::DomainGeneration, serde_json::to_value(&generation)?);
    if !args.generation_only {
        if args.resolvers.is_empty() {
            return Err("give --resolver 127.0.0.1:PORT (or --generation-only)".into());
        }
        configurations.insert(
            Phase::DnsValidation,
            serde_json::to_value(dns_config(args)?)?,
        );
    }
    let campaign = store.create_campaign(&NewCampaign {
        name: "phase bench".to_owned(),
        initial_phase: Phase::DomainGeneration,
        launch_sequence: false,
        configurations,
    })?;
    let id = campaign.id;
    let settings = EngineSettings {
        worker_name: format!("phase-bench-{}", std::process::id()),
        generation_chunk: args.generation_chunk,
        dns_chunk: args.dns_chunk,
        chunks_in_flight: args.chunks_in_flight,
        ..EngineSettings::default()
    };
    let engine = Engine::new(store.clone(), Arc::new(NullSink), settings);
    engine.start().await?;

    let cpu = cpu_seconds();
    let elapsed = run_phase(&engine, id, Phase::DomainGeneration).await?;
    let cpu = cpu_seconds() - cpu;
    let count = store.run(move |s| s.count_domains(id)).await?;
    if count != args.names {
        return Err(format!("generated {count} names, expected {}", args.names).into());
    }
    emit(
        &format!("{label}: generation of {} names", args.names),
        args.names as f64 / elapsed.as_secs_f64(),
        "names/s",
    );
    emit(
        &format!("{label}: generation wall time"),
        elapsed.as_secs_f64(),
        "s",
    );
    emit(
        &format!("{label}: generation CPU of this process"),
        cpu / elapsed.as_secs_f64(),
        "cores",
    );

    if !args.generation_only {
        engine
            .apply(
                id,
                Change::new(Action::Advance {
                    target_phase: Phase::DnsValidation,
                }),
            )
            .await?;
        emit(
            &format!("{label}: load average before DNS"),
            load_average(),
            "load",
        );
        let cpu = cpu_seconds();
        let elapsed = run_phase(&engine, id, Phase::DnsValidation).await?;
        let cpu = cpu_seconds() - cpu;
        emit(
            &format!("{label}: DNS validation of {} names (A)", args.names),
            args.names as f64 / elapsed.as_secs_f64(),
            "names/s",
        );
        emit(
            &format!("{label}: DNS wall time"),
            elapsed.as_secs_f64(),
            "s",
        );
        emit(
            &format!("{label}: DNS CPU of this process"),
            cpu / elapsed.as_secs_f64(),
            "cores",
        );
        let label = label.to_owned();
        store.run(move |s| verify(s, id, &label)).await?;
    }
    engine.shutdown().await;
    emit(&format!("{label}: peak RSS"), peak_rss_mib(), "MiB");
    Ok(())
}

/// Checks every persisted DNS result against the zone (streamed, bounded memory).
fn verify(store: &Store, id: CampaignId, label: &str) -> Result<()> {
    let (mut correct, mut wrong, mut missing) = (0_u64, 0_u64, 0_u64);
    let mut statuses: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut attempts = 0_u64;
    for record in store.export_domains(id, DomainFilter::default()) {
        let record = record?;
        let Some(dns) = record.dns else {
            missing += 1;
            continue;
        };
        *statuses.entry(dns.status.as_str()).or_default() += 1;
        attempts += u64::from(dns.attempts);
        let ok = match expected(&record.name) {
            Some(ip) => dns.status == DnsStatus::Resolved && dns.addresses == [IpAddr::V4(ip)],
            None => dns.status == DnsStatus::NxDomain,
        };
        if ok {
            correct += 1;
        } else {
            if wrong < 5 {
                eprintln!("phase_bench: wrong answer for {}: {dns:?}", record.name);
            }
            wrong += 1;
        }
    }
    emit(
        &format!("{label}: DNS results correct"),
        correct as f64,
        "names",
    );
    emit(
        &format!("{label}: DNS results wrong"),
        wrong as f64,
        "names",
    );
    emit(
        &format!("{label}: DNS results missing"),
        missing as f64,
        "names",
    );
    for (status, n) in statuses {
        emit(&format!("{label}: DNS status {status}"), n as f64, "names");
    }
    let total = correct + wrong;
    emit(
        &format!("{label}: DNS queries sent per name"),
        if total == 0 {
            0.0
        } else {
            attempts as f64 / total as f64
        },
        "queries/name",
    );
    Ok(())
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("phase_bench: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args = parse_args()?;
    if let Some(dir) = &args.write_zone {
        return write_zone(dir, args.names);
    }
    let args = &args;
    bench_support::on_scratch_database(
        "dragnet_phase_bench",
        args.sqlite.as_deref(),
        args.postgres.as_deref(),
        |label, url| async move { bench(args, label, &url).await },
    )
}
