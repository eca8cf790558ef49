//! The `http_keyword_validation` phase through the real binary and its API: import, DNS
//! validation against a DNS server the test starts, then a transition to the HTTP phase
//! against an HTTP server the test starts — progress over the WebSocket, results in the
//! domain list (with filters) and in the export — on SQLite and PostgreSQL. The same through a
//! stored proxy, counted in `/metrics`. And the SSRF guard: with the server's default
//! settings, nothing on loopback is ever contacted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_testkit::http_server::{Route, TestHttpServer};
use dragnet_testkit::proxy_server::{ProxyServerOptions, TestProxyServer};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::backends;
use crate::engine::{Dns, is, phases, wait_for};
use crate::support::Dragnet;

/// Domains resolving to 127.0.0.1 (`local-…`), and domains that do not resolve (`nx-…`).
const LOCAL: usize = 240;
const MISSING: usize = 60;

/// The page every probe gets: the keyword is in the visible text twice and in the title
/// once, and also in places that are not visible text (script, style, comment, attribute),
/// which must not count.
const PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8">
<title>Verify your account - Acme</title>
<style>.verify-your-account { color: red }</style>
<script>var msg = "verify your account"; // scriptonly</script></head>
<body><h1>Acme online banking</h1>
<p>Please <b>verify your account</b> today.</p>
<!-- verify your account (comment) -->
<img alt="verify your account" src="x.png">
<p>We will never ask you to Verify Your Account by e-mail.</p>
</body></html>"#;

/// An HTTP server on 127.0.0.1 for the test's lifetime (with the runtime that drives it).
pub struct Http {
    pub server: TestHttpServer,
    _runtime: tokio::runtime::Runtime,
}

impl Http {
    /// A server without routes (every path answers 404 until a test sets one).
    pub fn empty() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime
            .block_on(TestHttpServer::start())
            .expect("http server");
        Self {
            server,
            _runtime: runtime,
        }
    }

    /// A server answering every host with [`PAGE`].
    fn start() -> Self {
        let http = Self::empty();
        http.server.route("/", Route::html(PAGE));
        http
    }
}

fn names() -> String {
    let mut body = String::new();
    for i in 0..LOCAL {
        body.push_str(&format!("local-{i}.e2e.test\n"));
    }
    for i in 0..MISSING {
        body.push_str(&format!("nx-{i}.e2e.test\n"));
    }
    body
}

fn campaign(dns: &Dns, http_port: u16) -> Value {
    json!({
        "name": "http e2e",
        "configuration": {
            "dnsValidation": {
                "resolvers": [dns.addr().to_string()],
                "recordTypes": ["A"],
                "timeoutMs": 1000,
                "retries": 2,
            },
            "httpKeywordValidation": {
                "schemes": ["http"],
                "ports": {"http": http_port},
                "concurrency": 64,
                "perIpConcurrency": 64,
                "timeoutMs": 5000,
                "keywordRules": [
                    {"pattern": "verify your account", "category": "phishing"},
                    {"pattern": "scriptonly"},
                    {"pattern": "bank(ing)?", "kind": "regex", "category": "brand"},
                ],
            },
        }
    })
}

/// Creates the campaign `body`, imports the names and runs generation (by counting) and DNS.
fn through_dns(server: &Dragnet, body: &Value) -> i64 {
    let (status, created) = server.post_json("/api/v1/campaigns", body);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, body) = server.request(
        "POST",
        &format!("/api/v1/campaigns/{id}/domains"),
        Some("text/plain"),
        names().as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
    assert_eq!(status, 200, "{body}");
    wait_for(server, id, Duration::from_secs(60), "generation", |p| {
        is(p, "domain_generation", "completed")
    });
    transition(server, id, "dns_validation");
    wait_for(server, id, Duration::from_secs(60), "DNS validation", |p| {
        is(p, "dns_validation", "completed")
    });
    id
}

fn transition(server: &Dragnet, id: i64, phase: &str) {
    let (status, body) = server.request(
        "PUT",
        &format!("/api/v1/campaigns/{id}/transition"),
        Some("application/json"),
        json!({"targetPhase": phase, "transitionReason": "e2e"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
}

/// A server on a fresh database of `backend` whose operator allows private addresses: every
/// server these tests start is on 127.0.0.1.
fn serve_allowing_private(backend: &backends::Backend) -> Dragnet {
    Dragnet::serve_with(
        Arc::new(tempfile::tempdir().expect("dir")),
        backend.url.as_deref(),
        &[("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true")],
    )
}

fn http_phase(p: &Value) -> &Value {
    &p["phases"][2]
}

#[test]
fn http_phase_runs_through_the_api_with_progress_list_and_export() {
    let dns = Dns::start();
    let http = Http::start();
    for backend in backends::all("http_phase_runs_through_the_api_with_progress_list_and_export") {
        let server = serve_allowing_private(&backend);
        let requests_before = http.server.requests();
        let id = through_dns(&server, &campaign(&dns, http.server.http_addr().port()));

        // Subscribe, then move to the HTTP phase (which starts it) and follow it to the end.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let progress = runtime.block_on(async {
            let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_request())
                .await
                .expect("connect");
            ws.send(Message::Text(
                json!({"type": "subscribe", "campaignIds": [id]})
                    .to_string()
                    .into(),
            ))
            .await
            .expect("subscribe");
            transition(&server, id, "http_keyword_validation");
            let deadline = Instant::now() + Duration::from_secs(90);
            let mut progress: Vec<Value> = Vec::new();
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let next = tokio::time::timeout(left, ws.next())
                    .await
                    .expect("the HTTP phase completes within 90 s")
                    .expect("stream open")
                    .expect("frame");
                let Message::Text(text) = next else { continue };
                let message: Value = serde_json::from_str(&text).expect("json");
                if message["type"] != "campaign.progress" {
                    continue;
                }
                let done = message["data"]["currentPhase"] == "http_keyword_validation"
                    && message["data"]["phaseStatus"] == "completed";
                progress.push(message);
                if done {
                    break progress;
                }
            }
        });

        // The last progress message and the API agree, and every resolved domain was probed.
        let p = phases(&server, id);
        let phase = http_phase(&p);
        assert_eq!(phase["status"], "completed", "{}: {p}", backend.name);
        assert_eq!(phase["totalItems"], LOCAL, "{p}");
        assert_eq!(phase["processedItems"], LOCAL, "{p}");
        assert_eq!(phase["successfulItems"], LOCAL, "{p}");
        assert_eq!(phase["failedItems"], 0, "{p}");
        let last = &progress.last().expect("progress")["data"];
        assert_eq!(last["processedItems"], phase["processedItems"]);
        assert_eq!(last["successfulItems"], phase["successfulItems"]);
        assert_eq!(last["totalItems"], phase["totalItems"]);
        assert_eq!(
            http.server.requests() - requests_before,
            LOCAL as u64,
            "one request per resolved domain"
        );

        // The domain list: every resolved domain has an `ok` result with the visible-text
        // hits only; the others have none.
        let (status, page) = server.get_json(&format!("/api/v1/campaigns/{id}/domains?limit=1000"));
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), LOCAL + MISSING);
        for item in items {
            let name = item["name"].as_str().expect("name");
            if name.starts_with("nx-") {
                assert!(item["http"].is_null(), "{item}");
                continue;
            }
            let h = &item["http"];
            assert_eq!(h["status"], "ok", "{item}");
            assert_eq!(h["statusCode"], 200, "{item}");
            assert_eq!(h["title"], "Verify your account - Acme", "{item}");
            assert_eq!(h["redirectCount"], 0, "{item}");
            assert!(
                h["finalUrl"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(&format!("http://{name}:"))),
                "{item}"
            );
            assert_eq!(h["contentHash"].as_str().map(str::len), Some(64), "{item}");
            let hits = h["keywordHits"].as_array().expect("hits");
            let verify = hits
                .iter()
                .find(|k| k["pattern"] == "verify your account")
                .unwrap_or_else(|| panic!("no hit for the keyword: {item}"));
            assert_eq!(verify["count"], 2, "visible text only: {item}");
            assert_eq!(verify["titleCount"], 1, "{item}");
            assert_eq!(verify["category"], "phishing");
            assert!(
                hits.iter().all(|k| k["pattern"] != "scriptonly"),
                "script contents are not visible text: {item}"
            );
            let bank = hits
                .iter()
                .find(|k| k["pattern"] == "bank(ing)?")
                .unwrap_or_else(|| panic!("no regex hit: {item}"));
            assert_eq!(bank["count"], 1, "{item}");
        }
        // Filters: by HTTP status, by keyword pattern and by category.
        for query in [
            "httpStatus=ok",
            "keyword=verify%20your%20account",
            "keyword=brand",
        ] {
            let (status, page) = server.get_json(&format!(
                "/api/v1/campaigns/{id}/domains?limit=1000&{query}"
            ));
            assert_eq!(status, 200, "{page}");
            assert_eq!(
                page["items"].as_array().map(Vec::len),
                Some(LOCAL),
                "{query}"
            );
        }
        let (_, page) = server.get_json(&format!(
            "/api/v1/campaigns/{id}/domains?limit=1000&httpStatus=timeout"
        ));
        assert_eq!(page["items"].as_array().map(Vec::len), Some(0));

        // The export: one row per domain, the HTTP results included.
        let (status, body) = server.get(&format!("/api/v1/campaigns/{id}/export?format=ndjson"));
        assert_eq!(status, 200, "{body}");
        let rows: Vec<Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).expect("ndjson"))
            .collect();
        assert_eq!(rows.len(), LOCAL + MISSING);
        assert_eq!(
            rows.iter().filter(|r| r["http"]["status"] == "ok").count(),
            LOCAL
        );
        let (status, csv) = server.get(&format!("/api/v1/campaigns/{id}/export?format=csv"));
        assert_eq!(status, 200, "{csv}");
        assert_eq!(csv.lines().count(), 1 + LOCAL + MISSING);
        assert!(
            csv.lines()
                .nth(1)
                .is_some_and(|l| l.contains("verify your account=2+1")),
            "{}",
            csv.lines().nth(1).unwrap_or_default()
        );
    }
}

#[test]
fn ssrf_guard_blocks_loopback_by_default_and_contacts_nothing() {
    let dns = Dns::start();
    let http = Http::start();
    for backend in backends::all("ssrf_guard_blocks_loopback_by_default_and_contacts_nothing") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        // Default settings: allow_private_addresses is off.
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let connections_before = http.server.connections();
        let id = through_dns(&server, &campaign(&dns, http.server.http_addr().port()));
        transition(&server, id, "http_keyword_validation");
        let p = wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "the HTTP phase",
            |p| is(p, "http_keyword_validation", "completed"),
        );
        let phase = http_phase(&p);
        assert_eq!(phase["processedItems"], LOCAL, "{}: {p}", backend.name);
        assert_eq!(phase["failedItems"], LOCAL, "{p}");
        let (_, page) = server.get_json(&format!(
            "/api/v1/campaigns/{id}/domains?limit=1000&httpStatus=blocked"
        ));
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), LOCAL, "{page}");
        let detail = items[0]["http"]["errorDetail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("127.0.0.1") && detail.contains("loopback"),
            "the detail names the address and why: {detail}"
        );
        assert_eq!(
            http.server.connections(),
            connections_before,
            "the guard sent nothing"
        );
    }
}

/// The value of the metric line that starts with `series ` in a Prometheus text page.
fn metric(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn http_phase_goes_through_a_stored_proxy_and_metrics_count_it() {
    let dns = Dns::start();
    let http = Http::start();
    let proxy = http
        ._runtime
        .block_on(TestProxyServer::connect_proxy(ProxyServerOptions::default()))
        .expect("CONNECT proxy");
    for backend in backends::all("http_phase_goes_through_a_stored_proxy_and_metrics_count_it") {
        // The proxy and the target are on 127.0.0.1.
        let server = serve_allowing_private(&backend);
        let (status, stored) = server.post_json(
            "/api/v1/proxies",
            &json!({"name": "tunnel", "protocol": "http", "host": "127.0.0.1",
                    "port": proxy.addr().port()}),
        );
        assert_eq!(status, 201, "{stored}");
        let proxy_id = stored["id"].as_str().expect("proxy id").to_owned();
        let mut body = campaign(&dns, http.server.http_addr().port());
        body["configuration"]["httpKeywordValidation"]["proxyIds"] = json!([proxy_id]);
        let tunnels_before = proxy.tunnels();
        let id = through_dns(&server, &body);
        transition(&server, id, "http_keyword_validation");
        let p = wait_for(
            &server,
            id,
            Duration::from_secs(90),
            "the HTTP phase",
            |p| is(p, "http_keyword_validation", "completed"),
        );
        assert_eq!(
            http_phase(&p)["successfulItems"],
            LOCAL,
            "{}: {p}",
            backend.name
        );
        // Every probe went through the proxy: one tunnel per resolved domain.
        let tunnels = proxy.tunnels() - tunnels_before;
        assert!(
            tunnels >= LOCAL as u64,
            "{}: {tunnels} tunnels",
            backend.name
        );

        let (status, page) = server.get("/metrics");
        assert_eq!(status, 200, "{page}");
        let series = |result: &str| {
            format!("dragnet_proxy_uses_total{{proxy=\"{proxy_id}\",result=\"{result}\"}}")
        };
        let ok = metric(&page, &series("ok")).expect("ok uses of the proxy");
        assert!(ok >= LOCAL as f64, "{}: {ok} ok uses\n{page}", backend.name);
        assert_eq!(metric(&page, &series("fault")), Some(0.0), "{page}");
        let benched = format!("dragnet_proxy_benched{{proxy=\"{proxy_id}\"}}");
        assert_eq!(metric(&page, &benched), Some(0.0), "{page}");
    }
}
