//! Test databases for the store suite: a SQLite file in a temporary directory per test, and,
//! when `TEST_DATABASE_URL` (or `DATABASE_URL`) points at a PostgreSQL server, one database
//! per test created from a migrated template. Databases left behind by killed test processes
//! (named after their pid) are swept.

#![allow(dead_code)]

use std::io::Write;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dragnet_store::{Store, StoreOptions};

/// A backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test; removed when dropped.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

/// The admin URL of the PostgreSQL server for tests, if configured.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// Whether `backend` can run here; prints (once per test) why PostgreSQL was skipped.
pub fn available(backend: Backend) -> bool {
    match backend {
        Backend::Sqlite => true,
        Backend::Postgres => {
            let ok = pg_admin_url().is_some();
            if !ok {
                static ONCE: OnceLock<()> = OnceLock::new();
                ONCE.get_or_init(|| {
                    // Written to the real stderr: libtest captures `eprintln!`, and this
                    // notice must be seen even when every test passes.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\nNOTE: the PostgreSQL store suite was SKIPPED: set TEST_DATABASE_URL \
                         (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it\n"
                    );
                });
                eprintln!("skipped: PostgreSQL (TEST_DATABASE_URL not set)");
            }
            ok
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL has a scheme");
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

fn admin() -> PgConnection {
    let url = pg_admin_url().expect("PostgreSQL configured");
    PgConnection::establish(&url).expect("connect to the PostgreSQL admin database")
}

/// A hash of the PostgreSQL migrations, so that a changed migration gets a new template.
fn migrations_hash() -> u64 {
    // Every PostgreSQL migration's text, in order: a new or changed migration makes a new
    // template.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations/postgres")
        .filter_map(Result::ok)
        .map(|e| e.path().join("up.sql"))
        .collect();
    files.sort();
    // FNV-1a: stable across runs and Rust versions.
    files
        .iter()
        .flat_map(|f| std::fs::read(f).expect("up.sql"))
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

fn template_name() -> String {
    format!("dragnet_template_{:016x}", migrations_hash())
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Found>(conn)
        .optional()
        .expect("query pg_database")
        .is_some()
}

/// Drops test databases whose creating process is gone, and templates built from other
/// versions of the migrations.
fn sweep(conn: &mut PgConnection) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let current = template_name();
    let stale: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'dragnet_template_%' \
         AND datname <> $1",
    )
    .bind::<diesel::sql_types::Text, _>(&current)
    .load(conn)
    .expect("list templates");
    for Name { datname } in stale {
        let _ = conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
        ));
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'dragnet_test_%'")
            .load(conn)
            .expect("list test databases");
    for Name { datname } in names {
        let pid = datname
            .strip_prefix("dragnet_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
            ));
        }
    }
}

/// Creates the migrated template once per process (under an advisory lock, so parallel
/// test processes agree), sweeping leftovers first.
fn ensure_template() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = template_name();
            let mut conn = admin();
            conn.batch_execute("SELECT pg_advisory_lock(7157)")
                .expect("lock");
            sweep(&mut conn);
            if !database_exists(&mut conn, &name) {
                let building = format!("{name}_building");
                conn.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
                ))
                .expect("drop half-built template");
                conn.batch_execute(&format!("CREATE DATABASE \"{building}\""))
                    .expect("create template");
                let url = with_database(&pg_admin_url().expect("configured"), &building);
                drop(Store::open(&url, StoreOptions::default()).expect("migrate template"));
                conn.batch_execute(&format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                ))
                .expect("rename template");
            }
            conn.batch_execute("SELECT pg_advisory_unlock(7157)")
                .expect("unlock");
            name
        })
        .clone()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// CREATE DATABASE … TEMPLATE fails when two sessions copy the same template at once.
static CREATE_LOCK: Mutex<()> = Mutex::new(());

fn new_pg_database(template: Option<&str>) -> (String, String) {
    let name = format!(
        "dragnet_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let sql = match template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    let mut conn = admin();
    {
        let _guard = CREATE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut attempts = 0;
        loop {
            match conn.batch_execute(&sql) {
                Ok(()) => break,
                Err(e) if attempts < 20 => {
                    attempts += 1;
                    eprintln!("retrying CREATE DATABASE: {e}");
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
    }
    let url = with_database(&pg_admin_url().expect("configured"), &name);
    (name, url)
}

impl TestDb {
    /// A migrated database (SQLite: migrated by the first open).
    pub fn migrated(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::empty(backend),
            Backend::Postgres => {
                let template = ensure_template();
                let (name, url) = new_pg_database(Some(&template));
                TestDb {
                    url,
                    backend,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// An empty, unmigrated database.
    pub fn empty(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let (name, url) = new_pg_database(None);
                TestDb {
                    url,
                    backend,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Opens the store (applying migrations).
    pub fn open(&self) -> Store {
        Store::open(&self.url, StoreOptions::default()).expect("open store")
    }

    /// Runs raw SQL on the database.
    pub fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                SqliteConnection::establish(path)
                    .expect("open SQLite")
                    .batch_execute(sql)
                    .expect("execute SQL");
            }
            Backend::Postgres => {
                PgConnection::establish(&self.url)
                    .expect("connect")
                    .batch_execute(sql)
                    .expect("execute SQL");
            }
        }
    }

    /// The (table, column, nullable) triples of the migrated schema, sorted.
    pub fn columns(&self) -> Vec<(String, String, bool)> {
        #[derive(QueryableByName)]
        struct Col {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            c: String,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            nullable: bool,
        }
        let mut cols: Vec<Col> = match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut conn = SqliteConnection::establish(path).expect("open SQLite");
                diesel::sql_query(
                    "SELECT m.name AS t, p.name AS c, (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
                     FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                       AND m.name NOT LIKE '__diesel%'",
                )
                .load(&mut conn)
                .expect("read SQLite schema")
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url).expect("connect");
                diesel::sql_query(
                    "SELECT table_name::text AS t, column_name::text AS c, \
                            (is_nullable = 'YES') AS nullable \
                     FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'",
                )
                .load(&mut conn)
                .expect("read PostgreSQL schema")
            }
        };
        let mut out: Vec<_> = cols.drain(..).map(|c| (c.t, c.c, c.nullable)).collect();
        out.sort();
        out
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            let _ =
                admin().batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// Declares one test per backend running the same body:
/// `both!(name, |db: &TestDb, store: Store| { ... });` creates `name::sqlite` and
/// `name::postgres` (the latter skipped, with a message, when PostgreSQL is not configured).
#[macro_export]
macro_rules! both {
    ($name:ident, |$db:ident, $store:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &$crate::common::TestDb, $store: dragnet_store::Store) $body

            #[test]
            fn sqlite() {
                let db = $crate::common::TestDb::migrated($crate::common::Backend::Sqlite);
                let store = db.open();
                body(&db, store);
            }

            #[test]
            fn postgres() {
                if !$crate::common::available($crate::common::Backend::Postgres) {
                    return;
                }
                let db = $crate::common::TestDb::migrated($crate::common::Backend::Postgres);
                let store = db.open();
                body(&db, store);
            }
        }
    };
}
