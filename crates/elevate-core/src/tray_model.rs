//! The tray icon's state: what a glance at the panel must tell.

use serde::Serialize;
use ts_rs::TS;

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
    /// An activation ends within the reminder window.
    Expiring,
}

impl TrayState {
    pub const ALL: [TrayState; 4] = [
        TrayState::Idle,
        TrayState::Active,
        TrayState::Pending,
        TrayState::Expiring,
    ];

    /// The file stem of the icon under `icons/tray/`.
    pub fn icon_name(self) -> &'static str {
        match self {
            TrayState::Idle => "idle",
            TrayState::Active => "active",
            TrayState::Pending => "pending",
            TrayState::Expiring => "expiring",
        }
    }

    /// The most urgent of several states; `Idle` when there are none.
    pub fn most_urgent(states: impl IntoIterator<Item = TrayState>) -> TrayState {
        states.into_iter().max().unwrap_or(TrayState::Idle)
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
}
