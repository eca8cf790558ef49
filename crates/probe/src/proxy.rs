//! Proxies for the HTTP prober: HTTP CONNECT, HTTPS (TLS to the proxy, then CONNECT inside)
//! and SOCKS5 (RFC 1928, with RFC 1929 username/password), a connectivity check, and a
//! [`ProxyPool`] that rotates over an operator's proxies and benches the broken ones.
//!
//! [`connect_through`] opens a tunnel to a target address through one proxy and hands back a
//! [`BoxIo`]; the caller then speaks TLS and HTTP over it exactly as over a direct TCP
//! connection. The tunnel is always opened to an **IP address** (`CONNECT 192.0.2.1:443`,
//! SOCKS5 address types 1 and 4), never to a name: the prober already knows the addresses the
//! DNS phase found and checked them against the SSRF guard, and a name would let the proxy
//! resolve it to something the guard never saw.
//!
//! The proxy's own address is *not* checked against the guard: proxies are configured by the
//! operator, and a proxy on `127.0.0.1` (a local Tor or Squid) is an ordinary setup.
//!
//! Every step of the tunnel setup (resolving the proxy's name, TCP, TLS to the proxy, the
//! CONNECT exchange or the SOCKS5 greeting, authentication and request) runs under one
//! deadline, `connect_timeout` from the start. No reply of a proxy can make this module panic:
//! replies are read with fixed or bounded sizes (an HTTP response head is limited to
//! [`MAX_RESPONSE_HEAD`] bytes) and every malformed one becomes [`ProxyError::Protocol`].
//!
//! Errors say whose fault they are ([`ProxyError::is_proxy_fault`]): a proxy that cannot be
//! reached, times out before it is asked for the tunnel, fails TLS, rejects the credentials or
//! answers garbage is broken and counts toward benching; a proxy that answers "502 Bad
//! Gateway" or SOCKS5 "connection refused", or is still busy reaching the target when the time
//! runs out, worked — only the target did not. Every error's text names the proxy's
//! [`ProxyEndpoint::label`], never its password.

mod connect;
mod pool;
mod socks5;
mod tls;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dragnet_domain::ProxyProtocol;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::BoxIo;
use super::guard::AddressGuard;

pub use pool::{BenchPolicy, ProxyHealth, ProxyLease, ProxyPool, ProxyTotals, proxy_totals};

/// The largest HTTP response head accepted from a CONNECT proxy.
pub const MAX_RESPONSE_HEAD: usize = 8 * 1024;

/// One proxy: where it is, how to speak to it, and its credentials.
///
/// `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyEndpoint {
    /// How to speak to the proxy.
    pub protocol: ProxyProtocol,
    /// The proxy's host name or IP address (an IPv6 address with or without brackets).
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// Username for `Proxy-Authorization: Basic` or SOCKS5 username/password authentication.
    pub username: Option<String>,
    /// Password that goes with `username` (an absent password is sent as an empty one).
    pub password: Option<String>,
    /// What reports and logs call this proxy, e.g. the stored proxy's id or `host:port`.
    pub label: String,
    /// `Https` only: accept any certificate from the proxy (still TLS, but not authenticated).
    /// Default `false`: the certificate must chain to a webpki root and name the host.
    pub accept_invalid_certificates: bool,
}

impl ProxyEndpoint {
    /// A proxy without credentials, labelled `host:port`, with certificate verification on.
    pub fn new(protocol: ProxyProtocol, host: impl Into<String>, port: u16) -> Self {
        let host = host.into();
        let label = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        ProxyEndpoint {
            protocol,
            host,
            port,
            username: None,
            password: None,
            label,
            accept_invalid_certificates: false,
        }
    }

    /// The same proxy with these credentials.
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// The same proxy with another label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The same proxy, accepting any TLS certificate from it (`Https` only).
    pub fn with_accept_invalid_certificates(mut self, accept: bool) -> Self {
        self.accept_invalid_certificates = accept;
        self
    }

    /// The host without IPv6 brackets.
    fn bare_host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }

    fn has_credentials(&self) -> bool {
        self.username.is_some()
    }
}

impl fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyEndpoint")
            .field("protocol", &self.protocol)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("label", &self.label)
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .finish()
    }
}

/// The step of a tunnel setup an error or a timeout happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyStage {
    /// Resolving the proxy's host name.
    Resolving,
    /// Opening the TCP connection to the proxy.
    Connecting,
    /// The TLS handshake with an `Https` proxy.
    TlsHandshake,
    /// The SOCKS5 method negotiation.
    Greeting,
    /// Username/password authentication (SOCKS5).
    Authenticating,
    /// Sending the CONNECT request and reading the proxy's reply.
    Tunnel,
}

impl fmt::Display for ProxyStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProxyStage::Resolving => "resolving the proxy's host",
            ProxyStage::Connecting => "connecting to the proxy",
            ProxyStage::TlsHandshake => "in the TLS handshake with the proxy",
            ProxyStage::Greeting => "in the SOCKS5 greeting",
            ProxyStage::Authenticating => "authenticating to the proxy",
            ProxyStage::Tunnel => "waiting for the proxy to open the tunnel",
        })
    }
}

/// Why a tunnel through a proxy could not be opened.
///
/// Every message starts with `proxy <label>:`; none contains the password.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The proxy could not be reached (name not found, connection refused, reset, …).
    #[error("proxy {proxy}: cannot connect: {source}")]
    Connect {
        /// The proxy's label.
        proxy: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The tunnel setup took longer than the timeout.
    #[error("proxy {proxy}: timed out {stage} (limit {limit_ms} ms)")]
    Timeout {
        /// The proxy's label.
        proxy: String,
        /// The step that was running when the time ran out.
        stage: ProxyStage,
        /// The timeout, in milliseconds.
        limit_ms: u64,
    },
    /// The TLS handshake with an `Https` proxy failed (including certificate verification).
    #[error("proxy {proxy}: TLS to the proxy failed: {detail}")]
    Tls {
        /// The proxy's label.
        proxy: String,
        /// What rustls said.
        detail: String,
    },
    /// The proxy demands credentials and none are configured.
    #[error("proxy {proxy}: the proxy requires authentication and no credentials are configured")]
    AuthRequired {
        /// The proxy's label.
        proxy: String,
    },
    /// The proxy rejected the configured credentials.
    #[error("proxy {proxy}: the proxy rejected the credentials ({detail})")]
    AuthRejected {
        /// The proxy's label.
        proxy: String,
        /// How it said so, e.g. `HTTP 407 Proxy Authentication Required`.
        detail: String,
    },
    /// The proxy answered but did not open the tunnel to the target.
    #[error("proxy {proxy}: refused the tunnel to {target}: {reason}")]
    Refused {
        /// The proxy's label.
        proxy: String,
        /// The target the tunnel was requested to.
        target: SocketAddr,
        /// The CONNECT status or the SOCKS5 reply code, in words.
        reason: String,
        /// `true` when the proxy worked and the target was unreachable or refused the
        /// connection (CONNECT 502/504, SOCKS5 replies 3, 4, 5, 6).
        target_fault: bool,
    },
    /// The proxy's reply is not valid for the protocol.
    #[error("proxy {proxy}: protocol error: {detail}")]
    Protocol {
        /// The proxy's label.
        proxy: String,
        /// What was wrong.
        detail: String,
    },
    /// The connection to the proxy failed in the middle of the setup.
    #[error("proxy {proxy}: connection failed {stage}: {source}")]
    Io {
        /// The proxy's label.
        proxy: String,
        /// The step that was running.
        stage: ProxyStage,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The endpoint cannot be used as configured (e.g. a SOCKS5 username over 255 bytes).
    #[error("proxy {proxy}: invalid configuration: {detail}")]
    Config {
        /// The proxy's label.
        proxy: String,
        /// What is wrong.
        detail: String,
    },
    /// [`check_proxy`] only: the target's address is refused by the SSRF guard; nothing was
    /// sent to the proxy.
    #[error("proxy {proxy}: target refused by policy: {reason}")]
    Blocked {
        /// The proxy's label.
        proxy: String,
        /// The guard's reason, e.g. `10.0.0.1 is private`.
        reason: String,
    },
    /// [`check_proxy`] only: the target's host name did not resolve; nothing was sent to the
    /// proxy.
    #[error("proxy {proxy}: cannot resolve the target {target}: {detail}")]
    Resolve {
        /// The proxy's label.
        proxy: String,
        /// The target host and port.
        target: String,
        /// Why.
        detail: String,
    },
}

impl ProxyError {
    /// `true` if the proxy itself is broken (unreachable, timed out before the tunnel request,
    /// TLS, credentials, bad replies, refusing by its own policy) — this counts toward
    /// benching it. `false` if the proxy worked but the target was unreachable or refused
    /// (CONNECT 502/504, SOCKS5 replies 3/4/5/6), and for the target checks of
    /// [`check_proxy`] that never reach the proxy.
    ///
    /// A timeout while waiting for the answer to the tunnel request
    /// ([`ProxyStage::Tunnel`]) is not a proxy fault: the proxy is then usually still trying
    /// to reach a target that does not answer, and probing millions of domains meets many of
    /// those; counting them would bench healthy proxies. (The price: an HTTP proxy that
    /// accepts connections and then never answers is not benched. A silent SOCKS5 proxy is,
    /// since it times out in the greeting.)
    pub fn is_proxy_fault(&self) -> bool {
        match self {
            ProxyError::Refused { target_fault, .. } => !target_fault,
            ProxyError::Timeout {
                stage: ProxyStage::Tunnel,
                ..
            } => false,
            ProxyError::Blocked { .. } | ProxyError::Resolve { .. } => false,
            ProxyError::Connect { .. }
            | ProxyError::Timeout { .. }
            | ProxyError::Tls { .. }
            | ProxyError::AuthRequired { .. }
            | ProxyError::AuthRejected { .. }
            | ProxyError::Protocol { .. }
            | ProxyError::Io { .. }
            | ProxyError::Config { .. } => true,
        }
    }

    /// `true` for [`ProxyError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, ProxyError::Timeout { .. })
    }
}

/// Opens a tunnel to `target` through `proxy`; the caller then speaks TLS or HTTP over it.
///
/// The whole setup (resolving the proxy's name, TCP, TLS to an `Https` proxy, the CONNECT or
/// SOCKS5 exchange) runs under `connect_timeout`. The target is sent as an IP address.
pub async fn connect_through(
    proxy: &ProxyEndpoint,
    target: SocketAddr,
    connect_timeout: Duration,
) -> Result<BoxIo, ProxyError> {
    let deadline = Deadline::new(proxy, connect_timeout);
    establish(proxy, target, &deadline, &mut Timings::default()).await
}

/// What [`check_proxy`] measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyCheck {
    /// Milliseconds from the start until the connection to the proxy was up (TCP, and TLS for
    /// an `Https` proxy).
    pub connect_ms: u64,
    /// Milliseconds from the start until the tunnel to the target was open.
    pub tunnel_ms: u64,
    /// The target the tunnel was opened to: `host:port (ip:port)`, or `ip:port` for an IP.
    pub target: String,
}

/// Checks that `proxy` works: resolves `target_host` locally (an IP literal needs no lookup),
/// refuses addresses the `guard` refuses (before anything is sent to the proxy), opens a real
/// tunnel through the proxy to the first allowed address, closes it, and reports the times.
///
/// `timeout` bounds everything, the target's lookup included.
pub async fn check_proxy(
    proxy: &ProxyEndpoint,
    target_host: &str,
    target_port: u16,
    timeout: Duration,
    guard: &AddressGuard,
) -> Result<ProxyCheck, ProxyError> {
    let deadline = Deadline::new(proxy, timeout);
    let host = target_host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(target_host);
    let shown = if host.contains(':') {
        format!("[{host}]:{target_port}")
    } else {
        format!("{host}:{target_port}")
    };
    let resolve_error = |detail: String| ProxyError::Resolve {
        proxy: proxy.label.clone(),
        target: shown.clone(),
        detail,
    };
    let literal = host.parse::<IpAddr>().ok();
    let addresses: Vec<SocketAddr> = match literal {
        Some(ip) => vec![SocketAddr::new(ip, target_port)],
        None => {
            if host.is_empty() {
                return Err(resolve_error("the host is empty".to_owned()));
            }
            let found =
                tokio::time::timeout_at(deadline.at, tokio::net::lookup_host((host, target_port)))
                    .await
                    .map_err(|_| resolve_error("the lookup timed out".to_owned()))?
                    .map_err(|e| resolve_error(e.to_string()))?;
            found.collect()
        }
    };
    if addresses.is_empty() {
        return Err(resolve_error("no addresses".to_owned()));
    }
    let mut refusal = None;
    let mut target = None;
    for address in &addresses {
        match guard.check(address.ip()) {
            Ok(()) => {
                target = Some(*address);
                break;
            }
            Err(blocked) => {
                refusal.get_or_insert(blocked.to_string());
            }
        }
    }
    let Some(target) = target else {
        return Err(ProxyError::Blocked {
            proxy: proxy.label.clone(),
            reason: refusal.unwrap_or_else(|| "no allowed address".to_owned()),
        });
    };
    let mut timings = Timings::default();
    let tunnel = establish(proxy, target, &deadline, &mut timings).await?;
    let tunnel_ms = millis(deadline.started.elapsed());
    drop(tunnel);
    Ok(ProxyCheck {
        connect_ms: timings.connected.map_or(tunnel_ms, millis),
        tunnel_ms,
        target: if literal.is_some() {
            target.to_string()
        } else {
            format!("{shown} ({target})")
        },
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Times measured during a setup, from the deadline's start.
#[derive(Debug, Default)]
struct Timings {
    connected: Option<Duration>,
}

/// The one deadline of a tunnel setup, and the proxy it is for (to name it in errors).
struct Deadline<'a> {
    proxy: &'a ProxyEndpoint,
    started: Instant,
    at: Instant,
    limit: Duration,
}

impl<'a> Deadline<'a> {
    fn new(proxy: &'a ProxyEndpoint, limit: Duration) -> Self {
        let started = Instant::now();
        Deadline {
            proxy,
            started,
            at: started + limit,
            limit,
        }
    }

    /// Runs one step of the setup under the deadline.
    async fn run<T>(
        &self,
        stage: ProxyStage,
        step: impl Future<Output = Result<T, ProxyError>>,
    ) -> Result<T, ProxyError> {
        match tokio::time::timeout_at(self.at, step).await {
            Ok(result) => result,
            Err(_) => Err(self.timeout(stage)),
        }
    }

    fn timeout(&self, stage: ProxyStage) -> ProxyError {
        ProxyError::Timeout {
            proxy: self.proxy.label.clone(),
            stage,
            limit_ms: millis(self.limit),
        }
    }

    /// Maps an I/O error while exchanging messages with the proxy.
    fn io_error(&self, stage: ProxyStage, e: io::Error) -> ProxyError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ProxyError::Protocol {
                proxy: self.proxy.label.clone(),
                detail: format!("the proxy closed the connection {stage}"),
            }
        } else {
            ProxyError::Io {
                proxy: self.proxy.label.clone(),
                stage,
                source: e,
            }
        }
    }

    fn protocol(&self, detail: impl Into<String>) -> ProxyError {
        ProxyError::Protocol {
            proxy: self.proxy.label.clone(),
            detail: detail.into(),
        }
    }
}

async fn establish(
    proxy: &ProxyEndpoint,
    target: SocketAddr,
    deadline: &Deadline<'_>,
    timings: &mut Timings,
) -> Result<BoxIo, ProxyError> {
    if proxy.host.is_empty() || proxy.port == 0 {
        return Err(ProxyError::Config {
            proxy: proxy.label.clone(),
            detail: "the proxy's host is empty or its port is 0".to_owned(),
        });
    }
    let socks5_credentials = match proxy.protocol {
        ProxyProtocol::Socks5 => socks5::prepare(proxy)?,
        ProxyProtocol::Http | ProxyProtocol::Https => None,
    };
    let tcp = connect_tcp(proxy, deadline).await?;
    match proxy.protocol {
        ProxyProtocol::Http => {
            timings.connected = Some(deadline.started.elapsed());
            connect::handshake(tcp, proxy, target, deadline).await
        }
        ProxyProtocol::Https => {
            let stream = deadline
                .run(ProxyStage::TlsHandshake, tls::connect(tcp, proxy))
                .await?;
            timings.connected = Some(deadline.started.elapsed());
            connect::handshake(stream, proxy, target, deadline).await
        }
        ProxyProtocol::Socks5 => {
            timings.connected = Some(deadline.started.elapsed());
            socks5::handshake(tcp, socks5_credentials, proxy, target, deadline).await
        }
    }
}

/// Resolves the proxy's host (an IP literal needs no lookup) and connects to its addresses in
/// order until one answers.
async fn connect_tcp(
    proxy: &ProxyEndpoint,
    deadline: &Deadline<'_>,
) -> Result<TcpStream, ProxyError> {
    let connect_error = |source: io::Error| ProxyError::Connect {
        proxy: proxy.label.clone(),
        source,
    };
    let addresses: Vec<SocketAddr> = match proxy.bare_host().parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, proxy.port)],
        Err(_) => {
            deadline
                .run(ProxyStage::Resolving, async {
                    tokio::net::lookup_host((proxy.bare_host(), proxy.port))
                        .await
                        .map(Iterator::collect)
                        .map_err(connect_error)
                })
                .await?
        }
    };
    let mut last = None;
    for address in addresses {
        let attempt = deadline
            .run(ProxyStage::Connecting, async {
                TcpStream::connect(address).await.map_err(connect_error)
            })
            .await;
        match attempt {
            Ok(stream) => {
                // Small handshake messages must not wait for Nagle.
                stream.set_nodelay(true).map_err(connect_error)?;
                return Ok(stream);
            }
            Err(e @ ProxyError::Timeout { .. }) => return Err(e),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        connect_error(io::Error::new(
            io::ErrorKind::NotFound,
            "the proxy's host name has no addresses",
        ))
    }))
}

impl ProxyEndpoint {
    /// The endpoint of a stored proxy, labelled with its id (so reports and errors name the
    /// stored object, never the password).
    pub fn stored(
        id: &dragnet_domain::config::StoredId,
        proxy: &dragnet_domain::catalog::Proxy,
    ) -> Self {
        let mut endpoint = ProxyEndpoint::new(proxy.protocol(), proxy.host(), proxy.port())
            .with_label(id.as_str())
            .with_accept_invalid_certificates(proxy.accept_invalid_certificates());
        if let (Some(username), Some(password)) = (proxy.username(), proxy.password()) {
            endpoint = endpoint.with_credentials(username, password);
        }
        endpoint
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

    use super::*;

    /// A proxy connection that answers with fixed bytes, delivered in random-sized pieces,
    /// then end of stream; everything written to it is kept.
    struct Canned {
        reply: Vec<u8>,
        position: usize,
        rng: fastrand::Rng,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Canned {
        fn new(reply: &[u8], seed: u64) -> Self {
            Canned {
                reply: reply.to_vec(),
                position: 0,
                rng: fastrand::Rng::with_seed(seed),
                written: Arc::default(),
            }
        }
    }

    impl AsyncRead for Canned {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = &mut *self;
            let rest = this.reply.len() - this.position;
            if rest == 0 || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let n = this.rng.usize(1..=rest.min(buf.remaining()));
            buf.put_slice(&this.reply[this.position..this.position + n]);
            this.position += n;
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Canned {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if let Ok(mut written) = self.written.lock() {
                written.extend_from_slice(buf);
            }
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    const TARGET: &str = "192.0.2.10:443";
    const SOCKS5_OK: &[u8] = &[5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];

    fn target() -> SocketAddr {
        TARGET.parse().expect("literal")
    }

    async fn run_connect(
        proxy: &ProxyEndpoint,
        reply: &[u8],
        seed: u64,
    ) -> Result<BoxIo, ProxyError> {
        let deadline = Deadline::new(proxy, Duration::from_secs(5));
        connect::handshake(Canned::new(reply, seed), proxy, target(), &deadline).await
    }

    async fn run_socks5(
        proxy: &ProxyEndpoint,
        reply: &[u8],
        seed: u64,
    ) -> Result<BoxIo, ProxyError> {
        let deadline = Deadline::new(proxy, Duration::from_secs(5));
        let credentials = socks5::prepare(proxy)?;
        socks5::handshake(
            Canned::new(reply, seed),
            credentials,
            proxy,
            target(),
            &deadline,
        )
        .await
    }

    fn http_proxy() -> ProxyEndpoint {
        ProxyEndpoint::new(ProxyProtocol::Http, "proxy.test", 3128).with_label("p1")
    }

    fn socks_proxy(credentials: bool) -> ProxyEndpoint {
        let proxy = ProxyEndpoint::new(ProxyProtocol::Socks5, "proxy.test", 1080).with_label("s1");
        if credentials {
            proxy.with_credentials("user", "hunter2")
        } else {
            proxy
        }
    }

    /// Random bytes, random lengths, and random mutations of `valid`.
    fn garbage(valid: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
        match rng.u8(..3) {
            0 => (0..rng.usize(0..64)).map(|_| rng.u8(..)).collect(),
            1 => {
                let mut bytes = valid.to_vec();
                for _ in 0..rng.usize(1..4) {
                    if !bytes.is_empty() {
                        let i = rng.usize(..bytes.len());
                        bytes[i] = rng.u8(..);
                    }
                }
                bytes
            }
            _ => {
                let mut bytes = valid[..rng.usize(..=valid.len())].to_vec();
                bytes.extend((0..rng.usize(0..16)).map(|_| rng.u8(..)));
                bytes
            }
        }
    }

    #[tokio::test]
    async fn connect_accepts_2xx_and_keeps_bytes_after_the_head() {
        let proxy = http_proxy();
        for seed in 0..20 {
            let mut tunnel = run_connect(
                &proxy,
                b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nEARLY",
                seed,
            )
            .await
            .expect("tunnel");
            let mut early = Vec::new();
            tunnel.read_to_end(&mut early).await.expect("read");
            assert_eq!(early, b"EARLY");
        }
    }

    #[tokio::test]
    async fn connect_maps_statuses_to_errors() {
        let proxy = http_proxy();
        let err = run_connect(
            &proxy,
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            1,
        )
        .await
        .err()
        .expect("407");
        assert!(matches!(err, ProxyError::AuthRequired { .. }), "{err}");
        let with_credentials = http_proxy().with_credentials("u", "secret-pw");
        let err = run_connect(&with_credentials, b"HTTP/1.1 407 Nope\r\n\r\n", 1)
            .await
            .err()
            .expect("407");
        assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
        assert!(!err.to_string().contains("secret-pw"));
        for (reply, target_fault) in [
            (&b"HTTP/1.1 502 Bad Gateway\r\n\r\n"[..], true),
            (b"HTTP/1.1 504 Gateway Timeout\r\n\r\n", true),
            (b"HTTP/1.1 403 Forbidden\r\n\r\n", false),
            (b"HTTP/1.0 503 Service Unavailable\r\n\r\n", false),
            (b"HTTP/1.1 101 Switching\r\n\r\n", false),
        ] {
            let err = run_connect(&proxy, reply, 1).await.err().expect("refused");
            assert!(
                matches!(err, ProxyError::Refused { target_fault: t, .. } if t == target_fault),
                "{err}"
            );
            assert_eq!(err.is_proxy_fault(), !target_fault, "{err}");
            assert!(err.to_string().starts_with("proxy p1: "), "{err}");
        }
    }

    #[tokio::test]
    async fn connect_survives_truncated_oversized_and_garbage_replies() {
        let proxy = http_proxy().with_credentials("u", "p");
        let valid = b"HTTP/1.1 200 OK\r\n\r\n";
        for cut in 0..valid.len() {
            let err = run_connect(&proxy, &valid[..cut], cut as u64)
                .await
                .err()
                .expect("truncated");
            assert!(matches!(err, ProxyError::Protocol { .. }), "{cut}: {err}");
            assert!(err.is_proxy_fault());
        }
        let endless = vec![b'A'; MAX_RESPONSE_HEAD * 3];
        let err = run_connect(&proxy, &endless, 7)
            .await
            .err()
            .expect("oversized");
        assert!(err.to_string().contains("exceeds"), "{err}");

        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for round in 0..3000 {
            let reply = garbage(valid, &mut rng);
            // Any outcome but a panic is fine; errors must name the proxy.
            if let Err(err) = run_connect(&proxy, &reply, round).await {
                assert!(err.to_string().starts_with("proxy "), "{err}");
            }
        }
    }

    #[tokio::test]
    async fn socks5_sends_the_expected_messages() {
        let proxy = socks_proxy(true);
        let deadline = Deadline::new(&proxy, Duration::from_secs(5));
        let mut reply = vec![5, 2, 1, 0];
        reply.extend_from_slice(SOCKS5_OK);
        let canned = Canned::new(&reply, 3);
        let written = Arc::clone(&canned.written);
        let credentials = socks5::prepare(&proxy).expect("valid credentials");
        let result = socks5::handshake(canned, credentials, &proxy, target(), &deadline).await;
        assert!(result.is_ok());
        let mut expected = vec![5, 1, 2, 1, 4];
        expected.extend_from_slice(b"user");
        expected.push(7);
        expected.extend_from_slice(b"hunter2");
        expected.extend_from_slice(&[5, 1, 0, 1, 192, 0, 2, 10, 0x01, 0xbb]);
        assert_eq!(*written.lock().expect("not poisoned"), expected);
    }

    #[tokio::test]
    async fn socks5_maps_replies_to_errors() {
        let anonymous = socks_proxy(false);
        let err = run_socks5(&anonymous, &[5, 0xff], 1)
            .await
            .err()
            .expect("no method");
        assert!(matches!(err, ProxyError::AuthRequired { .. }), "{err}");
        let err = run_socks5(&anonymous, &[5, 2], 1)
            .await
            .err()
            .expect("unoffered");
        assert!(matches!(err, ProxyError::Protocol { .. }), "{err}");
        let err = run_socks5(&anonymous, &[4, 0], 1)
            .await
            .err()
            .expect("socks4");
        assert!(err.to_string().contains("not a SOCKS5 proxy"), "{err}");

        let with_credentials = socks_proxy(true);
        let err = run_socks5(&with_credentials, &[5, 0xff], 1)
            .await
            .err()
            .expect("no method");
        assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
        let err = run_socks5(&with_credentials, &[5, 2, 1, 1], 1)
            .await
            .err()
            .expect("bad pw");
        assert!(matches!(err, ProxyError::AuthRejected { .. }), "{err}");
        assert!(!err.to_string().contains("hunter2"));

        for code in 1..=9u8 {
            let reply = [5, 0, 5, code, 0, 1, 0, 0, 0, 0, 0, 0];
            let err = run_socks5(&anonymous, &reply, 1)
                .await
                .err()
                .expect("refused");
            let ProxyError::Refused {
                reason,
                target_fault,
                ..
            } = &err
            else {
                panic!("reply {code}: {err}");
            };
            assert!(
                reason.contains(&format!("SOCKS5 reply {code} (")),
                "{reason}"
            );
            assert_eq!(*target_fault, (3..=6).contains(&code), "{code}");
            assert_eq!(err.is_proxy_fault(), !(3..=6).contains(&code));
        }
        let refused = [5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0];
        let err = run_socks5(&anonymous, &refused, 1)
            .await
            .err()
            .expect("refused");
        assert_eq!(
            err.to_string(),
            "proxy s1: refused the tunnel to 192.0.2.10:443: SOCKS5 reply 5 (connection refused)"
        );
    }

    #[tokio::test]
    async fn socks5_reads_every_bound_address_type() {
        let proxy = socks_proxy(false);
        let mut v6 = vec![5, 0, 5, 0, 0, 4];
        v6.extend_from_slice(&[0; 16]);
        v6.extend_from_slice(&[0, 80]);
        let mut domain = vec![5, 0, 5, 0, 0, 3, 9];
        domain.extend_from_slice(b"proxy.lan");
        domain.extend_from_slice(&[0, 80]);
        let mut v4 = vec![5, 0];
        v4.extend_from_slice(SOCKS5_OK);
        for reply in [v4, v6, domain] {
            let mut with_data = reply.clone();
            with_data.extend_from_slice(b"DATA");
            let mut tunnel = run_socks5(&proxy, &with_data, 9).await.expect("tunnel");
            let mut data = Vec::new();
            tunnel.read_to_end(&mut data).await.expect("read");
            assert_eq!(data, b"DATA", "{reply:?}");
        }
        let err = run_socks5(&proxy, &[5, 0, 5, 0, 0, 2, 1, 2, 3, 4, 0, 80], 1)
            .await
            .err()
            .expect("bad atyp");
        assert!(err.to_string().contains("unknown address type 2"), "{err}");
    }

    #[tokio::test]
    async fn socks5_survives_truncated_and_garbage_replies() {
        let mut valid = vec![5, 2, 1, 0];
        valid.extend_from_slice(SOCKS5_OK);
        let proxy = socks_proxy(true);
        for cut in 0..valid.len() {
            let err = run_socks5(&proxy, &valid[..cut], cut as u64)
                .await
                .err()
                .expect("truncated");
            assert!(matches!(err, ProxyError::Protocol { .. }), "{cut}: {err}");
            assert!(err.to_string().contains("closed the connection"), "{err}");
        }
        let mut rng = fastrand::Rng::with_seed(0xfeed);
        for (round, credentials) in (0..3000).zip([true, false].into_iter().cycle()) {
            let proxy = socks_proxy(credentials);
            let reply = garbage(&valid, &mut rng);
            if let Err(err) = run_socks5(&proxy, &reply, round).await {
                assert!(err.to_string().starts_with("proxy s1: "), "{err}");
            }
        }
    }

    #[tokio::test]
    async fn a_silent_proxy_times_out_with_its_stage() {
        let (client, _server) = tokio::io::duplex(64);
        let proxy = socks_proxy(false);
        let deadline = Deadline::new(&proxy, Duration::from_millis(50));
        let err = socks5::handshake(client, None, &proxy, target(), &deadline)
            .await
            .err()
            .expect("timeout");
        assert!(
            matches!(
                err,
                ProxyError::Timeout {
                    stage: ProxyStage::Greeting,
                    limit_ms: 50,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.is_timeout() && err.is_proxy_fault());
        assert_eq!(
            err.to_string(),
            "proxy s1: timed out in the SOCKS5 greeting (limit 50 ms)"
        );
    }

    #[test]
    fn debug_hides_the_password_and_labels_default_to_host_port() {
        let proxy = ProxyEndpoint::new(ProxyProtocol::Socks5, "::1", 1080)
            .with_credentials("alice", "correct horse");
        assert_eq!(proxy.label, "[::1]:1080");
        assert_eq!(proxy.bare_host(), "::1");
        let shown = format!("{proxy:?}");
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("alice"),
            "{shown}"
        );
        let bracketed = ProxyEndpoint::new(ProxyProtocol::Http, "[2001:db8::2]", 8080);
        assert_eq!(bracketed.label, "[2001:db8::2]:8080");
        assert_eq!(bracketed.bare_host(), "2001:db8::2");
    }
}
