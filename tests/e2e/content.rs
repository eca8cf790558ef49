//! The `content_analysis` phase through the real binary: a full-sequence campaign runs
//! generation (by counting an import) → DNS → HTTP → content analysis to `completed` against
//! a DNS and an HTTP server the test starts, on SQLite and PostgreSQL; every page gets one
//! result, read back from the store: a parked page, a for-sale lander and a business page are
//! told apart, with evidence, language and technologies.

use std::sync::Arc;
use std::time::Duration;

use dragnet_domain::CampaignId;
use dragnet_domain::content::{EvidenceKind, PageClass};
use dragnet_store::{Store, StoreOptions};
use dragnet_testkit::http_server::Route;
use serde_json::{Value, json};

use crate::backends;
use crate::engine::{Dns, is, wait_for};
use crate::http::Http;
use crate::support::Dragnet;

/// Domains that resolve to 127.0.0.1 (the test DNS server answers `local-…` so).
const PAGES: usize = 30;

const BUSINESS: &str = r#"<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Bäckerei Sonnenschein – Brot und Kuchen aus Freiburg</title>
<meta name="generator" content="WordPress 6.4.2">
<link rel="stylesheet" href="/wp-content/themes/sonne/style.css">
<script src="/wp-includes/js/jquery/jquery.min.js"></script></head>
<body><h1>Willkommen in der Bäckerei Sonnenschein</h1>
<p>Seit über dreißig Jahren backen wir jeden Morgen frisches Brot, knusprige Brötchen und
feine Kuchen nach den Rezepten unserer Familie. Unsere Zutaten kommen von Bauern aus der
Region, und wir verzichten auf Zusatzstoffe. Besuchen Sie uns in der Altstadt oder bestellen
Sie Ihre Torte für Geburtstage und Hochzeiten bequem telefonisch. Wir freuen uns auf Ihren
Besuch und beraten Sie gern bei der Auswahl der passenden Backwaren für Ihr Fest.</p>
<p>Öffnungszeiten: Montag bis Freitag von sechs bis achtzehn Uhr, samstags bis mittags.</p>
<a href="/kontakt">Kontakt</a> <a href="/impressum">Impressum</a></body></html>"#;

const PARKED: &str = r#"<!doctype html><html><head><title>local-1.e2e.test</title>
<script src="https://img.sedoparking.com/js/park.js"></script></head>
<body><div id="ads"></div></body></html>"#;

const FOR_SALE: &str = r#"<!doctype html><html><head><title>local-2.e2e.test is for sale</title></head>
<body><h1>This domain is for sale!</h1><p>The domain local-2.e2e.test may be for sale.
Make an offer today.</p><a href="https://www.afternic.com/forsale/local-2.e2e.test">Buy now</a>
</body></html>"#;

/// A page that says nothing: what a parking service's name servers often serve before the
/// lander's scripts run.
const BLANK: &str = "<!doctype html><html><head><title>Welcome</title></head><body></body></html>";

/// A domain whose name servers are a parking service's (the test DNS server answers NS for
/// `parkedns-…` names so) and whose page is [`BLANK`]: parked by its name servers alone. It is
/// imported after the `local-…` names, so its ordinal is [`PAGES`].
const PARKED_BY_NS: &str = "parkedns-1.e2e.test";

/// The test's HTTP server: `local-1` is parked, `local-2` for sale, [`PARKED_BY_NS`] blank,
/// every other host a German bakery on WordPress.
fn start_http() -> Http {
    let http = Http::empty();
    http.server.route(
        "/",
        Route::html(BUSINESS)
            .header("Server", "nginx")
            .header("Set-Cookie", "wordpress_test_cookie=WP; path=/"),
    );
    http.server
        .route_host("local-1.e2e.test", "/", Route::html(PARKED));
    http.server
        .route_host("local-2.e2e.test", "/", Route::html(FOR_SALE));
    http.server
        .route_host(PARKED_BY_NS, "/", Route::html(BLANK));
    http
}

fn campaign(dns: &Dns, http_port: u16) -> Value {
    json!({
        "name": "content e2e",
        "launchSequence": true,
        "configuration": {
            "dnsValidation": {
                "resolvers": [dns.addr().to_string()],
                "recordTypes": ["A", "NS"],
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
        }
    })
}

#[test]
fn full_sequence_runs_through_content_analysis() {
    let dns = Dns::start();
    let http = start_http();
    for backend in backends::all("full_sequence_runs_through_content_analysis") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let url = backend
            .url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("content.db").display()));
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
        let mut names: String = (0..PAGES)
            .map(|i| format!("local-{i}.e2e.test\n"))
            .collect();
        names.push_str(PARKED_BY_NS);
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
            "content analysis",
            |p| is(p, "content_analysis", "completed") || p["phaseStatus"] == "failed",
        );
        assert!(is(&p, "content_analysis", "completed"), "{p}");
        let content = &p["phases"][3];
        assert_eq!(content["phase"], "content_analysis", "{p}");
        assert_eq!(content["totalItems"], PAGES + 1, "{p}");
        assert_eq!(content["processedItems"], PAGES + 1, "{p}");
        assert_eq!(content["successfulItems"], PAGES + 1, "{p}");
        assert_eq!(content["failedItems"], 0, "{p}");

        // Every page has exactly one result, and the three kinds are told apart.
        let store = Store::open(&url, StoreOptions::default()).expect("open the store");
        let campaign = CampaignId(id);
        for ordinal in 0..=PAGES as u64 {
            let result = store
                .content_result(campaign, ordinal)
                .expect("read")
                .unwrap_or_else(|| {
                    panic!("{}: no content result for ordinal {ordinal}", backend.name)
                });
            assert!(result.error.is_none(), "{result:?}");
            assert!(
                (0.0..=100.0).contains(&result.relevance_score),
                "{result:?}"
            );
            let expected = match ordinal {
                1 => PageClass::Parked,
                o if o == PAGES as u64 => PageClass::Parked,
                2 => PageClass::ForSale,
                _ => PageClass::Active,
            };
            assert_eq!(
                result.classification, expected,
                "{}: {result:?}",
                backend.name
            );
            assert!(
                expected == PageClass::Active || !result.evidence.is_empty(),
                "a parked or for-sale page names its evidence: {result:?}"
            );
            if ordinal == PAGES as u64 {
                assert!(
                    result.evidence.iter().any(|e| {
                        e.kind == EvidenceKind::ParkingNameserver
                            && e.value.starts_with("ns1.sedoparking.com")
                    }),
                    "parked by its name servers: {result:?}"
                );
            }
            if expected == PageClass::Active {
                assert_eq!(result.language.code, "de", "{result:?}");
                assert!(
                    result.technologies.iter().any(|t| t.name == "WordPress"),
                    "{result:?}"
                );
                assert!(result.signals.has_contact_link, "{result:?}");
                // Both keywords matched: coverage is full.
                assert!(
                    (result.signals.keyword_coverage - 1.0).abs() < 1e-9,
                    "{result:?}"
                );
            } else {
                assert!(
                    result.relevance_score < 50.0,
                    "a parked page scores low: {result:?}"
                );
            }
        }
        drop(store);

        // The same through the API: `content` in the list, and the content filters.
        let list = |query: &str| -> Vec<Value> {
            let (status, body) =
                server.get_json(&format!("/api/v1/campaigns/{id}/domains?limit=1000{query}"));
            assert_eq!(status, 200, "{query}: {body}");
            body["items"].as_array().expect("items").clone()
        };
        let all = list("");
        assert_eq!(all.len(), PAGES + 1);
        // The NS records the DNS phase kept, in the list as in the export.
        assert_eq!(
            all[PAGES]["dns"]["records"],
            json!([
                {"type": "NS", "value": "ns1.sedoparking.com", "ttl": 60},
                {"type": "NS", "value": "ns2.sedoparking.com", "ttl": 60},
            ]),
            "{}",
            all[PAGES]
        );
        assert_eq!(all[1]["content"]["classification"], "parked", "{}", all[1]);
        assert_eq!(
            all[2]["content"]["classification"], "for_sale",
            "{}",
            all[2]
        );
        assert_eq!(all[0]["content"]["language"]["code"], "de", "{}", all[0]);
        let score = all[0]["content"]["relevanceScore"].as_f64().expect("score");
        let weighted = &all[0]["content"]["components"];
        assert!((weighted["score"].as_f64().expect("sum") * 100.0 - score).abs() < 1e-6);
        let ordinals = |items: Vec<Value>| -> Vec<u64> {
            items
                .iter()
                .map(|d| d["ordinal"].as_u64().expect("ordinal"))
                .collect()
        };
        assert_eq!(ordinals(list("&classification=parked")), [1, PAGES as u64]);
        assert_eq!(ordinals(list("&classification=for_sale")), [2]);
        assert_eq!(list("&classification=active").len(), PAGES - 2);
        assert_eq!(list("&language=de").len(), PAGES - 2);
        assert_eq!(list("&technology=WordPress").len(), PAGES - 2);
        assert!(list("&minScore=50").iter().all(|d| {
            d["content"]["relevanceScore"]
                .as_f64()
                .is_some_and(|s| s >= 50.0)
        }));
        assert!(!ordinals(list("&minScore=50")).contains(&1));
        let (status, body) = server.get_json(&format!(
            "/api/v1/campaigns/{id}/domains?classification=shop"
        ));
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains("classification `shop`"), "{body}");
    }
}

/// A bakery page of about 30 KiB, so that analysing a few hundred takes seconds in a debug
/// build: long enough to pause and to kill the server mid-phase.
fn long_page() -> String {
    let paragraph = "<p>Unsere Bäckerei backt jeden Morgen frisches Brot und feine Kuchen aus \
        regionalen Zutaten. Besuchen Sie uns in der Altstadt, wir beraten Sie gern.</p>\n";
    let mut page =
        String::from("<!doctype html><html lang=\"de\"><head><title>Bäckerei</title></head><body>");
    while page.len() < 30 * 1024 {
        page.push_str(paragraph);
    }
    page.push_str("<a href=\"/kontakt\">Kontakt</a></body></html>");
    page
}

#[test]
fn content_analysis_pauses_resumes_cancels_retries_and_survives_kill_9() {
    const DOMAINS: usize = 600;
    let dns = Dns::start();
    let http = start_http();
    http.server.route("/", Route::html(long_page()));
    for backend in
        backends::all("content_analysis_pauses_resumes_cancels_retries_and_survives_kill_9")
    {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let env = [
            ("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true"),
            // Small chunks: the pause and the kill land with chunks in flight and others done.
            ("DRAGNET_ENGINE__CONTENT_CHUNK", "20"),
        ];
        let server = Dragnet::serve_with(Arc::clone(&dir), backend.url.as_deref(), &env);
        let (status, created) = server.post_json(
            "/api/v1/campaigns",
            &campaign(&dns, http.server.http_addr().port()),
        );
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        let names: String = (0..DOMAINS)
            .map(|i| format!("local-{i}.e2e.test\n"))
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
        let processed = |p: &Value| p["phases"][3]["processedItems"].as_u64().unwrap_or(0);
        control(&server, "start");
        wait_for(
            &server,
            id,
            Duration::from_secs(120),
            "content analysis under way",
            |p| is(p, "content_analysis", "running") && processed(p) >= 40,
        );

        control(&server, "pause");
        wait_for(&server, id, Duration::from_secs(10), "paused", |p| {
            is(p, "content_analysis", "paused")
        });
        // A pause stops the run within one poll interval (docs/decisions.md): a chunk already
        // being written may still land. After that, nothing moves.
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
            is(p, "content_analysis", "failed")
        });
        assert_eq!(
            failed["phases"][3]["error"], "cancelled by the user",
            "{failed}"
        );
        control(&server, "retry");
        wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "progress after retry",
            |p| is(p, "content_analysis", "running") && processed(p) > processed(&failed),
        );
        server.kill9();

        let server = Dragnet::serve_with(dir, backend.url.as_deref(), &env);
        let done = wait_for(
            &server,
            id,
            Duration::from_secs(180),
            "completion after restart",
            |p| is(p, "content_analysis", "completed"),
        );
        let content = &done["phases"][3];
        assert_eq!(content["totalItems"], DOMAINS, "{}: {done}", backend.name);
        assert_eq!(
            content["processedItems"], DOMAINS,
            "{}: {done}",
            backend.name
        );
        assert_eq!(
            content["successfulItems"], DOMAINS,
            "{}: {done}",
            backend.name
        );
        // Exactly one result per domain: every domain has one, and the counters (raised only
        // by rows actually inserted) equal the total.
        let (status, body) = server.get_json(&format!("/api/v1/campaigns/{id}/domains?limit=1000"));
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().expect("items");
        assert_eq!(items.len(), DOMAINS);
        assert!(
            items.iter().all(|d| !d["content"].is_null()),
            "{}: every domain has its result",
            backend.name
        );
        // `local-1` and `local-2` keep their parked and for-sale pages (host routes).
        assert!(
            items
                .iter()
                .filter(|d| d["ordinal"] != 1 && d["ordinal"] != 2)
                .all(|d| d["content"]["classification"] == "active"),
            "{}: every other page analysed as the bakery it is",
            backend.name
        );
    }
}
