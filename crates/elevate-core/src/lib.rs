//! Elevate's domain library. Nothing here depends on Tauri: the tray app, `elevatectl`
//! and the MCP server are thin shells over this crate.

pub mod admin;
pub mod after;
pub mod app;
pub mod approval;
pub mod auth;
pub mod bundle;
pub mod config;
pub mod doctor;
pub mod error;
pub mod favorites;
pub mod frecency;
pub mod history;
pub mod http;
pub mod intent;
pub mod justification;
pub mod managed;
pub mod model;
pub mod network;
pub mod notice;
pub mod os;
pub mod palette;
pub mod parse;
pub mod payload;
pub mod pim;
pub mod planner;
pub mod policy;
pub mod portable;
pub mod portal;
pub mod posture;
pub mod ready;
pub mod review;
pub mod scheduler;
pub mod secret;
pub mod service;
pub mod shell;
pub mod start;
pub mod store;
pub mod tier;
pub mod tray_model;
pub mod view_cache;
pub mod wire;

pub use error::Error;
pub use payload::ErrorPayload;
pub use service::Elevate;
