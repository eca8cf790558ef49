//! The stores an end-to-end test runs against: SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` (or `DATABASE_URL`) is set — a fresh database per test, dropped after.

use dragnet_testkit::pg::{self, ScratchDatabase};

/// One store for a test: the `DATABASE_URL` to give `dragnet serve`, and the scratch database
/// it lives in (dropped with it).
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The URL for `DATABASE_URL`; `None` means the default `./dragnet.db`.
    pub url: Option<String>,
    _scratch: Option<ScratchDatabase>,
}

/// SQLite, plus a fresh PostgreSQL database when one is configured.
pub fn all(test: &str) -> Vec<Backend> {
    let mut backends = vec![Backend {
        name: "sqlite",
        url: None,
        _scratch: None,
    }];
    match pg::admin_url() {
        Some(admin) => {
            let db = ScratchDatabase::create(&admin, "dragnet_e2e")
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unusable: {e}"));
            backends.push(Backend {
                name: "postgres",
                url: Some(db.url().to_owned()),
                _scratch: Some(db),
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
