//! `cargo xtask bench api [--runs N] [-- --import N --domains N --cursor N --seconds S
//! --sqlite-only]`: the HTTP API of the real `dragnet serve` binary.
//!
//! Builds `dragnet` in release mode and, per run and backend, starts `dragnet serve --bind
//! 127.0.0.1:0` on a fresh database (SQLite: a file in a fresh temporary directory;
//! PostgreSQL: a scratch database `dragnet_api_bench_<pid>_<n>` created and dropped with
//! `dragnet_testkit::pg` on the server named by `TEST_DATABASE_URL`/`DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`, skipped when unreachable). Against it:
//!
//! 1. one `POST /api/v1/campaigns/{id}/domains` carrying 1 000 000 names (`text/plain`), the
//!    body generated on the fly while it is written (Content-Length computed beforehand), timed
//!    from connect to the report; the server's `VmRSS` before and `VmHWM` after (from
//!    `/proc/<pid>/status`) give its memory growth;
//! 2. a campaign of 2 000 000 generated names (prefix pattern), started and polled through
//!    `GET /phases` until `domain_generation` completes; then `wrk --latency -t2 -c64` on a deep
//!    keyset page (`GET /domains?cursor=1500000&limit=100`) and on `GET /campaigns/{id}`.
//!
//! `wrk` runs on the same machine, so the client and the server share its cores. Prints the
//! medians over runs with the goals of the API issue as markdown for `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use dragnet_testkit::pg::{self, ScratchDatabase};

use crate::bench::{self, Goal, Measurement, Options};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// 50 MB (the goal's unit) in MiB (the unit of the measurement).
const RSS_GROWTH_GOAL_MIB: f64 = 50.0 * 1_000_000.0 / 1_048_576.0;

/// Workload parameters (`-- --import N --domains N --cursor N --seconds S --sqlite-only`).
struct Workload {
    import: u64,
    domains: u64,
    cursor: u64,
    seconds: u64,
    sqlite_only: bool,
}

impl Workload {
    fn parse(extra: &[String]) -> anyhow::Result<Self> {
        let mut w = Self {
            import: 1_000_000,
            domains: 2_000_000,
            cursor: 1_500_000,
            seconds: 10,
            sqlite_only: false,
        };
        let mut it = extra.iter();
        while let Some(arg) = it.next() {
            let mut number = |what: &str| -> anyhow::Result<u64> {
                let v = it
                    .next()
                    .with_context(|| format!("{what} needs a number"))?;
                v.parse()
                    .with_context(|| format!("{what}: `{v}` is not a number"))
            };
            match arg.as_str() {
                "--import" => w.import = number("--import")?,
                "--domains" => w.domains = number("--domains")?,
                "--cursor" => w.cursor = number("--cursor")?,
                "--seconds" => w.seconds = number("--seconds")?.max(1),
                "--sqlite-only" => w.sqlite_only = true,
                other => bail!("unknown option `{other}` for bench api"),
            }
        }
        if w.cursor >= w.domains {
            w.cursor = w.domains / 4 * 3;
        }
        Ok(w)
    }
}

/// The API issue's goals.
const GOALS: [Goal; 4] = [
    Goal::at_least("names in one request", 200_000.0).stated_for("sqlite"),
    Goal::at_most("RSS growth during the import", RSS_GROWTH_GOAL_MIB),
    Goal::at_most("limit=100, 64 connections, p99", 20.0),
    Goal::at_least("GET /campaigns/{id}, 64 connections, throughput", 10_000.0),
];

fn postgres_admin_url() -> String {
    pg::admin_url().unwrap_or_else(|| DEFAULT_POSTGRES.to_owned())
}

/// Builds the release `dragnet` binary and returns its path.
fn build_dragnet() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .current_dir(bench::workspace_root())
        .args(["build", "--release", "--package", "dragnet"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building dragnet failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| bench::workspace_root().join("target"));
    Ok(target.join("release").join("dragnet"))
}

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let workload = Workload::parse(&options.extra)?;
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("`wrk` is not installed (Debian: apt-get install -y wrk)");
    }
    let binary = build_dragnet()?;
    let admin = postgres_admin_url();
    let postgres = !workload.sqlite_only && {
        match ScratchDatabase::create(&admin, "dragnet_api_bench") {
            Ok(_probe) => true,
            Err(e) => {
                eprintln!("PostgreSQL half SKIPPED: {e}");
                false
            }
        }
    };

    let mut all = Vec::with_capacity(options.runs);
    let mut loads = Vec::new();
    for run in 1..=options.runs {
        let mut measurements = Vec::new();
        let dir =
            std::env::temp_dir().join(format!("dragnet-bench-api-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let url = dir.join("bench.db").display().to_string();
        eprintln!("run {run}/{}: sqlite", options.runs);
        let load = load_average();
        loads.push(format!("run {run} sqlite: {load}"));
        let result = measure(&binary, &dir, &url, &workload, "sqlite", &mut measurements);
        let _ = std::fs::remove_dir_all(&dir);
        result?;

        if postgres {
            let database = ScratchDatabase::create(&admin, "dragnet_api_bench")?;
            eprintln!("run {run}/{}: postgres ({})", options.runs, database.name());
            std::fs::create_dir_all(&dir)?;
            let load = load_average();
            loads.push(format!("run {run} postgres: {load}"));
            let result = measure(
                &binary,
                &dir,
                database.url(),
                &workload,
                "postgres",
                &mut measurements,
            );
            let _ = std::fs::remove_dir_all(&dir);
            drop(database);
            result?;
        }
        all.push(measurements);
    }

    let summary = bench::summarise(&all);
    println!(
        "Machine: {}; wrk and the server share it. Load average (1 min) at the start of each \
         backend's run: {}\n",
        bench::machine_description(),
        loads.join(", ")
    );
    bench::print_table("API", options.runs, &summary);
    bench::print_goals(&summary, &GOALS);
    Ok(())
}

fn push(out: &mut Vec<Measurement>, backend: &str, name: &str, value: f64, unit: &str) {
    let m = Measurement {
        name: format!("{backend}: {name}"),
        value,
        unit: unit.to_owned(),
    };
    eprintln!("  {:<70} {:>12.1} {}", m.name, m.value, m.unit);
    out.push(m);
}

fn push_wrk(out: &mut Vec<Measurement>, backend: &str, label: &str, wrk: &Wrk) {
    push(out, backend, &format!("{label}, median"), wrk.p50_ms, "ms");
    push(out, backend, &format!("{label}, p99"), wrk.p99_ms, "ms");
    push(
        out,
        backend,
        &format!("{label}, throughput"),
        wrk.requests_per_s,
        "req/s",
    );
    let cpu = &wrk.cpu;
    push(
        out,
        backend,
        &format!("{label}, server CPU per request"),
        cpu.server / wrk.requests.max(1.0) * 1e6,
        "µs",
    );
    for (who, seconds) in [
        ("server", cpu.server),
        ("wrk", cpu.wrk),
        ("other processes", cpu.other),
    ] {
        push(
            out,
            backend,
            &format!("{label}, CPU of {who}"),
            seconds / cpu.wall,
            "cores",
        );
    }
}

/// One backend's run: a fresh server, the import, the generated campaign, the wrk runs.
fn measure(
    binary: &Path,
    dir: &Path,
    database_url: &str,
    w: &Workload,
    backend: &str,
    out: &mut Vec<Measurement>,
) -> anyhow::Result<()> {
    let load: f64 = load_average().parse().unwrap_or(f64::NAN);
    push(out, backend, "load average (1 min) at the start", load, "");
    let server = Server::start(binary, dir, database_url)?;

    // 1. Import in one request.
    let (status, created) = server.json(
        "POST",
        "/api/v1/campaigns",
        &json!({"name": "api-bench-import", "initialPhase": "dns_validation"}),
    )?;
    if status != 201 {
        bail!("creating the import campaign: {status} {created}");
    }
    let id = created["id"].as_i64().context("campaign id")?;
    let rss_before = server.proc_status_mib("VmRSS")?;
    let (elapsed, report) = server.import(id, w.import)?;
    let hwm_after = server.proc_status_mib("VmHWM")?;
    let rss_after = server.proc_status_mib("VmRSS")?;
    if report["accepted"].as_u64() != Some(w.import) || report["rejected"].as_u64() != Some(0) {
        bail!(
            "import report: expected {} accepted, got {report}",
            w.import
        );
    }
    push(
        out,
        backend,
        &format!("import {} names in one request", w.import),
        w.import as f64 / elapsed.as_secs_f64(),
        "names/s",
    );
    push(
        out,
        backend,
        "server VmRSS before the import",
        rss_before,
        "MiB",
    );
    push(
        out,
        backend,
        "server VmHWM after the import",
        hwm_after,
        "MiB",
    );
    push(
        out,
        backend,
        "server VmRSS after the import",
        rss_after,
        "MiB",
    );
    push(
        out,
        backend,
        "server RSS growth during the import (VmHWM after − VmRSS before)",
        hwm_after - rss_before,
        "MiB",
    );

    // 2. A generated campaign, then wrk on a deep page and on the campaign.
    let (status, created) = server.json(
        "POST",
        "/api/v1/campaigns",
        &json!({
            "name": "api-bench-pages",
            "launchSequence": false,
            "configuration": {"domainGeneration": {
                "patternType": "prefix",
                "constantString": "shop",
                "characterSet": "abcdefghijklmnopqrstuvwxyz",
                "prefixLength": 5,
                "suffixLength": 0,
                "tlds": ["bench.test"],
                "maxDomains": w.domains,
            }},
        }),
    )?;
    if status != 201 {
        bail!("creating the generated campaign: {status} {created}");
    }
    let id = created["id"].as_i64().context("campaign id")?;
    let started = Instant::now();
    let (status, body) =
        server.json("POST", &format!("/api/v1/campaigns/{id}/start"), &json!({}))?;
    if !(200..300).contains(&status) {
        bail!("starting generation: {status} {body}");
    }
    loop {
        let (status, phases) = server.json(
            "GET",
            &format!("/api/v1/campaigns/{id}/phases"),
            &Value::Null,
        )?;
        if status != 200 {
            bail!("GET /phases: {status} {phases}");
        }
        let generation = phases["phases"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["phase"] == "domain_generation"))
            .with_context(|| format!("no domain_generation phase in {phases}"))?;
        match generation["status"].as_str() {
            Some("completed") => {
                if generation["processedItems"].as_u64() != Some(w.domains) {
                    bail!("generation completed with {generation}");
                }
                break;
            }
            Some("failed") => bail!("generation failed: {generation}"),
            _ => {}
        }
        if started.elapsed() > Duration::from_secs(900) {
            bail!("generation did not complete within 15 minutes: {generation}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    push(
        out,
        backend,
        &format!("generate {} names (start → /phases completed)", w.domains),
        w.domains as f64 / started.elapsed().as_secs_f64(),
        "names/s",
    );

    // The reads are measured in the steady state: after a bulk load the database still works
    // for a while (PostgreSQL's autovacuum/analyze and checkpointer, SQLite's WAL checkpoint),
    // which a dashboard reading the campaign minutes later would not see.
    let settled = settle(Duration::from_secs(120))?;
    push(
        out,
        backend,
        "machine settled after the load (busy < 0.15 cores for 2 s)",
        settled.as_secs_f64(),
        "s",
    );

    let page = format!(
        "/api/v1/campaigns/{id}/domains?cursor={}&limit=100",
        w.cursor
    );
    let (status, body) = server.json("GET", &page, &Value::Null)?;
    let items = body["items"].as_array().map_or(0, Vec::len);
    if status != 200 || items != 100 {
        bail!("GET {page}: {status}, {items} items: {body}");
    }
    let wrk = run_wrk(&server, &page, w.seconds)?;
    let label = format!("GET /domains?cursor={}&limit=100, 64 connections", w.cursor);
    push_wrk(out, backend, &label, &wrk);

    let campaign = format!("/api/v1/campaigns/{id}");
    let (status, body) = server.json("GET", &campaign, &Value::Null)?;
    if status != 200 {
        bail!("GET {campaign}: {status} {body}");
    }
    let wrk = run_wrk(&server, &campaign, w.seconds)?;
    push_wrk(out, backend, "GET /campaigns/{id}, 64 connections", &wrk);
    push(
        out,
        backend,
        "server VmHWM at the end",
        server.proc_status_mib("VmHWM")?,
        "MiB",
    );
    server.stop();
    Ok(())
}

/// A `dragnet serve` child on 127.0.0.1:0; stopped (SIGTERM, then SIGKILL) on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// The admin token the server printed at its first start (every request sends it), if it
    /// printed one (a version without API tokens does not).
    token: Option<String>,
}

impl Server {
    fn start(binary: &Path, dir: &Path, database_url: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(dir)
            .env("DRAGNET_LOG", "info")
            .env("DATABASE_URL", database_url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stderr = child.stderr.take().context("child stderr")?;
        let (tx, rx) = mpsc::channel();
        // Keep draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            // On a fresh database the server prints an admin token before it listens, in a
            // banner with `curl -H "Authorization: Bearer <token>" …`.
            let mut token = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some((_, rest)) = line.split_once("Authorization: Bearer ") {
                    token = rest.split('"').next().map(str::to_owned);
                } else if !sent && line.contains("listening") {
                    if let Some(addr) = line
                        .split_whitespace()
                        .find_map(|w| w.strip_prefix("addr="))
                        .and_then(|a| a.parse::<SocketAddr>().ok())
                    {
                        sent = tx.send((addr, token.take())).is_ok();
                    }
                } else if line.contains("ERROR") {
                    eprintln!("  server: {line}");
                }
            }
        });
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
        };
        (server.addr, server.token) = rx
            .recv_timeout(Duration::from_secs(60))
            .context("dragnet did not log a listening address within 60 s")?;
        Ok(server)
    }

    /// The `Authorization` header line (with its CRLF) when the server gave a token.
    fn authorization(&self) -> String {
        self.token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default()
    }

    /// A field of `/proc/<pid>/status` given in kB, in MiB.
    fn proc_status_mib(&self, field: &str) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("reading /proc/<pid>/status of the server")?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {field} in /proc/<pid>/status"))?;
        Ok(kib / 1024.0)
    }

    /// Sends a JSON request (no body for `Value::Null`) and parses the answer.
    fn json(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let mut stream = self.connect()?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&self.authorization());
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(&body)?;
        let (status, text) = read_response(&mut stream)?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    fn connect(&self) -> anyhow::Result<TcpStream> {
        let stream = TcpStream::connect(self.addr).context("connecting to dragnet")?;
        stream.set_read_timeout(Some(Duration::from_secs(600)))?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    /// Imports `count` names in one request whose body is generated while it is written.
    /// Returns the time from connect to the parsed report, and the report.
    fn import(&self, id: i64, count: u64) -> anyhow::Result<(Duration, Value)> {
        let mut line = String::with_capacity(64);
        let content_length: usize = (0..count)
            .map(|i| {
                import_line(i, &mut line);
                line.len()
            })
            .sum();
        let started = Instant::now();
        let mut stream = self.connect()?;
        let head = format!(
            "POST /api/v1/campaigns/{id}/domains HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: text/plain\r\nContent-Length: {content_length}\r\n{}\r\n",
            self.addr,
            self.authorization()
        );
        let written = (|| -> std::io::Result<()> {
            let mut writer = BufWriter::with_capacity(256 * 1024, &mut stream);
            writer.write_all(head.as_bytes())?;
            for i in 0..count {
                import_line(i, &mut line);
                writer.write_all(line.as_bytes())?;
            }
            writer.flush()
        })();
        // On a write error the server may have answered early (e.g. 409): show that answer.
        let response = read_response(&mut stream);
        let elapsed = started.elapsed();
        let (status, text) = match (written, response) {
            (_, Ok(r)) => r,
            (Err(e), Err(_)) => return Err(e).context("writing the import body"),
            (Ok(()), Err(e)) => return Err(e),
        };
        if status != 200 {
            bail!("import: {status} {text}");
        }
        let report: Value = serde_json::from_str(&text).context("parsing the import report")?;
        Ok((elapsed, report))
    }

    fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Import line `i`: unique, valid, 25 – 30 bytes with the newline (29.9 MB for 1 M lines).
fn import_line(i: u64, line: &mut String) {
    line.clear();
    let _ = writeln!(line, "host-{i}.import-bench.test");
}

/// Reads an HTTP/1.1 response up to the server's close; returns the status and the body
/// (de-chunked when needed).
fn read_response(stream: &mut TcpStream) -> anyhow::Result<(u16, String)> {
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .context("reading the response")?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| {
            format!(
                "no status line in `{}`",
                response.chars().take(200).collect::<String>()
            )
        })?;
    let (headers, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body = if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

/// What `wrk --latency` reported.
struct Wrk {
    p50_ms: f64,
    p99_ms: f64,
    requests_per_s: f64,
    requests: f64,
    /// CPU seconds during the wrk run: the server, wrk, and everything else on the machine.
    cpu: Cpu,
}

/// CPU time (seconds) spent during a wrk run, and its wall time.
#[derive(Default)]
struct Cpu {
    wall: f64,
    server: f64,
    wrk: f64,
    other: f64,
}

/// Clock ticks per second of `/proc` CPU times (`getconf CLK_TCK`; 100 on Linux).
const CLK_TCK: f64 = 100.0;

/// Busy CPU ticks of the whole machine (`/proc/stat`: all but idle and iowait).
fn machine_busy_ticks() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no cpu line in /proc/stat")?;
    // user nice system idle iowait irq softirq steal …
    let busy = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .filter_map(|(_, x)| x.parse::<f64>().ok())
        .sum();
    Ok(busy)
}

/// Waits until the whole machine has been nearly idle (under 0.15 busy cores) for two
/// consecutive seconds, or `limit` has passed; returns the time waited.
fn settle(limit: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut quiet_seconds = 0;
    while quiet_seconds < 2 && started.elapsed() < limit {
        let before = machine_busy_ticks()?;
        std::thread::sleep(Duration::from_secs(1));
        let busy = (machine_busy_ticks()? - before) / CLK_TCK;
        quiet_seconds = if busy < 0.15 { quiet_seconds + 1 } else { 0 };
    }
    Ok(started.elapsed())
}

/// `(utime + stime, cutime + cstime)` ticks of a process (`/proc/<pid>/stat`).
fn process_ticks(pid: &str) -> anyhow::Result<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed /proc/<pid>/stat")?;
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|x| x.parse().ok())
        .collect();
    match f[..] {
        [utime, stime, cutime, cstime] => Ok((utime + stime, cutime + cstime)),
        _ => bail!("malformed /proc/<pid>/stat"),
    }
}

fn run_wrk(server: &Server, path: &str, seconds: u64) -> anyhow::Result<Wrk> {
    let url = format!("http://{}{path}", server.addr);
    let server_pid = server.child.id();
    let header = server
        .token
        .as_ref()
        .map(|t| ["-H".to_owned(), format!("Authorization: Bearer {t}")]);
    let server_pid = server_pid.to_string();
    let machine_before = machine_busy_ticks()?;
    let (server_before, _) = process_ticks(&server_pid)?;
    let (_, children_before) = process_ticks("self")?;
    let started = Instant::now();
    let output = Command::new("wrk")
        .args([
            "--latency",
            "-t2",
            "-c64",
            &format!("-d{seconds}s"),
            "--timeout",
            "5s",
            &url,
        ])
        .args(header.iter().flatten())
        .stdin(Stdio::null())
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wall = started.elapsed().as_secs_f64();
    let (server_after, _) = process_ticks(&server_pid)?;
    let (_, children_after) = process_ticks("self")?;
    let machine = (machine_busy_ticks()? - machine_before) / CLK_TCK;
    let server = (server_after - server_before) / CLK_TCK;
    let wrk = (children_after - children_before) / CLK_TCK;
    let mut parsed = parse_wrk(&text).with_context(|| format!("parsing wrk output:\n{text}"))?;
    parsed.cpu = Cpu {
        wall,
        server,
        wrk,
        other: (machine - server - wrk).max(0.0),
    };
    Ok(parsed)
}

fn parse_wrk(text: &str) -> anyhow::Result<Wrk> {
    if let Some(line) = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
    {
        bail!("wrk saw error responses: {}", line.trim());
    }
    if let Some(line) = text.lines().find(|l| l.contains("Socket errors")) {
        eprintln!("  wrk: {}", line.trim());
    }
    let mut in_distribution = false;
    let (mut p50, mut p99, mut rps, mut requests) = (None, None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if let Some((n, _)) = line.split_once(" requests in ") {
            requests = n.trim().parse::<f64>().ok();
            continue;
        }
        if line.starts_with("Latency Distribution") {
            in_distribution = true;
            continue;
        }
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse::<f64>().ok();
            continue;
        }
        if !in_distribution {
            continue;
        }
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("50%"), Some(v)) => p50 = duration_ms(v),
            (Some("99%"), Some(v)) => p99 = duration_ms(v),
            (Some(p), _) if p.ends_with('%') => {}
            _ => in_distribution = false,
        }
    }
    Ok(Wrk {
        p50_ms: p50.context("no 50% line")?,
        p99_ms: p99.context("no 99% line")?,
        requests_per_s: rps.context("no Requests/sec line")?,
        requests: requests.context("no `N requests in` line")?,
        cpu: Cpu::default(),
    })
}

/// wrk's durations: `812.00us`, `1.23ms`, `1.01s`, `2.00m`.
fn duration_ms(v: &str) -> Option<f64> {
    let split = v.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = v.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(number * factor)
}

/// The 1-minute load average, to show how busy the shared machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_latency_distribution_and_rate() {
        let text = "Running 10s test @ http://127.0.0.1:1/x\n  2 threads and 64 connections\n  \
            Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     2.10ms  \
            1.00ms  30.00ms   90.00%\n  Latency Distribution\n     50%  812.00us\n     75%    \
            1.50ms\n     90%    3.00ms\n     99%   12.34ms\n  123456 requests in 10.00s, 1.00MB \
            read\nRequests/sec:  12345.67\nTransfer/sec:      1.00MB\n";
        let wrk = parse_wrk(text).expect("parses");
        assert!((wrk.p50_ms - 0.812).abs() < 1e-9);
        assert!((wrk.p99_ms - 12.34).abs() < 1e-9);
        assert!((wrk.requests_per_s - 12345.67).abs() < 1e-9);
        assert_eq!(duration_ms("1.01s"), Some(1010.0));
    }
}
