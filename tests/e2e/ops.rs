//! Operational routes of the real binary: the offline API docs page and `/metrics`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::Dragnet;

/// `GET path`, returning the status, the lower-cased header block and the body (these
/// responses have a known length, so no chunked decoding is needed).
fn get_with_headers(server: &Dragnet, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{}\r\n",
        server.addr(),
        server.auth_header_line()
    )
    .expect("write request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("header block");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{path} is chunked"
    );
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// The values of `attr="…"` in `html`.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| html[i + needle.len()..].split('"').next())
        .collect()
}

#[test]
fn docs_page_is_html_that_names_only_local_assets() {
    let server = Dragnet::serve();
    let (status, head, html) = get_with_headers(&server, "/docs");
    assert_eq!(status, 200, "{html}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(html.contains("<div id=\"swagger-ui\">"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "the page names a remote URL: {html}"
    );
    let assets: Vec<&str> = attribute_values(&html, "src")
        .into_iter()
        .chain(attribute_values(&html, "href"))
        .collect();
    assert!(assets.len() >= 4, "{assets:?}");
    for asset in assets {
        assert!(asset.starts_with("/docs/"), "non-local asset {asset}");
        let (status, _, body) = get_with_headers(&server, asset);
        assert_eq!(status, 200, "{asset}");
        assert!(!body.is_empty(), "{asset} is empty");
    }
    // The page loads the document from this server, and the online validator is off.
    let (_, _, init) = get_with_headers(&server, "/docs/swagger-initializer.js");
    assert!(init.contains("\"/api/v1/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    let (status, doc) = server.get_json("/api/v1/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(doc["info"]["title"], "Dragnet API");
}

#[test]
fn metrics_are_prometheus_text() {
    let server = Dragnet::serve();
    for id in [41, 42] {
        let (status, _) = server.get(&format!("/api/v1/campaigns/{id}"));
        assert_eq!(status, 404);
    }
    let (status, head, text) = get_with_headers(&server, "/metrics");
    assert_eq!(status, 200, "{text}");
    assert!(
        head.contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    // HTTP: labelled by route pattern, so both ids count in one series.
    assert!(
        text.contains(
            "dragnet_http_requests_total{method=\"GET\",route=\"/api/v1/campaigns/{id}\",status=\"4xx\"} 2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE dragnet_http_request_duration_seconds histogram\n"),
        "{text}"
    );
    // WebSocket: the served app has the hub.
    assert!(text.contains("dragnet_ws_clients 0\n"), "{text}");
    assert!(text.contains("# TYPE dragnet_ws_connections_total counter\n"));
    // Phases, from the store.
    assert!(text.contains("dragnet_store_up 1\n"), "{text}");
    for phase in [
        "domain_generation",
        "dns_validation",
        "http_keyword_validation",
        "content_analysis",
        "lead_extraction",
    ] {
        assert!(
            text.contains(&format!(
                "dragnet_phase_processed_items{{phase=\"{phase}\"}} "
            )),
            "{phase}: {text}"
        );
    }
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let value = line.rsplit(' ').next().unwrap_or_default();
        assert!(value.parse::<f64>().is_ok(), "not a sample: {line}");
    }
}
