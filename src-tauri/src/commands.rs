//! `#[tauri::command]` adapters: a few lines each over `actions` and elevate-core.

use elevate_core::app::{ActivationForm, AppInfo, View};
use elevate_core::pim::RequestOutcome;
use elevate_core::ErrorPayload;
use tauri::AppHandle;

use crate::Launch;

#[tauri::command]
pub fn app_info(launch: tauri::State<'_, Launch>) -> AppInfo {
    AppInfo::new(if launch.demo { "demo" } else { "tenant" })
}

#[tauri::command]
pub fn close_popup(app: AppHandle) -> Result<(), ErrorPayload> {
    crate::popup::close(&app).map_err(ErrorPayload::from)
}

/// The latest view, refreshing first when there is none yet.
#[tauri::command]
pub async fn view(app: AppHandle) -> Result<View, ErrorPayload> {
    let state = crate::actions::ready(&app).await?;
    match state.cached() {
        Some(v) => Ok(v),
        None => Ok(crate::actions::refresh(&app).await?),
    }
}

#[tauri::command]
pub async fn refresh(app: AppHandle) -> Result<View, ErrorPayload> {
    Ok(crate::actions::refresh(&app).await?)
}

#[tauri::command]
pub async fn activate(
    app: AppHandle,
    form: ActivationForm,
) -> Result<RequestOutcome, ErrorPayload> {
    Ok(crate::actions::activate(&app, &form).await?)
}

#[tauri::command]
pub async fn deactivate(app: AppHandle, key: String) -> Result<RequestOutcome, ErrorPayload> {
    Ok(crate::actions::deactivate(&app, &key).await?)
}

#[tauri::command]
pub async fn cancel(app: AppHandle, key: String) -> Result<RequestOutcome, ErrorPayload> {
    Ok(crate::actions::cancel(&app, &key).await?)
}

#[tauri::command]
pub async fn sign_in(app: AppHandle) -> Result<View, ErrorPayload> {
    Ok(crate::actions::sign_in(&app).await?)
}

#[tauri::command]
pub async fn toggle_favorite(app: AppHandle, form: ActivationForm) -> Result<View, ErrorPayload> {
    Ok(crate::actions::toggle_favorite(&app, &form).await?)
}
