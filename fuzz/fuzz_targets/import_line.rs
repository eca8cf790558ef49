//! The import-line parser of `POST /campaigns/{id}/domains` (`dragnet_api::domains::parse_line`):
//! one line of a text/plain or NDJSON body → a name, nothing, or a reason.
//!
//! Input: the first byte chooses the mode (low bit set: NDJSON), the rest is the body, split
//! on `\n` as the handler splits it.
//!
//! Properties, for every line:
//! - parsing never panics; a rejection has a reason;
//! - a line longer than `MAX_LINE` bytes (without a final `\r`) is rejected, and a line that is
//!   not UTF-8 too;
//! - nothing is returned only for a blank line, or in text/plain for a `#` comment;
//! - an accepted name is what `DomainName::parse` makes of the trimmed line (text/plain) and
//!   re-parses to itself;
//! - the modes agree: a name accepted from a text/plain line is accepted, the same, from the
//!   NDJSON lines `"<line>"` and `{"name": "<line>"}` when they fit in `MAX_LINE`.
#![no_main]

use dragnet_api::domains::{MAX_LINE, parse_line};
use dragnet_domain::name::DomainName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let ndjson = mode & 1 == 1;
    for line in body.split(|&b| b == b'\n') {
        check_line(line, ndjson);
    }
});

fn check_line(line: &[u8], ndjson: bool) {
    let result = parse_line(line, ndjson);
    let content = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(content);
    if content.len() > MAX_LINE || text.is_err() {
        assert!(result.is_err(), "{line:?} should be rejected");
    }
    match result {
        Err(reason) => assert!(!reason.is_empty()),
        Ok(None) => {
            let trimmed = text.expect("a skipped line is UTF-8").trim();
            assert!(
                trimmed.is_empty() || (!ndjson && trimmed.starts_with('#')),
                "{trimmed:?} was skipped"
            );
        }
        Ok(Some(name)) => {
            assert_eq!(DomainName::parse(name.as_str()).as_ref(), Ok(&name));
            let trimmed = text.expect("an accepted line is UTF-8").trim();
            if !ndjson {
                assert_eq!(DomainName::parse(trimmed).as_ref(), Ok(&name));
                check_ndjson_agrees(trimmed, &name);
            }
        }
    }
}

/// A name accepted in text/plain is accepted the same as an NDJSON string and object.
fn check_ndjson_agrees(trimmed: &str, name: &DomainName) {
    let string = serde_json::to_string(trimmed).expect("a string serialises");
    let object = serde_json::json!({ "name": trimmed }).to_string();
    for line in [string, object] {
        if line.len() <= MAX_LINE {
            assert_eq!(
                parse_line(line.as_bytes(), true).as_ref(),
                Ok(&Some(name.clone())),
                "NDJSON {line:?} differs from text/plain"
            );
        }
    }
}
