//! Updates: whether Elevate looks for a new version, and where (the feed, a `latest.json` as
//! tauri-plugin-updater reads it). The user's `[updates]` decides unless the organisation's
//! `updates_enabled` / `update_feed` do. The app does the looking and installing, and the
//! plugin refuses any download whose signature does not match the public key built in; this
//! module only decides, so the decision is the same for every front end and tested here.

use serde::{Deserialize, Serialize};

use crate::managed::Policy;

/// The project's release feed (the release workflow attaches `latest.json` to each release).
pub const DEFAULT_FEED: &str =
    "https://github.com/elevate-pim/elevate/releases/latest/download/latest.json";

/// `[updates]` in config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct UpdatesConfig {
    /// Look for updates (at start, then daily, and from the tray). Unset: on in release
    /// builds, off in development builds and the demo (which must never reach the internet).
    pub enabled: Option<bool>,
    /// Another feed (an internal mirror). HTTPS, or HTTP on loopback only.
    pub feed: Option<String>,
}

/// What the app does about updates, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePlan {
    /// The feed to look at; `None`: updates are off.
    pub feed: Option<url::Url>,
    /// Why, in words for the settings window and the log.
    pub why: String,
    /// Set by the organisation: the user cannot change it.
    pub locked: bool,
}

/// A feed URL as the updater may use it: HTTPS, or HTTP to loopback (a local mirror or a
/// test), nothing else, so an update's metadata never crosses the network in clear text.
pub fn check_feed(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| format!("the update feed '{text}' is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "the update feed '{text}' must be an https:// URL (http:// only to this machine)"
        )),
    }
}

/// The plan from the organisation's policy, the user's `[updates]`, the build and the mode.
pub fn plan(user: &UpdatesConfig, policy: &Policy, release_build: bool, demo: bool) -> UpdatePlan {
    let by = policy
        .source
        .as_deref()
        .map(|s| format!("set by your organisation ({s})"))
        .unwrap_or_else(|| "set by your organisation".into());
    let (enabled, locked, why) = match (policy.updates_enabled, user.enabled) {
        (Some(on), _) => (on, true, by.clone()),
        (None, Some(on)) => (on, false, "your setting ([updates] enabled)".to_string()),
        (None, None) if demo => (false, false, "the demo never looks".to_string()),
        (None, None) if !release_build => (false, false, "a development build".to_string()),
        (None, None) => (true, false, "the default".to_string()),
    };
    if !enabled {
        return UpdatePlan {
            feed: None,
            why: format!("Updates are off: {why}."),
            locked,
        };
    }
    // The policy's feed was checked when the policy was read; the user's is checked here.
    let (feed, from) = match (&policy.update_feed, &user.feed) {
        (Some(f), _) => (check_feed(f), by),
        (None, Some(f)) => (check_feed(f), "your setting ([updates] feed)".to_string()),
        (None, None) => (check_feed(DEFAULT_FEED), "the project's releases".to_string()),
    };
    match feed {
        Ok(url) => UpdatePlan {
            why: format!("Updates are on ({why}); the feed is {url}, {from}."),
            feed: Some(url),
            locked,
        },
        Err(e) => UpdatePlan {
            feed: None,
            why: format!("Updates are off: {e}."),
            locked,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(enabled: Option<bool>, feed: Option<&str>) -> UpdatesConfig {
        UpdatesConfig {
            enabled,
            feed: feed.map(str::to_string),
        }
    }

    #[test]
    fn the_default_is_on_in_a_release_and_off_in_development_and_the_demo() {
        let none = Policy::default();
        let p = plan(&UpdatesConfig::default(), &none, true, false);
        assert_eq!(p.feed.as_ref().map(|u| u.as_str()), Some(DEFAULT_FEED));
        assert!(!p.locked);
        assert!(plan(&UpdatesConfig::default(), &none, false, false)
            .feed
            .is_none());
        let demo = plan(&UpdatesConfig::default(), &none, true, true);
        assert!(demo.feed.is_none() && demo.why.contains("demo"), "{}", demo.why);
        // The user may turn it on in a development build (a local mirror) or off anywhere.
        let on = plan(&user(Some(true), Some("http://127.0.0.1:9/latest.json")), &none, false, true);
        assert_eq!(on.feed.map(|u| u.to_string()).as_deref(), Some("http://127.0.0.1:9/latest.json"));
        assert!(plan(&user(Some(false), None), &none, true, false).feed.is_none());
    }

    #[test]
    fn the_organisation_beats_the_user_both_ways_and_says_so() {
        let off = Policy {
            updates_enabled: Some(false),
            source: Some("/etc/elevate/policy.json".into()),
            ..Default::default()
        };
        let p = plan(&user(Some(true), None), &off, true, false);
        assert!(p.feed.is_none() && p.locked);
        assert!(p.why.contains("/etc/elevate/policy.json"), "{}", p.why);
        let mirror = Policy {
            updates_enabled: Some(true),
            update_feed: Some("https://updates.contoso.example/elevate/latest.json".into()),
            ..Default::default()
        };
        let p = plan(&user(Some(false), Some("https://elsewhere.example/x.json")), &mirror, false, true);
        assert_eq!(
            p.feed.map(|u| u.host_str().unwrap_or_default().to_string()).as_deref(),
            Some("updates.contoso.example")
        );
        assert!(p.locked);
    }

    #[test]
    fn a_feed_is_https_or_loopback_http_and_a_bad_one_turns_updates_off_with_the_reason() {
        assert!(check_feed("https://updates.example/latest.json").is_ok());
        assert!(check_feed("http://localhost:8080/latest.json").is_ok());
        assert!(check_feed("http://[::1]:8080/latest.json").is_ok());
        for bad in ["http://updates.example/latest.json", "ftp://x/y", "file:///tmp/latest.json", "not a url", ""] {
            assert!(check_feed(bad).is_err(), "{bad}");
        }
        let p = plan(&user(Some(true), Some("http://updates.example/l.json")), &Policy::default(), true, false);
        assert!(p.feed.is_none() && p.why.contains("https://"), "{}", p.why);
    }
}
