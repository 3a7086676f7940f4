//! The service once it is open. The tray comes up first and the tenant connects behind it
//! (the demo starts its embedded tenant), so commands wait a moment for it.

use std::sync::Arc;
use std::time::Duration;

use elevate_core::{Elevate, Error};
use tauri::{Manager, Runtime};
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct Slot(pub OnceCell<Arc<Elevate>>);

impl Slot {
    /// The service, when it is open.
    pub fn get<R: Runtime>(app: &impl Manager<R>) -> Option<Arc<Elevate>> {
        app.try_state::<Slot>().and_then(|s| s.0.get().cloned())
    }

    /// The service, waiting up to 15 s for the start to finish.
    pub async fn ready<R: Runtime>(app: &impl Manager<R>) -> Result<Arc<Elevate>, Error> {
        for _ in 0..300 {
            if let Some(e) = Self::get(app) {
                return Ok(e);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(Error::Unsupported(
            "Elevate is still starting; try again in a moment.".into(),
        ))
    }
}
