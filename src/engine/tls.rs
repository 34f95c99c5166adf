//! How Stampede trusts an https target, in one place for every client it opens: the engine's
//! own client, the reachability check and the cache scraper (both reqwest). By default the
//! platform's trust store decides; `[target] ca_file` trusts only the given CA certificates (a
//! staging server with a private CA, a test server with a self-signed one); `[target] insecure`
//! turns certificate checks off entirely, which is only for throwaway test setups and is said in
//! the run's warnings.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::context::EngineError;
use crate::scenario::plan::TlsTrust;

/// The warning a run with `insecure = true` carries.
pub const INSECURE_WARNING: &str = "TLS certificate checks are OFF for this target \
    (`[target] insecure = true`): anyone between Stampede and the target could answer in its \
    place; use `ca_file` to trust a private CA instead";

/// The engine's rustls configuration for `trust` (the platform's trust store by default).
pub fn connector_config(trust: &TlsTrust) -> Result<ClientConfig, EngineError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    match client_config(trust)? {
        Some(config) => Ok(config),
        None => Ok(ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| EngineError::Tls(e.to_string()))?
        .with_no_client_auth()),
    }
}

/// The rustls configuration for `trust`, or `None` for the platform's trust store (each client
/// then uses its own platform verifier).
pub fn client_config(trust: &TlsTrust) -> Result<Option<ClientConfig>, EngineError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::Tls(e.to_string()))?;
    let config = match trust {
        TlsTrust::Platform => return Ok(None),
        TlsTrust::CaFile { path, certs } => {
            let mut roots = RootCertStore::empty();
            for cert in certs {
                roots.add(cert.clone()).map_err(|e| {
                    EngineError::Tls(format!(
                        "a certificate of '{}' cannot be trusted as a CA: {e}",
                        path.display()
                    ))
                })?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoCertificateCheck(provider)))
            .with_no_client_auth(),
    };
    Ok(Some(config))
}

/// A reqwest client builder that trusts the target as `trust` says.
pub fn reqwest_builder(trust: &TlsTrust) -> Result<reqwest::ClientBuilder, EngineError> {
    let builder = reqwest::Client::builder();
    Ok(match client_config(trust)? {
        Some(config) => builder.tls_backend_preconfigured(config),
        None => builder,
    })
}

/// Accepts any certificate; handshake signatures are still verified (so the connection works
/// with any server key), but nothing ties the key to the target's name.
#[derive(Debug)]
struct NoCertificateCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCertificateCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
