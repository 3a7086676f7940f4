//! The sign-in's memory: the [`Auth`] store of authorization codes, refresh tokens and
//! device codes, and the sign-in session each of them carries.

use std::collections::HashMap;

use crate::time::Time;

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) user: String,
    pub(super) client: String,
    pub(super) mfa: bool,
    /// Authentication contexts satisfied in this sign-in.
    pub(super) acrs: Vec<String>,
    pub(super) capabilities: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Code {
    pub(super) session: Session,
    pub(super) redirect_uri: String,
    pub(super) challenge: String,
    pub(super) scopes: Vec<String>,
    pub(super) expires: Time,
    pub(super) used: bool,
}

#[derive(Debug, Clone)]
pub(super) struct RefreshToken {
    pub(super) session: Session,
    pub(super) revoked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved { user: String, mfa: bool },
    Declined,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub client: String,
    pub scopes: Vec<String>,
    pub expires: Time,
    pub interval: u64,
    pub last_poll: Option<std::time::Instant>,
    pub status: DeviceStatus,
}

pub struct Auth {
    pub(super) key: [u8; 32],
    pub(super) codes: HashMap<String, Code>,
    pub(super) refresh: HashMap<String, RefreshToken>,
    pub devices: Vec<DeviceCode>,
    /// Every code, access, refresh and ID token issued (newest last), for leak checks.
    pub issued: Vec<String>,
    /// The `claims` parameters token requests carried (newest last): tests see a claims
    /// challenge answered.
    pub claims_seen: Vec<String>,
    /// What App Service's `X-IDENTITY-HEADER` must be (`IDENTITY_HEADER`).
    pub identity_header: String,
}

impl Auth {
    /// Remembers an issued secret (bounded: the oldest are forgotten past 10,000).
    pub(super) fn note_issued(&mut self, secret: &str) {
        if self.issued.len() >= 10_000 {
            self.issued.drain(..5_000);
        }
        self.issued.push(secret.to_string());
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            key: rand::random(),
            codes: HashMap::new(),
            refresh: HashMap::new(),
            devices: vec![],
            issued: vec![],
            claims_seen: vec![],
            identity_header: uuid::Uuid::new_v4().to_string(),
        }
    }
}
