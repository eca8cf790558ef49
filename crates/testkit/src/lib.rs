//! What Dragnet's tests and benchmarks run against: real servers on 127.0.0.1 (feature
//! `servers`) — a DNS server whose answers are a function of the name asked
//! ([`dns_server`]), HTTP and HTTPS servers with scripted routes ([`http_server`]), HTTP
//! CONNECT / HTTPS / SOCKS5 proxies ([`proxy_server`]) — scratch PostgreSQL databases
//! (feature `pg`, [`pg`]) and synthetic web pages for the analysis benchmarks (feature
//! `pages`, [`pages`]).
//!
//! Invariant: a dev-dependency only — no library crate depends on it for its normal build —
//! and nothing here listens anywhere but on loopback.

#[cfg(feature = "servers")]
pub mod dns_server;
#[cfg(feature = "servers")]
pub mod http_server;
#[cfg(feature = "pages")]
pub mod pages;
#[cfg(feature = "pg")]
pub mod pg;
#[cfg(feature = "servers")]
pub mod proxy_server;

#[cfg(feature = "servers")]
pub use dns_server::{BlackHole, TestDnsServer, TestServerOptions};
