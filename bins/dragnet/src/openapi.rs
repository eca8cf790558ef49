//! `dragnet openapi`: prints the API's OpenAPI document, exactly as committed in
//! `docs/openapi.json` (`cargo xtask gen-openapi` runs this), without opening a store or
//! starting a server.

use std::io::Write as _;
use std::process::ExitCode;

/// Writes the document to stdout.
pub fn run() -> ExitCode {
    let json = dragnet_api::openapi_json();
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(json.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the OpenAPI document: {e}");
            ExitCode::FAILURE
        }
    }
}
