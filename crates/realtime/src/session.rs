//! The WebSocket endpoint: the upgrade handler and one task per connected client.
//!
//! A client the HTTP layer did not authenticate (see [`crate::auth`]) must first send an
//! `auth` message within the authentication timeout; until then nothing else is read.
//!
//! A session task reads the client's messages, writes what its mailbox has due, pings the
//! client, and ends on the first of: the client closing or vanishing, nothing received within
//! the idle timeout, a full queue or a write that does not complete (a client too slow to
//! read), a protocol error, or the hub's shutdown. The task is owned by the hub's
//! `TaskTracker`, so shutdown can wait for every session to close.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use bytestring::ByteString;
use tokio::time::{Instant, MissedTickBehavior};

use crate::Hub;
use crate::auth::{WsAuthOutcome, WsAuthRequired, WsAuthenticator, WsPrincipal};
use crate::hub::TokenSlot;
use crate::mailbox::Mailbox;
use crate::protocol::{ClientMessage, ErrorCode, ServerMessage};

/// How long the server waits for its close frame to be accepted before dropping the
/// connection anyway (a client that does not read may never accept it).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Mounts [`ws_route`] at `/ws` (the API mounts it under `/api/v1`). The app must hold a
/// `web::Data<Hub>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(ws_route));
}

/// `GET /api/v1/ws`: upgrades to a WebSocket and starts the client's session. Answers 503
/// (problem+json, code `service_unavailable`) when the hub is shutting down or
/// `max_clients` are connected, 429 (`rate_limited`) when the authenticated token holds
/// `max_connections_per_token` connections already, and 400 when the request is not a
/// WebSocket upgrade.
pub async fn ws_route(
    req: HttpRequest,
    body: web::Payload,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, actix_web::Error> {
    let hub = hub.get_ref().clone();
    if hub.is_shut_down() {
        return Ok(unavailable("the server is shutting down"));
    }
    let settings = hub.settings().clone();
    let principal = req.extensions().get::<WsPrincipal>().cloned();
    let auth = match principal {
        Some(_) => None,
        None => req
            .extensions()
            .get::<WsAuthRequired>()
            .map(|required| Arc::clone(&required.0)),
    };
    let peer = req.peer_addr().map(|a| a.ip());
    let slot = match principal.as_ref().and_then(|p| p.token_id.as_deref()) {
        Some(token_id) => match hub.acquire_token_slot(token_id) {
            Some(slot) => Some(slot),
            None => {
                return Ok(problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    &format!(
                        "this token holds the most WebSocket connections allowed ({})",
                        settings.max_connections_per_token
                    ),
                ));
            }
        },
        None => None,
    };
    let counters = &hub.inner.counters;
    if counters.clients.fetch_add(1, Ordering::AcqRel) >= settings.max_clients {
        counters.clients.fetch_sub(1, Ordering::AcqRel);
        return Ok(unavailable(&format!(
            "too many WebSocket clients (limit {})",
            settings.max_clients
        )));
    }
    // From here the guard gives the client slot back, whatever happens.
    let mut guard = SessionGuard {
        hub: hub.clone(),
        mailbox: None,
    };
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    counters.connections_total.fetch_add(1, Ordering::Relaxed);
    let stream = stream
        .max_frame_size(settings.max_message_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_message_bytes);
    let mailbox = hub.new_mailbox();
    guard.mailbox = Some(Arc::clone(&mailbox));
    tracing::debug!(client = mailbox.client_id, "websocket client connected");
    // The message stream holds the request payload, which is not `Send`: the session runs on
    // the worker's local task set, like the connection itself.
    let tracker = hub.inner.tracker.clone();
    tracker.spawn_local(async move {
        let _guard = guard;
        let (mut session, mut stream, mut slot) = (session, stream, slot);
        if let Some(authenticator) = auth {
            match authenticate(
                &hub,
                &mut session,
                &mut stream,
                &mailbox,
                &*authenticator,
                peer,
            )
            .await
            {
                Ok(granted) => slot = granted,
                Err(stop) => {
                    close(&hub, &mailbox, session, stop).await;
                    return;
                }
            }
        }
        let _slot = slot;
        run(hub, session, stream, mailbox).await;
    });
    Ok(response)
}

fn unavailable(detail: &str) -> HttpResponse {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        detail,
    )
}

fn problem(status: StatusCode, code: &str, detail: &str) -> HttpResponse {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .body(body.to_string())
}

/// Waits for the client's first message, which must be a valid `auth`, and checks its token.
/// Returns the token's connection slot (none when authentication is off), having queued the
/// `authenticated` acknowledgement; or why the session ends. Pings are answered meanwhile;
/// nothing else is read.
async fn authenticate(
    hub: &Hub,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
    mailbox: &Arc<Mailbox>,
    authenticator: &dyn WsAuthenticator,
    peer: Option<IpAddr>,
) -> Result<Option<TokenSlot>, Stop> {
    let settings = hub.settings().clone();
    let deadline = Instant::now() + settings.auth_timeout;
    let timed_out = || {
        Stop::Unauthorized(format!(
            "authentication timeout: no auth message within {} ms",
            settings.auth_timeout.as_millis()
        ))
    };
    let required = || {
        Stop::Unauthorized(
            "authentication required: the first message must be {\"type\":\"auth\",\"token\":\"…\"}"
                .to_owned(),
        )
    };
    loop {
        let message = tokio::select! {
            biased;
            () = mailbox.cancel.cancelled() => return Err(cancel_reason(hub, mailbox)),
            () = tokio::time::sleep_until(deadline) => return Err(timed_out()),
            message = stream.recv() => message,
        };
        let text = match message {
            None => return Err(Stop::ClientGone),
            Some(Ok(AggregatedMessage::Text(text))) => text,
            Some(Ok(AggregatedMessage::Binary(_))) => return Err(required()),
            Some(Ok(AggregatedMessage::Ping(payload))) => {
                write(hub, mailbox, session.pong(&payload)).await?;
                continue;
            }
            Some(Ok(AggregatedMessage::Pong(_))) => continue,
            Some(Ok(AggregatedMessage::Close(reason))) => return Err(Stop::ClientClosed(reason)),
            Some(Err(actix_ws::ProtocolError::Overflow)) => return Err(Stop::TooLarge),
            Some(Err(error)) => {
                if error.to_string().contains("maximum continuation size") {
                    return Err(Stop::TooLarge);
                }
                return Err(Stop::Protocol(error.to_string()));
            }
        };
        let token = match ClientMessage::parse(&text, settings.max_subscriptions_per_client) {
            Ok(ClientMessage::Auth { token }) => token,
            Ok(_) => return Err(required()),
            Err(e) => {
                return Err(Stop::Unauthorized(format!(
                    "authentication required: {}",
                    e.message
                )));
            }
        };
        let outcome = tokio::select! {
            biased;
            () = mailbox.cancel.cancelled() => return Err(cancel_reason(hub, mailbox)),
            () = tokio::time::sleep_until(deadline) => return Err(timed_out()),
            outcome = authenticator.authenticate(token.0, peer) => outcome,
        };
        return match outcome {
            WsAuthOutcome::Accepted(principal) => {
                let slot = match principal.token_id.as_deref() {
                    Some(token_id) => match hub.acquire_token_slot(token_id) {
                        Some(slot) => Some(slot),
                        None => return Err(Stop::TooManyConnections),
                    },
                    None => None,
                };
                tracing::debug!(
                    client = mailbox.client_id,
                    token_id = principal.token_id.as_deref().unwrap_or("-"),
                    "websocket client authenticated"
                );
                hub.send_control(
                    mailbox,
                    &ServerMessage::Authenticated {
                        token_id: principal.token_id,
                    },
                );
                Ok(slot)
            }
            WsAuthOutcome::Refused(why) => Err(Stop::Unauthorized(why)),
            WsAuthOutcome::RateLimited { retry_after } => Err(Stop::Unauthorized(format!(
                "too many failed authentications from this address; try again in {} s",
                retry_after.as_secs().max(1)
            ))),
        };
    }
}

/// Releases the client's slot and its subscriptions when the session ends (or never starts).
struct SessionGuard {
    hub: Hub,
    mailbox: Option<Arc<Mailbox>>,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if let Some(mailbox) = &self.mailbox {
            self.hub.unregister(mailbox);
        }
        self.hub
            .inner
            .counters
            .clients
            .fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why a session ends.
#[derive(Debug)]
enum Stop {
    /// The client sent a close frame.
    ClientClosed(Option<CloseReason>),
    /// The connection is gone.
    ClientGone,
    /// The hub is shutting down.
    Shutdown,
    /// The client does not read fast enough.
    Slow(String),
    /// Nothing arrived from the client within the idle timeout.
    Idle,
    /// The client sent a message over the size limit.
    TooLarge,
    /// The client broke the WebSocket protocol.
    Protocol(String),
    /// The client did not authenticate (the reason is for the client).
    Unauthorized(String),
    /// The client's token holds the most connections allowed.
    TooManyConnections,
}

async fn run(
    hub: Hub,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    mailbox: Arc<Mailbox>,
) {
    let settings = hub.settings().clone();
    let counters = &hub.inner.counters;
    let far_future = Instant::now() + Duration::from_secs(86_400 * 365);
    let mut heartbeat = tokio::time::interval_at(
        Instant::now() + settings.heartbeat_interval,
        settings.heartbeat_interval,
    );
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let idle = tokio::time::sleep(settings.idle_timeout);
    tokio::pin!(idle);
    let timer = tokio::time::sleep_until(far_future);
    tokio::pin!(timer);

    let stop = 'session: loop {
        let (due, next) = mailbox.take_due(Instant::now());
        let mut sent = 0u64;
        for message in due {
            if let Err(stop) = write(&hub, &mailbox, session.text(message.text())).await {
                counters.messages_sent.fetch_add(sent, Ordering::Relaxed);
                break 'session stop;
            }
            sent += 1;
        }
        counters.messages_sent.fetch_add(sent, Ordering::Relaxed);
        timer.as_mut().reset(next.unwrap_or(far_future));

        tokio::select! {
            biased;
            () = mailbox.cancel.cancelled() => break cancel_reason(&hub, &mailbox),
            message = stream.recv() => {
                idle.as_mut().reset(Instant::now() + settings.idle_timeout);
                match message {
                    None => break Stop::ClientGone,
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        tokio::select! {
                            biased;
                            () = mailbox.cancel.cancelled() => break cancel_reason(&hub, &mailbox),
                            () = handle_text(&hub, &mailbox, &text) => {}
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => hub.send_control(
                        &mailbox,
                        &ServerMessage::error(
                            ErrorCode::UnsupportedFrame,
                            "binary frames are not supported; send JSON text frames",
                        ),
                    ),
                    Some(Ok(AggregatedMessage::Ping(payload))) => {
                        if let Err(stop) = write(&hub, &mailbox, session.pong(&payload)).await {
                            break stop;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(reason))) => break Stop::ClientClosed(reason),
                    Some(Err(actix_ws::ProtocolError::Overflow)) => break Stop::TooLarge,
                    Some(Err(error)) => {
                        // The aggregator reports its own size limit as an I/O error.
                        if error.to_string().contains("maximum continuation size") {
                            break Stop::TooLarge;
                        }
                        break Stop::Protocol(error.to_string());
                    }
                }
            }
            () = mailbox.notify.notified() => {}
            () = &mut timer, if next.is_some() => {}
            _ = heartbeat.tick() => {
                if let Err(stop) = write(&hub, &mailbox, session.ping(b"")).await {
                    break stop;
                }
            }
            () = &mut idle => break Stop::Idle,
        }
    };
    close(&hub, &mailbox, session, stop).await;
}

async fn handle_text(hub: &Hub, mailbox: &Arc<Mailbox>, text: &ByteString) {
    match ClientMessage::parse(text, hub.settings().max_subscriptions_per_client) {
        Ok(ClientMessage::Subscribe { campaign_ids }) => {
            hub.subscribe(mailbox, &campaign_ids).await
        }
        Ok(ClientMessage::Unsubscribe { campaign_ids }) => hub.unsubscribe(mailbox, &campaign_ids),
        Ok(ClientMessage::Auth { .. }) => hub.send_control(
            mailbox,
            &ServerMessage::error(
                ErrorCode::InvalidMessage,
                "this connection is authenticated already",
            ),
        ),
        Err(error) => hub.send_control(mailbox, &error.to_message()),
    }
}

/// Why the mailbox's token was cancelled.
fn cancel_reason(hub: &Hub, mailbox: &Mailbox) -> Stop {
    if mailbox.overflowed() {
        Stop::Slow(format!(
            "client too slow: more than {} messages waiting",
            hub.settings().client_queue_capacity
        ))
    } else {
        Stop::Shutdown
    }
}

/// Awaits one write to the client, giving up when the session is cancelled or the write does
/// not complete within the write timeout.
async fn write(
    hub: &Hub,
    mailbox: &Mailbox,
    send: impl Future<Output = Result<(), actix_ws::Closed>>,
) -> Result<(), Stop> {
    let timeout = hub.settings().write_timeout;
    tokio::select! {
        biased;
        () = mailbox.cancel.cancelled() => Err(cancel_reason(hub, mailbox)),
        result = tokio::time::timeout(timeout, send) => match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(actix_ws::Closed)) => Err(Stop::ClientGone),
            Err(_) => Err(Stop::Slow(format!(
                "client too slow: a write did not complete within {} ms",
                timeout.as_millis()
            ))),
        },
    }
}

async fn close(hub: &Hub, mailbox: &Mailbox, mut session: Session, stop: Stop) {
    let counters = &hub.inner.counters;
    let client = mailbox.client_id;
    let reason = match stop {
        Stop::ClientGone => {
            tracing::debug!(client, "websocket client gone");
            return;
        }
        Stop::ClientClosed(reason) => {
            tracing::debug!(client, ?reason, "websocket client closed");
            // Completes the closing handshake by echoing the client's code.
            reason.map(|r| CloseReason {
                code: r.code,
                description: None,
            })
        }
        Stop::Shutdown => Some(close_reason(CloseCode::Away, "server shutting down")),
        Stop::Slow(why) => {
            counters.slow_disconnects.fetch_add(1, Ordering::Relaxed);
            tracing::info!(client, reason = %why, "disconnecting websocket client");
            Some(close_reason(CloseCode::Policy, &why))
        }
        Stop::Idle => {
            counters.idle_disconnects.fetch_add(1, Ordering::Relaxed);
            let why = format!(
                "idle timeout: nothing received for {} ms",
                hub.settings().idle_timeout.as_millis()
            );
            tracing::debug!(client, reason = %why, "disconnecting websocket client");
            Some(close_reason(CloseCode::Policy, &why))
        }
        Stop::TooLarge => {
            let why = format!(
                "message too large: the limit is {} bytes",
                hub.settings().max_message_bytes
            );
            let error = ServerMessage::error(ErrorCode::MessageTooLarge, why.clone());
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.text(error.to_text())).await;
            Some(close_reason(CloseCode::Size, &why))
        }
        Stop::Protocol(why) => {
            tracing::debug!(client, reason = %why, "websocket protocol error");
            Some(close_reason(CloseCode::Protocol, &why))
        }
        Stop::Unauthorized(why) => {
            tracing::debug!(client, reason = %why, "websocket client not authenticated");
            let error = ServerMessage::error(ErrorCode::Unauthorized, why);
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.text(error.to_text())).await;
            Some(close_reason(CloseCode::Policy, "unauthorized"))
        }
        Stop::TooManyConnections => {
            let why = format!(
                "this token holds the most WebSocket connections allowed ({})",
                hub.settings().max_connections_per_token
            );
            tracing::debug!(client, reason = %why, "websocket client refused");
            let error = ServerMessage::error(ErrorCode::TooManyConnections, why);
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.text(error.to_text())).await;
            Some(close_reason(
                CloseCode::Policy,
                "too many connections for this token",
            ))
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.close(reason)).await;
}

fn close_reason(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}
