//! One error shape crosses every boundary (IPC, CLI `--json`, MCP): `{code, message}`.
//! Inside the core errors are typed; [`Error::code`] gives the stable, machine-readable code.

use serde::Serialize;
use ts_rs::TS;

/// Typed errors of the core. Variants grow with the features; each maps to a stable code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule we can check locally (bad duration, missing field, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// Something the core does not support (yet) in this configuration.
    #[error("{0}")]
    Unsupported(String),
    /// The platform or a local service failed (window system, file system, ...).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A stable code for scripts and the UI; never localised, never reworded.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalidInput",
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
}

/// The serialised form of an error, as the webview, the CLI and MCP clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

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
    fn payload_carries_code_and_message() {
        let err = Error::InvalidInput("duration PT9H is above the policy maximum PT8H".into());
        let payload = ErrorPayload::from(&err);
        assert_eq!(payload.code, "invalidInput");
        assert_eq!(
            payload.message,
            "duration PT9H is above the policy maximum PT8H"
        );
        let json = serde_json::to_value(&payload).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"code": "invalidInput", "message": "duration PT9H is above the policy maximum PT8H"})
        );
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
