//! Content results in the store, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL: scores
//! kept apart from the results, the summary counts kept by the writes (retried chunks counted
//! once), the rescore (its math, refusals, idempotence, resuming after the process stopped
//! mid-way, failure), results written after a rescore, and the migration that moved the
//! components out of their JSON document.

mod common;

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use common::{Backend, TestDb};
use dragnet_domain::config::analysis::{RelevanceScore, RelevanceWeights, RelevanceWeightsInput};
use dragnet_domain::content::{
    ContentResult, ContentSignals, ContentSummary, PageClass, PageLanguage, RescoreRefusal,
    RescoreStatus,
};
use dragnet_domain::{Action, CampaignId, Phase, PhaseStatus};
use dragnet_store::*;

/// Domains per test campaign.
const DOMAINS: u64 = 600;

const LANGUAGES: [&str; 4] = ["de", "en", "fr", "und"];

/// A deterministic stream of numbers in `0..1` (an LCG; the tests need variety, not
/// randomness).
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn weights(kd: f64, kc: f64, th: f64, cl: f64, np: f64) -> RelevanceWeights {
    RelevanceWeights::try_from(RelevanceWeightsInput {
        keyword_density: Some(kd),
        keyword_coverage: Some(kc),
        title_hit: Some(th),
        content_length: Some(cl),
        not_parked: Some(np),
    })
    .expect("valid weights")
}

/// The result the phase would write for `ordinal`: components from `numbers`, scored with
/// the default weights as the analysis does.
fn result(ordinal: u64, numbers: &mut Numbers) -> ContentResult {
    let mut components = RelevanceScore {
        score: 0.0,
        keyword_density: numbers.next(),
        keyword_coverage: (numbers.next() * 4.0).floor() / 4.0,
        title_hit: if numbers.next() < 0.5 { 0.0 } else { 1.0 },
        content_length: numbers.next(),
        not_parked: numbers.next(),
        scoring_version: 1,
    };
    let defaults = RelevanceWeights::default();
    components.score = defaults.combine(&components);
    ContentResult {
        ordinal,
        classification: PageClass::ALL[(ordinal % 6) as usize],
        confidence: 0.8,
        evidence: Vec::new(),
        language: PageLanguage {
            code: LANGUAGES[(ordinal % 4) as usize].to_owned(),
            confidence: 0.9,
            source: dragnet_domain::content::LanguageSource::Text,
        },
        technologies: Vec::new(),
        signals: ContentSignals::default(),
        relevance_score: defaults.relevance_score(&components),
        components,
        weights_revision: 0,
        error: None,
        analysed_at: Utc
            .timestamp_millis_opt(1_700_000_000_000)
            .single()
            .expect("time"),
    }
}

/// A campaign of [`DOMAINS`] imported names, moved to `content_analysis`, running.
fn analysing_campaign(store: &Store, name: &str) -> CampaignId {
    let id = store
        .create_campaign(&NewCampaign {
            name: name.to_owned(),
            initial_phase: Phase::DnsValidation,
            launch_sequence: false,
            configurations: BTreeMap::new(),
        })
        .expect("create")
        .id;
    store
        .insert_domains(id, (0..DOMAINS).map(|i| format!("d{i}.example")))
        .expect("domains");
    for action in [
        Action::Start,
        Action::Complete,
        Action::Advance {
            target_phase: Phase::HttpKeywordValidation,
        },
        Action::Start,
        Action::Complete,
        Action::Advance {
            target_phase: Phase::ContentAnalysis,
        },
        Action::Start,
    ] {
        store
            .apply_action(id, &Change::new(action))
            .unwrap_or_else(|e| panic!("{action:?}: {e}"));
    }
    id
}

fn act(store: &Store, id: CampaignId, action: Action) {
    store
        .apply_action(id, &Change::new(action))
        .unwrap_or_else(|e| panic!("{action:?}: {e}"));
}

/// Every content result of the campaign, by ordinal.
fn all_results(store: &Store, id: CampaignId) -> BTreeMap<u64, ContentResult> {
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .list_domains(id, &DomainFilter::default(), after, MAX_DOMAIN_PAGE)
            .expect("page");
        for d in &page.items {
            if let Some(c) = &d.content {
                out.insert(d.ordinal, c.clone());
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

/// The counts a summary should hold, computed from the results themselves.
fn counted(results: &BTreeMap<u64, ContentResult>) -> ContentSummary {
    let mut summary = ContentSummary::empty();
    for r in results.values() {
        *summary
            .by_classification
            .get_mut(&r.classification)
            .expect("every class") += 1;
        *summary
            .by_language
            .entry(r.language.code.clone())
            .or_default() += 1;
    }
    summary
}

/// Checks that every result's score is `100 × Σ weight × component` with `weights` (to the
/// three decimals scores are kept to), that `components.score` is the score / 100, and that
/// every result has `revision`.
fn assert_scored(
    results: &BTreeMap<u64, ContentResult>,
    weights: &RelevanceWeights,
    revision: u64,
) {
    for (ordinal, r) in results {
        let expected = 100.0 * weights.combine(&r.components);
        assert!(
            (r.relevance_score - expected).abs() <= 0.0005 + 1e-9,
            "ordinal {ordinal}: score {} but 100 × Σ w × c = {expected}",
            r.relevance_score
        );
        assert_eq!(
            r.relevance_score,
            weights.relevance_score(&r.components),
            "ordinal {ordinal}: the store and the domain crate agree to the last bit"
        );
        assert!(
            (r.components.score * 100.0 - r.relevance_score).abs() < 1e-9,
            "ordinal {ordinal}: {r:?}"
        );
        assert_eq!(r.weights_revision, revision, "ordinal {ordinal}");
    }
}

/// The analysed domains in score order, through every keyset page of `limit`.
fn score_order(store: &Store, id: CampaignId, limit: usize) -> Vec<(f64, u64)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_domains_by_score(id, &DomainFilter::default(), after, limit)
            .expect("score page");
        out.extend(page.items.iter().map(|d| {
            (
                d.content.as_ref().expect("analysed").relevance_score,
                d.ordinal,
            )
        }));
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

both!(writes_keep_scores_and_summary_counts, |_db, store| {
    let id = analysing_campaign(&store, "summary");
    let mut numbers = Numbers(7);
    let batch: Vec<ContentResult> = (0..300).map(|o| result(o, &mut numbers)).collect();
    let report = store
        .write_content_results(id, &batch, None)
        .expect("write");
    assert_eq!(report.inserted, 300);
    // A retried chunk (the same results again) and an overlapping one: each domain counts
    // once, in the phase counters and in the summary.
    let report = store
        .write_content_results(id, &batch[200..], None)
        .expect("retry");
    assert_eq!((report.inserted, report.already_present), (0, 100));
    let mut numbers = Numbers(99);
    let overlapping: Vec<ContentResult> = (250..DOMAINS).map(|o| result(o, &mut numbers)).collect();
    let report = store
        .write_content_results(id, &overlapping, None)
        .expect("overlap");
    assert_eq!(report.inserted, DOMAINS - 300);

    let results = all_results(&store, id);
    assert_eq!(results.len() as u64, DOMAINS);
    // What the first write of each ordinal said is what is kept.
    for r in &batch {
        let stored = &results[&r.ordinal];
        assert_eq!(stored.relevance_score, r.relevance_score);
        assert_eq!(
            stored.components.keyword_density,
            r.components.keyword_density
        );
        assert_eq!(stored.classification, r.classification);
        assert_eq!(stored.weights_revision, 0);
    }
    assert_scored(&results, &RelevanceWeights::default(), 0);
    let one = store.content_result(id, 5).expect("read").expect("has one");
    assert_eq!(&one, &results[&5]);

    let summary = store.content_summary(id).expect("summary");
    assert_eq!(summary, counted(&results));
    assert_eq!(summary.by_classification[&PageClass::Active], DOMAINS / 6);
    assert_eq!(summary.by_language["und"], DOMAINS / 4);
    assert_eq!(summary.by_classification.values().sum::<u64>(), DOMAINS);
    let phase = store
        .get_campaign(id)
        .expect("get")
        .phase(Phase::ContentAnalysis)
        .expect("phase")
        .clone();
    assert_eq!(phase.processed, DOMAINS);

    // Another campaign's counts are its own; an unknown campaign's summary is empty.
    let other = analysing_campaign(&store, "other");
    assert_eq!(
        store.content_summary(other).expect("summary"),
        ContentSummary::empty()
    );
    assert_eq!(
        store.content_summary(CampaignId(999_999)).expect("summary"),
        ContentSummary::empty()
    );

    // Deleting the campaign removes its scores and counts with its results.
    store.delete_campaign(id).expect("delete");
    assert_eq!(
        store.content_summary(id).expect("summary"),
        ContentSummary::empty()
    );
});

both!(rescore_recomputes_resumes_and_refuses, |db, store| {
    let id = analysing_campaign(&store, "rescore");
    let mut numbers = Numbers(42);
    let results: Vec<ContentResult> = (0..DOMAINS).map(|o| result(o, &mut numbers)).collect();
    for chunk in results.chunks(100) {
        store.write_content_results(id, chunk, None).expect("write");
    }
    let before = all_results(&store, id);
    let summary = store.content_summary(id).expect("summary");
    let new_weights = weights(0.0, 0.1, 0.6, 0.0, 0.3);
    let config = serde_json::json!({"scoringVersion": 1, "weights": new_weights,
        "keywordDensityTarget": 5.0, "contentLengthTarget": 2000, "parkedThreshold": 0.7,
        "detectLanguage": true, "detectTechnologies": true});
    let version = |store: &Store| store.get_campaign(id).expect("get").version;

    // Refused while the phase may still write results: running, then paused.
    let refusal =
        |store: &Store| match store.begin_rescore(id, &new_weights, 1, &config, version(store)) {
            Err(StoreError::RescoreRefused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        };
    assert_eq!(
        refusal(&store),
        RescoreRefusal::PhaseActive {
            status: PhaseStatus::Running
        }
    );
    act(&store, id, Action::Pause);
    assert_eq!(
        refusal(&store),
        RescoreRefusal::PhaseActive {
            status: PhaseStatus::Paused
        }
    );
    act(&store, id, Action::Resume);
    act(&store, id, Action::Complete);
    // A campaign without results, and one that does not exist.
    let empty = analysing_campaign(&store, "empty");
    act(&store, empty, Action::Complete);
    let v = store.get_campaign(empty).expect("get").version;
    assert!(matches!(
        store.begin_rescore(empty, &new_weights, 1, &config, v),
        Err(StoreError::RescoreRefused(RescoreRefusal::NoResults))
    ));
    assert!(matches!(
        store.begin_rescore(CampaignId(999_999), &new_weights, 1, &config, 0),
        Err(StoreError::CampaignNotFound(_))
    ));
    // A stale version is a conflict.
    let v = version(&store);
    assert!(matches!(
        store.begin_rescore(id, &new_weights, 1, &config, v - 1),
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.rescore_state(id).expect("state").is_none());

    // Begin: recorded as running, the configuration and version updated, nothing rescored.
    let begun = store
        .begin_rescore(id, &new_weights, 1, &config, v)
        .expect("begin");
    assert_eq!(begun.revision, 1);
    assert_eq!(begun.state, RescoreStatus::Running);
    assert_eq!(begun.total_items, DOMAINS);
    assert_eq!(begun.processed_items, 0);
    assert_eq!(begun.weights, new_weights);
    assert_eq!(begun.scoring_version, 1);
    assert!(begun.rescored_at.is_none());
    let campaign = store.get_campaign(id).expect("get");
    assert_eq!(campaign.version, v + 1);
    assert_eq!(
        campaign
            .phase(Phase::ContentAnalysis)
            .and_then(|p| p.configuration.clone()),
        Some(config.clone())
    );
    assert_eq!(store.rescore_state(id).expect("state"), Some(begun.clone()));
    assert_eq!(store.running_rescores().expect("running"), [(id, 1)]);
    assert_eq!(
        refusal(&store),
        RescoreRefusal::AlreadyRunning { revision: 1 }
    );

    // One chunk, then the process "dies": the chunk's rows are rescored, the others not.
    let state = store.rescore_chunk(id, 1, 250).expect("chunk");
    assert_eq!(state.state, RescoreStatus::Running);
    assert_eq!(state.processed_items, 250);
    drop(store);
    let store = db.open();
    let mid = all_results(&store, id);
    for (ordinal, r) in &mid {
        let expected = if *ordinal < 250 { 1 } else { 0 };
        assert_eq!(r.weights_revision, expected, "ordinal {ordinal}");
    }
    // The restarted process finds it unfinished and completes it.
    assert_eq!(store.running_rescores().expect("running"), [(id, 1)]);
    let mut state = state;
    let mut chunks = 0;
    while state.state == RescoreStatus::Running {
        state = store.rescore_chunk(id, 1, 100).expect("chunk");
        chunks += 1;
    }
    assert_eq!(chunks, 4, "350 ordinals left in chunks of 100");
    assert_eq!(state.state, RescoreStatus::Completed);
    assert_eq!(state.processed_items, DOMAINS);
    assert!(state.rescored_at.is_some());
    assert!(store.running_rescores().expect("running").is_empty());

    let after = all_results(&store, id);
    assert_eq!(after.len(), before.len());
    assert_scored(&after, &new_weights, 1);
    for (ordinal, r) in &after {
        // Only the score moved: the components and everything else are as analysed.
        let old = &before[ordinal];
        assert_eq!(r.components.keyword_density, old.components.keyword_density);
        assert_eq!(r.components.not_parked, old.components.not_parked);
        assert_eq!(r.classification, old.classification);
    }
    assert!(
        after
            .iter()
            .any(|(o, r)| r.relevance_score != before[o].relevance_score),
        "the new weights change scores"
    );
    // Score order follows the new scores, in keyset pages.
    let order = score_order(&store, id, 37);
    let mut expected: Vec<(f64, u64)> =
        after.iter().map(|(o, r)| (r.relevance_score, *o)).collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(order, expected);
    // The summary is not the rescore's business.
    assert_eq!(store.content_summary(id).expect("summary"), summary);

    // Idempotent: another chunk call changes nothing; the same weights again give the same
    // scores under the next revision.
    assert_eq!(store.rescore_chunk(id, 1, 100).expect("again"), state);
    let again = store
        .begin_rescore(id, &new_weights, 1, &config, version(&store))
        .expect("begin again");
    assert_eq!(again.revision, 2);
    let mut s = again;
    while s.state == RescoreStatus::Running {
        s = store.rescore_chunk(id, 2, RESCORE_CHUNK).expect("chunk");
    }
    assert_eq!(s.processed_items, DOMAINS);
    let twice = all_results(&store, id);
    for (ordinal, r) in &twice {
        assert_eq!(r.relevance_score, after[ordinal].relevance_score);
        assert_eq!(r.weights_revision, 2);
    }
    // A stale revision does nothing.
    assert_eq!(store.rescore_chunk(id, 1, 100).expect("stale"), s);

    // A failed rescore is recorded, not silent: its rows are mixed until the next one.
    let third = weights(1.0, 0.0, 0.0, 0.0, 0.0);
    let begun = store
        .begin_rescore(id, &third, 1, &config, version(&store))
        .expect("begin third");
    store.rescore_chunk(id, begun.revision, 100).expect("chunk");
    store
        .fail_rescore(id, begun.revision, "disk full")
        .expect("fail");
    let failed = store.rescore_state(id).expect("state").expect("some");
    assert_eq!(failed.state, RescoreStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("disk full"));
    assert_eq!(failed.processed_items, 100);
    assert!(store.running_rescores().expect("running").is_empty());
    let fourth = store
        .begin_rescore(id, &third, 1, &config, version(&store))
        .expect("begin fourth");
    assert_eq!(fourth.revision, 4);
    let mut s = fourth;
    while s.state == RescoreStatus::Running {
        s = store.rescore_chunk(id, 4, 1_000).expect("chunk");
    }
    assert_scored(&all_results(&store, id), &third, 4);
});

both!(
    results_written_after_a_rescore_get_its_weights,
    |_db, store| {
        let id = analysing_campaign(&store, "late writes");
        let mut numbers = Numbers(3);
        let first: Vec<ContentResult> = (0..300).map(|o| result(o, &mut numbers)).collect();
        store
            .write_content_results(id, &first, None)
            .expect("write");
        // Cancelled half-way; rescored while failed; then retried: the rest of the results are
        // written by an analysis that (in a race) may still have used the old weights.
        act(&store, id, Action::Cancel);
        let new_weights = weights(0.2, 0.2, 0.2, 0.2, 0.2);
        let config = serde_json::json!({"weights": new_weights});
        let v = store.get_campaign(id).expect("get").version;
        let mut s = store
            .begin_rescore(id, &new_weights, 1, &config, v)
            .expect("begin");
        assert_eq!(s.total_items, 300);
        while s.state == RescoreStatus::Running {
            s = store.rescore_chunk(id, 1, 64).expect("chunk");
        }
        act(&store, id, Action::Retry);
        let rest: Vec<ContentResult> = (300..DOMAINS).map(|o| result(o, &mut numbers)).collect();
        store
            .write_content_results(id, &rest, None)
            .expect("write rest");
        let results = all_results(&store, id);
        assert_eq!(results.len() as u64, DOMAINS);
        assert_scored(&results, &new_weights, 1);
        assert_eq!(
            store.content_summary(id).expect("summary"),
            counted(&results)
        );
    }
);

/// The version diesel records for a migration directory (`2026-11-29-000001_initial` →
/// `20261129000001`).
fn migration_version(dir: &str) -> String {
    dir.split('_').next().unwrap_or_default().replace('-', "")
}

fn migration_moves_components_and_counts_existing_results(backend: Backend) {
    if !common::available(backend) {
        return;
    }
    let db = TestDb::empty(backend);
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(folder);
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    // Apply the migrations up to the content results as they first were, as diesel would.
    let mut sql = String::from(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
    );
    for dir in dirs
        .iter()
        .take_while(|d| d.as_str() <= "2026-12-07-000004_content")
    {
        sql.push_str(&std::fs::read_to_string(root.join(dir).join("up.sql")).expect("up.sql"));
        sql.push_str(&format!(
            "\nINSERT INTO __diesel_schema_migrations (version) VALUES ('{}');\n",
            migration_version(dir)
        ));
    }
    let signals = r#"{"visibleChars":10,"words":2,"internalLinks":0,"externalLinks":0,"hasContactLink":false,"keywordDensity":0.0,"keywordCoverage":0.0,"titleHit":false}"#;
    sql.push_str(
        &"INSERT INTO campaigns (id, name, current_phase, launch_sequence, created_at, \
         updated_at, version) VALUES (1, 'old', 3, FALSE, 0, 0, 0);
         INSERT INTO domains (campaign_id, ordinal, name) VALUES (1, 0, 'a.example'), \
         (1, 1, 'b.example'), (1, 2, 'c.example');
         INSERT INTO content_results (campaign_id, ordinal, classification, confidence, \
         language, language_confidence, signals, components, score, scoring_version, analysed_at) \
         VALUES (1, 0, 0, 0.9, 'de', 0.9, 'SIGNALS', '{\"score\":0.575,\"keywordDensity\":0.5,\
         \"keywordCoverage\":1.0,\"titleHit\":1.0,\"contentLength\":0.25,\"notParked\":0.0,\
         \"scoringVersion\":1}', 57.5, 1, 0), \
         (1, 1, 1, 0.8, 'und', 0.0, 'SIGNALS', '{\"score\":0.0,\"keywordDensity\":0.0,\
         \"keywordCoverage\":0.0,\"titleHit\":0.0,\"contentLength\":0.0,\"notParked\":0.0,\
         \"scoringVersion\":1}', 0.0, 1, 0), \
         (1, 2, 0, 0.7, 'de', 0.9, 'SIGNALS', '{}', 20.0, 1, 0);"
            .replace("SIGNALS", signals),
    );
    db.execute(&sql);
    let store = db.open();
    assert!(store.pending_migrations().expect("pending").is_empty());
    let results = all_results(&store, CampaignId(1));
    let first = &results[&0];
    assert_eq!(first.relevance_score, 57.5);
    assert_eq!(first.components.keyword_density, 0.5);
    assert_eq!(first.components.keyword_coverage, 1.0);
    assert_eq!(first.components.title_hit, 1.0);
    assert_eq!(first.components.content_length, 0.25);
    assert_eq!(first.components.not_parked, 0.0);
    assert_eq!(first.components.score, 0.575);
    assert_eq!(first.weights_revision, 0);
    // A result without components (an empty document) reads as all zero.
    assert_eq!(results[&2].components.keyword_density, 0.0);
    assert_eq!(results[&2].relevance_score, 20.0);
    let summary = store.content_summary(CampaignId(1)).expect("summary");
    assert_eq!(summary, counted(&results));
    assert_eq!(summary.by_classification[&PageClass::Active], 2);
    assert_eq!(summary.by_language["de"], 2);
    // Score order is served by the new index.
    assert_eq!(
        score_order(&store, CampaignId(1), 2)
            .iter()
            .map(|(_, o)| *o)
            .collect::<Vec<_>>(),
        [0, 2, 1]
    );
}

#[test]
fn migration_moves_components_and_counts_existing_results_sqlite() {
    migration_moves_components_and_counts_existing_results(Backend::Sqlite);
}

#[test]
fn migration_moves_components_and_counts_existing_results_postgres() {
    migration_moves_components_and_counts_existing_results(Backend::Postgres);
}
