//! The app's commands through Tauri's mock runtime, over the real service on the embedded
//! demo tenant (HTTP on loopback): what the popup calls, without a desktop.

use std::path::PathBuf;
use std::sync::Arc;

use elevate_core::store::DataDir;
use elevate_core::Elevate;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::shell::TauriShell;
use crate::slot::Slot;
use crate::{wire, Launch, COMMANDS};

const USER_ADMIN: &str = "entraRole:fe930be7-5e62-47db-91af-98c3a49a38b1:/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct App {
    _app: tauri::App<tauri::test::MockRuntime>,
    popup: WebviewWindow<tauri::test::MockRuntime>,
    elevate: Arc<Elevate>,
}

/// The app on the mock runtime, its service on a fresh demo tenant, signed in.
fn app() -> App {
    let app = wire(
        mock_builder(),
        Launch {
            demo: true,
            open_popup: false,
        },
    )
    .build(mock_context(noop_assets()))
    .expect("mock app");
    let popup = WebviewWindowBuilder::new(&app, "popup", Default::default())
        .build()
        .expect("popup");
    let handle = app.handle().clone();
    let dir = std::env::temp_dir().join(format!("elevate-app-test-{}", uuid()));
    let elevate = tauri::async_runtime::block_on(async move {
        let shell = Arc::new(TauriShell::new(handle, false));
        let e = crate::demo::open(shell, DataDir(dir)).await.expect("demo");
        e.sign_in_device(|_| {}).await.expect("demo sign-in");
        e
    });
    assert!(app.state::<Slot>().0.set(elevate.clone()).is_ok());
    App {
        _app: app,
        popup,
        elevate,
    }
}

fn uuid() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// Invokes `cmd` as the popup would; the reply or the `{code, message}` error.
fn invoke(
    w: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let url = if cfg!(windows) {
        "http://tauri.localhost"
    } else {
        "tauri://localhost"
    };
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: url.parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("json"))
}

#[test]
fn the_popup_activates_through_the_service_and_it_is_history() {
    let a = app();
    let info = invoke(&a.popup, "app_info", json!({})).expect("app_info");
    assert_eq!(info["mode"], "demo");
    let view = invoke(&a.popup, "view", json!({})).expect("view");
    assert!(view["snapshot"]["assignments"]
        .as_array()
        .is_some_and(|x| x.len() > 20));
    assert_eq!(
        invoke(&a.popup, "refresh", json!({})),
        Ok(Value::Null),
        "views come by event"
    );
    let form = json!({"form": {"key": USER_ADMIN, "justification": "patching", "duration": "1h"}});
    let out = invoke(&a.popup, "activate", form.clone()).expect("activate");
    assert_eq!(out["state"], "active");
    let again = invoke(&a.popup, "activate", form).expect("again");
    assert_eq!(again["state"], "alreadyActive");
    let history = a.elevate.history().expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].justification.as_deref(), Some("patching"));
    assert_eq!(
        a.elevate.verify_history().expect("verify").first_bad_line,
        None
    );
    // The star: saved, and the tray offers it.
    let star = json!({"form": {"key": "entraRole:29232cdf-9323-42fd-ade2-1d097af3e4de:/", "justification": "mail"}});
    assert_eq!(invoke(&a.popup, "toggle_favorite", star), Ok(Value::Null));
    assert_eq!(a.elevate.favorites().expect("favorites").len(), 1);
}

#[test]
fn unknown_commands_and_bad_arguments_are_refused_in_the_one_error_shape() {
    let a = app();
    let err = invoke(
        &a.popup,
        "activate",
        json!({"form": {"key": USER_ADMIN, "justification": "x", "duration": "soon"}}),
    )
    .expect_err("refused");
    assert_eq!(err["code"], "invalidInput");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a duration")),
        "{err}"
    );
    let err =
        invoke(&a.popup, "deactivate", json!({"key": "entraRole:nope:/"})).expect_err("refused");
    assert_eq!(err["code"], "invalidInput");
    assert!(invoke(&a.popup, "no_such_command", json!({})).is_err());
}

/// The refusals the popup and elevatectl share (tests/cases/refusals.json; the CLI side is
/// tests/e2e/test_cli.py): the same input, the same code and message from both.
#[test]
fn the_shared_refusal_table_holds_for_the_popup() {
    let a = app();
    let text = std::fs::read_to_string(root().join("tests/cases/refusals.json")).expect("table");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("json");
    assert!(cases.len() >= 5);
    let assignments = tauri::async_runtime::block_on(a.elevate.lookup()).expect("listed");
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let key = assignments
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.key.clone())
            .expect(name);
        let form = json!({"form": {"key": key, "justification": case["justification"], "ticketNumber": case["ticket"], "duration": case["duration"]}});
        let err = invoke(&a.popup, "activate", form).expect_err(name);
        assert_eq!(err["code"], case["code"], "{case}");
        assert_eq!(err["message"], case["message"], "{case}");
    }
    assert!(
        a.elevate.history().expect("history").is_empty(),
        "nothing was sent"
    );
}

#[test]
fn one_command_list_feeds_the_capabilities_and_the_typescript_type() {
    let mut granted = vec![];
    for entry in std::fs::read_dir(root().join("capabilities")).expect("capabilities") {
        let path = entry.expect("entry").path();
        let cap: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        for p in cap["permissions"].as_array().expect("permissions") {
            let p = p.as_str().expect("a permission id");
            if p.starts_with("core:event:") {
                continue;
            }
            let cmd = p
                .strip_prefix("allow-")
                .unwrap_or_else(|| panic!("{}: {p} is not one of ours", path.display()))
                .replace('-', "_");
            assert!(
                COMMANDS.contains(&cmd.as_str()),
                "{}: {p} names no listed command",
                path.display()
            );
            granted.push(cmd);
        }
    }
    for c in COMMANDS {
        assert!(
            granted.iter().any(|g| g == c),
            "{c} is listed but no window may call it"
        );
    }
    // The TypeScript side takes the same list (checked against git like the other bindings).
    let names: Vec<String> = COMMANDS.iter().map(|c| format!("\"{c}\"")).collect();
    let ts = format!(
        "// This file was generated by [ts-rs](https://github.com/Aleph-Alpha/ts-rs). Do not edit this file manually.\n\n/**\n * Every command the webviews may invoke; one list feeds the handler, the build script, the capabilities and this type.\n */\nexport type CommandName = {};\n",
        names.join(" | ")
    );
    let dir = std::env::var("TS_RS_EXPORT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("ui/src/bindings"));
    let dir = if dir.is_absolute() {
        dir
    } else {
        root().join(dir)
    };
    std::fs::write(dir.join("CommandName.ts"), ts).expect("write the binding");
}
