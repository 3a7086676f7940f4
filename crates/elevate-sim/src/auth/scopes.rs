//! Scopes and audiences: the two resources (Graph, ARM), splitting a requested scope into
//! its resource and name, and what a `.default` request is granted.

pub const GRAPH_AUD: &str = "https://graph.microsoft.com";
pub const ARM_AUD: &str = "https://management.core.windows.net/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => GRAPH_AUD,
            Resource::Arm => ARM_AUD,
        }
    }
}

/// Splits `https://graph.microsoft.com/RoleManagement.Read.Directory` into its resource and
/// scope name. OIDC scopes (`openid`, `profile`, `offline_access`) have no resource.
pub fn split_scope(scope: &str) -> Option<(Resource, String)> {
    const GRAPH: [&str; 3] = [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000/",
        "https://graph.microsoft.us/",
    ];
    const ARM: [&str; 4] = [
        "https://management.azure.com/",
        "https://management.core.windows.net/",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013/",
        "https://management.core.windows.net//",
    ];
    let lower = scope.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "openid" | "profile" | "offline_access" | "email"
    ) {
        return None;
    }
    for p in ARM.iter().rev() {
        if lower.starts_with(p) {
            return Some((
                Resource::Arm,
                scope[p.len()..].trim_start_matches('/').to_string(),
            ));
        }
    }
    for p in GRAPH {
        if lower.starts_with(p) {
            return Some((Resource::Graph, scope[p.len()..].to_string()));
        }
    }
    // A bare scope name means Microsoft Graph.
    Some((Resource::Graph, scope.to_string()))
}

/// The delegated scopes a `.default` request is granted (everything consented for the app).
pub(super) fn default_scopes(resource: Resource) -> Vec<String> {
    match resource {
        Resource::Arm => vec!["user_impersonation".into()],
        Resource::Graph => [
            "User.Read",
            "RoleManagement.ReadWrite.Directory",
            "RoleAssignmentSchedule.ReadWrite.Directory",
            "RoleEligibilitySchedule.Read.Directory",
            "RoleManagementPolicy.Read.Directory",
            "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
            "PrivilegedEligibilitySchedule.Read.AzureADGroup",
            "RoleManagementPolicy.Read.AzureADGroup",
            "Group.Read.All",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    }
}
