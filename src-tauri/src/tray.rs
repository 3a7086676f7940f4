//! The tray icon and its menu. On Linux a click on the icon never reaches the app, so the
//! menu must carry every action.

use elevate_core::tray::TrayState;
use tauri::{
    image::Image,
    menu::{Menu, MenuItem, PredefinedMenuItem},
    tray::TrayIconBuilder,
    AppHandle,
};

pub const TRAY_ID: &str = "elevate";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";

/// The icon for each state, embedded so the app never depends on files beside it.
pub fn icon(state: TrayState) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match state {
        TrayState::Idle => include_bytes!("../../icons/tray/idle.png"),
        TrayState::Active => include_bytes!("../../icons/tray/active.png"),
        TrayState::Pending => include_bytes!("../../icons/tray/pending.png"),
        TrayState::Expiring => include_bytes!("../../icons/tray/expiring.png"),
    };
    Image::from_bytes(bytes)
}

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, MENU_OPEN, "Open Elevate…", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, MENU_QUIT, "Quit Elevate", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &PredefinedMenuItem::separator(app)?, &quit])?;

    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(TrayState::Idle)?)
        .tooltip("Elevate: nothing active")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => {
                if let Err(err) = crate::popup::open(app) {
                    eprintln!("elevate: could not open the popup: {err}");
                }
            }
            MENU_QUIT => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            // Windows and macOS report left clicks; open the popup there.
            if let tauri::tray::TrayIconEvent::Click {
                button: tauri::tray::MouseButton::Left,
                button_state: tauri::tray::MouseButtonState::Up,
                ..
            } = event
            {
                if let Err(err) = crate::popup::open(tray.app_handle()) {
                    eprintln!("elevate: could not open the popup: {err}");
                }
            }
        })
        .build(app)?;
    Ok(())
}
