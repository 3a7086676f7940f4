//! Native notifications (notify-rust) for the core's notices. Buttons where the server has
//! actions (their ids and what they do come from the notice); where it has none, the body
//! says where the same action is in the tray menu. A click on the body opens the popup on
//! the notice's item.

use elevate_core::notice::{Notice, DEFAULT_ACTION};
use notify_rust::Notification;
use tauri::{AppHandle, Runtime};

fn supports_actions() -> bool {
    #[cfg(target_os = "linux")]
    {
        notify_rust::get_capabilities()
            .map(|c| c.iter().any(|x| x == "actions"))
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Shows `notice`; a button or a click runs its intent.
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: Notice) {
    let app = app.clone();
    // wait_for_action blocks: one short-lived thread per notification.
    std::thread::spawn(move || {
        let actions = supports_actions();
        let body = if actions {
            notice.body.clone()
        } else {
            notice.body_without_buttons()
        };
        let mut n = Notification::new();
        n.appname("Elevate").summary(&notice.title).body(&body);
        if actions {
            n.action(DEFAULT_ACTION, "Open");
            for (button, label) in notice.buttons() {
                n.action(button.id(), label);
            }
        }
        let handle = match n.show() {
            Ok(h) => h,
            Err(e) => {
                tracing::error!("cannot show a notification ({}): {e}", notice.title);
                return;
            }
        };
        if !actions {
            return;
        }
        #[cfg(target_os = "linux")]
        handle.wait_for_action(|action| {
            if let Some(intent) = notice.intent(action) {
                crate::dispatch::run(&app, intent);
            }
        });
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (handle, &app);
        }
    });
}
