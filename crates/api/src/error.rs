//! The one error type at the HTTP edge: `application/problem+json` bodies carrying a stable,
//! machine-readable [`ErrorCode`]. Every error the API returns is built here, so the mapping
//! from codes to HTTP statuses lives in one place.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use dragnet_domain::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

/// Stable machine-readable error codes. Clients switch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON, or does not have the expected shape.
    InvalidJson,
    /// The body or query parsed but a value is not acceptable; `errors` names the fields.
    ValidationFailed,
    /// A query parameter is missing or malformed.
    InvalidQuery,
    /// A path parameter (e.g. an id) is malformed.
    InvalidPath,
    /// The request's `Content-Type` is not one the endpoint accepts.
    UnsupportedMediaType,
    /// The body is larger than the endpoint's limit.
    PayloadTooLarge,
    /// No such resource.
    NotFound,
    /// No such route, or the method is not allowed on it.
    RouteNotFound,
    /// The action is not allowed in the campaign's current phase and status.
    InvalidTransition,
    /// The resource changed concurrently, or an `expectedStatus` precondition failed.
    Conflict,
    /// A stored object (persona, proxy, keyword set) cannot be deleted: campaign phases that
    /// may still run name it; `context.campaigns` lists them.
    InUse,
    /// The SSRF guard refuses the address a proxy test was asked to reach (loopback, private,
    /// link-local, ...) unless the server allows private addresses.
    TargetNotAllowed,
    /// Authentication is missing or invalid.
    Unauthorized,
    /// The token's role does not allow this.
    Forbidden,
    /// Too many requests.
    RateLimited,
    /// A dependency (the store) is unavailable; try again.
    ServiceUnavailable,
    /// An unexpected failure on the server's side; the log has the details.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is returned with.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidJson | ErrorCode::InvalidQuery | ErrorCode::InvalidPath => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::ValidationFailed | ErrorCode::TargetNotAllowed => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotFound | ErrorCode::RouteNotFound => StatusCode::NOT_FOUND,
            ErrorCode::InvalidTransition | ErrorCode::Conflict | ErrorCode::InUse => {
                StatusCode::CONFLICT
            }
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The snake_case id, also used in the problem `type` URI.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RouteNotFound => "route_not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InUse => "in_use",
            ErrorCode::TargetNotAllowed => "target_not_allowed",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// An RFC 9457 problem document, as returned with `Content-Type: application/problem+json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI identifying the problem type: `urn:dragnet:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a person.
    pub detail: String,
    /// The stable machine-readable code.
    pub code: ErrorCode,
    /// Field-level problems, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemField>)]
    pub errors: Vec<FieldError>,
    /// Extra machine-readable context (e.g. the current phase and allowed transitions of a
    /// refused transition).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

/// One field-level problem: the camelCase path of the field and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The camelCase path of the field, e.g. `configuration.dnsValidation.resolvers[1]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The API's error: a code, a detail sentence, and optional field errors and context.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    context: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with `code` and a detail sentence.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            context: None,
        }
    }

    /// A 422 listing the field errors of a validation.
    pub fn validation(errors: ValidationErrors) -> Self {
        let detail = format!("the request is not valid: {errors}");
        Self {
            code: ErrorCode::ValidationFailed,
            detail,
            errors: errors.into_errors(),
            context: None,
        }
    }

    /// A 404 naming what was not found.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, what)
    }

    /// A 500; the detail is logged, the client sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            ErrorCode::Internal,
            "an unexpected error occurred; the server log has the details",
        )
    }

    /// Attaches machine-readable context.
    #[must_use]
    pub fn with_context(mut self, context: serde_json::Value) -> Self {
        self.context = Some(context);
        self
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.code.status();
        Problem {
            type_uri: format!("urn:dragnet:problem:{}", self.code.as_str()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
            context: self.context.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header(ContentType(problem_mime()))
            .json(self.problem())
    }
}

/// `application/problem+json`.
pub fn problem_mime() -> mime::Mime {
    "application/problem+json"
        .parse()
        .unwrap_or(mime::APPLICATION_JSON)
}
