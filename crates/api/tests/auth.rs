//! Authentication in process. The route checks are generated from the OpenAPI document
//! (every path and method, path parameters filled), so a new route cannot be forgotten:
//! anonymous requests are refused everywhere but the public operational routes, a viewer
//! cannot change anything, an operator cannot manage tokens or read the audit log, and every
//! role gets exactly what the operation's `x-required-role` says. Also: the token lifecycle,
//! the failure rate limit, the audit log, the JSON limits and the documented security.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::{test, web};
use dragnet_api::AppState;
use dragnet_api::auth::AuthSettings;
use dragnet_api::state::Limits;
use dragnet_domain::Role;
use dragnet_engine::{Engine, EngineSettings};
use dragnet_realtime::{Hub, RealtimeSettings};
use dragnet_store::{Store, StoreOptions};
use serde_json::{Value, json};

fn state_with(
    dir: &tempfile::TempDir,
    f: impl FnOnce(AppState) -> AppState,
) -> web::Data<AppState> {
    let url = dir.path().join("auth.db");
    let store = Store::open(
        url.to_str().expect("utf-8 path"),
        StoreOptions {
            max_connections: 2,
            ..StoreOptions::default()
        },
    )
    .expect("open the store");
    let hub = Hub::new(RealtimeSettings::default());
    let engine = Engine::new(store, Arc::new(hub), EngineSettings::default());
    web::Data::new(f(AppState::new(engine)))
}

fn state(dir: &tempfile::TempDir) -> web::Data<AppState> {
    state_with(dir, |s| s)
}

fn token(state: &web::Data<AppState>, role: Role) -> String {
    dragnet_api::auth::issue_token(&state.store, role.as_str(), role, "test")
        .expect("issue a token")
        .secret
        .expose()
        .to_owned()
}

/// Every documented operation: (method, path with parameters filled, template, required
/// role or `None` for a public one).
fn operations() -> Vec<(Method, String, String, Option<String>)> {
    let doc: Value = serde_json::to_value(dragnet_api::openapi()).expect("document as JSON");
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            // Any value will do: authentication is decided before the handler runs.
            let mut path = String::new();
            let mut rest = template.as_str();
            while let Some((before, after)) = rest.split_once('{') {
                path.push_str(before);
                path.push('1');
                rest = after.split_once('}').map_or("", |(_, r)| r);
            }
            path.push_str(rest);
            let security = op["security"]
                .as_array()
                .expect("every operation has security");
            let role = op["x-required-role"].as_str().map(str::to_owned);
            assert_eq!(
                security.is_empty(),
                role.is_none(),
                "{method} {template}: security and x-required-role disagree"
            );
            out.push((method, path, template.clone(), role));
        }
    }
    assert!(out.len() >= 35, "only {} operations", out.len());
    out
}

async fn send<S, B>(
    app: &S,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, actix_web::http::header::HeaderMap, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, value)
}

fn role_of(name: &str) -> Role {
    Role::parse(name).unwrap_or_else(|| panic!("unknown role {name}"))
}

#[actix_web::test]
async fn anonymous_access_is_refused_on_every_documented_route() {
    let dir = tempfile::tempdir().expect("dir");
    let app = test::init_service(dragnet_api::app(state(&dir), |_| {})).await;
    let mut public = Vec::new();
    for (method, path, template, role) in operations() {
        let (status, headers, body) = send(&app, method.clone(), &path, None, None).await;
        if role.is_none() {
            public.push(template.clone());
            assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {template}");
            continue;
        }
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {template}: {body}"
        );
        assert_eq!(body["code"], "unauthorized", "{method} {template}");
        let challenge = headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer"),
            "{method} {template}: {challenge}"
        );
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
    }
    public.sort();
    assert_eq!(
        public,
        ["/healthz", "/readyz"],
        "only these operations are public"
    );
    // Outside the document: /metrics needs a token, the document and the docs page do not.
    let (status, _, _) = send(&app, Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in ["/api/v1/openapi.json", "/docs", "/docs/swagger-ui.css"] {
        let (status, _, _) = send(&app, Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    // Unknown routes too: nothing is said about them without a token.
    let (status, _, _) = send(&app, Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn every_role_gets_exactly_what_the_document_says() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state(&dir);
    let tokens = [
        (Role::Admin, token(&state, Role::Admin)),
        (Role::Operator, token(&state, Role::Operator)),
        (Role::Viewer, token(&state, Role::Viewer)),
    ];
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let mut viewer_refused = 0;
    for (method, path, template, needed) in operations() {
        let Some(needed) = needed else { continue };
        let needed = role_of(&needed);
        // The one policy: reads need a viewer, changes an operator, tokens and audit an admin.
        let expected =
            if template.starts_with("/api/v1/tokens") || template.starts_with("/api/v1/audit") {
                Role::Admin
            } else if method == Method::GET {
                Role::Viewer
            } else {
                Role::Operator
            };
        assert_eq!(needed, expected, "{method} {template}");
        for (role, token) in &tokens {
            let (status, _, body) = send(&app, method.clone(), &path, Some(token), None).await;
            if role.includes(needed) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{role} {method} {template}: {status} {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} {method} {template}: {body}"
                );
                assert_eq!(body["code"], "forbidden");
                if *role == Role::Viewer {
                    viewer_refused += 1;
                }
            }
        }
        // A viewer cannot change anything.
        if method != Method::GET {
            assert_ne!(needed, Role::Viewer, "{method} {template} is a change");
        }
    }
    assert!(
        viewer_refused >= 25,
        "only {viewer_refused} refusals for the viewer"
    );
}

#[actix_web::test]
async fn operators_cannot_manage_tokens_or_read_the_audit_log() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state(&dir);
    let operator = token(&state, Role::Operator);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let tokens_body = json!({"name": "x", "role": "admin"});
    for (method, path, body) in [
        (Method::GET, "/api/v1/tokens", None),
        (Method::POST, "/api/v1/tokens", Some(&tokens_body)),
        (Method::GET, "/api/v1/tokens/aaaaaaaaaaaaaaaa", None),
        (Method::DELETE, "/api/v1/tokens/aaaaaaaaaaaaaaaa", None),
        (Method::GET, "/api/v1/audit", None),
        // The router decodes `%74` to `t`: so does the policy.
        (Method::GET, "/api/v1/%74okens", None),
    ] {
        let (status, _, body) = send(&app, method.clone(), path, Some(&operator), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("admin"),
            "{body}"
        );
    }
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&operator),
        Some(&json!({"name": "op"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[actix_web::test]
async fn tokens_are_made_listed_and_revoked_and_never_shown_again() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state(&dir);
    let admin = token(&state, Role::Admin);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let (status, headers, created) = send(
        &app,
        Method::POST,
        "/api/v1/tokens",
        Some(&admin),
        Some(&json!({"name": "  dashboard  ", "role": "viewer"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().expect("token").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(secret.starts_with(&format!("dgn_{id}_")), "{created}");
    assert_eq!(created["name"], "dashboard");
    assert_eq!(created["role"], "viewer");
    assert!(
        created["createdBy"]
            .as_str()
            .unwrap_or_default()
            .starts_with("token:")
    );
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/tokens/{id}").as_str())
    );

    let (status, _, _) = send(&app, Method::GET, "/api/v1/campaigns", Some(&secret), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, list) = send(&app, Method::GET, "/api/v1/tokens", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
    let secret_part = secret.rsplit('_').next().unwrap_or_default();
    assert!(
        !list.to_string().contains(secret_part),
        "a list shows no secret"
    );
    let (status, _, one) = send(
        &app,
        Method::GET,
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["revokedAt"], Value::Null);
    assert!(!one.to_string().contains(secret_part));

    // Bad requests name the problem.
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/tokens",
        Some(&admin),
        Some(&json!({"name": " ", "role": "viewer"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "name");
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/tokens",
        Some(&admin),
        Some(&json!({"name": "x", "role": "root"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        "/api/v1/tokens/nope",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        "/api/v1/tokens/aaaaaaaaaaaaaaaa",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, headers, body) =
        send(&app, Method::GET, "/api/v1/campaigns", Some(&secret), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked token stops at once: {body}"
    );
    assert!(
        headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("invalid_token"))
    );
    let (_, _, one) = send(
        &app,
        Method::GET,
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(one["revokedAt"].is_string(), "{one}");
    // Revoking again changes nothing.
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_rate_limited() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state_with(&dir, |s| {
        s.with_auth(AuthSettings {
            failures_per_minute: 3,
            ..AuthSettings::default()
        })
    });
    let good = token(&state, Role::Viewer);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let attacker: SocketAddr = "192.0.2.7:40000".parse().expect("addr");
    let other: SocketAddr = "192.0.2.8:40000".parse().expect("addr");
    let call = |from: SocketAddr, token: String| {
        test::TestRequest::get()
            .uri("/api/v1/campaigns")
            .peer_addr(from)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    // A wrong secret for a real id, an unknown id, garbage: each a failure.
    let wrong_secret = format!(
        "{}{}",
        &good[..good.len() - 1],
        if good.ends_with('a') { 'b' } else { 'a' }
    );
    for bad in [
        wrong_secret,
        format!("dgn_{}_{}", "a".repeat(16), "b".repeat(52)),
        "garbage".to_owned(),
    ] {
        let res = test::call_service(&app, call(attacker, bad)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for token in ["garbage".to_owned(), good.clone()] {
        let res = test::call_service(&app, call(attacker, token)).await;
        assert_eq!(
            res.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "even a good token waits"
        );
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=60).contains(&retry), "{retry}");
        let body: Value = serde_json::from_slice(&test::read_body(res).await).expect("json");
        assert_eq!(body["code"], "rate_limited");
    }
    let res = test::call_service(&app, call(other, good)).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "other addresses are not affected"
    );
    // Requests without any token are not failures (and not limited).
    for _ in 0..5 {
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/campaigns")
                .peer_addr(other)
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn state_changing_requests_are_audited() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state(&dir);
    let admin = token(&state, Role::Admin);
    let viewer = token(&state, Role::Viewer);
    let admin_id = admin[4..20].to_owned();
    let viewer_id = viewer[4..20].to_owned();
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let (status, _, created) = send(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&admin),
        Some(&json!({"name": "audited"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_i64().expect("id");
    let (status, _, _) = send(
        &app,
        Method::POST,
        &format!("/api/v1/campaigns/{id}/pause"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/campaigns/{id}"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/campaigns/{id}"),
        Some("dgn_aaaaaaaaaaaaaaaa_bbbb"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Reads are not audited.
    send(&app, Method::GET, "/api/v1/campaigns", Some(&admin), None).await;

    let (status, _, page) = send(&app, Method::GET, "/api/v1/audit", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().expect("items");
    let summary: Vec<(Value, String, String, u64, String)> = items
        .iter()
        .map(|e| {
            (
                e["tokenId"].clone(),
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["target"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64().unwrap_or_default(),
                e["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Value::Null,
                "DELETE /api/v1/campaigns/{id}".to_owned(),
                format!("/api/v1/campaigns/{id}"),
                401,
                "denied".to_owned()
            ),
            (
                json!(viewer_id),
                "DELETE /api/v1/campaigns/{id}".to_owned(),
                format!("/api/v1/campaigns/{id}"),
                403,
                "denied".to_owned()
            ),
            (
                json!(admin_id),
                "POST /api/v1/campaigns/{id}/pause".to_owned(),
                format!("/api/v1/campaigns/{id}/pause"),
                409,
                "failure".to_owned()
            ),
            (
                json!(admin_id),
                "POST /api/v1/campaigns".to_owned(),
                format!("/api/v1/campaigns/{id}"),
                201,
                "success".to_owned()
            ),
        ],
        "{page}"
    );
    assert_eq!(items[0]["source"], "api");
    assert!(items[0]["at"].is_string());
    // Keyset pages.
    let (_, _, first) = send(
        &app,
        Method::GET,
        "/api/v1/audit?limit=3",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(3));
    let cursor = first["nextCursor"].as_str().expect("nextCursor");
    let (_, _, second) = send(
        &app,
        Method::GET,
        &format!("/api/v1/audit?limit=3&cursor={cursor}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        second["items"].as_array().map(Vec::len),
        Some(1),
        "{second}"
    );
    assert!(second.get("nextCursor").is_none());
    let (_, _, mine) = send(
        &app,
        Method::GET,
        &format!("/api/v1/audit?tokenId={viewer_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/v1/audit?limit=0",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/v1/audit?cursor=x",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn json_bodies_have_size_depth_and_string_limits() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state_with(&dir, |s| {
        s.with_limits(Limits {
            json_body_bytes: 4096,
            ..Limits::default()
        })
    });
    let admin = token(&state, Role::Admin);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let mut deep = json!("x");
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&admin),
        Some(&json!({"name": "deep", "configuration": deep})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("32 levels"),
        "{body}"
    );
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&admin),
        Some(&json!({"name": "x".repeat(5000)})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains("4096"),
        "{body}"
    );
}

#[actix_web::test]
async fn long_json_strings_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let state = state(&dir);
    let admin = token(&state, Role::Admin);
    let app = test::init_service(dragnet_api::app(state, |_| {})).await;
    let (status, _, body) = send(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&admin),
        Some(&json!({"name": "x".repeat(70_000)})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("65536"),
        "{body}"
    );
}

#[actix_web::test]
async fn without_auth_every_request_acts_as_an_admin_and_is_still_audited() {
    let dir = tempfile::tempdir().expect("dir");
    let app = test::init_service(dragnet_api::app(
        state_with(&dir, AppState::without_auth),
        |_| {},
    ))
    .await;
    let (status, _, created) = send(
        &app,
        Method::POST,
        "/api/v1/tokens",
        None,
        Some(&json!({"name": "made without auth", "role": "viewer"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["createdBy"], "no-auth");
    let (status, _, page) = send(&app, Method::GET, "/api/v1/audit", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["tokenId"], Value::Null, "{page}");
    assert_eq!(page["items"][0]["action"], "POST /api/v1/tokens");
    let (status, _, _) = send(&app, Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn metrics_can_be_public() {
    let dir = tempfile::tempdir().expect("dir");
    let app = test::init_service(dragnet_api::app(
        state_with(&dir, |s| {
            s.with_auth(AuthSettings {
                metrics_public: true,
                ..AuthSettings::default()
            })
        }),
        |_| {},
    ))
    .await;
    let (status, _, _) = send(&app, Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&app, Method::GET, "/api/v1/campaigns", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_document_declares_the_bearer_scheme_and_each_operations_refusals() {
    let doc: Value = serde_json::to_value(dragnet_api::openapi()).expect("json");
    let scheme = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"], "http", "{scheme}");
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    for (method, _, template, role) in operations() {
        let op = &doc["paths"][&template][method.as_str().to_lowercase()];
        let responses = &op["responses"];
        let Some(role) = role else {
            assert!(responses.get("401").is_none(), "{method} {template}");
            continue;
        };
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": []}]),
            "{method} {template}"
        );
        for status in ["401", "429"] {
            assert!(
                responses.get(status).is_some(),
                "{method} {template}: no {status}"
            );
        }
        assert_eq!(
            responses.get("403").is_some(),
            role != "viewer",
            "{method} {template}: a 403 exactly when a viewer is not enough"
        );
        let expected = match dragnet_api::auth::required_access(&method, &template) {
            dragnet_api::auth::Access::Role(r) => r.as_str(),
            dragnet_api::auth::Access::Public => "public",
        };
        assert_eq!(role, expected, "{method} {template}");
    }
}
