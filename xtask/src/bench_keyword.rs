//! `cargo xtask bench keyword [--runs N] [-- --seconds S]`: visible-text extraction and keyword
//! matching per page, single-threaded, against `lol_html`'s bare tokenizer measured in the same
//! process (`crates/probe/examples/keyword_bench.rs`).

use crate::bench::{self, Options};

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let binary = bench::build_example("dragnet-probe", "keyword_bench")?;
    let runs = bench::run_repeatedly(&binary, &options.extra, &[], options.runs)?;
    let summary = bench::summarise(&runs);
    println!("Machine: {}\n", bench::machine_description());
    bench::print_table("Visible text and keyword matching", options.runs, &summary);
    Ok(())
}
