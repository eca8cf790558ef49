//! The catalog endpoints: stored DNS and HTTP personas (`/personas`), proxies (`/proxies`,
//! with a real connectivity test) and keyword sets (`/keyword-sets`), plus the referential
//! checks of campaign configurations that name them.
//!
//! Every object is validated by the domain crate (`dragnet_domain::catalog`) with errors that
//! name the field (`settings.resolvers[1]`, `rules[0].pattern`, `password`). `PUT` replaces
//! the whole object; an optional `expectedVersion` makes it a compare-and-set (409
//! `conflict`). `DELETE` of an object that a campaign phase which may still run names is
//! refused with 409 `in_use`, listing the campaigns in `context.campaigns`.
//!
//! Proxy passwords are stored (the engine needs them) and never returned: responses carry
//! `username` and `hasPassword`. In a `PUT`, an absent `password` keeps the stored one (as long
//! as a `username` is given), `null` removes it, a string replaces it.

use std::time::Duration;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use dragnet_domain::catalog::{
    DnsPersona, DnsPersonaInput, HttpPersona, HttpPersonaInput, KeywordSet, KeywordSetInput,
    Persona, PersonaKind, Proxy, ProxyInput, ProxyProtocol, parse_proxy_host,
};
use dragnet_domain::config::dns::DnsResolverSettings;
use dragnet_domain::config::http::{HttpRequestSettings, KeywordRuleInput};
use dragnet_domain::config::{CampaignConfiguration, StoredId};
use dragnet_domain::{FieldError, ValidationErrors};
use dragnet_probe::proxy::{self as engine_proxy, ProxyEndpoint, ProxyError};
use dragnet_store::{
    CatalogCursor, CatalogUse, StoreError, StoredKeywordSet, StoredPersona, StoredProxy,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Default page size of the catalog lists.
pub const DEFAULT_PAGE: usize = 50;
/// Largest page size of the catalog lists.
pub const MAX_PAGE: usize = 200;
/// Default time for a proxy test, in milliseconds.
pub const DEFAULT_TEST_TIMEOUT_MS: u32 = 10_000;
/// Shortest accepted proxy test `timeoutMs`.
pub const MIN_TEST_TIMEOUT_MS: u32 = 100;
/// Longest accepted proxy test `timeoutMs`.
pub const MAX_TEST_TIMEOUT_MS: u32 = 60_000;

// ---------------------------------------------------------------------------------------
// Request and response bodies.

/// A persona's settings, by kind: the resolver settings of a `dns` persona or the request
/// settings of an `http` persona (the same shapes and rules as inline in a phase
/// configuration).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PersonaSettings {
    /// The settings of a `dns` persona.
    Dns(DnsResolverSettings),
    /// The settings of an `http` persona.
    Http(HttpRequestSettings),
}

/// A stored persona.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonaDto {
    /// Its id (`per_…`), for `dnsValidation.personaId` or `httpKeywordValidation.personaId`.
    pub id: String,
    /// `dns` or `http`.
    pub kind: PersonaKind,
    /// Display name.
    pub name: String,
    /// The settings, every default written down.
    pub settings: PersonaSettings,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update; pass it as `expectedVersion` for a compare-and-set.
    pub version: i64,
}

impl From<&StoredPersona> for PersonaDto {
    fn from(p: &StoredPersona) -> Self {
        Self {
            id: p.id.to_string(),
            kind: p.persona.kind(),
            name: p.persona.name().to_owned(),
            settings: match &p.persona {
                Persona::Dns(d) => PersonaSettings::Dns(d.settings().clone()),
                Persona::Http(h) => PersonaSettings::Http(h.settings().clone()),
            },
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

/// `POST /personas`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonaRequest {
    /// `dns` or `http`; decides the shape of `settings`.
    pub kind: PersonaKind,
    /// Display name, 1–100 characters.
    pub name: String,
    /// `DnsResolverSettings` for `dns` (`resolvers` required), `HttpRequestSettings` for
    /// `http` (`{}` takes every default).
    #[schema(value_type = PersonaSettings)]
    pub settings: serde_json::Value,
}

/// `PUT /personas/{id}`: the whole persona. Its kind cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonaUpdate {
    /// The persona's kind, which must be the stored one.
    pub kind: PersonaKind,
    /// Display name, 1–100 characters.
    pub name: String,
    /// The new settings (see `PersonaRequest`).
    #[schema(value_type = PersonaSettings)]
    pub settings: serde_json::Value,
    /// Refuse with 409 `conflict` unless the persona is still at this version.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// One page of personas.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonaPage {
    /// The personas, newest first.
    pub items: Vec<PersonaDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /personas`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonaListQuery {
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// Only personas of this kind.
    pub kind: Option<PersonaKind>,
}

/// Query of `GET /proxies` and `GET /keyword-sets`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogListQuery {
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// A stored proxy. The password is never returned.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyDto {
    /// Its id (`prx_…`), for `httpKeywordValidation.proxyIds`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `http`, `https` or `socks5`.
    pub protocol: ProxyProtocol,
    /// Host name (lowercase) or IP address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// The username, when credentials are set.
    pub username: Option<String>,
    /// Whether a password is stored (it is never returned).
    pub has_password: bool,
    /// `https` proxies: whether any certificate of the proxy is accepted.
    pub accept_invalid_certificates: bool,
    /// Whether campaigns use the proxy.
    pub enabled: bool,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update; pass it as `expectedVersion` for a compare-and-set.
    pub version: i64,
}

impl From<&StoredProxy> for ProxyDto {
    fn from(p: &StoredProxy) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.proxy.name().to_owned(),
            protocol: p.proxy.protocol(),
            host: p.proxy.host().to_owned(),
            port: p.proxy.port(),
            username: p.proxy.username().map(str::to_owned),
            has_password: p.proxy.password().is_some(),
            accept_invalid_certificates: p.proxy.accept_invalid_certificates(),
            enabled: p.proxy.enabled(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

/// `POST /proxies`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyRequest {
    /// Display name, 1–100 characters.
    pub name: String,
    /// `http` (CONNECT over TCP), `https` (CONNECT inside TLS to the proxy) or `socks5`.
    pub protocol: ProxyProtocol,
    /// Host name or IP address (IPv6 with or without brackets); no port, no credentials.
    pub host: String,
    /// Port, 1–65535.
    pub port: u16,
    /// Username, 1–255 bytes, no control characters (no `:` for `http`/`https`); given
    /// together with `password`.
    #[serde(default)]
    pub username: Option<String>,
    /// Password, 1–255 bytes, no control characters; given together with `username`. Stored
    /// for the engine, never returned.
    #[serde(default)]
    pub password: Option<String>,
    /// `https` only: accept any certificate of the proxy (default false).
    #[serde(default)]
    pub accept_invalid_certificates: Option<bool>,
    /// Whether campaigns use the proxy (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `PUT /proxies/{id}`: the whole proxy. `password` absent keeps the stored one (when a
/// `username` is given), `null` removes it, a string replaces it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyUpdate {
    /// Display name, 1–100 characters.
    pub name: String,
    /// `http`, `https` or `socks5`.
    pub protocol: ProxyProtocol,
    /// Host name or IP address.
    pub host: String,
    /// Port, 1–65535.
    pub port: u16,
    /// Username; without it the proxy has no credentials (and a stored password is removed).
    #[serde(default)]
    pub username: Option<String>,
    /// Absent: keep the stored password; `null`: remove it; a string: replace it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub password: Option<Option<String>>,
    /// `https` only: accept any certificate of the proxy (default false).
    #[serde(default)]
    pub accept_invalid_certificates: Option<bool>,
    /// Whether campaigns use the proxy (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Refuse with 409 `conflict` unless the proxy is still at this version.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// Tells a field that is present (`Some(value)`, `Some(None)` for `null`) from one that is
/// absent (`None`, through `#[serde(default)]`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// One page of proxies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyPage {
    /// The proxies, newest first.
    pub items: Vec<ProxyDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /proxies/{id}/test`: where to open a tunnel to through the proxy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyTestRequest {
    /// The target's host name or IP address. A name is resolved by this server; every
    /// address goes through the SSRF guard before anything is sent to the proxy.
    pub target_host: String,
    /// The target's port, 1–65535.
    pub target_port: u16,
    /// Time for the whole test, 100–60000 ms (default 10000).
    #[serde(default)]
    pub timeout_ms: Option<u32>,
}

/// The outcome of a proxy test. A proxy that fails the test is still a successful request:
/// `ok` is false and `error` says why.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyTestResult {
    /// Whether a tunnel to the target was opened through the proxy.
    pub ok: bool,
    /// The target: `host:port`, with the address used when a name was resolved.
    pub target: String,
    /// Milliseconds until the connection to the proxy was up (TCP, and TLS for `https`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// Milliseconds until the tunnel to the target was open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_ms: Option<u64>,
    /// Why the test failed (never contains the password).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// On failure: whether the proxy itself is at fault (unreachable, TLS, credentials, bad
    /// replies) rather than the target (the proxy could not reach it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_fault: Option<bool>,
}

/// A stored keyword set.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordSetDto {
    /// Its id (`kws_…`), for `httpKeywordValidation.keywordSetIds`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// The rules, every field written down.
    pub rules: Vec<KeywordRuleInput>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented by every update; pass it as `expectedVersion` for a compare-and-set.
    pub version: i64,
}

impl From<&StoredKeywordSet> for KeywordSetDto {
    fn from(s: &StoredKeywordSet) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name.clone(),
            description: s.description.clone(),
            rules: s.rules.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

/// `POST /keyword-sets`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeywordSetRequest {
    /// Display name, 1–100 characters.
    pub name: String,
    /// Description, at most 1000 characters (line breaks allowed).
    #[serde(default)]
    pub description: Option<String>,
    /// The rules, 1–1000, no duplicates; the same limits as inline `keywordRules` (one regex
    /// budget for the whole set).
    pub rules: Vec<KeywordRuleInput>,
}

/// `PUT /keyword-sets/{id}`: the whole keyword set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeywordSetUpdate {
    /// Display name, 1–100 characters.
    pub name: String,
    /// Description, at most 1000 characters (line breaks allowed).
    #[serde(default)]
    pub description: Option<String>,
    /// The rules (see `KeywordSetRequest`).
    pub rules: Vec<KeywordRuleInput>,
    /// Refuse with 409 `conflict` unless the keyword set is still at this version.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// One page of keyword sets.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordSetPage {
    /// The keyword sets, newest first.
    pub items: Vec<KeywordSetDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// The problem for a catalog error of the store (not found, version conflict, kind change,
/// in use); called by `From<StoreError> for ApiError`, which maps the other variants.
pub(crate) fn catalog_problem(e: StoreError) -> ApiError {
    let detail = e.to_string();
    match e {
        StoreError::CatalogNotFound { .. } => ApiError::not_found(detail),
        StoreError::CatalogConflict {
            expected, actual, ..
        } => ApiError::new(ErrorCode::Conflict, detail).with_context(serde_json::json!({
            "expectedVersion": expected,
            "version": actual,
        })),
        StoreError::KindChange { .. } => {
            ApiError::validation(ValidationErrors::single("kind", detail))
        }
        StoreError::InUse { uses, .. } => ApiError::new(ErrorCode::InUse, detail)
            .with_context(serde_json::json!({ "campaigns": uses_json(&uses) })),
        other => ApiError::from(other),
    }
}

fn uses_json(uses: &[CatalogUse]) -> serde_json::Value {
    uses.iter()
        .map(|u| {
            serde_json::json!({
                "campaignId": u.campaign_id.0,
                "campaignName": u.campaign_name,
                "phase": u.phase,
                "phaseStatus": u.status,
            })
        })
        .collect()
}

/// Parses an id from the path; an id that cannot exist is a 400 `invalid_path`.
fn path_id(id: &str) -> Result<StoredId, ApiError> {
    StoredId::parse(id).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidPath,
            format!("invalid path parameter: {}", FieldError::within(e, "id")),
        )
    })
}

/// The page size of a list query.
fn page_size(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n @ 1..=MAX_PAGE) => Ok(n),
        Some(n) => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit must be between 1 and {MAX_PAGE}, got {n}"),
        )),
    }
}

/// The cursor of a list query.
fn page_cursor(cursor: Option<&str>) -> Result<Option<CatalogCursor>, ApiError> {
    cursor
        .map(|c| {
            CatalogCursor::parse(c).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidQuery,
                    format!("cursor `{c}` is not a cursor from this API"),
                )
            })
        })
        .transpose()
}

/// Deserialises one member of an already-parsed body, naming the path of a bad field as
/// [`crate::extract::parse_json`] does (`settings.timeoutMs`).
fn member<T: DeserializeOwned>(field: &str, value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." || path.is_empty() {
            field.to_owned()
        } else if path.starts_with('[') {
            format!("{field}{path}")
        } else {
            format!("{field}.{path}")
        };
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("invalid JSON body at `{at}`: {}", e.into_inner()),
        )
    })
}

/// Validates a persona of `kind` from its name and JSON settings.
fn persona(
    kind: PersonaKind,
    name: String,
    settings: serde_json::Value,
) -> Result<Persona, ApiError> {
    match kind {
        PersonaKind::Dns => {
            let settings = member("settings", settings)?;
            DnsPersona::try_from(DnsPersonaInput { name, settings })
                .map(Persona::Dns)
                .map_err(ApiError::validation)
        }
        PersonaKind::Http => {
            let settings = member("settings", settings)?;
            HttpPersona::try_from(HttpPersonaInput { name, settings })
                .map(Persona::Http)
                .map_err(ApiError::validation)
        }
    }
}

fn keyword_set(
    name: String,
    description: Option<String>,
    rules: Vec<KeywordRuleInput>,
) -> Result<KeywordSet, ApiError> {
    KeywordSet::try_from(KeywordSetInput {
        name,
        description,
        rules,
    })
    .map_err(ApiError::validation)
}

/// The engine's view of a stored proxy, labelled with its id.
/// Checks that every stored object `config` names exists, and that each persona has the
/// kind of the phase naming it. Errors name the field, e.g.
/// `configuration.httpKeywordValidation.keywordSetIds[1]`.
pub async fn check_references(
    state: &web::Data<AppState>,
    config: &CampaignConfiguration,
) -> Result<(), ApiError> {
    const DNS: &str = "configuration.dnsValidation";
    const HTTP: &str = "configuration.httpKeywordValidation";
    let mut personas: Vec<(String, StoredId, PersonaKind)> = Vec::new();
    if let Some(id) = config.dns_validation().and_then(|c| c.persona_id()) {
        personas.push((format!("{DNS}.personaId"), id.clone(), PersonaKind::Dns));
    }
    let http = config.http_keyword_validation();
    if let Some(id) = http.and_then(|c| c.persona_id()) {
        personas.push((format!("{HTTP}.personaId"), id.clone(), PersonaKind::Http));
    }
    let keyword_sets = http
        .map(|c| c.keyword_set_ids().to_vec())
        .unwrap_or_default();
    let proxies = http.map(|c| c.proxy_ids().to_vec()).unwrap_or_default();
    if personas.is_empty() && keyword_sets.is_empty() && proxies.is_empty() {
        return Ok(());
    }
    let persona_ids: Vec<StoredId> = personas.iter().map(|(_, id, _)| id.clone()).collect();
    let (sets, prx) = (keyword_sets.clone(), proxies.clone());
    let found = state
        .store
        .run(move |s| s.lookup_catalog(&persona_ids, &sets, &prx))
        .await?;
    let mut errors = Vec::new();
    for (field, id, wanted) in personas {
        match found.personas.get(&id) {
            None => errors.push(FieldError::new(field, format!("no persona `{id}` exists"))),
            Some(kind) if *kind != wanted => errors.push(FieldError::new(
                field,
                format!("persona `{id}` is a {kind} persona; this phase needs a {wanted} persona"),
            )),
            Some(_) => {}
        }
    }
    for (i, id) in keyword_sets.iter().enumerate() {
        if !found.keyword_sets.contains(id) {
            errors.push(FieldError::new(
                format!("{HTTP}.keywordSetIds[{i}]"),
                format!("no keyword set `{id}` exists"),
            ));
        }
    }
    for (i, id) in proxies.iter().enumerate() {
        if !found.proxies.contains(id) {
            errors.push(FieldError::new(
                format!("{HTTP}.proxyIds[{i}]"),
                format!("no proxy `{id}` exists"),
            ));
        }
    }
    ValidationErrors::check(errors).map_err(ApiError::validation)
}

// ---------------------------------------------------------------------------------------
// Personas.

/// Create a DNS or HTTP persona.
#[utoipa::path(
    tag = "personas",
    request_body = PersonaRequest,
    responses(
        (status = 201, description = "The persona was created.", body = PersonaDto),
        (status = 400, description = "Malformed JSON, or settings of the wrong shape for the kind.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid persona; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/personas")]
pub async fn create_persona(
    state: web::Data<AppState>,
    body: ApiJson<PersonaRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let persona = persona(body.kind, body.name, body.settings)?;
    let created = state.store.run(move |s| s.create_persona(&persona)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/personas/{}", created.id)))
        .json(PersonaDto::from(&created)))
}

/// List personas, newest first (keyset pages), optionally of one kind.
#[utoipa::path(
    tag = "personas",
    params(PersonaListQuery),
    responses(
        (status = 200, description = "One page of personas.", body = PersonaPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/personas")]
pub async fn list_personas(
    state: web::Data<AppState>,
    query: web::Query<PersonaListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_size(query.limit)?;
    let before = page_cursor(query.cursor.as_deref())?;
    let kind = query.kind;
    let page = state
        .store
        .run(move |s| s.list_personas(kind, before.as_ref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(PersonaPage {
        items: page.items.iter().map(PersonaDto::from).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

/// Read a persona.
#[utoipa::path(
    tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    responses(
        (status = 200, description = "The persona.", body = PersonaDto),
        (status = 404, description = "No such persona.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/personas/{id}")]
pub async fn get_persona(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let found = state.store.run(move |s| s.read_persona(&id)).await?;
    Ok(HttpResponse::Ok().json(PersonaDto::from(&found)))
}

/// Replace a persona (its kind cannot change).
#[utoipa::path(
    tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    request_body = PersonaUpdate,
    responses(
        (status = 200, description = "The updated persona.", body = PersonaDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such persona.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`expectedVersion` is not the current version (`conflict`).", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid persona, or another kind; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/personas/{id}")]
pub async fn update_persona(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<PersonaUpdate>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let body = body.0;
    let persona = persona(body.kind, body.name, body.settings)?;
    let expected = body.expected_version;
    let updated = state
        .store
        .run(move |s| s.update_persona(&id, &persona, expected))
        .await?;
    Ok(HttpResponse::Ok().json(PersonaDto::from(&updated)))
}

/// Delete a persona no campaign phase that may still run names.
#[utoipa::path(
    tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such persona.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign phases that may still run name it (`in_use`); `context.campaigns` lists them.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/personas/{id}")]
pub async fn delete_persona(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    state.store.run(move |s| s.delete_persona(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------
// Proxies.

/// Create a proxy.
#[utoipa::path(
    tag = "proxies",
    request_body = ProxyRequest,
    responses(
        (status = 201, description = "The proxy was created (the password is not returned).", body = ProxyDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid proxy; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/proxies")]
pub async fn create_proxy(
    state: web::Data<AppState>,
    body: ApiJson<ProxyRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let proxy = Proxy::try_from(ProxyInput {
        name: b.name,
        protocol: b.protocol,
        host: b.host,
        port: b.port,
        username: b.username,
        password: b.password,
        accept_invalid_certificates: b.accept_invalid_certificates,
        enabled: b.enabled,
    })
    .map_err(ApiError::validation)?;
    let created = state.store.run(move |s| s.create_proxy(&proxy)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/proxies/{}", created.id)))
        .json(ProxyDto::from(&created)))
}

/// List proxies, newest first (keyset pages).
#[utoipa::path(
    tag = "proxies",
    params(CatalogListQuery),
    responses(
        (status = 200, description = "One page of proxies.", body = ProxyPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/proxies")]
pub async fn list_proxies(
    state: web::Data<AppState>,
    query: web::Query<CatalogListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_size(query.limit)?;
    let before = page_cursor(query.cursor.as_deref())?;
    let page = state
        .store
        .run(move |s| s.list_proxies(before.as_ref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(ProxyPage {
        items: page.items.iter().map(ProxyDto::from).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

/// Read a proxy (without its password).
#[utoipa::path(
    tag = "proxies",
    params(("id" = String, Path, description = "Proxy id")),
    responses(
        (status = 200, description = "The proxy.", body = ProxyDto),
        (status = 404, description = "No such proxy.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/proxies/{id}")]
pub async fn get_proxy(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let found = state.store.run(move |s| s.read_proxy(&id)).await?;
    Ok(HttpResponse::Ok().json(ProxyDto::from(&found)))
}

/// Replace a proxy; an absent `password` keeps the stored one.
#[utoipa::path(
    tag = "proxies",
    params(("id" = String, Path, description = "Proxy id")),
    request_body = ProxyUpdate,
    responses(
        (status = 200, description = "The updated proxy.", body = ProxyDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proxy.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`expectedVersion` is not the current version, or the proxy changed while the stored password was kept (`conflict`).", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid proxy; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/proxies/{id}")]
pub async fn update_proxy(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<ProxyUpdate>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let b = body.0;
    // Keeping the stored password needs it: read it, and write with a compare-and-set on the
    // version read, so that a concurrent update is not silently mixed into this one.
    let (password, expected) = match b.password {
        Some(given) => (given, b.expected_version),
        None if b.username.is_none() => (None, b.expected_version),
        None => {
            let read = id.clone();
            let stored = state.store.run(move |s| s.read_proxy(&read)).await?;
            if let Some(expected) = b.expected_version
                && expected != stored.version
            {
                return Err(ApiError::from(StoreError::CatalogConflict {
                    kind: dragnet_store::CatalogKind::Proxy,
                    id,
                    expected,
                    actual: stored.version,
                }));
            }
            (
                stored.proxy.password().map(str::to_owned),
                Some(stored.version),
            )
        }
    };
    let proxy = Proxy::try_from(ProxyInput {
        name: b.name,
        protocol: b.protocol,
        host: b.host,
        port: b.port,
        username: b.username,
        password,
        accept_invalid_certificates: b.accept_invalid_certificates,
        enabled: b.enabled,
    })
    .map_err(ApiError::validation)?;
    let updated = state
        .store
        .run(move |s| s.update_proxy(&id, &proxy, expected))
        .await?;
    Ok(HttpResponse::Ok().json(ProxyDto::from(&updated)))
}

/// Delete a proxy no campaign phase that may still run names.
#[utoipa::path(
    tag = "proxies",
    params(("id" = String, Path, description = "Proxy id")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such proxy.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign phases that may still run name it (`in_use`); `context.campaigns` lists them.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/proxies/{id}")]
pub async fn delete_proxy(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    state.store.run(move |s| s.delete_proxy(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Test a proxy: open a real tunnel through it to a target the operator names.
#[utoipa::path(
    tag = "proxies",
    params(("id" = String, Path, description = "Proxy id")),
    request_body = ProxyTestRequest,
    responses(
        (status = 200, description = "The test ran: `ok` says whether the tunnel opened, `error` why not.", body = ProxyTestResult),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proxy.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid target or timeout (`validation_failed`), or a target the SSRF guard refuses (`target_not_allowed`); nothing was sent to the proxy.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/proxies/{id}/test")]
pub async fn test_proxy(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<ProxyTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let b = body.0;
    let mut errors = Vec::new();
    let host = parse_proxy_host(&b.target_host)
        .map_err(|message| errors.push(FieldError::new("targetHost", message)))
        .unwrap_or_default();
    if b.target_port == 0 {
        errors.push(FieldError::new(
            "targetPort",
            "must be between 1 and 65535 (got 0)",
        ));
    }
    let timeout_ms = b.timeout_ms.unwrap_or(DEFAULT_TEST_TIMEOUT_MS);
    if !(MIN_TEST_TIMEOUT_MS..=MAX_TEST_TIMEOUT_MS).contains(&timeout_ms) {
        errors.push(FieldError::new(
            "timeoutMs",
            format!(
                "must be between {MIN_TEST_TIMEOUT_MS} and {MAX_TEST_TIMEOUT_MS} (got {timeout_ms})"
            ),
        ));
    }
    ValidationErrors::check(errors).map_err(ApiError::validation)?;
    let read = id.clone();
    let stored = state.store.run(move |s| s.read_proxy(&read)).await?;
    let endpoint = ProxyEndpoint::stored(&id, &stored.proxy);
    let outcome = engine_proxy::check_proxy(
        &endpoint,
        &host,
        b.target_port,
        Duration::from_millis(u64::from(timeout_ms)),
        state.address_guard(),
    )
    .await;
    let target = if host.contains(':') {
        format!("[{host}]:{}", b.target_port)
    } else {
        format!("{host}:{}", b.target_port)
    };
    let result = match outcome {
        Ok(check) => ProxyTestResult {
            ok: true,
            target: check.target,
            connect_ms: Some(check.connect_ms),
            tunnel_ms: Some(check.tunnel_ms),
            error: None,
            proxy_fault: None,
        },
        Err(ProxyError::Blocked { reason, .. }) => {
            return Err(ApiError::new(
                ErrorCode::TargetNotAllowed,
                format!(
                    "the target {target} is not allowed: {reason}; the server refuses \
                     non-public addresses unless allow_private_addresses is set"
                ),
            ));
        }
        Err(e) => ProxyTestResult {
            ok: false,
            target,
            connect_ms: None,
            tunnel_ms: None,
            proxy_fault: Some(e.is_proxy_fault()),
            error: Some(e.to_string()),
        },
    };
    tracing::info!(proxy = %id, ok = result.ok, target = %result.target, "proxy tested");
    Ok(HttpResponse::Ok().json(result))
}

// ---------------------------------------------------------------------------------------
// Keyword sets.

/// Create a keyword set.
#[utoipa::path(
    tag = "keyword-sets",
    request_body = KeywordSetRequest,
    responses(
        (status = 201, description = "The keyword set was created.", body = KeywordSetDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid keyword set; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/keyword-sets")]
pub async fn create_keyword_set(
    state: web::Data<AppState>,
    body: ApiJson<KeywordSetRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let set = keyword_set(b.name, b.description, b.rules)?;
    let created = state.store.run(move |s| s.create_keyword_set(&set)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/keyword-sets/{}", created.id)))
        .json(KeywordSetDto::from(&created)))
}

/// List keyword sets, newest first (keyset pages).
#[utoipa::path(
    tag = "keyword-sets",
    params(CatalogListQuery),
    responses(
        (status = 200, description = "One page of keyword sets.", body = KeywordSetPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/keyword-sets")]
pub async fn list_keyword_sets(
    state: web::Data<AppState>,
    query: web::Query<CatalogListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_size(query.limit)?;
    let before = page_cursor(query.cursor.as_deref())?;
    let page = state
        .store
        .run(move |s| s.list_keyword_sets(before.as_ref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(KeywordSetPage {
        items: page.items.iter().map(KeywordSetDto::from).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

/// Read a keyword set.
#[utoipa::path(
    tag = "keyword-sets",
    params(("id" = String, Path, description = "Keyword set id")),
    responses(
        (status = 200, description = "The keyword set.", body = KeywordSetDto),
        (status = 404, description = "No such keyword set.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/keyword-sets/{id}")]
pub async fn get_keyword_set(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let found = state.store.run(move |s| s.read_keyword_set(&id)).await?;
    Ok(HttpResponse::Ok().json(KeywordSetDto::from(&found)))
}

/// Replace a keyword set.
#[utoipa::path(
    tag = "keyword-sets",
    params(("id" = String, Path, description = "Keyword set id")),
    request_body = KeywordSetUpdate,
    responses(
        (status = 200, description = "The updated keyword set.", body = KeywordSetDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such keyword set.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`expectedVersion` is not the current version (`conflict`).", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid keyword set; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/keyword-sets/{id}")]
pub async fn update_keyword_set(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<KeywordSetUpdate>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let b = body.0;
    let set = keyword_set(b.name, b.description, b.rules)?;
    let expected = b.expected_version;
    let updated = state
        .store
        .run(move |s| s.update_keyword_set(&id, &set, expected))
        .await?;
    Ok(HttpResponse::Ok().json(KeywordSetDto::from(&updated)))
}

/// Delete a keyword set no campaign phase that may still run names.
#[utoipa::path(
    tag = "keyword-sets",
    params(("id" = String, Path, description = "Keyword set id")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such keyword set.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign phases that may still run name it (`in_use`); `context.campaigns` lists them.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/keyword-sets/{id}")]
pub async fn delete_keyword_set(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    state.store.run(move |s| s.delete_keyword_set(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use dragnet_engine::{Engine, EngineSettings};
    use dragnet_probe::guard::AddressGuard;
    use dragnet_realtime::{Hub, RealtimeSettings};
    use dragnet_store::{Store, StoreOptions};
    use serde_json::{Value, json};

    use super::*;

    /// `Basic` credentials for `alice:s3cret`.
    const ALICE: &str = "Basic YWxpY2U6czNjcmV0";

    fn state(dir: &tempfile::TempDir, guard: Option<AddressGuard>) -> web::Data<AppState> {
        let url = dir.path().join("catalog.db");
        let store = Store::open(
            url.to_str().expect("utf-8 path"),
            StoreOptions {
                max_connections: 2,
                ..StoreOptions::default()
            },
        )
        .expect("open the store");
        let hub = Hub::new(RealtimeSettings::default());
        let engine = Engine::new(store, Arc::new(hub), EngineSettings::default());
        let state = AppState::new(engine).without_auth();
        web::Data::new(match guard {
            Some(guard) => state.with_address_guard(guard),
            None => state,
        })
    }

    /// A CONNECT proxy on 127.0.0.1 that wants `alice:s3cret`, on plain threads: it answers
    /// 407 to other credentials, 502 when the target refuses, and 200 once connected to it.
    /// Returns its port and the number of tunnels it opened.
    fn connect_proxy() -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let tunnels = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&tunnels);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { continue };
                let mut head = Vec::new();
                let mut buf = [0_u8; 512];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let authorized = head
                    .lines()
                    .any(|l| l.eq_ignore_ascii_case(&format!("proxy-authorization: {ALICE}")));
                let target = head
                    .strip_prefix("CONNECT ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or("")
                    .to_owned();
                let reply = if !authorized {
                    "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"
                } else if TcpStream::connect(&target).is_ok() {
                    count.fetch_add(1, Ordering::SeqCst);
                    "HTTP/1.1 200 Connection established\r\n\r\n"
                } else {
                    "HTTP/1.1 502 Bad Gateway\r\n\r\n"
                };
                let _ = client.write_all(reply.as_bytes());
            }
        });
        (port, tunnels)
    }

    /// A listener that accepts and forgets connections; returns its port.
    fn target() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || for _ in listener.incoming() {});
        port
    }

    fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }

    /// Sends `method uri` with a JSON body to `app`; returns the status and the JSON answer,
    /// and checks that no password is in it.
    macro_rules! call {
        ($app:expr, $method:expr, $uri:expr, $body:expr $(,)?) => {{
            let request = match $method {
                "PUT" => actix_test::TestRequest::put(),
                _ => actix_test::TestRequest::post(),
            };
            let res =
                actix_test::call_service($app, request.uri(&$uri).set_json($body).to_request())
                    .await;
            let status = res.status();
            let bytes = actix_test::read_body(res).await;
            let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
            assert!(!text.contains("s3cret"), "a password leaked: {text}");
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            (status, value)
        }};
    }

    #[actix_web::test]
    async fn proxy_tests_open_real_tunnels_and_report_failures() {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = actix_test::init_service(crate::app(
            state(&dir, Some(AddressGuard::new(true, Vec::new()))),
            |_| {},
        ))
        .await;
        let (proxy_port, tunnels) = connect_proxy();
        let target_port = target();
        let proxy = |password: Value| {
            json!({
                "name": "local", "protocol": "http", "host": "127.0.0.1", "port": proxy_port,
                "username": "alice", "password": password
            })
        };
        let (status, created) = call!(&app, "POST", "/api/v1/proxies", proxy(json!("s3cret")));
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let test_uri = format!("/api/v1/proxies/{id}/test");
        let to = |port: u16| json!({"targetHost": "127.0.0.1", "targetPort": port});

        let (status, ok) = call!(&app, "POST", &test_uri, to(target_port));
        assert_eq!(status, StatusCode::OK, "{ok}");
        assert_eq!(ok["ok"], true, "{ok}");
        assert_eq!(ok["target"], format!("127.0.0.1:{target_port}"));
        assert!(ok["tunnelMs"].as_u64().is_some(), "{ok}");
        assert_eq!(tunnels.load(Ordering::SeqCst), 1);

        // A PUT without the password keeps it: the next test still authenticates.
        let mut keep = proxy(Value::Null);
        keep.as_object_mut().expect("object").remove("password");
        let (status, kept) = call!(&app, "PUT", &format!("/api/v1/proxies/{id}"), keep);
        assert_eq!(status, StatusCode::OK, "{kept}");
        assert_eq!(kept["hasPassword"], true);
        let (_, ok) = call!(&app, "POST", &test_uri, to(target_port));
        assert_eq!(ok["ok"], true, "{ok}");
        assert_eq!(tunnels.load(Ordering::SeqCst), 2);

        // The target refuses: the proxy worked, so it is not its fault.
        let (status, refused) = call!(&app, "POST", &test_uri, to(closed_port()));
        assert_eq!(status, StatusCode::OK, "{refused}");
        assert_eq!(refused["ok"], false, "{refused}");
        assert_eq!(refused["proxyFault"], false, "{refused}");
        assert!(refused.get("tunnelMs").is_none(), "{refused}");

        // Wrong credentials: the proxy's (configuration's) fault, in words.
        let (status, _) = call!(
            &app,
            "PUT",
            &format!("/api/v1/proxies/{id}"),
            proxy(json!("not-it")),
        );
        assert_eq!(status, StatusCode::OK);
        let (_, rejected) = call!(&app, "POST", &test_uri, to(target_port));
        assert_eq!(rejected["ok"], false, "{rejected}");
        assert_eq!(rejected["proxyFault"], true, "{rejected}");
        assert!(
            rejected["error"]
                .as_str()
                .is_some_and(|e| e.contains(&id) && e.contains("rejected the credentials")),
            "{rejected}"
        );
        assert!(!rejected.to_string().contains("not-it"), "{rejected}");
        assert_eq!(tunnels.load(Ordering::SeqCst), 2);
    }

    #[actix_web::test]
    async fn the_guard_refuses_private_targets_before_contacting_the_proxy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = actix_test::init_service(crate::app(state(&dir, None), |_| {})).await;
        let (proxy_port, tunnels) = connect_proxy();
        let (status, created) = call!(
            &app,
            "POST",
            "/api/v1/proxies",
            json!({"name": "p", "protocol": "http", "host": "127.0.0.1", "port": proxy_port}),
        );
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let uri = format!(
            "/api/v1/proxies/{}/test",
            created["id"].as_str().expect("id")
        );
        for host in ["127.0.0.1", "10.1.2.3", "[::1]", "169.254.169.254"] {
            let (status, problem) = call!(
                &app,
                "POST",
                &uri,
                json!({"targetHost": host, "targetPort": 80}),
            );
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert_eq!(problem["code"], "target_not_allowed", "{problem}");
        }
        assert_eq!(tunnels.load(Ordering::SeqCst), 0);
        let (status, problem) = call!(
            &app,
            "POST",
            &uri,
            json!({"targetHost": "a b", "targetPort": 80, "timeoutMs": 60001}),
        );
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, ["targetHost", "timeoutMs"]);
    }

    #[test]
    fn catalog_errors_map_to_codes() {
        let id = StoredId::parse("per_x").expect("id");
        let cases = [
            (
                StoreError::CatalogNotFound {
                    kind: dragnet_store::CatalogKind::Persona,
                    id: id.clone(),
                },
                ErrorCode::NotFound,
            ),
            (
                StoreError::CatalogConflict {
                    kind: dragnet_store::CatalogKind::Persona,
                    id: id.clone(),
                    expected: 1,
                    actual: 2,
                },
                ErrorCode::Conflict,
            ),
            (
                StoreError::KindChange {
                    id: id.clone(),
                    stored: PersonaKind::Dns,
                    requested: PersonaKind::Http,
                },
                ErrorCode::ValidationFailed,
            ),
            (
                StoreError::InUse {
                    kind: dragnet_store::CatalogKind::Persona,
                    id,
                    uses: Vec::new(),
                },
                ErrorCode::InUse,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(ApiError::from(error).code(), code);
        }
        assert_eq!(ErrorCode::InUse.status(), StatusCode::CONFLICT);
        assert_eq!(
            ErrorCode::TargetNotAllowed.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn member_errors_name_the_path_inside_the_member() {
        let e = member::<HttpRequestSettingsInputProbe>("settings", json!({"timeoutMs": "x"}))
            .expect_err("a string is not a number");
        assert!(
            e.problem().detail.contains("`settings.timeoutMs`"),
            "{}",
            e.problem().detail
        );
        let e = member::<HttpRequestSettingsInputProbe>("settings", json!("text"))
            .expect_err("not an object");
        assert!(
            e.problem().detail.contains("`settings`"),
            "{}",
            e.problem().detail
        );
    }

    /// A stand-in with the shape of the HTTP settings input.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct HttpRequestSettingsInputProbe {
        timeout_ms: Option<u32>,
    }
}
