//! The administrator's side on Graph over HTTP: directory role eligibilities and active
//! assignments (assign, listed, remove, gone), the admin policy rules, the admin error
//! catalogue, who may (403 otherwise), PIM for Groups as the group's owner, the audit rows,
//! and the user lookup clients resolve people with.

mod audit_support;
mod common;

use audit_support::{all_rows, audit_token, names, of_type};
use common::*;
use serde_json::{json, Value};

const ELIGIBILITY_REQUESTS: &str = "/roleManagement/directory/roleEligibilityScheduleRequests";
const ELIGIBLE_ALL: &str = "/roleManagement/directory/roleEligibilityScheduleInstances";
const ACTIVE_ALL: &str = "/roleManagement/directory/roleAssignmentScheduleInstances";
const GROUP_ELIGIBILITY_REQUESTS: &str =
    "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests";
const LEE_UPN: &str = "lee@contoso.example";
/// Platform Engineers: Alex is its permanent owner in the demo.
const PLATFORM: &str = "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a";
/// Policy `light`: permanent eligibilities and active assignments allowed.
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const ADMIN_SCOPES: &str = "openid offline_access https://graph.microsoft.com/RoleManagement.ReadWrite.Directory https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory https://graph.microsoft.com/RoleEligibilitySchedule.ReadWrite.Directory https://graph.microsoft.com/PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup";

async fn admin_token(sim: &Sim) -> String {
    sim.token_as("alex@contoso.example", ADMIN_SCOPES).await
}

/// Alex activates his eligible Privileged Role Administrator (policy `approval`) and the
/// sim's administrator control approves it: then he may assign directory roles.
async fn become_role_admin(sim: &Sim, token: &str) {
    let body = sim.entra_activation(PRA, "PT2H", Some("assign roles for the team"));
    let (s, r) = sim.graph("POST", ENTRA_REQUESTS, token, Some(body)).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (201, Some("PendingApproval")),
        "{r}"
    );
    let id = r["id"].as_str().expect("id");
    let decided = sim
        .control("POST", &format!("approvals/{id}/approve"), json!(null))
        .await;
    assert_eq!(decided["status"], "Provisioned", "{decided}");
}

fn entra_body(action: &str, principal: &str, role: &str, expiration: Value) -> Value {
    json!({"action": action, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/",
        "justification": "on-call rotation", "scheduleInfo": {"startDateTime": null, "expiration": expiration}})
}

fn days(n: u32) -> Value {
    json!({"type": "afterDuration", "duration": format!("P{n}D")})
}

async fn listed(sim: &Sim, token: &str, path: &str, principal: &str, role: &str) -> Vec<Value> {
    let filter = format!("$filter=principalId eq '{principal}' and roleDefinitionId eq '{role}'");
    let (s, b) = sim
        .graph("GET", &format!("{path}?{filter}"), token, None)
        .await;
    assert_eq!(s, 200, "{b}");
    value(&b)
}

fn code(b: &Value) -> &str {
    b["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn entra_eligibility_assign_listed_remove_gone() {
    let sim = start().await;
    let token = admin_token(&sim).await;
    become_role_admin(&sim, &token).await;
    let body = entra_body("adminAssign", LEE, USER_ADMIN, days(30));
    let (s, r) = sim
        .graph("POST", ELIGIBILITY_REQUESTS, &token, Some(body))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["status"], "Provisioned");
    assert_eq!(r["action"], "adminAssign");
    assert_eq!(r["targetScheduleId"], r["id"]);
    assert_eq!(r["createdBy"]["user"]["id"], ALEX);
    assert_eq!(r["scheduleInfo"]["expiration"]["type"], "afterDuration");
    assert_eq!(r["scheduleInfo"]["expiration"]["duration"], "P30D");
    let id = r["id"].as_str().expect("id").to_string();
    let rows = listed(&sim, &token, ELIGIBLE_ALL, LEE, USER_ADMIN).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["roleEligibilityScheduleId"], id.as_str());
    let schedules = listed(
        &sim,
        &token,
        "/roleManagement/directory/roleEligibilitySchedules",
        LEE,
        USER_ADMIN,
    )
    .await;
    assert_eq!(schedules[0]["id"], id.as_str());
    assert_eq!(
        schedules[0]["scheduleInfo"]["expiration"]["type"],
        "afterDateTime"
    );
    // Lee sees it among his own eligibilities.
    let lee = sim.token_as(LEE_UPN, GRAPH_SCOPES).await;
    let (_, mine) = sim.graph("GET", ENTRA_ELIGIBLE, &lee, None).await;
    assert!(value(&mine)
        .iter()
        .any(|e| e["roleDefinitionId"] == USER_ADMIN));
    let (s, got) = sim
        .graph("GET", &format!("{ELIGIBILITY_REQUESTS}/{id}"), &token, None)
        .await;
    assert_eq!((s, got["id"].as_str()), (200, Some(id.as_str())));

    let remove = json!({"action": "AdminRemove", "principalId": LEE, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/"});
    let (s, r) = sim
        .graph("POST", ELIGIBILITY_REQUESTS, &token, Some(remove))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["status"], "Revoked");
    assert_eq!(r["action"], "adminRemove");
    assert!(r["scheduleInfo"].is_null() && r["targetScheduleId"].is_null());
    assert!(listed(&sim, &token, ELIGIBLE_ALL, LEE, USER_ADMIN)
        .await
        .is_empty());
    assert_eq!(
        sim.count("graph.roleEligibilityScheduleRequests.create")
            .await,
        2
    );
}

#[tokio::test]
async fn entra_admin_rules_and_error_catalogue() {
    let sim = start().await;
    let token = admin_token(&sim).await;
    become_role_admin(&sim, &token).await;
    let post = |b: Value| {
        let (sim, token) = (&sim, &token);
        async move {
            sim.graph("POST", ELIGIBILITY_REQUESTS, token, Some(b))
                .await
        }
    };
    let permanent = json!({"type": "noExpiration"});
    // `standard` requires an end; `light` allows permanent.
    let (s, e) = post(entra_body(
        "adminAssign",
        LEE,
        USER_ADMIN,
        permanent.clone(),
    ))
    .await;
    assert_eq!(
        (s, code(&e)),
        (400, "RoleAssignmentRequestPolicyValidationFailed")
    );
    assert!(rules_of(&e).contains("[\"ExpirationRule\"]"), "{e}");
    let (s, r) = post(entra_body("adminAssign", LEE, GLOBAL_READER, permanent)).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["scheduleInfo"]["expiration"]["type"], "noExpiration");
    // Longer than Expiration_Admin_Eligibility's P365D, by duration or by end.
    let (s, e) = post(entra_body("adminAssign", LEE, USER_ADMIN, days(400))).await;
    assert!(s == 400 && rules_of(&e).contains("ExpirationRule"), "{e}");
    let far = json!({"type": "AfterDateTime", "endDateTime": "2099-01-01T00:00:00Z"});
    let (s, e) = post(entra_body("adminAssign", LEE, USER_ADMIN, far)).await;
    assert!(s == 400 && rules_of(&e).contains("ExpirationRule"), "{e}");
    // Validation only: accepted, nothing kept.
    let mut check = entra_body("adminAssign", LEE, USER_ADMIN, days(10));
    check["isValidationOnly"] = json!(true);
    let (s, r) = post(check).await;
    assert_eq!(
        (s, r["isValidationOnly"].as_bool()),
        (201, Some(true)),
        "{r}"
    );
    assert!(listed(&sim, &token, ELIGIBLE_ALL, LEE, USER_ADMIN)
        .await
        .is_empty());
    // Duplicate, absent, unknown principal, unknown role, unsupported action.
    let (s, e) = post(entra_body("adminAssign", LEE, GLOBAL_READER, days(10))).await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentExists"));
    assert_eq!(e["error"]["message"], "The Role assignment already exists.");
    let absent = json!({"action": "adminRemove", "principalId": LEE, "roleDefinitionId": INTUNE_ADMIN, "directoryScopeId": "/"});
    let (s, e) = post(absent).await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentDoesNotExist"));
    let nobody = "00000000-0000-4000-8000-00000000dead";
    let (s, e) = post(entra_body("adminAssign", nobody, USER_ADMIN, days(10))).await;
    assert_eq!((s, code(&e)), (400, "Request_ResourceNotFound"), "{e}");
    let (s, e) = post(entra_body("adminAssign", LEE, nobody, days(10))).await;
    assert_eq!((s, code(&e)), (400, "RoleDefinitionDoesNotExist"), "{e}");
    let (s, e) = post(entra_body("adminExtend", LEE, USER_ADMIN, days(10))).await;
    assert!(
        s == 400 && rules_of(&e).contains("not supported by the simulator"),
        "{e}"
    );

    // Active assignments: justification required (Enablement_Admin_Assignment), P180D max.
    let mut active = entra_body("adminAssign", LEE, USER_ADMIN, days(7));
    active["justification"] = Value::Null;
    let (s, e) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(active.clone()))
        .await;
    assert!(
        s == 400 && rules_of(&e).contains("[\"JustificationRule\"]"),
        "{e}"
    );
    let (s, e) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(entra_body("adminAssign", LEE, USER_ADMIN, days(200))),
        )
        .await;
    assert!(s == 400 && rules_of(&e).contains("ExpirationRule"), "{e}");
    let (s, r) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(entra_body("adminAssign", LEE, USER_ADMIN, days(7))),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("Provisioned")), "{r}");
    let rows = listed(&sim, &token, ACTIVE_ALL, LEE, USER_ADMIN).await;
    assert_eq!(rows[0]["assignmentType"], "Assigned", "{rows:?}");
    let (s, got) = sim
        .graph(
            "GET",
            &format!("{ENTRA_REQUESTS}/{}", r["id"].as_str().unwrap_or_default()),
            &token,
            None,
        )
        .await;
    assert_eq!((s, got["action"].as_str()), (200, Some("adminAssign")));
    let (s, e) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(entra_body("adminAssign", LEE, USER_ADMIN, days(7))),
        )
        .await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentExists"));
    // Permanent active on `light` (Helpdesk Administrator at the tenant root).
    let (s, r) = sim
        .graph(
            "POST",
            ENTRA_REQUESTS,
            &token,
            Some(entra_body(
                "adminAssign",
                LEE,
                HELPDESK_ADMIN,
                json!({"type": "noExpiration"}),
            )),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let remove = json!({"action": "adminRemove", "principalId": LEE, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/"});
    let (s, r) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(remove.clone()))
        .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("Revoked")), "{r}");
    assert!(listed(&sim, &token, ACTIVE_ALL, LEE, USER_ADMIN)
        .await
        .is_empty());
    let (s, e) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(remove))
        .await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentDoesNotExist"));
}

#[tokio::test]
async fn entra_admin_needs_an_active_admin_role_and_the_scope() {
    let sim = start().await;
    let body = entra_body("adminAssign", LEE, USER_ADMIN, days(30));
    // Eligible for Privileged Role Administrator is not enough: it must be active.
    let token = admin_token(&sim).await;
    let (s, e) = sim
        .graph("POST", ELIGIBILITY_REQUESTS, &token, Some(body.clone()))
        .await;
    assert_eq!((s, code(&e)), (403, "Authorization_RequestDenied"), "{e}");
    assert_eq!(
        e["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let (s, e) = sim
        .graph("POST", ENTRA_REQUESTS, &token, Some(body.clone()))
        .await;
    assert_eq!((s, code(&e)), (403, "Authorization_RequestDenied"));
    let lee = sim.token_as(LEE_UPN, ADMIN_SCOPES).await;
    let (s, _) = sim
        .graph("POST", ELIGIBILITY_REQUESTS, &lee, Some(body.clone()))
        .await;
    assert_eq!(s, 403);
    // A token without a write scope for eligibilities.
    let reader = sim
        .token_as(
            "alex@contoso.example",
            "openid https://graph.microsoft.com/RoleEligibilitySchedule.Read.Directory",
        )
        .await;
    let (s, e) = sim
        .graph("POST", ELIGIBILITY_REQUESTS, &reader, Some(body))
        .await;
    assert_eq!(s, 403);
    assert!(
        rules_of(&e).contains("RoleEligibilitySchedule.ReadWrite.Directory"),
        "{e}"
    );
    // Lee holds no directory role: no tenant-wide listing either.
    let (s, e) = sim.graph("GET", ELIGIBLE_ALL, &lee, None).await;
    assert_eq!((s, code(&e)), (403, "Authorization_RequestDenied"));
}

fn group_body(action: &str, access: &str, expiration: Option<Value>) -> Value {
    let mut b = json!({"accessId": access, "principalId": LEE, "groupId": PLATFORM, "action": action,
        "justification": "Assign eligible request."});
    if let Some(e) = expiration {
        b["scheduleInfo"] = json!({"startDateTime": null, "expiration": e});
    }
    b
}

#[tokio::test]
async fn group_assign_and_remove_as_the_groups_owner() {
    let sim = start().await;
    let token = admin_token(&sim).await;
    let (s, r) = sim
        .graph(
            "POST",
            GROUP_ELIGIBILITY_REQUESTS,
            &token,
            Some(group_body("AdminAssign", "member", Some(days(30)))),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["action"].as_str()),
        (Some("Provisioned"), Some("adminAssign"))
    );
    let id = r["id"].as_str().expect("id");
    assert_eq!(r["targetScheduleId"], format!("{PLATFORM}_member_{id}"));
    let path = format!("/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '{PLATFORM}'");
    let (s, b) = sim.graph("GET", &path, &token, None).await;
    assert_eq!(s, 200, "{b}");
    assert!(value(&b)
        .iter()
        .any(|e| e["principalId"] == LEE && e["accessId"] == "member"));
    // Members need an end (`standard`); owners may be permanent (`group-owner`).
    let (s, e) = sim
        .graph(
            "POST",
            GROUP_ELIGIBILITY_REQUESTS,
            &token,
            Some(group_body(
                "adminAssign",
                "owner",
                Some(json!({"type": "noExpiration"})),
            )),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let (s, e) = sim
        .graph(
            "POST",
            GROUP_ELIGIBILITY_REQUESTS,
            &token,
            Some(group_body("adminAssign", "member", Some(days(10)))),
        )
        .await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentExists"));
    // Removal without scheduleInfo.
    for (status, want) in [(201, "Revoked"), (400, "RoleAssignmentDoesNotExist")] {
        let (s, r) = sim
            .graph(
                "POST",
                GROUP_ELIGIBILITY_REQUESTS,
                &token,
                Some(group_body("adminRemove", "member", None)),
            )
            .await;
        assert_eq!(s, status, "{r}");
        assert!(r["status"] == want || code(&r) == want, "{r}");
    }
    let (_, b) = sim.graph("GET", &path, &token, None).await;
    assert!(!value(&b)
        .iter()
        .any(|e| e["principalId"] == LEE && e["accessId"] == "member"));
    // Active membership through assignmentScheduleRequests.
    let (s, r) = sim
        .graph(
            "POST",
            GROUP_REQUESTS,
            &token,
            Some(group_body("adminAssign", "member", Some(days(7)))),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("Provisioned")), "{r}");
    let lee = sim.token_as(LEE_UPN, GRAPH_SCOPES).await;
    let (_, mine) = sim.graph("GET", GROUP_ACTIVE, &lee, None).await;
    assert!(value(&mine)
        .iter()
        .any(|a| a["groupId"] == PLATFORM && a["assignmentType"] == "assigned"));
    let (s, r) = sim
        .graph(
            "POST",
            GROUP_REQUESTS,
            &token,
            Some(group_body("adminRemove", "member", None)),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("Revoked")), "{r}");
    // Not an owner of SOC Analysts, and no active directory admin role.
    let mut other = group_body("adminAssign", "member", Some(days(7)));
    other["groupId"] = json!(SOC);
    let (s, e) = sim
        .graph("POST", GROUP_ELIGIBILITY_REQUESTS, &token, Some(other))
        .await;
    assert_eq!((s, code(&e)), (403, "Authorization_RequestDenied"));
    assert_eq!(
        sim.count("graph.group.eligibilityScheduleRequests.create")
            .await,
        6
    );
}

#[tokio::test]
async fn admin_actions_are_audited_under_their_documented_names() {
    let sim = start().await;
    let token = admin_token(&sim).await;
    become_role_admin(&sim, &token).await;
    for (path, body) in [
        (
            ELIGIBILITY_REQUESTS,
            entra_body("adminAssign", LEE, USER_ADMIN, days(30)),
        ),
        (
            ELIGIBILITY_REQUESTS,
            entra_body(
                "adminAssign",
                LEE,
                GLOBAL_READER,
                json!({"type": "noExpiration"}),
            ),
        ),
        (
            ELIGIBILITY_REQUESTS,
            json!({"action": "adminRemove", "principalId": LEE, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/"}),
        ),
        (
            ENTRA_REQUESTS,
            entra_body("adminAssign", LEE, INTUNE_ADMIN, days(7)),
        ),
    ] {
        let (s, r) = sim.graph("POST", path, &token, Some(body)).await;
        assert_eq!(s, 201, "{r}");
    }
    let audit = audit_token(&sim, "alex@contoso.example").await;
    let rows = all_rows(&sim, &audit, &format!("initiatedBy/user/id eq '{ALEX}'")).await;
    let seen = names(&rows);
    for want in [
        "Add eligible member to role in PIM requested (timebound)",
        "Add eligible member to role in PIM completed (timebound)",
        "Add eligible member to role in PIM completed (permanent)",
        "Remove eligible member from role in PIM completed (timebound)",
        "Add member to role in PIM completed (timebound)",
    ] {
        assert!(seen.contains(&want), "{want} not in {seen:?}");
    }
    let row = rows
        .iter()
        .find(|r| r["activityDisplayName"] == "Add member to role in PIM completed (timebound)")
        .expect("row");
    assert_eq!(of_type(row, "User")["id"], LEE);
    assert_eq!(of_type(row, "Role")["id"], INTUNE_ADMIN);
    assert_eq!(row["category"], "RoleManagement");
}

#[tokio::test]
async fn policies_render_the_admin_rules() {
    let sim = start().await;
    let token = sim.graph_token().await;
    let rules = |role: &str| {
        let path = format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{role}'&$expand=policy($expand=rules)");
        let (sim, token) = (&sim, &token);
        async move {
            let (s, b) = sim.graph("GET", &path, token, None).await;
            assert_eq!(s, 200, "{b}");
            b["value"][0]["policy"]["rules"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let rule = |rules: &[Value], id: &str| rules.iter().find(|r| r["id"] == id).cloned().expect(id);
    let standard = rules(USER_ADMIN).await;
    let e = rule(&standard, "Expiration_Admin_Eligibility");
    assert_eq!(
        (
            e["isExpirationRequired"].as_bool(),
            e["maximumDuration"].as_str()
        ),
        (Some(true), Some("P365D"))
    );
    let a = rule(&standard, "Expiration_Admin_Assignment");
    assert_eq!(
        (
            a["isExpirationRequired"].as_bool(),
            a["maximumDuration"].as_str()
        ),
        (Some(true), Some("P180D"))
    );
    assert_eq!(
        rule(&standard, "Enablement_Admin_Assignment")["enabledRules"],
        json!(["Justification"])
    );
    let light = rules(GLOBAL_READER).await;
    assert_eq!(
        rule(&light, "Expiration_Admin_Eligibility")["isExpirationRequired"],
        false
    );
    assert_eq!(
        rule(&light, "Expiration_Admin_Assignment")["isExpirationRequired"],
        false
    );
    let short = rules(INTUNE_ADMIN).await;
    assert_eq!(
        rule(&short, "Expiration_Admin_Eligibility")["maximumDuration"],
        "P90D"
    );
}

#[tokio::test]
async fn users_are_found_by_upn_id_and_display_name() {
    let sim = start().await;
    let token = sim
        .token_as(
            "alex@contoso.example",
            "openid https://graph.microsoft.com/User.ReadBasic.All",
        )
        .await;
    let get = |path: String| {
        let (sim, token) = (&sim, &token);
        async move { sim.graph("GET", &path, token, None).await }
    };
    let (s, b) = get(format!("/users?$filter=userPrincipalName eq '{LEE_UPN}'")).await;
    assert_eq!(s, 200, "{b}");
    let found = value(&b);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0]["id"].as_str(), found[0]["mail"].as_str()),
        (Some(LEE), Some(LEE_UPN))
    );
    let (_, b) =
        get("/users?$filter=startswith(displayName,'lee')&$select=id,displayName".into()).await;
    let found = value(&b);
    assert_eq!(found.len(), 1, "{b}");
    assert_eq!(found[0], json!({"id": LEE, "displayName": "Lee Gu"}));
    for who in [LEE, LEE_UPN] {
        let (s, u) = get(format!("/users/{who}")).await;
        assert_eq!(
            (s, u["userPrincipalName"].as_str()),
            (200, Some(LEE_UPN)),
            "{u}"
        );
    }
    let (s, e) = get("/users/nobody@contoso.example".into()).await;
    assert_eq!((s, code(&e)), (404, "Request_ResourceNotFound"));
    let (s, e) = get("/users?$filter=jobTitle eq 'x'".into()).await;
    assert_eq!((s, code(&e)), (400, "Request_UnsupportedQuery"));
    // User.Read (the default token) reads only oneself.
    let plain = sim.graph_token().await;
    let (s, e) = sim
        .graph("GET", &format!("/users/{LEE}"), &plain, None)
        .await;
    assert_eq!(s, 403);
    assert!(rules_of(&e).contains("User.ReadBasic.All"), "{e}");
    assert_eq!(sim.count("graph.users").await, 7);
}
