//! Helpers shared by the engine's benchmark programs (`phase_bench`, `http_bench`,
//! `content_bench`): measurements of this process, JSON output, scratch databases and running
//! one phase.

#![allow(dead_code)]

use std::error::Error;
use std::future::Future;
use std::time::{Duration, Instant};

use dragnet_domain::{Action, CampaignId, Phase, PhaseStatus};
use dragnet_engine::Engine;
use dragnet_store::Change;
use dragnet_testkit::pg::ScratchDatabase;

/// A boxed error.
pub type BoxError = Box<dyn Error + Send + Sync>;
/// A result with a boxed error.
pub type Result<T> = std::result::Result<T, BoxError>;

pub fn peak_rss_mib() -> f64 {
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

/// User + system CPU seconds this process has used so far (`/proc/self/stat`, 100 ticks/s).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(") ")?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(0.0)
}

pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

pub fn emit(name: &str, value: f64, unit: &str) {
    println!(
        "{}",
        serde_json::json!({"name": name, "value": value, "unit": unit})
    );
}

/// Applies `action` and waits until the campaign's `phase` is no longer running; returns the
/// elapsed time from the action.
pub async fn run_phase(engine: &Engine, id: CampaignId, phase: Phase) -> Result<Duration> {
    let start = Instant::now();
    engine.apply(id, Change::new(Action::Start)).await?;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let campaign = engine.store().run(move |s| s.get_campaign(id)).await?;
        let record = campaign
            .phase(phase)
            .ok_or_else(|| format!("campaign has no {phase} row"))?;
        match record.status {
            PhaseStatus::Completed => return Ok(start.elapsed()),
            PhaseStatus::Running | PhaseStatus::Pending => {}
            other => {
                return Err(format!(
                    "{phase} ended {other:?}: {}",
                    record.error.as_deref().unwrap_or("no error recorded")
                )
                .into());
            }
        }
        if start.elapsed() > Duration::from_secs(900) {
            return Err(format!("{phase} still running after 15 minutes").into());
        }
    }
}

/// Runs `bench(label, url)` on a fresh database: a SQLite file at `sqlite` (removed before
/// and after), or a scratch database `<prefix>_<pid>` created on the PostgreSQL server of
/// `postgres` (an admin URL) and dropped afterwards.
pub fn on_scratch_database<F, Fut>(
    prefix: &str,
    sqlite: Option<&str>,
    postgres: Option<&str>,
    bench: F,
) -> Result<()>
where
    F: FnOnce(&'static str, String) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match (sqlite, postgres) {
        (Some(path), None) => {
            let remove = || {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            };
            remove();
            let result = runtime.block_on(bench("sqlite", format!("sqlite://{path}")));
            remove();
            result
        }
        (None, Some(admin)) => {
            let scratch = ScratchDatabase::create(admin, prefix)?;
            let result = runtime.block_on(bench("postgres", scratch.url().to_owned()));
            // The engine and its pool are gone with `bench`; dropping the scratch database
            // (WITH FORCE) ends any straggler.
            drop(runtime);
            drop(scratch);
            result
        }
        _ => Err("give exactly one of --sqlite PATH or --postgres ADMIN_URL".into()),
    }
}
