//! Elevate's domain library. Nothing here depends on Tauri: the tray app, `elevatectl`
//! and the MCP server are thin shells over this crate.

pub mod app;
pub mod auth;
pub mod config;
pub mod error;
pub mod favorites;
pub mod http;
pub mod model;
pub mod os;
pub mod parse;
pub mod pim;
pub mod planner;
pub mod policy;
pub mod ready;
pub mod scheduler;
pub mod secret;
pub mod store;
pub mod tray;

pub use error::{Error, ErrorPayload};
