//! A client certificate for the client-credentials grant: read from a PEM file holding the
//! certificate and its RSA private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), and
//! the signed client assertion Microsoft's identity platform takes: a JWT, RS256, with the
//! certificate's `x5t` (SHA-1) and `x5t#S256` thumbprints in its header and `aud` the token
//! endpoint, `iss` = `sub` = the client id, `jti`, `nbf`, `exp` [DOC certificate-credentials].
//! The private key never leaves this module and is never printed.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use chrono::{DateTime, Utc};
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::json;
use sha2::Digest;

use crate::error::Error;
use crate::secret::Secret;

/// The private key, opaque: its `Debug` shows nothing of it.
struct SigningKey(RsaKeyPair);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

#[derive(Debug)]
pub struct Certificate {
    der: Vec<u8>,
    key: SigningKey,
}

/// The PEM blocks of a file: (label, DER bytes).
pub fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    let mut label: Option<String> = None;
    let mut body = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(l) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            label = Some(l.to_string());
            body.clear();
        } else if line.starts_with("-----END ") {
            if let Some(l) = label.take() {
                if let Ok(der) = STANDARD.decode(body.as_bytes()) {
                    out.push((l, der));
                }
            }
        } else if label.is_some() && !line.contains(':') {
            body.push_str(line);
        }
    }
    out
}

impl Certificate {
    /// Reads `path` (AZURE_CLIENT_CERTIFICATE_PATH). Encrypted keys and PKCS#12 files are
    /// refused with what to do instead.
    pub fn load(path: &std::path::Path, password: Option<&str>) -> Result<Certificate, Error> {
        let name = path.display();
        let lower = name.to_string().to_ascii_lowercase();
        if lower.ends_with(".pfx") || lower.ends_with(".p12") {
            return Err(Error::Unsupported(format!(
                "{name} is a PKCS#12 (.pfx) file; Elevate reads PEM: convert it with `openssl pkcs12 -in {name} -out cert.pem -nodes` (keep the result private) and point AZURE_CLIENT_CERTIFICATE_PATH at it"
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading the client certificate {name}"), e))?;
        Certificate::from_pem(&text, password, &name.to_string())
    }

    pub fn from_pem(text: &str, password: Option<&str>, name: &str) -> Result<Certificate, Error> {
        let blocks = pem_blocks(text);
        let der = blocks
            .iter()
            .find(|(l, _)| l == "CERTIFICATE")
            .map(|(_, d)| d.clone())
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{name} holds no certificate (-----BEGIN CERTIFICATE-----): put the certificate and its private key in one PEM file"
                ))
            })?;
        let encrypted = blocks.iter().any(|(l, _)| l == "ENCRYPTED PRIVATE KEY")
            || text.contains("Proc-Type: 4,ENCRYPTED");
        if encrypted || password.is_some_and(|p| !p.is_empty()) {
            return Err(Error::Unsupported(format!(
                "{name}: encrypted private keys (AZURE_CLIENT_CERTIFICATE_PASSWORD) are not supported: decrypt it with `openssl pkcs8 -in key.pem -out plain-key.pem`, keep that file readable by you only, and unset AZURE_CLIENT_CERTIFICATE_PASSWORD"
            )));
        }
        let key = blocks
            .iter()
            .find_map(|(l, d)| match l.as_str() {
                "PRIVATE KEY" => Some(RsaKeyPair::from_pkcs8(d)),
                "RSA PRIVATE KEY" => Some(RsaKeyPair::from_der(d)),
                _ => None,
            })
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{name} holds no private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----): put the certificate and its private key in one PEM file"
                ))
            })?
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "{name}: the private key is not an RSA key Elevate can use ({e}); Microsoft Entra client certificates are RSA, 2048 bits or more"
                ))
            })?;
        Ok(Certificate {
            der,
            key: SigningKey(key),
        })
    }

    /// The SHA-1 thumbprint in hex, as the portal shows it.
    pub fn thumbprint(&self) -> String {
        sha1::Sha1::digest(&self.der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The signed client assertion for `audience` (the token endpoint), valid 10 minutes.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: DateTime<Utc>,
    ) -> Result<Secret, Error> {
        let header = json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": B64.encode(sha1::Sha1::digest(&self.der)),
            "x5t#S256": B64.encode(sha2::Sha256::digest(&self.der)),
        });
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now.timestamp(),
            "iat": now.timestamp(),
            "exp": now.timestamp() + 600,
        });
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let rng = ring::rand::SystemRandom::new();
        let mut sig = vec![0u8; self.key.0.public().modulus_len()];
        self.key
            .0
            .sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig)
            .map_err(|_| Error::Unsupported("signing the client assertion failed".into()))?;
        Ok(Secret::new(format!("{input}.{}", B64.encode(sig))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_yields_blocks_or_nothing(s in "\\PC{0,400}") {
            let _ = pem_blocks(&s);
            proptest::prop_assert!(Certificate::from_pem(&s, None, "x").is_err());
        }
    }

    #[test]
    fn blocks_are_read_with_their_labels() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nBAUG\n-----END PRIVATE KEY-----\n";
        let b = pem_blocks(text);
        assert_eq!(b[0], ("CERTIFICATE".to_string(), vec![1, 2, 3]));
        assert_eq!(b[1].0, "PRIVATE KEY");
    }
}
