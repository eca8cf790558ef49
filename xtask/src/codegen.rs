//! Generated files: the OpenAPI document and the TypeScript types made from it.
//!
//! - `gen-openapi` writes `docs/openapi.json` from `dragnet_api::openapi()` by running
//!   `dragnet openapi` (no store, no server). Going through the binary keeps xtask's own
//!   dependencies to anyhow and serde_json: depending on `dragnet-api` would compile actix,
//!   diesel and the engine into every `cargo xtask` invocation, and the binary is built for
//!   the tests anyway.
//! - `gen-types` runs the `openapi-typescript` pinned in `web/package-lock.json` (installed
//!   by `npm ci --prefix web`) to write `web/src/api/schema.d.ts`, then type-checks it.
//! - `check-generated` regenerates both into a temporary directory and fails, naming the
//!   commands to run, when a committed file differs. It needs no network once
//!   `web/node_modules` is installed: the tools are run from `node_modules/.bin`, never
//!   through `npx`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::bench::workspace_root;

/// The committed OpenAPI document, relative to the workspace root.
const OPENAPI: &str = "docs/openapi.json";
/// The committed TypeScript types, relative to the workspace root.
const TYPES: &str = "web/src/api/schema.d.ts";

/// The current document, as `dragnet openapi` prints it.
fn openapi_json() -> anyhow::Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["run", "--quiet", "--package", "dragnet", "--", "openapi"])
        .output()
        .context("running `cargo run -p dragnet -- openapi`")?;
    if !out.status.success() {
        bail!(
            "`dragnet openapi` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = String::from_utf8(out.stdout).context("the document is not UTF-8")?;
    serde_json::from_str::<serde_json::Value>(&json)
        .context("`dragnet openapi` did not print JSON")?;
    Ok(json)
}

/// A tool installed in `web/node_modules/.bin`.
fn node_tool(name: &str) -> anyhow::Result<PathBuf> {
    let path = workspace_root().join("web/node_modules/.bin").join(name);
    if !path.exists() {
        bail!(
            "{} is missing; install the pinned web tooling first with `npm ci --prefix web`",
            path.display()
        );
    }
    Ok(path)
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Writes TypeScript types for the document at `input` to `output`.
fn typescript_types(input: &Path, output: &Path) -> anyhow::Result<()> {
    let mut cmd = Command::new(node_tool("openapi-typescript")?);
    cmd.current_dir(workspace_root().join("web"))
        .arg(input)
        .arg("--output")
        .arg(output);
    run(cmd, "openapi-typescript")
}

/// Type-checks `web/` (the generated types must compile).
fn type_check() -> anyhow::Result<()> {
    let mut cmd = Command::new(node_tool("tsc")?);
    cmd.current_dir(workspace_root().join("web"))
        .args(["--noEmit", "--project", "tsconfig.json"]);
    run(cmd, "tsc --noEmit")
}

/// `cargo xtask gen-openapi`.
pub fn gen_openapi() -> anyhow::Result<()> {
    let path = workspace_root().join(OPENAPI);
    std::fs::write(&path, openapi_json()?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {OPENAPI}");
    Ok(())
}

/// `cargo xtask gen-types`.
pub fn gen_types() -> anyhow::Result<()> {
    let root = workspace_root();
    typescript_types(&root.join(OPENAPI), &root.join(TYPES))?;
    type_check()?;
    println!("wrote {TYPES} from {OPENAPI}");
    Ok(())
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("dragnet-codegen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compares a committed file with its regenerated text; `None` when they are equal.
fn compare(committed: &str, fresh: &str) -> anyhow::Result<Option<String>> {
    let path = workspace_root().join(committed);
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(format!("{committed} does not exist")));
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if old == fresh {
        return Ok(None);
    }
    let line = old
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| old.lines().count().min(fresh.lines().count()));
    Ok(Some(format!(
        "{committed} is stale; first difference at line {}:\n  committed: {}\n  generated: {}",
        line + 1,
        old.lines().nth(line).unwrap_or("<end of file>"),
        fresh.lines().nth(line).unwrap_or("<end of file>"),
    )))
}

/// `cargo xtask check-generated`.
pub fn check_generated() -> anyhow::Result<()> {
    let scratch = Scratch::new()?;
    let json = openapi_json()?;
    let json_path = scratch.0.join("openapi.json");
    std::fs::write(&json_path, &json)?;
    let types_path = scratch.0.join("schema.d.ts");
    typescript_types(&json_path, &types_path)?;
    let types = std::fs::read_to_string(&types_path)
        .with_context(|| format!("reading {}", types_path.display()))?;

    let stale: Vec<String> = [compare(OPENAPI, &json)?, compare(TYPES, &types)?]
        .into_iter()
        .flatten()
        .collect();
    if !stale.is_empty() {
        bail!(
            "{}\n\nRegenerate and commit them:\n  cargo xtask gen-openapi\n  npm ci --prefix web   \
             # once\n  cargo xtask gen-types",
            stale.join("\n")
        );
    }
    type_check()?;
    println!("{OPENAPI} and {TYPES} are current");
    Ok(())
}
