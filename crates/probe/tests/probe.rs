//! The HTTP(S) prober against the in-process test server on 127.0.0.1 (HTTP and HTTPS with a
//! self-signed certificate): schemes and fallback, TLS verification, redirects and the SSRF
//! guard on every hop, timeouts, the body cap, content codings and charsets, status handling.
//!
//! Every probe targets 127.0.0.1 (or a refused address that must never be contacted); the
//! server's connection counter proves what was, and was not, sent. Timing is asserted only as
//! lower bounds, with generous timeouts for a loaded machine.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_domain::HttpStatus;
use dragnet_domain::config::http::{AcceptedStatus, Scheme};
use dragnet_probe::guard::{AddressGuard, IpNetwork};
use dragnet_probe::probe::{ProbeOutcome, ProbeSettings, Prober};
use dragnet_testkit::http_server::{Framing, Route, TestHttpServer};
use sha2::{Digest, Sha256};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Upper bound for any probe in these tests; only hit if something hangs.
const HANG: Duration = Duration::from_secs(60);

/// `<html>…<p>brotli paragraph 0</p>…<p>brotli paragraph 199</p>…` compressed by libbrotli
/// (quality 11), so the decoder is checked against the reference encoder.
const BROTLI_PAGE: &[u8] = &[
    0x1b, 0xea, 0x14, 0x00, 0x8c, 0x92, 0x13, 0x75, 0x3c, 0xc6, 0x61, 0x4a, 0x37, 0xc5, 0xf3, 0xac,
    0x59, 0x0e, 0xa8, 0xdb, 0xd8, 0xba, 0xae, 0x11, 0x8e, 0xd6, 0xab, 0x17, 0x04, 0x89, 0xc4, 0x3f,
    0xe4, 0xed, 0x7c, 0xac, 0x0f, 0x3f, 0xe2, 0x06, 0x9a, 0x60, 0x10, 0xd0, 0xf2, 0x01, 0x06, 0x96,
    0xdb, 0x18, 0xdf, 0xad, 0x0a, 0x41, 0x2b, 0xa8, 0xd6, 0x2b, 0x9a, 0xd5, 0x17, 0xd3, 0xf8, 0x4c,
    0xdf, 0xef, 0x20, 0x61, 0xdb, 0x1e, 0xd8, 0x63, 0x6f, 0x86, 0xd8, 0xb2, 0xcb, 0x75, 0x31, 0xfd,
    0x1f, 0xf5, 0x9f, 0x48, 0x02, 0x91, 0x44, 0xa6, 0x50, 0xd3, 0xd0, 0xd2, 0x1d, 0xa2, 0xfc, 0x33,
    0xc0, 0x68, 0x32, 0x5b, 0xac, 0x6d, 0x6c, 0xe9, 0x1a, 0xcb, 0x60, 0x34, 0x99, 0x2d, 0xd6, 0x36,
    0xb6, 0x74, 0x4d, 0x65, 0x30, 0x9a, 0xcc, 0x16, 0x6b, 0x1b, 0x5b, 0xba, 0xe6, 0x32, 0x18, 0x4d,
    0x66, 0x8b, 0xb5, 0x8d, 0x2d, 0x5d, 0x4b, 0x19, 0x8c, 0x26, 0xb3, 0xc5, 0xda, 0xc6, 0x96, 0xae,
    0x75, 0x19, 0x8c, 0x26, 0xb3, 0xc5, 0xda, 0xc6, 0x96, 0xae, 0x4d, 0x19, 0x8c, 0x26, 0xb3, 0xc5,
    0xda, 0xc6, 0x96, 0xae, 0x6d, 0x19, 0x8c, 0x26, 0xb3, 0xc5, 0xda, 0xc6, 0x96, 0xae, 0x5d, 0x19,
    0x8c, 0x26, 0xb3, 0xc5, 0xda, 0xc6, 0x96, 0xee, 0x23, 0xaa, 0x68, 0x04, 0x12, 0x85, 0xc6, 0x60,
    0xe3, 0xe0, 0xda, 0x45, 0x14, 0x02, 0x89, 0x42, 0x63, 0xb0, 0x71, 0x70, 0xed, 0x22, 0x0b, 0x81,
    0x44, 0xa1, 0x31, 0xd8, 0x38, 0xb8, 0x76, 0x51, 0x85, 0x40, 0xa2, 0xd0, 0x18, 0x6c, 0x1c, 0x5c,
    0xbb, 0xe8, 0x42, 0x20, 0x51, 0x68, 0x0c, 0x36, 0x0e, 0xae, 0x5d, 0x4c, 0x21, 0x90, 0x28, 0x34,
    0x06, 0x1b, 0x07, 0xd7, 0x2e, 0x76, 0x21, 0x90, 0x28, 0x34, 0x06, 0x1b, 0x07, 0xd7, 0x2e, 0x4e,
    0x21, 0x90, 0x28, 0x34, 0x06, 0x1b, 0x07, 0xd7, 0x2e, 0x6e, 0x21, 0x90, 0x28, 0x34, 0x06, 0x1b,
    0x07, 0xd7, 0x2e, 0x5e, 0x21, 0x90, 0x28, 0x34, 0x06, 0x1b, 0x07, 0x77, 0xdc, 0x7b, 0x06, 0x0d,
];
/// 8 MiB of zero bytes, brotli-compressed to 14 bytes.
const BROTLI_BOMB: &[u8] = &[
    0x9b, 0xff, 0xff, 0x7f, 0x00, 0x24, 0x00, 0xe2, 0xb1, 0x40, 0x72, 0xef, 0xff, 0x00,
];

fn brotli_page_text() -> String {
    let mut page = String::from("<html><head><title>Brotli page</title></head><body>");
    for i in 0..200 {
        page.push_str(&format!("<p>brotli paragraph {i}</p>"));
    }
    page.push_str("</body></html>");
    page
}

async fn server() -> TestHttpServer {
    TestHttpServer::start()
        .await
        .expect("the test server starts on 127.0.0.1")
}

/// Settings for the test server: both schemes on its ports, every address allowed.
fn settings(server: &TestHttpServer) -> ProbeSettings {
    ProbeSettings {
        https_port: server.https_addr().port(),
        http_port: server.http_addr().port(),
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        guard: AddressGuard::allow_all(),
        ..ProbeSettings::default()
    }
}

fn http_only(server: &TestHttpServer) -> ProbeSettings {
    ProbeSettings {
        schemes: vec![Scheme::Http],
        ..settings(server)
    }
}

async fn probe_with(settings: ProbeSettings, host: &str, addresses: &[IpAddr]) -> ProbeOutcome {
    let prober = Prober::new(settings).expect("valid settings");
    tokio::time::timeout(HANG, prober.probe(host, addresses))
        .await
        .expect("a probe never hangs")
}

fn detail(outcome: &ProbeOutcome) -> &str {
    outcome.error_detail.as_deref().unwrap_or("")
}

fn text(outcome: &ProbeOutcome) -> &str {
    outcome
        .body
        .as_ref()
        .and_then(|b| b.text.as_deref())
        .unwrap_or("")
}

/// A port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    let listener =
        std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral port");
    let port = listener.local_addr().expect("bound").port();
    drop(listener);
    port
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

#[tokio::test]
async fn http_page_is_fetched_with_the_expected_request() {
    let server = server().await;
    let page = "<html><head><title>Hello</title></head><body>Hello, world</body></html>";
    server.route("/", Route::html(page));
    let mut s = http_only(&server);
    s.headers = vec![("X-Campaign".to_owned(), "c1".to_owned())];
    s.user_agent = "DragnetTest/1.0".to_owned();
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;

    let port = server.http_addr().port();
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.error_detail, None);
    assert_eq!(outcome.status_code, Some(200));
    assert_eq!(
        outcome.final_url.as_deref(),
        Some(format!("http://a.test:{port}/").as_str())
    );
    assert_eq!(outcome.redirect_count, 0);
    assert_eq!(
        outcome.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(outcome.content_length, Some(page.len() as u64));
    let body = outcome.body.as_ref().expect("a body");
    assert_eq!(body.bytes, page.as_bytes());
    assert!(!body.truncated);
    assert_eq!(body.text.as_deref(), Some(page));
    let expected_hash: String = Sha256::digest(page.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(body.sha256, expected_hash);

    let log = server.requests_log();
    assert_eq!(log.len(), 1);
    let request = &log[0];
    assert!(!request.tls);
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/");
    let host = format!("a.test:{port}");
    assert_eq!(request.header("host"), Some(host.as_str()));
    assert_eq!(request.header("user-agent"), Some("DragnetTest/1.0"));
    assert_eq!(
        request.header("accept"),
        Some("text/html,application/xhtml+xml,*/*;q=0.8")
    );
    assert_eq!(request.header("accept-encoding"), Some("gzip, deflate, br"));
    assert_eq!(request.header("connection"), Some("close"));
    assert_eq!(request.header("x-campaign"), Some("c1"));
}

#[tokio::test]
async fn final_response_headers_are_kept_for_fingerprints() {
    let server = server().await;
    let long = "x".repeat(1000);
    server.route(
        "/",
        Route::html("<html><body>shop</body></html>")
            .header("Server", "nginx/1.25.3")
            .header("X-Powered-By", "PHP/8.2")
            .header("Set-Cookie", "PHPSESSID=secret-session-value; path=/")
            .header("Set-Cookie", "woocommerce_cart_hash=abc; path=/")
            .header("X-Long", &long),
    );
    server.route("/old", Route::redirect(301, "/"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    let get = |name: &str| -> Vec<&str> {
        outcome
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("server"), ["nginx/1.25.3"]);
    assert_eq!(get("x-powered-by"), ["PHP/8.2"]);
    // Cookie names only: their values may be secrets.
    assert_eq!(get("set-cookie"), ["PHPSESSID", "woocommerce_cart_hash"]);
    assert!(!format!("{:?}", outcome.headers).contains("secret-session-value"));
    assert_eq!(
        get("x-long")[0].len(),
        dragnet_probe::probe::MAX_KEPT_HEADER_VALUE
    );
    // Transfer-only headers are dropped.
    assert!(get("content-length").is_empty());
}

#[tokio::test]
async fn https_with_an_untrusted_certificate_is_a_tls_error() {
    let server = server().await;
    server.route("/", Route::html("secret"));
    let s = ProbeSettings {
        schemes: vec![Scheme::Https],
        ..settings(&server)
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::TlsError, "{outcome:?}");
    let port = server.https_addr().port();
    assert_eq!(
        detail(&outcome),
        format!("https://a.test:{port}/: TLS: invalid peer certificate: UnknownIssuer")
    );
    assert_eq!(outcome.status_code, None);
    assert!(outcome.body.is_none());
    assert_eq!(
        server.requests(),
        0,
        "no request goes over a rejected connection"
    );
}

#[tokio::test]
async fn https_is_fetched_when_invalid_certificates_are_accepted() {
    let server = server().await;
    server.route("/", Route::html("<p>over TLS</p>"));
    let s = ProbeSettings {
        schemes: vec![Scheme::Https],
        accept_invalid_certificates: true,
        ..settings(&server)
    };
    let outcome = probe_with(s.clone(), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(text(&outcome), "<p>over TLS</p>");
    let port = server.https_addr().port();
    assert_eq!(
        outcome.final_url.as_deref(),
        Some(format!("https://a.test:{port}/").as_str())
    );
    // An IP literal host: no SNI, still TLS.
    let outcome = probe_with(s, "127.0.0.1", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    let log = server.requests_log();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|r| r.tls));
    let host = format!("127.0.0.1:{port}");
    assert_eq!(log[1].header("host"), Some(host.as_str()));
}

#[tokio::test]
async fn refused_https_falls_back_to_http() {
    let server = server().await;
    server.route("/", Route::html("plain"));
    let https_port = closed_port();
    let s = ProbeSettings {
        https_port,
        ..settings(&server)
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(text(&outcome), "plain");
    assert_eq!(
        detail(&outcome),
        format!("https://a.test:{https_port}/: connection refused (127.0.0.1:{https_port})")
    );
    let port = server.http_addr().port();
    assert_eq!(
        outcome.final_url.as_deref(),
        Some(format!("http://a.test:{port}/").as_str())
    );
}

#[tokio::test]
async fn a_tls_failure_falls_back_to_http_and_both_errors_are_reported() {
    let server = server().await;
    server.route("/", Route::status(500).body("broken"));
    let outcome = probe_with(settings(&server), "a.test", &[LOCALHOST]).await;
    // https fails its handshake; http answers 500: the last attempt decides.
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(500));
    let (https, http) = (server.https_addr().port(), server.http_addr().port());
    assert_eq!(
        detail(&outcome),
        format!(
            "https://a.test:{https}/: TLS: invalid peer certificate: UnknownIssuer; \
             http://a.test:{http}/: status 500 is not accepted"
        )
    );
    assert_eq!(
        text(&outcome),
        "broken",
        "the body of a refused status is kept"
    );
}

#[tokio::test]
async fn nothing_listening_anywhere_is_unreachable() {
    let port = closed_port();
    let s = ProbeSettings {
        https_port: port,
        http_port: port,
        guard: AddressGuard::allow_all(),
        ..ProbeSettings::default()
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Unreachable, "{outcome:?}");
    assert_eq!(
        detail(&outcome),
        format!(
            "https://a.test:{port}/: connection refused (127.0.0.1:{port}); \
             http://a.test:{port}/: connection refused (127.0.0.1:{port})"
        )
    );
}

#[tokio::test]
async fn up_to_three_addresses_are_tried_in_order() {
    let server = server().await;
    server.route("/", Route::html("third time lucky"));
    let ip = |s: &str| -> IpAddr { s.parse().expect("valid") };
    // Nothing listens on 127.0.0.2 and 127.0.0.3: refused, next address.
    let outcome = probe_with(
        http_only(&server),
        "a.test",
        &[ip("127.0.0.2"), ip("127.0.0.3"), LOCALHOST],
    )
    .await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    // A fourth address is never tried.
    let outcome = probe_with(
        http_only(&server),
        "a.test",
        &[ip("127.0.0.2"), ip("127.0.0.3"), ip("127.0.0.4"), LOCALHOST],
    )
    .await;
    assert_eq!(outcome.status, HttpStatus::Unreachable, "{outcome:?}");
    let port = server.http_addr().port();
    assert_eq!(
        detail(&outcome),
        format!(
            "http://a.test:{port}/: connection refused (127.0.0.2:{port}), \
             connection refused (127.0.0.3:{port}), connection refused (127.0.0.4:{port})"
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_redirect_chain_is_followed_and_counted() {
    let server = server().await;
    let port = server.http_addr().port();
    server.route("/", Route::redirect(301, "/one"));
    server.route("/one", Route::redirect(302, "two?x=1#frag"));
    server.route(
        "/two",
        Route::redirect(307, &format!("http://A.TEST:{port}/final")),
    );
    server.route("/final", Route::html("arrived"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.redirect_count, 3);
    assert_eq!(
        outcome.final_url.as_deref(),
        Some(format!("http://a.test:{port}/final").as_str())
    );
    assert_eq!(text(&outcome), "arrived");
    let targets: Vec<String> = server
        .requests_log()
        .into_iter()
        .map(|r| r.target)
        .collect();
    assert_eq!(targets, ["/", "/one", "/two?x=1", "/final"]);
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn a_redirect_to_another_host_by_ip_literal_needs_no_lookup() {
    let server = server().await;
    let port = server.http_addr().port();
    server.route(
        "/",
        Route::redirect(302, &format!("http://127.0.0.1:{port}/there")),
    );
    server.route("/there", Route::html("there"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.redirect_count, 1);
    let log = server.requests_log();
    let host = format!("127.0.0.1:{port}");
    assert_eq!(log[1].header("host"), Some(host.as_str()));
}

#[tokio::test]
async fn redirect_loops_and_too_many_redirects_are_http_errors() {
    let server = server().await;
    let port = server.http_addr().port();
    server.route("/", Route::redirect(302, "/a"));
    server.route("/a", Route::redirect(302, "/b"));
    server.route("/b", Route::redirect(302, "/"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(302));
    assert_eq!(outcome.redirect_count, 2);
    assert!(
        detail(&outcome).ends_with(&format!(
            "redirect loop: http://a.test:{port}/ was already requested"
        )),
        "{outcome:?}"
    );

    server.route("/", Route::redirect(301, "/1"));
    server.route("/1", Route::redirect(301, "/2"));
    server.route("/2", Route::redirect(301, "/3"));
    server.route("/3", Route::html("too far"));
    let s = ProbeSettings {
        max_redirects: 2,
        ..http_only(&server)
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(301));
    assert_eq!(outcome.redirect_count, 2);
    assert_eq!(
        outcome.final_url.as_deref(),
        Some(format!("http://a.test:{port}/2").as_str())
    );
    assert!(
        detail(&outcome).contains("too many redirects (more than 2)"),
        "{outcome:?}"
    );

    // Only http and https targets.
    server.route("/", Route::redirect(302, "ftp://a.test/file"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert!(
        detail(&outcome).contains("redirect to an unsupported scheme: ftp://a.test/file"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn redirects_to_refused_addresses_are_blocked_before_any_packet() {
    for (target, reason) in [
        ("http://10.0.0.1/", "10.0.0.1 is private"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is link-local",
        ),
        ("http://[fd00::1]/", "fd00::1 is unique local (private)"),
        ("https://[::1]:9/", "::1 is loopback"),
    ] {
        let server = server().await;
        server.route("/", Route::redirect(302, target));
        let guard = AddressGuard::new(
            false,
            vec!["127.0.0.1/32".parse::<IpNetwork>().expect("valid network")],
        );
        let s = ProbeSettings {
            guard,
            ..http_only(&server)
        };
        let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Blocked, "{target}: {outcome:?}");
        assert_eq!(outcome.status_code, Some(302));
        assert_eq!(outcome.redirect_count, 1);
        assert!(
            detail(&outcome).ends_with(&format!("blocked: {reason}")),
            "{target}: {outcome:?}"
        );
        assert_eq!(outcome.final_url.as_deref(), Some(target));
        // The first hop was allowed; nothing was sent for the second.
        assert_eq!(server.connections(), 1, "{target}");
        assert_eq!(server.requests(), 1, "{target}");
    }
}

#[tokio::test]
async fn refused_addresses_are_never_contacted() {
    let server = server().await;
    server.route("/", Route::html("must not be fetched"));
    let s = ProbeSettings {
        guard: AddressGuard::new(false, Vec::new()),
        ..settings(&server)
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST, "::1".parse().expect("valid")]).await;
    assert_eq!(outcome.status, HttpStatus::Blocked, "{outcome:?}");
    assert_eq!(
        detail(&outcome),
        "a.test: all addresses refused: 127.0.0.1 is loopback, ::1 is loopback"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.connections(), 0);

    // With one address allowed, the refused one is skipped and named if the probe fails.
    let port = closed_port();
    let s = ProbeSettings {
        schemes: vec![Scheme::Http],
        http_port: port,
        guard: AddressGuard::new(false, vec!["127.0.0.1/32".parse().expect("valid")]),
        ..ProbeSettings::default()
    };
    let outcome = probe_with(
        s,
        "a.test",
        &["10.9.8.7".parse().expect("valid"), LOCALHOST],
    )
    .await;
    assert_eq!(outcome.status, HttpStatus::Unreachable, "{outcome:?}");
    assert_eq!(
        detail(&outcome),
        format!(
            "http://a.test:{port}/: connection refused (127.0.0.1:{port}); \
             refused by the guard: 10.9.8.7 is private"
        )
    );
}

#[tokio::test]
async fn slow_headers_time_out() {
    let server = server().await;
    server.route(
        "/",
        Route::html("late").delay_headers(Duration::from_secs(30)),
    );
    let s = ProbeSettings {
        timeout: Duration::from_millis(500),
        ..http_only(&server)
    };
    let started = Instant::now();
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Timeout, "{outcome:?}");
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(
        detail(&outcome).ends_with("timed out waiting for the response headers"),
        "{outcome:?}"
    );
    assert_eq!(outcome.status_code, None);
}

#[tokio::test]
async fn a_slow_body_times_out_with_what_arrived() {
    let server = server().await;
    server.route(
        "/",
        Route::html(vec![b'x'; 10_000]).drip(100, Duration::from_millis(100)),
    );
    let s = ProbeSettings {
        timeout: Duration::from_millis(700),
        ..http_only(&server)
    };
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Timeout, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(200));
    assert!(
        detail(&outcome).contains("timed out reading the body"),
        "{outcome:?}"
    );
    let body = outcome.body.as_ref().expect("the bytes that arrived");
    assert!(body.truncated);
    assert!(!body.bytes.is_empty() && body.bytes.len() < 10_000);
    assert_eq!(outcome.content_length, Some(10_000), "from the header");
}

#[tokio::test]
async fn a_huge_body_is_cut_at_exactly_the_cap() {
    let server = server().await;
    let total: u64 = 64 << 20;
    let cap = 256 * 1024;
    server.route(
        "/",
        Route::status(200)
            .header("Content-Type", "text/html")
            .repeat_body(&b"<p>0123456789 abcdefghij</p>\n"[..], total),
    );
    server.route(
        "/chunked",
        Route::status(200)
            .header("Content-Type", "text/plain")
            .repeat_body(&b"abc"[..], total)
            .framing(Framing::Chunked),
    );
    let s = ProbeSettings {
        max_body_bytes: cap,
        ..http_only(&server)
    };
    let outcome = probe_with(s.clone(), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.content_length, Some(total));
    let body = outcome.body.as_ref().expect("a body");
    assert!(body.truncated);
    assert_eq!(body.bytes.len(), cap);
    assert!(
        body.bytes.capacity() <= 2 * cap,
        "memory follows the cap, not the body"
    );
    assert!(body.text.as_deref().is_some_and(|t| t.len() == cap));
    // The connection was dropped: the server could not send the whole body.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.bytes_sent() < total / 2,
        "sent {}",
        server.bytes_sent()
    );

    // Chunked, and no Content-Length: the length is unknown.
    server.route("/", Route::redirect(302, "/chunked"));
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.content_length, None);
    let body = outcome.body.as_ref().expect("a body");
    assert!(body.truncated);
    assert_eq!(body.bytes.len(), cap);
}

#[tokio::test]
async fn compressed_bodies_are_decoded() {
    let server = server().await;
    let page = "<html><body>".to_owned() + &"compressed words ".repeat(2000) + "</body></html>";
    let zlib = {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(page.as_bytes()).expect("in memory");
        e.finish().expect("in memory")
    };
    let raw = {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(page.as_bytes()).expect("in memory");
        e.finish().expect("in memory")
    };
    let cases: [(&str, &str, Vec<u8>, String); 5] = [
        ("/gzip", "gzip", gzip(page.as_bytes()), page.clone()),
        ("/x-gzip", "x-gzip", gzip(page.as_bytes()), page.clone()),
        ("/zlib", "deflate", zlib, page.clone()),
        ("/raw", "deflate", raw, page.clone()),
        ("/br", "br", BROTLI_PAGE.to_vec(), brotli_page_text()),
    ];
    let port = server.http_addr().port();
    for (path, coding, body, expected) in cases {
        let compressed_len = body.len() as u64;
        server.route(
            "/",
            Route::html(body.clone()).header("Content-Encoding", coding),
        );
        // Also through a redirect and chunked, to vary the framing.
        server.route(
            path,
            Route::html(body)
                .header("Content-Encoding", coding)
                .framing(Framing::Chunked),
        );
        let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Ok, "{coding}: {outcome:?}");
        assert_eq!(text(&outcome), expected, "{coding}");
        assert_eq!(
            outcome.content_length,
            Some(compressed_len),
            "{coding}: header"
        );
        server.route(
            "/",
            Route::redirect(302, &format!("http://a.test:{port}{path}")),
        );
        let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Ok, "{coding}: {outcome:?}");
        assert_eq!(text(&outcome), expected, "{coding} chunked");
        assert_eq!(
            outcome.content_length,
            Some(expected.len() as u64),
            "{coding}: decoded size without a header"
        );
    }
}

#[tokio::test]
async fn compression_bombs_are_capped() {
    let server = server().await;
    // 64 members of 1 MiB of zeros each: 64 MiB decoded from about 64 KiB.
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb: Vec<u8> = member
        .iter()
        .copied()
        .cycle()
        .take(member.len() * 64)
        .collect();
    server.route(
        "/",
        Route::status(200)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Encoding", "gzip")
            .body(bomb),
    );
    server.route(
        "/br",
        Route::status(200)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Encoding", "br")
            .body(BROTLI_BOMB),
    );
    let cap = 256 * 1024;
    let s = ProbeSettings {
        max_body_bytes: cap,
        ..http_only(&server)
    };
    let outcome = probe_with(s.clone(), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    let body = outcome.body.as_ref().expect("a body");
    assert!(body.truncated);
    assert_eq!(body.bytes.len(), cap);
    assert!(body.bytes.iter().all(|b| *b == 0));
    assert!(body.bytes.capacity() <= 2 * cap);
    assert_eq!(body.text, None, "not a text type");

    server.route("/", Route::redirect(302, "/br"));
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    let body = outcome.body.as_ref().expect("a body");
    assert!(body.truncated);
    assert_eq!(body.bytes.len(), cap);
}

#[tokio::test]
async fn corrupt_and_unsupported_codings_are_http_errors() {
    let server = server().await;
    let mut corrupt = gzip("<p>a page that will not survive</p>".repeat(100).as_bytes());
    let middle = corrupt.len() / 2;
    corrupt.truncate(middle);
    server.route("/", Route::html(corrupt).header("Content-Encoding", "gzip"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(200));
    assert!(
        detail(&outcome).ends_with("body: gzip data ends early"),
        "{outcome:?}"
    );
    assert!(outcome.body.as_ref().is_some_and(|b| b.truncated));

    server.route(
        "/",
        Route::html("<p>not gzip at all</p>").header("Content-Encoding", "gzip"),
    );
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert!(
        detail(&outcome).ends_with("body: invalid gzip data"),
        "{outcome:?}"
    );

    server.route("/", Route::html("x").header("Content-Encoding", "zstd"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert!(
        detail(&outcome).ends_with("unsupported Content-Encoding `zstd`"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn charsets_are_decoded_by_header_and_by_meta() {
    let server = server().await;
    let russian = "<p>Привет, мир</p>";
    let japanese = "<p>こんにちは世界</p>";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(russian);
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
    let with_meta = |meta: &str, body: &[u8]| {
        let mut page = format!("<html><head>{meta}</head><body>").into_bytes();
        page.extend_from_slice(body);
        page
    };
    let cases: Vec<(Route, &str)> =
        vec![
        (
            Route::status(200)
                .header("Content-Type", "text/html; charset=windows-1251")
                .body(cp1251.to_vec()),
            russian,
        ),
        (
            Route::status(200)
                .header("Content-Type", "text/html")
                .body(with_meta("<meta charset=\"windows-1251\">", &cp1251)),
            russian,
        ),
        (
            Route::status(200)
                .header("Content-Type", "text/html; charset=Shift_JIS")
                .body(sjis.to_vec()),
            japanese,
        ),
        (
            Route::status(200).header("Content-Type", "text/html").body(with_meta(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">",
                &sjis,
            )),
            japanese,
        ),
        // No Content-Type at all: still sniffed.
        (
            Route::status(200).body(with_meta("<meta charset=shift_jis>", &sjis)),
            japanese,
        ),
    ];
    for (i, (route, expected)) in cases.into_iter().enumerate() {
        server.route("/", route);
        let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Ok, "case {i}: {outcome:?}");
        assert!(
            text(&outcome).contains(expected),
            "case {i}: {}",
            text(&outcome)
        );
    }
}

#[tokio::test]
async fn statuses_are_accepted_as_configured() {
    let server = server().await;
    server.route(
        "/",
        Route::status(404)
            .header("Content-Type", "text/html")
            .body("<h1>gone</h1>"),
    );
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(404));
    assert!(detail(&outcome).ends_with("status 404 is not accepted"));
    assert_eq!(text(&outcome), "<h1>gone</h1>");

    let s = ProbeSettings {
        accepted_status: vec![
            AcceptedStatus::code(404).expect("valid"),
            AcceptedStatus::class(2).expect("valid"),
        ],
        ..http_only(&server)
    };
    let outcome = probe_with(s.clone(), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(404));
    assert_eq!(outcome.error_detail, None);

    server.route("/", Route::status(503).body("busy"));
    let outcome = probe_with(s, "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(503));

    // A redirect status without a Location is a final response.
    server.route("/", Route::status(302).body("nowhere"));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::HttpError, "{outcome:?}");
    assert_eq!(outcome.status_code, Some(302));
    assert_eq!(outcome.redirect_count, 0);
}

#[tokio::test]
async fn malformed_responses_are_http_errors() {
    let server = server().await;
    for (raw, expected) in [
        (&b"this is not http\r\n\r\n"[..], "malformed response"),
        (
            &b""[..],
            "connection closed before the message was complete",
        ),
        (
            &b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"[..],
            "body: connection closed before the end of the body",
        ),
    ] {
        server.route("/", Route::raw(raw));
        let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
        assert_eq!(
            outcome.status,
            HttpStatus::HttpError,
            "{}: {outcome:?}",
            String::from_utf8_lossy(raw)
        );
        assert!(
            detail(&outcome).contains(expected),
            "{}: {outcome:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[tokio::test]
async fn bodies_without_length_and_empty_bodies() {
    let server = server().await;
    server.route("/", Route::html("until close").framing(Framing::Close));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(text(&outcome), "until close");
    assert_eq!(outcome.content_length, Some(11));

    server.route("/", Route::status(204));
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    assert_eq!(outcome.body, None);
    assert_eq!(outcome.content_length, Some(0));

    server.route(
        "/",
        Route::status(200)
            .header("Content-Type", "image/png")
            .body(&b"\x89PNG\r\n\x1a\n"[..]),
    );
    let outcome = probe_with(http_only(&server), "a.test", &[LOCALHOST]).await;
    assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
    let body = outcome.body.as_ref().expect("a body");
    assert_eq!(body.text, None, "binary bodies are not decoded as text");
    assert_eq!(body.bytes.len(), 8);
}

#[tokio::test]
async fn waiting_for_a_per_ip_slot_does_not_count_against_the_timeout() {
    let server = server().await;
    server.route(
        "/",
        Route::html("slow").delay_headers(Duration::from_millis(200)),
    );
    let s = ProbeSettings {
        per_ip_concurrency: 1,
        timeout: Duration::from_millis(1000),
        ..http_only(&server)
    };
    let prober = Arc::new(Prober::new(s).expect("valid settings"));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let prober = Arc::clone(&prober);
        tasks.spawn(async move { prober.probe("a.test", &[LOCALHOST]).await });
    }
    let mut statuses = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        statuses.push(outcome.expect("probe task").status);
    }
    // One at a time: at least 6 × 200 ms, longer than the timeout, yet none timed out.
    assert!(started.elapsed() >= Duration::from_millis(1200));
    assert!(
        statuses.iter().all(|s| *s == HttpStatus::Ok),
        "{statuses:?}"
    );
    assert_eq!(server.connections(), 6);
}

#[tokio::test]
async fn probes_run_concurrently_on_one_prober() {
    let server = server().await;
    server.route("/", Route::html("<p>many</p>"));
    let s = ProbeSettings {
        per_ip_concurrency: 64,
        ..http_only(&server)
    };
    let prober = Arc::new(Prober::new(s).expect("valid settings"));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..500 {
        let prober = Arc::clone(&prober);
        tasks.spawn(async move { prober.probe(&format!("d{i}.test"), &[LOCALHOST]).await });
    }
    let mut ok = 0;
    while let Some(outcome) = tasks.join_next().await {
        let outcome = outcome.expect("probe task");
        assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
        ok += 1;
    }
    assert_eq!(ok, 500);
    assert_eq!(server.requests(), 500);
}

#[test]
fn bad_settings_are_setup_errors() {
    let s = ProbeSettings {
        headers: vec![("Bad Header".to_owned(), "x".to_owned())],
        ..ProbeSettings::default()
    };
    let err = Prober::new(s).expect_err("an invalid header name is refused");
    assert_eq!(
        err.to_string(),
        "header `Bad Header`: not a valid header name"
    );
}

// ---------------------------------------------------------------------------------------
// Through proxies: the prober's connections go through the pool's tunnels.

mod through_proxies {
    use dragnet_domain::ProxyRotation;
    use dragnet_probe::proxy::{BenchPolicy, ProxyPool};
    use dragnet_testkit::proxy_server::{ProxyServerOptions, TestProxyServer};

    use super::*;

    fn credentials(user: &str, password: &str) -> ProxyServerOptions {
        ProxyServerOptions {
            credentials: Some((user.to_owned(), password.to_owned())),
            ..ProxyServerOptions::default()
        }
    }

    fn with_pool(server: &TestHttpServer, pool: ProxyPool) -> ProbeSettings {
        ProbeSettings {
            proxies: Some(Arc::new(pool)),
            ..http_only(server)
        }
    }

    #[tokio::test]
    async fn probes_go_through_connect_and_socks5_proxies_with_credentials() {
        let server = server().await;
        server.route("/", Route::html("<title>Via proxy</title><p>hello</p>"));
        let connect = TestProxyServer::connect_proxy(credentials("alice", "s3cret"))
            .await
            .expect("connect proxy");
        let socks = TestProxyServer::socks5(credentials("bob", "hunter2"))
            .await
            .expect("socks5 proxy");
        let pool = ProxyPool::new(
            vec![connect.endpoint(), socks.endpoint()],
            ProxyRotation::RoundRobin,
            BenchPolicy::default(),
        );
        let prober = Prober::new(with_pool(&server, pool)).expect("valid settings");
        for i in 0..4 {
            let outcome = prober.probe(&format!("p{i}.test"), &[LOCALHOST]).await;
            assert_eq!(outcome.status, HttpStatus::Ok, "{outcome:?}");
            assert!(text(&outcome).contains("hello"));
        }
        // Round robin: each proxy carried two of the four probes, to the target's address.
        assert_eq!(connect.tunnels(), 2);
        assert_eq!(socks.tunnels(), 2);
        let target = server.http_addr().to_string();
        assert!(
            connect.targets().iter().all(|t| t == &target),
            "{:?}",
            connect.targets()
        );
        assert_eq!(server.requests(), 4);
    }

    #[tokio::test]
    async fn a_rejecting_proxy_is_unreachable_named_and_benched() {
        let server = server().await;
        server.route("/", Route::html("<p>never</p>"));
        let proxy = TestProxyServer::connect_proxy(credentials("alice", "right"))
            .await
            .expect("connect proxy");
        let wrong = proxy
            .endpoint()
            .with_credentials("alice", "wrong")
            .with_label("prx_test");
        let pool = ProxyPool::new(
            vec![wrong],
            ProxyRotation::RoundRobin,
            BenchPolicy {
                failures: 2,
                duration: Duration::from_secs(600),
            },
        );
        let prober = Prober::new(with_pool(&server, pool)).expect("valid settings");
        for _ in 0..2 {
            let outcome = prober.probe("a.test", &[LOCALHOST]).await;
            assert_eq!(outcome.status, HttpStatus::Unreachable, "{outcome:?}");
            assert!(
                detail(&outcome).contains("prx_test"),
                "{}",
                detail(&outcome)
            );
            assert!(
                !detail(&outcome).contains("wrong"),
                "no password in details"
            );
        }
        // Benched after two proxy faults: the next probe does not even reach the proxy.
        let before = proxy.connections();
        let outcome = prober.probe("a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Unreachable);
        assert!(detail(&outcome).contains("benched"), "{}", detail(&outcome));
        assert_eq!(proxy.connections(), before);
        assert_eq!(server.requests(), 0);
    }

    #[tokio::test]
    async fn the_guard_applies_to_targets_behind_a_proxy() {
        let server = server().await;
        let proxy = TestProxyServer::connect_proxy(ProxyServerOptions::default())
            .await
            .expect("connect proxy");
        let settings = ProbeSettings {
            guard: AddressGuard::new(false, Vec::new()),
            ..with_pool(
                &server,
                ProxyPool::new(
                    vec![proxy.endpoint()],
                    ProxyRotation::RoundRobin,
                    BenchPolicy::default(),
                ),
            )
        };
        let outcome = probe_with(settings, "a.test", &[LOCALHOST]).await;
        assert_eq!(outcome.status, HttpStatus::Blocked, "{outcome:?}");
        assert_eq!(proxy.connections(), 0, "nothing was sent to the proxy");
    }
}
