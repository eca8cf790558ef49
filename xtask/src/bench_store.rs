//! `cargo xtask bench store`: being written.

use crate::bench::Options;

/// Runs the benchmark.
pub fn run(_options: &Options) -> anyhow::Result<()> {
    anyhow::bail!("bench store is not written yet")
}
