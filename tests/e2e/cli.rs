//! The binary's own commands: `migrate` on both backends, clear errors for bad store
//! settings, a clean exit on SIGTERM, and memory that does not grow with the campaign.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::backends;
use crate::engine::Dns;
use crate::support::{Dragnet, dragnet};

#[test]
fn migrate_applies_once_on_every_backend() {
    for backend in backends::all("migrate_applies_once_on_every_backend") {
        let dir = tempfile::tempdir().expect("dir");
        let (code, out, err) = dragnet(dir.path(), backend.url.as_deref(), &["migrate"]);
        assert_eq!(code, 0, "{}: {out}{err}", backend.name);
        assert!(out.contains("applied"), "{out}");
        let (code, out, err) = dragnet(dir.path(), backend.url.as_deref(), &["migrate"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("up to date"), "{out}");
        if backend.url.is_none() {
            assert!(
                dir.path().join("dragnet.db").is_file(),
                "the default store is ./dragnet.db"
            );
        }
    }
}

#[test]
fn bad_store_settings_are_one_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        ("mysql://root@127.0.0.1/x", "mysql"),
        ("postgres://postgres@127.0.0.1:notaport/x", "port"),
        ("/definitely/missing/dir/dragnet.db", "does not exist"),
        ("postgres://postgres:secret@127.0.0.1:1/x", "cannot connect"),
    ];
    for (url, expected) in cases {
        let (code, out, err) = dragnet(dir.path(), Some(url), &["migrate"]);
        assert_ne!(code, 0, "{url}: {out}{err}");
        assert!(err.contains(expected), "{url}: {err}");
        assert!(!err.contains("panicked"), "{url}: {err}");
        assert!(
            !err.contains("secret"),
            "the password must not be printed: {err}"
        );
    }
    let (code, _, err) = dragnet(dir.path(), None, &["serve", "--bind", "not-an-address"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = Dragnet::serve();
    let (status, _) = server.get("/healthz");
    assert_eq!(status, 200);
    let code = server.terminate(Duration::from_secs(20));
    assert_eq!(code, Some(0), "dragnet serve exits 0 on SIGTERM");
}

/// Peak resident memory of a server that ran generation and DNS validation over `tlds` × 26³
/// names.
fn peak_rss_kib(dns: &Dns, tlds: &[&str]) -> u64 {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let server = Dragnet::serve_in(dir, None);
    let mut body = crate::engine::campaign_body("mem", dns, true, None);
    body["configuration"]["domainGeneration"]["tlds"] = json!(tlds);
    let (status, created) = server.post_json("/api/v1/campaigns", &body);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, _) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
    assert_eq!(status, 200);
    let start = Instant::now();
    loop {
        let (_, p) = server.get_json(&format!("/api/v1/campaigns/{id}/phases"));
        if p["currentPhase"] == "dns_validation" && p["phaseStatus"] == "completed" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(300), "timed out: {p}");
        std::thread::sleep(Duration::from_millis(200));
    }
    server.peak_rss_kib()
}

#[test]
fn memory_does_not_grow_with_the_campaign() {
    let dns = Dns::start();
    let small = peak_rss_kib(&dns, &["test"]);
    let tenfold = [
        "test",
        "example",
        "invalid",
        "localhost",
        "alpha",
        "beta",
        "gamma",
        "delta",
        "zeta",
        "theta",
    ];
    let large = peak_rss_kib(&dns, &tenfold);
    eprintln!("peak RSS: {small} KiB for 17,576 names, {large} KiB for 175,760 names");
    assert!(
        large < small * 2,
        "10x the names took {large} KiB against {small} KiB: memory grows with the campaign"
    );
}
