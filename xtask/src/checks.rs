//! Repository checks run by CI: dependency direction and banned legacy names.

use std::process::Command;

use anyhow::{Context, bail};

/// External crates that must never appear in `dragnet-domain`'s normal dependency tree,
/// because other services link it to validate configurations without pulling in a runtime, a
/// database or a network stack. `utoipa` is allowed only behind the optional `openapi` feature.
const DOMAIN_BANNED: &[&str] = &[
    "diesel",
    "tokio",
    "actix",
    "reqwest",
    "hickory",
    "hyper",
    "rustls",
    "utoipa",
    "libsqlite3",
    "pq-sys",
];

/// The layer graph: for each crate, what its normal dependency tree must not contain. Names
/// starting with `dragnet` match exactly; any other name matches every crate it prefixes
/// (`actix` bans `actix-web` and `actix-ws`).
///
/// domain ← {store, dns, probe, analysis} ← engine ← api ← bins, and realtime needs only
/// domain. The network clients (dns, probe) are libraries of their own: no store, no
/// orchestration, no web framework. Page analysis is pure: no runtime, no network stack. The testkit is a dev-dependency only, so no library may depend on it.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "dragnet-store",
        &[
            "dragnet-dns",
            "dragnet-probe",
            "dragnet-engine",
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "actix",
            "hyper",
            "hickory",
        ],
    ),
    (
        "dragnet-dns",
        &[
            "dragnet-store",
            "dragnet-probe",
            "dragnet-engine",
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "actix",
            "diesel",
        ],
    ),
    (
        "dragnet-probe",
        &[
            "dragnet-store",
            "dragnet-dns",
            "dragnet-engine",
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "actix",
            "diesel",
            "hickory",
        ],
    ),
    (
        "dragnet-html",
        &[
            "dragnet-domain",
            "dragnet-store",
            "dragnet-dns",
            "dragnet-probe",
            "dragnet-analysis",
            "dragnet-engine",
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "tokio",
            "actix",
            "diesel",
            "hyper",
            "hickory",
            "lol_html",
        ],
    ),
    (
        "dragnet-analysis",
        &[
            "dragnet-store",
            "dragnet-dns",
            "dragnet-probe",
            "dragnet-engine",
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "tokio",
            "actix",
            "diesel",
            "hyper",
            "hickory",
        ],
    ),
    (
        "dragnet-engine",
        &[
            "dragnet-realtime",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "actix",
        ],
    ),
    (
        "dragnet-realtime",
        &[
            "dragnet-store",
            "dragnet-dns",
            "dragnet-probe",
            "dragnet-engine",
            "dragnet-api",
            "dragnet-testkit",
            "dragnet",
            "diesel",
            "hyper",
            "rustls",
            "hickory",
            "lol_html",
        ],
    ),
    ("dragnet-api", &["dragnet-testkit", "dragnet"]),
];

/// Whether crate `name` is matched by the ban entry `banned` (see [`LAYERS`]).
fn is_banned(name: &str, banned: &str) -> bool {
    if banned.starts_with("dragnet") {
        name == banned
    } else {
        name.starts_with(banned)
    }
}

/// The normal (non-dev, non-build) dependency tree of `package`, one crate name per line.
fn normal_tree(package: &str, features: &[&str]) -> anyhow::Result<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(crate::bench::workspace_root()).args([
        "tree",
        "--package",
        package,
        "--edges",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().context("running cargo tree")?;
    if !out.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect())
}

/// Fails when a crate depends against the layer direction, or when `dragnet-domain` pulls in
/// a runtime, database, HTTP or DNS crate.
pub fn check_deps() -> anyhow::Result<()> {
    let mut problems = Vec::new();
    let domain = normal_tree("dragnet-domain", &[])?;
    for name in domain.iter().skip(1) {
        if name.starts_with("dragnet") || DOMAIN_BANNED.iter().any(|b| is_banned(name, b)) {
            problems.push(format!("dragnet-domain depends on `{name}`"));
        }
    }
    // With the `openapi` feature, utoipa is allowed but the rest of the ban stands.
    for name in normal_tree("dragnet-domain", &["openapi"])?.iter().skip(1) {
        if name.starts_with("dragnet")
            || DOMAIN_BANNED
                .iter()
                .filter(|b| **b != "utoipa")
                .any(|b| is_banned(name, b))
        {
            problems.push(format!(
                "dragnet-domain (feature openapi) depends on `{name}`"
            ));
        }
    }
    for (package, forbidden) in LAYERS {
        let tree = normal_tree(package, &[])?;
        for name in tree.iter().skip(1) {
            if let Some(banned) = forbidden.iter().find(|b| is_banned(name, b)) {
                problems.push(format!(
                    "{package} depends on {name} (banned: `{banned}`); see the layer graph in docs/ARCHITECTURE.md"
                ));
            }
        }
    }
    if problems.is_empty() {
        println!(
            "dependency direction: ok ({} crates in dragnet-domain's tree, none banned)",
            domain.len()
        );
        Ok(())
    } else {
        bail!(
            "dependency direction check failed:\n  {}",
            problems.join("\n  ")
        )
    }
}

/// Names from an earlier design that must not come back: the campaign has one current phase
/// and one phase status, no "type" and no second progress field. They are assembled from
/// pieces so that this file does not trip its own check.
fn banned_names() -> Vec<String> {
    [
        ("campaign", "_type"),
        ("Campaign", "Type"),
        ("campaign", "_progress"),
        ("progress", "_percentage"),
        ("Progress", "Percentage"),
    ]
    .iter()
    .map(|(a, b)| format!("{a}{b}"))
    .collect()
}

/// Fails when a banned legacy name appears in any tracked file (source, SQL, docs, generated
/// files).
pub fn check_names() -> anyhow::Result<()> {
    let root = crate::bench::workspace_root();
    let out = Command::new("git")
        .current_dir(&root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .context("running git ls-files")?;
    if !out.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let banned = banned_names();
    let mut hits = Vec::new();
    let mut files = 0;
    for path in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        let Ok(text) = std::fs::read(root.join(&path)) else {
            continue; // deleted but still in the index
        };
        files += 1;
        let text = String::from_utf8_lossy(&text);
        for (n, line) in text.lines().enumerate() {
            for name in &banned {
                if line.contains(name.as_str()) {
                    hits.push(format!("{path}:{}: `{name}`", n + 1));
                }
            }
        }
    }
    if hits.is_empty() {
        println!("legacy names: ok ({files} files scanned)");
        Ok(())
    } else {
        bail!(
            "legacy names found (a campaign has one current phase and one phase status):\n  {}",
            hits.join("\n  ")
        )
    }
}
