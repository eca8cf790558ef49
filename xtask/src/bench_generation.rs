//! `cargo xtask bench generation [--runs N] [-- ARGS]`: the `domain_generation` phase end to
//! end through the phase runner, on SQLite and PostgreSQL.
//!
//! Builds `crates/engine/examples/phase_bench.rs` in release mode and runs it N times (default
//! 3) per backend with `--generation-only`: a campaign generating 2,000,000 names (10-character
//! labels) is started on a fresh `Engine` and timed until its phase row says `completed`.
//! SQLite runs on a file in a fresh temporary directory, PostgreSQL in a scratch database the
//! example creates and drops on the server named by `TEST_DATABASE_URL` or `DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`). ARGS go to the example
//! (`--names N`, `--generation-chunk N`, `--chunks-in-flight N`).

use crate::bench::{self, Options};

/// Goals (names/s) from the engine issue.
const GOAL_SQLITE: f64 = 350_000.0;
const GOAL_POSTGRES: f64 = 180_000.0;

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-engine", "phase_bench")?;
    let load_before = load_average();
    let dir = std::env::temp_dir().join(format!("dragnet-bench-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut sqlite = vec![
        "--sqlite".to_owned(),
        dir.join("bench.db").display().to_string(),
        "--generation-only".to_owned(),
    ];
    sqlite.extend(options.extra.iter().cloned());
    let mut postgres = vec![
        "--postgres".to_owned(),
        postgres_url(),
        "--generation-only".to_owned(),
    ];
    postgres.extend(options.extra.iter().cloned());

    // Alternate the backends so both see the same stretch of machine load.
    let mut all = Vec::new();
    let mut postgres_ok = true;
    for _ in 0..options.runs {
        let mut run = bench::run_repeatedly(&binary, &sqlite, &[], 1)?
            .pop()
            .unwrap_or_default();
        if postgres_ok {
            match bench::run_repeatedly(&binary, &postgres, &[], 1) {
                Ok(mut pg) => run.extend(pg.pop().unwrap_or_default()),
                Err(e) => {
                    eprintln!("PostgreSQL half SKIPPED: {e:#}");
                    postgres_ok = false;
                }
            }
        }
        all.push(run);
    }
    let _ = std::fs::remove_dir_all(&dir);

    let summary = bench::summarise(&all);
    println!(
        "Machine: {}; load average before/after: {load_before} / {}\n",
        bench::machine_description(),
        load_average()
    );
    bench::print_table("Engine phases: domain_generation", options.runs, &summary);
    for (name, unit, median, ..) in &summary {
        if !name.contains(": generation of ") {
            continue;
        }
        let goal = if name.starts_with("postgres") {
            GOAL_POSTGRES
        } else {
            GOAL_SQLITE
        };
        println!(
            "- {name}: median {median:.0} {unit}, goal ≥ {goal:.0}: {}",
            if *median >= goal { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// The PostgreSQL server to create the scratch database on.
pub fn postgres_url() -> String {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The 1-minute load average, to show how busy the shared machine was.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
