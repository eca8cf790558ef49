//! How failures become statuses and words: "connection refused", not "Connection refused
//! (os error 111)"; rustls's own message for a TLS failure; hyper's errors sorted into
//! unreachable (the peer reset the connection) and HTTP errors (it answered badly).

use std::io;

use dragnet_domain::HttpStatus;

/// Why one hop or attempt failed.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) status: HttpStatus,
    pub(super) message: String,
}

impl Failure {
    pub(super) fn new(status: HttpStatus, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// Why a connection could not be made. The seam where a proxy tunnel plugs in.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConnectError {
    /// `connect_timeout` (or the attempt's deadline) passed.
    #[error("connect timed out")]
    TimedOut,
    /// The socket failed.
    #[error("{}", io_words(.0))]
    Io(#[source] io::Error),
    /// The tunnel through a proxy could not be opened (the error names the proxy).
    #[error("{0}")]
    Proxy(#[source] crate::proxy::ProxyError),
    /// Every configured proxy is benched after repeated failures.
    #[error("every proxy is benched after repeated failures")]
    NoProxy,
}

impl ConnectError {
    pub(super) fn status(&self) -> HttpStatus {
        match self {
            ConnectError::TimedOut => HttpStatus::Timeout,
            ConnectError::Io(e) if e.kind() == io::ErrorKind::TimedOut => HttpStatus::Timeout,
            ConnectError::Io(_) => HttpStatus::Unreachable,
            ConnectError::Proxy(e) if e.is_timeout() => HttpStatus::Timeout,
            ConnectError::Proxy(_) | ConnectError::NoProxy => HttpStatus::Unreachable,
        }
    }
}

/// An I/O error in words ("connection refused" rather than "Connection refused (os error
/// 111)").
fn io_words(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".to_owned(),
        K::ConnectionReset => "connection reset".to_owned(),
        K::ConnectionAborted => "connection aborted".to_owned(),
        K::HostUnreachable => "host unreachable".to_owned(),
        K::NetworkUnreachable => "network unreachable".to_owned(),
        K::TimedOut => "connect timed out".to_owned(),
        K::AddrNotAvailable => "no local address available".to_owned(),
        K::UnexpectedEof => "connection closed".to_owned(),
        K::BrokenPipe => "connection closed (broken pipe)".to_owned(),
        _ => e.to_string(),
    }
}

/// A hyper error before the response head, as a failure.
pub(super) fn hyper_failure(e: &hyper::Error) -> Failure {
    if let Some(io) = io_source(e)
        && matches!(
            io.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
        )
    {
        return Failure::new(
            HttpStatus::Unreachable,
            format!("{} before a response", io_words(io)),
        );
    }
    Failure::new(HttpStatus::HttpError, hyper_words(e))
}

/// A hyper error in words.
fn hyper_words(e: &hyper::Error) -> String {
    if e.is_incomplete_message() {
        return "connection closed before the message was complete".to_owned();
    }
    if e.is_parse() || e.is_parse_status() {
        return format!("malformed response: {e}");
    }
    match io_source(e) {
        Some(io) => io_words(io),
        None => e.to_string(),
    }
}

/// A hyper error while reading a body, in words.
pub(super) fn body_words(e: &hyper::Error) -> String {
    let eof = io_source(e).is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof);
    if eof || e.is_incomplete_message() {
        return "connection closed before the end of the body".to_owned();
    }
    hyper_words(e)
}

/// The I/O error at the root of `e`, if any.
fn io_source<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = err.source();
    }
    None
}

/// A TLS handshake error in words: rustls's own message when it is a TLS error.
pub(super) fn tls_words(e: &io::Error) -> String {
    let inner = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match inner {
        Some(tls) => format!("TLS: {tls}"),
        None if e.kind() == io::ErrorKind::UnexpectedEof => {
            "TLS: connection closed during the handshake".to_owned()
        }
        None => format!("TLS: {} during the handshake", io_words(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_map_to_statuses_and_words() {
        let refused = ConnectError::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(refused.status(), HttpStatus::Unreachable);
        assert_eq!(refused.to_string(), "connection refused");
        let unreachable = ConnectError::Io(io::Error::from(io::ErrorKind::HostUnreachable));
        assert_eq!(unreachable.status(), HttpStatus::Unreachable);
        assert_eq!(unreachable.to_string(), "host unreachable");
        let os_timeout = ConnectError::Io(io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(os_timeout.status(), HttpStatus::Timeout);
        assert_eq!(ConnectError::TimedOut.status(), HttpStatus::Timeout);
        assert_eq!(ConnectError::TimedOut.to_string(), "connect timed out");
    }

    #[test]
    fn tls_errors_use_rustls_words() {
        let e = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(
            tls_words(&e),
            "TLS: invalid peer certificate: UnknownIssuer"
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(
            tls_words(&eof),
            "TLS: connection closed during the handshake"
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            tls_words(&reset),
            "TLS: connection reset during the handshake"
        );
    }
}
