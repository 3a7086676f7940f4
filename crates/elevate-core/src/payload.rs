//! The serialised form of an error, as the webview, the CLI and MCP clients see it:
//! `{code, message}`, with Microsoft's code kept as the code of a service error.

use serde::Serialize;
use ts_rs::TS;

/// The serialised form of an error, as the webview, the CLI and MCP clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn payload_carries_code_and_message() {
        let err = Error::InvalidInput("duration PT9H is above the policy maximum PT8H".into());
        let payload = ErrorPayload::from(&err);
        assert_eq!(payload.code, "invalidInput");
        let json = serde_json::to_value(&payload).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"code": "invalidInput", "message": "duration PT9H is above the policy maximum PT8H"})
        );
    }
}
