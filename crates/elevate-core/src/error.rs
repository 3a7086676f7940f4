//! One error shape crosses every boundary (IPC, CLI `--json`, MCP): `{code, message}`.
//! Inside the core errors are typed; a service error keeps the HTTP status, the Microsoft
//! code (unwrapped from Graph's `UnknownError`), the failed policy rules and the request id.

use crate::model::Plane;
use crate::payload::ErrorPayload;

/// What Microsoft said, kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub plane: Option<Plane>,
    pub status: u16,
    /// The Microsoft error code, e.g. `RoleAssignmentExists`.
    pub code: String,
    pub message: String,
    /// For `RoleAssignmentRequestPolicyValidationFailed`: `["JustificationRule", ...]`.
    pub rules: Vec<String>,
    pub request_id: Option<String>,
    /// A claims challenge (JSON) from `RoleAssignmentRequestAcrsValidationFailed` or a
    /// 401 `insufficient_claims`.
    pub claims: Option<String>,
    /// The message was rewritten for the use case (the admin catalogue): shown as is.
    pub explained: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule we can check locally (bad duration, unknown name...).
    #[error("{0}")]
    InvalidInput(String),
    /// Refused before sending: the policy's rule would fail.
    #[error("{message}")]
    PolicyRefused { rule: String, message: String },
    /// Microsoft refused or failed.
    #[error("{}", describe_service(.0))]
    Service(Box<ServiceError>),
    /// No usable sign-in: sign in (again).
    #[error("{0}")]
    SignInRequired(String),
    /// The client cannot get tokens for one plane (consent or preauthorization).
    #[error("{message}")]
    Consent { plane: Plane, message: String },
    /// The network failed before an answer arrived.
    #[error("{0}")]
    Network(String),
    /// The secret store failed or is unavailable.
    #[error("{0}")]
    SecretStore(String),
    /// Something this build or configuration does not do.
    #[error("{0}")]
    Unsupported(String),
    /// A local file or service failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn describe_service(e: &ServiceError) -> String {
    let what = match e.code.as_str() {
        _ if e.explained => e.message.clone(),
        "RoleAssignmentRequestPolicyValidationFailed" if !e.rules.is_empty() => {
            let rules: Vec<String> = e.rules.iter().map(|r| describe_rule(r)).collect();
            format!("The policy refused the request: {}.", rules.join("; "))
        }
        "RoleAssignmentExists" => "This assignment is already active.".to_string(),
        "PendingRoleAssignmentRequest" => "A request for this assignment is already pending (waiting for approval or starting).".to_string(),
        "ActiveDurationTooShort" => "An activation can only be deactivated after it has been active for 5 minutes; try again in a few minutes.".to_string(),
        "RoleAssignmentDoesNotExist" => "There is no active assignment to deactivate.".to_string(),
        "RoleAssignmentRequestAcrsValidationFailed" => "This role needs a stronger sign-in (Conditional Access authentication context); sign in again when asked.".to_string(),
        "PermissionScopeNotGranted" => format!("The app was not granted the permission this needs: {}", e.message),
        "InsufficientPermissions" | "AuthorizationFailed" => format!("Access denied: {}", e.message),
        "TooManyRequests" => "Microsoft is throttling requests; wait a moment and try again.".to_string(),
        _ => e.message.clone(),
    };
    match &e.request_id {
        Some(id) => format!("{what} ({} {}, request {id})", e.status, e.code),
        None => format!("{what} ({} {})", e.status, e.code),
    }
}

/// A policy rule in plain words, with what to do.
pub fn describe_rule(rule: &str) -> String {
    match rule {
        "JustificationRule" => "a justification is required".into(),
        "TicketingRule" => "a ticket number (and system) is required".into(),
        "ExpirationRule" => "the duration is above the policy's maximum".into(),
        "MfaRule" => "multi-factor authentication is required: sign in again with MFA".into(),
        "EligibilityRule" => {
            "you are not (or no longer) eligible for this role at this scope".into()
        }
        other => format!("rule {other} failed"),
    }
}

impl Error {
    /// A stable code for scripts and the UI; for service errors, Microsoft's own code.
    pub fn code(&self) -> &str {
        match self {
            Error::InvalidInput(_) => "invalidInput",
            Error::PolicyRefused { .. } => "policy",
            Error::Service(s) => &s.code,
            Error::SignInRequired(_) => "signInRequired",
            Error::Consent { .. } => "consent",
            Error::Network(_) => "network",
            Error::SecretStore(_) => "secretStore",
            Error::Unsupported(_) => "unsupported",
            Error::Io { .. } => "io",
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the request may not have reached the service (a write must be reconciled).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Network(_))
    }
}

/// The one IPC shape of an error: its code and its message.
impl From<&Error> for ErrorPayload {
    fn from(err: &Error) -> Self {
        ErrorPayload {
            code: err.code().to_owned(),
            message: err.to_string(),
        }
    }
}

impl From<Error> for ErrorPayload {
    fn from(err: Error) -> Self {
        ErrorPayload::from(&err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_keep_the_microsoft_code_and_say_what_to_do() {
        let err = Error::Service(Box::new(ServiceError {
            plane: Some(Plane::EntraRole),
            status: 400,
            code: "RoleAssignmentRequestPolicyValidationFailed".into(),
            message: "The following policy rules failed: [\"JustificationRule\",\"TicketingRule\"]"
                .into(),
            rules: vec!["JustificationRule".into(), "TicketingRule".into()],
            request_id: Some("abc".into()),
            claims: None,
            explained: false,
        }));
        assert_eq!(err.code(), "RoleAssignmentRequestPolicyValidationFailed");
        let text = err.to_string();
        assert!(
            text.contains("a justification is required") && text.contains("ticket number"),
            "{text}"
        );
        assert!(text.contains("request abc"));
    }

    #[test]
    fn io_error_keeps_context_and_source() {
        let err = Error::io(
            "reading config",
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        );
        assert_eq!(err.code(), "io");
        assert_eq!(err.to_string(), "reading config: denied");
    }
}
