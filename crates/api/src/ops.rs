//! Operational endpoints: liveness, readiness and the OpenAPI document.

use actix_web::{HttpResponse, get, web};

use crate::dto::{Health, HealthStatus};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;

/// Liveness: the process is up and serving requests.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: HealthStatus::Ok,
    })
}

/// Readiness: the store answers.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The store is reachable.", body = Health),
        (status = 503, description = "The store is not reachable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.run(|s| s.ping()).await.map_err(|e| {
        let e = ApiError::from(e);
        ApiError::new(
            ErrorCode::ServiceUnavailable,
            format!("store not ready: {}", e.problem().detail),
        )
    })?;
    Ok(HttpResponse::Ok().json(Health {
        status: HealthStatus::Ok,
    }))
}
