//! The store's one error type.

use std::path::PathBuf;

use dragnet_domain::{Phase, TransitionError};

use crate::types::CampaignId;

/// Everything that can go wrong in the store. Each variant names the problem in words a user
/// or operator can act on; none of them is ever a panic.
#[derive(Debug, thiserror::Error)]
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
    /// The domain crate's transition rules refused the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
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
    /// A blocking task running store work panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
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
            StoreError::Database(e) => is_connection_lost(e),
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

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Pool(e.to_string())
    }
}
