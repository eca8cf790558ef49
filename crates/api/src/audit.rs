//! The audit log: [`AuditLog`] takes entries from the authentication middleware without a
//! store round trip on the request's path, and `GET /api/v1/audit` (admin) reads them.
//!
//! Entries go into a bounded channel; one writer task drains it in batches (up to
//! [`BATCH`] entries per transaction). Nothing is dropped silently: when the channel is full
//! the request waits up to [`FULL_WAIT`] for room, and an entry that still finds none — or
//! that the store refuses three times — is written to the log (at `warn`/`error`) with every
//! field instead. [`AuditLog::flush`] waits until everything queued before it is stored: the
//! binary calls it after the HTTP server stopped, and `GET /audit` before it reads, so an
//! admin sees their own last actions.
//!
//! The same writer stores tokens' "last used" times, which are not audit entries: those are
//! dropped when the channel is full.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use dragnet_domain::{AuditResult, AuditSource};
use dragnet_store::{AuditEntry, AuditRecord, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;

/// Entries written per transaction at most.
pub const BATCH: usize = 500;
/// How long a request waits for room in a full channel before its entry goes to the log.
pub const FULL_WAIT: Duration = Duration::from_secs(1);
/// Default capacity of the channel (entries waiting to be written).
pub const DEFAULT_CAPACITY: usize = 10_000;
/// Default page size of `GET /audit`.
pub const DEFAULT_PAGE: usize = 100;
/// Largest page size of `GET /audit`.
pub const MAX_PAGE: usize = 1000;

enum Message {
    Entry(Box<AuditEntry>),
    Touch(String, DateTime<Utc>),
    Flush(oneshot::Sender<()>),
}

/// The audit log's writer side. One per app; the writer task starts with the first entry (or
/// [`AuditLog::start`]) on the Tokio runtime that runs it.
pub struct AuditLog {
    store: Store,
    tx: mpsc::Sender<Message>,
    rx: Mutex<Option<mpsc::Receiver<Message>>>,
    not_stored: AtomicU64,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("not_stored", &self.not_stored.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// An audit log writing to `store`, with room for `capacity` entries waiting.
    pub fn new(store: Store, capacity: usize) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        Self {
            store,
            tx,
            rx: Mutex::new(Some(rx)),
            not_stored: AtomicU64::new(0),
        }
    }

    /// Starts the writer task on the current Tokio runtime, unless it runs already. The binary
    /// calls it on its main runtime, which outlives the HTTP workers.
    pub fn start(&self) {
        let rx = self
            .rx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(rx) = rx else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(write_loop(self.store.clone(), rx));
            }
            // Not on a runtime: keep the receiver for a later call that is.
            Err(_) => {
                *self
                    .rx
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rx);
            }
        }
    }

    /// Entries that could not be stored (and went to the log instead) since start.
    pub fn not_stored(&self) -> u64 {
        self.not_stored.load(Ordering::Relaxed)
    }

    /// Queues an entry. Waits at most [`FULL_WAIT`] when the queue is full; an entry that
    /// finds no room is logged instead, never dropped silently.
    pub async fn record(&self, entry: AuditEntry) {
        self.start();
        let entry = match self.tx.try_send(Message::Entry(Box::new(entry))) {
            Ok(()) => return,
            Err(
                mpsc::error::TrySendError::Full(Message::Entry(e))
                | mpsc::error::TrySendError::Closed(Message::Entry(e)),
            ) => e,
            Err(_) => return,
        };
        tracing::warn!("the audit queue is full; waiting for room");
        let copy = entry.clone();
        let why = match tokio::time::timeout(FULL_WAIT, self.tx.send(Message::Entry(entry))).await {
            Ok(Ok(())) => return,
            Ok(Err(_)) => "the audit writer has stopped",
            Err(_) => "the audit queue stayed full",
        };
        self.not_stored.fetch_add(1, Ordering::Relaxed);
        log_lost(&copy, why);
    }

    /// Queues a token's last-use time (dropped when the queue is full: it is not an audit
    /// entry).
    pub fn touch(&self, token_id: String, at: DateTime<Utc>) {
        self.start();
        let _ = self.tx.try_send(Message::Touch(token_id, at));
    }

    /// Waits (at most `limit`) until everything queued before the call is stored.
    pub async fn flush(&self, limit: Duration) {
        self.start();
        let (done, wait) = oneshot::channel();
        let queued = tokio::time::timeout(limit, self.tx.send(Message::Flush(done))).await;
        if matches!(queued, Ok(Ok(()))) {
            let _ = tokio::time::timeout(limit, wait).await;
        } else {
            tracing::warn!("the audit log could not be flushed in time");
        }
    }
}

fn log_lost(entry: &AuditEntry, why: &str) {
    tracing::error!(
        reason = why,
        at = %entry.at,
        token_id = entry.token_id.as_deref().unwrap_or("-"),
        source = %entry.source,
        action = %entry.action,
        target = %entry.target,
        status = entry.status,
        result = entry.result.as_str(),
        remote_addr = entry.remote_addr.as_deref().unwrap_or("-"),
        "audit entry not stored"
    );
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Message>) {
    while let Some(first) = rx.recv().await {
        let mut entries = Vec::new();
        let mut touches = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Entry(e) => entries.push(*e),
                Message::Touch(id, at) => touches.push((id, at)),
                Message::Flush(done) => flushes.push(done),
            }
            if entries.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !entries.is_empty() {
            store_entries(&store, entries).await;
        }
        if !touches.is_empty()
            && let Err(e) = store.run(move |s| s.touch_tokens(&touches)).await
        {
            tracing::warn!(error = %e, "could not record when tokens were last used");
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Stores a batch, trying three times; what still fails goes to the log.
async fn store_entries(store: &Store, entries: Vec<AuditEntry>) {
    let entries = Arc::new(entries);
    for attempt in 0..3_u32 {
        let batch = Arc::clone(&entries);
        match store.run(move |s| s.append_audit(&batch)).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "could not store audit entries; retrying");
            }
        }
        tokio::time::sleep(Duration::from_millis(200 * 4_u64.pow(attempt))).await;
    }
    for entry in entries.iter() {
        log_lost(entry, "the store refused it three times");
    }
}

// ---------------------------------------------------------------------------------------
// GET /api/v1/audit

/// One audit log entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    /// The entry's id (grows with time).
    pub id: i64,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The token that did it; `null` without a valid one (`--no-auth`, the command line, an
    /// invalid token).
    pub token_id: Option<String>,
    /// Where it came from.
    pub source: AuditSource,
    /// The method and route pattern (`POST /api/v1/campaigns/{id}/start`), or a command
    /// (`token.create`, `token.revoke`).
    pub action: String,
    /// What it acted on: the request's path (a created object's location), or `token:<id>`.
    pub target: String,
    /// The HTTP status answered (0 for a command).
    pub status: u16,
    /// `success` (2xx, 3xx), `failure` (other 4xx, 5xx) or `denied` (401, 403, 429).
    pub result: AuditResult,
    /// The client's address, when known.
    pub remote_addr: Option<String>,
}

impl From<AuditRecord> for AuditEntryDto {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.entry.at,
            token_id: r.entry.token_id,
            source: r.entry.source,
            action: r.entry.action,
            target: r.entry.target,
            status: r.entry.status,
            result: r.entry.result,
            remote_addr: r.entry.remote_addr,
        }
    }
}

/// One page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries, newest first.
    pub items: Vec<AuditEntryDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// The previous page's `nextCursor`.
    pub cursor: Option<String>,
    /// Only this token's entries.
    pub token_id: Option<String>,
}

/// Read the audit log, newest first (keyset pages).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of the audit log.", body = AuditPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = match query.limit {
        None => DEFAULT_PAGE,
        Some(n @ 1..=MAX_PAGE) => n,
        Some(n) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("limit must be between 1 and {MAX_PAGE}, got {n}"),
            ));
        }
    };
    let before = match query.cursor.as_deref() {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidQuery,
                    "cursor is not one this server returned",
                ));
            }
        },
    };
    // Read-your-writes: what this server queued before the request is stored first.
    state.audit().flush(Duration::from_secs(2)).await;
    let token_id = query.token_id;
    let page = state
        .store
        .run(move |s| s.list_audit(token_id.as_deref(), before, limit))
        .await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        items: page.items.into_iter().map(AuditEntryDto::from).collect(),
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}
