//! `http_keyword_validation`: the HTTP(S) prober, the SSRF guard, proxies and keyword
//! matching on a page's visible text.
//!
//! Module map (each file owns one concern):
//! - [`guard`]: which IP addresses may be connected to (the SSRF guard).
//! - [`probe`]: one probe of one domain: connect to the addresses the DNS phase found, TLS,
//!   HTTP/1.1 with hyper, redirects, streamed body cap, decompression, charset decoding.
//! - [`proxy`]: HTTP, HTTPS and SOCKS5 proxies (with credentials), rotation and benching.
//! - [`matcher`]: keyword rules compiled once per phase (Aho-Corasick + regexes), hit counts
//!   on a page's text as `dragnet_html` reads it.

pub mod guard;
mod insecure;
pub mod matcher;
pub mod probe;
pub mod proxy;

/// Anything a connection can run over: a TCP stream, a TLS stream, a tunnel through a proxy.
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static {}

impl<T> Io for T where T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static {}

/// A boxed connection.
pub type BoxIo = Box<dyn Io>;
