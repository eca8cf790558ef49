//! Typed settings, layered: built-in defaults → an optional TOML file (`--config`) →
//! `DRAGNET_SECTION__KEY` environment variables (and `DATABASE_URL`) → command-line flags.
//! Validated once at start and passed down; there is no global.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

/// Every setting of a `dragnet` process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The tracing filter (`DRAGNET_LOG`), e.g. `info` or `dragnet_engine=debug,info`.
    pub log: String,
    /// The HTTP server.
    pub server: ServerSettings,
    /// The store.
    pub database: DatabaseSettings,
    /// The phase engine.
    pub engine: EngineSection,
}

/// The phase engine (`DRAGNET_ENGINE__…`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    /// This worker's name in chunk leases; unique per process sharing a database and stable
    /// across restarts. Empty means the host name.
    pub worker_name: String,
    /// Seconds a chunk lease lasts without renewal.
    pub lease_seconds: u64,
    /// Names per chunk in `domain_generation`.
    pub generation_chunk: u64,
    /// Ordinals per chunk in `dns_validation`.
    pub dns_chunk: u64,
    /// Chunks of one phase processed at once by this process.
    pub chunks_in_flight: usize,
    /// Ordinals per chunk in `http_keyword_validation`.
    pub http_chunk: u64,
    /// Let the HTTP prober and the proxy test connect to loopback, private, link-local and
    /// other non-public addresses (the SSRF guard is on by default). For tests and for
    /// operators probing their own networks.
    pub allow_private_addresses: bool,
}

/// The HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on (`DRAGNET_SERVER__BIND`, `--bind`).
    pub bind: SocketAddr,
}

/// The store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…`, `sqlite://path` or a plain SQLite path (`DATABASE_URL`,
    /// `DRAGNET_DATABASE__URL`). It may hold a password, so it never prints.
    pub url: Secret,
    /// Connections per pool.
    pub pool_size: u32,
}

/// A string that never appears in `Debug` or `Display` output (logs, error messages).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

const DEFAULTS: &str = r#"
log = "info"

[server]
bind = "127.0.0.1:8080"

[database]
url = "./dragnet.db"
pool_size = 8

[engine]
worker_name = ""
lease_seconds = 30
generation_chunk = 50000
dns_chunk = 20000
http_chunk = 2000
chunks_in_flight = 3
allow_private_addresses = false
"#;

impl EngineSection {
    /// The engine's settings (defaults for what is not configurable here).
    pub fn to_engine_settings(&self) -> dragnet_engine::EngineSettings {
        let mut settings = dragnet_engine::EngineSettings::default();
        if !self.worker_name.trim().is_empty() {
            settings.worker_name = self.worker_name.trim().to_owned();
        }
        settings.lease = std::time::Duration::from_secs(self.lease_seconds);
        settings.generation_chunk = self.generation_chunk;
        settings.dns_chunk = self.dns_chunk;
        settings.chunks_in_flight = self.chunks_in_flight;
        settings.http_chunk = self.http_chunk;
        settings.allow_private_addresses = self.allow_private_addresses;
        settings
    }
}

impl Settings {
    /// Loads the layers and validates the result. `file` is the optional `--config` path.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            if !path.is_file() {
                anyhow::bail!("configuration file {} does not exist", path.display());
            }
            builder = builder.add_source(
                config::File::from(path)
                    .format(config::FileFormat::Toml)
                    .required(true),
            );
        }
        builder = builder.add_source(
            config::Environment::with_prefix("DRAGNET")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true),
        );
        if let Ok(url) = std::env::var("DATABASE_URL") {
            builder = builder
                .set_override("database.url", url)
                .context("applying DATABASE_URL")?;
        }
        let settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| anyhow::anyhow!("invalid settings: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.database.url.expose().trim().is_empty() {
            anyhow::bail!("invalid settings: database.url (DATABASE_URL) is empty");
        }
        if self.database.pool_size == 0 || self.database.pool_size > 256 {
            anyhow::bail!(
                "invalid settings: database.pool_size must be between 1 and 256, got {}",
                self.database.pool_size
            );
        }
        let e = &self.engine;
        if !(5..=3600).contains(&e.lease_seconds) {
            anyhow::bail!(
                "invalid settings: engine.lease_seconds must be between 5 and 3600, got {}",
                e.lease_seconds
            );
        }
        for (name, value) in [
            ("generation_chunk", e.generation_chunk),
            ("dns_chunk", e.dns_chunk),
            ("http_chunk", e.http_chunk),
        ] {
            if !(1..=1_000_000).contains(&value) {
                anyhow::bail!(
                    "invalid settings: engine.{name} must be between 1 and 1000000, got {value}"
                );
            }
        }
        if !(1..=64).contains(&e.chunks_in_flight) {
            anyhow::bail!(
                "invalid settings: engine.chunks_in_flight must be between 1 and 64, got {}",
                e.chunks_in_flight
            );
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| anyhow::anyhow!("invalid settings: log filter `{}`: {e}", self.log))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_secret_is_hidden() {
        let s: Settings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database.url.expose(), "./dragnet.db");
        assert!(!format!("{s:?}").contains("dragnet.db"));
    }
}
