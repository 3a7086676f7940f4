//! The connection check use case: the configured cloud's endpoints checked through the
//! session's own HTTP client (so the same trust store and proxy as every request).

use super::Elevate;
use crate::doctor::DoctorReport;

impl Elevate {
    /// Checks the network path to every endpoint of the configured cloud. Sends no token.
    pub async fn doctor(&self) -> DoctorReport {
        let session = self.session();
        crate::doctor::run(&session.cfg, session.http()).await
    }
}
