//! The catalog from the outside: personas, proxies and keyword sets through the real binary
//! on SQLite and PostgreSQL — full CRUD, field-named validation errors, proxy passwords never
//! in a response (and still stored), the proxy test through the engine's test proxies,
//! campaigns that name missing objects, and objects in use that cannot be deleted.

use std::sync::Arc;

use dragnet_domain::config::StoredId;
use dragnet_store::{Store, StoreOptions};
use dragnet_testkit::proxy_server::{FixedResponseTarget, ProxyServerOptions, TestProxyServer};
use serde_json::{Value, json};

use crate::backends;
use crate::support::Dragnet;

/// Sends `method path` with an optional JSON body; returns the status and the parsed body
/// (`null` for an empty one).
fn send(server: &Dragnet, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let text = body.map(Value::to_string).unwrap_or_default();
    let (status, response) = server.request(
        method,
        path,
        body.map(|_| "application/json"),
        text.as_bytes(),
    );
    let value = if response.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&response).unwrap_or(Value::String(response))
    };
    (status, value)
}

/// Checks a problem document's status and code and returns it.
fn problem(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert_eq!(body["status"], want_status, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

/// The field names of a 422's `errors`.
fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts a 422 `validation_failed` naming exactly `expected`.
fn invalid(status: u16, body: &Value, expected: &[&str]) {
    problem(status, body, 422, "validation_failed");
    assert_eq!(fields(body), expected, "{body}");
}

fn created_id(status: u16, body: &Value) -> String {
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("an id").to_owned()
}

#[test]
fn personas_crud_with_field_named_errors() {
    for backend in backends::all("personas_crud_with_field_named_errors") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (s, dns) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({
                "kind": "dns", "name": " EU resolvers ",
                "settings": {"resolvers": ["192.0.2.53", "192.0.2.54:5353"], "strategy": "random"}
            })),
        );
        let dns_id = created_id(s, &dns);
        assert!(dns_id.starts_with("per_"), "{dns}");
        assert_eq!(dns["kind"], "dns");
        assert_eq!(dns["name"], "EU resolvers");
        assert_eq!(dns["version"], 0);
        // Defaults are written down.
        assert_eq!(dns["settings"]["timeoutMs"], 2000, "{}", backend.name);
        assert_eq!(dns["settings"]["retries"], 2);
        assert_eq!(dns["settings"]["resolvers"][0], "192.0.2.53:53");
        let (s, http) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({"kind": "http", "name": "Default browser", "settings": {}})),
        );
        let http_id = created_id(s, &http);
        assert_eq!(http["settings"]["maxRedirects"], 5);
        assert!(
            http["settings"]["userAgent"]
                .as_str()
                .is_some_and(|ua| ua.contains("Dragnet")),
            "{http}"
        );

        // Read and list (newest first, filtered by kind, in pages).
        let (s, got) = send(&server, "GET", &format!("/api/v1/personas/{dns_id}"), None);
        assert_eq!(s, 200, "{got}");
        assert_eq!(got, dns);
        let (s, all) = send(&server, "GET", "/api/v1/personas", None);
        assert_eq!(s, 200, "{all}");
        assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
        assert!(all.get("nextCursor").is_none(), "{all}");
        let (_, only_http) = send(&server, "GET", "/api/v1/personas?kind=http", None);
        assert_eq!(only_http["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(only_http["items"][0]["id"], http_id.as_str());
        let (_, first) = send(&server, "GET", "/api/v1/personas?limit=1", None);
        assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
        let cursor = first["nextCursor"].as_str().expect("a next page");
        let (_, second) = send(
            &server,
            "GET",
            &format!("/api/v1/personas?limit=1&cursor={cursor}"),
            None,
        );
        assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
        assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
        assert!(second.get("nextCursor").is_none(), "{second}");
        let (s, b) = send(&server, "GET", "/api/v1/personas?cursor=nope", None);
        problem(s, &b, 400, "invalid_query");
        let (s, b) = send(&server, "GET", "/api/v1/personas?limit=0", None);
        problem(s, &b, 400, "invalid_query");
        let (s, b) = send(&server, "GET", "/api/v1/personas?kind=smtp", None);
        problem(s, &b, 400, "invalid_query");

        // Full replace; compare-and-set; the kind never changes.
        let path = format!("/api/v1/personas/{dns_id}");
        let (s, updated) = send(
            &server,
            "PUT",
            &path,
            Some(&json!({
                "kind": "dns", "name": "EU v2", "expectedVersion": 0,
                "settings": {"resolvers": ["192.0.2.1"], "retries": 0}
            })),
        );
        assert_eq!(s, 200, "{updated}");
        assert_eq!(updated["version"], 1);
        assert_eq!(updated["name"], "EU v2");
        assert_eq!(updated["settings"]["retries"], 0);
        assert_eq!(updated["createdAt"], dns["createdAt"]);
        let (s, b) = send(
            &server,
            "PUT",
            &path,
            Some(&json!({
                "kind": "dns", "name": "stale", "expectedVersion": 0,
                "settings": {"resolvers": ["192.0.2.1"]}
            })),
        );
        problem(s, &b, 409, "conflict");
        assert_eq!(b["context"]["version"], 1, "{b}");
        let (s, b) = send(
            &server,
            "PUT",
            &path,
            Some(&json!({"kind": "http", "name": "x", "settings": {}})),
        );
        invalid(s, &b, &["kind"]);

        // Validation errors name the fields; malformed settings name the JSON path.
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({
                "kind": "dns", "name": "",
                "settings": {"resolvers": ["192.0.2.1", "not an ip"], "timeoutMs": 5}
            })),
        );
        invalid(
            s,
            &b,
            &["name", "settings.resolvers[1]", "settings.timeoutMs"],
        );
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({
                "kind": "http", "name": "h",
                "settings": {"headers": {"Host": "x"}, "connectTimeoutMs": 20000, "timeoutMs": 1000}
            })),
        );
        invalid(
            s,
            &b,
            &["settings.headers.Host", "settings.connectTimeoutMs"],
        );
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({"kind": "http", "name": "h", "settings": {"timeoutMs": "fast"}})),
        );
        problem(s, &b, 400, "invalid_json");
        assert!(
            b["detail"]
                .as_str()
                .is_some_and(|d| d.contains("settings.timeoutMs")),
            "{b}"
        );
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(
                &json!({"kind": "dns", "name": "d", "settings": {"resolvers": ["192.0.2.1"], "userAgent": "x"}}),
            ),
        );
        problem(s, &b, 400, "invalid_json");
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/personas",
            Some(&json!({"kind": "ftp", "name": "x", "settings": {}})),
        );
        problem(s, &b, 400, "invalid_json");

        // Delete, then it is gone; ids that cannot exist are refused.
        let (s, b) = send(&server, "DELETE", &path, None);
        assert_eq!(s, 204, "{b}");
        let (s, b) = send(&server, "GET", &path, None);
        problem(s, &b, 404, "not_found");
        let (s, b) = send(&server, "DELETE", &path, None);
        problem(s, &b, 404, "not_found");
        let (s, b) = send(
            &server,
            "PUT",
            &path,
            Some(&json!({"kind": "dns", "name": "x", "settings": {"resolvers": ["192.0.2.1"]}})),
        );
        problem(s, &b, 404, "not_found");
        let (s, b) = send(&server, "GET", "/api/v1/personas/bad!id", None);
        problem(s, &b, 400, "invalid_path");
    }
}

#[test]
fn proxy_passwords_are_stored_but_never_returned() {
    const SECRET: &str = "hunter2-Very-Secret";
    const SECOND: &str = "second-Secret-99";
    for backend in backends::all("proxy_passwords_are_stored_but_never_returned") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(Arc::clone(&dir), backend.url.as_deref());
        let url = backend
            .url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("dragnet.db").display()));
        let store = Store::open(
            &url,
            StoreOptions {
                migrate: false,
                max_connections: 1,
                ..StoreOptions::default()
            },
        )
        .expect("open the server's store");
        let stored_password = |id: &str| {
            store
                .read_proxy(&StoredId::parse(id).expect("id"))
                .expect("stored proxy")
                .proxy
                .password()
                .map(str::to_owned)
        };
        let mut responses: Vec<String> = Vec::new();
        let mut call = |method: &str, path: &str, body: Option<Value>| {
            let (s, v) = send(&server, method, path, body.as_ref());
            responses.push(v.to_string());
            (s, v)
        };

        let (s, created) = call(
            "POST",
            "/api/v1/proxies",
            Some(json!({
                "name": "Office", "protocol": "socks5", "host": "Proxy.Example", "port": 1080,
                "username": "alice", "password": SECRET
            })),
        );
        let id = created_id(s, &created);
        assert!(id.starts_with("prx_"), "{created}");
        assert_eq!(created["username"], "alice");
        assert_eq!(created["hasPassword"], true);
        assert_eq!(created["host"], "proxy.example");
        assert_eq!(created["enabled"], true);
        assert_eq!(created["acceptInvalidCertificates"], false);
        assert!(created.get("password").is_none(), "{created}");
        assert_eq!(
            stored_password(&id).as_deref(),
            Some(SECRET),
            "{}",
            backend.name
        );
        let path = format!("/api/v1/proxies/{id}");

        let (s, got) = call("GET", &path, None);
        assert_eq!(s, 200, "{got}");
        assert_eq!(got, created);
        let (s, list) = call("GET", "/api/v1/proxies", None);
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["items"][0]["id"], id.as_str());
        assert_eq!(list["items"][0]["hasPassword"], true);

        // Absent password: kept.
        let (s, kept) = call(
            "PUT",
            &path,
            Some(json!({
                "name": "Office 2", "protocol": "socks5", "host": "proxy.example", "port": 1081,
                "username": "alice", "expectedVersion": 0
            })),
        );
        assert_eq!(s, 200, "{kept}");
        assert_eq!(kept["version"], 1);
        assert_eq!(kept["port"], 1081);
        assert_eq!(kept["hasPassword"], true);
        assert_eq!(stored_password(&id).as_deref(), Some(SECRET));
        // A new one: replaced.
        let (s, replaced) = call(
            "PUT",
            &path,
            Some(json!({
                "name": "Office", "protocol": "http", "host": "10.1.2.3", "port": 3128,
                "username": "bob", "password": SECOND
            })),
        );
        assert_eq!(s, 200, "{replaced}");
        assert_eq!(replaced["username"], "bob");
        assert_eq!(stored_password(&id).as_deref(), Some(SECOND));
        // A stale version while keeping the password.
        let (s, b) = call(
            "PUT",
            &path,
            Some(json!({
                "name": "x", "protocol": "http", "host": "10.1.2.3", "port": 3128,
                "username": "bob", "expectedVersion": 0
            })),
        );
        problem(s, &b, 409, "conflict");
        // `null` with a username: a username needs a password.
        let (s, b) = call(
            "PUT",
            &path,
            Some(json!({
                "name": "x", "protocol": "http", "host": "10.1.2.3", "port": 3128,
                "username": "bob", "password": null
            })),
        );
        invalid(s, &b, &["password"]);
        // No username: no credentials at all.
        let (s, cleared) = call(
            "PUT",
            &path,
            Some(json!({
                "name": "Open", "protocol": "https", "host": "[2001:db8::7]", "port": 443,
                "acceptInvalidCertificates": true, "enabled": false
            })),
        );
        assert_eq!(s, 200, "{cleared}");
        assert_eq!(cleared["hasPassword"], false);
        assert_eq!(cleared["username"], Value::Null);
        assert_eq!(cleared["host"], "2001:db8::7");
        assert_eq!(cleared["enabled"], false);
        assert_eq!(stored_password(&id), None);

        // Validation errors name the fields.
        for (body, expected) in [
            (json!({"username": "u"}), vec!["password"]),
            (json!({"password": "p"}), vec!["username"]),
            (json!({"host": "proxy.example:8080"}), vec!["host"]),
            (json!({"port": 0}), vec!["port"]),
            (json!({"name": " "}), vec!["name"]),
            (
                json!({"acceptInvalidCertificates": true}),
                vec!["acceptInvalidCertificates"],
            ),
            (
                json!({"username": "a:b", "password": SECRET}),
                vec!["username"],
            ),
        ] {
            let mut full =
                json!({"name": "p", "protocol": "http", "host": "proxy.example", "port": 8080});
            for (k, v) in body.as_object().expect("object") {
                full[k] = v.clone();
            }
            let (s, b) = call("POST", "/api/v1/proxies", Some(full));
            invalid(s, &b, &expected);
        }
        let (s, b) = call(
            "POST",
            "/api/v1/proxies",
            Some(json!({"name": "p", "protocol": "socks4", "host": "h", "port": 1})),
        );
        problem(s, &b, 400, "invalid_json");

        // The connectivity test: the SSRF guard refuses loopback and private targets before
        // anything is sent to the proxy (this server does not allow private addresses).
        let test_path = format!("{path}/test");
        for target in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"] {
            let (s, b) = call(
                "POST",
                &test_path,
                Some(json!({"targetHost": target, "targetPort": 80, "timeoutMs": 2000})),
            );
            problem(s, &b, 422, "target_not_allowed");
            assert!(
                b["detail"].as_str().is_some_and(|d| d.contains(target)),
                "{b}"
            );
        }
        let (s, b) = call(
            "POST",
            &test_path,
            Some(json!({"targetHost": "", "targetPort": 0, "timeoutMs": 5})),
        );
        invalid(s, &b, &["targetHost", "targetPort", "timeoutMs"]);
        let (s, b) = call(
            "POST",
            "/api/v1/proxies/prx_nope/test",
            Some(json!({"targetHost": "127.0.0.1", "targetPort": 80})),
        );
        problem(s, &b, 404, "not_found");

        // The password appeared in no response at all.
        let (s, b) = call("DELETE", &path, None);
        assert_eq!(s, 204, "{b}");
        for response in &responses {
            assert!(
                !response.contains(SECRET) && !response.contains(SECOND),
                "a password leaked: {response}"
            );
        }
        let (s, b) = send(&server, "GET", &path, None);
        problem(s, &b, 404, "not_found");
    }
}

#[test]
fn keyword_sets_crud_with_field_named_errors() {
    for backend in backends::all("keyword_sets_crud_with_field_named_errors") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (s, created) = send(
            &server,
            "POST",
            "/api/v1/keyword-sets",
            Some(&json!({
                "name": "Brands", "description": "Our brands\nand their typos",
                "rules": [
                    {"pattern": "acme", "category": "brand"},
                    {"pattern": "ac[mn]e", "kind": "regex", "caseSensitive": true}
                ]
            })),
        );
        let id = created_id(s, &created);
        assert!(id.starts_with("kws_"), "{created}");
        assert_eq!(created["description"], "Our brands\nand their typos");
        // Rules come back with every field written down.
        assert_eq!(
            created["rules"][0],
            json!({"pattern": "acme", "kind": "literal", "caseSensitive": false, "category": "brand"}),
            "{}",
            backend.name
        );
        assert_eq!(created["rules"][1]["kind"], "regex");
        let path = format!("/api/v1/keyword-sets/{id}");
        let (s, got) = send(&server, "GET", &path, None);
        assert_eq!(s, 200, "{got}");
        assert_eq!(got, created);
        let (s, list) = send(&server, "GET", "/api/v1/keyword-sets?limit=10", None);
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["items"], json!([created]));

        let (s, updated) = send(
            &server,
            "PUT",
            &path,
            Some(
                &json!({"name": "Brands v2", "rules": [{"pattern": "initech"}], "expectedVersion": 0}),
            ),
        );
        assert_eq!(s, 200, "{updated}");
        assert_eq!(updated["version"], 1);
        assert_eq!(updated["description"], Value::Null);
        assert_eq!(updated["rules"].as_array().map(Vec::len), Some(1));
        let (s, b) = send(
            &server,
            "PUT",
            &path,
            Some(&json!({"name": "x", "rules": [{"pattern": "x"}], "expectedVersion": 7})),
        );
        problem(s, &b, 409, "conflict");

        // Errors name the rule and the field.
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/keyword-sets",
            Some(&json!({
                "name": "bad",
                "rules": [
                    {"pattern": "ok"},
                    {"pattern": "(", "kind": "regex"},
                    {"pattern": "OK"},
                    {"pattern": "a*", "kind": "regex"}
                ]
            })),
        );
        invalid(s, &b, &["rules[1].pattern", "rules[3].pattern", "rules[2]"]);
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/keyword-sets",
            Some(&json!({"name": "", "rules": []})),
        );
        invalid(s, &b, &["name", "rules"]);
        let (s, b) = send(
            &server,
            "POST",
            "/api/v1/keyword-sets",
            Some(&json!({"name": "x", "rules": [{"pattern": "a", "weight": 2}]})),
        );
        problem(s, &b, 400, "invalid_json");
        assert!(
            b["detail"].as_str().is_some_and(|d| d.contains("rules[0]")),
            "{b}"
        );

        let (s, b) = send(&server, "DELETE", &path, None);
        assert_eq!(s, 204, "{b}");
        let (s, b) = send(&server, "GET", &path, None);
        problem(s, &b, 404, "not_found");
    }
}

/// Creates a DNS persona, an HTTP persona, a keyword set and a proxy; returns their ids.
fn catalog(server: &Dragnet) -> (String, String, String, String) {
    let (s, b) = send(
        server,
        "POST",
        "/api/v1/personas",
        Some(&json!({"kind": "dns", "name": "d", "settings": {"resolvers": ["127.0.0.1:5399"]}})),
    );
    let dns = created_id(s, &b);
    let (s, b) = send(
        server,
        "POST",
        "/api/v1/personas",
        Some(&json!({"kind": "http", "name": "h", "settings": {}})),
    );
    let http = created_id(s, &b);
    let (s, b) = send(
        server,
        "POST",
        "/api/v1/keyword-sets",
        Some(&json!({"name": "k", "rules": [{"pattern": "shop"}]})),
    );
    let set = created_id(s, &b);
    let (s, b) = send(
        server,
        "POST",
        "/api/v1/proxies",
        Some(&json!({"name": "p", "protocol": "http", "host": "127.0.0.1", "port": 3128})),
    );
    let proxy = created_id(s, &b);
    (dns, http, set, proxy)
}

#[test]
fn campaigns_must_name_existing_objects_of_the_right_kind() {
    for backend in backends::all("campaigns_must_name_existing_objects_of_the_right_kind") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (dns, http, set, proxy) = catalog(&server);
        let campaign = |configuration: Value| {
            send(
                &server,
                "POST",
                "/api/v1/campaigns",
                Some(&json!({
                    "name": "refs", "initialPhase": "dns_validation",
                    "configuration": configuration
                })),
            )
        };
        // Missing objects, and personas of the wrong kind.
        let (s, b) = campaign(json!({
            "dnsValidation": {"personaId": http, "recordTypes": ["A"]},
            "httpKeywordValidation": {
                "personaId": dns,
                "keywordSetIds": [set, "kws_missing"],
                "proxyIds": ["prx_missing", proxy]
            }
        }));
        invalid(
            s,
            &b,
            &[
                "configuration.dnsValidation.personaId",
                "configuration.httpKeywordValidation.personaId",
                "configuration.httpKeywordValidation.keywordSetIds[1]",
                "configuration.httpKeywordValidation.proxyIds[0]",
            ],
        );
        let messages: Vec<&str> = b["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["message"].as_str())
            .collect();
        assert!(messages[0].contains("is a http persona"), "{messages:?}");
        assert!(messages[2].contains("kws_missing"), "{messages:?}");
        let (s, b) = campaign(json!({"dnsValidation": {"personaId": "per_missing"}}));
        invalid(s, &b, &["configuration.dnsValidation.personaId"]);

        // All present and of the right kind.
        let (s, created) = campaign(json!({
            "dnsValidation": {"personaId": dns, "recordTypes": ["A"]},
            "httpKeywordValidation": {
                "personaId": http, "keywordSetIds": [set], "proxyIds": [proxy],
                "proxyRotation": "random", "snapshot": false
            }
        }));
        assert_eq!(s, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let (_, phases) = send(
            &server,
            "GET",
            &format!("/api/v1/campaigns/{id}/phases"),
            None,
        );
        let http_config = &phases["phases"][2]["configuration"];
        assert_eq!(http_config["proxyIds"], json!([proxy]), "{phases}");
        assert_eq!(http_config["proxyRotation"], "random");
        assert_eq!(http_config["snapshot"], false);
        assert_eq!(http_config["acceptInvalidCertificates"], false);

        // PATCH and transition are checked the same way.
        let (s, b) = send(
            &server,
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(
                &json!({"configuration": {"httpKeywordValidation": {"keywordSetIds": ["kws_gone"]}}}),
            ),
        );
        invalid(
            s,
            &b,
            &["configuration.httpKeywordValidation.keywordSetIds[0]"],
        );
        let (s, b) = send(
            &server,
            "PUT",
            &format!("/api/v1/campaigns/{id}/transition"),
            Some(&json!({
                "targetPhase": "http_keyword_validation",
                "configuration": {"httpKeywordValidation": {"proxyIds": ["prx_gone"]}}
            })),
        );
        invalid(s, &b, &["configuration.httpKeywordValidation.proxyIds[0]"]);
        let (s, b) = send(
            &server,
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(&json!({"configuration": {"httpKeywordValidation": {"personaId": http}}})),
        );
        assert_eq!(s, 200, "{b}");
    }
}

#[test]
fn objects_named_by_unfinished_phases_cannot_be_deleted() {
    for backend in backends::all("objects_named_by_unfinished_phases_cannot_be_deleted") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (dns, http, set, proxy) = catalog(&server);
        let (s, created) = send(
            &server,
            "POST",
            "/api/v1/campaigns",
            Some(&json!({
                "name": "holds the catalog", "initialPhase": "dns_validation",
                "configuration": {
                    "dnsValidation": {"personaId": dns, "recordTypes": ["A"]},
                    "httpKeywordValidation": {
                        "personaId": http, "keywordSetIds": [set], "proxyIds": [proxy]
                    }
                }
            })),
        );
        assert_eq!(s, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        for (path, phase) in [
            (format!("/api/v1/personas/{dns}"), "dns_validation"),
            (
                format!("/api/v1/personas/{http}"),
                "http_keyword_validation",
            ),
            (
                format!("/api/v1/keyword-sets/{set}"),
                "http_keyword_validation",
            ),
            (
                format!("/api/v1/proxies/{proxy}"),
                "http_keyword_validation",
            ),
        ] {
            let (s, b) = send(&server, "DELETE", &path, None);
            problem(s, &b, 409, "in_use");
            let campaigns = &b["context"]["campaigns"];
            assert_eq!(campaigns[0]["campaignId"], id, "{b}");
            assert_eq!(campaigns[0]["campaignName"], "holds the catalog");
            assert_eq!(campaigns[0]["phase"], phase, "{}", backend.name);
            assert_eq!(campaigns[0]["phaseStatus"], "pending");
            assert!(
                b["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains(&format!("campaign {id}"))),
                "{b}"
            );
            // Still there.
            let (s, b) = send(&server, "GET", &path, None);
            assert_eq!(s, 200, "{b}");
        }
        // Reconfiguring the HTTP phase without the keyword set releases it only.
        let (s, b) = send(
            &server,
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(
                &json!({"configuration": {"httpKeywordValidation": {"personaId": http, "proxyIds": [proxy]}}}),
            ),
        );
        assert_eq!(s, 200, "{b}");
        let (s, b) = send(
            &server,
            "DELETE",
            &format!("/api/v1/keyword-sets/{set}"),
            None,
        );
        assert_eq!(s, 204, "{b}");
        let (s, b) = send(&server, "DELETE", &format!("/api/v1/proxies/{proxy}"), None);
        problem(s, &b, 409, "in_use");
        // Once the campaign is gone, nothing holds them.
        let (s, b) = send(&server, "DELETE", &format!("/api/v1/campaigns/{id}"), None);
        assert_eq!(s, 204, "{b}");
        for path in [
            format!("/api/v1/personas/{dns}"),
            format!("/api/v1/personas/{http}"),
            format!("/api/v1/proxies/{proxy}"),
        ] {
            let (s, b) = send(&server, "DELETE", &path, None);
            assert_eq!(s, 204, "{path}: {b}");
        }
    }
}

/// The engine's test proxies and a target on 127.0.0.1, driven by their own runtime for the
/// test's lifetime.
struct TestNetwork {
    connect: TestProxyServer,
    socks: TestProxyServer,
    target: FixedResponseTarget,
    _runtime: tokio::runtime::Runtime,
}

impl TestNetwork {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let credentials = Some(("alice".to_owned(), "open-sesame".to_owned()));
        let (connect, socks, target) = runtime.block_on(async {
            (
                TestProxyServer::connect_proxy(ProxyServerOptions {
                    credentials: credentials.clone(),
                    ..ProxyServerOptions::default()
                })
                .await
                .expect("CONNECT proxy"),
                TestProxyServer::socks5(ProxyServerOptions {
                    credentials,
                    ..ProxyServerOptions::default()
                })
                .await
                .expect("SOCKS5 proxy"),
                FixedResponseTarget::start().await.expect("target"),
            )
        });
        Self {
            connect,
            socks,
            target,
            _runtime: runtime,
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn proxy_test_opens_a_real_tunnel_and_reports_failures() {
    let net = TestNetwork::start();
    let target = net.target.addr();
    for backend in backends::all("proxy_test_opens_a_real_tunnel_and_reports_failures") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        // The proxies and the target are on 127.0.0.1: the operator allows private addresses.
        let server = Dragnet::serve_with(
            dir,
            backend.url.as_deref(),
            &[("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true")],
        );
        let create = |protocol: &str, port: u16, password: &str| {
            let (s, b) = send(
                &server,
                "POST",
                "/api/v1/proxies",
                Some(&json!({
                    "name": protocol, "protocol": protocol, "host": "127.0.0.1", "port": port,
                    "username": "alice", "password": password
                })),
            );
            created_id(s, &b)
        };
        let test = |id: &str, port: u16| {
            let (s, b) = send(
                &server,
                "POST",
                &format!("/api/v1/proxies/{id}/test"),
                Some(&json!({"targetHost": "127.0.0.1", "targetPort": port, "timeoutMs": 5000})),
            );
            assert_eq!(s, 200, "{b}");
            assert!(!b.to_string().contains("open-sesame"), "{b}");
            assert!(!b.to_string().contains("wrong-password"), "{b}");
            b
        };

        // A working CONNECT proxy with credentials: a real tunnel reaches the target.
        let tunnels = net.connect.tunnels();
        let reached = net.target.connections();
        let http = create("http", net.connect.addr().port(), "open-sesame");
        let ok = test(&http, target.port());
        assert_eq!(ok["ok"], true, "{}: {ok}", backend.name);
        assert!(ok["connectMs"].as_u64().is_some(), "{ok}");
        assert!(ok["tunnelMs"].as_u64() >= ok["connectMs"].as_u64(), "{ok}");
        assert!(
            ok["target"]
                .as_str()
                .is_some_and(|t| t.contains(&target.port().to_string())),
            "{ok}"
        );
        assert!(ok.get("error").is_none(), "{ok}");
        assert_eq!(net.connect.tunnels(), tunnels + 1);
        // The tunnel is open when the API answers; the target's accept loop may count the
        // connection a moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while net.target.connections() <= reached && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            net.target.connections() > reached,
            "the target saw the tunnel"
        );

        // SOCKS5 with the right and the wrong password.
        let socks = create("socks5", net.socks.addr().port(), "open-sesame");
        assert_eq!(test(&socks, target.port())["ok"], true);
        let wrong = create("socks5", net.socks.addr().port(), "wrong-password");
        let failed = test(&wrong, target.port());
        assert_eq!(failed["ok"], false, "{failed}");
        assert_eq!(failed["proxyFault"], true, "{failed}");
        assert!(
            failed["error"]
                .as_str()
                .is_some_and(|e| e.contains("rejected the credentials")),
            "{failed}"
        );

        // The proxy works but the target does not answer: not the proxy's fault.
        let refused = test(&http, closed_port());
        assert_eq!(refused["ok"], false, "{refused}");
        assert_eq!(refused["proxyFault"], false, "{refused}");
        // Nothing listens where the proxy should be: the proxy's fault.
        let gone = create("http", closed_port(), "open-sesame");
        let unreachable = test(&gone, target.port());
        assert_eq!(unreachable["ok"], false, "{unreachable}");
        assert_eq!(unreachable["proxyFault"], true, "{unreachable}");
        assert!(
            unreachable["error"]
                .as_str()
                .is_some_and(|e| e.contains(&gone)),
            "the error names the proxy by its id: {unreachable}"
        );
    }
}
