//! HTTP CONNECT (RFC 9110 §9.3.6) over a plain or TLS connection to the proxy.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::{Deadline, MAX_RESPONSE_HEAD, ProxyEndpoint, ProxyError, ProxyStage};
use crate::{BoxIo, Io};

/// Sends `CONNECT target` (with `Proxy-Authorization: Basic` when credentials are set), reads
/// the response head and returns the tunnel on a 2xx status.
pub(super) async fn handshake<S: Io>(
    mut stream: S,
    proxy: &ProxyEndpoint,
    target: SocketAddr,
    deadline: &Deadline<'_>,
) -> Result<BoxIo, ProxyError> {
    let request = request(proxy, target);
    let stage = ProxyStage::Tunnel;
    let (head, leftover) = deadline
        .run(stage, async {
            stream
                .write_all(request.as_bytes())
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            stream
                .flush()
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            read_head(&mut stream, deadline).await
        })
        .await?;
    let status = parse_status(&head).map_err(|detail| deadline.protocol(detail))?;
    match status.code {
        200..=299 => {}
        407 if proxy.has_credentials() => {
            return Err(ProxyError::AuthRejected {
                proxy: proxy.label.clone(),
                detail: status.words(),
            });
        }
        407 => {
            return Err(ProxyError::AuthRequired {
                proxy: proxy.label.clone(),
            });
        }
        code => {
            return Err(ProxyError::Refused {
                proxy: proxy.label.clone(),
                target,
                reason: status.words(),
                // The proxy reached out and the target did not answer or refused.
                target_fault: matches!(code, 502 | 504),
            });
        }
    }
    if leftover.is_empty() {
        Ok(Box::new(stream))
    } else {
        Ok(Box::new(Prefixed {
            prefix: leftover,
            position: 0,
            inner: stream,
        }))
    }
}

/// The CONNECT request. The target is an IP address (IPv6 in brackets).
fn request(proxy: &ProxyEndpoint, target: SocketAddr) -> String {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(username) = &proxy.username {
        let password = proxy.password.as_deref().unwrap_or("");
        let credentials = base64(format!("{username}:{password}").as_bytes());
        request.push_str("Proxy-Authorization: Basic ");
        request.push_str(&credentials);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request
}

/// Reads until the end of the response head (`\r\n\r\n`), at most [`MAX_RESPONSE_HEAD`]
/// bytes. Returns the head and any bytes read after it (the start of the tunnel's data).
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    deadline: &Deadline<'_>,
) -> Result<(Vec<u8>, Vec<u8>), ProxyError> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| deadline.io_error(ProxyStage::Tunnel, e))?;
        if n == 0 {
            return Err(deadline.protocol(if buf.is_empty() {
                "the proxy closed the connection without answering the CONNECT request".to_owned()
            } else {
                format!(
                    "the proxy closed the connection in the middle of its response head ({} bytes)",
                    buf.len()
                )
            }));
        }
        // Search only where the new bytes could complete the terminator.
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_head_end(&buf[from..]) {
            let end = from + end;
            let leftover = buf.split_off(end);
            return Ok((buf, leftover));
        }
        if buf.len() >= MAX_RESPONSE_HEAD {
            return Err(deadline.protocol(format!(
                "the proxy's response head exceeds {MAX_RESPONSE_HEAD} bytes"
            )));
        }
    }
}

/// The index just past the first `\r\n\r\n`.
fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// A CONNECT response's status line.
#[derive(Debug, PartialEq, Eq)]
struct Status {
    code: u16,
    reason: String,
}

impl Status {
    /// `HTTP 502 Bad Gateway`.
    fn words(&self) -> String {
        if self.reason.is_empty() {
            format!("HTTP {}", self.code)
        } else {
            format!("HTTP {} {}", self.code, self.reason)
        }
    }
}

/// Parses `HTTP/1.x SSS reason` from the first line of `head`.
fn parse_status(head: &[u8]) -> Result<Status, String> {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = head[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&head[..line_end]);
    let shown = || printable(line, 80);
    let rest = line
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| line.strip_prefix(b"HTTP/1.0 "))
        .ok_or_else(|| format!("not an HTTP/1.x status line: {:?}", shown()))?;
    let digits = rest.get(..3).unwrap_or(rest);
    if digits.len() != 3 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("bad status code in {:?}", shown()));
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    if !(100..=599).contains(&code) {
        return Err(format!("bad status code in {:?}", shown()));
    }
    let reason = match rest.get(3..) {
        None | Some([]) => String::new(),
        Some([b' ', reason @ ..]) => printable(reason, 80),
        Some(_) => return Err(format!("bad status code in {:?}", shown())),
    };
    Ok(Status { code, reason })
}

/// At most `max` characters of `bytes`, with anything but printable ASCII replaced.
fn printable(bytes: &[u8], max: usize) -> String {
    bytes
        .iter()
        .take(max)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '\u{fffd}'
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Standard base64 with padding (RFC 4648 §4), for `Proxy-Authorization: Basic`.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for group in input.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if group.len() > 1 { sextet(6) } else { '=' });
        out.push(if group.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// A stream that first yields bytes the proxy sent right after its response head.
struct Prefixed<S> {
    prefix: Vec<u8>,
    position: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.position < this.prefix.len() {
            let rest = &this.prefix[this.position..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.position += n;
            if this.position == this.prefix.len() {
                this.prefix = Vec::new();
                this.position = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases: [(&str, &str); 7] = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn request_carries_ip_target_and_credentials() {
        let proxy = ProxyEndpoint::new(super::super::ProxyProtocol::Http, "proxy.test", 3128)
            .with_credentials("Aladdin", "open sesame");
        let v4: SocketAddr = "192.0.2.1:443".parse().expect("literal");
        assert_eq!(
            request(&proxy, v4),
            "CONNECT 192.0.2.1:443 HTTP/1.1\r\nHost: 192.0.2.1:443\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        let anonymous = ProxyEndpoint::new(super::super::ProxyProtocol::Http, "proxy.test", 3128);
        let v6: SocketAddr = "[2001:db8::1]:80".parse().expect("literal");
        assert_eq!(
            request(&anonymous, v6),
            "CONNECT [2001:db8::1]:80 HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n"
        );
    }

    #[test]
    fn status_lines_parse_or_fail_cleanly() {
        let ok = |line: &str| parse_status(line.as_bytes());
        assert_eq!(
            ok("HTTP/1.1 200 Connection established\r\n\r\n"),
            Ok(Status {
                code: 200,
                reason: "Connection established".to_owned()
            })
        );
        assert_eq!(ok("HTTP/1.0 200\r\n").map(|s| s.code), Ok(200));
        assert_eq!(
            ok("HTTP/1.1 502 Bad Gateway\r\n").map(|s| s.words()),
            Ok("HTTP 502 Bad Gateway".to_owned())
        );
        for bad in [
            "",
            "\r\n",
            "HTTP/1.1",
            "HTTP/1.1 ",
            "HTTP/1.1 20",
            "HTTP/1.1 2000 OK",
            "HTTP/1.1 abc OK",
            "HTTP/1.1 099 Low",
            "HTTP/1.1 600 High",
            "HTTP/2 200",
            "SSH-2.0-OpenSSH_9.6\r\n",
            "\u{0}\u{1}\u{2}\u{ff}",
        ] {
            assert!(parse_status(bad.as_bytes()).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn head_end_is_found_anywhere() {
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\r\n\r\nrest"), Some(19));
        assert_eq!(find_head_end(b"\r\n\r"), None);
        assert_eq!(find_head_end(b""), None);
    }

    #[test]
    fn printable_replaces_control_bytes_and_truncates() {
        assert_eq!(
            printable(b"Bad\x00Gateway\x1b", 80),
            "Bad\u{fffd}Gateway\u{fffd}"
        );
        assert_eq!(printable(&[b'a'; 200], 5), "aaaaa");
    }
}
