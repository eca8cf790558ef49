//! The operational routes of the assembled app, in process: the served OpenAPI document is
//! the committed one, `/metrics` speaks Prometheus text (with and without a hub), and `/docs`
//! is a page whose assets are all served locally.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{test, web};
use dragnet_engine::{Engine, EngineSettings};
use dragnet_realtime::{Hub, RealtimeSettings};
use dragnet_store::{Store, StoreOptions};

fn state(dir: &tempfile::TempDir, hub: &Hub) -> web::Data<dragnet_api::AppState> {
    let url = dir.path().join("ops.db");
    let store = Store::open(
        url.to_str().expect("utf-8 path"),
        StoreOptions {
            max_connections: 2,
            ..StoreOptions::default()
        },
    )
    .expect("open the store");
    let engine = Engine::new(store, Arc::new(hub.clone()), EngineSettings::default());
    web::Data::new(dragnet_api::AppState::new(engine))
}

/// An admin token for `state`, as an `Authorization` header.
fn admin(state: &web::Data<dragnet_api::AppState>) -> (&'static str, String) {
    let issued =
        dragnet_api::auth::issue_token(&state.store, "ops", dragnet_domain::Role::Admin, "test")
            .expect("issue a token");
    (
        "Authorization",
        format!("Bearer {}", issued.secret.expose()),
    )
}

async fn body_text(
    res: actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> String {
    let bytes = test::read_body(res).await;
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

#[actix_web::test]
async fn served_document_is_the_generated_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = Hub::new(RealtimeSettings::default());
    let app = test::init_service(dragnet_api::app(state(&dir, &hub), |_| {})).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let served: serde_json::Value = serde_json::from_str(&body_text(res).await).expect("json");
    let generated: serde_json::Value =
        serde_json::from_str(&dragnet_api::openapi_json()).expect("json");
    assert_eq!(served, generated);
}

#[actix_web::test]
async fn metrics_are_prometheus_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = Hub::new(RealtimeSettings::default());
    let state = state(&dir, &hub);
    let token = admin(&state);
    let app =
        test::init_service(dragnet_api::app(state, |_| {}).app_data(web::Data::new(hub.clone())))
            .await;
    for uri in [
        "/healthz",
        "/api/v1/campaigns/12345",
        "/api/v1/campaigns/67890",
        "/nope/1",
    ] {
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri(uri)
                .insert_header(token.clone())
                .to_request(),
        )
        .await;
    }
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/metrics")
            .insert_header(token.clone())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, dragnet_api::metrics::CONTENT_TYPE);
    let text = body_text(res).await;
    // Route patterns, not paths: the two ids share one series.
    assert!(
        text.contains(
            "dragnet_http_requests_total{method=\"GET\",route=\"/api/v1/campaigns/{id}\",status=\"4xx\"} 2\n"
        ),
        "{text}"
    );
    assert!(!text.contains("12345"), "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    assert!(text.contains(
        "dragnet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} "
    ));
    assert!(text.contains("# TYPE dragnet_http_request_duration_seconds histogram\n"));
    assert!(text.contains("dragnet_ws_clients 0\n"), "{text}");
    assert!(text.contains("dragnet_store_up 1\n"), "{text}");
    assert!(text.contains("dragnet_phase_running_campaigns{phase=\"dns_validation\"} 0\n"));
    // Every sample line is `name{labels} value` or `name value`, each family announced.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("sample line");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let name = series.split('{').next().unwrap_or_default();
        let family = name
            .trim_end_matches("_bucket")
            .trim_end_matches("_sum")
            .trim_end_matches("_count");
        assert!(
            text.contains(&format!("# TYPE {name} "))
                || text.contains(&format!("# TYPE {family} ")),
            "{line}: no # TYPE"
        );
    }
}

#[actix_web::test]
async fn metrics_without_a_hub_leave_the_websocket_group_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = Hub::new(RealtimeSettings::default());
    let state = state(&dir, &hub);
    let token = admin(&state);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/metrics")
            .insert_header(token)
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = body_text(res).await;
    assert!(!text.contains("dragnet_ws_clients"), "{text}");
    assert!(
        text.contains("dragnet_phase_items{phase=\"domain_generation\"} 0\n"),
        "{text}"
    );
}

#[actix_web::test]
async fn docs_page_and_its_assets_are_served_locally() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = Hub::new(RealtimeSettings::default());
    let app = test::init_service(dragnet_api::app(state(&dir, &hub), |_| {})).await;
    for uri in ["/docs", "/docs/"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert!(res.headers().contains_key("content-security-policy"));
        let html = body_text(res).await;
        assert!(html.contains("<div id=\"swagger-ui\">"), "{html}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
    }
    for (asset, kind) in [
        ("/docs/swagger-ui-bundle.js", "javascript"),
        ("/docs/swagger-ui-standalone-preset.js", "javascript"),
        ("/docs/swagger-initializer.js", "javascript"),
        ("/docs/swagger-ui.css", "text/css"),
    ] {
        let res = test::call_service(&app, test::TestRequest::get().uri(asset).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(content_type.contains(kind), "{asset}: {content_type}");
    }
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/docs/no-such-file.js")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
