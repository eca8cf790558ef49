//! The store suite: every test runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` (or
//! `DATABASE_URL`) is set.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{Backend, TestDb};
use dragnet_domain::{
    Action, CampaignId, DnsRecord, DnsStatus, HttpStatus, Phase, PhaseStatus, RecordType,
    TransitionError,
};
use dragnet_store::*;

fn new_campaign(name: &str) -> NewCampaign {
    let mut configurations = BTreeMap::new();
    configurations.insert(
        Phase::DomainGeneration,
        serde_json::json!({"patternType": "prefix", "constantString": "shop"}),
    );
    NewCampaign {
        name: name.to_owned(),
        initial_phase: Phase::DomainGeneration,
        launch_sequence: false,
        configurations,
    }
}

fn names(range: std::ops::Range<u64>) -> impl Iterator<Item = String> {
    range.map(|i| format!("name{i:07}.example"))
}

fn time(ms: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().expect("valid time")
}

fn dns(ordinal: u64) -> DnsResult {
    let status = match ordinal % 4 {
        0 => DnsStatus::Resolved,
        1 => DnsStatus::NxDomain,
        2 => DnsStatus::Timeout,
        _ => DnsStatus::Resolved,
    };
    DnsResult {
        ordinal,
        status,
        error_kind: (status == DnsStatus::Timeout).then(|| "TIMEOUT".to_owned()),
        addresses: if status == DnsStatus::Resolved {
            vec![
                "192.0.2.1".parse::<IpAddr>().expect("ip"),
                "2001:db8::1".parse().expect("ip"),
            ]
        } else {
            Vec::new()
        },
        // Every fourth name (a resolved one) with the records of other asked types, which
        // must read back as written.
        records: if ordinal % 4 == 3 {
            vec![
                DnsRecord {
                    record_type: RecordType::Ns,
                    value: "ns1.sedoparking.com".to_owned(),
                    ttl: 3600,
                },
                DnsRecord {
                    record_type: RecordType::Mx,
                    value: "10 mx.example.test".to_owned(),
                    ttl: 300,
                },
                DnsRecord {
                    record_type: RecordType::Txt,
                    value: "v=spf1 \"quoted\" -all".to_owned(),
                    ttl: 60,
                },
            ]
        } else {
            Vec::new()
        },
        attempts: 1 + (ordinal % 3) as u32,
        checked_at: time(1_700_000_000_123 + ordinal as i64),
    }
}

fn http(ordinal: u64, keyword: &str) -> NewHttpResult {
    NewHttpResult {
        result: HttpResult {
            ordinal,
            status: if ordinal.is_multiple_of(2) {
                HttpStatus::Ok
            } else {
                HttpStatus::HttpError
            },
            error_detail: None,
            status_code: Some(200),
            final_url: Some(format!("https://name{ordinal}.example/")),
            redirect_count: 1,
            title: Some("Title".to_owned()),
            content_type: Some("text/html".to_owned()),
            content_length: Some(1234),
            content_hash: Some("abc".to_owned()),
            keyword_hits: vec![KeywordHit {
                pattern: keyword.to_owned(),
                category: "brand".to_owned(),
                count: 2,
                title_count: 1,
            }],
            fetched_at: time(1_700_000_000_000),
        },
        snapshot: Some(vec![1, 2, 3, ordinal as u8]),
    }
}

// ---------------------------------------------------------------------------------------
// Opening, URLs and migrations.

#[test]
fn bad_urls_are_clear_typed_errors() {
    let cases = [
        "",
        "mysql://root@localhost/db",
        "postgres://user@localhost:notaport/db",
        "sqlite://",
        ":memory:",
    ];
    for url in cases {
        let err = Store::open(url, StoreOptions::default()).expect_err(url);
        assert!(
            matches!(err, StoreError::InvalidUrl { .. }),
            "{url}: {err:?}"
        );
    }
    let err = Store::open(
        "postgres://user:secret@127.0.0.1:1/db",
        StoreOptions::default(),
    )
    .expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("secret"),
        "password leaked: {err}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no/such/dir/x.db");
    let err = Store::open(missing.to_str().expect("utf-8"), StoreOptions::default())
        .expect_err("missing directory");
    assert!(
        matches!(err, StoreError::MissingDirectory { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn plain_path_and_sqlite_scheme_open_the_same_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plain.db");
    let store = Store::open(path.to_str().expect("utf-8"), StoreOptions::default()).expect("open");
    let id = store
        .create_campaign(&new_campaign("a"))
        .expect("create")
        .id;
    drop(store);
    let again = Store::open(
        &format!("sqlite://{}", path.display()),
        StoreOptions::default(),
    )
    .expect("reopen");
    assert_eq!(again.backend(), BackendKind::Sqlite);
    assert_eq!(again.get_campaign(id).expect("get").name, "a");
}

fn migrations_apply_from_empty_and_reapply_as_noop(backend: Backend) {
    if !common::available(backend) {
        return;
    }
    let db = TestDb::empty(backend);
    let store = Store::open(
        &db.url,
        StoreOptions {
            migrate: false,
            ..StoreOptions::default()
        },
    )
    .expect("open without migrating");
    let pending = store.pending_migrations().expect("pending");
    assert!(!pending.is_empty());
    assert_eq!(store.migrate().expect("migrate"), pending);
    assert!(store.pending_migrations().expect("pending").is_empty());
    assert!(
        store.migrate().expect("re-migrate").is_empty(),
        "second run is a no-op"
    );
    drop(store);
    let store = db.open();
    assert!(store.pending_migrations().expect("pending").is_empty());
    store
        .create_campaign(&new_campaign("works"))
        .expect("usable");
}

#[test]
fn migrations_apply_from_empty_and_reapply_as_noop_sqlite() {
    migrations_apply_from_empty_and_reapply_as_noop(Backend::Sqlite);
}

#[test]
fn migrations_apply_from_empty_and_reapply_as_noop_postgres() {
    migrations_apply_from_empty_and_reapply_as_noop(Backend::Postgres);
}

fn newer_schema_is_refused(backend: Backend) {
    if !common::available(backend) {
        return;
    }
    let db = TestDb::migrated(backend);
    drop(db.open());
    db.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')");
    for migrate in [true, false] {
        let err = Store::open(
            &db.url,
            StoreOptions {
                migrate,
                ..StoreOptions::default()
            },
        )
        .expect_err("newer schema");
        match &err {
            StoreError::NewerSchema { unknown } => assert_eq!(unknown, &["29990101000000"]),
            other => panic!("expected NewerSchema, got {other:?}"),
        }
        assert!(err.to_string().contains("newer version"), "{err}");
    }
}

#[test]
fn newer_schema_is_refused_sqlite() {
    newer_schema_is_refused(Backend::Sqlite);
}

#[test]
fn newer_schema_is_refused_postgres() {
    newer_schema_is_refused(Backend::Postgres);
}

#[test]
fn both_backends_expose_the_same_tables_and_columns() {
    let sqlite = TestDb::migrated(Backend::Sqlite);
    drop(sqlite.open());
    let sqlite_columns = sqlite.columns();
    assert!(sqlite_columns.len() > 40, "{sqlite_columns:?}");
    if !common::available(Backend::Postgres) {
        return;
    }
    let pg = TestDb::migrated(Backend::Postgres);
    let pg_columns = pg.columns();
    let only_sqlite: Vec<_> = sqlite_columns
        .iter()
        .filter(|c| !pg_columns.contains(c))
        .collect();
    let only_pg: Vec<_> = pg_columns
        .iter()
        .filter(|c| !sqlite_columns.contains(c))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ:\nonly in SQLite: {only_sqlite:?}\nonly in PostgreSQL: {only_pg:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Campaigns.

both!(campaign_create_get_rename_configure, |_db, store| {
    let created = store
        .create_campaign(&new_campaign("Brand watch"))
        .expect("create");
    assert_eq!(created.name, "Brand watch");
    assert_eq!(created.state.current_phase, Phase::DomainGeneration);
    assert_eq!(created.state.phase_status, PhaseStatus::Pending);
    assert_eq!(created.phases.len(), 5);
    assert_eq!(created.version, 0);
    assert_eq!(
        created
            .phase(Phase::DomainGeneration)
            .and_then(|p| p.configuration.clone()),
        Some(serde_json::json!({"patternType": "prefix", "constantString": "shop"}))
    );
    assert_eq!(store.get_campaign(created.id).expect("get"), created);

    let v1 = store
        .rename_campaign(created.id, "Renamed", Some(0))
        .expect("rename");
    assert_eq!(v1, 1);
    let err = store
        .rename_campaign(created.id, "Stale", Some(0))
        .expect_err("stale version");
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let config = serde_json::json!({"resolvers": ["127.0.0.1:53"]});
    let v2 = store
        .set_phase_configuration(created.id, Phase::DnsValidation, Some(&config), Some(1))
        .expect("configure");
    assert_eq!(v2, 2);
    let got = store.get_campaign(created.id).expect("get");
    assert_eq!(got.name, "Renamed");
    assert_eq!(
        got.phase(Phase::DnsValidation)
            .and_then(|p| p.configuration.clone()),
        Some(config)
    );

    let err = store
        .create_campaign(&NewCampaign {
            initial_phase: Phase::HttpKeywordValidation,
            ..new_campaign("bad")
        })
        .expect_err("cannot begin at http");
    assert!(matches!(
        err,
        StoreError::Transition(TransitionError::InvalidInitialPhase { .. })
    ));
    let err = store
        .create_campaign(&new_campaign("  "))
        .expect_err("empty name");
    assert!(matches!(err, StoreError::InvalidArgument(_)));
    let dns_first = store
        .create_campaign(&NewCampaign {
            initial_phase: Phase::DnsValidation,
            ..new_campaign("imported")
        })
        .expect("begin at dns");
    assert_eq!(
        dns_first.phase(Phase::DomainGeneration).map(|p| p.status),
        Some(PhaseStatus::Skipped)
    );
    assert!(matches!(
        store.get_campaign(CampaignId(987_654)),
        Err(StoreError::CampaignNotFound(_))
    ));
});

both!(campaign_list_keyset_with_filters, |_db, store| {
    let mut ids = Vec::new();
    for i in 0..23 {
        let c = store
            .create_campaign(&new_campaign(&format!(
                "{} campaign {i}",
                if i % 2 == 0 { "Shop" } else { "bank" }
            )))
            .expect("create");
        if i % 3 == 0 {
            store
                .apply_action(c.id, &Change::new(Action::Start))
                .expect("start");
        }
        ids.push(c.id);
    }
    // Every campaign exactly once across pages, newest first.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_campaigns(&CampaignFilter::default(), cursor, 5)
            .expect("page");
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    let running = CampaignFilter {
        phase_status: Some(PhaseStatus::Running),
        ..CampaignFilter::default()
    };
    let page = store.list_campaigns(&running, None, 100).expect("running");
    assert_eq!(page.items.len(), 8);
    assert!(
        page.items
            .iter()
            .all(|c| c.state.phase_status == PhaseStatus::Running)
    );

    let shops = CampaignFilter {
        name_contains: Some("SHOP".to_owned()),
        current_phase: Some(Phase::DomainGeneration),
        ..CampaignFilter::default()
    };
    let page = store.list_campaigns(&shops, None, 100).expect("shops");
    assert_eq!(page.items.len(), 12);
    let none = CampaignFilter {
        name_contains: Some("%".to_owned()),
        ..CampaignFilter::default()
    };
    assert!(
        store
            .list_campaigns(&none, None, 100)
            .expect("none")
            .items
            .is_empty()
    );
    let dns = CampaignFilter {
        current_phase: Some(Phase::DnsValidation),
        ..CampaignFilter::default()
    };
    assert!(
        store
            .list_campaigns(&dns, None, 100)
            .expect("dns")
            .items
            .is_empty()
    );
});

// ---------------------------------------------------------------------------------------
// Phase state changes.

both!(
    actions_follow_the_rules_and_write_phase_rows,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("flow"))
            .expect("create")
            .id;
        let applied = store
            .apply_action(id, &Change::new(Action::Start))
            .expect("start");
        assert_eq!(applied.version, 1);
        assert_eq!(applied.transition.to.phase_status, PhaseStatus::Running);
        let c = store.get_campaign(id).expect("get");
        let generation = c.phase(Phase::DomainGeneration).expect("row");
        assert!(generation.started_at.is_some());
        assert_eq!(c.state.phase_status, PhaseStatus::Running);

        let err = store
            .apply_action(id, &Change::new(Action::Start))
            .expect_err("already running");
        assert!(matches!(
            err,
            StoreError::Transition(TransitionError::NotAllowed { .. })
        ));

        store
            .apply_action(id, &Change::new(Action::Cancel).with_error("stop"))
            .expect("cancel");
        let c = store.get_campaign(id).expect("get");
        let row = c.phase(Phase::DomainGeneration).expect("row");
        assert_eq!(row.status, PhaseStatus::Failed);
        assert_eq!(row.error.as_deref(), Some("stop"));
        assert!(row.completed_at.is_some());

        store
            .apply_action(id, &Change::new(Action::Retry))
            .expect("retry");
        let c = store.get_campaign(id).expect("get");
        let row = c.phase(Phase::DomainGeneration).expect("row");
        assert_eq!(row.status, PhaseStatus::Running);
        assert_eq!(row.error, None);
        assert_eq!(
            row.started_at, generation.started_at,
            "a retry keeps the first start time"
        );

        store
            .apply_action(id, &Change::new(Action::Complete))
            .expect("complete");
        let err = store
            .apply_action(
                id,
                &Change::new(Action::Advance {
                    target_phase: Phase::ContentAnalysis,
                }),
            )
            .expect_err("cannot skip dns and http");
        assert!(matches!(
            err,
            StoreError::Transition(TransitionError::RequiredPhase { .. })
        ));
        let version = store.get_campaign(id).expect("get").version;
        let err = store
            .apply_action(
                id,
                &Change::new(Action::Advance {
                    target_phase: Phase::DnsValidation,
                })
                .expecting(version - 1),
            )
            .expect_err("stale");
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        store
            .apply_action(
                id,
                &Change::new(Action::Advance {
                    target_phase: Phase::DnsValidation,
                })
                .expecting(version),
            )
            .expect("advance");
        store
            .apply_action(id, &Change::new(Action::Start))
            .expect("start dns");
        store
            .apply_action(id, &Change::new(Action::Complete))
            .expect("complete dns");
        store
            .apply_action(
                id,
                &Change::new(Action::Advance {
                    target_phase: Phase::HttpKeywordValidation,
                }),
            )
            .expect("to http");
        store
            .apply_action(id, &Change::new(Action::Start))
            .expect("start http");
        store
            .apply_action(id, &Change::new(Action::Complete))
            .expect("complete http");
        let applied = store
            .apply_action(
                id,
                &Change::new(Action::Advance {
                    target_phase: Phase::LeadExtraction,
                }),
            )
            .expect("skip content analysis");
        assert_eq!(applied.transition.skipped, vec![Phase::ContentAnalysis]);
        let c = store.get_campaign(id).expect("get");
        assert_eq!(c.state.current_phase, Phase::LeadExtraction);
        assert_eq!(c.state.phase_status, PhaseStatus::Pending);
        let statuses: Vec<PhaseStatus> = c.phases.iter().map(|p| p.status).collect();
        assert_eq!(
            statuses,
            [
                PhaseStatus::Completed,
                PhaseStatus::Completed,
                PhaseStatus::Completed,
                PhaseStatus::Skipped,
                PhaseStatus::Pending
            ]
        );
    }
);

both!(
    concurrent_pauses_one_wins_the_other_gets_a_typed_error,
    |_db, store| {
        for round in 0..5 {
            let id = store
                .create_campaign(&new_campaign(&format!("race {round}")))
                .expect("create")
                .id;
            let started = store
                .apply_action(id, &Change::new(Action::Start))
                .expect("start");
            let threads = 4;
            let barrier = Arc::new(Barrier::new(threads));
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let store = store.clone();
                    let barrier = Arc::clone(&barrier);
                    let version = started.version;
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.apply_action(id, &Change::new(Action::Pause).expecting(version))
                    })
                })
                .collect();
            let results: Vec<_> = handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect();
            let wins = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "{results:?}");
            for r in &results {
                if let Err(e) = r {
                    assert!(
                        matches!(e, StoreError::Conflict { .. } | StoreError::Transition(_)),
                        "unexpected error {e:?}"
                    );
                }
            }
            // Without an expected version too: the loser sees a conflict or `paused`.
            let barrier = Arc::new(Barrier::new(2));
            store
                .apply_action(id, &Change::new(Action::Resume))
                .expect("resume");
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let store = store.clone();
                    let barrier = Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.apply_action(id, &Change::new(Action::Pause))
                    })
                })
                .collect();
            let results: Vec<_> = handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect();
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                1,
                "{results:?}"
            );
            let c = store.get_campaign(id).expect("get");
            assert_eq!(c.state.phase_status, PhaseStatus::Paused);
            assert_eq!(c.version, started.version + 3);
        }
    }
);

// ---------------------------------------------------------------------------------------
// Domains.

both!(bulk_insert_counts_duplicates, |_db, store| {
    let id = store
        .create_campaign(&new_campaign("import"))
        .expect("create")
        .id;
    let report = store.insert_domains(id, names(0..25_000)).expect("insert");
    assert_eq!(
        report,
        InsertReport {
            inserted: 25_000,
            duplicates: 0
        }
    );
    // Overlapping input: 5,000 old names, 5,000 new ones, each new one twice.
    let again = names(20_000..30_000).chain(names(25_000..30_000));
    let report = store.insert_domains(id, again).expect("insert again");
    assert_eq!(
        report,
        InsertReport {
            inserted: 5_000,
            duplicates: 10_000
        }
    );
    assert_eq!(store.count_domains(id).expect("count"), 30_000);
    let other = store
        .create_campaign(&new_campaign("other"))
        .expect("create")
        .id;
    let report = store
        .insert_domains(other, names(0..10))
        .expect("same names elsewhere");
    assert_eq!(report.inserted, 10);
    let err = store
        .insert_domains(CampaignId(999_999), ["a.example"])
        .expect_err("no campaign");
    assert!(matches!(err, StoreError::CampaignNotFound(_)));
});

both!(
    generated_chunks_raise_the_mark_and_are_idempotent,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("gen"))
            .expect("create")
            .id;
        let key = "prefix|abc|2|shop|com";
        assert_eq!(store.pattern_mark(key).expect("mark"), None);
        let chunk = GeneratedChunk {
            ordinals: 0..1000,
            pattern_key: key,
            pattern_end: 1500,
        };
        let report = store
            .insert_generated_chunk(id, &chunk, names(0..1000))
            .expect("chunk");
        assert_eq!(report.inserted, 1000);
        assert_eq!(store.pattern_mark(key).expect("mark"), Some(1500));
        // Re-running the chunk after a crash changes nothing.
        let report = store
            .insert_generated_chunk(id, &chunk, names(0..1000))
            .expect("again");
        assert_eq!(
            report,
            InsertReport {
                inserted: 0,
                duplicates: 1000
            }
        );
        let c = store.get_campaign(id).expect("get");
        let row = c.phase(Phase::DomainGeneration).expect("row");
        assert_eq!((row.processed, row.succeeded, row.failed), (1000, 1000, 0));
        // The mark never goes down.
        let lower = GeneratedChunk {
            ordinals: 1000..1010,
            pattern_key: key,
            pattern_end: 10,
        };
        store
            .insert_generated_chunk(id, &lower, names(1000..1010))
            .expect("lower");
        assert_eq!(store.pattern_mark(key).expect("mark"), Some(1500));
        // Wrong name counts are refused and roll back.
        let err = store
            .insert_generated_chunk(
                id,
                &GeneratedChunk {
                    ordinals: 2000..2010,
                    pattern_key: key,
                    pattern_end: 9999,
                },
                names(2000..2005),
            )
            .expect_err("too few");
        assert!(matches!(err, StoreError::InvalidArgument(_)));
        assert_eq!(store.pattern_mark(key).expect("mark"), Some(1500));
        assert_eq!(store.count_domains(id).expect("count"), 1010);
        // Reservations never overlap and never wrap.
        let a = store
            .reserve_pattern_range(key, 100, 1700)
            .expect("reserve");
        assert_eq!(a, 1500..1600);
        let err = store
            .reserve_pattern_range(key, 101, 1700)
            .expect_err("exhausted");
        assert!(
            matches!(err, StoreError::PatternExhausted { remaining: 100, .. }),
            "{err:?}"
        );
        let err = store
            .insert_generated_chunk(
                id,
                &GeneratedChunk {
                    ordinals: 0..1,
                    pattern_key: key,
                    pattern_end: u64::MAX,
                },
                names(0..1),
            )
            .expect_err("beyond i64");
        assert!(matches!(err, StoreError::OutOfRange { .. }));
    }
);

both!(
    keyset_pages_return_every_row_exactly_once_with_filters,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("pages"))
            .expect("create")
            .id;
        store.insert_domains(id, names(0..2_500)).expect("insert");
        let dns_batch: Vec<DnsResult> = (0..2_000).map(dns).collect();
        store.write_dns_results(id, &dns_batch, None).expect("dns");
        let http_batch: Vec<NewHttpResult> = (0..1_000)
            .filter(|o| o % 4 == 0)
            .map(|o| http(o, if o % 8 == 0 { "Sale" } else { "sale" }))
            .collect();
        store
            .write_http_results(id, &http_batch, None)
            .expect("http");

        let collect = |filter: &DomainFilter, size: usize| {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = store.list_domains(id, filter, after, size).expect("page");
                assert!(page.items.len() <= size);
                seen.extend(page.items);
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            seen
        };
        let all = collect(&DomainFilter::default(), 100);
        assert_eq!(all.len(), 2_500);
        let ordinals: Vec<u64> = all.iter().map(|d| d.ordinal).collect();
        assert_eq!(ordinals, (0..2_500).collect::<Vec<_>>());
        assert_eq!(all[5].dns, Some(dns(5)));
        assert_eq!(all[2_100].dns, None);
        assert_eq!(all[4].http.as_ref(), Some(&http(4, "sale").result));
        assert_eq!(
            store.http_snapshot(id, 4).expect("snapshot"),
            Some(vec![1, 2, 3, 4])
        );
        assert_eq!(store.http_snapshot(id, 5).expect("snapshot"), None);

        let resolved = DomainFilter {
            dns_status: Some(DnsStatus::Resolved),
            ..DomainFilter::default()
        };
        let got = collect(&resolved, 77);
        let expected: Vec<u64> = (0..2_000).filter(|o| o % 4 == 0 || o % 4 == 3).collect();
        assert_eq!(got.iter().map(|d| d.ordinal).collect::<Vec<_>>(), expected);

        let ok_sale = DomainFilter {
            http_status: Some(HttpStatus::Ok),
            keyword: Some("sale".to_owned()),
            ..DomainFilter::default()
        };
        let got = collect(&ok_sale, 10);
        let expected: Vec<u64> = (0..1_000).filter(|o| o % 8 == 4).collect();
        assert_eq!(
            got.iter().map(|d| d.ordinal).collect::<Vec<_>>(),
            expected,
            "case-sensitive keyword"
        );
        let by_category = DomainFilter {
            keyword: Some("brand".to_owned()),
            ..DomainFilter::default()
        };
        assert_eq!(collect(&by_category, 1000).len(), 250);
        let partial = DomainFilter {
            keyword: Some("sal".to_owned()),
            ..DomainFilter::default()
        };
        assert!(
            collect(&partial, 1000).is_empty(),
            "keyword matches whole patterns only"
        );

        // The export streams the same rows.
        let exported: Vec<DomainRecord> = store
            .export_domains(id, resolved.clone())
            .collect::<Result<_, _>>()
            .expect("export");
        assert_eq!(exported, collect(&resolved, 1000));
        assert_eq!(
            store.export_domains(id, DomainFilter::default()).count(),
            2_500
        );
    }
);

// ---------------------------------------------------------------------------------------
// Results.

both!(
    result_writes_are_idempotent_with_exact_counters,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("results"))
            .expect("create")
            .id;
        store.insert_domains(id, names(0..300)).expect("insert");
        let batch: Vec<DnsResult> = (0..200).map(dns).collect();
        let first = store
            .write_dns_results(id, &batch, Some(200))
            .expect("write");
        assert_eq!(
            first,
            WriteReport {
                inserted: 200,
                already_present: 0
            }
        );
        let second = store
            .write_dns_results(id, &batch, Some(200))
            .expect("write again");
        assert_eq!(
            second,
            WriteReport {
                inserted: 0,
                already_present: 200
            }
        );
        // Overlapping batch: half old, half new.
        let overlap: Vec<DnsResult> = (100..300).map(dns).collect();
        let third = store
            .write_dns_results(id, &overlap, Some(300))
            .expect("overlap");
        assert_eq!(
            third,
            WriteReport {
                inserted: 100,
                already_present: 100
            }
        );
        let c = store.get_campaign(id).expect("get");
        let row = c.phase(Phase::DnsValidation).expect("row");
        let succeeded = (0..300)
            .filter(|o| dns(*o).status == DnsStatus::Resolved)
            .count() as u64;
        assert_eq!(
            (row.processed, row.succeeded, row.failed),
            (300, succeeded, 300 - succeeded)
        );
        assert_eq!(row.checkpoint, Some(300));

        let http_batch: Vec<NewHttpResult> = (0..50).map(|o| http(o, "x")).collect();
        assert_eq!(
            store
                .write_http_results(id, &http_batch, None)
                .expect("http")
                .inserted,
            50
        );
        assert_eq!(
            store
                .write_http_results(id, &http_batch, None)
                .expect("http")
                .inserted,
            0
        );
        let c = store.get_campaign(id).expect("get");
        let row = c.phase(Phase::HttpKeywordValidation).expect("row");
        assert_eq!((row.processed, row.succeeded, row.failed), (50, 25, 25));

        let err = store
            .write_dns_results(id, &[dns(10_000)], None)
            .expect_err("no such domain");
        assert!(matches!(err, StoreError::InvalidArgument(_)), "{err:?}");
    }
);

// ---------------------------------------------------------------------------------------
// Chunk leases.

both!(
    chunks_are_planned_once_and_claimed_exactly_once_under_contention,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("leases"))
            .expect("create")
            .id;
        assert_eq!(
            store
                .plan_chunks(id, Phase::DnsValidation, 0..1_005, 10)
                .expect("plan"),
            101
        );
        assert_eq!(
            store
                .plan_chunks(id, Phase::DnsValidation, 0..1_005, 10)
                .expect("replan"),
            101
        );
        let err = store
            .plan_chunks(id, Phase::DnsValidation, 0..1_005, 20)
            .expect_err("different plan");
        assert!(matches!(err, StoreError::ChunkPlanMismatch { .. }));

        let threads = 6;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let store = store.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    let owner = format!("worker-{t}");
                    let mut mine = Vec::new();
                    while let Some(chunk) = store
                        .claim_chunk(id, Phase::DnsValidation, &owner, Duration::from_secs(60))
                        .expect("claim")
                    {
                        assert_eq!(chunk.owner, owner);
                        mine.push((chunk.start, chunk.end));
                        store.complete_chunk(&chunk).expect("complete");
                    }
                    mine
                })
            })
            .collect();
        let mut all: Vec<(u64, u64)> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect();
        assert_eq!(all.len(), 101, "every chunk claimed exactly once");
        all.sort_unstable();
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), 101);
        assert_eq!(all.first(), Some(&(0, 10)));
        assert_eq!(all.last(), Some(&(1_000, 1_005)));
        assert_eq!(
            store
                .chunk_progress(id, Phase::DnsValidation)
                .expect("progress"),
            (101, 101)
        );
    }
);

both!(
    leases_expire_renew_and_belong_to_their_owner,
    |_db, store| {
        let id = store
            .create_campaign(&new_campaign("expiry"))
            .expect("create")
            .id;
        store
            .plan_chunks(id, Phase::HttpKeywordValidation, 0..20, 10)
            .expect("plan");
        let a = store
            .claim_chunk(
                id,
                Phase::HttpKeywordValidation,
                "a",
                Duration::from_secs(60),
            )
            .expect("claim")
            .expect("chunk");
        let b = store
            .claim_chunk(id, Phase::HttpKeywordValidation, "b", Duration::ZERO)
            .expect("claim")
            .expect("chunk");
        assert_eq!((a.start, b.start), (0, 10));
        std::thread::sleep(Duration::from_millis(5));
        // b's lease expired: c takes the chunk over, and b can no longer complete it.
        let c = store
            .claim_chunk(
                id,
                Phase::HttpKeywordValidation,
                "c",
                Duration::from_secs(60),
            )
            .expect("claim")
            .expect("expired chunk");
        assert_eq!(c.start, 10);
        assert!(matches!(
            store.complete_chunk(&b),
            Err(StoreError::LeaseLost { .. })
        ));
        assert!(matches!(
            store.renew_chunk(&b, Duration::from_secs(1)),
            Err(StoreError::LeaseLost { .. })
        ));
        let renewed = store
            .renew_chunk(&a, Duration::from_secs(120))
            .expect("renew");
        assert!(renewed.expires_at > a.expires_at);
        assert!(
            store
                .claim_chunk(
                    id,
                    Phase::HttpKeywordValidation,
                    "d",
                    Duration::from_secs(60)
                )
                .expect("claim")
                .is_none()
        );
        store.release_chunk(&c).expect("release");
        let d = store
            .claim_chunk(id, Phase::HttpKeywordValidation, "d", Duration::ZERO)
            .expect("claim")
            .expect("released chunk");
        assert_eq!(d.start, 10);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.reclaim_expired().expect("reclaim"), 1);
        store.complete_chunk(&a).expect("complete");
        assert_eq!(
            store
                .chunk_progress(id, Phase::HttpKeywordValidation)
                .expect("progress"),
            (1, 2)
        );
    }
);

// ---------------------------------------------------------------------------------------
// Deletion.

both!(
    delete_removes_a_large_campaign_in_chunks_and_nothing_else,
    |_db, store| {
        let keep = store
            .create_campaign(&new_campaign("keep"))
            .expect("create")
            .id;
        store.insert_domains(keep, names(0..100)).expect("insert");
        let gone = store
            .create_campaign(&new_campaign("gone"))
            .expect("create")
            .id;
        store
            .insert_domains(gone, names(0..25_000))
            .expect("insert");
        let batch: Vec<DnsResult> = (0..25_000).step_by(7).map(dns).collect();
        store.write_dns_results(gone, &batch, None).expect("dns");
        store
            .write_http_results(gone, &[http(0, "x")], None)
            .expect("http");
        store
            .plan_chunks(gone, Phase::DnsValidation, 0..25_000, 1000)
            .expect("plan");
        store.delete_campaign(gone).expect("delete");
        assert!(matches!(
            store.get_campaign(gone),
            Err(StoreError::CampaignNotFound(_))
        ));
        assert!(matches!(
            store.delete_campaign(gone),
            Err(StoreError::CampaignNotFound(_))
        ));
        assert_eq!(store.count_domains(gone).expect("count"), 0);
        assert_eq!(store.count_domains(keep).expect("count"), 100);
        assert_eq!(store.purge_deleted().expect("purge"), 0);
        let listed: BTreeSet<CampaignId> = store
            .list_campaigns(&CampaignFilter::default(), None, 100)
            .expect("list")
            .items
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(listed, BTreeSet::from([keep]));
    }
);

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, vec![0x42_u8; 8192]).expect("write");
    let err = Store::open(path.to_str().expect("utf-8"), StoreOptions::default())
        .expect_err("not a database");
    assert!(matches!(err, StoreError::SqliteOpen { .. }), "{err:?}");
    assert!(err.to_string().contains("garbage.db"), "{err}");
}

fn concurrent_first_opens_migrate_once(backend: Backend) {
    if !common::available(backend) {
        return;
    }
    let db = TestDb::empty(backend);
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                Store::open(&url, StoreOptions::default()).map(|s| s.backend())
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("thread").expect("every open succeeds");
    }
    assert!(db.open().pending_migrations().expect("pending").is_empty());
}

#[test]
fn concurrent_first_opens_migrate_once_sqlite() {
    concurrent_first_opens_migrate_once(Backend::Sqlite);
}

#[test]
fn concurrent_first_opens_migrate_once_postgres() {
    concurrent_first_opens_migrate_once(Backend::Postgres);
}
