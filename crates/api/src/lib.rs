//! Dragnet's HTTP API: actix-web handlers, request and response types, problem+json errors
//! and the OpenAPI document.
//!
//! Invariant: this is the only crate that knows HTTP status codes. Every error leaves as
//! `application/problem+json` with a stable `code`; no input produces a 5xx or a panic.
//! Handlers never run blocking store work on the executor: it goes through
//! [`state::db`], on actix's bounded blocking pool.

pub mod campaigns;
pub mod domains;
pub mod dto;
pub mod error;
pub mod extract;
pub mod ops;
pub mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, web};
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt as _;

pub use error::{ApiError, ErrorCode, Problem};
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
        (name = "operations", description = "Health and readiness"),
    ),
    components(schemas(ErrorCode, Problem))
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
        .service(domains::list_domains)
        .service(domains::import_domains)
        .service(domains::export_domains)
        .service(domains::preview);
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
    app.app_data(web::Data::new(doc))
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
    doc
}
