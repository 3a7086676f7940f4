//! Elevate's domain library. Nothing here depends on Tauri: the tray app, `elevatectl`
//! and the MCP server are thin shells over this crate.

pub mod app;
pub mod error;
pub mod tray;

pub use error::{Error, ErrorPayload};
