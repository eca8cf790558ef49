//! Dragnet's persistence layer over SQLite (the embedded default) and PostgreSQL.
//!
//! Invariant: this is the only crate that knows SQL. It takes and returns `dragnet-domain`
//! types and its own plain types ([`types`]); its row types stay private, and every difference
//! between the two backends lives in one module (`backend`).
//!
//! # Using it
//!
//! [`Store::open`] takes a database URL (`postgres://…`/`postgresql://…` → PostgreSQL;
//! `sqlite://path`, `sqlite:path` or a plain path → SQLite; the binary picks the default
//! `./dragnet.db`), applies the embedded migrations unless told not to, and returns a
//! [`Store`]: a cheap-to-clone handle on a connection pool.
//!
//! The API is **synchronous**: diesel blocks. Async callers (the engine, the API, the
//! binary) call it through [`Store::run`] — `store.run(move |s| s.get_campaign(id)).await?`
//! — which runs the work on tokio's blocking pool, at most as many calls at once as the
//! store has connections, and turns a panicked or cancelled task into
//! [`StoreError::Internal`]; [`Store::open_async`] opens a store the same way. A call holds
//! one pooled connection for its duration; iterators such as [`Store::export_domains`] take
//! a connection per page only.
//!
//! # Errors
//!
//! Every call returns [`StoreError`] (`#[non_exhaustive]`): typed variants for what callers
//! act on (a campaign or catalog object not found, a version conflict, an object in use, a
//! refused transition, an unavailable database), and an opaque [`DatabaseError`] for the
//! rest. diesel's types are not part of this API.
//!
//! # Decisions
//!
//! - Phase configurations are stored as JSON text and passed in and out as
//!   [`serde_json::Value`] per phase: the API validates them with the domain crate before they
//!   reach the store, the engine parses them when it starts a phase. The store never
//!   interprets them.
//! - Domain names are validated by the caller (`dragnet_domain::name::DomainName`); the bulk
//!   inserts take anything string-like and the reads return `String`.
//! - Ordinals and pattern ordinals are stored as 64-bit signed integers; values above
//!   `i64::MAX` are refused with [`StoreError::OutOfRange`].
//! - Timestamps are UTC, stored as unix milliseconds on both backends.
//! - The catalog (personas, proxies, keyword sets) takes validated domain objects, assigns
//!   their ids (`per_…`, `prx_…`, `kws_…`) and refuses to delete what a campaign phase that
//!   may still run names ([`StoreError::InUse`]).
//! - API tokens are stored as their public id and the SHA-256 of their secret; the audit
//!   log is append-only ([`StoredToken`], [`AuditEntry`]).
//! - Domain enums kept in integer columns (DNS and HTTP result statuses, proxy protocols,
//!   token roles) are mapped to their values in one place, `types::StoredEnum`.
//! - See `docs/storage.md` for the schema.

mod auth;
mod backend;
mod blocking;
mod campaigns;
mod catalog;
mod content;
mod domains;
mod error;
mod leads;
mod leases;
mod results;
mod rows;
mod schema;
pub mod types;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

pub use auth::{AuditEntry, AuditRecord, MAX_AUDIT_PAGE, NewToken, StoredToken};
pub use backend::BackendKind;
pub use campaigns::{DELETE_CHUNK, MAX_CAMPAIGN_PAGE};
pub use catalog::{
    CatalogCursor, CatalogKind, CatalogLookup, CatalogUse, ID_RANDOM_CHARS, MAX_CATALOG_PAGE,
    StoredKeywordSet, StoredPersona, StoredProxy,
};
pub use content::RESCORE_CHUNK;
pub use domains::{
    DomainExport, EXPORT_PAGE, GeneratedChunk, INSERT_BATCH, INSERT_BATCH_POSTGRES, MAX_DOMAIN_PAGE,
};
pub use error::{DatabaseError, DatabaseErrorKind, StoreError};
pub use leads::{FunnelDomain, LeadFilter, LeadResult, LeadSummary, ListedLead, MAX_LEAD_PAGE};
pub use types::*;

use backend::{AnyConnection, Manager, Target};
use error::DbResultExt as _;

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Apply pending migrations at open (the default). Commands such as `dragnet migrate`
    /// open without and call [`Store::migrate`] themselves. A database migrated by a newer
    /// version is refused either way.
    pub migrate: bool,
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// How long a SQLite connection waits for another writer (`busy_timeout`).
    pub busy_timeout: Duration,
    /// How long a call waits for a pooled connection.
    pub connection_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(30),
        }
    }
}

/// A handle on the database: a connection pool. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: r2d2::Pool<Manager>,
    kind: BackendKind,
    /// Bounds the calls [`Store::run`] runs at once (one per pooled connection).
    gate: blocking::Gate,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.kind)
            .finish_non_exhaustive()
    }
}

type Conn = r2d2::PooledConnection<Manager>;

impl Store {
    /// Checks that the database answers (for readiness probes).
    pub fn ping(&self) -> Result<(), StoreError> {
        use diesel::RunQueryDsl as _;
        diesel::sql_query("SELECT 1")
            .execute(&mut self.conn()?)
            .db()?;
        Ok(())
    }

    /// Opens the database at `url`, checks that its schema is not newer than this binary's,
    /// applies pending migrations when `options.migrate` is set, and returns a pooled handle.
    ///
    /// Errors name the problem: a malformed URL, an unreachable PostgreSQL, a missing or
    /// read-only SQLite directory, a database migrated by a newer version.
    pub fn open(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let target = Target::parse(url)?;
        let kind = target.kind();
        // One direct connection first, so that failures carry the real reason rather than
        // the pool's timeout.
        // It may wait for another process migrating the same SQLite file: a fresh database's
        // migrations can take seconds on a loaded machine, so it waits longer than the pool.
        let startup_wait = options.busy_timeout.max(STARTUP_BUSY_TIMEOUT);
        let mut conn = backend::connect(&target, startup_wait)?;
        backend::check_writable(&mut conn, &target)?;
        if options.migrate {
            let applied = backend::run_migrations(&mut conn)?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied database migrations");
            }
        } else {
            backend::pending_migrations(&mut conn)?;
        }
        drop(conn);
        let max_connections = options.max_connections.max(1);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(0))
            .connection_timeout(options.connection_timeout)
            // `backend::checkout` checks connections only after they idled for a while.
            .test_on_check_out(false)
            .build_unchecked(Manager {
                target,
                busy_timeout: options.busy_timeout,
            });
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                kind,
                gate: blocking::Gate::new(max_connections),
            }),
        })
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> BackendKind {
        self.inner.kind
    }

    /// Applies pending migrations; returns the versions applied (empty when up to date).
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        backend::run_migrations(&mut *self.conn()?)
    }

    /// The versions of the migrations not applied yet.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        backend::pending_migrations(&mut *self.conn()?)
    }

    fn conn(&self) -> Result<Conn, StoreError> {
        backend::checkout(&self.inner.pool)
    }

    /// The most connections the pool opens ([`StoreOptions::max_connections`]), which is also
    /// how many [`Store::run`] calls run at once.
    pub fn max_connections(&self) -> u32 {
        self.inner.pool.max_size()
    }

    /// Runs `f` in a write transaction on a pooled connection.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        backend::write_txn(&mut conn, f)
    }
}

/// How long opening a store waits for another process's migration of the same SQLite file.
const STARTUP_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Now, in unix milliseconds.
fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms} is out of range")))
}

/// Converts a caller's unsigned number to the stored signed one.
fn to_i64(value: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange {
        what,
        value: u128::from(value),
    })
}

/// Converts a stored signed number back; negative values mean the database was edited by hand.
fn to_u64(value: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what} {value}")))
}
