//! The network settings every HTTP request follows: TLS trusted through the operating system's
//! store ([`tls`]), the proxy chosen per URL ([`proxy`]: policy, then the environment, then the
//! settings), and the reqwest client built from them (the only place one is built).

pub mod cert;
pub mod proxy;
pub mod tls;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;
pub use proxy::{Direct, NoProxy, Proxy, Route};

/// The settings file's `[network]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct NetworkConfig {
    /// `http://proxy.contoso.com:3128`; used when no `HTTPS_PROXY`/`HTTP_PROXY` is set.
    pub proxy: Option<String>,
    /// Hosts never sent to the proxy, as `NO_PROXY` (`.contoso.com, 10.0.0.0/8`); added to it.
    pub no_proxy: Option<String>,
}

/// A proxy set by an administrator (the managed settings' `proxy` and `no_proxy` keys); it beats
/// the environment and the user's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyProxy {
    /// A proxy URL, or `direct` (no proxy, whatever the environment says).
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
}

impl PolicyProxy {
    /// The policy's proxy keys, when it sets either.
    pub fn of(policy: &crate::managed::Policy) -> Option<PolicyProxy> {
        let p = PolicyProxy {
            proxy: policy.proxy().map(str::to_string),
            no_proxy: policy.no_proxy().map(str::to_string),
        };
        (p.proxy.is_some() || p.no_proxy.is_some()).then_some(p)
    }
}

/// Where each request goes: the proxies by scheme and the exemptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    pub https: Option<Proxy>,
    pub http: Option<Proxy>,
    /// The policy forces direct connections.
    pub policy_direct: bool,
    /// The exemptions and where each list came from.
    pub no_proxy: Vec<(String, NoProxy)>,
}

/// Reads a variable in lower case first, then upper case (curl's order).
fn either(vars: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<(String, String)> {
    [name.to_ascii_lowercase(), name.to_ascii_uppercase()]
        .into_iter()
        .find_map(|n| vars(&n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
}

impl Network {
    /// No proxy at all.
    pub fn direct() -> Network {
        Network::default()
    }

    /// The policy's proxy, else `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (either case), else the
    /// settings' `[network] proxy`; `NO_PROXY` and `[network] no_proxy` (and the policy's) exempt.
    pub fn resolve(
        vars: &dyn Fn(&str) -> Option<String>,
        config: &NetworkConfig,
        policy: Option<&PolicyProxy>,
    ) -> Result<Network, Error> {
        let mut net = Network::default();
        let mut add_exempt = |source: &str, list: &str| {
            let parsed = NoProxy::parse(list);
            for bad in &parsed.ignored {
                tracing::warn!("{source}: '{bad}' is not a host, domain, IP or CIDR; ignored");
            }
            net.no_proxy.push((source.to_string(), parsed));
        };
        if let Some(list) = policy.and_then(|p| p.no_proxy.as_deref()) {
            add_exempt("your organisation's policy (no_proxy)", list);
        }
        if let Some((name, list)) = either(vars, "no_proxy") {
            add_exempt(&name, &list);
        }
        if let Some(list) = config.no_proxy.as_deref().filter(|l| !l.trim().is_empty()) {
            add_exempt("the settings ([network] no_proxy)", list);
        }
        if let Some(p) = policy.and_then(|p| p.proxy.as_deref()) {
            if p.trim().eq_ignore_ascii_case("direct") || p.trim().eq_ignore_ascii_case("none") {
                net.policy_direct = true;
                return Ok(net);
            }
            let proxy = proxy::parse_proxy(p, "your organisation's policy")?;
            net.https = Some(proxy.clone());
            net.http = Some(proxy);
            return Ok(net);
        }
        let all = either(vars, "all_proxy");
        let from_env = |name: &str| -> Result<Option<Proxy>, Error> {
            either(vars, name)
                .or_else(|| all.clone())
                .map(|(n, v)| proxy::parse_proxy(&v, &n))
                .transpose()
        };
        net.https = from_env("https_proxy")?;
        net.http = from_env("http_proxy")?;
        if net.https.is_none() && net.http.is_none() {
            if let Some(p) = config.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
                let proxy = proxy::parse_proxy(p, "the settings ([network] proxy)")?;
                net.https = Some(proxy.clone());
                net.http = Some(proxy);
            }
        }
        Ok(net)
    }

    /// This process's environment and no settings (the default for a bare `Http::new`).
    pub fn from_process_env() -> Network {
        let var = |k: &str| std::env::var(k).ok();
        Network::resolve(&var, &NetworkConfig::default(), None).unwrap_or_else(|e| {
            tracing::warn!("the proxy settings are not usable ({e}); connecting directly");
            Network::default()
        })
    }

    /// The proxies and exemptions in words, credentials hidden.
    pub fn describe(&self) -> String {
        if self.policy_direct {
            return "none (your organisation's policy says to connect directly)".into();
        }
        let one = |p: &Option<Proxy>| match p {
            Some(p) => format!("{} (from {})", p.shown(), p.source),
            None => "none".into(),
        };
        let mut out = if self.https == self.http {
            one(&self.https)
        } else {
            format!("https: {}; http: {}", one(&self.https), one(&self.http))
        };
        for (source, list) in &self.no_proxy {
            let entries: Vec<&str> = list.entries.iter().map(|(raw, _)| raw.as_str()).collect();
            out.push_str(&format!("; not for {} (from {source})", entries.join(", ")));
        }
        out
    }

    /// How `url` is reached.
    pub fn route(&self, url: &url::Url) -> Route {
        if self.policy_direct {
            return Route::Direct(Direct::PolicyDirect);
        }
        let proxy = match url.scheme() {
            "https" => &self.https,
            _ => &self.http,
        };
        let Some(proxy) = proxy else {
            return Route::Direct(Direct::NoneSet);
        };
        let host = url.host_str().unwrap_or_default();
        if proxy::is_loopback(host) {
            return Route::Direct(Direct::Loopback);
        }
        let port = url.port_or_known_default().unwrap_or(443);
        for (source, list) in &self.no_proxy {
            if let Some(entry) = list.matching(host, port) {
                return Route::Direct(Direct::Exempt {
                    entry: entry.to_string(),
                    source: source.clone(),
                });
            }
        }
        Route::Proxy(proxy.clone())
    }

    /// The one reqwest client builder: the system's trust store, this proxy decision, no
    /// redirects, bounded timeouts. Every reqwest client in Elevate starts here.
    pub fn client_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        let me = self.clone();
        let proxy = reqwest::Proxy::custom(move |url| match me.route(url) {
            Route::Proxy(p) => Some(p.url),
            Route::Direct(_) => None,
        });
        Ok(reqwest::Client::builder()
            .use_preconfigured_tls(tls::client_config()?)
            .no_proxy()
            .proxy(proxy)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("Elevate/", env!("CARGO_PKG_VERSION"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn route(net: &Network, url: &str) -> Route {
        net.route(&url::Url::parse(url).expect("url"))
    }

    #[test]
    fn environment_then_settings_and_the_policy_above_both() {
        let cfg = NetworkConfig {
            proxy: Some("settings.example:8080".into()),
            no_proxy: Some(".corp.example".into()),
        };
        let net = Network::resolve(
            &vars(&[
                ("HTTPS_PROXY", "http://env.example:3128"),
                ("no_proxy", "graph.microsoft.com"),
            ]),
            &cfg,
            None,
        )
        .expect("net");
        let Route::Proxy(p) = route(&net, "https://login.microsoftonline.com/x") else {
            panic!("proxied")
        };
        assert_eq!(
            (p.shown().as_str(), p.source.as_str()),
            ("http://env.example:3128", "HTTPS_PROXY")
        );
        assert_eq!(
            route(&net, "https://graph.microsoft.com/v1.0"),
            Route::Direct(Direct::Exempt {
                entry: "graph.microsoft.com".into(),
                source: "no_proxy".into()
            })
        );
        assert!(matches!(
            route(&net, "https://a.corp.example"),
            Route::Direct(Direct::Exempt { .. })
        ));
        assert_eq!(
            route(&net, "http://127.0.0.1:8400/login"),
            Route::Direct(Direct::NoneSet)
        );
        assert_eq!(
            route(&net, "https://localhost:8400/login"),
            Route::Direct(Direct::Loopback)
        );

        let net = Network::resolve(&vars(&[]), &cfg, None).expect("net");
        let Route::Proxy(p) = route(&net, "https://management.azure.com") else {
            panic!("proxied")
        };
        assert_eq!(p.url.as_str(), "http://settings.example:8080/");

        let policy = PolicyProxy {
            proxy: Some("direct".into()),
            no_proxy: None,
        };
        let net = Network::resolve(
            &vars(&[("HTTPS_PROXY", "http://env.example:3128")]),
            &cfg,
            Some(&policy),
        )
        .expect("net");
        assert_eq!(
            route(&net, "https://graph.microsoft.com"),
            Route::Direct(Direct::PolicyDirect)
        );
    }

    #[test]
    fn credentials_never_shown_and_bad_proxies_refused() {
        let p =
            proxy::parse_proxy("http://alice:s3cret@proxy.example:3128", "HTTPS_PROXY").expect("p");
        assert_eq!(p.shown(), "http://proxy.example:3128 (with credentials)");
        assert!(!p.shown().contains("s3cret"));
        let e = proxy::parse_proxy("socks4://proxy:1080", "ALL_PROXY").expect_err("socks4");
        assert!(e.to_string().contains("socks4"), "{e}");
        assert!(proxy::parse_proxy("socks5h://proxy:1080", "ALL_PROXY").is_ok());
    }
}
