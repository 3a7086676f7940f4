//! Helpers shared by the tenant's parts; imports nothing from its siblings.

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
