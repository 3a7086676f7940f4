//! Graph beta PIM alerts over HTTP on the `posture` scenario (governance §3.1): the
//! mandatory scope filter, the scope and role refusals, the seven alerts with the
//! documented ids, `$expand`, incidents computed from the live tenant, definitions,
//! configurations and paging.

mod common;
mod posture_support;

use common::*;
use posture_support::*;
use serde_json::{json, Value};

async fn alerts_token(sim: &Sim) -> String {
    sim.token_as(RILEY_UPN, ALERT_SCOPES).await
}

async fn incidents_of(sim: &Sim, token: &str, name: &str) -> Vec<Value> {
    let path = format!("{ALERTS}/alerts/{}/alertIncidents", alert_id(name));
    let (s, b) = sim.graph_beta("GET", &path, token, None).await;
    assert_eq!(s, 200, "{b}");
    items(&b)
}

#[tokio::test]
async fn the_list_needs_the_directory_role_scope_filter() {
    let sim = start_posture().await;
    let token = alerts_token(&sim).await;
    let bad_filters = [
        None,
        Some("scopeId eq '/'"),
        Some("scopeId eq '/' and scopeType eq 'Group'"),
        Some("scopeId eq '/admin' and scopeType eq 'DirectoryRole'"),
        Some("scopeId eq '/' and scopeType eq 'DirectoryRole' and isActive eq 'true'"),
    ];
    for f in bad_filters {
        let q = match f {
            Some(f) => query(&[("$filter", f)]),
            None => String::new(),
        };
        let (s, b) = sim
            .graph_beta("GET", &format!("{ALERTS}/alerts{q}"), &token, None)
            .await;
        assert_eq!((s, code(&b).as_str()), (400, "BadRequest"), "{f:?}: {b}");
        assert!(message(&b).contains("scopeType eq 'DirectoryRole'"), "{b}");
    }
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!("{ALERTS}/alerts{}", query(&[("$filter", SCOPE_FILTER)])),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(items(&b).len(), 7);
}

#[tokio::test]
async fn refused_without_the_scope_or_a_reader_role() {
    let sim = start_posture().await;
    let path = format!("{ALERTS}/alerts{}", query(&[("$filter", SCOPE_FILTER)]));
    // The default Graph token has no RoleManagementAlert scope.
    let plain = sim.graph_token().await;
    let (s, b) = sim.graph_beta("GET", &path, &plain, None).await;
    assert_eq!((s, code(&b).as_str()), (403, "UnknownError"), "{b}");
    assert!(message(&b).contains("PermissionScopeNotGranted"), "{b}");
    assert!(
        message(&b).contains("RoleManagementAlert.Read.Directory"),
        "{b}"
    );
    for p in [
        "/alertDefinitions".to_string(),
        "/alertConfigurations".to_string(),
        format!("/alerts/{}", alert_id("StaleSignInAlert")),
    ] {
        let (s, _) = sim
            .graph_beta("GET", &format!("{ALERTS}{p}"), &plain, None)
            .await;
        assert_eq!(s, 403, "{p}");
    }
    // Sam holds only an eligibility (not active): no reader role.
    let sam = sim.token_as(SAM_UPN, ALERT_SCOPES).await;
    let (s, b) = sim.graph_beta("GET", &path, &sam, None).await;
    assert_eq!(
        (s, code(&b).as_str()),
        (403, "Authorization_RequestDenied"),
        "{b}"
    );
    let (s, _) = sim
        .graph_beta("GET", &format!("{ALERTS}/alertDefinitions"), &sam, None)
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn the_seven_alerts_with_documented_ids_and_expansions() {
    let sim = start_posture().await;
    let token = alerts_token(&sim).await;
    let q = query(&[("$filter", SCOPE_FILTER), ("$expand", "*")]);
    let (s, b) = sim
        .graph_beta("GET", &format!("{ALERTS}/alerts{q}"), &token, None)
        .await;
    assert_eq!(s, 200, "{b}");
    let alerts = items(&b);
    let names = [
        "TooManyGlobalAdminsAssignedToTenantAlert",
        "RolesAssignedOutsidePimAlert",
        "NoMfaOnRoleActivationAlert",
        "StaleSignInAlert",
        "RedundantAssignmentAlert",
        "SequentialActivationRenewalsAlert",
        "InvalidLicenseAlert",
    ];
    let mut expected: Vec<String> = names.iter().map(|n| alert_id(n)).collect();
    expected.sort();
    assert_eq!(strings(&alerts, "id"), expected);
    for a in &alerts {
        assert_eq!(a["alertDefinitionId"], a["id"]);
        assert_eq!(a["alertConfiguration"]["id"], a["id"]);
        assert_eq!(a["alertDefinition"]["id"], a["id"]);
        assert_eq!(
            (a["scopeId"].as_str(), a["scopeType"].as_str()),
            (Some("/"), Some("DirectoryRole"))
        );
        let n = a["alertIncidents"].as_array().map(Vec::len).unwrap_or(99);
        assert_eq!(a["incidentCount"], json!(n), "{a}");
        assert_eq!(a["isActive"], json!(n > 0), "{a}");
        assert_eq!(a["lastModifiedDateTime"], "0001-01-01T08:00:00Z");
    }
    let ga = alerts
        .iter()
        .find(|a| a["id"] == alert_id(names[0]))
        .expect("too many global admins");
    assert_eq!(
        ga["alertConfiguration"]["@odata.type"],
        "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration"
    );
    assert_eq!(ga["alertConfiguration"]["globalAdminCountThreshold"], 3);
    assert_eq!(
        ga["alertConfiguration"]["percentageOfGlobalAdminsOutOfRolesThreshold"],
        10
    );
    assert_eq!(ga["alertDefinition"]["severityLevel"], "low");
    // Without $expand: no navigation properties; one by id with the named ones.
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!("{ALERTS}/alerts{}", query(&[("$filter", SCOPE_FILTER)])),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(items(&b).iter().all(|a| a.get("alertIncidents").is_none()));
    let one = format!(
        "{ALERTS}/alerts/{}{}",
        alert_id("RolesAssignedOutsidePimAlert"),
        query(&[(
            "$expand",
            "alertDefinition,alertConfiguration,alertIncidents"
        )])
    );
    let (s, b) = sim.graph_beta("GET", &one, &token, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["alertDefinition"]["severityLevel"], "high");
    assert_eq!(b["incidentCount"], 1);
    assert_eq!(
        b["alertIncidents"][0]["assigneeUserPrincipalName"],
        BREAKGLASS_UPN
    );
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!(
                "{ALERTS}/alerts/{}{}",
                alert_id("StaleSignInAlert"),
                query(&[("$expand", "alertIncidents")])
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(b.get("alertDefinition").is_none() && b["alertIncidents"].is_array());
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!(
                "{ALERTS}/alerts/{}?$expand=bogus",
                alert_id("StaleSignInAlert")
            ),
            &token,
            None,
        )
        .await;
    assert_eq!((s, code(&b).as_str()), (400, "BadRequest"), "{b}");
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!("{ALERTS}/alerts/DirectoryRole_x_Nope"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 404, "{b}");
}

#[tokio::test]
async fn incidents_name_the_scenarios_failures() {
    let sim = start_posture().await;
    let token = alerts_token(&sim).await;
    let ga = incidents_of(&sim, &token, "TooManyGlobalAdminsAssignedToTenantAlert").await;
    assert_eq!(
        strings(&ga, "assigneeId"),
        vec![BREAKGLASS, AVERY, JORDAN, MORGAN, CASEY, TAYLOR]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    );
    assert!(ga.iter().all(|i| i["@odata.type"]
        == "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident"
        && i["id"] == i["assigneeId"]));
    assert!(strings(&ga, "assigneeUserPrincipalName").contains(&BREAKGLASS_UPN.to_string()));

    let outside = incidents_of(&sim, &token, "RolesAssignedOutsidePimAlert").await;
    assert_eq!(outside.len(), 1);
    let i = &outside[0];
    assert_eq!(
        i["@odata.type"],
        "#microsoft.graph.rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident"
    );
    assert_eq!(
        (i["assigneeId"].as_str(), i["roleDefinitionId"].as_str()),
        (Some(BREAKGLASS), Some(GA))
    );
    assert_eq!(i["roleDisplayName"], "Global Administrator");
    assert_eq!(i["roleTemplateId"], GA);
    assert!(i["assignmentCreatedDateTime"].is_string());

    let no_mfa = incidents_of(&sim, &token, "NoMfaOnRoleActivationAlert").await;
    assert_eq!(
        strings(&no_mfa, "roleDisplayName"),
        vec!["Exchange Administrator"]
    );
    assert_eq!(no_mfa[0]["roleTemplateId"], EXCHANGE_ADMIN);
    assert!(no_mfa[0].get("assigneeId").is_none());

    let stale = incidents_of(&sim, &token, "StaleSignInAlert").await;
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(
        (
            stale[0]["assigneeId"].as_str(),
            stale[0]["roleDefinitionId"].as_str()
        ),
        (Some(SAM), Some(SEC_ADMIN))
    );
    assert_eq!(stale[0]["assigneeUserPrincipalName"], SAM_UPN);
    assert!(stale[0]["lastSignInDateTime"].is_string());
    assert!(stale[0]["assignmentCreatedDateTime"].is_string());

    let redundant = incidents_of(&sim, &token, "RedundantAssignmentAlert").await;
    assert_eq!(
        strings(&redundant, "assigneeId"),
        vec![JORDAN, MORGAN, SAM]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    );
    assert!(redundant
        .iter()
        .all(|i| i["lastActivationDateTime"].is_null()
            && i["@odata.type"] == "#microsoft.graph.redundantAssignmentAlertIncident"));

    assert!(
        incidents_of(&sim, &token, "SequentialActivationRenewalsAlert")
            .await
            .is_empty()
    );
    assert!(incidents_of(&sim, &token, "InvalidLicenseAlert")
        .await
        .is_empty());
}

#[tokio::test]
async fn incidents_follow_the_live_tenant() {
    let sim = start_posture().await;
    // A month later Casey's Global Administrator eligibility has ended, and the break-glass
    // account's last sign-in is 41 days old.
    sim.control("POST", "clock", json!({"advance": "P31D"}))
        .await;
    let token = alerts_token(&sim).await;
    let ga = incidents_of(&sim, &token, "TooManyGlobalAdminsAssignedToTenantAlert").await;
    assert_eq!(ga.len(), 5);
    assert!(!strings(&ga, "assigneeId").contains(&CASEY.to_string()));
    let stale = incidents_of(&sim, &token, "StaleSignInAlert").await;
    let who = strings(&stale, "assigneeId");
    assert!(
        who.contains(&BREAKGLASS.to_string()) && who.contains(&SAM.to_string()),
        "{who:?}"
    );
}

#[tokio::test]
async fn below_the_thresholds_the_alert_is_quiet() {
    // The demo has one Global Administrator (Alex, eligible): under the count threshold.
    let sim = start().await;
    let token = sim.token_as("alex@contoso.example", ALERT_SCOPES).await;
    let path = format!(
        "{ALERTS}/alerts/DirectoryRole_{}_TooManyGlobalAdminsAssignedToTenantAlert",
        sim.tenant()
    );
    let (s, b) = sim.graph_beta("GET", &path, &token, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["incidentCount"].as_u64(), b["isActive"].as_bool()),
        (Some(0), Some(false))
    );
    // Only the roles without MFA on activation fire in the demo.
    let q = query(&[("$filter", SCOPE_FILTER)]);
    let (s, b) = sim
        .graph_beta("GET", &format!("{ALERTS}/alerts{q}"), &token, None)
        .await;
    assert_eq!(s, 200, "{b}");
    let active: Vec<Value> = items(&b)
        .into_iter()
        .filter(|a| a["isActive"] == true)
        .collect();
    assert_eq!(
        strings(&active, "id"),
        vec![format!(
            "DirectoryRole_{}_NoMfaOnRoleActivationAlert",
            sim.tenant()
        )]
    );
}

#[tokio::test]
async fn definitions_configurations_and_paging() {
    let sim = start_posture().await;
    let token = alerts_token(&sim).await;
    let (s, b) = sim
        .graph_beta("GET", &format!("{ALERTS}/alertDefinitions"), &token, None)
        .await;
    assert_eq!(s, 200, "{b}");
    let defs = items(&b);
    assert_eq!(defs.len(), 7);
    let stale = defs
        .iter()
        .find(|d| d["id"] == alert_id("StaleSignInAlert"))
        .expect("stale definition");
    assert_eq!(stale["severityLevel"], "medium");
    assert_eq!(
        stale["displayName"],
        "Potential stale accounts in a privileged role"
    );
    for key in [
        "description",
        "securityImpact",
        "mitigationSteps",
        "howToPrevent",
    ] {
        assert!(stale[key].is_string(), "{key}");
    }
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!("{ALERTS}/alertConfigurations"),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let configs = items(&b);
    assert_eq!(configs.len(), 7);
    let redundant = configs
        .iter()
        .find(|c| c["id"] == alert_id("RedundantAssignmentAlert"))
        .expect("redundant configuration");
    assert_eq!(
        redundant["@odata.type"],
        "#microsoft.graph.redundantAssignmentAlertConfiguration"
    );
    assert_eq!(redundant["isEnabled"], true);
    // scopeType filter: eq keeps all, ne none.
    for (f, n) in [
        ("scopeType eq 'DirectoryRole'", 7),
        ("scopeType ne 'DirectoryRole'", 0),
    ] {
        let (s, b) = sim
            .graph_beta(
                "GET",
                &format!("{ALERTS}/alertConfigurations{}", query(&[("$filter", f)])),
                &token,
                None,
            )
            .await;
        assert_eq!((s, items(&b).len()), (200, n), "{f}");
    }
    let (s, b) = sim
        .graph_beta(
            "GET",
            &format!(
                "{ALERTS}/alertDefinitions/{}",
                alert_id("NoMfaOnRoleActivationAlert")
            ),
            &token,
            None,
        )
        .await;
    assert_eq!((s, b["isRemediatable"].as_bool()), (200, Some(true)), "{b}");
    // Paging: three per page.
    sim.control("POST", "settings", json!({"graphPageSize": 3}))
        .await;
    let url = format!(
        "{}/beta{ALERTS}/alerts{}",
        sim.server.graph_url(),
        query(&[("$filter", SCOPE_FILTER)])
    );
    let (all, pages) = sim.all_pages(&url, &token).await;
    assert_eq!((all.len(), pages), (7, 3));
    let url = format!(
        "{}/beta{ALERTS}/alerts/{}/alertIncidents",
        sim.server.graph_url(),
        alert_id("TooManyGlobalAdminsAssignedToTenantAlert")
    );
    let (all, pages) = sim.all_pages(&url, &token).await;
    assert_eq!((all.len(), pages), (6, 2));
    // Writes are not simulated.
    let (s, _) = sim
        .graph_beta(
            "POST",
            &format!("{ALERTS}/alerts/refresh"),
            &token,
            Some(json!({"scopeId": "/", "scopeType": "DirectoryRole"})),
        )
        .await;
    assert_eq!(s, 400);
}
