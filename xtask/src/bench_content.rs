//! `cargo xtask bench content|leads [--runs N] [-- [--postgres] ARGS]`: the
//! `content_analysis` (or `lead_extraction`, without contact-page fetching) phase end to end
//! through the phase runner — stored page snapshots read, decompressed, analysed, results
//! persisted — with, in the same run, the reference: the same snapshots read from the store,
//! decompressed and tokenised with `lol_html` only.
//!
//! 1. Builds `crates/engine/examples/content_bench.rs` (release).
//! 2. N times (default 3): the example on a fresh SQLite file (200,000 domains whose pages
//!    are 2,000 distinct synthetic 20–100 KiB pages, mean ≈ 58 KiB); with `--postgres`, also on
//!    a scratch database of `TEST_DATABASE_URL` / `DATABASE_URL` (default
//!    `postgres://postgres@127.0.0.1:5432/postgres`).
//! 3. Prints medians, the ratio to the reference, and the goals (≥ 2,500 domains/s on
//!    SQLite, peak RSS ≤ 200 MB).
//!
//! ARGS go to the example (`--domains N`, `--distinct N`, `--chunk N`,
//! `--chunks-in-flight N`, `--threads N`). No network is used.

use std::path::PathBuf;

use crate::bench::{self, Goal, Options};
use crate::bench_generation::{load_average, postgres_url};

/// Goals from the content analysis issue.
const GOAL_RATE: f64 = 2_500.0;
/// Goal from the lead extraction issue (200,000 stored pages, no contact-page fetching).
const GOAL_LEADS_RATE: f64 = 3_000.0;
const GOAL_RSS_MIB: f64 = 200.0;

/// Which page phase a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagePhase {
    /// `content_analysis`: goal 2,500 domains/s.
    Content,
    /// `lead_extraction` (no contact-page fetching): goal 3,000 domains/s.
    Leads,
}

/// Runs the benchmark.
pub fn run(options: &Options, phase: PagePhase) -> anyhow::Result<()> {
    let postgres = options.extra.first().is_some_and(|a| a == "--postgres");
    let mut extra: Vec<String> = options
        .extra
        .iter()
        .skip(usize::from(postgres))
        .cloned()
        .collect();
    let (phase_arg, title, rate_goal, rate_name) = match phase {
        PagePhase::Content => (
            "content",
            "Engine phases: content_analysis",
            GOAL_RATE,
            "sqlite: content_analysis of ",
        ),
        PagePhase::Leads => (
            "leads",
            "Engine phases: lead_extraction",
            GOAL_LEADS_RATE,
            "sqlite: lead_extraction of ",
        ),
    };
    extra.extend(["--phase".to_owned(), phase_arg.to_owned()]);
    let binary = bench::build_example("dragnet-engine", "content_bench")?;
    let load_before = load_average();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("dragnet-bench-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut all = Vec::new();
    let mut failure = None;
    for _ in 0..options.runs {
        let mut sqlite = vec![
            "--sqlite".to_owned(),
            dir.join("bench.db").display().to_string(),
        ];
        sqlite.extend(extra.iter().cloned());
        let mut run = match bench::run_repeatedly(&binary, &sqlite, &[], 1) {
            Ok(mut r) => r.pop().unwrap_or_default(),
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if postgres {
            let mut args = vec!["--postgres".to_owned(), postgres_url()];
            args.extend(extra.iter().cloned());
            match bench::run_repeatedly(&binary, &args, &[], 1) {
                Ok(mut r) => run.extend(r.pop().unwrap_or_default()),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        all.push(run);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(e) = failure {
        return Err(e);
    }
    let summary = bench::summarise(&all);
    println!(
        "Machine: {}; load average before/after: {load_before} / {}\n",
        bench::machine_description(),
        load_average()
    );
    bench::print_table(title, options.runs, &summary);
    bench::print_goals(
        &summary,
        &[
            Goal::at_least(rate_name, rate_goal),
            Goal::at_most("sqlite: peak RSS", GOAL_RSS_MIB),
        ],
    );
    Ok(())
}
