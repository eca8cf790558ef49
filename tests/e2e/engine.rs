//! Phases run by the real binary against a DNS server the test starts: full-sequence mode,
//! pause/resume/cancel/retry, and recovery after `kill -9`, on SQLite and PostgreSQL.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_domain::{DnsStatus, RecordType};
use dragnet_testkit::TestDnsServer;
use dragnet_testkit::dns_server::expected_outcome;
use serde_json::{Value, json};

use crate::backends;
use crate::support::Dragnet;

/// A DNS server on 127.0.0.1 for the test's lifetime (with the runtime that drives it).
pub struct Dns {
    server: TestDnsServer,
    _runtime: tokio::runtime::Runtime,
}

impl Dns {
    /// The server's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime
            .block_on(TestDnsServer::start())
            .expect("dns server");
        Self {
            server,
            _runtime: runtime,
        }
    }
}

/// 26³ × 1 = 17,576 names `aaashop.test` … `zzzshop.test`; the test server resolves about
/// half of them (by a hash of the name).
pub fn campaign_body(name: &str, dns: &Dns, launch_sequence: bool, rate: Option<u32>) -> Value {
    let mut dns_config = json!({
        "resolvers": [dns.server.addr().to_string()],
        "recordTypes": ["A"],
        "timeoutMs": 1000,
        "retries": 2,
        "concurrency": 500,
    });
    if let Some(rate) = rate {
        dns_config["rateLimitPerSecond"] = json!(rate);
    }
    json!({
        "name": name,
        "launchSequence": launch_sequence,
        "configuration": {
            "domainGeneration": {
                "patternType": "prefix",
                "constantString": "shop",
                "characterSet": "abcdefghijklmnopqrstuvwxyz",
                "prefixLength": 3,
                "suffixLength": 0,
                "tlds": ["test"],
            },
            "dnsValidation": dns_config,
        }
    })
}

pub const TOTAL: u64 = 26 * 26 * 26;

pub fn phases(server: &Dragnet, id: i64) -> Value {
    let (status, body) = server.get_json(&format!("/api/v1/campaigns/{id}/phases"));
    assert_eq!(status, 200, "{body}");
    body
}

fn dns_phase(phases: &Value) -> &Value {
    &phases["phases"][1]
}

/// Polls until `done` holds for the campaign's phases, or panics after `limit`.
pub fn wait_for(
    server: &Dragnet,
    id: i64,
    limit: Duration,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let p = phases(server, id);
        if done(&p) {
            return p;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}; last state: {p}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn is(p: &Value, phase: &str, status: &str) -> bool {
    p["currentPhase"] == phase && p["phaseStatus"] == status
}

/// Exports the campaign and checks one row per domain, each with the DNS answer the test
/// server gives for that name.
fn check_export(server: &Dragnet, id: i64) {
    let (status, body) = server.get(&format!("/api/v1/campaigns/{id}/export?format=ndjson"));
    assert_eq!(status, 200, "{body}");
    let mut ordinals = HashSet::new();
    let mut names = HashSet::new();
    let mut resolved = 0;
    for line in body.lines() {
        let row: Value = serde_json::from_str(line).expect("ndjson line");
        assert!(
            ordinals.insert(row["ordinal"].as_u64().expect("ordinal")),
            "duplicate {row}"
        );
        let name = row["name"].as_str().expect("name").to_owned();
        let expected = expected_outcome(&name, &[RecordType::A]);
        let want = match expected.status {
            DnsStatus::Resolved => "resolved",
            DnsStatus::NxDomain => "nxdomain",
            DnsStatus::NoRecords => "no_records",
            DnsStatus::Timeout => "timeout",
            DnsStatus::Error => "error",
        };
        assert_eq!(row["dns"]["status"], want, "{row}");
        if want == "resolved" {
            resolved += 1;
            let got: Vec<String> = row["dns"]["addresses"]
                .as_array()
                .expect("addresses")
                .iter()
                .map(|a| a.as_str().unwrap_or_default().to_owned())
                .collect();
            let want: Vec<String> = expected.addresses.iter().map(ToString::to_string).collect();
            assert_eq!(got, want, "{row}");
        }
        assert!(names.insert(name));
    }
    assert_eq!(ordinals.len() as u64, TOTAL, "one row per domain");
    assert!(
        resolved > TOTAL / 4 && resolved < TOTAL * 3 / 4,
        "about half resolve: {resolved}"
    );
}

#[test]
fn full_sequence_generates_and_validates_every_name() {
    let dns = Dns::start();
    for backend in backends::all("full_sequence_generates_and_validates_every_name") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (status, created) =
            server.post_json("/api/v1/campaigns", &campaign_body("seq", &dns, true, None));
        assert_eq!(status, 201, "{}: {created}", backend.name);
        let id = created["id"].as_i64().expect("id");
        let (status, body) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
        assert_eq!(status, 200, "{body}");
        let done = wait_for(
            &server,
            id,
            Duration::from_secs(120),
            "dns_validation to complete",
            |p| is(p, "dns_validation", "completed"),
        );
        let dns_counts = dns_phase(&done);
        assert_eq!(dns_counts["totalItems"], TOTAL, "{}: {done}", backend.name);
        assert_eq!(dns_counts["processedItems"], TOTAL);
        assert_eq!(
            dns_counts["successfulItems"].as_u64().unwrap_or(0)
                + dns_counts["failedItems"].as_u64().unwrap_or(0),
            TOTAL
        );
        assert_eq!(done["phases"][0]["status"], "completed");
        check_export(&server, id);
    }
}

#[test]
fn pause_resume_cancel_retry_neither_lose_nor_duplicate() {
    let dns = Dns::start();
    for backend in backends::all("pause_resume_cancel_retry_neither_lose_nor_duplicate") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        // Small chunks, so that progress shows long before the phase ends.
        let server = Dragnet::serve_with(
            dir,
            backend.url.as_deref(),
            &[("DRAGNET_ENGINE__DNS_CHUNK", "500")],
        );
        // 1,500 names/s: the DNS phase takes about 12 s, long enough to interrupt.
        let (status, created) = server.post_json(
            "/api/v1/campaigns",
            &campaign_body("ctl", &dns, true, Some(1500)),
        );
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let control = |action: &str| {
            let (status, body) =
                server.post_json(&format!("/api/v1/campaigns/{id}/{action}"), &json!({}));
            assert_eq!(status, 200, "{action}: {body}");
            body
        };
        control("start");
        wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "dns to make progress",
            |p| {
                is(p, "dns_validation", "running")
                    && dns_phase(p)["processedItems"].as_u64() > Some(500)
            },
        );

        control("pause");
        std::thread::sleep(Duration::from_secs(1));
        let paused = phases(&server, id);
        assert!(is(&paused, "dns_validation", "paused"), "{paused}");
        std::thread::sleep(Duration::from_millis(1500));
        let later = phases(&server, id);
        assert_eq!(
            dns_phase(&paused)["processedItems"],
            dns_phase(&later)["processedItems"],
            "a paused phase makes no progress"
        );
        // A repeated pause is refused with the state and the allowed transitions.
        let (status, problem) =
            server.post_json(&format!("/api/v1/campaigns/{id}/pause"), &json!({}));
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["code"], "invalid_transition");
        assert_eq!(problem["context"]["phaseStatus"], "paused");

        control("resume");
        wait_for(&server, id, Duration::from_secs(60), "more progress", |p| {
            dns_phase(p)["processedItems"].as_u64() > dns_phase(&later)["processedItems"].as_u64()
        });
        control("cancel");
        let failed = wait_for(&server, id, Duration::from_secs(5), "failed", |p| {
            is(p, "dns_validation", "failed")
        });
        assert_eq!(dns_phase(&failed)["error"], "cancelled by the user");
        control("retry");
        wait_for(&server, id, Duration::from_secs(120), "completion", |p| {
            is(p, "dns_validation", "completed")
        });
        let done = phases(&server, id);
        assert_eq!(
            dns_phase(&done)["processedItems"],
            TOTAL,
            "{}: {done}",
            backend.name
        );
        check_export(&server, id);
    }
}

#[test]
fn killed_server_resumes_running_phases_after_restart() {
    let dns = Dns::start();
    for backend in backends::all("killed_server_resumes_running_phases_after_restart") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        // Small chunks: the kill lands with chunks in flight and others done.
        let env = [("DRAGNET_ENGINE__DNS_CHUNK", "500")];
        let server = Dragnet::serve_with(Arc::clone(&dir), backend.url.as_deref(), &env);
        let (status, created) = server.post_json(
            "/api/v1/campaigns",
            &campaign_body("crash", &dns, true, Some(3000)),
        );
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let (status, body) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
        assert_eq!(status, 200, "{body}");
        wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "dns to be under way",
            |p| {
                is(p, "dns_validation", "running")
                    && dns_phase(p)["processedItems"].as_u64() > Some(4000)
            },
        );
        server.kill9();

        let server = Dragnet::serve_with(dir, backend.url.as_deref(), &env);
        let done = wait_for(
            &server,
            id,
            Duration::from_secs(120),
            "completion after restart",
            |p| is(p, "dns_validation", "completed"),
        );
        assert_eq!(
            dns_phase(&done)["processedItems"],
            TOTAL,
            "{}: {done}",
            backend.name
        );
        check_export(&server, id);
    }
}
