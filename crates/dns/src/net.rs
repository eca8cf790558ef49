//! Sockets: UDP sockets with large buffers, and the TCP fallback exchange.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Binds a non-blocking UDP socket on an ephemeral port with `buffer_bytes` send and receive
/// buffers. With `dual_stack` it is an IPv6 socket that also reaches IPv4 servers through
/// v4-mapped addresses (see [`send_addr`]).
pub(crate) fn bind_udp(dual_stack: bool, buffer_bytes: usize) -> io::Result<UdpSocket> {
    let (domain, local): (Domain, SocketAddr) = if dual_stack {
        (Domain::IPV6, (Ipv6Addr::UNSPECIFIED, 0).into())
    } else {
        (Domain::IPV4, (Ipv4Addr::UNSPECIFIED, 0).into())
    };
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if dual_stack {
        socket.set_only_v6(false)?;
    }
    // Best effort: the kernel caps the sizes at net.core.{r,w}mem_max.
    if buffer_bytes > 0 {
        if let Err(e) = socket.set_recv_buffer_size(buffer_bytes) {
            tracing::debug!(error = %e, "could not set SO_RCVBUF");
        }
        if let Err(e) = socket.set_send_buffer_size(buffer_bytes) {
            tracing::debug!(error = %e, "could not set SO_SNDBUF");
        }
    }
    socket.set_nonblocking(true)?;
    socket.bind(&local.into())?;
    UdpSocket::from_std(socket.into())
}

/// The address to send to (and expect answers from) for `server` on a socket bound by
/// [`bind_udp`]: the server itself, or its v4-mapped form on a dual-stack socket.
pub(crate) fn send_addr(server: SocketAddr, dual_stack: bool) -> SocketAddr {
    match server {
        SocketAddr::V4(v4) if dual_stack => {
            SocketAddrV6::new(v4.ip().to_ipv6_mapped(), v4.port(), 0, 0).into()
        }
        other => other,
    }
}

/// Sends one query over a new TCP connection (RFC 1035 §4.2.2 two-byte length framing) and
/// returns the response bytes.
pub(crate) async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
) -> io::Result<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(server).await?;
        stream.set_nodelay(true)?;
        let len = u16::try_from(query.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "query too long"))?;
        let mut framed = Vec::with_capacity(query.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(query);
        stream.write_all(&framed).await?;
        let len = stream.read_u16().await?;
        let mut response = vec![0; usize::from(len)];
        stream.read_exact(&mut response).await?;
        Ok(response)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TCP query timed out"))?
}
