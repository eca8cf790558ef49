//! Test doubles on real sockets, for this crate's tests, end-to-end tests and benchmarks
//! (feature `test-support`). Everything listens on 127.0.0.1 only.

pub mod dns_server;
pub mod http_server;
pub mod proxy_server;

pub use dns_server::{BlackHole, TestDnsServer, TestServerOptions};
