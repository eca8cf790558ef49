//! `cargo xtask bench dns [--runs N] [-- ARGS]`: the `dns_validation` phase end to end through
//! the phase runner, on SQLite and PostgreSQL, against NSD on 127.0.0.1, with `dnsperf` against
//! the same server in the same run as the ceiling.
//!
//! 1. Builds `crates/engine/examples/phase_bench.rs` (release) and has it write the zone that
//!    matches the campaign's generated names (`--write-zone`: about half of them get an A record
//!    in 127.0.0.0/8, the rest are NXDOMAIN) and the same names as dnsperf input.
//! 2. Installs `nsd`, `dnsperf` and `dig` with apt-get when missing, and starts NSD on
//!    127.0.0.1:5391 (one server process, 4 MiB socket buffers, response-rate limiting off).
//! 3. N times (default 3): `dnsperf -c 2 -q 1000` over every name once, then the phase
//!    benchmark on SQLite, then on PostgreSQL (a scratch database on `TEST_DATABASE_URL` /
//!    `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`). Each phase run
//!    generates the names, resolves them with the engine and checks every persisted result.
//! 4. Prints medians, the ratio ours / dnsperf of each run, the goals, and stops NSD.
//!
//! ARGS go to the example (`--names N`, `--concurrency N`, `--timeout-ms N`, `--retries N`,
//! `--dns-chunk N`, `--chunks-in-flight N`). Every query goes to 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::bench::{self, Daemon, Goal, Measurement, Options};
use crate::bench_generation::{load_average, postgres_url};

/// Loopback only, on purpose not configurable.
const ADDR: &str = "127.0.0.1";
const PORT: u16 = 5391;
const ZONE: &str = "bench.test";
/// Goals from the engine issue.
const GOAL_SQLITE: f64 = 100_000.0;
const GOAL_POSTGRES: f64 = 80_000.0;
const GOAL_RSS_MIB: f64 = 150.0;

fn install_tools() -> anyhow::Result<()> {
    bench::ensure_installed(&[
        ("nsd", "nsd"),
        ("dnsperf", "dnsperf"),
        ("dig", "bind9-dnsutils"),
    ])
}

fn start_nsd(dir: &Path) -> anyhow::Result<Daemon> {
    let nsd_dir = dir.join("nsd");
    std::fs::create_dir_all(&nsd_dir)?;
    let d = nsd_dir.display();
    let zones = dir.join("zones");
    // NSD's response rate limiting (200 answers/s per /24 by default) would hold one loopback
    // client to ~2,000 qps: off, as in /work/shared/testbeds/dns_testbed.sh.
    let conf = format!(
        "server:
    ip-address: {ADDR}@{PORT}
    server-count: 1
    reuseport: no
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    receive-buffer-size: 4194304
    send-buffer-size: 4194304
    username: \"\"
    chroot: \"\"
    zonesdir: \"{zones}\"
    database: \"\"
    zonelistfile: \"{d}/zone.list\"
    xfrdfile: \"{d}/xfrd.state\"
    xfrdir: \"{d}\"
    pidfile: \"{d}/nsd.pid\"
    logfile: \"{d}/nsd.log\"
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: {ZONE}
    zonefile: {ZONE}.zone
",
        zones = zones.display()
    );
    let conf_path = nsd_dir.join("nsd.conf");
    std::fs::write(&conf_path, conf)?;
    let log = std::fs::File::create(nsd_dir.join("stdout.log"))?;
    let child = Command::new("nsd")
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting nsd")?;
    let mut nsd = Daemon::new("NSD", child);
    eprintln!(
        "NSD started (pid {}); waiting for the zone to load",
        nsd.child.id()
    );
    let start = Instant::now();
    loop {
        let out = Command::new("dig")
            .args(["+time=1", "+tries=1", "+short"])
            .arg(format!("@{ADDR}"))
            .args(["-p", &PORT.to_string(), "SOA", ZONE])
            .output()
            .context("running dig")?;
        if out.status.success() && !out.stdout.is_empty() {
            eprintln!("NSD ready after {:.1} s", start.elapsed().as_secs_f64());
            return Ok(nsd);
        }
        if let Ok(Some(status)) = nsd.child.try_wait() {
            bail!(
                "nsd exited early ({status}); see {}",
                nsd_dir.join("stdout.log").display()
            );
        }
        if start.elapsed() > Duration::from_secs(300) {
            bail!("NSD not ready after 300 s");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// One dnsperf run over every name once; its queries/s and lost queries.
fn dnsperf(dir: &Path) -> anyhow::Result<Vec<Measurement>> {
    eprintln!(
        "dnsperf -c 2 -q 1000 over {}",
        dir.join("dnsperf.txt").display()
    );
    let out = Command::new("dnsperf")
        .args(["-s", ADDR, "-p", &PORT.to_string(), "-d"])
        .arg(dir.join("dnsperf.txt"))
        .args(["-n", "1", "-l", "300", "-c", "2", "-q", "1000", "-t", "2"])
        .output()
        .context("running dnsperf")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let qps = field("Queries per second").context("dnsperf printed no queries per second")?;
    let lost = field("Queries lost").unwrap_or(f64::NAN);
    eprintln!("  dnsperf: {qps:.0} queries/s, {lost} lost");
    Ok(vec![
        Measurement {
            name: "dnsperf: queries/s (ceiling)".to_owned(),
            value: qps,
            unit: "queries/s".to_owned(),
        },
        Measurement {
            name: "dnsperf: queries lost".to_owned(),
            value: lost,
            unit: "queries".to_owned(),
        },
    ])
}

fn names_arg(extra: &[String]) -> anyhow::Result<String> {
    match extra.iter().position(|a| a == "--names") {
        Some(i) => extra.get(i + 1).cloned().context("--names needs a number"),
        None => Ok("2000000".to_owned()),
    }
}

fn find<'a>(run: &'a [Measurement], prefix: &str, contains: &str) -> Option<&'a Measurement> {
    run.iter()
        .find(|m| m.name.starts_with(prefix) && m.name.contains(contains))
}

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-engine", "phase_bench")?;
    install_tools()?;
    let load_before = load_average();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dragnet-bench-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(options, &binary, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let all = result?;

    let summary = bench::summarise(&all);
    println!(
        "Machine: {}; load average before/after: {load_before} / {}\n",
        bench::machine_description(),
        load_average()
    );
    bench::print_table("Engine phases: dns_validation", options.runs, &summary);
    bench::print_goals(
        &summary,
        &[
            Goal::at_least(": DNS validation of ", GOAL_POSTGRES).only("postgres"),
            Goal::at_least(": DNS validation of ", GOAL_SQLITE).only("sqlite"),
            Goal::at_most("peak RSS", GOAL_RSS_MIB),
        ],
    );
    Ok(())
}

fn run_in(
    options: &Options,
    binary: &PathBuf,
    dir: &Path,
) -> anyhow::Result<Vec<Vec<Measurement>>> {
    let names = names_arg(&options.extra)?;
    let status = Command::new(binary)
        .arg("--write-zone")
        .arg(dir)
        .args(["--names", &names])
        .status()
        .context("writing the zone")?;
    if !status.success() {
        bail!("writing the zone failed");
    }
    let nsd = start_nsd(dir)?;
    let resolver = format!("{ADDR}:{PORT}");
    let mut sqlite = vec![
        "--sqlite".to_owned(),
        dir.join("bench.db").display().to_string(),
        "--resolver".to_owned(),
        resolver.clone(),
    ];
    sqlite.extend(options.extra.iter().cloned());
    let mut postgres = vec![
        "--postgres".to_owned(),
        postgres_url(),
        "--resolver".to_owned(),
        resolver,
    ];
    postgres.extend(options.extra.iter().cloned());

    let mut all = Vec::new();
    let mut postgres_ok = true;
    for _ in 0..options.runs {
        let mut run = dnsperf(dir)?;
        run.extend(
            bench::run_repeatedly(binary, &sqlite, &[], 1)?
                .pop()
                .unwrap_or_default(),
        );
        if postgres_ok {
            match bench::run_repeatedly(binary, &postgres, &[], 1) {
                Ok(mut pg) => run.extend(pg.pop().unwrap_or_default()),
                Err(e) => {
                    eprintln!("PostgreSQL half SKIPPED: {e:#}");
                    postgres_ok = false;
                }
            }
        }
        // Ours / dnsperf, per run: the ceiling was measured minutes apart at most.
        let ceiling = find(&run, "dnsperf", "queries/s").map(|m| m.value);
        let mut ratios = Vec::new();
        for backend in ["sqlite", "postgres"] {
            if let (Some(ours), Some(ceiling)) = (find(&run, backend, "DNS validation of"), ceiling)
            {
                ratios.push(Measurement {
                    name: format!("{backend}: ratio DNS names/s / dnsperf queries/s"),
                    value: ours.value / ceiling,
                    unit: "x".to_owned(),
                });
            }
        }
        run.extend(ratios);
        all.push(run);
    }
    drop(nsd);
    Ok(all)
}
