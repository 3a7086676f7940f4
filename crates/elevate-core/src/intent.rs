//! What a tray menu entry or a notification button asks for, as one typed enum. `id()` and
//! `parse()` are the only place where intents become strings (menu ids, action ids) and back.

/// Something the user asked for from the tray or a notification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Intent {
    /// Open the popup, on an assignment's form when given.
    Open(Option<String>),
    Refresh,
    Settings,
    Quit,
    /// Activate a favorite with what it saved (by assignment key).
    ActivateFavorite(String),
    Extend(String),
    Deactivate(String),
    /// Cancel the pending request of an assignment (by key).
    Cancel(String),
    SwitchAccount(String),
    SignIn,
    SignInAnother,
    SignOut,
    /// A label that does nothing (a countdown, "Nothing active").
    Info(String),
    /// A notification's Dismiss.
    Dismiss,
    /// Approve a request waiting for me (by approval key), from a notification or the menu.
    Approve(String),
    /// Deny a request waiting for me (by approval key).
    Deny(String),
    /// Activate a bundle (by name) with what it saved.
    ActivateBundle(String),
    /// Deactivate every active member of a bundle (by name).
    DeactivateBundle(String),
    /// Open the portal on an assignment (by key) in a fresh private browser window.
    OpenPortalPrivate(String),
}

/// The prefixes of intents that carry an argument, and the plain ones.
const OPEN_ON: &str = "open:";
const FAVORITE: &str = "fav:";
const EXTEND: &str = "extend:";
const DEACTIVATE: &str = "deactivate:";
const CANCEL: &str = "cancel:";
const SWITCH: &str = "switch:";
const INFO: &str = "info:";
const APPROVE: &str = "approve:";
const DENY: &str = "deny:";
const BUNDLE: &str = "bundle:";
const BUNDLE_OFF: &str = "bundle-off:";
const PORTAL_PRIVATE: &str = "portal-private:";

impl Intent {
    /// The id a menu entry or a notification action carries.
    pub fn id(&self) -> String {
        match self {
            Intent::Open(None) => "open".into(),
            Intent::Open(Some(k)) => format!("{OPEN_ON}{k}"),
            Intent::Refresh => "refresh".into(),
            Intent::Settings => "settings".into(),
            Intent::Quit => "quit".into(),
            Intent::ActivateFavorite(k) => format!("{FAVORITE}{k}"),
            Intent::Extend(k) => format!("{EXTEND}{k}"),
            Intent::Deactivate(k) => format!("{DEACTIVATE}{k}"),
            Intent::Cancel(k) => format!("{CANCEL}{k}"),
            Intent::SwitchAccount(id) => format!("{SWITCH}{id}"),
            Intent::SignIn => "signin".into(),
            Intent::SignInAnother => "signin-other".into(),
            Intent::SignOut => "signout".into(),
            Intent::Info(k) => format!("{INFO}{k}"),
            Intent::Dismiss => "dismiss".into(),
            Intent::Approve(k) => format!("{APPROVE}{k}"),
            Intent::Deny(k) => format!("{DENY}{k}"),
            Intent::ActivateBundle(n) => format!("{BUNDLE}{n}"),
            Intent::DeactivateBundle(n) => format!("{BUNDLE_OFF}{n}"),
            Intent::OpenPortalPrivate(k) => format!("{PORTAL_PRIVATE}{k}"),
        }
    }

    /// The intent behind an id made by [`Intent::id`]; None for anything else.
    pub fn parse(id: &str) -> Option<Intent> {
        let plain = match id {
            "open" => Some(Intent::Open(None)),
            "refresh" => Some(Intent::Refresh),
            "settings" => Some(Intent::Settings),
            "quit" => Some(Intent::Quit),
            "signin" => Some(Intent::SignIn),
            "signin-other" => Some(Intent::SignInAnother),
            "signout" => Some(Intent::SignOut),
            "dismiss" => Some(Intent::Dismiss),
            _ => None,
        };
        if plain.is_some() {
            return plain;
        }
        let (prefix, rest) = id.split_at(id.find(':')? + 1);
        if rest.is_empty() {
            return None;
        }
        let arg = rest.to_string();
        Some(match prefix {
            OPEN_ON => Intent::Open(Some(arg)),
            FAVORITE => Intent::ActivateFavorite(arg),
            EXTEND => Intent::Extend(arg),
            DEACTIVATE => Intent::Deactivate(arg),
            CANCEL => Intent::Cancel(arg),
            SWITCH => Intent::SwitchAccount(arg),
            INFO => Intent::Info(arg),
            APPROVE => Intent::Approve(arg),
            DENY => Intent::Deny(arg),
            BUNDLE => Intent::ActivateBundle(arg),
            BUNDLE_OFF => Intent::DeactivateBundle(arg),
            PORTAL_PRIVATE => Intent::OpenPortalPrivate(arg),
            _ => return None,
        })
    }

    /// The assignment an intent is about, for a notice when it fails.
    pub fn key(&self) -> Option<&str> {
        match self {
            Intent::Open(k) => k.as_deref(),
            Intent::ActivateFavorite(k)
            | Intent::Extend(k)
            | Intent::Deactivate(k)
            | Intent::Cancel(k)
            | Intent::Info(k)
            | Intent::Approve(k)
            | Intent::Deny(k)
            | Intent::OpenPortalPrivate(k) => Some(k),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(key: &str) -> Vec<Intent> {
        vec![
            Intent::Open(None),
            Intent::Open(Some(key.into())),
            Intent::Refresh,
            Intent::Settings,
            Intent::Quit,
            Intent::ActivateFavorite(key.into()),
            Intent::Extend(key.into()),
            Intent::Deactivate(key.into()),
            Intent::Cancel(key.into()),
            Intent::SwitchAccount("0f1e-2d3c".into()),
            Intent::SignIn,
            Intent::SignInAnother,
            Intent::SignOut,
            Intent::Info(key.into()),
            Intent::Approve(key.into()),
            Intent::Deny(key.into()),
            Intent::ActivateBundle("Incident: response".into()),
            Intent::DeactivateBundle("Incident: response".into()),
            Intent::OpenPortalPrivate(key.into()),
            Intent::Dismiss,
        ]
    }

    #[test]
    fn every_intent_round_trips_through_its_id_even_with_colons_in_the_key() {
        // Real keys hold colons and slashes: "azureResource:{guid}:/subscriptions/…".
        for key in [
            "entraRole:62e90394-69f5-4237-9190-012177145e10:/",
            "azureResource:b24988ac:/subscriptions/1/resourceGroups/rg:x",
            "group:5f0c:member:5f0c",
        ] {
            let intents = all(key);
            let mut ids: Vec<String> = intents.iter().map(Intent::id).collect();
            for (intent, id) in intents.iter().zip(&ids) {
                assert_eq!(Intent::parse(id).as_ref(), Some(intent), "{id}");
            }
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), intents.len(), "ids are distinct");
        }
    }

    #[test]
    fn unknown_or_empty_ids_parse_to_nothing() {
        for id in ["", "fav:", "nope", "nope:x", ":x", "extend"] {
            assert_eq!(Intent::parse(id), None, "{id}");
        }
    }
}
