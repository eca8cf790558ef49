//! Throughput of the name generator, on one core. Run it through `cargo xtask bench generator`
//! (which builds it in release mode, runs it several times and reports medians); see
//! `docs/benchmarks.md`.
//!
//! Usage: `bench_generator [NAMES]` (default 30 000 000 names per sequential measurement).
//!
//! Pattern: `both`, character set `a-z0-9`, 3 + 3 variable characters around the constant
//! `shop`, TLD `com`: 14-byte names such as `a0xshopk9z.com`. Each measurement is printed as one
//! JSON line (`{"name", "value", "unit"}`). The references format a counter into a string of
//! similar length (`12345678.com`) in the same process, so that ratios stay meaningful on a
//! noisy machine. Every produced name is folded into a checksum (printed at the end) and passed
//! through `black_box`, so the optimiser cannot drop the work.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use dragnet_domain::config::generation::{
    DomainGenerationConfig, DomainGenerationConfigInput, PatternType,
};
use dragnet_domain::generator::Generator;
use dragnet_domain::name::DomainName;

/// Owned names are produced in batches of this size, as a consumer inserting into a database
/// would hold them.
const BATCH: usize = 4096;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| format!("NAMES `{arg}`: {e}"))?,
        None => 30_000_000,
    };
    let config = DomainGenerationConfig::try_from(DomainGenerationConfigInput {
        pattern_type: PatternType::Both,
        constant_string: "shop".into(),
        character_set: "abcdefghijklmnopqrstuvwxyz0123456789".into(),
        prefix_length: 3,
        suffix_length: 3,
        tlds: vec!["com".into()],
        offset_start: None,
        max_domains: None,
    })?;
    let generator = config.generator();
    let mut checksum = 0u64;

    // Warm up caches and the allocator.
    checksum ^= into_buffer(&generator, count / 10);

    let (rate_buffer, sum) = timed(count, || into_buffer(&generator, count));
    checksum ^= sum;
    report(
        "generator: next_into a reused buffer",
        rate_buffer,
        "names/s",
    );

    let (rate_borrowed, sum) = timed(count, || borrowed(&generator, count));
    checksum ^= sum;
    report(
        "generator: next_str (borrowed, no copy)",
        rate_borrowed,
        "names/s",
    );

    let (rate_ref_buffer, sum) = timed(count, || reference_buffer(count));
    checksum ^= sum;
    report(
        "reference: write! counter + .com into a reused String",
        rate_ref_buffer,
        "names/s",
    );

    let (rate_owned, sum) = timed(count, || owned(&generator, count));
    checksum ^= sum;
    report(
        "generator: owned DomainName via Iterator (batches of 4096)",
        rate_owned,
        "names/s",
    );

    let (rate_ref_owned, sum) = timed(count, || reference_owned(count));
    checksum ^= sum;
    report(
        "reference: format! counter + .com (batches of 4096)",
        rate_ref_owned,
        "names/s",
    );

    report(
        "ratio: next_into / write! reference",
        rate_buffer / rate_ref_buffer,
        "x",
    );
    report(
        "ratio: owned DomainName / format! reference",
        rate_owned / rate_ref_owned,
        "x",
    );

    let lookups = (count / 10).max(1);
    let (rate_nth, sum) = timed(lookups, || random_nth(&generator, lookups));
    checksum ^= sum;
    report(
        "generator: write_nth at random ordinals",
        rate_nth,
        "names/s",
    );

    let sample = sample_names(&generator, 200_000);
    let parses = (count / 10).max(1);
    let (rate_parse, sum) = timed(parses, || parse(&sample, parses));
    checksum ^= sum;
    report(
        "DomainName::parse, lowercase ASCII (fast path)",
        rate_parse,
        "names/s",
    );

    report("peak RSS (VmHWM)", peak_rss_mib(), "MiB");
    println!("checksum {checksum:016x}");
    Ok(())
}

fn report(name: &str, value: f64, unit: &str) {
    println!(r#"{{"name": "{name}", "value": {value:.3}, "unit": "{unit}"}}"#);
}

/// Runs `work` once and returns its rate in items per second, and its checksum.
fn timed(items: u64, work: impl FnOnce() -> u64) -> (f64, u64) {
    let start = Instant::now();
    let sum = black_box(work());
    let seconds = start.elapsed().as_secs_f64();
    (items as f64 / seconds, sum)
}

/// Folds a name into a checksum: cheap, but depends on every name's length and last
/// variable character.
#[inline(always)]
fn fold(sum: u64, name: &str) -> u64 {
    let bytes = black_box(name).as_bytes();
    let probe = bytes
        .get(bytes.len().saturating_sub(5))
        .copied()
        .unwrap_or(0);
    sum.rotate_left(5) ^ (bytes.len() as u64) ^ u64::from(probe)
}

fn into_buffer(generator: &Generator, count: u64) -> u64 {
    let mut names = generator.names(0..u128::from(count));
    let mut buf = String::with_capacity(64);
    let mut sum = 0;
    while names.next_into(&mut buf) {
        sum = fold(sum, &buf);
    }
    sum
}

fn borrowed(generator: &Generator, count: u64) -> u64 {
    let mut names = generator.names(0..u128::from(count));
    let mut sum = 0;
    while let Some(name) = names.next_str() {
        sum = fold(sum, name);
    }
    sum
}

fn owned(generator: &Generator, count: u64) -> u64 {
    let mut names = generator.names(0..u128::from(count));
    let mut batch: Vec<DomainName> = Vec::with_capacity(BATCH);
    let mut sum = 0;
    loop {
        batch.clear();
        batch.extend(names.by_ref().take(BATCH));
        if batch.is_empty() {
            return sum;
        }
        for name in &batch {
            sum = fold(sum, name.as_str());
        }
        black_box(&batch);
    }
}

fn reference_buffer(count: u64) -> u64 {
    let mut buf = String::with_capacity(64);
    let mut sum = 0;
    for i in 0..count {
        buf.clear();
        // Writing to a String cannot fail.
        let _ = write!(buf, "{}.com", black_box(i));
        sum = fold(sum, &buf);
    }
    sum
}

fn reference_owned(count: u64) -> u64 {
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    let mut sum = 0;
    let mut i = 0;
    while i < count {
        batch.clear();
        let end = (i + BATCH as u64).min(count);
        batch.extend((i..end).map(|n| format!("{}.com", black_box(n))));
        i = end;
        for name in &batch {
            sum = fold(sum, name);
        }
        black_box(&batch);
    }
    sum
}

/// A xorshift generator: ordinals spread over the whole space, reproducibly.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn random_nth(generator: &Generator, lookups: u64) -> u64 {
    let total = generator.total();
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let mut buf = String::with_capacity(64);
    let mut sum = 0;
    for _ in 0..lookups {
        let index = u128::from(xorshift(&mut state)) % total;
        generator.write_nth(index, &mut buf);
        sum = fold(sum, &buf);
    }
    sum
}

/// `count` names spread over the space, as owned strings, for the parser measurement.
fn sample_names(generator: &Generator, count: u64) -> Vec<String> {
    let step = generator.total() / u128::from(count);
    let mut buf = String::new();
    (0..count)
        .map(|i| {
            generator.write_nth(u128::from(i) * step, &mut buf);
            buf.clone()
        })
        .collect()
}

fn parse(sample: &[String], parses: u64) -> u64 {
    let mut sum = 0;
    for name in sample.iter().cycle().take(parses as usize) {
        match DomainName::parse(black_box(name)) {
            Ok(name) => sum = fold(sum, name.as_str()),
            Err(e) => panic!("generated name `{name}` refused: {e}"),
        }
    }
    sum
}

/// The peak resident set size of this process, in MiB (`VmHWM` in `/proc/self/status`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}
