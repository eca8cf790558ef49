//! The store's one error type, [`StoreError`], and the opaque [`DatabaseError`] it carries
//! for database failures the store does not name itself.
//!
//! diesel's and r2d2's error types never appear in the store's public API (no variant holds
//! one, no public `From` converts one): inside the store a query's error becomes a
//! `StoreError` at the `?` through [`DbResultExt::db`], so that callers depend on Dragnet's
//! types only and a diesel upgrade changes nothing for them.

use std::fmt;
use std::path::PathBuf;

use dragnet_domain::catalog::PersonaKind;
use dragnet_domain::config::StoredId;
use dragnet_domain::content::RescoreRefusal;
use dragnet_domain::{Phase, TransitionError};

use crate::catalog::{CatalogKind, CatalogUse};
use crate::types::CampaignId;

/// Everything that can go wrong in the store. Each variant names the problem in words a user
/// or operator can act on; none of them is ever a panic. New variants may be added, so
/// matches need a catch-all arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL could not be understood. The URL is shown with any password removed.
    #[error("malformed database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// PostgreSQL could not be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at `{url}`: {reason}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The server's or libpq's explanation.
        reason: String,
    },
    /// The directory that should hold the SQLite database does not exist.
    #[error("cannot open SQLite database `{}`: directory `{}` does not exist", path.display(), directory.display())]
    MissingDirectory {
        /// The database file.
        path: PathBuf,
        /// Its missing parent directory.
        directory: PathBuf,
    },
    /// The SQLite database file could not be opened or written (read-only file or directory,
    /// not a database, ...).
    #[error("cannot open SQLite database `{}`: {reason}", path.display())]
    SqliteOpen {
        /// The database file.
        path: PathBuf,
        /// SQLite's explanation.
        reason: String,
    },
    /// The database has migrations applied that this version of Dragnet does not know: it was
    /// migrated by a newer version.
    #[error(
        "the database was migrated by a newer version of Dragnet (unknown migrations: {}); \
         upgrade Dragnet or use another database",
        unknown.join(", ")
    )]
    NewerSchema {
        /// The versions of the unknown migrations.
        unknown: Vec<String>,
    },
    /// Applying or inspecting migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The requested campaign does not exist (or is being deleted).
    #[error("campaign {0} not found")]
    CampaignNotFound(CampaignId),
    /// The campaign changed since the caller read it (compare-and-set failed).
    #[error("campaign {id} was changed concurrently (expected version {expected}, found {actual})")]
    Conflict {
        /// The campaign.
        id: CampaignId,
        /// The version the caller expected.
        expected: i64,
        /// The version found.
        actual: i64,
    },
    /// No catalog object of that kind has that id.
    #[error("{kind} `{id}` not found")]
    CatalogNotFound {
        /// The kind looked for.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
    },
    /// The catalog object changed since the caller read it (compare-and-set failed).
    #[error("{kind} `{id}` was changed concurrently (expected version {expected}, found {actual})")]
    CatalogConflict {
        /// The kind.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
        /// The version the caller expected.
        expected: i64,
        /// The version found.
        actual: i64,
    },
    /// An update would change a persona's kind, which configurations naming it rely on.
    #[error(
        "persona `{id}` is a {stored} persona and cannot become a {requested} one; create a new \
         persona instead"
    )]
    KindChange {
        /// The persona.
        id: StoredId,
        /// Its stored kind.
        stored: PersonaKind,
        /// The kind the update asked for.
        requested: PersonaKind,
    },
    /// The catalog object is named by campaign phases that may still run, so it cannot be
    /// deleted.
    #[error("{kind} `{id}` is used by {}", crate::catalog::describe_uses(.uses))]
    InUse {
        /// The kind.
        kind: CatalogKind,
        /// The id.
        id: StoredId,
        /// The phases that name it.
        uses: Vec<CatalogUse>,
    },
    /// The domain crate's transition rules refused the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A rescore cannot start now (the phase may still write results, another rescore is
    /// under way, or there is nothing to rescore).
    #[error(transparent)]
    RescoreRefused(#[from] RescoreRefusal),
    /// A number does not fit the store's 64-bit signed columns.
    #[error("{what} {value} is out of range (at most {})", i64::MAX)]
    OutOfRange {
        /// What the number is (`ordinal`, `pattern ordinal`, ...).
        what: &'static str,
        /// The value.
        value: u128,
    },
    /// A pattern has fewer names left than were requested.
    #[error(
        "pattern `{key}` is exhausted: {requested} names requested, {remaining} left after the \
         high-water mark"
    )]
    PatternExhausted {
        /// The canonical pattern key.
        key: String,
        /// How many names were asked for.
        requested: u64,
        /// How many remain.
        remaining: u64,
    },
    /// Chunks were already planned for this phase with a different total or chunk size.
    #[error("chunks for {phase} of campaign {id} were already planned differently: {detail}")]
    ChunkPlanMismatch {
        /// The campaign.
        id: CampaignId,
        /// The phase.
        phase: Phase,
        /// What differs.
        detail: String,
    },
    /// A lease is no longer held by the caller (it expired and was claimed by another worker,
    /// or the chunk is done).
    #[error("lease on chunk {chunk_start} of {phase} of campaign {id} is not held by `{owner}`")]
    LeaseLost {
        /// The campaign.
        id: CampaignId,
        /// The phase.
        phase: Phase,
        /// The chunk's first ordinal.
        chunk_start: u64,
        /// The worker that thought it held the lease.
        owner: String,
    },
    /// An argument is invalid (empty name, zero chunk size, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A stored value could not be decoded; the database was changed outside Dragnet.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// No pooled connection became available in time.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// A blocking task running store work panicked or was cancelled (see [`Store::run`]),
    /// or the store failed in a way that is a bug.
    ///
    /// [`Store::run`]: crate::Store::run
    #[error("internal error: {0}")]
    Internal(String),
    /// Any other database error: a failed query or statement the store has no more specific
    /// variant for. [`DatabaseError::kind`] tells the few cases a caller may act on.
    #[error("database error: {0}")]
    Database(DatabaseError),
}

/// A database error, opaque: its message (`Display`), its [`DatabaseErrorKind`], and the
/// driver's error as its [`source`](std::error::Error::source).
pub struct DatabaseError {
    kind: DatabaseErrorKind,
    source: diesel::result::Error,
}

/// What kind of database error a [`DatabaseError`] is, for the cases a caller may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabaseErrorKind {
    /// A unique constraint (or primary key) refused the row.
    UniqueViolation,
    /// A foreign key constraint refused the row.
    ForeignKeyViolation,
    /// A query that expects one row found none.
    NotFound,
    /// The connection to the database is gone (see [`StoreError::is_unavailable`]).
    ConnectionLost,
    /// Anything else.
    Other,
}

impl DatabaseError {
    /// What kind of error it is.
    pub fn kind(&self) -> DatabaseErrorKind {
        self.kind
    }

    fn new(source: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Db, Error};
        let kind = match &source {
            e if is_connection_lost(e) => DatabaseErrorKind::ConnectionLost,
            Error::NotFound => DatabaseErrorKind::NotFound,
            Error::DatabaseError(Db::UniqueViolation, _) => DatabaseErrorKind::UniqueViolation,
            Error::DatabaseError(Db::ForeignKeyViolation, _) => {
                DatabaseErrorKind::ForeignKeyViolation
            }
            _ => DatabaseErrorKind::Other,
        };
        Self { kind, source }
    }
}

impl fmt::Debug for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseError")
            .field("kind", &self.kind)
            .field("message", &self.source.to_string())
            .finish()
    }
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Converts a diesel result into the store's at a `?` (`query.execute(conn).db()?`), in
/// place of a public `From<diesel::result::Error> for StoreError`.
pub(crate) trait DbResultExt<T> {
    /// The result with a diesel error turned into [`StoreError::Database`].
    fn db(self) -> Result<T, StoreError>;
}

impl<T> DbResultExt<T> for Result<T, diesel::result::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(StoreError::db)
    }
}

impl StoreError {
    /// A diesel error as a store error.
    pub(crate) fn db(e: diesel::result::Error) -> StoreError {
        StoreError::Database(DatabaseError::new(e))
    }

    /// A pool error as a store error.
    pub(crate) fn pool(e: r2d2::Error) -> StoreError {
        StoreError::Pool(e.to_string())
    }
}

impl StoreError {
    /// Whether the database could not be reached or the connection to it was lost: a
    /// transient condition (the caller may retry; an API answers 503), not a problem with the
    /// request or the data. True for [`StoreError::Connect`], [`StoreError::Pool`] and
    /// database errors that mean a closed connection (libpq reports the connection bad or
    /// cannot send on it, e.g. after the server restarted or the backend was terminated) or a
    /// transaction manager left broken by one.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Connect { .. } | StoreError::Pool(_) => true,
            StoreError::Database(e) => e.kind == DatabaseErrorKind::ConnectionLost,
            _ => false,
        }
    }
}

/// Whether a diesel error means the connection to the database is gone.
pub(crate) fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit { commit_error, .. } => is_connection_lost(commit_error),
        _ => false,
    }
}
