//! An in-process HTTP and HTTPS server for the prober's tests and benchmarks.
//!
//! Both listeners are on 127.0.0.1 (ports chosen by the OS) and share one route table: per
//! path, a [`Route`] says the status, headers and body (given already compressed if a test
//! wants), a delay before the headers, a slow drip of the body, the framing (length, chunked,
//! or until close), or raw bytes for malformed responses. HTTPS uses a self-signed
//! certificate made by rcgen at start for `localhost`, `*.test`, `a.test`, `127.0.0.1` and
//! `::1`, so a prober that verifies certificates fails with `UnknownIssuer`.
//!
//! The server counts the TCP connections it accepted and the requests it read, and keeps the
//! first 10,000 requests (method, target, headers) for assertions. Every response closes its
//! connection. It is written on raw tokio with one task per connection and a pre-rendered
//! response per route, so it serves thousands of connections a second; it stops when dropped.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Requests kept for [`TestHttpServer::requests_log`].
const MAX_LOG: usize = 10_000;
/// Longest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// How a body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` (the default).
    Length,
    /// `Transfer-Encoding: chunked`, one chunk per write.
    Chunked,
    /// No length: the body ends when the server closes the connection.
    Close,
}

/// A response body.
#[derive(Debug, Clone)]
enum Body {
    Bytes(Bytes),
    /// `chunk` repeated up to `total` bytes, generated as it is sent.
    Repeat {
        chunk: Bytes,
        total: u64,
    },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Repeat { total, .. } => *total,
        }
    }
}

/// What the server answers on one path.
#[derive(Debug, Clone)]
pub struct Route {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    framing: Framing,
    header_delay: Duration,
    drip: Option<(usize, Duration)>,
    raw: Option<Bytes>,
}

impl Route {
    /// `200 OK` with `body` and `Content-Type: text/html; charset=utf-8`.
    pub fn html(body: impl Into<Bytes>) -> Self {
        Self::status(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body)
    }

    /// An empty response with `status`.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Bytes::new()),
            framing: Framing::Length,
            header_delay: Duration::ZERO,
            drip: None,
            raw: None,
        }
    }

    /// A redirect (`301`, `302`, …) to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).header("Location", location)
    }

    /// Exactly these bytes as the whole response (for malformed responses).
    pub fn raw(bytes: impl Into<Bytes>) -> Self {
        Self {
            raw: Some(bytes.into()),
            ..Self::status(200)
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body bytes, sent as they are (compress them first to test `Content-Encoding`).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes(body.into());
        self
    }

    /// A body of `total` bytes made by repeating `chunk`, generated while sending (a 1 GiB
    /// body costs the server no memory).
    pub fn repeat_body(mut self, chunk: impl Into<Bytes>, total: u64) -> Self {
        let chunk = chunk.into();
        self.body = if chunk.is_empty() {
            Body::Bytes(Bytes::new())
        } else {
            Body::Repeat { chunk, total }
        };
        self
    }

    /// How the body is framed.
    pub fn framing(mut self, framing: Framing) -> Self {
        self.framing = framing;
        self
    }

    /// Waits this long before sending anything.
    pub fn delay_headers(mut self, delay: Duration) -> Self {
        self.header_delay = delay;
        self
    }

    /// Sends the body `chunk` bytes at a time, waiting `interval` between them.
    pub fn drip(mut self, chunk: usize, interval: Duration) -> Self {
        self.drip = Some((chunk.max(1), interval));
        self
    }

    /// The status line, headers and blank line.
    fn head(&self) -> Bytes {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Status");
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        match self.framing {
            Framing::Length => {
                head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
            }
            Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
            Framing::Close => {}
        }
        head.push_str("Connection: close\r\n\r\n");
        Bytes::from(head)
    }

    fn prepare(self) -> Prepared {
        let whole = match (&self.raw, &self.body, self.framing, self.drip) {
            (Some(raw), ..) => Some(raw.clone()),
            (None, Body::Bytes(body), Framing::Length | Framing::Close, None) => {
                let head = self.head();
                let mut whole = BytesMut::with_capacity(head.len() + body.len());
                whole.extend_from_slice(&head);
                whole.extend_from_slice(body);
                Some(whole.freeze())
            }
            _ => None,
        };
        Prepared {
            head: self.head(),
            whole,
            route: self,
        }
    }
}

/// A route with its response rendered once.
struct Prepared {
    route: Route,
    head: Bytes,
    /// The whole response when it can be sent in one write.
    whole: Option<Bytes>,
}

/// One request the server read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Whether it came over TLS.
    pub tls: bool,
    /// The method.
    pub method: String,
    /// The request target (`/path?query`).
    pub target: String,
    /// The headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct State {
    routes: RwLock<HashMap<String, Arc<Prepared>>>,
    not_found: Arc<Prepared>,
    connections: AtomicU64,
    requests: AtomicU64,
    bytes_sent: AtomicU64,
    log: Mutex<Vec<RecordedRequest>>,
}

/// The server; stops when dropped.
pub struct TestHttpServer {
    http: SocketAddr,
    https: SocketAddr,
    certificate: CertificateDer<'static>,
    state: Arc<State>,
    cancel: CancellationToken,
    _tasks: JoinSet<()>,
}

impl TestHttpServer {
    /// Starts the HTTP and HTTPS listeners on 127.0.0.1.
    pub async fn start() -> io::Result<Self> {
        let certified = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "*.test".to_owned(),
            "a.test".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])
        .map_err(io::Error::other)?;
        let certificate = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(io::Error::other)?
                .with_no_client_auth()
                .with_single_cert(vec![certificate.clone()], key)
                .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let http = listen()?;
        let https = listen()?;
        let (http_addr, https_addr) = (http.local_addr()?, https.local_addr()?);
        let state = Arc::new(State {
            routes: RwLock::new(HashMap::new()),
            not_found: Arc::new(
                Route::status(404)
                    .header("Content-Type", "text/plain")
                    .body("not found")
                    .prepare(),
            ),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(accept_loop(http, None, Arc::clone(&state), cancel.clone()));
        tasks.spawn(accept_loop(
            https,
            Some(acceptor),
            Arc::clone(&state),
            cancel.clone(),
        ));
        Ok(Self {
            http: http_addr,
            https: https_addr,
            certificate,
            state,
            cancel,
            _tasks: tasks,
        })
    }

    /// The plain HTTP listener.
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }

    /// The HTTPS listener.
    pub fn https_addr(&self) -> SocketAddr {
        self.https
    }

    /// The server's self-signed certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        self.certificate.as_ref()
    }

    /// Sets what `path` (without the query) answers; unknown paths answer `404`.
    pub fn route(&self, path: &str, route: Route) {
        let prepared = Arc::new(route.prepare());
        self.state
            .routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_owned(), prepared);
    }

    /// Sets what `path` answers when the request's `Host` (without its port) is `host`; such
    /// a route is chosen before one set for the path alone.
    pub fn route_host(&self, host: &str, path: &str, route: Route) {
        let prepared = Arc::new(route.prepare());
        self.state
            .routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(format!("{}{path}", host.to_ascii_lowercase()), prepared);
    }

    /// TCP connections accepted (HTTP and HTTPS).
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// Requests read.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Response bytes written (heads and bodies).
    pub fn bytes_sent(&self) -> u64 {
        self.state.bytes_sent.load(Ordering::Relaxed)
    }

    /// The first 10,000 requests read, in order.
    pub fn requests_log(&self) -> Vec<RecordedRequest> {
        self.state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for TestHttpServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn listen() -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    socket.listen(4096)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    cancel: CancellationToken,
) {
    // Dropping the set (when the server stops) aborts every connection task.
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let (stream, _) = match accepted {
            Ok(pair) => pair,
            Err(_) => {
                // Out of file descriptors or similar: let connections finish, then retry.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        state.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        match &tls {
            None => {
                connections.spawn(async move {
                    let _ = serve(stream, false, &state).await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                    {
                        let _ = serve(stream, true, &state).await;
                    }
                });
            }
        }
    }
}

/// Reads one request and writes its route's response.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    tls: bool,
    state: &State,
) -> io::Result<()> {
    let mut buf = BytesMut::with_capacity(2048);
    let head_len = loop {
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Ok(());
        }
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read_buf(&mut buf)).await;
        match read {
            Ok(Ok(0)) | Err(_) => return Ok(()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
        }
    };
    state.requests.fetch_add(1, Ordering::Relaxed);
    let head = String::from_utf8_lossy(&buf[..head_len]);
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let target = request_line.next().unwrap_or("").to_owned();
    // The Host header without its port, for routes set per host.
    let host = lines
        .clone()
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| {
            let v = v.trim();
            v.rsplit_once(':')
                .map_or(v, |(h, port)| {
                    if port.bytes().all(|b| b.is_ascii_digit()) {
                        h
                    } else {
                        v
                    }
                })
                .to_ascii_lowercase()
        });
    {
        let mut log = state.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() < MAX_LOG {
            let headers = lines
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            log.push(RecordedRequest {
                tls,
                method,
                target: target.clone(),
                headers,
            });
        }
    }
    let path = target.split('?').next().unwrap_or("");
    let prepared = {
        let routes = state.routes.read().unwrap_or_else(PoisonError::into_inner);
        host.and_then(|h| routes.get(&format!("{h}{path}")).cloned())
            .or_else(|| routes.get(path).cloned())
            .unwrap_or_else(|| Arc::clone(&state.not_found))
    };
    respond(&mut stream, &prepared, state).await?;
    stream.shutdown().await
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    prepared: &Prepared,
    state: &State,
) -> io::Result<()> {
    let route = &prepared.route;
    if !route.header_delay.is_zero() {
        tokio::time::sleep(route.header_delay).await;
    }
    if let Some(whole) = &prepared.whole {
        stream.write_all(whole).await?;
        state
            .bytes_sent
            .fetch_add(whole.len() as u64, Ordering::Relaxed);
        return Ok(());
    }
    stream.write_all(&prepared.head).await?;
    stream.flush().await?;
    state
        .bytes_sent
        .fetch_add(prepared.head.len() as u64, Ordering::Relaxed);
    let piece = route.drip.map_or(64 * 1024, |(n, _)| n);
    let mut sent = 0u64;
    let total = route.body.len();
    while sent < total {
        let data = match &route.body {
            Body::Bytes(b) => {
                let start = usize::try_from(sent).unwrap_or(usize::MAX);
                b.slice(start..(start + piece).min(b.len()))
            }
            Body::Repeat { chunk, .. } => {
                let offset = usize::try_from(sent % chunk.len() as u64).unwrap_or(0);
                let want = usize::try_from((total - sent).min(piece as u64)).unwrap_or(piece);
                let mut out = BytesMut::with_capacity(want);
                let mut at = offset;
                while out.len() < want {
                    let take = (chunk.len() - at).min(want - out.len());
                    out.extend_from_slice(&chunk[at..at + take]);
                    at = 0;
                }
                out.freeze()
            }
        };
        if route.framing == Framing::Chunked {
            stream
                .write_all(format!("{:x}\r\n", data.len()).as_bytes())
                .await?;
            stream.write_all(&data).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&data).await?;
        }
        sent += data.len() as u64;
        state
            .bytes_sent
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Some((_, interval)) = route.drip {
            stream.flush().await?;
            tokio::time::sleep(interval).await;
        }
    }
    if route.framing == Framing::Chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await
}
