//! The API from the outside: WebSocket progress, a 200,000-name import, and every error
//! case answering with its status and problem `code`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::backends;
use crate::engine::{Dns, TOTAL, campaign_body};
use crate::support::Dragnet;

#[test]
fn websocket_progress_is_the_only_format_coalesced_and_final() {
    let dns = Dns::start();
    for backend in backends::all("websocket_progress_is_the_only_format_coalesced_and_final") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (status, created) =
            server.post_json("/api/v1/campaigns", &campaign_body("ws", &dns, true, None));
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (messages, elapsed) = runtime.block_on(async {
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
            let start = Instant::now();
            let (status, body) =
                server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
            assert_eq!(status, 200, "{body}");
            let mut messages: Vec<Value> = Vec::new();
            loop {
                let next = tokio::time::timeout(Duration::from_secs(60), ws.next())
                    .await
                    .expect("a message within 60 s")
                    .expect("stream open")
                    .expect("frame");
                let Message::Text(text) = next else { continue };
                let message: Value = serde_json::from_str(&text).expect("json");
                let done = message["type"] == "campaign.progress"
                    && message["data"]["currentPhase"] == "dns_validation"
                    && message["data"]["phaseStatus"] == "completed";
                messages.push(message);
                if done {
                    break;
                }
            }
            (messages, start.elapsed())
        });
        let progress: Vec<&Value> = messages
            .iter()
            .filter(|m| m["type"] == "campaign.progress")
            .collect();
        for m in &messages {
            assert!(
                m["type"] == "campaign.progress" || m["type"] == "subscribed",
                "unexpected message {m}"
            );
            assert!(m.get("data").is_none() || m["type"] == "campaign.progress");
        }
        let keys: Vec<&str> = progress[0]["data"]
            .as_object()
            .expect("data")
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "campaignId",
            "currentPhase",
            "phaseStatus",
            "totalItems",
            "processedItems",
            "successfulItems",
            "failedItems",
            "progressPercent",
            "ratePerSecond",
            "etaSeconds",
        ] {
            assert!(keys.contains(&key), "{key} missing from {}", progress[0]);
        }
        // Sequence numbers only grow along one connection.
        let seqs: Vec<u64> = progress.iter().filter_map(|m| m["seq"].as_u64()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        // Coalescing: at most 4 routine updates per second, plus the status changes (start,
        // complete, advance, start, complete) and the state pushed on subscribe.
        let bound = (elapsed.as_secs_f64() * 4.0).ceil() as usize + 6 + 2;
        assert!(
            progress.len() <= bound,
            "{} progress messages in {elapsed:?} (bound {bound})",
            progress.len()
        );
        // The last message carries the same counters as the API.
        let last = &progress.last().expect("progress")["data"];
        let (_, phases) = server.get_json(&format!("/api/v1/campaigns/{id}/phases"));
        let dns_phase = &phases["phases"][1];
        assert_eq!(
            last["totalItems"], dns_phase["totalItems"],
            "{}",
            backend.name
        );
        assert_eq!(last["processedItems"], dns_phase["processedItems"]);
        assert_eq!(last["successfulItems"], dns_phase["successfulItems"]);
        assert_eq!(last["failedItems"], dns_phase["failedItems"]);
        assert_eq!(last["processedItems"], TOTAL);
        assert_eq!(last["progressPercent"], 100.0);
    }
}

#[test]
fn import_of_200k_names_counts_accepted_duplicates_and_rejected_lines() {
    for backend in
        backends::all("import_of_200k_names_counts_accepted_duplicates_and_rejected_lines")
    {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (status, created) = server.post_json(
            "/api/v1/campaigns",
            &json!({"name": "import", "initialPhase": "dns_validation"}),
        );
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let mut body = String::new();
        for i in 0..200_000 {
            body.push_str(&format!("Name-{i}.Example.COM.\n"));
        }
        // Duplicates (also after normalisation), blank lines and bad lines.
        body.push_str(
            "name-7.example.com\n\nNAME-8.example.com\n-bad-.example.com\nnot a name\nlocalhost\n",
        );
        let (status, text) = server.request(
            "POST",
            &format!("/api/v1/campaigns/{id}/domains"),
            Some("text/plain"),
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{text}");
        let report: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(report["accepted"], 200_000, "{}: {report}", backend.name);
        assert_eq!(report["duplicates"], 2);
        assert_eq!(report["rejected"], 3);
        let lines: Vec<u64> = report["rejectedLines"]
            .as_array()
            .expect("rejectedLines")
            .iter()
            .map(|l| l["line"].as_u64().expect("line"))
            .collect();
        assert_eq!(lines, [200_004, 200_005, 200_006]);
        let (_, page) = server.get_json(&format!("/api/v1/campaigns/{id}/domains?limit=2"));
        assert_eq!(page["items"][0]["name"], "name-0.example.com");
        assert_eq!(page["items"][0]["dns"], Value::Null);

        // NDJSON: strings or objects with a name.
        let ndjson = "\"extra-1.example.org\"\n{\"name\":\"extra-2.example.org\"}\n{\"nom\":1}\n";
        let (status, text) = server.request(
            "POST",
            &format!("/api/v1/campaigns/{id}/domains"),
            Some("application/x-ndjson"),
            ndjson.as_bytes(),
        );
        assert_eq!(status, 200, "{text}");
        let report: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(report["accepted"], 2, "{report}");
        assert_eq!(report["rejected"], 1);
    }
}

fn assert_problem(status: u16, body: &str, want_status: u16, want_code: &str) -> Value {
    assert_eq!(status, want_status, "{body}");
    let problem: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert_eq!(problem["code"], want_code, "{problem}");
    assert_eq!(problem["status"], want_status, "{problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{problem}"
    );
    problem
}

#[test]
fn every_error_case_has_its_status_and_code() {
    let server = Dragnet::serve();
    let post = |path: &str, ct: Option<&str>, body: &str| {
        server.request("POST", path, ct, body.as_bytes())
    };
    // Invalid JSON.
    let (s, b) = post("/api/v1/campaigns", Some("application/json"), "{\"name\": ");
    assert_problem(s, &b, 400, "invalid_json");
    // Unknown field, named with its path.
    let (s, b) = post(
        "/api/v1/campaigns",
        Some("application/json"),
        r#"{"name":"x","configuration":{"dnsValidation":{"resolvers":["127.0.0.1:53"],"bogus":1}}}"#,
    );
    let p = assert_problem(s, &b, 400, "invalid_json");
    assert!(p["detail"].as_str().unwrap_or("").contains("bogus"), "{p}");
    // Out-of-range value: 422 naming the field.
    let (s, b) = post(
        "/api/v1/campaigns",
        Some("application/json"),
        r#"{"name":"x","configuration":{"dnsValidation":{"resolvers":["127.0.0.1:53"],"timeoutMs":1}}}"#,
    );
    let p = assert_problem(s, &b, 422, "validation_failed");
    assert_eq!(
        p["errors"][0]["field"], "configuration.dnsValidation.timeoutMs",
        "{p}"
    );
    let (s, b) = post(
        "/api/v1/generation/preview",
        Some("application/json"),
        r#"{"patternType":"prefix","constantString":"x","characterSet":"aa","prefixLength":2,"suffixLength":0,"tlds":["com"]}"#,
    );
    let p = assert_problem(s, &b, 422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "characterSet", "{p}");
    // Wrong content type.
    let (s, b) = post("/api/v1/campaigns", Some("text/plain"), "name=x");
    assert_problem(s, &b, 415, "unsupported_media_type");
    // Oversized body: 413 naming the limit.
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (s, b) = post("/api/v1/campaigns", Some("application/json"), &big);
    let p = assert_problem(s, &b, 413, "payload_too_large");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("1048576"),
        "{p}"
    );
    // Unknown ids and malformed ids.
    let (s, b) = server.get("/api/v1/campaigns/999999");
    assert_problem(s, &b, 404, "not_found");
    let (s, b) = server.get("/api/v1/campaigns/abc");
    assert_problem(s, &b, 400, "invalid_path");
    let (s, b) = server.get("/api/v1/campaigns?limit=100000");
    assert_problem(s, &b, 400, "invalid_query");
    let (s, b) = server.get("/api/v1/campaigns?phaseStatus=sleeping");
    assert_problem(s, &b, 400, "invalid_query");
    // Invalid transitions: 409 naming the current phase, its status and what is allowed.
    let (s, created) = server.post_json("/api/v1/campaigns", &json!({"name": "t"}));
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (s, b) = post(&format!("/api/v1/campaigns/{id}/pause"), None, "");
    let p = assert_problem(s, &b, 409, "invalid_transition");
    assert_eq!(p["context"]["currentPhase"], "domain_generation");
    assert_eq!(p["context"]["phaseStatus"], "pending");
    assert_eq!(p["context"]["availableTransitions"][0]["action"], "start");
    let (s, b) = server.request(
        "PUT",
        &format!("/api/v1/campaigns/{id}/transition"),
        Some("application/json"),
        br#"{"targetPhase":"http_keyword_validation","transitionReason":"skip ahead"}"#,
    );
    assert_problem(s, &b, 409, "invalid_transition");
    // An expectedStatus precondition that does not hold.
    let (s, b) = post(
        &format!("/api/v1/campaigns/{id}/start"),
        Some("application/json"),
        r#"{"expectedStatus":"paused"}"#,
    );
    assert_problem(s, &b, 409, "conflict");
    // A `null` body (the document allows one) means no precondition: the action itself is
    // judged, so pausing a pending phase is an invalid transition, not a bad body.
    let (s, b) = post(
        &format!("/api/v1/campaigns/{id}/pause"),
        Some("application/json"),
        "null",
    );
    assert_problem(s, &b, 409, "invalid_transition");
    // A body of the wrong shape names the problem.
    let (s, b) = post(
        &format!("/api/v1/campaigns/{id}/pause"),
        Some("application/json"),
        "[1]",
    );
    let p = assert_problem(s, &b, 400, "invalid_json");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("JSON object"),
        "{p}"
    );
    // Unknown routes.
    let (s, b) = server.get("/api/v1/nothing-here");
    assert_problem(s, &b, 404, "route_not_found");
    // Export format.
    let (s, b) = server.get(&format!("/api/v1/campaigns/{id}/export?format=xml"));
    assert_problem(s, &b, 400, "invalid_query");
}

#[test]
fn idempotency_key_repeats_the_first_response() {
    let server = Dragnet::serve();
    let (s, created) = server.post_json(
        "/api/v1/campaigns",
        &json!({"name": "idem", "initialPhase": "dns_validation"}),
    );
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let start = |key: &str| {
        let mut stream = std::net::TcpStream::connect(server.addr()).expect("connect");
        use std::io::{Read as _, Write as _};
        write!(
            stream,
            "POST /api/v1/campaigns/{id}/start HTTP/1.1\r\nHost: x\r\nConnection: close\r\nIdempotency-Key: {key}\r\n{}Content-Length: 0\r\n\r\n",
            server.auth_header_line()
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    };
    let first = start("k1");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // The same key again: the first response, not a 409 for starting a running phase.
    let again = start("k1");
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    assert!(
        again
            .to_ascii_lowercase()
            .contains("idempotent-replay: true"),
        "{again}"
    );
    // Another key: the action really runs again, and is refused.
    let other = start("k2");
    assert!(other.starts_with("HTTP/1.1 409"), "{other}");
}

#[test]
fn transition_configures_the_target_and_refuses_started_phases() {
    let server = Dragnet::serve();
    let (s, created) = server.post_json(
        "/api/v1/campaigns",
        &json!({"name": "tr", "configuration": {"domainGeneration": {
            "patternType": "suffix", "constantString": "shop", "characterSet": "ab",
            "prefixLength": 0, "suffixLength": 2, "tlds": ["test"]}}}),
    );
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (s, body) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
    assert_eq!(s, 200, "{body}");
    let start = Instant::now();
    while server.get_json(&format!("/api/v1/campaigns/{id}/phases")).1["phaseStatus"] != "completed"
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "generation did not complete"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let transition = |body: Value| {
        server.request(
            "PUT",
            &format!("/api/v1/campaigns/{id}/transition"),
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    };
    // Reconfiguring the finished generation phase is refused; nothing moves.
    let (s, b) = transition(json!({
        "targetPhase": "dns_validation",
        "configuration": {"domainGeneration": {
            "patternType": "suffix", "constantString": "x", "characterSet": "ab",
            "prefixLength": 0, "suffixLength": 1, "tlds": ["test"]}}}));
    assert_problem(s, &b, 409, "conflict");
    // Moving on with the target's configuration, without starting it.
    let (s, b) = transition(json!({
        "targetPhase": "dns_validation",
        "transitionReason": "names are ready",
        "configuration": {"dnsValidation": {"resolvers": ["127.0.0.1:5399"]}},
        "start": false}));
    assert_eq!(s, 200, "{b}");
    let phases: Value = serde_json::from_str(&b).expect("json");
    assert_eq!(phases["currentPhase"], "dns_validation");
    assert_eq!(phases["phaseStatus"], "pending");
    assert_eq!(
        phases["phases"][1]["configuration"]["resolvers"][0],
        "127.0.0.1:5399"
    );
    assert_eq!(
        phases["phases"][1]["configuration"]["timeoutMs"], 2000,
        "defaults are stored"
    );
}

#[test]
fn export_stops_when_the_client_disconnects() {
    let server = Dragnet::serve();
    let (s, created) = server.post_json(
        "/api/v1/campaigns",
        &json!({"name": "export", "initialPhase": "dns_validation"}),
    );
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let body: String = (0..200_000)
        .map(|i| format!("n{i}.example.com\n"))
        .collect();
    let (s, text) = server.request(
        "POST",
        &format!("/api/v1/campaigns/{id}/domains"),
        Some("text/plain"),
        body.as_bytes(),
    );
    assert_eq!(s, 200, "{text}");
    {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(server.addr()).expect("connect");
        write!(
            stream,
            "GET /api/v1/campaigns/{id}/export?format=ndjson HTTP/1.1\r\nHost: x\r\n{}\r\n",
            server.auth_header_line()
        )
        .expect("write");
        let mut first = vec![0_u8; 16 * 1024];
        stream
            .read_exact(&mut first)
            .expect("the export starts streaming");
        // Hang up after the first few kilobytes of a ~10 MB export.
    }
    let start = Instant::now();
    while !server.logged("export stopped: the client disconnected") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the export kept running after the client left"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (s, _) = server.get("/healthz");
    assert_eq!(s, 200);
}
