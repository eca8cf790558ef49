//! The lead extraction phase end to end, through the API, on SQLite and PostgreSQL: a
//! `launchSequence` campaign runs all five phases — generation (by counting an import) → DNS →
//! HTTP → content analysis → lead extraction — to `completed` against a DNS and an HTTP
//! server the test starts. Every domain gets one lead: the businesses with contacts are
//! qualified, every other domain is rejected for the first rule it fails (a name that does not
//! resolve, a parked page, a page without the keywords, a business without contacts), and the
//! summary balances. Leads list with filters (status, reason, kind, a shared contact), the
//! domain list carries each domain's lead, and the CSV lead export opens cleanly.

use std::sync::Arc;
use std::time::Duration;

use dragnet_testkit::http_server::Route;
use serde_json::{Value, json};

use crate::backends;
use crate::engine::{Dns, is, wait_for};
use crate::http::Http;
use crate::support::Dragnet;

/// A bakery with an e-mail address, a phone number (national format, German) and a profile.
const BUSINESS: &str = r#"<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Bäckerei Sonnenschein – Brot und Kuchen aus Freiburg</title></head>
<body><h1>Willkommen in der Bäckerei Sonnenschein</h1>
<p>Seit über dreißig Jahren backen wir jeden Morgen frisches Brot und feine Kuchen nach den
Rezepten unserer Familie. Besuchen Sie uns in der Altstadt oder bestellen Sie Ihre Torte.</p>
<p>Telefon: 0761 2923 4567 · E-Mail: <a href="mailto:bestellung@sonnenschein-baeckerei.de">bestellung@sonnenschein-baeckerei.de</a></p>
<a href="https://www.instagram.com/sonnenschein.baeckerei/">Instagram</a>
<a href="/kontakt">Kontakt</a> <a href="/impressum">Impressum</a></body></html>"#;

/// The same bakery without any way to reach it.
const NO_CONTACTS: &str = r#"<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Bäckerei Mondschein – Brot und Kuchen</title></head>
<body><h1>Bäckerei Mondschein</h1><p>Frisches Brot und Kuchen jeden Tag, seit 1990 in der
Altstadt. Wir backen mit Sauerteig und regionalem Mehl.</p></body></html>"#;

/// A page with contacts but none of the campaign's keywords.
const NO_KEYWORDS: &str = r#"<!doctype html><html lang="en"><head><title>Acme Plumbing</title>
</head><body><h1>Acme Plumbing</h1><p>Emergency repairs around the clock.
Call us: <a href="tel:+4930901820">+49 30 901820</a> or write to
<a href="mailto:office@acme-plumbing.de">office@acme-plumbing.de</a>.</p></body></html>"#;

const PARKED: &str = r#"<!doctype html><html><head><title>local-1.leads.test</title>
<script src="https://img.sedoparking.com/js/park.js"></script></head>
<body><div id="ads"></div></body></html>"#;

/// Ordinals: 0, 2, 3 are businesses with contacts (qualified); 1 parked; 4 without
/// contacts; 5 without keywords; 6 does not resolve.
const NAMES: [&str; 7] = [
    "local-0.leads.test",
    "local-1.leads.test",
    "local-2.leads.test",
    "local-3.leads.test",
    "local-4.leads.test",
    "local-5.leads.test",
    "nx-6.leads.test",
];

fn start_http() -> Http {
    let http = Http::empty();
    http.server.route("/", Route::html(BUSINESS));
    http.server
        .route_host("local-1.leads.test", "/", Route::html(PARKED));
    http.server
        .route_host("local-4.leads.test", "/", Route::html(NO_CONTACTS));
    http.server
        .route_host("local-5.leads.test", "/", Route::html(NO_KEYWORDS));
    http
}

fn campaign(dns: &Dns, http_port: u16) -> Value {
    json!({
        "name": "leads e2e",
        "launchSequence": true,
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
                "timeoutMs": 5000,
                "keywordRules": [{"pattern": "brot"}, {"pattern": "kuchen"}],
            },
            "contentAnalysis": {},
            "leadExtraction": {"defaultPhoneRegion": "DE"},
        }
    })
}

#[test]
fn all_five_phases_run_and_every_domain_gets_one_lead() {
    let dns = Dns::start();
    let http = start_http();
    for backend in backends::all("all_five_phases_run_and_every_domain_gets_one_lead") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let url = backend
            .url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("leads.db").display()));
        let server = Dragnet::serve_with(
            Arc::clone(&dir),
            Some(&url),
            &[("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true")],
        );
        let (status, created) = server.post_json(
            "/api/v1/campaigns",
            &campaign(&dns, http.server.http_addr().port()),
        );
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let names: String = NAMES.iter().map(|n| format!("{n}\n")).collect();
        let (status, body) = server.request(
            "POST",
            &format!("/api/v1/campaigns/{id}/domains"),
            Some("text/plain"),
            names.as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
        let (status, body) = server.post_json(&format!("/api/v1/campaigns/{id}/start"), &json!({}));
        assert_eq!(status, 200, "{body}");

        let p = wait_for(
            &server,
            id,
            Duration::from_secs(120),
            "lead extraction",
            |p| is(p, "lead_extraction", "completed") || p["phaseStatus"] == "failed",
        );
        assert!(
            is(&p, "lead_extraction", "completed"),
            "{}: {p}",
            backend.name
        );
        let phase = &p["phases"][4];
        assert_eq!(phase["phase"], "lead_extraction", "{p}");
        assert_eq!(phase["totalItems"], NAMES.len(), "{p}");
        assert_eq!(phase["processedItems"], NAMES.len(), "{p}");
        assert_eq!(phase["successfulItems"], 3, "qualified: {p}");
        assert_eq!(phase["failedItems"], NAMES.len() - 3, "rejected: {p}");

        // The funnel balances, with one reason per rejected domain.
        let (status, summary) = server.get_json(&format!("/api/v1/campaigns/{id}/leads/summary"));
        assert_eq!(status, 200, "{summary}");
        assert_eq!(
            summary,
            json!({
                "analysed": 7,
                "qualified": 3,
                "rejected": {"dns_error": 1, "dns_timeout": 0, "http_error": 0,
                    "http_timeout": 0, "parked": 1, "no_keywords": 1, "low_score": 0,
                    "no_contacts": 1},
                "balanced": true,
            }),
            "{}",
            backend.name
        );

        let leads = |query: &str| -> Vec<Value> {
            let (status, body) =
                server.get_json(&format!("/api/v1/campaigns/{id}/leads?limit=1000{query}"));
            assert_eq!(status, 200, "{query}: {body}");
            body["items"].as_array().expect("items").clone()
        };
        let ordinals = |items: Vec<Value>| -> Vec<u64> {
            items
                .iter()
                .map(|d| d["ordinal"].as_u64().expect("ordinal"))
                .collect()
        };
        let all = leads("");
        assert_eq!(all.len(), NAMES.len());
        let reasons: Vec<Value> = all.iter().map(|l| l["reason"].clone()).collect();
        assert_eq!(
            reasons,
            [
                Value::Null,
                json!("parked"),
                Value::Null,
                Value::Null,
                json!("no_contacts"),
                json!("no_keywords"),
                json!("dns_error"),
            ]
        );
        let bakery = &all[0];
        assert_eq!(bakery["status"], "qualified", "{bakery}");
        assert_eq!(bakery["name"], "local-0.leads.test");
        let contacts = bakery["contacts"].as_array().expect("contacts");
        let normalized: Vec<&str> = contacts
            .iter()
            .map(|c| c["normalized"].as_str().expect("normalized"))
            .collect();
        assert!(
            normalized.contains(&"bestellung@sonnenschein-baeckerei.de"),
            "{bakery}"
        );
        assert!(normalized.contains(&"+4976129234567"), "{bakery}");
        assert!(
            normalized
                .iter()
                .any(|n| n.contains("instagram.com/sonnenschein.baeckerei")),
            "{bakery}"
        );
        assert!(
            bakery["contactPages"]
                .as_array()
                .expect("pages")
                .iter()
                .any(|p| p.as_str().is_some_and(|p| p.ends_with("/kontakt"))),
            "{bakery}"
        );
        assert!(bakery["score"].as_f64().is_some(), "{bakery}");

        assert_eq!(ordinals(leads("&status=qualified")), [0, 2, 3]);
        assert_eq!(ordinals(leads("&reason=parked")), [1]);
        assert_eq!(ordinals(leads("&hasPhone=true&status=rejected")), [5]);
        assert_eq!(ordinals(leads("&kind=social")), [0, 2, 3]);
        // The same address on three domains is one contact, linked from each.
        assert_eq!(
            ordinals(leads("&contact=Bestellung@Sonnenschein-Baeckerei.de")),
            [0, 2, 3]
        );
        let (status, body) = server.get_json(&format!("/api/v1/campaigns/{id}/leads?reason=x"));
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains("reason `x`"), "{body}");
        let (status, _) = server.get_json("/api/v1/campaigns/999999/leads/summary");
        assert_eq!(status, 404);

        // Each domain's lead in the domain list.
        let (status, domains) = server.get_json(&format!("/api/v1/campaigns/{id}/domains"));
        assert_eq!(status, 200, "{domains}");
        assert_eq!(domains["items"][1]["lead"]["reason"], "parked", "{domains}");
        assert_eq!(domains["items"][0]["lead"]["status"], "qualified");

        // The CSV lead export: one row per qualified domain, BOM on request.
        let (status, csv) = server.get(&format!("/api/v1/campaigns/{id}/leads/export?bom=true"));
        assert_eq!(status, 200, "{csv}");
        assert!(csv.starts_with('\u{feff}'), "{csv:?}");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[0],
            "domain,organisation,email,phone,socials,score,contact_page,page_url"
        );
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[1].starts_with("local-0.leads.test,"), "{csv}");
        assert!(
            lines[1].contains(",bestellung@sonnenschein-baeckerei.de,\"'+4976129234567\","),
            "a phone number is kept from being read as a formula: {csv}"
        );
    }
}

/// A bakery page of about 30 KiB with its contacts at the end, so that extracting a few
/// hundred takes seconds in a debug build: long enough to pause and to kill the server
/// mid-phase.
fn long_page() -> String {
    let paragraph = "<p>Unsere Bäckerei backt jeden Morgen frisches Brot und feine Kuchen aus \
        regionalen Zutaten. Besuchen Sie uns in der Altstadt, wir beraten Sie gern.</p>\n";
    let mut page =
        String::from("<!doctype html><html lang=\"de\"><head><title>Bäckerei</title></head><body>");
    while page.len() < 30 * 1024 {
        page.push_str(paragraph);
    }
    page.push_str(
        "<p>Telefon 0761 2923 4567, <a href=\"mailto:info@baeckerei-sonne.de\">E-Mail</a></p>\
         </body></html>",
    );
    page
}

#[test]
fn lead_extraction_pauses_resumes_cancels_retries_and_survives_kill_9() {
    const DOMAINS: usize = 600;
    let dns = Dns::start();
    let http = start_http();
    http.server.route("/", Route::html(long_page()));
    for backend in
        backends::all("lead_extraction_pauses_resumes_cancels_retries_and_survives_kill_9")
    {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let env = [
            ("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true"),
            // Small chunks: the pause and the kill land with chunks in flight and others done.
            ("DRAGNET_ENGINE__LEAD_CHUNK", "20"),
        ];
        let server = Dragnet::serve_with(Arc::clone(&dir), backend.url.as_deref(), &env);
        let mut config = campaign(&dns, http.server.http_addr().port());
        // Straight from HTTP to lead extraction: content analysis is optional.
        config["configuration"]
            .as_object_mut()
            .expect("configuration")
            .remove("contentAnalysis");
        let (status, created) = server.post_json("/api/v1/campaigns", &config);
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let names: String = (0..DOMAINS)
            .map(|i| format!("local-{i}.leads.test\n"))
            .collect();
        let (status, body) = server.request(
            "POST",
            &format!("/api/v1/campaigns/{id}/domains"),
            Some("text/plain"),
            names.as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
        let control = |server: &Dragnet, action: &str| {
            let (status, body) =
                server.post_json(&format!("/api/v1/campaigns/{id}/{action}"), &json!({}));
            assert_eq!(status, 200, "{action}: {body}");
        };
        let lead_phase = |p: &Value| -> Value {
            p["phases"]
                .as_array()
                .and_then(|phases| {
                    phases
                        .iter()
                        .find(|ph| ph["phase"] == "lead_extraction")
                        .cloned()
                })
                .unwrap_or(Value::Null)
        };
        let processed = |p: &Value| lead_phase(p)["processedItems"].as_u64().unwrap_or(0);
        control(&server, "start");
        wait_for(
            &server,
            id,
            Duration::from_secs(180),
            "lead extraction under way",
            |p| is(p, "lead_extraction", "running") && processed(p) >= 40,
        );
        control(&server, "pause");
        wait_for(&server, id, Duration::from_secs(10), "paused", |p| {
            is(p, "lead_extraction", "paused")
        });
        // A pause stops the run within one poll interval: a chunk being written may still
        // land. After that, nothing moves, and the funnel balances at every point.
        std::thread::sleep(Duration::from_secs(1));
        let paused = crate::engine::phases(&server, id);
        std::thread::sleep(Duration::from_millis(1500));
        let later = crate::engine::phases(&server, id);
        assert_eq!(
            processed(&paused),
            processed(&later),
            "a paused phase makes no progress"
        );
        assert!(
            processed(&later) < DOMAINS as u64,
            "paused before the end: {later}"
        );
        let (_, summary) = server.get_json(&format!("/api/v1/campaigns/{id}/leads/summary"));
        assert_eq!(summary["balanced"], true, "{summary}");
        assert_eq!(summary["analysed"], processed(&later), "{summary}");

        control(&server, "resume");
        let resumed = wait_for(&server, id, Duration::from_secs(60), "more progress", |p| {
            processed(p) > processed(&later)
        });
        assert!(
            processed(&resumed) < DOMAINS as u64,
            "still running: {resumed}"
        );
        control(&server, "cancel");
        let failed = wait_for(&server, id, Duration::from_secs(10), "cancelled", |p| {
            is(p, "lead_extraction", "failed")
        });
        control(&server, "retry");
        wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "progress after retry",
            |p| is(p, "lead_extraction", "running") && processed(p) > processed(&failed),
        );
        server.kill9();

        let server = Dragnet::serve_with(dir, backend.url.as_deref(), &env);
        let done = wait_for(
            &server,
            id,
            Duration::from_secs(240),
            "completion after restart",
            |p| is(p, "lead_extraction", "completed"),
        );
        let phase = lead_phase(&done);
        assert_eq!(phase["totalItems"], DOMAINS, "{}: {done}", backend.name);
        assert_eq!(phase["processedItems"], DOMAINS, "{}: {done}", backend.name);
        // Exactly one lead per domain, and the funnel balances: every domain is a qualified
        // bakery except the pages routed by host: the parked page and the plumber have none of
        // the keywords (no content analysis here to call the first parked), the other bakery
        // no contacts.
        let (status, summary) = server.get_json(&format!("/api/v1/campaigns/{id}/leads/summary"));
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["analysed"], DOMAINS, "{}: {summary}", backend.name);
        assert_eq!(summary["balanced"], true, "{summary}");
        assert_eq!(
            summary["qualified"],
            DOMAINS - 3,
            "{}: {summary}",
            backend.name
        );
        assert_eq!(summary["rejected"]["no_contacts"], 1, "{summary}");
        assert_eq!(summary["rejected"]["no_keywords"], 2, "{summary}");
        let (status, body) = server.get_json(&format!("/api/v1/campaigns/{id}/leads?limit=1000"));
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().expect("items");
        assert_eq!(
            items.len(),
            DOMAINS,
            "{}: one lead per domain",
            backend.name
        );
        // The one shared address is one contact linked from every bakery.
        let (_, shared) = server.get_json(&format!(
            "/api/v1/campaigns/{id}/leads?limit=1000&contact=info@baeckerei-sonne.de"
        ));
        assert_eq!(
            shared["items"].as_array().map(Vec::len),
            Some(DOMAINS - 3),
            "{}",
            backend.name
        );
    }
}
