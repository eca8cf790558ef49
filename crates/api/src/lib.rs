//! Dragnet's HTTP API: actix-web handlers, request and response types, problem+json errors
//! and the OpenAPI document.
//!
//! Invariant: this is the only crate that knows HTTP status codes. Every error leaves as
//! `application/problem+json` with a stable `code`; no input produces a 5xx or a panic.
//! Handlers never run blocking store work on the executor: it goes through
//! [`state::db`], on actix's bounded blocking pool.
//!
//! Every request passes [`auth::authenticate`] first: bearer tokens with roles, one policy
//! ([`auth::required_access`]) from which the OpenAPI document's security is also built,
//! and the audit log of state-changing requests ([`audit`]).

pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod docs;
pub mod domains;
pub mod dto;
pub mod error;
pub mod extract;
pub mod leads;
pub mod metrics;
pub mod ops;
pub mod state;
pub mod tokens;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, middleware, web};
use utoipa::OpenApi as _;
use utoipa::ToSchema as _;
use utoipa_actix_web::AppExt as _;

pub use error::{ApiError, ErrorCode, Problem};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
pub use state::AppState;

/// The document's fixed parts; the paths are collected from the handlers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Dragnet API",
        description = "Domain campaigns: generation, DNS validation, HTTP keyword validation, \
                       content analysis and lead extraction. Errors are \
                       application/problem+json with a stable `code`.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    tags(
        (name = "campaigns", description = "Campaigns, their phases and transitions"),
        (name = "domains", description = "Import, list and export a campaign's domains"),
        (name = "generation", description = "The pattern generator"),
        (name = "personas", description = "Stored DNS and HTTP personas that phase \
                                           configurations name with `personaId`"),
        (name = "proxies", description = "Stored proxies (`httpKeywordValidation.proxyIds`), \
                                          with a connectivity test; passwords are never \
                                          returned"),
        (name = "leads", description = "The lead extraction phase's results: every domain \
                                        qualified or rejected for one reason, its contacts, \
                                        the funnel's summary and the CSV lead export"),
        (name = "keyword-sets", description = "Stored keyword rules that HTTP configurations \
                                               add with `keywordSetIds`"),
        (name = "tokens", description = "API tokens (admin only). Every route but `/healthz`, \
                                         `/readyz`, `/docs` and this document needs \
                                         `Authorization: Bearer <token>`; the role each \
                                         operation needs is its `x-required-role`"),
        (name = "audit", description = "The audit log of state-changing requests (admin \
                                        only)"),
        (name = "operations", description = "Health and readiness. Also served, outside this \
                                             document: `/metrics` (Prometheus text; a viewer \
                                             token unless `auth.metrics_public`) and `/docs` \
                                             (this page)."),
    ),
    components(schemas(
        ErrorCode,
        Problem,
        // The WebSocket protocol of `GET /api/v1/ws`, for TypeScript clients (OpenAPI has no
        // way to attach message schemas to a WebSocket route).
        dragnet_realtime::ServerMessage,
        dragnet_realtime::ClientMessage,
        dragnet_domain::progress::PhaseProgress,
        dragnet_realtime::ErrorCode,
    ))
)]
struct BaseDoc;

fn api_v1(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(campaigns::create_campaign)
        .service(campaigns::list_campaigns)
        .service(campaigns::get_campaign)
        .service(campaigns::update_campaign)
        .service(campaigns::delete_campaign)
        .service(campaigns::get_phases)
        .service(campaigns::transition)
        .service(campaigns::start)
        .service(campaigns::pause)
        .service(campaigns::resume)
        .service(campaigns::cancel)
        .service(campaigns::retry)
        .service(campaigns::rescore)
        .service(domains::list_domains)
        .service(domains::import_domains)
        .service(domains::export_domains)
        .service(domains::preview)
        .service(leads::list_leads)
        .service(leads::lead_summary)
        .service(leads::export_leads)
        .service(catalog::create_persona)
        .service(catalog::list_personas)
        .service(catalog::get_persona)
        .service(catalog::update_persona)
        .service(catalog::delete_persona)
        .service(catalog::create_proxy)
        .service(catalog::list_proxies)
        .service(catalog::get_proxy)
        .service(catalog::update_proxy)
        .service(catalog::delete_proxy)
        .service(catalog::test_proxy)
        .service(catalog::create_keyword_set)
        .service(catalog::list_keyword_sets)
        .service(catalog::get_keyword_set)
        .service(catalog::update_keyword_set)
        .service(catalog::delete_keyword_set)
        .service(tokens::list_tokens)
        .service(tokens::create_token)
        .service(tokens::get_token)
        .service(tokens::revoke_token)
        .service(audit::list_audit);
}

/// The application: every route, its state and error handlers, and the OpenAPI document
/// (served at `/api/v1/openapi.json`). `extra` lets the binary mount more routes (the
/// WebSocket) under `/api/v1`.
pub fn app(
    state: web::Data<AppState>,
    extra: impl FnOnce(&mut web::ServiceConfig) + 'static,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(BaseDoc::openapi())
        .app_data(state)
        .app_data(web::QueryConfig::default().error_handler(extract::query_error))
        .app_data(web::PathConfig::default().error_handler(extract::path_error))
        .app_data(web::JsonConfig::default().error_handler(extract::json_error))
        .service(ops::healthz)
        .service(ops::readyz)
        .map(|app| app.configure(metrics::configure).configure(docs::configure))
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(api_v1)
                .map(|scope| {
                    scope
                        .route(
                            "/openapi.json",
                            web::get().to(|doc: web::Data<utoipa::openapi::OpenApi>| async move {
                                HttpResponse::Ok().json(doc.get_ref())
                            }),
                        )
                        .configure(extra)
                }),
        )
        .split_for_parts();
    app.app_data(web::Data::new(finish(doc)))
        .wrap(middleware::from_fn(auth::authenticate))
        .wrap(middleware::from_fn(metrics::track_http))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::new(
                ErrorCode::RouteNotFound,
                "no such route; see /api/v1/openapi.json",
            ))
        }))
}

/// The OpenAPI document, built without starting a server (for `docs/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(BaseDoc::openapi())
        .service(ops::healthz)
        .service(ops::readyz)
        .service(utoipa_actix_web::scope("/api/v1").configure(api_v1))
        .split_for_parts();
    finish(doc)
}

/// TypeScript-friendly `operationId`s (utoipa defaults to the handler's name, e.g. `start`):
/// `openapi-typescript` keys `operations` by them, so they should read well in camelCase and
/// say what they act on. Handlers not listed get their name in camelCase.
const OPERATION_IDS: &[(&str, &str)] = &[
    ("get_phases", "getCampaignPhases"),
    ("transition", "transitionCampaign"),
    ("start", "startPhase"),
    ("pause", "pausePhase"),
    ("resume", "resumePhase"),
    ("cancel", "cancelPhase"),
    ("retry", "retryPhase"),
    ("rescore", "rescoreCampaign"),
    ("preview", "previewGeneration"),
];

/// Responses every `/api/v1` operation can give besides its own, added to each operation
/// that does not document the status already: (status, component name, description).
const SHARED_RESPONSES: &[(&str, &str, &str)] = &[
    (
        "500",
        "Internal",
        "An unexpected failure on the server's side (`internal`); the log has the details.",
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database is unavailable (`service_unavailable`); try again.",
    ),
];

/// Added to operations with path parameters that do not document a 400.
const INVALID_PATH: (&str, &str, &str) = (
    "400",
    "InvalidPath",
    "A path parameter is malformed, e.g. a non-numeric id (`invalid_path`).",
);

/// Added to every operation that needs a token.
const AUTH_RESPONSES: &[(&str, &str, &str)] = &[
    (
        "401",
        "Unauthorized",
        "No token, or one that is malformed, unknown or revoked (`unauthorized`); the answer \
         has `WWW-Authenticate: Bearer`.",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many failed authentications from this address within a minute (`rate_limited`); \
         `Retry-After` says when to try again.",
    ),
];

/// Added to operations that need more than the `viewer` role.
const FORBIDDEN: (&str, &str, &str) = (
    "403",
    "Forbidden",
    "The token's role does not allow this operation (`forbidden`).",
);

/// Added to operations whose body is a required JSON document (read by `ApiJson`, which
/// checks the media type and the size before parsing).
const JSON_BODY_RESPONSES: &[(&str, &str, &str)] = &[
    (
        "413",
        "PayloadTooLarge",
        "The body is larger than `limits.json_body_bytes` (`payload_too_large`).",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not sent as `application/json` (`unsupported_media_type`).",
    ),
];

/// The name of the bearer token security scheme.
pub const SECURITY_SCHEME: &str = "bearerAuth";

/// The last touches shared by the served document and [`openapi()`]: TypeScript-friendly
/// operation ids, and the error responses common to every operation (as shared
/// `components.responses`, all `application/problem+json`).
fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use actix_web::http::Method;
    use utoipa::openapi::extensions::ExtensionsBuilder;
    use utoipa::openapi::security::{
        HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};

    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("dgn_<id>_<secret>")
                .description(Some(
                    "An API token: `Authorization: Bearer dgn_…`. `dragnet serve` prints an \
                     admin token on its first start; `dragnet token create` and `POST \
                     /api/v1/tokens` make more. Roles: `viewer` reads, `operator` also changes \
                     campaigns and the catalog, `admin` also manages tokens and reads the \
                     audit log.",
                ))
                .build(),
        ),
    );
    for (_, name, description) in SHARED_RESPONSES
        .iter()
        .chain(AUTH_RESPONSES)
        .chain(JSON_BODY_RESPONSES)
        .chain([&INVALID_PATH, &FORBIDDEN])
    {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(Problem::name())))
            .build();
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(PROBLEM_JSON, content)
                    .build(),
            ),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        let has_path_params = path.contains('{');
        for (method, op) in [
            (Method::GET, &mut item.get),
            (Method::PUT, &mut item.put),
            (Method::POST, &mut item.post),
            (Method::DELETE, &mut item.delete),
            (Method::OPTIONS, &mut item.options),
            (Method::HEAD, &mut item.head),
            (Method::PATCH, &mut item.patch),
            (Method::TRACE, &mut item.trace),
        ] {
            let Some(op) = op else { continue };
            // Security from the one role policy.
            let mut auth_responses: Vec<&(&str, &str, &str)> = Vec::new();
            match auth::required_access(&method, path) {
                auth::Access::Public => op.security = Some(Vec::new()),
                auth::Access::Role(role) => {
                    op.security = Some(vec![SecurityRequirement::new(
                        SECURITY_SCHEME,
                        Vec::<String>::new(),
                    )]);
                    op.extensions = Some(
                        ExtensionsBuilder::new()
                            .add("x-required-role", role.as_str())
                            .build(),
                    );
                    auth_responses.extend(AUTH_RESPONSES);
                    if role != dragnet_domain::Role::Viewer {
                        auth_responses.push(&FORBIDDEN);
                    }
                }
            }
            if let Some(id) = op.operation_id.as_mut() {
                *id = OPERATION_IDS
                    .iter()
                    .find(|(from, _)| from == id)
                    .map_or_else(|| camel_case(id), |(_, to)| (*to).to_owned());
            }
            let mut shared: Vec<&(&str, &str, &str)> = auth_responses;
            if has_path_params {
                shared.push(&INVALID_PATH);
            }
            if op.request_body.as_ref().is_some_and(|body| {
                body.required == Some(Required::True)
                    && body.content.contains_key("application/json")
            }) {
                shared.extend(JSON_BODY_RESPONSES);
            }
            if api {
                shared.extend(SHARED_RESPONSES);
            }
            for (status, name, _) in shared {
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
            }
        }
    }
    doc
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The document as committed in `docs/openapi.json`: pretty JSON (object keys in a stable
/// order) with a trailing newline. `cargo xtask gen-openapi` writes it.
pub fn openapi_json() -> String {
    let mut json = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
