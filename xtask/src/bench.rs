//! Shared benchmark plumbing: build and run a release binary several times, collect the
//! measurements it prints, and report medians.
//!
//! A benchmark binary prints one JSON object per line on stdout for each measurement:
//! `{"name": "...", "value": 123.4, "unit": "names/s"}`. It should also print its own peak
//! resident set size (read from `VmHWM` in `/proc/self/status`) as a measurement with unit
//! `MiB`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

/// Command-line options common to every benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many times to run the benchmark binary.
    pub runs: usize,
    /// Arguments passed through to the benchmark binary (after `--`).
    pub extra: Vec<String>,
}

impl Options {
    /// Parses `[--runs N] [-- extra args]`.
    pub fn parse(args: &[&str]) -> anyhow::Result<Self> {
        let mut runs = 3;
        let mut extra = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match *arg {
                "--runs" => {
                    let n = it.next().context("--runs needs a number")?;
                    runs = n
                        .parse()
                        .with_context(|| format!("--runs: `{n}` is not a number"))?;
                    if runs == 0 {
                        bail!("--runs must be at least 1");
                    }
                }
                "--" => extra.extend(it.by_ref().map(|s| (*s).to_owned())),
                other => bail!("unknown benchmark option `{other}`"),
            }
        }
        Ok(Self { runs, extra })
    }
}

/// One measurement printed by a benchmark binary.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Measurement {
    /// What was measured.
    pub name: String,
    /// The figure.
    pub value: f64,
    /// Its unit.
    pub unit: String,
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Builds `--example example` of `package` in release mode and returns the binary's path.
pub fn build_example(package: &str, example: &str) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--package",
            package,
            "--example",
            example,
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building example {example} of {package} failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    Ok(target.join("release").join("examples").join(example))
}

/// Runs `binary args` `runs` times and returns the measurements of each run.
pub fn run_repeatedly(
    binary: &PathBuf,
    args: &[String],
    envs: &[(String, String)],
    runs: usize,
) -> anyhow::Result<Vec<Vec<Measurement>>> {
    let mut all = Vec::with_capacity(runs);
    for run in 1..=runs {
        eprintln!("run {run}/{runs}: {} {}", binary.display(), args.join(" "));
        let output = Command::new(binary)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .output()
            .with_context(|| format!("starting {}", binary.display()))?;
        if !output.status.success() {
            bail!(
                "{} failed ({}):\n{}",
                binary.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut measurements = Vec::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if line.trim_start().starts_with('{') {
                let m: Measurement = serde_json::from_str(line)
                    .with_context(|| format!("parsing benchmark output line `{line}`"))?;
                eprintln!("  {:<50} {:>14.1} {}", m.name, m.value, m.unit);
                measurements.push(m);
            }
        }
        all.push(measurements);
    }
    Ok(all)
}

/// The median (and min, max) of each named measurement over several runs, in first-seen order.
pub fn summarise(runs: &[Vec<Measurement>]) -> Vec<(String, String, f64, f64, f64)> {
    let mut order = Vec::new();
    let mut values: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for run in runs {
        for m in run {
            let key = (m.name.clone(), m.unit.clone());
            if !values.contains_key(&key) {
                order.push(key.clone());
            }
            values.entry(key).or_default().push(m.value);
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let mut v = values.remove(&key)?;
            v.sort_by(f64::total_cmp);
            let median = if v.len() % 2 == 1 {
                v[v.len() / 2]
            } else {
                (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
            };
            Some((key.0, key.1, median, v[0], v[v.len() - 1]))
        })
        .collect()
}

/// Prints a markdown table of the summary, ready for `docs/benchmarks.md`.
pub fn print_table(title: &str, runs: usize, summary: &[(String, String, f64, f64, f64)]) {
    println!("### {title}\n");
    println!("Median of {runs} runs (min – max in brackets).\n");
    println!("| measurement | median | range | unit |");
    println!("|---|---:|---:|---|");
    for (name, unit, median, min, max) in summary {
        println!("| {name} | {median:.1} | {min:.1} – {max:.1} | {unit} |");
    }
    println!();
}

/// A goal of an issue for some measurements: those whose name starts with `prefix` (empty:
/// any) and contains `fragment`.
pub struct Goal {
    /// Start of the measurement's name (the backend, say); empty for any.
    pub prefix: &'static str,
    /// A fragment of the measurement's name.
    pub fragment: &'static str,
    /// The bound the median must reach.
    pub bound: f64,
    /// Whether the bound is a minimum (otherwise a maximum).
    pub minimum: bool,
    /// The goal is stated for measurements starting with this only; others are judged for
    /// information (their verdict says so).
    pub stated_for: Option<&'static str>,
}

impl Goal {
    /// The median of measurements containing `fragment` must be at least `bound`.
    pub const fn at_least(fragment: &'static str, bound: f64) -> Self {
        Self {
            prefix: "",
            fragment,
            bound,
            minimum: true,
            stated_for: None,
        }
    }

    /// The median of measurements containing `fragment` must be at most `bound`.
    pub const fn at_most(fragment: &'static str, bound: f64) -> Self {
        Self {
            minimum: false,
            ..Self::at_least(fragment, bound)
        }
    }

    /// Only for measurements whose name starts with `prefix` (a backend, say).
    pub const fn only(self, prefix: &'static str) -> Self {
        Self { prefix, ..self }
    }

    /// Stated by the issue for measurements starting with `prefix`; others are informative.
    pub const fn stated_for(self, prefix: &'static str) -> Self {
        Self {
            stated_for: Some(prefix),
            ..self
        }
    }
}

/// Prints, for every median a goal applies to (the first that matches), whether it is met.
pub fn print_goals(summary: &[(String, String, f64, f64, f64)], goals: &[Goal]) {
    for (name, unit, median, ..) in summary {
        let Some(goal) = goals
            .iter()
            .find(|g| name.starts_with(g.prefix) && name.contains(g.fragment))
        else {
            continue;
        };
        let met = if goal.minimum {
            *median >= goal.bound
        } else {
            *median <= goal.bound
        };
        let verdict = match (met, goal.stated_for.filter(|s| !name.starts_with(s))) {
            (true, None) => "met".to_owned(),
            (false, None) => "NOT met".to_owned(),
            (true, Some(s)) => format!("met (the goal is stated for {s})"),
            (false, Some(s)) => format!("not met (the goal is stated for {s})"),
        };
        println!(
            "- {name}: median {median:.1} {unit}, goal {} {:.1} {unit}: {verdict}",
            if goal.minimum { "≥" } else { "≤" },
            goal.bound,
        );
    }
}

/// A one-line description of this machine for benchmark reports: cores, memory, CPU model.
pub fn machine_description() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "{cores} cores ({cpu}), {:.1} GiB RAM",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

/// A server started by a benchmark; stopped (SIGTERM, then SIGKILL after 5 s) when dropped.
pub struct Daemon {
    name: &'static str,
    /// The process.
    pub child: std::process::Child,
}

impl Daemon {
    /// Takes charge of `child`.
    pub fn new(name: &'static str, child: std::process::Child) -> Self {
        Self { name, child }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("{} (pid {pid}) stopped", self.name);
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("{} (pid {pid}) killed", self.name);
    }
}

/// Whether `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the Debian packages of the `(tool, package)` pairs whose tool is missing.
pub fn ensure_installed(tools: &[(&str, &str)]) -> anyhow::Result<()> {
    let need: Vec<&str> = tools
        .iter()
        .filter(|(tool, _)| !have(tool))
        .map(|(_, package)| *package)
        .collect();
    if need.is_empty() {
        return Ok(());
    }
    eprintln!("installing {}", need.join(" "));
    let status = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&need)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("running apt-get")?;
    if !status.success() {
        bail!("apt-get install {} failed", need.join(" "));
    }
    Ok(())
}
