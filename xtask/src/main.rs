//! Project automation: `cargo xtask <command>`.
//!
//! Benchmarks run release binaries of the workspace several times and report medians; see
//! `docs/benchmarks.md`.

mod bench;
mod bench_generator;
mod bench_store;
mod checks;

use anyhow::bail;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  check-deps                   dependency direction (domain <- store <- engine <- api <- bins)
  check-names                  no legacy campaign-type or second-progress names anywhere
  bench generator [--runs N]   name generator throughput
  bench store [--runs N]       store bulk insert, result writes and keyset pages";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    match (
        args.first().map(String::as_str),
        args.get(1).map(String::as_str),
    ) {
        (Some("bench"), Some("generator")) => bench_generator::run(&bench::Options::parse(&rest)?),
        (Some("bench"), Some("store")) => bench_store::run(&bench::Options::parse(&rest)?),
        (Some("check-deps"), None) => checks::check_deps(),
        (Some("check-names"), None) => checks::check_names(),
        _ => bail!("{USAGE}"),
    }
}
