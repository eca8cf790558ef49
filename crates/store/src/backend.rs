//! Everything that differs between SQLite and PostgreSQL, and nothing else: no other module
//! of the store matches on [`AnyConnection`] or [`BackendKind`].
//!
//! The rest of the store talks to an [`AnyConnection`] (diesel's `MultiConnection`) with
//! queries that run unchanged on both backends. The exceptions live here: parsing the URL and
//! opening a connection, per-connection SQLite pragmas, the embedded migrations, write
//! transactions (`BEGIN IMMEDIATE` on SQLite), bulk inserts (COPY with a fallback on
//! PostgreSQL, large multi-row inserts on SQLite) and their batch size, insert-if-absent with
//! `RETURNING`, row locks (`FOR UPDATE`, `FOR NO KEY UPDATE`), chunk claims (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL), and the hot reads that run on each backend's own connection (a
//! campaign with its phases; the domain page, with a written LIMIT on PostgreSQL and three
//! statements on SQLite). (One more lives in the PostgreSQL migration: an `instr` function like
//! SQLite's, so substring filters are one query.)
//!
//! The row types these functions take and return are in `rows`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, DefaultLoadingMode, SimpleConnection, TransactionManager,
};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, SmallInt, Text};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::DbResultExt as _;
use crate::rows::{
    CampaignRow, ContentCols, DnsCols, HttpCols, NewCampaignRow, NewChunkRow, NewContentRow,
    NewDnsRow, NewDomainRow, NewHttpRow, NewLeadContactRow, NewLeadRow, NewTechnologyRow, PageRow,
    PhaseRow, ScoreCols, ScoreRow,
};
use crate::schema::{
    campaign_phases, campaigns, chunk_leases, contacts, content_results, content_scores,
    content_summary, content_technologies, dns_results, domains, http_results, lead_contacts,
    lead_counts, leads,
};
use crate::types::StoredEnum;
use crate::{DomainFilter, MAX_DOMAIN_PAGE, StoreError};

/// The SQLite migrations, embedded at build time.
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// The PostgreSQL migrations, embedded at build time.
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Rows per multi-row `INSERT` statement; keeps the bind count below both backends' limits
/// (SQLite 32,766, PostgreSQL 65,535) for the widest table.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    /// PostgreSQL through libpq.
    Postgresql(diesel::PgConnection),
    /// SQLite (bundled).
    Sqlite(diesel::SqliteConnection),
}

/// Runs `$stmt` with `$values` bound to a chunk of rows. A full chunk is passed as a
/// fixed-size array, which gives the statement a static query id so that diesel caches the
/// prepared statement: parsing a 1,000-row `INSERT` for every chunk cost SQLite a fifth of
/// its bulk-insert time.
macro_rules! sqlite_chunk {
    ($part:expr, |$values:ident| $stmt:expr) => {{
        let part = $part;
        match <&[_; ROWS_PER_STATEMENT]>::try_from(part) {
            Ok($values) => $stmt,
            Err(_) => {
                let $values = part;
                $stmt
            }
        }
    }};
}

/// `$query.load($conn)` on the concrete connection inside an [`AnyConnection`]. diesel's
/// `MultiConnection` renders a query's SQL text again at every execution, even when its
/// prepared statement is cached: for a hot read such as loading a campaign that was about
/// 40 % of the request's instructions. `$query` is written once and typed per backend.
macro_rules! load_direct {
    ($conn:expr, $query:expr) => {
        match $conn {
            AnyConnection::Sqlite(c) => $query.load(c),
            AnyConnection::Postgresql(c) => $query.load(c),
        }
    };
}

/// Which backend a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl BackendKind {
    /// Names per transaction in `Store::insert_domains`: a SQLite transaction holds the
    /// database's one write lock, so its batches stay small; PostgreSQL takes row locks only.
    pub(crate) const fn insert_batch(self) -> usize {
        match self {
            BackendKind::Sqlite => crate::INSERT_BATCH,
            BackendKind::Postgres => crate::INSERT_BATCH_POSTGRES,
        }
    }
}

/// Where the database is, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (as given, plus a connect timeout when it has none).
    Postgres(String),
}

impl Target {
    /// Parses a database URL: `postgres://` or `postgresql://` → PostgreSQL; `sqlite://path`,
    /// `sqlite:path` or a plain path → SQLite.
    pub(crate) fn parse(url: &str) -> Result<Target, StoreError> {
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: redact(url),
            reason: reason.to_owned(),
        };
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            check_postgres_url(trimmed).map_err(|r| invalid(&r))?;
            let with_timeout = if trimmed.contains("connect_timeout=") {
                trimmed.to_owned()
            } else if trimmed.contains('?') {
                format!("{trimmed}&connect_timeout=10")
            } else {
                format!("{trimmed}?connect_timeout=10")
            };
            return Ok(Target::Postgres(with_timeout));
        }
        let path = if let Some(rest) = trimmed.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = trimmed.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(invalid(&format!(
                "unsupported scheme `{scheme}`; use postgres://, postgresql://, sqlite:// or a \
                 file path"
            )));
        } else {
            trimmed
        };
        if path.is_empty() {
            return Err(invalid("the SQLite path is empty"));
        }
        if path == ":memory:" || path.starts_with("file:") {
            return Err(invalid(
                "in-memory and `file:` URI SQLite databases are not supported; give a file path",
            ));
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }

    /// The backend this target uses.
    pub(crate) fn kind(&self) -> BackendKind {
        match self {
            Target::Sqlite(_) => BackendKind::Sqlite,
            Target::Postgres(_) => BackendKind::Postgres,
        }
    }
}

/// Rejects PostgreSQL URLs that libpq would reject with a less helpful message.
fn check_postgres_url(url: &str) -> Result<(), String> {
    if url.chars().any(char::is_whitespace) {
        return Err("it contains whitespace".to_owned());
    }
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    for host in host_port.split(',') {
        let port = if let Some(bracketed) = host.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((_, after)) => after.strip_prefix(':'),
                None => return Err("an IPv6 host is missing its closing `]`".to_owned()),
            }
        } else {
            host.split_once(':').map(|(_, p)| p)
        };
        if let Some(port) = port
            && (port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(format!("the port `{port}` is not a number"));
        }
    }
    Ok(())
}

/// The URL with any password replaced by `***`, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Opens one connection, with the SQLite pragmas applied, mapping failures to errors that name
/// the problem.
pub(crate) fn connect(
    target: &Target,
    busy_timeout: Duration,
) -> Result<AnyConnection, StoreError> {
    match target {
        Target::Postgres(url) => diesel::PgConnection::establish(url)
            .map(AnyConnection::Postgresql)
            .map_err(|e| StoreError::Connect {
                url: redact(url),
                reason: e.to_string().trim().to_owned(),
            }),
        Target::Sqlite(path) => {
            check_sqlite_directory(path)?;
            let open_error = |reason: String| StoreError::SqliteOpen {
                path: path.clone(),
                reason,
            };
            let path_str = path
                .to_str()
                .ok_or_else(|| open_error("the path is not valid UTF-8".to_owned()))?;
            let mut conn = diesel::SqliteConnection::establish(path_str)
                .map_err(|e| open_error(e.to_string()))?;
            // busy_timeout first: switching to WAL needs a lock another connection may hold.
            let pragmas = format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                busy_timeout.as_millis()
            );
            // SQLite can answer "database is locked" to the switch to WAL without calling the
            // busy handler (several processes opening a new database at once): retry, within
            // the same time budget. The pragmas are idempotent.
            let deadline = Instant::now() + busy_timeout;
            loop {
                match conn.batch_execute(&pragmas) {
                    Ok(()) => break,
                    Err(e) if is_locked(&e) && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(e) => return Err(open_error(e.to_string())),
                }
            }
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// SQLite's `SQLITE_BUSY` / `SQLITE_LOCKED` ("database is locked", "database table is locked").
fn is_locked(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(_, info) if info.message().contains("is locked"))
}

fn check_sqlite_directory(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        return Err(StoreError::MissingDirectory {
            path: path.to_owned(),
            directory: dir.to_owned(),
        });
    }
    Ok(())
}

/// Checks at open time that a SQLite database can be written, so that a read-only file or
/// directory is reported then rather than at the first write.
pub(crate) fn check_writable(conn: &mut AnyConnection, target: &Target) -> Result<(), StoreError> {
    if let (AnyConnection::Sqlite(c), Target::Sqlite(path)) = (conn, target) {
        c.batch_execute("BEGIN IMMEDIATE; ROLLBACK;")
            .map_err(|e| StoreError::SqliteOpen {
                path: path.clone(),
                reason: format!("it is not writable: {e}"),
            })?;
    }
    Ok(())
}

/// r2d2's connection factory for both backends. The pool does not test connections on
/// checkout (`test_on_check_out(false)`); [`checkout`] does, only when it is worth it.
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) busy_timeout: Duration,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<AnyConnection, StoreError> {
        let mut conn = connect(&self.target, self.busy_timeout)?;
        if let AnyConnection::Postgresql(_) = conn {
            conn.set_instrumentation(ConnectionWatch::default());
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::db)
    }

    /// Called when a connection goes back to the pool: a broken one is closed instead. A
    /// connection is broken when one of its queries failed because the connection is gone
    /// ([`ConnectionWatch`]), when diesel says so (a transaction left open, or a transaction
    /// manager in error: after libpq reported the transaction status unknown, or after
    /// [`checkout`] found the connection dead).
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
            || conn
                .instrumentation()
                .downcast_ref::<ConnectionWatch>()
                .is_some_and(|watch| watch.lost)
    }
}

/// Watches a pooled PostgreSQL connection's queries (as its diesel instrumentation) for an
/// error that means the connection is gone ([`StoreError::is_unavailable`]), so that the pool
/// closes it instead of handing it out again. diesel alone does not always notice: when
/// libpq has read the server's "terminating connection" error but not yet the closed socket,
/// the transaction status still reads idle and the connection looks healthy; reused within
/// [`CHECK_IDLE_AFTER`], it would fail a second call.
#[derive(Debug, Default)]
struct ConnectionWatch {
    lost: bool,
}

impl diesel::connection::Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
            && crate::error::is_connection_lost(error)
        {
            self.lost = true;
        }
    }
}

/// A pooled connection handed out less than this long ago is handed out again without a
/// check; one idle for longer is checked with `SELECT 1` first (HikariCP's rule, with its
/// 500 ms). Under load connections are busy and never pay for the round trip, which cost
/// PostgreSQL a third of a `GET /campaigns/{id}`; after a quiet spell (the likeliest time for
/// a server restart or an idle-connection timeout to have killed them) they are checked.
pub(crate) const CHECK_IDLE_AFTER: Duration = Duration::from_millis(500);

/// When a pooled connection was last handed out (kept in its r2d2 extensions).
struct LastCheckout(Instant);

/// Takes a connection from the pool, checking it first unless it was handed out within
/// [`CHECK_IDLE_AFTER`] (a newly opened connection is checked once too: it may have waited
/// in the pool). A connection that fails the check is marked broken, so the pool closes it
/// when it comes back, and the next one is tried; each failure removes one of at most
/// `max_size` connections, so the loop ends with a newly opened one, or with the pool's
/// error when none can be opened.
///
/// A connection that dies while in use, or between two uses closer than
/// [`CHECK_IDLE_AFTER`], fails the call using it (a [`StoreError::is_unavailable`] error)
/// and is then closed by the pool: one failed call per dead connection at most.
pub(crate) fn checkout(
    pool: &r2d2::Pool<Manager>,
) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
    let mut failed = None;
    for _ in 0..=pool.max_size() {
        let mut conn = pool.get().map_err(StoreError::pool)?;
        let now = Instant::now();
        let extensions = r2d2::PooledConnection::extensions_mut(&mut conn);
        let recent = match extensions.get_mut::<LastCheckout>() {
            Some(last) => {
                now.duration_since(std::mem::replace(&mut last.0, now)) < CHECK_IDLE_AFTER
            }
            None => {
                extensions.insert(LastCheckout(now));
                false
            }
        };
        if recent {
            return Ok(conn);
        }
        match conn.batch_execute("SELECT 1") {
            Ok(()) => return Ok(conn),
            Err(e) => {
                tracing::warn!(error = %e, "closing a pooled database connection that failed its check");
                mark_broken(&mut conn);
                failed = Some(e);
            }
        }
    }
    Err(failed.map_or_else(
        || StoreError::Pool("no working connection".to_owned()),
        StoreError::db,
    ))
}

/// Marks a connection broken so that the pool closes it instead of reusing it.
fn mark_broken(conn: &mut AnyConnection) {
    <AnyConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .set_in_error();
}

/// The versions of all embedded migrations for this connection's backend, oldest first.
fn embedded_versions(conn: &AnyConnection) -> Result<Vec<String>, StoreError> {
    use diesel::migration::MigrationSource;
    let versions = match conn {
        AnyConnection::Postgresql(_) => {
            MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
                .map_err(|e| StoreError::Migration(e.to_string()))?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect()
        }
        AnyConnection::Sqlite(_) => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(|e| StoreError::Migration(e.to_string()))?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect()
        }
    };
    Ok(versions)
}

fn applied_versions(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.applied_migrations(),
        AnyConnection::Sqlite(c) => c.applied_migrations(),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// The state of the schema: errors with [`StoreError::NewerSchema`] when the database has
/// migrations this binary does not know, otherwise returns the pending migrations' versions.
pub(crate) fn pending_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let embedded = embedded_versions(conn)?;
    let applied = applied_versions(conn)?;
    let unknown: Vec<String> = applied
        .iter()
        .filter(|v| !embedded.contains(v))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::NewerSchema { unknown });
    }
    Ok(embedded
        .into_iter()
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Applies the pending migrations and returns their versions. Processes that start at the
/// same time are serialised: by an advisory lock on PostgreSQL, by one `BEGIN IMMEDIATE`
/// transaction around the check and the migrations on SQLite.
pub(crate) fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    // Any fixed number works; this one spells "dragnet" loosely.
    const LOCK: i64 = 0x0d7a_6e37;
    if let AnyConnection::Sqlite(_) = conn {
        return write_txn(conn, migrate_now);
    }
    if let AnyConnection::Postgresql(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_lock({LOCK})"))
            .db()?;
    }
    let result = migrate_now(conn);
    if let AnyConnection::Postgresql(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK})"))
            .db()?;
    }
    result
}

fn migrate_now(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    pending_migrations(conn).and_then(|_| {
        let applied = match conn {
            AnyConnection::Postgresql(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect()),
            AnyConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect()),
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    })
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so that a transaction that
/// reads before it writes waits for the write lock up front (with `busy_timeout`) instead of
/// failing on the upgrade; an ordinary transaction on PostgreSQL.
pub(crate) fn write_txn<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    type Manager = <AnyConnection as Connection>::TransactionManager;
    // PostgreSQL follows diesel's `Connection::transaction`, spelled out because that wants
    // `From<diesel::result::Error>` for the error type, which `StoreError` does not offer.
    let sqlite = match conn {
        AnyConnection::Postgresql(_) => {
            Manager::begin_transaction(conn).db()?;
            false
        }
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").db()?;
            true
        }
    };
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                if sqlite {
                    let _ = Manager::rollback_transaction(conn);
                }
                Err(StoreError::db(e))
            }
        },
        Err(e) => match Manager::rollback_transaction(conn) {
            Ok(()) => Err(e),
            // The original error is the interesting one (diesel's rule).
            Err(DieselError::BrokenTransactionManager) if !sqlite => Err(e),
            Err(rollback) => Err(StoreError::db(rollback)),
        },
    }
}

/// Locks the campaign row for the rest of the transaction (PostgreSQL; SQLite's write
/// transaction already excludes other writers). Returns whether the campaign exists and is
/// not being deleted.
pub(crate) fn lock_campaign(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    let query = campaigns::table
        .filter(campaigns::id.eq(id))
        .filter(campaigns::deleted_at.is_null())
        .select(campaigns::id);
    let found = match conn {
        AnyConnection::Postgresql(c) => {
            query.for_no_key_update().first::<i64>(c).optional().db()?
        }
        AnyConnection::Sqlite(c) => query.first::<i64>(c).optional().db()?,
    };
    Ok(found.is_some())
}

/// Inserts a campaign row and returns its id.
pub(crate) fn insert_campaign(
    conn: &mut AnyConnection,
    row: &NewCampaignRow<'_>,
) -> Result<i64, StoreError> {
    let query = diesel::insert_into(campaigns::table)
        .values(row)
        .returning(campaigns::id);
    Ok(match conn {
        AnyConnection::Postgresql(c) => query.get_result(c).db()?,
        AnyConnection::Sqlite(c) => query.get_result(c).db()?,
    })
}

/// A live campaign's row with each of its phase rows, in phase order (empty when the campaign
/// does not exist or is being deleted). One round trip: the campaign's columns ride along with
/// each of its five phase rows. On the concrete connection (see `load_direct`): this read
/// serves most API requests.
pub(crate) fn load_campaign_rows(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(CampaignRow, PhaseRow)>, StoreError> {
    load_direct!(
        conn,
        campaign_phases::table
            .inner_join(campaigns::table)
            .filter(campaigns::id.eq(id))
            .filter(campaigns::deleted_at.is_null())
            .order(campaign_phases::phase.asc())
            .select((CampaignRow::as_select(), PhaseRow::as_select()))
    )
    .db()
}

/// Inserts domains, skipping those whose ordinal or name the campaign already has; returns
/// how many were inserted. PostgreSQL tries one binary COPY first (in a savepoint) and falls
/// back to `INSERT … ON CONFLICT DO NOTHING` when the batch holds a duplicate.
pub(crate) fn insert_domains(
    conn: &mut AnyConnection,
    rows: &[NewDomainRow<'_>],
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    match conn {
        AnyConnection::Postgresql(c) => {
            let copied = c.transaction(|c| {
                diesel::copy_from(domains::table)
                    .from_insertable(rows)
                    .execute(c)
            });
            match copied {
                Ok(n) => Ok(n as u64),
                Err(e) if is_constraint_violation(&e) => {
                    let mut inserted = 0;
                    for part in rows.chunks(ROWS_PER_STATEMENT) {
                        inserted += diesel::insert_into(domains::table)
                            .values(part)
                            .on_conflict_do_nothing()
                            .execute(c)
                            .db()?;
                    }
                    Ok(inserted as u64)
                }
                Err(e) => Err(StoreError::db(e)),
            }
        }
        AnyConnection::Sqlite(c) => {
            let mut inserted = 0;
            for part in rows.chunks(ROWS_PER_STATEMENT) {
                inserted += sqlite_chunk!(part, |values| {
                    diesel::insert_into(domains::table)
                        .values(values)
                        .on_conflict_do_nothing()
                        .execute(c)
                        .db()?
                });
            }
            Ok(inserted as u64)
        }
    }
}

fn is_constraint_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
            _
        )
    ) || matches!(e, DieselError::DatabaseError(_, info) if info.message().contains("duplicate key"))
}

/// Insert-if-absent for a result table: COPY (in a savepoint) then `ON CONFLICT DO NOTHING
/// RETURNING status` on PostgreSQL, multi-row `ON CONFLICT DO NOTHING RETURNING status` on
/// SQLite.
macro_rules! insert_results {
    ($conn:expr, $rows:expr, $table:ident) => {
        insert_results!($conn, $rows, $table, status: i16)
    };
    ($conn:expr, $rows:expr, $table:ident, $column:ident: $ty:ty) => {{
        let rows = $rows;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        match $conn {
            AnyConnection::Postgresql(c) => {
                let copied = c.transaction(|c| {
                    diesel::copy_from($table::table)
                        .from_insertable(rows)
                        .execute(c)
                });
                match copied {
                    Ok(_) => Ok(rows.iter().map(|r| r.$column).collect()),
                    Err(e) if is_constraint_violation(&e) => {
                        let mut statuses = Vec::with_capacity(rows.len());
                        for part in rows.chunks(ROWS_PER_STATEMENT) {
                            statuses.extend(
                                diesel::insert_into($table::table)
                                    .values(part)
                                    .on_conflict_do_nothing()
                                    .returning($table::$column)
                                    .get_results::<$ty>(c)
                                    .db()?,
                            );
                        }
                        Ok(statuses)
                    }
                    Err(e) => Err(StoreError::db(e)),
                }
            }
            AnyConnection::Sqlite(c) => {
                let mut statuses = Vec::with_capacity(rows.len());
                for part in rows.chunks(ROWS_PER_STATEMENT) {
                    statuses.extend(sqlite_chunk!(part, |values| {
                        diesel::insert_into($table::table)
                            .values(values)
                            .on_conflict_do_nothing()
                            .returning($table::$column)
                            .get_results::<$ty>(c)
                            .db()?
                    }));
                }
                Ok(statuses)
            }
        }
    }};
}

/// Inserts DNS results that are not there yet; returns the statuses of the rows actually
/// inserted.
pub(crate) fn insert_dns_results(
    conn: &mut AnyConnection,
    rows: &[NewDnsRow],
) -> Result<Vec<i16>, StoreError> {
    insert_results!(conn, rows, dns_results)
}

/// Inserts HTTP results that are not there yet; returns the statuses of the rows actually
/// inserted.
pub(crate) fn insert_http_results(
    conn: &mut AnyConnection,
    rows: &[NewHttpRow],
) -> Result<Vec<i16>, StoreError> {
    insert_results!(conn, rows, http_results)
}

/// Inserts content results that are not there yet; returns the ordinals of the rows actually
/// inserted.
pub(crate) fn insert_content_results(
    conn: &mut AnyConnection,
    rows: &[NewContentRow],
) -> Result<Vec<i64>, StoreError> {
    insert_results!(conn, rows, content_results, ordinal: i64)
}

/// Inserts (domain, technology) rows, skipping those already there.
pub(crate) fn insert_content_technologies(
    conn: &mut AnyConnection,
    rows: &[NewTechnologyRow],
) -> Result<(), StoreError> {
    for part in rows.chunks(ROWS_PER_STATEMENT) {
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(content_technologies::table)
                .values(part)
                .on_conflict_do_nothing()
                .execute(c)
                .db()?,
            AnyConnection::Sqlite(c) => sqlite_chunk!(part, |values| {
                diesel::insert_into(content_technologies::table)
                    .values(values)
                    .on_conflict_do_nothing()
                    .execute(c)
                    .db()?
            }),
        };
    }
    Ok(())
}

/// Inserts the score rows of newly inserted content results, skipping any already there.
pub(crate) fn insert_content_scores(
    conn: &mut AnyConnection,
    rows: &[ScoreRow],
) -> Result<(), StoreError> {
    for part in rows.chunks(ROWS_PER_STATEMENT) {
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(content_scores::table)
                .values(part)
                .on_conflict_do_nothing()
                .execute(c)
                .db()?,
            AnyConnection::Sqlite(c) => sqlite_chunk!(part, |values| {
                diesel::insert_into(content_scores::table)
                    .values(values)
                    .on_conflict_do_nothing()
                    .execute(c)
                    .db()?
            }),
        };
    }
    Ok(())
}

/// Adds `items` to a campaign's summary count for (`dimension`, `value`), creating it at
/// `items` when absent (an upsert, written the same on both backends).
pub(crate) fn add_to_summary(
    conn: &mut AnyConnection,
    campaign: i64,
    dimension: i16,
    value: &str,
    items: i64,
) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    let query = diesel::insert_into(content_summary::table)
        .values((
            content_summary::campaign_id.eq(campaign),
            content_summary::dimension.eq(dimension),
            content_summary::value.eq(value),
            content_summary::items.eq(items),
        ))
        .on_conflict((
            content_summary::campaign_id,
            content_summary::dimension,
            content_summary::value,
        ))
        .do_update()
        .set(content_summary::items.eq(content_summary::items + excluded(content_summary::items)));
    match conn {
        AnyConnection::Postgresql(c) => query.execute(c).db()?,
        AnyConnection::Sqlite(c) => query.execute(c).db()?,
    };
    Ok(())
}

/// Inserts lead rows, skipping those already there; returns the ordinals inserted.
pub(crate) fn insert_leads(
    conn: &mut AnyConnection,
    rows: &[NewLeadRow],
) -> Result<Vec<i64>, StoreError> {
    insert_results!(conn, rows, leads, ordinal: i64)
}

/// Makes sure each contact exists once in the campaign; returns the id of every one asked
/// for, by (kind, normalized).
pub(crate) fn contact_ids(
    conn: &mut AnyConnection,
    campaign: i64,
    wanted: &[(i16, String)],
) -> Result<HashMap<(i16, String), i64>, StoreError> {
    let mut ids = HashMap::with_capacity(wanted.len());
    for part in wanted.chunks(ROWS_PER_STATEMENT / 2) {
        let rows: Vec<_> = part
            .iter()
            .map(|(kind, normalized)| {
                (
                    contacts::campaign_id.eq(campaign),
                    contacts::kind.eq(*kind),
                    contacts::normalized.eq(normalized.as_str()),
                )
            })
            .collect();
        let insert = diesel::insert_into(contacts::table)
            .values(&rows)
            .on_conflict_do_nothing();
        match conn {
            AnyConnection::Postgresql(c) => insert.execute(c).db()?,
            AnyConnection::Sqlite(c) => insert.execute(c).db()?,
        };
        let values: Vec<&str> = part.iter().map(|(_, n)| n.as_str()).collect();
        let query = contacts::table
            .filter(contacts::campaign_id.eq(campaign))
            .filter(contacts::normalized.eq_any(values))
            .select((contacts::id, contacts::kind, contacts::normalized));
        let found: Vec<(i64, i16, String)> = load_direct!(conn, query).db()?;
        for (id, kind, normalized) in found {
            ids.insert((kind, normalized), id);
        }
    }
    Ok(ids)
}

/// Inserts the links of leads to their contacts, skipping those already there.
pub(crate) fn insert_lead_contacts(
    conn: &mut AnyConnection,
    rows: &[NewLeadContactRow],
) -> Result<(), StoreError> {
    for part in rows.chunks(ROWS_PER_STATEMENT / 2) {
        let insert = diesel::insert_into(lead_contacts::table)
            .values(part)
            .on_conflict_do_nothing();
        match conn {
            AnyConnection::Postgresql(c) => insert.execute(c).db()?,
            AnyConnection::Sqlite(c) => insert.execute(c).db()?,
        };
    }
    Ok(())
}

/// Adds `n` to a campaign's count of leads with `outcome` (0 qualified, 1 + reason).
pub(crate) fn add_lead_count(
    conn: &mut AnyConnection,
    campaign: i64,
    outcome: i16,
    n: i64,
) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    let query = diesel::insert_into(lead_counts::table)
        .values((
            lead_counts::campaign_id.eq(campaign),
            lead_counts::outcome.eq(outcome),
            lead_counts::count.eq(n),
        ))
        .on_conflict((lead_counts::campaign_id, lead_counts::outcome))
        .do_update()
        .set(lead_counts::count.eq(lead_counts::count + excluded(lead_counts::count)));
    match conn {
        AnyConnection::Postgresql(c) => query.execute(c).db()?,
        AnyConnection::Sqlite(c) => query.execute(c).db()?,
    };
    Ok(())
}

/// Reads a campaign's rescore row, locking it until the end of the transaction on
/// PostgreSQL (SQLite's write transaction already excludes other writers).
pub(crate) fn rescore_for_update(
    conn: &mut AnyConnection,
    campaign: i64,
) -> Result<Option<crate::rows::RescoreRow>, StoreError> {
    use crate::rows::RescoreRow;
    use crate::schema::content_rescores;
    let query = content_rescores::table.filter(content_rescores::campaign_id.eq(campaign));
    Ok(match conn {
        AnyConnection::Postgresql(c) => query
            .select(RescoreRow::as_select())
            .for_update()
            .first(c)
            .optional()
            .db()?,
        AnyConnection::Sqlite(c) => query
            .select(RescoreRow::as_select())
            .first(c)
            .optional()
            .db()?,
    })
}

/// The SQLite page cache (KiB) of a connection while it rescores: a chunk touches every page
/// of the campaign's stretch of `content_scores` and of its score index, and with the
/// default 2 MiB cache SQLite spills dirty pages to the WAL mid-transaction (about 40 % more
/// time per chunk in `rescore_bench`). Restored to the default after the chunk.
const RESCORE_CACHE_KIB: i64 = 64 * 1024;

/// SQLite's default `cache_size` (KiB), restored after a rescore chunk.
const DEFAULT_CACHE_KIB: i64 = 2000;

/// Recomputes the scores of a campaign's content results with ordinals in `from..to` whose
/// weights revision is not `revision`, with `weights` (keyword density, keyword coverage,
/// title hit, content length, not parked), and sets their revision; returns how many rows
/// changed. One set-based statement computing what `RelevanceWeights::relevance_score`
/// computes, in the same floating-point operations and order — `floor(100 × clamp01(Σ
/// weight × component) × 1000 + 0.5) / 1000` — so both give the same bits. (SQLite's
/// `ROUND` formats and parses text: it cost a tenth of the statement's time.)
pub(crate) fn rescore_scores(
    conn: &mut AnyConnection,
    campaign: i64,
    revision: i64,
    weights: [f64; 5],
    from: i64,
    to: i64,
) -> Result<usize, StoreError> {
    use diesel::sql_types::Double;
    const SUM: &str = "$1 * keyword_density + $2 * keyword_coverage + $3 * title_hit \
                       + $4 * content_length + $5 * not_parked";
    const WHERE: &str = "WHERE campaign_id = $7 AND ordinal >= $8 AND ordinal < $9 \
                         AND weights_revision <> $6";
    let [w1, w2, w3, w4, w5] = weights;
    match conn {
        AnyConnection::Postgresql(c) => {
            // Typed literals: `100.0` alone is NUMERIC in PostgreSQL.
            let sql = format!(
                "UPDATE content_scores SET score = FLOOR(CAST(100 AS DOUBLE PRECISION) \
                 * LEAST(CAST(1 AS DOUBLE PRECISION), GREATEST(CAST(0 AS DOUBLE PRECISION), {SUM})) \
                 * CAST(1000 AS DOUBLE PRECISION) + CAST(0.5 AS DOUBLE PRECISION)) \
                 / CAST(1000 AS DOUBLE PRECISION), weights_revision = $6 {WHERE}"
            );
            diesel::sql_query(sql)
                .bind::<Double, _>(w1)
                .bind::<Double, _>(w2)
                .bind::<Double, _>(w3)
                .bind::<Double, _>(w4)
                .bind::<Double, _>(w5)
                .bind::<BigInt, _>(revision)
                .bind::<BigInt, _>(campaign)
                .bind::<BigInt, _>(from)
                .bind::<BigInt, _>(to)
                .execute(c)
                .db()
        }
        AnyConnection::Sqlite(c) => {
            // `?NNN` parameters: SQLite numbers them like PostgreSQL's `$NNN`. A CAST to
            // INTEGER truncates, which is the floor of a non-negative number.
            let sql = format!(
                "UPDATE content_scores SET score = \
                 CAST(100.0 * MIN(1.0, MAX(0.0, {SUM})) * 1000.0 + 0.5 AS INTEGER) / 1000.0, \
                 weights_revision = $6 {WHERE}"
            )
            .replace('$', "?");
            c.batch_execute(&format!("PRAGMA cache_size = -{RESCORE_CACHE_KIB}"))
                .db()?;
            let updated = diesel::sql_query(sql)
                .bind::<Double, _>(w1)
                .bind::<Double, _>(w2)
                .bind::<Double, _>(w3)
                .bind::<Double, _>(w4)
                .bind::<Double, _>(w5)
                .bind::<BigInt, _>(revision)
                .bind::<BigInt, _>(campaign)
                .bind::<BigInt, _>(from)
                .bind::<BigInt, _>(to)
                .execute(c)
                .db();
            c.batch_execute(&format!("PRAGMA cache_size = -{DEFAULT_CACHE_KIB}"))
                .db()?;
            updated
        }
    }
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = BigInt)]
    chunk_start: i64,
    #[diesel(sql_type = BigInt)]
    chunk_end: i64,
}

/// Leases the first chunk of (campaign, phase) that is not done and either unowned or
/// expired, returning its bounds. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent
/// claimers pass each other; on SQLite the statement runs inside the caller's `BEGIN
/// IMMEDIATE` transaction, which already excludes other writers.
pub(crate) fn claim_chunk(
    conn: &mut AnyConnection,
    campaign: i64,
    phase: i16,
    owner: &str,
    now: i64,
    expires_at: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    const SQL: &str = "UPDATE chunk_leases SET owner = $1, expires_at = $2 \
         WHERE campaign_id = $3 AND phase = $4 AND chunk_start = ( \
             SELECT chunk_start FROM chunk_leases \
             WHERE campaign_id = $3 AND phase = $4 AND done = FALSE \
               AND (owner IS NULL OR expires_at <= $5) \
             ORDER BY chunk_start LIMIT 1 {lock}) \
         RETURNING chunk_start, chunk_end";
    let row = match conn {
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(SQL.replace("{lock}", "FOR UPDATE SKIP LOCKED"))
                .bind::<Text, _>(owner)
                .bind::<BigInt, _>(expires_at)
                .bind::<BigInt, _>(campaign)
                .bind::<SmallInt, _>(phase)
                .bind::<BigInt, _>(now)
                .get_result::<ClaimedRow>(c)
                .optional()
                .db()?
        }
        AnyConnection::Sqlite(c) => diesel::sql_query(SQL.replace("{lock}", "").replace('$', "?"))
            .bind::<Text, _>(owner)
            .bind::<BigInt, _>(expires_at)
            .bind::<BigInt, _>(campaign)
            .bind::<SmallInt, _>(phase)
            .bind::<BigInt, _>(now)
            .get_result::<ClaimedRow>(c)
            .optional()
            .db()?,
    };
    Ok(row.map(|r| (r.chunk_start, r.chunk_end)))
}

/// Creates the high-water mark row for `key` at 0 unless it exists.
pub(crate) fn ensure_mark(conn: &mut AnyConnection, key: &str, now: i64) -> Result<(), StoreError> {
    use crate::schema::pattern_marks;
    let query = diesel::insert_into(pattern_marks::table)
        .values((
            pattern_marks::pattern_key.eq(key),
            pattern_marks::next_ordinal.eq(0_i64),
            pattern_marks::updated_at.eq(now),
        ))
        .on_conflict_do_nothing();
    match conn {
        AnyConnection::Postgresql(c) => query.execute(c).db()?,
        AnyConnection::Sqlite(c) => query.execute(c).db()?,
    };
    Ok(())
}

/// Reads the high-water mark of `key`, locking its row until the end of the transaction on
/// PostgreSQL.
pub(crate) fn mark_for_update(conn: &mut AnyConnection, key: &str) -> Result<i64, StoreError> {
    use crate::schema::pattern_marks;
    let query = pattern_marks::table
        .filter(pattern_marks::pattern_key.eq(key))
        .select(pattern_marks::next_ordinal);
    Ok(match conn {
        AnyConnection::Postgresql(c) => query.for_update().first(c).db()?,
        AnyConnection::Sqlite(c) => query.first(c).db()?,
    })
}

/// Inserts planned chunks, skipping those that exist; returns how many were inserted.
pub(crate) fn insert_chunks(
    conn: &mut AnyConnection,
    rows: &[NewChunkRow],
) -> Result<u64, StoreError> {
    let mut inserted = 0;
    for part in rows.chunks(ROWS_PER_STATEMENT) {
        let query = diesel::insert_into(chunk_leases::table)
            .values(part)
            .on_conflict_do_nothing();
        inserted += match conn {
            AnyConnection::Postgresql(c) => query.execute(c).db()?,
            AnyConnection::Sqlite(c) => query.execute(c).db()?,
        };
    }
    Ok(inserted as u64)
}

// ---------------------------------------------------------------------------------------
// Domain pages: one query written once and typed per backend, run on the backend's own
// connection.

diesel::define_sql_function! {
    /// The 1-based position of `needle` in `haystack`, 0 when absent: SQLite's built-in, and a
    /// function of the same name created by the PostgreSQL migration. Case-sensitive on both,
    /// unlike SQLite's `LIKE`. (The domain page's keyword filter and the catalog's check for
    /// phases naming an object use it.)
    fn instr(
        haystack: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        needle: diesel::sql_types::Text,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Integer>;
}

/// The `dns_results` columns of a page row, in the order of `DnsCols`.
macro_rules! dns_columns {
    () => {
        (
            dns_results::status,
            dns_results::error_kind,
            dns_results::addresses,
            dns_results::attempts,
            dns_results::checked_at,
            dns_results::records,
        )
    };
}

/// The `http_results` columns of a page row, in the order of `HttpCols`.
macro_rules! http_columns {
    () => {
        (
            http_results::status,
            http_results::error_detail,
            http_results::status_code,
            http_results::final_url,
            http_results::redirect_count,
            http_results::title,
            http_results::content_type,
            http_results::content_length,
            http_results::content_hash,
            http_results::keyword_hits,
            http_results::fetched_at,
        )
    };
}

/// The `content_results` columns of a page row, in the order of `ContentCols`.
macro_rules! content_columns {
    () => {
        (
            content_results::classification,
            content_results::confidence,
            content_results::evidence,
            content_results::language,
            content_results::language_confidence,
            content_results::language_source,
            content_results::technologies,
            content_results::signals,
            content_results::scoring_version,
            content_results::error,
            content_results::analysed_at,
        )
    };
}

/// The `content_scores` columns of a page row, in the order of `ScoreCols`.
macro_rules! score_columns {
    () => {
        (
            content_scores::score,
            content_scores::keyword_density,
            content_scores::keyword_coverage,
            content_scores::title_hit,
            content_scores::content_length,
            content_scores::not_parked,
            content_scores::weights_revision,
        )
    };
}

/// Applies a [`DomainFilter`] to a boxed page query that joins `domains` with the result
/// tables (`dns_results`, `http_results`, `content_results` and `content_scores`).
macro_rules! page_filters {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        let filter: &DomainFilter = $filter;
        if let Some(status) = filter.dns_status {
            query = query.filter(dns_results::status.nullable().eq(Some(status.index())));
        }
        if let Some(status) = filter.http_status {
            query = query.filter(http_results::status.nullable().eq(Some(status.index())));
        }
        if let Some(class) = filter.classification {
            query = query.filter(
                content_results::classification
                    .nullable()
                    .eq(Some(class.index())),
            );
        }
        if let Some(language) = &filter.language {
            query = query.filter(
                content_results::language
                    .nullable()
                    .eq(Some(language.clone())),
            );
        }
        if let Some(min) = filter.min_score {
            query = query.filter(content_scores::score.nullable().ge(Some(min)));
        }
        if let Some(technology) = &filter.technology {
            query = query.filter(diesel::dsl::exists(
                content_technologies::table
                    .filter(content_technologies::campaign_id.eq(domains::campaign_id))
                    .filter(content_technologies::name.eq(technology.clone()))
                    .filter(content_technologies::ordinal.eq(domains::ordinal)),
            ));
        }
        if let Some(keyword) = &filter.keyword {
            let quoted = serde_json::Value::String(keyword.clone()).to_string();
            let hits = http_results::keyword_hits.nullable();
            query = query.filter(
                instr(hits, format!("\"pattern\":{quoted}")).gt(0).or(instr(
                    hits,
                    format!("\"category\":{quoted}"),
                )
                .gt(0)),
            );
        }
        query
    }};
}

/// The page query in relevance order for backend `$db`: the campaign's analysed domains after
/// the keyset `($score, $ordinal)` (score descending, then ordinal), with their results,
/// restricted by `$filter`; boxed, without a LIMIT. Served by `content_scores_by_score`.
macro_rules! score_page_query {
    ($db:ty, $id:expr, $filter:expr, $after:expr) => {{
        let mut query = content_scores::table
            .inner_join(
                content_results::table.on(content_results::campaign_id
                    .eq(content_scores::campaign_id)
                    .and(content_results::ordinal.eq(content_scores::ordinal))),
            )
            .inner_join(
                domains::table.on(domains::campaign_id
                    .eq(content_scores::campaign_id)
                    .and(domains::ordinal.eq(content_scores::ordinal))),
            )
            .left_join(
                dns_results::table.on(dns_results::campaign_id
                    .eq(content_scores::campaign_id)
                    .and(dns_results::ordinal.eq(content_scores::ordinal))),
            )
            .left_join(
                http_results::table.on(http_results::campaign_id
                    .eq(content_scores::campaign_id)
                    .and(http_results::ordinal.eq(content_scores::ordinal))),
            )
            .filter(content_scores::campaign_id.eq($id))
            .select((
                domains::ordinal,
                domains::name,
                dns_columns!().nullable(),
                http_columns!().nullable(),
                content_columns!().nullable(),
                score_columns!().nullable(),
            ))
            .order((content_scores::score.desc(), content_scores::ordinal.asc()))
            .into_boxed::<$db>();
        if let Some((score, ordinal)) = $after {
            let (score, ordinal): (f64, i64) = (score, ordinal);
            query = query.filter(
                content_scores::score.lt(score).or(content_scores::score
                    .eq(score)
                    .and(content_scores::ordinal.gt(ordinal))),
            );
        }
        page_filters!(query, $filter)
    }};
}

/// One page of a campaign's analysed domains in relevance order (score descending, then
/// ordinal), after the keyset `after`, decoded by `decode`.
pub(crate) fn score_page<T>(
    conn: &mut AnyConnection,
    campaign: i64,
    filter: &DomainFilter,
    after: Option<(f64, i64)>,
    limit: usize,
    decode: impl FnMut(PageRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let limit_i64 = i64::try_from(limit).unwrap_or(i64::MAX);
    match conn {
        AnyConnection::Sqlite(c) => collect_page(
            score_page_query!(diesel::sqlite::Sqlite, campaign, filter, after)
                .limit(limit_i64)
                .load_iter::<PageRow, DefaultLoadingMode>(c)
                .db()?,
            limit,
            decode,
        ),
        AnyConnection::Postgresql(c) => collect_page(
            score_page_query!(diesel::pg::Pg, campaign, filter, after)
                .limit(limit_i64)
                .load_iter::<PageRow, DefaultLoadingMode>(c)
                .db()?,
            limit,
            decode,
        ),
    }
}

/// The joined page query for backend `$db`: a campaign's domains after ordinal `$after` with
/// their results, in ordinal order, restricted by `$filter`; boxed, without a LIMIT.
macro_rules! joined_page_query {
    ($db:ty, $id:expr, $filter:expr, $after:expr) => {{
        let filter: &DomainFilter = $filter;
        let mut query = domains::table
            .left_join(
                dns_results::table.on(dns_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(dns_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                http_results::table.on(http_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(http_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                content_results::table.on(content_results::campaign_id
                    .eq(domains::campaign_id)
                    .and(content_results::ordinal.eq(domains::ordinal))),
            )
            .left_join(
                content_scores::table.on(content_scores::campaign_id
                    .eq(domains::campaign_id)
                    .and(content_scores::ordinal.eq(domains::ordinal))),
            )
            .filter(domains::campaign_id.eq($id))
            .filter(domains::ordinal.gt($after))
            .select((
                domains::ordinal,
                domains::name,
                dns_columns!().nullable(),
                http_columns!().nullable(),
                content_columns!().nullable(),
                score_columns!().nullable(),
            ))
            .order(domains::ordinal.asc())
            .into_boxed::<$db>();
        query = page_filters!(query, filter);
        query
    }};
}

/// One page of a campaign's domains joined with their results, in ordinal order: at most
/// `limit` rows with an ordinal above `after` (-1 for the first page) matching `filter`, each
/// turned into the caller's type by `decode` as it is read.
///
/// The queries run on the backend's own connection rather than through `AnyConnection`:
/// diesel's `MultiConnection` renders a query's SQL text again at every execution, even when
/// its prepared statement is cached (a fifth of a page's store time).
pub(crate) fn domain_page<T>(
    conn: &mut AnyConnection,
    campaign: i64,
    filter: &DomainFilter,
    after: i64,
    limit: usize,
    decode: impl FnMut(PageRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let unfiltered = filter == &DomainFilter::default();
    match conn {
        AnyConnection::Sqlite(c) if unfiltered => sqlite_page(c, campaign, after, limit, decode),
        // SQLite re-prepares a statement whose LIMIT is a bound parameter at every execution
        // (its planner looks at the bound value, so binding one expires the statement): that
        // was half of a 100-row page's time. Its page queries get no LIMIT; SQLite produces
        // the rows lazily in primary-key order, so reading `limit` of them and resetting the
        // statement does the same work.
        AnyConnection::Sqlite(c) => collect_page(
            joined_page_query!(diesel::sqlite::Sqlite, campaign, filter, after)
                .load_iter::<PageRow, DefaultLoadingMode>(c)
                .db()?,
            limit,
            decode,
        ),
        // A bound LIMIT makes PostgreSQL plan the statement again at every execution: its
        // generic plan, costed for an unknown LIMIT (a tenth of the rows), never looks as
        // cheap as a custom one, so it is never chosen. Planning the three-table join was
        // half of PostgreSQL's time per page. A written LIMIT lets it keep one plan; to keep
        // the prepared statements few, the LIMIT is the smallest of a few sizes that holds
        // `limit` (exactly 100 and 1,000 for the API's default page and the export) and the
        // extra rows are not read.
        AnyConnection::Postgresql(c) => collect_page(
            WrittenLimit {
                query: joined_page_query!(diesel::pg::Pg, campaign, filter, after),
                limit: PG_PAGE_LIMITS
                    .into_iter()
                    .find(|&l| l >= limit)
                    .unwrap_or(MAX_DOMAIN_PAGE),
            }
            .load_iter::<PageRow, DefaultLoadingMode>(c)
            .db()?,
            limit,
            decode,
        ),
    }
}

/// The first `limit` rows of a page query, decoded.
fn collect_page<T>(
    rows: impl Iterator<Item = QueryResult<PageRow>>,
    limit: usize,
    mut decode: impl FnMut(PageRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::with_capacity(limit);
    for row in rows.take(limit) {
        out.push(decode(row.db()?)?);
    }
    Ok(out)
}

/// The LIMITs written into the PostgreSQL page query (see `domain_page`); the last is
/// [`MAX_DOMAIN_PAGE`].
const PG_PAGE_LIMITS: [usize; 7] = [10, 25, 50, 100, 250, 500, MAX_DOMAIN_PAGE];

/// `query LIMIT n` with `n` written into the SQL text instead of bound (see `domain_page`). Its
/// prepared statement is cached by that text.
struct WrittenLimit<Q> {
    query: Q,
    limit: usize,
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for WrittenLimit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> diesel::query_builder::QueryId for WrittenLimit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for WrittenLimit<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, C> RunQueryDsl<C> for WrittenLimit<Q> {}

/// An unfiltered page on SQLite, in three statements: the page's names, then the DNS and HTTP
/// results in the page's ordinal range, merged by ordinal. Two range reads on the results'
/// primary keys cost less than two lookups per domain and a row of 18 mostly NULL columns
/// (a third of a page's store time when no results exist yet), and a statement costs no
/// round trip on SQLite. The statements are static, so their prepared statements are cached
/// by type. Not one snapshot: a result written between the statements may appear, as in a
/// page read a moment later.
fn sqlite_page<T>(
    conn: &mut diesel::SqliteConnection,
    campaign: i64,
    after: i64,
    limit: usize,
    mut decode: impl FnMut(PageRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    // No LIMIT: see `domain_page`.
    let names = domains::table
        .filter(domains::campaign_id.eq(campaign))
        .filter(domains::ordinal.gt(after))
        .order(domains::ordinal.asc())
        .select((domains::ordinal, domains::name))
        .load_iter::<(i64, String), DefaultLoadingMode>(conn)
        .db()?
        .take(limit)
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    let (Some(&(first, _)), Some(&(last, _))) = (names.first(), names.last()) else {
        return Ok(Vec::new());
    };
    let dns: Vec<(i64, DnsCols)> = dns_results::table
        .filter(dns_results::campaign_id.eq(campaign))
        .filter(dns_results::ordinal.between(first, last))
        .order(dns_results::ordinal.asc())
        .select((dns_results::ordinal, dns_columns!()))
        .load(conn)
        .db()?;
    let http: Vec<(i64, HttpCols)> = http_results::table
        .filter(http_results::campaign_id.eq(campaign))
        .filter(http_results::ordinal.between(first, last))
        .order(http_results::ordinal.asc())
        .select((http_results::ordinal, http_columns!()))
        .load(conn)
        .db()?;
    let content: Vec<(i64, ContentCols, ScoreCols)> = content_results::table
        .inner_join(
            content_scores::table.on(content_scores::campaign_id
                .eq(content_results::campaign_id)
                .and(content_scores::ordinal.eq(content_results::ordinal))),
        )
        .filter(content_results::campaign_id.eq(campaign))
        .filter(content_results::ordinal.between(first, last))
        .order(content_results::ordinal.asc())
        .select((
            content_results::ordinal,
            content_columns!(),
            score_columns!(),
        ))
        .load(conn)
        .db()?;
    let mut dns = dns.into_iter().peekable();
    let mut http = http.into_iter().peekable();
    let mut content = content.into_iter().peekable();
    let mut out = Vec::with_capacity(names.len());
    for (ordinal, name) in names {
        // Skip results of ordinals without a domain (Dragnet writes none).
        while dns.next_if(|(o, _)| *o < ordinal).is_some() {}
        while http.next_if(|(o, _)| *o < ordinal).is_some() {}
        while content.next_if(|(o, _, _)| *o < ordinal).is_some() {}
        let dns_cols = dns.next_if(|(o, _)| *o == ordinal).map(|(_, d)| d);
        let http_cols = http.next_if(|(o, _)| *o == ordinal).map(|(_, h)| h);
        let (content_cols, score_cols) = content
            .next_if(|(o, _, _)| *o == ordinal)
            .map(|(_, c, s)| (c, s))
            .unzip();
        out.push(decode((
            ordinal,
            name,
            dns_cols,
            http_cols,
            content_cols,
            score_cols,
        ))?);
    }
    Ok(out)
}
