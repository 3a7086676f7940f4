//! Which proxy a request takes: the proxy URLs (from the policy, `HTTPS_PROXY`/`HTTP_PROXY`/
//! `ALL_PROXY` in upper or lower case, or the settings' `[network] proxy`), the `NO_PROXY`
//! list parsed once, and the one decision per URL that both the HTTP client and the doctor use,
//! with the reason when a request goes direct.

use std::net::IpAddr;

use crate::error::Error;

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `*`: nothing is proxied.
    All,
    /// `10.0.0.0/8`, `fd00::/8`.
    Cidr(IpAddr, u8),
    /// `192.0.2.7`, `[::1]`, optionally with a port.
    Ip(IpAddr, Option<u16>),
    /// `contoso.com` or `.contoso.com` or `*.contoso.com`: the domain and every name below
    /// it, optionally with a port. Stored lower case, without the leading dot.
    Domain(String, Option<u16>),
}

/// A parsed `NO_PROXY` list: comma or white space separated; entries that mean nothing
/// (empty, a bad mask) are kept out and said by [`NoProxy::ignored`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    pub entries: Vec<(String, Entry)>,
    pub ignored: Vec<String>,
}

fn split_port(s: &str) -> (&str, Option<u16>) {
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => match p.parse::<u16>() {
            Ok(port) => (h, Some(port)),
            Err(_) => (s, None),
        },
        _ => (s, None),
    }
}

fn parse_entry(raw: &str) -> Option<Entry> {
    let s = raw.trim();
    if s == "*" {
        return Some(Entry::All);
    }
    if let Some((ip, bits)) = s.split_once('/') {
        let ip: IpAddr = ip.trim_matches(['[', ']']).parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        return (bits <= max).then_some(Entry::Cidr(ip, bits));
    }
    if let Ok(ip) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Some(Entry::Ip(ip, None));
    }
    let (host, port) = split_port(s);
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Some(Entry::Ip(ip, port));
    }
    let domain = host
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    valid.then_some(Entry::Domain(domain, port))
}

impl NoProxy {
    pub fn parse(list: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for raw in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| !r.is_empty())
        {
            match parse_entry(raw) {
                Some(e) => out.entries.push((raw.to_string(), e)),
                None => out.ignored.push(raw.to_string()),
            }
        }
        out
    }

    /// The entry (as written) that exempts `host:port`, if any. `host` is a name or an IP
    /// literal (brackets allowed).
    pub fn matching(&self, host: &str, port: u16) -> Option<&str> {
        let host = host.trim_matches(['[', ']']).trim_end_matches('.');
        let ip = host.parse::<IpAddr>().ok();
        let lower = host.to_ascii_lowercase();
        self.entries
            .iter()
            .find(|(_, e)| match e {
                Entry::All => true,
                Entry::Cidr(net, bits) => ip.is_some_and(|ip| in_cidr(ip, *net, *bits)),
                Entry::Ip(want, p) => ip == Some(*want) && p.is_none_or(|p| p == port),
                Entry::Domain(d, p) => {
                    ip.is_none()
                        && p.is_none_or(|p| p == port)
                        && (lower == *d
                            || (lower.len() > d.len()
                                && lower.ends_with(d.as_str())
                                && lower.as_bytes()[lower.len() - d.len() - 1] == b'.'))
                }
            })
            .map(|(raw, _)| raw.as_str())
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// A proxy to use, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub url: url::Url,
    /// `HTTPS_PROXY`, `policy`, `settings ([network] proxy)`...
    pub source: String,
}

impl Proxy {
    /// The proxy as it may be shown: scheme, host and port, never the credentials.
    pub fn shown(&self) -> String {
        let host = self.url.host_str().unwrap_or("?");
        let port = self
            .url
            .port_or_known_default()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        let creds = if self.url.username().is_empty() && self.url.password().is_none() {
            ""
        } else {
            " (with credentials)"
        };
        format!("{}://{host}{port}{creds}", self.url.scheme())
    }
}

/// Parses a proxy setting: `http://host:port`, `https://…`, `socks5://…` (`socks5h`: names
/// resolved by the proxy), or a bare `host:port` (http).
pub fn parse_proxy(text: &str, source: &str) -> Result<Proxy, Error> {
    let t = text.trim();
    let with_scheme = if t.contains("://") {
        t.to_string()
    } else {
        format!("http://{t}")
    };
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "the proxy from {source} is {why}: give it as http://host:port"
        ))
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(bad(&format!(
            "a {} proxy, which Elevate does not support",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("without a host"));
    }
    Ok(Proxy {
        url,
        source: source.to_string(),
    })
}

/// Why a request goes straight to its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direct {
    /// No proxy is set for this scheme.
    NoneSet,
    /// The policy says no proxy.
    PolicyDirect,
    /// This machine (127.0.0.0/8, ::1, localhost): a proxy could not reach it.
    Loopback,
    /// `NO_PROXY` (or the setting named) lists it.
    Exempt { entry: String, source: String },
}

impl Direct {
    pub fn words(&self) -> String {
        match self {
            Direct::NoneSet => {
                "none: no proxy is set (HTTPS_PROXY, HTTP_PROXY or [network] proxy)".into()
            }
            Direct::PolicyDirect => {
                "none: your organisation's policy says to connect directly".into()
            }
            Direct::Loopback => "none: this machine's own address is never sent to a proxy".into(),
            Direct::Exempt { entry, source } => format!("none: {source} lists '{entry}'"),
        }
    }
}

/// How one URL is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct(Direct),
    Proxy(Proxy),
}

pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']).trim_end_matches('.');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
