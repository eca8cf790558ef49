//! Shared application state, blocking store calls, idempotency keys, and the mapping of store
//! errors to API errors.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody as _;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use dragnet_domain::content::RescoreRefusal;
use dragnet_domain::{Phase, TransitionError};
use dragnet_engine::Engine;
use dragnet_probe::guard::AddressGuard;
use dragnet_store::{Store, StoreError};

use crate::audit::AuditLog;
use crate::auth::{Auth, AuthSettings};
use crate::error::{ApiError, ErrorCode};

/// How long a response is remembered for its `Idempotency-Key`.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(600);

/// Everything a handler needs.
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The phase engine (state changes go through it so that they are published and acted on).
    pub engine: Engine,
    /// Which targets `POST /proxies/{id}/test` may ask a proxy to connect to (the SSRF guard).
    address_guard: AddressGuard,
    idempotency: Mutex<HashMap<String, Remembered>>,
    /// Tokens, roles and the failure rate limit.
    auth: Auth,
    /// Where state-changing requests are recorded.
    audit: AuditLog,
    /// Request size and shape limits.
    limits: Limits,
}

/// Limits on what a request may carry (`[limits]` in the binary's settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest JSON body, in bytes (default 1 MiB).
    pub json_body_bytes: usize,
    /// The largest domain import (`POST /campaigns/{id}/domains`, streamed), in bytes
    /// (default 256 MiB).
    pub import_body_bytes: usize,
    /// The deepest nesting of arrays and objects in a JSON body (default 32).
    pub json_max_depth: usize,
    /// The longest string (or key) in a JSON body, in bytes as sent (default 64 KiB).
    pub json_max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            json_body_bytes: 1024 * 1024,
            import_body_bytes: 256 * 1024 * 1024,
            json_max_depth: 32,
            json_max_string_bytes: 64 * 1024,
        }
    }
}

struct Remembered {
    at: Instant,
    status: StatusCode,
    body: web::Bytes,
}

impl AppState {
    /// State over an engine (and its store), with the SSRF guard on: no loopback, private or
    /// otherwise non-public proxy test targets (see [`AppState::with_address_guard`]), tokens
    /// required ([`AuthSettings::default`]), the default [`Limits`], and an audit queue of
    /// [`crate::audit::DEFAULT_CAPACITY`] entries.
    pub fn new(engine: Engine) -> Self {
        let store = engine.store().clone();
        Self {
            audit: AuditLog::new(store.clone(), crate::audit::DEFAULT_CAPACITY),
            store,
            engine,
            address_guard: AddressGuard::new(false, Vec::new()),
            idempotency: Mutex::new(HashMap::new()),
            auth: Auth::new(AuthSettings::default()),
            limits: Limits::default(),
        }
    }

    /// The same state with other authentication settings (`enabled: false` is `--no-auth`).
    #[must_use]
    pub fn with_auth(mut self, settings: AuthSettings) -> Self {
        self.auth = Auth::new(settings);
        self
    }

    /// The same state without authentication: every request acts as an admin. For tests and
    /// `--no-auth`.
    #[must_use]
    pub fn without_auth(self) -> Self {
        self.with_auth(AuthSettings {
            enabled: false,
            ..AuthSettings::default()
        })
    }

    /// The same state with other request limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same state with room for `capacity` audit entries waiting to be written.
    #[must_use]
    pub fn with_audit_capacity(mut self, capacity: usize) -> Self {
        self.audit = AuditLog::new(self.store.clone(), capacity);
        self
    }

    /// Authentication: settings, token cache, failure counts.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The audit log's writer.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Request size and shape limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The same state with another SSRF guard for proxy tests; the binary passes
    /// `AddressGuard::new(settings.engine.allow_private_addresses, Vec::new())`, the same
    /// policy as the HTTP prober's.
    #[must_use]
    pub fn with_address_guard(mut self, guard: AddressGuard) -> Self {
        self.address_guard = guard;
        self
    }

    /// The SSRF guard proxy tests are checked against.
    pub fn address_guard(&self) -> &AddressGuard {
        &self.address_guard
    }

    /// Runs `work` unless a response for `key` was produced in the last 10 minutes, in which
    /// case that response is returned again and nothing is done. Only successful responses
    /// are remembered, so a refused request can be corrected and repeated with the same key.
    pub async fn idempotent<F>(
        &self,
        key: Option<String>,
        work: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: Future<Output = Result<HttpResponse, ApiError>>,
    {
        let Some(key) = key else {
            return work.await;
        };
        if let Some(hit) = self.remembered(&key) {
            return Ok(hit);
        }
        let response = work.await?;
        let status = response.status();
        let body = response
            .into_body()
            .try_into_bytes()
            .map_err(|_| ApiError::internal("idempotent response body is not in memory"))?;
        let mut map = self
            .idempotency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, r| r.at.elapsed() < IDEMPOTENCY_TTL);
        map.insert(
            key,
            Remembered {
                at: Instant::now(),
                status,
                body: body.clone(),
            },
        );
        Ok(HttpResponse::build(status)
            .content_type("application/json")
            .body(body))
    }

    fn remembered(&self, key: &str) -> Option<HttpResponse> {
        let map = self
            .idempotency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .filter(|r| r.at.elapsed() < IDEMPOTENCY_TTL)
            .map(|r| {
                HttpResponse::build(r.status)
                    .content_type("application/json")
                    .insert_header(("Idempotent-Replay", "true"))
                    .body(r.body.clone())
            })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            // Connection errors first: they are `Database` errors too.
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "store unavailable");
                ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "the database is unavailable; try again",
                )
            }
            StoreError::CampaignNotFound(id) => {
                ApiError::not_found(format!("campaign {id} not found"))
            }
            StoreError::Conflict { .. } => ApiError::new(ErrorCode::Conflict, e.to_string()),
            StoreError::CatalogNotFound { .. }
            | StoreError::CatalogConflict { .. }
            | StoreError::KindChange { .. }
            | StoreError::InUse { .. } => crate::catalog::catalog_problem(e),
            StoreError::Transition(t) => transition_error(t),
            StoreError::RescoreRefused(r) => rescore_refused(r),
            StoreError::PatternExhausted { .. } => {
                ApiError::new(ErrorCode::Conflict, e.to_string())
            }
            StoreError::InvalidArgument(msg) => ApiError::new(ErrorCode::ValidationFailed, msg),
            StoreError::OutOfRange { .. } => {
                ApiError::new(ErrorCode::ValidationFailed, e.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

/// A refused rescore: a 409 whose `context.reason` says why (`phase_active` with the phase's
/// status, `rescore_running` with the revision under way, or `no_results`).
fn rescore_refused(r: RescoreRefusal) -> ApiError {
    let detail = r.to_string();
    let context = match r {
        RescoreRefusal::PhaseActive { status } => serde_json::json!({
            "reason": "phase_active",
            "phase": Phase::ContentAnalysis,
            "phaseStatus": status,
        }),
        RescoreRefusal::AlreadyRunning { revision } => serde_json::json!({
            "reason": "rescore_running",
            "revision": revision,
        }),
        RescoreRefusal::NoResults => serde_json::json!({"reason": "no_results"}),
    };
    ApiError::new(ErrorCode::Conflict, detail).with_context(context)
}

fn transition_error(t: TransitionError) -> ApiError {
    let detail = t.to_string();
    match t {
        TransitionError::NotAllowed {
            phase,
            status,
            allowed,
            action,
        } => ApiError::new(ErrorCode::InvalidTransition, detail).with_context(serde_json::json!({
            "action": action,
            "currentPhase": phase,
            "phaseStatus": status,
            "availableTransitions": allowed,
        })),
        TransitionError::RequiredPhase { skipped, needed_by } => {
            ApiError::new(ErrorCode::InvalidTransition, detail).with_context(serde_json::json!({
                "skippedPhase": skipped,
                "neededBy": needed_by,
            }))
        }
        TransitionError::InvalidInitialPhase { .. } => {
            ApiError::new(ErrorCode::ValidationFailed, detail)
        }
    }
}
