//! Authentication and authorization: bearer API tokens with roles, the one role policy, the
//! middleware that applies it to every request, and the rate limit on failed attempts.
//!
//! # Tokens
//!
//! A token is `dgn_<id>_<secret>`: `id` is 16 base32 characters (80 random bits, not
//! secret: it names the token in lists, logs and the audit log), `secret` is 32 bytes from the
//! operating system's random generator in base32 (52 characters). The store keeps only the
//! SHA-256 of the secret. A presented token is looked up by its id and its secret's hash
//! compared with the stored one in constant time (`subtle`). The secret is shown once, when
//! the token is made ([`issue_token`]), and never logged: [`TokenSecret`] does not print.
//!
//! Verified tokens are cached for [`AuthSettings::token_cache`] (default 10 s), so a request
//! costs no store round trip; a token revoked through this process stops working at once,
//! one revoked elsewhere (another process, `dragnet token revoke`) within that time.
//!
//! # Roles
//!
//! [`required_access`] is the whole policy, and the OpenAPI document is built from it: the
//! operational routes (`/healthz`, `/readyz`, `/docs`, `/api/v1/openapi.json`) are public;
//! `/api/v1/tokens…` and `/api/v1/audit` need `admin`; every other read (`GET`, `HEAD`,
//! `OPTIONS`) needs `viewer` and every other method `operator`. `/metrics` needs `viewer`
//! unless [`AuthSettings::metrics_public`].
//!
//! # Failures
//!
//! A request without credentials is a 401 (`WWW-Authenticate: Bearer`); a wrong role a 403.
//! An invalid token (malformed, unknown, wrong secret, revoked) is a 401 and counts as a
//! failure of the client's address: after [`AuthSettings::failures_per_minute`] failures
//! within a minute, every request from that address that needs a token is answered 429 with
//! `Retry-After` until the minute is over, without looking at its token.
//!
//! # The WebSocket
//!
//! `GET /api/v1/ws` with a valid `Authorization` header is authenticated here; without one,
//! the upgrade goes through and its first message must authenticate it
//! ([`dragnet_realtime::auth`]), checked by the same code.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{
    AUTHORIZATION, HeaderValue, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE,
};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, ResponseError as _, web};
use chrono::Utc;
use dragnet_domain::{AuditResult, AuditSource, Role};
use dragnet_realtime::{WsAuthOutcome, WsAuthRequired, WsAuthenticator, WsPrincipal};
use dragnet_store::{AuditEntry, NewToken, Store, StoreError, StoredToken};
use futures_util::future::BoxFuture;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Every token starts with this.
pub const TOKEN_PREFIX: &str = "dgn_";
/// Base32 characters in a token's id.
pub const ID_CHARS: usize = 16;
/// Random bytes in a token's secret.
pub const SECRET_BYTES: usize = 32;
/// Base32 characters in a token's secret (`SECRET_BYTES` × 8 / 5, rounded up).
pub const SECRET_CHARS: usize = (SECRET_BYTES * 8).div_ceil(5);
/// How often, at most, a token's `lastUsedAt` is written.
pub const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// The realm named in `WWW-Authenticate`.
const REALM: &str = "dragnet";
/// Cached tokens (and client addresses with failures) at most; the cache is emptied when full.
const MAX_CACHED: usize = 10_000;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Who a route lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token.
    Public,
    /// A token with this role or a more powerful one.
    Role(Role),
}

/// Whether `method` only reads.
pub fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The role policy, in one place: who may send `method` to `path` (the request's decoded
/// path, as the router matches it; route templates such as `/api/v1/tokens/{id}` give the
/// same answer as their paths).
pub fn required_access(method: &Method, path: &str) -> Access {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if matches!(path, "/healthz" | "/readyz" | "/api/v1/openapi.json") || under("/docs") {
        return Access::Public;
    }
    if under("/api/v1/tokens") || under("/api/v1/audit") {
        return Access::Role(Role::Admin);
    }
    if is_read(method) {
        Access::Role(Role::Viewer)
    } else {
        Access::Role(Role::Operator)
    }
}

/// The authentication settings (`[auth]` in the binary's settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// Whether tokens are required. `false` is `dragnet serve --no-auth`: every request acts
    /// as an admin (the binary allows it only on a loopback address).
    pub enabled: bool,
    /// Serve `/metrics` without a token (default `false`: it needs a `viewer` token).
    pub metrics_public: bool,
    /// Failed authentications per client address and minute before it gets 429s (default 20).
    pub failures_per_minute: u32,
    /// How long a verified token is trusted without asking the store again (default 10 s).
    pub token_cache: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            metrics_public: false,
            failures_per_minute: 20,
            token_cache: Duration::from_secs(10),
        }
    }
}

/// The authenticated caller of a request, in its extensions (`web::ReqData<Principal>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's id; `None` when authentication is off.
    pub token_id: Option<String>,
    /// What it may do.
    pub role: Role,
}

impl Principal {
    /// How the audit log and `createdBy` name it: `token:<id>`, or `no-auth`.
    pub fn actor(&self) -> String {
        match &self.token_id {
            Some(id) => format!("token:{id}"),
            None => "no-auth".to_owned(),
        }
    }
}

/// A whole token (`dgn_<id>_<secret>`). Its `Debug` and `Display` output never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// The token, for the one place that shows it to its owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(***)")
    }
}

/// A token just made: the secret (shown once) and what the store keeps.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The whole token, for its owner only.
    pub secret: TokenSecret,
    /// The stored token.
    pub stored: StoredToken,
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let (mut buffer, mut bits) = (0_u32, 0_u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn random(n: usize) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![0_u8; n];
    getrandom::fill(&mut bytes).map_err(|e| {
        StoreError::Internal(format!(
            "the operating system's random generator failed: {e}"
        ))
    })?;
    Ok(bytes)
}

/// SHA-256 of a token's secret, as 64 lowercase hex digits (what the store keeps).
pub fn hash_secret(secret: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn is_base32(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Whether `id` has the shape of a token id (16 lowercase base32 characters).
pub fn is_token_id(id: &str) -> bool {
    is_base32(id, ID_CHARS)
}

/// Splits `dgn_<id>_<secret>` into its id and secret; `None` when it does not have that shape.
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    (is_base32(id, ID_CHARS) && is_base32(secret, SECRET_CHARS)).then_some((id, secret))
}

fn new_token(
    name: &str,
    role: Role,
    created_by: &str,
) -> Result<(NewToken, TokenSecret), StoreError> {
    let id = base32(&random(10)?);
    let secret = base32(&random(SECRET_BYTES)?);
    let token = TokenSecret(format!("{TOKEN_PREFIX}{id}_{secret}"));
    Ok((
        NewToken {
            id,
            name: name.to_owned(),
            role,
            secret_sha256: hash_secret(&secret),
            created_by: created_by.to_owned(),
        },
        token,
    ))
}

/// Makes and stores a new token (blocking: call it on a blocking thread). `created_by` is
/// `token:<id>`, `cli`, … . The name is 1–100 characters (trimmed), no control characters.
pub fn issue_token(
    store: &Store,
    name: &str,
    role: Role,
    created_by: &str,
) -> Result<IssuedToken, StoreError> {
    let (new, secret) = new_token(name, role, created_by)?;
    let stored = store.create_token(&new)?;
    Ok(IssuedToken { secret, stored })
}

/// Makes and stores an admin token named `first-start` if the store has no token at all
/// (blocking); `None` when it has.
pub fn issue_first_token(store: &Store) -> Result<Option<IssuedToken>, StoreError> {
    let (new, secret) = new_token("first-start", Role::Admin, "first-start")?;
    Ok(store
        .create_first_token(&new)?
        .map(|stored| IssuedToken { secret, stored }))
}

#[derive(Clone)]
struct CachedToken {
    role: Role,
    secret_sha256: String,
    revoked: bool,
}

struct CacheEntry {
    fetched: Instant,
    /// `None`: no token has this id.
    token: Option<CachedToken>,
}

struct FailureWindow {
    started: Instant,
    failures: u32,
}

const WINDOW: Duration = Duration::from_secs(60);

/// Whose failures a client's address counts with: itself for IPv4, its /64 for IPv6 (one
/// host usually has a whole /64 to rotate through).
fn bucket(peer: Option<IpAddr>) -> Option<IpAddr> {
    match peer {
        Some(IpAddr::V6(v6)) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        }),
        other => other,
    }
}

/// Why a token was not accepted.
enum Refusal {
    /// Malformed, unknown, wrong secret or revoked.
    Invalid,
    /// The store could not be asked.
    Unavailable(ApiError),
}

/// The authentication state of one app: its settings, the token cache and the failure
/// counts per client address.
pub struct Auth {
    settings: AuthSettings,
    cache: Mutex<HashMap<String, CacheEntry>>,
    failures: Mutex<HashMap<Option<IpAddr>, FailureWindow>>,
    touched: Mutex<HashMap<String, Instant>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Auth {
    /// Authentication with these settings.
    pub fn new(settings: AuthSettings) -> Self {
        Self {
            settings,
            cache: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// Whether tokens are required.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// Forgets what the cache knows of token `id` (after it was made or revoked here).
    pub fn forget(&self, id: &str) {
        lock(&self.cache).remove(id);
    }

    /// How long until `peer` may try again, when it failed too often this minute.
    pub fn blocked(&self, peer: Option<IpAddr>) -> Option<Duration> {
        let failures = lock(&self.failures);
        let window = failures.get(&bucket(peer))?;
        let elapsed = window.started.elapsed();
        (elapsed < WINDOW && window.failures >= self.settings.failures_per_minute)
            .then(|| WINDOW - elapsed)
    }

    /// Counts a failed authentication from `peer`.
    pub fn record_failure(&self, peer: Option<IpAddr>) {
        let mut failures = lock(&self.failures);
        if failures.len() >= MAX_CACHED {
            failures.retain(|_, w| w.started.elapsed() < WINDOW);
        }
        let window = failures.entry(bucket(peer)).or_insert(FailureWindow {
            started: Instant::now(),
            failures: 0,
        });
        if window.started.elapsed() >= WINDOW {
            *window = FailureWindow {
                started: Instant::now(),
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        if window.failures == self.settings.failures_per_minute {
            tracing::warn!(
                peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
                limit = self.settings.failures_per_minute,
                "too many failed authentications from one address: refusing it for the rest of the minute"
            );
        }
    }

    fn cached(&self, id: &str) -> Option<Option<CachedToken>> {
        let cache = lock(&self.cache);
        let entry = cache.get(id)?;
        (entry.fetched.elapsed() < self.settings.token_cache).then(|| entry.token.clone())
    }

    fn remember(&self, id: &str, token: Option<CachedToken>) {
        if self.settings.token_cache.is_zero() {
            return;
        }
        let mut cache = lock(&self.cache);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(
            id.to_owned(),
            CacheEntry {
                fetched: Instant::now(),
                token,
            },
        );
    }

    /// Whether token `id`'s last use should be written now (at most every
    /// [`TOUCH_INTERVAL`]).
    fn due_for_touch(&self, id: &str) -> bool {
        let mut touched = lock(&self.touched);
        if touched.len() >= MAX_CACHED {
            touched.clear();
        }
        match touched.get(id) {
            Some(at) if at.elapsed() < TOUCH_INTERVAL => false,
            _ => {
                touched.insert(id.to_owned(), Instant::now());
                true
            }
        }
    }
}

/// Checks a presented token: its shape, its id in the cache or the store, its secret's hash
/// (in constant time) and that it is not revoked.
async fn verify(state: &web::Data<AppState>, token: &str) -> Result<Principal, Refusal> {
    let auth = state.auth();
    let Some((id, secret)) = parse_token(token) else {
        return Err(Refusal::Invalid);
    };
    let hash = hash_secret(secret);
    let found = match auth.cached(id) {
        Some(found) => found,
        None => {
            let key = id.to_owned();
            let stored = state
                .store
                .run(move |s| s.get_token(&key))
                .await
                .map_err(|e| Refusal::Unavailable(e.into()))?;
            let found = stored.map(|t| CachedToken {
                role: t.role,
                secret_sha256: t.secret_sha256,
                revoked: t.revoked_at.is_some(),
            });
            auth.remember(id, found.clone());
            found
        }
    };
    let Some(found) = found else {
        return Err(Refusal::Invalid);
    };
    let matches: bool = hash.as_bytes().ct_eq(found.secret_sha256.as_bytes()).into();
    if !matches || found.revoked {
        return Err(Refusal::Invalid);
    }
    if auth.due_for_touch(id) {
        state.audit().touch(id.to_owned(), Utc::now());
    }
    Ok(Principal {
        token_id: Some(id.to_owned()),
        role: found.role,
    })
}

/// The token of an `Authorization: Bearer <token>` header; `Err` when the header is there
/// but is not a bearer token.
fn bearer(value: &HeaderValue) -> Result<&str, ()> {
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(());
    }
    let token = token.trim();
    if token.is_empty() { Err(()) } else { Ok(token) }
}

fn unauthorized(detail: &str, invalid_token: bool) -> actix_web::HttpResponse {
    let mut response = ApiError::new(ErrorCode::Unauthorized, detail).error_response();
    let challenge = if invalid_token {
        format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
    } else {
        format!("Bearer realm=\"{REALM}\"")
    };
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

fn rate_limited(retry_after: Duration) -> actix_web::HttpResponse {
    let seconds = retry_after.as_secs().max(1);
    let mut response = ApiError::new(
        ErrorCode::RateLimited,
        format!("too many failed authentications from this address; try again in {seconds} s"),
    )
    .error_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// How a status reads in the audit log.
fn audit_result(status: u16) -> AuditResult {
    match status {
        401 | 403 | 429 => AuditResult::Denied,
        200..=399 => AuditResult::Success,
        _ => AuditResult::Failure,
    }
}

/// The first 1,000 bytes of `text` (at a character boundary): an audit entry's target is a
/// client's path, so its length is the client's choice.
fn clip(mut text: String) -> String {
    const MAX: usize = 1000;
    if text.len() > MAX {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// What the middleware knows of a request for its audit entry.
struct Pending {
    state: web::Data<AppState>,
    method: Method,
    path: String,
    peer: Option<IpAddr>,
}

impl Pending {
    async fn record(
        self,
        token_id: Option<String>,
        route: Option<String>,
        status: u16,
        location: Option<String>,
    ) {
        let entry = AuditEntry {
            at: Utc::now(),
            token_id,
            source: AuditSource::Api,
            action: format!(
                "{} {}",
                self.method,
                route.unwrap_or_else(|| "unmatched".to_owned())
            ),
            target: clip(location.unwrap_or(self.path)),
            status,
            result: audit_result(status),
            remote_addr: self.peer.map(|p| p.to_string()),
        };
        self.state.audit().record(entry).await;
    }
}

/// Answers `req` with `response` (an early refusal), recording it when the request would
/// have changed something.
async fn refuse<B>(
    req: ServiceRequest,
    response: actix_web::HttpResponse,
    pending: Option<Pending>,
    token_id: Option<String>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Some(pending) = pending {
        let route = req.match_pattern();
        pending
            .record(token_id, route, response.status().as_u16(), None)
            .await;
    }
    Ok(req.into_response(response).map_into_right_body())
}

/// The middleware around the whole app: applies [`required_access`] to every request, puts
/// the [`Principal`] in the request's extensions, and records every state-changing request
/// in the audit log (except anonymous ones, which never reach a handler).
pub async fn authenticate<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        // No state, no token store: refuse rather than let anything through.
        let response =
            ApiError::internal("the app has no state to authenticate with").error_response();
        return Ok(req.into_response(response).map_into_right_body());
    };
    let method = req.method().clone();
    // The decoded path the router matches (`%74okens` is `tokens` to it, so to us).
    let path = req.match_info().as_str().to_owned();
    let auth = state.auth();
    let access = if auth.settings().metrics_public && path == "/metrics" {
        Access::Public
    } else {
        required_access(&method, &path)
    };
    let Access::Role(needed) = access else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let websocket = method == Method::GET && path == "/api/v1/ws";
    let peer = req.peer_addr().map(|a| a.ip());
    let pending = (!is_read(&method)).then(|| Pending {
        state: state.clone(),
        method: method.clone(),
        path: path.clone(),
        peer,
    });

    let principal = if auth.enabled() {
        let presented = req.headers().get(AUTHORIZATION).map(bearer);
        let token = match presented {
            None if websocket => {
                // Browsers cannot send headers on a WebSocket: its first message must
                // authenticate it.
                let authenticator: Arc<dyn WsAuthenticator> =
                    Arc::new(StateAuthenticator(state.clone()));
                req.extensions_mut().insert(WsAuthRequired(authenticator));
                return next
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            None => {
                let response = unauthorized(
                    "this route needs an API token: send `Authorization: Bearer <token>`",
                    false,
                );
                // Anonymous requests are not audited: nothing identifies them, and they
                // are not rate limited.
                return refuse(req, response, None, None).await;
            }
            Some(token) => token,
        };
        if let Some(retry_after) = auth.blocked(peer) {
            return refuse(req, rate_limited(retry_after), pending, None).await;
        }
        let verified = match token {
            Ok(token) => verify(&state, token).await,
            Err(()) => Err(Refusal::Invalid),
        };
        match verified {
            Ok(principal) => principal,
            Err(Refusal::Invalid) => {
                auth.record_failure(peer);
                tracing::info!(
                    peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
                    %method,
                    path = %path,
                    "authentication failed: invalid token"
                );
                let response = unauthorized(
                    "the token is not valid: malformed, unknown or revoked",
                    true,
                );
                return refuse(req, response, pending, None).await;
            }
            Err(Refusal::Unavailable(e)) => {
                return refuse(req, e.error_response(), pending, None).await;
            }
        }
    } else {
        Principal {
            token_id: None,
            role: Role::Admin,
        }
    };

    if !principal.role.includes(needed) {
        let response = ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this needs the {needed} role; the token's role is {}",
                principal.role
            ),
        )
        .error_response();
        let token_id = principal.token_id.clone();
        return refuse(req, response, pending, token_id).await;
    }
    if websocket {
        req.extensions_mut().insert(WsPrincipal {
            token_id: principal.token_id.clone(),
        });
    }
    let token_id = principal.token_id.clone();
    req.extensions_mut().insert(principal);
    let response = next.call(req).await?;
    if let Some(pending) = pending {
        let status = response.status().as_u16();
        let location = (status == 201)
            .then(|| response.headers().get(LOCATION))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let route = response.request().match_pattern();
        pending.record(token_id, route, status, location).await;
    }
    Ok(response.map_into_left_body())
}

/// Checks the token of a WebSocket's first-message `auth` with the app's token store.
struct StateAuthenticator(web::Data<AppState>);

impl WsAuthenticator for StateAuthenticator {
    fn authenticate(
        &self,
        token: String,
        peer: Option<IpAddr>,
    ) -> BoxFuture<'static, WsAuthOutcome> {
        let state = self.0.clone();
        Box::pin(async move {
            let auth = state.auth();
            if let Some(retry_after) = auth.blocked(peer) {
                return WsAuthOutcome::RateLimited { retry_after };
            }
            match verify(&state, &token).await {
                Ok(principal) => WsAuthOutcome::Accepted(WsPrincipal {
                    token_id: principal.token_id,
                }),
                Err(Refusal::Invalid) => {
                    auth.record_failure(peer);
                    tracing::info!(
                        peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
                        "websocket authentication failed: invalid token"
                    );
                    WsAuthOutcome::Refused(
                        "the token is not valid: malformed, unknown or revoked".to_owned(),
                    )
                }
                Err(Refusal::Unavailable(_)) => WsAuthOutcome::Refused(
                    "the server cannot check tokens right now; try again".to_owned(),
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_documented_shape() {
        let (new, secret) = new_token("t", Role::Viewer, "cli").unwrap();
        let text = secret.expose();
        assert_eq!(text.len(), TOKEN_PREFIX.len() + ID_CHARS + 1 + SECRET_CHARS);
        let (id, s) = parse_token(text).unwrap();
        assert_eq!(id, new.id);
        assert_eq!(hash_secret(s), new.secret_sha256);
        assert!(!format!("{secret:?} {new:?}").contains(s));
        let (_, other) = new_token("t", Role::Viewer, "cli").unwrap();
        assert_ne!(other.expose(), text, "two tokens are different");
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        let good = format!("dgn_{}_{}", "a".repeat(16), "b".repeat(SECRET_CHARS));
        assert!(parse_token(&good).is_some());
        for bad in [
            String::new(),
            "dgn_".to_owned(),
            good.replacen("dgn_", "xyz_", 1),
            good[..good.len() - 1].to_owned(),
            format!("{good}c"),
            good.replacen('a', "A", 1),
            good.replacen('b', "1", 1),
            format!("dgn_{}_{}", "a".repeat(15), "b".repeat(SECRET_CHARS)),
        ] {
            assert!(parse_token(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648_lowercase_without_padding() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(b"fo"), "mzxq");
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
    }

    #[test]
    fn the_policy() {
        use Access::{Public, Role as R};
        let cases = [
            ("GET", "/healthz", Public),
            ("GET", "/readyz", Public),
            ("GET", "/docs", Public),
            ("GET", "/docs/swagger-ui.css", Public),
            ("GET", "/api/v1/openapi.json", Public),
            ("GET", "/metrics", R(Role::Viewer)),
            ("GET", "/docsx", R(Role::Viewer)),
            ("GET", "/api/v1/campaigns", R(Role::Viewer)),
            ("POST", "/api/v1/campaigns", R(Role::Operator)),
            ("DELETE", "/api/v1/personas/{id}", R(Role::Operator)),
            ("POST", "/api/v1/generation/preview", R(Role::Operator)),
            ("GET", "/api/v1/tokens", R(Role::Admin)),
            ("DELETE", "/api/v1/tokens/abc", R(Role::Admin)),
            ("GET", "/api/v1/tokens/", R(Role::Admin)),
            ("GET", "/api/v1/audit", R(Role::Admin)),
            ("GET", "/api/v1/tokensx", R(Role::Viewer)),
            ("GET", "/api/v1/ws", R(Role::Viewer)),
        ];
        for (method, path, want) in cases {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(required_access(&method, path), want, "{method} {path}");
        }
        assert!(Role::Admin.includes(Role::Operator));
        assert!(Role::Operator.includes(Role::Viewer));
        assert!(!Role::Viewer.includes(Role::Operator));
        assert!(!Role::Operator.includes(Role::Admin));
    }

    #[test]
    fn failures_are_limited_per_address() {
        let auth = Auth::new(AuthSettings {
            failures_per_minute: 3,
            ..AuthSettings::default()
        });
        let a: Option<IpAddr> = "10.0.0.1".parse().ok();
        let b: Option<IpAddr> = "10.0.0.2".parse().ok();
        for _ in 0..2 {
            auth.record_failure(a);
        }
        assert!(auth.blocked(a).is_none());
        auth.record_failure(a);
        let retry = auth.blocked(a).unwrap();
        assert!(
            retry <= WINDOW && retry > Duration::from_secs(50),
            "{retry:?}"
        );
        assert!(auth.blocked(b).is_none());
        // IPv6 addresses count per /64.
        let c: Option<IpAddr> = "2001:db8:1:2::1".parse().ok();
        let d: Option<IpAddr> = "2001:db8:1:2:ffff::9".parse().ok();
        for _ in 0..3 {
            auth.record_failure(c);
        }
        assert!(auth.blocked(d).is_some());
        assert!(auth.blocked("2001:db8:1:3::1".parse().ok()).is_none());
    }
}
