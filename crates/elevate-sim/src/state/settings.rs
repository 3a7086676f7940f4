//! The simulator's knobs: page sizes, error wrapping, automatic sign-in, token and device
//! code lifetimes, provisioning and propagation delays, and scopes never consented.

#[derive(Debug, Clone)]
pub struct Settings {
    pub graph_page_size: usize,
    pub arm_page_size: usize,
    /// Wrap Graph PIM errors as `UnknownError` with the real JSON in `message` [OBS].
    pub wrap_graph_errors: bool,
    /// Complete /authorize without a person, as this user (None: show the sign-in page).
    pub auto_sign_in: Option<String>,
    /// Whether automatic sign-ins count as MFA.
    pub auto_mfa: bool,
    pub device_code_interval: u64,
    pub device_code_lifetime: i64,
    pub token_lifetime: i64,
    /// Seconds between a granted request and the assignment showing up in the lists.
    pub provisioning_delay: i64,
    /// Seconds more before the access is effective (`/me/memberOf`, ARM permissions):
    /// the propagation delay users report after PIM already lists the activation.
    pub effective_delay: i64,
    /// Delegated scopes left out of every issued token's `scp`, as in a tenant whose
    /// administrator never consented to them (matched case-insensitively).
    pub withheld_scopes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            graph_page_size: 50,
            arm_page_size: 50,
            wrap_graph_errors: false,
            auto_sign_in: None,
            auto_mfa: true,
            device_code_interval: 5,
            device_code_lifetime: 900,
            token_lifetime: 3600,
            provisioning_delay: 0,
            effective_delay: 0,
            withheld_scopes: vec![],
        }
    }
}
