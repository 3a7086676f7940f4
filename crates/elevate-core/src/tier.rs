//! Privilege tiers and the one table of well-known roles they come from. Tier 0 can take over
//! the tenant (Global Administrator, Privileged Role Administrator, Owner at a management
//! group…), Tier 1 administers a workload or a subscription broadly, Tier 2 is the rest. The
//! table keys on Entra role template ids and Azure built-in role GUIDs (the same in every
//! tenant), with the names as a fallback; the posture report reads its privileged and critical
//! roles from the same table. The user's `[tiers]` in the config override it by role name, id
//! or assignment key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{Assignment, Plane};

/// How much of the tenant a role can take: 0 is everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Tier {
    /// Can take over the tenant (or every subscription under a management group).
    Tier0,
    /// Broad administration of one workload or subscription.
    Tier1,
    /// Everything else.
    Tier2,
}

impl Tier {
    pub fn number(self) -> u8 {
        match self {
            Tier::Tier0 => 0,
            Tier::Tier1 => 1,
            Tier::Tier2 => 2,
        }
    }

    pub fn from_number(n: u8) -> Option<Tier> {
        match n {
            0 => Some(Tier::Tier0),
            1 => Some(Tier::Tier1),
            2 => Some(Tier::Tier2),
            _ => None,
        }
    }

    /// "Tier 0", as badges and messages say it.
    pub fn label(self) -> String {
        format!("Tier {}", self.number())
    }
}

/// What the posture report makes of a role (its own rules: critical roles get the strictest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posture {
    Critical,
    Privileged,
    /// Not privileged for the posture report.
    Other,
}

/// How a role's tier depends on where it is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The same tier at any scope.
    Fixed(Tier),
    /// Azure roles that grant access (Owner, User Access Administrator, RBAC Administrator):
    /// Tier 0 at the root or a management group, Tier 1 below.
    GrantsAccess,
    /// Azure write roles (Contributor): Tier 1 at a management group or subscription, Tier 2
    /// at a resource group or a resource.
    Writes,
}

/// One well-known role.
#[derive(Debug, Clone, Copy)]
pub struct KnownRole {
    pub plane: Plane,
    /// Entra role template id or Azure built-in role definition GUID.
    pub id: &'static str,
    pub name: &'static str,
    pub reach: Reach,
    pub posture: Posture,
}

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";

const fn entra(id: &'static str, name: &'static str, tier: Tier, posture: Posture) -> KnownRole {
    KnownRole {
        plane: Plane::EntraRole,
        id,
        name,
        reach: Reach::Fixed(tier),
        posture,
    }
}

const fn azure(id: &'static str, name: &'static str, reach: Reach, posture: Posture) -> KnownRole {
    KnownRole {
        plane: Plane::AzureResource,
        id,
        name,
        reach,
        posture,
    }
}

use Posture::{Critical, Other, Privileged};
use Tier::{Tier0, Tier1, Tier2};

/// The roles Elevate knows. Tier 0 Entra roles are those with a documented path to Global
/// Administrator: assigning roles, resetting any administrator's credentials, federating a
/// domain, or adding credentials to any application (which may hold such permissions).
pub const ROLES: &[KnownRole] = &[
    entra(GLOBAL_ADMIN, "Global Administrator", Tier0, Critical),
    entra(
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        Tier0,
        Critical,
    ),
    entra(
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
        Tier0,
        Critical,
    ),
    entra(
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
        "Partner Tier2 Support",
        Tier0,
        Other,
    ),
    entra(
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
        Tier0,
        Privileged,
    ),
    entra(
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        "Domain Name Administrator",
        Tier0,
        Other,
    ),
    entra(
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",
        "External Identity Provider Administrator",
        Tier0,
        Other,
    ),
    entra(
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
        Tier0,
        Privileged,
    ),
    entra(
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
        Tier0,
        Privileged,
    ),
    entra(SECURITY_ADMIN, "Security Administrator", Tier1, Critical),
    entra(
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
        Tier1,
        Privileged,
    ),
    entra(
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
        Tier1,
        Other,
    ),
    entra(
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
        Tier1,
        Other,
    ),
    azure(
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Owner",
        Reach::GrantsAccess,
        Critical,
    ),
    azure(
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        Reach::GrantsAccess,
        Critical,
    ),
    azure(
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        Reach::GrantsAccess,
        Privileged,
    ),
    azure(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        Reach::Writes,
        Privileged,
    ),
];

/// The known role `id` (or, without a match on the id, `name`) on `plane`.
pub fn known(plane: Plane, id: Option<&str>, name: &str) -> Option<&'static KnownRole> {
    if plane == Plane::Group {
        return None;
    }
    let on = || ROLES.iter().filter(move |r| r.plane == plane);
    id.and_then(|i| on().find(|r| r.id.eq_ignore_ascii_case(i)))
        .or_else(|| on().find(|r| r.name.eq_ignore_ascii_case(name)))
}

/// Whether an Azure scope is the root or a management group (what a grant there reaches).
fn above_subscriptions(scope_id: &str, kind: &str) -> bool {
    scope_id == "/" || kind.eq_ignore_ascii_case("managementgroup")
}

/// The table's tier for an assignment (no overrides).
pub fn table_tier(a: &Assignment) -> Tier {
    let Some(role) = known(a.plane, Some(&a.id), &a.name) else {
        return Tier2;
    };
    let high = above_subscriptions(&a.scope.id, &a.scope.kind);
    match role.reach {
        Reach::Fixed(t) => t,
        Reach::GrantsAccess if high => Tier0,
        Reach::GrantsAccess => Tier1,
        Reach::Writes if high || a.scope.kind.eq_ignore_ascii_case("subscription") => Tier1,
        Reach::Writes => Tier2,
    }
}

/// The config's `[tiers]`: role name, role id, group label or assignment key → 0, 1 or 2.
pub type Overrides = BTreeMap<String, u8>;

/// The entries of `[tiers]` that are not 0, 1 or 2, said in words (they are ignored).
pub fn bad_overrides(overrides: &Overrides) -> Vec<String> {
    overrides
        .iter()
        .filter(|(_, v)| Tier::from_number(**v).is_none())
        .map(|(k, v)| format!("[tiers] \"{k}\" = {v} is not a tier (0, 1 or 2); it is ignored"))
        .collect()
}

/// The tier of `a`: the most specific override (its key, then its role id, then its name or
/// label), else the table.
pub fn tier_of(a: &Assignment, overrides: &Overrides) -> Tier {
    let find = |want: &dyn Fn(&str) -> bool| {
        overrides
            .iter()
            .filter(|(k, _)| want(k.trim()))
            .find_map(|(_, v)| Tier::from_number(*v))
    };
    find(&|k| k == a.key)
        .or_else(|| find(&|k| k.eq_ignore_ascii_case(&a.id)))
        .or_else(|| {
            find(&|k| k.eq_ignore_ascii_case(&a.name) || k.eq_ignore_ascii_case(&a.label()))
        })
        .unwrap_or_else(|| table_tier(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Access, Scope, Status};

    fn role(plane: Plane, id: &str, name: &str, scope: &str, kind: &str) -> Assignment {
        Assignment {
            key: Assignment::key_for(plane, id, None, scope),
            plane,
            name: name.into(),
            id: id.into(),
            access: None,
            scope: Scope {
                id: scope.into(),
                display_name: scope.into(),
                kind: kind.into(),
            },
            status: Status::Eligible,
            assignment_type: None,
            member_type: None,
            start_date_time: None,
            end_date_time: None,
            eligibility_schedule_id: None,
            request_id: None,
            policy: None,
        }
    }

    const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    const MG: &str = "/providers/Microsoft.Management/managementGroups/contoso";
    const SUB: &str = "/subscriptions/5f2a1c3e-7b4d-4e6f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn the_table_gives_tenant_takeover_roles_tier_0_by_template_id_or_name() {
        let ga = role(
            Plane::EntraRole,
            GLOBAL_ADMIN,
            "Global Administrator",
            "/",
            "directory",
        );
        assert_eq!(tier_of(&ga, &Overrides::new()), Tier0);
        // A tenant that renamed nothing but sends another id: the name still counts.
        let pra = role(
            Plane::EntraRole,
            "x",
            "privileged role administrator",
            "/",
            "directory",
        );
        assert_eq!(table_tier(&pra), Tier0);
        let ua = role(
            Plane::EntraRole,
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "User Administrator",
            "/",
            "directory",
        );
        assert_eq!(table_tier(&ua), Tier1);
        let reader = role(
            Plane::EntraRole,
            "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
            "Global Reader",
            "/",
            "directory",
        );
        assert_eq!(table_tier(&reader), Tier2);
    }

    #[test]
    fn azure_roles_that_grant_access_are_tier_0_only_at_the_root_or_a_management_group() {
        let at = |scope: &str, kind: &str| {
            table_tier(&role(Plane::AzureResource, OWNER, "Owner", scope, kind))
        };
        assert_eq!(at("/", "managementgroup"), Tier0);
        assert_eq!(at(MG, "managementgroup"), Tier0);
        assert_eq!(at(SUB, "subscription"), Tier1);
        assert_eq!(
            at(&format!("{SUB}/resourceGroups/rg"), "resourcegroup"),
            Tier1
        );
        let contributor = |scope: &str, kind: &str| {
            table_tier(&role(
                Plane::AzureResource,
                "b24988ac-6180-42a0-ab88-20f7382dd24c",
                "Contributor",
                scope,
                kind,
            ))
        };
        assert_eq!(contributor(SUB, "subscription"), Tier1);
        assert_eq!(
            contributor(&format!("{SUB}/resourceGroups/rg"), "resourcegroup"),
            Tier2
        );
        // An Entra role named like an Azure one is not it, and groups are not in the table.
        assert_eq!(
            table_tier(&role(Plane::EntraRole, OWNER, "Owner", "/", "directory")),
            Tier2
        );
        let mut group = role(Plane::Group, "g", "Global Administrator", "g", "group");
        group.access = Some(Access::Member);
        assert_eq!(table_tier(&group), Tier2);
    }

    #[test]
    fn the_config_overrides_by_key_then_id_then_name_and_ignores_bad_values() {
        let ua = role(
            Plane::EntraRole,
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "User Administrator",
            "/",
            "directory",
        );
        let mut o = Overrides::new();
        o.insert("user administrator".into(), 0);
        assert_eq!(tier_of(&ua, &o), Tier0, "by name, any case");
        o.insert("FE930BE7-5E62-47DB-91AF-98C3A49A38B1".into(), 2);
        assert_eq!(
            tier_of(&ua, &o),
            Tier2,
            "the id is more specific than the name"
        );
        o.insert(ua.key.clone(), 1);
        assert_eq!(tier_of(&ua, &o), Tier1, "the key is the most specific");
        let mut bad = Overrides::new();
        bad.insert("User Administrator".into(), 7);
        assert_eq!(
            tier_of(&ua, &bad),
            Tier1,
            "a bad value leaves the table's tier"
        );
        assert_eq!(bad_overrides(&bad).len(), 1);
        assert!(bad_overrides(&bad)[0].contains("is not a tier"));
        let mut group = role(Plane::Group, "g1", "Cloud Ops Break-glass", "g1", "group");
        group.access = Some(Access::Owner);
        let mut o = Overrides::new();
        o.insert("Cloud Ops Break-glass (owner)".into(), 0);
        assert_eq!(tier_of(&group, &o), Tier0, "a group by its label");
    }

    #[test]
    fn every_table_entry_is_unique() {
        for (i, r) in ROLES.iter().enumerate() {
            assert!(
                ROLES[i + 1..]
                    .iter()
                    .all(|o| o.id != r.id && !(o.name == r.name && o.plane == r.plane)),
                "{} twice",
                r.name
            );
        }
    }
}
