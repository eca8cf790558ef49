//! Extractors that turn every malformed request into a problem+json error naming what was
//! wrong: a JSON body with the path of the bad field, query strings, path parameters.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// The largest JSON body accepted by default (campaign configurations with many keyword rules
/// fit comfortably).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body, deserialised with the path of the first bad field in the error.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut payload = payload.take();
        Box::pin(async move {
            match content_type.as_deref().map(media_type) {
                Some("application/json") => {}
                Some(other) => {
                    return Err(ApiError::new(
                        ErrorCode::UnsupportedMediaType,
                        format!("expected Content-Type application/json, got `{other}`"),
                    ));
                }
                None => {
                    return Err(ApiError::new(
                        ErrorCode::UnsupportedMediaType,
                        "expected Content-Type application/json",
                    ));
                }
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("reading the body failed: {e}"),
                    )
                })?;
                if body.len() + chunk.len() > JSON_LIMIT {
                    return Err(too_large(JSON_LIMIT));
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Parses a JSON document, naming the path of the first bad field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "the body is empty; send a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let detail = if path == "." || path.is_empty() {
            format!("invalid JSON body: {inner}")
        } else {
            format!("invalid JSON body at `{path}`: {inner}")
        };
        ApiError::new(ErrorCode::InvalidJson, detail)
    })?;
    de.end()
        .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("invalid JSON body: {e}")))?;
    Ok(value)
}

/// The `type/subtype` of a Content-Type header, lowercased, without parameters.
pub fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// A 413 naming the limit.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than the limit of {limit} bytes for this endpoint"),
    )
}

/// Error handler for `web::Query` extractors.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidQuery,
        format!("invalid query string: {err}"),
    )
    .into()
}

/// Error handler for `web::Path` extractors.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidPath,
        format!("invalid path parameter: {err}"),
    )
    .into()
}

/// Error handler for actix's own `web::Json` (used nowhere by our handlers, but set so that
/// no default text error can leak out).
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => too_large(limit).into(),
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "expected Content-Type application/json",
        )
        .into(),
        other => ApiError::new(
            ErrorCode::InvalidJson,
            format!("invalid JSON body: {other}"),
        )
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn errors_name_the_path() {
        let err = parse_json::<Body>(br#"{"name":"x","inner":{"count":-1}}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson);
        assert!(err.problem().detail.contains("inner.count"), "{err}");
        let err = parse_json::<Body>(br#"{"name":"x","inner":{"count":1},"extra":1}"#).unwrap_err();
        assert!(err.problem().detail.contains("extra"), "{err}");
        let err = parse_json::<Body>(b"").unwrap_err();
        assert!(err.problem().detail.contains("empty"), "{err}");
        let err = parse_json::<Body>(br#"{"name":"x","inner":{"count":1}} trailing"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson);
    }
}
