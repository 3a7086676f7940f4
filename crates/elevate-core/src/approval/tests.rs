//! The approver model read from the documented bodies (Graph reference §1.1 and §1.2, ARM
//! §1.3), including the shapes where the docs disagree.

use serde_json::json;

use super::*;

const ME: &str = "11111111-1111-1111-1111-111111111111";

/// The documented Entra element (ED `pim-approval-workflow.md`), with its PascalCase action.
fn documented_entra() -> Value {
    json!({"@odata.type":"#microsoft.graph.unifiedRoleAssignmentScheduleRequest","id":"9f2b5ddb-a50e-44a1-a6f4-f616322262ea",
     "status":"PendingApproval","createdDateTime":"2021-07-15T19:57:17.76Z","completedDateTime":"2021-07-15T19:57:17.537Z",
     "approvalId":"9f2b5ddb-a50e-44a1-a6f4-f616322262ea","customData":null,"action":"SelfActivate",
     "principalId":"d96ea738-3b95-4ae7-9e19-78a083066d5b","roleDefinitionId":"88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
     "directoryScopeId":"/","appScopeId":null,"isValidationOnly":false,"targetScheduleId":"9f2b5ddb-a50e-44a1-a6f4-f616322262ea",
     "justification":"test","createdBy":{"application":null,"device":null,"user":{"displayName":null,"id":"d96ea738-3b95-4ae7-9e19-78a083066d5b"}},
     "scheduleInfo":{"startDateTime":null,"recurrence":null,"expiration":{"type":"afterDuration","endDateTime":null,"duration":"PT5H30M"}},
     "ticketInfo":{"ticketNumber":null,"ticketSystem":null}})
}

#[test]
fn the_documented_entra_request_reads_whole() {
    let a = graph(&documented_entra(), Plane::EntraRole, ME).expect("pending");
    assert_eq!(a.key, "entraRole:9f2b5ddb-a50e-44a1-a6f4-f616322262ea");
    assert_eq!(a.kind, RequestKind::Activate);
    assert_eq!(a.decidable, Decidable::Yes);
    assert_eq!(a.duration.as_deref(), Some("PT5H30M"));
    assert_eq!(a.justification.as_deref(), Some("test"));
    assert_eq!(a.ticket_number, None);
    assert_eq!(a.requester.name(), "d96ea738-3b95-4ae7-9e19-78a083066d5b");
    assert_eq!(a.scope.display_name, "Directory");
    assert_eq!(
        a.expires.map(|e| e.to_rfc3339()),
        Some("2021-07-16T19:57:17.760+00:00".into())
    );
    assert!(a.named("9F2B5DDB-A50E-44A1-A6F4-F616322262EA"));
}

#[test]
fn not_pending_own_and_extend_requests_are_told_apart() {
    let mut done = documented_entra();
    done["status"] = json!("Provisioned");
    assert!(graph(&done, Plane::EntraRole, ME).is_none());
    let own = graph(
        &documented_entra(),
        Plane::EntraRole,
        "D96EA738-3B95-4AE7-9E19-78A083066D5B",
    )
    .expect("parses");
    assert_eq!(own.decidable, Decidable::OwnRequest);
    for action in ["selfExtend", "SelfRenew"] {
        let mut e = documented_entra();
        e["action"] = json!(action);
        let a = graph(&e, Plane::EntraRole, ME).expect("parses");
        assert_eq!(a.decidable, Decidable::PortalOnly, "{action}");
    }
    let mut lower = documented_entra();
    lower["status"] = json!("pendingapproval");
    lower["action"] = json!("selfactivate");
    assert_eq!(
        graph(&lower, Plane::EntraRole, ME).expect("parses").kind,
        RequestKind::Activate
    );
    assert_eq!(RequestKind::parse("selfDeactivate"), RequestKind::Other);
}

#[test]
fn a_group_request_carries_access_and_the_expanded_names() {
    let item = json!({"id":"46bc634a-0696-43c5-bc99-d568bc3c27f5","status":"PendingApproval","action":"selfActivate",
        "principalId":"p1","accessId":"owner","groupId":"g1","justification":"on call","createdDateTime":"2026-11-29T10:00:00Z",
        "group":{"id":"g1","displayName":"SOC"},"principal":{"id":"p1","displayName":"Megan Bowen","userPrincipalName":"megan@contoso.example"},
        "scheduleInfo":{"startDateTime":"2026-11-29T10:00:00Z","expiration":{"type":"afterDuration","duration":"PT2H"}}});
    let a = graph(&item, Plane::Group, ME).expect("parses");
    assert_eq!(a.access, Some(Access::Owner));
    assert_eq!(a.label(), "SOC (owner)");
    assert_eq!(a.requester.name(), "Megan Bowen");
    assert_eq!(
        a.approval_id, a.request_id,
        "the approval id is the request id [DOC]"
    );
}

#[test]
fn an_arm_request_takes_the_guid_of_its_approval_path() {
    let item = json!({"id":"/subscriptions/s1/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1","name":"r1",
        "properties":{"status":"PendingApproval","requestType":"SelfActivate","principalId":"p2",
        "roleDefinitionId":"/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "scope":"/subscriptions/s1","approvalId":"/providers/Microsoft.Authorization/roleAssignmentApprovals/ABC-123",
        "justification":"deploy","createdOn":"2026-11-29T09:00:00Z",
        "ticketInfo":{"ticketNumber":"CHG1","ticketSystem":"SNOW"},
        "scheduleInfo":{"startDateTime":"2026-11-29T09:00:00Z","expiration":{"type":"AfterDuration","duration":"PT1H"}},
        "expandedProperties":{"principal":{"id":"p2","displayName":"Lee Gu","email":"lee@contoso.example","type":"User"},
            "roleDefinition":{"id":"x","displayName":"Owner","type":"BuiltInRole"},
            "scope":{"id":"/subscriptions/s1","displayName":"Prod","type":"subscription"}}}});
    let a = azure(&item, ME).expect("parses");
    assert_eq!(a.approval_id, "abc-123");
    assert_eq!(a.key, "azureResource:abc-123");
    assert_eq!(a.request_id, "r1");
    assert_eq!(a.label(), "Owner on Prod");
    assert_eq!(a.ticket_number.as_deref(), Some("CHG1"));
    let mut no_approval = item.clone();
    no_approval["properties"]["approvalId"] = Value::Null;
    assert!(azure(&no_approval, ME).is_none(), "nothing to decide with");
}

#[test]
fn steps_read_from_beta_steps_v1_stages_and_arm_stages() {
    let beta = json!({"id":"r","steps":[{"id":"s1","reviewResult":"NotReviewed","status":"InProgress","assignedToMe":true,"reviewedBy":null}]});
    let st = steps(&beta);
    assert_eq!(st.len(), 1);
    assert!(st[0].open() && st[0].assigned_to_me);
    assert_eq!(st[0].id, "s1");
    let v1 = json!({"id":"r","stages":[{"id":"r","reviewResult":"Approved","status":"Completed","assignedToMe":true,"reviewedBy":{"id":"x","displayName":"Megan Bowen"}}]});
    let st = steps(&v1);
    assert_eq!(st[0].result, "approved");
    assert!(!st[0].open());
    assert_eq!(st[0].reviewed_by.as_deref(), Some("Megan Bowen"));
    let arm = json!({"id":"/providers/Microsoft.Authorization/roleAssignmentApprovals/g","name":"g","properties":{"stages":[
        {"id":"/providers/Microsoft.Authorization/roleAssignmentApprovals/g/stages/g2","name":"g2",
         "properties":{"status":"Completed","assignedToMe":true,"reviewResult":"Deny","reviewedBy":{"principalName":"Lee Gu"}}}]}});
    let st = steps(&arm);
    assert_eq!(st[0].id, "g2");
    assert_eq!(st[0].result, "denied", "ARM reads back Deny [SPEC]");
    assert_eq!(st[0].reviewed_by.as_deref(), Some("Lee Gu"));
    let list = json!({"value":[{"id":"s9","reviewResult":"NotReviewed","status":"InProgress","assignedToMe":false}]});
    assert_eq!(steps(&list)[0].id, "s9");
    assert!(steps(&json!({"id": "x"})).is_empty());
}
