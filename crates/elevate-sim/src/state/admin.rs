//! The administrator's side of PIM: assigning and removing eligibilities and active
//! assignments on every plane (`adminAssign` / `adminRemove`), who may do it (an active
//! Privileged Role Administrator or Global Administrator for directory roles, also the
//! group's owner for groups, Owner or User Access Administrator at or above the scope for
//! Azure), the policy's admin rules, the admin error catalogue (governance §4.4), the audit
//! rows, and the tenant-wide views an administrator reads back. The request types and
//! their parsing are in `admin_model`.

use chrono::Duration;

use super::admin_model::{
    AdminAction, AdminLevel, AdminRequest, AdminSubmission, AZURE_OWNER, AZURE_USER_ACCESS_ADMIN,
    GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN,
};
use super::audit::Initiator;
use super::common::new_id;
use super::model::{Action, Active, Eligibility, PimError, Plane, Request, Target};
use super::tenant::Tenant;
use crate::time::{parse_duration, Time};

fn not_exist() -> PimError {
    PimError::new(
        400,
        "RoleAssignmentDoesNotExist",
        "The Role assignment does not exist.",
    )
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|j| j.trim().is_empty())
}

/// Ancestor-or-self, case-insensitively; management groups contain every subscription.
fn covers(outer: &str, inner: &str) -> bool {
    let (o, i) = (
        outer.trim_end_matches('/').to_ascii_lowercase(),
        inner.trim_end_matches('/').to_ascii_lowercase(),
    );
    o.is_empty()
        || i == o
        || i.starts_with(&format!("{o}/"))
        || (o.contains("/managementgroups/") && i.starts_with("/subscriptions/"))
}

impl Tenant {
    /// `user` holds an effective Privileged Role Administrator or Global Administrator role.
    pub fn is_entra_admin(&self, user: &str) -> bool {
        self.effective_of(user, Plane::Entra)
            .any(|a| match &a.target {
                Target::Entra { role, dir_scope } => {
                    dir_scope == "/"
                        && (role.eq_ignore_ascii_case(PRIVILEGED_ROLE_ADMIN)
                            || role.eq_ignore_ascii_case(GLOBAL_ADMIN))
                }
                _ => false,
            })
    }

    /// `user` may assign and remove for `target` (see the module comment).
    pub fn may_admin(&self, user: &str, target: &Target) -> bool {
        match target {
            Target::Entra { .. } => self.is_entra_admin(user),
            Target::Group { group, .. } => {
                self.is_entra_admin(user)
                    || self.effective_of(user, Plane::Group).any(|a| {
                        matches!(&a.target, Target::Group { group: g, access }
                            if g.eq_ignore_ascii_case(group) && access == "owner")
                    })
            }
            Target::Azure { scope, .. } => self.effective_of(user, Plane::Azure).any(|a| {
                matches!(&a.target, Target::Azure { scope: s, role }
                    if covers(s, scope)
                        && (role.eq_ignore_ascii_case(AZURE_OWNER)
                            || role.eq_ignore_ascii_case(AZURE_USER_ACCESS_ADMIN)))
            }),
        }
    }

    /// Every current eligibility of `plane` (any principal).
    pub fn all_eligibilities(&self, plane: Plane) -> impl Iterator<Item = &Eligibility> + '_ {
        let now = self.now();
        self.eligibilities.iter().filter(move |e| {
            e.target.plane() == plane && e.start <= now && e.end.is_none_or(|end| end > now)
        })
    }

    /// Every current active assignment of `plane` (any principal).
    pub fn all_actives(&self, plane: Plane) -> impl Iterator<Item = &Active> + '_ {
        let now = self.now();
        self.actives.iter().filter(move |a| {
            a.target.plane() == plane
                && a.visible_from <= now
                && a.start.is_none_or(|s| s <= now)
                && a.end.is_none_or(|e| e > now)
        })
    }

    /// An administrator's request by id (or ARM name).
    pub fn admin_request(&self, id: &str) -> Option<&AdminRequest> {
        self.admin_requests
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }

    fn check_target(&self, target: &Target) -> Result<(), PimError> {
        let role_missing = |id: &str| {
            PimError::new(
                400,
                "RoleDefinitionDoesNotExist",
                format!("The specified role definition with ID '{id}' does not exist."),
            )
        };
        let sc = &self.scenario;
        match target {
            Target::Entra { role, dir_scope } => {
                if !sc
                    .role_definitions
                    .iter()
                    .any(|r| r.id.eq_ignore_ascii_case(role))
                {
                    return Err(role_missing(role));
                }
                let au_ok = match dir_scope.strip_prefix("/administrativeUnits/") {
                    Some(au) => sc
                        .administrative_units
                        .iter()
                        .any(|a| a.id.eq_ignore_ascii_case(au)),
                    None => dir_scope == "/",
                };
                if !au_ok {
                    return Err(PimError::new(
                        400,
                        "InvalidDirectoryScope",
                        format!("The directory scope '{dir_scope}' does not exist."),
                    ));
                }
            }
            Target::Group { group, .. } => {
                if !sc.groups.iter().any(|g| g.id.eq_ignore_ascii_case(group)) {
                    return Err(PimError::new(
                        400,
                        "GroupNotFound",
                        format!("Resource '{group}' does not exist or one of its queried reference-property objects are not present."),
                    ));
                }
            }
            Target::Azure { role, .. } => {
                if !sc
                    .azure_role_definitions
                    .iter()
                    .any(|r| r.id.eq_ignore_ascii_case(role))
                {
                    return Err(role_missing(role));
                }
            }
        }
        Ok(())
    }

    /// An administrator's assign or remove. The caller's right to do it is checked by the
    /// face first (its 403 has the face's shape). `validate_only` changes nothing.
    pub fn admin_submit(
        &mut self,
        caller: &str,
        level: AdminLevel,
        target: Target,
        sub: AdminSubmission,
        validate_only: bool,
    ) -> Result<AdminRequest, PimError> {
        self.tick();
        let now = self.now();
        self.check_target(&target)?;
        let Some(principal) = self.user(&sub.principal).map(|u| u.id.clone()) else {
            return Err(PimError::new(
                400,
                "PrincipalNotFound",
                format!(
                    "Principal {} does not exist in the directory {}.",
                    sub.principal, self.scenario.tenant.id
                ),
            ));
        };
        if let Some(name) = &sub.name {
            if self.admin_request(name).is_some()
                || self
                    .requests
                    .iter()
                    .any(|r| r.id.eq_ignore_ascii_case(name))
            {
                return Err(PimError::new(
                    400,
                    "RoleAssignmentRequestExists",
                    "A role assignment request with this name already exists.",
                ));
            }
        }
        let id = sub.name.clone().unwrap_or_else(new_id);
        let mut req = AdminRequest {
            id: id.clone(),
            action: sub.action,
            level,
            principal,
            target,
            status: String::new(),
            created: now,
            requestor: caller.to_string(),
            justification: sub.justification.clone(),
            ticket_number: sub.ticket_number.clone(),
            ticket_system: sub.ticket_system.clone(),
            start: sub.start.unwrap_or(now),
            expiration_type: String::new(),
            duration: sub.duration,
            end: sub.end,
            target_schedule_id: String::new(),
            validation_only: validate_only,
        };
        match sub.action {
            AdminAction::Remove => self.admin_remove(req, validate_only, &sub),
            AdminAction::Assign => {
                let end = self.admin_rules(&req, &sub)?;
                req.expiration_type = normalized_type(&sub);
                req.target_schedule_id = match &req.target {
                    Target::Group { group, access } => format!("{group}_{access}_{id}"),
                    _ => id.clone(),
                };
                req.status = "Provisioned".into();
                if validate_only {
                    return Ok(req);
                }
                self.admin_assign(&req, end, caller);
                Ok(req)
            }
        }
    }

    /// The policy's admin rules; the end of the new schedule (None: permanent).
    fn admin_rules(
        &self,
        req: &AdminRequest,
        sub: &AdminSubmission,
    ) -> Result<Option<Time>, PimError> {
        let p = &req.principal;
        let exists = match req.level {
            AdminLevel::Eligibility => self
                .eligibilities
                .iter()
                .any(|e| &e.principal == p && e.target.same(&req.target)),
            AdminLevel::Assignment => self
                .actives
                .iter()
                .any(|a| &a.principal == p && a.target.same(&req.target)),
        };
        if exists {
            return Err(PimError::new(
                400,
                "RoleAssignmentExists",
                "The Role assignment already exists.",
            ));
        }
        let policy = self.policy_for(&req.target);
        let (max, permanent_ok) = match req.level {
            AdminLevel::Eligibility => (
                &policy.admin_eligibility_max,
                policy.admin_permanent_eligible,
            ),
            AdminLevel::Assignment => (&policy.admin_assignment_max, policy.admin_permanent_active),
        };
        let max = parse_duration(max).unwrap_or_else(|| Duration::days(365));
        let start = req.start;
        let mut failed = vec![];
        let kind = sub.expiration_type.as_deref().unwrap_or("noExpiration");
        let end = match kind.to_ascii_lowercase().as_str() {
            "afterduration" => match sub.duration {
                Some(d) => Some(start + d),
                // A null duration makes a permanent eligibility; the same body errors on
                // the assignment route (azure-rest-api-specs#24242) [OBS].
                None if req.level == AdminLevel::Eligibility => None,
                None => {
                    failed.push("ExpirationRule");
                    None
                }
            },
            "afterdatetime" => match sub.end {
                Some(e) => Some(e),
                None => {
                    failed.push("ExpirationRule");
                    None
                }
            },
            "noexpiration" | "notspecified" => None,
            other => {
                return Err(PimError::new(
                    400,
                    "InvalidRequest",
                    format!("The expiration type '{other}' is not valid."),
                ))
            }
        };
        match end {
            None if !permanent_ok && failed.is_empty() => failed.push("ExpirationRule"),
            Some(e) if e <= start || e - start > max => failed.push("ExpirationRule"),
            _ => {}
        }
        // Justification is an active-assignment setting (`Enablement_Admin_Assignment`).
        if req.level == AdminLevel::Assignment
            && policy.admin_justification
            && blank(&sub.justification)
        {
            failed.push("JustificationRule");
        }
        if failed.is_empty() {
            Ok(end)
        } else {
            Err(PimError::rules(&failed))
        }
    }

    fn admin_assign(&mut self, req: &AdminRequest, end: Option<Time>, caller: &str) {
        let now = self.now();
        match req.level {
            AdminLevel::Eligibility => self.eligibilities.push(Eligibility {
                id: new_id(),
                schedule_id: req.target_schedule_id.clone(),
                principal: req.principal.clone(),
                target: req.target.clone(),
                start: req.start,
                end,
            }),
            AdminLevel::Assignment => self.actives.push(Active {
                id: new_id(),
                schedule_id: req.target_schedule_id.clone(),
                principal: req.principal.clone(),
                target: req.target.clone(),
                start: Some(req.start),
                end,
                activated: false,
                eligibility: None,
                eligibility_schedule: None,
                request: Some(req.id.clone()),
                visible_from: now,
            }),
        }
        self.admin_requests.push(req.clone());
        let kind = if end.is_some() {
            "timebound"
        } else {
            "permanent"
        };
        let by = Initiator::User(caller.to_string());
        let audit_req = audit_request(req);
        match req.level {
            AdminLevel::Eligibility => {
                for step in ["requested", "completed"] {
                    let name = format!("Add eligible member to role in PIM {step} ({kind})");
                    self.audit_named(&name, "Add", &audit_req, by.clone());
                }
            }
            AdminLevel::Assignment => {
                let name = format!("Add member to role in PIM completed ({kind})");
                self.audit_named(&name, "Add", &audit_req, by);
            }
        }
    }

    fn admin_remove(
        &mut self,
        mut req: AdminRequest,
        validate_only: bool,
        sub: &AdminSubmission,
    ) -> Result<AdminRequest, PimError> {
        let p = req.principal.clone();
        req.expiration_type = normalized_type(sub);
        req.status = "Revoked".into();
        let (schedule, end) = match req.level {
            AdminLevel::Eligibility => {
                let idx = self
                    .eligibilities
                    .iter()
                    .position(|e| e.principal == p && e.target.same(&req.target))
                    .ok_or_else(not_exist)?;
                let e = &self.eligibilities[idx];
                let found = (e.schedule_id.clone(), e.end);
                if !validate_only {
                    self.eligibilities.remove(idx);
                }
                found
            }
            AdminLevel::Assignment => {
                let matching = |a: &Active| a.principal == p && a.target.same(&req.target);
                let idx = self
                    .actives
                    .iter()
                    .position(|a| matching(a) && !a.activated)
                    .or_else(|| self.actives.iter().position(matching))
                    .ok_or_else(not_exist)?;
                let a = &self.actives[idx];
                let found = (a.schedule_id.clone(), a.end);
                if !validate_only {
                    self.actives.remove(idx);
                }
                found
            }
        };
        req.target_schedule_id = schedule;
        if validate_only {
            return Ok(req);
        }
        self.admin_requests.push(req.clone());
        let kind = if end.is_some() {
            "timebound"
        } else {
            "permanent"
        };
        let by = Initiator::User(req.requestor.clone());
        let audit_req = audit_request(&req);
        match req.level {
            AdminLevel::Eligibility => {
                for step in ["requested", "completed"] {
                    let name = format!("Remove eligible member from role in PIM {step} ({kind})");
                    self.audit_named(&name, "Delete", &audit_req, by.clone());
                }
            }
            AdminLevel::Assignment => {
                let name = format!("Remove member from role in PIM completed ({kind})");
                self.audit_named(&name, "Delete", &audit_req, by);
            }
        }
        Ok(req)
    }
}

/// `noExpiration`, `afterDuration` or `afterDateTime` for what was sent (nothing sent:
/// `noExpiration`).
fn normalized_type(sub: &AdminSubmission) -> String {
    match sub
        .expiration_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "afterduration" => "afterDuration",
        "afterdatetime" => "afterDateTime",
        _ => "noExpiration",
    }
    .into()
}

/// The request as the audit log's record builder reads it (the action is not used: the
/// admin rows are named by the caller).
fn audit_request(r: &AdminRequest) -> Request {
    Request {
        id: r.id.clone(),
        action: Action::SelfActivate,
        principal: r.principal.clone(),
        target: r.target.clone(),
        status: r.status.clone(),
        created: r.created,
        completed: Some(r.created),
        justification: r.justification.clone(),
        ticket_number: r.ticket_number.clone(),
        ticket_system: r.ticket_system.clone(),
        start: r.start,
        expiration_type: r.expiration_type.clone(),
        duration: r.duration,
        end: r.end,
        approval_id: None,
        target_schedule_id: r.target_schedule_id.clone(),
        linked_eligibility: None,
        review: None,
    }
}
