//! The page snapshot the HTTP phase keeps for later phases: the final response's decoded body
//! and the headers fingerprints use (`server`, `x-powered-by`, cookie names …), compressed.
//!
//! Format, versioned so rows written by older versions still read:
//! - version 1 (the first HTTP phase): a bare zstd frame of the decoded body; no headers.
//! - version 2: the byte `0x02`, then a zstd frame of `name: value\n` lines (one per kept
//!   header, as [`dragnet_probe::probe::kept_headers`] chose them), an empty line, and the
//!   body. Header names and values never hold a line break (HTTP forbids CR and LF in them,
//!   and `kept_headers` keeps what hyper parsed), so the layout is unambiguous.
//!
//! A zstd frame starts with the magic number `28 b5 2f fd`, so a leading `0x02` can never be
//! mistaken for version 1.
//!
//! Bounds: the body is at most the phase's `maxBodyBytes`, the headers at most
//! `MAX_KEPT_HEADERS` × (name + `MAX_KEPT_HEADER_VALUE`).

use std::cell::RefCell;

/// zstd level of page snapshots: the fastest level; HTML compresses well enough at it.
const LEVEL: i32 = 1;
/// The first byte of a version-2 snapshot.
const V2: u8 = 0x02;
/// Largest decompressed snapshot accepted when reading (a corrupt or foreign row must not
/// make the reader allocate without bound): well above any body cap the phase accepts.
const MAX_DECOMPRESSED: usize = 64 << 20;

/// A page as the HTTP phase kept it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageSnapshot {
    /// The final response's headers kept for fingerprints (empty for version-1 rows).
    pub headers: Vec<(String, String)>,
    /// The charset-decoded body.
    pub body: String,
}

/// Why a stored snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes are not a zstd frame (or it is larger than [`MAX_DECOMPRESSED`]).
    #[error("the page snapshot cannot be decompressed: {0}")]
    Decompress(String),
    /// The frame does not hold text.
    #[error("the page snapshot is not UTF-8")]
    NotText,
}

thread_local! {
    // Creating a context costs more (a megabyte of tables) than compressing a typical page.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Encodes a version-2 snapshot; `None` only if zstd fails (it does not for in-memory input).
pub fn encode(headers: &[(String, String)], body: &str) -> Option<Vec<u8>> {
    let head: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 3).sum();
    let mut plain = Vec::with_capacity(head + 1 + body.len());
    for (name, value) in headers {
        // Defensive: a line break would end the header block early.
        if name.contains(['\n', '\r']) || value.contains(['\n', '\r']) {
            continue;
        }
        plain.extend_from_slice(name.as_bytes());
        plain.extend_from_slice(b": ");
        plain.extend_from_slice(value.as_bytes());
        plain.push(b'\n');
    }
    plain.push(b'\n');
    plain.extend_from_slice(body.as_bytes());
    COMPRESSOR.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::new(LEVEL).ok();
        }
        let frame = slot.as_mut()?.compress(&plain).ok()?;
        let mut out = Vec::with_capacity(frame.len() + 1);
        out.push(V2);
        out.extend_from_slice(&frame);
        Some(out)
    })
}

/// Reads a snapshot of either version.
pub fn decode(stored: &[u8]) -> Result<PageSnapshot, SnapshotError> {
    let (v2, frame) = match stored.split_first() {
        Some((&V2, rest)) => (true, rest),
        _ => (false, stored),
    };
    let plain = decompress(frame)?;
    let text = String::from_utf8(plain).map_err(|_| SnapshotError::NotText)?;
    if !v2 {
        return Ok(PageSnapshot {
            headers: Vec::new(),
            body: text,
        });
    }
    let mut headers = Vec::new();
    let mut rest = text.as_str();
    loop {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = after;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(": ") {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    let body = rest.to_owned();
    Ok(PageSnapshot { headers, body })
}

fn decompress(frame: &[u8]) -> Result<Vec<u8>, SnapshotError> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell
            .try_borrow_mut()
            .map_err(|e| SnapshotError::Decompress(e.to_string()))?;
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Decompressor::new()
                    .map_err(|e| SnapshotError::Decompress(e.to_string()))?,
            );
        }
        let decompressor = slot
            .as_mut()
            .ok_or_else(|| SnapshotError::Decompress("no decompressor".to_owned()))?;
        match zstd::zstd_safe::get_frame_content_size(frame) {
            // The compressor writes the size, so this is the usual path: one allocation.
            Ok(Some(size)) if size <= MAX_DECOMPRESSED as u64 => decompressor
                .decompress(frame, size as usize)
                .map_err(|e| SnapshotError::Decompress(e.to_string())),
            Ok(Some(size)) => Err(SnapshotError::Decompress(format!(
                "{size} bytes is more than a page snapshot may hold"
            ))),
            // No size in the frame (another writer): stream it, bounded.
            Ok(None) => {
                use std::io::Read as _;
                let decoder = zstd::stream::read::Decoder::new(frame)
                    .map_err(|e| SnapshotError::Decompress(e.to_string()))?;
                let mut out = Vec::new();
                decoder
                    .take(MAX_DECOMPRESSED as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| SnapshotError::Decompress(e.to_string()))?;
                if out.len() > MAX_DECOMPRESSED {
                    return Err(SnapshotError::Decompress(
                        "more than a page snapshot may hold".to_owned(),
                    ));
                }
                Ok(out)
            }
            Err(e) => Err(SnapshotError::Decompress(format!("{e:?}"))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_round_trips_headers_and_body() {
        let headers = vec![
            ("server".to_owned(), "nginx".to_owned()),
            ("set-cookie".to_owned(), "PHPSESSID".to_owned()),
            ("x-note".to_owned(), "a: b".to_owned()),
        ];
        let body = "<html>\n\n<body>line: two\n</body></html>";
        let stored = encode(&headers, body).unwrap();
        assert_eq!(stored[0], V2);
        let page = decode(&stored).unwrap();
        assert_eq!(page.headers, headers);
        assert_eq!(page.body, body);
    }

    #[test]
    fn no_headers_and_empty_body() {
        let page = decode(&encode(&[], "").unwrap()).unwrap();
        assert_eq!(page, PageSnapshot::default());
        let page = decode(&encode(&[], "\nx").unwrap()).unwrap();
        assert_eq!(page.body, "\nx");
    }

    #[test]
    fn version_1_rows_still_read() {
        let old = zstd::bulk::compress(b"<html>old page</html>", 1).unwrap();
        let page = decode(&old).unwrap();
        assert!(page.headers.is_empty());
        assert_eq!(page.body, "<html>old page</html>");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"").is_err());
        assert!(decode(&[V2]).is_err());
        assert!(decode(b"not zstd at all").is_err());
        let not_text = zstd::bulk::compress(&[0xff, 0xfe, 0x00], 1).unwrap();
        assert!(matches!(decode(&not_text), Err(SnapshotError::NotText)));
    }
}
