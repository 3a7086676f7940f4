//! The v1.0 posture reads over HTTP (governance §3.2) on the `posture` scenario: the
//! tenant-wide role schedules with `$expand=principal,roleDefinition($select=…)`, an
//! assignment made outside PIM, group schedules and their required filter, every
//! directory role's policy assignment, `signInActivity` (only on `$select`, only with
//! AuditLog.Read.All) and role-assignable groups.

mod common;
mod posture_support;

use common::*;
use posture_support::*;
use serde_json::Value;

const ASSIGNMENT_SCHEDULES: &str = "/roleManagement/directory/roleAssignmentSchedules";
const ELIGIBILITY_SCHEDULES: &str = "/roleManagement/directory/roleEligibilitySchedules";
const GROUP_ELIGIBILITY: &str = "/identityGovernance/privilegedAccess/group/eligibilitySchedules";
const GROUP_ASSIGNMENT: &str = "/identityGovernance/privilegedAccess/group/assignmentSchedules";
const EXPAND: &str = "principal,roleDefinition($select=id,displayName,templateId)";
const USER_SCOPES: &str = "openid offline_access https://graph.microsoft.com/User.Read.All";
const SIGN_IN_SCOPES: &str = "openid offline_access https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/AuditLog.Read.All";

fn find<'a>(items: &'a [Value], principal: &str, role: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["principalId"] == principal && i["roleDefinitionId"] == role)
        .unwrap_or_else(|| panic!("no {principal} {role} in {items:?}"))
}

#[tokio::test]
async fn assignment_schedules_show_where_assignments_came_from() {
    let sim = start_posture().await;
    let token = sim.graph_token().await;
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{ASSIGNMENT_SCHEDULES}{}", query(&[("$expand", EXPAND)])),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["@odata.context"]
        .as_str()
        .unwrap_or_default()
        .contains("unifiedRoleAssignmentSchedule"));
    let all = items(&b);
    assert_eq!(all.len(), 3, "{all:?}");
    let outside = find(&all, BREAKGLASS, GA);
    assert!(
        outside["createdUsing"].is_null() && outside["createdDateTime"].is_null(),
        "{outside}"
    );
    assert_eq!(outside["assignmentType"], "Assigned");
    assert_eq!(outside["memberType"], "Direct");
    assert_eq!(outside["status"], "Provisioned");
    assert_eq!(
        outside["scheduleInfo"]["expiration"]["type"],
        "noExpiration"
    );
    assert!(outside["scheduleInfo"]["expiration"]["endDateTime"].is_null());
    assert_eq!(outside["principal"]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(outside["principal"]["userPrincipalName"], BREAKGLASS_UPN);
    assert_eq!(
        outside["roleDefinition"]["displayName"],
        "Global Administrator"
    );
    assert_eq!(outside["roleDefinition"]["templateId"], GA);
    assert!(
        outside["roleDefinition"].get("rolePermissions").is_none(),
        "nested $select"
    );
    let via_pim = find(&all, AVERY, GA);
    assert_eq!(via_pim["createdUsing"], via_pim["id"]);
    assert!(via_pim["createdDateTime"].is_string());
    for key in ["id", "directoryScopeId", "appScopeId", "modifiedDateTime"] {
        assert!(via_pim.get(key).is_some(), "{key}");
    }
    // $filter as on the other tenant-wide listings.
    let f = format!("roleDefinitionId eq '{GLOBAL_READER}'");
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{ASSIGNMENT_SCHEDULES}{}", query(&[("$filter", &f)])),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (s, strings(&items(&b), "principalId")),
        (200, vec![RILEY.to_string()])
    );
    // Paging.
    sim.control("POST", "settings", serde_json::json!({"graphPageSize": 2}))
        .await;
    let url = format!("{}/v1.0{ASSIGNMENT_SCHEDULES}", sim.server.graph_url());
    let (all, pages) = sim.all_pages(&url, &token).await;
    assert_eq!((all.len(), pages), (3, 2));
}

#[tokio::test]
async fn eligibility_schedules_expand_and_tell_permanent_from_timebound() {
    let sim = start_posture().await;
    let token = sim.graph_token().await;
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{ELIGIBILITY_SCHEDULES}{}", query(&[("$expand", EXPAND)])),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let all = items(&b);
    let permanent = find(&all, JORDAN, GA);
    assert_eq!(
        permanent["scheduleInfo"]["expiration"]["type"],
        "noExpiration"
    );
    assert_eq!(permanent["principal"]["displayName"], "Jordan Lee");
    assert_eq!(permanent["roleDefinition"]["id"], GA);
    let long = find(&all, MORGAN, GA);
    assert_eq!(long["scheduleInfo"]["expiration"]["type"], "afterDateTime");
    assert!(long["scheduleInfo"]["expiration"]["endDateTime"].is_string());
    assert_eq!(
        find(&all, SAM, SEC_ADMIN)["scheduleInfo"]["expiration"]["type"],
        "noExpiration"
    );
}

#[tokio::test]
async fn tenant_wide_schedules_need_an_active_directory_role() {
    let sim = start_posture().await;
    let sam = sim.token_as(SAM_UPN, GRAPH_SCOPES).await;
    for path in [ASSIGNMENT_SCHEDULES, ELIGIBILITY_SCHEDULES] {
        let (s, b) = sim.graph("GET", path, &sam, None).await;
        assert_eq!(
            (s, code(&b).as_str()),
            (403, "Authorization_RequestDenied"),
            "{path}: {b}"
        );
    }
    // Without a schedule scope at all.
    let users_only = sim.token_as(RILEY_UPN, USER_SCOPES).await;
    let (s, b) = sim
        .graph("GET", ASSIGNMENT_SCHEDULES, &users_only, None)
        .await;
    assert_eq!((s, code(&b).as_str()), (403, "UnknownError"), "{b}");
}

#[tokio::test]
async fn group_schedules_need_a_filter_and_show_the_permanent_owner() {
    let sim = start_posture().await;
    let token = sim.graph_token().await;
    for path in [GROUP_ELIGIBILITY, GROUP_ASSIGNMENT] {
        let (s, b) = sim.graph("GET", path, &token, None).await;
        assert_eq!((s, code(&b).as_str()), (400, "BadRequest"), "{path}: {b}");
        assert!(message(&b).contains("groupId or principalId"), "{b}");
    }
    let f = format!("groupId eq '{TIER0}'");
    let (s, b) = sim
        .graph(
            "GET",
            &format!(
                "{GROUP_ASSIGNMENT}{}",
                query(&[("$filter", &f), ("$expand", "principal,group")])
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let owners = items(&b);
    assert_eq!(owners.len(), 1, "{owners:?}");
    let o = &owners[0];
    assert_eq!(
        o["@odata.type"],
        "#microsoft.graph.privilegedAccessGroupAssignmentSchedule"
    );
    assert_eq!(
        (o["principalId"].as_str(), o["accessId"].as_str()),
        (Some(DREW), Some("owner"))
    );
    assert_eq!(o["assignmentType"], "assigned");
    assert_eq!(o["scheduleInfo"]["expiration"]["type"], "noExpiration");
    assert_eq!(o["group"]["displayName"], "Tier0 Operators");
    assert_eq!(o["principal"]["userPrincipalName"], "drew@fabrikam.example");
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{GROUP_ELIGIBILITY}{}", query(&[("$filter", &f)])),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(strings(&items(&b), "principalId"), vec![JORDAN.to_string()]);
    // By principal: one's own.
    let f = format!("principalId eq '{RILEY}'");
    let (s, b) = sim
        .graph(
            "GET",
            &format!("{GROUP_ELIGIBILITY}{}", query(&[("$filter", &f)])),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (s, strings(&items(&b), "groupId")),
        (200, vec![HELPDESK_TEAM.to_string()])
    );
    // Sam reads only his own.
    let sam = sim.token_as(SAM_UPN, GRAPH_SCOPES).await;
    let f = format!("groupId eq '{TIER0}'");
    let (s, _) = sim
        .graph(
            "GET",
            &format!("{GROUP_ELIGIBILITY}{}", query(&[("$filter", &f)])),
            &sam,
            None,
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn every_directory_role_policy_and_group_policies() {
    let sim = start_posture().await;
    let token = sim.graph_token().await;
    let q = query(&[
        ("$filter", "scopeId eq '/' and scopeType eq 'DirectoryRole'"),
        ("$expand", "policy($expand=rules)"),
    ]);
    let (s, b) = sim
        .graph(
            "GET",
            &format!("/policies/roleManagementPolicyAssignments{q}"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let all = items(&b);
    assert_eq!(all.len(), 8, "one per directory role");
    let rule = |role: &str, id: &str| -> Value {
        let a = all
            .iter()
            .find(|a| a["roleDefinitionId"] == role)
            .expect("role");
        a["policy"]["rules"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["id"] == id).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        rule(PRA, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT10H"
    );
    assert_eq!(
        rule(GA, "Approval_EndUser_Assignment")["setting"]["isApprovalRequired"],
        false
    );
    assert_eq!(
        rule(SEC_ADMIN, "Approval_EndUser_Assignment")["setting"]["isApprovalRequired"],
        false
    );
    let enabled = |role: &str| rule(role, "Enablement_EndUser_Assignment")["enabledRules"].clone();
    assert!(!enabled(EXCHANGE_ADMIN)
        .to_string()
        .contains("MultiFactorAuthentication"));
    assert_eq!(
        rule(EXCHANGE_ADMIN, "AuthenticationContext_EndUser_Assignment")["isEnabled"],
        false
    );
    let user_admin = enabled(USER_ADMIN).to_string();
    assert!(
        !user_admin.contains("Justification") && !user_admin.contains("Ticketing"),
        "{user_admin}"
    );
    let q = query(&[
        (
            "$filter",
            &format!("scopeId eq '{TIER0}' and scopeType eq 'Group'"),
        ),
        ("$expand", "policy($expand=rules)"),
    ]);
    let (s, b) = sim
        .graph(
            "GET",
            &format!("/policies/roleManagementPolicyAssignments{q}"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        strings(&items(&b), "roleDefinitionId"),
        vec!["member", "owner"]
    );
}

#[tokio::test]
async fn sign_in_activity_only_on_select_and_with_the_audit_scope() {
    let sim = start_posture().await;
    let with = sim.token_as(RILEY_UPN, SIGN_IN_SCOPES).await;
    let without = sim.token_as(RILEY_UPN, USER_SCOPES).await;
    let path = format!(
        "/users/{SAM}{}",
        query(&[("$select", "id,displayName,signInActivity")])
    );
    let (s, b) = sim.graph("GET", &path, &with, None).await;
    assert_eq!(s, 200, "{b}");
    let last = b["signInActivity"]["lastSignInDateTime"]
        .as_str()
        .expect("last sign-in");
    let at = chrono::DateTime::parse_from_rfc3339(last).expect("time");
    let age = chrono::Utc::now().signed_duration_since(at).num_days();
    assert!((119..=121).contains(&age), "{age}");
    assert!(b["signInActivity"]["lastNonInteractiveSignInDateTime"].is_string());
    assert!(
        b.get("userPrincipalName").is_none(),
        "only what was selected"
    );
    let (s, b) = sim.graph("GET", &path, &without, None).await;
    assert_eq!((s, code(&b).as_str()), (403, "UnknownError"), "{b}");
    assert!(message(&b).contains("AuditLog.Read.All"), "{b}");
    // Not selected: not returned, and no audit scope needed.
    let (s, b) = sim
        .graph("GET", &format!("/users/{SAM_UPN}"), &without, None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b.get("signInActivity").is_none());
    let list = format!(
        "/users{}",
        query(&[("$select", "id,displayName,userPrincipalName,signInActivity")])
    );
    let (s, b) = sim.graph("GET", &list, &with, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(items(&b).len(), 9);
    assert!(items(&b)
        .iter()
        .all(|u| u["signInActivity"]["lastSignInDateTime"].is_string()));
    let (s, _) = sim.graph("GET", &list, &without, None).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn role_assignable_groups_by_filter() {
    let sim = start_posture().await;
    let token = sim.graph_token().await;
    let (s, b) = sim
        .graph(
            "GET",
            &format!(
                "/groups{}",
                query(&[("$filter", "isAssignableToRole eq true")])
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(strings(&items(&b), "displayName"), vec!["Tier0 Operators"]);
    let (s, b) = sim
        .graph(
            "GET",
            &format!(
                "/groups{}",
                query(&[("$filter", "isAssignableToRole eq false")])
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (s, strings(&items(&b), "displayName")),
        (200, vec!["Helpdesk Team".to_string()])
    );
}

#[tokio::test]
async fn the_demo_keeps_working_with_sign_ins_and_origins() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let (s, b) = sim.graph("GET", ASSIGNMENT_SCHEDULES, &token, None).await;
    assert_eq!(s, 200, "{b}");
    let all = items(&b);
    assert!(
        all.iter()
            .all(|a| a["createdUsing"].is_string() && a["createdDateTime"].is_string()),
        "{all:?}"
    );
    let with = sim.token_as("alex@contoso.example", SIGN_IN_SCOPES).await;
    let (s, b) = sim
        .graph(
            "GET",
            &format!("/users/{ALEX}{}", query(&[("$select", "signInActivity")])),
            &with,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["signInActivity"]["lastSignInDateTime"].is_string());
}
