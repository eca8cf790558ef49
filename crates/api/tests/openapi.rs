//! The OpenAPI document: the committed `docs/openapi.json` is current, and the document is
//! complete enough for clients (summaries, tags, error responses, resolvable references,
//! TypeScript-friendly operation ids, the WebSocket message schemas).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

const REGENERATE: &str = "cargo xtask gen-openapi";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn document() -> Value {
    serde_json::from_str(&dragnet_api::openapi_json()).expect("the document is JSON")
}

/// Every operation: (method, path, operation object).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// A response object, following a `#/components/responses/…` reference.
fn resolve_response<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/responses/")
                .unwrap_or_else(|| panic!("unexpected response reference {r}"));
            &doc["components"]["responses"][name]
        }
        None => response,
    }
}

fn is_problem(doc: &Value, response: &Value) -> bool {
    let content = &resolve_response(doc, response)["content"]["application/problem+json"];
    content["schema"]["$ref"] == "#/components/schemas/Problem"
}

#[test]
fn committed_document_is_current() {
    let path = committed_path();
    let expected = dragnet_api::openapi_json();
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nGenerate it with `{REGENERATE}`.",
            path.display()
        )
    });
    if committed != expected {
        let line = committed
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(expected.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/openapi.json is stale (first difference at line {line}: committed {:?}, \
             current {:?}).\nRegenerate it with `{REGENERATE}` (and the TypeScript types \
             with `cargo xtask gen-types`).",
            committed.lines().nth(line - 1).unwrap_or("<end of file>"),
            expected.lines().nth(line - 1).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn the_document_is_stable_pretty_json_with_a_trailing_newline() {
    let a = dragnet_api::openapi_json();
    assert_eq!(a, dragnet_api::openapi_json(), "two builds differ");
    assert!(a.ends_with("}\n") && !a.ends_with("\n\n"));
    assert!(a.starts_with("{\n  \"openapi\": \"3.1.0\""), "{}", &a[..40]);
}

#[test]
fn every_operation_has_a_summary_a_tag_and_problem_responses() {
    let doc = document();
    let declared_tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let ops = operations(&doc);
    assert!(ops.len() >= 18, "only {} operations", ops.len());
    let mut problems = Vec::new();
    for (method, path, op) in &ops {
        let what = format!("{method} {path}");
        match op["summary"].as_str() {
            Some(s) if !s.trim().is_empty() => {}
            _ => problems.push(format!("{what}: no summary (add a doc comment)")),
        }
        let tags: Vec<&str> = op["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if tags.is_empty() {
            problems.push(format!("{what}: no tag"));
        }
        for tag in tags {
            if !declared_tags.contains(tag) {
                problems.push(format!("{what}: tag {tag:?} is not declared"));
            }
        }
        let responses = op["responses"].as_object().expect("responses");
        if !responses.keys().any(|s| s.starts_with('2')) {
            problems.push(format!("{what}: no success response"));
        }
        // Every error response is a problem document.
        for (status, response) in responses {
            if (status.starts_with('4') || status.starts_with('5')) && !is_problem(&doc, response) {
                problems.push(format!("{what}: {status} is not application/problem+json"));
            }
        }
        let client_errors = responses
            .iter()
            .filter(|(s, r)| s.starts_with('4') && is_problem(&doc, r))
            .count();
        let exempt = match path.as_str() {
            // Liveness cannot fail while the process answers.
            "/healthz" => true,
            // Readiness has no client error; its failure is a 503 problem.
            "/readyz" => {
                if !responses.contains_key("503") {
                    problems.push(format!("{what}: no 503 response"));
                }
                true
            }
            _ => false,
        };
        if !exempt && client_errors == 0 {
            problems.push(format!("{what}: no 4xx application/problem+json response"));
        }
        if path.starts_with("/api/") {
            for status in ["500", "503"] {
                if !responses.contains_key(status) {
                    problems.push(format!("{what}: no {status} response"));
                }
            }
        }
        if path.contains('{') && !responses.contains_key("400") {
            problems.push(format!("{what}: no 400 for a malformed path parameter"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn operation_ids_are_unique_camel_case_names() {
    let doc = document();
    let mut seen = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
        assert!(
            id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{method} {path}: operationId {id:?} is not camelCase"
        );
        assert!(
            seen.insert(id.to_owned()),
            "operationId {id:?} is used twice"
        );
    }
    for id in [
        "createCampaign",
        "listCampaigns",
        "getCampaignPhases",
        "startPhase",
        "importDomains",
        "previewGeneration",
    ] {
        assert!(seen.contains(id), "no operation {id}: {seen:?}");
    }
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.insert(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = document();
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external reference {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved reference {r}");
    }
}

#[test]
fn error_and_websocket_schemas_are_components() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let problem = &schemas["Problem"];
    for field in ["type", "title", "status", "detail", "code", "errors"] {
        assert!(
            problem["properties"].get(field).is_some(),
            "Problem has no {field}"
        );
    }
    assert_eq!(
        problem["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let codes: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in [
        "invalid_json",
        "validation_failed",
        "not_found",
        "invalid_transition",
        "payload_too_large",
        "service_unavailable",
    ] {
        assert!(codes.contains(&code), "ErrorCode lacks {code}: {codes:?}");
    }

    // The WebSocket protocol of /api/v1/ws.
    let progress = &schemas["CampaignProgress"]["properties"];
    for field in [
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
        assert!(
            progress.get(field).is_some(),
            "CampaignProgress has no {field}"
        );
    }
    let text = |v: &Value| v.to_string();
    let server = text(&schemas["ServerMessage"]);
    for needle in [
        "\"campaign.progress\"",
        "\"subscribed\"",
        "\"unsubscribed\"",
        "\"error\"",
        "#/components/schemas/CampaignProgress",
        "#/components/schemas/WsErrorCode",
    ] {
        assert!(server.contains(needle), "ServerMessage lacks {needle}");
    }
    let client = text(&schemas["ClientMessage"]);
    for needle in ["\"subscribe\"", "\"unsubscribe\"", "\"campaignIds\""] {
        assert!(client.contains(needle), "ClientMessage lacks {needle}");
    }
    assert!(schemas["WsErrorCode"]["enum"].is_array());
}
