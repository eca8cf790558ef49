//! Dragnet's phase engine: runs campaign phases chunk by chunk and reports progress through a
//! trait.
//!
//! Invariant: the engine knows nothing of WebSocket or HTTP status codes; it talks to the
//! store and to the network, and reports through `ProgressSink`.
