//! The DNS resolver against real servers on 127.0.0.1 started by each test: the in-process
//! test server (well-behaved or forging answers) and a black hole that never answers.
//!
//! Timing is asserted only as coarse lower bounds (rate limiting); everything else checks
//! outcomes, attempts and counters, with generous timeouts for a loaded machine.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_dns::TokenBucket;
use dragnet_dns::{DnsErrorKind, DnsResult, DnsServer, ResolveStats, Resolver, ResolverSettings};
use dragnet_domain::{DnsRecord, DnsStatus, DnsStrategy, RecordType};
use dragnet_testkit::dns_server::{
    PARKING_NAME_SERVERS, SPF_TXT, SPOOFED_V4, TTL, expected_outcome, ipv4_for, ipv6_for,
};
use dragnet_testkit::{BlackHole, TestDnsServer, TestServerOptions};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Upper bound for any single resolve call in these tests; only hit if something hangs.
const HANG: Duration = Duration::from_secs(120);

fn settings(servers: &[SocketAddr]) -> ResolverSettings {
    let mut s = ResolverSettings::new(servers.iter().copied());
    // Generous: the machine may be loaded, and these tests are about outcomes.
    s.timeout = Duration::from_secs(2);
    s.retries = 2;
    s
}

fn v4(name: &str) -> IpAddr {
    IpAddr::V4(ipv4_for(name))
}

fn v6(name: &str) -> IpAddr {
    IpAddr::V6(ipv6_for(name))
}

/// Waits (up to a generous bound) for the black hole to have counted `n` datagrams; its task
/// may lag behind on a loaded machine.
async fn received(hole: &BlackHole, n: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while hole.received() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A little longer, to catch datagrams beyond the expected count.
    tokio::time::sleep(Duration::from_millis(50)).await;
    hole.received()
}

fn names(list: &[&str]) -> Vec<(u64, String)> {
    list.iter()
        .enumerate()
        .map(|(i, n)| (i as u64, (*n).to_owned()))
        .collect()
}

async fn resolve(
    settings: ResolverSettings,
    input: Vec<(u64, String)>,
) -> (Vec<DnsResult>, ResolveStats) {
    let resolver = Resolver::new(settings).expect("valid settings");
    let (mut results, stats) = tokio::time::timeout(
        HANG,
        resolver.resolve_batch(input, CancellationToken::new()),
    )
    .await
    .expect("resolve did not hang")
    .expect("resolve succeeded");
    results.sort_by_key(|r| r.ordinal);
    (results, stats)
}

fn assert_matches_zone(results: &[DnsResult], types: &[RecordType]) {
    for r in results {
        let expected = expected_outcome(&r.name, types);
        assert!(
            expected.matches(&r.outcome),
            "{}: got {:?}, expected {:?}",
            r.name,
            r.outcome,
            expected
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_of_every_asked_type_are_kept() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.record_types = vec![
        RecordType::A,
        RecordType::Ns,
        RecordType::Mx,
        RecordType::Txt,
        RecordType::Cname,
    ];
    let list = [
        "mail-1.zone.test",
        "parkedns-1.test",
        "ok-1.test",
        "cname-1.test",
    ];
    let (results, _) = resolve(s, names(&list)).await;
    let by_name = |n: &str| {
        &results
            .iter()
            .find(|r| r.name == n)
            .expect("result present")
            .outcome
    };
    let record = |t: RecordType, v: &str| DnsRecord {
        record_type: t,
        value: v.to_owned(),
        ttl: TTL,
    };
    let mail = by_name("mail-1.zone.test");
    assert_eq!(mail.status, DnsStatus::Resolved);
    assert_eq!(mail.addresses, vec![v4("mail-1.zone.test")]);
    assert_eq!(
        mail.records,
        vec![
            record(RecordType::Ns, "ns1.zone.test"),
            record(RecordType::Mx, "10 mx.mail-1.zone.test"),
            record(RecordType::Txt, SPF_TXT),
        ],
        "in record-type order, addresses apart"
    );
    let parked = by_name("parkedns-1.test");
    assert_eq!(
        parked.records,
        PARKING_NAME_SERVERS
            .iter()
            .map(|n| record(RecordType::Ns, n))
            .collect::<Vec<_>>()
    );
    assert!(by_name("ok-1.test").records.is_empty(), "only an A record");
    // A CNAME asked for is kept; the A behind it gives the address.
    let cname = by_name("cname-1.test");
    assert_eq!(cname.records, vec![record(RecordType::Cname, "ok-1.test")]);
    assert_eq!(cname.addresses, vec![v4("ok-1.test")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_matches_the_zone() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.retries = 1;
    let list = [
        "ok-1.test",
        "dual-1.test",
        "multi-1.test",
        "v6-1.test",
        "nx-1.test",
        "servfail-1.test",
        "refused-1.test",
        "nodata-1.test",
        "tc-1.test",
        "cname-1.test",
        "cnameout-1.test",
        "acme-login0.com.test",
        "OK-2.Example.Test.",
    ];
    let (results, stats) = resolve(s, names(&list)).await;
    assert_eq!(results.len(), list.len());
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);

    let by_name = |n: &str| {
        &results
            .iter()
            .find(|r| r.name == n)
            .expect("result present")
            .outcome
    };
    let ok = by_name("ok-1.test");
    assert_eq!(ok.status, DnsStatus::Resolved);
    assert_eq!(ok.addresses, vec![v4("ok-1.test")]);
    assert_eq!(ok.attempts, 2, "one query per record type");

    let dual = by_name("dual-1.test");
    assert_eq!(
        dual.addresses,
        vec![v4("dual-1.test"), v6("dual-1.test")],
        "A before AAAA"
    );
    assert_eq!(by_name("multi-1.test").addresses.len(), 2);
    assert_eq!(by_name("v6-1.test").addresses, vec![v6("v6-1.test")]);
    assert_eq!(by_name("nx-1.test").status, DnsStatus::NxDomain);
    assert_eq!(by_name("nodata-1.test").status, DnsStatus::NoRecords);
    assert_eq!(by_name("cnameout-1.test").status, DnsStatus::NoRecords);
    assert_eq!(by_name("cname-1.test").addresses, vec![v4("ok-1.test")]);

    let servfail = by_name("servfail-1.test");
    assert_eq!(servfail.status, DnsStatus::Error);
    assert_eq!(servfail.error, Some(DnsErrorKind::SERVFAIL));
    assert_eq!(
        servfail.attempts, 4,
        "error rcodes are retried once per type"
    );
    let refused = by_name("refused-1.test");
    assert_eq!(refused.error, Some(DnsErrorKind::REFUSED));
    assert_eq!(
        refused.error.map(|e| e.to_string()).as_deref(),
        Some("REFUSED")
    );

    let tc = by_name("tc-1.test");
    assert_eq!(tc.status, DnsStatus::Resolved);
    assert_eq!(tc.attempts, 4, "UDP then TCP, per type");
    assert_eq!(stats.truncated, 2);
    assert_eq!(stats.tcp_queries, 2);
    assert_eq!(server.tcp_queries(), 2);
    assert_eq!(stats.names, list.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rcodes_are_final_when_not_retried() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.retry_on_error_rcode = false;
    let (results, _) = resolve(s, names(&["servfail-7.test", "refused-7.test"])).await;
    for r in &results {
        assert_eq!(r.outcome.status, DnsStatus::Error);
        assert_eq!(r.outcome.attempts, 2, "{}", r.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_answers_fall_back_to_tcp() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.tcp_concurrency = 4;
    let list: Vec<String> = (0..100).map(|i| format!("tc-{i}.example.test")).collect();
    let input: Vec<(u64, String)> = list
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, n)| (i as u64, n))
        .collect();
    let (results, stats) = resolve(s, input).await;
    assert_eq!(results.len(), 100);
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    for r in &results {
        assert_eq!(r.outcome.addresses.len(), 2, "{}", r.name);
    }
    assert_eq!(stats.truncated, 200);
    assert_eq!(stats.tcp_queries, 200);
    assert_eq!(stats.tcp_failures, 0);
    assert_eq!(server.tcp_queries(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried_and_counted() {
    let hole = BlackHole::start().await.expect("black hole");
    let mut s = settings(&[hole.addr()]);
    s.timeout = Duration::from_millis(200);
    s.retries = 2;
    let (results, stats) = resolve(s.clone(), names(&["ok-1.test", "nx-2.test"])).await;
    for r in &results {
        assert_eq!(r.outcome.status, DnsStatus::Timeout, "{}", r.name);
        assert_eq!(r.outcome.attempts, 6, "3 attempts for each of A and AAAA");
        assert!(r.outcome.addresses.is_empty());
    }
    assert_eq!(stats.queries_sent, 12);
    assert_eq!(stats.retransmits, 8);
    assert_eq!(stats.timeouts, 12);

    s.record_types = vec![RecordType::A];
    s.retries = 0;
    let (results, _) = resolve(s, names(&["ok-3.test"])).await;
    assert_eq!(results[0].outcome.attempts, 1);
    assert_eq!(received(&hole, 13).await, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_names_succeed_on_retry() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.timeout = Duration::from_secs(1);
    s.record_types = vec![RecordType::A];
    let list: Vec<(u64, String)> = (0..50).map(|i| (i, format!("flaky-{i}.test"))).collect();
    let (results, stats) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A]);
    for r in &results {
        assert_eq!(r.outcome.attempts, 2, "{}", r.name);
    }
    assert_eq!(stats.retransmits, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_moves_to_the_next_server_after_a_timeout() {
    let hole = BlackHole::start().await.expect("black hole");
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[hole.addr(), server.addr()]);
    s.strategy = DnsStrategy::Failover;
    s.timeout = Duration::from_secs(1);
    s.retries = 1;
    s.record_types = vec![RecordType::A];
    let list: Vec<(u64, String)> = (0..20).map(|i| (i, format!("ok-{i}.test"))).collect();
    let (results, _) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A]);
    for r in &results {
        assert_eq!(
            r.outcome.attempts, 2,
            "primary timed out, secondary answered"
        );
    }
    assert_eq!(received(&hole, 20).await, 20);
    assert_eq!(server.udp_queries(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_primary_is_skipped_after_repeated_timeouts() {
    let hole = BlackHole::start().await.expect("black hole");
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[hole.addr(), server.addr()]);
    s.strategy = DnsStrategy::Failover;
    s.timeout = Duration::from_millis(500);
    s.retries = 1;
    s.concurrency = 8;
    s.record_types = vec![RecordType::A];
    let list: Vec<(u64, String)> = (0..300).map(|i| (i, format!("ok-{i}.test"))).collect();
    let (results, stats) = resolve(s, list).await;
    assert_eq!(results.len(), 300);
    assert_matches_zone(&results, &[RecordType::A]);
    assert!(stats.servers_marked_down >= 1);
    let direct = results.iter().filter(|r| r.outcome.attempts == 1).count();
    assert!(
        direct > 150,
        "only {direct} names went straight to the secondary"
    );
    // Everything sent to the black hole was retried on the secondary.
    let to_hole = 300 - direct as u64;
    assert_eq!(received(&hole, to_hole).await, to_hole);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_stays_on_a_healthy_primary() {
    let hole = BlackHole::start().await.expect("black hole");
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr(), hole.addr()]);
    s.strategy = DnsStrategy::Failover;
    let list: Vec<(u64, String)> = (0..200).map(|i| (i, format!("dual-{i}.test"))).collect();
    let (results, _) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    assert_eq!(hole.received(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_retries_on_the_other_server() {
    let hole = BlackHole::start().await.expect("black hole");
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[hole.addr(), server.addr()]);
    s.strategy = DnsStrategy::RoundRobin;
    s.timeout = Duration::from_secs(1);
    s.retries = 1;
    s.record_types = vec![RecordType::A];
    let list: Vec<(u64, String)> = (0..40).map(|i| (i, format!("ok-{i}.test"))).collect();
    let (results, _) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A]);
    let retried = results.iter().filter(|r| r.outcome.attempts == 2).count() as u64;
    assert!(
        retried > 0 && retried < 40,
        "first attempts alternate: {retried}"
    );
    assert_eq!(received(&hole, retried).await, retried);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_never_picks_a_zero_weight_server() {
    let hole = BlackHole::start().await.expect("black hole");
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[]);
    s.servers = vec![
        DnsServer {
            addr: hole.addr(),
            weight: 0,
        },
        DnsServer {
            addr: server.addr(),
            weight: 3,
        },
    ];
    s.strategy = DnsStrategy::Weighted;
    let list: Vec<(u64, String)> = (0..300).map(|i| (i, format!("ok-{i}.test"))).collect();
    let (results, _) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    assert!(results.iter().all(|r| r.outcome.attempts == 2));
    assert_eq!(hole.received(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_spreads_queries_over_servers() {
    let a = TestDnsServer::start().await.expect("server a");
    let b = TestDnsServer::start().await.expect("server b");
    let mut s = settings(&[a.addr(), b.addr()]);
    s.strategy = DnsStrategy::Random;
    let list: Vec<(u64, String)> = (0..400).map(|i| (i, format!("name{i}.test"))).collect();
    let (results, _) = resolve(s, list).await;
    assert_eq!(results.len(), 400);
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    assert!(a.udp_queries() > 100, "{}", a.udp_queries());
    assert!(b.udp_queries() > 100, "{}", b.udp_queries());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoofed_and_mismatched_answers_are_ignored() {
    let server = TestDnsServer::start_with(TestServerOptions { spoof: true })
        .await
        .expect("server");
    let s = settings(&[server.addr()]);
    let list: Vec<(u64, String)> = (0..300)
        .map(|i| {
            let kind = ["ok", "dual", "v6"][i % 3];
            (i as u64, format!("{kind}-{i}.test"))
        })
        .collect();
    let (results, stats) = resolve(s, list).await;
    assert_eq!(results.len(), 300);
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    assert!(
        results
            .iter()
            .all(|r| !r.outcome.addresses.contains(&IpAddr::V4(SPOOFED_V4)))
    );
    let queries = stats.queries_sent;
    assert!(queries >= 600);
    assert_eq!(
        stats.ignored_wrong_source, queries,
        "forged from another port"
    );
    assert_eq!(
        stats.ignored_unknown_id + stats.ignored_mismatched_question,
        2 * queries,
        "wrong id and wrong question"
    );
    assert!(stats.ignored_mismatched_question >= queries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_enforced() {
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.record_types = vec![RecordType::A];
    s.rate_limit_per_second = NonZeroU32::new(100);
    let list: Vec<(u64, String)> = (0..200).map(|i| (i, format!("ok-{i}.test"))).collect();
    let started = Instant::now();
    let (results, _) = resolve(s, list).await;
    let elapsed = started.elapsed();
    assert_matches_zone(&results, &[RecordType::A]);
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rate_limiter_is_shared_by_resolvers() {
    let server = TestDnsServer::start().await.expect("server");
    let bucket = Arc::new(TokenBucket::per_second(
        NonZeroU32::new(100).expect("non-zero"),
    ));
    let mut s = settings(&[server.addr()]);
    s.record_types = vec![RecordType::A];
    let first = Resolver::new(s.clone())
        .expect("valid")
        .with_rate_limiter(Arc::clone(&bucket));
    let second = Resolver::new(s).expect("valid").with_rate_limiter(bucket);
    let batch = |offset: u64| -> Vec<(u64, String)> {
        (offset..offset + 100)
            .map(|i| (i, format!("ok-{i}.test")))
            .collect()
    };
    let started = Instant::now();
    let (a, b) = tokio::join!(
        first.resolve_batch(batch(0), CancellationToken::new()),
        second.resolve_batch(batch(100), CancellationToken::new()),
    );
    let elapsed = started.elapsed();
    assert_eq!(a.expect("first").0.len() + b.expect("second").0.len(), 200);
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_names_stream_with_bounded_concurrency() {
    const N: u64 = 20_000;
    let server = TestDnsServer::start().await.expect("server");
    let mut s = settings(&[server.addr()]);
    s.concurrency = 256;
    s.timeout = Duration::from_secs(1);
    s.retries = 5;
    let resolver = Resolver::new(s).expect("valid");
    let kinds = [
        "ok", "dual", "multi", "v6", "nx", "servfail", "refused", "nodata", "cname", "cnameout",
        "plain",
    ];
    // Small channels: the resolver must not need to buffer the stream.
    let (in_tx, in_rx) = mpsc::channel(16);
    let (out_tx, mut out_rx) = mpsc::channel::<DnsResult>(16);
    let feeder = tokio::spawn(async move {
        for i in 0..N {
            let kind = kinds[i as usize % kinds.len()];
            let name = if i % 1000 == 0 {
                format!("tc-{i}.test")
            } else {
                format!("{kind}-{i}.bulk.test")
            };
            if in_tx.send((i, name)).await.is_err() {
                break;
            }
        }
    });
    let checker = tokio::spawn(async move {
        let mut seen = vec![false; N as usize];
        let mut wrong = Vec::new();
        while let Some(r) = out_rx.recv().await {
            assert!(!seen[r.ordinal as usize], "ordinal {} twice", r.ordinal);
            seen[r.ordinal as usize] = true;
            let expected = expected_outcome(&r.name, &[RecordType::A, RecordType::Aaaa]);
            if !expected.matches(&r.outcome) {
                wrong.push((r.name, r.outcome, expected));
            }
        }
        (seen.iter().filter(|s| **s).count(), wrong)
    });
    let stats = tokio::time::timeout(
        HANG,
        resolver.resolve_stream(in_rx, out_tx, CancellationToken::new()),
    )
    .await
    .expect("no hang")
    .expect("resolve");
    feeder.await.expect("feeder");
    let (answered, wrong) = checker.await.expect("checker");
    assert_eq!(answered, N as usize);
    assert!(
        wrong.is_empty(),
        "{} wrong, e.g. {:?}",
        wrong.len(),
        wrong.first()
    );
    assert_eq!(stats.names, N);
    assert!(
        stats.peak_alive_queries <= 256,
        "{}",
        stats.peak_alive_queries
    );
    assert!(stats.tcp_queries >= 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_abandons_queries_in_flight() {
    let hole = BlackHole::start().await.expect("black hole");
    let mut s = settings(&[hole.addr()]);
    s.timeout = Duration::from_secs(30);
    let resolver = Resolver::new(s).expect("valid");
    let (in_tx, in_rx) = mpsc::channel(16);
    let (out_tx, mut out_rx) = mpsc::channel::<DnsResult>(16);
    let cancel = CancellationToken::new();
    // An endless input: cancellation, not exhaustion, must end the call.
    let feeder = tokio::spawn(async move {
        let mut i = 0u64;
        while in_tx.send((i, format!("ok-{i}.test"))).await.is_ok() {
            i += 1;
        }
    });
    let stopper = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            cancel.cancel();
        })
    };
    let started = Instant::now();
    let stats = tokio::time::timeout(
        Duration::from_secs(20),
        resolver.resolve_stream(in_rx, out_tx, cancel),
    )
    .await
    .expect("returned promptly after cancellation")
    .expect("resolve");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(stats.cancelled);
    assert_eq!(stats.names, 0);
    assert!(
        out_rx.recv().await.is_none(),
        "no result for abandoned names"
    );
    stopper.await.expect("stopper");
    feeder.await.expect("feeder ends once the input is dropped");
    assert!(hole.received() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_names_get_an_error_without_a_query() {
    let server = TestDnsServer::start().await.expect("server");
    let s = settings(&[server.addr()]);
    let long = format!("{}.test", "a".repeat(64));
    let (results, stats) = resolve(s, names(&["", &long, "ok-1.test"])).await;
    assert_eq!(results[0].outcome.error, Some(DnsErrorKind::InvalidName));
    assert_eq!(results[1].outcome.error, Some(DnsErrorKind::InvalidName));
    assert_eq!(results[0].outcome.attempts, 0);
    assert_eq!(results[2].outcome.status, DnsStatus::Resolved);
    assert_eq!(stats.queries_sent, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_stack_sockets_reach_ipv4_servers() {
    let server = TestDnsServer::start().await.expect("server");
    // An IPv6 server in the list makes the resolver open dual-stack sockets; under failover
    // the healthy IPv4 primary answers everything through its v4-mapped address.
    let v6: SocketAddr = "[::1]:9".parse().expect("addr");
    let mut s = settings(&[server.addr(), v6]);
    s.strategy = DnsStrategy::Failover;
    let list: Vec<(u64, String)> = (0..50).map(|i| (i, format!("dual-{i}.test"))).collect();
    let (results, stats) = resolve(s, list).await;
    assert_matches_zone(&results, &[RecordType::A, RecordType::Aaaa]);
    assert_eq!(stats.ignored_wrong_source, 0);
}
