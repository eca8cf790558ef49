//! HTTP prober throughput benchmark.
//!
//! Runs N probes (each a new TCP connection, and for https a full TLS handshake) and prints
//! JSON lines `{"name", "value", "unit"}`: probes/s, outcome counts and peak RSS (VmHWM of
//! this process, which includes the in-process server when it is used).
//!
//! ```text
//! # against the in-process test server (shares the CPU with the prober):
//! cargo run --release -p dragnet-probe --example http_probe_bench -- --probes 20000
//! cargo run --release -p dragnet-probe --example http_probe_bench -- --scheme https
//! # against a server already listening on 127.0.0.1 (e.g. nginx):
//! cargo run --release -p dragnet-probe --example http_probe_bench -- \
//!     --target 127.0.0.1:8080 --scheme http --probes 100000
//! ```
//!
//! Options: `--probes N`, `--concurrency N` (probes in flight, default 256), `--scheme
//! http|https`, `--target IP:PORT` (loopback only), `--body-bytes N` (page size served by the
//! in-process server, default 2048), `--workers N` (runtime threads, default 2), `--raw` (the
//! reference: the same requests over plain tokio sockets, no HTTP client, no checks; http
//! only), so the prober's figure can be read as a ratio to what this machine allows.

use std::collections::BTreeMap;
use std::error::Error;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_domain::config::http::Scheme;
use dragnet_probe::guard::AddressGuard;
use dragnet_probe::probe::{ProbeSettings, Prober};
use dragnet_testkit::http_server::{Route, TestHttpServer};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

type BoxError = Box<dyn Error + Send + Sync>;

struct Args {
    probes: u64,
    concurrency: usize,
    scheme: Scheme,
    target: Option<SocketAddr>,
    body_bytes: usize,
    workers: usize,
    raw: bool,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut args = Args {
        probes: 20_000,
        concurrency: 256,
        scheme: Scheme::Http,
        target: None,
        body_bytes: 2048,
        workers: 2,
        raw: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--probes" => args.probes = value()?.parse()?,
            "--concurrency" => args.concurrency = value()?.parse::<usize>()?.max(1),
            "--scheme" => {
                args.scheme = match value()?.as_str() {
                    "http" => Scheme::Http,
                    "https" => Scheme::Https,
                    other => return Err(format!("--scheme: `{other}` is not http or https").into()),
                }
            }
            "--target" => {
                let target: SocketAddr = value()?.parse()?;
                if !target.ip().is_loopback() {
                    return Err("--target must be a loopback address".into());
                }
                args.target = Some(target);
            }
            "--body-bytes" => args.body_bytes = value()?.parse()?,
            "--workers" => args.workers = value()?.parse::<usize>()?.max(1),
            "--raw" => args.raw = true,
            other => return Err(format!("unknown option `{other}`").into()),
        }
    }
    Ok(args)
}

fn emit(name: &str, value: f64, unit: &str) {
    println!("{{\"name\":\"{name}\",\"value\":{value:.1},\"unit\":\"{unit}\"}}");
}

fn peak_rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), BoxError> {
    let args = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> Result<(), BoxError> {
    let server = match args.target {
        Some(_) => None,
        None => {
            let server = TestHttpServer::start().await?;
            let mut page = String::from("<html><head><title>bench</title></head><body>");
            while page.len() + 14 < args.body_bytes {
                page.push_str("<p>words</p>");
            }
            page.push_str("</body></html>");
            server.route("/", Route::html(page));
            Some(server)
        }
    };
    let (ip, port): (IpAddr, u16) = match (&server, args.target) {
        (_, Some(target)) => (target.ip(), target.port()),
        (Some(server), None) => {
            let addr = match args.scheme {
                Scheme::Http => server.http_addr(),
                Scheme::Https => server.https_addr(),
            };
            (addr.ip(), addr.port())
        }
        (None, None) => return Err("no server".into()),
    };
    let settings = ProbeSettings {
        schemes: vec![args.scheme],
        http_port: port,
        https_port: port,
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(10),
        accept_invalid_certificates: true,
        per_ip_concurrency: args.concurrency,
        guard: AddressGuard::allow_all(),
        ..ProbeSettings::default()
    };
    let prober = Arc::new(Prober::new(settings)?);
    let raw = args.raw;
    if raw && args.scheme == Scheme::Https {
        return Err("--raw measures plain http only".into());
    }
    let permits = Arc::new(Semaphore::new(args.concurrency));
    let mut tasks = JoinSet::new();
    let mut statuses: BTreeMap<&'static str, u64> = BTreeMap::new();
    let started = Instant::now();
    for i in 0..args.probes {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let prober = Arc::clone(&prober);
        let host = format!("d{i}.bench.test");
        // Two spawns, not one future with both paths: a task is as big as its largest path.
        if raw {
            tasks.spawn(async move {
                let status = raw_request(&host, SocketAddr::new(ip, port)).await;
                drop(permit);
                status
            });
        } else {
            tasks.spawn(async move {
                let status = prober.probe(&host, &[ip]).await.status.as_str();
                drop(permit);
                status
            });
        }
        while let Some(done) = tasks.try_join_next() {
            *statuses.entry(done?).or_default() += 1;
        }
    }
    while let Some(done) = tasks.join_next().await {
        *statuses.entry(done?).or_default() += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let scheme = if raw {
        "raw_http"
    } else {
        args.scheme.as_str()
    };
    emit(
        &format!("{scheme}_probes_per_second"),
        args.probes as f64 / elapsed,
        "probes/s",
    );
    emit("elapsed", elapsed, "s");
    for (status, count) in &statuses {
        emit(&format!("status_{status}"), *count as f64, "probes");
    }
    if let Some(rss) = peak_rss_kib() {
        emit("peak_rss", rss / 1024.0, "MiB");
    }
    Ok(())
}

/// The reference client: connect, send a fixed request, read until the server closes.
async fn raw_request(host: &str, addr: SocketAddr) -> &'static str {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return "unreachable";
    };
    let _ = stream.set_nodelay(true);
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return "http_error";
    }
    // On the heap, like an HTTP client's read buffer.
    let mut buf = vec![0u8; 8 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return "ok",
            Ok(_) => {}
            Err(_) => return "http_error",
        }
    }
}
