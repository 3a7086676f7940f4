//! Which roles the posture report treats as privileged and as critical: Entra role template
//! ids (the same in every tenant) and Azure built-in role GUIDs, with their names as a
//! fallback for a service that sends no template id.

use crate::model::Plane;

use super::Grant;

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const USER_ACCESS_ADMIN: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

/// Critical: the roles that can take over the tenant or a subscription outright. Their
/// activation is held to the strictest rules (8 h at most).
const CRITICAL: &[(&str, &str)] = &[
    (GLOBAL_ADMIN, "Global Administrator"),
    (PRIVILEGED_ROLE_ADMIN, "Privileged Role Administrator"),
    (
        PRIVILEGED_AUTH_ADMIN,
        "Privileged Authentication Administrator",
    ),
    (SECURITY_ADMIN, "Security Administrator"),
    (OWNER, "Owner"),
    (USER_ACCESS_ADMIN, "User Access Administrator"),
];

/// Privileged besides the critical ones: Microsoft's privileged Entra roles and the Azure
/// roles that can write or grant access.
const PRIVILEGED: &[(&str, &str)] = &[
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
    ),
];

fn listed(list: &[(&str, &str)], plane: Plane, id: Option<&str>, name: &str) -> bool {
    if plane == Plane::Group {
        return false;
    }
    list.iter().any(|(guid, n)| {
        id.is_some_and(|i| i.eq_ignore_ascii_case(guid)) || name.eq_ignore_ascii_case(n)
    })
}

/// The role id to match on: the template id when given, else the definition id.
pub(super) fn template<'a>(template_id: Option<&'a str>, role_id: &'a str) -> &'a str {
    template_id.unwrap_or(role_id)
}

pub fn is_critical(plane: Plane, id: Option<&str>, name: &str) -> bool {
    listed(CRITICAL, plane, id, name)
}

pub fn is_privileged(plane: Plane, id: Option<&str>, name: &str) -> bool {
    is_critical(plane, id, name) || listed(PRIVILEGED, plane, id, name)
}

/// Whether `g` is a grant of the Entra role with template `id`.
pub(super) fn is_role(g: &Grant, id: &str) -> bool {
    g.plane == Plane::EntraRole
        && template(g.template_id.as_deref(), &g.role_id).eq_ignore_ascii_case(id)
}

/// A grant that gives privileged access: a privileged role, or membership of a group that
/// holds one (`privileged_groups`).
pub(super) fn grants_privilege(g: &Grant, privileged_groups: &[String]) -> bool {
    match g.plane {
        Plane::Group => privileged_groups
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&g.role_id)),
        _ => is_privileged(
            g.plane,
            Some(template(g.template_id.as_deref(), &g.role_id)),
            &g.role_name,
        ),
    }
}
