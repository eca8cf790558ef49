//! Test databases for the store suite: a SQLite file in a temporary directory per test, and,
//! when `TEST_DATABASE_URL` (or `DATABASE_URL`) points at a PostgreSQL server, one database
//! per test created from a migrated template. Databases left behind by killed test processes
//! (named after their pid) are swept.

#![allow(dead_code)]

use std::io::Write;
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dragnet_store::{Store, StoreOptions};
use dragnet_testkit::pg;

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
    _pg: Option<pg::ScratchDatabase>,
}

/// The admin URL of the PostgreSQL server for tests, if configured.
pub fn pg_admin_url() -> Option<String> {
    pg::admin_url()
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

/// The migrated template, built once per process.
fn ensure_template() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let admin = pg_admin_url().expect("PostgreSQL configured");
            let migrations =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
            pg::migrated_template(&admin, &migrations, |url| {
                Store::open(url, StoreOptions::default())
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
            .expect("migrated template")
        })
        .clone()
}

fn new_pg_database(template: Option<&str>) -> pg::ScratchDatabase {
    let admin = pg_admin_url().expect("PostgreSQL configured");
    match template {
        Some(t) => pg::ScratchDatabase::from_template(&admin, "dragnet_test", t),
        None => pg::ScratchDatabase::create(&admin, "dragnet_test"),
    }
    .expect("create test database")
}

impl TestDb {
    /// A migrated database (SQLite: migrated by the first open).
    pub fn migrated(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::empty(backend),
            Backend::Postgres => {
                let template = ensure_template();
                let db = new_pg_database(Some(&template));
                TestDb {
                    url: db.url().to_owned(),
                    backend,
                    _dir: None,
                    _pg: Some(db),
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
                    _pg: None,
                }
            }
            Backend::Postgres => {
                let db = new_pg_database(None);
                TestDb {
                    url: db.url().to_owned(),
                    backend,
                    _dir: None,
                    _pg: Some(db),
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
