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
/// fit comfortably); the app's [`Limits`](crate::state::Limits) set the one in force.
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
        let limits = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map(|s| s.limits().clone())
            .unwrap_or_default();
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
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
            let limit = limits.json_body_bytes;
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("reading the body failed: {e}"),
                    )
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            check_json_shape(&body, limits.json_max_depth, limits.json_max_string_bytes)?;
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Refuses a JSON text nested deeper than `max_depth` arrays and objects, or with a string
/// (or key) longer than `max_string` bytes as sent, before it is parsed: one pass over the
/// bytes, so a hostile body costs no more than its length. (Malformed JSON passes; the parser
/// names its problem.)
pub fn check_json_shape(body: &[u8], max_depth: usize, max_string: usize) -> Result<(), ApiError> {
    let mut depth = 0_usize;
    let mut bytes = body.iter().enumerate();
    while let Some((at, &b)) = bytes.next() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(ApiError::new(
                        ErrorCode::InvalidJson,
                        format!(
                            "the JSON body is nested more than {max_depth} levels deep \
                             (at byte {at})"
                        ),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                let mut len = 0_usize;
                while let Some((_, &c)) = bytes.next() {
                    match c {
                        b'"' => break,
                        b'\\' => {
                            bytes.next();
                            len += 2;
                        }
                        _ => len += 1,
                    }
                    if len > max_string {
                        return Err(ApiError::new(
                            ErrorCode::InvalidJson,
                            format!(
                                "the JSON string starting at byte {at} is longer than the \
                                 limit of {max_string} bytes"
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses a JSON document, naming the path of the first bad field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "the body is empty; send a JSON object",
        ));
    }
    // Every JSON body of the API is an object (or `null` where one is optional); serde would
    // read an array positionally into a struct and report its elements' errors instead.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "the body must be a JSON object, not an array",
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
    fn deep_or_long_json_is_refused_before_parsing() {
        assert!(check_json_shape(br#"{"a":[[1]],"b":"xyz"}"#, 3, 3).is_ok());
        let err = check_json_shape(br#"{"a":[[[1]]]}"#, 3, 100).unwrap_err();
        assert!(err.problem().detail.contains("3 levels"), "{err}");
        // Brackets inside strings do not count; escaped quotes do not end a string.
        assert!(check_json_shape(br#"{"a":"[[[[\"{{{{"}"#, 1, 100).is_ok());
        let err = check_json_shape(br#"{"a":"abcd"}"#, 3, 3).unwrap_err();
        assert!(err.problem().detail.contains("limit of 3 bytes"), "{err}");
        assert_eq!(err.code(), ErrorCode::InvalidJson);
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
        // An array is not read positionally into the object.
        let err = parse_json::<Body>(br#" ["x", {"count": 1}]"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson);
        assert!(err.problem().detail.contains("JSON object"), "{err}");
    }
}
