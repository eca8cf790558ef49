//! Typed settings, layered: built-in defaults → an optional TOML file (`--config`) →
//! `DRAGNET_SECTION__KEY` environment variables (and `DATABASE_URL`) → command-line flags.
//! Validated once at start and passed down; there is no global.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use dragnet_realtime::RealtimeSettings;
use serde::Deserialize;

/// Every setting of a `dragnet` process.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The tracing filter (`DRAGNET_LOG`), e.g. `info` or `dragnet_engine=debug,info`.
    pub log: String,
    /// The HTTP server.
    pub server: ServerSettings,
    /// The store.
    pub database: DatabaseSettings,
    /// The phase engine.
    pub engine: EngineSection,
    /// API tokens and their checks.
    pub auth: AuthSection,
    /// Request size and shape limits.
    pub limits: LimitsSection,
    /// The audit log.
    pub audit: AuditSection,
}

/// API tokens (`DRAGNET_AUTH__…`). `dragnet serve --no-auth` turns them off (loopback only).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSection {
    /// Serve `/metrics` without a token (otherwise it needs a viewer token).
    pub metrics_public: bool,
    /// Failed authentications per client address and minute before it is refused (429) for
    /// the rest of the minute.
    pub failures_per_minute: u32,
    /// Seconds a verified token is trusted without asking the store again: how long a token
    /// revoked by another process (or `dragnet token revoke`) may still work here.
    pub token_cache_seconds: u64,
    /// Seconds a WebSocket client without an `Authorization` header has to send its `auth`
    /// message.
    pub websocket_auth_timeout_seconds: u64,
}

/// Request limits (`DRAGNET_LIMITS__…`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSection {
    /// The largest JSON request body, in bytes.
    pub json_body_bytes: usize,
    /// The largest domain import (`POST /api/v1/campaigns/{id}/domains`), in bytes.
    pub import_body_bytes: usize,
    /// The deepest nesting of arrays and objects in a JSON body.
    pub json_max_depth: usize,
    /// The longest string in a JSON body, in bytes.
    pub json_max_string_bytes: usize,
    /// WebSocket connections one token may hold at once.
    pub websocket_connections_per_token: usize,
}

/// The audit log (`DRAGNET_AUDIT__…`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSection {
    /// Entries that may wait to be written; when full, a request waits up to a second for
    /// room, then its entry goes to the log instead.
    pub queue_capacity: usize,
}

/// The phase engine (`DRAGNET_ENGINE__…`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
    /// Ordinals per chunk in `content_analysis`.
    pub content_chunk: u64,
    /// Ordinals per chunk in `lead_extraction`.
    pub lead_chunk: u64,
    /// Ordinals rescored per transaction by `POST /campaigns/{id}/rescore`.
    pub rescore_chunk: u64,
    /// Let the HTTP prober and the proxy test connect to loopback, private, link-local and
    /// other non-public addresses (the SSRF guard is on by default). For tests and for
    /// operators probing their own networks.
    pub allow_private_addresses: bool,
}

/// The HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on (`DRAGNET_SERVER__BIND`, `--bind`).
    pub bind: SocketAddr,
    /// Milliseconds a client has to send a request's head after connecting (or after the
    /// previous request); a slower one gets 408 and is disconnected. 0 turns it off.
    pub request_timeout_ms: u64,
    /// Seconds an idle keep-alive connection is kept open. 0 closes after each response.
    pub keep_alive_seconds: u64,
    /// Milliseconds the server waits for a client to close its side of a connection the
    /// server is closing, before dropping it.
    pub disconnect_timeout_ms: u64,
}

/// The store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
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

// Defaults: each value is written once, in the crate that uses it (`EngineSettings`,
// `AuthSettings`, `Limits`, `RealtimeSettings`, the audit queue); these impls only translate
// those into the settings' units. What only the binary knows (the listener, the database
// URL) is defined here.

impl Default for Settings {
    fn default() -> Self {
        Self {
            log: "info".to_owned(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            engine: EngineSection::default(),
            auth: AuthSection::default(),
            limits: LimitsSection::default(),
            audit: AuditSection::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout_ms: 5_000,
            keep_alive_seconds: 5,
            disconnect_timeout_ms: 1_000,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret("./dragnet.db".to_owned()),
            pool_size: 8,
        }
    }
}

impl Default for EngineSection {
    fn default() -> Self {
        let e = dragnet_engine::EngineSettings::default();
        Self {
            // Empty: the host name, resolved when the engine starts (see `to_engine_settings`).
            worker_name: String::new(),
            lease_seconds: e.lease.as_secs(),
            generation_chunk: e.generation_chunk,
            dns_chunk: e.dns_chunk,
            chunks_in_flight: e.chunks_in_flight,
            http_chunk: e.http_chunk,
            content_chunk: e.content_chunk,
            lead_chunk: e.lead_chunk,
            rescore_chunk: e.rescore_chunk,
            allow_private_addresses: e.allow_private_addresses,
        }
    }
}

impl Default for AuthSection {
    fn default() -> Self {
        let a = dragnet_api::auth::AuthSettings::default();
        Self {
            metrics_public: a.metrics_public,
            failures_per_minute: a.failures_per_minute,
            token_cache_seconds: a.token_cache.as_secs(),
            websocket_auth_timeout_seconds: RealtimeSettings::default().auth_timeout.as_secs(),
        }
    }
}

impl Default for LimitsSection {
    fn default() -> Self {
        let l = dragnet_api::state::Limits::default();
        Self {
            json_body_bytes: l.json_body_bytes,
            import_body_bytes: l.import_body_bytes,
            json_max_depth: l.json_max_depth,
            json_max_string_bytes: l.json_max_string_bytes,
            websocket_connections_per_token: RealtimeSettings::default().max_connections_per_token,
        }
    }
}

impl Default for AuditSection {
    fn default() -> Self {
        Self {
            queue_capacity: dragnet_api::audit::DEFAULT_CAPACITY,
        }
    }
}

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
        settings.content_chunk = self.content_chunk;
        settings.lead_chunk = self.lead_chunk;
        settings.rescore_chunk = self.rescore_chunk;
        settings.allow_private_addresses = self.allow_private_addresses;
        settings
    }
}

impl AuthSection {
    /// The API's authentication settings; `enabled` is false for `--no-auth`.
    pub fn to_auth_settings(&self, enabled: bool) -> dragnet_api::auth::AuthSettings {
        dragnet_api::auth::AuthSettings {
            enabled,
            metrics_public: self.metrics_public,
            failures_per_minute: self.failures_per_minute,
            token_cache: std::time::Duration::from_secs(self.token_cache_seconds),
        }
    }
}

impl LimitsSection {
    /// The API's request limits.
    pub fn to_limits(&self) -> dragnet_api::state::Limits {
        dragnet_api::state::Limits {
            json_body_bytes: self.json_body_bytes,
            import_body_bytes: self.import_body_bytes,
            json_max_depth: self.json_max_depth,
            json_max_string_bytes: self.json_max_string_bytes,
        }
    }
}

impl Settings {
    /// Loads the layers and validates the result. `file` is the optional `--config` path.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        // Every section is `#[serde(default)]`: what no layer sets keeps its default.
        let mut builder = config::Config::builder();
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
            ("content_chunk", e.content_chunk),
            ("lead_chunk", e.lead_chunk),
            ("rescore_chunk", e.rescore_chunk),
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
        let ranges: [(&str, u64, u64, u64); 12] = [
            (
                "server.request_timeout_ms",
                self.server.request_timeout_ms,
                0,
                600_000,
            ),
            (
                "server.keep_alive_seconds",
                self.server.keep_alive_seconds,
                0,
                3600,
            ),
            (
                "server.disconnect_timeout_ms",
                self.server.disconnect_timeout_ms,
                0,
                60_000,
            ),
            (
                "auth.failures_per_minute",
                u64::from(self.auth.failures_per_minute),
                1,
                100_000,
            ),
            (
                "auth.token_cache_seconds",
                self.auth.token_cache_seconds,
                0,
                300,
            ),
            (
                "auth.websocket_auth_timeout_seconds",
                self.auth.websocket_auth_timeout_seconds,
                1,
                60,
            ),
            (
                "limits.json_body_bytes",
                self.limits.json_body_bytes as u64,
                1024,
                64 << 20,
            ),
            (
                "limits.import_body_bytes",
                self.limits.import_body_bytes as u64,
                1024,
                16 << 30,
            ),
            (
                "limits.json_max_depth",
                self.limits.json_max_depth as u64,
                2,
                128,
            ),
            (
                "limits.json_max_string_bytes",
                self.limits.json_max_string_bytes as u64,
                256,
                64 << 20,
            ),
            (
                "limits.websocket_connections_per_token",
                self.limits.websocket_connections_per_token as u64,
                1,
                100_000,
            ),
            (
                "audit.queue_capacity",
                self.audit.queue_capacity as u64,
                1,
                1_000_000,
            ),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                anyhow::bail!(
                    "invalid settings: {name} must be between {min} and {max}, got {value}"
                );
            }
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
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
        s.validate().unwrap();
        assert!(s.auth.to_auth_settings(true).enabled);
        assert_eq!(s.limits.to_limits(), dragnet_api::state::Limits::default());
        assert_eq!(s.database.url.expose(), "./dragnet.db");
        assert!(!format!("{s:?}").contains("dragnet.db"));
    }

    #[test]
    fn defaults_are_the_crates_defaults() {
        let s = Settings::default();
        let engine = s.engine.to_engine_settings();
        let expected = dragnet_engine::EngineSettings::default();
        assert_eq!(engine.lease, expected.lease);
        assert_eq!(engine.generation_chunk, expected.generation_chunk);
        assert_eq!(engine.dns_chunk, expected.dns_chunk);
        assert_eq!(engine.http_chunk, expected.http_chunk);
        assert_eq!(engine.content_chunk, expected.content_chunk);
        assert_eq!(engine.rescore_chunk, expected.rescore_chunk);
        assert_eq!(engine.chunks_in_flight, expected.chunks_in_flight);
        assert_eq!(engine.worker_name, expected.worker_name);
        assert_eq!(
            s.auth.to_auth_settings(true),
            dragnet_api::auth::AuthSettings::default()
        );
        assert_eq!(s.limits.to_limits(), dragnet_api::state::Limits::default());
    }

    #[test]
    fn a_partial_layer_keeps_the_other_defaults() {
        let s: Settings = config::Config::builder()
            .add_source(config::File::from_str(
                "[engine]\ndns_chunk = 7\n[server]\nbind = \"127.0.0.1:9\"\n",
                config::FileFormat::Toml,
            ))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
        assert_eq!(s.engine.dns_chunk, 7);
        assert_eq!(
            s.engine.http_chunk,
            dragnet_engine::EngineSettings::default().http_chunk
        );
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:9");
        assert_eq!(s.server.keep_alive_seconds, 5);
        assert_eq!(s.database.pool_size, 8);
    }
}
