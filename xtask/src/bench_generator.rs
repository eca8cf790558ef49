//! `cargo xtask bench generator [--runs N] [-- NAMES]`: throughput of the name generator.
//!
//! Builds `crates/domain/examples/bench_generator.rs` in release mode, runs it N times (default
//! 3) and prints the medians as a markdown table for `docs/benchmarks.md`, with the machine
//! description and the goals. Extra arguments after `--` are passed to the example (the number
//! of names per sequential measurement, default 30 000 000).

use crate::bench::{self, Options};

/// Goals from the generator issue: (measurement, minimum names/s).
const GOALS: [(&str, f64); 2] = [
    ("generator: next_into a reused buffer", 20e6),
    (
        "generator: owned DomainName via Iterator (batches of 4096)",
        5e6,
    ),
];

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-domain", "bench_generator")?;
    let runs = bench::run_repeatedly(&binary, &options.extra, &[], options.runs)?;
    let summary = bench::summarise(&runs);
    println!("Machine: {}\n", bench::machine_description());
    bench::print_table("Name generator", options.runs, &summary);
    for (goal, minimum) in GOALS {
        match summary.iter().find(|(name, ..)| name == goal) {
            Some((_, _, median, ..)) => println!(
                "- {goal}: median {:.1}M names/s, goal ≥ {:.0}M names/s: {}",
                median / 1e6,
                minimum / 1e6,
                if *median >= minimum { "met" } else { "NOT met" }
            ),
            None => println!("- {goal}: not measured"),
        }
    }
    Ok(())
}
