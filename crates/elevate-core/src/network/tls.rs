//! TLS trust: rustls with the operating system's trust store (rustls-platform-verifier: the
//! Windows and macOS verifiers; on Linux the system's CA files, or only `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` when either is set), so a corporate TLS-inspection CA that IT installed
//! works with no flag. Refusals are said in words that name the certificate's issuer.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::cert;

/// A refusal in words: what `Http` and the doctor show.
#[derive(Debug)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

fn refuse(words: String) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
        Refusal(words),
    ))))
}

/// The platform verifier, its refusals explained. Built when the client is: the trust store is
/// read then (a CA installed later needs a restart).
#[derive(Debug)]
struct Trust {
    inner: Result<rustls_platform_verifier::Verifier, String>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Trust {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verifier = self.inner.as_ref().map_err(|why| refuse(why.clone()))?;
        verifier
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map_err(|e| explain(e, end_entity, server_name))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The words for a certificate the system does not accept.
fn explain(
    e: rustls::Error,
    end_entity: &CertificateDer<'_>,
    name: &ServerName<'_>,
) -> rustls::Error {
    let summary = cert::summary(end_entity);
    let issuer = summary
        .as_ref()
        .map(|s| s.issuer.clone())
        .unwrap_or_else(|| "an unreadable issuer".into());
    let host = name.to_str();
    let words = match &e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "TLS: certificate issued by {issuer} is not trusted by this system (for {host}). If your organisation inspects TLS, have its CA installed in the system's trust store (on Linux: the CA file in /usr/local/share/ca-certificates, then update-ca-certificates; or SSL_CERT_FILE)"
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => {
            let when = summary
                .as_ref()
                .and_then(|s| s.not_after)
                .map(|t| t.format(" on %Y-%m-%d").to_string())
                .unwrap_or_default();
            format!("TLS: the certificate of {host} (issued by {issuer}) expired{when}; check this machine's clock and date")
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => format!(
            "TLS: the certificate of {host} (issued by {issuer}) is not valid yet; check this machine's clock and date"
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "TLS: the certificate presented for {host} (issued by {issuer}) is for another name ({})",
            summary.as_ref().map(|s| s.subject.as_str()).unwrap_or("unknown")
        ),
        rustls::Error::InvalidCertificate(CertificateError::Revoked) => format!(
            "TLS: the certificate of {host} (issued by {issuer}) is revoked"
        ),
        other => format!("TLS: the certificate of {host} (issued by {issuer}) was refused: {other}"),
    };
    tracing::warn!("{words}");
    refuse(words)
}

/// The crypto Elevate uses (ring, which reqwest's rustls is built with).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client config that trusts what this system trusts, for reqwest and the doctor.
pub fn client_config() -> Result<rustls::ClientConfig, crate::Error> {
    let provider = provider();
    let inner = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| {
        tracing::warn!("the system's trust store could not be read: {e}");
        format!("TLS: this system's trust store has no usable CA certificate ({e}); install the ca-certificates package, or point SSL_CERT_FILE at a CA bundle")
    });
    let trust = Arc::new(Trust {
        inner,
        provider: provider.clone(),
    });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| crate::Error::Network(format!("TLS cannot be set up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(trust)
        .with_no_client_auth())
}

/// The words of a TLS refusal somewhere in an error's chain (a reqwest or an I/O error).
pub fn refusal_in(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(words) = words_of(err) {
            return Some(words);
        }
        // An io::Error hides its inner error from `source()`: look inside.
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(words) = words_of(inner) {
                return Some(words);
            }
        }
        cur = err.source();
    }
    None
}

fn words_of(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(r) = err.downcast_ref::<Refusal>() {
        return Some(r.0.clone());
    }
    match err.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(CertificateError::Other(o)) => {
            o.0.downcast_ref::<Refusal>()
                .map(|r| r.0.clone())
                .or_else(|| Some(format!("TLS: {}", o.0)))
        }
        other => Some(format!("TLS: {other}")),
    }
}
