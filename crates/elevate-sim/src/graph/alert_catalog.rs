//! The seven PIM alerts for Microsoft Entra roles (governance §3.1): their definitions
//! (names, severities, texts after ED `pim-how-to-configure-security-alerts.md`), the
//! incident and configuration `@odata.type`s, the documented ids
//! `DirectoryRole_{tenantId}_{DefinitionName}`, and the configurations' default settings
//! (the simulator does not let them be changed).

use serde_json::{json, Value};

/// One alert definition.
pub(super) struct Definition {
    /// The `DefinitionName` part of the id.
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub severity: &'static str,
    pub security_impact: &'static str,
    pub mitigation_steps: &'static str,
    pub how_to_prevent: &'static str,
    pub remediatable: bool,
    pub configurable: bool,
    /// `#microsoft.graph.{incident}` of its incidents.
    pub incident: &'static str,
    /// `#microsoft.graph.{configuration}` of its configuration.
    pub configuration: &'static str,
}

pub(super) const TOO_MANY_GLOBAL_ADMINS: &str = "TooManyGlobalAdminsAssignedToTenantAlert";
pub(super) const OUTSIDE_PIM: &str = "RolesAssignedOutsidePimAlert";
pub(super) const NO_MFA: &str = "NoMfaOnRoleActivationAlert";
pub(super) const STALE_SIGN_IN: &str = "StaleSignInAlert";
pub(super) const REDUNDANT: &str = "RedundantAssignmentAlert";
pub(super) const SEQUENTIAL: &str = "SequentialActivationRenewalsAlert";
pub(super) const INVALID_LICENSE: &str = "InvalidLicenseAlert";

/// The default configuration [DOC where given: 3 and 10 %; the rest INF].
pub(super) const GLOBAL_ADMIN_COUNT_THRESHOLD: usize = 3;
pub(super) const GLOBAL_ADMIN_PERCENTAGE_THRESHOLD: usize = 10;
pub(super) const STALE_SIGN_IN_DAYS: i64 = 30;
pub(super) const REDUNDANT_DAYS: i64 = 90;
pub(super) const SEQUENTIAL_THRESHOLD: usize = 10;
pub(super) const SEQUENTIAL_INTERVAL_MINUTES: i64 = 60;

pub(super) const DEFINITIONS: [Definition; 7] = [
    Definition {
        name: TOO_MANY_GLOBAL_ADMINS,
        display_name: "There are too many global administrators",
        description: "The percentage of global administrators is high, relative to other privileged roles. It is recommended to use least privileged roles, with just enough privileges to perform the required tasks.",
        severity: "low",
        security_impact: "Global administrator is the highest privileged role. If a Global Administrator is compromised, the attacker gains access to all of their permissions, which puts your whole system at risk.",
        mitigation_steps: "Review the users in the list and remove any that don't absolutely need the Global Administrator role. Assign lower privileged roles to these users instead.",
        how_to_prevent: "Assign users the least privileged role they need.",
        remediatable: true,
        configurable: true,
        incident: "tooManyGlobalAdminsAssignedToTenantAlertIncident",
        configuration: "tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
    },
    Definition {
        name: OUTSIDE_PIM,
        display_name: "Roles are being assigned outside of Privileged Identity Management",
        description: "Privileged role assignments made outside of Privileged Identity Management are not properly monitored and may indicate an active attack.",
        severity: "high",
        security_impact: "Privileged role assignments made outside of Privileged Identity Management are not properly monitored and may indicate an active attack.",
        mitigation_steps: "Review the users in the list and remove them from privileged roles assigned outside of Privileged Identity Management.",
        how_to_prevent: "Investigate where users are being assigned privileged roles outside of Privileged Identity Management and prohibit future assignments from there.",
        remediatable: true,
        configurable: true,
        incident: "rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident",
        configuration: "rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration",
    },
    Definition {
        name: NO_MFA,
        display_name: "Roles don't require multi-factor authentication for activation",
        description: "Privileged roles can be activated without multi-factor authentication.",
        severity: "low",
        security_impact: "Without multi-factor authentication, compromised users can activate privileged roles.",
        mitigation_steps: "Review the list of roles and require multi-factor authentication for every role.",
        how_to_prevent: "Require multi-factor authentication (or an authentication context) for every role.",
        remediatable: true,
        configurable: true,
        incident: "noMfaOnRoleActivationAlertIncident",
        configuration: "noMfaOnRoleActivationAlertConfiguration",
    },
    Definition {
        name: STALE_SIGN_IN,
        display_name: "Potential stale accounts in a privileged role",
        description: "Identifies accounts in a privileged role that have not signed in during the past n days, where n is a configurable number of days.",
        severity: "medium",
        security_impact: "Accounts in a privileged role that have not signed in recently might be compromised or unused, and are an easy target for attackers.",
        mitigation_steps: "Review the accounts in the list. If they no longer need access, remove them from their privileged roles.",
        how_to_prevent: "Ensure that accounts in privileged roles are used, and remove the ones that are not.",
        remediatable: true,
        configurable: true,
        incident: "staleSignInAlertIncident",
        configuration: "staleSignInAlertConfiguration",
    },
    Definition {
        name: REDUNDANT,
        display_name: "Administrators aren't using their privileged roles",
        description: "Users that have been assigned privileged roles they don't need increase the chance of an attack.",
        severity: "low",
        security_impact: "Users that have been assigned privileged roles they don't need increase the chance of an attack. It is also easier for attackers to remain unnoticed in accounts that are not actively being used.",
        mitigation_steps: "Review the users in the list and remove them from privileged roles that they do not need.",
        how_to_prevent: "Only assign privileged roles to users who have a business justification, and schedule regular access reviews.",
        remediatable: true,
        configurable: true,
        incident: "redundantAssignmentAlertIncident",
        configuration: "redundantAssignmentAlertConfiguration",
    },
    Definition {
        name: SEQUENTIAL,
        display_name: "Roles are being activated too frequently",
        description: "Multiple activations to the same privileged role by the same user.",
        severity: "low",
        security_impact: "Multiple activations to the same privileged role by the same user is a sign of an attack.",
        mitigation_steps: "Review the users in the list and ensure that the activation duration for their privileged role is set long enough for them to perform their tasks.",
        how_to_prevent: "Ensure that the activation duration for privileged roles is set long enough for users to perform their tasks.",
        remediatable: false,
        configurable: true,
        incident: "sequentialActivationRenewalsAlertIncident",
        configuration: "sequentialActivationRenewalsAlertConfiguration",
    },
    Definition {
        name: INVALID_LICENSE,
        display_name: "The organization doesn't have Microsoft Entra ID P2 or Microsoft Entra ID Governance",
        description: "The current organization doesn't have Microsoft Entra ID P2 or Microsoft Entra ID Governance licenses.",
        severity: "low",
        security_impact: "Privileged Identity Management features need licenses for the users who use them.",
        mitigation_steps: "Purchase the licenses or remove the users without them from privileged roles.",
        how_to_prevent: "Keep enough licenses for the users of Privileged Identity Management.",
        remediatable: false,
        configurable: false,
        incident: "invalidLicenseAlertIncident",
        configuration: "invalidLicenseAlertConfiguration",
    },
];

/// `DirectoryRole_{tenantId}_{DefinitionName}`: the alert's, definition's and
/// configuration's id alike [DOC example].
pub(super) fn alert_id(tenant: &str, name: &str) -> String {
    format!("DirectoryRole_{tenant}_{name}")
}

/// The definition whose id (or bare name) is `id`, case-insensitively.
pub(super) fn find(tenant: &str, id: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| {
        alert_id(tenant, d.name).eq_ignore_ascii_case(id) || d.name.eq_ignore_ascii_case(id)
    })
}

pub(super) fn definition_json(tenant: &str, d: &Definition) -> Value {
    json!({"@odata.type": "#microsoft.graph.unifiedRoleManagementAlertDefinition", "id": alert_id(tenant, d.name),
        "displayName": d.display_name, "scopeType": "DirectoryRole", "scopeId": "/", "description": d.description,
        "severityLevel": d.severity, "securityImpact": d.security_impact, "mitigationSteps": d.mitigation_steps,
        "howToPrevent": d.how_to_prevent, "isRemediatable": d.remediatable, "isConfigurable": d.configurable})
}

/// The configuration with its (default) settings; durations are ISO-8601 [INF].
pub(super) fn configuration_json(tenant: &str, d: &Definition) -> Value {
    let id = alert_id(tenant, d.name);
    let mut v = json!({"@odata.type": format!("#microsoft.graph.{}", d.configuration), "id": id, "alertDefinitionId": id,
        "scopeType": "DirectoryRole", "scopeId": "/", "isEnabled": true});
    match d.name {
        TOO_MANY_GLOBAL_ADMINS => {
            v["globalAdminCountThreshold"] = json!(GLOBAL_ADMIN_COUNT_THRESHOLD);
            v["percentageOfGlobalAdminsOutOfRolesThreshold"] =
                json!(GLOBAL_ADMIN_PERCENTAGE_THRESHOLD);
        }
        STALE_SIGN_IN => v["duration"] = json!(format!("P{STALE_SIGN_IN_DAYS}D")),
        REDUNDANT => v["duration"] = json!(format!("P{REDUNDANT_DAYS}D")),
        SEQUENTIAL => {
            v["sequentialActivationCounterThreshold"] = json!(SEQUENTIAL_THRESHOLD);
            v["timeIntervalBetweenActivations"] =
                json!(format!("PT{SEQUENTIAL_INTERVAL_MINUTES}M"));
        }
        _ => {}
    }
    v
}
