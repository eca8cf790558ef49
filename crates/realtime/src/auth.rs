//! Who a WebSocket client is.
//!
//! The HTTP layer in front of [`ws_route`](crate::ws_route) (the API's authentication
//! middleware) puts one of two values in the upgrade request's extensions:
//!
//! - [`WsPrincipal`]: the client is authenticated already (a valid `Authorization: Bearer`
//!   header, or authentication is off);
//! - [`WsAuthRequired`]: the client sent no credentials; browsers cannot set headers on a
//!   WebSocket, so its first message must be `{"type":"auth","token":"…"}`, within
//!   [`RealtimeSettings::auth_timeout`](crate::RealtimeSettings::auth_timeout), which the
//!   session checks with the [`WsAuthenticator`] it carries.
//!
//! With neither (the hub used on its own, as in this crate's tests) the socket is open. A
//! principal with a token id holds one of that token's
//! [`max_connections_per_token`](crate::RealtimeSettings::max_connections_per_token) slots
//! for as long as it is connected.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

/// An authenticated WebSocket client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsPrincipal {
    /// The id of the token it authenticated with; `None` when authentication is off.
    pub token_id: Option<String>,
}

/// What a [`WsAuthenticator`] made of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsAuthOutcome {
    /// The token is valid.
    Accepted(WsPrincipal),
    /// The token is not valid (unknown, malformed, revoked); the reason is for the client.
    Refused(String),
    /// Too many failed attempts came from this client's address; none is checked until
    /// `retry_after` has passed.
    RateLimited {
        /// How long until attempts are checked again.
        retry_after: Duration,
    },
}

/// Checks the token of a first-message `auth`. Implemented by the API over its token store;
/// must never log the token.
pub trait WsAuthenticator: Send + Sync + 'static {
    /// Checks `token`, presented by a client at `peer`.
    fn authenticate(
        &self,
        token: String,
        peer: Option<IpAddr>,
    ) -> BoxFuture<'static, WsAuthOutcome>;
}

/// Put in an upgrade request's extensions when the client sent no credentials: its first
/// message must authenticate it, checked by the authenticator inside.
#[derive(Clone)]
pub struct WsAuthRequired(pub Arc<dyn WsAuthenticator>);

impl fmt::Debug for WsAuthRequired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WsAuthRequired")
    }
}
