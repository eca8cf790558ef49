//! One probe of one domain: connect to the addresses the DNS phase found, TLS, one HTTP/1.1
//! `GET /` with hyper, redirects, a streamed and capped body, decompression and charset
//! decoding.
//!
//! # What a probe does
//!
//! 1. **Guard.** Every address is checked with the [`AddressGuard`] before anything is sent.
//!    Refused addresses are skipped; if all are refused the outcome is
//!    [`HttpStatus::Blocked`] and no packet leaves the machine.
//! 2. **Schemes.** The configured schemes are tried in order (default `https`, then `http`).
//!    An attempt that gets a response — any status, a redirect included — is the last one;
//!    an attempt that gets none (refused, timed out, TLS failure) moves on to the next scheme.
//!    The outcome is the last attempt's, and `error_detail` joins every attempt's error.
//! 3. **Connect.** To the DNS phase's addresses (no second lookup), up to three of them in
//!    order; only a failed connect moves on to the next address. `TCP_NODELAY`, bounded by
//!    `connect_timeout`. At most `per_ip_concurrency` connections are in flight to one
//!    address; time spent waiting for that slot does not count against the timeouts.
//! 4. **TLS** (https): rustls with the `ring` provider, SNI = the host (none for an IP
//!    literal), ALPN `http/1.1`, certificates verified against the Mozilla roots unless
//!    `accept_invalid_certificates`. No session resumption: every probe is a full handshake.
//! 5. **Request.** `GET /` with `Host` (with the port when it is not the scheme's default),
//!    `User-Agent`, `Accept: text/html,application/xhtml+xml,*/*;q=0.8`,
//!    `Accept-Encoding: gzip, deflate, br`, `Connection: close` and the configured headers
//!    (which replace a default of the same name). The hyper connection is driven in the
//!    probe's own task: a probe never spawns.
//! 6. **Redirects.** 301, 302, 303, 307 and 308 with a `Location` are followed (relative
//!    locations resolved against the current URL), up to `max_redirects`; only `http` and
//!    `https` targets. The same host reuses the DNS phase's addresses; another host is looked
//!    up with the system resolver (an IP literal needs no lookup) and every address it gets
//!    goes through the guard again, so a redirect cannot reach a refused address either.
//! 7. **Body.** Read frame by frame and decoded as it arrives (`Content-Encoding` gzip,
//!    x-gzip, deflate as zlib or raw, br, identity; see `body.rs`) up to `max_body_bytes` of
//!    *decoded* output; at the cap the connection is dropped and the body is `truncated`, so a
//!    compression bomb costs at most the cap. Nothing but the decoded output is buffered.
//! 8. **Text.** A text-like body (`text/*`, `*html*`, `*xml*`, `*json*`, or no content type)
//!    is decoded to a `String` (see `charset.rs`): the charset comes from a byte-order mark,
//!    else the `Content-Type` `charset=`, else a `<meta charset>` / `<meta http-equiv>` (or
//!    an XML declaration) in the first 1024 bytes, else UTF-8; bad bytes become U+FFFD. The
//!    BOM goes first, as in browsers (WHATWG encoding sniffing).
//!
//! `timeout` bounds one scheme attempt as a whole: connect, TLS, headers, body and every
//! redirect.
//!
//! # Error mapping
//!
//! | what happened | status | `status_code` |
//! |---|---|---|
//! | every address refused by the guard (at the start or at a redirect) | `blocked` | of the redirect, if any |
//! | connection refused, host/network unreachable, reset before any response | `unreachable` | — |
//! | any timeout: connect, TLS, response headers, body | `timeout` | if the headers arrived |
//! | TLS handshake or certificate failure | `tls_error` | — |
//! | malformed response, closed without a response | `http_error` | — |
//! | a status not in `accepted_status` (default: 2xx) | `http_error` | the status |
//! | too many redirects, a redirect loop, a bad `Location`, a non-http(s) target | `http_error` | the redirect's |
//! | unsupported `Content-Encoding`, corrupt compressed body, body cut by the connection | `http_error` | the status |
//! | an accepted status whose body was read (possibly `truncated` at the cap) | `ok` | the status |
//!
//! When a body could not be read to its end (an error or a timeout after the headers, a
//! corrupt or cut compressed stream), the status says so and the bytes decoded before the
//! failure are still returned in `body`, marked `truncated`: the error is not hidden, and the
//! page is not lost.
//!
//! `final_url` is the last URL the probe tried to fetch (for a redirect refused by the guard,
//! the refused target) and `redirect_count` the number of redirects followed to reach it.

mod body;
mod charset;
mod errors;
mod limiter;
mod tls;

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dragnet_domain::HttpStatus;
use dragnet_domain::config::http::{AcceptedStatus, DEFAULT_USER_AGENT, Scheme};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty};

use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use sha2::{Digest, Sha256};
use tokio::net::TcpSocket;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;
use url::{Position, Url};

use self::body::{BodyDecoder, Coding, DecodeError, Progress};
use self::errors::{ConnectError, Failure, body_words, hyper_failure, tls_words};
use self::limiter::IpLimiter;
use super::BoxIo;
use super::Io;
use super::guard::{AddressGuard, BlockedAddress};
use super::proxy::{self, ProxyPool};

/// How many of a host's addresses are tried before giving up.
const MAX_ADDRESSES: usize = 3;
/// The `Accept` header sent by default.
const ACCEPT: &str = "text/html,application/xhtml+xml,*/*;q=0.8";
/// The `Accept-Encoding` header: exactly the codings the body decoder handles.
const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// How probes are made. Built from the phase configuration by the phase runner. Its `Debug`
/// output leaves out header values (they may carry credentials).
#[derive(Clone)]
pub struct ProbeSettings {
    /// Schemes tried in order.
    pub schemes: Vec<Scheme>,
    /// Port for `https` (default 443).
    pub https_port: u16,
    /// Port for `http` (default 80).
    pub http_port: u16,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Extra request headers (validated by the domain crate); a header named like a default
    /// one (`Accept`) replaces it.
    pub headers: Vec<(String, String)>,
    /// Time to establish one TCP connection.
    pub connect_timeout: Duration,
    /// Time for one scheme attempt: connect, TLS, headers, body and all its redirects.
    pub timeout: Duration,
    /// Redirects followed before giving up with "too many redirects".
    pub max_redirects: u32,
    /// Cap on the decoded (decompressed) body.
    pub max_body_bytes: usize,
    /// Statuses that make a probe `ok`; empty means 2xx.
    pub accepted_status: Vec<AcceptedStatus>,
    /// Accept any TLS certificate (the connection is still encrypted).
    pub accept_invalid_certificates: bool,
    /// Connections in flight to one IP address, at most.
    pub per_ip_concurrency: usize,
    /// Which addresses may be connected to.
    pub guard: AddressGuard,
    /// Proxies to tunnel every connection through (rotated, failing ones benched); direct
    /// connections when `None`. The guard still applies to the target addresses.
    pub proxies: Option<Arc<ProxyPool>>,
}

impl fmt::Debug for ProbeSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ProbeSettings")
            .field("schemes", &self.schemes)
            .field("https_port", &self.https_port)
            .field("http_port", &self.http_port)
            .field("user_agent", &self.user_agent)
            .field("headers (names only)", &header_names)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_redirects", &self.max_redirects)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("accepted_status", &self.accepted_status)
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .field("per_ip_concurrency", &self.per_ip_concurrency)
            .field("guard", &self.guard)
            .field("proxies", &self.proxies.as_ref().map(|p| p.len()))
            .finish()
    }
}

impl Default for ProbeSettings {
    /// The phase's documented defaults, with a guard that refuses every non-public address.
    fn default() -> Self {
        Self {
            schemes: vec![Scheme::Https, Scheme::Http],
            https_port: 443,
            http_port: 80,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            headers: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_redirects: 5,
            max_body_bytes: 256 * 1024,
            accepted_status: Vec::new(),
            accept_invalid_certificates: false,
            per_ip_concurrency: 4,
            guard: AddressGuard::new(false, Vec::new()),
            proxies: None,
        }
    }
}

/// Why a [`Prober`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ProbeSetupError {
    /// No scheme to try.
    #[error("at least one scheme (https or http) is needed")]
    NoSchemes,
    /// `max_body_bytes` is zero.
    #[error("the body cap must be at least 1 byte")]
    ZeroBodyCap,
    /// The user agent cannot be sent as a header value.
    #[error("the user agent is not a valid header value")]
    UserAgent,
    /// A configured header cannot be sent.
    #[error("header `{name}`: {reason}")]
    Header {
        /// The header's name as configured.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The TLS configuration could not be built.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    /// The result.
    pub status: HttpStatus,
    /// Every attempt's error, naming the scheme, URL, address or hop, joined with `; `, e.g.
    /// `https://a.test/: TLS: invalid peer certificate: UnknownIssuer; http://a.test/:
    /// connection refused (192.0.2.1:80)`. Set even when a later scheme succeeded.
    pub error_detail: Option<String>,
    /// The status of the last response received.
    pub status_code: Option<u16>,
    /// The last URL the probe tried to fetch.
    pub final_url: Option<String>,
    /// Redirects followed.
    pub redirect_count: u32,
    /// The final response's `Content-Type`.
    pub content_type: Option<String>,
    /// The final response's `Content-Length` if it had one, else the decoded size of a body
    /// read to its end, else `None`.
    pub content_length: Option<u64>,
    /// The final response's body, if it had one (also for statuses not accepted).
    pub body: Option<FetchedBody>,
    /// The final response's headers, for fingerprinting (see [`kept_headers`]): lowercase
    /// names in the order received, `set-cookie` reduced to the cookie's name, bounded in
    /// number and length.
    pub headers: Vec<(String, String)>,
}

/// Most response headers kept per outcome.
pub const MAX_KEPT_HEADERS: usize = 48;
/// Longest header value kept, in bytes (cut at a character boundary).
pub const MAX_KEPT_HEADER_VALUE: usize = 256;

/// The headers of `map` that later phases may use to recognise a site's software (`server`,
/// `x-powered-by`, cookie names, …): every header but the ones that only describe the transfer,
/// `set-cookie` reduced to the cookie name (its value may be a session secret), at most
/// [`MAX_KEPT_HEADERS`], each value at most [`MAX_KEPT_HEADER_VALUE`] bytes.
pub fn kept_headers(map: &HeaderMap) -> Vec<(String, String)> {
    const TRANSFER: [&str; 8] = [
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "date",
        "expires",
        "age",
    ];
    let mut kept = Vec::new();
    for (name, value) in map {
        if kept.len() == MAX_KEPT_HEADERS {
            break;
        }
        let name = name.as_str();
        if TRANSFER.contains(&name) {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = if name == "set-cookie" {
            value.split('=').next().unwrap_or_default().trim()
        } else {
            value.trim()
        };
        let mut end = value.len().min(MAX_KEPT_HEADER_VALUE);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        kept.push((name.to_owned(), value[..end].to_owned()));
    }
    kept
}

/// A response body as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBody {
    /// The decoded (decompressed) bytes, at most `max_body_bytes`.
    pub bytes: Vec<u8>,
    /// Whether the body is incomplete: cut at the cap, or stopped by an error or a timeout
    /// (then the outcome's status says which).
    pub truncated: bool,
    /// The charset-decoded text of a text-like body (`text/*`, `*html*`, `*xml*`, `*json*`,
    /// or no content type).
    pub text: Option<String>,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
}

/// Makes probes. Built once per phase run and shared by all its probes (`Send + Sync`): it
/// holds the TLS configuration, the request headers and the per-IP limiter.
pub struct Prober {
    settings: ProbeSettings,
    tls: TlsConnector,
    headers: HeaderMap,
    http1: hyper::client::conn::http1::Builder,
    limiter: IpLimiter,
}

impl fmt::Debug for Prober {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prober")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The response to one hop.
enum HopResponse {
    /// A redirect to follow.
    Redirect { status: u16, location: String },
    /// The final response.
    Final(FinalResponse),
}

struct FinalResponse {
    status: u16,
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    content_length: Option<u64>,
    /// Decoded body bytes and whether they are incomplete; `None` without a body.
    body: Option<(Vec<u8>, bool)>,
    /// Why the body could not be read to its end.
    body_error: Option<Failure>,
}

/// The result of one scheme attempt.
struct Attempt {
    status: HttpStatus,
    error: Option<String>,
    responded: bool,
    status_code: Option<u16>,
    final_url: Option<String>,
    redirect_count: u32,
    content_type: Option<String>,
    content_length: Option<u64>,
    body: Option<FetchedBody>,
    headers: Vec<(String, String)>,
}

impl Attempt {
    fn failed(status: HttpStatus, error: String) -> Self {
        Attempt {
            status,
            error: Some(error),
            responded: false,
            status_code: None,
            final_url: None,
            redirect_count: 0,
            content_type: None,
            content_length: None,
            body: None,
            headers: Vec::new(),
        }
    }
}

impl Prober {
    /// A prober for `settings`: builds the TLS configuration and the request headers once.
    pub fn new(settings: ProbeSettings) -> Result<Self, ProbeSetupError> {
        if settings.schemes.is_empty() {
            return Err(ProbeSetupError::NoSchemes);
        }
        if settings.max_body_bytes == 0 {
            return Err(ProbeSetupError::ZeroBodyCap);
        }
        let tls = TlsConnector::from(tls::client_config(settings.accept_invalid_certificates)?);
        let headers = base_headers(&settings)?;
        let mut http1 = hyper::client::conn::http1::Builder::new();
        // Real servers send all sorts: be as lenient as browsers where it is safe. (The header
        // count stays at hyper's default of 100: a larger limit costs an allocation per
        // response.)
        http1
            .allow_spaces_after_header_name_in_responses(true)
            .allow_obsolete_multiline_headers_in_responses(true)
            .ignore_invalid_headers_in_responses(true);
        Ok(Self {
            limiter: IpLimiter::new(settings.per_ip_concurrency.max(1)),
            settings,
            tls,
            headers,
            http1,
        })
    }

    /// The settings this prober was built with.
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Probes `host` at `addresses` (the DNS phase's answers), as the module documentation
    /// describes. Never panics and never fails: every problem is an outcome.
    pub async fn probe(&self, host: &str, addresses: &[IpAddr]) -> ProbeOutcome {
        let host = host.strip_suffix('.').unwrap_or(host);
        let mut allowed = Vec::with_capacity(addresses.len().min(MAX_ADDRESSES));
        let mut refused: Vec<BlockedAddress> = Vec::new();
        for ip in addresses {
            match self.settings.guard.check(*ip) {
                Ok(()) if !allowed.contains(ip) => allowed.push(*ip),
                Ok(()) => {}
                Err(blocked) => refused.push(blocked),
            }
        }
        if allowed.is_empty() {
            let (status, detail) = if refused.is_empty() {
                (HttpStatus::Unreachable, format!("{host}: no addresses"))
            } else {
                (
                    HttpStatus::Blocked,
                    format!("{host}: all addresses refused: {}", join(&refused)),
                )
            };
            return ProbeOutcome {
                status,
                error_detail: Some(detail),
                status_code: None,
                final_url: None,
                redirect_count: 0,
                content_type: None,
                content_length: None,
                body: None,
                headers: Vec::new(),
            };
        }

        let mut details = Vec::new();
        let mut last = None;
        for scheme in &self.settings.schemes {
            let attempt = self.attempt(*scheme, host, &allowed).await;
            if let Some(error) = &attempt.error {
                details.push(error.clone());
            }
            let responded = attempt.responded;
            last = Some(attempt);
            if responded {
                break;
            }
        }
        let Some(last) = last else {
            // `new` refuses an empty scheme list.
            return ProbeOutcome {
                status: HttpStatus::Unreachable,
                error_detail: Some("no scheme to try".to_owned()),
                status_code: None,
                final_url: None,
                redirect_count: 0,
                content_type: None,
                content_length: None,
                body: None,
                headers: Vec::new(),
            };
        };
        if last.status != HttpStatus::Ok && !refused.is_empty() {
            details.push(format!("refused by the guard: {}", join(&refused)));
        }
        ProbeOutcome {
            status: last.status,
            error_detail: (!details.is_empty()).then(|| details.join("; ")),
            status_code: last.status_code,
            final_url: last.final_url,
            redirect_count: last.redirect_count,
            content_type: last.content_type,
            content_length: last.content_length,
            body: last.body,
            headers: last.headers,
        }
    }

    /// One scheme attempt, redirects included, within `timeout`.
    async fn attempt(&self, scheme: Scheme, host: &str, addresses: &[IpAddr]) -> Attempt {
        let port = match scheme {
            Scheme::Https => self.settings.https_port,
            Scheme::Http => self.settings.http_port,
        };
        let start = match start_url(scheme, host, port) {
            Ok(url) => url,
            Err(e) => {
                return Attempt::failed(
                    HttpStatus::HttpError,
                    format!("{scheme}://{host}/: not a valid URL: {e}"),
                );
            }
        };
        let mut deadline = Instant::now() + self.settings.timeout;
        let mut url = start.clone();
        let mut visited: Vec<Url> = Vec::new();
        let mut hop_addresses: Cow<'_, [IpAddr]> = Cow::Borrowed(addresses);
        let mut redirects = 0u32;
        let mut last_status: Option<u16> = None;
        // Describes a failure at the current hop.
        let describe = |url: &Url, redirects: u32, message: &str| {
            if redirects == 0 {
                format!("{url}: {message}")
            } else {
                format!("{url} (redirect {redirects} from {start}): {message}")
            }
        };
        let fail = |status: HttpStatus,
                    url: &Url,
                    redirects: u32,
                    last_status: Option<u16>,
                    message: &str| Attempt {
            status,
            error: Some(describe(url, redirects, message)),
            responded: last_status.is_some(),
            status_code: last_status,
            final_url: Some(url.to_string()),
            redirect_count: redirects,
            content_type: None,
            content_length: None,
            body: None,
            headers: Vec::new(),
        };
        loop {
            visited.push(url.clone());
            // Boxed: the connection state (hyper, rustls: about 5 KB) lives on the heap only
            // while a hop runs, so a probe waiting for its turn is small.
            let response = match Box::pin(self.hop(&url, &hop_addresses, &mut deadline)).await {
                Ok(response) => response,
                Err(f) => return fail(f.status, &url, redirects, last_status, &f.message),
            };
            let (status, location) = match response {
                HopResponse::Final(response) => {
                    return self
                        .finish(response, &url, redirects, |m| describe(&url, redirects, m));
                }
                HopResponse::Redirect { status, location } => (status, location),
            };
            last_status = Some(status);
            let mut next = match url.join(&location) {
                Ok(next) => next,
                Err(e) => {
                    let m = format!("status {status} with a bad Location `{location}`: {e}");
                    return fail(HttpStatus::HttpError, &url, redirects, last_status, &m);
                }
            };
            next.set_fragment(None);
            if next.scheme() != "http" && next.scheme() != "https" {
                let m = format!("redirect to an unsupported scheme: {next}");
                return fail(HttpStatus::HttpError, &url, redirects, last_status, &m);
            }
            if visited.contains(&next) {
                let m = format!("redirect loop: {next} was already requested");
                return fail(HttpStatus::HttpError, &url, redirects, last_status, &m);
            }
            if redirects >= self.settings.max_redirects {
                let m = format!(
                    "too many redirects (more than {}); next was {next}",
                    self.settings.max_redirects
                );
                return fail(HttpStatus::HttpError, &url, redirects, last_status, &m);
            }
            redirects += 1;
            let same_host = match (next.host_str(), start.host_str()) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            if !same_host {
                match self.redirect_addresses(&next, deadline).await {
                    Ok(list) => hop_addresses = Cow::Owned(list),
                    Err(f) => return fail(f.status, &next, redirects, last_status, &f.message),
                }
            } else {
                hop_addresses = Cow::Borrowed(addresses);
            }
            url = next;
        }
    }

    /// The addresses of a redirect target on another host, through the guard.
    async fn redirect_addresses(
        &self,
        url: &Url,
        deadline: Instant,
    ) -> Result<Vec<IpAddr>, Failure> {
        let port = url.port_or_known_default().unwrap_or(80);
        let found: Vec<IpAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            Some(url::Host::Domain(name)) => {
                match timeout_at(deadline, tokio::net::lookup_host((name, port))).await {
                    Err(_) => {
                        return Err(Failure::new(
                            HttpStatus::Timeout,
                            format!("timed out resolving {name}"),
                        ));
                    }
                    Ok(Err(e)) => {
                        return Err(Failure::new(
                            HttpStatus::Unreachable,
                            format!("could not resolve {name}: {e}"),
                        ));
                    }
                    Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
                }
            }
            None => {
                return Err(Failure::new(
                    HttpStatus::HttpError,
                    "redirect without a host",
                ));
            }
        };
        let mut allowed = Vec::new();
        let mut refused = Vec::new();
        for ip in found {
            match self.settings.guard.check(ip) {
                Ok(()) if !allowed.contains(&ip) => allowed.push(ip),
                Ok(()) => {}
                Err(blocked) => refused.push(blocked),
            }
        }
        if allowed.is_empty() {
            if refused.is_empty() {
                return Err(Failure::new(HttpStatus::Unreachable, "no addresses"));
            }
            return Err(Failure::new(
                HttpStatus::Blocked,
                format!("blocked: {}", join(&refused)),
            ));
        }
        Ok(allowed)
    }

    /// Turns the final response into the attempt's result.
    fn finish(
        &self,
        response: FinalResponse,
        url: &Url,
        redirects: u32,
        describe: impl Fn(&str) -> String,
    ) -> Attempt {
        let FinalResponse {
            status,
            headers,
            content_type,
            content_length,
            body,
            body_error,
        } = response;
        let accepted = if self.settings.accepted_status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.settings
                .accepted_status
                .iter()
                .any(|a| a.accepts(status))
        };
        let complete = body_error.is_none() && !body.as_ref().is_some_and(|(_, t)| *t);
        let content_length = content_length
            .or_else(|| complete.then(|| body.as_ref().map_or(0, |(bytes, _)| bytes.len() as u64)));
        let (status_kind, error) = match (&body_error, accepted) {
            (None, true) => (HttpStatus::Ok, None),
            (None, false) => (
                HttpStatus::HttpError,
                Some(describe(&format!("status {status} is not accepted"))),
            ),
            (Some(f), true) => (f.status, Some(describe(&f.message))),
            (Some(f), false) => (
                HttpStatus::HttpError,
                Some(describe(&format!(
                    "status {status} is not accepted; {}",
                    f.message
                ))),
            ),
        };
        let body = body
            .filter(|(b, _)| !b.is_empty())
            .map(|(bytes, truncated)| {
                let text = charset::is_text(content_type.as_deref())
                    .then(|| charset::decode_with(&bytes, content_type.as_deref(), !truncated));
                let sha256 = hex(&Sha256::digest(&bytes));
                FetchedBody {
                    bytes,
                    truncated,
                    text,
                    sha256,
                }
            });
        Attempt {
            status: status_kind,
            error,
            responded: true,
            status_code: Some(status),
            final_url: Some(url.to_string()),
            redirect_count: redirects,
            content_type,
            content_length,
            body,
            headers,
        }
    }

    /// One request: connect (trying up to three addresses), TLS for https, the exchange.
    async fn hop(
        &self,
        url: &Url,
        addresses: &[IpAddr],
        deadline: &mut Instant,
    ) -> Result<HopResponse, Failure> {
        let request = self.request(url)?;
        let port = url.port_or_known_default().unwrap_or(80);
        let https = url.scheme() == "https";
        let mut errors: Vec<String> = Vec::new();
        let mut status = HttpStatus::Unreachable;
        for ip in addresses.iter().take(MAX_ADDRESSES) {
            let addr = SocketAddr::new(*ip, port);
            let waited_from = Instant::now();
            let permit = self.limiter.acquire(*ip).await;
            // Waiting for a slot is not the server's fault: it does not count.
            *deadline += waited_from.elapsed();
            let io = match self.connect(addr, *deadline).await {
                Ok(io) => io,
                Err(e) => {
                    status = e.status();
                    errors.push(format!("{e} ({addr})"));
                    if Instant::now() >= *deadline {
                        break;
                    }
                    continue;
                }
            };
            let response = if https {
                let tls = self.handshake(url, io, *deadline).await?;
                self.exchange(tls, request, *deadline).await
            } else {
                self.exchange(io, request, *deadline).await
            };
            drop(permit);
            return response;
        }
        Err(Failure::new(status, errors.join(", ")))
    }

    /// Opens a connection to `addr`. This is the seam where a proxy tunnel plugs in.
    async fn connect(&self, addr: SocketAddr, deadline: Instant) -> Result<BoxIo, ConnectError> {
        let connect_deadline = deadline.min(Instant::now() + self.settings.connect_timeout);
        if let Some(pool) = &self.settings.proxies {
            let lease = pool.pick().ok_or(ConnectError::NoProxy)?;
            let limit = connect_deadline.saturating_duration_since(Instant::now());
            let tunnel = proxy::connect_through(lease.endpoint(), addr, limit).await;
            pool.report_result(&lease, tunnel.as_ref().map(|_| ()));
            return tunnel.map_err(ConnectError::Proxy);
        }
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(ConnectError::Io)?;
        socket.set_nodelay(true).map_err(ConnectError::Io)?;
        match timeout_at(connect_deadline, socket.connect(addr)).await {
            Ok(Ok(stream)) => Ok(Box::new(stream)),
            Ok(Err(e)) => Err(ConnectError::Io(e)),
            Err(_) => Err(ConnectError::TimedOut),
        }
    }

    /// The TLS handshake, SNI = the URL's host.
    async fn handshake<T: Io>(
        &self,
        url: &Url,
        io: T,
        deadline: Instant,
    ) -> Result<tokio_rustls::client::TlsStream<T>, Failure> {
        let name = match url.host() {
            Some(url::Host::Domain(d)) => ServerName::try_from(d.to_owned()).map_err(|_| {
                Failure::new(
                    HttpStatus::TlsError,
                    format!("TLS: `{d}` is not a valid server name"),
                )
            })?,
            Some(url::Host::Ipv4(ip)) => ServerName::IpAddress(IpAddr::V4(ip).into()),
            Some(url::Host::Ipv6(ip)) => ServerName::IpAddress(IpAddr::V6(ip).into()),
            None => return Err(Failure::new(HttpStatus::TlsError, "TLS: no host")),
        };
        match timeout_at(deadline, self.tls.connect(name, io)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(Failure::new(HttpStatus::TlsError, tls_words(&e))),
            Err(_) => Err(Failure::new(
                HttpStatus::Timeout,
                "timed out in the TLS handshake",
            )),
        }
    }

    /// The `GET` request for `url`.
    fn request(&self, url: &Url) -> Result<Request<Empty<Bytes>>, Failure> {
        let target = &url[Position::BeforePath..Position::AfterQuery];
        let host = &url[Position::BeforeHost..Position::AfterPort];
        let uri = Uri::try_from(target).map_err(|e| {
            Failure::new(
                HttpStatus::HttpError,
                format!("cannot request `{target}`: {e}"),
            )
        })?;
        let host = HeaderValue::from_str(host).map_err(|_| {
            Failure::new(
                HttpStatus::HttpError,
                format!("`{host}` is not a valid Host header"),
            )
        })?;
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.reserve(self.headers.len() + 1);
        headers.insert(header::HOST, host);
        for (name, value) in &self.headers {
            headers.append(name, value.clone());
        }
        Ok(request)
    }

    /// Sends `request` over `io` and reads the response; the body only for a final response.
    async fn exchange<T: Io>(
        &self,
        io: T,
        request: Request<Empty<Bytes>>,
        deadline: Instant,
    ) -> Result<HopResponse, Failure> {
        let (mut sender, conn) = match self.http1.handshake(TokioIo::new(io)).await {
            Ok(parts) => parts,
            Err(e) => return Err(Failure::new(HttpStatus::HttpError, e.to_string())),
        };
        let mut conn = pin!(conn);
        let mut conn_done = false;

        // The response head. The connection future does the I/O; it is polled here, in the
        // probe's task, rather than spawned.
        let head = async {
            let mut response = pin!(sender.send_request(request));
            loop {
                tokio::select! {
                    biased;
                    r = &mut response => return r,
                    _ = conn.as_mut(), if !conn_done => conn_done = true,
                }
            }
        };
        let response = match timeout_at(deadline, head).await {
            Err(_) => {
                return Err(Failure::new(
                    HttpStatus::Timeout,
                    "timed out waiting for the response headers",
                ));
            }
            Ok(Err(e)) => return Err(hyper_failure(&e)),
            Ok(Ok(response)) => response,
        };

        let (parts, mut body) = response.into_parts();
        let status = parts.status;
        let headers = &parts.headers;
        if is_redirect(status)
            && let Some(location) = headers.get(header::LOCATION)
        {
            let location = String::from_utf8_lossy(location.as_bytes())
                .trim()
                .to_owned();
            return Ok(HopResponse::Redirect {
                status: status.as_u16(),
                location,
            });
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
        let content_length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let coding = Coding::from_headers(
            headers
                .get_all(header::CONTENT_ENCODING)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        let mut response = FinalResponse {
            status: status.as_u16(),
            headers: kept_headers(headers),
            content_type,
            content_length,
            body: None,
            body_error: None,
        };
        let coding = match coding {
            Ok(coding) => coding,
            Err(named) => {
                response.body_error = Some(Failure::new(
                    HttpStatus::HttpError,
                    format!("unsupported Content-Encoding `{named}`"),
                ));
                return Ok(HopResponse::Final(response));
            }
        };

        // The body, frame by frame, with the connection still driven here.
        let mut decoder = BodyDecoder::new(coding, self.settings.max_body_bytes, content_length);
        let read = async {
            loop {
                tokio::select! {
                    biased;
                    frame = body.frame() => match frame {
                        None => return Ok(()),
                        Some(Err(e)) => return Err(BodyFailure::Read(e)),
                        Some(Ok(frame)) => {
                            if let Ok(data) = frame.into_data() {
                                match decoder.push(&data) {
                                    Ok(Progress::More) => {}
                                    // At the cap: stop, and drop the connection.
                                    Ok(Progress::Full) => return Ok(()),
                                    Err(e) => return Err(BodyFailure::Decode(e)),
                                }
                            }
                        }
                    },
                    _ = conn.as_mut(), if !conn_done => conn_done = true,
                }
            }
        };
        let failure = match timeout_at(deadline, read).await {
            Err(_) => Some(Failure::new(
                HttpStatus::Timeout,
                format!(
                    "timed out reading the body (after {} decoded bytes)",
                    decoder.len()
                ),
            )),
            Ok(Err(BodyFailure::Read(e))) => Some(Failure::new(
                HttpStatus::HttpError,
                format!("body: {}", body_words(&e)),
            )),
            Ok(Err(BodyFailure::Decode(e))) => {
                Some(Failure::new(HttpStatus::HttpError, format!("body: {e}")))
            }
            Ok(Ok(())) if decoder.truncated() => None,
            Ok(Ok(())) => decoder
                .finish()
                .err()
                .map(|e| Failure::new(HttpStatus::HttpError, format!("body: {e}"))),
        };
        if failure.is_some() {
            decoder.mark_incomplete();
        }
        response.body_error = failure;
        response.body = Some(decoder.into_parts());
        Ok(HopResponse::Final(response))
    }
}

/// Why a body stopped early.
enum BodyFailure {
    Read(hyper::Error),
    Decode(DecodeError),
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The request headers every probe sends, the configured ones replacing defaults of the
/// same name.
fn base_headers(settings: &ProbeSettings) -> Result<HeaderMap, ProbeSetupError> {
    let mut configured: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(settings.headers.len());
    for (name, value) in &settings.headers {
        let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            ProbeSetupError::Header {
                name: name.clone(),
                reason: "not a valid header name",
            }
        })?;
        if header_name == header::HOST
            || header_name == header::CONNECTION
            || header_name == header::CONTENT_LENGTH
            || header_name == header::TRANSFER_ENCODING
        {
            return Err(ProbeSetupError::Header {
                name: name.clone(),
                reason: "is set by the prober",
            });
        }
        let header_value = HeaderValue::from_str(value).map_err(|_| ProbeSetupError::Header {
            name: name.clone(),
            reason: "not a valid header value",
        })?;
        configured.push((header_name, header_value));
    }
    let user_agent =
        HeaderValue::from_str(&settings.user_agent).map_err(|_| ProbeSetupError::UserAgent)?;
    let defaults = [
        (header::USER_AGENT, user_agent),
        (header::ACCEPT, HeaderValue::from_static(ACCEPT)),
        (
            header::ACCEPT_ENCODING,
            HeaderValue::from_static(ACCEPT_ENCODING),
        ),
        (header::CONNECTION, HeaderValue::from_static("close")),
    ];
    let mut headers = HeaderMap::with_capacity(defaults.len() + configured.len());
    for (name, value) in defaults {
        if !configured.iter().any(|(n, _)| *n == name) {
            headers.insert(name, value);
        }
    }
    for (name, value) in configured {
        headers.append(name, value);
    }
    Ok(headers)
}

/// The first URL of an attempt: `scheme://host:port/`, the port dropped when it is the
/// scheme's default.
fn start_url(scheme: Scheme, host: &str, port: u16) -> Result<Url, url::ParseError> {
    let bracketed = host.contains(':') && !host.starts_with('[');
    let mut text = String::with_capacity(host.len() + 16);
    let _ = if bracketed {
        write!(text, "{scheme}://[{host}]:{port}/")
    } else {
        write!(text, "{scheme}://{host}:{port}/")
    };
    Url::parse(&text)
}

fn join(blocked: &[BlockedAddress]) -> String {
    let mut out = String::new();
    for (i, b) in blocked.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{b}");
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_urls_drop_default_ports() {
        let url = start_url(Scheme::Https, "Example.TEST", 443).expect("valid");
        assert_eq!(url.as_str(), "https://example.test/");
        let url = start_url(Scheme::Http, "a.test", 8080).expect("valid");
        assert_eq!(url.as_str(), "http://a.test:8080/");
        assert_eq!(
            &url[Position::BeforeHost..Position::AfterPort],
            "a.test:8080"
        );
        let url = start_url(Scheme::Http, "::1", 80).expect("valid");
        assert_eq!(url.as_str(), "http://[::1]/");
        assert!(start_url(Scheme::Http, "bad host", 80).is_err());
    }

    #[test]
    fn headers_are_built_once_with_overrides() {
        let settings = ProbeSettings {
            headers: vec![
                ("accept".to_owned(), "text/plain".to_owned()),
                ("X-Trace".to_owned(), "1".to_owned()),
                ("X-Trace".to_owned(), "2".to_owned()),
            ],
            ..ProbeSettings::default()
        };
        let headers = base_headers(&settings).expect("valid headers");
        assert_eq!(headers.get_all(header::ACCEPT).iter().count(), 1);
        assert_eq!(headers[header::ACCEPT], "text/plain");
        assert_eq!(headers.get_all("x-trace").iter().count(), 2);
        assert_eq!(headers[header::ACCEPT_ENCODING], ACCEPT_ENCODING);
        assert_eq!(headers[header::CONNECTION], "close");
        assert_eq!(headers[header::USER_AGENT], DEFAULT_USER_AGENT);

        for (name, value, reason) in [
            ("bad name", "x", "not a valid header name"),
            (
                "x-ok",
                "bad
value",
                "not a valid header value",
            ),
            ("Host", "evil.test", "is set by the prober"),
        ] {
            let settings = ProbeSettings {
                headers: vec![(name.to_owned(), value.to_owned())],
                ..ProbeSettings::default()
            };
            match base_headers(&settings) {
                Err(ProbeSetupError::Header { reason: r, .. }) => assert_eq!(r, reason),
                other => panic!("{name}: expected a header error, got {other:?}"),
            }
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let no_schemes = ProbeSettings {
            schemes: Vec::new(),
            ..ProbeSettings::default()
        };
        assert!(matches!(
            Prober::new(no_schemes),
            Err(ProbeSetupError::NoSchemes)
        ));
        let zero_cap = ProbeSettings {
            max_body_bytes: 0,
            ..ProbeSettings::default()
        };
        assert!(matches!(
            Prober::new(zero_cap),
            Err(ProbeSetupError::ZeroBodyCap)
        ));
        let bad_agent = ProbeSettings {
            user_agent: "a\r\nb".to_owned(),
            ..ProbeSettings::default()
        };
        assert!(matches!(
            Prober::new(bad_agent),
            Err(ProbeSetupError::UserAgent)
        ));
    }

    #[test]
    fn statuses_have_stable_names() {
        let all = [
            (HttpStatus::Ok, "ok"),
            (HttpStatus::Unreachable, "unreachable"),
            (HttpStatus::Timeout, "timeout"),
            (HttpStatus::TlsError, "tls_error"),
            (HttpStatus::HttpError, "http_error"),
            (HttpStatus::Blocked, "blocked"),
        ];
        for (status, name) in all {
            assert_eq!(status.to_string(), name);
        }
    }

    #[test]
    fn prober_is_shareable_and_settings_hide_header_values() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Prober>();
        let settings = ProbeSettings {
            headers: vec![("Authorization".to_owned(), "Bearer s3cret".to_owned())],
            ..ProbeSettings::default()
        };
        let printed = format!("{settings:?}");
        assert!(printed.contains("Authorization"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f, 0xf0]), "00ab0ff0");
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[tokio::test]
    async fn all_refused_addresses_block_without_connecting() {
        let prober = Prober::new(ProbeSettings::default()).expect("default settings are valid");
        let addresses: Vec<IpAddr> = ["10.0.0.1", "169.254.169.254", "::1"]
            .iter()
            .map(|a| a.parse().expect("valid"))
            .collect();
        let outcome = prober.probe("a.test", &addresses).await;
        assert_eq!(outcome.status, HttpStatus::Blocked);
        assert_eq!(
            outcome.error_detail.as_deref(),
            Some(
                "a.test: all addresses refused: 10.0.0.1 is private, \
                 169.254.169.254 is link-local, ::1 is loopback"
            )
        );
        let none = prober.probe("a.test", &[]).await;
        assert_eq!(none.status, HttpStatus::Unreachable);
    }
}
