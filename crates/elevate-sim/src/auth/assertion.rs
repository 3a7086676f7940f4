//! Client assertions as Microsoft's identity platform checks them: a JWT signed RS256 with the
//! key of a certificate registered on the app, named by its `x5t` (SHA-1) or `x5t#S256`
//! thumbprint; `aud` the token endpoint, `iss` = `sub` = the client id, within its lifetime.
//! The signature is verified for real (ring) with the public key read from the certificate.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;
use sha2::Digest;

use crate::scenario::AppRegistration;

/// One DER element: (tag, content, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The RSAPublicKey (PKCS#1 DER) of an X.509 certificate's subjectPublicKeyInfo.
pub fn rsa_public_key(cert_der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert, _) = tlv(cert_der)?; // Certificate
    let (_, tbs, _) = tlv(cert)?; // TBSCertificate
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xA0 {
        rest = r; // [0] version
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (_, spki, _) = tlv(rest)?;
    let (_, _algorithm, r) = tlv(spki)?;
    let (tag, bits, _) = tlv(r)?;
    if tag != 0x03 || bits.first() != Some(&0) {
        return None;
    }
    Some(bits[1..].to_vec())
}

/// The DER of the first certificate in a PEM text.
pub fn pem_certificate(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = pem[start..].find("-----END CERTIFICATE-----")? + start;
    let body: String = pem[start..end].split_whitespace().collect();
    STANDARD.decode(body).ok()
}

/// Why an assertion is refused, as Entra says it (code, text).
pub type Refusal = (u32, String);

/// Checks `assertion` for `app` at the token endpoint `path`, at `now` (seconds).
pub fn verify(assertion: &str, app: &AppRegistration, path: &str, now: i64) -> Result<(), Refusal> {
    let bad = |why: &str| (50027, format!("JWT token is invalid or malformed: {why}."));
    let mut parts = assertion.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not three parts"));
    };
    let json = |x: &str| -> Option<Value> {
        serde_json::from_slice(&B64.decode(x.trim_end_matches('=')).ok()?).ok()
    };
    let header = json(h).ok_or_else(|| bad("the header is not base64url JSON"))?;
    let claims = json(p).ok_or_else(|| bad("the payload is not base64url JSON"))?;
    if header["alg"].as_str() != Some("RS256") {
        return Err(bad("alg must be RS256"));
    }
    let x5t = header["x5t"].as_str();
    let x5t256 = header["x5t#S256"].as_str();
    let cert = app.certificates.iter().find_map(|c| {
        let der = pem_certificate(&c.pem)?;
        let sha1 = B64.encode(sha1::Sha1::digest(&der));
        let sha256 = B64.encode(sha2::Sha256::digest(&der));
        (x5t == Some(sha1.as_str()) || x5t256 == Some(sha256.as_str())).then_some(der)
    });
    let Some(der) = cert else {
        return Err((
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                x5t.unwrap_or("none")
            ),
        ));
    };
    let key =
        rsa_public_key(&der).ok_or_else(|| bad("the registered certificate has no RSA key"))?;
    let sig = B64
        .decode(s.trim_end_matches('='))
        .map_err(|_| bad("the signature is not base64url"))?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key)
        .verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| {
            (
                700027,
                "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]".to_string(),
            )
        })?;
    if !claims["aud"].as_str().is_some_and(|a| a.ends_with(path)) {
        return Err((
            700021,
            format!("Client assertion audience claim does not match Realm issuer (expected the token endpoint ending {path})."),
        ));
    }
    let id = app.app_id.as_str();
    if !claims["iss"]
        .as_str()
        .is_some_and(|x| x.eq_ignore_ascii_case(id))
        || !claims["sub"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(id))
    {
        return Err((
            700023,
            "Client assertion iss and sub must be the client id.".into(),
        ));
    }
    let exp = claims["exp"].as_i64().unwrap_or(0);
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    // Entra allows a few minutes of clock skew.
    if exp + 300 < now || nbf - 300 > now {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_refused_without_panicking() {
        assert!(rsa_public_key(&[0x30, 0x82, 0xff]).is_none());
        assert!(pem_certificate("no pem").is_none());
    }
}
