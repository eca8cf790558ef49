//! `cargo xtask bench store [--runs N] [-- --domains N]`: the store's bulk insert, batched
//! result writes and deep keyset pages, on SQLite and PostgreSQL.
//!
//! Builds `crates/store/examples/store_bench.rs` in release mode and runs it N times (default
//! 3) per backend: SQLite on a file in a fresh temporary directory, PostgreSQL in a scratch
//! database the example creates (and drops) on the server named by `TEST_DATABASE_URL` or
//! `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`. When PostgreSQL is
//! unreachable its half is skipped with a message. Prints the medians with the goals of the
//! store issue as markdown for `docs/benchmarks.md`.

use crate::bench::{self, Options};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A goal: measurement-name suffix, bound, whether the bound is a minimum.
struct Goal {
    suffix: &'static str,
    sqlite: f64,
    postgres: f64,
    minimum: bool,
}

const GOALS: [Goal; 5] = [
    Goal {
        suffix: "domains",
        sqlite: 400_000.0,
        postgres: 200_000.0,
        minimum: true,
    },
    Goal {
        suffix: "(batches of 5000)",
        sqlite: 400_000.0,
        postgres: 200_000.0,
        minimum: true,
    },
    Goal {
        suffix: "results, median",
        sqlite: 2.0,
        postgres: 2.0,
        minimum: false,
    },
    Goal {
        suffix: "results, p99",
        sqlite: 10.0,
        postgres: 10.0,
        minimum: false,
    },
    Goal {
        suffix: "peak RSS",
        sqlite: 100.0,
        postgres: 100.0,
        minimum: false,
    },
];

fn postgres_url() -> String {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        .unwrap_or_else(|| DEFAULT_POSTGRES.to_owned())
}

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-store", "store_bench")?;
    let load_before = load_average();

    let dir = std::env::temp_dir().join(format!("dragnet-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut args = vec![
        "--sqlite".to_owned(),
        dir.join("bench.db").display().to_string(),
    ];
    args.extend(options.extra.iter().cloned());
    let sqlite = bench::run_repeatedly(&binary, &args, &[], options.runs);
    let _ = std::fs::remove_dir_all(&dir);
    let mut all = sqlite?;

    let mut args = vec!["--postgres".to_owned(), postgres_url()];
    args.extend(options.extra.iter().cloned());
    match bench::run_repeatedly(&binary, &args, &[], options.runs) {
        Ok(pg) => {
            for (run, measurements) in all.iter_mut().zip(pg) {
                run.extend(measurements);
            }
        }
        Err(e) => eprintln!("PostgreSQL half SKIPPED: {e:#}"),
    }

    let summary = bench::summarise(&all);
    println!(
        "Machine: {}; load average before/after: {load_before} / {}\n",
        bench::machine_description(),
        load_average()
    );
    bench::print_table("Store", options.runs, &summary);
    for (name, unit, median, ..) in &summary {
        if name.contains("reference") {
            continue;
        }
        let Some(goal) = GOALS.iter().find(|g| name.ends_with(g.suffix)) else {
            continue;
        };
        let bound = if name.starts_with("postgres") {
            goal.postgres
        } else {
            goal.sqlite
        };
        let met = if goal.minimum {
            *median >= bound
        } else {
            *median <= bound
        };
        println!(
            "- {name}: median {median:.1} {unit}, goal {} {bound} {unit}: {}",
            if goal.minimum { "≥" } else { "≤" },
            if met { "met" } else { "NOT met" }
        );
    }
    // Ratios to the database's own ceiling measured in the same runs: steadier than the
    // absolute figures on a shared machine.
    let median = |name: &str| {
        summary
            .iter()
            .find(|(n, ..)| n.as_str() == name)
            .map(|(_, _, m, ..)| *m)
    };
    for (name, _, value, ..) in &summary {
        let Some((backend, what)) = name.split_once(": ") else {
            continue;
        };
        let reference = if what.starts_with("insert") {
            "domains"
        } else if what.starts_with("write") {
            "DNS results"
        } else {
            continue;
        };
        if let Some(r) = median(&format!(
            "{backend}: reference: server-side INSERT … SELECT, {reference}"
        )) {
            println!(
                "- {name}: {:.2}× the server-side INSERT … SELECT of the same rows",
                value / r
            );
        }
    }
    Ok(())
}

/// The 1-minute load average, to show how busy the shared machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
