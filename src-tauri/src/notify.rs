//! Native notifications (notify-rust): reminders before expiry with Extend, Open and
//! Dismiss; where the notification server has no actions, plain notifications (the tray menu
//! still has Extend). Clicking the body opens the popup.

use elevate_core::scheduler::Due;
use notify_rust::Notification;
use tauri::AppHandle;

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

/// Shows a reminder or an expiry notice.
pub fn due(app: &AppHandle, due: &Due) {
    let (summary, body, key, extend) = match due {
        Due::Expiring {
            key,
            label,
            minutes_left,
            late,
            ..
        } => {
            let summary = format!("{label} expires in {} min", minutes_left.max(&1));
            let body = if *late {
                "This reminder is late (the computer was asleep). Extend keeps access without a gap.".to_string()
            } else {
                "Extend keeps access without a gap.".to_string()
            };
            (summary, body, key.clone(), true)
        }
        Due::Expired { key, label } => (
            format!("{label} has ended"),
            "Activate it again from Elevate when you need it.".to_string(),
            key.clone(),
            false,
        ),
    };
    send(app, &summary, &body, &key, extend);
}

/// A one-off message (an action's result).
pub fn message(app: &AppHandle, summary: &str, body: &str) {
    let app = app.clone();
    let (summary, body) = (summary.to_string(), body.to_string());
    std::thread::spawn(move || {
        let _ = Notification::new()
            .appname("Elevate")
            .summary(&summary)
            .body(&body)
            .show();
        let _ = app;
    });
}

fn send(app: &AppHandle, summary: &str, body: &str, key: &str, extend: bool) {
    let app = app.clone();
    let (summary, body, key) = (summary.to_string(), body.to_string(), key.to_string());
    // wait_for_action blocks: one short-lived thread per notification.
    std::thread::spawn(move || {
        let mut n = Notification::new();
        n.appname("Elevate").summary(&summary).body(&body);
        let actions = supports_actions();
        if actions {
            if extend {
                n.action("extend", "Extend");
            }
            n.action("default", "Open");
            n.action("open", "Open");
            n.action("dismiss", "Dismiss");
        }
        let handle = match n.show() {
            Ok(h) => h,
            Err(e) => {
                eprintln!("elevate: cannot show a notification: {e}");
                return;
            }
        };
        if !actions {
            return;
        }
        #[cfg(target_os = "linux")]
        handle.wait_for_action(|action| on_action(&app, &key, action));
        #[cfg(not(target_os = "linux"))]
        {
            let _ = handle;
            let _ = (&app, &key);
        }
    });
}

fn on_action(app: &AppHandle, key: &str, action: &str) {
    match action {
        "extend" => {
            let app = app.clone();
            let key = key.to_string();
            tauri::async_runtime::spawn(async move {
                match crate::actions::extend(&app, &key).await {
                    Ok(_) => message(
                        &app,
                        "Extended",
                        "The new activation starts when the current one ends.",
                    ),
                    Err(e) => message(&app, "Could not extend", &e.to_string()),
                }
            });
        }
        "open" | "default" => {
            if let Err(e) = crate::popup::open(app) {
                eprintln!("elevate: could not open the popup: {e}");
            }
        }
        _ => {}
    }
}
