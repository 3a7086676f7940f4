//! The device-code flow: `/devicecode`, polling it at `/token` (pending, slow down,
//! declined, approved), and the decision of the person at the verification page.

use chrono::Duration;
use serde_json::json;

use super::common::{oauth_error, random_token};
use super::grants::{Auth, DeviceCode, DeviceStatus, Session};
use crate::http::{Req, Resp};
use crate::state::Tenant;

impl Auth {
    pub fn device_code(&mut self, tenant: &Tenant, req: &Req, verification_uri: &str) -> Resp {
        let form = req.form();
        let p = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = p("client_id").unwrap_or_default();
        if client.is_empty() {
            return oauth_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        }
        if !tenant.scenario.clients.is_empty()
            && !tenant
                .scenario
                .clients
                .iter()
                .any(|c| c.id.eq_ignore_ascii_case(client))
        {
            return oauth_error(
                400,
                "unauthorized_client",
                700016,
                &format!("Application with identifier '{client}' was not found in the directory."),
            );
        }
        let alphabet = b"BCDFGHJKLMNPQRSTVWXZ23456789";
        let user_code: String = (0..9)
            .map(|_| alphabet[rand::random_range(0..alphabet.len())] as char)
            .collect();
        let dc = DeviceCode {
            device_code: random_token("dc."),
            user_code: user_code.clone(),
            client: client.to_string(),
            scopes: p("scope")
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            expires: tenant.now() + Duration::seconds(tenant.settings.device_code_lifetime),
            interval: tenant.settings.device_code_interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        };
        let body = json!({
            "device_code": dc.device_code, "user_code": user_code, "verification_uri": verification_uri,
            "expires_in": tenant.settings.device_code_lifetime, "interval": dc.interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        });
        self.devices.push(dc);
        Resp::json(200, &body)
    }

    pub(super) fn poll_device(&mut self, tenant: &Tenant, device_code: &str, client: &str) -> Resp {
        let now = tenant.now();
        let Some(dc) = self
            .devices
            .iter_mut()
            .find(|d| d.device_code == device_code)
        else {
            return oauth_error(
                400,
                "bad_verification_code",
                70019,
                "The device code is not valid.",
            );
        };
        if !dc.client.eq_ignore_ascii_case(client) {
            return oauth_error(
                400,
                "bad_verification_code",
                70019,
                "The device code was issued to another client.",
            );
        }
        if dc.expires <= now {
            return oauth_error(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
        }
        // Auto sign-in approves a device code at its first poll, as that user (tests, demo).
        if dc.status == DeviceStatus::Pending {
            if let Some(user) = &tenant.settings.auto_sign_in {
                dc.status = DeviceStatus::Approved {
                    user: user.clone(),
                    mfa: tenant.settings.auto_mfa,
                };
            }
        }
        let polled_at = std::time::Instant::now();
        let too_fast = dc.last_poll.is_some_and(|t| {
            polled_at.duration_since(t) < std::time::Duration::from_secs(dc.interval)
        });
        dc.last_poll = Some(polled_at);
        match dc.status.clone() {
            DeviceStatus::Declined => oauth_error(
                400,
                "authorization_declined",
                70018,
                "The user declined the sign-in.",
            ),
            DeviceStatus::Pending if too_fast => {
                // RFC 8628: slow down adds 5 seconds to the interval.
                dc.interval += 5;
                oauth_error(
                    400,
                    "slow_down",
                    70016,
                    "The client is polling too quickly; slow down.",
                )
            }
            DeviceStatus::Pending => oauth_error(
                400,
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            ),
            DeviceStatus::Approved { user, mfa } => {
                let scopes = dc.scopes.clone();
                let session = Session {
                    user,
                    client: client.to_string(),
                    mfa,
                    acrs: vec![],
                    capabilities: vec![],
                };
                self.devices.retain(|d| d.device_code != device_code);
                let offline = scopes.iter().any(|s| s == "offline_access");
                let openid = scopes.iter().any(|s| s == "openid");
                match self.issue(tenant, &session, &scopes, offline, openid) {
                    Ok(body) => Resp::json(200, &body),
                    Err(e) => e,
                }
            }
        }
    }

    /// The person at the verification page (or a test) completes or declines a device code.
    pub fn decide_device(&mut self, user_code: &str, user: &str, mfa: bool, approve: bool) -> bool {
        let code = user_code.replace('-', "").to_ascii_uppercase();
        match self
            .devices
            .iter_mut()
            .find(|d| d.user_code == code && d.status == DeviceStatus::Pending)
        {
            Some(dc) => {
                dc.status = if approve {
                    DeviceStatus::Approved {
                        user: user.to_string(),
                        mfa,
                    }
                } else {
                    DeviceStatus::Declined
                };
                true
            }
            None => false,
        }
    }
}
