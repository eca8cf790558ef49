//! The real-time server's limits and timings.

use std::time::Duration;

/// Limits and timings of the WebSocket server. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealtimeSettings {
    /// Minimum time between two routine progress messages for one campaign to one client
    /// (default 250 ms, so at most 4 per second). Status changes are not held back by it.
    pub coalesce_interval: Duration,
    /// Campaigns one client may be subscribed to at once (default 1,000).
    pub max_subscriptions_per_client: usize,
    /// Messages that may wait for one client that must not be coalesced (status changes,
    /// acknowledgements, errors) before it counts as too slow and is disconnected
    /// (default 256). Routine updates never fill it: at most one per campaign waits.
    pub client_queue_capacity: usize,
    /// How often the server pings each client (default 10 s).
    pub heartbeat_interval: Duration,
    /// A client from which nothing (message, ping or pong) arrived for this long is
    /// disconnected (default 30 s).
    pub idle_timeout: Duration,
    /// A write to a client's socket that has not completed after this long disconnects the
    /// client (default 10 s).
    pub write_timeout: Duration,
    /// Largest client message accepted, in bytes (default 64 KiB); a larger one closes the
    /// connection with code 1009.
    pub max_message_bytes: usize,
    /// Connected clients at most; further upgrade requests get 503 (default 10,000).
    pub max_clients: usize,
    /// Snapshot loads from the [`SnapshotSource`](crate::SnapshotSource) running at once,
    /// across all clients (default 4).
    pub snapshot_concurrency: usize,
    /// A client that must authenticate with its first message (see [`crate::auth`]) and has
    /// not within this time is disconnected with close code 1008 (default 5 s).
    pub auth_timeout: Duration,
    /// WebSocket connections one API token may hold at once; one more is refused, with a 429
    /// before the upgrade (header authentication) or close code 1008 (first-message
    /// authentication) (default 32).
    pub max_connections_per_token: usize,
}

impl Default for RealtimeSettings {
    fn default() -> Self {
        Self {
            coalesce_interval: Duration::from_millis(250),
            max_subscriptions_per_client: 1_000,
            client_queue_capacity: 256,
            heartbeat_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            max_message_bytes: 64 * 1024,
            max_clients: 10_000,
            snapshot_concurrency: 4,
            auth_timeout: Duration::from_secs(5),
            max_connections_per_token: 32,
        }
    }
}
