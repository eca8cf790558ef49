//! In-process proxies for tests: an HTTP CONNECT proxy (plain, or over TLS with a certificate
//! rcgen makes at start), a SOCKS5 proxy (RFC 1928/1929), both with optional username/password
//! authentication, a [`ScriptedServer`] that answers canned bytes (for broken proxies), and a
//! [`FixedResponseTarget`] that answers every connection with one HTTP response.
//!
//! The proxies record what they saw: connections accepted, authentication failures, the
//! targets requested and the tunnels opened. They tunnel to any target the client asks for, so
//! tests must only ask for addresses on 127.0.0.1. Everything listens on 127.0.0.1 (port chosen
//! by the OS) and stops when dropped.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use dragnet_domain::ProxyProtocol;
use dragnet_probe::proxy::ProxyEndpoint;

/// How long the test proxies wait for a target to accept a connection.
const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest CONNECT request head the test proxy reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// What a test proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestProxyKind {
    /// HTTP CONNECT.
    Connect,
    /// SOCKS5, CONNECT command with address types 1 (IPv4) and 4 (IPv6).
    Socks5,
}

/// How a test proxy behaves.
#[derive(Debug, Clone, Default)]
pub struct ProxyServerOptions {
    /// Username and password the proxy requires; `None` lets everyone in.
    pub credentials: Option<(String, String)>,
    /// CONNECT only: serve TLS (an HTTPS proxy) with a self-signed certificate for
    /// `127.0.0.1` and `localhost`.
    pub tls: bool,
    /// CONNECT only: bytes sent in the same write as the `200` response head, as if the
    /// target had spoken first (tests that nothing after the head is lost).
    pub early_data: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Stats {
    connections: AtomicU64,
    auth_failures: AtomicU64,
    tunnels: AtomicU64,
    targets: Mutex<Vec<String>>,
}

impl Stats {
    fn record_target(&self, target: String) {
        if let Ok(mut targets) = self.targets.lock() {
            targets.push(target);
        }
    }
}

/// A running test proxy.
#[derive(Debug)]
pub struct TestProxyServer {
    addr: SocketAddr,
    kind: TestProxyKind,
    options: ProxyServerOptions,
    certificate: Option<CertificateDer<'static>>,
    stats: Arc<Stats>,
    cancel: CancellationToken,
}

impl TestProxyServer {
    /// Starts an HTTP CONNECT proxy (over TLS if `options.tls`).
    pub async fn connect_proxy(options: ProxyServerOptions) -> io::Result<Self> {
        Self::start(TestProxyKind::Connect, options).await
    }

    /// Starts a SOCKS5 proxy.
    pub async fn socks5(options: ProxyServerOptions) -> io::Result<Self> {
        if options.tls {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the test SOCKS5 proxy does not serve TLS",
            ));
        }
        Self::start(TestProxyKind::Socks5, options).await
    }

    async fn start(kind: TestProxyKind, options: ProxyServerOptions) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (acceptor, certificate) = if options.tls {
            let (acceptor, certificate) = tls_acceptor()?;
            (Some(acceptor), Some(certificate))
        } else {
            (None, None)
        };
        let stats = Arc::new(Stats::default());
        let cancel = CancellationToken::new();
        let shared = Arc::new(Shared {
            credentials: options.credentials.clone(),
            early_data: options.early_data.clone(),
            stats: Arc::clone(&stats),
        });
        let token = cancel.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = token.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                shared.stats.connections.fetch_add(1, Ordering::Relaxed);
                let shared = Arc::clone(&shared);
                let acceptor = acceptor.clone();
                let token = token.clone();
                tokio::spawn(async move {
                    let serve = async {
                        match (kind, acceptor) {
                            (TestProxyKind::Connect, Some(acceptor)) => {
                                if let Ok(tls) = acceptor.accept(stream).await {
                                    serve_connect(tls, &shared).await;
                                }
                            }
                            (TestProxyKind::Connect, None) => serve_connect(stream, &shared).await,
                            (TestProxyKind::Socks5, _) => serve_socks5(stream, &shared).await,
                        }
                    };
                    tokio::select! {
                        () = token.cancelled() => {}
                        () = serve => {}
                    }
                });
            }
        });
        Ok(TestProxyServer {
            addr,
            kind,
            options,
            certificate,
            stats,
            cancel,
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`ProxyEndpoint`] for this proxy (`127.0.0.1`, with the proxy's credentials if it
    /// requires some). An HTTPS proxy's certificate is self-signed: set
    /// `accept_invalid_certificates` to get through.
    pub fn endpoint(&self) -> ProxyEndpoint {
        let protocol = match (self.kind, self.options.tls) {
            (TestProxyKind::Connect, false) => ProxyProtocol::Http,
            (TestProxyKind::Connect, true) => ProxyProtocol::Https,
            (TestProxyKind::Socks5, _) => ProxyProtocol::Socks5,
        };
        let endpoint = ProxyEndpoint::new(protocol, self.addr.ip().to_string(), self.addr.port());
        match &self.options.credentials {
            Some((username, password)) => endpoint.with_credentials(username, password),
            None => endpoint,
        }
    }

    /// The self-signed certificate of a TLS proxy.
    pub fn certificate(&self) -> Option<&CertificateDer<'static>> {
        self.certificate.as_ref()
    }

    /// TCP connections accepted.
    pub fn connections(&self) -> u64 {
        self.stats.connections.load(Ordering::Relaxed)
    }

    /// Clients turned away for missing or wrong credentials.
    pub fn auth_failures(&self) -> u64 {
        self.stats.auth_failures.load(Ordering::Relaxed)
    }

    /// Tunnels opened to a target.
    pub fn tunnels(&self) -> u64 {
        self.stats.tunnels.load(Ordering::Relaxed)
    }

    /// The targets requested by authenticated clients, in order, as `ip:port`.
    pub fn targets(&self) -> Vec<String> {
        self.stats
            .targets
            .lock()
            .map(|targets| targets.clone())
            .unwrap_or_default()
    }
}

impl Drop for TestProxyServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

struct Shared {
    credentials: Option<(String, String)>,
    early_data: Option<Vec<u8>>,
    stats: Arc<Stats>,
}

fn tls_acceptor() -> io::Result<(TlsAcceptor, CertificateDer<'static>)> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(io::Error::other)?;
    let certificate = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)
            .map_err(io::Error::other)?;
    Ok((TlsAcceptor::from(Arc::new(config)), certificate))
}

async fn serve_connect<S: AsyncRead + AsyncWrite + Unpin>(mut client: S, shared: &Shared) {
    let Some(head) = read_request_head(&mut client).await else {
        return;
    };
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some("CONNECT"), Some(authority)) = (parts.next(), parts.next()) else {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    if let Some((username, password)) = &shared.credentials {
        let given = lines.find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("proxy-authorization")
                .then(|| value.trim().to_owned())
        });
        let expected = format!("{username}:{password}");
        let valid = given
            .as_deref()
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| decode_base64(encoded.trim()))
            .is_some_and(|decoded| decoded == expected.as_bytes());
        if !valid {
            shared.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
            let _ = client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
            return;
        }
    }
    let Ok(target) = authority.parse::<SocketAddr>() else {
        let _ = client
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    shared.stats.record_target(target.to_string());
    let upstream =
        match tokio::time::timeout(TARGET_CONNECT_TIMEOUT, TcpStream::connect(target)).await {
            Ok(Ok(upstream)) => upstream,
            Ok(Err(_)) => {
                let _ = client
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    .await;
                return;
            }
            Err(_) => {
                let _ = client
                    .write_all(b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n")
                    .await;
                return;
            }
        };
    shared.stats.tunnels.fetch_add(1, Ordering::Relaxed);
    let mut reply = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
    if let Some(early) = &shared.early_data {
        reply.extend_from_slice(early);
    }
    if client.write_all(&reply).await.is_err() {
        return;
    }
    relay(client, upstream).await;
}

/// Reads up to the end of an HTTP request head; `None` on EOF, error or an oversized head.
async fn read_request_head<S: AsyncRead + Unpin>(client: &mut S) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte, so nothing after the head (the tunnel's first bytes) is consumed.
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_REQUEST_HEAD || client.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

async fn serve_socks5(mut client: TcpStream, shared: &Shared) {
    let mut greeting = [0u8; 2];
    if client.read_exact(&mut greeting).await.is_err() || greeting[0] != 5 {
        return;
    }
    let mut methods = vec![0u8; usize::from(greeting[1])];
    if client.read_exact(&mut methods).await.is_err() {
        return;
    }
    let wanted = if shared.credentials.is_some() {
        0x02
    } else {
        0x00
    };
    if !methods.contains(&wanted) {
        shared.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
        let _ = client.write_all(&[5, 0xff]).await;
        return;
    }
    if client.write_all(&[5, wanted]).await.is_err() {
        return;
    }
    if let Some((username, password)) = &shared.credentials {
        let Some((given_user, given_password)) = read_socks5_credentials(&mut client).await else {
            return;
        };
        if given_user != username.as_bytes() || given_password != password.as_bytes() {
            shared.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
            let _ = client.write_all(&[1, 1]).await;
            return;
        }
        if client.write_all(&[1, 0]).await.is_err() {
            return;
        }
    }
    let mut request = [0u8; 4];
    if client.read_exact(&mut request).await.is_err() || request[0] != 5 {
        return;
    }
    let target = match request[3] {
        1 => {
            let mut address = [0u8; 6];
            if client.read_exact(&mut address).await.is_err() {
                return;
            }
            let ip = Ipv4Addr::new(address[0], address[1], address[2], address[3]);
            SocketAddr::from((ip, u16::from_be_bytes([address[4], address[5]])))
        }
        4 => {
            let mut address = [0u8; 18];
            if client.read_exact(&mut address).await.is_err() {
                return;
            }
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&address[..16]);
            let port = u16::from_be_bytes([address[16], address[17]]);
            SocketAddr::from((Ipv6Addr::from(octets), port))
        }
        _ => {
            let _ = client.write_all(&socks5_reply(8, None)).await;
            return;
        }
    };
    if request[1] != 1 {
        let _ = client.write_all(&socks5_reply(7, None)).await;
        return;
    }
    shared.stats.record_target(target.to_string());
    let upstream =
        match tokio::time::timeout(TARGET_CONNECT_TIMEOUT, TcpStream::connect(target)).await {
            Ok(Ok(upstream)) => upstream,
            Ok(Err(e)) => {
                let code = match e.kind() {
                    io::ErrorKind::ConnectionRefused => 5,
                    io::ErrorKind::NetworkUnreachable => 3,
                    io::ErrorKind::HostUnreachable => 4,
                    _ => 1,
                };
                let _ = client.write_all(&socks5_reply(code, None)).await;
                return;
            }
            Err(_) => {
                let _ = client.write_all(&socks5_reply(4, None)).await;
                return;
            }
        };
    shared.stats.tunnels.fetch_add(1, Ordering::Relaxed);
    let bound = upstream.local_addr().ok();
    if client.write_all(&socks5_reply(0, bound)).await.is_err() {
        return;
    }
    relay(client, upstream).await;
}

async fn read_socks5_credentials(client: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut header = [0u8; 2];
    client.read_exact(&mut header).await.ok()?;
    if header[0] != 1 {
        return None;
    }
    let mut username = vec![0u8; usize::from(header[1])];
    client.read_exact(&mut username).await.ok()?;
    let mut plen = [0u8; 1];
    client.read_exact(&mut plen).await.ok()?;
    let mut password = vec![0u8; usize::from(plen[0])];
    client.read_exact(&mut password).await.ok()?;
    Some((username, password))
}

/// `05 REP 00 ATYP BND.ADDR BND.PORT`; the bound address is `0.0.0.0:0` when unknown.
fn socks5_reply(code: u8, bound: Option<SocketAddr>) -> Vec<u8> {
    let mut reply = vec![5, code, 0];
    match bound {
        Some(SocketAddr::V6(v6)) => {
            reply.push(4);
            reply.extend_from_slice(&v6.ip().octets());
            reply.extend_from_slice(&v6.port().to_be_bytes());
        }
        Some(SocketAddr::V4(v4)) => {
            reply.push(1);
            reply.extend_from_slice(&v4.ip().octets());
            reply.extend_from_slice(&v4.port().to_be_bytes());
        }
        None => reply.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0]),
    }
    reply
}

async fn relay<S: AsyncRead + AsyncWrite + Unpin>(mut client: S, mut upstream: TcpStream) {
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Standard base64 (with or without padding) to bytes; `None` if malformed.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let digits = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for group in digits.chunks(4) {
        if group.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in group.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..group.len()]);
    }
    Some(out)
}

/// What a [`ScriptedServer`] does after its last reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterScript {
    /// Close the connection.
    Close,
    /// Keep the connection open without sending anything more (until the client leaves).
    Hold,
}

/// A server that, on every connection, plays a script: for each step it reads once from the
/// client (whatever arrives) and writes the step's bytes; then it closes or holds the
/// connection. It stands in for broken or hostile proxies.
#[derive(Debug)]
pub struct ScriptedServer {
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
    cancel: CancellationToken,
}

impl ScriptedServer {
    /// Starts the server with `replies`, one per step.
    pub async fn start(replies: Vec<Vec<u8>>, after: AfterScript) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicU64::new(0));
        let cancel = CancellationToken::new();
        let replies = Arc::new(replies);
        let counter = Arc::clone(&connections);
        let token = cancel.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = token.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut stream, _)) = accepted else {
                    continue;
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let replies = Arc::clone(&replies);
                let token = token.clone();
                tokio::spawn(async move {
                    let play = async {
                        let mut buf = [0u8; 4096];
                        for reply in replies.iter() {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) => {}
                            }
                            if stream.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                        if after == AfterScript::Hold {
                            // Drain until the client leaves.
                            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                        }
                    };
                    tokio::select! {
                        () = token.cancelled() => {}
                        () = play => {}
                    }
                });
            }
        });
        Ok(ScriptedServer {
            addr,
            connections,
            cancel,
        })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A target that answers every connection with one fixed HTTP response once the request head
/// has arrived (or the client stopped sending), then closes.
#[derive(Debug)]
pub struct FixedResponseTarget {
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
    cancel: CancellationToken,
}

impl FixedResponseTarget {
    /// The body [`FixedResponseTarget::start`] serves.
    pub const BODY: &'static str = "hello through the tunnel";

    /// Starts the target, answering `200 OK` with [`FixedResponseTarget::BODY`].
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicU64::new(0));
        let cancel = CancellationToken::new();
        let counter = Arc::clone(&connections);
        let token = cancel.clone();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{}",
            Self::BODY.len(),
            Self::BODY
        );
        let response: Arc<[u8]> = Arc::from(response.into_bytes());
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = token.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut stream, _)) = accepted else {
                    continue;
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let response = Arc::clone(&response);
                let token = token.clone();
                tokio::spawn(async move {
                    let answer = async {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                            if head.len() > MAX_REQUEST_HEAD {
                                return;
                            }
                        }
                        let _ = stream.write_all(&response).await;
                        let _ = stream.shutdown().await;
                    };
                    tokio::select! {
                        () = token.cancelled() => {}
                        () = answer => {}
                    }
                });
            }
        });
        Ok(FixedResponseTarget {
            addr,
            connections,
            cancel,
        })
    }

    /// The target's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for FixedResponseTarget {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decoder_reads_padded_and_unpadded() {
        assert_eq!(decode_base64("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(decode_base64("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_base64("Zm9vYg").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("Z"), None);
        assert_eq!(decode_base64("Zm9v!"), None);
    }
}
