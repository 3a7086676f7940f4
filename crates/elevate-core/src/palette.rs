//! The command palette's model: the items it offers (roles, groups, Azure roles, favorites
//! marked; bundles plug in as another `PaletteKind` with their own items), in the order it
//! shows them before anything is typed (recent and frequent first), and the typed request and
//! outcome of Enter, Shift+Enter and Del. The use cases are in service/palette.rs; matching
//! what is typed is the palette page's (ui/src/palette.ts), over this order.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::View;
use crate::model::{AssignmentType, Plane, Status};
use crate::pim::RequestState;
use crate::tier::Tier;

/// What an item stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PaletteKind {
    EntraRole,
    Group,
    AzureRole,
}

impl PaletteKind {
    fn of(plane: Plane) -> PaletteKind {
        match plane {
            Plane::EntraRole => PaletteKind::EntraRole,
            Plane::Group => PaletteKind::Group,
            Plane::AzureResource => PaletteKind::AzureRole,
        }
    }
}

/// What Enter, Shift+Enter and Del may do on an item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaletteCan {
    pub activate: bool,
    pub extend: bool,
    pub deactivate: bool,
}

/// One line of the palette.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaletteItem {
    /// What a request names: the assignment key.
    pub id: String,
    pub kind: PaletteKind,
    /// "User Administrator", "SOC Analysts (owner)".
    pub label: String,
    /// Where: the scope's display name.
    pub detail: String,
    pub status: Status,
    pub favorite: bool,
    pub tier: Tier,
    pub frecency: u32,
    pub can: PaletteCan,
}

/// Enter, Shift+Enter or Del.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PaletteAction {
    Activate,
    Extend,
    Deactivate,
}

/// What the palette sends: the item, the action, and what the user typed in the fields the
/// last outcome asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaletteRequest {
    pub id: String,
    pub action: PaletteAction,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    /// `90m`, `2h` or ISO-8601; None: the default.
    #[serde(default)]
    pub duration: Option<String>,
    /// The user confirmed activating a Tier 0 role.
    #[serde(default)]
    pub confirm_tier0: bool,
}

/// A field the palette must ask for before the request can go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PaletteField {
    Justification,
    Ticket,
    ConfirmTier0,
}

/// How a palette request ended: sent (or found unnecessary) with its state, or held back
/// until the user gives what `needs` lists (the policy's rules and the Tier 0 confirmation,
/// decided by the core).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaletteOutcome {
    pub state: Option<RequestState>,
    pub needs: Vec<PaletteField>,
    /// In words: what happened, or why the fields are asked.
    pub message: String,
}

/// The palette's items from a view: one per assignment (its active or pending form when it
/// has one), recent and frequent first, then favorites, then active, then by name.
pub fn items(view: &View) -> Vec<PaletteItem> {
    let all = &view.snapshot.assignments;
    let activated = |key: &str| {
        all.iter().any(|a| {
            a.key == key
                && (a.status == Status::PendingApproval
                    || (a.status == Status::Active
                        && a.assignment_type == Some(AssignmentType::Activated)))
        })
    };
    let eligible = |key: &str| {
        all.iter()
            .any(|a| a.key == key && a.status == Status::Eligible)
    };
    let mut out: Vec<PaletteItem> = all
        .iter()
        .filter(|a| a.status != Status::Eligible || !activated(&a.key))
        .map(|a| {
            let facts = view.facts.get(&a.key);
            let activated_now =
                a.status == Status::Active && a.assignment_type == Some(AssignmentType::Activated);
            PaletteItem {
                id: a.key.clone(),
                kind: PaletteKind::of(a.plane),
                label: a.label(),
                detail: a.scope.display_name.clone(),
                status: a.status,
                favorite: view.favorites.iter().any(|f| f.key == a.key),
                tier: facts.map_or_else(|| crate::tier::table_tier(a), |f| f.tier),
                frecency: facts.map_or(0, |f| f.frecency),
                can: PaletteCan {
                    activate: a.status == Status::Eligible,
                    extend: activated_now && eligible(&a.key),
                    deactivate: activated_now,
                },
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert((i.id.clone(), i.status)));
    out.sort_by(|a, b| {
        b.frecency
            .cmp(&a.frecency)
            .then(b.favorite.cmp(&a.favorite))
            .then((a.status != Status::Active).cmp(&(b.status != Status::Active)))
            .then(a.label.to_lowercase().cmp(&b.label.to_lowercase()))
            .then(a.detail.cmp(&b.detail))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ItemFacts;
    use crate::model::{Assignment, Scope, Snapshot};
    use crate::store::Favorite;

    fn a(name: &str, status: Status) -> Assignment {
        Assignment {
            key: format!("entraRole:{name}:/"),
            plane: Plane::EntraRole,
            name: name.into(),
            id: name.into(),
            access: None,
            scope: Scope {
                id: "/".into(),
                display_name: "Directory".into(),
                kind: "directory".into(),
            },
            status,
            assignment_type: (status == Status::Active).then_some(AssignmentType::Activated),
            member_type: None,
            start_date_time: None,
            end_date_time: None,
            eligibility_schedule_id: None,
            request_id: None,
            policy: None,
        }
    }

    fn view(assignments: Vec<Assignment>) -> View {
        View {
            account: None,
            snapshot: Snapshot {
                assignments,
                failures: vec![],
            },
            favorites: vec![],
            refreshed_at: 0,
            activating: vec![],
            focus: None,
            notices: vec![],
            approvals: Default::default(),
            reviews: Default::default(),
            facts: Default::default(),
            from_cache: false,
        }
    }

    #[test]
    fn frequent_first_then_favorites_then_active_then_by_name_one_line_each() {
        let mut v = view(vec![
            a("Alpha", Status::Eligible),
            a("Bravo", Status::Eligible),
            a("Charlie", Status::Eligible),
            a("Delta", Status::Eligible),
            a("Delta", Status::Active),
        ]);
        v.favorites.push(Favorite {
            key: "entraRole:Charlie:/".into(),
            label: "Charlie".into(),
            justification: None,
            ticket_number: None,
            ticket_system: None,
            duration: None,
        });
        v.facts.insert(
            "entraRole:Bravo:/".into(),
            ItemFacts {
                tier: Tier::Tier0,
                frecency: 40,
            },
        );
        let items = items(&v);
        let order: Vec<(&str, Status)> =
            items.iter().map(|i| (i.label.as_str(), i.status)).collect();
        assert_eq!(
            order,
            [
                ("Bravo", Status::Eligible),
                ("Charlie", Status::Eligible),
                ("Delta", Status::Active),
                ("Alpha", Status::Eligible),
            ]
        );
        assert_eq!(items[0].tier, Tier::Tier0, "the view's tier");
        assert!(items[1].favorite);
        let delta = &items[2];
        assert_eq!(
            delta.can,
            PaletteCan {
                activate: false,
                extend: true,
                deactivate: true
            },
            "an activated eligibility extends and deactivates"
        );
        assert!(items[3].can.activate && !items[3].can.deactivate);
    }
}
