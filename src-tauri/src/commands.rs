//! `#[tauri::command]` adapters: a few lines each over `actions` and elevate-core.

use elevate_core::app::{
    ActivationForm, AppInfo, BatchForm, BatchItem, Settings, SettingsView, View,
};
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
    let mut view = match state.cached() {
        Some(v) => v,
        None => crate::actions::refresh(&app).await?,
    };
    view.focus = state.take_focus();
    Ok(view)
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

#[tauri::command]
pub async fn activate_many(
    app: AppHandle,
    form: BatchForm,
) -> Result<Vec<BatchItem>, ErrorPayload> {
    Ok(crate::actions::activate_many(&app, &form).await?)
}

#[tauri::command]
pub fn open_settings(app: AppHandle) -> Result<(), ErrorPayload> {
    crate::settings::open(&app)
        .map_err(|e| ErrorPayload::from(&elevate_core::Error::Unsupported(e.to_string())))
}

#[tauri::command]
pub fn close_settings(app: AppHandle) -> Result<(), ErrorPayload> {
    crate::settings::close(&app).map_err(ErrorPayload::from)
}

#[tauri::command]
pub async fn settings_get(app: AppHandle) -> Result<SettingsView, ErrorPayload> {
    Ok(crate::settings::view(&app).await?)
}

#[tauri::command]
pub async fn settings_save(
    app: AppHandle,
    settings: Settings,
) -> Result<SettingsView, ErrorPayload> {
    Ok(crate::settings::save(&app, &settings).await?)
}

#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Result<SettingsView, ErrorPayload> {
    crate::actions::sign_out(&app).await?;
    Ok(crate::settings::view(&app).await?)
}

#[tauri::command]
pub async fn switch_account(
    app: AppHandle,
    object_id: String,
) -> Result<SettingsView, ErrorPayload> {
    crate::actions::switch_account(&app, &object_id).await?;
    Ok(crate::settings::view(&app).await?)
}

#[tauri::command]
pub async fn add_account(app: AppHandle) -> Result<SettingsView, ErrorPayload> {
    crate::actions::add_account(&app).await?;
    Ok(crate::settings::view(&app).await?)
}
