//! Dragnet's real-time progress hub and the one `campaign.progress` message format.
//!
//! Invariant: phase progress reaches clients only as `campaign.progress` messages built here
//! (and a rescore's progress, which is not a phase's, only as `campaign.rescore`).
//!
//! The engine publishes [`PhaseProgress`](dragnet_domain::progress::PhaseProgress) snapshots to a
//! [`Hub`] (it implements [`ProgressSink`](dragnet_domain::progress::ProgressSink)); the hub keeps the
//! latest snapshot per campaign and hands it to the mailbox of each WebSocket client
//! subscribed to that campaign. Publishing never waits for a client: routine updates replace
//! the one waiting in a per-campaign slot, and the messages that may not be coalesced (status
//! changes) go to a bounded queue whose overflow disconnects that client only. Each client's
//! session task ([`ws_route`]) writes at most one routine update per campaign per
//! [`RealtimeSettings::coalesce_interval`] (the latest one, flushed when the interval ends)
//! and every status change at once, in order.
//!
//! `seq` semantics: every publish gives the campaign's snapshot the next number of a
//! per-campaign counter (1, 2, …), so along one connection a campaign's `seq` only grows, and
//! a gap means updates were coalesced (each message carries the full state, so nothing is
//! lost). A snapshot loaded from the [`SnapshotSource`] (nothing published since the server
//! started) has `seq` 0. Counters restart with the server: a reconnecting client that gets a
//! `seq` lower than the last one it saw knows the server restarted; one that gets a higher
//! `seq` may have missed status changes while away, and re-fetches
//! `GET /api/v1/campaigns/{id}/phases` if it needs them. The protocol is described in
//! `docs/realtime.md`.
//!
//! Authentication: the HTTP layer in front of [`ws_route`] says who the client is, or that its
//! first message must say it (see [`auth`]); each token holds at most
//! [`RealtimeSettings::max_connections_per_token`] connections.

pub mod auth;
mod hub;
mod mailbox;
pub mod protocol;
mod session;
mod settings;

pub use auth::{WsAuthOutcome, WsAuthRequired, WsAuthenticator, WsPrincipal};
pub use hub::{Hub, HubMetrics, SnapshotFuture, SnapshotSource, TokenSlot};
pub use protocol::{AuthToken, ClientMessage, ErrorCode, ServerMessage};
pub use session::{configure, ws_route};
pub use settings::RealtimeSettings;
