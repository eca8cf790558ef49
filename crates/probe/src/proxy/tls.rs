//! TLS to an `Https` proxy: rustls with the ring provider, webpki roots, SNI = the proxy's
//! host. The two client configurations (verifying, and accepting any certificate) are built
//! once per process and shared.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{ProxyEndpoint, ProxyError};
use crate::insecure;

type Config = Result<Arc<ClientConfig>, String>;

static VERIFYING: OnceLock<Config> = OnceLock::new();
static ACCEPTING_ANY: OnceLock<Config> = OnceLock::new();

/// The TLS handshake with the proxy over `tcp`.
pub(super) async fn connect(
    tcp: TcpStream,
    proxy: &ProxyEndpoint,
) -> Result<TlsStream<TcpStream>, ProxyError> {
    let tls_error = |detail: String| ProxyError::Tls {
        proxy: proxy.label.clone(),
        detail,
    };
    let config = if proxy.accept_invalid_certificates {
        ACCEPTING_ANY.get_or_init(|| build(true))
    } else {
        VERIFYING.get_or_init(|| build(false))
    }
    .clone()
    .map_err(tls_error)?;
    let name = ServerName::try_from(proxy.bare_host().to_owned())
        .map_err(|e| tls_error(format!("{:?} is not a valid server name: {e}", proxy.host)))?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            // rustls reports its own errors wrapped in io::Error; show the inner one.
            let detail = match e.get_ref() {
                Some(inner) => inner.to_string(),
                None => e.to_string(),
            };
            tls_error(detail)
        })
}

fn build(accept_any: bool) -> Config {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    insecure::client_config(provider, accept_any)
        .map(Arc::new)
        .map_err(|e| format!("cannot build the TLS configuration: {e}"))
}
