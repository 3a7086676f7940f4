//! Reading a certificate's issuer, subject and validity from its DER bytes: a small, bounded
//! DER walker (no allocation beyond the names it returns), enough for the TLS check to name
//! who issued a server's certificate (so TLS inspection is visible) and when it expires.

use chrono::{DateTime, NaiveDate, Utc};

/// What the doctor and the TLS errors say about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The issuer's common name, else its organisation, else "an unnamed issuer".
    pub issuer: String,
    /// The subject's common name (or organisation), as the issuer is.
    pub subject: String,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
}

/// One DER element: tag, contents, what follows. None when the bytes are not DER this walker
/// reads (high tag numbers, lengths above 4 bytes, a length past the end).
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, body, rest) = element(input)?;
    (t == tag).then_some((body, rest))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

/// Reads a certificate's summary; None when the bytes are not a certificate.
pub fn summary(der: &[u8]) -> Option<Summary> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    // [0] EXPLICIT version, optional.
    if let Some((0xa0, _, after)) = element(rest) {
        rest = after;
    }
    let (_serial, after) = expect(rest, 0x02)?;
    let (_algorithm, after) = expect(after, SEQUENCE)?;
    let (issuer, after) = expect(after, SEQUENCE)?;
    let (validity, after) = expect(after, SEQUENCE)?;
    let (subject, _) = expect(after, SEQUENCE)?;
    let (t1, b1, after) = element(validity)?;
    let (t2, b2, _) = element(after)?;
    Some(Summary {
        issuer: name(issuer).unwrap_or_else(|| "an unnamed issuer".into()),
        subject: name(subject).unwrap_or_else(|| "an unnamed subject".into()),
        not_before: time(t1, b1),
        not_after: time(t2, b2),
    })
}

/// The CN of a Name, else its O.
fn name(mut rdns: &[u8]) -> Option<String> {
    let (mut cn, mut o) = (None, None);
    while !rdns.is_empty() {
        let (set, after) = expect(rdns, SET)?;
        rdns = after;
        let mut attrs = set;
        while !attrs.is_empty() {
            let (attr, after) = expect(attrs, SEQUENCE)?;
            attrs = after;
            let (oid, value) = expect(attr, OID)?;
            let (tag, text, _) = element(value)?;
            if oid == OID_CN {
                cn = cn.or_else(|| string(tag, text));
            } else if oid == OID_O {
                o = o.or_else(|| string(tag, text));
            }
        }
    }
    cn.or(o).filter(|s| !s.is_empty())
}

/// A directory string as text, control characters dropped (it is shown on terminals).
fn string(tag: u8, bytes: &[u8]) -> Option<String> {
    let text = match tag {
        // BMPString: UTF-16BE.
        0x1e => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        0x0c | 0x13 | 0x14 | 0x16 | 0x1a => String::from_utf8_lossy(bytes).into_owned(),
        _ => return None,
    };
    Some(text.chars().filter(|c| !c.is_control()).take(200).collect())
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, bytes: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy: i32 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (0x18, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let n = |i: usize| rest[i..i + 2].parse::<u32>().ok();
    let at = NaiveDate::from_ymd_opt(year, n(0)?, n(2)?)?.and_hms_opt(n(4)?, n(6)?, n(8)?)?;
    Some(at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_garbage() {
        assert_eq!(
            time(0x17, b"491231235959Z").map(|t| t.to_rfc3339()),
            Some("2049-12-31T23:59:59+00:00".into())
        );
        assert_eq!(
            time(0x17, b"500101000000Z").map(|t| t.to_rfc3339()),
            Some("1950-01-01T00:00:00+00:00".into())
        );
        assert!(time(0x18, b"20261301000000Z").is_none());
        assert!(summary(&[]).is_none());
        assert!(summary(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
    }
}
