//! The stores an end-to-end test runs against: SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` (or `DATABASE_URL`) is set — a fresh database per test, dropped after.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

/// One store for a test: the `DATABASE_URL` to give `dragnet serve`, and what to drop after.
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The URL for `DATABASE_URL`; `None` means the default `./dragnet.db`.
    pub url: Option<String>,
    admin: Option<(String, String)>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((admin_url, db)) = &self.admin
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

fn admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// SQLite, plus a fresh PostgreSQL database when one is configured.
pub fn all(test: &str) -> Vec<Backend> {
    let mut backends = vec![Backend {
        name: "sqlite",
        url: None,
        admin: None,
    }];
    match admin_url() {
        Some(admin) => {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let db = format!(
                "dragnet_e2e_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let mut conn = PgConnection::establish(&admin)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
            diesel::sql_query(format!("CREATE DATABASE \"{db}\""))
                .execute(&mut conn)
                .expect("create test database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            backends.push(Backend {
                name: "postgres",
                url: Some(format!("{base}/{db}")),
                admin: Some((admin.clone(), db)),
            });
        }
        None => {
            // Written to the real stderr once: libtest captures `eprintln!`, and this notice
            // must be seen even when every test passes.
            static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
            ONCE.get_or_init(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: the PostgreSQL end-to-end runs were SKIPPED: set TEST_DATABASE_URL \
                     (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run them\n"
                );
            });
            eprintln!("{test}: PostgreSQL skipped (TEST_DATABASE_URL not set)");
        }
    }
    backends
}
