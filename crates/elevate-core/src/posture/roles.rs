//! Which roles the posture report treats as privileged and as critical, read from the one
//! table of well-known roles (crate::tier: Entra role template ids and Azure built-in role
//! GUIDs, with their names as a fallback for a service that sends no template id).

use crate::model::Plane;
use crate::tier::{known, Posture};

use super::Grant;

pub use crate::tier::{GLOBAL_ADMIN, SECURITY_ADMIN};

/// The role id to match on: the template id when given, else the definition id.
pub(super) fn template<'a>(template_id: Option<&'a str>, role_id: &'a str) -> &'a str {
    template_id.unwrap_or(role_id)
}

/// Critical: the roles that can take over the tenant or a subscription outright. Their
/// activation is held to the strictest rules (8 h at most).
pub fn is_critical(plane: Plane, id: Option<&str>, name: &str) -> bool {
    known(plane, id, name).is_some_and(|r| r.posture == Posture::Critical)
}

/// Privileged besides the critical ones: Microsoft's privileged Entra roles and the Azure
/// roles that can write or grant access.
pub fn is_privileged(plane: Plane, id: Option<&str>, name: &str) -> bool {
    known(plane, id, name).is_some_and(|r| r.posture != Posture::Other)
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
