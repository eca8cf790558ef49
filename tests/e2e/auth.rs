//! Authentication from the outside: the first-start admin token, tokens that never reach the
//! log, the WebSocket's refusal of anonymous clients (header and first-message
//! authentication, the per-token connection cap), `--no-auth` on loopback only, the `dragnet
//! token` commands against a running server, the failure rate limit, and the limits against
//! slow clients and large bodies.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::backends;
use crate::support::{Dragnet, dragnet};

/// `POST`s JSON with `token` (none: anonymous).
fn post_as(server: &Dragnet, token: Option<&str>, path: &str, body: &Value) -> (u16, Value) {
    let (status, _, text) = server.request_as(
        token,
        "POST",
        path,
        Some("application/json"),
        body.to_string().as_bytes(),
    );
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn get_as(server: &Dragnet, token: Option<&str>, path: &str) -> (u16, String, String) {
    server.request_as(token, "GET", path, None, b"")
}

/// The secret part of a token (what must never be logged).
fn secret_of(token: &str) -> &str {
    token.rsplit('_').next().unwrap_or(token)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to the WebSocket without credentials.
async fn ws_anonymous(server: &Dragnet) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ws", server.addr()))
        .await
        .expect("the upgrade needs no header");
    ws
}

/// Connects with `Authorization: Bearer <token>`; the HTTP status when refused.
async fn ws_with_header(server: &Dragnet, token: &str) -> Result<Ws, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut request = format!("ws://{}/api/v1/ws", server.addr())
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("connect: {e}"),
    }
}

/// The next text message as JSON, or the close frame's code as `{"close": code}`.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s");
        match message {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("json"),
            Some(Ok(Message::Close(frame))) => {
                return json!({"close": frame.map(|f| u16::from(f.code))});
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return json!({"close": null}),
        }
    }
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// Expects an `unauthorized` error, then close code 1008.
async fn expect_refused(ws: &mut Ws, needle: &str) {
    let error = next(ws).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "unauthorized", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains(needle),
        "{error}"
    );
    let close = next(ws).await;
    assert_eq!(close["close"], u16::from(CloseCode::Policy), "{close}");
}

#[test]
fn first_start_prints_one_admin_token_outside_the_log() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let server = Dragnet::serve_in(Arc::clone(&dir), None);
    let token = server.token().expect("a first-start token").to_owned();
    let stderr = server.stderr_text();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&token)).collect();
    // The token alone on its line, and in the curl example: never in a log line.
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.trim() == token), "{lines:?}");
    for line in &lines {
        for level in [" TRACE ", " DEBUG ", " INFO ", " WARN ", " ERROR "] {
            assert!(!line.contains(level), "a log line shows the token: {line}");
        }
    }
    assert!(
        server.logged("created an admin token and printed it to stderr"),
        "{stderr}"
    );

    let (status, head, body) = get_as(&server, None, "/api/v1/campaigns");
    assert_eq!(status, 401, "{body}");
    assert!(head.contains("www-authenticate: bearer"), "{head}");
    assert!(body.contains("\"code\":\"unauthorized\""), "{body}");
    let (status, _, body) = get_as(&server, Some(&token), "/api/v1/campaigns");
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.terminate(Duration::from_secs(20)), Some(0));

    // A restart on the same store prints nothing; the token still works.
    let again = Dragnet::serve_in(dir, None);
    assert!(
        !again.logged("created an admin token"),
        "{}",
        again.stderr_text()
    );
    assert!(!again.stderr_text().contains("dgn_"));
    assert_eq!(again.token(), Some(token.as_str()));
    let (status, _, _) = get_as(&again, Some(&token), "/api/v1/campaigns");
    assert_eq!(status, 200);
}

#[test]
fn tokens_never_appear_in_the_log() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let server = Dragnet::serve_with(
        Arc::clone(&dir),
        None,
        &[
            ("DRAGNET_LOG", "debug"),
            ("DRAGNET_AUTH__FAILURES_PER_MINUTE", "1000"),
        ],
    );
    let admin = server.token().expect("admin").to_owned();
    // One token from the API, one from the command line while the server runs.
    let (status, created) = server.post_json(
        "/api/v1/tokens",
        &json!({"name": "viewer", "role": "viewer"}),
    );
    assert_eq!(status, 201, "{created}");
    let viewer = created["token"].as_str().expect("token").to_owned();
    let (code, out, err) = dragnet(
        dir.path(),
        None,
        &["token", "create", "--role", "operator", "--name", "ci"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let operator = out.trim().to_owned();
    assert!(operator.starts_with("dgn_"), "{out}");
    assert!(!err.contains(secret_of(&operator)), "{err}");

    // Use them every way: allowed, forbidden, wrong secret, WebSocket header and message.
    let (status, _, _) = get_as(&server, Some(&viewer), "/api/v1/campaigns");
    assert_eq!(status, 200);
    let (status, body) = post_as(
        &server,
        Some(&viewer),
        "/api/v1/campaigns",
        &json!({"name": "v"}),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_as(
        &server,
        Some(&operator),
        "/api/v1/campaigns",
        &json!({"name": "o"}),
    );
    assert_eq!(status, 201, "{body}");
    let forged = format!("{}{}", &operator[..operator.len() - 4], "aaaa");
    let (status, _, _) = get_as(&server, Some(&forged), "/api/v1/campaigns");
    assert_eq!(status, 401);
    let (status, _, _) = get_as(&server, Some("not-even-a-token"), "/api/v1/campaigns");
    assert_eq!(status, 401);
    runtime().block_on(async {
        let mut ws = ws_anonymous(&server).await;
        send(&mut ws, json!({"type": "auth", "token": viewer})).await;
        assert_eq!(next(&mut ws).await["type"], "authenticated");
        let mut ws = ws_anonymous(&server).await;
        send(&mut ws, json!({"type": "auth", "token": forged})).await;
        expect_refused(&mut ws, "not valid").await;
        let mut ws = ws_with_header(&server, &operator)
            .await
            .expect("header auth");
        send(&mut ws, json!({"type": "subscribe", "campaignIds": [1]})).await;
        assert_eq!(next(&mut ws).await["type"], "subscribed");
    });
    let id = &viewer[4..20];
    let (status, _) = server.request("DELETE", &format!("/api/v1/tokens/{id}"), None, b"");
    assert_eq!(status, 204);

    std::thread::sleep(Duration::from_millis(300));
    let log = server.stderr_text();
    assert!(log.contains("DEBUG"), "the server logged at debug level");
    assert!(log.contains("authentication failed"), "{log}");
    for token in [&viewer, &operator, &forged] {
        assert!(
            !log.contains(secret_of(token)),
            "a token's secret is in the server's stderr:\n{log}"
        );
    }
    // The first-start token only in its banner.
    for line in log.lines().filter(|l| l.contains(secret_of(&admin))) {
        assert!(
            line.trim() == admin || line.trim().starts_with("curl -H"),
            "the admin token outside its banner: {line}"
        );
    }
}

#[test]
fn the_websocket_refuses_anonymous_clients() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let server = Dragnet::serve_with(
        dir,
        None,
        &[
            ("DRAGNET_AUTH__WEBSOCKET_AUTH_TIMEOUT_SECONDS", "1"),
            ("DRAGNET_LIMITS__WEBSOCKET_CONNECTIONS_PER_TOKEN", "2"),
        ],
    );
    let admin = server.token().expect("admin").to_owned();
    let (status, created) = server.post_json("/api/v1/campaigns", &json!({"name": "ws"}));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    runtime().block_on(async {
        // Anything but `auth` first: refused and closed.
        let mut ws = ws_anonymous(&server).await;
        send(&mut ws, json!({"type": "subscribe", "campaignIds": [id]})).await;
        expect_refused(&mut ws, "authentication required").await;
        // Nothing within the timeout: refused and closed.
        let started = Instant::now();
        let mut ws = ws_anonymous(&server).await;
        expect_refused(&mut ws, "authentication timeout").await;
        assert!(started.elapsed() < Duration::from_secs(5));
        // A wrong token, in the message or the header.
        let mut ws = ws_anonymous(&server).await;
        send(&mut ws, json!({"type": "auth", "token": "dgn_nope"})).await;
        expect_refused(&mut ws, "not valid").await;
        assert_eq!(ws_with_header(&server, "dgn_nope").await.err(), Some(401));

        // The right token, in the message: then subscriptions work.
        let mut first = ws_anonymous(&server).await;
        send(&mut first, json!({"type": "auth", "token": admin})).await;
        let ack = next(&mut first).await;
        assert_eq!(ack["type"], "authenticated", "{ack}");
        assert_eq!(ack["tokenId"], &admin[4..20]);
        send(
            &mut first,
            json!({"type": "subscribe", "campaignIds": [id]}),
        )
        .await;
        assert_eq!(next(&mut first).await["type"], "subscribed");
        assert_eq!(next(&mut first).await["type"], "campaign.progress");
        // And in the header.
        let mut second = ws_with_header(&server, &admin).await.expect("second");
        send(
            &mut second,
            json!({"type": "subscribe", "campaignIds": [id]}),
        )
        .await;
        assert_eq!(next(&mut second).await["type"], "subscribed");
        // A third connection of the same token is one too many, either way.
        assert_eq!(ws_with_header(&server, &admin).await.err(), Some(429));
        let mut third = ws_anonymous(&server).await;
        send(&mut third, json!({"type": "auth", "token": admin})).await;
        let error = next(&mut third).await;
        assert_eq!(error["code"], "too_many_connections", "{error}");
        // A slot comes back when a connection closes.
        second.close(None).await.expect("close");
        drop(second);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match ws_with_header(&server, &admin).await {
                Ok(_) => break,
                Err(status) => {
                    assert_eq!(status, 429);
                    assert!(Instant::now() < deadline, "the slot never came back");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
}

#[test]
fn no_auth_serves_only_on_loopback() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let (code, _, err) = dragnet(
        dir.path(),
        None,
        &["serve", "--no-auth", "--bind", "0.0.0.0:0"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--no-auth") && err.contains("loopback"),
        "{err}"
    );

    let server = Dragnet::serve_no_auth(dir, None, &[]);
    assert!(server.token().is_none());
    assert!(
        server.logged("authentication is OFF"),
        "{}",
        server.stderr_text()
    );
    assert!(
        !server.stderr_text().contains("dgn_"),
        "no first-start token"
    );
    let (status, body) = post_as(&server, None, "/api/v1/campaigns", &json!({"name": "open"}));
    assert_eq!(status, 201, "{body}");
    let (status, _, text) = get_as(&server, None, "/api/v1/audit");
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("POST /api/v1/campaigns"), "{text}");
    runtime().block_on(async {
        let mut ws = ws_anonymous(&server).await;
        send(&mut ws, json!({"type": "subscribe", "campaignIds": [1]})).await;
        assert_eq!(next(&mut ws).await["type"], "subscribed");
    });
}

#[test]
fn token_commands_work_beside_a_running_server() {
    for backend in backends::all("token_commands_work_beside_a_running_server") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let url = backend.url.as_deref();
        // A token made before the first start: the server then makes none of its own.
        let (code, out, err) = dragnet(
            dir.path(),
            url,
            &["token", "create", "--role", "admin", "--name", "ops team"],
        );
        assert_eq!(code, 0, "{}: {out}{err}", backend.name);
        let admin = out.trim().to_owned();
        assert!(err.contains("shown") || err.contains("once"), "{err}");
        std::fs::write(dir.path().join(".e2e-admin-token"), &admin).expect("save");
        let server = Dragnet::serve_with(
            Arc::clone(&dir),
            url,
            &[("DRAGNET_AUTH__TOKEN_CACHE_SECONDS", "1")],
        );
        assert!(
            !server.logged("created an admin token"),
            "{}",
            server.stderr_text()
        );
        assert_eq!(server.token(), Some(admin.as_str()));
        let (status, _, _) = get_as(&server, Some(&admin), "/api/v1/tokens");
        assert_eq!(status, 200);

        let (code, out, err) = dragnet(
            dir.path(),
            url,
            &["token", "create", "--role", "viewer", "--name", "grafana"],
        );
        assert_eq!(code, 0, "{out}{err}");
        let viewer = out.trim().to_owned();
        let viewer_id = viewer[4..20].to_owned();
        let (status, _, _) = get_as(&server, Some(&viewer), "/api/v1/campaigns");
        assert_eq!(status, 200, "a token made by the CLI works at once");

        let (code, list, err) = dragnet(dir.path(), url, &["token", "list"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            list.contains(&viewer_id) && list.contains("grafana"),
            "{list}"
        );
        assert!(list.contains("viewer") && list.contains("admin"), "{list}");
        assert!(!list.contains(secret_of(&viewer)) && !list.contains(secret_of(&admin)));

        let (code, out, err) = dragnet(dir.path(), url, &["token", "revoke", &viewer_id]);
        assert_eq!(code, 0, "{out}{err}");
        // The server's cache forgets it within a second.
        let deadline = Instant::now() + Duration::from_secs(10);
        while get_as(&server, Some(&viewer), "/api/v1/campaigns").0 != 401 {
            assert!(Instant::now() < deadline, "the revoked token still works");
            std::thread::sleep(Duration::from_millis(200));
        }
        let (code, _, err) = dragnet(dir.path(), url, &["token", "revoke", "aaaaaaaaaaaaaaaa"]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("no token"), "{err}");
        let (code, _, err) = dragnet(
            dir.path(),
            url,
            &["token", "create", "--role", "root", "--name", "x"],
        );
        assert_eq!(code, 2, "{err}");

        // The command line's changes are in the audit log.
        let (status, page) = server.get_json("/api/v1/audit");
        assert_eq!(status, 200, "{page}");
        let cli: Vec<&Value> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["source"] == "cli")
            .collect();
        assert_eq!(cli.len(), 3, "{page}");
        assert_eq!(cli[0]["action"], "token.revoke");
        assert_eq!(cli[0]["target"], format!("token:{viewer_id}"));
    }
}

#[test]
fn failed_authentications_are_rate_limited() {
    let server = Dragnet::serve();
    let admin = server.token().expect("admin").to_owned();
    let wrong = format!("{}{}", &admin[..admin.len() - 4], "aaaa");
    for i in 0..20 {
        let (status, _, _) = get_as(&server, Some(&wrong), "/api/v1/campaigns");
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, head, body) = get_as(&server, Some(&admin), "/api/v1/campaigns");
    assert_eq!(status, 429, "{body}");
    assert!(head.contains("retry-after: "), "{head}");
    assert!(body.contains("rate_limited"), "{body}");
    // Public routes are not affected.
    let (status, _) = server.get("/healthz");
    assert_eq!(status, 200);
    assert!(server.logged("too many failed authentications"));
}

#[test]
fn slow_clients_and_large_bodies_are_cut_off() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let server = Dragnet::serve_with(
        dir,
        None,
        &[
            ("DRAGNET_SERVER__REQUEST_TIMEOUT_MS", "500"),
            ("DRAGNET_SERVER__KEEP_ALIVE_SECONDS", "1"),
            ("DRAGNET_LIMITS__JSON_BODY_BYTES", "2048"),
        ],
    );
    // A request head that never ends: 408 and closed.
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let started = Instant::now();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the server waited"
    );
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 408"),
        "{response}"
    );
    // An idle keep-alive connection is closed.
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut buffer = [0_u8; 4096];
    let n = stream.read(&mut buffer).expect("the response");
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    let rest = stream.read(&mut buffer).unwrap_or(0);
    assert_eq!(rest, 0, "the idle connection is closed");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The JSON body limit is the setting's.
    let (status, body) = server.post_json("/api/v1/campaigns", &json!({"name": "x".repeat(3000)}));
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains("2048"),
        "{body}"
    );
}

#[test]
fn audit_entries_are_stored_before_shutdown() {
    for backend in backends::all("audit_entries_are_stored_before_shutdown") {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let server = Dragnet::serve_in(Arc::clone(&dir), backend.url.as_deref());
        for i in 0..20 {
            let (status, body) =
                server.post_json("/api/v1/campaigns", &json!({"name": format!("c{i}")}));
            assert_eq!(status, 201, "{body}");
        }
        // SIGTERM right after the last answer: the queue is written before the exit.
        assert_eq!(server.terminate(Duration::from_secs(20)), Some(0));
        let server = Dragnet::serve_in(dir, backend.url.as_deref());
        let (status, page) = server.get_json("/api/v1/audit?limit=1000");
        assert_eq!(status, 200, "{page}");
        let created = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["action"] == "POST /api/v1/campaigns" && e["result"] == "success")
            .count();
        assert_eq!(created, 20, "{}: {page}", backend.name);
    }
}
