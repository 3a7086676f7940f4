//! `#[tauri::command]` adapters, a few lines each over the service. Views reach the page
//! only through the `view` event (and the `view` command, once, when the page loads):
//! commands return their outcome, never a view.

use elevate_core::app::{
    ActivationForm, AppInfo, BatchForm, BatchItem, Settings, SettingsView, View,
};
use elevate_core::approval::{Decided, DecisionForm};
use elevate_core::palette::{PaletteItem, PaletteOutcome, PaletteRequest};
use elevate_core::pim::RequestOutcome;
use elevate_core::review::{ReviewDecided, ReviewForm, ReviewsView};
use elevate_core::service::{Confirmation, HistoryView, Input, Target};
use elevate_core::ErrorPayload;
use tauri::{AppHandle, Runtime};

use crate::slot::Slot;
use crate::Launch;

type Reply<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub fn app_info(launch: tauri::State<'_, Launch>) -> AppInfo {
    AppInfo::new(if launch.demo { "demo" } else { "tenant" })
}

#[tauri::command]
pub fn close_popup<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Ok(crate::popup::close(&app)?)
}

/// The view for a page that just loaded (then it follows the `view` event).
#[tauri::command]
pub async fn view<R: Runtime>(app: AppHandle<R>) -> Reply<View> {
    Ok(Slot::ready(&app).await?.view_for_popup().await)
}

#[tauri::command]
pub async fn refresh<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Slot::ready(&app).await?.refresh_all().await;
    Ok(())
}

/// The popup's History view: my events of the last `days` days and the chain's state.
#[tauri::command]
pub async fn history_view<R: Runtime>(app: AppHandle<R>, days: Option<i64>) -> Reply<HistoryView> {
    Ok(Slot::ready(&app)
        .await?
        .history_view(days.unwrap_or(7))
        .await)
}

/// The popup's Reviews view: a fresh look at the access review decisions waiting for me.
#[tauri::command]
pub async fn reviews_view<R: Runtime>(app: AppHandle<R>) -> Reply<ReviewsView> {
    Ok(Slot::ready(&app).await?.look_at_reviews().await)
}

/// Records my decision on an access review item; the view follows as a `view` event.
#[tauri::command]
pub async fn decide_review<R: Runtime>(
    app: AppHandle<R>,
    form: ReviewForm,
) -> Reply<ReviewDecided> {
    let e = Slot::ready(&app).await?;
    Ok(
        e.decide_review(&form.key, form.decision, form.justification.as_deref())
            .await?,
    )
}

/// Opens the Azure portal's approvals page for a request only the portal can decide.
#[tauri::command]
pub async fn open_in_portal<R: Runtime>(app: AppHandle<R>, key: String) -> Reply<()> {
    Ok(Slot::ready(&app).await?.open_in_portal(&key).await?)
}

/// Approves or denies a request waiting for me.
#[tauri::command]
pub async fn decide<R: Runtime>(app: AppHandle<R>, form: DecisionForm) -> Reply<Decided> {
    let e = Slot::ready(&app).await?;
    Ok(
        e.decide(&form.key, form.verdict, form.justification.as_deref())
            .await?,
    )
}

#[tauri::command]
pub async fn activate<R: Runtime>(
    app: AppHandle<R>,
    form: ActivationForm,
) -> Reply<RequestOutcome> {
    let e = Slot::ready(&app).await?;
    Ok(e.activate_confirmed(
        &Target::key(form.key.clone()),
        &Input::from(&form),
        Confirmation::given(form.confirm_tier0),
    )
    .await?
    .outcome)
}

#[tauri::command]
pub async fn activate_many<R: Runtime>(
    app: AppHandle<R>,
    form: BatchForm,
) -> Reply<Vec<BatchItem>> {
    let e = Slot::ready(&app).await?;
    let confirmation = Confirmation::given(form.confirm_tier0);
    Ok(
        e.activate_many(&form.keys, &Input::from(&form), confirmation)
            .await?,
    )
}

#[tauri::command]
pub async fn deactivate<R: Runtime>(app: AppHandle<R>, key: String) -> Reply<RequestOutcome> {
    Ok(Slot::ready(&app)
        .await?
        .deactivate(&Target::Key(key))
        .await?
        .outcome)
}

#[tauri::command]
pub async fn cancel<R: Runtime>(app: AppHandle<R>, key: String) -> Reply<RequestOutcome> {
    Ok(Slot::ready(&app)
        .await?
        .cancel(&Target::Key(key))
        .await?
        .outcome)
}

#[tauri::command]
pub async fn sign_in<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Slot::ready(&app).await?.sign_in().await?;
    Ok(())
}

#[tauri::command]
pub async fn toggle_favorite<R: Runtime>(app: AppHandle<R>, form: ActivationForm) -> Reply<()> {
    Ok(Slot::ready(&app).await?.toggle_favorite(&form).await?)
}

#[tauri::command]
pub fn open_settings<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Ok(crate::settings::open(&app)?)
}

#[tauri::command]
pub fn close_settings<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Ok(crate::settings::close(&app)?)
}

#[tauri::command]
pub async fn settings_get<R: Runtime>(app: AppHandle<R>) -> Reply<SettingsView> {
    Ok(Slot::ready(&app).await?.settings_view())
}

#[tauri::command]
pub async fn settings_save<R: Runtime>(
    app: AppHandle<R>,
    settings: Settings,
) -> Reply<SettingsView> {
    Ok(crate::settings::save(&app, &settings).await?)
}

/// The settings window's "Check connection": the doctor's report (no secrets in it).
#[tauri::command]
pub async fn check_connection<R: Runtime>(
    app: AppHandle<R>,
) -> Reply<elevate_core::doctor::DoctorReport> {
    Ok(Slot::ready(&app).await?.doctor().await)
}

#[tauri::command]
pub async fn sign_out<R: Runtime>(app: AppHandle<R>) -> Reply<SettingsView> {
    let e = Slot::ready(&app).await?;
    e.sign_out().await?;
    Ok(e.settings_view())
}

#[tauri::command]
pub async fn switch_account<R: Runtime>(
    app: AppHandle<R>,
    object_id: String,
) -> Reply<SettingsView> {
    let e = Slot::ready(&app).await?;
    e.switch_account(&object_id).await?;
    Ok(e.settings_view())
}

#[tauri::command]
pub async fn add_account<R: Runtime>(app: AppHandle<R>) -> Reply<SettingsView> {
    let e = Slot::ready(&app).await?;
    e.add_account().await?;
    Ok(e.settings_view())
}

/// The palette's items: every assignment, recent and frequent first.
#[tauri::command]
pub async fn palette_items<R: Runtime>(app: AppHandle<R>) -> Reply<Vec<PaletteItem>> {
    Ok(Slot::ready(&app).await?.palette_items().await)
}

/// Enter, Shift+Enter or Del in the palette: the outcome, or the fields it must ask for.
#[tauri::command]
pub async fn palette_run<R: Runtime>(
    app: AppHandle<R>,
    request: PaletteRequest,
) -> Reply<PaletteOutcome> {
    Ok(Slot::ready(&app).await?.palette_run(&request).await?)
}

#[tauri::command]
pub fn close_palette<R: Runtime>(app: AppHandle<R>) -> Reply<()> {
    Ok(crate::palette::close(&app)?)
}
