//! Native notifications (notify-rust): reminders before expiry (Extend, Open, Dismiss),
//! "ready", approvals, failures, favorites at login and sign-in needed. Where the
//! notification server has no actions, plain notifications that point at the tray menu,
//! which carries every action too. Clicking a body opens the popup on its item.

use elevate_core::scheduler::Due;
use notify_rust::Notification;
use tauri::AppHandle;

/// What a notification offers besides opening the popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Nothing,
    /// Extend (reminders), then Open and Dismiss.
    Extend,
    /// A button to handle what needs the user (opens the popup on the item).
    Handle,
    SignIn,
}

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
    match due {
        Due::Expiring {
            key,
            label,
            minutes_left,
            late,
            ..
        } => {
            let summary = format!("{label} expires in {} min", minutes_left.max(&1));
            let body = if *late {
                "This reminder is late (the computer was asleep). Extend keeps access without a gap."
            } else {
                "Extend keeps access without a gap."
            };
            show(app, &summary, body, Some(key), Offer::Extend);
        }
        Due::Expired { key, label } => show(
            app,
            &format!("{label} has ended"),
            "Activate it again from Elevate when you need it.",
            Some(key),
            Offer::Nothing,
        ),
    }
}

/// A one-off message; clicking it opens the popup.
pub fn message(app: &AppHandle, summary: &str, body: &str) {
    show(app, summary, body, None, Offer::Nothing);
}

/// Shows a notification; `key` is the item the popup opens on when it is clicked.
pub fn show(app: &AppHandle, summary: &str, body: &str, key: Option<&str>, offer: Offer) {
    let app = app.clone();
    let (summary, mut body, key) = (
        summary.to_string(),
        body.to_string(),
        key.map(str::to_string),
    );
    // wait_for_action blocks: one short-lived thread per notification.
    std::thread::spawn(move || {
        let actions = supports_actions();
        if !actions {
            // No buttons here: say where the same actions are.
            match offer {
                Offer::Extend => body.push_str(" Extend is in the tray menu."),
                Offer::SignIn => body.push_str(" Sign in from the tray menu."),
                Offer::Handle => body.push_str(" Open Elevate from the tray menu."),
                Offer::Nothing => {}
            }
        }
        let mut n = Notification::new();
        n.appname("Elevate").summary(&summary).body(&body);
        if actions {
            // "default" is the click on the body.
            n.action("default", "Open");
            match offer {
                Offer::Extend => {
                    n.action("extend", "Extend");
                    n.action("open", "Open");
                    n.action("dismiss", "Dismiss");
                }
                Offer::Handle => {
                    n.action("open", "Handle in Elevate");
                }
                Offer::SignIn => {
                    n.action("signin", "Sign in");
                }
                Offer::Nothing => {}
            }
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
        handle.wait_for_action(|action| on_action(&app, key.as_deref(), action));
        #[cfg(not(target_os = "linux"))]
        {
            let _ = handle;
            let _ = (&app, &key);
        }
    });
}

fn on_action(app: &AppHandle, key: Option<&str>, action: &str) {
    match action {
        "extend" => {
            let Some(key) = key else { return };
            let app = app.clone();
            let key = key.to_string();
            tauri::async_runtime::spawn(async move {
                match crate::actions::extend(&app, &key).await {
                    Ok(_) => message(
                        &app,
                        "Extended",
                        "The new activation starts when the current one ends.",
                    ),
                    Err(e) => show(
                        &app,
                        "Could not extend",
                        &e.to_string(),
                        Some(&key),
                        Offer::Handle,
                    ),
                }
            });
        }
        "open" | "default" => crate::actions::open_on(app, key),
        "signin" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = crate::actions::sign_in(&app).await {
                    message(&app, "Sign-in failed", &e.to_string());
                }
            });
        }
        _ => {}
    }
}
