//! What sign-in deals in: the resources tokens are for, who is signed in, a device code to show.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn plane_label(self) -> &'static str {
        match self {
            Resource::Graph => "Entra roles and PIM for Groups",
            Resource::Arm => "Azure resources",
        }
    }
}

/// Who is signed in: no secrets, safe to show and to store in plain files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Identity {
    pub tenant_id: String,
    pub object_id: String,
    pub username: String,
    pub name: String,
}

/// What a device-code sign-in asks the user to do.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in_secs: u64,
}
