//! SOCKS5 (RFC 1928) with username/password authentication (RFC 1929), CONNECT only.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Deadline, ProxyEndpoint, ProxyError, ProxyStage};
use crate::{BoxIo, Io};

const VERSION: u8 = 5;
const METHOD_NO_AUTH: u8 = 0x00;
const METHOD_USER_PASS: u8 = 0x02;
const METHOD_NONE_ACCEPTABLE: u8 = 0xff;
const COMMAND_CONNECT: u8 = 1;
const ATYP_IPV4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_IPV6: u8 = 4;

/// The RFC 1929 message for the proxy's credentials, if it has any; checked before anything
/// is sent, so a bad configuration costs no connection.
pub(super) fn prepare(proxy: &ProxyEndpoint) -> Result<Option<Vec<u8>>, ProxyError> {
    match &proxy.username {
        Some(username) => Ok(Some(credentials_message(
            proxy,
            username,
            proxy.password.as_deref().unwrap_or(""),
        )?)),
        None => Ok(None),
    }
}

/// Negotiates the method (only username/password when `credentials` are given, only "no
/// authentication" otherwise), authenticates, sends CONNECT to the target's IP address and
/// reads the reply, bound address included. The stream is then the tunnel.
pub(super) async fn handshake<S: Io>(
    mut stream: S,
    credentials: Option<Vec<u8>>,
    proxy: &ProxyEndpoint,
    target: SocketAddr,
    deadline: &Deadline<'_>,
) -> Result<BoxIo, ProxyError> {
    let stage = ProxyStage::Greeting;
    let offered = if credentials.is_some() {
        METHOD_USER_PASS
    } else {
        METHOD_NO_AUTH
    };
    let choice = deadline
        .run(stage, async {
            stream
                .write_all(&[VERSION, 1, offered])
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            let mut choice = [0u8; 2];
            stream
                .read_exact(&mut choice)
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            Ok(choice)
        })
        .await?;
    check_method(proxy, deadline, choice, offered)?;

    if let Some(message) = credentials {
        let stage = ProxyStage::Authenticating;
        let answer = deadline
            .run(stage, async {
                stream
                    .write_all(&message)
                    .await
                    .map_err(|e| deadline.io_error(stage, e))?;
                let mut answer = [0u8; 2];
                stream
                    .read_exact(&mut answer)
                    .await
                    .map_err(|e| deadline.io_error(stage, e))?;
                Ok(answer)
            })
            .await?;
        check_auth(proxy, deadline, answer)?;
    }

    let stage = ProxyStage::Tunnel;
    let request = connect_request(target);
    deadline
        .run(stage, async {
            stream
                .write_all(&request)
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            let mut head = [0u8; 4];
            stream
                .read_exact(&mut head)
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            let [version, reply, _reserved, atyp] = head;
            if version != VERSION {
                return Err(
                    deadline.protocol(format!("the CONNECT reply has version {version}, not 5"))
                );
            }
            if reply != 0 {
                return Err(ProxyError::Refused {
                    proxy: proxy.label.clone(),
                    target,
                    reason: format!("SOCKS5 reply {reply} ({})", reply_words(reply)),
                    target_fault: is_target_fault(reply),
                });
            }
            // The bound address the proxy connected from; read it so the tunnel starts clean.
            let rest = match atyp {
                ATYP_IPV4 => 4 + 2,
                ATYP_IPV6 => 16 + 2,
                ATYP_DOMAIN => {
                    let mut len = [0u8; 1];
                    stream
                        .read_exact(&mut len)
                        .await
                        .map_err(|e| deadline.io_error(stage, e))?;
                    usize::from(len[0]) + 2
                }
                other => {
                    return Err(deadline.protocol(format!(
                        "the CONNECT reply has unknown address type {other}"
                    )));
                }
            };
            let mut bound = [0u8; 255 + 2];
            stream
                .read_exact(&mut bound[..rest])
                .await
                .map_err(|e| deadline.io_error(stage, e))?;
            Ok(())
        })
        .await?;
    Ok(Box::new(stream))
}

/// The RFC 1929 request: `01 ULEN UNAME PLEN PASSWD`.
fn credentials_message(
    proxy: &ProxyEndpoint,
    username: &str,
    password: &str,
) -> Result<Vec<u8>, ProxyError> {
    let config = |detail: &str| ProxyError::Config {
        proxy: proxy.label.clone(),
        detail: detail.to_owned(),
    };
    let ulen = u8::try_from(username.len())
        .map_err(|_| config("the SOCKS5 username is longer than 255 bytes"))?;
    if ulen == 0 {
        return Err(config("the SOCKS5 username is empty"));
    }
    let plen = u8::try_from(password.len())
        .map_err(|_| config("the SOCKS5 password is longer than 255 bytes"))?;
    let mut message = Vec::with_capacity(3 + username.len() + password.len());
    message.push(1);
    message.push(ulen);
    message.extend_from_slice(username.as_bytes());
    message.push(plen);
    message.extend_from_slice(password.as_bytes());
    Ok(message)
}

fn check_method(
    proxy: &ProxyEndpoint,
    deadline: &Deadline<'_>,
    [version, method]: [u8; 2],
    offered: u8,
) -> Result<(), ProxyError> {
    if version != VERSION {
        return Err(deadline.protocol(format!(
            "not a SOCKS5 proxy (the greeting reply has version {version})"
        )));
    }
    match method {
        m if m == offered => Ok(()),
        METHOD_NONE_ACCEPTABLE if offered == METHOD_NO_AUTH => Err(ProxyError::AuthRequired {
            proxy: proxy.label.clone(),
        }),
        METHOD_NONE_ACCEPTABLE => Err(ProxyError::AuthRejected {
            proxy: proxy.label.clone(),
            detail: "SOCKS5: the proxy does not accept username/password authentication".to_owned(),
        }),
        other => Err(deadline.protocol(format!(
            "the proxy chose SOCKS5 method {other:#04x}, which was not offered"
        ))),
    }
}

fn check_auth(
    proxy: &ProxyEndpoint,
    deadline: &Deadline<'_>,
    [version, status]: [u8; 2],
) -> Result<(), ProxyError> {
    // RFC 1929 says version 1; some proxies answer 5. Anything else is not this protocol.
    if version != 1 && version != VERSION {
        return Err(deadline.protocol(format!(
            "the authentication reply has version {version}, not 1"
        )));
    }
    if status == 0 {
        Ok(())
    } else {
        Err(ProxyError::AuthRejected {
            proxy: proxy.label.clone(),
            detail: format!("SOCKS5 username/password status {status}"),
        })
    }
}

/// `05 01 00 ATYP ADDR PORT` with the target's IP address.
fn connect_request(target: SocketAddr) -> Vec<u8> {
    let mut request = Vec::with_capacity(22);
    request.extend_from_slice(&[VERSION, COMMAND_CONNECT, 0]);
    match target {
        SocketAddr::V4(v4) => {
            request.push(ATYP_IPV4);
            request.extend_from_slice(&v4.ip().octets());
        }
        SocketAddr::V6(v6) => {
            request.push(ATYP_IPV6);
            request.extend_from_slice(&v6.ip().octets());
        }
    }
    request.extend_from_slice(&target.port().to_be_bytes());
    request
}

/// RFC 1928 §6 reply codes in words.
pub(super) fn reply_words(reply: u8) -> &'static str {
    match reply {
        0 => "succeeded",
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

/// Replies that mean the proxy worked and the target could not be reached.
fn is_target_fault(reply: u8) -> bool {
    matches!(reply, 3..=6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_request_uses_ip_address_types() {
        let v4: SocketAddr = "192.0.2.7:443".parse().expect("literal");
        assert_eq!(
            connect_request(v4),
            vec![5, 1, 0, 1, 192, 0, 2, 7, 0x01, 0xbb]
        );
        let v6: SocketAddr = "[2001:db8::1]:80".parse().expect("literal");
        let request = connect_request(v6);
        assert_eq!(request.len(), 4 + 16 + 2);
        assert_eq!(request[..4], [5, 1, 0, 4]);
        assert_eq!(request[4..6], [0x20, 0x01]);
        assert_eq!(request[20..], [0, 80]);
    }

    #[test]
    fn credentials_are_length_prefixed_and_bounded() {
        let proxy = ProxyEndpoint::new(super::super::ProxyProtocol::Socks5, "p", 1080);
        assert_eq!(
            credentials_message(&proxy, "ab", "xyz").expect("valid"),
            b"\x01\x02ab\x03xyz".to_vec()
        );
        assert_eq!(
            credentials_message(&proxy, "u", "").expect("valid"),
            b"\x01\x01u\x00".to_vec()
        );
        let long = "x".repeat(256);
        for (user, pass) in [("", "p"), (long.as_str(), "p"), ("u", long.as_str())] {
            let err = credentials_message(&proxy, user, pass).expect_err("invalid");
            assert!(matches!(err, ProxyError::Config { .. }), "{err}");
            assert!(err.is_proxy_fault());
        }
        assert!(credentials_message(&proxy, &"x".repeat(255), &"y".repeat(255)).is_ok());
    }

    #[test]
    fn reply_codes_have_words_and_faults() {
        assert_eq!(reply_words(5), "connection refused");
        assert_eq!(reply_words(9), "unassigned reply code");
        assert_eq!(reply_words(255), "unassigned reply code");
        for reply in [3, 4, 5, 6] {
            assert!(is_target_fault(reply), "{reply}");
        }
        for reply in [1, 2, 7, 8, 9, 255] {
            assert!(!is_target_fault(reply), "{reply}");
        }
    }
}
