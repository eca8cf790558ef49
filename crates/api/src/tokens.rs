//! Token management (admin only): `GET/POST /api/v1/tokens`, `GET/DELETE
//! /api/v1/tokens/{id}`. A token's secret is in the `POST` response and nowhere else; lists
//! show ids, names, roles and times. Revoking keeps the token's row (the audit log names it)
//! and takes effect at once on this server (see [`crate::auth`] for other processes).

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use dragnet_domain::{Role, ValidationErrors};
use dragnet_store::StoredToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Principal};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A token as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenDto {
    /// The token's public id (the middle of `dgn_<id>_<secret>`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Who made it: `token:<id>`, `cli`, `first-start` or `no-auth`.
    pub created_by: String,
    /// When it was made (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last used, to about a minute; `null` if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; `null` while it is valid.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&StoredToken> for TokenDto {
    fn from(t: &StoredToken) -> Self {
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role,
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// Every token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// The tokens, newest first, revoked ones included.
    pub items: Vec<TokenDto>,
}

/// `POST /tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// A name for people, 1–100 characters (trimmed), no control characters.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// A token just made, with its secret: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    /// The whole token, `dgn_<id>_<secret>`: send it as `Authorization: Bearer <token>`.
    /// Store it now; the server keeps only a hash.
    pub token: String,
    /// The token's public id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Who made it.
    pub created_by: String,
    /// When it was made (UTC).
    pub created_at: DateTime<Utc>,
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let trimmed = name.trim();
    let problem = if trimmed.is_empty() {
        Some("must not be blank")
    } else if trimmed.chars().count() > 100 {
        Some("must be at most 100 characters")
    } else if trimmed.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    };
    match problem {
        Some(message) => Err(ApiError::validation(ValidationErrors::single(
            "name", message,
        ))),
        None => Ok(trimmed.to_owned()),
    }
}

fn path_id(id: &str) -> Result<String, ApiError> {
    if auth::is_token_id(id) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidPath,
            "invalid path parameter: id: a token id is 16 characters a-z and 2-7",
        ))
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("token `{id}` not found"))
}

/// List every API token (never their secrets).
#[utoipa::path(
    tag = "tokens",
    responses((status = 200, description = "Every token, newest first.", body = TokenList))
)]
#[get("/tokens")]
pub async fn list_tokens(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let tokens = state.store.run(|s| s.list_tokens()).await?;
    Ok(HttpResponse::Ok().json(TokenList {
        items: tokens.iter().map(TokenDto::from).collect(),
    }))
}

/// Create an API token; the response is the only time its secret is shown.
#[utoipa::path(
    tag = "tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "The token, with its secret (shown once).", body = CreatedToken),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name; `errors` names the field.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = check_name(&body.0.name)?;
    let role = body.0.role;
    let created_by = req
        .extensions()
        .get::<Principal>()
        .map_or_else(|| "unknown".to_owned(), Principal::actor);
    let issued = state
        .store
        .run(move |s| auth::issue_token(s, &name, role, &created_by))
        .await?;
    state.auth().forget(&issued.stored.id);
    tracing::info!(
        token_id = %issued.stored.id,
        role = %role,
        created_by = %issued.stored.created_by,
        "API token created"
    );
    let t = &issued.stored;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", t.id)))
        .json(CreatedToken {
            token: issued.secret.expose().to_owned(),
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role,
            created_by: t.created_by.clone(),
            created_at: t.created_at,
        }))
}

/// Read one API token (never its secret).
#[utoipa::path(
    tag = "tokens",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 200, description = "The token.", body = TokenDto),
        (status = 404, description = "No such token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tokens/{id}")]
pub async fn get_token(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let key = id.clone();
    let found = state.store.run(move |s| s.get_token(&key)).await?;
    match found {
        Some(t) => Ok(HttpResponse::Ok().json(TokenDto::from(&t))),
        None => Err(not_found(&id)),
    }
}

/// Revoke an API token: it stops working at once (revoking it again is a no-op).
#[utoipa::path(
    tag = "tokens",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "No such token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let key = id.clone();
    let revoked = state.store.run(move |s| s.revoke_token(&key)).await?;
    state.auth().forget(&id);
    match revoked {
        Some(_) => {
            tracing::info!(token_id = %id, "API token revoked");
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(not_found(&id)),
    }
}
