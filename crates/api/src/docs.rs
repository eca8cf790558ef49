//! `GET /docs`: the API docs page (Swagger UI) over `/api/v1/openapi.json`, served entirely
//! from files compiled into the binary, so it renders offline.
//!
//! Swagger UI's distribution comes from `utoipa-swagger-ui` with its `vendored` feature (the
//! zip ships inside the `utoipa-swagger-ui-vendored` crate: nothing is downloaded at build
//! time). The page is ours rather than the distribution's `index.html` so that it works at
//! `/docs` as well as `/docs/` (absolute asset paths) and names only local assets. A
//! `Content-Security-Policy` restricts the page to this origin, so a regression that
//! reached for a CDN would fail loudly in the browser; the online validator badge is off.

use std::sync::{Arc, LazyLock};

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::Config;

use crate::error::{ApiError, ErrorCode};

/// Where the page is served.
pub const PATH: &str = "/docs";

/// The policy sent with every docs response: this origin only (Swagger UI needs inline
/// styles and `data:` images).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Dragnet API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
"#;

/// Swagger UI's configuration, written into `swagger-initializer.js`.
static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["/api/v1/openapi.json"])
            // "none" turns off the badge that sends the document to validator.swagger.io.
            .validator_url("none"),
    )
});

/// Routes `/docs`, `/docs/` and the page's assets under `/docs/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(index))
        .route("/docs/", web::get().to(index))
        .route("/docs/{file}", web::get().to(asset));
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(INDEX)
}

async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let not_found = || ApiError::new(ErrorCode::RouteNotFound, format!("no docs asset {file:?}"));
    // `index.html` is the distribution's page (relative paths); ours is served at /docs.
    if file == "index.html" {
        return Err(not_found());
    }
    let found = utoipa_swagger_ui::serve(&file, CONFIG.clone())
        .map_err(|e| ApiError::internal(format!("rendering the docs asset {file:?}: {e}")))?;
    let Some(found) = found else {
        return Err(not_found());
    };
    Ok(HttpResponse::Ok()
        .content_type(found.content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(found.bytes.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_only_local_assets() {
        for attr in ["src=\"", "href=\""] {
            for (i, _) in INDEX.match_indices(attr) {
                let value = &INDEX[i + attr.len()..];
                assert!(
                    value.starts_with("/docs/"),
                    "{}",
                    &value[..40.min(value.len())]
                );
            }
        }
    }

    #[test]
    fn every_asset_the_page_names_is_embedded() {
        for name in [
            "swagger-ui.css",
            "index.css",
            "favicon-32x32.png",
            "swagger-ui-bundle.js",
            "swagger-ui-standalone-preset.js",
            "swagger-initializer.js",
        ] {
            let found = utoipa_swagger_ui::serve(name, CONFIG.clone()).expect("serve");
            assert!(found.is_some(), "{name} is not embedded");
        }
        let init = utoipa_swagger_ui::serve("swagger-initializer.js", CONFIG.clone())
            .expect("serve")
            .expect("initializer");
        let init = String::from_utf8_lossy(&init.bytes);
        assert!(init.contains("/api/v1/openapi.json"), "{init}");
        assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    }
}
