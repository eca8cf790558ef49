//! The `content_analysis` phase through the real binary: a full-sequence campaign runs
//! generation (by counting an import) → DNS → HTTP → content analysis to `completed` against
//! a DNS and an HTTP server the test starts, on SQLite and PostgreSQL; every page gets one
//! result, read back from the store: a parked page, a for-sale lander and a business page are
//! told apart, with evidence, language and technologies. The phases response counts the
//! results by classification and language. A rescore recomputes every score with new
//! weights (watched over the WebSocket), refuses bad input with clear 4xx answers, and one
//! left half-done by a killed server completes after the restart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dragnet_domain::CampaignId;
use dragnet_domain::config::analysis::{RelevanceWeights, RelevanceWeightsInput};
use dragnet_domain::content::{EvidenceKind, PageClass, RescoreStatus};
use dragnet_store::{Store, StoreOptions};
use dragnet_testkit::http_server::Route;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

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

        // The summary in the phases response is what the results say.
        check_summary(&server, id, &all);
        assert_eq!(
            p["phases"][3]["summary"]["byClassification"],
            json!({"active": PAGES - 2, "parked": 2, "for_sale": 1, "under_construction": 0,
                "default_page": 0, "empty": 0}),
            "{p}"
        );
        assert!(
            p["phases"][2].get("summary").is_none(),
            "only content_analysis has a summary: {p}"
        );

        rescore_through_the_api(&server, id, backend.name);
        rescore_refuses_bad_input(&server, id);
        rescore_is_idempotent_with_a_key(&server, id);

        // A rescore left half-done by a killed server: the restarted one finishes it.
        server.kill9();
        let store = Store::open(&url, StoreOptions::default()).expect("open the store");
        let campaign = store.get_campaign(CampaignId(id)).expect("campaign");
        let weights = weights(json!({"titleHit": 0.5, "notParked": 0.5}));
        let begun = store
            .begin_rescore(
                CampaignId(id),
                &weights,
                1,
                &json!({"weights": weights}),
                campaign.version,
            )
            .expect("begin a rescore");
        let half = store
            .rescore_chunk(CampaignId(id), begun.revision, 10)
            .expect("one chunk");
        assert_eq!(half.state, RescoreStatus::Running);
        assert_eq!(half.processed_items, 10);
        drop(store);
        let server = Dragnet::serve_with(
            Arc::clone(&dir),
            Some(&url),
            &[("DRAGNET_ENGINE__ALLOW_PRIVATE_ADDRESSES", "true")],
        );
        let done = wait_for(
            &server,
            id,
            Duration::from_secs(60),
            "the rescore resumed",
            |p| p["phases"][3]["rescore"]["state"] == "completed",
        );
        let rescore = &done["phases"][3]["rescore"];
        assert_eq!(rescore["revision"], begun.revision, "{done}");
        assert_eq!(
            rescore["processedItems"],
            PAGES + 1,
            "{}: {done}",
            backend.name
        );
        assert_eq!(rescore["totalItems"], PAGES + 1, "{done}");
        check_scores(&list_all(&server, id), &weights, begun.revision);
        assert!(is(&done, "content_analysis", "completed"), "{done}");
    }
}

fn weights(value: Value) -> RelevanceWeights {
    let input: RelevanceWeightsInput = serde_json::from_value(value).expect("weights");
    RelevanceWeights::try_from(input).expect("valid weights")
}

/// Every domain of the campaign with its results.
fn list_all(server: &Dragnet, id: i64) -> Vec<Value> {
    let (status, body) = server.get_json(&format!("/api/v1/campaigns/{id}/domains?limit=1000"));
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

/// The `content_analysis` summary of the phases response equals the counts of the results
/// themselves.
fn check_summary(server: &Dragnet, id: i64, items: &[Value]) {
    let mut by_class: BTreeMap<String, u64> = PageClass::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), 0))
        .collect();
    let mut by_language: BTreeMap<String, u64> = BTreeMap::new();
    for item in items.iter().filter(|d| !d["content"].is_null()) {
        let c = &item["content"];
        *by_class
            .get_mut(c["classification"].as_str().expect("class"))
            .expect("known class") += 1;
        *by_language
            .entry(c["language"]["code"].as_str().expect("code").to_owned())
            .or_default() += 1;
    }
    let p = crate::engine::phases(server, id);
    let summary = &p["phases"][3]["summary"];
    assert_eq!(summary["byClassification"], json!(by_class), "{p}");
    assert_eq!(summary["byLanguage"], json!(by_language), "{p}");
}

/// Every analysed domain's score is `100 × Σ weight × component` (to the three decimals
/// scores are kept to) and carries the rescore's revision.
fn check_scores(items: &[Value], weights: &RelevanceWeights, revision: u64) {
    for item in items.iter().filter(|d| !d["content"].is_null()) {
        let c = &item["content"];
        let x = |k: &str| c["components"][k].as_f64().expect("component");
        let expected = 100.0
            * (weights.keyword_density() * x("keywordDensity")
                + weights.keyword_coverage() * x("keywordCoverage")
                + weights.title_hit() * x("titleHit")
                + weights.content_length() * x("contentLength")
                + weights.not_parked() * x("notParked"));
        let score = c["relevanceScore"].as_f64().expect("score");
        assert!(
            (score - expected).abs() <= 0.0005 + 1e-9,
            "{item}: score {score}, 100 × Σ w × c = {expected}"
        );
        assert!((x("score") * 100.0 - score).abs() < 1e-9, "{item}");
        assert_eq!(c["weightsRevision"], revision, "{item}");
    }
}

/// `(score, ordinal)` of the analysed domains in `order=score`, through keyset pages of 7.
fn score_order(server: &Dragnet, id: i64) -> Vec<(f64, u64)> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, body) = server.get_json(&format!(
            "/api/v1/campaigns/{id}/domains?order=score&limit=7{cursor}"
        ));
        assert_eq!(status, 200, "{body}");
        for d in body["items"].as_array().expect("items") {
            out.push((
                d["content"]["relevanceScore"].as_f64().expect("score"),
                d["ordinal"].as_u64().expect("ordinal"),
            ));
        }
        match body["nextCursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return out,
        }
    }
}

/// Rescores the campaign with new weights while subscribed over the WebSocket: the answer is
/// 202 with the running rescore, `campaign.rescore` messages follow it to `completed` (and no
/// `campaign.progress` says the phase moved), every score is recomputed from its components,
/// the score order follows, and the phases response records the weights and the rescore.
fn rescore_through_the_api(server: &Dragnet, id: i64, backend: &str) {
    let before = list_all(server, id);
    let new = json!({"keywordDensity": 0.1, "keywordCoverage": 0.0, "titleHit": 0.0,
        "contentLength": 0.6, "notParked": 0.3});
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (answer, rescores, progress) = runtime.block_on(async {
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
        let mut progress = Vec::new();
        let mut rescores: Vec<Value> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut next = async || -> Value {
            let left = deadline.saturating_duration_since(Instant::now());
            loop {
                let frame = tokio::time::timeout(left, ws.next())
                    .await
                    .expect("a message within 30 s")
                    .expect("stream open")
                    .expect("frame");
                if let Message::Text(text) = frame {
                    return serde_json::from_str(&text).expect("json");
                }
            }
        };
        // The subscription's acknowledgement and the campaign's state come first.
        assert_eq!(next().await["type"], "subscribed");
        progress.push(next().await);
        let (status, answer) = server.post_json(
            &format!("/api/v1/campaigns/{id}/rescore"),
            &json!({"weights": new}),
        );
        assert_eq!(status, 202, "{answer}");
        loop {
            let message = next().await;
            match message["type"].as_str() {
                Some("campaign.rescore") => {
                    let state = message["data"]["state"].clone();
                    rescores.push(message);
                    if state != "running" {
                        break;
                    }
                }
                Some("campaign.progress") => progress.push(message),
                _ => panic!("unexpected message {message}"),
            }
        }
        (answer, rescores, progress)
    });

    assert_eq!(answer["state"], "running", "{answer}");
    assert_eq!(answer["revision"], 1, "{answer}");
    assert_eq!(answer["totalItems"], PAGES + 1, "{answer}");
    assert_eq!(answer["processedItems"], 0, "{answer}");
    assert_eq!(answer["weights"], new, "{answer}");
    assert_eq!(answer["scoringVersion"], 1, "{answer}");
    let last = &rescores.last().expect("rescore messages")["data"];
    assert_eq!(last["state"], "completed", "{backend}: {rescores:?}");
    assert_eq!(last["campaignId"], id);
    assert_eq!(last["processedItems"], PAGES + 1, "{last}");
    assert_eq!(last["totalItems"], PAGES + 1, "{last}");
    assert_eq!(last["weights"], new, "{last}");
    assert_eq!(last["scoringVersion"], 1, "{last}");
    assert!(last["rescoredAt"].is_string(), "{last}");
    let counts: Vec<u64> = rescores
        .iter()
        .map(|m| m["data"]["processedItems"].as_u64().expect("count"))
        .collect();
    assert!(counts.is_sorted(), "{counts:?}");
    // A rescore is not a phase: the one progress format still says content_analysis is
    // completed, and nothing else.
    for message in &progress {
        assert_eq!(
            message["data"]["currentPhase"], "content_analysis",
            "{message}"
        );
        assert_eq!(message["data"]["phaseStatus"], "completed", "{message}");
    }

    let weights = weights(new.clone());
    let after = list_all(server, id);
    check_scores(&after, &weights, 1);
    assert!(
        after
            .iter()
            .zip(&before)
            .any(|(a, b)| a["content"]["relevanceScore"] != b["content"]["relevanceScore"]),
        "the new weights change scores"
    );
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(
            a["content"]["components"]["notParked"],
            b["content"]["components"]["notParked"]
        );
        assert_eq!(
            a["content"]["classification"],
            b["content"]["classification"]
        );
    }
    let mut expected: Vec<(f64, u64)> = after
        .iter()
        .map(|d| {
            (
                d["content"]["relevanceScore"].as_f64().expect("score"),
                d["ordinal"].as_u64().expect("ordinal"),
            )
        })
        .collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(score_order(server, id), expected, "{backend}");

    let p = crate::engine::phases(server, id);
    let content = &p["phases"][3];
    assert!(is(&p, "content_analysis", "completed"), "{p}");
    assert_eq!(content["configuration"]["weights"], new, "{p}");
    assert_eq!(content["configuration"]["scoringVersion"], 1, "{p}");
    assert_eq!(content["rescore"]["state"], "completed", "{p}");
    assert_eq!(content["rescore"]["revision"], 1, "{p}");
    assert!(content["rescore"]["rescoredAt"].is_string(), "{p}");
    assert_eq!(
        content["processedItems"],
        PAGES + 1,
        "the phase's counters stay: {p}"
    );
    check_summary(server, id, &after);
}

/// A rescore repeated with the same `Idempotency-Key` answers the first response again and
/// starts nothing; the rescore it started completes.
fn rescore_is_idempotent_with_a_key(server: &Dragnet, id: i64) {
    let post = |key: &str| {
        use std::io::{Read as _, Write as _};
        let body = r#"{"weights": {"titleHit": 0.25, "notParked": 0.75}}"#;
        let mut stream = std::net::TcpStream::connect(server.addr()).expect("connect");
        write!(
            stream,
            "POST /api/v1/campaigns/{id}/rescore HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Idempotency-Key: {key}\r\n{}Content-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            server.auth_header_line(),
            body.len()
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
        (head.to_ascii_lowercase(), body.to_owned())
    };
    let (head, first) = post("rescore-1");
    assert!(head.starts_with("http/1.1 202"), "{head}\n{first}");
    let (head, again) = post("rescore-1");
    assert!(head.starts_with("http/1.1 202"), "{head}\n{again}");
    assert!(head.contains("idempotent-replay: true"), "{head}");
    assert_eq!(again, first);
    let first: Value = serde_json::from_str(&first).expect("json");
    assert_eq!(first["revision"], 2, "{first}");
    let done = wait_for(server, id, Duration::from_secs(30), "the rescore", |p| {
        p["phases"][3]["rescore"]["state"] == "completed"
    });
    assert_eq!(
        done["phases"][3]["rescore"]["revision"], 2,
        "only one rescore ran: {done}"
    );
    check_scores(
        &list_all(server, id),
        &weights(json!({"titleHit": 0.25, "notParked": 0.75})),
        2,
    );
}

/// Bad rescore requests get clear 4xx answers naming the problem, never a 5xx.
fn rescore_refuses_bad_input(server: &Dragnet, id: i64) {
    let path = format!("/api/v1/campaigns/{id}/rescore");
    let cases: &[(Value, u16, &str, &str)] = &[
        (
            json!({"weights": {"titleHit": 0.5}}),
            422,
            "validation_failed",
            "must sum to 1",
        ),
        (
            json!({"weights": {"titleHit": 1.5, "notParked": -0.5}}),
            422,
            "validation_failed",
            "weights.titleHit",
        ),
        (
            json!({"weights": {"title": 1.0}}),
            400,
            "invalid_json",
            "unknown field `title`",
        ),
        (
            json!({"weights": {"notParked": 1.0}, "contentLengthTarget": 10}),
            400,
            "invalid_json",
            "unknown field `contentLengthTarget`",
        ),
        (json!({}), 400, "invalid_json", "weights"),
        (json!({"weights": "heavy"}), 400, "invalid_json", "weights"),
    ];
    for (body, status, code, needle) in cases {
        let (got, answer) = server.post_json(&path, body);
        assert_eq!(got, *status, "{body}: {answer}");
        assert_eq!(answer["code"], *code, "{body}: {answer}");
        assert!(answer.to_string().contains(needle), "{body}: {answer}");
    }
    let (got, answer) = server.request("POST", &path, Some("application/json"), b"{\"weights\":");
    assert_eq!(got, 400, "{answer}");
    let ok = json!({"weights": {"notParked": 1.0}});
    let (got, answer) = server.post_json("/api/v1/campaigns/987654/rescore", &ok);
    assert_eq!(got, 404, "{answer}");
    assert_eq!(answer["code"], "not_found", "{answer}");
    let (got, answer) = server.post_json("/api/v1/campaigns/abc/rescore", &ok);
    assert_eq!(got, 400, "{answer}");
    // A campaign without content results yet.
    let (status, created) = server.post_json("/api/v1/campaigns", &json!({"name": "nothing yet"}));
    assert_eq!(status, 201, "{created}");
    let (got, answer) =
        server.post_json(&format!("/api/v1/campaigns/{}/rescore", created["id"]), &ok);
    assert_eq!(got, 409, "{answer}");
    assert_eq!(answer["code"], "conflict", "{answer}");
    assert_eq!(answer["context"]["reason"], "no_results", "{answer}");
    // None of this touched the campaign's rescore.
    let p = crate::engine::phases(server, id);
    assert_eq!(p["phases"][3]["rescore"]["revision"], 1, "{p}");
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

        // No rescore while the phase may still write results.
        let refused = |server: &Dragnet, status: &str| {
            let (got, answer) = server.post_json(
                &format!("/api/v1/campaigns/{id}/rescore"),
                &json!({"weights": {"notParked": 1.0}}),
            );
            assert_eq!(got, 409, "{answer}");
            assert_eq!(answer["context"]["reason"], "phase_active", "{answer}");
            assert_eq!(answer["context"]["phaseStatus"], status, "{answer}");
        };
        refused(&server, "running");

        control(&server, "pause");
        wait_for(&server, id, Duration::from_secs(10), "paused", |p| {
            is(p, "content_analysis", "paused")
        });
        refused(&server, "paused");
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
        // Chunks redone after the pause, the cancel and the kill counted once in the summary.
        check_summary(&server, id, items);
        assert_eq!(
            done["phases"][3]["summary"]["byClassification"]
                .as_object()
                .expect("counts")
                .values()
                .map(|n| n.as_u64().expect("count"))
                .sum::<u64>(),
            DOMAINS as u64,
            "{done}"
        );
    }
}
