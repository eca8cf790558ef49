//! The connection pool against a PostgreSQL server that drops its connections: the store
//! checks pooled connections only after they idled (not on every checkout), so it must still
//! notice dead ones and replace them. Every backend of the test database is terminated
//! (`pg_terminate_backend`, what a server restart or an administrator does), then the store is
//! used again: a connection idle for longer than the check threshold is checked and replaced
//! without the caller noticing; one used just before it died fails at most one call, with an
//! error of the "unavailable" kind (the API's 503), and is then replaced. Never a panic.
//!
//! Skipped unless `TEST_DATABASE_URL` (or `DATABASE_URL`) names a PostgreSQL server.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{Backend, TestDb};
use diesel::prelude::*;
use dragnet_domain::CampaignId;
use dragnet_domain::Phase;
use dragnet_store::{DomainFilter, NewCampaign, Store, StoreError, StoreOptions};

/// Connections in the pool under test.
const POOL: u32 = 4;

fn new_campaign(name: &str) -> NewCampaign {
    NewCampaign {
        name: name.to_owned(),
        initial_phase: Phase::DnsValidation,
        launch_sequence: false,
        configurations: Default::default(),
    }
}

/// The test database's other sessions (the store's connections), from a connection of its
/// own.
struct Admin(PgConnection);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl Admin {
    fn connect(db: &TestDb) -> Admin {
        Admin(PgConnection::establish(&db.url).expect("admin connection"))
    }

    fn others(&mut self) -> i64 {
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .get_result::<Count>(&mut self.0)
        .expect("count sessions")
        .n
    }

    /// Terminates every other backend of the database and waits until they are gone;
    /// returns how many there were.
    fn terminate_others(&mut self) -> i64 {
        let killed = diesel::sql_query(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .get_result::<Count>(&mut self.0)
        .expect("terminate backends")
        .n;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.others() > 0 {
            assert!(
                Instant::now() < deadline,
                "terminated backends did not exit"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        killed
    }
}

/// Makes the pool open all its connections: `POOL` threads hold one each at the same time
/// (an export holds its connection while it reads a page, so a barrier inside the calls is
/// not possible; instead each thread runs calls until all have overlapped).
fn fill_pool(store: &Store, admin: &mut Admin, id: CampaignId) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while admin.others() < i64::from(POOL) {
        assert!(Instant::now() < deadline, "the pool did not grow to {POOL}");
        let barrier = Arc::new(Barrier::new(POOL as usize));
        let threads: Vec<_> = (0..POOL)
            .map(|_| {
                let store = store.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..20 {
                        store.get_campaign(id).expect("read while filling the pool");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("filler thread");
        }
    }
}

/// One store call of each kind the API makes: a read, a page, a write transaction.
fn use_store(store: &Store, id: CampaignId, i: usize) -> Result<(), StoreError> {
    match i % 3 {
        0 => store.get_campaign(id).map(drop),
        1 => store
            .list_domains(id, &DomainFilter::default(), None, 10)
            .map(drop),
        _ => store
            .create_campaign(&new_campaign(&format!("after-{i}")))
            .map(drop),
    }
}

/// Runs `calls` store calls; returns the failures (each must be of the unavailable kind).
fn failures_over(store: &Store, id: CampaignId, calls: usize) -> usize {
    let mut failed = 0;
    for i in 0..calls {
        if let Err(e) = use_store(store, id, i) {
            assert!(
                e.is_unavailable(),
                "call {i} failed with an error not of the unavailable kind: {e:?}"
            );
            eprintln!("call {i}: {e:?}");
            failed += 1;
        }
    }
    failed
}

fn open(db: &TestDb) -> Store {
    Store::open(
        &db.url,
        StoreOptions {
            max_connections: POOL,
            connection_timeout: Duration::from_secs(10),
            ..StoreOptions::default()
        },
    )
    .expect("open store")
}

/// A PostgreSQL store whose pool holds [`POOL`] connections, all opened and just used, a
/// campaign in it, and an admin connection that can terminate them.
struct PostgresPool {
    _db: TestDb,
    store: Store,
    admin: Admin,
    id: CampaignId,
}

impl PostgresPool {
    /// `None` when no PostgreSQL server is configured (the suite is skipped).
    fn filled() -> Option<Self> {
        if !common::available(Backend::Postgres) {
            return None;
        }
        let db = TestDb::migrated(Backend::Postgres);
        let store = open(&db);
        let mut admin = Admin::connect(&db);
        let id = store
            .create_campaign(&new_campaign("pool"))
            .expect("create")
            .id;
        fill_pool(&store, &mut admin, id);
        Some(Self {
            _db: db,
            store,
            admin,
            id,
        })
    }
}

#[test]
fn connections_dead_after_idling_are_replaced_before_use() {
    let Some(PostgresPool {
        _db,
        store,
        mut admin,
        id,
    }) = PostgresPool::filled()
    else {
        return;
    };
    // Longer than the 500 ms after which a pooled connection is checked before use.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(admin.terminate_others(), i64::from(POOL));

    assert_eq!(
        failures_over(&store, id, 30),
        0,
        "idle dead connections must be checked and replaced"
    );
    assert!(admin.others() >= 1, "the store reconnected");
}

#[test]
fn connections_that_die_while_busy_fail_at_most_one_call_each() {
    let Some(PostgresPool {
        _db,
        store,
        mut admin,
        id,
    }) = PostgresPool::filled()
    else {
        return;
    };
    // At once: the connections were used a moment ago, so they are handed out unchecked.
    let killed = admin.terminate_others();
    assert_eq!(killed, i64::from(POOL));

    let failed = failures_over(&store, id, 30);
    assert!(
        failed <= killed as usize,
        "{failed} failed calls for {killed} dead connections"
    );
    // Every dead connection was closed after its failure: the next calls all work.
    assert_eq!(failures_over(&store, id, 30), 0);
    assert_eq!(store.get_campaign(id).expect("read").id, id);
}

#[test]
fn concurrent_callers_see_at_most_one_failure_per_dead_connection() {
    let Some(PostgresPool {
        _db,
        store,
        mut admin,
        id,
    }) = PostgresPool::filled()
    else {
        return;
    };
    let killed = admin.terminate_others();

    let threads: Vec<_> = (0..2 * POOL)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || failures_over(&store, id, 20))
        })
        .collect();
    let failed: usize = threads
        .into_iter()
        .map(|t| t.join().expect("no panic in a store call"))
        .sum();
    assert!(
        failed <= killed as usize,
        "{failed} failed calls for {killed} dead connections"
    );
    assert_eq!(failures_over(&store, id, 10), 0);
}

/// The check threshold also keeps SQLite working as before (its connections do not die, but
/// the same checkout path serves them).
#[test]
fn sqlite_pool_serves_sequential_and_concurrent_calls() {
    let db = TestDb::migrated(Backend::Sqlite);
    let store = open(&db);
    let id = store
        .create_campaign(&new_campaign("pool"))
        .expect("create")
        .id;
    assert_eq!(failures_over(&store, id, 12), 0);
    std::thread::sleep(Duration::from_millis(600));
    let threads: Vec<_> = (0..2 * POOL)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || failures_over(&store, id, 9))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("no panic"), 0);
    }
}
