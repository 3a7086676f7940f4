//! The tray, computed from the view, the clock and the reminder lead times: the icon's state
//! (what a glance at the panel must tell), the tooltip and the menu entries with their
//! intents. The app only draws it, so the menu is tested here without a desktop.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::app::View;
use crate::approval::{Approval, Decidable};
use crate::auth::Identity;
use crate::intent::Intent;
use crate::model::{AssignmentType, Status};

/// Ordered by urgency: when several apply, the most urgent one is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum TrayState {
    /// Nothing active.
    Idle,
    /// At least one activation is live.
    Active,
    /// A request waits for approval.
    Pending,
    /// Someone's request waits for my decision.
    ToApprove,
    /// An activation ends within the reminder window.
    Expiring,
}

impl TrayState {
    pub const ALL: [TrayState; 5] = [
        TrayState::Idle,
        TrayState::Active,
        TrayState::Pending,
        TrayState::ToApprove,
        TrayState::Expiring,
    ];

    /// The file stem of the icon under `icons/tray/`.
    pub fn icon_name(self) -> &'static str {
        match self {
            TrayState::Idle => "idle",
            TrayState::Active => "active",
            TrayState::Pending => "pending",
            TrayState::ToApprove => "approve",
            TrayState::Expiring => "expiring",
        }
    }

    /// The most urgent of several states; `Idle` when there are none.
    pub fn most_urgent(states: impl IntoIterator<Item = TrayState>) -> TrayState {
        states.into_iter().max().unwrap_or(TrayState::Idle)
    }
}

/// One line of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Item {
        label: String,
        intent: Intent,
        enabled: bool,
    },
    Separator,
    Submenu {
        label: String,
        entries: Vec<Entry>,
    },
}

impl Entry {
    fn item(label: impl Into<String>, intent: Intent) -> Entry {
        Entry::Item {
            label: label.into(),
            intent,
            enabled: true,
        }
    }

    fn info(label: impl Into<String>, key: &str) -> Entry {
        Entry::Item {
            label: label.into(),
            intent: Intent::Info(key.to_string()),
            enabled: false,
        }
    }

    /// The entry's shape without its text: what forces a rebuild of a native menu.
    fn shape(&self) -> String {
        match self {
            Entry::Item {
                intent, enabled, ..
            } => format!("{}{}", intent.id(), if *enabled { "" } else { "!" }),
            Entry::Separator => "-".into(),
            Entry::Submenu { entries, .. } => {
                let inner: Vec<String> = entries.iter().map(Entry::shape).collect();
                format!("[{}]", inner.join(","))
            }
        }
    }
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub state: TrayState,
    pub tooltip: String,
    pub entries: Vec<Entry>,
}

/// What the tray is computed from besides the view.
pub struct TrayContext<'a> {
    pub now: DateTime<Utc>,
    /// The largest reminder lead time, in minutes: "expiring" from then on.
    pub lead_minutes: u32,
    pub demo: bool,
    /// Every account signed in on this machine (for "Switch to").
    pub accounts: &'a [Identity],
    /// The bundles' names (a Bundles submenu: activate or deactivate each).
    pub bundles: &'a [String],
}

/// "1 h 05 min left", "12 min left", "permanent".
pub fn time_left(end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match end {
        None => "permanent".into(),
        Some(e) => {
            let mins = (e - now).num_minutes().max(0);
            if mins >= 60 {
                format!("{} h {:02} min left", mins / 60, mins % 60)
            } else {
                format!("{mins} min left")
            }
        }
    }
}

fn app_name(demo: bool) -> &'static str {
    if demo {
        "Elevate (demo)"
    } else {
        "Elevate"
    }
}

/// One request to approve: who and what, then Approve and Deny when they can be done from
/// here, else "Open in Elevate" (the policy wants my words, or the portal must decide).
fn approval_entry(a: &Approval, now: DateTime<Utc>) -> Entry {
    let label = format!(
        "{} · {} · {}",
        a.requester.name(),
        a.label(),
        crate::service::time_to_decide(a, now)
    );
    let mut entries = vec![Entry::info(label.clone(), &a.key)];
    if a.decidable == Decidable::Yes && a.approver_justification != Some(true) {
        entries.push(Entry::item("Approve", Intent::Approve(a.key.clone())));
        entries.push(Entry::item("Deny", Intent::Deny(a.key.clone())));
    }
    let open = match a.decidable {
        Decidable::PortalOnly => "Open in Elevate… (approve in the portal)",
        _ if a.approver_justification == Some(true) => "Decide with a justification…",
        _ => "Open in Elevate…",
    };
    entries.push(Entry::item(open, Intent::Open(Some(a.key.clone()))));
    Entry::Submenu { label, entries }
}

fn always(entries: &mut Vec<Entry>) {
    entries.push(Entry::item("Open Elevate…", Intent::Open(None)));
    entries.push(Entry::item("Refresh", Intent::Refresh));
    entries.push(Entry::item("Settings…", Intent::Settings));
    entries.push(Entry::Separator);
}

impl TrayModel {
    /// Before the tenant is connected.
    pub fn starting(demo: bool) -> TrayModel {
        let mut entries = vec![];
        always(&mut entries);
        entries.push(Entry::item("Quit Elevate", Intent::Quit));
        TrayModel {
            state: TrayState::Idle,
            tooltip: format!("{}: starting", app_name(demo)),
            entries,
        }
    }

    /// Elevate could not start: the menu says why and where to fix it.
    pub fn failed(demo: bool, why: &str, config: Option<&str>) -> TrayModel {
        let mut entries = vec![Entry::info(format!("Could not start: {why}"), "start")];
        if let Some(path) = config {
            entries.push(Entry::info(
                format!("Fix it in {path}, then start Elevate again"),
                "config",
            ));
        }
        entries.push(Entry::Separator);
        entries.push(Entry::item("Quit Elevate", Intent::Quit));
        TrayModel {
            state: TrayState::Idle,
            tooltip: format!("{}: could not start", app_name(demo)),
            entries,
        }
    }

    /// The tray for a view.
    pub fn build(view: &View, cx: &TrayContext<'_>) -> TrayModel {
        let soon = cx.now + Duration::minutes(i64::from(cx.lead_minutes));
        let assignments = &view.snapshot.assignments;
        let mut entries = vec![];
        // Favorites first: one click activates with what they saved.
        for f in &view.favorites {
            let busy = assignments
                .iter()
                .any(|a| a.key == f.key && a.status != Status::Eligible);
            entries.push(Entry::Item {
                label: format!("★ {}", f.label),
                intent: Intent::ActivateFavorite(f.key.clone()),
                enabled: !busy,
            });
        }
        if !cx.bundles.is_empty() {
            entries.push(Entry::Submenu {
                label: "Bundles".into(),
                entries: cx
                    .bundles
                    .iter()
                    .map(|name| Entry::Submenu {
                        label: name.clone(),
                        entries: vec![
                            Entry::item("Activate", Intent::ActivateBundle(name.clone())),
                            Entry::item("Deactivate", Intent::DeactivateBundle(name.clone())),
                        ],
                    })
                    .collect(),
            });
        }
        if !view.favorites.is_empty() || !cx.bundles.is_empty() {
            entries.push(Entry::Separator);
        }
        let mut states = vec![];
        let mut tips = vec![];
        let activated = assignments.iter().filter(|a| {
            a.status == Status::Active && a.assignment_type == Some(AssignmentType::Activated)
        });
        for a in activated {
            states.push(if a.end_date_time.is_some_and(|e| e <= soon) {
                TrayState::Expiring
            } else {
                TrayState::Active
            });
            let left = time_left(a.end_date_time, cx.now);
            tips.push(format!("{}: {left}", a.label()));
            let label = if view.activating.contains(&a.key) {
                format!("{} · activating…", a.label())
            } else {
                format!("{} · {left}", a.label())
            };
            entries.push(Entry::Submenu {
                label: label.clone(),
                entries: vec![
                    Entry::info(label, &a.key),
                    Entry::item("Extend", Intent::Extend(a.key.clone())),
                    Entry::item("Deactivate", Intent::Deactivate(a.key.clone())),
                    Entry::item(
                        "Open portal (private window)",
                        Intent::OpenPortalPrivate(a.key.clone()),
                    ),
                ],
            });
        }
        for a in assignments
            .iter()
            .filter(|a| a.status == Status::PendingApproval)
        {
            states.push(TrayState::Pending);
            entries.push(Entry::Submenu {
                label: format!("{} · waiting for approval", a.label()),
                entries: vec![Entry::item("Cancel request", Intent::Cancel(a.key.clone()))],
            });
        }
        if states.is_empty() {
            entries.push(Entry::info("Nothing active", "none"));
        }
        let waiting: Vec<&Approval> = view
            .approvals
            .items
            .iter()
            .filter(|a| a.decidable != Decidable::OwnRequest)
            .collect();
        if view.approvals.enabled && !waiting.is_empty() {
            states.push(TrayState::ToApprove);
            tips.push(format!("{} to approve", waiting.len()));
            entries.push(Entry::Separator);
            entries.push(Entry::Submenu {
                label: format!("To approve ({})", waiting.len()),
                entries: waiting.iter().map(|a| approval_entry(a, cx.now)).collect(),
            });
        }
        // Access review decisions waiting for me: one entry, the popup's Reviews view.
        if let Some(first) = view.reviews.items.first() {
            let n = view.reviews.items.len();
            tips.push(format!("{n} to review"));
            entries.push(Entry::Separator);
            entries.push(Entry::item(
                format!("Access reviews ({n})…"),
                Intent::Open(Some(first.key.clone())),
            ));
        }
        entries.push(Entry::Separator);
        always(&mut entries);
        match &view.account {
            Some(id) => {
                let who = if cx.demo {
                    format!("Demo tenant: {}", id.username)
                } else {
                    format!("Signed in as {}", id.username)
                };
                let mut account: Vec<Entry> = cx
                    .accounts
                    .iter()
                    .filter(|o| o.object_id != id.object_id)
                    .map(|o| {
                        Entry::item(
                            format!("Switch to {}", o.username),
                            Intent::SwitchAccount(o.object_id.clone()),
                        )
                    })
                    .collect();
                account.push(Entry::item(
                    "Sign in with another account…",
                    Intent::SignInAnother,
                ));
                account.push(Entry::item("Sign out", Intent::SignOut));
                entries.push(Entry::Submenu {
                    label: who,
                    entries: account,
                });
            }
            None => entries.push(Entry::item("Sign in…", Intent::SignIn)),
        }
        entries.push(Entry::item("Quit Elevate", Intent::Quit));
        let name = app_name(cx.demo);
        let tooltip = if tips.is_empty() {
            format!("{name}: nothing active")
        } else {
            format!("{name}\n{}", tips.join("\n"))
        };
        TrayModel {
            state: TrayState::most_urgent(states),
            tooltip,
            entries,
        }
    }

    /// Whether `other` has the same entries in the same places (only texts differ): then a
    /// native menu updates its texts in place instead of being rebuilt.
    pub fn same_shape(&self, other: &TrayModel) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.shape() == b.shape())
    }

    /// Every intent in the menu, depth first (for tests and for menu event look-ups).
    pub fn intents(&self) -> Vec<Intent> {
        fn walk(entries: &[Entry], out: &mut Vec<Intent>) {
            for e in entries {
                match e {
                    Entry::Item { intent, .. } => out.push(intent.clone()),
                    Entry::Submenu { entries, .. } => walk(entries, out),
                    Entry::Separator => {}
                }
            }
        }
        let mut out = vec![];
        walk(&self.entries, &mut out);
        out
    }

    /// The label of the first entry carrying `intent`.
    pub fn label_of(&self, intent: &Intent) -> Option<String> {
        fn walk(entries: &[Entry], intent: &Intent) -> Option<String> {
            entries.iter().find_map(|e| match e {
                Entry::Item {
                    label, intent: i, ..
                } if i == intent => Some(label.clone()),
                Entry::Submenu { entries, .. } => walk(entries, intent),
                _ => None,
            })
        }
        walk(&self.entries, intent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_outranks_pending_outranks_active() {
        assert_eq!(TrayState::most_urgent([]), TrayState::Idle);
        assert_eq!(
            TrayState::most_urgent([TrayState::Active, TrayState::Pending]),
            TrayState::Pending
        );
        assert_eq!(
            TrayState::most_urgent([TrayState::Expiring, TrayState::Active, TrayState::Pending]),
            TrayState::Expiring
        );
    }

    #[test]
    fn every_state_has_a_distinct_icon() {
        let mut names: Vec<_> = TrayState::ALL.iter().map(|s| s.icon_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TrayState::ALL.len());
    }

    fn approval(key: &str, decidable: Decidable, words: Option<bool>) -> Approval {
        let now = Utc::now();
        Approval {
            key: key.into(),
            plane: crate::model::Plane::EntraRole,
            request_id: "r".into(),
            approval_id: "r".into(),
            requester: crate::approval::Requester {
                id: "u".into(),
                display_name: Some("Megan Bowen".into()),
                user_principal_name: None,
            },
            name: "Security Administrator".into(),
            target_id: "t".into(),
            access: None,
            scope: crate::model::Scope {
                id: "/".into(),
                display_name: "Directory".into(),
                kind: "directory".into(),
            },
            kind: crate::approval::RequestKind::Activate,
            justification: None,
            ticket_number: None,
            ticket_system: None,
            created: Some(now),
            start: None,
            duration: Some("PT1H".into()),
            end: None,
            expires: Some(now + Duration::hours(24)),
            decidable,
            approver_justification: words,
        }
    }

    #[test]
    fn requests_to_approve_get_a_section_an_icon_and_their_actions() {
        let mut view = View {
            account: None,
            snapshot: Default::default(),
            favorites: vec![],
            refreshed_at: 0,
            activating: vec![],
            focus: None,
            notices: vec![],
            approvals: Default::default(),
            reviews: Default::default(),
            facts: Default::default(),
            from_cache: false,
        };
        view.approvals.enabled = true;
        view.approvals.items = vec![
            approval("entraRole:a", Decidable::Yes, Some(false)),
            approval("entraRole:b", Decidable::Yes, Some(true)),
            approval("entraRole:c", Decidable::PortalOnly, None),
            approval("entraRole:mine", Decidable::OwnRequest, None),
        ];
        let cx = TrayContext {
            now: Utc::now(),
            lead_minutes: 15,
            demo: false,
            accounts: &[],
            bundles: &[],
        };
        let tray = TrayModel::build(&view, &cx);
        assert_eq!(tray.state, TrayState::ToApprove);
        assert!(tray.tooltip.contains("3 to approve"), "{}", tray.tooltip);
        let intents = tray.intents();
        assert!(intents.contains(&Intent::Approve("entraRole:a".into())));
        assert!(intents.contains(&Intent::Deny("entraRole:a".into())));
        // The policy wants the approver's words, or only the portal can decide: no one-click.
        for k in ["entraRole:b", "entraRole:c", "entraRole:mine"] {
            assert!(!intents.contains(&Intent::Approve(k.into())), "{k}");
        }
        assert!(intents.contains(&Intent::Open(Some("entraRole:b".into()))));
        assert!(
            !intents.contains(&Intent::Open(Some("entraRole:mine".into()))),
            "own requests are not offered"
        );
        let section = tray.entries.iter().find_map(|e| match e {
            Entry::Submenu { label, .. } if label.starts_with("To approve") => Some(label.clone()),
            _ => None,
        });
        assert_eq!(section.as_deref(), Some("To approve (3)"));
        // Turned off: nothing of it shows.
        view.approvals.enabled = false;
        let off = TrayModel::build(&view, &cx);
        assert_eq!(off.state, TrayState::Idle);
        assert!(!off
            .intents()
            .contains(&Intent::Approve("entraRole:a".into())));
    }
}
