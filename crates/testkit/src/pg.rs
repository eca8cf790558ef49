//! Scratch PostgreSQL databases for tests and benchmarks: one database per test (or per
//! benchmark run) on the server `TEST_DATABASE_URL` names, created empty or from a migrated
//! template, and dropped when its handle is dropped. Databases left behind by a killed
//! process (their name carries its pid) are swept the next time one with the same prefix is
//! created.
//!
//! This is the one helper the store suite, the end-to-end suite, the benchmark examples and
//! `cargo xtask bench` share.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// Why a scratch database could not be made.
#[derive(Debug)]
pub struct ScratchError(String);

impl fmt::Display for ScratchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScratchError {}

fn error(what: &str, e: impl fmt::Display) -> ScratchError {
    ScratchError(format!("{what}: {e}"))
}

/// The admin URL of the PostgreSQL server for tests (`TEST_DATABASE_URL`, else
/// `DATABASE_URL`), when it is a PostgreSQL URL.
pub fn admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn connect(admin: &str) -> Result<PgConnection, ScratchError> {
    PgConnection::establish(admin).map_err(|e| error("cannot connect to PostgreSQL", e))
}

/// A database that exists while this handle lives; dropped (`WITH (FORCE)`) with it.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin: String,
    name: String,
    url: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// `CREATE DATABASE … TEMPLATE` fails when two sessions copy the same template at once.
static CREATE_LOCK: Mutex<()> = Mutex::new(());

impl ScratchDatabase {
    /// A new empty database `<prefix>_<pid>_<n>` on the server of `admin` (an admin URL).
    pub fn create(admin: &str, prefix: &str) -> Result<Self, ScratchError> {
        Self::make(admin, prefix, None)
    }

    /// A new database copied from `template` (see [`migrated_template`]).
    pub fn from_template(admin: &str, prefix: &str, template: &str) -> Result<Self, ScratchError> {
        Self::make(admin, prefix, Some(template))
    }

    fn make(admin: &str, prefix: &str, template: Option<&str>) -> Result<Self, ScratchError> {
        let mut conn = connect(admin)?;
        sweep_dead(&mut conn, prefix);
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        {
            let _guard = CREATE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            // Another process may be copying the same template; that clears within moments.
            let mut attempts = 0;
            loop {
                match conn.batch_execute(&sql) {
                    Ok(()) => break,
                    Err(_) if attempts < 20 => {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    Err(e) => return Err(error(&format!("cannot create database {name}"), e)),
                }
            }
        }
        Ok(Self {
            url: with_database(admin, &name),
            admin: admin.to_owned(),
            name,
        })
    }

    /// The URL of the database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = connect(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[derive(QueryableByName)]
struct Datname {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops `<prefix>_<pid>_…` databases whose process is gone.
fn sweep_dead(conn: &mut PgConnection, prefix: &str) {
    let pattern = format!("{}\\_%", prefix.replace('_', "\\_"));
    let Ok(names) = diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind::<diesel::sql_types::Text, _>(&pattern)
        .load::<Datname>(conn)
    else {
        return;
    };
    for Datname { datname } in names {
        let pid = datname
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
            ));
        }
    }
}

/// FNV-1a over every `up.sql` under `migrations` in name order: stable across runs and Rust
/// versions, so a new or changed migration gets a new template.
fn migrations_hash(migrations: &Path) -> Result<u64, ScratchError> {
    let mut files: Vec<_> = std::fs::read_dir(migrations)
        .map_err(|e| error(&format!("cannot read {}", migrations.display()), e))?
        .filter_map(Result::ok)
        .map(|e| e.path().join("up.sql"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for file in files {
        let bytes = std::fs::read(&file)
            .map_err(|e| error(&format!("cannot read {}", file.display()), e))?;
        for b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

/// The name of a template database holding the schema of the migrations in `migrations`,
/// built once (by `migrate`, given the template's URL) under an advisory lock so that parallel
/// test processes agree. Templates of other migration versions are dropped.
pub fn migrated_template(
    admin: &str,
    migrations: &Path,
    migrate: impl FnOnce(&str) -> Result<(), String>,
) -> Result<String, ScratchError> {
    let name = format!("dragnet_template_{:016x}", migrations_hash(migrations)?);
    let mut conn = connect(admin)?;
    conn.batch_execute("SELECT pg_advisory_lock(7157)")
        .map_err(|e| error("cannot take the template lock", e))?;
    let result = build_template(&mut conn, admin, &name, migrate);
    let _ = conn.batch_execute("SELECT pg_advisory_unlock(7157)");
    result.map(|()| name)
}

fn build_template(
    conn: &mut PgConnection,
    admin: &str,
    name: &str,
    migrate: impl FnOnce(&str) -> Result<(), String>,
) -> Result<(), ScratchError> {
    let stale: Vec<Datname> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'dragnet\\_template\\_%' \
         AND datname <> $1",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .load(conn)
    .map_err(|e| error("cannot list templates", e))?;
    for Datname { datname } in stale {
        let _ = conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
        ));
    }
    let exists = diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .load::<Datname>(conn)
        .map_err(|e| error("cannot look up the template", e))?;
    if !exists.is_empty() {
        return Ok(());
    }
    let building = format!("{name}_building");
    // Two statements: neither may run inside the implicit transaction of a batch.
    conn.batch_execute(&format!(
        "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
    ))
    .map_err(|e| error("cannot drop a half-built template", e))?;
    conn.batch_execute(&format!("CREATE DATABASE \"{building}\""))
        .map_err(|e| error("cannot create the template", e))?;
    migrate(&with_database(admin, &building))
        .map_err(|e| ScratchError(format!("cannot migrate the template: {e}")))?;
    conn.batch_execute(&format!(
        "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
    ))
    .map_err(|e| error("cannot rename the template", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_and_query_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "y"), "postgres://h/y");
    }
}
