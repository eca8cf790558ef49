//! Streaming body decoding: `Content-Encoding` (gzip, deflate in both its zlib and raw forms,
//! brotli, identity) undone frame by frame, with a hard cap on the *decoded* size.
//!
//! Nothing is buffered but the decoded output: each network frame is decompressed through a
//! small stack buffer into the output as it arrives, and decoding stops the moment the output
//! would pass the cap, so a 1 MiB gzip bomb costs no more than `cap` bytes of memory and the
//! time to decode `cap` bytes.
//!
//! Leniency: bytes after the end of a compressed stream are ignored (a new gzip member is
//! decoded, as `gunzip` does); the gzip CRC is not checked (browsers show such pages too).
//! Corrupt data, and a compressed stream that stops before its end, are errors: the caller
//! keeps what was decoded before the error.

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
use flate2::{Decompress, FlushDecompress, Status};

/// Size of the stack buffer each decompression step writes into.
const SCRATCH: usize = 16 * 1024;
/// Longest gzip header accepted (its optional name, comment and extra field are free text).
const MAX_GZIP_HEADER: usize = 64 * 1024;

/// A content coding the prober decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    /// The coding named by the `Content-Encoding` header values, or the header as written if
    /// it names a coding the prober does not decode (or more than one).
    pub(crate) fn from_headers<'a>(
        values: impl Iterator<Item = &'a [u8]>,
    ) -> Result<Coding, String> {
        let mut coding = Coding::Identity;
        let mut seen = Vec::new();
        for value in values {
            for token in value.split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.is_empty() {
                    continue;
                }
                seen.push(String::from_utf8_lossy(token).into_owned());
                let this = if token.eq_ignore_ascii_case(b"identity") {
                    continue;
                } else if token.eq_ignore_ascii_case(b"gzip")
                    || token.eq_ignore_ascii_case(b"x-gzip")
                {
                    Coding::Gzip
                } else if token.eq_ignore_ascii_case(b"deflate") {
                    Coding::Deflate
                } else if token.eq_ignore_ascii_case(b"br") {
                    Coding::Brotli
                } else {
                    return Err(seen.join(", "));
                };
                if coding != Coding::Identity {
                    // Stacked codings ("gzip, br"): never sent for an Accept-Encoding that
                    // lists each once, so refused rather than half-supported.
                    return Err(seen.join(", "));
                }
                coding = this;
            }
        }
        Ok(coding)
    }

    fn name(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "brotli",
        }
    }
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DecodeError {
    /// The compressed data is corrupt.
    #[error("invalid {0} data")]
    Invalid(&'static str),
    /// The body ended before the compressed stream did.
    #[error("{0} data ends early")]
    EndsEarly(&'static str),
}

/// Whether the decoder wants more input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Keep feeding frames.
    More,
    /// The cap is reached (the body is truncated): stop reading.
    Full,
}

/// Decodes one response body, frame by frame, into at most `cap` bytes.
pub(crate) struct BodyDecoder {
    out: Vec<u8>,
    cap: usize,
    truncated: bool,
    coding: Coding,
    state: State,
    /// Whether any body byte arrived (an empty body is complete in every coding).
    input_seen: bool,
}

enum State {
    Identity,
    /// `deflate` before its first two bytes tell a zlib stream from a raw one.
    DeflateStart {
        head: [u8; 2],
        len: usize,
    },
    GzipHeader(Vec<u8>),
    Inflate {
        z: Decompress,
        gzip: bool,
    },
    GzipTrailer {
        remaining: usize,
    },
    /// After a gzip member: another member may follow (`cat a.gz b.gz`); anything else is
    /// trailing garbage, ignored.
    GzipNext,
    Brotli {
        state: Box<BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>>,
        total_out: usize,
    },
    /// The compressed stream ended; anything after it is ignored.
    Done,
}

impl BodyDecoder {
    /// A decoder for `coding`, keeping at most `cap` decoded bytes. `size_hint` (the
    /// `Content-Length`, if any) sizes the output buffer for uncompressed bodies.
    pub(crate) fn new(coding: Coding, cap: usize, size_hint: Option<u64>) -> Self {
        let state = match coding {
            Coding::Identity => State::Identity,
            Coding::Gzip => State::GzipHeader(Vec::new()),
            Coding::Deflate => State::DeflateStart {
                head: [0; 2],
                len: 0,
            },
            Coding::Brotli => State::Brotli {
                state: Box::new(BrotliState::new(
                    StandardAlloc::default(),
                    StandardAlloc::default(),
                    StandardAlloc::default(),
                )),
                total_out: 0,
            },
        };
        let initial = match (coding, size_hint) {
            (Coding::Identity, Some(n)) => usize::try_from(n).unwrap_or(usize::MAX).min(cap),
            _ => 0,
        };
        Self {
            out: Vec::with_capacity(initial),
            cap,
            truncated: false,
            coding,
            state,
            input_seen: false,
        }
    }

    /// Decoded bytes so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether output was dropped at the cap.
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// Marks the body as incomplete (an error or a timeout stopped it).
    pub(crate) fn mark_incomplete(&mut self) {
        self.truncated = true;
    }

    /// The decoded bytes and whether they are incomplete.
    pub(crate) fn into_parts(self) -> (Vec<u8>, bool) {
        (self.out, self.truncated)
    }

    /// Appends decoded bytes, up to the cap.
    fn emit(&mut self, data: &[u8]) -> Progress {
        let room = self.cap - self.out.len();
        if data.len() > room {
            self.out.extend_from_slice(&data[..room]);
            self.truncated = true;
            Progress::Full
        } else {
            self.out.extend_from_slice(data);
            Progress::More
        }
    }

    /// Decodes one frame of the body.
    pub(crate) fn push(&mut self, mut input: &[u8]) -> Result<Progress, DecodeError> {
        let name = self.coding.name();
        self.input_seen |= !input.is_empty();
        while !input.is_empty() {
            match &mut self.state {
                State::Identity => return Ok(self.emit(input)),
                State::Done => return Ok(Progress::More),
                State::DeflateStart { head, len } => {
                    let take = (2 - *len).min(input.len());
                    head[*len..*len + take].copy_from_slice(&input[..take]);
                    *len += take;
                    if *len < 2 {
                        return Ok(Progress::More);
                    }
                    let head = *head;
                    // RFC 1950: CM = 8, CINFO <= 7, and the header is a multiple of 31.
                    let zlib = head[0] & 0x0f == 8
                        && head[0] >> 4 <= 7
                        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
                    self.state = State::Inflate {
                        z: Decompress::new(zlib),
                        gzip: false,
                    };
                    // Feed the two bytes just taken, then the rest of the frame.
                    if self.inflate(&head)? == Progress::Full {
                        return Ok(Progress::Full);
                    }
                    input = &input[take..];
                }
                State::GzipHeader(buf) => {
                    let before = buf.len();
                    let take = input.len().min(MAX_GZIP_HEADER + 1 - before);
                    buf.extend_from_slice(&input[..take]);
                    match gzip_header_len(buf) {
                        Err(()) => return Err(DecodeError::Invalid(name)),
                        Ok(None) if buf.len() > MAX_GZIP_HEADER => {
                            return Err(DecodeError::Invalid(name));
                        }
                        Ok(None) => return Ok(Progress::More),
                        Ok(Some(header_len)) => {
                            input = &input[header_len - before..];
                            self.state = State::Inflate {
                                z: Decompress::new(false),
                                gzip: true,
                            };
                        }
                    }
                }
                State::Inflate { .. } => {
                    let (progress, used) = self.inflate_counted(input)?;
                    if progress == Progress::Full {
                        return Ok(Progress::Full);
                    }
                    input = &input[used..];
                }
                State::GzipTrailer { remaining } => {
                    let take = (*remaining).min(input.len());
                    *remaining -= take;
                    input = &input[take..];
                    if *remaining == 0 {
                        self.state = State::GzipNext;
                    }
                }
                State::GzipNext => {
                    self.state = if input[0] == 0x1f {
                        State::GzipHeader(Vec::new())
                    } else {
                        State::Done
                    };
                }
                State::Brotli { .. } => return self.brotli(input),
            }
        }
        Ok(Progress::More)
    }

    fn inflate(&mut self, input: &[u8]) -> Result<Progress, DecodeError> {
        self.inflate_counted(input).map(|(p, _)| p)
    }

    /// Inflates `input` (or the part before the end of the deflate stream); returns how many
    /// bytes it used.
    fn inflate_counted(&mut self, input: &[u8]) -> Result<(Progress, usize), DecodeError> {
        let name = self.coding.name();
        let mut scratch = [0u8; SCRATCH];
        let mut used = 0;
        loop {
            let State::Inflate { z, gzip } = &mut self.state else {
                return Ok((Progress::More, used));
            };
            let gzip = *gzip;
            let (before_in, before_out) = (z.total_in(), z.total_out());
            let status = z
                .decompress(&input[used..], &mut scratch, FlushDecompress::None)
                .map_err(|_| DecodeError::Invalid(name))?;
            let consumed = usize::try_from(z.total_in() - before_in).unwrap_or(usize::MAX);
            let produced = usize::try_from(z.total_out() - before_out).unwrap_or(usize::MAX);
            used += consumed;
            if self.emit(&scratch[..produced]) == Progress::Full {
                return Ok((Progress::Full, used));
            }
            match status {
                Status::StreamEnd => {
                    self.state = if gzip {
                        State::GzipTrailer { remaining: 8 }
                    } else {
                        State::Done
                    };
                    return Ok((Progress::More, used));
                }
                Status::Ok | Status::BufError => {
                    // The output buffer was filled: more may be pending even without input.
                    if produced == scratch.len() {
                        continue;
                    }
                    if used >= input.len() {
                        return Ok((Progress::More, used));
                    }
                    if consumed == 0 && produced == 0 {
                        // No progress with input and room to write: never loop on it.
                        return Err(DecodeError::Invalid(name));
                    }
                }
            }
        }
    }

    fn brotli(&mut self, input: &[u8]) -> Result<Progress, DecodeError> {
        let name = self.coding.name();
        let mut scratch = [0u8; SCRATCH];
        let mut available_in = input.len();
        let mut input_offset = 0;
        loop {
            let State::Brotli { state, total_out } = &mut self.state else {
                return Ok(Progress::More);
            };
            let mut available_out = scratch.len();
            let mut output_offset = 0;
            let result = BrotliDecompressStream(
                &mut available_in,
                &mut input_offset,
                input,
                &mut available_out,
                &mut output_offset,
                &mut scratch,
                total_out,
                state,
            );
            let done = matches!(result, BrotliResult::ResultSuccess);
            if done {
                self.state = State::Done;
            }
            if self.emit(&scratch[..output_offset]) == Progress::Full {
                return Ok(Progress::Full);
            }
            match result {
                BrotliResult::NeedsMoreOutput => continue,
                BrotliResult::NeedsMoreInput | BrotliResult::ResultSuccess => {
                    return Ok(Progress::More);
                }
                BrotliResult::ResultFailure => return Err(DecodeError::Invalid(name)),
            }
        }
    }

    /// The body ended: flushes what the decoder still holds and checks that the compressed
    /// stream was complete.
    pub(crate) fn finish(&mut self) -> Result<(), DecodeError> {
        let name = self.coding.name();
        if !self.input_seen {
            return Ok(());
        }
        match &self.state {
            State::Identity | State::Done | State::GzipNext => Ok(()),
            State::DeflateStart { .. } | State::GzipHeader(_) | State::GzipTrailer { .. } => {
                Err(DecodeError::EndsEarly(name))
            }
            State::Inflate { .. } => {
                // Drain output miniz may still hold; the stream must then be at its end.
                if self.inflate(&[])? == Progress::Full {
                    return Ok(());
                }
                match self.state {
                    State::Done => Ok(()),
                    _ => Err(DecodeError::EndsEarly(name)),
                }
            }
            State::Brotli { .. } => {
                if self.brotli(&[])? == Progress::Full {
                    return Ok(());
                }
                match self.state {
                    State::Done => Ok(()),
                    _ => Err(DecodeError::EndsEarly(name)),
                }
            }
        }
    }
}

/// The length of the gzip member header at the start of `b` (RFC 1952 §2.3), `None` if more
/// bytes are needed, `Err` if it is not a gzip header.
fn gzip_header_len(b: &[u8]) -> Result<Option<usize>, ()> {
    const MAGIC: [u8; 3] = [0x1f, 0x8b, 8];
    let n = b.len().min(3);
    if b[..n] != MAGIC[..n] {
        return Err(());
    }
    if b.len() < 10 {
        return Ok(None);
    }
    let flags = b[3];
    if flags & 0xe0 != 0 {
        return Err(());
    }
    let mut pos = 10;
    if flags & 0x04 != 0 {
        let Some(xlen) = b.get(pos..pos + 2) else {
            return Ok(None);
        };
        pos += 2 + usize::from(u16::from_le_bytes([xlen[0], xlen[1]]));
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            let Some(rest) = b.get(pos..) else {
                return Ok(None);
            };
            match rest.iter().position(|c| *c == 0) {
                Some(end) => pos += end + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        pos += 2;
    }
    Ok((b.len() >= pos).then_some(pos))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn text(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"the quick brown fox jumps over the lazy dog\n"[i % 44])
            .collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    /// Decodes `body` fed in frames of `frame` bytes.
    fn decode(
        coding: Coding,
        body: &[u8],
        cap: usize,
        frame: usize,
    ) -> (Result<(), DecodeError>, Vec<u8>, bool) {
        let mut d = BodyDecoder::new(coding, cap, None);
        for chunk in body.chunks(frame.max(1)) {
            match d.push(chunk) {
                Ok(Progress::More) => {}
                Ok(Progress::Full) => {
                    let (out, t) = d.into_parts();
                    return (Ok(()), out, t);
                }
                Err(e) => {
                    let (out, t) = d.into_parts();
                    return (Err(e), out, t);
                }
            }
        }
        let r = d.finish();
        let (out, t) = d.into_parts();
        (r, out, t)
    }

    #[test]
    fn every_coding_round_trips_in_any_framing() {
        let data = text(100_000);
        let cases = [
            (Coding::Identity, data.clone()),
            (Coding::Gzip, gzip(&data)),
            (Coding::Deflate, zlib(&data)),
            (Coding::Deflate, raw_deflate(&data)),
        ];
        for (coding, body) in cases {
            for frame in [1, 2, 3, 7, 1000, 1 << 20] {
                let (r, out, truncated) = decode(coding, &body, 1 << 20, frame);
                assert_eq!(r, Ok(()), "{coding:?} frame {frame}");
                assert!(!truncated, "{coding:?} frame {frame}");
                assert!(out == data, "{coding:?} frame {frame}: output differs");
            }
        }
    }

    #[test]
    fn brotli_decodes() {
        // `hello\n` compressed by libbrotli.
        let body = [0x8b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x03];
        for frame in [1, 3, 100] {
            let (r, out, truncated) = decode(Coding::Brotli, &body, 1000, frame);
            assert_eq!(r, Ok(()));
            assert!(!truncated);
            assert_eq!(out, b"hello\n");
        }
        let (r, _, _) = decode(Coding::Brotli, &body[..5], 1000, 100);
        assert_eq!(r, Err(DecodeError::EndsEarly("brotli")));
        let (r, _, _) = decode(Coding::Brotli, b"\xff\xff\xff\xff not brotli", 1000, 100);
        assert_eq!(r, Err(DecodeError::Invalid("brotli")));
    }

    #[test]
    fn output_stops_exactly_at_the_cap() {
        let data = text(50_000);
        for (coding, body) in [
            (Coding::Identity, data.clone()),
            (Coding::Gzip, gzip(&data)),
            (Coding::Deflate, zlib(&data)),
        ] {
            let (r, out, truncated) = decode(coding, &body, 10_000, 4096);
            assert_eq!(r, Ok(()));
            assert!(truncated, "{coding:?}");
            assert_eq!(out.len(), 10_000, "{coding:?}");
            assert_eq!(out[..], data[..10_000]);
            // Exactly the size of the body: complete, not truncated.
            let (r, out, truncated) = decode(coding, &body, 50_000, 4096);
            assert_eq!(r, Ok(()));
            assert!(!truncated, "{coding:?}");
            assert_eq!(out.len(), 50_000);
        }
    }

    #[test]
    fn a_gzip_bomb_costs_only_the_cap() {
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000, "64 MiB of zeros compress well");
        let (r, out, truncated) = decode(Coding::Gzip, &bomb, 256 * 1024, 16 * 1024);
        assert_eq!(r, Ok(()));
        assert!(truncated);
        assert_eq!(out.len(), 256 * 1024);
        assert!(out.capacity() <= 512 * 1024);
    }

    #[test]
    fn corrupt_and_short_streams_are_errors_with_the_bytes_decoded_so_far() {
        let data = text(200_000);
        let body = gzip(&data);
        let (r, out, _) = decode(Coding::Gzip, &body[..body.len() / 2], 1 << 20, 1000);
        assert_eq!(r, Err(DecodeError::EndsEarly("gzip")));
        assert!(!out.is_empty() && data.starts_with(&out));

        let mut corrupt = body.clone();
        for b in &mut corrupt[body.len() / 3..body.len() / 3 + 64] {
            *b ^= 0x5a;
        }
        let (r, _, _) = decode(Coding::Gzip, &corrupt, 1 << 20, 1000);
        assert!(
            matches!(
                r,
                Err(DecodeError::Invalid("gzip")) | Err(DecodeError::EndsEarly("gzip"))
            ),
            "{r:?}"
        );
        let (r, out, _) = decode(Coding::Gzip, b"<html>not gzip</html>", 1 << 20, 1000);
        assert_eq!(r, Err(DecodeError::Invalid("gzip")));
        assert!(out.is_empty());
        assert_eq!(
            DecodeError::Invalid("gzip").to_string(),
            "invalid gzip data"
        );
    }

    #[test]
    fn gzip_members_concatenate_and_trailing_garbage_is_ignored() {
        let mut body = gzip(b"first ");
        body.extend(gzip(b"second"));
        body.extend(b"\n\n");
        for frame in [1, 5, 1000] {
            let (r, out, _) = decode(Coding::Gzip, &body, 1000, frame);
            assert_eq!(r, Ok(()));
            assert_eq!(out, b"first second");
        }
    }

    #[test]
    fn gzip_headers_with_optional_fields_parse() {
        let mut e = flate2::GzBuilder::new()
            .filename("index.html")
            .comment("a comment")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), flate2::Compression::fast());
        e.write_all(b"payload").expect("in memory");
        let body = e.finish().expect("in memory");
        for frame in [1, 2, 13, 1000] {
            let (r, out, _) = decode(Coding::Gzip, &body, 1000, frame);
            assert_eq!(r, Ok(()));
            assert_eq!(out, b"payload");
        }
    }

    #[test]
    fn empty_bodies_are_fine_in_any_coding() {
        for coding in [
            Coding::Identity,
            Coding::Gzip,
            Coding::Deflate,
            Coding::Brotli,
        ] {
            let mut d = BodyDecoder::new(coding, 100, None);
            assert_eq!(d.push(b""), Ok(Progress::More));
            assert_eq!(d.finish(), Ok(()), "{coding:?}");
            assert_eq!(d.len(), 0);
            assert!(!d.truncated());
        }
    }

    #[test]
    fn content_encoding_headers_are_read() {
        let parse = |values: &[&str]| Coding::from_headers(values.iter().map(|v| v.as_bytes()));
        assert_eq!(parse(&[]), Ok(Coding::Identity));
        assert_eq!(parse(&["identity"]), Ok(Coding::Identity));
        assert_eq!(parse(&["GZip"]), Ok(Coding::Gzip));
        assert_eq!(parse(&["x-gzip"]), Ok(Coding::Gzip));
        assert_eq!(parse(&[" deflate "]), Ok(Coding::Deflate));
        assert_eq!(parse(&["br"]), Ok(Coding::Brotli));
        assert_eq!(parse(&["identity, br"]), Ok(Coding::Brotli));
        assert_eq!(parse(&["zstd"]), Err("zstd".to_owned()));
        assert_eq!(parse(&["gzip", "br"]), Err("gzip, br".to_owned()));
    }
}
