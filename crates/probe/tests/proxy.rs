//! Proxies end to end on 127.0.0.1: tunnels through the in-process HTTP CONNECT, HTTPS and
//! SOCKS5 proxies (with and without credentials) to a target the test starts, the errors of
//! broken proxies, the pool's rotation and benching, and `check_proxy` with the SSRF guard.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dragnet_domain::{ProxyProtocol, ProxyRotation};
use dragnet_probe::guard::{AddressGuard, IpNetwork};
use dragnet_probe::proxy::{
    BenchPolicy, ProxyEndpoint, ProxyError, ProxyPool, ProxyStage, check_proxy, connect_through,
    proxy_totals,
};
use dragnet_testkit::proxy_server::{
    AfterScript, FixedResponseTarget, ProxyServerOptions, ScriptedServer, TestProxyServer,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(5);

fn credentials(username: &str, password: &str) -> ProxyServerOptions {
    ProxyServerOptions {
        credentials: Some((username.to_owned(), password.to_owned())),
        ..ProxyServerOptions::default()
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    listener.local_addr().expect("address")
}

/// Sends a request through the tunnel and returns the whole response.
async fn fetch(mut tunnel: dragnet_probe::BoxIo) -> String {
    tunnel
        .write_all(b"GET / HTTP/1.1\r\nHost: target.test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write through the tunnel");
    let mut response = Vec::new();
    tokio::time::timeout(TIMEOUT, tunnel.read_to_end(&mut response))
        .await
        .expect("the target answers in time")
        .expect("read through the tunnel");
    String::from_utf8(response).expect("utf-8 response")
}

fn assert_fetched(response: &str) {
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with(FixedResponseTarget::BODY), "{response}");
}

/// Waits until `count()` reaches `expected` (servers count in their own tasks).
async fn eventually(expected: u64, count: impl Fn() -> u64) {
    for _ in 0..200 {
        if count() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(count(), expected);
}

#[tokio::test]
async fn connect_proxy_without_credentials_tunnels_to_the_target() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::connect_proxy(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let tunnel = connect_through(&proxy.endpoint(), target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    assert_fetched(&fetch(tunnel).await);
    assert_eq!(proxy.targets(), vec![target.addr().to_string()]);
    assert_eq!(proxy.tunnels(), 1);
    assert_eq!(target.connections(), 1);
}

#[tokio::test]
async fn connect_proxy_with_credentials_tunnels_and_rejects_a_wrong_password() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::connect_proxy(credentials("alice", "s3cret:with colon"))
        .await
        .expect("proxy");
    let tunnel = connect_through(&proxy.endpoint(), target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    assert_fetched(&fetch(tunnel).await);
    assert_eq!(proxy.auth_failures(), 0);

    let wrong = proxy
        .endpoint()
        .with_credentials("alice", "wrong-password")
        .with_label("proxy-7");
    let err = connect_through(&wrong, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("wrong password");
    assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
    assert!(err.is_proxy_fault());
    let message = err.to_string();
    assert!(message.starts_with("proxy proxy-7: "), "{message}");
    assert!(message.contains("407"), "{message}");
    assert!(!message.contains("wrong-password"), "{message}");

    let anonymous = ProxyEndpoint::new(ProxyProtocol::Http, "127.0.0.1", proxy.addr().port());
    let err = connect_through(&anonymous, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("no credentials");
    assert!(matches!(err, ProxyError::AuthRequired { .. }), "{err}");

    assert_eq!(proxy.auth_failures(), 2);
    assert_eq!(proxy.tunnels(), 1);
    assert_eq!(target.connections(), 1);
}

#[tokio::test]
async fn connect_proxy_refused_target_is_not_a_proxy_fault() {
    let proxy = TestProxyServer::connect_proxy(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let closed = closed_port().await;
    let err = connect_through(&proxy.endpoint(), closed, TIMEOUT)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(&err, ProxyError::Refused { target, target_fault: true, .. } if *target == closed),
        "{err}"
    );
    assert!(!err.is_proxy_fault());
    assert!(err.to_string().contains("HTTP 502 Bad Gateway"), "{err}");
    assert_eq!(proxy.targets(), vec![closed.to_string()]);
}

#[tokio::test]
async fn connect_proxy_bytes_right_after_the_200_reach_the_caller() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::connect_proxy(ProxyServerOptions {
        early_data: Some(b"BANNER\r\n".to_vec()),
        ..ProxyServerOptions::default()
    })
    .await
    .expect("proxy");
    let tunnel = connect_through(&proxy.endpoint(), target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    let response = fetch(tunnel).await;
    let rest = response.strip_prefix("BANNER\r\n").expect("banner first");
    assert_fetched(rest);
}

#[tokio::test]
async fn socks5_without_credentials_tunnels_to_the_target() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::socks5(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let tunnel = connect_through(&proxy.endpoint(), target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    assert_fetched(&fetch(tunnel).await);
    assert_eq!(proxy.targets(), vec![target.addr().to_string()]);
    assert_eq!(proxy.tunnels(), 1);
}

#[tokio::test]
async fn socks5_with_credentials_tunnels_and_rejects_a_wrong_password() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::socks5(credentials("bob", "pa55"))
        .await
        .expect("proxy");
    let tunnel = connect_through(&proxy.endpoint(), target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    assert_fetched(&fetch(tunnel).await);

    let wrong = proxy.endpoint().with_credentials("bob", "nope-nope");
    let err = connect_through(&wrong, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("wrong password");
    assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
    assert!(err.is_proxy_fault());
    assert!(!err.to_string().contains("nope-nope"), "{err}");

    let anonymous = ProxyEndpoint::new(ProxyProtocol::Socks5, "127.0.0.1", proxy.addr().port());
    let err = connect_through(&anonymous, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("no credentials");
    assert!(matches!(err, ProxyError::AuthRequired { .. }), "{err}");

    assert_eq!(proxy.auth_failures(), 2);
    assert_eq!(proxy.tunnels(), 1);
    // Only the authenticated client got as far as naming a target.
    assert_eq!(proxy.targets().len(), 1);
}

#[tokio::test]
async fn socks5_refused_target_is_reply_5_and_not_a_proxy_fault() {
    let proxy = TestProxyServer::socks5(credentials("bob", "pa55"))
        .await
        .expect("proxy");
    let closed = closed_port().await;
    let err = connect_through(&proxy.endpoint(), closed, TIMEOUT)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(
            &err,
            ProxyError::Refused {
                target_fault: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_proxy_fault());
    assert!(
        err.to_string().ends_with(&format!(
            "refused the tunnel to {closed}: SOCKS5 reply 5 (connection refused)"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn https_proxy_needs_a_valid_certificate_unless_told_otherwise() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::connect_proxy(ProxyServerOptions {
        tls: true,
        ..credentials("carol", "tls-pass")
    })
    .await
    .expect("proxy");
    assert!(proxy.certificate().is_some());
    let endpoint = proxy.endpoint();
    assert_eq!(endpoint.protocol, ProxyProtocol::Https);

    // Self-signed: verification against the webpki roots fails, before any CONNECT.
    let err = connect_through(&endpoint, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("untrusted certificate");
    assert!(matches!(err, ProxyError::Tls { .. }), "{err}");
    assert!(err.is_proxy_fault());
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(proxy.targets().is_empty());

    let trusting = endpoint.with_accept_invalid_certificates(true);
    let tunnel = connect_through(&trusting, target.addr(), TIMEOUT)
        .await
        .expect("tunnel");
    assert_fetched(&fetch(tunnel).await);
    assert_eq!(proxy.tunnels(), 1);

    // Credentials travel inside the TLS connection, and are checked there.
    let wrong = trusting.with_credentials("carol", "other");
    let err = connect_through(&wrong, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("wrong password");
    assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
}

#[tokio::test]
async fn https_proxy_that_does_not_speak_tls_is_a_tls_error() {
    let target = FixedResponseTarget::start().await.expect("target");
    // A plain HTTP server answers the ClientHello with a 400.
    let plain = ScriptedServer::start(
        vec![b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec()],
        AfterScript::Close,
    )
    .await
    .expect("scripted server");
    let endpoint = ProxyEndpoint::new(ProxyProtocol::Https, "127.0.0.1", plain.addr().port())
        .with_accept_invalid_certificates(true);
    let err = connect_through(&endpoint, target.addr(), TIMEOUT)
        .await
        .err()
        .expect("not TLS");
    assert!(matches!(err, ProxyError::Tls { .. }), "{err}");
    assert!(err.is_proxy_fault());
    assert_eq!(target.connections(), 0);
}

#[tokio::test]
async fn garbage_and_silence_from_a_proxy_are_clean_errors() {
    let target: SocketAddr = "127.0.0.1:9".parse().expect("literal");
    let cases: Vec<(ProxyProtocol, Vec<Vec<u8>>, &str)> = vec![
        (
            ProxyProtocol::Http,
            vec![b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()],
            "not an HTTP/1.x status line",
        ),
        (
            ProxyProtocol::Http,
            vec![vec![b'x'; 20_000]],
            "exceeds 8192 bytes",
        ),
        (
            ProxyProtocol::Http,
            vec![b"HTTP/1.1 200 OK\r\nX: y".to_vec()],
            "in the middle of its response head",
        ),
        (
            ProxyProtocol::Socks5,
            vec![b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()],
            "not a SOCKS5 proxy",
        ),
        (
            ProxyProtocol::Socks5,
            vec![vec![5, 0], vec![5, 0, 0, 9]],
            "unknown address type 9",
        ),
        (
            ProxyProtocol::Socks5,
            vec![vec![5, 0], vec![5, 0, 0, 1, 127]],
            "closed the connection",
        ),
        (
            ProxyProtocol::Socks5,
            vec![vec![5, 0], vec![7, 0, 0, 1, 0, 0, 0, 0, 0, 0]],
            "version 7",
        ),
    ];
    for (protocol, replies, expected) in cases {
        let server = ScriptedServer::start(replies, AfterScript::Close)
            .await
            .expect("scripted server");
        let endpoint = ProxyEndpoint::new(protocol, "127.0.0.1", server.addr().port());
        let err = connect_through(&endpoint, target, TIMEOUT)
            .await
            .err()
            .expect("garbage");
        assert!(matches!(err, ProxyError::Protocol { .. }), "{err}");
        assert!(err.is_proxy_fault());
        assert!(
            err.to_string().contains(expected),
            "{expected:?} not in {err}"
        );
    }

    // A proxy that accepts and never answers: the setup deadline ends it.
    let silent = ScriptedServer::start(Vec::new(), AfterScript::Hold)
        .await
        .expect("scripted server");
    for (protocol, stage, proxy_fault) in [
        // Waiting for the CONNECT answer: maybe the proxy is still reaching the target.
        (ProxyProtocol::Http, ProxyStage::Tunnel, false),
        (ProxyProtocol::Socks5, ProxyStage::Greeting, true),
        (ProxyProtocol::Https, ProxyStage::TlsHandshake, true),
    ] {
        let endpoint = ProxyEndpoint::new(protocol, "127.0.0.1", silent.addr().port());
        let err = connect_through(&endpoint, target, Duration::from_millis(200))
            .await
            .err()
            .expect("timeout");
        assert!(
            matches!(err, ProxyError::Timeout { stage: s, limit_ms: 200, .. } if s == stage),
            "{protocol}: {err}"
        );
        assert!(err.is_timeout());
        assert_eq!(err.is_proxy_fault(), proxy_fault, "{err}");
    }
    assert_eq!(silent.connections(), 3);

    // A SOCKS5 proxy that accepts the greeting and then says nothing about the target.
    let stalled = ScriptedServer::start(vec![vec![5, 0]], AfterScript::Hold)
        .await
        .expect("scripted server");
    let endpoint = ProxyEndpoint::new(ProxyProtocol::Socks5, "127.0.0.1", stalled.addr().port());
    let err = connect_through(&endpoint, target, Duration::from_millis(200))
        .await
        .err()
        .expect("timeout");
    assert!(
        matches!(
            err,
            ProxyError::Timeout {
                stage: ProxyStage::Tunnel,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_proxy_fault());
}

#[tokio::test]
async fn unreachable_or_misconfigured_proxies_are_proxy_faults() {
    let target: SocketAddr = "127.0.0.1:9".parse().expect("literal");
    let closed = closed_port().await;
    let endpoint = ProxyEndpoint::new(ProxyProtocol::Socks5, "127.0.0.1", closed.port());
    let err = connect_through(&endpoint, target, TIMEOUT)
        .await
        .err()
        .expect("nothing listens");
    assert!(matches!(err, ProxyError::Connect { .. }), "{err}");
    assert!(err.is_proxy_fault());
    assert!(err.to_string().starts_with(&format!(
        "proxy 127.0.0.1:{}: cannot connect",
        closed.port()
    )));

    let proxy = TestProxyServer::socks5(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let too_long = proxy.endpoint().with_credentials("u".repeat(300), "p");
    let err = connect_through(&too_long, target, TIMEOUT)
        .await
        .err()
        .expect("username too long");
    assert!(matches!(err, ProxyError::Config { .. }), "{err}");
    assert!(err.is_proxy_fault());
    // Checked before connecting: the proxy never sees a connection.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(proxy.connections(), 0);
}

fn pool_of(n: u16, rotation: ProxyRotation, bench: BenchPolicy) -> ProxyPool {
    let proxies = (0..n)
        .map(|i| {
            ProxyEndpoint::new(ProxyProtocol::Http, "127.0.0.1", 3000 + i)
                .with_label(format!("p{i}"))
        })
        .collect();
    ProxyPool::new(proxies, rotation, bench)
}

fn picks(pool: &ProxyPool, n: usize) -> Vec<usize> {
    (0..n)
        .map(|_| pool.pick().expect("a proxy in rotation").index())
        .collect()
}

#[test]
fn round_robin_hands_out_proxies_in_order() {
    let pool = pool_of(3, ProxyRotation::RoundRobin, BenchPolicy::default());
    assert_eq!(picks(&pool, 7), vec![0, 1, 2, 0, 1, 2, 0]);
    let lease = pool.pick().expect("a proxy");
    assert_eq!(lease.endpoint().label, "p1");
    assert_eq!(lease.endpoint().port, 3001);
}

#[test]
fn random_rotation_covers_every_proxy() {
    let pool = pool_of(4, ProxyRotation::Random, BenchPolicy::default());
    let mut seen = [0u32; 4];
    for index in picks(&pool, 400) {
        seen[index] += 1;
    }
    assert!(seen.iter().all(|&count| count > 0), "{seen:?}");
}

#[test]
fn process_totals_add_up_every_pool_of_a_proxy() {
    // A label no other test uses: the totals are process-wide.
    let label = "totals-test-proxy";
    let endpoint = || ProxyEndpoint::new(ProxyProtocol::Http, "127.0.0.1", 9).with_label(label);
    let bench = BenchPolicy {
        failures: 2,
        duration: Duration::from_secs(600),
    };
    let totals = || {
        proxy_totals()
            .into_iter()
            .find(|t| t.label == label)
            .expect("the proxy is in the totals")
    };
    let first = ProxyPool::new(vec![endpoint()], ProxyRotation::RoundRobin, bench);
    let lease = first.pick().expect("a proxy");
    first.report(&lease, true);
    first.report(&lease, true);
    let t = totals();
    assert_eq!((t.successes, t.failures, t.times_benched), (2, 0, 0));
    assert!(!t.benched);

    // A second pool (another phase run) with the same proxy adds to the same totals.
    let second = ProxyPool::new(vec![endpoint()], ProxyRotation::RoundRobin, bench);
    let lease = second.pick().expect("a proxy");
    second.report(&lease, false);
    second.report(&lease, false);
    let t = totals();
    assert_eq!((t.successes, t.failures, t.times_benched), (2, 2, 1));
    assert!(t.benched, "{t:?}");
    // The first pool has not benched it; its own record is its own.
    assert_eq!(first.health()[0].times_benched, 0);
    assert!(first.pick().is_some());
}

#[test]
fn empty_pool_has_nothing_to_pick() {
    let pool = pool_of(0, ProxyRotation::RoundRobin, BenchPolicy::default());
    assert!(pool.is_empty());
    assert!(pool.pick().is_none());
    assert!(pool.health().is_empty());
}

#[tokio::test(start_paused = true)]
async fn proxy_faults_bench_a_proxy_until_the_duration_has_passed() {
    let bench = BenchPolicy {
        failures: 3,
        duration: Duration::from_secs(10),
    };
    let pool = pool_of(3, ProxyRotation::RoundRobin, bench);
    let first = pool.pick().expect("p0");
    assert_eq!(first.index(), 0);

    // Two faults and a success: the success resets the streak.
    pool.report(&first, false);
    pool.report(&first, false);
    pool.report(&first, true);
    assert_eq!(pool.health()[0].consecutive_failures, 0);
    for _ in 0..3 {
        pool.report(&first, false);
    }
    let health = pool.health();
    assert_eq!(health[0].label, "p0");
    assert_eq!(health[0].failures, 5);
    assert_eq!(health[0].successes, 1);
    assert_eq!(health[0].consecutive_failures, 3);
    assert_eq!(health[0].times_benched, 1);
    assert_eq!(health[0].benched_for, Some(Duration::from_secs(10)));
    assert_eq!(health[1].benched_for, None);

    // A fault from a probe that started before the bench does not extend it.
    pool.report(&first, false);
    assert_eq!(pool.health()[0].times_benched, 1);

    assert!(picks(&pool, 20).iter().all(|&i| i != 0));
    tokio::time::advance(Duration::from_millis(9_999)).await;
    assert!(picks(&pool, 20).iter().all(|&i| i != 0));
    assert_eq!(pool.health()[0].benched_for, Some(Duration::from_millis(1)));

    // Back in rotation; one more fault (still on a streak) benches it again at once.
    tokio::time::advance(Duration::from_millis(1)).await;
    assert!(picks(&pool, 3).contains(&0));
    assert_eq!(pool.health()[0].benched_for, None);
    pool.report(&first, false);
    assert_eq!(pool.health()[0].times_benched, 2);
    assert!(picks(&pool, 6).iter().all(|&i| i != 0));

    // After the second bench a success puts it fully back.
    tokio::time::advance(Duration::from_secs(10)).await;
    pool.report(&first, true);
    pool.report(&first, false);
    assert_eq!(pool.health()[0].times_benched, 2);
    assert!(picks(&pool, 3).contains(&0));
}

#[tokio::test(start_paused = true)]
async fn all_benched_means_no_proxy_and_zero_failures_never_benches() {
    let bench = BenchPolicy {
        failures: 1,
        duration: Duration::from_secs(60),
    };
    let pool = pool_of(2, ProxyRotation::Random, bench);
    for _ in 0..2 {
        let lease = pool.pick().expect("a proxy");
        pool.report(&lease, false);
    }
    assert!(pool.pick().is_none());
    assert!(pool.health().iter().all(|h| h.benched_for.is_some()));
    tokio::time::advance(Duration::from_secs(60)).await;
    assert!(pool.pick().is_some());

    let never = pool_of(
        1,
        ProxyRotation::RoundRobin,
        BenchPolicy {
            failures: 0,
            duration: Duration::from_secs(60),
        },
    );
    let lease = never.pick().expect("p0");
    for _ in 0..100 {
        never.report(&lease, false);
    }
    assert_eq!(never.health()[0].times_benched, 0);
    assert!(never.pick().is_some());
}

#[tokio::test]
async fn real_errors_bench_broken_proxies_and_spare_ones_with_bad_targets() {
    let bench = BenchPolicy {
        failures: 2,
        duration: Duration::from_secs(60),
    };
    let good = TestProxyServer::socks5(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let dead = closed_port().await;
    let pool = ProxyPool::new(
        vec![
            good.endpoint().with_label("good"),
            ProxyEndpoint::new(ProxyProtocol::Socks5, "127.0.0.1", dead.port()).with_label("dead"),
        ],
        ProxyRotation::RoundRobin,
        bench,
    );
    // Every target is refused, so even the good proxy only ever reports target faults.
    let closed_target = closed_port().await;
    for _ in 0..6 {
        let Some(lease) = pool.pick() else {
            break;
        };
        let result = connect_through(lease.endpoint(), closed_target, TIMEOUT).await;
        let err = result.err().expect("target refused or proxy dead");
        pool.report_result(&lease, Err(&err));
    }
    let health = pool.health();
    assert_eq!(health[0].label, "good");
    assert_eq!(health[0].failures, 0);
    assert!(health[0].successes >= 3, "{health:?}");
    assert_eq!(health[0].benched_for, None);
    assert_eq!(health[1].label, "dead");
    assert_eq!(health[1].failures, 2);
    assert_eq!(health[1].times_benched, 1);
    assert!(health[1].benched_for.is_some());
    assert_eq!(pool.pick().expect("good").endpoint().label, "good");
}

#[tokio::test]
async fn check_proxy_opens_a_real_tunnel_and_measures_it() {
    let target = FixedResponseTarget::start().await.expect("target");
    let proxy = TestProxyServer::connect_proxy(credentials("dave", "pw"))
        .await
        .expect("proxy");
    let guard = AddressGuard::new(
        false,
        vec!["127.0.0.1/32".parse::<IpNetwork>().expect("cidr")],
    );
    let check = check_proxy(
        &proxy.endpoint(),
        "127.0.0.1",
        target.addr().port(),
        TIMEOUT,
        &guard,
    )
    .await
    .expect("the proxy works");
    assert_eq!(check.target, target.addr().to_string());
    assert!(check.connect_ms <= check.tunnel_ms, "{check:?}");
    assert!(check.tunnel_ms < TIMEOUT.as_millis() as u64, "{check:?}");
    assert_eq!(proxy.tunnels(), 1);
    eventually(1, || target.connections()).await;

    let socks = TestProxyServer::socks5(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let check = check_proxy(
        &socks.endpoint(),
        "[127.0.0.1]",
        target.addr().port(),
        TIMEOUT,
        &AddressGuard::new(true, Vec::new()),
    )
    .await
    .expect("the proxy works");
    assert_eq!(check.target, target.addr().to_string());
    eventually(2, || target.connections()).await;

    // A working proxy with a refused target reports the refusal, not a broken proxy.
    let closed = closed_port().await;
    let err = check_proxy(
        &socks.endpoint(),
        "127.0.0.1",
        closed.port(),
        TIMEOUT,
        &guard,
    )
    .await
    .expect_err("target refused");
    assert!(!err.is_proxy_fault(), "{err}");
}

#[tokio::test]
async fn check_proxy_refuses_guarded_targets_without_contacting_the_proxy() {
    let proxy = TestProxyServer::connect_proxy(ProxyServerOptions::default())
        .await
        .expect("proxy");
    let guard = AddressGuard::new(false, Vec::new());
    let endpoint = proxy.endpoint().with_label("stored-proxy-42");
    for (host, reason) in [
        ("127.0.0.1", "127.0.0.1 is loopback"),
        ("169.254.169.254", "169.254.169.254 is link-local"),
        ("10.0.0.1", "10.0.0.1 is private"),
        ("::1", "::1 is loopback"),
    ] {
        let err = check_proxy(&endpoint, host, 80, TIMEOUT, &guard)
            .await
            .expect_err("refused by policy");
        assert!(matches!(err, ProxyError::Blocked { .. }), "{err}");
        assert!(!err.is_proxy_fault());
        assert_eq!(
            err.to_string(),
            format!("proxy stored-proxy-42: target refused by policy: {reason}")
        );
    }
    let err = check_proxy(&endpoint, "", 80, TIMEOUT, &guard)
        .await
        .expect_err("empty host");
    assert!(matches!(err, ProxyError::Resolve { .. }), "{err}");
    assert_eq!(proxy.connections(), 0);
}

#[tokio::test]
async fn check_proxy_reports_a_broken_proxy() {
    let closed = closed_port().await;
    let target = FixedResponseTarget::start().await.expect("target");
    let endpoint = ProxyEndpoint::new(ProxyProtocol::Http, "127.0.0.1", closed.port());
    let err = check_proxy(
        &endpoint,
        "127.0.0.1",
        target.addr().port(),
        TIMEOUT,
        &AddressGuard::new(true, Vec::new()),
    )
    .await
    .expect_err("proxy down");
    assert!(matches!(err, ProxyError::Connect { .. }), "{err}");
    assert!(err.is_proxy_fault());
    assert_eq!(target.connections(), 0);
}
