//! Real servers on 127.0.0.1 for Dragnet's tests and benchmarks: a DNS server whose answers
//! are a function of the name asked ([`dns_server`]), HTTP and HTTPS servers with scripted
//! routes ([`http_server`]) and HTTP CONNECT / HTTPS / SOCKS5 proxies ([`proxy_server`]).
//!
//! Invariant: a dev-dependency only — no library crate depends on it for its normal build —
//! and nothing here listens anywhere but on loopback.

pub mod dns_server;
pub mod http_server;
pub mod proxy_server;

pub use dns_server::{BlackHole, TestDnsServer, TestServerOptions};
