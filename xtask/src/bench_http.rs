//! `cargo xtask bench http [--runs N] [-- ARGS]`: the `http_keyword_validation` phase end to
//! end through the phase runner, with results persisted, on SQLite and PostgreSQL, against
//! nginx on 127.0.0.1, with `wrk -H "Connection: close"` against the same nginx in the same
//! run as the ceiling.
//!
//! 1. Builds `crates/engine/examples/http_bench.rs` (release); installs `nginx-light`, `wrk`
//!    and `openssl` with apt-get when missing.
//! 2. Starts nginx (1 worker, as in `/work/shared/testbeds/http_testbed.sh`) on
//!    127.0.0.1:18180 (HTTP) and :18543 (HTTPS, a self-signed ECDSA P-256 certificate made
//!    here; session cache and tickets off, so every handshake is full), answering every Host
//!    with a 1.6 KB page holding the keywords the campaign looks for.
//! 3. N times (default 3), for HTTP and then HTTPS: `wrk -t1 -c64 -d10s -H "Connection:
//!    close"` (the ceiling: a new connection, and handshake, per request), then the phase on
//!    SQLite, then on PostgreSQL (a scratch database on `TEST_DATABASE_URL` / `DATABASE_URL`,
//!    default `postgres://postgres@127.0.0.1:5432/postgres`), 100,000 domains each (HTTPS:
//!    20,000), every result read back and checked.
//! 4. Prints medians, the ratio ours / wrk per run, and the goals; stops nginx.
//!
//! ARGS go to the example (`--domains N`, `--concurrency N`, `--chunk N`,
//! `--chunks-in-flight N`). Every request goes to 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::bench::{self, Daemon, Goal, Measurement, Options};
use crate::bench_generation::{load_average, postgres_url};

/// Loopback only, on purpose not configurable.
const ADDR: &str = "127.0.0.1";
const HTTP_PORT: u16 = 18180;
const HTTPS_PORT: u16 = 18543;
/// The keyword every page holds once in its visible text.
const KEYWORD: &str = "verify your account";
/// Goals from the HTTP issue.
const GOAL_HTTP: f64 = 15_000.0;
const GOAL_HTTPS: f64 = 2_000.0;
const GOAL_RSS_MIB: f64 = 250.0;

const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Acme Secure Login - verify your account</title>
<style>body { font-family: sans-serif } .password { color: red }</style>
<script>var password = "not visible text"; function login() {}</script></head><body>
<h1>Welcome to Acme online banking</h1>
<p>Please verify your account to continue. Enter your password and card number.</p>
<p>Section 1: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 2: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 3: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 4: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 5: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 6: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 7: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<p>Section 8: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>
<form action="/login" method="post"><input name="user"><input name="password" type="password"></form>
<!-- a comment that mentions verify your account is not visible text -->
<footer>Copyright Acme Corp. Secure login. Contact support@acme.test</footer></body></html>
"#;

fn start_nginx(dir: &Path) -> anyhow::Result<Daemon> {
    let www = dir.join("www");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&www)?;
    std::fs::create_dir_all(&tmp)?;
    std::fs::write(www.join("index.html"), PAGE)?;
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .args(["-nodes", "-days", "2", "-subj", "/CN=bench.test", "-keyout"])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .context("running openssl")?;
    if !status.success() {
        bail!("openssl could not make a certificate");
    }
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 8192; multi_accept on; use epoll; }}
http {{
    access_log off;
    default_type text/html;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_requests 100000000;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    open_file_cache max=16 inactive=60s;
    server {{
        listen {ADDR}:{HTTP_PORT} default_server backlog=4096;
        listen {ADDR}:{HTTPS_PORT} ssl default_server backlog=4096;
        server_name _;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;
        root {d}/www;
        location / {{ index index.html; }}
    }}
}}
"
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting nginx")?;
    let mut nginx = Daemon::new("nginx", child);
    let start = Instant::now();
    loop {
        if std::net::TcpStream::connect((ADDR, HTTP_PORT)).is_ok() {
            eprintln!("nginx ready (pid {})", nginx.child.id());
            return Ok(nginx);
        }
        if let Ok(Some(status)) = nginx.child.try_wait() {
            bail!(
                "nginx exited early ({status}); see {}",
                dir.join("error.log").display()
            );
        }
        if start.elapsed() > Duration::from_secs(10) {
            bail!("nginx not ready after 10 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One `wrk -H "Connection: close"` run: requests/s.
fn wrk_close(scheme: &str, port: u16) -> anyhow::Result<Measurement> {
    let url = format!("{scheme}://{ADDR}:{port}/");
    eprintln!("wrk -t1 -c64 -d10s -H 'Connection: close' {url}");
    let out = Command::new("wrk")
        .args(["-t1", "-c64", "-d10s", "--timeout", "5s"])
        .args(["-H", "Connection: close", &url])
        .stdin(Stdio::null())
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("wrk printed no Requests/sec:\n{text}"))?;
    eprintln!("  wrk: {rps:.0} requests/s");
    Ok(Measurement {
        name: format!("wrk {scheme}: requests/s, new connection each (ceiling)"),
        value: rps,
        unit: "req/s".to_owned(),
    })
}

fn find<'a>(run: &'a [Measurement], prefix: &str, contains: &str) -> Option<&'a Measurement> {
    run.iter()
        .find(|m| m.name.starts_with(prefix) && m.name.contains(contains))
}

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-engine", "http_bench")?;
    bench::ensure_installed(&[
        ("nginx", "nginx-light"),
        ("wrk", "wrk"),
        ("openssl", "openssl"),
    ])?;
    let load_before = load_average();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dragnet-bench-http-{}", std::process::id()));
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
    bench::print_table(
        "Engine phases: http_keyword_validation",
        options.runs,
        &summary,
    );
    bench::print_goals(
        &summary,
        &[
            Goal::at_least(": http probes of ", GOAL_HTTP),
            Goal::at_least(": https probes of ", GOAL_HTTPS),
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
    let nginx = start_nginx(dir)?;
    let mut all = Vec::new();
    let mut postgres_ok = true;
    for _ in 0..options.runs {
        let mut run = Vec::new();
        for (scheme, port, domains) in [
            ("http", HTTP_PORT, "100000"),
            ("https", HTTPS_PORT, "20000"),
        ] {
            run.push(wrk_close(scheme, port)?);
            let common = [
                "--port".to_owned(),
                port.to_string(),
                "--scheme".to_owned(),
                scheme.to_owned(),
                "--domains".to_owned(),
                domains.to_owned(),
                "--expect-keyword".to_owned(),
                KEYWORD.to_owned(),
            ];
            let mut sqlite = vec![
                "--sqlite".to_owned(),
                dir.join("bench.db").display().to_string(),
            ];
            sqlite.extend(common.iter().cloned());
            sqlite.extend(options.extra.iter().cloned());
            run.extend(
                bench::run_repeatedly(binary, &sqlite, &[], 1)?
                    .pop()
                    .unwrap_or_default(),
            );
            if postgres_ok {
                let mut postgres = vec!["--postgres".to_owned(), postgres_url()];
                postgres.extend(common.iter().cloned());
                postgres.extend(options.extra.iter().cloned());
                match bench::run_repeatedly(binary, &postgres, &[], 1) {
                    Ok(mut pg) => run.extend(pg.pop().unwrap_or_default()),
                    Err(e) => {
                        eprintln!("PostgreSQL half SKIPPED: {e:#}");
                        postgres_ok = false;
                    }
                }
            }
            // Ours / wrk, per run and scheme: the ceiling was measured a minute apart at most.
            let ceiling = find(&run, &format!("wrk {scheme}:"), "requests/s").map(|m| m.value);
            let mut ratios = Vec::new();
            for backend in ["sqlite", "postgres"] {
                if let (Some(ours), Some(ceiling)) = (
                    find(&run, backend, &format!(": {scheme} probes of ")),
                    ceiling,
                ) {
                    ratios.push(Measurement {
                        name: format!("{backend}: ratio {scheme} probes/s / wrk requests/s"),
                        value: ours.value / ceiling,
                        unit: "x".to_owned(),
                    });
                }
            }
            run.extend(ratios);
        }
        all.push(run);
    }
    drop(nginx);
    Ok(all)
}
