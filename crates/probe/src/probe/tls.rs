//! The TLS client configuration, built once per [`Prober`](super::Prober).
//!
//! Always the `ring` provider (never the process default, which another part of the process
//! may have installed differently), TLS 1.2 and 1.3 with the SHA-256 suites offered first,
//! ALPN `http/1.1`, no session resumption
//! (each domain is probed once, so a cache would only cost memory and a lock), and either the
//! Mozilla roots from `webpki-roots` or, with `accept_invalid_certificates`, a verifier that
//! accepts any certificate but still checks the handshake signatures (the connection is
//! still encrypted to whoever holds the certificate's key).

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::{CipherSuite, ClientConfig};

use crate::insecure;

/// The client configuration for probes.
pub(crate) fn client_config(
    accept_invalid_certificates: bool,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let mut provider = rustls::crypto::ring::default_provider();
    // Offer the SHA-256 suites first, as browsers do: AES-128-GCM and SHA-256 (with the CPU's
    // SHA extensions) make a handshake measurably cheaper than the AES-256/SHA-384 suite
    // ring lists first, and servers that honour the client's order pick them.
    provider
        .cipher_suites
        .sort_by_key(|s| (s.tls13().is_none(), uses_sha384(s.suite())));
    let mut config = insecure::client_config(Arc::new(provider), accept_invalid_certificates)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

fn uses_sha384(suite: CipherSuite) -> bool {
    matches!(
        suite,
        CipherSuite::TLS13_AES_256_GCM_SHA384
            | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_configurations_build() {
        for accept in [false, true] {
            let config = client_config(accept).expect("the ring provider has safe defaults");
            assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
            let suites: Vec<CipherSuite> = config
                .crypto_provider()
                .cipher_suites
                .iter()
                .map(|s| s.suite())
                .collect();
            assert_eq!(suites[0], CipherSuite::TLS13_AES_128_GCM_SHA256);
            assert_eq!(suites.len(), 9, "{suites:?}");
        }
    }
}
