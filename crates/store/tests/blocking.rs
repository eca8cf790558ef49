//! `Store::run`, the one way async code calls the store: results and errors come back, a
//! panic becomes an error, and the number of calls running at once is bounded per store by
//! its connection count. On SQLite only: the bound is the store's, not the backend's.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Backend, TestDb};
use dragnet_domain::CampaignId;
use dragnet_store::{Store, StoreError, StoreOptions};

fn open(db: &TestDb, max_connections: u32) -> Store {
    Store::open(
        &db.url,
        StoreOptions {
            max_connections,
            ..StoreOptions::default()
        },
    )
    .expect("open store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_returns_results_and_errors_and_turns_panics_into_errors() {
    let db = TestDb::migrated(Backend::Sqlite);
    let store = open(&db, 2);
    store.run(|s| s.ping()).await.expect("ping");
    let missing = store.run(|s| s.get_campaign(CampaignId(42))).await;
    assert!(
        matches!(missing, Err(StoreError::CampaignNotFound(CampaignId(42)))),
        "{missing:?}"
    );
    let panicked = store
        .run(|_| -> Result<(), StoreError> { panic!("boom") })
        .await;
    match panicked {
        Err(StoreError::Internal(message)) => assert!(message.contains("boom"), "{message}"),
        other => panic!("expected an internal error, got {other:?}"),
    }
    // The panic released its slot.
    store.run(|s| s.ping()).await.expect("ping after a panic");
}

/// The most calls of `store` seen running at once when `calls` start together, each waiting
/// up to `hold` for all of them to be running.
async fn most_at_once(store: &Store, calls: usize, hold: Duration) -> usize {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..calls {
        let (store, running, most) = (store.clone(), running.clone(), most.clone());
        tasks.spawn(async move {
            store
                .run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let deadline = Instant::now() + hold;
                    while most.load(Ordering::SeqCst) < calls && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, StoreError>(())
                })
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task").expect("run");
    }
    most.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_store_bounds_its_own_calls_by_its_connections() {
    let db = TestDb::migrated(Backend::Sqlite);
    // A one-connection store first: a bound shared by the process would be sized by it.
    let narrow = open(&db, 1);
    let wide = open(&db, 3);
    assert_eq!(
        most_at_once(&narrow, 3, Duration::from_millis(200)).await,
        1
    );
    assert_eq!(most_at_once(&wide, 3, Duration::from_secs(10)).await, 3);
    assert_eq!(most_at_once(&wide, 6, Duration::from_millis(200)).await, 3);
}
