//! `#[tauri::command]` adapters: a few lines each over elevate-core.

use elevate_core::{app::AppInfo, ErrorPayload};
use tauri::{AppHandle, State};

use crate::Launch;

#[tauri::command]
pub fn app_info(launch: State<'_, Launch>) -> AppInfo {
    AppInfo::new(if launch.demo { "demo" } else { "tenant" })
}

#[tauri::command]
pub fn close_popup(app: AppHandle) -> Result<(), ErrorPayload> {
    crate::popup::close(&app).map_err(ErrorPayload::from)
}
