//! The administrator's side on ARM over HTTP: role eligibility schedule requests and the
//! admin request types of role assignment schedule requests (assign, read back, listed,
//! remove with a peer's PascalCase body, gone), the admin policy rules and error catalogue,
//! and ARM's 403 for a caller without Owner or User Access Administrator at the scope.

mod common;

use common::*;
use serde_json::{json, Value};

const UAA: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const RG_COMPUTE_DEV: &str =
    "/subscriptions/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/resourceGroups/rg-compute-dev";
const C2: &str = r#"{"access_token":{"acrs":{"essential":true,"value":"c2"}}}"#;

/// Alex's eligible User Access Administrator at the dev subscription needs no approval,
/// only the `c2` authentication context: sign in with the claims, activate it.
async fn become_dev_admin(sim: &Sim) -> String {
    let token = sim
        .sign_in(ELEVATE_CLIENT, ARM_SCOPES, &[("claims", C2)])
        .await["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let body = json!({"properties": {"principalId": ALEX, "roleDefinitionId": role_id(DEV, UAA),
        "requestType": "SelfActivate", "justification": "assign access", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}}});
    let (s, r) = sim
        .arm(
            "PUT",
            &request_path(DEV, "roleAssignmentScheduleRequests", &new_name()),
            &token,
            Some(body),
        )
        .await;
    assert_eq!(
        (s, r["properties"]["status"].as_str()),
        (201, Some("Provisioned")),
        "{r}"
    );
    token
}

fn role_id(scope: &str, role: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}")
}

fn new_name() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn request_path(scope: &str, set: &str, name: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/{set}/{name}?{API}")
}

fn assign(scope: &str, role: &str, expiration: Value) -> Value {
    json!({"properties": {"principalId": LEE, "roleDefinitionId": role_id(scope, role), "requestType": "AdminAssign",
        "justification": "project access", "scheduleInfo": {"startDateTime": null, "expiration": expiration}}})
}

/// The body demoray/azure-pim-cli sends to remove an eligibility [OBS].
fn pascal_remove(scope: &str, role: &str) -> Value {
    json!({"properties": {"principalId": LEE, "roleDefinitionId": role_id(scope, role), "requestType": "AdminRemove",
        "ScheduleInfo": {"Expiration": {"Type": "NoExpiration"}}}})
}

fn days(n: u32) -> Value {
    json!({"type": "AfterDuration", "endDateTime": null, "duration": format!("P{n}D")})
}

fn code(b: &Value) -> &str {
    b["error"]["code"].as_str().unwrap_or_default()
}

/// Lee's instances at `scope` as the administrator sees them (`principalId eq`).
async fn lee_rows(sim: &Sim, token: &str, scope: &str, set: &str, role: &str) -> Vec<Value> {
    let path = format!(
        "{scope}/providers/Microsoft.Authorization/{set}?{API}&$filter=principalId eq '{LEE}'"
    );
    let (s, b) = sim.arm("GET", &path, token, None).await;
    assert_eq!(s, 200, "{b}");
    value(&b)
        .into_iter()
        .filter(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .is_some_and(|r| r.ends_with(role))
        })
        .collect()
}

#[tokio::test]
async fn arm_eligibility_assign_read_back_listed_remove_gone() {
    let sim = start().await;
    let token = become_dev_admin(&sim).await;
    let name = new_name();
    let path = request_path(DEV, "roleEligibilityScheduleRequests", &name);
    let (s, r) = sim
        .arm(
            "PUT",
            &path,
            &token,
            Some(assign(DEV, CONTRIBUTOR, days(30))),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let p = &r["properties"];
    assert_eq!(
        (p["status"].as_str(), p["requestType"].as_str()),
        (Some("Provisioned"), Some("AdminAssign"))
    );
    assert_eq!(
        p["targetRoleEligibilityScheduleId"],
        format!("{DEV}/providers/Microsoft.Authorization/roleEligibilitySchedules/{name}")
    );
    assert_eq!(p["expandedProperties"]["principal"]["id"], LEE);
    assert_eq!(
        p["expandedProperties"]["roleDefinition"]["displayName"],
        "Contributor"
    );
    assert_eq!(p["expandedProperties"]["scope"]["id"], DEV);
    assert_eq!(p["requestorId"], ALEX);
    assert_eq!(r["name"], name.as_str());
    // Read back, and the same PUT again (a retry) returns the same request.
    let (s, got) = sim.arm("GET", &path, &token, None).await;
    assert_eq!(
        (s, got["name"].as_str()),
        (200, Some(name.as_str())),
        "{got}"
    );
    let (s, again) = sim
        .arm(
            "PUT",
            &path,
            &token,
            Some(assign(DEV, CONTRIBUTOR, days(30))),
        )
        .await;
    assert_eq!((s, again["name"].as_str()), (201, Some(name.as_str())));
    // Listed for the administrator (principalId, atScope()) and for Lee (asTarget()).
    assert_eq!(
        lee_rows(
            &sim,
            &token,
            DEV,
            "roleEligibilityScheduleInstances",
            CONTRIBUTOR
        )
        .await
        .len(),
        1
    );
    let (s, b) = sim
        .arm(
            "GET",
            &format!("{DEV}{ARM_ELIGIBLE}?{API}&$filter=atScope()"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(value(&b)
        .iter()
        .any(|i| i["properties"]["principalId"] == LEE));
    let lee = sim.token_as("lee@contoso.example", ARM_SCOPES).await;
    let (_, mine) = sim
        .arm(
            "GET",
            &format!("{ARM_ELIGIBLE}?{API}&$filter=asTarget()"),
            &lee,
            None,
        )
        .await;
    assert!(value(&mine).iter().any(|i| i["properties"]["scope"] == DEV));
    // Lee may not list everyone's.
    let (s, e) = sim
        .arm(
            "GET",
            &format!("{DEV}{ARM_ELIGIBLE}?{API}&$filter=atScope()"),
            &lee,
            None,
        )
        .await;
    assert_eq!((s, code(&e)), (400, "InsufficientPermissions"));

    let remove = request_path(DEV, "roleEligibilityScheduleRequests", &new_name());
    let (s, r) = sim
        .arm(
            "PUT",
            &remove,
            &token,
            Some(pascal_remove(DEV, CONTRIBUTOR)),
        )
        .await;
    assert_eq!(
        (s, r["properties"]["status"].as_str()),
        (201, Some("Revoked")),
        "{r}"
    );
    assert_eq!(r["properties"]["requestType"], "AdminRemove");
    assert!(lee_rows(
        &sim,
        &token,
        DEV,
        "roleEligibilityScheduleInstances",
        CONTRIBUTOR
    )
    .await
    .is_empty());
    let (s, e) = sim
        .arm(
            "PUT",
            &request_path(DEV, "roleEligibilityScheduleRequests", &new_name()),
            &token,
            Some(pascal_remove(DEV, CONTRIBUTOR)),
        )
        .await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentDoesNotExist"));
    assert_eq!(
        sim.count("arm.roleEligibilityScheduleRequests.put").await,
        4
    );
    assert_eq!(
        sim.count("arm.roleEligibilityScheduleRequests.get").await,
        1
    );
}

#[tokio::test]
async fn arm_admin_rules_and_error_catalogue() {
    let sim = start().await;
    let token = become_dev_admin(&sim).await;
    let put = |set: &'static str, body: Value| {
        let (sim, token) = (&sim, &token);
        async move {
            sim.arm(
                "PUT",
                &request_path(DEV, set, &new_name()),
                token,
                Some(body),
            )
            .await
        }
    };
    let eligibility = "roleEligibilityScheduleRequests";
    let permanent = json!({"type": "NoExpiration"});
    // Reader at dev has no policy of its own: the default requires an end.
    let (s, e) = put(eligibility, assign(DEV, READER, permanent.clone())).await;
    assert_eq!(
        (s, code(&e)),
        (400, "RoleAssignmentRequestPolicyValidationFailed"),
        "{e}"
    );
    assert!(rules_of(&e).contains("[\"ExpirationRule\"]"));
    // Contributor at dev (`azure-standard`) allows permanent eligibilities.
    let (s, r) = put(eligibility, assign(DEV, CONTRIBUTOR, permanent)).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        r["properties"]["scheduleInfo"]["expiration"]["type"],
        "NoExpiration"
    );
    // AfterDuration with a null duration: a permanent eligibility [OBS].
    let (s, r) = sim
        .arm(
            "PUT",
            &request_path(RG_COMPUTE_DEV, eligibility, &new_name()),
            &token,
            Some(assign(RG_COMPUTE_DEV, VM_CONTRIBUTOR, days(0).tap_null())),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let rows = lee_rows(
        &sim,
        &token,
        RG_COMPUTE_DEV,
        "roleEligibilityScheduleInstances",
        VM_CONTRIBUTOR,
    )
    .await;
    assert!(rows[0]["properties"]["endDateTime"].is_null(), "{rows:?}");
    let (s, e) = put(eligibility, assign(DEV, READER, days(400))).await;
    assert!(s == 400 && rules_of(&e).contains("ExpirationRule"), "{e}");
    let (s, e) = put(eligibility, assign(DEV, CONTRIBUTOR, days(30))).await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentExists"));
    assert_eq!(e["error"]["message"], "The Role assignment already exists.");
    let (s, e) = put(eligibility, pascal_remove(DEV, READER)).await;
    assert_eq!((s, code(&e)), (400, "RoleAssignmentDoesNotExist"));
    let nobody = "00000000-0000-4000-8000-00000000dead";
    let mut ghost = assign(DEV, READER, days(30));
    ghost["properties"]["principalId"] = json!(nobody);
    let (s, e) = put(eligibility, ghost).await;
    assert_eq!((s, code(&e)), (400, "PrincipalNotFound"));
    assert_eq!(
        e["error"]["message"],
        format!(
            "Principal {nobody} does not exist in the directory {}.",
            sim.tenant()
        )
    );
    let (s, e) = put(eligibility, assign(DEV, nobody, days(30))).await;
    assert_eq!((s, code(&e)), (400, "RoleDefinitionDoesNotExist"));

    // Active assignments on roleAssignmentScheduleRequests.
    let assignment = "roleAssignmentScheduleRequests";
    let mut bare = assign(DEV, READER, days(7));
    bare["properties"]["justification"] = Value::Null;
    let (s, e) = put(assignment, bare).await;
    assert!(
        s == 400 && rules_of(&e).contains("[\"JustificationRule\"]"),
        "{e}"
    );
    let (s, e) = put(assignment, assign(DEV, READER, days(0).tap_null())).await;
    assert!(s == 400 && rules_of(&e).contains("ExpirationRule"), "{e}");
    let name = new_name();
    let (s, r) = sim
        .arm(
            "PUT",
            &request_path(DEV, assignment, &name),
            &token,
            Some(assign(DEV, READER, days(7))),
        )
        .await;
    assert_eq!(
        (s, r["properties"]["status"].as_str()),
        (201, Some("Provisioned")),
        "{r}"
    );
    assert!(r["properties"]["targetRoleAssignmentScheduleId"]
        .as_str()
        .is_some_and(|t| t.contains("/roleAssignmentSchedules/")));
    let (s, got) = sim
        .arm("GET", &request_path(DEV, assignment, &name), &token, None)
        .await;
    assert_eq!(
        (s, got["properties"]["requestType"].as_str()),
        (200, Some("AdminAssign"))
    );
    let rows = lee_rows(&sim, &token, DEV, "roleAssignmentScheduleInstances", READER).await;
    assert_eq!(
        rows[0]["properties"]["assignmentType"], "Assigned",
        "{rows:?}"
    );
    let (s, r) = put(assignment, pascal_remove(DEV, READER)).await;
    assert_eq!(
        (s, r["properties"]["status"].as_str()),
        (201, Some("Revoked")),
        "{r}"
    );
    assert!(
        lee_rows(&sim, &token, DEV, "roleAssignmentScheduleInstances", READER)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn arm_admin_needs_owner_or_user_access_administrator_at_the_scope() {
    let sim = start().await;
    let plain = sim.arm_token().await;
    let name = new_name();
    let path = request_path(DEV, "roleEligibilityScheduleRequests", &name);
    let (s, e) = sim
        .arm(
            "PUT",
            &path,
            &plain,
            Some(assign(DEV, CONTRIBUTOR, days(30))),
        )
        .await;
    assert_eq!((s, code(&e)), (403, "AuthorizationFailed"), "{e}");
    assert_eq!(
        rules_of(&e),
        format!("The client 'alex@contoso.example' with object id '{ALEX}' does not have authorization to perform action 'Microsoft.Authorization/roleEligibilityScheduleRequests/write' over scope '{DEV}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{name}' or the scope is invalid. If access was recently granted, please refresh your credentials.")
    );
    let (s, e) = sim
        .arm(
            "PUT",
            &request_path(DEV, "roleAssignmentScheduleRequests", &new_name()),
            &plain,
            Some(assign(DEV, READER, days(7))),
        )
        .await;
    assert_eq!((s, code(&e)), (403, "AuthorizationFailed"));
    assert!(rules_of(&e).contains("roleAssignmentScheduleRequests/write"));
    // User Access Administrator at dev covers dev's resource groups, not production.
    let token = become_dev_admin(&sim).await;
    let (s, r) = sim
        .arm(
            "PUT",
            &request_path(
                RG_COMPUTE_DEV,
                "roleEligibilityScheduleRequests",
                &new_name(),
            ),
            &token,
            Some(assign(RG_COMPUTE_DEV, READER, days(30))),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let (s, e) = sim
        .arm(
            "PUT",
            &request_path(PROD, "roleEligibilityScheduleRequests", &new_name()),
            &token,
            Some(assign(PROD, READER, days(30))),
        )
        .await;
    assert_eq!((s, code(&e)), (403, "AuthorizationFailed"));
    // The policy shows the admin rules.
    let (s, b) = sim
        .arm(
            "GET",
            &format!(
                "{DEV}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let contributor = value(&b)
        .into_iter()
        .find(|a| {
            a["properties"]["roleDefinitionId"]
                .as_str()
                .is_some_and(|r| r.ends_with(CONTRIBUTOR))
        })
        .expect("contributor policy");
    let rules = contributor["properties"]["effectiveRules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).cloned().expect(id);
    assert_eq!(
        rule("Expiration_Admin_Eligibility")["isExpirationRequired"],
        false
    );
    assert_eq!(
        rule("Expiration_Admin_Assignment")["maximumDuration"],
        "P180D"
    );
    assert_eq!(
        rule("Enablement_Admin_Assignment")["enabledRules"],
        json!(["Justification"])
    );
}

trait NullDuration {
    fn tap_null(self) -> Value;
}

impl NullDuration for Value {
    /// The same expiration with `duration: null` (azure-rest-api-specs#24242).
    fn tap_null(mut self) -> Value {
        self["duration"] = Value::Null;
        self
    }
}
