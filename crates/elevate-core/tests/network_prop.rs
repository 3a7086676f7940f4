//! Property tests of the network parsers: the NO_PROXY list (never panics; a domain covers
//! itself and the names below it and nothing else; CIDR containment) and the certificate
//! reader (never panics on any bytes, reads what rcgen wrote).

use elevate_core::network::cert;
use elevate_core::network::NoProxy;
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,10}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_list_parses_and_matches_without_panicking(list in ".{0,80}", host in ".{0,40}", port in any::<u16>()) {
        let parsed = NoProxy::parse(&list);
        let _ = parsed.matching(&host, port);
    }

    #[test]
    fn a_domain_covers_itself_and_below_and_not_lookalikes(
        a in label(), b in label(), sub in label(), other in label(), dot in any::<bool>(), port in 1u16..,
    ) {
        let domain = format!("{a}.{b}");
        let entry = if dot { format!(".{domain}") } else { domain.clone() };
        let list = NoProxy::parse(&format!("  {entry} , 192.0.2.1"));
        prop_assert_eq!(list.matching(&domain, port), Some(entry.as_str()));
        let below = format!("{sub}.{domain}");
        prop_assert_eq!(list.matching(&below, port), Some(entry.as_str()));
        let upper = below.to_ascii_uppercase();
        prop_assert_eq!(list.matching(&upper, port), Some(entry.as_str()));
        // Sharing a suffix is not being below: `x-contoso.com` is not `contoso.com`.
        let lookalike = format!("{other}{a}.{b}");
        prop_assert_eq!(list.matching(&lookalike, port), None);
        let lookalike = format!("{domain}.{other}");
        prop_assert_eq!(list.matching(&lookalike, port), None);
    }

    #[test]
    fn cidr_contains_exactly_its_addresses(ip in any::<u32>(), bits in 0u8..=32, probe in any::<u32>()) {
        let net = std::net::Ipv4Addr::from(ip);
        let list = NoProxy::parse(&format!("{net}/{bits}"));
        let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
        let inside = probe & mask == ip & mask;
        let host = std::net::Ipv4Addr::from(probe).to_string();
        prop_assert_eq!(list.matching(&host, 443).is_some(), inside);
        // A name is never matched by an address rule.
        prop_assert_eq!(list.matching("graph.microsoft.com", 443), None);
    }

    #[test]
    fn a_port_entry_covers_only_that_port(a in label(), port in 1u16.., other in 1u16..) {
        let list = NoProxy::parse(&format!("{a}.example:{port}"));
        let host = format!("{a}.example");
        prop_assert!(list.matching(&host, port).is_some());
        prop_assert_eq!(list.matching(&host, other).is_some(), other == port);
    }

    #[test]
    fn the_certificate_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = cert::summary(&bytes);
    }
}

#[test]
fn the_certificate_reader_reads_rcgen_certificates_and_survives_their_corruption() {
    let ca = elevate_sim::TestCa::new("Corp Inspection Root").expect("ca");
    let id = ca.issue(&["graph.microsoft.com"]).expect("issue");
    let der: Vec<u8> = rustls_pem(&id.cert_chain_pem);
    let s = cert::summary(&der).expect("summary");
    assert_eq!(s.issuer, "Corp Inspection Root");
    assert_eq!(s.subject, "graph.microsoft.com");
    let (from, to) = (s.not_before.expect("from"), s.not_after.expect("to"));
    assert!(from < to, "{from} {to}");
    // Every truncation and every single-byte change: no panic.
    for n in 0..der.len() {
        let _ = cert::summary(&der[..n]);
        let mut bad = der.clone();
        bad[n] ^= 0xff;
        let _ = cert::summary(&bad);
    }
}

fn rustls_pem(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("pem")
}
