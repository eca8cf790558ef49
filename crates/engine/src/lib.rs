//! Dragnet's phase engine: runs campaign phases chunk by chunk and reports progress through a
//! trait.
//!
//! Invariant: the engine knows nothing of WebSocket or HTTP status codes; it talks to the
//! store and to the network, and reports through `ProgressSink`.

pub mod dns;
pub mod http;
mod phases;
pub mod progress;
pub mod rate;
pub mod runner;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use progress::{PhaseProgress, ProgressKind, ProgressSink};
pub use runner::{Engine, EngineSettings, PhaseError};
