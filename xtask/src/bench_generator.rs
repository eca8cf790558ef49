//! `cargo xtask bench generator`: being written.

use crate::bench::Options;

/// Runs the benchmark.
pub fn run(_options: &Options) -> anyhow::Result<()> {
    anyhow::bail!("bench generator is not written yet")
}
