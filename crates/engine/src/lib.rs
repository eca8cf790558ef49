//! Dragnet's phase engine: orchestration only. It runs campaign phases chunk by chunk on the
//! shared runner, drives the DNS client (`dragnet-dns`) and the HTTP prober (`dragnet-probe`)
//! from each phase's chunk processor, and reports progress through
//! [`ProgressSink`](dragnet_domain::progress::ProgressSink).
//!
//! Invariant: the engine knows nothing of WebSocket or HTTP status codes; it talks to the
//! store and, through the client crates, to the network. Every task it spawns is owned,
//! bounded and cancellable.

mod phases;
mod rescore;
pub mod runner;

pub use phases::snapshot;
pub use runner::{Engine, EngineSettings, PhaseError};
