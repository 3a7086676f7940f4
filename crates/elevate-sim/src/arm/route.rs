//! ARM routing and access: maps a `.../providers/Microsoft.Authorization/...` path (with a
//! supported `api-version`) to a [`Route`], names its counter key, and checks a token.

use crate::auth::TokenInfo;
use crate::http::{Req, Resp};

const PROVIDER: &str = "/providers/microsoft.authorization/";
const API_VERSIONS: &[&str] = &[
    "2020-10-01",
    "2020-10-01-preview",
    "2022-04-01",
    "2022-04-01-preview",
    "2024-02-01-preview",
    "2024-09-01-preview",
    "2015-07-01",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Eligible { scope: String },
    Active { scope: String },
    RequestPut { scope: String, name: String },
    RequestGet { scope: String, name: String },
    RequestList { scope: String },
    RequestCancel { scope: String, name: String },
    PolicyAssignments { scope: String },
    Policy { scope: String, name: String },
    Permissions { scope: String },
    RoleDefinition { scope: String, name: String },
}

impl Route {
    pub fn key(&self) -> &'static str {
        match self {
            Route::Eligible { .. } => "arm.roleEligibilityScheduleInstances",
            Route::Active { .. } => "arm.roleAssignmentScheduleInstances",
            Route::RequestPut { .. } => "arm.roleAssignmentScheduleRequests.put",
            Route::RequestGet { .. } => "arm.roleAssignmentScheduleRequests.get",
            Route::RequestList { .. } => "arm.roleAssignmentScheduleRequests.list",
            Route::RequestCancel { .. } => "arm.roleAssignmentScheduleRequests.cancel",
            Route::PolicyAssignments { .. } => "arm.roleManagementPolicyAssignments",
            Route::Policy { .. } => "arm.roleManagementPolicies",
            Route::Permissions { .. } => "arm.permissions",
            Route::RoleDefinition { .. } => "arm.roleDefinitions.get",
        }
    }
}

pub fn route(method: &str, path: &str, req: &Req) -> Result<Route, Resp> {
    let lower = path.to_ascii_lowercase();
    let Some(idx) = lower.rfind(PROVIDER) else {
        return Err(Resp::arm_error(
            404,
            "InvalidResourceType",
            "The resource type could not be found in the namespace.",
        ));
    };
    let scope = path[..idx].trim_end_matches('/').to_string();
    let rest: Vec<&str> = path[idx + PROVIDER.len()..]
        .trim_end_matches('/')
        .split('/')
        .collect();
    let rest_l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rl: Vec<&str> = rest_l.iter().map(String::as_str).collect();
    match req.q("api-version") {
        None => {
            return Err(Resp::arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ))
        }
        Some(v) if !API_VERSIONS.contains(&v) => {
            return Err(Resp::arm_error(
                400,
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    API_VERSIONS.join(",")
                ),
            ))
        }
        _ => {}
    }
    let r = match (method, rl.as_slice()) {
        ("GET", ["roleeligibilityscheduleinstances"]) => Route::Eligible { scope },
        ("GET", ["roleassignmentscheduleinstances"]) => Route::Active { scope },
        ("GET", ["roleassignmentschedulerequests"]) => Route::RequestList { scope },
        ("PUT", ["roleassignmentschedulerequests", _]) => Route::RequestPut { scope, name: rest[1].to_string() },
        ("GET", ["roleassignmentschedulerequests", _]) => Route::RequestGet { scope, name: rest[1].to_string() },
        ("POST", ["roleassignmentschedulerequests", _, "cancel"]) => Route::RequestCancel { scope, name: rest[1].to_string() },
        ("GET", ["rolemanagementpolicyassignments"]) => Route::PolicyAssignments { scope },
        ("GET", ["rolemanagementpolicies", _]) => Route::Policy { scope, name: rest[1].to_string() },
        ("GET", ["permissions"]) => Route::Permissions { scope },
        ("GET", ["roledefinitions", _]) => Route::RoleDefinition { scope, name: rest[1].to_string() },
        (_, [..]) if rl.first().is_some_and(|c| c.starts_with("role") || *c == "permissions") => {
            return Err(Resp::arm_error(405, "MethodNotAllowed", &format!("The method {method} is not allowed here.")))
        }
        _ => return Err(Resp::arm_error(404, "InvalidResourceType", &format!("The resource type '{}' could not be found in the namespace 'Microsoft.Authorization'.", rest.first().unwrap_or(&"")))),
    };
    Ok(r)
}

pub fn authorize(token: Result<TokenInfo, &'static str>) -> Result<TokenInfo, Resp> {
    let info = match token {
        Ok(i) => i,
        Err("missing") => {
            return Err(Resp::arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            ))
        }
        Err("expired") => {
            return Err(Resp::arm_error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            ))
        }
        Err(_) => {
            return Err(Resp::arm_error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            ))
        }
    };
    if !matches!(
        info.audience.trim_end_matches('/'),
        "https://management.core.windows.net" | "https://management.azure.com"
    ) {
        return Err(Resp::arm_error(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'."));
    }
    if !info.scopes.iter().any(|s| s == "user_impersonation") {
        return Err(Resp::arm_error(
            403,
            "AuthorizationFailed",
            "The access token does not carry the user_impersonation scope.",
        ));
    }
    Ok(info)
}
