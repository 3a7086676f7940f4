//! Renders a scenario policy as Graph's unifiedRoleManagementPolicy rules (the 17 rules of
//! the documented example) and as ARM's effectiveRules (discriminated by `ruleType`),
//! including the administrator's rules (`Expiration_Admin_Eligibility`,
//! `Expiration_Admin_Assignment`, `Enablement_Admin_Assignment`) from the policy's `admin*`
//! fields.

use serde_json::{json, Value};

use crate::scenario::Policy;

fn enabled_rules(p: &Policy) -> Vec<&'static str> {
    let mut v = vec![];
    if p.mfa {
        v.push("MultiFactorAuthentication");
    }
    if p.justification {
        v.push("Justification");
    }
    if p.ticket {
        v.push("Ticketing");
    }
    v
}

/// `Enablement_Admin_Assignment`'s rules: the justification an administrator must give.
fn admin_enabled_rules(p: &Policy) -> Vec<&'static str> {
    if p.admin_justification {
        vec!["Justification"]
    } else {
        vec![]
    }
}

fn graph_target(caller: &str, level: &str) -> Value {
    json!({"caller": caller, "operations": ["all"], "level": level, "inheritableSettings": [], "enforcedSettings": []})
}

fn notification(id: &str, recipient: &str, caller: &str, level: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule", "id": id, "notificationType": "Email",
        "recipientType": recipient, "notificationLevel": "All", "isDefaultRecipientsEnabled": true, "notificationRecipients": [],
        "target": graph_target(caller, level)})
}

pub fn graph_rules(p: &Policy) -> Vec<Value> {
    let mut rules = vec![
        json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_Admin_Eligibility", "isExpirationRequired": !p.admin_permanent_eligible, "maximumDuration": p.admin_eligibility_max, "target": graph_target("Admin", "Eligibility")}),
        json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_Admin_Eligibility", "enabledRules": [], "target": graph_target("Admin", "Eligibility")}),
    ];
    for r in ["Admin", "Requestor", "Approver"] {
        rules.push(notification(
            &format!("Notification_{r}_Admin_Eligibility"),
            r,
            "Admin",
            "Eligibility",
        ));
    }
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_Admin_Assignment", "isExpirationRequired": !p.admin_permanent_active, "maximumDuration": p.admin_assignment_max, "target": graph_target("Admin", "Assignment")}));
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_Admin_Assignment", "enabledRules": admin_enabled_rules(p), "target": graph_target("Admin", "Assignment")}));
    for r in ["Admin", "Requestor", "Approver"] {
        rules.push(notification(
            &format!("Notification_{r}_Admin_Assignment"),
            r,
            "Admin",
            "Assignment",
        ));
    }
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": p.max_duration, "target": graph_target("EndUser", "Assignment")}));
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_EndUser_Assignment", "enabledRules": enabled_rules(p), "target": graph_target("EndUser", "Assignment")}));
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment", "target": graph_target("EndUser", "Assignment"),
        "setting": {"isApprovalRequired": p.approval, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": p.approver_justification, "escalationTimeInMinutes": 0, "isEscalationEnabled": false, "primaryApprovers": [], "escalationApprovers": []}]}}));
    rules.push(json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule", "id": "AuthenticationContext_EndUser_Assignment",
        "isEnabled": p.auth_context.is_some(), "claimValue": p.auth_context, "target": graph_target("EndUser", "Assignment")}));
    for r in ["Admin", "Requestor", "Approver"] {
        rules.push(notification(
            &format!("Notification_{r}_EndUser_Assignment"),
            r,
            "EndUser",
            "Assignment",
        ));
    }
    rules
}

fn arm_target(caller: &str, level: &str) -> Value {
    json!({"caller": caller, "operations": ["All"], "level": level, "targetObjects": null, "inheritableSettings": null, "enforcedSettings": null})
}

pub fn arm_rules(p: &Policy) -> Vec<Value> {
    vec![
        json!({"isExpirationRequired": !p.admin_permanent_eligible, "maximumDuration": p.admin_eligibility_max, "id": "Expiration_Admin_Eligibility", "ruleType": "RoleManagementPolicyExpirationRule", "target": arm_target("Admin", "Eligibility")}),
        json!({"enabledRules": [], "id": "Enablement_Admin_Eligibility", "ruleType": "RoleManagementPolicyEnablementRule", "target": arm_target("Admin", "Eligibility")}),
        json!({"isExpirationRequired": !p.admin_permanent_active, "maximumDuration": p.admin_assignment_max, "id": "Expiration_Admin_Assignment", "ruleType": "RoleManagementPolicyExpirationRule", "target": arm_target("Admin", "Assignment")}),
        json!({"enabledRules": admin_enabled_rules(p), "id": "Enablement_Admin_Assignment", "ruleType": "RoleManagementPolicyEnablementRule", "target": arm_target("Admin", "Assignment")}),
        json!({"isExpirationRequired": true, "maximumDuration": p.max_duration, "id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule", "target": arm_target("EndUser", "Assignment")}),
        json!({"enabledRules": enabled_rules(p), "id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule", "target": arm_target("EndUser", "Assignment")}),
        json!({"setting": {"isApprovalRequired": p.approval, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": p.approver_justification, "escalationTimeInMinutes": 0, "primaryApprovers": [], "isEscalationEnabled": false, "escalationApprovers": null}]},
            "id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule", "target": arm_target("EndUser", "Assignment")}),
        json!({"isEnabled": p.auth_context.is_some(), "claimValue": p.auth_context, "id": "AuthenticationContext_EndUser_Assignment", "ruleType": "RoleManagementPolicyAuthenticationContextRule", "target": arm_target("EndUser", "Assignment")}),
        json!({"notificationType": "Email", "recipientType": "Requestor", "isDefaultRecipientsEnabled": true, "notificationLevel": "Critical", "notificationRecipients": null, "id": "Notification_Requestor_EndUser_Assignment", "ruleType": "RoleManagementPolicyNotificationRule", "target": arm_target("EndUser", "Assignment")}),
    ]
}
