//! What the core tells the user outside the popup: one `Notice` per notification, with its
//! kind (so tests and front ends need not read its words), its item and the buttons it offers
//! as typed intents.

use crate::intent::Intent;
use crate::payload::ErrorPayload;

/// Why a notice was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// An activation ends within a reminder lead time.
    Reminder,
    /// An activation ended.
    Expired,
    /// The access was checked and works.
    Ready,
    /// Listed as active; no API tells whether it works everywhere.
    Active,
    /// Still not in effect after the ready check gave up.
    NotInEffect,
    /// A request waits for an approver.
    Pending,
    /// A pending request was approved.
    Approved,
    /// A pending request ended without access (denied, expired, cancelled elsewhere).
    Ended,
    /// What a go over the favorites did.
    Favorites,
    /// Extend worked.
    Extended,
    /// Something the user asked for failed; `error` says what.
    Failed,
    /// Nothing can be listed until the user signs in.
    SignInNeeded,
    /// Something the user must know once (a file moved aside, no secret store).
    Warning,
    /// A request from someone else waits for my decision.
    ToApprove,
    /// A decision of mine was recorded (or someone decided first).
    Decided,
    /// An access review assigned to me opened (decisions wait for me).
    ReviewOpened,
    /// An access review with decisions waiting for me ends within a day.
    ReviewClosing,
    /// A scheduled activation starts within a reminder lead time.
    Starting,
    /// A scheduled activation's start came.
    Started,
    /// What activating or deactivating a bundle did, member by member.
    Bundle,
    /// What the after-activation commands did, one line each.
    After,
}

/// What a notification offers besides opening the popup on a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Nothing,
    /// Extend, Open and Dismiss (reminders).
    Extend,
    /// One button that opens the popup on the item.
    Handle,
    SignIn,
    /// Approve and Deny (a request waiting for me that needs no approver justification).
    Decide,
    /// Open the portal on the item in a fresh private browser window (ready, active).
    Portal,
}

/// The id the notification protocol uses for a click on the body.
pub const DEFAULT_ACTION: &str = "default";

/// A notification button; its id is what the notification server hands back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Extend,
    Open,
    Dismiss,
    SignIn,
    Approve,
    Deny,
    PortalPrivate,
}

impl Button {
    pub const ALL: [Button; 7] = [
        Button::Extend,
        Button::Open,
        Button::Dismiss,
        Button::SignIn,
        Button::Approve,
        Button::Deny,
        Button::PortalPrivate,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Button::Extend => "extend",
            Button::Open => "open",
            Button::Dismiss => "dismiss",
            Button::SignIn => "signin",
            Button::Approve => "approve",
            Button::Deny => "deny",
            Button::PortalPrivate => "portal-private",
        }
    }

    pub fn parse(id: &str) -> Option<Button> {
        Button::ALL.into_iter().find(|b| b.id() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The assignment the popup opens on when the notice is clicked.
    pub key: Option<String>,
    pub offer: Offer,
    /// For `Failed`: the error in the one IPC shape.
    pub error: Option<ErrorPayload>,
}

impl Notice {
    pub fn new(kind: NoticeKind, title: impl Into<String>, body: impl Into<String>) -> Notice {
        Notice {
            kind,
            title: title.into(),
            body: body.into(),
            key: None,
            offer: Offer::Nothing,
            error: None,
        }
    }

    pub fn on(mut self, key: Option<&str>) -> Notice {
        self.key = key.map(str::to_string);
        self
    }

    pub fn offering(mut self, offer: Offer) -> Notice {
        self.offer = offer;
        self
    }

    /// What a click on the body does.
    pub fn click(&self) -> Intent {
        Intent::Open(self.key.clone())
    }

    /// The buttons, in order, with their labels.
    pub fn buttons(&self) -> Vec<(Button, &'static str)> {
        match (self.offer, &self.key) {
            (Offer::Extend, Some(_)) => vec![
                (Button::Extend, "Extend"),
                (Button::Open, "Open"),
                (Button::Dismiss, "Dismiss"),
            ],
            (Offer::Handle, _) => vec![(Button::Open, "Handle in Elevate")],
            (Offer::SignIn, _) => vec![(Button::SignIn, "Sign in")],
            (Offer::Decide, Some(_)) => vec![(Button::Approve, "Approve"), (Button::Deny, "Deny")],
            (Offer::Portal, Some(_)) => vec![(Button::PortalPrivate, "Open portal (private)")],
            _ => vec![],
        }
    }

    /// What an action id of this notice asks for: a button's id, or the server's `default`
    /// (a click on the body). None for anything else (`__closed`, ids it never offered).
    pub fn intent(&self, action: &str) -> Option<Intent> {
        if action == DEFAULT_ACTION {
            return Some(self.click());
        }
        let button = Button::parse(action)?;
        if !self.buttons().iter().any(|(b, _)| *b == button) {
            return None;
        }
        Some(match button {
            Button::Extend => Intent::Extend(self.key.clone()?),
            Button::Open => self.click(),
            Button::Dismiss => Intent::Dismiss,
            Button::SignIn => Intent::SignIn,
            Button::Approve => Intent::Approve(self.key.clone()?),
            Button::Deny => Intent::Deny(self.key.clone()?),
            Button::PortalPrivate => Intent::OpenPortalPrivate(self.key.clone()?),
        })
    }

    /// The body for a notification server without buttons: it says where the same action is.
    pub fn body_without_buttons(&self) -> String {
        let hint = match self.offer {
            Offer::Extend => " Extend is in the tray menu.",
            Offer::SignIn => " Sign in from the tray menu.",
            Offer::Handle => " Open Elevate from the tray menu.",
            Offer::Decide => " Approve or deny it from the tray menu or the popup.",
            Offer::Portal => " The portal opens in a private window from the tray menu.",
            Offer::Nothing => "",
        };
        format!("{}{hint}", self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_round_trip_and_map_to_intents_on_the_notice_item() {
        for b in Button::ALL {
            assert_eq!(Button::parse(b.id()), Some(b));
        }
        let key = "entraRole:1:/";
        let n = Notice::new(
            NoticeKind::Reminder,
            "X expires in 5 min",
            "Extend keeps access.",
        )
        .on(Some(key))
        .offering(Offer::Extend);
        let ids: Vec<&str> = n.buttons().iter().map(|(b, _)| b.id()).collect();
        assert_eq!(ids, ["extend", "open", "dismiss"]);
        assert_eq!(n.intent("extend"), Some(Intent::Extend(key.into())));
        assert_eq!(n.intent("open"), Some(Intent::Open(Some(key.into()))));
        assert_eq!(
            n.intent(DEFAULT_ACTION),
            Some(Intent::Open(Some(key.into())))
        );
        assert_eq!(n.intent("dismiss"), Some(Intent::Dismiss));
        // Not offered on this notice, or not a button at all.
        assert_eq!(n.intent("signin"), None);
        assert_eq!(n.intent("__closed"), None);
        assert!(n
            .body_without_buttons()
            .ends_with("Extend is in the tray menu."));
        // Extend needs an item: without one, no Extend button.
        let mut keyless = n.clone();
        keyless.key = None;
        assert!(keyless.buttons().is_empty());
        assert_eq!(keyless.intent("extend"), None);
    }

    #[test]
    fn a_request_to_approve_offers_approve_and_deny_on_its_approval() {
        let key = "group:46bc634a";
        let n = Notice::new(
            NoticeKind::ToApprove,
            "To approve",
            "Megan Bowen asks for SOC",
        )
        .on(Some(key))
        .offering(Offer::Decide);
        let ids: Vec<&str> = n.buttons().iter().map(|(b, _)| b.id()).collect();
        assert_eq!(ids, ["approve", "deny"]);
        assert_eq!(n.intent("approve"), Some(Intent::Approve(key.into())));
        assert_eq!(n.intent("deny"), Some(Intent::Deny(key.into())));
        assert_eq!(n.intent("extend"), None, "not offered here");
        assert_eq!(n.intent("portal-private"), None, "not offered here");
        assert_eq!(
            n.intent(DEFAULT_ACTION),
            Some(Intent::Open(Some(key.into())))
        );
    }

    #[test]
    fn a_ready_notice_offers_the_portal_in_a_private_window() {
        let key = "azureResource:8e3af657:/subscriptions/1";
        let n = Notice::new(NoticeKind::Ready, "Owner is ready", "In effect.")
            .on(Some(key))
            .offering(Offer::Portal);
        let ids: Vec<&str> = n.buttons().iter().map(|(b, _)| b.id()).collect();
        assert_eq!(ids, ["portal-private"]);
        assert_eq!(
            n.intent("portal-private"),
            Some(Intent::OpenPortalPrivate(key.into()))
        );
        assert!(n
            .body_without_buttons()
            .ends_with("private window from the tray menu."));
    }
}
