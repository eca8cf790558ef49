//! Dragnet's HTTP API: actix-web handlers, request and response types, problem+json errors
//! and the OpenAPI document.
//!
//! Invariant: this is the only crate that knows HTTP status codes.

use actix_web::{HttpResponse, web};

/// Registers every route of the API on an actix-web service config.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
}

/// Liveness: the process is up and serving requests.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}
